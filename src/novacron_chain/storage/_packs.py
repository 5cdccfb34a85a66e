"""Pack files: many blocks written at once, one file write and one fsync per batch, found through an index.

:meth:`EmbeddedStore.put_blocks` writes a batch of blocks as one pack file ``<root>/<time>-<random>.pack`` (one
``write``, one ``fsync`` of the file and one of the directory) instead of one file and two fsyncs per block::

    NCPK 01 00 00 00                                  8-byte header (format version 1)
    u32 length | u8 multihash length | multihash | data      one frame per block (little endian)

``<root>/index.sqlite`` maps each multihash to ``(pack, offset, length)`` of its data and lists the packs indexed
(WAL mode, ``synchronous=NORMAL``: the packs are the truth, the index is rebuilt from them). It is written after
the pack is fsynced; on open, a pack the index does not know in full (a process killed, or a power cut, between the
two) is scanned and its intact frames are indexed: every frame is rehashed, and a cut-off tail is ignored. So a
block is either readable under its multihash or absent, never wrong, and putting the batch again fills the gaps.

Blocks and CIDs are exactly those of :meth:`ContentStore.put_block`: only where the bytes lie on disk differs.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import struct
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = ["PackStore"]

_MAGIC = b"NCPK\x01\x00\x00\x00"
_FRAME = struct.Struct("<IB")
_SUFFIX = ".pack"
_SHA256 = b"\x12\x20"
_QUERY_CHUNK = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS packs (name TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    mh BLOB PRIMARY KEY, pack TEXT NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blocks_pack ON blocks (pack);
"""


def _intact(multihash: bytes, data: bytes | memoryview) -> bool:
    return multihash[:2] == _SHA256 and hashlib.sha256(data).digest() == multihash[2:]


class PackStore:
    """Blocks in pack files under ``root`` with a SQLite index. Thread-safe; several processes may share it."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.index_unindexed()

    @property
    def _db(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is None:
                db = sqlite3.connect(
                    self.root / "index.sqlite", isolation_level=None, check_same_thread=False, timeout=60
                )
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.execute("PRAGMA synchronous=NORMAL")
                    # every block lands at a random place of the multihash index: with 64 MiB of cache and a
                    # checkpoint every 20,000 pages (not 1,000), the pages a batch changes are mostly cached and a
                    # page changed by several batches is copied back to the database once (a third of the CPU of a
                    # batch at a million blocks)
                    db.execute("PRAGMA cache_size=-65536")
                    db.execute("PRAGMA wal_autocheckpoint=20000")
                    db.executescript(_SCHEMA)
                except BaseException:
                    db.close()
                    raise
                self._conn = db
            return self._conn

    # -- reading --------------------------------------------------------------------------------------------------

    def _where(self, multihash: bytes) -> tuple[str, int, int] | None:
        with self._lock:
            row = self._db.execute("SELECT pack, off, len FROM blocks WHERE mh = ?", (multihash,)).fetchone()
        return (str(row[0]), int(row[1]), int(row[2])) if row else None

    def location(self, multihash: bytes) -> str:
        """Where the block lies, for messages: ``<pack path> at byte <offset>`` (or the index path when absent)."""
        where = self._where(multihash)
        if where is None:
            return str(self.root / "index.sqlite")
        return f"{self.root / where[0]} at byte {where[1]}"

    def has(self, multihash: bytes) -> bool:
        """Whether the index knows the block."""
        return self._where(multihash) is not None

    def present(self, multihashes: Sequence[bytes]) -> set[bytes]:
        """Those of ``multihashes`` the index knows (one query per 500)."""
        found: set[bytes] = set()
        with self._lock:
            for k in range(0, len(multihashes), _QUERY_CHUNK):
                chunk = multihashes[k : k + _QUERY_CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(
                    bytes(r[0]) for r in self._db.execute(f"SELECT mh FROM blocks WHERE mh IN ({marks})", chunk)
                )
        return found

    def read(self, multihash: bytes, limit: int = -1) -> bytes | None:
        """The block's bytes (the first ``limit`` when ``limit >= 0``), or None when the index does not know it."""
        where = self._where(multihash)
        if where is None:
            return None
        name, off, length = where
        if limit >= 0:
            length = min(length, limit)
        try:
            fd = os.open(self.root / name, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            return os.pread(fd, length, off)
        finally:
            os.close(fd)

    def iter_multihashes(self) -> Iterator[bytes]:
        """Every indexed block's multihash."""
        with self._lock:
            rows = self._db.execute("SELECT mh FROM blocks ORDER BY mh").fetchall()
        for (mh,) in rows:
            yield bytes(mh)

    # -- writing --------------------------------------------------------------------------------------------------

    def write(self, blocks: Sequence[tuple[bytes, bytes]]) -> str | None:
        """Write ``(multihash, data)`` blocks as one pack (one write, one fsync) and index them; the pack's name.

        The caller leaves out blocks already stored. Nothing is written for an empty batch."""
        if not blocks:
            return None
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}{_SUFFIX}"
        parts: list[bytes] = [_MAGIC]
        rows = []
        off = len(_MAGIC)
        for mh, data in blocks:
            parts.append(_FRAME.pack(len(data), len(mh)))
            parts.append(mh)
            parts.append(data)
            off += _FRAME.size + len(mh)
            rows.append((mh, name, off, len(data)))
            off += len(data)
        payload = b"".join(parts)
        path = self.root / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            if self.durable:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        if self.durable:
            dfd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        self._index(name, len(payload), rows)
        return name

    def _index(self, name: str, size: int, rows: Iterable[tuple[bytes, str, int, int]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # a block indexed elsewhere meanwhile keeps its place; a damaged one is replaced (REPLACE below)
                self._db.executemany("INSERT OR REPLACE INTO blocks (mh, pack, off, len) VALUES (?, ?, ?, ?)", rows)
                self._db.execute("INSERT OR REPLACE INTO packs (name, size) VALUES (?, ?)", (name, size))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def index_unindexed(self) -> int:
        """Index the intact frames of every pack the index does not know in full; how many blocks that added."""
        with self._lock:
            known = dict(self._db.execute("SELECT name, size FROM packs").fetchall())
        added = 0
        for entry in sorted(os.listdir(self.root)):
            if not entry.endswith(_SUFFIX):
                continue
            path = self.root / entry
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            if known.get(entry) == size:
                continue
            rows, valid = self._scan(path)
            with self._lock:
                have = self.present([mh for mh, *_rest in rows])
            fresh = [r for r in rows if r[0] not in have]
            self._index(entry, valid, fresh)
            added += len(fresh)
        return added

    def _scan(self, path: Path) -> tuple[list[tuple[bytes, str, int, int]], int]:
        blob = path.read_bytes()
        if blob[: len(_MAGIC)] != _MAGIC:
            return [], 0
        rows = []
        pos = len(_MAGIC)
        while pos + _FRAME.size <= len(blob):
            length, mh_len = _FRAME.unpack_from(blob, pos)
            start = pos + _FRAME.size + mh_len
            end = start + length
            if end > len(blob):
                break
            mh = bytes(blob[pos + _FRAME.size : start])
            if not _intact(mh, memoryview(blob)[start:end]):
                break
            rows.append((mh, path.name, start, length))
            pos = end
        return rows, pos

    def forget(self, multihash: bytes) -> None:
        """Drop a block from the index (its bytes stay in the pack until the pack's last block goes)."""
        with self._lock:
            self._db.execute("DELETE FROM blocks WHERE mh = ?", (multihash,))

    # -- gc -------------------------------------------------------------------------------------------------------

    def delete_except(self, keep: set[bytes]) -> list[bytes]:
        """Forget every block not in ``keep`` and delete packs left with no block; the multihashes forgotten.

        Space of a pack that still holds a kept block is reclaimed once all its blocks go."""
        with self._lock:
            rows = self._db.execute("SELECT mh FROM blocks").fetchall()
            gone = [bytes(mh) for (mh,) in rows if bytes(mh) not in keep]
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM blocks WHERE mh = ?", [(mh,) for mh in gone])
                empty = [
                    str(n)
                    for (n,) in self._db.execute(
                        "SELECT name FROM packs WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE blocks.pack = packs.name)"
                    ).fetchall()
                ]
                self._db.executemany("DELETE FROM packs WHERE name = ?", [(n,) for n in empty])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        for name in empty:
            (self.root / name).unlink(missing_ok=True)
        return gone

    def close(self) -> None:
        """Close the index (it is opened again when the store is used again)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
