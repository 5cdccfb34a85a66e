"""What only the embedded store has: its on-disk layout, durability, reopening, concurrency, streaming memory."""

from __future__ import annotations

import errno
import json
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from novacron_chain.errors import StorageError
from novacron_chain.storage import (
    ContentNotFoundError,
    DamagedContentError,
    EmbeddedStore,
    StorageValueError,
    compute_cid,
)
from novacron_chain.storage._blockstore import FlatBlockstore
from novacron_chain.storage._cid import RAW, Cid
from novacron_chain.storage._dagpb import encode_file_node

from ._vectors import FULL, KIB256, content
from .conftest import BIG, block_path


def test_layout_is_kubo_flatfs_keyed_by_multihash(embedded_store: EmbeddedStore) -> None:
    added = embedded_store.add(b"hello world\n")
    path = block_path(embedded_store.path, added.cid)
    # base32 multihash key, sharded by its next-to-last two characters, like Kubo's flatfs
    assert path.name == "CIQENVCICS44LLYUDQ5KVN6ALXC6QRHK2X4R6EUFRMBB5OSFO2FUYDQ.data"
    assert path.parent.name == "YD"
    assert path.read_bytes() == bytes.fromhex("0a120802120c") + b"hello world\n" + bytes.fromhex("180c")
    marker = json.loads((embedded_store.path / "novacron-store.json").read_text())
    assert marker["version"] == 1
    pin_files = list((embedded_store.path / "pins").iterdir())
    assert [p.read_text() for p in pin_files] == [added.cid]
    assert not [p for p in embedded_store.path.rglob("*") if ".tmp-" in p.name]


def test_reopening_sees_blocks_and_pins(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path / "s")
    added = first.add(content(KIB256 + 1))
    scratch = first.add(b"scratch", pin=False)
    second = EmbeddedStore(tmp_path / "s")
    assert second.get(added.cid) == content(KIB256 + 1)
    assert second.pins() == [added.cid]
    assert set(second.gc()) == {str(Cid(1, RAW, Cid.parse(scratch.cid).multihash))}


def test_refuses_a_directory_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine")
    with pytest.raises(StorageValueError, match="not a content store") as exc:
        EmbeddedStore(tmp_path / "home")
    assert "nothing in this one was touched" in str(exc.value)
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageValueError, match="is a file"):
        EmbeddedStore(tmp_path / "file")


def test_refuses_an_unknown_format_version(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "s")
    (tmp_path / "s" / "novacron-store.json").write_text('{"version": 99}')
    with pytest.raises(StorageValueError, match="format version 99"):
        EmbeddedStore(tmp_path / "s")
    (tmp_path / "s" / "novacron-store.json").write_text("garbage")
    with pytest.raises(StorageValueError, match="not a valid store marker"):
        EmbeddedStore(tmp_path / "s")


def test_a_full_disk_is_reported_and_nothing_is_pinned(
    embedded_store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: FlatBlockstore, multihash: bytes, parts: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FlatBlockstore, "write", full)
    with pytest.raises(StorageError, match="No space left on device") as exc:
        embedded_store.add(content(KIB256 * 2))
    assert "free disk space" in str(exc.value)
    assert embedded_store.pins() == []


def test_gc_removes_leftover_temporary_files(embedded_store: EmbeddedStore) -> None:
    added = embedded_store.add(b"x")
    shard = block_path(embedded_store.path, added.cid).parent
    leftover = shard / ".tmp-CIQ.data.123abc"
    leftover.write_bytes(b"half a block")
    half_pin = embedded_store.path / "pins" / ".tmp-BAFY.123abc"
    half_pin.write_bytes(b"Qm")
    embedded_store.gc()
    assert not leftover.exists()
    assert not half_pin.exists()
    assert embedded_store.get(added.cid) == b"x"


def test_identity_cids_are_inline(embedded_store: EmbeddedStore) -> None:
    inline = str(Cid(1, RAW, b"\x00\x03abc"))
    assert embedded_store.has(inline)
    assert embedded_store.get_block(inline) == b"abc"
    assert embedded_store.get(inline) == b"abc"


def test_pinning_a_put_node_needs_its_children(embedded_store: EmbeddedStore) -> None:
    child = Cid.parse(compute_cid(b"absent child", cid_version=1))
    node = encode_file_node([(child.to_bytes(), 12)], [12])
    with pytest.raises(ContentNotFoundError):
        embedded_store.put_block(node, codec="dag-pb", pin=True)
    assert embedded_store.pins() == []
    embedded_store.put_block(b"absent child")
    cid = embedded_store.put_block(node, codec="dag-pb", pin=True)
    assert embedded_store.get(cid) == b"absent child"


def test_not_durable_mode_works(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s", durable=False)
    added = store.add(content(KIB256 + 1))
    assert added.cid == FULL[(0, False)][KIB256 + 1][0]
    assert store.get(added.cid) == content(KIB256 + 1)


def test_concurrent_adds_and_gc_never_lose_pinned_content(embedded_store: EmbeddedStore) -> None:
    stop = threading.Event()
    removed: list[str] = []

    def collect() -> None:
        while not stop.is_set():
            removed.extend(embedded_store.gc())

    def add(i: int) -> tuple[str, bytes, str]:
        data = content(KIB256 + i, b"thread")
        kept = embedded_store.add(data)
        embedded_store.add(data + b"tmp", pin=False)
        return kept.cid, data, compute_cid(data)

    collector = threading.Thread(target=collect)
    collector.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(add, range(24)))
    finally:
        stop.set()
        collector.join()
    for cid, data, expected in results:
        assert cid == expected
        assert embedded_store.get(cid) == data
        assert embedded_store.verify(cid).ok
    assert sorted(embedded_store.pins()) == sorted(cid for cid, _, _ in results)


def test_add_streams_a_large_file_in_bounded_memory(embedded_store: EmbeddedStore, big_file: Path) -> None:
    peaks = []
    for _ in range(2):  # tracemalloc counts every thread: a second try rules out another test's thread's burst
        tracemalloc.start()
        try:
            added = embedded_store.add(big_file)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peaks.append(peak)
        if peak < 4 * 1024 * 1024:
            break
    peak = min(peaks)
    assert added.cid == FULL[(0, False)][BIG][0]
    assert peak < 4 * 1024 * 1024, f"add of a {BIG} byte file peaked at {peak} bytes of Python memory"
    tracemalloc.start()
    try:
        total = sum(len(piece) for piece in embedded_store.cat(added.cid))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == BIG
    assert peak < 4 * 1024 * 1024, f"cat peaked at {peak} bytes"


def test_a_damaged_verify_report_becomes_an_error(embedded_store: EmbeddedStore) -> None:
    """DamagedContentError: what callers raise when damage is a failure (`ipfs verify` exits 1 with it)."""
    added = embedded_store.add(b"hello world\n")
    block_path(embedded_store.path, added.cid).write_bytes(b"changed")
    report = embedded_store.verify(added.cid)
    error = DamagedContentError(report)
    assert isinstance(error, StorageError)
    assert error.exit_code == 1
    assert error.report is report
    assert str(error).startswith(f"{added.cid}: 0 blocks missing, 1 damaged (first: {added.cid})")
    assert error.to_dict() == {
        "error": "DamagedContentError",
        "message": error.message,
        "hint": error.hint,
        "cid": added.cid,
        "ok": False,
        "blocks": 1,
        "missing": [],
        "corrupt": [added.cid],
    }
