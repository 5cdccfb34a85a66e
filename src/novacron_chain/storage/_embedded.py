"""The embedded backend: an on-disk blockstore and pin set in one directory, used in-process."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from novacron_chain.errors import StorageError

from ._base import MAX_BLOCK_SIZE, AddResult, ContentStore, prepare_block
from ._blockstore import FlatBlockstore, key_of, multihash_of_key
from ._cid import DAG_PB, IDENTITY, RAW, Cid, hash_block, sha256_multihash
from ._dagpb import decode_node, has_links
from ._errors import (
    ContentNotFoundError,
    CorruptBlockError,
    NotPinnedError,
    StorageValueError,
)
from ._importer import DagBuilder, Source, import_source, resolve_raw_leaves
from ._packs import PackStore
from ._reader import check_readable_codec, child_cids
from ._varint import decode_varint

__all__ = ["EmbeddedStore"]

_log = logging.getLogger("novacron_chain.storage")

_MARKER = "novacron-store.json"
_FORMAT = "novacron-chain embedded content store"
_FORMAT_VERSION = 1
_RAW_SHA256_PREFIX = b"\x01\x55\x12\x20"


class EmbeddedStore(ContentStore):
    """A content store in a local directory, with Kubo-identical CIDs and no service to run.

    Layout of ``path``::

        novacron-store.json   format marker (a directory without it, and not empty, is refused)
        blocks/XY/<KEY>.data  one file per block, keyed by base32 multihash, as Kubo's flatfs
        packs/*.pack          blocks written in batches by put_blocks and put_dag (one file and one fsync per
                              batch), with
        packs/index.sqlite    their index by multihash (see _packs.py)
        pins/<KEY>            one file per recursive pin, named after the CIDv1, holding the CID as given
        repo.lock             flock: add / pin / unpin share it, gc takes it alone

    Blocks are written to a temporary file and renamed into place, so a crash never leaves half a block under a
    block's name; with ``durable=True`` (the default) files and directories are fsynced before ``add`` returns.
    Every block read is rehashed: a damaged block raises :class:`CorruptBlockError`, and adding the original
    content again rewrites it. Several threads and processes may use one directory at once.
    """

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.path = Path(path).expanduser()
        self.durable = durable
        try:
            self._open_dir()
            self._blocks = FlatBlockstore(self.path / "blocks", durable=durable)
            self._packs = PackStore(self.path / "packs", durable=durable)
            self._pins_dir = self.path / "pins"
            self._pins_dir.mkdir(exist_ok=True)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"cannot open the content store in {self.path}: {getattr(exc, 'strerror', None) or exc}",
                hint="choose a directory this user can create and write (storage path in the configuration)",
            ) from exc

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"

    def _open_dir(self) -> None:
        marker = self.path / _MARKER
        if self.path.exists() and not self.path.is_dir():
            raise StorageValueError(
                f"{self.path} is a file, not a content store directory",
                hint="pass a directory path (it is created when missing)",
            )
        if marker.is_file():
            try:
                info = json.loads(marker.read_text("utf-8"))
                version = int(info["version"])
            except (ValueError, KeyError, TypeError) as exc:
                raise StorageValueError(
                    f"{marker} is not a valid store marker",
                    hint=f"restore it, or move the directory aside; its blocks are under {self.path / 'blocks'}",
                ) from exc
            if version != _FORMAT_VERSION:
                raise StorageValueError(
                    f"{self.path} holds a content store of format version {version}; this version reads "
                    f"{_FORMAT_VERSION}",
                    hint="open it with the novacron-chain version that wrote it",
                )
            return
        if self.path.is_dir() and any(self.path.iterdir()):
            raise StorageValueError(
                f"{self.path} is not empty and is not a content store (no {_MARKER})",
                hint="choose an empty or new directory; nothing in this one was touched",
            )
        self.path.mkdir(parents=True, exist_ok=True)
        payload = {"format": _FORMAT, "version": _FORMAT_VERSION, "blocks": "flatfs next-to-last/2"}
        self._write_atomic(marker, json.dumps(payload, indent=2).encode() + b"\n")

    # -- locking and files --------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        # One open file description per call: flock then also orders threads of this process.
        fd = os.open(self.path / "repo.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _io(self, action: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise StorageError(
                f"{action} failed in {self.path}: {exc.strerror or exc}",
                hint="check free disk space and permissions; blocks already written are kept "
                "(unpinned, so gc can reclaim them)",
            ) from exc

    def _write_atomic(self, target: Path, data: bytes) -> None:
        tmp = target.with_name(f".tmp-{target.name}.{secrets.token_hex(6)}")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                if self.durable:
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if self.durable:
            fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _raw(self, multihash: bytes, limit: int = -1) -> bytes | None:
        """A block's bytes from its file or its pack (unchecked), or None when it is in neither."""
        data = self._blocks.read(multihash, limit)
        return self._packs.read(multihash, limit) if data is None else data

    def _has_raw(self, multihash: bytes) -> bool:
        return self._blocks.has(multihash) or self._packs.has(multihash)

    def _location(self, multihash: bytes) -> str:
        path = self._blocks.path_of(multihash)
        return str(path) if path.is_file() or not self._packs.has(multihash) else self._packs.location(multihash)

    def _store(self, cid: Cid, parts: Sequence[bytes | memoryview]) -> None:
        """Write a block unless an intact copy is there; a damaged copy is replaced."""
        existing = self._raw(cid.multihash)
        if existing is not None:
            if sha256_multihash(existing) == cid.multihash:
                return
            _log.warning("rewriting damaged block %s at %s", cid, self._location(cid.multihash))
        self._blocks.write(cid.multihash, parts)

    # -- pins -----------------------------------------------------------------------------------------------

    def _pin_path(self, cid: Cid) -> Path:
        return self._pins_dir / key_of(cid.to_v1().to_bytes())

    def _write_pin(self, cid: Cid) -> None:
        self._write_atomic(self._pin_path(cid), str(cid).encode("ascii"))

    def _pinned(self) -> list[tuple[Cid, str]]:
        out = []
        for entry in sorted(self._pins_dir.iterdir()):
            if entry.name.startswith("."):
                continue
            try:
                cid = Cid.from_bytes(multihash_of_key(entry.name))
                shown = entry.read_text("ascii").strip() or str(cid)
            except (ValueError, OSError):
                _log.warning("ignoring unreadable pin file %s", entry)
                continue
            out.append((cid, shown))
        return out

    def _mark(self, root: Cid, seen: set[bytes]) -> None:
        """Add every block reachable from ``root`` to ``seen``; raise when one is missing or damaged.

        Leaves are only checked for presence: a dag-pb block whose first byte is not a Links tag has no links
        (canonical dag-pb writes Links first), so only nodes with links are read whole (and rehashed).
        """
        stack = [root]
        leaves: list[bytes] = []  # multihashes of raw blocks: checked for presence together, below
        while stack:
            cid = stack.pop()
            if cid.multihash in seen:
                continue
            if cid.hash_code == IDENTITY:
                stack.extend(child_cids(cid, self._read_block(cid, local_only=True)))
            elif cid.codec == DAG_PB:
                prefix = self._raw(cid.multihash, 1)
                if prefix is None:
                    raise ContentNotFoundError(str(cid), root=str(root))
                if has_links(prefix):
                    block = self._read_block(cid, local_only=True)
                    try:  # raw sha2-256 links (a batch's records) straight to leaves, without a Cid each
                        for link in decode_node(block).links:
                            h = link.hash
                            if len(h) == 36 and h[:4] == _RAW_SHA256_PREFIX:
                                if h[2:] not in seen:
                                    seen.add(h[2:])
                                    leaves.append(h[2:])
                            else:
                                stack.append(Cid.from_bytes(h))
                    except ValueError:
                        stack.extend(child_cids(cid, block))  # raises the error every reader gives
            elif cid.codec == RAW:
                leaves.append(cid.multihash)
            else:
                check_readable_codec(cid)
            seen.add(cid.multihash)
        packed = self._packs.present(leaves)
        for mh in leaves:
            if mh not in packed and not self._blocks.has(mh):
                raise ContentNotFoundError(str(Cid(1, RAW, mh)), root=str(root))

    # -- ContentStore ---------------------------------------------------------------------------------------

    def add(
        self,
        source: Source,
        *,
        cid_version: int = 0,
        raw_leaves: bool | None = None,
        pin: bool = True,
    ) -> AddResult:
        builder = DagBuilder(
            cid_version=cid_version, raw_leaves=resolve_raw_leaves(cid_version, raw_leaves), sink=self._store
        )
        with self._locked(exclusive=False), self._io("add"):
            result = import_source(source, builder)
            self._blocks.sync()
            if pin:
                self._write_pin(result.root)
        return AddResult(str(result.root), result.size, result.dag_size)

    def put_block(self, data: bytes, *, codec: str = "raw", cid_version: int = 1, pin: bool = False) -> str:
        cid = prepare_block(data, codec, cid_version)
        with self._locked(exclusive=False), self._io("put_block"):
            self._store(cid, (bytes(data),))
            self._blocks.sync()
            if pin:
                self._mark(cid, set())
                self._write_pin(cid)
        return str(cid)

    def put_blocks(self, blocks: Sequence[bytes], *, codec: str = "raw", cid_version: int = 1) -> list[str]:
        """Store many blocks with one file write and one fsync (a pack, see ``_packs.py``); their CIDs, in order.

        All or nothing for a reader: the blocks become readable together, once the pack is on disk. Blocks
        already stored intact are not written again (a damaged copy is replaced)."""
        cids = [prepare_block(data, codec, cid_version) for data in blocks]
        with self._locked(exclusive=False), self._io("put_blocks"):
            todo: dict[bytes, bytes] = {}
            for cid, data in zip(cids, blocks, strict=True):
                todo.setdefault(cid.multihash, bytes(data))
            # blocks packed before are checked; a block in its own file is not looked for (a syscall per block):
            # it is packed again, and a read finds the intact copy of the two
            for mh in self._packs.present(list(todo)):
                existing = self._packs.read(mh)
                if existing is not None and sha256_multihash(existing) == mh:
                    del todo[mh]
                else:
                    _log.warning("rewriting damaged block %s at %s", Cid(1, RAW, mh), self._location(mh))
            self._packs.write(list(todo.items()))
        return [str(cid) for cid in cids]

    def put_dag(self, blocks: Sequence[tuple[bytes, bytes]], root: bytes) -> str:
        """Store a whole DAG given as ``(binary CIDv1, block)`` pairs (raw or dag-pb, sha2-256) as one pack (one
        write, one fsync) and pin its ``root`` (one of the blocks); the root's CID.

        For callers that made the blocks and their CIDs themselves (a state batch: its records, manifest and
        directory): every block is rehashed against its CID, and a mismatch (or another codec or hash) raises
        :class:`StorageValueError` before anything is written; dag-pb blocks are not decoded, and every block of
        the DAG must be among ``blocks`` (the pin is not walked). The write and the pin happen under one shared
        lock, so gc cannot collect the blocks in between. Blocks stored before are written again (the index then
        points at the new copy); duplicates within ``blocks`` are written once."""
        todo: dict[bytes, bytes] = {}
        for cid, data in blocks:
            if len(cid) != 36 or cid[:1] != b"\x01" or cid[1] not in (RAW, DAG_PB) or cid[2:4] != b"\x12\x20":
                raise StorageValueError(
                    f"put_dag takes CIDv1 raw or dag-pb sha2-256 blocks, not the CID 0x{bytes(cid).hex()}",
                    hint="use put_blocks for other blocks",
                )
            if len(data) > MAX_BLOCK_SIZE:
                raise StorageValueError(
                    f"block of {len(data)} bytes is over the 1 MiB block limit", hint="split it (add() does)"
                )
            mh = cid[2:]
            if sha256_multihash(data) != mh:
                raise StorageValueError(
                    f"a block given as {Cid(1, cid[1], mh)} hashes to {Cid(1, cid[1], sha256_multihash(data))}",
                    hint="pass each block with its own CID",
                )
            todo.setdefault(mh, bytes(data))
        top = Cid.from_bytes(root)
        if top.multihash not in todo:
            raise StorageValueError(f"the root {top} is not among the blocks given", hint="pass the root block too")
        with self._locked(exclusive=False), self._io("put_dag"):
            self._packs.write(list(todo.items()))
            self._write_pin(top)
        return str(top)

    def unpack(self, cid: str) -> Path:
        """Move a block :meth:`put_blocks` packed into its own file (where :meth:`put_block` puts it, as is,
        unchecked) and return that file's path; for tools and tests that handle block files one by one. A block
        already in its own file just gives its path; :class:`ContentNotFoundError` when the store lacks it."""
        mh = Cid.parse(cid).multihash
        path = self._blocks.path_of(mh)
        with self._locked(exclusive=False), self._io("unpack"):
            if not path.is_file():
                data = self._packs.read(mh)
                if data is None:
                    raise ContentNotFoundError(cid, where=f"the store at {self.path}")
                self._blocks.write(mh, (data,))
                self._blocks.sync()
            self._packs.forget(mh)
        return path

    def _read_block(self, cid: Cid, *, local_only: bool) -> bytes:
        if cid.hash_code == IDENTITY:
            length, pos = decode_varint(cid.multihash, 1)
            return cid.multihash[pos : pos + length]
        try:
            data = self._raw(cid.multihash)
            if data is not None and hash_block(cid, data) != cid.multihash:  # a damaged file: an intact packed copy?
                packed = self._packs.read(cid.multihash)
                if packed is not None and hash_block(cid, packed) == cid.multihash:
                    data = packed
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"cannot read block {cid} from {self._location(cid.multihash)}: "
                f"{getattr(exc, 'strerror', None) or exc}",
                hint="check the file's permissions and the disk",
            ) from exc
        if data is None:
            raise ContentNotFoundError(str(cid), where=f"the store at {self.path}")
        actual = hash_block(cid, data)
        if actual != cid.multihash:
            raise CorruptBlockError(
                str(cid),
                location=self._location(cid.multihash),
                actual=str(Cid(cid.version, cid.codec, actual)),
            )
        return data

    def has(self, cid: str) -> bool:
        parsed = Cid.parse(cid)
        return parsed.hash_code == IDENTITY or self._has_raw(parsed.multihash)

    def pin(self, cid: str) -> None:
        root = Cid.parse(cid)
        check_readable_codec(root)
        with self._locked(exclusive=False), self._io("pin"):
            self._mark(root, set())
            self._write_pin(root)

    def unpin(self, cid: str) -> None:
        root = Cid.parse(cid)
        with self._locked(exclusive=False), self._io("unpin"):
            try:
                self._pin_path(root).unlink()
            except FileNotFoundError:
                raise NotPinnedError(str(root)) from None

    def pins(self) -> list[str]:
        with self._io("listing pins"):
            return sorted(shown for _cid, shown in self._pinned())

    def close(self) -> None:
        """Close the pack index (reopened if the store is used again)."""
        self._packs.close()

    def gc(self) -> list[str]:
        with self._locked(exclusive=True), self._io("gc"):
            keep: set[bytes] = set()
            for root, shown in self._pinned():
                try:
                    self._mark(root, keep)
                except (ContentNotFoundError, CorruptBlockError) as exc:
                    raise StorageError(
                        f"gc stopped before deleting anything: the pinned DAG {shown} is damaged ({exc.message})",
                        hint=f"add the original content again to repair it, or unpin {shown}; then run gc again",
                    ) from exc
            removed = [
                str(Cid(1, RAW, mh))
                for mh in list(self._blocks.iter_multihashes())
                if mh not in keep and self._blocks.delete(mh)
            ]
            flat = set(removed)
            removed += [cid for mh in self._packs.delete_except(keep) if (cid := str(Cid(1, RAW, mh))) not in flat]
            self._blocks.remove_temporaries()
            for leftover in self._pins_dir.glob(".tmp-*"):  # pin writes hold the shared lock: none is running
                leftover.unlink(missing_ok=True)
            self._blocks.sync()
        return removed
