"""The sequencer's write-ahead log: every soft-confirmed operation is on disk (``fdatasync``) before its sender hears
"accepted", and every batch proposal is on disk before it is sent.

One append-only file, ``wal.log``, of frames ``[u32 length][u32 crc32][u8 kind][payload]`` (big-endian; the length
and the CRC cover kind + payload). A frame torn by a crash (``kill -9`` mid-write, power loss) fails its length or
CRC check: reading stops there and :meth:`WriteAheadLog.open` cuts the file back to the last whole frame, so a
torn tail never hides a later record and is never replayed.

Kinds:

- ``OP`` — a soft-confirmed signed operation (transfer, transfer to a new account, withdrawal) in its batch calldata
  form; ops are numbered by order of appearance (``seq``) together with ``QUEUE`` records.
- ``QUEUE`` — an L1 queue item the sequencer included: ``u64 queue index`` then the op (``0x04`` + hint).
- ``POSTING`` — a batch proposal about to be sent: ``u64 expected batch index, u64 L1 nonce, u64 first seq,
  u64 end seq`` then the signed raw L1 transaction (re-broadcast as is after a crash, never re-signed).
- ``POSTED`` — that proposal's receipt: ``u64 batch index, u64 L1 block, bytes32 L1 tx hash, u8 success``.
- ``DROPPED`` — ``bytes32 tx hash`` then the reason (UTF-8): a soft-confirmed op that a resync from L1 made
  invalid (the L1 order changed under it, e.g. a forced withdrawal included by someone else spent the balance
  first); its receipt says so, and later resyncs never re-apply it.

Replay never trusts the log over L1: the node rebuilds its state from L1 and re-applies only the logged ops L1 does
not already hold (see :mod:`novacron_chain.l2._sequencer`).

Compaction (:meth:`WriteAheadLog.compact`): once a batch is final, no restart needs the ``OP`` and ``QUEUE`` records
before the point where the sequencer cut it (every one of them is in a final batch, or was ``DROPPED``), nor a
``POSTING`` whose ``POSTED`` is logged. The log is rewritten as the records still needed from before that point
(``DROPPED``, unfinished ``POSTING``) followed by everything after it, fsynced, and renamed over ``wal.log`` (a crash
leaves either file whole). Offsets handed out by :meth:`WriteAheadLog.append` are *logical*: they keep counting
across compactions, so a cut point noted before one is still valid after it.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from ._tree import keccak_big

__all__ = ["Posted", "Posting", "WalKind", "WalRecord", "WriteAheadLog"]

_HEADER = struct.Struct(">II")
_POSTING = struct.Struct(">QQQQ")
_POSTED = struct.Struct(">QQ32sB")
_U64 = struct.Struct(">Q")
_MAX_FRAME = 64 * 1024 * 1024


class WalKind(IntEnum):
    """Record kinds of the log."""

    OP = 1
    QUEUE = 2
    POSTING = 3
    POSTED = 4
    DROPPED = 5


@dataclass(frozen=True)
class WalRecord:
    """One record as read back: its kind and raw payload (decode POSTING/POSTED with :meth:`posting`/:meth:`posted`)."""

    kind: WalKind
    payload: bytes

    def posting(self) -> Posting:
        """The payload of a ``POSTING`` record."""
        index, nonce, first, end = _POSTING.unpack_from(self.payload)
        return Posting(index, nonce, first, end, self.payload[_POSTING.size :])

    def posted(self) -> Posted:
        """The payload of a ``POSTED`` record."""
        index, block, tx_hash, ok = _POSTED.unpack(self.payload)
        return Posted(index, block, tx_hash, bool(ok))

    def queue_index(self) -> int:
        """The queue index of a ``QUEUE`` record."""
        return int(_U64.unpack_from(self.payload)[0])

    def dropped(self) -> tuple[bytes, str]:
        """The tx hash and reason of a ``DROPPED`` record."""
        return self.payload[:32], self.payload[32:].decode(errors="replace")

    def op(self) -> bytes:
        """The op bytes of an ``OP`` or ``QUEUE`` record."""
        return self.payload[8:] if self.kind is WalKind.QUEUE else self.payload


@dataclass(frozen=True)
class Posting:
    """A batch proposal written before it was sent."""

    batch_index: int
    nonce: int
    first_seq: int
    end_seq: int
    raw_tx: bytes


@dataclass(frozen=True)
class Posted:
    """The receipt of a proposal."""

    batch_index: int
    block: int
    tx_hash: bytes
    success: bool


def frame(kind: WalKind, payload: bytes) -> bytes:
    """One record as written."""
    body = bytes([kind]) + payload
    return _HEADER.pack(len(body), zlib.crc32(body)) + body


_OP_KIND = bytes([WalKind.OP])


def op_record(op: bytes) -> bytes:
    """An ``OP`` frame (:func:`frame` inlined: one per soft-confirmed transaction, on the sequencer's loop)."""
    body = _OP_KIND + op
    return _HEADER.pack(len(body), zlib.crc32(body)) + body


def queue_record(queue_index: int, op: bytes) -> bytes:
    """A ``QUEUE`` frame."""
    return frame(WalKind.QUEUE, _U64.pack(queue_index) + op)


def posting_record(p: Posting) -> bytes:
    """A ``POSTING`` frame."""
    return frame(WalKind.POSTING, _POSTING.pack(p.batch_index, p.nonce, p.first_seq, p.end_seq) + p.raw_tx)


def posted_record(p: Posted) -> bytes:
    """A ``POSTED`` frame."""
    return frame(WalKind.POSTED, _POSTED.pack(p.batch_index, p.block, p.tx_hash, int(p.success)))


def dropped_record(tx_hash: bytes, reason: str) -> bytes:
    """A ``DROPPED`` frame."""
    return frame(WalKind.DROPPED, tx_hash + reason.encode())


_SIDE = (WalKind.POSTING, WalKind.POSTED, WalKind.DROPPED)
_COPY = 1 << 20


@dataclass(frozen=True, slots=True)
class _Side:
    """A record compaction may keep from before the cut point: where it is (logical offsets), its kind, and the
    L1 transaction hash of a ``POSTING`` / ``POSTED``."""

    start: int
    end: int
    kind: WalKind
    tx_hash: bytes


class WriteAheadLog:
    """The log file of one sequencer: read it once with :meth:`records`, then append with :meth:`append` (durable on
    return). Appends from several threads are serialised; each call is one ``write`` and one ``fdatasync``, so a
    caller that gathers many frames (group commit) pays for one sync. :meth:`compact` drops what final batches made
    useless (see the module docstring)."""

    def __init__(self, path: Path, *, sync: bool = True) -> None:
        self.path = path
        self.sync = sync
        self._lock = threading.Lock()
        self._compacting = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(path.name + ".compact")
        self._tmp.unlink(missing_ok=True)  # a compaction interrupted before its rename: the log is whole
        self._side: list[_Side] = []
        data = _read_bytes(path)
        good = 0
        for kind, payload, start, end in _frames_at(data):
            if kind in _SIDE:
                self._side.append(_Side(start, end, kind, _side_hash(kind, payload)))
            good = end
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        size = os.fstat(self._fd).st_size
        if size != good:  # a torn tail: cut it so that later frames follow the last whole one
            os.ftruncate(self._fd, good)
            os.fsync(self._fd)
        self.truncated = size - good
        """Bytes of a torn tail cut away at open (0 after a clean stop)."""
        self.size = good
        """Bytes of the file now."""
        self._delta = 0  # logical offset - file offset
        self.compacted = 0
        """Bytes dropped by compactions since the open."""
        self.compactions = 0

    @property
    def end(self) -> int:
        """The logical offset of the end of the log (what the next append starts at)."""
        with self._lock:
            return self.size + self._delta

    def records(self) -> list[WalRecord]:
        """Every whole record on disk, oldest first (read again: appends since the open are included)."""
        with self._lock:
            records, _ = _read(self.path)
        return records

    def append(self, data: bytes) -> int:
        """Append frames (from :func:`op_record` and friends) and make them durable before returning; returns the
        logical offset they start at (the end of the log for empty ``data``)."""
        with self._lock:
            start = self.size + self._delta
            if not data:
                return start
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            if self.sync:
                os.fdatasync(self._fd)
            self.size += len(data)
            if data[8] in _SIDE:  # POSTING / POSTED / DROPPED come alone, never mixed with OP / QUEUE frames
                for kind, payload, s, e in _frames_at(data):
                    if kind in _SIDE:
                        self._side.append(_Side(start + s, start + e, kind, _side_hash(kind, payload)))
        return start

    def compact(self, cut: int, minimum: int = 0) -> int:
        """Drop the ``OP`` / ``QUEUE`` records before logical offset ``cut`` (a point where the sequencer cut a batch
        that is final now: every op before it is in a final batch or dropped) and every ``POSTING`` / ``POSTED``
        pair before it; keep the ``DROPPED`` records and unfinished ``POSTING`` s, and everything after ``cut``.
        Does nothing when less than ``minimum`` bytes would go. Returns the bytes dropped. Appends wait only while
        the records appended during the rewrite are copied and the file is renamed."""
        with self._compacting:
            with self._lock:
                if self._fd < 0 or not self._delta <= cut <= self.size + self._delta:
                    return 0
                snapshot = self.size + self._delta
                side = [r for r in self._side if r.end <= cut]
                after = [r for r in self._side if r.start >= cut]
            done = {r.tx_hash for r in side if r.kind is WalKind.POSTED}
            keep = [
                r for r in side if r.kind is WalKind.DROPPED or (r.kind is WalKind.POSTING and r.tx_hash not in done)
            ]
            kept_len = sum(r.end - r.start for r in keep)
            freed = cut - self._delta - kept_len
            if freed <= 0 or freed < minimum:
                return 0
            delta = self._delta
            renamed = False
            fd = os.open(self._tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                new_side = []
                pos = 0
                base = cut - kept_len  # new logical offsets: the kept records sit right before the cut
                for r in keep:
                    _write_all(fd, os.pread(self._fd, r.end - r.start, r.start - delta))
                    new_side.append(_Side(base + pos, base + pos + r.end - r.start, r.kind, r.tx_hash))
                    pos += r.end - r.start
                _copy(self._fd, fd, cut - delta, snapshot - delta)
                with self._lock:
                    now = self.size + self._delta
                    _copy(self._fd, fd, snapshot - delta, now - delta)
                    os.fsync(fd)
                    os.replace(self._tmp, self.path)
                    _fsync_dir(self.path.parent)
                    os.close(self._fd)
                    self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
                    renamed = True
                    self._delta = base
                    self.size = now - base
                    self._side = new_side + after + [r for r in self._side if r.start >= snapshot]
                    self.compacted += freed
                    self.compactions += 1
            finally:
                os.close(fd)
                if not renamed:
                    self._tmp.unlink(missing_ok=True)
            return freed

    def close(self) -> None:
        """Close the file (appends after this fail)."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _side_hash(kind: WalKind, payload: bytes) -> bytes:
    if kind is WalKind.POSTING:
        return keccak_big(payload[_POSTING.size :])
    if kind is WalKind.POSTED:
        return bytes(payload[16:48])
    return b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy(src: int, dst: int, start: int, end: int) -> None:
    """Copy the file bytes ``[start, end)`` of ``src`` to the end of ``dst``."""
    while start < end:
        chunk = os.pread(src, min(_COPY, end - start), start)
        if not chunk:
            raise OSError(f"the write-ahead log ended at byte {start}, {end} expected")
        _write_all(dst, chunk)
        start += len(chunk)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _read(path: Path) -> tuple[list[WalRecord], int]:
    records = []
    pos = 0
    for kind, payload, _start, end in _frames_at(_read_bytes(path)):
        records.append(WalRecord(kind, payload))
        pos = end
    return records, pos


def _frames_at(data: bytes) -> Iterator[tuple[WalKind, bytes, int, int]]:
    pos, n = 0, len(data)
    while pos + _HEADER.size <= n:
        length, crc = _HEADER.unpack_from(data, pos)
        start, end = pos + _HEADER.size, pos + _HEADER.size + length
        if length == 0 or length > _MAX_FRAME or end > n:
            return
        body = data[start:end]
        if zlib.crc32(body) != crc:
            return
        try:
            kind = WalKind(body[0])
        except ValueError:
            return
        yield kind, bytes(body[1:]), pos, end
        pos = end
