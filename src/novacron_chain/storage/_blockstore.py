"""A flat-file blockstore: one file per block, keyed by multihash, laid out like Kubo's flatfs.

``<root>/<SHARD>/<KEY>.data`` where ``KEY`` is the base32 (RFC 4648, upper case, unpadded) multihash and
``SHARD`` its next-to-last two characters (Kubo's ``/repo/flatfs/shard/v1/next-to-last/2``), which spreads blocks
over at most 1024 directories. Keying by multihash, as Kubo does since 0.12, makes a block stored under CIDv0
and CIDv1 (or as raw and dag-pb) one file.

A block is written to a temporary file in its shard directory, flushed (and fsynced when ``durable``), then
renamed over the final name with ``os.replace``: a reader sees the whole block or none, and a crash leaves at
worst a temporary file that :meth:`FlatBlockstore.remove_temporaries` (run by gc) deletes.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["FlatBlockstore", "key_of", "multihash_of_key"]

_SUFFIX = ".data"
_TMP_MARK = ".tmp-"


def key_of(multihash: bytes) -> str:
    """The flatfs key of a multihash: base32, upper case, no padding."""
    return base64.b32encode(multihash).decode("ascii").rstrip("=")


def multihash_of_key(key: str) -> bytes:
    """Invert :func:`key_of`. Raises ``ValueError`` for a name that is not a key."""
    padded = key + "=" * (-len(key) % 8)
    return base64.b32decode(padded)


class FlatBlockstore:
    """Blocks as files under ``root``. Thread- and process-safe for whole-block reads and writes."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable
        self._dirty_dirs: set[Path] = set()
        self._dirty_lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def path_of(self, multihash: bytes) -> Path:
        """Where the block with this multihash lives (whether or not it exists)."""
        key = key_of(multihash)
        return self.root / key[-3:-1] / (key + _SUFFIX)

    def has(self, multihash: bytes) -> bool:
        """Whether the block file exists."""
        return self.path_of(multihash).is_file()

    def read(self, multihash: bytes, limit: int = -1) -> bytes | None:
        """The block's bytes (the first ``limit`` bytes when ``limit >= 0``), or None when absent."""
        try:
            with open(self.path_of(multihash), "rb") as fh:
                return fh.read(limit)
        except FileNotFoundError:
            return None

    def write(self, multihash: bytes, parts: Sequence[bytes | memoryview]) -> None:
        """Write a block atomically (temp file + ``os.replace``); the block's bytes are ``parts`` joined."""
        final = self.path_of(multihash)
        shard = final.parent
        if not shard.is_dir():
            shard.mkdir(parents=True, exist_ok=True)
            with self._dirty_lock:
                self._dirty_dirs.add(self.root)
        tmp = shard / f"{_TMP_MARK}{final.name}.{secrets.token_hex(6)}"
        try:
            with open(tmp, "wb") as fh:
                for part in parts:
                    fh.write(part)
                fh.flush()
                if self.durable:
                    os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        with self._dirty_lock:
            self._dirty_dirs.add(shard)

    def sync(self) -> None:
        """Make the renames of the blocks written so far durable (fsync their directories)."""
        with self._dirty_lock:
            dirs, self._dirty_dirs = self._dirty_dirs, set()
        if not self.durable:
            return
        for directory in dirs:
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def delete(self, multihash: bytes) -> bool:
        """Delete a block; return whether it existed."""
        try:
            self.path_of(multihash).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_multihashes(self) -> Iterator[bytes]:
        """Every stored block's multihash (files that are not block files are skipped)."""
        for shard in sorted(self.root.iterdir()):
            if not shard.is_dir():
                continue
            for entry in sorted(os.listdir(shard)):
                if not entry.endswith(_SUFFIX) or entry.startswith(_TMP_MARK):
                    continue
                try:
                    yield multihash_of_key(entry[: -len(_SUFFIX)])
                except ValueError:
                    continue

    def remove_temporaries(self) -> int:
        """Delete temporary files left by interrupted writes; only safe while no write is running."""
        removed = 0
        for shard in self.root.iterdir():
            if shard.is_dir():
                for tmp in shard.glob(_TMP_MARK + "*"):
                    tmp.unlink(missing_ok=True)
                    removed += 1
        return removed
