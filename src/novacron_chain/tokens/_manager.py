"""``TokenManager``: buy and sell resource tokens on the curve, swap and provide liquidity in pools, stake for
reservations, and trade peer to peer, with exact quotes before anything is sent."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from web3.logs import DISCARD

from ..chain import Receipt, checksum, event_indexer
from ..errors import ChainError, ContractCustomError, NovaChainError, NovaValueError
from . import _math as m
from ._deploy import NATIVE
from ._economics import RESOURCES, WHOLE, Resource
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

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..chain import Chain, Signer

__all__ = ["DEFAULT_DEADLINE", "MAX_LOCK_DURATION", "MIN_LOCK_DURATION", "TokenManager", "parse_asset"]

#: seconds of chain time a transaction may wait to be mined when no deadline is given
DEFAULT_DEADLINE = 20 * 60
#: ResourceStaking's lock bounds, in seconds
MIN_LOCK_DURATION = 24 * 3600
MAX_LOCK_DURATION = 365 * 24 * 3600
_UINT96 = 2**96 - 1
_UINT104 = 2**104 - 1
_UINT128 = 2**128 - 1
_UINT256 = 2**256 - 1
_NATIVE_NAMES = {"native", "eth", "pol", "matic", "avax", "coin"}


def _resource(value: object) -> Resource:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TokenValueError(f"{value!r} is not a resource", hint="use one of CPU, MEM, STO, NET")
    try:
        return Resource.parse(value)
    except NovaValueError as exc:
        raise TokenValueError(exc.message, hint=exc.hint) from exc


def parse_asset(value: object) -> Asset:
    """A pool asset from ``Resource.CPU``, ``"cpu"``, ``0`` ... or ``"native"`` (also ``"ETH"``, ``"POL"``,
    ``"AVAX"`` and the zero address) for the chain's native coin; :class:`TokenValueError` otherwise."""
    if isinstance(value, str) and (value.lower() in _NATIVE_NAMES or value == NATIVE):
        return NATIVE_ASSET
    try:
        return _resource(value)
    except TokenValueError:
        raise TokenValueError(
            f"unknown asset {value!r}", hint="use a resource (CPU, MEM, STO, NET) or native for the chain's coin"
        ) from None


def _amount(value: object, what: str = "amount", *, zero: bool = False, limit: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TokenValueError(
            f"{what} must be an integer number of base units, not {type(value).__name__} {value!r}",
            hint="amounts are exact integers: 1 token is 10**18 base units (parse_units('1.5') converts)",
        )
    if value < 0 or (value == 0 and not zero):
        raise TokenValueError(
            f"{what} must be {'zero or more' if zero else 'positive'}, not {value}",
            hint="give a positive amount in base units (1 token is 10**18)",
        )
    if limit is not None and value > limit:
        raise TokenValueError(
            f"{what} {m.format_units(value)} ({value} base units) is too large: at most {m.format_units(limit)} "
            f"({limit} base units)"
        )
    return value


def _hex(raw: bytes | str) -> str:
    return raw if isinstance(raw, str) else "0x" + bytes(raw).hex()


class TokenManager:
    """The resource tokens of one chain: the bonding-curve market, the pools, staking and the order book.

    ``contracts`` looks a deployed contract up by its record name (``CPUToken`` ... ``NETToken``,
    ``ResourceMarket``, ``ResourceStaking``, ``ResourceOrderBook``, ``LiquidityPoolFactory``); ``NovaChain.tokens``
    passes its deployments registry. ``from_block`` is where event scans (order and stake listings) start.

    Every amount is an exact integer: base units of a token (``10**18`` per token) or wei. Writes are sent from the
    chain's signer; each takes slippage bounds that default to the exact quote (so any price movement between the
    quote and inclusion reverts, costing no gas: gas is estimated first) and a deadline in unix seconds of chain time
    (default: :data:`DEFAULT_DEADLINE` from now). Token approvals the operation needs are sent first, for exactly the
    amount. Errors are :class:`~novacron_chain.errors.TokenError` subclasses (see :mod:`novacron_chain.tokens`).

    ``sender`` sends (and owns what is bought, staked ...) instead of the chain's signer; :meth:`with_sender` gives
    such a view of the same contracts.
    """

    def __init__(
        self,
        chain: Chain,
        contracts: Callable[[str], Contract],
        *,
        from_block: int = 0,
        sender: Signer | None = None,
    ) -> None:
        self.chain = chain
        self.from_block = from_block
        self.sender = sender
        self._lookup = contracts
        self._cache: dict[str, Contract] = {}

    def with_sender(self, sender: Signer | None) -> TokenManager:
        """This token set acting for ``sender`` (None: the chain's signer): writes are sent from it and "the
        signer's" balances, stakes and orders are its own. Shares the contract lookups with this manager."""
        if sender is self.sender:
            return self
        view = TokenManager(self.chain, self._lookup, from_block=self.from_block, sender=sender)
        view._cache = self._cache
        return view

    # -- contracts ------------------------------------------------------------------------------------------------

    def _contract(self, name: str) -> Contract:
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = self._lookup(name)
        return found

    @property
    def market(self) -> Contract:
        """The ResourceMarket (bonding curve)."""
        return self._contract("ResourceMarket")

    @property
    def staking(self) -> Contract:
        """The ResourceStaking contract."""
        return self._contract("ResourceStaking")

    @property
    def order_book(self) -> Contract:
        """The ResourceOrderBook (peer-to-peer sell orders)."""
        return self._contract("ResourceOrderBook")

    @property
    def factory(self) -> Contract:
        """The LiquidityPoolFactory (registry of the pools)."""
        return self._contract("LiquidityPoolFactory")

    def token(self, resource: Resource | str | int) -> Contract:
        """The ResourceToken contract of ``resource``."""
        return self._contract(RESOURCES[_resource(resource)].record_name)

    def _asset_address(self, asset: Asset) -> str:
        return NATIVE if asset == NATIVE_ASSET else str(self.token(asset).address)

    def pool(self, asset: object, other: object = NATIVE_ASSET) -> Contract:
        """The LiquidityPool of two assets (a resource and another resource or ``"native"``)."""
        a, b = parse_asset(asset), parse_asset(other)
        if a == b:
            raise TokenValueError(f"a pool needs two different assets, not {_name(a)} twice")
        key = f"pool:{_name(a)}:{_name(b)}" if _name(a) < _name(b) else f"pool:{_name(b)}:{_name(a)}"
        found = self._cache.get(key)
        if found is None:
            address = self._read(self.factory.functions.getPool(self._asset_address(a), self._asset_address(b)))
            if int(address, 16) == 0:
                raise TokenValueError(
                    f"there is no {_name(a)}/{_name(b)} pool",
                    hint="pools exist for each resource with native and for each pair of resources",
                )
            found = self._cache[key] = self.chain.contract("LiquidityPool", address)
        return found

    # -- plumbing -------------------------------------------------------------------------------------------------

    @contextmanager
    def _translating(self, contract: Contract | None = None) -> Iterator[None]:
        """Turn decoded contract errors a user can cause into TokenErrors (the decoded error is the cause)."""
        try:
            yield
        except ContractCustomError as exc:
            _translate(self, exc, contract)
            raise

    def _read(self, fn: ContractFunction) -> Any:
        with self._translating():
            return self.chain.call(fn, sender=None if self.sender is None else self.sender.address)

    def _send(self, fn: ContractFunction, *, value: int = 0, contract: Contract | None = None) -> Receipt:
        with self._translating(contract):
            return self.chain.transact(fn, value=value, sender=self.sender)

    def _deadline(self, deadline: int | None) -> int:
        now = self.chain.timestamp()
        if deadline is None:
            # from the later of the last block's time and the wall clock: a dev node that has mined nothing for a
            # while (anvil automine) would otherwise stamp the next block past a deadline counted from the old one
            return max(now, int(time.time())) + DEFAULT_DEADLINE
        _amount(deadline, "deadline", zero=True)
        if deadline < now:
            raise DeadlineExpiredError(deadline, now)
        return deadline

    def _me(self) -> str:
        return (self.sender or self.chain.signer).address

    def _account(self, address: str | None, what: str = "address") -> str:
        return self._me() if address is None else checksum(address, what)

    @staticmethod
    def _tx(receipt: Receipt) -> TxInfo:
        return TxInfo(receipt.tx_hash, receipt.block_number, receipt.gas_used, receipt.fee_wei)

    @staticmethod
    def _event(contract: Contract, name: str, receipt: Receipt) -> dict[str, Any]:
        events = contract.events[name]().process_receipt(receipt.raw, errors=DISCARD)
        if not events:
            raise ChainError(f"{name} was not emitted by {contract.address} in {receipt.tx_hash}")
        return dict(events[-1]["args"])

    def _logs(self, contract: Contract, event: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
        with self.chain.mapped(f"reading {event} events"):
            logs = event_indexer(self.chain).events(
                contract, event, from_block=self.from_block, argument_filters=filters
            )
        return [dict(log["args"]) for log in logs]

    def _require_tokens(self, resource: Resource, amount: int, doing: str) -> None:
        held = self.balance(resource)
        if held < amount:
            raise InsufficientTokensError(
                f"cannot {doing}: {self._me()} holds {m.format_units(held)} {resource.name} "
                f"({held} base units), {m.format_units(amount)} needed",
                hint=f"buy {resource.name} first (`novacron-chain market buy {resource.name} AMOUNT`) or lower the "
                "amount",
            )

    def _erc20(self, token: Resource | str | int) -> Contract:
        """The token of a resource, or the ERC-20 at the address ``token``."""
        if isinstance(token, str) and token[:2].lower() == "0x":
            return self.chain.contract("ResourceToken", checksum(token, "token"))  # only the ERC-20 part is used
        return self.token(token)

    def resource_of(self, token: str) -> Resource | None:
        """The resource whose token contract is at the address ``token``; None for any other address (or a token
        that is not deployed)."""
        address = checksum(token, "token")
        for r in Resource:
            try:
                if self.token(r).address == address:
                    return r
            except NovaChainError:
                continue
        return None

    def approve(self, token: Resource | str | int, spender: str, amount: int) -> TxInfo | None:
        """Let ``spender`` move ``amount`` base units of the signer's ``token`` (a resource, or the address of any
        ERC-20); sends nothing (returns None) when the allowance covers it already. The operations of this class
        approve what they move themselves, for exactly the amount; this is for other contracts (an SLA's stake)."""
        amount, who = _amount(amount, zero=True, limit=_UINT256), checksum(spender, "spender")
        erc20 = self._erc20(token)
        if int(self._read(erc20.functions.allowance(self._me(), who))) >= amount:
            return None
        return self._tx(self._send(erc20.functions.approve(who, amount), contract=erc20))

    # -- balances -------------------------------------------------------------------------------------------------

    def balance(self, resource: Resource | str | int, address: str | None = None) -> int:
        """``address``'s (default: the signer's) balance of ``resource`` (or of the ERC-20 at that address) in base
        units."""
        return int(self._read(self._erc20(resource).functions.balanceOf(self._account(address))))

    def balances(self, address: str | None = None) -> Balances:
        """``address``'s native coins and all four resource tokens."""
        who = self._account(address)
        return Balances(who, self.chain.balance(who), {r: self.balance(r, who) for r in Resource})

    # -- the bonding-curve market -----------------------------------------------------------------------------------

    def get_spot_price(self, resource: Resource | str | int) -> int:
        """The curve's marginal price of ``resource`` now: wei per whole token, rounded down (seed: GetSpotPrice)."""
        return int(self._read(self.market.functions.getSpotPrice(int(_resource(resource)))))

    def curve(self, resource: Resource | str | int) -> tuple[int, int, int]:
        """``(base_price, steepness, reserve)`` of a resource's curve: wei per whole token at reserve zero, whole
        tokens at which the price doubles, base units outstanding."""
        base, steep, reserve = self._read(self.market.functions.getCurve(int(_resource(resource))))
        return int(base), int(steep), int(reserve)

    def quote_buy(self, resource: Resource | str | int, amount: int) -> MarketQuote:
        """What buying ``amount`` base units costs now (the contract's ``quoteBuy``: the curve's exact integral,
        rounded up); :class:`CapExceededError` when the token's cap does not leave room."""
        r, amount = _resource(resource), _amount(amount, limit=_UINT96)
        token = self.token(r)
        supply, cap = int(self._read(token.functions.totalSupply())), int(self._read(token.functions.cap()))
        if supply + amount > cap:
            raise CapExceededError(
                f"buying {m.format_units(amount)} {r.name} would take its supply above the cap of "
                f"{m.format_units(cap)} ({m.format_units(cap - supply)} left)",
                hint="buy at most what is left under the cap",
            )
        base, steep, reserve = self.curve(r)
        cost = int(self._read(self.market.functions.quoteBuy(int(r), amount)))
        return MarketQuote(
            "buy",
            r,
            amount,
            cost,
            m.curve_spot_price(base, steep, reserve),
            m.curve_spot_price(base, steep, reserve + amount),
            reserve + amount,
        )

    def quote_sell(self, resource: Resource | str | int, amount: int) -> MarketQuote:
        """What selling ``amount`` base units back to the curve pays now (``quoteSell``, rounded down). Who may sell
        is not checked here: only an account's :meth:`redeemable` amount can be sold back."""
        r, amount = _resource(resource), _amount(amount, limit=_UINT96)
        base, steep, reserve = self.curve(r)
        payout = int(self._read(self.market.functions.quoteSell(int(r), amount)))
        return MarketQuote(
            "sell",
            r,
            amount,
            payout,
            m.curve_spot_price(base, steep, reserve),
            m.curve_spot_price(base, steep, reserve - amount),
            reserve - amount,
        )

    def buy(
        self,
        resource: Resource | str | int,
        amount: int,
        *,
        max_cost: int | None = None,
        to: str | None = None,
        deadline: int | None = None,
    ) -> Trade:
        """Buy ``amount`` base units on the curve, paying at most ``max_cost`` wei (default: the exact quote).

        ``max_cost`` is sent as value and what the buy does not cost is refunded in the same transaction.
        """
        quote = self.quote_buy(resource, amount)
        bound = quote.wei if max_cost is None else _amount(max_cost, "max_cost", zero=True)
        if quote.wei > bound:
            raise SlippageError("the buy's cost", quote.wei, bound, hint="raise --max-cost to at least the quote")
        receiver = self._account(to, "receiver")
        fn = self.market.functions.buy(int(quote.resource), quote.amount, bound, receiver, self._deadline(deadline))
        receipt = self._send(fn, value=bound, contract=self.market)
        ev = self._event(self.market, "ResourceBought", receipt)
        return Trade(
            "buy", quote.resource, int(ev["amount"]), int(ev["cost"]), int(ev["reserve"]), receiver, self._tx(receipt)
        )

    def mint_tokens(
        self,
        to: str,
        resource: Resource | str | int,
        amount: int,
        *,
        max_cost: int | None = None,
        deadline: int | None = None,
    ) -> Trade:
        """Mint ``amount`` base units of ``resource`` to ``to`` (seed: MintTokens), paid by the signer.

        This is :meth:`buy` with a receiver, who gets the tokens and the right to sell them back to the curve
        (:meth:`redeemable`). Governance can also mint (the timelock holds ``MINTER_ROLE``), but tokens minted outside
        the curve carry no claim on its collateral.
        """
        return self.buy(resource, amount, max_cost=max_cost, to=checksum(to, "receiver"), deadline=deadline)

    def sell(
        self,
        resource: Resource | str | int,
        amount: int,
        *,
        min_out: int | None = None,
        to: str | None = None,
        deadline: int | None = None,
    ) -> Trade:
        """Sell ``amount`` base units back to the curve for at least ``min_out`` wei (default: the exact quote).

        At most the signer's :meth:`redeemable` amount: the curve buys back only what it sold, from whom it sold it
        to (:class:`InsufficientTokensError` otherwise, before anything is sent)."""
        r, amount = _resource(resource), _amount(amount, limit=_UINT96)
        self._require_tokens(r, amount, f"sell {m.format_units(amount)} {r.name}")
        self._require_redeemable(r, amount)
        quote = self.quote_sell(r, amount)
        bound = quote.wei if min_out is None else _amount(min_out, "min_out", zero=True)
        if quote.wei < bound:
            raise SlippageError("the sale's payout", quote.wei, bound, hint="lower --min-out to at most the quote")
        receiver = self._account(to, "receiver")
        deadline = self._deadline(deadline)
        self.approve(quote.resource, self.market.address, quote.amount)
        fn = self.market.functions.sell(int(quote.resource), quote.amount, bound, receiver, deadline)
        receipt = self._send(fn, contract=self.market)
        ev = self._event(self.market, "ResourceSold", receipt)
        return Trade(
            "sell",
            quote.resource,
            int(ev["amount"]),
            int(ev["payout"]),
            int(ev["reserve"]),
            receiver,
            self._tx(receipt),
        )

    def redeemable(self, resource: Resource | str | int, address: str | None = None) -> int:
        """Base units of ``resource`` that ``address`` (default: the signer) may sell back to the curve: what the
        curve sold to it, plus what was passed to it with :meth:`transfer_redeemable`, minus what it sold back and
        passed on. Tokens received by transfer or minted by governance do not add to it."""
        r = _resource(resource)
        return int(self._read(self.market.functions.redeemableOf(int(r), self._account(address))))

    def transfer_redeemable(self, resource: Resource | str | int, to: str, amount: int) -> TxInfo:
        """Pass ``amount`` of the signer's right to sell ``resource`` back to the curve to ``to`` (for example with
        tokens sold over the counter). Moves no tokens."""
        r, amount = _resource(resource), _amount(amount, limit=_UINT96)
        receiver = checksum(to, "receiver")
        self._require_redeemable(r, amount, doing="pass on")
        fn = self.market.functions.transferRedeemable(int(r), receiver, amount)
        return self._tx(self._send(fn, contract=self.market))

    def _require_redeemable(self, resource: Resource, amount: int, doing: str = "sell back") -> None:
        claim = self.redeemable(resource)
        if claim < amount:
            raise InsufficientTokensError(
                f"cannot {doing} {m.format_units(amount)} {resource.name}: {self._me()} may sell back only "
                f"{m.format_units(claim)} {resource.name} to the curve ({claim} base units: what it bought there or "
                "was passed)",
                hint=ERROR_HINTS["MarketSellExceedsRedeemable"],
            )

    # -- pools ----------------------------------------------------------------------------------------------------

    def _oriented(self, asset: Asset, pool: Contract) -> bool:
        """Whether ``asset`` is the pool's token0."""
        return asset != NATIVE_ASSET and str(self._read(pool.functions.token0())) == self.token(asset).address

    def _reserves(self, asset: Asset, pool: Contract) -> tuple[int, int, int, bool]:
        """(reserve of asset, reserve of the other, total shares, asset is token0)."""
        r0, r1, _ = self._read(pool.functions.getReserves())
        supply = int(self._read(pool.functions.totalSupply()))
        first = self._oriented(asset, pool)
        return (int(r0), int(r1), supply, first) if first else (int(r1), int(r0), supply, first)

    def pool_info(self, resource: object, other: object = NATIVE_ASSET, account: str | None = None) -> PoolInfo:
        """A pool's reserves, total shares and ``account``'s (default: the signer's) shares."""
        a, b = _resource(resource), parse_asset(other)
        pool = self.pool(a, b)
        ra, rb, supply, _ = self._reserves(a, pool)
        mine = int(self._read(pool.functions.balanceOf(self._account(account))))
        return PoolInfo(pool.address, a, b, ra, rb, supply, mine)

    def quote_swap(self, asset_in: object, asset_out: object, amount_in: int) -> SwapQuote:
        """What swapping exactly ``amount_in`` of ``asset_in`` gives of ``asset_out`` now (the pool's
        ``getAmountOut``: 0.30% fee on the input, rounded down)."""
        a_in, a_out = parse_asset(asset_in), parse_asset(asset_out)
        amount_in = _amount(amount_in, "amount_in", limit=_UINT104)
        pool = self.pool(a_in, a_out)
        if a_in == NATIVE_ASSET:
            r_out, r_in, _, _ = self._reserves(a_out, pool)
        else:
            r_in, r_out, _, _ = self._reserves(a_in, pool)
        if r_in == 0 or r_out == 0:
            raise NoLiquidityError(
                f"the {_name(a_in)}/{_name(a_out)} pool is empty",
                hint="add liquidity first (`novacron-chain pool add ...`) or swap through another pool",
            )
        out = int(self._read(pool.functions.getAmountOut(self._asset_address(a_in), amount_in)))
        if out == 0:
            raise TokenValueError(
                f"swapping {amount_in} base units of {_name(a_in)} gives nothing out at these reserves",
                hint="swap a larger amount",
            )
        return SwapQuote(pool.address, a_in, a_out, amount_in, out, r_in, r_out)

    def swap_tokens(
        self,
        asset_in: object,
        asset_out: object,
        amount_in: int,
        *,
        min_out: int | None = None,
        to: str | None = None,
        deadline: int | None = None,
    ) -> SwapResult:
        """Swap exactly ``amount_in`` of ``asset_in`` for at least ``min_out`` of ``asset_out`` (default: the exact
        quote) through their pool (seed: SwapTokens; ``swap_tokens("native", Resource.CPU, wei)`` buys CPU with
        native coins, ``swap_tokens("CPU", "MEM", amount)`` trades one resource for another)."""
        quote = self.quote_swap(asset_in, asset_out, amount_in)
        bound = quote.amount_out if min_out is None else _amount(min_out, "min_out", zero=True)
        if quote.amount_out < bound:
            raise SlippageError("the swap's output", quote.amount_out, bound, hint="lower min_out to the quote")
        if quote.asset_in != NATIVE_ASSET:
            self._require_tokens(quote.asset_in, quote.amount_in, "swap")
        receiver = self._account(to, "receiver")
        deadline = self._deadline(deadline)
        pool = self.pool(quote.asset_in, quote.asset_out)
        if quote.asset_in != NATIVE_ASSET:
            self.approve(quote.asset_in, pool.address, quote.amount_in)
        value = quote.amount_in if quote.asset_in == NATIVE_ASSET else 0
        fn = pool.functions.swap(self._asset_address(quote.asset_in), quote.amount_in, bound, receiver, deadline)
        receipt = self._send(fn, value=value, contract=pool)
        ev = self._event(pool, "Swapped", receipt)
        return SwapResult(
            pool.address,
            quote.asset_in,
            quote.asset_out,
            int(ev["amountIn"]),
            int(ev["amountOut"]),
            receiver,
            self._tx(receipt),
        )

    def quote_add_liquidity(
        self, resource: object, amount: int, other_amount: int, *, other: object = NATIVE_ASSET
    ) -> LiquidityQuote:
        """What depositing up to ``amount`` of ``resource`` and ``other_amount`` of ``other`` takes and mints now
        (the pool's exact arithmetic: the largest pair at the reserve ratio, shares rounded down)."""
        a, b = _resource(resource), parse_asset(other)
        amount = _amount(amount, limit=_UINT104)
        other_amount = _amount(other_amount, "other_amount", limit=_UINT104)
        pool = self.pool(a, b)
        ra, rb, supply, first = self._reserves(a, pool)
        if first:
            take_a, take_b, shares = m.pool_deposit(amount, other_amount, ra, rb, supply)
        else:
            take_b, take_a, shares = m.pool_deposit(other_amount, amount, rb, ra, supply)
        if shares == 0:
            raise TokenValueError(
                "the deposit is too small to mint a pool share"
                + (" (a first deposit needs sqrt(amount * other_amount) above 1,000 base units)" if not supply else ""),
                hint="deposit more",
            )
        return LiquidityQuote(pool.address, a, b, take_a, take_b, shares)

    def add_liquidity(
        self,
        resource: object,
        amount: int,
        other_amount: int,
        *,
        other: object = NATIVE_ASSET,
        min_amount: int | None = None,
        min_other: int | None = None,
        to: str | None = None,
        deadline: int | None = None,
    ) -> LiquidityChange:
        """Deposit up to ``amount`` of ``resource`` and ``other_amount`` of ``other`` (default: native wei) into their
        pool and receive shares (seed: AddLiquidity). The pool takes the largest pair at its ratio (see
        :meth:`quote_add_liquidity`); ``min_amount`` / ``min_other`` default to exactly that pair. Native coins not
        taken are refunded in the same transaction."""
        q = self.quote_add_liquidity(resource, amount, other_amount, other=other)
        min_a = q.amount if min_amount is None else _amount(min_amount, "min_amount", zero=True)
        min_b = q.other_amount if min_other is None else _amount(min_other, "min_other", zero=True)
        for what, got, bound in (
            ("the deposit's amount", q.amount, min_a),
            ("its other amount", q.other_amount, min_b),
        ):
            if got < bound:
                raise SlippageError(what, got, bound, hint="the pool's ratio differs; quote again")
        self._require_tokens(q.asset, q.amount, "add liquidity")
        if q.other != NATIVE_ASSET:
            self._require_tokens(q.other, q.other_amount, "add liquidity")
        receiver = self._account(to, "receiver")
        deadline = self._deadline(deadline)
        pool = self.pool(q.asset, q.other)
        first = self._oriented(q.asset, pool)
        self.approve(q.asset, pool.address, q.amount)
        if q.other != NATIVE_ASSET:
            self.approve(q.other, pool.address, q.other_amount)
        desired = (amount, other_amount) if first else (other_amount, amount)
        mins = (min_a, min_b) if first else (min_b, min_a)
        value = other_amount if q.other == NATIVE_ASSET else 0
        fn = pool.functions.addLiquidity(desired[0], desired[1], mins[0], mins[1], receiver, deadline)
        receipt = self._send(fn, value=value, contract=pool)
        ev = self._event(pool, "LiquidityAdded", receipt)
        got_a, got_b = (ev["amount0"], ev["amount1"]) if first else (ev["amount1"], ev["amount0"])
        return LiquidityChange(
            "add", pool.address, q.asset, q.other, int(got_a), int(got_b), int(ev["liquidity"]), self._tx(receipt)
        )

    def quote_remove_liquidity(self, resource: object, shares: int, *, other: object = NATIVE_ASSET) -> LiquidityQuote:
        """What burning ``shares`` pays of each reserve now (rounded down: the pool keeps the dust)."""
        a, b = _resource(resource), parse_asset(other)
        shares = _amount(shares, "shares")
        pool = self.pool(a, b)
        ra, rb, supply, _ = self._reserves(a, pool)
        if shares > supply:
            raise TokenValueError(f"{shares} shares is more than the pool's {supply}")
        if supply == 0:
            raise NoLiquidityError(f"the {a.name}/{_name(b)} pool has no shares", hint="nothing to withdraw")
        out_a, out_b = m.pool_withdrawal(shares, ra, rb, supply)
        return LiquidityQuote(pool.address, a, b, out_a, out_b, shares)

    def remove_liquidity(
        self,
        resource: object,
        shares: int,
        *,
        other: object = NATIVE_ASSET,
        min_amount: int | None = None,
        min_other: int | None = None,
        to: str | None = None,
        deadline: int | None = None,
    ) -> LiquidityChange:
        """Burn ``shares`` of the signer's pool shares for their part of both reserves (at least ``min_amount`` /
        ``min_other``, default: exactly the quote)."""
        q = self.quote_remove_liquidity(resource, shares, other=other)
        pool = self.pool(q.asset, q.other)
        held = int(self._read(pool.functions.balanceOf(self._me())))
        if held < q.shares:
            raise InsufficientTokensError(
                f"{self._me()} holds {held} shares of the {q.asset.name}/{_name(q.other)} pool, not {q.shares}",
                hint="`novacron-chain pool show` prints your shares",
            )
        min_a = q.amount if min_amount is None else _amount(min_amount, "min_amount", zero=True)
        min_b = q.other_amount if min_other is None else _amount(min_other, "min_other", zero=True)
        for what, got, bound in (("the withdrawal", q.amount, min_a), ("its other amount", q.other_amount, min_b)):
            if got < bound:
                raise SlippageError(what, got, bound)
        if q.amount == 0 or q.other_amount == 0:
            raise TokenValueError(f"{q.shares} shares redeem for nothing of one asset", hint="remove more shares")
        first = self._oriented(q.asset, pool)
        mins = (min_a, min_b) if first else (min_b, min_a)
        fn = pool.functions.removeLiquidity(
            q.shares, mins[0], mins[1], self._account(to, "receiver"), self._deadline(deadline)
        )
        receipt = self._send(fn, contract=pool)
        ev = self._event(pool, "LiquidityRemoved", receipt)
        got_a, got_b = (ev["amount0"], ev["amount1"]) if first else (ev["amount1"], ev["amount0"])
        return LiquidityChange(
            "remove", pool.address, q.asset, q.other, int(got_a), int(got_b), int(ev["liquidity"]), self._tx(receipt)
        )

    # -- staking --------------------------------------------------------------------------------------------------

    @staticmethod
    def _duration(duration: int | timedelta) -> int:
        seconds = duration.total_seconds() if isinstance(duration, timedelta) else duration
        if isinstance(seconds, float):
            if not seconds.is_integer():
                raise TokenValueError(f"duration {duration} is not a whole number of seconds")
            seconds = int(seconds)
        seconds = _amount(seconds, "duration")
        if not MIN_LOCK_DURATION <= seconds <= MAX_LOCK_DURATION:
            raise TokenValueError(
                f"a stake locks for 1 to 365 days, not {seconds} seconds",
                hint="e.g. 30 days is 2592000 seconds (the seed's example)",
            )
        return seconds

    def reward_reserve(self, resource: object) -> tuple[int, int]:
        """``(available, committed)`` of a resource's staking reward reserve, base units."""
        available, committed = self._read(self.staking.functions.rewardReserve(int(_resource(resource))))
        return int(available), int(committed)

    def quote_stake(self, resource: object, amount: int, duration: int | timedelta) -> StakeQuote:
        """The reward staking ``amount`` for ``duration`` earns if held to the end (``previewReward``: amount * APR *
        duration / year, rounded down), and what the reward reserve has available."""
        r, amount, seconds = _resource(resource), _amount(amount, limit=_UINT96), self._duration(duration)
        reward = int(self._read(self.staking.functions.previewReward(int(r), amount, seconds)))
        return StakeQuote(r, amount, seconds, reward, self.reward_reserve(r)[0])

    def stake_tokens(self, resource: object, amount: int, duration: int | timedelta) -> Stake:
        """Lock ``amount`` base units of the signer's ``resource`` for ``duration`` (seconds or a timedelta; 1 to 365
        days) to reserve capacity, earning the resource's APR from the funded reward reserve (seed: StakeTokens)."""
        q = self.quote_stake(resource, amount, duration)
        if not q.covered:
            raise RewardReserveError(
                f"the {q.resource.name} reward reserve has {m.format_units(q.reserve_available)} available, but this "
                f"stake earns {m.format_units(q.reward)}",
                hint="stake less or for less time, or fund the reserve (`novacron-chain stake fund`, or fund_rewards)",
            )
        self._require_tokens(q.resource, q.amount, "stake")
        self.approve(q.resource, self.staking.address, q.amount)
        receipt = self._send(self.staking.functions.stake(int(q.resource), q.amount, q.duration), contract=self.staking)
        ev = self._event(self.staking, "Staked", receipt)
        return Stake(
            int(ev["stakeId"]),
            str(ev["owner"]),
            q.resource,
            int(ev["amount"]),
            int(ev["reward"]),
            int(ev["end"]),
            self._tx(receipt),
        )

    def get_stake(self, stake_id: int, owner: str | None = None) -> Stake:
        """The open stake ``stake_id`` of ``owner`` (default: the signer); :class:`UnknownPositionError` if none."""
        stake_id, who = _amount(stake_id, "stake id"), self._account(owner, "owner")
        amount, reward, end, resource = self._read(self.staking.functions.getStake(who, stake_id))
        if amount == 0:
            raise UnknownPositionError(
                f"{who} has no open stake {stake_id}",
                hint="`novacron-chain stake show` lists open stakes (a withdrawn stake is gone)",
            )
        return Stake(stake_id, who, Resource(resource), int(amount), int(reward), int(end))

    def stakes(self, owner: str | None = None) -> list[Stake]:
        """``owner``'s (default: the signer's) open stakes, oldest first."""
        who = self._account(owner, "owner")
        out = []
        for ev in self._logs(self.staking, "Staked", {"owner": who}):
            try:
                out.append(self.get_stake(int(ev["stakeId"]), who))
            except UnknownPositionError:
                continue  # withdrawn since
        return out

    def reserved_capacity(self, resource: object, owner: str | None = None) -> int:
        """Base units of ``resource`` staked by ``owner`` (default: the signer): the capacity reserved for them."""
        r, who = _resource(resource), self._account(owner, "owner")
        return int(self._read(self.staking.functions.reservedCapacity(who, int(r))))

    def unstake_tokens(self, stake_id: int, *, owner: str | None = None) -> Unstake:
        """Close a stake: principal plus reward after its end (anyone may do it for the owner then), or, before the
        end and by the owner only, principal minus the 1% penalty with the reward forfeited."""
        s = self.get_stake(stake_id, owner)
        if self.chain.timestamp() < s.end and s.owner != self._me():
            raise TokenValueError(
                f"stake {s.stake_id} of {s.owner} is locked until {s.end}: only its owner can end it early",
                hint="wait until the lock ends, or unstake from the owner's account",
            )
        receipt = self._send(self.staking.functions.unstake(s.owner, s.stake_id), contract=self.staking)
        ev = self._event(self.staking, "Unstaked", receipt)
        amount, reward, penalty = int(ev["amount"]), int(ev["rewardPaid"]), int(ev["penalty"])
        return Unstake(
            s.stake_id,
            s.owner,
            s.resource,
            amount,
            amount + reward - penalty,
            reward,
            penalty,
            penalty > 0,
            self._tx(receipt),
        )

    def fund_rewards(self, resource: object, amount: int) -> TxInfo:
        """Add ``amount`` of the signer's tokens to a resource's staking reward reserve."""
        r, amount = _resource(resource), _amount(amount, limit=_UINT96)
        self._require_tokens(r, amount, "fund the reward reserve")
        self.approve(r, self.staking.address, amount)
        return self._tx(self._send(self.staking.functions.fundRewards(int(r), amount), contract=self.staking))

    def fund_staking_rewards(
        self, amount: int = 100 * WHOLE, resources: Iterable[Resource | str | int] = (Resource.CPU, Resource.MEM)
    ) -> list[TxInfo]:
        """Buy ``amount`` base units of each of ``resources`` on the curve (default: 100 whole CPU and MEM tokens)
        and add them to that resource's staking reward reserve: the transactions sent, a buy and a funding each.

        A stake's whole reward is set aside from the reserve when it is made, so staking, and with it reserving VM
        capacity (``ContractOrchestrator.reserve_capacity``), needs a funded reserve: on a dev chain, once after
        deploying."""
        out: list[TxInfo] = []
        for resource in resources:
            out.append(self.buy(resource, amount).tx)
            out.append(self.fund_rewards(resource, amount))
        return out

    # -- the order book -------------------------------------------------------------------------------------------

    def _seller_of(self, order_id: int) -> str:
        found = self._logs(self.order_book, "OrderPlaced", {"orderId": order_id})
        if not found:
            raise UnknownPositionError(
                f"no order {order_id} was ever placed", hint="`novacron-chain orders list` shows the open orders"
            )
        return str(found[0]["seller"])

    def get_order(self, order_id: int, seller: str | None = None) -> Order:
        """The open order ``order_id`` (its seller is looked up when not given); :class:`UnknownPositionError` if
        it was filled, cancelled or never placed."""
        order_id = _amount(order_id, "order id")
        who = self._seller_of(order_id) if seller is None else checksum(seller, "seller")
        amount, price, resource = self._read(self.order_book.functions.getOrder(who, order_id))
        if amount == 0:
            raise UnknownPositionError(
                f"order {order_id} of {who} is not open (filled, cancelled or never placed)",
                hint="`novacron-chain orders list` shows the open orders",
            )
        return Order(order_id, who, Resource(resource), int(amount), int(price))

    def list_orders(self, resource: object | None = None, seller: str | None = None) -> list[Order]:
        """Open orders, oldest first, optionally of one ``resource`` and/or one ``seller``."""
        filters: dict[str, Any] = {}
        if resource is not None:
            filters["resource"] = int(_resource(resource))
        if seller is not None:
            filters["seller"] = checksum(seller, "seller")
        out = []
        for ev in self._logs(self.order_book, "OrderPlaced", filters):
            try:
                out.append(self.get_order(int(ev["orderId"]), str(ev["seller"])))
            except UnknownPositionError:
                continue
        return out

    def create_order(self, resource: object, amount: int, price: int) -> Order:
        """Escrow ``amount`` base units of the signer's ``resource`` in a sell order at ``price`` wei per whole
        token; buyers pay ``ceil(amount * price / 1e18)`` wei straight to the seller."""
        r, amount = _resource(resource), _amount(amount, limit=_UINT96)
        price = _amount(price, "price (wei per whole token)", limit=_UINT128)
        self._require_tokens(r, amount, "place the order")
        self.approve(r, self.order_book.address, amount)
        receipt = self._send(self.order_book.functions.placeOrder(int(r), amount, price), contract=self.order_book)
        ev = self._event(self.order_book, "OrderPlaced", receipt)
        return Order(int(ev["orderId"]), str(ev["seller"]), r, int(ev["amount"]), int(ev["price"]), self._tx(receipt))

    def quote_fill(self, order_id: int, amount: int, *, seller: str | None = None) -> int:
        """Wei that buying ``amount`` base units of an order costs (the contract's ``quoteFill``, rounded up)."""
        order = self.get_order(order_id, seller)
        amount = _amount(amount)
        if amount > order.amount:
            raise TokenValueError(
                f"order {order.order_id} has {m.format_units(order.amount)} left, not {m.format_units(amount)}",
                hint="fill at most what is left",
            )
        return int(self._read(self.order_book.functions.quoteFill(order.seller, order.order_id, amount)))

    def fill_order(
        self,
        order_id: int,
        amount: int,
        *,
        seller: str | None = None,
        max_cost: int | None = None,
        to: str | None = None,
        deadline: int | None = None,
    ) -> OrderFill:
        """Buy ``amount`` base units of an order, paying its seller (at most ``max_cost`` wei, default the quote)."""
        order = self.get_order(order_id, seller)
        cost = self.quote_fill(order.order_id, amount, seller=order.seller)
        bound = cost if max_cost is None else _amount(max_cost, "max_cost", zero=True)
        if cost > bound:
            raise SlippageError("the fill's cost", cost, bound)
        receiver = self._account(to, "receiver")
        fn = self.order_book.functions.fillOrder(
            order.seller, order.order_id, amount, receiver, self._deadline(deadline)
        )
        receipt = self._send(fn, value=bound, contract=self.order_book)
        ev = self._event(self.order_book, "OrderFilled", receipt)
        return OrderFill(
            order.order_id,
            order.seller,
            int(ev["amount"]),
            int(ev["cost"]),
            int(ev["remaining"]),
            receiver,
            self._tx(receipt),
        )

    def cancel_order(self, order_id: int) -> OrderCancel:
        """Cancel one of the signer's orders; what is left of its escrow goes back."""
        order = self.get_order(order_id, self._me())
        receipt = self._send(self.order_book.functions.cancelOrder(order.order_id), contract=self.order_book)
        ev = self._event(self.order_book, "OrderCancelled", receipt)
        return OrderCancel(order.order_id, order.seller, int(ev["returned"]), self._tx(receipt))


def _name(asset: Asset) -> str:
    return asset if isinstance(asset, str) else asset.name


_SLIPPAGE: dict[str, tuple[str, str, str]] = {
    # error name -> (what, actual arg, bound arg)
    "MarketCostAboveMax": ("the buy's cost", "cost", "maxCost"),
    "MarketPayoutBelowMin": ("the sale's payout", "payout", "minOut"),
    "PoolOutputBelowMin": ("the swap's output", "amountOut", "minOut"),
    "PoolDepositBelowMin": ("the deposit", "amount", "minimum"),
    "PoolWithdrawalBelowMin": ("the withdrawal", "amount", "minimum"),
}
_VALUE_ERRORS = {
    "MarketZeroAmount",
    "MarketZeroReceiver",
    "MarketSellExceedsReserve",
    "MarketReserveOverflow",
    "PoolZeroAmount",
    "PoolInvalidReceiver",
    "PoolUnknownToken",
    "PoolReserveOverflow",
    "PoolInsufficientLiquidityMinted",
    "StakingZeroAmount",
    "StakingAmountTooLarge",
    "StakingInvalidDuration",
    "StakingNotMatured",
    "OrderBookZeroAmount",
    "OrderBookZeroPrice",
    "OrderBookValueTooLarge",
    "OrderBookFillExceedsRemaining",
    "OrderBookZeroReceiver",
}


def _translate(tm: TokenManager, exc: ContractCustomError, contract: Contract | None) -> None:
    """Raise the TokenError for a decoded revert a user can cause; return for the others (re-raised as they are)."""
    name, args, hint = exc.error_name, exc.error_args, exc.hint
    if name == "EnforcedPause":
        raise ContractPausedError(_paused_name(tm, contract), cause=exc) from exc
    if name.endswith("DeadlineExpired"):
        raise DeadlineExpiredError(int(args["deadline"]), int(args["timestamp"]), cause=exc) from exc
    if name in _SLIPPAGE:
        what, actual, bound = _SLIPPAGE[name]
        if int(args[actual]) == 0:
            raise TokenValueError(f"{what} would be zero: the amount is too small", hint=hint, cause=exc) from exc
        raise SlippageError(what, int(args[actual]), int(args[bound]), cause=exc) from exc
    if name == "ERC20InsufficientBalance":
        raise InsufficientTokensError(
            f"{args['sender']} holds {args['balance']} base units, {args['needed']} needed",
            hint=hint,
            cause=exc,
        ) from exc
    if name == "MarketSellExceedsRedeemable":
        raise InsufficientTokensError(
            f"{args['seller']} may sell back {args['redeemable']} base units to the curve, {args['amount']} offered",
            hint=hint,
            cause=exc,
        ) from exc
    if name in ("ERC20InsufficientAllowance", "MarketInsufficientPayment", "OrderBookInsufficientPayment"):
        raise InsufficientTokensError(exc.message, hint=hint, cause=exc) from exc
    if name == "ERC20ExceededCap":
        raise CapExceededError(
            f"minting would take the supply to {args['increasedSupply']}, above the cap {args['cap']}",
            hint=hint,
            cause=exc,
        ) from exc
    if name == "StakingRewardReserveInsufficient":
        raise RewardReserveError(
            f"the reward reserve has {args['available']} available, the stake earns {args['reward']}",
            hint=hint,
            cause=exc,
        ) from exc
    if name in ("StakingUnknownStake", "OrderBookUnknownOrder"):
        raise UnknownPositionError(exc.message, hint=hint, cause=exc) from exc
    if name == "PoolNoLiquidity":
        raise NoLiquidityError("the pool has no liquidity", hint=hint, cause=exc) from exc
    if name in _VALUE_ERRORS:
        raise TokenValueError(
            f"the contract refused the input: {exc.message.split(': ', 1)[-1]}", hint=hint, cause=exc
        ) from exc
    return


def _paused_name(tm: TokenManager, contract: Contract | None) -> str:
    """Which of the called contract and the resource tokens is paused (a paused token also stops the market)."""
    candidates: list[tuple[str, Contract]] = []
    if contract is not None:
        candidates.append((_label(tm, contract), contract))
    for r in Resource:
        try:
            candidates.append((f"the {r.name} token", tm.token(r)))
        except NovaChainError:
            continue
    for label, c in candidates:
        try:
            if tm.chain.call(c.functions.paused()):
                return label
        except NovaChainError:
            continue
    return _label(tm, contract) if contract is not None else "a token contract"


def _label(tm: TokenManager, contract: Contract) -> str:
    for name in ("ResourceMarket", "ResourceStaking", "ResourceOrderBook"):
        cached = tm._cache.get(name)
        if cached is not None and cached.address == contract.address:
            return name
    for key, cached in tm._cache.items():
        if cached.address == contract.address:
            if key.startswith("pool:"):
                return f"the {key[5:].replace(':', '/')} pool"
            return f"the {key.removesuffix('Token')} token"
    return str(contract.address)
