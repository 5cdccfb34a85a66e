"""Resource tokens: CPU, MEM, STO and NET ERC-20s, their bonding-curve market, pools, staking and order book.

One token is one unit of the resource (a vCPU hour, a GB hour of memory, a TB hour of storage, a GB transferred);
see :data:`RESOURCES` for the seed's caps, base prices and staking APRs. Every amount is an exact integer: base
units of a token (18 decimals, ``10**18`` per token; :func:`parse_units` / :func:`format_units` convert) or wei.

:class:`TokenManager` is the seed's Token Manager (``nc.tokens`` on a connected ``NovaChain``)::

    tm = nc.tokens
    quote = tm.quote_buy(Resource.CPU, 100 * 10**18)           # exact wei, nothing sent
    tm.buy(Resource.CPU, 100 * 10**18, max_cost=quote.wei)     # the curve's exact integral, rounded up
    tm.add_liquidity(Resource.CPU, 50 * 10**18, 10**17)        # CPU/native pool shares
    tm.swap_tokens(Resource.CPU, Resource.MEM, 10**18)         # through the CPU/MEM pool
    tm.stake_tokens(Resource.CPU, 20 * 10**18, timedelta(days=30))
    tm.get_spot_price(Resource.CPU)                            # wei per whole token

The closed-form arithmetic of every contract (curve integral, pool swap and deposit, staking reward, order cost)
is in :mod:`novacron_chain.tokens._math` as exact Python integers; quotes come from the contracts' view functions
and match it to the wei (the tests check both against the chain).

Errors are :class:`~novacron_chain.errors.TokenError` subclasses (the tree is in
:mod:`novacron_chain.tokens._errors`); :data:`ERROR_HINTS` has a hint for every custom error of the token contracts.
"""

from ._deploy import MINTER_ROLE, NATIVE, deploy_steps
from ._economics import RESOURCES, Resource, ResourceSpec, base_price_wei
from ._errors import (
    ERROR_HINTS,
    CapExceededError,
    ContractPausedError,
    DeadlineExpiredError,
    InsufficientTokensError,
    NoLiquidityError,
    RewardReserveError,
    SlippageError,
    TokenValueError,
    UnknownPositionError,
)
from ._manager import DEFAULT_DEADLINE, MAX_LOCK_DURATION, MIN_LOCK_DURATION, TokenManager, parse_asset
from ._math import format_units, parse_units
from ._types import (
    NATIVE_ASSET,
    Asset,
    Balances,
    LiquidityChange,
    LiquidityQuote,
    MarketQuote,
    Order,
    OrderCancel,
    OrderFill,
    PoolInfo,
    Stake,
    StakeQuote,
    SwapQuote,
    SwapResult,
    Trade,
    TxInfo,
    Unstake,
)

#: record names of the token contract set, as ``NovaChain.tokens`` looks them up
CONTRACT_NAMES = (
    *(RESOURCES[r].record_name for r in Resource),
    "ResourceMarket",
    "ResourceStaking",
    "ResourceOrderBook",
    "LiquidityPoolFactory",
)

__all__ = [
    "CONTRACT_NAMES",
    "DEFAULT_DEADLINE",
    "ERROR_HINTS",
    "MAX_LOCK_DURATION",
    "MINTER_ROLE",
    "MIN_LOCK_DURATION",
    "NATIVE",
    "NATIVE_ASSET",
    "RESOURCES",
    "Asset",
    "Balances",
    "CapExceededError",
    "ContractPausedError",
    "DeadlineExpiredError",
    "InsufficientTokensError",
    "LiquidityChange",
    "LiquidityQuote",
    "MarketQuote",
    "NoLiquidityError",
    "Order",
    "OrderCancel",
    "OrderFill",
    "PoolInfo",
    "Resource",
    "ResourceSpec",
    "RewardReserveError",
    "SlippageError",
    "Stake",
    "StakeQuote",
    "SwapQuote",
    "SwapResult",
    "TokenManager",
    "TokenValueError",
    "Trade",
    "TxInfo",
    "UnknownPositionError",
    "Unstake",
    "base_price_wei",
    "deploy_steps",
    "format_units",
    "parse_asset",
    "parse_units",
]
