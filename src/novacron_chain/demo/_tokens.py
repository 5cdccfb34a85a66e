"""The resource tokens' scene: buy CPU on the bonding curve, swap for MEM, add liquidity, stake for capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["tokens"]


def tokens(d: DemoContext) -> None:
    """A provider stocks up and seeds pools; a user buys CPU on the curve, swaps CPU for MEM, adds liquidity and
    stakes for a reservation, every figure exact."""
    from datetime import timedelta

    from rich.table import Table

    from ..tokens import Resource, format_units

    tm = d.nova.tokens
    chain = d.nova.chain
    whole = 10**18
    provider, user = chain.signer, chain.dev_signer(1)
    rows: list[tuple[str, str, str]] = []

    # a provider buys inventory on the curve and seeds the CPU/native and CPU/MEM pools and the reward reserve
    tm.buy(Resource.CPU, 2_000 * whole)
    tm.buy(Resource.MEM, 4_000 * whole)
    tm.add_liquidity(Resource.CPU, 1_000 * whole, 2 * whole)
    tm.add_liquidity(Resource.CPU, 500 * whole, 1_000 * whole, other=Resource.MEM)
    tm.fund_rewards(Resource.CPU, 100 * whole)

    chain.use_signer(user)
    try:
        quote = tm.quote_buy(Resource.CPU, 100 * whole)
        bought = tm.buy(Resource.CPU, 100 * whole, max_cost=quote.wei)
        rows.append(("buy 100 CPU on the curve", f"{format_units(bought.wei)} native", f"{bought.tx.gas_used:,}"))
        sq = tm.quote_swap(Resource.CPU, Resource.MEM, 20 * whole)
        swapped = tm.swap_tokens(Resource.CPU, Resource.MEM, 20 * whole, min_out=sq.amount_out)
        rows.append(
            ("swap 20 CPU -> MEM (CPU/MEM pool)", f"{format_units(swapped.amount_out)} MEM", f"{swapped.tx.gas_used:,}")
        )
        added = tm.add_liquidity(Resource.CPU, 30 * whole, 10 * whole, other=Resource.MEM)
        rows.append(
            (
                "add liquidity to CPU/MEM",
                f"{format_units(added.amount)} CPU + {format_units(added.other_amount)} MEM -> "
                f"{format_units(added.shares)} shares",
                f"{added.tx.gas_used:,}",
            )
        )
        stake = tm.stake_tokens(Resource.CPU, 50 * whole, timedelta(days=30))
        assert stake.tx is not None
        rows.append(
            (
                "stake 50 CPU for 30 days",
                f"reward {format_units(stake.reward)} CPU at 10% APR",
                f"{stake.tx.gas_used:,}",
            )
        )
        reserved = tm.reserved_capacity(Resource.CPU, user.address)
        spot = tm.get_spot_price(Resource.CPU)
    finally:
        chain.use_signer(provider)

    table = Table(title=f"resource tokens: a user ({user.address[:10]}…) buys, swaps, provides liquidity, stakes")
    table.add_column("step")
    table.add_column("result")
    table.add_column("gas", justify="right")
    for row in rows:
        table.add_row(*row)
    d.console.print(table)
    d.console.print(
        f"  exact: the buy cost {bought.wei:,} wei = the quote; {format_units(reserved)} CPU reserved capacity; "
        f"CPU spot price now {spot:,} wei per token"
    )
    d.report["tokens"] = {
        "buy_cost_wei": str(bought.wei),
        "quoted_wei": str(quote.wei),
        "swap_mem_out": str(swapped.amount_out),
        "shares": str(added.shares),
        "stake_id": stake.stake_id,
        "reserved_cpu": str(reserved),
    }
