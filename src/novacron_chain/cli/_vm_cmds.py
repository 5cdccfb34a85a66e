"""``novacron-chain vm`` and ``novacron-chain sla``: VM lifecycle with governed migrations, and SLAs with
oracle-enforced penalties.

Every command sends from the configured account (``--account N`` on dev chains): the owner creates, starts,
migrates and vetoes; approvers approve; the operator (the deployer on dev chains) confirms starts and completes
migrations; the provider proposes SLAs, the customer accepts them and claims violations. Oracle reports are signed
by oracle keys given with ``--oracle-key-env VAR`` (repeat), as signatures made elsewhere (``sla sign``, then
``--signature HEX``), or on dev chains with ``--dev-oracles 5,6,7``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._params import Deadline, address
from ._params import duration as duration_param
from ._state import CliState

if TYPE_CHECKING:
    from .. import NovaChain
    from ..orchestrator import SLAOracle, SLATerms, VMInfo

vm_app = typer.Typer(help="VM lifecycle: create, start, stop, governed cross-region migration.", no_args_is_help=True)
sla_app = typer.Typer(help="SLAs: provider stake, guarantees with penalties, oracle-enforced.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The VM's name, e.g. vm-12345.")]
SlaId = Annotated[int, typer.Argument(help="The SLA's id (printed by `sla create`).", min=1)]


def _tx(receipt: Any) -> dict[str, Any]:
    return {"tx_hash": receipt.tx_hash, "block": receipt.block_number, "gas_used": receipt.gas_used}


def _vm_table(vm: VMInfo) -> Any:
    from rich.table import Table

    t = Table(title=f"VM {vm.name}", show_header=False)
    t.add_column("field")
    t.add_column("value")
    t.add_row("state", f"[bold]{vm.state.name}[/]")
    t.add_row("owner", vm.owner)
    t.add_row("region", vm.region)
    t.add_row("resources", f"{vm.cpu} vCPU, {vm.memory_mb:,} MB")
    m = vm.migration
    if m is not None:
        status = "open" if m.open else "closed"
        lock = f", unlocks at {m.unlock_at}" if m.unlock_at else ""
        t.add_row(
            "migration",
            f"#{m.nonce} to {m.target_region} ({status}): {m.approvals}/{m.threshold} approvals{lock}",
        )
        t.add_row("snapshot", m.snapshot_cid or "0x" + m.snapshot_hash.hex())
    return t


def _emitted(state: CliState, data: dict[str, Any], tx: Any, what: str) -> bool:
    """With --json, emit ``data`` (and the transaction ``tx``, if any) and say it is done; otherwise print ``what``
    with the transaction's gas and hash, if any, and leave the rest to the caller."""
    if tx is not None:
        data["tx"] = _tx(tx)
    if state.json:
        state.emit(data)
        return True
    if tx is not None:
        state.console.print(f"{what} ([dim]{tx.gas_used:,} gas, tx {tx.tx_hash}[/])")
    return False


def _show_vm(state: CliState, name: str, tx: Any = None, what: str = "") -> None:
    vm = state.nova().orchestrator.get_vm(name)
    if not _emitted(state, vm.to_dict(), tx, what):
        state.console.print(_vm_table(vm))


@vm_app.command("create")
def vm_create(
    ctx: typer.Context,
    name: Name,
    region: Annotated[str, typer.Option(help="Region, e.g. us-east-1.")],
    cpu: Annotated[int, typer.Option(help="vCPUs (1-1024).")],
    memory: Annotated[int, typer.Option(help="Memory in MB (e.g. 8192).")],
    reserve: Annotated[
        bool, typer.Option("--reserve", help="Stake the CPU/MEM tokens the VM needs first (buying what is missing).")
    ] = False,
    deadline: Deadline = None,
) -> None:
    """Create a VM owned by the sending account (state STOPPED); its capacity must be covered by staked tokens."""
    from ..orchestrator import VMLifecycleOperation

    state: CliState = ctx.obj
    co = state.nova().orchestrator
    receipt = co.create_vm(VMLifecycleOperation(name, region, cpu, memory), reserve=reserve, deadline=deadline)
    _show_vm(state, name, receipt, f"created {name}")


@vm_app.command("start")
def vm_start(ctx: typer.Context, name: Name) -> None:
    """STOPPED -> STARTING (the owner)."""
    state: CliState = ctx.obj
    _show_vm(state, name, state.nova().orchestrator.start_vm(name), f"starting {name}")


@vm_app.command("confirm")
def vm_confirm(ctx: typer.Context, name: Name) -> None:
    """STARTING -> RUNNING (an operator: the VM booted)."""
    state: CliState = ctx.obj
    _show_vm(state, name, state.nova().orchestrator.confirm_running(name), f"{name} is running")


@vm_app.command("stop")
def vm_stop(ctx: typer.Context, name: Name) -> None:
    """RUNNING or STARTING -> STOPPED (the owner or an operator)."""
    state: CliState = ctx.obj
    _show_vm(state, name, state.nova().orchestrator.stop_vm(name), f"stopped {name}")


@vm_app.command("terminate")
def vm_terminate(ctx: typer.Context, name: Name) -> None:
    """STOPPED -> TERMINATED (the owner); releases the VM's reserved capacity. Final."""
    state: CliState = ctx.obj
    _show_vm(state, name, state.nova().orchestrator.terminate_vm(name), f"terminated {name}")


@vm_app.command("migrate")
def vm_migrate(
    ctx: typer.Context,
    name: Name,
    to: Annotated[str, typer.Option("--to", help="Target region (another region than the VM's).")],
    snapshot: Annotated[str, typer.Option(help="CID of the VM's snapshot (checked when the migration completes).")],
) -> None:
    """Open a cross-region migration request (the owner); approvers then approve it."""
    state: CliState = ctx.obj
    receipt = state.nova().orchestrator.migrate_vm(name, to, snapshot)
    _show_vm(state, name, receipt, f"migration of {name} to {to} requested")


@vm_app.command("approve")
def vm_approve(ctx: typer.Context, name: Name) -> None:
    """Approve the VM's open migration (an approver); the threshold-th approval starts the time-lock."""
    state: CliState = ctx.obj
    _show_vm(state, name, state.nova().orchestrator.approve_migration(name), f"approved the migration of {name}")


@vm_app.command("execute")
def vm_execute(
    ctx: typer.Context,
    name: Name,
    snapshot: Annotated[str, typer.Option(help="CID of the snapshot restored in the target region.")],
) -> None:
    """Complete the migration after its time-lock (the owner or an operator), presenting the snapshot CID."""
    state: CliState = ctx.obj
    receipt = state.nova().orchestrator.execute_migration(name, snapshot)
    _show_vm(state, name, receipt, f"{name} migrated")


@vm_app.command("veto")
def vm_veto(ctx: typer.Context, name: Name) -> None:
    """Veto the open migration (the owner or a guardian); the VM stays where it is."""
    state: CliState = ctx.obj
    _show_vm(state, name, state.nova().orchestrator.veto_migration(name), f"vetoed the migration of {name}")


@vm_app.command("show")
def vm_show(ctx: typer.Context, name: Name) -> None:
    """A VM: state, owner, region, resources and its latest migration."""
    _show_vm(ctx.obj, name)


# -- SLAs ---------------------------------------------------------------------------------------------------------


def _terms(
    nova: NovaChain,
    customer: str,
    guarantees: list[str],
    stake: int,
    fee: int,
    duration: int,
    interval: int,
    token: str | None,
) -> SLATerms:
    from ..orchestrator import SLATerms

    return SLATerms(
        provider=nova.chain.signer.address,
        customer=customer,
        guarantees=tuple(SLATerms.parse_guarantee(g) for g in guarantees),
        stake=stake,
        fee=fee,
        duration=duration,
        token=token,
        interval=interval,
    )


def _show_sla(state: CliState, sla_id: int, tx: Any = None, what: str = "") -> None:
    from rich.table import Table

    sla = state.nova().orchestrator.get_sla(sla_id)
    if _emitted(state, sla.to_dict(), tx, what):
        return
    t = Table(title=f"SLA {sla_id}: {sla.status.name}")
    t.add_column("guarantee")
    t.add_column("target", justify="right")
    t.add_column("kind")
    t.add_column("penalty", justify="right")
    for g in sla.guarantees:
        t.add_row(g.name, str(g.target), "ceiling" if g.upper_bound else "floor", f"{g.penalty:,}")
    state.console.print(t)
    state.console.print(
        f"  provider {sla.provider}, customer {sla.customer}\n"
        f"  stake {sla.stake:,} (left {sla.stake_left:,}), fee {sla.fee:,}, penalties paid {sla.penalties_paid:,} "
        f"(base units of {sla.token})\n"
        f"  term {sla.starts_at} .. {sla.expires_at}, monitoring windows of {sla.interval} s, "
        f"dispute window {sla.dispute_window} s, "
        f"open claims {sla.open_claims}"
    )


@sla_app.command("create")
def sla_create(
    ctx: typer.Context,
    customer: Annotated[str, typer.Option(help="The customer's address.", parser=address)],
    guarantee: Annotated[
        list[str], typer.Option(help="NAME>=TARGET:PENALTY (floor) or NAME<=TARGET:PENALTY (ceiling); repeat.")
    ],
    stake: Annotated[int, typer.Option(help="The provider's stake, in token base units.", min=1)],
    fee: Annotated[int, typer.Option(help="The customer's fee, in token base units.", min=0)] = 0,
    duration: Annotated[int, typer.Option(help="The term: 30d, 720h, or seconds.", parser=duration_param())] = "30d",  # type: ignore[assignment]
    interval: Annotated[
        int, typer.Option(help="The monitoring window: 1h, 5m, or seconds.", parser=duration_param())
    ] = "1h",  # type: ignore[assignment]
    token: Annotated[
        str | None, typer.Option(help="ERC-20 of stake, fee and penalties (default: CPU token).", parser=address)
    ] = None,
    buy: Annotated[bool, typer.Option("--buy", help="Buy missing resource tokens on the curve first.")] = False,
    deadline: Deadline = None,
) -> None:
    """Propose an SLA from the sending account (the provider), staking --stake."""
    state: CliState = ctx.obj
    nova = state.nova()
    terms = _terms(nova, customer, guarantee, stake, fee, duration, interval, token)
    sla = nova.orchestrator.create_sla_contract(terms, buy=buy, deadline=deadline)
    if not state.json:
        state.console.print(f"SLA {sla.sla_id} proposed; the customer accepts it with `sla accept {sla.sla_id}`")
    _show_sla(state, sla.sla_id)


@sla_app.command("accept")
def sla_accept(
    ctx: typer.Context,
    sla_id: SlaId,
    buy: Annotated[bool, typer.Option("--buy", help="Buy the fee's resource tokens on the curve first.")] = False,
    deadline: Deadline = None,
) -> None:
    """Accept a proposed SLA and deposit its fee (the customer): the term starts."""
    state: CliState = ctx.obj
    accepted = state.nova().orchestrator.accept_sla(sla_id, buy=buy, deadline=deadline)
    _show_sla(state, sla_id, accepted, f"SLA {sla_id} accepted")


def _oracles(nova: NovaChain, key_envs: list[str], dev: str | None) -> list[SLAOracle]:
    from ..chain import load_signer
    from ..errors import NovaValueError
    from ..orchestrator import SLAOracle

    out = [SLAOracle(load_signer(key_env=var, required=True)) for var in key_envs]
    if dev:
        try:
            indices = [int(i) for i in dev.split(",")]
        except ValueError as exc:
            raise NovaValueError(f"--dev-oracles {dev!r} is not a comma-separated list of dev account numbers") from exc
        out += [SLAOracle(nova.chain.dev_signer(i)) for i in indices]
    return out


def _signature(text: str) -> bytes:
    from ..errors import NovaValueError

    try:
        raw = bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 65:
        raise NovaValueError(f"--signature {text[:20]!r}... is not 65 bytes of hex", hint="use `sla sign` output")
    return raw


@sla_app.command("report")
def sla_report(
    ctx: typer.Context,
    sla_id: SlaId,
    guarantee: Annotated[str, typer.Option(help="The guarantee's name, e.g. uptime.")],
    actual: Annotated[str, typer.Option(help="The measured value, e.g. 99.5 (up to 3 decimals).")],
    period: Annotated[
        int | None, typer.Option(help="End of the monitoring window (unix s; default: the latest ended window).")
    ] = None,
    signature: Annotated[list[str] | None, typer.Option(help="An oracle's signature (hex; repeat).")] = None,
    oracle_key_env: Annotated[
        list[str] | None, typer.Option(help="Env var holding an oracle's key, to sign here (repeat).")
    ] = None,
    dev_oracles: Annotated[str | None, typer.Option(help="Sign with these dev accounts (e.g. 5,6,7).")] = None,
) -> None:
    """Report a measured value: an oracle-quorum report (with signatures or oracle keys; pays at once) or, with
    neither, the customer's own claim (pays after the dispute window unless disputed)."""
    state: CliState = ctx.obj
    nova = state.nova()
    oracles = _oracles(nova, oracle_key_env or [], dev_oracles)
    sigs = [_signature(s) for s in signature or []]
    co = nova.orchestrator
    if oracles and sigs:
        from ..errors import NovaValueError

        raise NovaValueError("give --signature or oracle keys, not both")
    receipt = co.report_violation(
        sla_id,
        guarantee,
        actual,
        period=period,
        signatures=sigs or None,
        oracles=oracles or None,
    )
    kind = "oracle report" if oracles or sigs else "violation claim"
    _show_sla(state, sla_id, receipt, f"{kind} on {guarantee} = {actual} recorded")


@sla_app.command("sign")
def sla_sign(
    ctx: typer.Context,
    sla_id: SlaId,
    guarantee: Annotated[str, typer.Option(help="The guarantee's name.")],
    actual: Annotated[str, typer.Option(help="The measured value.")],
    period: Annotated[int, typer.Option(help="End of the monitoring window (unix seconds).")],
    key_env: Annotated[str, typer.Option(help="Env var holding the oracle's key.")],
) -> None:
    """Sign a report as an oracle (no transaction); relay quorum signatures with `sla report --signature`."""
    from decimal import Decimal

    from ..orchestrator import ViolationReport, to_milli

    state: CliState = ctx.obj
    nova = state.nova()
    (oracle,) = _oracles(nova, [key_env], None)
    report = ViolationReport(sla_id, guarantee, Decimal(to_milli(actual, "actual")) / 1000, period)
    sig = oracle.sign(report, contract=nova.orchestrator.sla.address, chain_id=nova.chain.chain_id)
    state.emit({"oracle": oracle.address, "signature": "0x" + sig.hex()}, "0x" + sig.hex())


@sla_app.command("dispute")
def sla_dispute(
    ctx: typer.Context,
    sla_id: SlaId,
    guarantee: Annotated[str, typer.Option(help="The claimed guarantee.")],
    period: Annotated[int, typer.Option(help="The claim's period.")],
) -> None:
    """Dispute a customer claim within its window (the provider); oracles then decide it."""
    state: CliState = ctx.obj
    receipt = state.nova().orchestrator.dispute_claim(sla_id, guarantee, period)
    _show_sla(state, sla_id, receipt, "claim disputed")


@sla_app.command("finalize")
def sla_finalize(
    ctx: typer.Context,
    sla_id: SlaId,
    guarantee: Annotated[str, typer.Option(help="The claimed guarantee.")],
    period: Annotated[int, typer.Option(help="The claim's period.")],
) -> None:
    """Pay an undisputed claim whose dispute window ended (anyone)."""
    state: CliState = ctx.obj
    receipt = state.nova().orchestrator.finalize_claim(sla_id, guarantee, period)
    _show_sla(state, sla_id, receipt, "claim paid")


@sla_app.command("settle")
def sla_settle(ctx: typer.Context, sla_id: SlaId) -> None:
    """Settle after expiry plus the dispute window: the provider gets the fee and the rest of the stake."""
    state: CliState = ctx.obj
    _show_sla(state, sla_id, state.nova().orchestrator.settle_sla(sla_id), f"SLA {sla_id} settled")


@sla_app.command("show")
def sla_show(ctx: typer.Context, sla_id: SlaId) -> None:
    """An SLA: parties, guarantees, stake, penalties paid, term."""
    _show_sla(ctx.obj, sla_id)


def register(app: typer.Typer) -> None:
    """Attach the ``vm`` and ``sla`` commands to the main app."""
    app.add_typer(vm_app, name="vm")
    app.add_typer(sla_app, name="sla")
