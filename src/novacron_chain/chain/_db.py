"""On-disk key-value store for the embedded chain: LevelDB (plyvel) under py-evm's AtomicDB interface.

py-evm ships only an in-memory backend. This one writes every atomic batch as one LevelDB write batch, so a process
killed at any point leaves the chain at the last committed block, never half a block. A lock file with the holder's
PID keeps a second process out with a clear error instead of LevelDB's own ``IO error: lock`` message.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import plyvel
from eth.db.atomic import AtomicDB, AtomicDBWriteBatch
from eth.db.backends.base import BaseDB

from ..errors import ChainError, DataDirLockedError


class _LevelKV(BaseDB):
    def __init__(self, db: Any) -> None:
        self._db = db

    def __getitem__(self, key: bytes) -> bytes:
        value = self._db.get(key)
        if value is None:
            raise KeyError(key)
        return bytes(value)

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._db.put(key, value)

    def __delitem__(self, key: bytes) -> None:
        if self._db.get(key) is None:
            raise KeyError(key)
        self._db.delete(key)

    def _exists(self, key: bytes) -> bool:
        return self._db.get(key) is not None


class _BatchTarget(BaseDB):
    """Reads from the database, writes into one LevelDB write batch."""

    def __init__(self, reader: _LevelKV, batch: Any) -> None:
        self._reader = reader
        self._batch = batch

    def __getitem__(self, key: bytes) -> bytes:
        return self._reader[key]

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._batch.put(key, value)

    def __delitem__(self, key: bytes) -> None:
        self._batch.delete(key)

    def _exists(self, key: bytes) -> bool:
        return key in self._reader


class LevelAtomicDB(AtomicDB):
    """py-evm ``AtomicDB`` over LevelDB, holding an exclusive process lock on its directory."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._lock_file = _acquire_lock(path)
        try:
            self._ldb = plyvel.DB(str(path / "leveldb"), create_if_missing=True)
        except plyvel.Error as exc:
            self._release()
            raise ChainError(
                f"cannot open the embedded chain database in {path}: {exc}",
                hint="if the directory is corrupt, move it aside and run the command again to start a new chain",
            ) from exc
        self._kv = _LevelKV(self._ldb)
        super().__init__(self._kv)

    @contextmanager
    def atomic_batch(self) -> Iterator[Any]:
        with (
            self._ldb.write_batch(transaction=True) as batch,
            AtomicDBWriteBatch._commit_unless_raises(_BatchTarget(self._kv, batch)) as readable,
        ):
            yield readable

    def close(self) -> None:
        """Close LevelDB and release the lock. Safe to call twice."""
        if not self._ldb.closed:
            self._ldb.close()
        self._release()

    def _release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


def _acquire_lock(path: Path) -> Any:
    lock_path = path / "LOCK.novacron"
    f = open(lock_path, "a+")  # noqa: SIM115 - held open for the life of the database
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        f.seek(0)
        holder = f.read().strip() or None
        f.close()
        raise DataDirLockedError(str(path), f"pid {holder}" if holder else None) from exc
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f
