"""Integrity checks: a stored record against the root anchored on chain, and a whole batch from public data alone.

A record is ``valid`` only when its block is in the content store and hashes to its CID, decodes to the record
the index names, hashes to its leaf, and the leaf's proof leads to the root ``StateAnchor`` holds; its config and
log blobs are rehashed too. Anything changed is ``tampered``, anything gone is ``missing``, never ``valid``.
:meth:`Verifier.verify_batch` trusts nothing local: the manifest CID comes from the chain's event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from eth_abi import decode as abi_decode

from ..errors import StorageError
from ..storage import ContentNotFoundError, ContentStore, CorruptBlockError, InvalidCidError
from ._anchorer import batch_anchored_logs
from ._batchdag import read_manifest
from ._errors import RecordValueError, StateValueError
from ._hashing import hex0x, leaf_hash, raw_cid_bytes
from ._index import BatchRow, IndexRecord, StateIndex
from ._merkle import MerkleTree, verify_proof
from ._record import VMStateRecord
from ._types import BatchIntegrity, IntegrityReport, IntegrityStatus, Pending, RecordIntegrity

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain

__all__ = ["Verifier", "check_pending", "vm_report", "worst"]

_ZERO32 = bytes(32)

_SEVERITY = {
    IntegrityStatus.VALID: 0,
    IntegrityStatus.PENDING: 1,
    IntegrityStatus.MISSING: 2,
    IntegrityStatus.TAMPERED: 3,
}


def worst(checks: Iterable[RecordIntegrity]) -> RecordIntegrity:
    """The most severe check (tampered > missing > pending > valid); ``checks`` must not be empty."""
    return max(checks, key=lambda c: _SEVERITY[c.status])


def vm_report(vm_id: str, checks: list[RecordIntegrity]) -> IntegrityReport:
    """The report over every record of ``vm_id``: the worst status, and why."""
    if not checks:
        return IntegrityReport(vm_id, IntegrityStatus.MISSING, f"no record of {vm_id} was made here", ())
    checks.sort(key=lambda c: c.seq or 0)
    bad = worst(checks)
    if bad.status is IntegrityStatus.VALID:
        reason = f"all {len(checks)} records are anchored and intact"
    else:
        same = sum(1 for c in checks if c.status is bad.status)
        reason = f"{same} of {len(checks)} records {bad.status.value}; record {bad.seq}: {bad.reason}"
    return IntegrityReport(vm_id, bad.status, reason, tuple(checks))


def check_pending(p: Pending) -> RecordIntegrity:
    """The check of a record still waiting for its batch: ``pending``, or ``tampered`` if it changed in memory."""
    if raw_cid_bytes(p.data) != p.cid_bytes or leaf_hash(p.data) != p.leaf:
        return RecordIntegrity(IntegrityStatus.TAMPERED, "the queued record changed in memory", p.cid, p.seq, p.vm_id)
    return RecordIntegrity(
        IntegrityStatus.PENDING,
        "recorded in the journal, waiting for its batch to be anchored",
        p.cid,
        p.seq,
        p.vm_id,
        leaf=hex0x(p.leaf),
    )


class Verifier:
    """Checks records and batches anchored on ``contract`` against what ``store`` holds; ``index`` says which
    record is in which batch, with its proof. Roots read from the chain are cached (an anchored root never
    changes)."""

    def __init__(self, chain: Chain, contract: Contract, store: ContentStore, index: StateIndex) -> None:
        self.chain = chain
        self.contract = contract
        self.store = store
        self._index = index
        self._roots: dict[int, bytes] = {}

    def root_on_chain(self, batch_id: int) -> bytes:
        """The root of batch ``batch_id`` on chain; 32 zero bytes when there is no such batch."""
        root = self._roots.get(batch_id)
        if root is None:
            root = bytes(self.chain.call(self.contract.functions.batchRoot(batch_id)))
            if root != _ZERO32:
                self._roots[batch_id] = root  # an anchored root never changes
        return root

    # hooks: where a batch's root is read and how it is named (a redundancy chain's verifier, _mirror, overrides them)

    def root_of(self, batch: BatchRow) -> bytes:
        """The root on chain of anchored ``batch``; 32 zero bytes when it is not there."""
        assert batch.chain_batch_id is not None
        return self.root_on_chain(batch.chain_batch_id)

    def not_on_chain(self, batch: BatchRow) -> str:
        """Why a check is ``missing`` when :meth:`root_of` found nothing."""
        return (
            f"batch {batch.chain_batch_id} is not on chain {self.chain.chain_id} (was the chain reset or the "
            "contract redeployed?)"
        )

    def anchored_where(self, batch: BatchRow) -> str:
        """Where a ``valid`` record's batch is anchored, for its reason."""
        where = f"block {batch.block}" if batch.block is not None else "an unknown block"
        return f"batch {batch.chain_batch_id} ({where})"

    def check_rows(self, rows: Sequence[IndexRecord]) -> list[RecordIntegrity]:
        """The check of each indexed record, in the order given."""
        batches: dict[int, BatchRow | None] = {}
        out = []
        for row in rows:
            if row.batch not in batches:
                batches[row.batch] = self._index.batch(row.batch)
            out.append(self._check_row(row, batches[row.batch]))
        return out

    def _check_row(self, row: IndexRecord, batch: BatchRow | None) -> RecordIntegrity:
        def result(status: IntegrityStatus, reason: str, batch_id: int | None = None) -> RecordIntegrity:
            return RecordIntegrity(status, reason, row.cid, row.seq, row.vm_id, batch_id, hex0x(row.leaf))

        if batch is None:
            return result(IntegrityStatus.TAMPERED, f"the index has no batch {row.batch} for this record")
        if batch.status != "anchored" or batch.chain_batch_id is None:
            return result(
                IntegrityStatus.PENDING, "in a batch whose anchoring is not confirmed yet (flush to finish it)"
            )
        bid = batch.chain_batch_id
        try:
            data = self.store.get_block(row.cid)
        except CorruptBlockError:
            return result(
                IntegrityStatus.TAMPERED, f"the stored block no longer hashes to its CID {row.cid}: it was changed", bid
            )
        except ContentNotFoundError:
            return result(IntegrityStatus.MISSING, f"the record's block {row.cid} is not in the content store", bid)
        except InvalidCidError:
            return result(IntegrityStatus.TAMPERED, f"the index names {row.cid!r}, which is not a CID", bid)
        try:
            record = VMStateRecord.from_bytes(data)
        except RecordValueError as exc:
            return result(IntegrityStatus.TAMPERED, f"the stored block is not a VM state record ({exc.message})", bid)
        if record.vm_id != row.vm_id:
            return result(
                IntegrityStatus.TAMPERED, f"the stored record is of {record.vm_id}, the index says {row.vm_id}", bid
            )
        root = self.root_of(batch)
        if root == _ZERO32:
            return result(IntegrityStatus.MISSING, self.not_on_chain(batch), bid)
        leaf = leaf_hash(data)
        if leaf != row.leaf or not verify_proof(root, leaf, row.proof_hashes()):
            return result(
                IntegrityStatus.TAMPERED,
                f"the record differs from the one anchored in batch {bid}: its leaf does not lead to the root on chain",
                bid,
            )
        for name, blob in (("config", record.config_cid), ("logs", record.logs_cid)):
            if blob is None:
                continue
            try:
                report = self.store.verify(blob)
            except StorageError as exc:
                return result(IntegrityStatus.MISSING, f"the {name} blob {blob} cannot be checked: {exc.message}", bid)
            if report.corrupt:
                return result(IntegrityStatus.TAMPERED, f"the {name} blob {blob} was changed", bid)
            if report.missing:
                return result(IntegrityStatus.MISSING, f"the {name} blob {blob} is not in the content store", bid)
        return result(IntegrityStatus.VALID, f"anchored in {self.anchored_where(batch)} and intact", bid)

    def verify_batch(self, batch_id: int) -> BatchIntegrity:
        """Audit batch ``batch_id`` from the chain and the content store only (see
        :meth:`StateManager.verify_batch <novacron_chain.state.StateManager.verify_batch>`)."""
        root = self.root_on_chain(batch_id)
        if root == _ZERO32:
            return BatchIntegrity(batch_id, IntegrityStatus.MISSING, f"no batch {batch_id} on chain", "", "", 0)
        logs = batch_anchored_logs(self.chain, self.contract, batch_id, from_block=0)
        if not logs:
            return BatchIntegrity(
                batch_id, IntegrityStatus.MISSING, "the BatchAnchored event is not found", hex0x(root), "", 0
            )
        _count, manifest_cid = abi_decode(["uint32", "string"], bytes(logs[0]["data"]))

        def outcome(
            status: IntegrityStatus, reason: str, n: int = 0, bad: Sequence[tuple[int, str]] = ()
        ) -> BatchIntegrity:
            return BatchIntegrity(batch_id, status, reason, hex0x(root), manifest_cid, n, tuple(bad))

        try:
            manifest = read_manifest(self.store, manifest_cid)
        except CorruptBlockError as exc:
            return outcome(IntegrityStatus.TAMPERED, f"the batch's manifest was changed ({exc.message})")
        except ContentNotFoundError as exc:
            return outcome(IntegrityStatus.MISSING, f"the batch's manifest is not in the content store ({exc.message})")
        except StateValueError as exc:
            return outcome(IntegrityStatus.TAMPERED, exc.message)
        leaves = [leaf for _cid, leaf, _vm in manifest.records]
        if not leaves or MerkleTree(leaves).root != root or manifest.root != root:
            return outcome(IntegrityStatus.TAMPERED, "the manifest's leaves do not rebuild the root on chain")
        bad: list[tuple[int, str]] = []
        status = IntegrityStatus.VALID
        for i, (cid, leaf, vm_id) in enumerate(manifest.records):
            try:
                data = self.store.get_block(cid)
            except CorruptBlockError:
                bad.append((i, f"{cid} ({vm_id}): the block was changed"))
                status = IntegrityStatus.TAMPERED
                continue
            except (ContentNotFoundError, InvalidCidError):
                bad.append((i, f"{cid} ({vm_id}): the block is missing"))
                if status is IntegrityStatus.VALID:
                    status = IntegrityStatus.MISSING
                continue
            if leaf_hash(data) != leaf:
                bad.append((i, f"{cid} ({vm_id}): the record does not hash to its leaf"))
                status = IntegrityStatus.TAMPERED
        n = len(manifest.records)
        if status is IntegrityStatus.VALID:
            return outcome(status, f"all {n} records present, intact and under the root on chain", n)
        return outcome(status, f"{len(bad)} of {n} records {status.value}; first: {bad[0][1]}", n, bad)
