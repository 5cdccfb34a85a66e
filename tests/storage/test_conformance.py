"""The one conformance suite of ContentStore: every backend runs every test here.

Backends (``backend`` fixture in conftest): the embedded store, and KuboStore talking to our ``/api/v0`` server
(which serves an embedded store) over loopback. Both keep their blocks in ``backend.disk``, so tests can damage a
block file and watch each backend refuse to return it.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from novacron_chain.errors import StorageError
from novacron_chain.storage import (
    ContentNotFoundError,
    CorruptBlockError,
    InvalidCidError,
    NotPinnedError,
    StorageValueError,
    UnsupportedContentError,
    compute_cid,
)
from novacron_chain.storage._cid import RAW, Cid
from novacron_chain.storage._dagpb import encode_file_node

from ._vectors import FULL, KIB256, content
from .conftest import BIG, Backend, block_path, damage

SIZES = [0, 1, KIB256 - 1, KIB256, KIB256 + 1, 5 * 1024 * 1024 + 3]
MODES = [(0, None), (1, None), (1, False), (0, True)]


def leaf_cids(data: bytes) -> list[str]:
    """The raw-leaf CIDs of ``data`` added with cid_version=1: sha2-256 of each 256 KiB chunk."""
    return [compute_cid(data[i : i + KIB256], cid_version=1) for i in range(0, len(data), KIB256)]


class TestContentStore:
    @pytest.mark.parametrize("size", SIZES)
    def test_add_returns_kubos_cid_and_get_returns_the_bytes(self, backend: Backend, size: int) -> None:
        data = content(size)
        added = backend.store.add(data)
        assert added.cid == FULL[(0, False)][size][0]
        assert added.dag_size == FULL[(0, False)][size][1]
        assert added.size == size
        assert backend.store.get(added.cid) == data

    @pytest.mark.parametrize(("version", "raw"), MODES)
    def test_cid_versions_and_leaf_kinds(self, backend: Backend, version: int, raw: bool | None) -> None:
        data = content(KIB256 + 1)
        added = backend.store.add(data, cid_version=version, raw_leaves=raw)
        effective = version == 1 if raw is None else raw
        assert added.cid == FULL[(version, effective)][KIB256 + 1][0]
        assert backend.store.get(added.cid) == data

    def test_add_from_path_and_stream(self, backend: Backend, tmp_path: Path) -> None:
        data = content(3 * KIB256 + 5)
        path = tmp_path / "vm-state.json"
        path.write_bytes(data)
        from_path = backend.store.add(path)
        from_str = backend.store.add(str(path))
        with path.open("rb") as fh:
            from_stream = backend.store.add(fh)
        from_bytesio = backend.store.add(io.BytesIO(data))
        assert from_path == from_str == from_stream == from_bytesio
        assert from_path.cid == compute_cid(data)

    @pytest.mark.slow
    def test_two_level_tree_round_trip(self, backend: Backend, big_file: Path) -> None:
        added = backend.store.add(big_file, cid_version=1)
        assert added.cid == FULL[(1, True)][BIG][0]
        digest = backend.store.verify(added.cid)
        assert digest.ok
        assert digest.blocks == 1 + 2 + -(-BIG // KIB256)  # root, two internal nodes, 191 leaves
        assert backend.store.get(added.cid) == big_file.read_bytes()

    @pytest.mark.parametrize(
        ("offset", "length"),
        [(0, None), (0, 0), (5, 10), (KIB256 - 3, 7), (KIB256, None), (2 * KIB256 + 1, 100), (10**9, None)],
    )
    def test_cat_ranges(self, backend: Backend, offset: int, length: int | None) -> None:
        data = content(3 * KIB256 + 11)
        cid = backend.store.add(data).cid
        end = None if length is None else offset + length
        assert b"".join(backend.store.cat(cid, offset=offset, length=length)) == data[offset:end]

    def test_cat_rejects_negative_ranges(self, backend: Backend) -> None:
        cid = backend.store.add(b"abc").cid
        with pytest.raises(StorageValueError, match="negative"):
            backend.store.cat(cid, offset=-1)

    def test_add_pins_by_default_and_has_sees_the_root(self, backend: Backend) -> None:
        added = backend.store.add(b"state of vm-12345")
        assert backend.store.has(added.cid)
        assert backend.store.pins() == [added.cid]
        unpinned = backend.store.add(b"scratch", pin=False)
        assert backend.store.has(unpinned.cid)
        assert backend.store.pins() == [added.cid]

    def test_gc_removes_exactly_the_unpinned_blocks(self, backend: Backend) -> None:
        store = backend.store
        keep = content(2 * KIB256 + 1, b"keep")
        drop = content(2 * KIB256 + 1, b"drop")
        kept = store.add(keep, cid_version=1)
        dropped = store.add(drop, cid_version=1, pin=False)
        removed = store.gc()
        # the three raw leaves and the root of `drop`, reported as CIDv1 raw (blocks are keyed by multihash)
        drop_root = Cid.parse(dropped.cid)
        expected = {*leaf_cids(drop), str(Cid(1, RAW, drop_root.multihash))}
        assert set(removed) == expected
        assert len(removed) == len(expected)
        assert store.get(kept.cid) == keep
        assert not store.has(dropped.cid)
        with pytest.raises(ContentNotFoundError):
            store.get(dropped.cid)
        assert store.gc() == []

    def test_shared_blocks_survive_while_any_pin_needs_them(self, backend: Backend) -> None:
        store = backend.store
        chunk = content(KIB256, b"shared")
        first = store.add(chunk + b"A", cid_version=1)
        second = store.add(chunk + b"B", cid_version=1)
        store.unpin(first.cid)
        removed = store.gc()
        assert leaf_cids(chunk)[0] not in removed  # still a leaf of `second`
        assert store.get(second.cid) == chunk + b"B"
        assert not store.has(first.cid)

    def test_unpin_and_pin_again(self, backend: Backend) -> None:
        store = backend.store
        added = store.add(content(KIB256 + 1))
        store.unpin(added.cid)
        assert store.pins() == []
        with pytest.raises(NotPinnedError) as exc:
            store.unpin(added.cid)
        assert added.cid in str(exc.value)
        store.pin(added.cid)
        assert store.pins() == [added.cid]
        assert store.gc() == []
        store.pin(added.cid)  # pinning twice is harmless
        assert store.pins() == [added.cid]

    def test_pinning_content_that_is_not_there_fails(self, backend: Backend) -> None:
        missing = compute_cid(b"never added")
        with pytest.raises(ContentNotFoundError):
            backend.store.pin(missing)
        assert backend.store.pins() == []

    def test_pin_refuses_an_incomplete_dag(self, backend: Backend) -> None:
        data = content(2 * KIB256 + 1, b"partial")
        added = backend.store.add(data, cid_version=1, pin=False)
        block_path(backend.disk.path, leaf_cids(data)[1]).unlink()
        with pytest.raises(ContentNotFoundError):
            backend.store.pin(added.cid)
        assert backend.store.pins() == []

    def test_adding_the_same_content_twice_stores_it_once(self, backend: Backend) -> None:
        data = content(3 * KIB256)
        backend.store.add(data)
        files = sorted((backend.disk.path / "blocks").rglob("*.data"))
        backend.store.add(data)
        backend.store.add(data, cid_version=1, raw_leaves=False)  # same leaves (multihash keys), new parents
        assert len(sorted((backend.disk.path / "blocks").rglob("*.data"))) == len(files) + 1

    def test_put_and_get_blocks(self, backend: Backend) -> None:
        store = backend.store
        cid = store.put_block(b"raw bytes")
        assert cid == compute_cid(b"raw bytes", cid_version=1)
        assert store.get_block(cid) == b"raw bytes"
        assert store.get(cid) == b"raw bytes"  # a raw block is a file too
        assert store.has(cid)
        assert store.pins() == []
        node = encode_file_node([], [])
        v0 = store.put_block(node, codec="dag-pb", cid_version=0, pin=True)
        assert v0.startswith("Qm")
        assert store.get_block(v0) == node
        assert store.pins() == [v0]
        assert store.get_block(str(Cid.parse(v0).to_v1())) == node

    @pytest.mark.parametrize(
        ("kwargs", "problem"),
        [
            ({"codec": "dag-cbor"}, "unsupported block codec"),
            ({"codec": "raw", "cid_version": 0}, "CIDv0 exists only for dag-pb"),
        ],
    )
    def test_put_block_rejects_bad_options(self, backend: Backend, kwargs: dict[str, object], problem: str) -> None:
        with pytest.raises(StorageValueError, match=problem):
            backend.store.put_block(b"x", **kwargs)  # type: ignore[arg-type]

    def test_put_block_rejects_oversized_and_malformed_blocks(self, backend: Backend) -> None:
        with pytest.raises(StorageValueError, match="1 MiB"):
            backend.store.put_block(b"\0" * (1024 * 1024 + 1))
        with pytest.raises(StorageValueError, match="not valid dag-pb"):
            backend.store.put_block(b"\xff\xff", codec="dag-pb")
        assert backend.store.gc() == []  # nothing was stored

    def test_missing_content(self, backend: Backend) -> None:
        missing = compute_cid(b"never added")
        assert not backend.store.has(missing)
        with pytest.raises(ContentNotFoundError) as exc:
            backend.store.get(missing)
        assert exc.value.cid == missing
        assert "add the content first" in str(exc.value)
        with pytest.raises(ContentNotFoundError):
            backend.store.get_block(missing)

    def test_missing_inner_block_names_the_block_and_the_file(self, backend: Backend) -> None:
        data = content(2 * KIB256 + 1, b"inner")
        added = backend.store.add(data, cid_version=1)
        leaf = leaf_cids(data)[1]
        block_path(backend.disk.path, leaf).unlink()
        with pytest.raises(ContentNotFoundError) as exc:
            backend.store.get(added.cid)
        assert exc.value.cid == leaf
        assert exc.value.root == added.cid
        report = backend.store.verify(added.cid)
        assert not report.ok
        assert report.missing == (leaf,)
        assert report.corrupt == ()

    def test_a_corrupted_leaf_is_never_returned(self, backend: Backend) -> None:
        data = content(2 * KIB256 + 1, b"corrupt")
        added = backend.store.add(data, cid_version=1)
        leaf = leaf_cids(data)[1]
        damage(block_path(backend.disk.path, leaf))
        with pytest.raises(CorruptBlockError) as exc:
            backend.store.get(added.cid)
        assert leaf in str(exc.value)
        assert "add the original content again" in str(exc.value)
        with pytest.raises(CorruptBlockError):
            backend.store.get_block(leaf)
        # the first chunk is intact and still readable on its own
        assert b"".join(backend.store.cat(added.cid, length=KIB256)) == data[:KIB256]
        report = backend.store.verify(added.cid)
        assert (report.ok, report.corrupt, report.missing, report.blocks) == (False, (leaf,), (), 4)

    def test_a_corrupted_root_is_never_returned(self, backend: Backend) -> None:
        added = backend.store.add(b"hello world\n")
        damage(block_path(backend.disk.path, added.cid))
        with pytest.raises(CorruptBlockError):
            backend.store.get(added.cid)
        assert backend.store.verify(added.cid).corrupt == (added.cid,)

    def test_adding_again_repairs_a_damaged_block(self, backend: Backend) -> None:
        data = content(2 * KIB256 + 1, b"repair")
        added = backend.store.add(data)
        for leaf in sorted((backend.disk.path / "blocks").rglob("*.data")):
            damage(leaf)
        assert not backend.store.verify(added.cid).ok
        assert backend.store.add(data) == added
        assert backend.store.verify(added.cid).ok
        assert backend.store.get(added.cid) == data

    def test_gc_refuses_to_run_over_a_damaged_pin(self, backend: Backend) -> None:
        data = content(2 * KIB256 + 1, b"gc-damaged")
        added = backend.store.add(data, cid_version=1)
        scratch = backend.store.add(b"unpinned scratch", pin=False)
        damage(block_path(backend.disk.path, added.cid))  # the root: gc must read it to find the leaves
        with pytest.raises(StorageError):
            backend.store.gc()
        assert backend.store.has(scratch.cid)  # nothing was deleted
        assert all(backend.store.has(leaf) for leaf in leaf_cids(data))

    def test_verify_a_good_dag(self, backend: Backend) -> None:
        added = backend.store.add(content(3 * KIB256 + 3))
        report = backend.store.verify(added.cid)
        assert report.ok
        assert report.cid == added.cid
        assert report.blocks == 5

    def test_directories_are_not_files(self, backend: Backend) -> None:
        directory = b"\x0a\x02\x08\x01"  # PBNode{Data: UnixFS{Type: Directory}}: an empty UnixFS directory
        cid = backend.store.put_block(directory, codec="dag-pb", cid_version=0)
        assert cid == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"  # Kubo's empty directory
        with pytest.raises(UnsupportedContentError, match="directory"):
            backend.store.get(cid)

    @pytest.mark.parametrize("bad", ["", "not-a-cid", "QmShort"])
    def test_invalid_cids(self, backend: Backend, bad: str) -> None:
        for call in (backend.store.get, backend.store.get_block, backend.store.has, backend.store.pin):
            with pytest.raises(InvalidCidError):
                call(bad)

    def test_cids_in_other_forms_name_the_same_content(self, backend: Backend) -> None:
        added = backend.store.add(b"hello world\n")
        v1 = str(Cid.parse(added.cid).to_v1())
        assert backend.store.get(v1) == b"hello world\n"
        assert backend.store.get(f"/ipfs/{added.cid}") == b"hello world\n"
        backend.store.unpin(v1)  # the pin of the CIDv0 is the pin of its CIDv1
        assert backend.store.pins() == []
