"""The local index: batches (intended, then anchored) and the records in them, in SQLite.

Written only when a batch is formed and when its anchoring is confirmed (two commits per batch, WAL mode,
``synchronous=FULL``), never on the hot path. Records that are not in a batch yet live in the journal only.

A batch row is written as ``intended`` with its root and manifest CID *before* the anchoring transaction is sent;
after a crash, an intended batch is looked up on chain by its root (the contract refuses a root twice) and either
confirmed or sent again, so nothing is anchored twice and nothing is dropped.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._errors import StateDataError, StateError

__all__ = ["BatchRow", "IndexRecord", "StateIndex"]

_SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    root BLOB NOT NULL,
    leaf_count INTEGER NOT NULL,
    manifest_cid TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('intended', 'anchored')),
    from_block INTEGER NOT NULL,
    chain_batch_id INTEGER,
    tx_hash TEXT,
    block INTEGER,
    anchored_at INTEGER,
    gas_used INTEGER
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    vm_id TEXT NOT NULL,
    cid TEXT NOT NULL,
    leaf BLOB NOT NULL,
    batch INTEGER NOT NULL REFERENCES batches (id),
    idx INTEGER NOT NULL,
    proof BLOB NOT NULL,
    record BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS records_vm ON records ((seq >> 16), vm_id);
CREATE INDEX IF NOT EXISTS records_cid ON records ((seq >> 16), substr(cid, 8, 6));
CREATE INDEX IF NOT EXISTS batches_intended ON batches (first_seq) WHERE status = 'intended';
CREATE INDEX IF NOT EXISTS batches_last_seq ON batches (last_seq);
"""
# Lookups by CID go through 6 characters of it (30 bits of the digest: record CIDs all start with ``bafkrei``), then
# compare the whole CID: the index is a quarter of the size of one on the whole CID.
#
# Both lookups are partitioned by seq (65,536 records a part, ``seq >> 16`` first in the key): a VM id or a CID lands
# at a random place of its index, so with one index over every record the pages a batch changes grow with the index
# until each record changes a page of its own (the cost per record grew by half over a million records); within the
# current part they stay a few hundred, whatever the size of the index. A lookup probes each part (one B-tree search
# per 65,536 records). Indexes made before without parts are replaced when the index is opened.
_CID_KEY_SQL = "substr(cid, 8, 6)"
_PART_SQL = "(seq >> 16)"
_PART_BITS = 16
_INDEX_SQL = {
    "records_vm": f"CREATE INDEX records_vm ON records ({_PART_SQL}, vm_id)",
    "records_cid": f"CREATE INDEX records_cid ON records ({_PART_SQL}, {_CID_KEY_SQL})",
}


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One batch as the index knows it."""

    id: int
    first_seq: int
    last_seq: int
    root: bytes
    leaf_count: int
    manifest_cid: str
    status: str
    from_block: int
    chain_batch_id: int | None
    tx_hash: str | None
    block: int | None
    anchored_at: int | None
    gas_used: int | None


@dataclass(frozen=True, slots=True)
class IndexRecord:
    """One record in a batch, with its proof (the concatenated 32-byte sibling hashes)."""

    seq: int
    vm_id: str
    cid: str
    leaf: bytes
    batch: int
    idx: int
    proof: bytes
    record: bytes

    def proof_hashes(self) -> list[bytes]:
        """The proof as a list of 32-byte hashes."""
        return [self.proof[i : i + 32] for i in range(0, len(self.proof), 32)]


_BATCH_COLS = (
    "id, first_seq, last_seq, root, leaf_count, manifest_cid, status, from_block, chain_batch_id, tx_hash, block, "
    "anchored_at, gas_used"
)
_RECORD_COLS = "seq, vm_id, cid, leaf, batch, idx, proof, record"


class StateIndex:
    """SQLite index at ``path`` for the anchor ``anchor`` on chain ``chain_id``. Thread-safe."""

    def __init__(self, path: Path, *, chain_id: int, anchor: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # 32 MiB of cache and a checkpoint every 10,000 pages: the index pages a batch changes (by VM id, by
            # CID: random places) stay cached, and a page changed by several batches is copied back once
            self._db.execute("PRAGMA cache_size=-32768")
            self._db.execute("PRAGMA wal_autocheckpoint=10000")
            self._db.executescript(_SCHEMA)
            self._upgrade_indexes()
            self._check_meta(chain_id, anchor)
        except sqlite3.Error as exc:
            raise StateDataError(
                f"cannot open the VM state index {path}: {exc}",
                path=str(path),
                hint="if the file is damaged, move the state dir aside; records already anchored stay provable "
                "from the chain and IPFS",
            ) from exc

    def _upgrade_indexes(self) -> None:
        """Replace lookup indexes of an earlier form (on the whole CID, or without parts) by the current ones."""
        for name, create in _INDEX_SQL.items():
            row = self._db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
            ).fetchone()
            if row is not None and str(row[0]).replace(" ", "") != create.replace(" ", ""):
                with self._tx():
                    self._db.execute(f"DROP INDEX {name}")
                    self._db.execute(create)

    def _check_meta(self, chain_id: int, anchor: str) -> None:
        want = {"schema": _SCHEMA_VERSION, "chain_id": str(chain_id), "anchor": anchor.lower()}
        have = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not have:
            with self._tx():
                self._db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(want.items()))
            return
        for key, value in want.items():
            if have.get(key) != value:
                raise StateDataError(
                    f"the VM state index {self.path} was made for {key} {have.get(key)}, not {value}",
                    path=str(self.path),
                    hint="each anchor contract on each chain needs its own state dir; pass another data_dir",
                )

    @contextmanager
    def _locked(self, doing: str = "reading") -> Iterator[None]:
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise StateError(
                    f"{doing} the VM state index {self.path} failed: {exc}",
                    hint="check free disk space and permissions",
                ) from exc

    @contextmanager
    def _tx(self) -> Iterator[None]:
        with self._locked("writing"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writes ---------------------------------------------------------------------------------------------------

    def add_intended(
        self,
        *,
        first_seq: int,
        last_seq: int,
        root: bytes,
        manifest_cid: str,
        from_block: int,
        records: Sequence[tuple[int, str, str, bytes, int, bytes, bytes]],
    ) -> int:
        """Write a batch as intended with its records ``(seq, vm_id, cid, leaf, idx, proof, record)``; its id."""
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO batches (first_seq, last_seq, root, leaf_count, manifest_cid, status, from_block) "
                "VALUES (?, ?, ?, ?, ?, 'intended', ?)",
                (first_seq, last_seq, root, len(records), manifest_cid, from_block),
            )
            batch = int(cur.lastrowid or 0)
            # the batch id is written into the statement (an integer), so the rows go in as given
            self._db.executemany(
                f"INSERT INTO records ({_RECORD_COLS}) VALUES (?1, ?2, ?3, ?4, {batch:d}, ?5, ?6, ?7)", records
            )
        return batch

    def mark_anchored(
        self,
        batch: int,
        *,
        chain_batch_id: int,
        tx_hash: str | None,
        block: int | None,
        anchored_at: int | None,
        gas_used: int | None,
    ) -> None:
        """Record that ``batch`` is on chain."""
        with self._tx():
            self._db.execute(
                "UPDATE batches SET status = 'anchored', chain_batch_id = ?, tx_hash = ?, block = ?, anchored_at = ?, "
                "gas_used = ? WHERE id = ?",
                (chain_batch_id, tx_hash, block, anchored_at, gas_used, batch),
            )

    def mark_unanchored(self, batch: int) -> None:
        """Put anchored ``batch`` back to intended: a reorg removed its anchoring from the chain. Its records,
        proofs and root stay; the next reconcile anchors it again (or confirms it, if the chain re-included it)."""
        with self._tx():
            self._db.execute(
                "UPDATE batches SET status = 'intended', chain_batch_id = NULL, tx_hash = NULL, block = NULL, "
                "anchored_at = NULL, gas_used = NULL WHERE id = ? AND status = 'anchored'",
                (batch,),
            )

    # -- reads ----------------------------------------------------------------------------------------------------

    def anchored_since(self, block: int) -> list[BatchRow]:
        """Anchored batches whose anchoring block is ``block`` or later (or unknown), oldest first."""
        with self._locked():
            rows = self._db.execute(
                f"SELECT {_BATCH_COLS} FROM batches WHERE status = 'anchored' AND (block IS NULL OR block >= ?) "
                "ORDER BY id",
                (block,),
            ).fetchall()
        return [BatchRow(*r) for r in rows]

    def last_batched_seq(self) -> int:
        """The highest seq in any batch (0 when none)."""
        with self._locked():
            row = self._db.execute("SELECT MAX(last_seq) FROM batches").fetchone()
        return int(row[0] or 0)

    def anchored_upto(self) -> int:
        """Every record with seq at most this is anchored."""
        with self._locked():
            row = self._db.execute("SELECT MIN(first_seq) FROM batches WHERE status = 'intended'").fetchone()
            if row[0] is not None:
                return int(row[0]) - 1
            row = self._db.execute("SELECT MAX(last_seq) FROM batches").fetchone()
        return int(row[0] or 0)

    def batch(self, batch: int) -> BatchRow | None:
        """Batch ``batch`` (local id)."""
        with self._locked():
            row = self._db.execute(f"SELECT {_BATCH_COLS} FROM batches WHERE id = ?", (batch,)).fetchone()
        return BatchRow(*row) if row else None

    def batches(self, *, status: str | None = None) -> list[BatchRow]:
        """Every batch (or those with ``status``), oldest first."""
        query = f"SELECT {_BATCH_COLS} FROM batches"
        args: tuple[str, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        with self._locked():
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [BatchRow(*r) for r in rows]

    def _parts(self) -> str:
        """The parts of the lookup indexes holding records, as an SQL list (``0, 1, ...``)."""
        (top,) = self._db.execute("SELECT MAX(seq) FROM records").fetchone()
        return ", ".join(map(str, range((int(top or 0) >> _PART_BITS) + 1)))

    def records_of(self, vm_id: str) -> list[IndexRecord]:
        """Every batched record of ``vm_id``, by seq."""
        with self._locked():
            rows = self._db.execute(
                f"SELECT {_RECORD_COLS} FROM records WHERE {_PART_SQL} IN ({self._parts()}) AND vm_id = ?", (vm_id,)
            ).fetchall()
        return sorted((IndexRecord(*r) for r in rows), key=lambda r: r.seq)

    def records_by_cid(self, cid: str) -> list[IndexRecord]:
        """Every batched record stored under ``cid`` (identical records share one), by seq."""
        with self._locked():
            # "+cid": without it SQLite puts the CID given into substr() (constant propagation) and no longer sees
            # the index's expression; sorted here, as with ORDER BY it would rather scan the table in seq order
            rows = self._db.execute(
                f"SELECT {_RECORD_COLS} FROM records WHERE {_PART_SQL} IN ({self._parts()}) AND {_CID_KEY_SQL} = ? "
                "AND +cid = ?",
                (cid[7:13], cid),
            ).fetchall()
        return sorted((IndexRecord(*r) for r in rows), key=lambda r: r.seq)

    def record(self, seq: int) -> IndexRecord | None:
        """The batched record ``seq``."""
        with self._locked():
            row = self._db.execute(f"SELECT {_RECORD_COLS} FROM records WHERE seq = ?", (seq,)).fetchone()
        return IndexRecord(*row) if row else None

    def records_in(self, batch: int) -> list[IndexRecord]:
        """The records of ``batch`` in tree order."""
        with self._locked():
            span = self._db.execute("SELECT first_seq, last_seq FROM batches WHERE id = ?", (batch,)).fetchone()
            if span is None:
                return []
            # a batch's records are its seq range: read that range, not the whole table
            rows = self._db.execute(
                f"SELECT {_RECORD_COLS} FROM records WHERE seq BETWEEN ? AND ? AND batch = ? ORDER BY idx",
                (span[0], span[1], batch),
            ).fetchall()
        return [IndexRecord(*r) for r in rows]

    def counts(self) -> tuple[int, int, int]:
        """(records anchored, records in intended batches, batches anchored)."""
        with self._locked():
            anchored, intended = self._db.execute(
                "SELECT COALESCE(SUM(CASE WHEN status = 'anchored' THEN leaf_count END), 0), "
                "COALESCE(SUM(CASE WHEN status = 'intended' THEN leaf_count END), 0) FROM batches"
            ).fetchone()
            (batches,) = self._db.execute("SELECT COUNT(*) FROM batches WHERE status = 'anchored'").fetchone()
        return int(anchored), int(intended), int(batches)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
