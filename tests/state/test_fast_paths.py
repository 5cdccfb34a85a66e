"""The batcher's fast paths give the same bytes as the plain ones."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest

from novacron_chain.state._batchdag import BatchEntry, batch_blocks, directory_node, manifest_bytes
from novacron_chain.state._hashing import cid_string, cid_strings, leaf_hash, raw_cid_bytes
from novacron_chain.state._index import StateIndex
from novacron_chain.state._merkle import MerkleTree
from novacron_chain.storage import EmbeddedStore, StorageValueError


def test_cid_strings_match_base32() -> None:
    cids = [b"\x01\x55\x12\x20" + os.urandom(32) for _ in range(257)] + [b"\x01\x55\x12\x20" + bytes(32)]
    expected = ["b" + base64.b32encode(c).decode().rstrip("=").lower() for c in cids]
    assert cid_strings(cids) == expected == [cid_string(c) for c in cids]
    assert cid_strings([]) == []
    odd = [b"\x01\x55\x12\x10" + bytes(16)]  # not 36 bytes: the plain path
    assert cid_strings(odd) == [cid_string(odd[0])]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1001])
def test_all_proofs_at_once_equal_proofs_one_by_one(n: int) -> None:
    tree = MerkleTree([os.urandom(32) for _ in range(n)])
    assert tree.proofs() == [b"".join(tree.proof(i)) for i in range(n)]


def _entries(n: int) -> list[BatchEntry]:
    out = []
    for i in range(n):
        data = json.dumps({"i": i, "pad": "x" * (i % 300)}).encode()
        cid = raw_cid_bytes(data)
        out.append(BatchEntry(cid_string(cid), cid, len(data), leaf_hash(data), f"vm-{i % 7}"))
    return out


@pytest.mark.parametrize("n", [1, 1000, 1001, 2500])
def test_batch_directory_is_written_as_before(n: int) -> None:
    entries = _entries(n)
    root = os.urandom(32)
    plain = {
        "count": n,
        "leaf_hash": "keccak256(keccak256(record))",
        "records": [[e.cid, "0x" + e.leaf.hex(), e.vm_id] for e in entries],
        "root": "0x" + root.hex(),
        "schema": "novacron.state-batch/1",
        "tree": "OpenZeppelin SimpleMerkleTree, sortLeaves false",
    }
    assert manifest_bytes(root, entries) == json.dumps(plain, sort_keys=True, separators=(",", ":")).encode()
    _top, blocks = batch_blocks(root, entries)
    links = [(f"{i:06d}", e.cid_bytes, e.size) for i, e in enumerate(entries)]
    first = directory_node(links[:1000])
    assert any(block == first for _cid, block in blocks)
    for cid, block in blocks:
        assert cid[4:] == hashlib.sha256(block).digest()


def test_put_dag_stores_and_pins_and_refuses_a_wrong_cid(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "ipfs", durable=False)
    entries = _entries(30)
    top, blocks = batch_blocks(os.urandom(32), entries)
    data = [json.dumps({"i": i, "pad": "x" * (i % 300)}).encode() for i in range(30)]
    records = [(e.cid_bytes, d) for e, d in zip(entries, data, strict=True)]
    assert store.put_dag(records + blocks, top) == cid_string(top)
    assert cid_string(top) in store.pins()
    assert store.verify(cid_string(top)).ok
    with pytest.raises(StorageValueError, match="hashes to"):
        store.put_dag([(records[0][0], b"not it")], records[0][0])
    store.close()


def test_an_index_made_with_the_whole_cid_index_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = StateIndex(path, chain_id=1, anchor="0x" + "ab" * 20)
    index.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX records_cid")
        db.execute("CREATE INDEX records_cid ON records (cid)")
    index = StateIndex(path, chain_id=1, anchor="0x" + "ab" * 20)
    cid = cid_string(raw_cid_bytes(b"r"))
    index.add_intended(
        first_seq=1,
        last_seq=2,
        root=bytes(32),
        manifest_cid="b",
        from_block=0,
        records=[(2, "vm-1", cid, bytes(32), 0, b"", b"r"), (1, "vm-1", cid, bytes(32), 1, b"", b"r")],
    )
    assert [r.seq for r in index.records_by_cid(cid)] == [1, 2]
    (sql,) = index._db.execute("SELECT sql FROM sqlite_master WHERE name = 'records_cid'").fetchone()
    assert "substr(cid, 8, 6)" in sql
    index.close()


def test_lookups_span_every_part_of_the_index_and_old_indexes_are_replaced(tmp_path: Path) -> None:
    """The VM and CID lookups are partitioned by seq (65,536 records a part): records in several parts are all
    found, in seq order; lookup indexes of the earlier form (one part) are replaced on open."""
    path = tmp_path / "index.sqlite"
    index = StateIndex(path, chain_id=1, anchor="0x" + "ab" * 20)
    cid = cid_string(raw_cid_bytes(b"r"))
    other = cid_string(raw_cid_bytes(b"o"))
    seqs = [1, 65_534, 65_536, 200_000, 300_001]
    for n, seq in enumerate(seqs):
        index.add_intended(
            first_seq=seq,
            last_seq=seq + 1,
            root=bytes([n]) * 32,
            manifest_cid="b",
            from_block=0,
            records=[(seq, "vm-1", cid, bytes(32), 0, b"", b"r"), (seq + 1, "vm-2", other, bytes(32), 1, b"", b"o")],
        )
    index.close()
    with sqlite3.connect(path) as db:  # the earlier form
        db.execute("DROP INDEX records_vm")
        db.execute("CREATE INDEX records_vm ON records (vm_id, seq)")
        db.execute("DROP INDEX records_cid")
        db.execute("CREATE INDEX records_cid ON records (substr(cid, 8, 6))")
    index = StateIndex(path, chain_id=1, anchor="0x" + "ab" * 20)
    assert [r.seq for r in index.records_of("vm-1")] == seqs
    assert [r.seq for r in index.records_of("vm-2")] == [s + 1 for s in seqs]
    assert [r.seq for r in index.records_by_cid(cid)] == seqs
    assert [r.seq for r in index.records_by_cid(other)] == [s + 1 for s in seqs]
    assert [(r.seq, r.idx) for r in index.records_in(3)] == [(65_536, 0), (65_537, 1)]
    assert index.records_in(99) == []
    for name in ("records_vm", "records_cid"):
        (sql,) = index._db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        assert "seq >> 16" in sql
        plan = index._db.execute(
            "EXPLAIN QUERY PLAN SELECT seq FROM records WHERE (seq >> 16) IN (0, 1) AND vm_id = 'vm-1'"
        ).fetchall()
    assert "USING COVERING INDEX records_vm" in str(plan)
    index.close()
