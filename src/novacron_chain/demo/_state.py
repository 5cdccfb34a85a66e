"""The state layer's scene: VM state records in IPFS, one Merkle root on chain, integrity checked, tampering caught."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from ..state import HistoryEntry
    from ._context import DemoContext

__all__ = ["vm_state"]


def vm_state(d: DemoContext) -> None:
    """Record 1,000 VM states, anchor them in one root, verify them off and on chain, catch a tampered record."""
    from rich.progress import Progress

    from ..state import VMState, VMStateRecord, open_state
    from ..storage import EmbeddedStore

    nova = d.nova
    with open_state(nova.chain, nova.contract("StateAnchor"), nova.config.blockchain) as sm:
        owner = nova.chain.signer.address
        states = list(VMState)
        n = 1000
        started = time.perf_counter()
        t0 = int(time.time() * 1000)
        receipts = []
        with Progress(console=d.console, transient=True) as bar:
            task = bar.add_task("recording VM states", total=n)
            for i in range(n):
                rec = VMStateRecord(
                    f"vm-{i % 20:05d}", owner, ("us-east-1", "eu-west-1")[i % 2], states[i // 20 % 5], 2, 4096, t0 + i
                )
                receipts.append(sm.record_vm_state(rec))
                if i % 100 == 99:
                    bar.update(task, completed=i + 1)
        recorded_s = time.perf_counter() - started
        d.console.print(
            f"  {n:,} VM state records journaled in {recorded_s * 1000:.0f} ms ({n / recorded_s:,.0f}/s), "
            "each with its CID and Merkle leaf; no block waited for"
        )
        flushing = time.perf_counter()
        (batch,) = sm.flush()
        flush_s = time.perf_counter() - flushing
        gas = batch.gas_used or 0
        d.console.print(
            f"  anchored in {flush_s:.1f} s (records into IPFS, tree, manifest, one transaction) as batch "
            f"{batch.batch_id}: one root {batch.root[:18]}… in block {batch.block}, "
            f"{gas:,} gas = {gas / batch.leaf_count:,.0f} gas per record; manifest {batch.manifest_cid}"
        )
        report = sm.verify_state_integrity("vm-00007")
        d.console.print(f"  verify vm-00007: [green]{report.status.value}[/] ({report.reason})")
        batch_id, leaf, proof = sm.proof(receipts[7].seq)
        on_chain = nova.chain.call(sm.contract.functions.verifyRecord(batch_id, leaf, proof))
        d.console.print(f"  the same proof checked on chain by OpenZeppelin MerkleProof: {on_chain}")
        tampered = None
        if isinstance(sm.store, EmbeddedStore):
            # edit the stored block behind the store's back, as someone with access to the disk could
            block = sm.store.unpack(receipts[13].cid)  # the batch wrote it in a pack: give it its own file first
            block.write_bytes(block.read_bytes().replace(b'"cpu_allocation":2', b'"cpu_allocation":9'))
            tampered = sm.verify_state_integrity("vm-00013")
            d.console.print(
                "  someone edits a stored record of vm-00013 (2 CPUs -> 9): "
                f"[bold red]{tampered.status.value}[/] ({tampered.records[0].reason})"
            )
        entries = sm.get_history("vm-00007")
        d.console.print(_history_table("vm-00007", entries[:5]))
        d.report["state"] = {
            "records": n,
            "records_per_second": round(n / recorded_s),
            "batch_id": batch.batch_id,
            "root": batch.root,
            "gas_per_record": round(gas / batch.leaf_count, 1),
            "verified": report.status.value,
            "verified_on_chain": bool(on_chain),
            "tampered_detected": tampered.status.value if tampered else None,
        }


def _history_table(vm_id: str, entries: list[HistoryEntry]) -> Table:
    # the columns of `novacron-chain state history`
    from rich.table import Table

    def when(seconds: float | None) -> str:
        return "-" if seconds is None else datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")

    table = Table(title=f"audit trail of {vm_id}: {len(entries)} anchored records")
    for col in ("seq", "time", "state", "cpu", "memory", "batch", "block", "anchored", "tx", "cid"):
        table.add_column(col)
    for e in entries:
        table.add_row(
            str(e.seq),
            when(e.record.timestamp / 1000),
            e.record.state.value,
            str(e.record.cpu_allocation),
            f"{e.record.memory_allocation} MB",
            str(e.batch_id),
            str(e.block),
            when(e.anchored_at),
            (e.tx_hash or "-")[:12] + "…",
            e.cid,
        )
    return table
