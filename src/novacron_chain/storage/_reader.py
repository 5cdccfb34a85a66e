"""Reading DAGs back: a UnixFS file as a stream of bytes, and the links of any dag-pb block.

Everything here works over a ``get_block(cid) -> bytes`` that has already checked the block's hash, so the
bytes it yields are the content the CID names. It reads any UnixFS file layout (balanced, trickle, any chunker,
raw or dag-pb leaves), not only the ones this package writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ._cid import DAG_PB, RAW, Cid
from ._dagpb import (
    UNIXFS_DIRECTORY,
    UNIXFS_FILE,
    UNIXFS_HAMT,
    UNIXFS_RAW,
    UNIXFS_SYMLINK,
    decode_node,
    decode_unixfs,
)
from ._errors import UnsupportedContentError

__all__ = ["GetBlock", "check_readable_codec", "child_cids", "iter_file"]

GetBlock = Callable[[Cid], bytes]

_TYPE_NAMES = {UNIXFS_DIRECTORY: "a UnixFS directory", UNIXFS_HAMT: "a sharded UnixFS directory",
               UNIXFS_SYMLINK: "a UnixFS symlink"}  # fmt: skip


def check_readable_codec(cid: Cid) -> None:
    """Raise :class:`UnsupportedContentError` unless ``cid`` is dag-pb or raw."""
    if cid.codec not in (DAG_PB, RAW):
        raise UnsupportedContentError(
            str(cid),
            f"its codec is {cid.codec_name}; only dag-pb (UnixFS) and raw are supported",
        )


def child_cids(cid: Cid, block: bytes) -> list[Cid]:
    """The CIDs a block links to: none for raw blocks, the Links of a dag-pb node."""
    if cid.codec == RAW:
        return []
    check_readable_codec(cid)
    try:
        node = decode_node(block)
        return [Cid.from_bytes(link.hash) for link in node.links]
    except ValueError as exc:
        raise UnsupportedContentError(str(cid), f"it is not valid dag-pb ({exc})") from exc


@dataclass(slots=True)
class _Window:
    skip: int
    remaining: int | None


def iter_file(get_block: GetBlock, root: Cid, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
    """Yield the bytes of the UnixFS file (or raw block) ``root``, from ``offset``, at most ``length`` bytes.

    Subtrees wholly before ``offset`` are skipped using the nodes' ``blocksizes``, without reading them.
    """
    check_readable_codec(root)
    window = _Window(offset, length)
    if length == 0:
        return
    yield from _read(get_block, root, root, window, is_root=True)


def _read(get_block: GetBlock, cid: Cid, root: Cid, window: _Window, *, is_root: bool) -> Iterator[bytes]:
    block = get_block(cid)
    if cid.codec == RAW:
        yield from _emit(block, window)
        return
    check_readable_codec(cid)
    try:
        node = decode_node(block)
        if node.data is None:
            raise ValueError("dag-pb node without UnixFS data")
        unixfs = decode_unixfs(node.data)
    except ValueError as exc:
        raise UnsupportedContentError(str(root), f"block {cid} is not a UnixFS node ({exc})") from exc
    if unixfs.type not in (UNIXFS_FILE, UNIXFS_RAW):
        what = _TYPE_NAMES.get(unixfs.type, f"UnixFS type {unixfs.type}")
        raise UnsupportedContentError(
            str(root),
            f"it is {what}" if is_root else f"block {cid} inside it is {what}",
            hint="this store reads single files; add files one by one rather than a directory",
        )
    if unixfs.data:
        yield from _emit(unixfs.data, window)
    sizes = unixfs.blocksizes if len(unixfs.blocksizes) == len(node.links) else None
    for i, link in enumerate(node.links):
        if window.remaining is not None and window.remaining <= 0:
            return
        if sizes is not None and window.skip >= sizes[i]:
            window.skip -= sizes[i]
            continue
        try:
            child = Cid.from_bytes(link.hash)
        except ValueError as exc:
            raise UnsupportedContentError(str(root), f"block {cid} has a malformed link ({exc})") from exc
        yield from _read(get_block, child, root, window, is_root=False)


def _emit(data: bytes, window: _Window) -> Iterator[bytes]:
    if window.skip >= len(data):
        window.skip -= len(data)
        return
    piece = data[window.skip :] if window.skip else data
    window.skip = 0
    if window.remaining is not None:
        if window.remaining <= 0:
            return
        if len(piece) > window.remaining:
            piece = piece[: window.remaining]
        window.remaining -= len(piece)
    if piece:
        yield piece
