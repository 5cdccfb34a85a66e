"""dag-pb and UnixFS protobuf, encoded and decoded by hand (two small messages do not need a protobuf library).

dag-pb (https://ipld.io/specs/codecs/dag-pb/spec/)::

    message PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
    message PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }

A canonical PBNode writes every Link (field 2) *before* Data (field 1), and a PBLink its fields in number order.
Kubo writes ``Name`` as an empty string on file links (bytes ``12 00``): that is part of the hashed bytes.

UnixFS ``Data`` (https://github.com/ipfs/specs/blob/main/UNIXFS.md)::

    message Data { required DataType Type = 1; optional bytes Data = 2; optional uint64 filesize = 3;
                   repeated uint64 blocksizes = 4; optional uint64 hashType = 5; optional uint64 fanout = 6;
                   optional uint32 mode = 7; optional UnixTime mtime = 8; }
    enum DataType { Raw = 0; Directory = 1; File = 2; Metadata = 3; Symlink = 4; HAMTShard = 5; }
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ._varint import decode_varint, encode_varint

__all__ = [
    "UNIXFS_DIRECTORY",
    "UNIXFS_FILE",
    "UNIXFS_HAMT",
    "UNIXFS_METADATA",
    "UNIXFS_RAW",
    "UNIXFS_SYMLINK",
    "PBLink",
    "PBNode",
    "UnixFSData",
    "decode_node",
    "decode_unixfs",
    "encode_file_node",
    "has_links",
    "leaf_parts",
]

UNIXFS_RAW = 0
UNIXFS_DIRECTORY = 1
UNIXFS_FILE = 2
UNIXFS_METADATA = 3
UNIXFS_SYMLINK = 4
UNIXFS_HAMT = 5

_WIRE_VARINT = 0
_WIRE_I64 = 1
_WIRE_LEN = 2
_WIRE_I32 = 5


@dataclass(frozen=True, slots=True)
class PBLink:
    """One dag-pb link: the child's binary CID, its name (``None`` when absent) and cumulative size."""

    hash: bytes
    name: str | None = None
    tsize: int | None = None


@dataclass(frozen=True, slots=True)
class PBNode:
    """A decoded dag-pb node."""

    links: list[PBLink] = field(default_factory=list)
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class UnixFSData:
    """The UnixFS fields this package reads (mode and mtime are parsed over, not kept)."""

    type: int
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: list[int] = field(default_factory=list)


def _read_len(buf: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = decode_varint(buf, pos)
    end = pos + length
    if end > len(buf):
        raise ValueError("length-delimited field runs past the end of the message")
    return buf[pos:end], end


def _skip(buf: bytes, pos: int, wire: int) -> int:
    if wire == _WIRE_VARINT:
        return decode_varint(buf, pos)[1]
    if wire == _WIRE_LEN:
        return _read_len(buf, pos)[1]
    if wire == _WIRE_I64:
        pos += 8
    elif wire == _WIRE_I32:
        pos += 4
    else:
        raise ValueError(f"unsupported protobuf wire type {wire}")
    if pos > len(buf):
        raise ValueError("fixed-size field runs past the end of the message")
    return pos


def _decode_link(buf: bytes) -> PBLink:
    # fast path for the usual form (Hash, Name and Tsize, lengths under 128); anything else takes the full parse
    n = len(buf)
    if n > 2 and buf[0] == 0x0A and buf[1] < 0x80:
        p = 2 + buf[1]
        if p + 1 < n and buf[p] == 0x12 and buf[p + 1] < 0x80:
            q = p + 2 + buf[p + 1]
            if q + 1 < n and buf[q] == 0x18:
                size, end = decode_varint(buf, q + 1)
                if end == n:
                    return PBLink(buf[2:p], buf[p + 2 : q].decode("utf-8"), size)
    pos = 0
    hash_: bytes | None = None
    name: str | None = None
    tsize: int | None = None
    last = 0
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        num, wire = key >> 3, key & 7
        if num <= last:
            raise ValueError("PBLink fields out of order or repeated")
        last = num
        if num == 1 and wire == _WIRE_LEN:
            hash_, pos = _read_len(buf, pos)
        elif num == 2 and wire == _WIRE_LEN:
            raw, pos = _read_len(buf, pos)
            name = raw.decode("utf-8")
        elif num == 3 and wire == _WIRE_VARINT:
            tsize, pos = decode_varint(buf, pos)
        else:
            raise ValueError(f"unexpected PBLink field {num} (wire type {wire})")
    if hash_ is None:
        raise ValueError("PBLink without Hash")
    return PBLink(hash_, name, tsize)


def decode_node(block: bytes) -> PBNode:
    """Decode a dag-pb block. Raises ``ValueError`` when it is not canonical dag-pb."""
    pos = 0
    links: list[PBLink] = []
    data: bytes | None = None
    while pos < len(block):
        key, pos = decode_varint(block, pos)
        num, wire = key >> 3, key & 7
        if num == 2 and wire == _WIRE_LEN:
            if data is not None:
                raise ValueError("PBNode Links after Data (not canonical dag-pb)")
            raw, pos = _read_len(block, pos)
            links.append(_decode_link(raw))
        elif num == 1 and wire == _WIRE_LEN:
            if data is not None:
                raise ValueError("PBNode with two Data fields")
            data, pos = _read_len(block, pos)
        else:
            raise ValueError(f"unexpected PBNode field {num} (wire type {wire})")
    return PBNode(links, data)


def has_links(block_prefix: bytes) -> bool:
    """Whether a canonical dag-pb block has links, judged from its first byte.

    Links (tag ``0x12``) come before Data (tag ``0x0a``), so a block whose first byte is not ``0x12`` is a leaf:
    garbage collection and pinning only read the first byte of such blocks.
    """
    return len(block_prefix) > 0 and block_prefix[0] == 0x12


def decode_unixfs(data: bytes) -> UnixFSData:
    """Decode UnixFS ``Data``. Raises ``ValueError`` when malformed or without a Type."""
    pos = 0
    type_: int | None = None
    payload: bytes | None = None
    filesize: int | None = None
    blocksizes: list[int] = []
    while pos < len(data):
        key, pos = decode_varint(data, pos)
        num, wire = key >> 3, key & 7
        if num == 1 and wire == _WIRE_VARINT:
            type_, pos = decode_varint(data, pos)
        elif num == 2 and wire == _WIRE_LEN:
            payload, pos = _read_len(data, pos)
        elif num == 3 and wire == _WIRE_VARINT:
            filesize, pos = decode_varint(data, pos)
        elif num == 4 and wire == _WIRE_VARINT:
            size, pos = decode_varint(data, pos)
            blocksizes.append(size)
        elif num == 4 and wire == _WIRE_LEN:  # packed encoding, accepted by protobuf parsers
            packed, pos = _read_len(data, pos)
            ppos = 0
            while ppos < len(packed):
                size, ppos = decode_varint(packed, ppos)
                blocksizes.append(size)
        else:
            pos = _skip(data, pos, wire)
    if type_ is None:
        raise ValueError("UnixFS Data without a Type")
    return UnixFSData(type_, payload, filesize, blocksizes)


def leaf_parts(chunk: bytes | memoryview) -> tuple[bytes, bytes]:
    """The bytes before and after ``chunk`` in a dag-pb UnixFS file leaf, as Kubo writes it.

    The leaf is ``PBNode{Data: UnixFS{Type: File, Data: chunk, filesize: len(chunk)}}``; for the empty file the
    ``Data`` field is absent (Kubo: ``0a 04 08 02 18 00``). Returned apart so the chunk is never copied.
    """
    n = len(chunk)
    size = encode_varint(n)
    unixfs_head = b"\x08\x02\x12" + size if n else b"\x08\x02"
    tail = b"\x18" + size
    return b"\x0a" + encode_varint(len(unixfs_head) + n + len(tail)) + unixfs_head, tail


def encode_file_node(links: Sequence[tuple[bytes, int]], blocksizes: Sequence[int]) -> bytes:
    """Encode an internal UnixFS file node as Kubo does.

    ``links`` holds ``(binary child CID, child Tsize)`` in order; ``blocksizes`` the children's file sizes.
    Each link carries an empty ``Name``; ``Data`` is ``UnixFS{Type: File, filesize: sum, blocksizes}``.
    """
    out = bytearray()
    for cid_bytes, tsize in links:
        body = b"\x0a" + encode_varint(len(cid_bytes)) + cid_bytes + b"\x12\x00\x18" + encode_varint(tsize)
        out += b"\x12" + encode_varint(len(body)) + body
    unixfs = bytearray(b"\x08\x02\x18")
    unixfs += encode_varint(sum(blocksizes))
    for size in blocksizes:
        unixfs += b"\x20" + encode_varint(size)
    out += b"\x0a" + encode_varint(len(unixfs)) + unixfs
    return bytes(out)
