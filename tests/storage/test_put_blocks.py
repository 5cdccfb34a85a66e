"""put_blocks: many blocks in one write (the embedded store: one pack file, one fsync; Kubo: one block/put request),
the same blocks and CIDs as put_block one by one, all or nothing, idempotent, crash- and damage-safe."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from novacron_chain.state._batchdag import directory_node
from novacron_chain.storage import Cid, ContentStore, CorruptBlockError, EmbeddedStore, StorageValueError, compute_cid

from .conftest import Backend


def _raw_blocks(n: int, salt: bytes = b"") -> list[bytes]:
    return [b'{"vm":"vm-%05d","n":%d}' % (i, i) + salt for i in range(n)]


def _packs(store: EmbeddedStore) -> list[Path]:
    return sorted((store.path / "packs").glob("*.pack"))


def test_same_blocks_and_cids_as_put_block_one_by_one(backend: Backend, tmp_path: Path) -> None:
    raw = [*_raw_blocks(100), b"", bytes(range(256)) * 40]
    one = EmbeddedStore(tmp_path / "one-by-one", durable=False)
    expected = [one.put_block(b) for b in raw]
    assert backend.store.put_blocks(raw) == expected
    for cid, data in zip(expected, raw, strict=True):
        assert backend.store.get_block(cid) == data
        assert backend.store.has(cid)
    # dag-pb, CIDv1 and CIDv0, exactly as put_block stores them
    nodes = [directory_node([]), directory_node([("a", Cid.parse(expected[0]).to_bytes(), len(raw[0]))])]
    for version in (0, 1):
        want = [one.put_block(n, codec="dag-pb", cid_version=version) for n in nodes]
        assert backend.store.put_blocks(nodes, codec="dag-pb", cid_version=version) == want
        assert [backend.store.get_block(c) for c in want] == nodes


def test_one_pack_and_nothing_written_twice(embedded_store: EmbeddedStore) -> None:
    blocks = _raw_blocks(1000)
    first = embedded_store.put_blocks(blocks + blocks[:10])  # duplicates inside a batch: stored once
    assert len(_packs(embedded_store)) == 1
    assert embedded_store.put_blocks(blocks) == first[:1000]  # a second put: nothing new to write
    assert len(_packs(embedded_store)) == 1
    assert not list((embedded_store.path / "blocks").rglob("*.data"))  # no file per block
    more = embedded_store.put_blocks(_raw_blocks(5, b"+") + blocks[:3])
    assert len(_packs(embedded_store)) == 2
    assert [embedded_store.get_block(c) for c in more[:5]] == _raw_blocks(5, b"+")


def test_a_bad_block_stores_none(store: ContentStore) -> None:
    good = _raw_blocks(3)
    with pytest.raises(StorageValueError):
        store.put_blocks([*good, "text"])  # type: ignore[list-item]
    with pytest.raises(StorageValueError):
        store.put_blocks([*good, b"x" * (1024 * 1024 + 1)])
    with pytest.raises(StorageValueError):
        store.put_blocks([*good, b"not dag-pb"], codec="dag-pb")
    for data in good:  # checked first: the good blocks were not stored either
        assert not store.has(compute_cid(data, cid_version=1))


def test_a_pack_the_index_missed_is_indexed_on_open_and_a_cut_tail_is_dropped(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s")
    blocks = _raw_blocks(50)
    cids = store.put_blocks(blocks)
    store.close()
    (pack,) = _packs(store)
    # a kill between the pack write and the index commit, and the last frame cut off by a power cut
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (pack.parent / name).unlink(missing_ok=True)
    data = pack.read_bytes()
    pack.write_bytes(data[:-3])
    reopened = EmbeddedStore(tmp_path / "s")
    assert [reopened.get_block(c) for c in cids[:49]] == blocks[:49]
    assert not reopened.has(cids[49])  # absent, never wrong
    assert reopened.put_blocks(blocks) == cids  # putting the batch again fills the gap
    assert reopened.get_block(cids[49]) == blocks[49]


def test_a_damaged_packed_block_is_refused_and_rewritten_by_a_new_put(embedded_store: EmbeddedStore) -> None:
    blocks = _raw_blocks(3)
    cids = embedded_store.put_blocks(blocks)
    pack = _packs(embedded_store)[0]
    data = bytearray(pack.read_bytes())
    data[-1] ^= 0xFF  # the last block's last byte
    pack.write_bytes(bytes(data))
    assert [_raises_corrupt(embedded_store, c) for c in cids] == [False, False, True]
    embedded_store.put_blocks(blocks)
    assert [embedded_store.get_block(c) for c in cids] == blocks


def _raises_corrupt(store: EmbeddedStore, cid: str) -> bool:
    try:
        store.get_block(cid)
    except CorruptBlockError:
        return True
    return False


def test_gc_and_pins_see_packed_blocks(embedded_store: EmbeddedStore) -> None:
    kept = embedded_store.put_blocks(_raw_blocks(4))
    gone = embedded_store.put_blocks(_raw_blocks(4, b"-"))
    node = directory_node([(f"{i}", Cid.parse(c).to_bytes(), 10) for i, c in enumerate(kept)])
    root = embedded_store.put_block(node, codec="dag-pb", pin=True)
    removed = set(embedded_store.gc())
    assert set(gone) <= removed
    assert not set(kept) & removed
    assert len(_packs(embedded_store)) == 1  # the pack that held only unpinned blocks is deleted
    assert embedded_store.verify(root).ok
    shutil.rmtree(embedded_store.path / "blocks")  # the pinned DAG's leaves are in the pack, not in files
    (embedded_store.path / "blocks").mkdir()
    assert [embedded_store.get_block(c) for c in kept] == _raw_blocks(4)


def test_unpack_gives_a_packed_block_its_own_file(embedded_store: EmbeddedStore) -> None:
    (cid,) = embedded_store.put_blocks([b"record"])
    path = embedded_store.unpack(cid)
    assert path.read_bytes() == b"record"
    path.unlink()
    assert not embedded_store.has(cid)


def test_blocks_indexed_later_are_readable_at_once_and_after_a_kill(tmp_path: Path) -> None:
    """Packs are indexed every ``index_every`` blocks: their blocks are readable at once, by this store and by
    another one on the same directory (it finds the pack when it misses a block), and a store opened after a kill
    (nothing indexed) scans the packs and finds every block."""
    import os
    import sqlite3
    import subprocess
    import sys

    store = EmbeddedStore(tmp_path / "s")
    store._packs.index_every = 1_000
    first = store.put_blocks(_raw_blocks(300))
    other = EmbeddedStore(tmp_path / "s")
    second = store.put_blocks(_raw_blocks(300, b"2"))
    assert store.get_block(first[0]) == _raw_blocks(1)[0]
    assert other.get_block(second[299]) == _raw_blocks(300, b"2")[299]  # a pack written after it opened
    assert set(other._packs.present([Cid.parse(c).multihash for c in first + second])) == {
        Cid.parse(c).multihash for c in first + second
    }
    other.close()
    with sqlite3.connect(tmp_path / "s" / "packs" / "index.sqlite") as db:
        indexed_before = db.execute("SELECT COUNT(*) FROM blocks").fetchone()[0]
    assert indexed_before == 600  # the other store indexed what it scanned
    store.close()
    # a writer killed with blocks not indexed yet: the next store scans the packs it does not know
    code = (
        "import os, sys; from novacron_chain.storage import EmbeddedStore; s = EmbeddedStore(sys.argv[1]); "
        "s.put_blocks([b'killed-%d' % i for i in range(500)]); os.kill(os.getpid(), 9)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s")], env={**os.environ}, check=False)
    assert proc.returncode == -9
    with sqlite3.connect(tmp_path / "s" / "packs" / "index.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM blocks").fetchone()[0] == 600  # the kill left them unindexed
    reopened = EmbeddedStore(tmp_path / "s")
    assert all(reopened.get_block(compute_cid(b"killed-%d" % i, cid_version=1)) == b"killed-%d" % i for i in range(500))
    assert reopened.get_block(second[0]) == _raw_blocks(1, b"2")[0]
    reopened.close()


def test_an_index_of_the_first_format_is_rewritten_on_open(tmp_path: Path) -> None:
    """The first index format (pack names in every row, an index by pack) is rewritten in the current one, once."""
    import sqlite3

    store = EmbeddedStore(tmp_path / "s")
    cids = store.put_blocks(_raw_blocks(20))
    store.close()
    (pack,) = _packs(store)
    path = tmp_path / "s" / "packs" / "index.sqlite"
    with sqlite3.connect(path) as db:  # the same blocks as the first format held them
        rows = db.execute("SELECT b.mh, p.name, b.off, b.len FROM blocks b JOIN packs p ON p.id = b.pack").fetchall()
        db.executescript(
            "DROP TABLE blocks; DROP TABLE packs; "
            "CREATE TABLE packs (name TEXT PRIMARY KEY, size INTEGER NOT NULL); "
            "CREATE TABLE blocks (mh BLOB PRIMARY KEY, pack TEXT NOT NULL, off INTEGER NOT NULL, "
            "len INTEGER NOT NULL) WITHOUT ROWID; CREATE INDEX blocks_pack ON blocks (pack);"
        )
        db.executemany("INSERT INTO blocks VALUES (?, ?, ?, ?)", rows)
        db.execute("INSERT INTO packs VALUES (?, ?)", (pack.name, pack.stat().st_size))
    reopened = EmbeddedStore(tmp_path / "s")
    assert [reopened.get_block(c) for c in cids] == _raw_blocks(20)
    reopened.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM blocks").fetchone()[0] == 20
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'blocks_pack'").fetchone() is None
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'packs'").fetchone()
    assert "id INTEGER PRIMARY KEY" in sql
    assert _packs(store) == [pack]  # read from the index, not scanned again into a new pack
