"""``StateManager``: record VM states at once, anchor them in Merkle-batched roots, verify them later.

Flow of one record::

    record_vm_state(record)      canonical bytes -> CID (sha2-256, raw block) and leaf (double keccak256)
      -> journal (copied into a shared file mapping; fsync grouped)   returns here: RecordReceipt(seq, cid, leaf)
    flush() / the background batcher                   every batch_size records or batch_max_wait seconds
      -> record blocks into the content store (one put_blocks: one write, one fsync)        _anchorer.Anchorer
      -> Merkle tree over the leaves, manifest + batch directory in the content store (pinned)
      -> index: batch written as *intended* (root, manifest CID) with every record's proof
      -> StateAnchor.anchor(root, count, manifest CID)    by the sender thread while the next batch is stored
      -> index: batch marked *anchored* (batch id, block, tx, time); journal segments released
    verify_state_integrity(vm_id) / verify_batch(id)   stored records against the roots on chain  _verify.Verifier

After a crash, records after the last batch are replayed from the journal, and every intended batch is looked up
on chain by its root: confirmed when it is there, sent again when not. Nothing recorded is lost, nothing is
anchored twice. :func:`open_state` opens a manager the way a NovaCron config describes it.
"""

from __future__ import annotations

import collections
import dataclasses
import fcntl
import itertools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ..errors import NovaChainError
from ..storage import Cid, ContentStore, InvalidCidError, Source, open_store
from ._anchorer import Anchorer
from ._backup import BackupResult, backup_state
from ._errors import (
    RecordValueError,
    StateBackpressureError,
    StateDataError,
    StateDirLockedError,
    StateError,
    StateValueError,
)
from ._hashing import hex0x, leaf_hash, raw_cid_bytes
from ._index import BatchRow, StateIndex
from ._journal import Journal
from ._mirror import AnchorMirror, MirrorTarget
from ._record import VMStateRecord, _ident
from ._types import (
    BatchIntegrity,
    BatchResult,
    HistoryEntry,
    IntegrityReport,
    IntegrityStatus,
    Pending,
    RecordIntegrity,
    RecordReceipt,
    StateSummary,
)
from ._verify import Verifier, check_pending, vm_report, worst

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ..config import BlockchainConfig

__all__ = ["StateManager", "open_state"]

_log = logging.getLogger("novacron_chain.state")

RECHECK_INTERVAL = 1.0
"""Seconds between two looks of the background batcher for anchors a reorg removed."""


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

    Reorgs: every flush (and the background batcher every second) looks again at the batches anchored in the last
    ``reorg_depth`` blocks; one whose anchoring a reorg removed from the chain is anchored again, as the same batch
    (each record stays once in the audit trail; the contract refuses a root twice, so nothing is anchored twice).

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
        reorg_depth: int = 64,
    ) -> None:
        _check_int("batch_size", batch_size, 1, 100_000)
        _check_int("upload_workers", upload_workers, 1, 256)
        _check_int("max_pending", max_pending, 1, 2**40)
        _check_int("journal_segment_bytes", journal_segment_bytes, 4096, 2**40)
        _check_int("reorg_depth", reorg_depth, 0, 2**20)
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
        self.reorg_depth = reorg_depth
        self._rechecked_at = 0.0  # monotonic time of the last look for reorged-out anchors

        self._lock = threading.Lock()  # pending queue, seq, journal appends
        self._flush_lock = threading.RLock()  # one batch at a time
        self._pending: collections.deque[Pending] = collections.deque()
        self._closed = False
        self._closers: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_error: BaseException | None = None
        self._mirror: AnchorMirror | None = None  # anchor_redundancy: the roots anchored again on other chains

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
        self._anchorer = Anchorer(
            self.chain, self.contract, self.store, self._index, self._journal, upload_workers=self.upload_workers
        )
        self._verifier = Verifier(self.chain, self.contract, self.store, self._index)
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
            self._pending.append(Pending(seq, record.vm_id, raw_cid_bytes(data), leaf_hash(data), data, now))
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
            self._pending.append(Pending(seq, record.vm_id, cid, leaf, data, time.monotonic()))
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
            self._recheck()
            results = self._reconcile()
            while True:
                items = self._take(self.batch_size)
                if not items:
                    break
                self._anchor(items, keep=True)  # batch N is anchored by the sender while N+1 is stored
            results.extend(self._anchorer.drain())
            self._has_intended = False
        if self._mirror is not None:  # after the primary's work, never in its way: failures wait for a retry
            self._mirror.sync()
        return results

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
        if self._mirror is not None:
            self._mirror.start()

    def stop(self, *, flush: bool = True) -> list[BatchResult]:
        """Stop the background batcher; with ``flush`` (the default) anchor what is left; the batches anchored."""
        thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join()
        self._thread = None
        if self._mirror is not None:
            self._mirror.stop()
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
            redundancy=self._mirror.status() if self._mirror is not None else (),
        )

    # -- redundancy -----------------------------------------------------------------------------------------------

    def enable_redundancy(self, names: list[str], resolve: Callable[[str], MirrorTarget]) -> AnchorMirror:
        """Anchor every batch anchored here again on the chains ``names`` (``anchor_redundancy``; see
        :mod:`novacron_chain.state._mirror`): ``resolve(name)`` opens one (a chain whose signer holds ANCHORER_ROLE
        on its StateAnchor). Each :meth:`flush`, and the background (with :meth:`start`), syncs them; the first
        sync also sends what a crash or an outage left behind. Returns the mirror (``sync()``, ``status()``)."""
        if self._mirror is not None:
            raise StateError("redundancy is already enabled on this StateManager", hint="enable it once, when opening")
        self._mirror = AnchorMirror(names, resolve, index=self._index, store=self.store, data_dir=self.data_dir)
        if self._thread is not None:
            self._mirror.start()
        return self._mirror

    @property
    def redundancy(self) -> AnchorMirror | None:
        """The mirror of :meth:`enable_redundancy` (``None`` without ``anchor_redundancy``)."""
        return self._mirror

    def _verifier_on(self, chain: str | None) -> Verifier:
        if chain is None or chain == self.chain.network:
            return self._verifier
        if self._mirror is None:
            raise StateValueError(
                f"chain {chain!r}: no redundancy chain is configured; records are anchored on {self.chain.network} "
                "only",
                hint="verify without --chain, or set blockchain.anchor_redundancy (and deploy) to anchor elsewhere too",
            )
        return self._mirror.verifier(chain)

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
            if time.monotonic() - self._rechecked_at >= RECHECK_INTERVAL:
                self._recheck()
            if self._has_intended or self._anchorer.failed:  # a crash, a reorg or a failed send left some
                self._has_intended = True
                self._reconcile()
                return True
            with self._lock:
                n = len(self._pending)
                oldest = self._pending[0].since if n else 0.0
            if n >= self.batch_size or (n and time.monotonic() - oldest >= self.batch_max_wait):
                self._anchor(self._take(self.batch_size))  # stored now; anchored by the sender meanwhile
                self._has_intended = False
                return True
        return False

    def _take(self, limit: int) -> list[Pending]:
        with self._lock:
            return list(itertools.islice(self._pending, limit))

    def _anchor(self, items: list[Pending], *, keep: bool = False) -> None:
        batch = self._anchorer.prepare(items)
        with self._lock:  # the batch is in the index as intended: the journal replay starts after it
            for p in items:
                popped = self._pending.popleft()
                assert popped.seq == p.seq, "the pending queue changed under a flush"
        self._has_intended = True
        self._anchorer.submit(batch, keep=keep)  # blocks while max_in_flight batches wait to be anchored

    def _recheck(self) -> None:
        """Batches anchored in the last ``reorg_depth`` blocks whose anchoring a reorg removed go back to
        intended, to be anchored again by the reconcile that follows."""
        self._rechecked_at = time.monotonic()
        if self.reorg_depth and self._anchorer.recheck(self.reorg_depth):
            self._has_intended = True

    def _reconcile(self) -> list[BatchResult]:
        results = self._anchorer.reconcile()
        self._has_intended = False
        return results

    # -- verification ---------------------------------------------------------------------------------------------

    def verify_state_integrity(self, vm_id: str, *, chain: str | None = None) -> IntegrityReport:
        """Check every record of ``vm_id`` (the seed's ``VerifyStateIntegrity``).

        For each anchored record: read its block from the content store (rehashed against its CID), recompute the
        leaf from those bytes, and check its Merkle proof against the root stored on chain; CIDs of config and log
        blobs are checked too. A changed block or record is ``tampered``, never ``valid``.

        ``chain`` names a redundancy chain (``anchor_redundancy``) to check the roots there instead of on the
        primary (default): it needs no connection to the primary.
        """
        _ident("vm_id", vm_id, 128)
        checks = self._verifier_on(chain).check_rows(self._index.records_of(vm_id))
        with self._lock:
            pending = [p for p in self._pending if p.vm_id == vm_id]
        checks.extend(check_pending(p) for p in pending)
        return vm_report(vm_id, checks)

    def verify_record(self, record: str | int) -> RecordIntegrity:
        """Check one record, by its CID or by its seq (see :meth:`verify_state_integrity`)."""
        if isinstance(record, int) and not isinstance(record, bool):
            row = self._index.record(record)
            if row is not None:
                return self._verifier.check_rows([row])[0]
            with self._lock:
                pending = next((p for p in self._pending if p.seq == record), None)
            if pending is not None:
                return check_pending(pending)
            return RecordIntegrity(IntegrityStatus.MISSING, f"no record {record} was made here", "", seq=record)
        if not isinstance(record, str) or not record:
            raise StateValueError(f"{record!r} is not a CID or a seq", hint="pass the cid or seq of a RecordReceipt")
        rows = self._index.records_by_cid(record)
        if rows:
            return worst(self._verifier.check_rows(rows))
        try:
            wanted = Cid.parse(record).to_bytes()
        except InvalidCidError as exc:
            raise StateValueError(
                f"{record!r} is not a CID: {exc.reason}", hint="pass the cid of a RecordReceipt"
            ) from exc
        with self._lock:
            pending = next((p for p in self._pending if p.cid_bytes == wanted), None)
        if pending is not None:
            return check_pending(pending)
        return RecordIntegrity(IntegrityStatus.MISSING, f"no record {record} was made here", record)

    def verify_batch(self, batch_id: int) -> BatchIntegrity:
        """Audit batch ``batch_id`` from the chain and the content store only, not trusting the local index.

        Reads the batch's CID from its ``BatchAnchored`` event, the manifest from the content store, rebuilds the
        Merkle root from the manifest's leaves and compares it with the root on chain, then checks every record
        block against its leaf.
        """
        _check_int("batch_id", batch_id, 1, 2**64)
        return self._verifier.verify_batch(batch_id)

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
                    leaf=hex0x(row.leaf),
                    batch_id=batch.chain_batch_id,
                    root=hex0x(batch.root),
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
        return batch.chain_batch_id, hex0x(row.leaf), [hex0x(h) for h in row.proof_hashes()]

    # -- disaster recovery ----------------------------------------------------------------------------------------

    def backup(self, path: str | os.PathLike[str] | None = None) -> BackupResult:
        """Write the whole audit log (every anchored batch: records, manifests, proofs, config/log files) as one
        IPFS DAG in the store, pinned, and with ``path`` export it as a CARv1 file that ``ipfs dag import`` reads;
        :func:`~novacron_chain.state.restore_state` restores it. Records not anchored yet are left out (counted in
        ``unanchored``): flush first to include them."""
        return backup_state(self, path)

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
        if self._mirror is not None:
            self._mirror.close()
        with self._flush_lock:
            self._release_resources()

    def _release_resources(self) -> None:
        anchorer = getattr(self, "_anchorer", None)
        if anchorer is not None:
            anchorer.close()
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


def state_dir_for(chain: Chain, contract: Contract, config: BlockchainConfig, *, base: Path | None = None) -> Path:
    """The state dir :func:`open_state` uses: ``<data_dir>/state/<chain id>-<anchor address>`` (under ``base``)."""
    return (base or config.resolved_data_dir / "state") / f"{chain.chain_id}-{str(contract.address).lower()}"


def open_state(chain: Chain, contract: Contract, config: BlockchainConfig, **options: Any) -> StateManager:
    """A :class:`StateManager` anchoring on ``contract`` (the deployed ``StateAnchor``) with ``chain``, as
    ``config`` says.

    The store is :func:`~novacron_chain.storage.open_store`'s; the journal and index live in
    ``<data_dir>/state/<chain id>-<anchor address>``; ``batch_size`` and ``batch_max_wait`` come from the config.
    On an ``embedded:memory`` chain everything lives in a temporary directory removed on close. ``options`` are
    further :class:`StateManager` keywords. The manager closes the store it opened.
    """
    if not config.ipfs_enabled:
        raise StateValueError(
            "VM state records need a content store, but ipfs_enabled is false",
            hint="set blockchain.ipfs_enabled: true (and ipfs_endpoint for a Kubo node, or leave it empty for the "
            "embedded store)",
        )
    temp = Path(tempfile.mkdtemp(prefix="novacron-state-")) if config.network == "embedded:memory" else None
    try:
        store = open_store(config, path=temp / "ipfs" if temp else None)
    except BaseException:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    data_dir = state_dir_for(chain, contract, config, base=temp)
    settings: dict[str, Any] = {"batch_size": config.batch_size, "batch_max_wait": config.batch_max_wait, **options}
    try:
        manager = StateManager(chain, contract, store, data_dir=data_dir, **settings)
    except BaseException:
        store.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    manager._closers.append(store.close)
    if temp is not None:
        manager._closers.append(lambda: shutil.rmtree(temp, ignore_errors=True))
    return manager
