"""CARv1 archives: round trips through the embedded store, the header's exact bytes, and damage always refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from novacron_chain.errors import StorageError
from novacron_chain.storage import (
    CarFormatError,
    CarReader,
    CarWriter,
    Cid,
    ContentNotFoundError,
    CorruptBlockError,
    EmbeddedStore,
    StorageValueError,
    compute_cid,
    export_car,
    import_car,
)
from novacron_chain.storage._car import decode_header, encode_header


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(tmp_path / "src", durable=False)


def test_round_trip_of_a_multi_block_file(store: EmbeddedStore, tmp_path: Path) -> None:
    data = os.urandom(700_000)  # 3 chunks of 256 KiB and a root node
    root = store.add(data).cid
    assert root == compute_cid(data)
    summary = export_car(store, root, tmp_path / "f.car")
    assert summary.roots == (root,)
    assert summary.blocks == store.verify(root).blocks == 4
    assert summary.size == (tmp_path / "f.car").stat().st_size

    with CarReader(tmp_path / "f.car") as reader:
        assert [str(r) for r in reader.roots] == [root]
        blocks = list(reader)
        assert reader.missing() == []
    assert str(blocks[0][0]) == root  # parents first, as `ipfs dag export` writes
    with EmbeddedStore(tmp_path / "dst", durable=False) as dst:
        imported = import_car(dst, tmp_path / "f.car")
        assert imported.blocks == 4
        assert dst.get(root) == data
        assert dst.pins() == [root]


def test_cidv1_raw_block_and_stream_export(store: EmbeddedStore) -> None:
    cid = store.put_block(b"hello car", codec="raw")
    buf = io.BytesIO()
    export_car(store, cid, buf)
    raw = buf.getvalue()
    header = encode_header([Cid.parse(cid)])
    # canonical dag-cbor: {"roots": [tag 42 bytes(0x00 || cid)], "version": 1}, keys sorted by length
    binary = Cid.parse(cid).to_bytes()
    assert header == (
        b"\xa2\x65roots\x81\xd8\x2a\x58" + bytes([len(binary) + 1]) + b"\x00" + binary + b"\x67version\x01"
    )
    assert raw[0] == len(header)
    assert raw[1 : 1 + len(header)] == header
    assert raw[1 + len(header)] == len(binary) + len(b"hello car")
    assert raw.endswith(binary + b"hello car")
    assert decode_header(header) == (1, (Cid.parse(cid),))
    buf.seek(0)
    with EmbeddedStore(store.path.parent / "dst", durable=False) as dst:
        assert import_car(dst, buf).blocks == 1
        assert dst.get_block(cid) == b"hello car"


def _small_car(store: EmbeddedStore) -> tuple[bytes, str]:
    data = os.urandom(300_000)  # 2 leaves under a root node
    root = store.add(data, cid_version=1).cid
    buf = io.BytesIO()
    export_car(store, root, buf)
    return buf.getvalue(), root


def test_every_flipped_byte_is_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    raw, _root = _small_car(store)
    dst = EmbeddedStore(tmp_path / "dst", durable=False)
    # every byte of the framing and the CIDs, and a sample of the block contents
    header_and_cids = [i for i in range(len(raw)) if i < 200 or i % 997 == 0 or len(raw) - i < 300]
    for i in header_and_cids:
        for mask in (0x01, 0x80, 0xFF):
            damaged = bytearray(raw)
            damaged[i] ^= mask
            with pytest.raises(StorageError):
                import_car(dst, io.BytesIO(bytes(damaged)))
    assert dst.pins() == []


def test_a_missing_block_is_refused(store: EmbeddedStore, tmp_path: Path) -> None:
    raw, root = _small_car(store)
    reader = CarReader(io.BytesIO(raw))
    blocks = list(reader)
    out = io.BytesIO()
    writer = CarWriter(out, reader.roots)
    for cid, data in blocks[:-1]:
        writer.add(cid, data)
    out.seek(0)
    dst = EmbeddedStore(tmp_path / "dst", durable=False)
    with pytest.raises(CarFormatError, match="incomplete: 1 linked blocks"):
        import_car(dst, out)
    assert dst.pins() == []
    # and the root itself missing
    out = io.BytesIO()
    writer = CarWriter(out, reader.roots)
    for cid, data in blocks[1:]:
        writer.add(cid, data)
    out.seek(0)
    with pytest.raises(CarFormatError, match=f"first: {root}"):
        import_car(dst, out)


def test_a_block_under_another_cid_is_refused(store: EmbeddedStore) -> None:
    a = store.put_block(b"a")
    out = io.BytesIO()
    writer = CarWriter(out, [a])
    writer.add(a, b"b")
    out.seek(0)
    with pytest.raises(CorruptBlockError, match="at byte"):
        list(CarReader(out))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "empty"),
        (b"\x05ab", "ends inside the header"),
        (b"\x0bnot-a-cbor!", "not a CARv1 header"),
        (b"\x0a\xa1\x67version\x02", "CAR version 2"),
        (b"\x01\xa0", "has no version"),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "not a valid varint"),
    ],
)
def test_malformed_archives(raw: bytes, problem: str) -> None:
    with pytest.raises(CarFormatError, match=problem) as info:
        list(CarReader(io.BytesIO(raw)))
    assert info.value.to_dict()["path"]


def test_truncated_archive_and_bad_paths(store: EmbeddedStore, tmp_path: Path) -> None:
    raw, _root = _small_car(store)
    with pytest.raises(CarFormatError, match="ends inside a block section"):
        list(CarReader(io.BytesIO(raw[:-10])))
    with pytest.raises(StorageValueError, match="cannot read the archive"):
        CarReader(tmp_path / "nope.car")
    with pytest.raises(StorageValueError, match="is a directory"):
        export_car(store, store.put_block(b"x"), tmp_path)
    with pytest.raises(StorageValueError, match="cannot write the archive"):
        export_car(store, store.put_block(b"x"), tmp_path / "no" / "such" / "dir.car")
    with pytest.raises(ContentNotFoundError):
        export_car(store, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", tmp_path / "x.car")
    assert not list(tmp_path.glob("*.car"))
    assert not list(tmp_path.glob(".tmp-*"))


def test_the_base32_fast_path_of_cid_parse_agrees_with_multiformats() -> None:
    from multiformats import CID

    from novacron_chain.storage._cid import _parse_b32_sha256

    for _ in range(200):
        for codec in ("raw", "dag-pb"):
            mf = CID("base32", 1, codec, ("sha2-256", os.urandom(32)))
            fast = _parse_b32_sha256(str(mf))
            assert fast is not None
            assert fast == Cid(1, int(mf.codec.code), bytes(mf.digest))
            assert str(fast) == str(mf)
    good = str(CID("base32", 1, "raw", ("sha2-256", bytes(32))))
    for text in (good.upper(), good[:-1] + "9", "B" + good[1:], good[:-1] + "b", good + "a"):
        assert _parse_b32_sha256(text) is None  # left to multiformats, which decides
    dag_cbor = str(CID("base32", 1, "dag-cbor", ("sha2-256", bytes(32))))
    assert _parse_b32_sha256(dag_cbor) is None
