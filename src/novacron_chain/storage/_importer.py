"""The UnixFS importer: bytes in, a DAG identical to Kubo's ``ipfs add`` out, streamed with bounded memory.

Kubo's defaults (boxo ``importer/balanced``): fixed 256 KiB chunks, at most 174 links per node, a balanced DAG in
which every leaf sits at the same depth and nodes fill left to right. A file of one chunk is that leaf alone.

Kubo builds the tree top-down because it knows when the input ends; this builder sees one chunk at a time, so it
keeps one list of pending links per level and closes a level's node only when a further link arrives for a full
level (or at the end). The result is the same tree: ``tests/storage`` check it against ``ipfs_cid`` and Kubo.
Memory is one chunk plus at most 174 links per level.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ._cid import DAG_PB, RAW, Cid
from ._dagpb import encode_file_node, leaf_parts
from ._errors import StorageValueError

__all__ = [
    "CHUNK_SIZE",
    "MAX_LINKS",
    "BlockSink",
    "DagBuilder",
    "ImportResult",
    "ReadableStream",
    "Source",
    "import_source",
    "resolve_raw_leaves",
]

CHUNK_SIZE = 262144
MAX_LINKS = 174

BlockSink = Callable[[Cid, Sequence[bytes | memoryview]], None]
"""Receives each new block as ``(cid, parts)``; the block's bytes are the parts joined. Called children first."""


class ReadableStream(Protocol):
    """Anything with a binary ``read(size)``: an open file, ``io.BytesIO``, a socket file, a request body."""

    def read(self, size: int = -1, /) -> bytes: ...


Source = bytes | bytearray | memoryview | str | os.PathLike[str] | ReadableStream
"""What ``add`` and ``compute_cid`` accept: bytes, a file path (``str`` or path object) or a binary stream."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The root of an imported file, its size in bytes and the total size of its blocks (Kubo's ``Size``)."""

    root: Cid
    size: int
    dag_size: int


@dataclass(frozen=True, slots=True)
class _Link:
    cid: bytes
    tsize: int
    filesize: int


def resolve_raw_leaves(cid_version: int, raw_leaves: bool | None) -> bool:
    """Kubo's default: raw leaves with CIDv1, dag-pb leaves with CIDv0. Validates ``cid_version``."""
    if cid_version not in (0, 1):
        raise StorageValueError(
            f"cid_version must be 0 or 1, got {cid_version!r}",
            hint="use 0 for Qm... CIDs (Kubo's default) or 1 for bafy... CIDs",
        )
    return cid_version == 1 if raw_leaves is None else bool(raw_leaves)


class DagBuilder:
    """Push bytes with :meth:`write`, then :meth:`finish` for the root. Blocks go to ``sink`` as they are made."""

    def __init__(
        self,
        *,
        cid_version: int = 0,
        raw_leaves: bool | None = None,
        sink: BlockSink | None = None,
        chunk_size: int = CHUNK_SIZE,
        max_links: int = MAX_LINKS,
    ) -> None:
        self._raw_leaves = resolve_raw_leaves(cid_version, raw_leaves)
        self._cid_version = cid_version
        self._sink = sink
        self._chunk_size = chunk_size
        self._max_links = max_links
        self._buf = bytearray()
        self._levels: list[list[_Link]] = [[]]
        self._size = 0
        self._finished = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Feed the next bytes of the file. Full chunks are hashed (and sunk) right away."""
        if self._finished:
            raise RuntimeError("DagBuilder.write after finish")
        view = memoryview(data).cast("B")
        self._size += len(view)
        pos = 0
        if self._buf:
            need = self._chunk_size - len(self._buf)
            self._buf += view[:need]
            pos = need
            if len(self._buf) < self._chunk_size:
                return
            self._add_leaf(bytes(self._buf))
            self._buf.clear()
        while len(view) - pos >= self._chunk_size:
            self._add_leaf(view[pos : pos + self._chunk_size])
            pos += self._chunk_size
        if pos < len(view):
            self._buf += view[pos:]

    def finish(self) -> ImportResult:
        """Flush the last chunk and close every level; return the root."""
        if self._finished:
            raise RuntimeError("DagBuilder.finish called twice")
        self._finished = True
        if self._buf or self._size == 0:
            self._add_leaf(bytes(self._buf))
            self._buf.clear()
        levels = self._levels
        level = 0
        while True:
            top = max(i for i, links in enumerate(levels) if links)
            if level == top and len(levels[level]) == 1:
                root = levels[level][0]
                return ImportResult(Cid.from_bytes(root.cid), self._size, root.tsize)
            if levels[level]:
                self._push(level + 1, self._close(level))
            level += 1

    def _add_leaf(self, chunk: bytes | memoryview) -> None:
        n = len(chunk)
        if self._raw_leaves:
            cid = Cid(1, RAW, b"\x12\x20" + hashlib.sha256(chunk).digest())
            if self._sink is not None:
                self._sink(cid, (chunk,))
            self._push(0, _Link(cid.to_bytes(), n, n))
            return
        head, tail = leaf_parts(chunk)
        h = hashlib.sha256(head)
        h.update(chunk)
        h.update(tail)
        cid = Cid(self._cid_version, DAG_PB, b"\x12\x20" + h.digest())
        if self._sink is not None:
            self._sink(cid, (head, chunk, tail))
        self._push(0, _Link(cid.to_bytes(), len(head) + n + len(tail), n))

    def _push(self, level: int, link: _Link) -> None:
        levels = self._levels
        if level == len(levels):
            levels.append([])
        if len(levels[level]) == self._max_links:
            self._push(level + 1, self._close(level))
        levels[level].append(link)

    def _close(self, level: int) -> _Link:
        links = self._levels[level]
        self._levels[level] = []
        block = encode_file_node([(ln.cid, ln.tsize) for ln in links], [ln.filesize for ln in links])
        cid = Cid(self._cid_version, DAG_PB, b"\x12\x20" + hashlib.sha256(block).digest())
        if self._sink is not None:
            self._sink(cid, (block,))
        return _Link(cid.to_bytes(), len(block) + sum(ln.tsize for ln in links), sum(ln.filesize for ln in links))


def import_source(source: Source, builder: DagBuilder) -> ImportResult:
    """Feed ``source`` (bytes, a path or a binary stream) through ``builder`` and return the root.

    Files and streams are read one chunk at a time, so a file of any size costs one chunk of memory.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        builder.write(source)
        return builder.finish()
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        try:
            fh = open(source, "rb")  # noqa: SIM115 - closed below; read errors are told apart from sink errors
        except OSError as exc:
            raise _unreadable(name, exc) from exc
        with fh:
            _feed_file(fh, builder, name)
        return builder.finish()
    if not callable(getattr(source, "read", None)):
        raise StorageValueError(
            f"cannot add a {type(source).__name__}",
            hint="pass bytes, a file path, or a binary stream (open(path, 'rb'), io.BytesIO)",
        )
    while True:
        try:
            data = source.read(CHUNK_SIZE)
        except OSError as exc:
            raise _unreadable("the stream", exc) from exc
        if not data:
            break
        if not isinstance(data, bytes | bytearray | memoryview):
            raise StorageValueError(
                f"the stream returned {type(data).__name__}, not bytes",
                hint="open the file in binary mode ('rb')",
            )
        builder.write(data)
    return builder.finish()


def _feed_file(fh: io.BufferedReader, builder: DagBuilder, name: str) -> None:
    buf = bytearray(CHUNK_SIZE)
    view = memoryview(buf)
    while True:
        try:
            n = fh.readinto(view)
        except OSError as exc:
            raise _unreadable(name, exc) from exc
        if not n:
            return
        builder.write(view[:n])


def _unreadable(name: str, exc: OSError) -> StorageValueError:
    return StorageValueError(
        f"cannot read {name}: {exc.strerror or exc}",
        hint="pass the path of a readable file, or the content itself as bytes",
    )
