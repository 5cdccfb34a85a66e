"""``novacron-chain demo``: a fresh in-memory chain, the contract set, and one act per component.

Each component adds an act (a titled function of the demo context) to :data:`ACTS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from ._state import CliState

if TYPE_CHECKING:
    from rich.console import Console

    from .._nova import NovaChain


@dataclass
class DemoContext:
    """Shared by the acts: the chain, the console, and what each act reports for --json."""

    nova: NovaChain
    console: Console
    report: dict[str, Any] = field(default_factory=dict)


def _act_chain(d: DemoContext) -> None:
    chain = d.nova.chain
    from rich.table import Table

    table = Table(title=f"embedded chain {chain.chain_id} (in memory): dev accounts")
    table.add_column("#")
    table.add_column("address")
    table.add_column("balance")
    for i in range(3):
        s = chain.dev_signer(i)
        table.add_row(str(i), s.address, f"{chain.balance(s.address) / 10**18:,.0f}")
    d.console.print(table)
    d.report["chain"] = {"chain_id": chain.chain_id, "block": chain.block_number()}


def _act_deploy(d: DemoContext) -> None:
    from rich.progress import Progress

    from .._deploy import system_plan

    plan = system_plan(d.nova.config.blockchain)
    with Progress(console=d.console, transient=True) as bar:
        task = bar.add_task("deploying", total=len(plan))
        outcomes = d.nova.deploy(progress=lambda s, i: bar.update(task, completed=i, description=s.name))
    from rich.table import Table

    table = Table(title=f"{len(outcomes)} contracts deployed and recorded")
    table.add_column("contract")
    table.add_column("address")
    table.add_column("gas (with setup)", justify="right")
    for o in outcomes:
        table.add_row(o.name, o.address, f"{o.gas_used:,}")
    d.console.print(table)
    d.report["deploy"] = {o.name: o.address for o in outcomes}


def _act_transactions(d: DemoContext) -> None:
    from ..chain import TxRequest

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
    from ..errors import InsufficientFundsError

    try:
        chain.transfer(to, 10**30)
    except InsufficientFundsError as exc:
        d.console.print(f"  a transfer of 10^12 ETH is refused before sending: [yellow]{exc.message}[/]")
    d.report["transactions"] = {"sent": 50, "seconds": round(dt, 3), "fees_wei": str(fee)}


def _act_time(d: DemoContext) -> None:
    chain = d.nova.chain
    before = chain.timestamp()
    chain.advance(48 * 3600)
    d.console.print(f"  moved chain time 48 h forward (a timelock's delay): {before} -> {chain.timestamp()}")
    d.report["time"] = {"before": before, "after": chain.timestamp()}


def _act_metrics(d: DemoContext) -> None:
    snap = d.nova.metrics.get_snapshot()
    d.console.print(
        f"  {snap.total_transactions} transactions, {snap.failed_transactions} failed, "
        f"average gas {snap.average_gas_used:,.0f}, "
        f"average time to receipt {snap.average_finality_time * 1000:.1f} ms, "
        f"gas cost ${snap.total_gas_cost_usd:.6f} at the configured native price"
    )
    d.report["metrics"] = {
        "total_transactions": snap.total_transactions,
        "average_gas_used": snap.average_gas_used,
        "total_gas_cost_wei": str(snap.total_gas_cost_wei),
    }


def _act_did(d: DemoContext) -> None:
    from ._did_cmds import act_did

    act_did(d)


def _act_state(d: DemoContext) -> None:
    from ._state_cmds import act_state

    act_state(d)


def _act_tokens(d: DemoContext) -> None:
    from ._token_cmds import act_tokens

    act_tokens(d)


def _act_vm(d: DemoContext) -> None:
    from ._vm_cmds import act_orchestration

    act_orchestration(d)


def _act_governance(d: DemoContext) -> None:
    from ._gov_cmds import act_governance

    act_governance(d)


#: (title, act) in order; components append theirs
ACTS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("Start a throw-away embedded chain", _act_chain),
    ("Deploy the contract set", _act_deploy),
    ("Sign and send transactions", _act_transactions),
    ("Travel in time (dev chains only)", _act_time),
    ("VM state: records in IPFS, one Merkle root on chain, integrity checked", _act_state),
    ("Decentralized identity: a VM's credential issued, verified, revoked", _act_did),
    ("Resource tokens: buy CPU on the curve, swap for MEM, add liquidity, stake", _act_tokens),
    # before governance: its proposal mints the CPU token up to its cap, after which no CPU can be bought to stake
    ("Contract orchestration: a VM created, migrated with 3 of 5 approvals, an SLA penalty enforced", _act_vm),
    ("DAO governance: 'mint 1M CPU tokens' proposed, voted, time-locked, executed", _act_governance),
    ("Metrics fed by every transaction", _act_metrics),
]


def demo(ctx: typer.Context) -> None:
    """Walk through what exists, on a fresh in-memory chain (nothing on disk is touched)."""
    from .._nova import NovaChain

    state: CliState = ctx.obj
    console = state.console
    started = time.perf_counter()
    with NovaChain.connect(state.config(network="embedded:memory")) as nova:
        d = DemoContext(nova=nova, console=console)
        acts: dict[str, float] = {}
        for n, (title, act) in enumerate(ACTS, 1):
            console.rule(f"[bold]{n}. {title}")
            t0 = time.perf_counter()
            act(d)
            acts[act.__name__.removeprefix("_act_")] = round(time.perf_counter() - t0, 2)
            console.print(f"  [dim]({acts[act.__name__.removeprefix('_act_')]:.1f} s)[/]")
    d.report["act_seconds"] = acts
    elapsed = time.perf_counter() - started
    console.rule(f"done in {elapsed:.1f} s")
    if state.json:
        state.emit({**d.report, "seconds": round(elapsed, 2)})


def register(app: typer.Typer) -> None:
    """Attach the demo command."""
    app.command()(demo)
