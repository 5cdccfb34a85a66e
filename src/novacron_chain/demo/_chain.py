"""The foundation's scenes: a throw-away chain and its dev accounts, the deployment, signed sends, time travel."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["deploy", "dev_accounts", "time_travel", "transactions"]


def dev_accounts(d: DemoContext) -> None:
    """The embedded chain's first dev accounts and their balances."""
    from rich.table import Table

    chain = d.nova.chain
    table = Table(title=f"embedded chain {chain.chain_id} (in memory): dev accounts")
    table.add_column("#")
    table.add_column("address")
    table.add_column("balance")
    for i in range(3):
        s = chain.dev_signer(i)
        table.add_row(str(i), s.address, f"{chain.balance(s.address) / 10**18:,.0f}")
    d.console.print(table)
    d.report["chain"] = {"chain_id": chain.chain_id, "block": chain.block_number()}


def deploy(d: DemoContext) -> None:
    """The whole contract set, deployed and recorded, with a progress bar."""
    from rich.progress import Progress
    from rich.table import Table

    with Progress(console=d.console, transient=True) as bar:
        task = bar.add_task("deploying", total=len(d.nova.plan()))
        outcomes = d.nova.deploy(progress=lambda s, i: bar.update(task, completed=i, description=s.name))
    table = Table(title=f"{len(outcomes)} contracts deployed and recorded")
    table.add_column("contract")
    table.add_column("address")
    table.add_column("gas (with setup)", justify="right")
    for o in outcomes:
        table.add_row(o.name, o.address, f"{o.gas_used:,}")
    d.console.print(table)
    d.report["deploy"] = {o.name: o.address for o in outcomes}


def transactions(d: DemoContext) -> None:
    """50 signed transfers in one batch, and a transfer the sender cannot pay refused before sending."""
    from ..chain import TxRequest
    from ..errors import InsufficientFundsError

    chain = d.nova.chain
    to = chain.dev_signer(1).address
    t0 = time.perf_counter()
    receipts = chain.send_batch([TxRequest(to=to, value=10**15, gas=21_000) for _ in range(50)])
    dt = time.perf_counter() - t0
    fee = sum(r.fee_wei for r in receipts)
    d.console.print(
        f"  50 signed transfers in {dt:.2f} s ({50 / dt:,.0f} tx/s on the embedded chain), "
        f"{fee / 10**18:.6f} paid in fees"
    )
    try:
        chain.transfer(to, 10**30)
    except InsufficientFundsError as exc:
        d.console.print(f"  a transfer of 10^12 ETH is refused before sending: [yellow]{exc.message}[/]")
    d.report["transactions"] = {"sent": 50, "seconds": round(dt, 3), "fees_wei": str(fee)}


def time_travel(d: DemoContext) -> None:
    """Chain time moved 48 hours forward, as a timelock's delay needs."""
    chain = d.nova.chain
    before = chain.timestamp()
    chain.advance(48 * 3600)
    d.console.print(f"  moved chain time 48 h forward (a timelock's delay): {before} -> {chain.timestamp()}")
    d.report["time"] = {"before": before, "after": chain.timestamp()}
