"""The public surface of novacron_chain.tokens: a test fails when it drifts (httpx tests/test_exported_members)."""

from __future__ import annotations

import inspect

import novacron_chain.tokens as tokens
from novacron_chain import NovaChain
from novacron_chain.errors import NovaValueError, TokenError

EXPECTED = [
    "CONTRACT_NAMES",
    "DEFAULT_DEADLINE",
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

#: the seed's Token Manager API in snake_case, plus what the issue adds
MANAGER_API = [
    "add_liquidity",
    "balance",
    "balances",
    "buy",
    "cancel_order",
    "create_order",
    "curve",
    "factory",
    "fill_order",
    "fund_rewards",
    "get_order",
    "get_spot_price",
    "get_stake",
    "list_orders",
    "market",
    "mint_tokens",
    "order_book",
    "pool",
    "pool_info",
    "quote_add_liquidity",
    "quote_buy",
    "quote_fill",
    "quote_remove_liquidity",
    "quote_sell",
    "quote_stake",
    "quote_swap",
    "remove_liquidity",
    "reserved_capacity",
    "reward_reserve",
    "sell",
    "stake_tokens",
    "stakes",
    "staking",
    "swap_tokens",
    "token",
    "unstake_tokens",
]


def test_all_is_sorted_and_as_expected() -> None:
    assert tokens.__all__ == EXPECTED
    for name in tokens.__all__:
        assert hasattr(tokens, name), name


def test_manager_api_is_as_expected() -> None:
    public = sorted(n for n in vars(tokens.TokenManager) if not n.startswith("_"))
    assert public == MANAGER_API


def test_public_names_are_documented() -> None:
    assert tokens.__doc__
    for name in tokens.__all__:
        member = getattr(tokens, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member):
            for attr, value in vars(member).items():
                if not attr.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(getattr(member, attr)), f"{name}.{attr} has no docstring"
    assert inspect.getdoc(NovaChain.tokens)


def test_errors_are_token_errors() -> None:
    errors = [getattr(tokens, n) for n in tokens.__all__ if n.endswith("Error")]
    assert len(errors) == 9
    for error in errors:
        assert issubclass(error, TokenError)
    assert issubclass(tokens.TokenValueError, NovaValueError)
    assert tokens.TokenValueError("x").exit_code == 2
    assert tokens.DeadlineExpiredError(1, 2).exit_code == 2
    assert tokens.SlippageError("cost", 2, 1).exit_code == 1
    assert tokens.ContractPausedError("ResourceMarket").exit_code == 1
    assert tokens.SlippageError("cost", 2, 1).to_dict()["error"] == "SlippageError"
