"""``novacron-chain state``: record VM states, anchor them, verify them, show a VM's audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._params import address
from ._state import CliState

if TYPE_CHECKING:
    from ..config import BlockchainConfig
    from ..state import HistoryEntry, IntegrityReport, MirrorTarget, StateManager

state_app = typer.Typer(
    help="VM state records: recorded at once, anchored on chain in Merkle-batched roots, data in IPFS.",
    no_args_is_help=True,
)

_STATUS_STYLE = {"valid": "green", "pending": "yellow", "missing": "red", "tampered": "bold red"}


def _manager(ctx: typer.Context) -> StateManager:
    from ..state import nova_mirror, open_state

    state: CliState = ctx.obj
    nova = state.nova()
    manager = open_state(nova.chain, nova.contract("StateAnchor"), nova.config.blockchain)
    ctx.call_on_close(manager.close)
    nova_mirror(nova, manager)  # anchor_redundancy: the roots anchored again there (chains opened when needed)
    return manager


def _primary_anchor(config: BlockchainConfig, name: str) -> tuple[int, str]:
    """The primary's chain id and StateAnchor address, from the config and the deployments file only."""
    from ..chain import DeploymentsFile
    from ..errors import NovaValueError

    if name not in config.anchor_redundancy:
        raise NovaValueError(
            f"--chain {name!r} is not a redundancy chain (blockchain.anchor_redundancy: {config.anchor_redundancy})",
            hint="use the primary (no --chain) or a chain named in blockchain.anchor_redundancy",
        )
    primary_id = config.expected_chain_id
    if primary_id is None:
        raise NovaValueError(
            f"--chain {name}: the chain id of the primary {config.network} is not known without reaching it",
            hint="set blockchain.chain_id to the id of the primary chain",
        )
    path = config.resolved_data_dir / "deployments.json"
    record = DeploymentsFile(path).get(primary_id, "StateAnchor")
    if record is None:
        raise NovaValueError(
            f"--chain {name}: no StateAnchor of chain {primary_id} in {path}",
            hint="run `novacron-chain deploy` with anchor_redundancy set, or copy deployments.json of the original "
            "data dir into this one",
        )
    return primary_id, record.address


def _redundancy_target(ctx: typer.Context, name: str) -> MirrorTarget:
    """Redundancy chain ``name``, connected for this command without the primary."""
    from .. import NovaChain
    from ..state import MirrorTarget

    state: CliState = ctx.obj
    full = state.config()
    other = NovaChain.connect(full.model_copy(update={"blockchain": full.blockchain.chain_config(name)}))
    ctx.call_on_close(other.close)
    return MirrorTarget(name, other.chain, other.contract("StateAnchor"))


def _manager_without_primary(ctx: typer.Context, name: str) -> StateManager:
    """The state of the primary's StateAnchor, opened without contacting the primary, with redundancy chain
    ``name`` connected: for checks against ``name`` while the primary is unreachable."""
    from ..state import open_state, uncontacted_chain

    state: CliState = ctx.obj
    config = state.config().blockchain
    _id, address = _primary_anchor(config, name)
    primary = uncontacted_chain(config)
    manager = open_state(primary, primary.contract("StateAnchor", address), config)
    ctx.call_on_close(manager.close)
    target = _redundancy_target(ctx, name)
    manager.enable_redundancy([name], lambda _name: target)
    return manager


_CHAIN_HELP = "Check against the roots on this chain of blockchain.anchor_redundancy (default: the primary network)."


def _redundancy_lines(manager: StateManager) -> list[str]:
    lines = []
    for r in manager.summary().redundancy:
        where = f"{r.chain} (chain {r.chain_id})" if r.chain_id is not None else r.chain
        line = f"on {where}: {r.anchored} batches anchored, {r.lag} waiting"
        if r.last_error:
            line += f" [yellow](last try: {r.last_error}; retried with the next flush)[/]"
        lines.append(line)
    return lines


def _when(ms_or_s: int | None, *, ms: bool = False) -> str:
    if ms_or_s is None:
        return "-"
    seconds = ms_or_s / 1000 if ms else ms_or_s
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


@state_app.command("record")
def record(
    ctx: typer.Context,
    vm_id: Annotated[str, typer.Option("--vm-id", help="The VM's id, e.g. vm-12345.")],
    vm_state: Annotated[str, typer.Option("--state", help="Stopped, Starting, Running, Migrating or Terminated.")],
    region: Annotated[str, typer.Option(help="Region, e.g. us-east-1.")],
    cpu: Annotated[int, typer.Option(help="Virtual CPUs allocated.")],
    memory: Annotated[int, typer.Option(help="Memory allocated, in MB.")],
    owner: Annotated[
        str | None, typer.Option(help="Owner address (default: the signing account).", parser=address)
    ] = None,
    timestamp: Annotated[int | None, typer.Option(help="Milliseconds since the Unix epoch (default: now).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="VM configuration file, stored in IPFS.", exists=True, dir_okay=False)
    ] = None,
    logs: Annotated[Path | None, typer.Option(help="Log file, stored in IPFS.", exists=True, dir_okay=False)] = None,
) -> None:
    """Record a VM state (returns at once; `state flush` or a running batcher anchors it)."""
    from ..state import VMState, VMStateRecord

    state: CliState = ctx.obj
    fields: dict[str, Any] = {
        "vm_id": vm_id,
        "state": VMState.parse(vm_state),  # bad input fails before anything is opened
        "region": region,
        "cpu_allocation": cpu,
        "memory_allocation": memory,
    }
    if timestamp is not None:
        fields["timestamp"] = timestamp
    rec = VMStateRecord(owner=owner if owner is not None else state.nova().chain.signer.address, **fields)
    manager = _manager(ctx)
    receipt = manager.record_vm_state(rec, config=config, logs=logs)
    state.emit(
        receipt.to_dict(),
        f"recorded {receipt.vm_id} {rec.state.value} as {receipt.cid} (seq {receipt.seq}); "
        "`novacron-chain state flush` anchors it",
    )


@state_app.command("flush")
def flush(ctx: typer.Context) -> None:
    """Anchor every recorded state now (one Merkle root per batch)."""
    from rich.table import Table

    state: CliState = ctx.obj
    manager = _manager(ctx)
    with state.console.status(
        f"anchoring {manager.pending_count:,} records (records into IPFS, then one root per batch)"
    ):
        results = manager.flush()
    last = results[-1] if results else None
    data = {
        "records": sum(r.leaf_count for r in results),
        "root": last.root if last else None,
        "tx": last.tx_hash if last else None,
        "batches": [r.to_dict() for r in results],
    }
    redundancy = manager.summary().redundancy
    if redundancy:
        data["redundancy"] = [r.to_dict() for r in redundancy]
    if not results:
        state.emit(data, "\n".join(["nothing to anchor", *_redundancy_lines(manager)]))
        return
    table = Table(title=f"{data['records']} records anchored", caption="\n".join(_redundancy_lines(manager)) or None)
    for col in ("batch", "records", "root", "block", "gas / record", "manifest"):
        table.add_column(col)
    for r in results:
        gas = f"{r.gas_used / r.leaf_count:,.0f}" if r.gas_used else "(found on chain)"
        table.add_row(str(r.batch_id), str(r.leaf_count), r.root[:18] + "…", str(r.block), gas, r.manifest_cid)
    state.emit(data, table)


def _report_view(report: IntegrityReport) -> object:
    from rich.console import Group
    from rich.table import Table

    style = _STATUS_STYLE[report.status.value]
    table = Table(show_header=True, box=None, padding=(0, 1))
    for col in ("seq", "status", "cid", "reason"):
        table.add_column(col)
    for r in report.records:
        s = _STATUS_STYLE[r.status.value]
        table.add_row(str(r.seq), f"[{s}]{r.status.value}[/]", r.cid, r.reason)
    return Group(f"{report.vm_id}: [{style}]{report.status.value}[/] — {report.reason}", table)


@state_app.command("verify")
def verify(
    ctx: typer.Context,
    vm_id: Annotated[str, typer.Argument(help="The VM's id.")],
    chain: Annotated[str | None, typer.Option("--chain", help=_CHAIN_HELP)] = None,
) -> None:
    """Check every record of a VM against the roots on chain; exit 1 when one is tampered or missing."""
    from ..state import StateIntegrityError

    state: CliState = ctx.obj
    if chain is not None and chain != state.config().blockchain.network:
        manager = _manager_without_primary(ctx, chain)  # the primary may be unreachable: never contacted
    else:
        manager = _manager(ctx)
    report = manager.verify_state_integrity(vm_id, chain=chain)
    if report.status.value in ("tampered", "missing"):
        if not state.json and report.records:
            state.console.print(_report_view(report))
        raise StateIntegrityError(vm_id, report.to_dict())  # exit 1; with --json its dict carries the report
    state.emit(report.to_dict(), _report_view(report))


def _history_table(vm_id: str, entries: list[HistoryEntry]) -> object:
    from rich.table import Table

    table = Table(title=f"audit trail of {vm_id}: {len(entries)} anchored records")
    for col in ("seq", "time", "state", "cpu", "memory", "batch", "block", "anchored", "tx", "cid"):
        table.add_column(col)
    for e in entries:
        table.add_row(
            str(e.seq),
            _when(e.record.timestamp, ms=True),
            e.record.state.value,
            str(e.record.cpu_allocation),
            f"{e.record.memory_allocation} MB",
            str(e.batch_id),
            str(e.block),
            _when(e.anchored_at),
            (e.tx_hash or "-")[:12] + "…",
            e.cid,
        )
    return table


@state_app.command("history")
def history(ctx: typer.Context, vm_id: Annotated[str, typer.Argument(help="The VM's id.")]) -> None:
    """Every anchored record of a VM, oldest first, with block, time, transaction and CID."""
    state: CliState = ctx.obj
    entries = _manager(ctx).get_history(vm_id)
    state.emit({"vm_id": vm_id, "records": [e.to_dict() for e in entries]}, _history_table(vm_id, entries))


@state_app.command("audit")
def audit(ctx: typer.Context, batch_id: Annotated[int, typer.Argument(help="Batch id on chain.", min=1)]) -> None:
    """Check a batch from the chain and IPFS alone: manifest, root and every record; exit 1 when damaged."""
    from ..state import StateIntegrityError

    state: CliState = ctx.obj
    result = _manager(ctx).verify_batch(batch_id)
    if result.status.value in ("tampered", "missing"):
        raise StateIntegrityError(f"batch {batch_id}", result.to_dict())
    style = _STATUS_STYLE[result.status.value]
    state.emit(result.to_dict(), f"batch {batch_id}: [{style}]{result.status.value}[/] — {result.reason}")


@state_app.command("status")
def status(ctx: typer.Context) -> None:
    """Records waiting, unconfirmed and anchored."""
    state: CliState = ctx.obj
    manager = _manager(ctx)
    summary = manager.summary()
    head = (
        f"{summary.pending} pending, {summary.intended} unconfirmed, {summary.anchored} anchored in "
        f"{summary.batches} batches"
    )
    if summary.redundancy:
        head += f" on {manager.chain.network} (chain {manager.chain.chain_id})"
    state.emit(summary.to_dict(), "\n".join([head, *_redundancy_lines(manager)]))


@state_app.command("backup")
def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the backup as a CARv1 file here (`ipfs dag import` reads it)."),
    ] = None,
) -> None:
    """Write the whole audit log (records, batch manifests, proofs) as one IPFS DAG; print its root CID."""
    state: CliState = ctx.obj
    manager = _manager(ctx)
    with state.console.status("writing the audit log as one IPFS DAG" + (f" and exporting {out}" if out else "")):
        result = manager.backup(out)
    lines = [
        f"backup {result.root}: {result.records:,} records in {result.batches:,} batches ({result.seconds:.1f} s)",
    ]
    if result.path:
        lines.append(f"exported to {result.path}: {result.blocks:,} blocks, {result.size:,} bytes")
    if result.unanchored:
        lines.append(f"[yellow]{result.unanchored:,} records not anchored yet are not in it (`state flush` first)[/]")
    state.emit(result.to_dict(), "\n".join(lines))


@state_app.command("restore")
def restore(
    ctx: typer.Context,
    car: Annotated[
        Path | None,
        typer.Argument(help="The CAR file `state backup --out` wrote.", exists=True, dir_okay=False),
    ] = None,
    cid: Annotated[
        str | None, typer.Option("--cid", help="Restore the backup with this root CID from an IPFS node instead.")
    ] = None,
    ipfs: Annotated[
        str | None,
        typer.Option("--from", help="Kubo RPC endpoint to read --cid from (default: the configured store)."),
    ] = None,
    chain: Annotated[
        str | None,
        typer.Option(
            "--chain",
            help="Check against the roots on this chain of blockchain.anchor_redundancy instead of the primary "
            "network (which need not be reachable).",
        ),
    ] = None,
) -> None:
    """Rebuild the audit log in a fresh data dir from a backup, checking every record against the roots on chain."""
    from ..errors import NovaValueError
    from ..state import restore_state
    from ..storage import KuboStore, open_store

    state: CliState = ctx.obj
    if (car is None) == (cid is None):
        raise NovaValueError(
            "pass a CAR file or --cid, not both or neither",
            hint="novacron-chain state restore backup.car, or state restore --cid bafy... --from http://127.0.0.1:5001",
        )
    if ipfs is not None and cid is None:
        raise NovaValueError("--from goes with --cid", hint="drop --from when restoring from a CAR file")
    if chain is not None and chain != state.config().blockchain.network:
        _restore_on(ctx, chain, car, cid, ipfs)
        return
    nova = state.nova()
    config = nova.config.blockchain
    store = open_store(config)
    ctx.call_on_close(store.close)
    source = None
    if ipfs is not None:
        source = KuboStore(ipfs)
        ctx.call_on_close(source.close)
    with state.console.status("restoring: blocks into the store, then every record checked against the chain"):
        result = restore_state(
            nova.chain, nova.contract("StateAnchor"), store, config=config, car=car, cid=cid, source=source
        )
    state.emit(
        result.to_dict(),
        f"restored {result.records:,} records of {result.vms:,} VMs in {result.batches:,} batches from "
        f"{result.root} ({result.seconds:.1f} s); every record verified against the roots on chain",
    )


def _restore_on(ctx: typer.Context, name: str, car: Path | None, cid: str | None, ipfs: str | None) -> None:
    """``state restore --chain NAME``: every root checked on redundancy chain NAME; the primary is never contacted
    (its chain id comes from the config, its StateAnchor's address from the deployments file)."""
    from ..state import restore_from_mirror
    from ..storage import KuboStore, open_store

    state: CliState = ctx.obj
    config = state.config().blockchain
    primary_id, primary_anchor = _primary_anchor(config, name)
    target = _redundancy_target(ctx, name)
    store = open_store(config)
    ctx.call_on_close(store.close)
    source = None
    if ipfs is not None:
        source = KuboStore(ipfs)
        ctx.call_on_close(source.close)
    with state.console.status(f"restoring: blocks into the store, then every record checked against {name}"):
        result = restore_from_mirror(
            target, store, primary_chain_id=primary_id, primary_anchor=primary_anchor, config=config, car=car,
            cid=cid, source=source,
        )  # fmt: skip
    state.emit(
        {**result.to_dict(), "chain": name},
        f"restored {result.records:,} records of {result.vms:,} VMs in {result.batches:,} batches from "
        f"{result.root} ({result.seconds:.1f} s); every record verified against the roots on {name} "
        f"(chain {target.chain.chain_id})",
    )


@state_app.command("report")
def report(
    ctx: typer.Context,
    vm_id: Annotated[str, typer.Argument(help="The VM's id.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report (a vc+jwt) to this file.")] = None,
    issuer: Annotated[
        str | None,
        typer.Option(help="Issue as this DID (default: the signing account's DID; else it must be a delegate)."),
    ] = None,
) -> None:
    """A compliance report of a VM's audit trail: a vc+jwt, signed by the operator's DID, over every anchored record
    with its Merkle proof, batch, transaction, chain and contract; `state check-report` verifies it offline."""
    from ..errors import ContractError
    from ..state import issue_report

    state: CliState = ctx.obj
    nova = state.nova()
    manager = _manager(ctx)
    try:
        dids = nova.did  # with a DIDRegistry: delegates may sign, and the report can be revoked there
    except ContractError:
        dids = None
    result = issue_report(manager, vm_id, issuer=issuer, dids=dids)
    if out is not None:
        result.save(out)
    data = result.to_dict()
    if out is not None:
        data["out"] = str(out)
    lines = [
        f"compliance report of {vm_id}: {result.records} anchored records, issued by {result.issuer}",
        f"anchors on chain {result.chain_id}, StateAnchor {result.contract}; credential {result.credential_id}",
    ]
    if result.pending:
        lines.append(f"[yellow]{result.pending} records not anchored yet are not in it (`state flush` first)[/]")
    lines.append(f"written to {out}" if out is not None else result.token)
    state.emit(data, "\n".join(lines))


@state_app.command("check-report")
def check_report_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The report file (`state report --out` wrote it).", dir_okay=False)],
    rpc: Annotated[
        str | None, typer.Option("--rpc", help="Also check the anchors and the issuer's DID on this JSON-RPC node.")
    ] = None,
    on_chain: Annotated[
        bool,
        typer.Option("--chain", help="Also check them on the configured chain (--network, e.g. the embedded one)."),
    ] = False,
    issuer: Annotated[str | None, typer.Option(help="Fail unless the report was issued by this DID.")] = None,
) -> None:
    """Verify a compliance report without our database: the signature, every record against its CID and leaf, every
    Merkle proof against its root; with --rpc or --chain, that each root is anchored on that contract and chain.
    Exit 1 when a check fails."""
    from rich.console import Group
    from rich.table import Table

    from ..errors import NovaValueError
    from ..state import ReportInvalidError, check_report, connect_rpc, read_report

    state: CliState = ctx.obj
    if rpc is not None and on_chain:
        raise NovaValueError("pass --rpc URL or --chain, not both", hint="--chain uses the configured --network")
    token = read_report(file)  # a missing or unreadable file fails before any connection
    chain = None
    if rpc is not None:
        chain = connect_rpc(rpc)
        ctx.call_on_close(chain.close)
    elif on_chain:
        chain = state.nova().chain
    result = check_report(token, chain=chain, issuer=issuer)
    table = Table(show_header=True, box=None, padding=(0, 1))
    for col in ("check", "seq", "status", "reason"):
        table.add_column(col)
    style = {"ok": "green", "unchecked": "yellow", "failed": "bold red"}
    for c in result.checks:
        table.add_row(
            c.check, "-" if c.seq is None else str(c.seq), f"[{style[c.status.value]}]{c.status}[/]", c.reason
        )
    head = {"valid": "green", "valid-offline": "yellow", "invalid": "bold red"}[result.status]
    view = Group(
        f"report of {result.vm_id} by {result.issuer}: [{head}]{result.status}[/] — {result.reason}",
        table,
    )
    if not result.valid:
        if not state.json:
            state.console.print(view)
        raise ReportInvalidError(result)  # exit 1; with --json its dict carries the checks
    state.emit(result.to_dict(), view)


def register(app: typer.Typer) -> None:
    """Attach ``state`` to the main app."""
    app.add_typer(state_app, name="state")
