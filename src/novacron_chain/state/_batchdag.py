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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..storage import Cid, ContentStore
from ..storage._cid import RAW
from ..storage._importer import DagBuilder, import_source
from ._errors import StateValueError
from ._hashing import cid_string, cid_strings

__all__ = ["MANIFEST_SCHEMA", "BatchEntry", "Manifest", "batch_blocks", "read_manifest", "write_batch"]

MANIFEST_SCHEMA = "novacron.state-batch/1"
_LEAF_HASH = "keccak256(keccak256(record))"
_TREE = "OpenZeppelin SimpleMerkleTree, sortLeaves false"
_DIR_DATA = b"\x0a\x02\x08\x01"  # PBNode.Data = UnixFS{Type: Directory}
_DAG_PB_SHA256_PREFIX = b"\x01\x70\x12\x20"
_DAG_PB = 0x70
_FANOUT = 1000
_JSON_SAFE = re.compile(r"[A-Za-z0-9._:-]*")  # characters json.dumps writes as themselves (CIDs, VM ids)


class BatchEntry(NamedTuple):
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
    """The canonical ``manifest.json`` of a batch.

    Written with one join when every CID and VM id is made of characters JSON writes as themselves (always, for
    records that passed :class:`VMStateRecord`'s checks): the same bytes as ``json.dumps(..., sort_keys=True,
    separators=(",", ":"))``, which is used otherwise."""
    cids = [e.cid for e in entries]
    vm_ids = [e.vm_id for e in entries]
    if _JSON_SAFE.fullmatch("".join(cids)) and _JSON_SAFE.fullmatch("".join(vm_ids)):
        records = ",".join(
            [f'["{cid}","0x{e.leaf.hex()}","{vm}"]' for cid, e, vm in zip(cids, entries, vm_ids, strict=True)]
        )
        return (
            f'{{"count":{len(entries)},"leaf_hash":"{_LEAF_HASH}","records":[{records}],"root":"0x{root.hex()}",'
            f'"schema":"{MANIFEST_SCHEMA}","tree":"{_TREE}"}}'
        ).encode("ascii")
    obj = {
        "count": len(entries),
        "leaf_hash": _LEAF_HASH,
        "records": [[e.cid, "0x" + e.leaf.hex(), e.vm_id] for e in entries],
        "root": "0x" + root.hex(),
        "schema": MANIFEST_SCHEMA,
        "tree": _TREE,
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")


_VARINTS: dict[int, bytes] = {}


def _records_node(entries: Sequence[BatchEntry], start: int, stop: int) -> bytes:
    """``directory_node`` of records ``start`` to ``stop`` named ``%06d`` (already in name order), written link by
    link without sorting or re-encoding; falls back to ``directory_node`` for CIDs that are not 36 bytes."""
    parts = []
    varints = _VARINTS
    for i in range(start, stop):
        e = entries[i]
        size = varints.get(e.size)
        if size is None:
            size = varints[e.size] = _varint(e.size)
        if len(e.cid_bytes) != 36 or len(size) > 80:
            return directory_node([(f"{k:06d}", entries[k].cid_bytes, entries[k].size) for k in range(start, stop)])
        parts.append(b"\x12%c\x0a\x24%b\x12\x06%06d\x18%b" % (47 + len(size), e.cid_bytes, i, size))
    parts.append(_DIR_DATA)
    return b"".join(parts)


def _dir(nodes: list[bytes], node: bytes, size: int) -> tuple[bytes, int]:
    nodes.append(node)
    return _DAG_PB_SHA256_PREFIX + hashlib.sha256(node).digest(), len(node) + size


def batch_blocks(root: bytes, entries: Sequence[BatchEntry]) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The batch directory of ``entries`` without storing anything: its binary CID, and ``(binary CID, block)`` of
    the manifest's blocks (as ``ipfs add --cid-version 1`` makes them: raw leaves, then dag-pb nodes) and of the
    directory nodes, in that order. The records' own blocks are not included."""
    manifest = manifest_bytes(root, entries)
    blocks: list[tuple[bytes, bytes]] = []

    def sink(cid: Cid, parts: Sequence[bytes | memoryview]) -> None:
        blocks.append((cid.to_bytes(), b"".join(parts)))

    added = import_source(manifest, DagBuilder(cid_version=1, raw_leaves=True, sink=sink))
    nodes: list[bytes] = []
    n = len(entries)
    sizes = [e.size for e in entries]
    if n <= _FANOUT:
        records_cid, records_size = _dir(nodes, _records_node(entries, 0, n), sum(sizes))
    else:
        subdirs = []
        for k in range(0, n, _FANOUT):
            stop = min(k + _FANOUT, n)
            cid, size = _dir(nodes, _records_node(entries, k, stop), sum(sizes[k:stop]))
            subdirs.append((f"{k // _FANOUT:03d}", cid, size))
        records_cid, records_size = _dir(nodes, directory_node(subdirs), sum(t for _n, _c, t in subdirs))
    top_links = [("manifest.json", added.root.to_bytes(), added.dag_size), ("records", records_cid, records_size)]
    top, _size = _dir(nodes, directory_node(top_links), 0)
    blocks.extend((_DAG_PB_SHA256_PREFIX + hashlib.sha256(node).digest(), node) for node in nodes)
    return top, blocks


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
    top, blocks = batch_blocks(root, entries)
    cids = cid_strings([cid for cid, _block in blocks])
    for codec, name in ((RAW, "raw"), (_DAG_PB, "dag-pb")):
        chosen = [i for i, (cid, _block) in enumerate(blocks) if cid[1] == codec]
        if chosen:
            _put_all(store, [blocks[i][1] for i in chosen], name, [cids[i] for i in chosen])
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
