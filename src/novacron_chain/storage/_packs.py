"""Pack files: many blocks written at once, one file write and one fsync per batch, found through an index.

:meth:`EmbeddedStore.put_blocks` writes a batch of blocks as one pack file ``<root>/<time>-<random>.pack`` (one
``write``, one ``fsync`` of the file and one of the directory) instead of one file and two fsyncs per block::

    NCPK 01 00 00 00                                  8-byte header (format version 1)
    u32 length | u8 multihash length | multihash | data      one frame per block (little endian)

``<root>/index.sqlite`` maps each multihash to ``(pack, offset, length)`` of its data and lists the packs indexed
(WAL mode, ``synchronous=NORMAL``: the packs are the truth, the index is rebuilt from them). A pack is indexed after
it is fsynced, and not at once: the blocks of the last packs written (up to ``index_every`` blocks, twenty
batches) are kept in memory, readable at once, and written to the index together, sorted by multihash. Every block
lands at a random place of the index, so the pages one commit changes grow with the index until each block changes
a page of its own; one commit for twenty batches changes each page once for several blocks (a third of a page per
block at two million blocks, not one), so the cost per block grows far less with the store. Rows are short too: a
pack is an integer id, not its name repeated in every row.

On open, a pack the index does not know in full (a process killed before its blocks were indexed, or a power cut
between the pack and the index) is scanned and its intact frames are indexed: every frame is rehashed, and a
cut-off tail is ignored. So a block is either readable under its multihash or absent, never wrong, and putting the
batch again fills the gaps. Another process sharing the store finds the packs written since it looked when it
misses a block: it scans the packs it does not know (see :meth:`PackStore._refresh`).

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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = ["PackStore"]

_MAGIC = b"NCPK\x01\x00\x00\x00"
_FRAME = struct.Struct("<IB")
_SUFFIX = ".pack"
_SHA256 = b"\x12\x20"
_QUERY_CHUNK = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS packs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    mh BLOB PRIMARY KEY, pack INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL
) WITHOUT ROWID;
"""
# the first format: the pack's name in every row, and an index of blocks by pack name (three times the size)
_MIGRATE_V1 = """
CREATE TABLE packs_v2 (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, size INTEGER NOT NULL);
INSERT INTO packs_v2 (name, size) SELECT name, size FROM packs ORDER BY name;
INSERT OR IGNORE INTO packs_v2 (name, size) SELECT DISTINCT pack, -1 FROM blocks;
CREATE TABLE blocks_v2 (
    mh BLOB PRIMARY KEY, pack INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO blocks_v2 (mh, pack, off, len)
    SELECT b.mh, p.id, b.off, b.len FROM blocks b JOIN packs_v2 p ON p.name = b.pack;
DROP INDEX IF EXISTS blocks_pack;
DROP TABLE blocks;
DROP TABLE packs;
ALTER TABLE packs_v2 RENAME TO packs;
ALTER TABLE blocks_v2 RENAME TO blocks;
"""
INDEX_EVERY = 100_000
"""Blocks kept in memory before they are written to the index together (about 20 MB of memory; a store opened
after a kill rescans at most this many blocks, about 20 MB of packs)."""
_FIELD = (1 << 24) - 1  # a block's length and its pack's place, in the codes of PackStore._recent
_FRESH_NS = 50_000_000  # a directory changed this recently may change again within the same mtime tick


def _intact(multihash: bytes, data: bytes | memoryview) -> bool:
    return multihash[:2] == _SHA256 and hashlib.sha256(data).digest() == multihash[2:]


class PackStore:
    """Blocks in pack files under ``root`` with a SQLite index. Thread-safe; several processes may share it.

    ``index_every``: blocks of packs written here that are kept in memory (readable at once) before they go to the
    index together; :meth:`close` writes them."""

    def __init__(self, root: Path, *, durable: bool = True, index_every: int = INDEX_EVERY) -> None:
        self.root = root
        self.durable = durable
        self.index_every = index_every
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        # packs written here and not indexed yet: their blocks (multihash -> pack, offset, length) and sizes
        # (one int per block, not a tuple: offset << 48 | length << 24 | the pack's place in _recent_names;
        # about 100 bytes a block, key included)
        self._recent: dict[bytes, int] = {}
        self._recent_packs: dict[str, int] = {}
        self._recent_names: list[str] = []
        self._known: set[str] = set()  # packs indexed (or in _recent): a pack not in it was written by another process
        self._listed_mtime: int | None = None  # the directory's mtime when it was last listed
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
                    # checkpoint every 20,000 pages (not 1,000), the pages a commit changes are mostly cached and a
                    # page changed by several commits is copied back to the database once
                    db.execute("PRAGMA cache_size=-65536")
                    db.execute("PRAGMA wal_autocheckpoint=20000")
                    self._migrate(db)
                    db.executescript(_SCHEMA)
                except BaseException:
                    db.close()
                    raise
                self._conn = db
            return self._conn

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Rewrite an index of the first format (pack names in every row) in the current one, once."""

        def first_format() -> bool:
            row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'packs'").fetchone()
            return row is not None and "name TEXT PRIMARY KEY" in str(row[0])

        if not first_format():
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            if first_format():  # another process may have done it meanwhile
                for statement in _MIGRATE_V1.split(";"):
                    if statement.strip():
                        db.execute(statement)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- reading --------------------------------------------------------------------------------------------------

    def _where(self, multihash: bytes) -> tuple[str, int, int] | None:
        with self._lock:
            found = self._recent_hit(multihash) or self._indexed(multihash)
            if found is None and self._refresh():
                found = self._recent_hit(multihash) or self._indexed(multihash)
        return found

    def _recent_hit(self, multihash: bytes) -> tuple[str, int, int] | None:
        """Where a block of a pack written here and not indexed yet lies; None when it is not one, or when another
        process (or store) indexed that part of the pack meanwhile: the index holds the truth then (a block it
        forgot, say)."""
        code = self._recent.get(multihash)
        if code is None:
            return None
        hit = self._decode(code)
        claimed = self._claimed(hit[0])
        return hit if claimed is None or hit[1] + hit[2] > claimed else None

    def _decode(self, code: int) -> tuple[str, int, int]:
        """(pack name, offset, length) of a block of _recent."""
        return self._recent_names[code & _FIELD], code >> 48, (code >> 24) & _FIELD

    def _claimed(self, name: str) -> int | None:
        """The size of pack ``name`` the index knows (None when it does not know the pack)."""
        row = self._db.execute("SELECT size FROM packs WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def _indexed(self, multihash: bytes) -> tuple[str, int, int] | None:
        row = self._db.execute(
            "SELECT p.name, b.off, b.len FROM blocks b JOIN packs p ON p.id = b.pack WHERE b.mh = ?", (multihash,)
        ).fetchone()
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
        with self._lock:
            found = self._present(multihashes)
            if len(found) < len(set(multihashes)) and self._refresh():
                found = self._present(multihashes)
        return found

    def _present(self, multihashes: Sequence[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        if self._recent:
            claimed = {name: self._claimed(name) for name in self._recent_packs}
            for mh in multihashes:
                code = self._recent.get(mh)
                if code is None:
                    continue
                name, off, length = self._decode(code)
                if (size := claimed[name]) is None or off + length > size:
                    found.add(mh)
        rest = [mh for mh in multihashes if mh not in found]
        for k in range(0, len(rest), _QUERY_CHUNK):
            chunk = rest[k : k + _QUERY_CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(bytes(r[0]) for r in self._db.execute(f"SELECT mh FROM blocks WHERE mh IN ({marks})", chunk))
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
            self.flush()
            rows = self._db.execute("SELECT mh FROM blocks ORDER BY mh").fetchall()
        for (mh,) in rows:
            yield bytes(mh)

    # -- writing --------------------------------------------------------------------------------------------------

    def write(self, blocks: Sequence[tuple[bytes, bytes]]) -> str | None:
        """Write ``(multihash, data)`` blocks as one pack (one write, one fsync); the pack's name. The blocks are
        readable once it returns; they are written to the index with those of the next packs (``index_every``).

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
            rows.append((mh, off, len(data)))
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
        with self._lock:
            self._known.add(name)
            slot = len(self._recent_names)
            if slot > _FIELD or any(length > _FIELD for _mh, _at, length in rows):  # beyond the codes: index now
                self._index(name, len(payload), rows)
                for mh, _at, _length in rows:
                    self._recent.pop(mh, None)
                return name
            self._recent_names.append(name)
            self._recent_packs[name] = len(payload)
            recent = self._recent
            for mh, at, length in rows:  # a later copy replaces an earlier one (a damaged block written again)
                recent[mh] = (at << 48) | (length << 24) | slot
            if len(recent) >= self.index_every:
                self.flush()
        return name

    def flush(self) -> None:
        """Write the blocks of the packs written here and not indexed yet to the index (one commit, sorted)."""
        with self._lock:
            if not self._recent_packs:
                return
            recent = self._recent

            def rows(ids: list[int], claimed: list[int]) -> list[tuple[bytes, int, int, int]]:
                # a pack another process (or store) indexed meanwhile keeps that index's rows (it may have
                # forgotten blocks since): only the blocks past what it indexed are added
                out = []
                for mh, code in recent.items():
                    slot, off, length = code & _FIELD, code >> 48, (code >> 24) & _FIELD
                    if off + length > claimed[slot]:
                        out.append((mh, ids[slot], off, length))
                return out

            self._index_many([(name, self._recent_packs[name]) for name in self._recent_names], rows)
            self._recent = {}
            self._recent_packs = {}
            self._recent_names = []

    def _index(self, name: str, size: int, blocks: Sequence[tuple[bytes, int, int]]) -> None:
        self._index_many([(name, size)], lambda ids, _claimed: [(mh, ids[0], off, n) for mh, off, n in blocks])

    def _index_many(
        self,
        packs: Sequence[tuple[str, int]],
        rows_of: Callable[[list[int], list[int]], list[tuple[bytes, int, int, int]]],
    ) -> None:
        """Index packs ``(name, size)`` and their blocks in one commit: ``rows_of(ids, claimed)`` gives the rows
        ``(multihash, pack id, offset, length)`` from the packs' ids and the sizes the index knew of them (0)."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                claimed = [self._claimed(name) or 0 for name, _size in packs]
                ids = []
                for name, size in packs:
                    db.execute(
                        "INSERT INTO packs (name, size) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET size = "
                        "excluded.size",
                        (name, size),
                    )
                    ids.append(int(db.execute("SELECT id FROM packs WHERE name = ?", (name,)).fetchone()[0]))
                rows = rows_of(ids, claimed)
                rows.sort()  # in key order: the B-tree is walked once, left to right
                # a block indexed elsewhere meanwhile keeps its place; a damaged one is replaced (REPLACE below)
                db.executemany("INSERT OR REPLACE INTO blocks (mh, pack, off, len) VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self._known.update(name for name, _size in packs)

    def index_unindexed(self) -> int:
        """Index the intact frames of every pack the index does not know in full; how many blocks that added."""
        with self._lock:
            known = dict(self._db.execute("SELECT name, size FROM packs").fetchall())
            self._known.update(known)
            entries = sorted(os.listdir(self.root))
        added = 0
        for entry in entries:
            if not entry.endswith(_SUFFIX) or entry in self._recent_packs:
                continue
            path = self.root / entry
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            if known.get(entry) == size:
                continue
            added += self._scan_and_index(path)
        return added

    def _scan_and_index(self, path: Path) -> int:
        rows, valid = self._scan(path)
        with self._lock:
            have = self._present([mh for mh, *_rest in rows])
            fresh = [r for r in rows if r[0] not in have]
            self._index(path.name, valid, fresh)
        return len(fresh)

    def _refresh(self) -> bool:
        """After a miss: index the packs another process wrote since the directory was last listed (those it
        indexed already are only noted); whether there were any. Costs one ``stat`` when the directory did not
        change."""
        try:
            mtime = os.stat(self.root).st_mtime_ns
        except FileNotFoundError:
            return False
        if mtime == self._listed_mtime:
            return False
        new = sorted(e for e in os.listdir(self.root) if e.endswith(_SUFFIX) and e not in self._known)
        # a pack made within the same tick of the directory's clock would not change its mtime: list it again
        self._listed_mtime = mtime if time.time_ns() - mtime > _FRESH_NS else None
        if not new:
            return False
        indexed: dict[str, int] = {}
        for k in range(0, len(new), _QUERY_CHUNK):
            chunk = new[k : k + _QUERY_CHUNK]
            marks = ",".join("?" * len(chunk))
            indexed.update(self._db.execute(f"SELECT name, size FROM packs WHERE name IN ({marks})", chunk))
        for name in new:
            path = self.root / name
            try:
                if indexed.get(name) != path.stat().st_size:
                    self._scan_and_index(path)
            except FileNotFoundError:
                continue
            self._known.add(name)
        return True

    def _scan(self, path: Path) -> tuple[list[tuple[bytes, int, int]], int]:
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
            rows.append((mh, start, length))
            pos = end
        return rows, pos

    def forget(self, multihash: bytes) -> None:
        """Drop a block from the index (its bytes stay in the pack until the pack's last block goes)."""
        with self._lock:
            self._recent.pop(multihash, None)
            self._db.execute("DELETE FROM blocks WHERE mh = ?", (multihash,))

    # -- gc -------------------------------------------------------------------------------------------------------

    def delete_except(self, keep: set[bytes]) -> list[bytes]:
        """Forget every block not in ``keep`` and delete packs left with no block; the multihashes forgotten.

        Space of a pack that still holds a kept block is reclaimed once all its blocks go."""
        with self._lock:
            self.flush()
            rows = self._db.execute("SELECT mh FROM blocks").fetchall()
            gone = [bytes(mh) for (mh,) in rows if bytes(mh) not in keep]
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("DELETE FROM blocks WHERE mh = ?", [(mh,) for mh in gone])
                used = {int(p) for (p,) in self._db.execute("SELECT DISTINCT pack FROM blocks")}
                empty = [
                    (int(i), str(n)) for i, n in self._db.execute("SELECT id, name FROM packs") if int(i) not in used
                ]
                self._db.executemany("DELETE FROM packs WHERE id = ?", [(i,) for i, _n in empty])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            for _i, name in empty:
                (self.root / name).unlink(missing_ok=True)
                self._known.discard(name)
        return gone

    def close(self) -> None:
        """Index what is not yet, and close the index (it is opened again when the store is used again)."""
        with self._lock:
            if self._conn is not None or self._recent_packs:
                self.flush()
            if self._conn is not None:
                self._conn.close()
                self._conn = None
