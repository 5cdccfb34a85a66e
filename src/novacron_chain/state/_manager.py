"""``StateManager``: record VM states at once, anchor them in Merkle-batched roots, verify them later.

Flow of one record::

    record_vm_state(record)      canonical bytes -> CID (sha2-256, raw block) and leaf (double keccak256)
      -> journal (copied into a shared file mapping; fsync grouped)   returns here: RecordReceipt(seq, cid, leaf)
    flush() / the background batcher                   every batch_size records or batch_max_wait seconds
      -> record blocks into the content store (in parallel)
      -> Merkle tree over the leaves, manifest + batch directory in the content store (pinned)
      -> index: batch written as *intended* (root, manifest CID) with every record's proof
      -> StateAnchor.anchor(root, count, manifest CID)    the contract refuses a root twice
      -> index: batch marked *anchored* (batch id, block, tx, time); journal segments released

After a crash, records after the last batch are replayed from the journal, and every intended batch is looked up
on chain by its root: confirmed when it is there, sent again when not. Nothing recorded is lost, nothing is
anchored twice.
"""

from __future__ import annotations

import collections
import dataclasses
import fcntl
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from eth_abi import decode as abi_decode

from ..errors import ChainError, ContractCustomError, NovaChainError, StorageError
from ..storage import ContentNotFoundError, ContentStore, CorruptBlockError, InvalidCidError, Source
from ._batchdag import BatchEntry, read_manifest, write_batch
from ._errors import (
    RecordValueError,
    StateBackpressureError,
    StateDataError,
    StateDirLockedError,
    StateError,
    StateValueError,
)
from ._hashing import cid_string, keccak, leaf_hash, raw_cid_bytes
from ._index import BatchRow, IndexRecord, StateIndex
from ._journal import Journal
from ._merkle import MerkleTree, verify_proof
from ._record import VMStateRecord, _ident

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain, Receipt

__all__ = [
    "BatchIntegrity",
    "BatchResult",
    "HistoryEntry",
    "IntegrityReport",
    "IntegrityStatus",
    "RecordIntegrity",
    "RecordReceipt",
    "StateManager",
    "StateSummary",
]

_log = logging.getLogger("novacron_chain.state")

BATCH_ANCHORED_TOPIC = keccak(b"BatchAnchored(uint256,bytes32,uint32,string)")
_ZERO32 = bytes(32)


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


# -- results ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class RecordReceipt:
    """What :meth:`StateManager.record_vm_state` returns: the record is durable in the journal.

    ``seq`` numbers records in the order this manager took them; :attr:`cid` is the record's CID in the content
    store (where it is written before its batch is anchored); :attr:`leaf` its Merkle leaf. Both are kept in binary
    and formatted when read, which keeps base32 off the hot path.
    """

    seq: int
    vm_id: str
    cid_bytes: bytes
    leaf_bytes: bytes

    @property
    def cid(self) -> str:
        """The record's CIDv1 (``bafkrei...``)."""
        return cid_string(self.cid_bytes)

    @property
    def leaf(self) -> str:
        """The record's Merkle leaf, 0x-hex."""
        return "0x" + self.leaf_bytes.hex()

    def __repr__(self) -> str:
        return f"RecordReceipt(seq={self.seq}, vm_id={self.vm_id!r}, cid={self.cid!r}, leaf={self.leaf!r})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"seq": self.seq, "vm_id": self.vm_id, "cid": self.cid, "leaf": self.leaf}


class IntegrityStatus(StrEnum):
    """What a check found. ``VALID``: the stored record is the one anchored on chain; ``TAMPERED``: the stored
    record (or what the index says of it) differs from what was anchored; ``PENDING``: recorded, not anchored yet;
    ``MISSING``: no such record, or its block or batch is gone."""

    VALID = "valid"
    TAMPERED = "tampered"
    PENDING = "pending"
    MISSING = "missing"


_SEVERITY = {
    IntegrityStatus.VALID: 0,
    IntegrityStatus.PENDING: 1,
    IntegrityStatus.MISSING: 2,
    IntegrityStatus.TAMPERED: 3,
}


@dataclass(frozen=True, slots=True)
class RecordIntegrity:
    """The check of one record: ``status`` and a ``reason`` a person can act on."""

    status: IntegrityStatus
    reason: str
    cid: str
    seq: int | None = None
    vm_id: str | None = None
    batch_id: int | None = None
    leaf: str | None = None

    @property
    def valid(self) -> bool:
        """True when the status is ``valid``."""
        return self.status is IntegrityStatus.VALID

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "status": self.status.value,
            "reason": self.reason,
            "cid": self.cid,
            "seq": self.seq,
            "vm_id": self.vm_id,
            "batch_id": self.batch_id,
            "leaf": self.leaf,
        }


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """The check of every record of a VM. ``status`` is the worst found (tampered > missing > pending > valid) and
    ``reason`` explains it; ``records`` holds each record's check, oldest first."""

    vm_id: str
    status: IntegrityStatus
    reason: str
    records: tuple[RecordIntegrity, ...]

    @property
    def valid(self) -> bool:
        """True when every record of the VM is anchored and intact."""
        return self.status is IntegrityStatus.VALID

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "vm_id": self.vm_id,
            "status": self.status.value,
            "reason": self.reason,
            "records": [r.to_dict() for r in self.records],
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One anchored record of a VM: the record, where it is stored, and where it was anchored."""

    seq: int
    record: VMStateRecord
    cid: str
    leaf: str
    batch_id: int
    root: str
    manifest_cid: str
    block: int | None
    tx_hash: str | None
    anchored_at: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "seq": self.seq,
            "record": self.record.to_dict(),
            "cid": self.cid,
            "leaf": self.leaf,
            "batch_id": self.batch_id,
            "root": self.root,
            "manifest_cid": self.manifest_cid,
            "block": self.block,
            "tx_hash": self.tx_hash,
            "anchored_at": self.anchored_at,
        }


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One anchored batch. ``recovered`` is true when it was found on chain from before (a resumed crash)."""

    batch_id: int
    root: str
    leaf_count: int
    first_seq: int
    last_seq: int
    manifest_cid: str
    tx_hash: str | None
    block: int | None
    anchored_at: int | None
    gas_used: int | None
    recovered: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class BatchIntegrity:
    """The check of one anchored batch from the chain and the content store alone (the local index unused).

    ``status`` is ``valid`` when the manifest's leaves rebuild the root on chain and every record block is present,
    intact and hashes to its leaf; ``records`` counts the records checked, ``bad`` lists ``(index, reason)``.
    """

    batch_id: int
    status: IntegrityStatus
    reason: str
    root: str
    manifest_cid: str
    records: int
    bad: tuple[tuple[int, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dataclasses.asdict(self)
        out["status"] = self.status.value
        out["bad"] = [list(b) for b in self.bad]
        return out


@dataclass(frozen=True, slots=True)
class StateSummary:
    """Counts for ``novacron-chain state status``."""

    pending: int
    intended: int
    anchored: int
    batches: int
    next_seq: int
    journal_synced_seq: int
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self)


class _Pending(NamedTuple):
    seq: int
    vm_id: str
    cid_bytes: bytes
    leaf: bytes
    data: bytes
    since: float

    @property
    def cid(self) -> str:
        return cid_string(self.cid_bytes)


# -- the manager --------------------------------------------------------------------------------------------------


class StateManager:
    """Records VM states, anchors them in Merkle-batched roots on ``anchor_contract``, verifies them later.

    ``chain`` sends the anchoring transactions (its signer needs ANCHORER_ROLE); ``anchor_contract`` is the
    deployed ``StateAnchor``; ``store`` keeps records, manifests and blobs. ``data_dir`` holds the journal and the
    index (one process at a time: a second one gets :class:`StateDirLockedError`); it belongs to this chain and
    contract only.

    ``batch_size`` records make a batch; a batch that is not full is anchored anyway once its oldest record waited
    ``batch_max_wait`` seconds (by the background batcher, :meth:`start`; :meth:`flush` anchors at once).

    Durability: :meth:`record_vm_state` returns once the record is in the journal file's shared memory mapping,
    i.e. in the operating system's page cache: it survives the process being killed at any point. The journal is
    fsynced every ``fsync_interval`` seconds, so a power cut may lose the records of the last interval; with
    ``wait_for_disk=True`` each call returns only once its record is fsynced (group commit: concurrent callers
    share one fsync). ``max_pending`` bounds the records waiting for anchoring (beyond it
    :class:`StateBackpressureError`); ``upload_workers`` threads write record blocks.

    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        chain: Chain,
        anchor_contract: Contract,
        store: ContentStore,
        *,
        data_dir: str | os.PathLike[str],
        batch_size: int = 1000,
        batch_max_wait: float = 10.0,
        wait_for_disk: bool = False,
        fsync_interval: float = 0.2,
        upload_workers: int = 8,
        max_pending: int = 1_000_000,
        journal_segment_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        _check_int("batch_size", batch_size, 1, 100_000)
        _check_int("upload_workers", upload_workers, 1, 256)
        _check_int("max_pending", max_pending, 1, 2**40)
        _check_int("journal_segment_bytes", journal_segment_bytes, 4096, 2**40)
        if not isinstance(batch_max_wait, int | float) or batch_max_wait < 0:
            raise StateValueError(f"batch_max_wait {batch_max_wait!r} must be 0 or more seconds")
        if not isinstance(fsync_interval, int | float) or fsync_interval <= 0:
            raise StateValueError(f"fsync_interval {fsync_interval!r} must be more than 0 seconds")
        names = {item.get("name") for item in anchor_contract.abi if item.get("type") == "function"}
        if not {"anchor", "batchOf", "batchRoot"} <= names:
            raise StateValueError(
                f"the contract at {anchor_contract.address} is not a StateAnchor (no anchor/batchOf/batchRoot)",
                hint="pass nova.contract('StateAnchor') after `novacron-chain deploy`",
            )
        self.chain = chain
        self.contract = anchor_contract
        self.store = store
        self.batch_size = batch_size
        self.batch_max_wait = float(batch_max_wait)
        self.wait_for_disk = wait_for_disk
        self.max_pending = max_pending
        self.upload_workers = upload_workers
        self.data_dir = Path(data_dir).expanduser()

        self._lock = threading.Lock()  # pending queue, seq, journal appends
        self._flush_lock = threading.RLock()  # one batch at a time
        self._pending: collections.deque[_Pending] = collections.deque()
        self._uploaded_upto = 0
        self._closed = False
        self._closers: list[Callable[[], None]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_error: BaseException | None = None
        self._roots: dict[int, bytes] = {}

        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateValueError(
                f"cannot create the state dir {self.data_dir}: {exc.strerror or exc}",
                hint="choose a directory this user can write",
            ) from exc
        self._lock_fd = _acquire_dir_lock(self.data_dir)
        try:
            self._open_parts(journal_segment_bytes, fsync_interval)
        except OSError as exc:
            self._release_resources()
            raise StateError(
                f"cannot open the VM state journal in {self.data_dir}: {exc.strerror or exc}",
                hint="check free disk space and permissions of the state dir",
            ) from exc
        except BaseException:
            self._release_resources()
            raise
        if self._pending or self._has_intended:
            _log.info(
                "state journal %s: %d records to anchor, %s",
                self.data_dir,
                len(self._pending),
                "an unconfirmed batch to reconcile" if self._has_intended else "no unconfirmed batch",
            )

    def _open_parts(self, journal_segment_bytes: int, fsync_interval: float) -> None:
        self._index = StateIndex(
            self.data_dir / "index.sqlite", chain_id=self.chain.chain_id, anchor=str(self.contract.address)
        )
        self._journal = Journal(
            self.data_dir / "journal", segment_bytes=journal_segment_bytes, fsync_interval=fsync_interval
        )
        after = self._index.last_batched_seq()
        now = time.monotonic()
        for seq, data in self._journal.replay(after):
            try:
                record = VMStateRecord.from_bytes(data)
            except RecordValueError as exc:
                raise StateDataError(
                    f"journal record {seq} is not a valid VM state record: {exc.message}",
                    path=str(self.data_dir / "journal"),
                    hint="the journal was edited or damaged; restore it from a backup",
                ) from exc
            self._pending.append(_Pending(seq, record.vm_id, raw_cid_bytes(data), leaf_hash(data), data, now))
        self._next_seq = max(self._journal.last_seq, after) + 1
        self._has_intended = bool(self._index.batches(status="intended"))

    # -- recording ------------------------------------------------------------------------------------------------

    def record_vm_state(
        self, record: VMStateRecord, *, config: Source | None = None, logs: Source | None = None
    ) -> RecordReceipt:
        """Record ``record`` durably and return at once (the seed's ``RecordVMState``); never waits for a block.

        ``config`` and ``logs`` (bytes or a file path) are stored in the content store first and their CIDs put in
        the record (``config_cid``, ``logs_cid``). The record is anchored with its batch later (:meth:`flush`, or
        the background batcher of :meth:`start`).
        """
        if not isinstance(record, VMStateRecord):
            raise StateValueError(
                f"record_vm_state takes a VMStateRecord, not {type(record).__name__}",
                hint="build one with VMStateRecord(vm_id=..., owner=..., region=..., state=..., ...)",
            )
        if config is not None or logs is not None:
            record = self._attach_blobs(record, config, logs)
        data = record.canonical_bytes()
        cid = raw_cid_bytes(data)
        leaf = leaf_hash(data)
        with self._lock:
            if self._closed:
                raise StateError("this StateManager is closed", hint="open a new one")
            if len(self._pending) >= self.max_pending:
                raise StateBackpressureError(len(self._pending), self.max_pending)
            seq = self._next_seq
            self._journal.append(seq, data)
            self._next_seq = seq + 1
            self._pending.append(_Pending(seq, record.vm_id, cid, leaf, data, time.monotonic()))
        if self.wait_for_disk:
            self._journal.wait_durable(seq)
        return RecordReceipt(seq, record.vm_id, cid, leaf)

    def _attach_blobs(self, record: VMStateRecord, config: Source | None, logs: Source | None) -> VMStateRecord:
        config_cid = record.config_cid if config is None else self.store.add(config, cid_version=1).cid
        logs_cid = record.logs_cid if logs is None else self.store.add(logs, cid_version=1).cid
        return dataclasses.replace(record, config_cid=config_cid, logs_cid=logs_cid)

    # -- anchoring ------------------------------------------------------------------------------------------------

    def flush(self) -> list[BatchResult]:
        """Anchor every record recorded so far now, in batches of at most ``batch_size``; the anchored batches.

        First finishes batches a crash or a chain error left unconfirmed. A chain error (node down, contract paused,
        no ANCHORER_ROLE, no gas) is raised; the records stay queued and the next flush sends them.
        """
        with self._flush_lock:
            results = self._reconcile()
            while True:
                items = self._take(self.batch_size)
                if not items:
                    return results
                results.append(self._anchor(items))

    def start(self) -> None:
        """Start the background batcher: it anchors a batch whenever ``batch_size`` records wait or the oldest
        waited ``batch_max_wait`` seconds, and writes record blocks to the content store in the meantime. Chain
        errors are logged and retried with backoff (see :attr:`last_error`)."""
        with self._lock:
            if self._closed:
                raise StateError("this StateManager is closed", hint="open a new one")
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="novacron-state-batcher", daemon=True)
            self._thread.start()

    def stop(self, *, flush: bool = True) -> list[BatchResult]:
        """Stop the background batcher; with ``flush`` (the default) anchor what is left; the batches anchored."""
        thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join()
        self._thread = None
        return self.flush() if flush else []

    @property
    def last_error(self) -> BaseException | None:
        """The error of the background batcher's last attempt (``None`` after a success)."""
        return self._last_error

    @property
    def pending_count(self) -> int:
        """Records recorded but not yet in a batch."""
        return len(self._pending)

    def summary(self) -> StateSummary:
        """Counts of pending, unconfirmed and anchored records, and the batcher's last error."""
        anchored, intended, batches = self._index.counts()
        return StateSummary(
            pending=len(self._pending),
            intended=intended,
            anchored=anchored,
            batches=batches,
            next_seq=self._next_seq,
            journal_synced_seq=self._journal.synced_seq,
            last_error=str(self._last_error) if self._last_error else None,
        )

    def _run(self) -> None:
        backoff = 0.0
        poll = min(0.05, self.batch_max_wait / 4) if self.batch_max_wait else 0.01
        while not self._stop.is_set():
            try:
                worked = self._step()
                self._last_error = None
                backoff = 0.0
            except Exception as exc:  # the batcher must survive anything; the error is reported, not lost
                self._last_error = exc
                backoff = min(max(1.0, backoff * 2), 30.0)
                if isinstance(exc, NovaChainError):
                    _log.warning("anchoring failed, retrying in %.0f s: %s", backoff, exc)
                else:
                    _log.exception("anchoring failed with an unexpected error, retrying in %.0f s", backoff)
                self._stop.wait(backoff)
                continue
            if not worked:
                self._stop.wait(poll)

    def _step(self) -> bool:
        """One round of the batcher: anchor a due batch, or upload ahead. True when it did something."""
        with self._flush_lock:
            if self._has_intended:
                self._reconcile()
                return True
            with self._lock:
                n = len(self._pending)
                oldest = self._pending[0].since if n else 0.0
            if n >= self.batch_size or (n and time.monotonic() - oldest >= self.batch_max_wait):
                self._anchor(self._take(self.batch_size))
                return True
        with self._lock:
            ahead = [p for p in itertools.islice(self._pending, self.batch_size) if p.seq > self._uploaded_upto]
        if ahead:
            self._upload(ahead)
            return True
        return False

    def _take(self, limit: int) -> list[_Pending]:
        with self._lock:
            return list(itertools.islice(self._pending, limit))

    def _upload(self, items: Sequence[_Pending]) -> None:
        """Write the records' blocks to the content store (idempotent), in seq order of completion."""
        todo = [p for p in items if p.seq > self._uploaded_upto]
        if not todo:
            return

        def put(p: _Pending) -> None:
            stored = self.store.put_block(p.data, codec="raw", cid_version=1)
            if stored != p.cid:  # the store's own CID, checked against ours
                raise StateError(
                    f"the content store stored record {p.seq} as {stored}, but its CID is {p.cid}",
                    hint="the store does not hash like IPFS (sha2-256, CIDv1 raw); use a Kubo node or the embedded "
                    "store",
                )

        if len(todo) == 1 or self.upload_workers == 1:
            for p in todo:
                put(p)
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.upload_workers, thread_name_prefix="novacron-state-upload")
            list(self._pool.map(put, todo))
        self._uploaded_upto = max(self._uploaded_upto, todo[-1].seq)

    def _anchor(self, items: list[_Pending]) -> BatchResult:
        self._upload(items)
        tree = MerkleTree([p.leaf for p in items])
        root = tree.root
        cids = [p.cid for p in items]
        entries = [
            BatchEntry(cid, p.cid_bytes, len(p.data), p.leaf, p.vm_id) for cid, p in zip(cids, items, strict=True)
        ]
        try:
            manifest_cid = write_batch(self.store, root, entries)
        except ContentNotFoundError:
            # a block written ahead was collected (gc) before the batch pinned it: write the batch's blocks again
            self._uploaded_upto = min(self._uploaded_upto, items[0].seq - 1)
            self._upload(items)
            manifest_cid = write_batch(self.store, root, entries)
        from_block = self.chain.block_number()
        rows = [(p.seq, p.vm_id, p.cid, p.leaf, i, b"".join(tree.proof(i)), p.data) for i, p in enumerate(items)]
        local = self._index.add_intended(
            first_seq=items[0].seq,
            last_seq=items[-1].seq,
            root=root,
            manifest_cid=manifest_cid,
            from_block=from_block,
            records=rows,
        )
        with self._lock:
            for p in items:
                popped = self._pending.popleft()
                assert popped.seq == p.seq, "the pending queue changed under a flush"
        self._has_intended = True
        batch = self._index.batch(local)
        assert batch is not None
        result = self._send(batch)
        self._has_intended = bool(self._index.batches(status="intended"))
        return result

    def _send(self, batch: BatchRow) -> BatchResult:
        """Anchor an intended batch; a root already on chain (a resend after a crash) is confirmed instead."""
        fn = self.contract.functions.anchor(batch.root, batch.leaf_count, batch.manifest_cid)
        _log.info(
            "anchoring %d records (seq %d-%d), root %s",
            batch.leaf_count,
            batch.first_seq,
            batch.last_seq,
            _hex(batch.root),
        )
        try:
            receipt = self.chain.transact(fn)
        except ContractCustomError as exc:
            if exc.error_name != "StateAnchorRootExists":
                raise
            found = self._confirm(batch)
            if found is None:  # cannot happen: the contract just said the root is there
                raise
            return found
        batch_id = self._batch_id_from(receipt)
        _id, anchored_at, _count = self.chain.call(self.contract.functions.batchOf(batch.root))
        self._index.mark_anchored(
            batch.id,
            chain_batch_id=batch_id,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            anchored_at=int(anchored_at),
            gas_used=receipt.gas_used,
        )
        self._journal.release(self._index.anchored_upto())
        return BatchResult(
            batch_id=batch_id,
            root=_hex(batch.root),
            leaf_count=batch.leaf_count,
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            manifest_cid=batch.manifest_cid,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            anchored_at=int(anchored_at),
            gas_used=receipt.gas_used,
        )

    def _batch_id_from(self, receipt: Receipt) -> int:
        address = str(self.contract.address).lower()
        for log in receipt.raw["logs"]:
            topics = log["topics"]
            if str(log["address"]).lower() == address and topics and bytes(topics[0]) == BATCH_ANCHORED_TOPIC:
                return int.from_bytes(bytes(topics[1]), "big")
        raise StateError(
            f"the anchoring transaction {receipt.tx_hash} emitted no BatchAnchored event",
            hint="is the anchor address a StateAnchor?",
        )

    def _confirm(self, batch: BatchRow) -> BatchResult | None:
        """If ``batch``'s root is on chain, mark it anchored (with the event's tx and block) and return it."""
        batch_id, anchored_at, _count = self.chain.call(self.contract.functions.batchOf(batch.root))
        if batch_id == 0:
            return None
        tx_hash: str | None = None
        block: int | None = None
        with _chain_read("looking up the BatchAnchored event"):
            logs = self.chain.w3.eth.get_logs(
                {
                    "address": self.contract.address,
                    "topics": [_hex(BATCH_ANCHORED_TOPIC), _hex(int(batch_id).to_bytes(32, "big"))],
                    "fromBlock": batch.from_block,
                    "toBlock": "latest",
                }
            )
        if logs:
            tx_hash = _hex(bytes(logs[0]["transactionHash"]))
            block = int(logs[0]["blockNumber"])
        else:
            _log.warning("batch %d is on chain but its BatchAnchored event was not found (pruned logs?)", batch_id)
        self._index.mark_anchored(
            batch.id,
            chain_batch_id=int(batch_id),
            tx_hash=tx_hash,
            block=block,
            anchored_at=int(anchored_at),
            gas_used=None,
        )
        self._journal.release(self._index.anchored_upto())
        _log.info("batch %d (root %s) was already on chain: confirmed", batch_id, _hex(batch.root))
        return BatchResult(
            batch_id=int(batch_id),
            root=_hex(batch.root),
            leaf_count=batch.leaf_count,
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            manifest_cid=batch.manifest_cid,
            tx_hash=tx_hash,
            block=block,
            anchored_at=int(anchored_at),
            gas_used=None,
            recovered=True,
        )

    def _reconcile(self) -> list[BatchResult]:
        """Finish every intended batch: confirm it when its root is on chain, else send it."""
        results = []
        for batch in self._index.batches(status="intended"):
            results.append(self._confirm(batch) or self._send(batch))
        self._has_intended = False
        return results

    # -- verification ---------------------------------------------------------------------------------------------

    def verify_state_integrity(self, vm_id: str) -> IntegrityReport:
        """Check every record of ``vm_id`` (the seed's ``VerifyStateIntegrity``).

        For each anchored record: read its block from the content store (rehashed against its CID), recompute the
        leaf from those bytes, and check its Merkle proof against the root stored on chain; CIDs of config and log
        blobs are checked too. A changed block or record is ``tampered``, never ``valid``.
        """
        _ident("vm_id", vm_id, 128)
        checks = self._verify_indexed(self._index.records_of(vm_id))
        with self._lock:
            pending = [p for p in self._pending if p.vm_id == vm_id]
        checks.extend(self._pending_check(p) for p in pending)
        if not checks:
            return IntegrityReport(vm_id, IntegrityStatus.MISSING, f"no record of {vm_id} was made here", ())
        checks.sort(key=lambda c: c.seq or 0)
        worst = max(checks, key=lambda c: _SEVERITY[c.status])
        if worst.status is IntegrityStatus.VALID:
            reason = f"all {len(checks)} records are anchored and intact"
        else:
            same = sum(1 for c in checks if c.status is worst.status)
            reason = f"{same} of {len(checks)} records {worst.status.value}; record {worst.seq}: {worst.reason}"
        return IntegrityReport(vm_id, worst.status, reason, tuple(checks))

    def verify_record(self, record: str | int) -> RecordIntegrity:
        """Check one record, by its CID or by its seq (see :meth:`verify_state_integrity`)."""
        if isinstance(record, int) and not isinstance(record, bool):
            row = self._index.record(record)
            if row is not None:
                return self._verify_indexed([row])[0]
            with self._lock:
                pending = next((p for p in self._pending if p.seq == record), None)
            if pending is not None:
                return self._pending_check(pending)
            return RecordIntegrity(IntegrityStatus.MISSING, f"no record {record} was made here", "", seq=record)
        if not isinstance(record, str) or not record:
            raise StateValueError(f"{record!r} is not a CID or a seq", hint="pass the cid or seq of a RecordReceipt")
        rows = self._index.records_by_cid(record)
        if rows:
            return max(self._verify_indexed(rows), key=lambda c: _SEVERITY[c.status])
        from multiformats import CID

        try:
            wanted = bytes(CID.decode(record))
        except Exception as exc:  # multiformats raises several kinds for a malformed CID
            raise StateValueError(f"{record!r} is not a CID: {exc}", hint="pass the cid of a RecordReceipt") from exc
        with self._lock:
            pending = next((p for p in self._pending if p.cid_bytes == wanted), None)
        if pending is not None:
            return self._pending_check(pending)
        return RecordIntegrity(IntegrityStatus.MISSING, f"no record {record} was made here", record)

    def _pending_check(self, p: _Pending) -> RecordIntegrity:
        if raw_cid_bytes(p.data) != p.cid_bytes or leaf_hash(p.data) != p.leaf:
            return RecordIntegrity(
                IntegrityStatus.TAMPERED, "the queued record changed in memory", p.cid, p.seq, p.vm_id
            )
        return RecordIntegrity(
            IntegrityStatus.PENDING,
            "recorded in the journal, waiting for its batch to be anchored",
            p.cid,
            p.seq,
            p.vm_id,
            leaf=_hex(p.leaf),
        )

    def _verify_indexed(self, rows: Sequence[IndexRecord]) -> list[RecordIntegrity]:
        batches: dict[int, BatchRow | None] = {}
        out = []
        for row in rows:
            if row.batch not in batches:
                batches[row.batch] = self._index.batch(row.batch)
            out.append(self._verify_row(row, batches[row.batch]))
        return out

    def _root_on_chain(self, batch_id: int) -> bytes:
        root = self._roots.get(batch_id)
        if root is None:
            root = bytes(self.chain.call(self.contract.functions.batchRoot(batch_id)))
            if root != _ZERO32:
                self._roots[batch_id] = root  # an anchored root never changes
        return root

    def _verify_row(self, row: IndexRecord, batch: BatchRow | None) -> RecordIntegrity:
        def result(status: IntegrityStatus, reason: str, batch_id: int | None = None) -> RecordIntegrity:
            return RecordIntegrity(status, reason, row.cid, row.seq, row.vm_id, batch_id, _hex(row.leaf))

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
        root = self._root_on_chain(bid)
        if root == _ZERO32:
            return result(
                IntegrityStatus.MISSING,
                f"batch {bid} is not on chain {self.chain.chain_id} (was the chain reset or the contract redeployed?)",
                bid,
            )
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
        where = f"block {batch.block}" if batch.block is not None else "an unknown block"
        return result(IntegrityStatus.VALID, f"anchored in batch {bid} ({where}) and intact", bid)

    def verify_batch(self, batch_id: int) -> BatchIntegrity:
        """Audit batch ``batch_id`` from the chain and the content store only, not trusting the local index.

        Reads the batch's CID from its ``BatchAnchored`` event, the manifest from the content store, rebuilds the
        Merkle root from the manifest's leaves and compares it with the root on chain, then checks every record
        block against its leaf.
        """
        _check_int("batch_id", batch_id, 1, 2**64)
        root = self._root_on_chain(batch_id)
        if root == _ZERO32:
            return BatchIntegrity(batch_id, IntegrityStatus.MISSING, f"no batch {batch_id} on chain", "", "", 0)
        with _chain_read("reading the BatchAnchored event"):
            logs = self.chain.w3.eth.get_logs(
                {
                    "address": self.contract.address,
                    "topics": [_hex(BATCH_ANCHORED_TOPIC), _hex(batch_id.to_bytes(32, "big"))],
                    "fromBlock": 0,
                    "toBlock": "latest",
                }
            )
        if not logs:
            return BatchIntegrity(
                batch_id, IntegrityStatus.MISSING, "the BatchAnchored event is not found", _hex(root), "", 0
            )
        _count, manifest_cid = abi_decode(["uint32", "string"], bytes(logs[0]["data"]))

        def outcome(
            status: IntegrityStatus, reason: str, n: int = 0, bad: Sequence[tuple[int, str]] = ()
        ) -> BatchIntegrity:
            return BatchIntegrity(batch_id, status, reason, _hex(root), manifest_cid, n, tuple(bad))

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

    # -- history --------------------------------------------------------------------------------------------------

    def get_history(self, vm_id: str) -> list[HistoryEntry]:
        """Every anchored record of ``vm_id``, oldest first, with block, time, transaction and CID: the audit trail.

        Read from the local index (which survives restarts); each entry's block, transaction and time come from the
        anchoring transaction. Records not anchored yet are not included (see :meth:`verify_state_integrity`).
        """
        _ident("vm_id", vm_id, 128)
        batches: dict[int, BatchRow | None] = {}
        out = []
        for row in self._index.records_of(vm_id):
            if row.batch not in batches:
                batches[row.batch] = self._index.batch(row.batch)
            batch = batches[row.batch]
            if batch is None or batch.status != "anchored" or batch.chain_batch_id is None:
                continue
            try:
                record = VMStateRecord.from_bytes(row.record)
            except RecordValueError as exc:
                raise StateDataError(
                    f"the index's copy of record {row.seq} is damaged: {exc.message}",
                    path=str(self._index.path),
                    hint="run verify_state_integrity to check the stored records",
                ) from exc
            out.append(
                HistoryEntry(
                    seq=row.seq,
                    record=record,
                    cid=row.cid,
                    leaf=_hex(row.leaf),
                    batch_id=batch.chain_batch_id,
                    root=_hex(batch.root),
                    manifest_cid=batch.manifest_cid,
                    block=batch.block,
                    tx_hash=batch.tx_hash,
                    anchored_at=batch.anchored_at,
                )
            )
        return out

    def proof(self, seq: int) -> tuple[int, str, list[str]]:
        """``(batch id, leaf, proof)`` of anchored record ``seq``, ready for the contract's ``verifyRecord``."""
        row = self._index.record(seq)
        batch = self._index.batch(row.batch) if row else None
        if row is None or batch is None or batch.chain_batch_id is None:
            raise StateValueError(f"record {seq} is not anchored (yet)", hint="flush first")
        return batch.chain_batch_id, _hex(row.leaf), [_hex(h) for h in row.proof_hashes()]

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the batcher (without anchoring), fsync the journal, and release the state dir. Pending records
        stay in the journal and are anchored by the next manager opened on this dir."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._flush_lock:
            self._release_resources()

    def _release_resources(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        for name in ("_journal", "_index"):
            part = getattr(self, name, None)
            if part is not None:
                try:
                    part.close()
                except NovaChainError as exc:
                    _log.error("closing the state %s: %s", name.strip("_"), exc)
        os.close(self._lock_fd)
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StateValueError(f"{name} {value!r} must be an integer from {low:,} to {high:,}")


def _acquire_dir_lock(path: Path) -> int:
    try:
        fd = os.open(path / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StateValueError(
            f"cannot open {path / 'LOCK'}: {exc.strerror or exc}", hint="choose a state dir this user can write"
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 64).decode("ascii", "replace").strip() or None
        os.close(fd)
        raise StateDirLockedError(str(path), f"pid {holder}" if holder else None) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
    return fd


@contextmanager
def _chain_read(doing: str) -> Iterator[None]:
    """Map foreign exceptions of direct web3 reads into the error tree."""
    try:
        yield
    except NovaChainError:
        raise
    except Exception as exc:
        raise ChainError(f"{doing} failed: {exc}") from exc
