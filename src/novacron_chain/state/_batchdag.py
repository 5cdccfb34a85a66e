"""A batch in IPFS: one UnixFS directory that holds the manifest and links every record, so one pin keeps it all.

::

    <batch CID>/                 UnixFS directory (dag-pb, CIDv1): the CID emitted in BatchAnchored
      manifest.json              the batch manifest (UnixFS file, CIDv1, raw leaves)
      records/                   the records as raw blocks, named by their index in the tree (000000, 000001, ...)
        000000 -> bafkrei...     (batches above 1,000 records: records/000/000000 ... records/099/099999)

``manifest.json`` is canonical JSON (sorted keys, no whitespace)::

    {"count":N,"leaf_hash":"keccak256(keccak256(record))","records":[[cid,leaf,vm_id],...],"root":"0x…",
     "schema":"novacron.state-batch/1","tree":"OpenZeppelin SimpleMerkleTree, sortLeaves false"}

so anyone holding the CID from the chain can list the records, rebuild the tree, compare its root with the one on
chain and check each record against its leaf, without the local index. Directory nodes are written the way Kubo
writes a basic UnixFS directory (links sorted by name, ``Data`` = ``{Type: Directory}``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..storage import Cid, ContentStore
from ..storage._cid import RAW
from ..storage._importer import DagBuilder, import_source
from ._errors import StateValueError
from ._hashing import cid_string

__all__ = ["MANIFEST_SCHEMA", "BatchEntry", "Manifest", "read_manifest", "write_batch"]

MANIFEST_SCHEMA = "novacron.state-batch/1"
_LEAF_HASH = "keccak256(keccak256(record))"
_TREE = "OpenZeppelin SimpleMerkleTree, sortLeaves false"
_DIR_DATA = b"\x0a\x02\x08\x01"  # PBNode.Data = UnixFS{Type: Directory}
_DAG_PB_SHA256_PREFIX = b"\x01\x70\x12\x20"
_DAG_PB = 0x70
_FANOUT = 1000


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One record of a batch: its CID (string and binary), size in bytes, leaf and VM id."""

    cid: str
    cid_bytes: bytes
    size: int
    leaf: bytes
    vm_id: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """A parsed ``manifest.json``: the root and ``(cid, leaf, vm_id)`` per record, in tree order."""

    root: bytes
    records: tuple[tuple[str, bytes, str], ...]


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def directory_node(links: Sequence[tuple[str, bytes, int]]) -> bytes:
    """A basic UnixFS directory: ``(name, binary CID, Tsize)`` links, sorted by name."""
    out = bytearray()
    for name, cid, tsize in sorted(links, key=lambda link: link[0].encode("utf-8")):
        raw_name = name.encode("utf-8")
        body = b"\x0a" + _varint(len(cid)) + cid + b"\x12" + _varint(len(raw_name)) + raw_name
        body += b"\x18" + _varint(tsize)
        out += b"\x12" + _varint(len(body)) + body
    out += _DIR_DATA
    return bytes(out)


def directory_links(block: bytes) -> dict[str, bytes]:
    """``{name: binary CID}`` of a UnixFS directory node; ``ValueError`` when it is not one."""
    pos = 0
    links: dict[str, bytes] = {}
    saw_data = False
    while pos < len(block):
        key, pos = _read_varint(block, pos)
        length, pos = _read_varint(block, pos)
        field, end = block[pos : pos + length], pos + length
        if end > len(block):
            raise ValueError("field runs past the end of the block")
        pos = end
        if key == 0x12 and not saw_data:
            name, cid = "", b""
            fpos = 0
            while fpos < len(field):
                fkey, fpos = _read_varint(field, fpos)
                if fkey == 0x18:
                    _tsize, fpos = _read_varint(field, fpos)
                    continue
                flen, fpos = _read_varint(field, fpos)
                value, fpos = field[fpos : fpos + flen], fpos + flen
                if fkey == 0x0A:
                    cid = value
                elif fkey == 0x12:
                    name = value.decode("utf-8")
                else:
                    raise ValueError(f"unexpected link field {fkey >> 3}")
            links[name] = cid
        elif key == 0x0A:
            if field != _DIR_DATA[2:]:
                raise ValueError("not a UnixFS directory")
            saw_data = True
        else:
            raise ValueError(f"unexpected node field {key >> 3}")
    if not saw_data:
        raise ValueError("not a UnixFS directory")
    return links


def manifest_bytes(root: bytes, entries: Sequence[BatchEntry]) -> bytes:
    """The canonical ``manifest.json`` of a batch."""
    obj = {
        "count": len(entries),
        "leaf_hash": _LEAF_HASH,
        "records": [[e.cid, "0x" + e.leaf.hex(), e.vm_id] for e in entries],
        "root": "0x" + root.hex(),
        "schema": MANIFEST_SCHEMA,
        "tree": _TREE,
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")


def _dir(nodes: list[bytes], links: Sequence[tuple[str, bytes, int]]) -> tuple[bytes, int]:
    node = directory_node(links)
    nodes.append(node)
    return _DAG_PB_SHA256_PREFIX + hashlib.sha256(node).digest(), len(node) + sum(t for _n, _c, t in links)


def _put_all(store: ContentStore, blocks: list[bytes], codec: str, expected: list[str]) -> None:
    stored = store.put_blocks(blocks, codec=codec, cid_version=1)
    if stored != expected:
        bad = next(i for i, (s, e) in enumerate(zip(stored, expected, strict=True)) if s != e)
        raise StateValueError(f"the content store stored a batch block as {stored[bad]}, expected {expected[bad]}")


def write_batch(store: ContentStore, root: bytes, entries: Sequence[BatchEntry], *, pin: bool = True) -> str:
    """Store the manifest and the batch directory (pinned, with everything it links); its CID.

    The records' blocks must be in ``store`` already when ``pin`` (else the caller pins the CID once they are).
    Deterministic: the same batch gives the same CID. The manifest's blocks (as ``ipfs add --cid-version 1`` makes
    them) and the directory nodes are written with two ``put_blocks``, then the directory is pinned.
    """
    manifest = manifest_bytes(root, entries)
    made: dict[int, tuple[list[bytes], list[str]]] = {RAW: ([], []), _DAG_PB: ([], [])}

    def sink(cid: Cid, parts: Sequence[bytes | memoryview]) -> None:
        blocks, cids = made[cid.codec]
        blocks.append(b"".join(parts))
        cids.append(str(cid))

    added = import_source(manifest, DagBuilder(cid_version=1, raw_leaves=True, sink=sink))
    nodes = made[_DAG_PB][0]
    first_dir = len(nodes)  # the manifest's own dag-pb nodes come first (with their CIDs from the importer)
    width = 6
    record_links = [(f"{i:0{width}d}", e.cid_bytes, e.size) for i, e in enumerate(entries)]
    if len(record_links) <= _FANOUT:
        records_cid, records_size = _dir(nodes, record_links)
    else:
        subdirs = []
        for k in range(0, len(record_links), _FANOUT):
            cid, size = _dir(nodes, record_links[k : k + _FANOUT])
            subdirs.append((f"{k // _FANOUT:03d}", cid, size))
        records_cid, records_size = _dir(nodes, subdirs)
    top, _size = _dir(
        nodes,
        [("manifest.json", added.root.to_bytes(), added.dag_size), ("records", records_cid, records_size)],
    )
    made[_DAG_PB][1].extend(cid_string(_DAG_PB_SHA256_PREFIX + hashlib.sha256(n).digest()) for n in nodes[first_dir:])
    for codec, name in ((RAW, "raw"), (_DAG_PB, "dag-pb")):
        blocks, cids = made[codec]
        if blocks:
            _put_all(store, blocks, name, cids)
    if pin:
        store.pin(cid_string(top))
    return cid_string(top)


def read_manifest(store: ContentStore, batch_cid: str) -> Manifest:
    """Read and check the manifest of the batch directory ``batch_cid`` (blocks are hash-checked by the store).

    Raises :class:`StateValueError` when the directory or the manifest is not in the expected form.
    """
    try:
        links = directory_links(store.get_block(batch_cid))
    except ValueError as exc:
        raise StateValueError(f"{batch_cid} is not a batch directory: {exc}") from exc
    link = links.get("manifest.json")
    if link is None:
        raise StateValueError(f"the batch directory {batch_cid} has no manifest.json")
    try:
        manifest_cid = Cid.from_bytes(link)
    except ValueError as exc:
        raise StateValueError(f"the manifest.json link of batch {batch_cid} is not a CID: {exc}") from exc
    data = store.get(str(manifest_cid))
    try:
        obj = json.loads(data)
        if obj["schema"] != MANIFEST_SCHEMA or obj["count"] != len(obj["records"]):
            raise ValueError("unknown schema or wrong count")
        root = bytes.fromhex(obj["root"][2:])
        records = tuple((str(c), bytes.fromhex(leaf[2:]), str(v)) for c, leaf, v in obj["records"])
    except (ValueError, KeyError, TypeError) as exc:
        raise StateValueError(f"the manifest of batch {batch_cid} is not a {MANIFEST_SCHEMA} manifest: {exc}") from exc
    return Manifest(root, records)
