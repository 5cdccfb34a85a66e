"""``novacron-chain market|token|pool|stake|orders``: the resource tokens from the command line.

Units: a positional AMOUNT is in whole units of its asset (tokens, pool shares or native coins; all have 18
decimals) and may have up to 18 decimals (``1.5``, ``0.000000000000000001``): it is converted to base units exactly,
never through a float. Bounds and prices are integers in base units, exactly as the quote commands print them,
so a quote can be pasted as a bound: ``--max-cost``, ``--min-out`` and ``--price`` (wei per whole token) of the
market and order book are wei; ``--min-out`` of a pool swap is base units of the output asset. Transactions are
sent from the configured account (``--account N`` on dev chains). Bad input exits with 2, a refused or failed
operation with 1 (the one error handler is in ``_app.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NovaValueError
from ._params import Deadline, address, whole_units
from ._params import duration as duration_parser
from ._state import CliState

if TYPE_CHECKING:
    from ..tokens import Resource, TokenManager

market_app = typer.Typer(help="The bonding-curve market: prices, quotes, buy and sell.", no_args_is_help=True)
token_app = typer.Typer(help="Resource token balances.", no_args_is_help=True)
pool_app = typer.Typer(help="Liquidity pools: show, add, remove, quote-swap, swap.", no_args_is_help=True)
stake_app = typer.Typer(help="Staking for reserved capacity: quote, add, remove, show, fund.", no_args_is_help=True)
orders_app = typer.Typer(help="Peer-to-peer sell orders: list, create, fill, cancel.", no_args_is_help=True)

ResourceArg = Annotated[str, typer.Argument(help="CPU, MEM, STO or NET.", show_default=False)]
AmountArg = Annotated[str, typer.Argument(help="Whole tokens, up to 18 decimals (e.g. 1.5).", show_default=False)]
To = Annotated[str | None, typer.Option("--to", help="Receiver (default: the sending account).", parser=address)]
With = Annotated[str, typer.Option("--with", help="The pool's other asset: native (default) or a resource.")]
Account = Annotated[str | None, typer.Argument(help="Account (default: the sending account).", parser=address)]
AssetIn = Annotated[str, typer.Argument(help="Asset paid: CPU, MEM, STO, NET or native.", show_default=False)]
AssetOut = Annotated[str, typer.Argument(help="Asset received.", show_default=False)]
OrderId = Annotated[int, typer.Argument(help="The order's id.", min=1, show_default=False)]
MaxCost = Annotated[int | None, typer.Option("--max-cost", help="Most wei to pay (default: the exact quote).")]


def _tm(state: CliState) -> TokenManager:
    return state.nova().tokens


def _units(text: str, what: str = "AMOUNT") -> int:
    from ..tokens import TokenValueError

    try:
        return whole_units(text, what)
    except NovaValueError as exc:
        raise TokenValueError(exc.message, hint=exc.hint) from None


def _resource_arg(text: str) -> Resource:
    from ..tokens import Resource, TokenValueError

    try:
        return Resource.parse(text)
    except ValueError as exc:
        raise TokenValueError(f"unknown resource {text!r}", hint="use one of CPU, MEM, STO, NET") from exc


def _fmt(base: int, unit: str = "") -> str:
    from ..tokens import format_units

    return f"{format_units(base)}{' ' + unit if unit else ''}"


def _coin(wei: int) -> str:
    return f"{_fmt(wei)} native ({wei:,} wei)"


def _asset_name(asset: Any) -> str:
    return asset if isinstance(asset, str) else str(asset.name)


def _tx_line(tx: Any) -> str:
    return f"[dim]tx {tx.tx_hash}, block {tx.block}, {tx.gas_used:,} gas[/]"


# -- market ----------------------------------------------------------------------------------------------------------


@market_app.command("price")
def market_price(ctx: typer.Context, resource: ResourceArg) -> None:
    """The curve's spot price of a resource (wei per whole token) and its curve."""
    from ..tokens import RESOURCES

    state: CliState = ctx.obj
    tm = _tm(state)
    r = _resource_arg(resource)
    spot = tm.get_spot_price(r)
    base, steep, reserve = tm.curve(r)
    data = {
        "resource": r.name,
        "spot_price_wei": str(spot),
        "base_price_wei": str(base),
        "steepness_tokens": str(steep),
        "reserve": str(reserve),
        "unit": RESOURCES[r].unit,
    }
    state.emit(
        data,
        f"{r.name} ({RESOURCES[r].unit}): {_coin(spot)} per token; base {_coin(base)}, "
        f"{_fmt(reserve)} sold, price doubles at {steep:,} tokens",
    )


def _show_quote(state: CliState, q: Any) -> None:
    verb = "costs" if q.side == "buy" else "pays"
    state.emit(
        q.to_dict(),
        f"{q.side} {_fmt(q.amount, q.resource.name)} {verb} {_coin(q.wei)}; spot {q.spot_before:,} -> "
        f"{q.spot_after:,} wei per token",
    )


@market_app.command("quote-buy")
def market_quote_buy(ctx: typer.Context, resource: ResourceArg, amount: AmountArg) -> None:
    """Exact cost in wei of buying AMOUNT tokens now (nothing is sent)."""
    state: CliState = ctx.obj
    _show_quote(state, _tm(state).quote_buy(resource, _units(amount)))


@market_app.command("quote-sell")
def market_quote_sell(ctx: typer.Context, resource: ResourceArg, amount: AmountArg) -> None:
    """Exact payout in wei of selling AMOUNT tokens back now (nothing is sent)."""
    state: CliState = ctx.obj
    _show_quote(state, _tm(state).quote_sell(resource, _units(amount)))


def _show_trade(state: CliState, t: Any) -> None:
    verb = "for" if t.side == "buy" else "paid"
    state.emit(
        t.to_dict(),
        f"{'bought' if t.side == 'buy' else 'sold'} {_fmt(t.amount, t.resource.name)} {verb} {_coin(t.wei)}; "
        f"reserve now {_fmt(t.reserve_after)}\n{_tx_line(t.tx)}",
    )


@market_app.command("buy")
def market_buy(
    ctx: typer.Context,
    resource: ResourceArg,
    amount: AmountArg,
    max_cost: MaxCost = None,
    to: To = None,
    deadline: Deadline = None,
) -> None:
    """Buy AMOUNT tokens on the curve, paying at most --max-cost wei (the rest is refunded)."""
    state: CliState = ctx.obj
    _show_trade(state, _tm(state).buy(resource, _units(amount), max_cost=max_cost, to=to, deadline=deadline))


@market_app.command("sell")
def market_sell(
    ctx: typer.Context,
    resource: ResourceArg,
    amount: AmountArg,
    min_out: Annotated[
        int | None, typer.Option("--min-out", help="Least wei to receive (default: the exact quote).")
    ] = None,
    to: To = None,
    deadline: Deadline = None,
) -> None:
    """Sell AMOUNT tokens back to the curve for at least --min-out wei."""
    state: CliState = ctx.obj
    _show_trade(state, _tm(state).sell(resource, _units(amount), min_out=min_out, to=to, deadline=deadline))


# -- token -----------------------------------------------------------------------------------------------------------


@token_app.command("balance")
def token_balance(
    ctx: typer.Context,
    resource: ResourceArg,
    address: Account = None,
) -> None:
    """An account's balance of one resource token."""
    state: CliState = ctx.obj
    tm = _tm(state)
    asset = _resource_arg(resource)
    who = address or state.nova().chain.signer.address
    base = tm.balance(asset, who)
    state.emit(
        {"resource": asset.name, "address": who, "balance": str(base)},
        f"{who}: {_fmt(base, asset.name)} ({base:,} base units)",
    )


@token_app.command("balances")
def token_balances(
    ctx: typer.Context,
    address: Account = None,
) -> None:
    """An account's native coins and all four resource tokens."""
    state: CliState = ctx.obj
    b = _tm(state).balances(address)
    lines = [f"{b.address}", f"  native {_coin(b.native)}"]
    lines += [f"  {r.name} {_fmt(v)}" for r, v in b.tokens.items()]
    state.emit(b.to_dict(), "\n".join(lines))


# -- pool ------------------------------------------------------------------------------------------------------------


@pool_app.command("show")
def pool_show(
    ctx: typer.Context,
    resource: ResourceArg,
    other: With = "native",
    account: Annotated[
        str | None, typer.Option("--of", help="Whose shares to show (default: the account).", parser=address)
    ] = None,
) -> None:
    """A pool's reserves and shares (and the account's shares)."""
    state: CliState = ctx.obj
    p = _tm(state).pool_info(resource, other, account)
    state.emit(
        p.to_dict(),
        f"{p.asset.name}/{_asset_name(p.other)} pool {p.pool}: reserves {_fmt(p.reserve, p.asset.name)} and "
        f"{_fmt(p.other_reserve, _asset_name(p.other))}; {_fmt(p.total_shares)} shares, yours "
        f"{_fmt(p.shares_of_account)}",
    )


@pool_app.command("add")
def pool_add(
    ctx: typer.Context,
    resource: ResourceArg,
    amount: AmountArg,
    other_amount: Annotated[
        str, typer.Argument(help="Most of the other asset to deposit (whole units).", show_default=False)
    ],
    other: With = "native",
    to: To = None,
    deadline: Deadline = None,
) -> None:
    """Deposit up to AMOUNT of a resource and OTHER_AMOUNT of the other asset; receive pool shares."""
    state: CliState = ctx.obj
    c = _tm(state).add_liquidity(
        resource, _units(amount), _units(other_amount, "OTHER_AMOUNT"), other=other, to=to, deadline=deadline
    )
    state.emit(
        c.to_dict(),
        f"deposited {_fmt(c.amount, c.asset.name)} and {_fmt(c.other_amount, _asset_name(c.other))}, "
        f"got {_fmt(c.shares)} shares\n{_tx_line(c.tx)}",
    )


@pool_app.command("remove")
def pool_remove(
    ctx: typer.Context,
    resource: ResourceArg,
    shares: Annotated[str, typer.Argument(help="Pool shares to burn (whole units), or 'all'.", show_default=False)],
    other: With = "native",
    to: To = None,
    deadline: Deadline = None,
) -> None:
    """Burn pool shares for their part of both reserves."""
    state: CliState = ctx.obj
    tm = _tm(state)
    amount = tm.pool_info(resource, other).shares_of_account if shares == "all" else _units(shares, "SHARES")
    c = tm.remove_liquidity(resource, amount, other=other, to=to, deadline=deadline)
    state.emit(
        c.to_dict(),
        f"burnt {_fmt(c.shares)} shares for {_fmt(c.amount, c.asset.name)} and "
        f"{_fmt(c.other_amount, _asset_name(c.other))}\n{_tx_line(c.tx)}",
    )


@pool_app.command("quote-swap")
def pool_quote_swap(
    ctx: typer.Context,
    asset_in: AssetIn,
    asset_out: AssetOut,
    amount: AmountArg,
) -> None:
    """Exact output of swapping AMOUNT of one asset for another now (nothing is sent)."""
    state: CliState = ctx.obj
    q = _tm(state).quote_swap(asset_in, asset_out, _units(amount))
    state.emit(
        q.to_dict(),
        f"{_fmt(q.amount_in, _asset_name(q.asset_in))} -> {_fmt(q.amount_out, _asset_name(q.asset_out))} "
        f"({q.amount_out} base units)",
    )


@pool_app.command("swap")
def pool_swap(
    ctx: typer.Context,
    asset_in: AssetIn,
    asset_out: AssetOut,
    amount: AmountArg,
    min_out: Annotated[
        int | None,
        typer.Option("--min-out", help="Least output in base units (default: the exact quote)."),
    ] = None,
    to: To = None,
    deadline: Deadline = None,
) -> None:
    """Swap exactly AMOUNT of one asset for at least --min-out of another through their pool."""
    state: CliState = ctx.obj
    s = _tm(state).swap_tokens(asset_in, asset_out, _units(amount), min_out=min_out, to=to, deadline=deadline)
    state.emit(
        s.to_dict(),
        f"swapped {_fmt(s.amount_in, _asset_name(s.asset_in))} for {_fmt(s.amount_out, _asset_name(s.asset_out))}"
        f"\n{_tx_line(s.tx)}",
    )


# -- stake -----------------------------------------------------------------------------------------------------------

DurationOpt = Annotated[
    int, typer.Option("--duration", help="Lock length: 30d, 720h, ... (1 to 365 days).", parser=duration_parser())
]


@stake_app.command("quote")
def stake_quote(
    ctx: typer.Context,
    resource: ResourceArg,
    amount: AmountArg,
    duration: DurationOpt = "30d",  # type: ignore[assignment]  # typer parses the default too
) -> None:
    """The reward a stake would earn if held to its end, and what the reward reserve has available."""
    state: CliState = ctx.obj
    q = _tm(state).quote_stake(resource, _units(amount), duration)
    state.emit(
        {**q.to_dict(), "covered": q.covered},
        f"{_fmt(q.amount, q.resource.name)} for {q.duration / 86400:g} days earns {_fmt(q.reward, q.resource.name)}"
        f" (reserve has {_fmt(q.reserve_available)} available{'' if q.covered else ': NOT enough'})",
    )


@stake_app.command("add")
def stake_add(
    ctx: typer.Context,
    resource: ResourceArg,
    amount: AmountArg,
    duration: DurationOpt = "30d",  # type: ignore[assignment]  # typer parses the default too
) -> None:
    """Lock AMOUNT tokens for --duration to reserve capacity and earn the resource's APR."""
    state: CliState = ctx.obj
    s = _tm(state).stake_tokens(resource, _units(amount), duration)
    assert s.tx is not None
    state.emit(
        s.to_dict(),
        f"stake {s.stake_id}: {_fmt(s.amount, s.resource.name)} locked until {s.end}, reward "
        f"{_fmt(s.reward, s.resource.name)}\n{_tx_line(s.tx)}",
    )


@stake_app.command("fund")
def stake_fund(ctx: typer.Context, resource: ResourceArg, amount: AmountArg) -> None:
    """Add AMOUNT of your tokens to a resource's staking reward reserve (what stakes are paid from)."""
    state: CliState = ctx.obj
    tm = _tm(state)
    tx = tm.fund_rewards(resource, _units(amount))
    available, committed = tm.reward_reserve(resource)
    state.emit(
        {"tx": tx.to_dict(), "available": str(available), "committed": str(committed)},
        f"reward reserve: {_fmt(available)} available, {_fmt(committed)} committed\n{_tx_line(tx)}",
    )


@stake_app.command("remove")
def stake_remove(
    ctx: typer.Context,
    stake_id: Annotated[int, typer.Argument(help="The stake's id.", min=1, show_default=False)],
    owner: Annotated[
        str | None, typer.Option("--owner", help="The stake's owner (default: the account).", parser=address)
    ] = None,
) -> None:
    """Close a stake: principal + reward after its end; before it, principal - 1% (owner only, reward forfeited)."""
    state: CliState = ctx.obj
    u = _tm(state).unstake_tokens(stake_id, owner=owner)
    how = f"early: penalty {_fmt(u.penalty)}, reward forfeited" if u.early else f"reward {_fmt(u.reward_paid)}"
    state.emit(
        u.to_dict(),
        f"stake {u.stake_id} closed: paid {_fmt(u.paid, u.resource.name)} to {u.owner} ({how})\n{_tx_line(u.tx)}",
    )


@stake_app.command("show")
def stake_show(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Argument(help="Owner (default: the account).", parser=address)] = None,
) -> None:
    """Open stakes and the capacity they reserve."""
    from rich.table import Table

    from ..tokens import Resource

    state: CliState = ctx.obj
    tm = _tm(state)
    stakes = tm.stakes(owner)
    who = owner or state.nova().chain.signer.address
    reserved = {r: tm.reserved_capacity(r, who) for r in Resource}
    table = Table(title=f"open stakes of {who}")
    for col in ("id", "resource", "amount", "reward", "ends"):
        table.add_column(col, justify="right" if col != "resource" else "left")
    for s in stakes:
        table.add_row(str(s.stake_id), s.resource.name, _fmt(s.amount), _fmt(s.reward), str(s.end))
    state.emit(
        {
            "owner": who,
            "stakes": [s.to_dict() for s in stakes],
            "reserved": {r.name: str(v) for r, v in reserved.items()},
        },
        table,
    )


# -- orders ----------------------------------------------------------------------------------------------------------


@orders_app.command("list")
def orders_list(
    ctx: typer.Context,
    resource: Annotated[str | None, typer.Option("--resource", help="Only this resource.")] = None,
    seller: Annotated[str | None, typer.Option("--seller", help="Only this seller.", parser=address)] = None,
) -> None:
    """Open sell orders, oldest first."""
    from rich.table import Table

    state: CliState = ctx.obj
    orders = _tm(state).list_orders(resource, seller)
    table = Table(title="open sell orders")
    for col in ("id", "seller", "resource", "amount", "price (wei/token)"):
        table.add_column(col)
    for o in orders:
        table.add_row(str(o.order_id), o.seller, o.resource.name, _fmt(o.amount), f"{o.price:,}")
    state.emit({"orders": [o.to_dict() for o in orders]}, table)


@orders_app.command("create")
def orders_create(
    ctx: typer.Context,
    resource: ResourceArg,
    amount: AmountArg,
    price: Annotated[int, typer.Option("--price", help="Wei per whole token.", show_default=False)],
) -> None:
    """Escrow AMOUNT tokens in a sell order at --price wei per whole token."""
    state: CliState = ctx.obj
    o = _tm(state).create_order(resource, _units(amount), price)
    assert o.tx is not None
    state.emit(
        o.to_dict(),
        f"order {o.order_id}: {_fmt(o.amount, o.resource.name)} at {o.price:,} wei per token\n{_tx_line(o.tx)}",
    )


@orders_app.command("fill")
def orders_fill(
    ctx: typer.Context,
    order_id: OrderId,
    amount: AmountArg,
    max_cost: MaxCost = None,
    to: To = None,
    deadline: Deadline = None,
) -> None:
    """Buy AMOUNT tokens of an order; the cost goes straight to its seller."""
    state: CliState = ctx.obj
    f = _tm(state).fill_order(order_id, _units(amount), max_cost=max_cost, to=to, deadline=deadline)
    state.emit(
        f.to_dict(),
        f"bought {_fmt(f.amount)} of order {f.order_id} for {_coin(f.cost)}; {_fmt(f.remaining)} left"
        f"\n{_tx_line(f.tx)}",
    )


@orders_app.command("cancel")
def orders_cancel(
    ctx: typer.Context,
    order_id: OrderId,
) -> None:
    """Cancel one of your orders; the rest of its escrow comes back."""
    state: CliState = ctx.obj
    c = _tm(state).cancel_order(order_id)
    state.emit(c.to_dict(), f"order {c.order_id} cancelled, {_fmt(c.returned)} returned\n{_tx_line(c.tx)}")


def register(app: typer.Typer) -> None:
    """Attach the token commands to the main app."""
    app.add_typer(market_app, name="market")
    app.add_typer(token_app, name="token")
    app.add_typer(pool_app, name="pool")
    app.add_typer(stake_app, name="stake")
    app.add_typer(orders_app, name="orders")
