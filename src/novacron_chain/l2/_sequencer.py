"""The sequencer: receive signed L2 transactions, recover their signers on every core, execute them in order,
soft-confirm them once they are in the write-ahead log, cut batches and post them with their roots to L1.

Pipeline (one asyncio loop owns the state; worker processes recover signatures; one thread syncs the log, one posts):

1. ``submit(blob)`` (the HTTP API calls it) splits a body of wire transactions (:mod:`._pool`) into chunks the
   worker processes turn into ``digest ‖ signer``; entries are applied strictly in arrival order.
2. Each transaction is checked against the state (:meth:`L2State.apply` with the worker's signer: account, token,
   nonce, recipient, signature, balance); a refused one gets its reason (``'wrong nonce'``, ...) and never reaches a
   batch. An accepted one is appended to the log buffer and to the open batch (a segment, with its state root,
   every 32 ops).
3. Group commit: the log thread writes and ``fdatasync``\\ s everything applied since its last sync in one call;
   only then do the submitters hear "soft-confirmed" (so ``kill -9`` loses nothing that was confirmed).
4. A batch is cut when it holds ``l2_batch_max_ops`` ops or its first op waited ``l2_batch_interval``; the poster
   thread logs the signed proposal (``POSTING``), sends it, waits for the receipt and logs it (``POSTED``).
5. A watcher reads L1: new queue items (deposits, forced withdrawals) are included as ``0x04`` ops; finality of
   posted batches; a batch it did not post or a deleted one (fraud proof, forced inclusion by someone else) makes
   the node *resync*.

Resync (also at every start): re-broadcast a logged proposal whose receipt was never logged (the same signed bytes;
each proposal names the head root it was built on and L1 refuses it with ``RollupWrongHead`` on any other head, so
one that would no longer land is dropped and its nonce cancelled), rebuild the
state from L1 alone (the portal queue and the live batches' calldata), then re-apply the logged ops L1 does not
hold, in log order: an op is on L1 at most once (ops carry their signature and nonce, so bytes identify them), a
logged queue inclusion below L1's ``queueProcessed`` is skipped. Nothing soft-confirmed is lost, nothing is applied
or posted twice. An op that the new L1 order made invalid is logged ``DROPPED`` and its receipt says why.

Snapshots (:mod:`._snapshot`, config ``l2_snapshot_every``): the state after a batch is written to the data dir
every ``snapshot_every`` cuts (by a forked child; without fork copied on the loop and written on a thread) and
after every rebuild. A rebuild starts from the newest one whose batch L1 still holds with the same post root and
replays only the batches after it; a logged op below its sender's nonce in the snapshot is in a batch up to the
snapshot's (every op of the state was logged, and a rebuild logs ``DROPPED`` before it writes a snapshot), so it is
skipped; receipts of those batches are forgotten. Without a usable snapshot, L1's whole history is replayed as before.

Bounded disk and memory: each cut notes where its last op record ends in the log; once that batch is final, the
watcher compacts the log up to there (``wal_compact_bytes`` at least, config ``l2_wal_compact_bytes``; see
:mod:`._wal`): the ops before it are in final batches, so a restart rebuilds them from L1 and never needs them again.
Receipts beyond the newest ``receipt_limit`` (config ``l2_receipt_window``) are pruned from memory once their
batch is final; a pruned hash still answers ``final`` with ``"pruned": true`` and its batch range (8 bytes kept per
transaction, for up to 4 windows; older ones 404 with a hint).

The loop is kept free for submissions: signature recovery runs in worker processes the loop talks to over sockets
(no executor threads), the heap that exists after start-up is frozen out of the garbage collector (a full
collection of it was the ~100 ms periodic stall), and the poster hands L1 pre-encoded calldata over plain JSON-RPC.

Blob batches (``blobs=True``, config ``l2_data_availability: blobs``; docs/l2-blobs.md): the poster sends
``proposeBlobBatch`` with the op bodies in calldata and the signatures in blobs. Their KZG commitments and proofs
(~0.1–0.25 s of CPU a blob, holding the GIL) are computed in a separate process so the loop never waits for them;
batches are cut at whole blobs (a multiple of 1,984 ops: a part-full blob costs the same KZG work).

Test-only switches (refused unless the L1 is a dev chain): ``NOVACRON_TEST_L2_WRONG_ROOT=<batch index>`` posts that
batch with a wrong last root (once), so that a verifier can prove it wrong; ``NOVACRON_TEST_L2_FORGE_SIGNATURE=<batch
index>`` posts that blob batch with its first signed op's signature in the blob replaced by a forged one (once);
``NOVACRON_TEST_L2_IGNORE_QUEUE=1`` never includes queue items, so that forced inclusion can be shown.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import logging
import os
import queue
import threading
import time
from array import array
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import DevOnlyError, NovaChainError, TransactionError
from ._batch import Batch, BatchBuilder
from ._blobs import SLOTS_PER_BLOB
from ._codec import MAX_SEGMENT_OPS, decode_segment, encode_op
from ._errors import L2Error, L2StateError
from ._l1 import L1Batch, RollupL1, transaction_hash
from ._pool import OP_LEN, WIRE_LEN, RecoveryPool, WireTx, count_wire, packed_value, parse_wire, wire_op
from ._replay import replay_segments
from ._snapshot import (
    FORK_WRITER,
    StateImage,
    clean_partial,
    fork_writer,
    header_of,
    header_row,
    load_latest,
    reap_writer,
    snapshot_meta,
    write_snapshot,
)
from ._state import L2State
from ._tree import MerkleTree, keccak
from ._types import (
    WITHDRAWAL_DEPTH,
    AccountProof,
    QueueItem,
    QueueOp,
    StateHeader,
    Withdrawal,
    WithdrawalProof,
    WithdrawalRecord,
)
from ._wal import (
    Posted,
    Posting,
    WalKind,
    WriteAheadLog,
    dropped_record,
    op_record,
    posted_record,
    posting_record,
    queue_record,
)

if TYPE_CHECKING:
    from ..chain import Signer
    from ..metrics import BlockchainMetrics, L2Metrics

__all__ = ["FORGE_SIGNATURE_ENV", "IGNORE_QUEUE_ENV", "WRONG_ROOT_ENV", "BatchInfo", "Sequencer", "TxResult"]

_log = logging.getLogger("novacron_chain.l2.sequencer")

WRONG_ROOT_ENV = "NOVACRON_TEST_L2_WRONG_ROOT"
_LAG_BOUNDS = (0.02, 0.05, 0.1)  # seconds: lateness of the loop's ticker counted in status()["loop_lag"]
_PRUNE_STEP = 50_000  # receipts pruned per step (a few ms of the loop)
IGNORE_QUEUE_ENV = "NOVACRON_TEST_L2_IGNORE_QUEUE"
FORGE_SIGNATURE_ENV = "NOVACRON_TEST_L2_FORGE_SIGNATURE"
_ZERO20 = bytes(20)
_ZERO32 = bytes(32)
OP_FRAME = int(WalKind.OP)  # the log frame kind the C path writes (op_record's)


def sequencer_dir(data_dir: Path, chain_id: int, rollup: str) -> Path:
    """Where ``l2 run`` with data dir ``data_dir`` keeps its write-ahead log and snapshots of rollup ``rollup``
    (beside :func:`~._verifier.verifier_dir`)."""
    return data_dir / "l2" / f"{chain_id}-{rollup}"


def _freeze_heap() -> None:
    """Move every object alive now (the imports: web3, py-evm, aiohttp, ...; the state built from L1) out of the
    garbage collector's sight. A full collection walked ~100,000 of them and took 30-120 ms on this machine: the
    sequencer's ~100 ms periodic stall under load (the hot path allocates dataclasses, so collections run often)."""
    gc.collect()
    gc.freeze()


class TxResult(NamedTuple):
    """What the sequencer answers for one submitted transaction: its hash (the EIP-712 digest) and either its
    position in the L2's op sequence (soft-confirmed) or the reason it was refused. (A named tuple: one is built
    per transaction on the loop, five times cheaper than a frozen dataclass.)"""

    tx_hash: bytes
    position: int | None
    reason: str | None
    duplicate: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"tx_hash": "0x" + self.tx_hash.hex()}
        if self.reason is None:
            out.update(status="soft-confirmed", position=self.position)
            if self.duplicate:
                out["duplicate"] = True
        else:
            out.update(status="refused", reason=self.reason)
        return out


@dataclass
class BatchInfo:
    """A batch of the L2's op sequence: ops ``[start, end)``, its L1 index, and how far it got."""

    index: int
    start: int
    end: int
    header: StateHeader
    status: str = "posting"  # posting -> posted -> final (or reverted)
    l1_tx: str | None = None
    l1_block: int | None = None
    posted_at: float | None = None
    gas_used: int | None = None
    proposer: str | None = None
    wal_end: int | None = None  # logical log offset right after its last op record (set once synced; cut here)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "index": self.index,
            "ops": [self.start, self.end],
            "status": self.status,
            "root": "0x" + self.header.root.hex(),
            "l1_tx": self.l1_tx,
            "l1_block": self.l1_block,
            "gas_used": self.gas_used,
            "proposer": self.proposer,
        }


def _info_dict(b: BatchInfo) -> dict[str, Any]:
    """A batch record as a snapshot keeps it."""
    return {
        "index": b.index,
        "ops": [b.start, b.end],
        "header": header_row(b.header),
        "l1_tx": b.l1_tx,
        "l1_block": b.l1_block,
        "proposer": b.proposer,
    }


def _info_of(d: dict[str, Any]) -> BatchInfo:
    """The batch record of :func:`_info_dict` (status ``posted``; the rebuild reads finality from L1)."""
    start, end = d["ops"]
    return BatchInfo(
        int(d["index"]),
        int(start),
        int(end),
        header_of(d["header"]),
        "posted",
        d["l1_tx"],
        d["l1_block"],
        proposer=d["proposer"],
    )


def _settled(wire: bytes, nonces: list[int]) -> bool:
    """Whether the logged wire op is below its sender's nonce in a snapshot (so in a batch up to the snapshot's)."""
    size = OP_LEN.get(wire[0])
    if size is None or len(wire) < size + 8:
        return False
    account = int.from_bytes(wire[1:5], "big")
    return account < len(nonces) and int.from_bytes(wire[size : size + 8], "big") < nonces[account]


@dataclass
class _Entry:
    count: int  # whole wire transactions at the start of blob
    blob: bytes
    recovery: list[asyncio.Future[bytes]]  # the workers' answers, in order (one job per worker at most)
    done: asyncio.Future[list[TxResult]]
    received: float
    results: list[TxResult] = field(default_factory=list)
    accepted: int = 0


@dataclass
class _Cut:
    batch: Batch
    info: BatchInfo
    durable_upto: int  # log bytes that must be synced before sending


class Sequencer:
    """The sequencer of one rollup deployment (see the module docstring).

    ``signer`` posts batches (None: a read-only node that executes and soft-confirms but never posts; its batches are
    not built). ``data_dir`` holds the write-ahead log. Start with :meth:`start` (resyncs from L1 and serves), stop with
    :meth:`stop`. Everything touching the state runs on :attr:`loop`.
    """

    def __init__(
        self,
        l1: RollupL1,
        signer: Signer | None,
        data_dir: Path,
        *,
        batch_max_ops: int = 4096,
        batch_interval: float = 2.0,
        workers: int | None = None,
        bond: int = 0,
        metrics: BlockchainMetrics | None = None,
        l2_metrics: L2Metrics | None = None,
        poll_interval: float = 0.5,
        sync: bool = True,
        receipt_limit: int = 2_000_000,
        wal_compact_bytes: int = 64 * 1024 * 1024,
        blobs: bool = False,
        snapshot_every: int = 1000,
    ) -> None:
        self.l1 = l1
        self.signer = signer
        self.data_dir = data_dir
        self.batch_max_ops = max(MAX_SEGMENT_OPS, batch_max_ops)
        if blobs:  # whole blobs: a blob holds the signatures of 1,984 ops and costs the same KZG work when part-full
            self.batch_max_ops = max(SLOTS_PER_BLOB, batch_max_ops // SLOTS_PER_BLOB * SLOTS_PER_BLOB)
        self.batch_interval = batch_interval
        self.workers = workers
        self.bond = bond
        self.metrics = metrics
        self.l2_metrics = l2_metrics
        self.poll_interval = poll_interval
        self.receipt_limit = receipt_limit
        self.wal_compact_bytes = wal_compact_bytes
        self.blobs = blobs
        self.snapshot_every = snapshot_every
        self._snapshot_at = -1  # the batch of the newest snapshot written or loaded
        self._snapshots = ThreadPoolExecutor(max_workers=1, thread_name_prefix="l2-snapshot")
        self._snapshot_job: Future[Any] | None = None
        self.snapshot_loaded: int | None = None  # the batch whose snapshot the last rebuild started from
        self._kzg: Executor | None = None  # the KZG process of blob batches
        self.wal = WriteAheadLog(data_dir / "wal.log", sync=sync)
        self.loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="l2-wal")
        self.pool: RecoveryPool | None = None
        self.state: L2State | None = None
        self._builder: BatchBuilder | None = None
        self._fifo: deque[_Entry] = deque()
        self._wake: asyncio.Event | None = None
        self._commit_wake: asyncio.Event | None = None
        self._buffer = bytearray()
        self._waiters: list[_Entry] = []
        self._cut_marks: list[tuple[BatchInfo, int]] = []  # batches cut, with the log buffer's length at the cut
        self._pruned: list[tuple[array[int], int, int]] = []  # pruned receipts: sorted hash prefixes, batch range
        self.pruned_receipts = 0
        self.loop_lags = [0.0] * (1 + len(_LAG_BOUNDS))  # worst lag of the loop's ticker, then counts above bounds
        self.forgotten_below = 0  # receipts of batches below this one are not known here at all any more
        self._synced = 0  # bytes of the log buffer's flow known durable (counted from the start of this process)
        self._logged = 0  # bytes ever put into the log buffer
        self._tx: dict[bytes, int] = {}  # digest -> position
        self._dropped: dict[bytes, str] = {}  # digest -> why a soft-confirmed op was dropped in a resync
        self._withdrawal_of: dict[bytes, int] = {}  # digest of a withdrawal op -> its withdrawal index
        self._position = 0  # ops applied in the L2's sequence
        self._batches: list[BatchInfo] = []
        self._batch_starts: list[int] = []
        self._first_pending_at: float | None = None
        self._queue_seen = 0  # queue items handed to the state
        self._final = 0  # batches known final
        self._posts: queue.Queue[_Cut | None] = queue.Queue()
        self._stop = threading.Event()
        self._paused = False
        self._resync_wanted = threading.Event()
        self._threads: list[threading.Thread] = []
        self._wrong_root: int | None = None
        self._forge_signature: int | None = None
        self._wrong_heads: dict[bytes, bytes] = {}  # test switch: honest post root -> the wrong one posted instead
        self._ignore_queue = False
        self._started_at = time.monotonic()
        self._tasks: list[asyncio.Task[None]] = []
        self.accepted = 0
        self.refused = 0
        self.resyncs = 0
        self.last_error: str | None = None
        self._withdrawal_leaves: list[bytes] = []

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> Sequencer:
        """Resync from L1 (re-broadcasting or cancelling an unfinished proposal), start the workers, the loop and
        the L1 threads."""
        wrong, ignore = os.environ.get(WRONG_ROOT_ENV, ""), os.environ.get(IGNORE_QUEUE_ENV, "")
        forge = os.environ.get(FORGE_SIGNATURE_ENV, "")
        if (wrong or forge or ignore not in ("", "0")) and not self.l1.chain.is_dev:
            raise DevOnlyError(
                f"{WRONG_ROOT_ENV} / {FORGE_SIGNATURE_ENV} / {IGNORE_QUEUE_ENV} are test switches, refused on a "
                "production chain",
                hint="unset them",
            )
        self._wrong_root = int(wrong) if wrong else None
        self._forge_signature = int(forge) if forge else None
        if self.blobs and self.signer is not None:
            self.l1.blob_wrapper()  # refuses an L1 without blob transactions now, not at the first post
            self._kzg = _kzg_process()
        self._ignore_queue = ignore not in ("", "0")
        clean_partial(self.data_dir)  # no snapshot writer runs yet
        domain = self.l1.domain()
        self._paused = True  # the loop runs (the workers are served by it) while the state is built
        self._thread = threading.Thread(target=self._run_loop, name="l2-sequencer", daemon=True)
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._setup_tasks(), self.loop)
        fut.result(timeout=10)
        self.pool = RecoveryPool(domain, self.l1.tokens(), self.workers, loop=self.loop)
        self.pool.warm_up()
        if self.signer is not None:
            self.l1.ensure_bond(self.signer, self.bond)
        self._finish_postings()
        self._rebuild()
        _freeze_heap()
        self._paused = False
        self.loop_lags[:] = [0.0] * len(self.loop_lags)  # count from here: start-up blocks the loop on purpose
        for target, name in ((self._poster, "l2-poster"), (self._watcher, "l2-watcher")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def _setup_tasks(self) -> None:
        self._wake = asyncio.Event()
        self._commit_wake = asyncio.Event()
        self._tasks = [
            self.loop.create_task(self._applier()),
            self.loop.create_task(self._committer()),
            self.loop.create_task(self._ticker()),
        ]

    async def _cancel_tasks(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop(self) -> None:
        """Finish what is in flight (the log is synced; a proposal being sent completes), stop every thread and
        the workers."""
        self._stop.set()
        self._posts.put(None)
        for t in self._threads:
            t.join(timeout=60)
        if self._thread is not None:
            try:
                asyncio.run_coroutine_threadsafe(self._flush(), self.loop).result(timeout=30)
                asyncio.run_coroutine_threadsafe(self._cancel_tasks(), self.loop).result(timeout=10)
            except Exception:
                _log.exception("flushing the log at shutdown failed")
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        self._io.shutdown(wait=True)
        self._snapshots.shutdown(wait=True)
        if self._kzg is not None:
            self._kzg.shutdown(wait=True, cancel_futures=True)
        if self.pool is not None:
            self.pool.close()
        self.wal.close()

    def call(self, coro: Any, timeout: float | None = 60) -> Any:
        """Run a coroutine on the sequencer's loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=timeout)

    # -- submission ----------------------------------------------------------------------------------------------

    async def submit(self, blob: bytes) -> tuple[list[TxResult], str | None]:
        """Submit wire transactions (concatenated); returns per transaction its result once it is soft-confirmed
        (in the log on disk) or refused, plus a description of a malformed tail (nothing after it is read)."""
        received = time.monotonic()
        count, error = count_wire(blob)
        if not count:
            return [], error
        if self._paused:
            while self._paused:
                await asyncio.sleep(0.05)
        assert self.pool is not None
        assert self._wake is not None
        recovery = self.pool.dispatch(blob)
        entry = _Entry(count, blob, recovery, self.loop.create_future(), received)
        self._fifo.append(entry)
        self._wake.set()
        return await entry.done, error

    async def _applier(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._fifo:
                entry = self._fifo[0]
                try:
                    parts = [await f for f in entry.recovery]
                except BaseException as exc:
                    self._fifo.popleft()
                    if not entry.done.done():
                        entry.done.set_exception(L2Error(f"signature recovery failed: {exc!r}"))
                    continue
                self._fifo.popleft()
                if self._paused:  # a resync started while this entry waited: it applies after the rebuild
                    while self._paused:
                        await asyncio.sleep(0.05)
                self._apply_entry(entry, b"".join(parts))
                self._maybe_cut()
                if self._commit_wake is not None:
                    self._commit_wake.set()  # the log thread starts syncing this entry now, not after the backlog
                if self._fifo:
                    await asyncio.sleep(0)  # let the HTTP side read and answer between entries of a backlog
            if self._waiters and self._commit_wake is not None:
                self._commit_wake.set()

    def _apply_entry(self, entry: _Entry, recovered: bytes) -> None:
        state = self.state
        builder = self._builder
        assert state is not None
        results = entry.results
        buf = self._buffer
        logged_before = len(buf)
        accepted = refused = 0
        blob = entry.blob
        known_tx = self._tx
        apply_transfer = state.apply_transfer
        frm = int.from_bytes
        value = packed_value
        pos = i = 0
        count = entry.count
        fast = state.apply_wire_transfers if builder is not None and state.wire_transfers_in_c else None
        # fields read straight from the wire bytes (layouts in ._pool): no per-transaction op object
        while i < count:
            if fast is not None:  # valid plain transfers in C, up to the first it leaves to the code below
                assert builder is not None
                room = builder.room
                done, pos, ops = fast(
                    blob, pos, recovered, i, count, room, known_tx, self._position, results, buf, TxResult, OP_FRAME
                )
                if done:
                    self._position += done
                    accepted += done
                    i += done
                    builder.extend(ops)  # closes the segment when it is full
                    if done == room:  # stopped at the segment's end, not at a transaction it leaves to Python
                        continue
                    if i == count:
                        break
            kind = blob[pos]
            size = WIRE_LEN[kind]
            at, pos = pos, pos + size
            digest = recovered[52 * i : 52 * i + 32]
            if digest == _ZERO32:
                results.append(TxResult(keccak(blob[at : at + OP_LEN[kind]]), None, "unknown token"))
                refused += 1
                i += 1
                continue
            known = known_tx.get(digest)
            if known is not None:
                results.append(TxResult(digest, known, None, duplicate=True))
                i += 1
                continue
            sender: bytes | None = recovered[52 * i + 32 : 52 * i + 52]
            if sender == _ZERO20:
                sender = None
            withdrawal = False
            if kind == 1:
                reason = apply_transfer(
                    frm(blob[at + 1 : at + 5], "big"),
                    frm(blob[at + 5 : at + 9], "big"),
                    blob[at + 89 : at + 109],
                    blob[at + 9],
                    value(blob[at + 10 : at + 15]),
                    value(blob[at + 15 : at + 17]),
                    frm(blob[at + 81 : at + 89], "big"),
                    blob[at + 17 : at + 81],
                    sender,
                )
            elif kind == 2:
                reason = apply_transfer(
                    frm(blob[at + 1 : at + 5], "big"),
                    None,
                    blob[at + 5 : at + 25],
                    blob[at + 25],
                    value(blob[at + 26 : at + 31]),
                    value(blob[at + 31 : at + 33]),
                    frm(blob[at + 97 : at + 105], "big"),
                    blob[at + 33 : at + 97],
                    sender,
                )
            else:
                op = wire_op(WireTx(blob[at : at + 77], frm(blob[at + 77 : at + 85], "big"), None, at))
                reason = state.apply(op, sender=sender)
                withdrawal = True
            if reason is not None:
                results.append(TxResult(digest, None, reason))
                refused += 1
                i += 1
                continue
            position = self._position
            self._position = position + 1
            known_tx[digest] = position
            if withdrawal:
                self._withdrawal_of[digest] = state.withdrawal_count - 1
                self._sync_withdrawals(state)
            wire = blob[at:pos]
            buf += op_record(wire)
            if builder is not None:
                builder.add(wire[: OP_LEN[kind]])
            results.append(TxResult(digest, position, None))
            accepted += 1
            i += 1
        if accepted and self._first_pending_at is None:
            self._first_pending_at = time.monotonic()
        self._logged += len(buf) - logged_before
        self.accepted += accepted
        self.refused += refused
        entry.accepted = accepted
        self._waiters.append(entry)
        if self.l2_metrics is not None and refused:
            self.l2_metrics.observe_rejected(refused)

    def _sync_withdrawals(self, state: L2State) -> None:
        leaves = self._withdrawal_leaves
        while len(leaves) < state.withdrawal_count:
            leaves.append(state.withdrawal(len(leaves)).leaf)

    async def _committer(self) -> None:
        assert self._commit_wake is not None
        while True:
            await self._commit_wake.wait()
            self._commit_wake.clear()
            await self._flush()

    async def _flush(self) -> None:
        while self._waiters or self._buffer or self._cut_marks:
            data, waiters, marks = bytes(self._buffer), self._waiters, self._cut_marks
            self._buffer, self._waiters, self._cut_marks = bytearray(), [], []
            start = await self.loop.run_in_executor(self._io, self.wal.append, data) if data else self.wal.end
            for info, at in marks:
                info.wal_end = start + at
            self._synced += len(data)
            now = time.monotonic()
            for entry in waiters:
                if not entry.done.done():
                    entry.done.set_result(entry.results)
                ok = entry.accepted
                if ok:
                    if self.metrics is not None:
                        self.metrics.record_transactions(ok)
                    if self.l2_metrics is not None:
                        self.l2_metrics.observe_soft_confirmation(now - entry.received, ok)

    # -- batches --------------------------------------------------------------------------------------------------

    async def _ticker(self) -> None:
        tick = min(0.1, self.batch_interval / 4)
        lags = self.loop_lags
        while True:
            asked = time.monotonic()
            await asyncio.sleep(tick)
            lag = time.monotonic() - asked - tick  # how long the loop was busy (or starved) past the wake-up
            lags[0] = max(lags[0], lag)
            for i, bound in enumerate(_LAG_BOUNDS, 1):
                if lag >= bound:
                    lags[i] += 1
            if not self._paused:
                self._maybe_cut()
            if self._resync_wanted.is_set() and not self._paused:
                self._resync_wanted.clear()
                try:
                    await self._resync()
                except Exception as exc:
                    self.last_error = f"resync failed: {exc}"
                    _log.exception("resync from L1 failed; retrying")
                    self._resync_wanted.set()
                    await asyncio.sleep(1.0)

    def _maybe_cut(self, force: bool = False) -> None:
        builder = self._builder
        if builder is None or builder.empty or self.signer is None:
            return
        waited = self._first_pending_at is not None and time.monotonic() - self._first_pending_at >= self.batch_interval
        if not (force or builder.op_count >= self.batch_max_ops or waited):
            return
        state = self.state
        assert state is not None
        start = self._batches[-1].end if self._batches else 0
        batch = builder.finish(state.queue_processed)
        header = state.header()
        index = self._batches[-1].index + 1 if self._batches else 0
        info = BatchInfo(index=index, start=start, end=self._position, header=header)
        self._batches.append(info)
        self._batch_starts.append(start)
        self._first_pending_at = None
        self._cut_marks.append((info, len(self._buffer)))
        self._posts.put(_Cut(batch, info, self._logged))
        if self.snapshot_every and index - self._snapshot_at >= self.snapshot_every:
            self._snapshot(state)  # the state is this batch's post-state exactly: cuts fall between entries
        if self._waiters and self._commit_wake is not None:
            self._commit_wake.set()

    def _poster(self) -> None:
        while not self._stop.is_set():
            cut = self._posts.get()
            if cut is None:
                return
            if self._resync_wanted.is_set() or cut.info.status == "stale":
                continue
            while self._synced < cut.durable_upto and not self._stop.is_set():
                time.sleep(0.002)  # never post an op whose soft confirmation is not on disk yet
            try:
                self._post(cut)
            except Exception as exc:
                self.last_error = f"posting batch {cut.info.index} failed: {exc}"
                _log.error("%s; resyncing from L1", self.last_error)
                cut.info.status = "failed"
                self._resync_wanted.set()

    def _post(self, cut: _Cut) -> None:
        assert self.signer is not None
        info, batch = cut.info, cut.batch
        # no batchCount() check: the proposal names its head (batch.prev_root) and L1 refuses it on any other head
        # (RollupWrongHead, already at the gas estimate) -> the poster resyncs
        roots = None
        prev_root = self._wrong_heads.get(batch.prev_root)  # built on a batch posted with a wrong root (test switch)
        if self._wrong_root is not None and info.index == self._wrong_root:
            self._wrong_root = None
            roots = list(batch.roots)
            roots[-1] = keccak(b"wrong root " + roots[-1])
            self._wrong_heads[batch.post_root] = roots[-1]
            _log.warning("TEST SWITCH: posting batch %d with a wrong last root", info.index)
        if self.blobs:
            batch = replace(batch, blobs=True)
            if self._forge_signature is not None and info.index == self._forge_signature:
                self._forge_signature = None
                batch = _forge_first_signature(batch)
                _log.warning("TEST SWITCH: posting blob batch %d with a forged signature", info.index)

        def log_posting(nonce: int, raw: bytes) -> None:
            first, end = info.start, info.end
            self.wal.append(posting_record(Posting(info.index, nonce, first, end, raw)))
            info.l1_tx = "0x" + transaction_hash(raw).hex()

        started = time.monotonic()
        try:
            receipt = self.l1.propose(
                batch, self.signer, before_send=log_posting, roots=roots, prev_root=prev_root, kzg=self._kzg
            )
        except TransactionError as exc:
            tx = exc.tx_hash or info.l1_tx or ""
            self.wal.append(posted_record(Posted(info.index, 0, bytes.fromhex(tx[2:]) if tx else _ZERO32, False)))
            raise
        self.wal.append(
            posted_record(Posted(info.index, receipt.block_number, bytes.fromhex(receipt.tx_hash[2:]), True))
        )
        info.status, info.l1_block, info.gas_used = "posted", receipt.block_number, receipt.gas_used
        info.posted_at, info.proposer = time.monotonic(), self.signer.address
        if self.l2_metrics is not None:
            self.l2_metrics.observe_batch(info.end - info.start, receipt.gas_used, len(batch.propose_args()[0]))
        _log.info(
            "batch %d posted: %d ops, %d gas (%.0f per op), %.2f s",
            info.index,
            info.end - info.start,
            receipt.gas_used,
            receipt.gas_used / max(1, info.end - info.start),
            time.monotonic() - started,
        )

    # -- L1 watcher -----------------------------------------------------------------------------------------------

    def _watcher(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self._watch_once()
            except NovaChainError as exc:
                self.last_error = f"reading L1 failed: {exc.message}"
                _log.warning("%s", self.last_error)
            except Exception:
                _log.exception("the L1 watcher failed")

    def _watch_once(self) -> None:
        if self._paused or self._resync_wanted.is_set():
            return
        # snapshot before reading L1: a batch is marked posted only after its receipt, so L1 never holds fewer
        # batches than were marked posted before the read, unless a fraud proof deleted some
        posted = [b for b in self._batches if b.status in ("posted", "final")]
        count, queue_length, final = self.l1.watch_reads(self._final)  # one block, one round trip
        if count < len(posted):
            _log.warning(
                "L1 holds %d batches, %d were posted: a fraud proof deleted some; resyncing", count, len(posted)
            )
            self._resync_wanted.set()
            return
        ours = self.signer.address if self.signer is not None else None
        for i in range(len(posted), count):  # batches L1 holds beyond what is marked posted: ours in flight?
            proposer = str(self.l1.batch_record(i)["proposer"])
            if proposer != ours:
                _log.warning(
                    "L1 batch %d was posted by %s, not this sequencer (forced inclusion?); resyncing", i, proposer
                )
                self._resync_wanted.set()
                return
        # finality, in order (finality is prefix-closed)
        while self._final < len(posted) and final:
            info = self._batches[self._final]
            info.status = "final"
            if self.l2_metrics is not None and info.posted_at is not None:
                self.l2_metrics.observe_finality(time.monotonic() - info.posted_at)
            self._final += 1
            final = self._final < len(posted) and self.l1.is_final(self._final)
        if len(self._tx) > self.receipt_limit and self._final:
            self.loop.call_soon_threadsafe(self._prune_receipts)
        self._maybe_compact()
        if not self._ignore_queue and queue_length > self._queue_seen:
            items = self.l1.queue_items(self._queue_seen)
            if items:
                self._queue_seen += len(items)
                self.loop.call_soon_threadsafe(self._include_queue, items)

    def _maybe_compact(self) -> None:
        """Compact the log up to the cut of the latest final batch cut by this process, once that drops at least
        ``wal_compact_bytes`` (on the watcher's thread: the loop only waits while the last appends are copied)."""
        if not self._final or self._paused:
            return
        info = self._batches[self._final - 1]
        if info.wal_end is None or info.status != "final":
            return
        if info.wal_end - self.wal.end + self.wal.size < self.wal_compact_bytes:
            return  # the file before the cut is smaller than the threshold
        started = time.monotonic()
        freed = self.wal.compact(info.wal_end, self.wal_compact_bytes)
        if freed:
            _log.info(
                "write-ahead log compacted up to final batch %d: %d bytes dropped, %d left (%.2f s)",
                info.index,
                freed,
                self.wal.size,
                time.monotonic() - started,
            )

    def _prune_receipts(self) -> None:
        """Receipts of final batches are what L1 says for ever: forget the oldest beyond ``receipt_limit`` (memory;
        on the loop, which owns the map), down to 90% of it so that pruning runs in steps. A pruned hash is kept as
        an 8-byte prefix in a sorted array with the batch range it fell in (8 bytes instead of ~150), so that its
        receipt still says "final" (without its position) rather than "unknown"."""
        if not self._final or self._paused or len(self._tx) <= self.receipt_limit:
            return
        boundary = self._batches[self._final - 1].end
        target = min(len(self._tx) - self.receipt_limit * 9 // 10, _PRUNE_STEP)  # short pauses of the loop
        victims: list[bytes] = []
        first, last = boundary, 0
        for digest, position in self._tx.items():  # insertion order: oldest first
            if position >= boundary or len(victims) >= target:
                break
            victims.append(digest)
            first, last = min(first, position), max(last, position)
        if not victims:
            return
        tx = self._tx
        for d in victims:
            del tx[d]  # the dict's next resize gives the slots back
        prefixes = array("Q", sorted(int.from_bytes(d[:8], "big") for d in victims))
        self._pruned.append((prefixes, self._batch_at(first), self._batch_at(last)))
        self.pruned_receipts += len(victims)
        # 8 bytes each, but not for ever: the oldest steps go beyond 4x the window (never the step just pruned)
        while len(self._pruned) > 1 and sum(len(p) for p, _, _ in self._pruned) > 4 * self.receipt_limit:
            _, _, dropped_last = self._pruned.pop(0)
            self.forgotten_below = dropped_last + 1
        _log.info("pruned %d receipts of final batches (window %d)", len(victims), self.receipt_limit)

    def _batch_at(self, position: int) -> int:
        i = bisect.bisect_right(self._batch_starts, position) - 1
        return self._batches[i].index if i >= 0 else 0

    def _pruned_receipt(self, tx_hash: bytes) -> dict[str, Any] | None:
        key = int.from_bytes(tx_hash[:8], "big")
        for prefixes, first, last in self._pruned:
            i = bisect.bisect_left(prefixes, key)
            if i < len(prefixes) and prefixes[i] == key:
                return {
                    "tx_hash": "0x" + tx_hash.hex(),
                    "status": "final",
                    "pruned": True,
                    "batches": [first, last],
                    "note": f"in a final batch between {first} and {last}; the sequencer keeps the positions of "
                    f"its latest {self.receipt_limit:,} transactions only",
                }
        return None

    def _include_queue(self, items: list[QueueItem]) -> None:
        if self._paused:  # a resync is rebuilding the state: it reads the queue itself
            return
        state, builder = self.state, self._builder
        assert state is not None
        for item in items:
            if item.index < len(state.queue):
                continue
            state.add_queue_item(item)
            if state.queue_processed != item.index:
                continue  # an earlier item is not included yet (cannot happen: items come in order)
            hint = state.index_of(item.account)
            op = QueueOp(state.account_count if hint is None else hint)
            if state.apply(op) is not None:
                continue
            encoded = encode_op(op)
            record = queue_record(item.index, encoded)
            self._buffer += record
            self._logged += len(record)
            self._position += 1
            self._sync_withdrawals(state)
            if builder is not None:
                builder.add(encoded)
            if self._first_pending_at is None:
                self._first_pending_at = time.monotonic()
        if self._commit_wake is not None:
            self._commit_wake.set()

    # -- resync ---------------------------------------------------------------------------------------------------

    async def _resync(self) -> None:
        self._paused = True
        try:
            await self._flush()
            while not self._posts.empty():  # proposals cut from the old state are void
                try:
                    cut = self._posts.get_nowait()
                except queue.Empty:
                    break
                if cut is not None:
                    cut.info.status = "stale"
            await self.loop.run_in_executor(None, self._wait_poster_idle)
            if self.signer is not None:  # a fraud proof slashed the bond: top it up before posting again
                await self.loop.run_in_executor(None, self.l1.ensure_bond, self.signer, self.bond)
            await self.loop.run_in_executor(None, self._finish_postings)
            await self.loop.run_in_executor(None, self._rebuild)
            _freeze_heap()
            self.resyncs += 1
        finally:
            self._paused = False

    def _wait_poster_idle(self) -> None:
        deadline = time.monotonic() + 120
        while any(b.status == "posting" and b.l1_tx is not None for b in self._batches) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _finish_postings(self) -> None:
        """Re-broadcast logged proposals without a logged receipt (the same bytes); one whose head is gone (L1
        refuses it with ``RollupWrongHead``) is dropped and its nonce cancelled; then nothing of ours can land
        later."""
        if self.signer is None:
            return
        postings: dict[int, Posting] = {}
        done: set[bytes] = set()
        for r in self.wal.records():
            if r.kind is WalKind.POSTING:
                p = r.posting()
                postings[p.nonce] = p
            elif r.kind is WalKind.POSTED:
                done.add(r.posted().tx_hash)
        for nonce, p in sorted(postings.items()):
            tx_hash = transaction_hash(p.raw_tx)
            if tx_hash in done or self.l1.receipt_status("0x" + tx_hash.hex()) is not None:
                continue
            if self.l1.transaction_count(self.signer.address) > nonce:
                continue  # the nonce is used: by this proposal (receipt pruned) or by a cancellation
            refused = self.l1.simulate(p.raw_tx, self.signer.address)
            if refused is None:
                _log.warning("re-broadcasting the logged proposal of batch %d (nonce %d)", p.batch_index, nonce)
                try:
                    self.l1.broadcast(p.raw_tx, self.signer.address)
                    continue
                except TransactionError as exc:  # the head moved meanwhile: the guard reverted it, nonce used
                    refused = exc
                    _log.warning("the re-broadcast proposal of batch %d failed: %s", p.batch_index, exc.message)
                if self.l1.transaction_count(self.signer.address) > nonce:
                    continue
            _log.warning(
                "dropping the stale proposal of batch %d (nonce %d, %s); cancelling its nonce",
                p.batch_index,
                nonce,
                getattr(refused, "error_name", None) or refused,
            )
            self._cancel_nonce(nonce, p.raw_tx)

    def _cancel_nonce(self, nonce: int, stale_raw: bytes) -> None:
        assert self.signer is not None
        try:
            self.l1.cancel(nonce, self.signer, stale_raw)
        except (TransactionError, L2Error) as exc:
            _log.warning("cancelling nonce %d failed: %s", nonce, exc.message)

    def _rebuild(self) -> None:
        """State from L1 alone, then the logged ops L1 does not hold (see the module docstring)."""
        assert self.pool is not None
        l1 = self.l1
        tokens = l1.tokens()
        self.pool.set_tokens(tokens)
        domain = l1.domain()
        self._tx, self._batches, self._batch_starts = {}, [], []
        self._pruned, self.forgotten_below = [], 0  # the replay of L1 just put every receipt back
        self._withdrawal_of = {}
        self._withdrawal_leaves = []
        self._position = 0
        loaded = load_latest(self.data_dir, l1, domain, tokens)
        settled: list[int] = []  # per account: the nonce below which its ops are in batches up to the snapshot's
        if loaded is not None:
            snap, state = loaded
            self._batches = [_info_of(d) for d in snap.meta["batches"]]
            self._batch_starts = [b.start for b in self._batches]
            self._position = int(snap.meta["position"])
            self.forgotten_below = snap.batch_index + 1  # their receipts are not replayed
            self._snapshot_at = self.snapshot_loaded = snap.batch_index
            settled = snap.image.nonces
        else:
            state = L2State.genesis(l1.fee_recipient(), domain, tokens)
            self._snapshot_at, self.snapshot_loaded = -1, None
        items = l1.queue_items(0)
        for item in items:
            state.add_queue_item(item)
        batches = l1.live_batches(len(self._batches))
        on_l1: set[bytes] = set()
        for b in batches:
            start = self._position
            self._replay_l1_batch(state, b, on_l1)
            info = BatchInfo(
                index=b.index,
                start=start,
                end=self._position,
                header=state.header(),
                status="posted",
                l1_tx=b.tx_hash,
                l1_block=b.block,
                posted_at=time.monotonic(),
                proposer=b.proposer,
            )
            self._batches.append(info)
            self._batch_starts.append(start)
            if state.root != b.post_root:
                _log.error(
                    "batch %d on L1 claims root %s, execution gives %s", b.index, b.post_root.hex(), state.root.hex()
                )
        self._final = self._final_prefix(len(self._batches))
        for info in self._batches:
            info.status = "final" if info.index < self._final else "posted"
        image = state.image() if batches and self.snapshot_every else None  # the last L1 batch's post-state
        builder = BatchBuilder(state) if self.signer is not None else None
        self.state, self._builder = state, builder
        self._first_pending_at = None
        # the logged ops L1 does not hold, in log order
        records = self.wal.records()
        self._dropped = dict(r.dropped() for r in records if r.kind is WalKind.DROPPED)
        pending: list[tuple[int, bytes]] = []  # (kind, payload)
        for r in records:
            if r.kind is WalKind.OP and r.payload[: OP_LEN.get(r.payload[0], 0)] not in on_l1:
                if settled and _settled(r.payload, settled):
                    continue  # in a batch up to the snapshot's (or dropped then, and logged so)
                pending.append((1, r.payload))
            elif r.kind is WalKind.QUEUE:
                pending.append((2, r.payload))
        dropped = bytearray()
        wires = b"".join(p for k, p in pending if k == 1)
        recovered = self.pool.submit(wires).result() if wires else b""
        j = 0
        reapplied = 0
        for kind, payload in pending:
            if kind == 2:
                qi = int.from_bytes(payload[:8], "big")
                if qi < state.queue_processed or qi >= len(state.queue) or self._ignore_queue:
                    continue
                (op,), _ = decode_segment(payload[8:], 1)
                if state.apply(op) is None:
                    self._position += 1
                    if builder is not None:
                        builder.add(payload[8:])
                    self._sync_withdrawals(state)
                    reapplied += 1
                continue
            txs, _ = parse_wire(payload)
            digest, sender = recovered[52 * j : 52 * j + 32], recovered[52 * j + 32 : 52 * j + 52]
            j += 1
            if not txs:
                continue
            tx = txs[0]
            if digest in self._tx or digest in self._dropped:
                continue
            op = wire_op(tx)
            reason = state.apply(op, sender=None if sender == _ZERO20 else sender)
            if reason is not None:
                self._dropped[digest] = reason
                dropped += dropped_record(digest, reason)
                _log.error("a soft-confirmed transaction %s became invalid after a resync: %s", digest.hex(), reason)
                continue
            self._tx[digest] = self._position
            self._position += 1
            if type(op) is Withdrawal:
                self._withdrawal_of[digest] = state.withdrawal_count - 1
                self._sync_withdrawals(state)
            if builder is not None:
                builder.add(tx.op)
            reapplied += 1
        if dropped:
            self.wal.append(bytes(dropped))
        if image is not None:  # after the DROPPED records: a later start skips settled ops by the snapshot's nonces
            last = self._batches[-1]
            self._write_snapshot(self._snapshot_meta(last.index, last.header.root, last.end), image)
            self._snapshot_at = last.index
        self._queue_seen = len(state.queue)
        if reapplied:
            self._first_pending_at = time.monotonic() - self.batch_interval  # post them at once
        _log.info(
            "resynced from L1: %d batches, %d queue items (%d included), %d logged ops re-applied",
            len(batches),
            len(items),
            state.queue_processed,
            reapplied,
        )

    # -- snapshots (see ._snapshot) ------------------------------------------------------------------------------

    def _final_prefix(self, count: int) -> int:
        """How many of the first ``count`` batches are final (finality is prefix-closed: a binary search)."""
        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.l1.is_final(mid):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _snapshot_meta(self, index: int, root: bytes, position: int) -> dict[str, Any]:
        batches = [_info_dict(b) for b in self._batches[: index + 1]]
        return snapshot_meta(self.l1, index, root, position=position, batches=batches)

    def _snapshot(self, state: L2State) -> None:
        """Write a snapshot of ``state`` (the newest batch's post-state), unless one is still being written: from a
        forked child (the loop pauses for the fork only: 14 ms with a million accounts), or where there is no fork
        from a copy taken here, on the loop (0.33 s), written on the snapshot thread (see :mod:`._snapshot`;
        measured by ``benchmarks/l2.py --parts gas,memory``)."""
        if self._snapshot_job is not None and not self._snapshot_job.done():
            return
        last = self._batches[-1]
        meta = self._snapshot_meta(last.index, last.header.root, last.end)
        self._snapshot_at = last.index
        if FORK_WRITER:
            started = time.monotonic()
            try:
                pid, fd = fork_writer(self.data_dir, meta, state.image(copy=False))
            except OSError as exc:  # no memory or process slot for the child: the next snapshot tries again
                _log.warning("could not start the writer of the state snapshot of batch %d: %s", last.index, exc)
                return
            self._snapshot_job = self._snapshots.submit(
                self._reap_snapshot, pid, fd, meta, state.account_count, started
            )
        else:
            self._snapshot_job = self._snapshots.submit(self._write_snapshot, meta, state.image())

    def _write_snapshot(self, meta: dict[str, Any], image: StateImage) -> None:
        started, failure = time.monotonic(), None
        try:
            write_snapshot(self.data_dir, meta, image)
        except OSError as exc:
            failure = str(exc)
        self._snapshot_written(meta, len(image.addresses), started, failure)

    def _reap_snapshot(self, pid: int, fd: int, meta: dict[str, Any], accounts: int, started: float) -> None:
        self._snapshot_written(meta, accounts, started, reap_writer(pid, fd))

    def _snapshot_written(self, meta: dict[str, Any], accounts: int, started: float, failure: str | None) -> None:
        index = meta["batch_index"]
        if failure is not None:
            _log.warning("writing the state snapshot of batch %d failed: %s", index, failure)
        else:
            took = time.monotonic() - started
            _log.info("state snapshot of batch %d written (%d accounts, %.2f s)", index, accounts, took)

    def _replay_l1_batch(self, state: L2State, b: L1Batch, on_l1: set[bytes]) -> None:
        """Apply a posted batch (signatures recovered by the workers, see :mod:`._replay`), noting each signed op's
        hash, position and bytes."""
        assert self.pool is not None

        def on_op(op: Any, encoded: bytes, digest: bytes | None, reason: str | None) -> None:
            if digest is not None:
                on_l1.add(encoded)
                if reason is None:
                    self._tx[digest] = self._position
                    if type(op) is Withdrawal:
                        self._withdrawal_of[digest] = state.withdrawal_count - 1
            self._sync_withdrawals(state)
            self._position += 1

        replay_segments(state, self.pool, b.segments, b.queue_end, on_op=on_op)

    # -- reads (on the loop) --------------------------------------------------------------------------------------

    def receipt(self, tx_hash: bytes) -> dict[str, Any] | None:
        """Where a transaction is: soft-confirmed (its position), in a posted batch, final; None when unknown."""
        position = self._tx.get(tx_hash)
        if position is None:
            why = self._dropped.get(tx_hash)
            if why is not None:
                return {"tx_hash": "0x" + tx_hash.hex(), "status": "dropped", "reason": why}
            return self._pruned_receipt(tx_hash) if self._pruned else None
        out: dict[str, Any] = {"tx_hash": "0x" + tx_hash.hex(), "position": position, "status": "soft-confirmed"}
        if tx_hash in self._withdrawal_of:
            out["withdrawal_index"] = self._withdrawal_of[tx_hash]
        i = bisect.bisect_right(self._batch_starts, position) - 1
        if i >= 0 and position < self._batches[i].end:
            info = self._batches[i]
            out.update(batch=info.index, l1_tx=info.l1_tx, l1_block=info.l1_block)
            if info.status in ("posted", "final"):
                out["status"] = "final" if info.status == "final" else "posted"
        return out

    def account_info(self, address: bytes) -> dict[str, Any] | None:
        """The account of ``address``: index, nonce, balances (current soft state)."""
        state = self.state
        assert state is not None
        index = state.index_of(address)
        if index is None:
            return None
        return state.account(index).to_dict()

    def account_proof(self, address: bytes) -> tuple[AccountProof, bool] | None:
        """A Merkle proof of the account against the current state root, and whether that root is the latest root
        posted on L1 (with nothing pending)."""
        state = self.state
        assert state is not None
        index = state.index_of(address)
        if index is None:
            return None
        proof = state.account_proof(index)
        latest = self._batches[-1] if self._batches else None
        posted = latest is not None and latest.header.root == proof.root and latest.status in ("posted", "final")
        return proof, posted

    def withdrawal_proof(self, index: int, batch: int | None = None) -> WithdrawalProof:
        """A proof of withdrawal ``index`` against the header of posted batch ``batch`` (default: the latest final
        one holding it, else the latest posted one holding it)."""
        candidates = [b for b in self._batches if b.status in ("posted", "final") and b.header.withdrawal_count > index]
        if batch is not None:
            candidates = [b for b in candidates if b.index == batch]
        if not candidates:
            raise L2StateError(
                f"no posted batch holds withdrawal {index}" + (f" (batch {batch})" if batch is not None else ""),
                hint="wait until the batch with the withdrawal is posted (`novacron-chain l2 status`)",
            )
        finals = [b for b in candidates if b.status == "final"]
        info = finals[-1] if finals and batch is None else candidates[-1]
        header = info.header
        tree = MerkleTree(WITHDRAWAL_DEPTH)
        for i, leaf in enumerate(self._withdrawal_leaves[: header.withdrawal_count]):
            tree.set_leaf(i, leaf)
        siblings = tuple(tree.proof(index))
        state = self.state
        assert state is not None
        rec: WithdrawalRecord = state.withdrawal(index)
        return WithdrawalProof(rec, siblings, header)

    def batch_of_withdrawal(self, proof: WithdrawalProof) -> int:
        """The index of the posted batch whose header a proof is against."""
        for b in self._batches:
            if b.header == proof.header:
                return b.index
        raise L2StateError("the proof's header is no posted batch's", hint="ask for a new proof")

    def status(self) -> dict[str, Any]:
        """Counters, the state header, the batches."""
        state = self.state
        assert state is not None
        header = state.header()
        builder = self._builder
        posted = [b for b in self._batches if b.status in ("posted", "final")]
        return {
            "kind": "rollup",
            "rollup": self.l1.address,
            "l1_chain_id": self.l1.chain.chain_id,
            "sequencer": self.signer.address if self.signer else None,
            "data_availability": "blobs" if self.blobs else "calldata",
            "accounts": state.account_count,
            "withdrawals": state.withdrawal_count,
            "queue_processed": state.queue_processed,
            "queue_known": len(state.queue),
            "ops": self._position,
            "pending_ops": builder.op_count if builder is not None else 0,
            "accepted": self.accepted,
            "refused": self.refused,
            "state_root": "0x" + header.root.hex(),
            "batches": len(self._batches),
            "batches_posted": len(posted),
            "ops_posted": posted[-1].end if posted else 0,
            "batches_final": self._final,
            "latest_batch": self._batches[-1].to_dict() if self._batches else None,
            "resyncs": self.resyncs,
            "loop_lag": {
                "max_ms": round(self.loop_lags[0] * 1000, 1),
                **{f"over_{round(b * 1000)}ms": int(n) for b, n in zip(_LAG_BOUNDS, self.loop_lags[1:], strict=True)},
            },
            "wal_bytes": self.wal.size,
            "wal_compactions": self.wal.compactions,
            "receipts_kept": len(self._tx),
            "receipts_pruned": self.pruned_receipts,
            "snapshot": {
                "latest_batch": None if self._snapshot_at < 0 else self._snapshot_at,
                "started_from_batch": self.snapshot_loaded,
            },
            "last_error": self.last_error,
            "uptime": time.monotonic() - self._started_at,
            "tps": self.metrics.get_snapshot().current_tps if self.metrics is not None else None,
        }

    def batches(self) -> list[dict[str, Any]]:
        """Every batch of the sequence."""
        return [b.to_dict() for b in self._batches]

    def flush_batch(self) -> None:
        """Cut the open batch now (on the loop)."""
        self._maybe_cut(force=True)


def _kzg_process() -> Executor:
    """One spawned process for blob KZG work (ckzg holds the GIL), its trusted setup loaded before the first post."""
    import multiprocessing

    from ._blobs import load_trusted_setup

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    executor.submit(load_trusted_setup)
    return executor


def _forge_first_signature(batch: Batch) -> Batch:
    """``batch`` with its first signed op's signature replaced by one over another message (test switch)."""
    from ._codec import OP_SIZES, sign_digest

    forged = sign_digest(keccak(b"forged"), keccak(b"not the signer's message"))
    ops = batch.ops
    pos = 0
    while pos < len(ops):
        size = OP_SIZES[ops[pos]]
        if ops[pos] != 4:
            ops = ops[: pos + size - 64] + forged + ops[pos + size :]
            break
        pos += size
    return replace(batch, ops=ops)
