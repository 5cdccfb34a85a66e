"""The durable queue: an append-only journal of records, in preallocated memory-mapped segments, group-committed.

A segment ``<first seq>.journal`` is a file of ``segment_bytes`` (reserved with ``posix_fallocate``, so a full disk
fails when a segment is made, not later) that starts with an 8-byte header (``NCSJ`` and the format version) and
holds frames, then zeros::

    u32 length of data | u32 crc32 of (seq ++ data) | u64 seq | data        (little endian; length >= 1)

:meth:`Journal.append` copies a frame into the shared mapping of the file (the data first, the header last): the
bytes are then in the operating system's page cache, which outlives the process, so a record survives the process
being killed at any point once ``append`` returned, and a kill in the middle leaves no half frame (its header is
still zero). No system call is made per record: the recording thread keeps the GIL, which is what keeps recording
fast while the batcher's threads work. A background thread fsyncs every ``fsync_interval`` seconds, and at once
when a caller waits in :meth:`Journal.wait_durable` (group commit: every record written while one fsync runs shares
the next). On open, the first zero header ends a segment; a damaged frame at the end of the last segment (a write
cut off by a power loss) is zeroed away; damage anywhere else raises :class:`StateDataError`. Segments whose
records are all anchored are deleted by :meth:`Journal.release`.
"""

from __future__ import annotations

import errno
import logging
import mmap
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from ._errors import StateDataError, StateError

__all__ = ["Journal"]

_log = logging.getLogger("novacron_chain.state")

_MAGIC = b"NCSJ\x01\x00\x00\x00"
_FRAME = struct.Struct("<IIQ")
_SEQ = struct.Struct("<Q")
_SUFFIX = ".journal"
_MAX_DATA = 16 * 1024 * 1024


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """Append-only record journal in ``directory``. Appends must be serialised by the caller."""

    def __init__(self, directory: Path, *, segment_bytes: int = 16 * 1024 * 1024, fsync_interval: float = 0.2) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.fsync_interval = fsync_interval
        self._segments: list[tuple[int, Path]] = []
        self._fd = -1
        self._mm: mmap.mmap | None = None
        self._pos = 0  # where the next frame goes in the active segment
        self._capacity = 0
        self._written = 0  # last seq written to the OS
        self._synced = 0  # last seq known on disk
        self._waiters = 0
        self._closing = False
        self._error: OSError | None = None
        self._cond = threading.Condition()
        self._fd_lock = threading.Lock()  # held around fsync and while swapping segments
        self._syncer: threading.Thread | None = None
        self._tail_last = 0
        self._tail_pos = 0
        self.last_seq = 0

    # -- open and replay ----------------------------------------------------------------------------------------

    def replay(self, after: int) -> Iterator[tuple[int, bytes]]:
        """Open the journal and yield ``(seq, data)`` of every record after seq ``after``, in order.

        Must be run to the end before appending. Yielded seqs are checked to run on from ``after + 1`` without a
        gap; the journal's last seq is then :attr:`last_seq`.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        for tmp in self.directory.glob(".tmp-*"):
            tmp.unlink(missing_ok=True)
        segments = []
        for entry in self.directory.iterdir():
            if entry.name.endswith(_SUFFIX):
                try:
                    segments.append((int(entry.name[: -len(_SUFFIX)]), entry))
                except ValueError:
                    continue
        segments.sort()
        self._segments = segments
        expected = after + 1
        last = 0
        for i, (first, path) in enumerate(segments):
            is_last = i == len(segments) - 1
            for seq, data in self._frames(path, first, is_last):
                last = seq
                if seq <= after:
                    continue
                if seq != expected:
                    raise StateDataError(
                        f"the VM state journal misses records {expected} to {seq - 1} (found {seq} in {path.name})",
                        path=str(self.directory),
                        hint="a journal segment was deleted or damaged; restore it from a backup. Records in the "
                        "index and on chain are unaffected",
                    )
                expected += 1
                yield seq, data
        self.last_seq = max(last, after)
        self._written = self._synced = self.last_seq
        self._open_active(self.last_seq + 1)

    def _frames(self, path: Path, first: int, is_last: bool) -> Iterator[tuple[int, bytes]]:
        self._tail_last = first - 1
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise StateDataError(
                f"cannot read the journal segment {path}: {exc.strerror or exc}", path=str(path)
            ) from exc
        self._tail_pos = len(_MAGIC)
        if len(blob) < len(_MAGIC) or blob[: len(_MAGIC)] != _MAGIC:
            if is_last and not any(blob[: len(_MAGIC)]):  # its header never reached the disk: nothing in it either
                self._zero_tail(path, 0, "a segment header is missing")
                with open(path, "r+b") as fh:
                    fh.write(_MAGIC)
                    fh.flush()
                    os.fsync(fh.fileno())
                return
            raise StateDataError(
                f"{path} is not a VM state journal segment (bad header)",
                path=str(path),
                hint="move the file out of the journal directory if it does not belong there",
            )
        pos = len(_MAGIC)
        prev = first - 1
        end = len(blob)
        while pos < end:
            problem = None
            if end - pos < _FRAME.size:
                if not any(blob[pos:]):
                    break  # zeros: the end of the data
                problem = "a frame header is cut off"
            else:
                length, crc, seq = _FRAME.unpack_from(blob, pos)
                start = pos + _FRAME.size
                if length == 0 and crc == 0 and seq == 0:
                    break  # a zero header: the end of the data
                if length == 0 or length > _MAX_DATA or start + length > end:
                    problem = "a frame is cut off"
                else:
                    data = blob[start : start + length]
                    if zlib.crc32(data, zlib.crc32(_SEQ.pack(seq))) != crc:
                        problem = "a frame's checksum does not match"
                    elif seq != prev + 1:
                        problem = f"seq {seq} follows {prev}"
            if problem is not None:
                if is_last:
                    self._zero_tail(path, pos, problem)
                    break
                raise StateDataError(
                    f"the journal segment {path.name} is damaged at byte {pos}: {problem}",
                    path=str(path),
                    hint="restore the segment from a backup; only the last segment's tail is repaired automatically",
                )
            yield seq, data
            prev = self._tail_last = seq
            pos = start + length
        self._tail_pos = pos

    def _zero_tail(self, path: Path, at: int, problem: str) -> None:
        _log.warning("journal %s: %s at byte %d; zeroing the unfinished write from there", path, problem, at)
        size = path.stat().st_size
        zeros = bytes(1024 * 1024)
        with open(path, "r+b") as fh:
            fh.seek(at)
            while fh.tell() < size:
                fh.write(zeros[: min(len(zeros), size - fh.tell())])
            fh.flush()
            os.fsync(fh.fileno())

    def _open_active(self, next_seq: int) -> None:
        # go on in the last segment when the next record continues it; else (its records were released, or the
        # index is ahead of a journal that lost unsynced records to a power cut) start a segment at next_seq
        if self._segments and self._tail_last + 1 == next_seq:
            self._map(self._segments[-1][1], self._tail_pos)
        else:
            self._new_segment(next_seq)
        self._start_syncer()

    def _map(self, path: Path, pos: int) -> None:
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            self._mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._capacity = size
        self._pos = pos

    def _new_segment(self, first_seq: int) -> None:
        path = self.directory / f"{first_seq:020d}{_SUFFIX}"
        tmp = self.directory / f".tmp-{path.name}"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            try:
                os.posix_fallocate(fd, 0, self.segment_bytes)  # reserve the space: a full disk fails here
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                os.ftruncate(fd, self.segment_bytes)
            os.pwrite(fd, _MAGIC, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(self.directory)
        if not self._segments or self._segments[-1][0] != first_seq:  # (a retry after a failed map)
            self._segments.append((first_seq, path))
        self._map(path, len(_MAGIC))

    def _start_syncer(self) -> None:
        if self._syncer is None:
            self._syncer = threading.Thread(target=self._sync_loop, name="novacron-state-fsync", daemon=True)
            self._syncer.start()

    # -- writing ------------------------------------------------------------------------------------------------

    def append(self, seq: int, data: bytes) -> None:
        """Copy one record into the journal (no system call); on return it survives the process being killed."""
        if self._error is not None:
            raise self._failed("writing", self._error)
        n = len(data)
        if not 0 < n <= _MAX_DATA:
            raise StateError(f"a journal record must be 1 byte to {_MAX_DATA} bytes, not {n}")
        end = self._pos + _FRAME.size + n
        if end > self._capacity:
            self._rotate(seq)
            end = self._pos + _FRAME.size + n
            if end > self._capacity:
                raise StateError(f"a record of {n} bytes does not fit in a journal segment of {self._capacity}")
        mm = self._mm
        assert mm is not None
        start = self._pos + _FRAME.size
        mm[start:end] = data  # data first, header last: a kill in between leaves a zero header, i.e. nothing
        mm[self._pos : start] = _FRAME.pack(n, zlib.crc32(data, zlib.crc32(_SEQ.pack(seq))), seq)
        self._pos = end
        self._written = seq

    def _rotate(self, next_seq: int) -> None:
        with self._fd_lock:
            try:
                if self._fd >= 0:
                    os.fsync(self._fd)
                    self._unmap()
                self._new_segment(next_seq)
            except OSError as exc:
                self._capacity = self._pos = 0  # the next append tries again
                raise self._failed("starting a new journal segment", exc) from exc
        with self._cond:
            self._synced = max(self._synced, next_seq - 1)
            self._cond.notify_all()

    def _unmap(self) -> None:
        if self._mm is not None:
            self._mm.close()
            self._mm = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def wait_durable(self, seq: int) -> None:
        """Return once record ``seq`` is on disk (fsynced); one fsync serves every waiting caller."""
        with self._cond:
            if self._synced >= seq:
                return
            self._waiters += 1
            self._cond.notify_all()
            try:
                while self._synced < seq:
                    if self._error is not None:
                        raise self._failed("syncing", self._error)
                    self._cond.wait(1.0)
            finally:
                self._waiters -= 1

    def sync(self) -> None:
        """fsync now (every record written so far is then on disk)."""
        target = self._written
        with self._fd_lock:
            if self._fd >= 0:
                try:
                    os.fsync(self._fd)
                except OSError as exc:
                    raise self._failed("syncing", exc) from exc
        with self._cond:
            self._synced = max(self._synced, target)
            self._cond.notify_all()

    def _sync_loop(self) -> None:
        due: float | None = None
        while True:
            with self._cond:
                while True:
                    if self._closing:
                        return
                    dirty = self._written > self._synced
                    if dirty and self._waiters:
                        break
                    if dirty:
                        now = time.monotonic()
                        due = now + self.fsync_interval if due is None else due
                        if now >= due:
                            break
                        self._cond.wait(due - now)
                    else:
                        due = None
                        self._cond.wait(self.fsync_interval)
                target = self._written
            due = None
            try:
                with self._fd_lock:
                    if self._fd >= 0:
                        os.fsync(self._fd)
            except OSError as exc:
                _log.error("fsync of the VM state journal failed: %s", exc)
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                return
            with self._cond:
                self._synced = max(self._synced, target)
                self._cond.notify_all()

    def _failed(self, doing: str, exc: OSError) -> StateError:
        return StateError(
            f"{doing} the VM state journal in {self.directory} failed: {exc.strerror or exc}",
            hint="check free disk space and permissions; records acknowledged before are kept",
        )

    # -- housekeeping -------------------------------------------------------------------------------------------

    @property
    def written_seq(self) -> int:
        """The last seq written."""
        return self._written

    @property
    def synced_seq(self) -> int:
        """The last seq known to be on disk."""
        return self._synced

    def release(self, upto: int) -> int:
        """Delete segments whose records all have seq <= ``upto`` (never the active one); returns how many."""
        removed = 0
        while len(self._segments) > 1 and self._segments[1][0] - 1 <= upto:
            _first, path = self._segments.pop(0)
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def close(self) -> None:
        """fsync, stop the background thread and close the file."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._syncer is not None:
            self._syncer.join()
        if self._fd >= 0:
            try:
                if self._error is None:
                    self.sync()
            finally:
                self._unmap()
        self._syncer = None
