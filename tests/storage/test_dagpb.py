"""dag-pb and UnixFS encoding, byte for byte as Kubo writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novacron_chain.storage._cid import Cid
from novacron_chain.storage._dagpb import (
    UNIXFS_FILE,
    decode_node,
    decode_unixfs,
    encode_file_node,
    has_links,
    leaf_parts,
)
from novacron_chain.storage._varint import decode_varint, encode_varint

HELLO = b"hello world\n"


def test_leaf_bytes_of_hello_world() -> None:
    head, tail = leaf_parts(HELLO)
    # PBNode{Data: UnixFS{Type: File(2), Data: "hello world\n", filesize: 12}}
    assert head + HELLO + tail == bytes.fromhex("0a12080212") + b"\x0c" + HELLO + bytes.fromhex("180c")


def test_empty_file_leaf_has_no_data_field() -> None:
    head, tail = leaf_parts(b"")
    assert head + tail == bytes.fromhex("0a0408021800")


def test_internal_node_layout() -> None:
    child_a = Cid.parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o").to_bytes()
    child_b = Cid.parse("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4").to_bytes()
    block = encode_file_node([(child_a, 20), (child_b, 12)], [12, 12])
    first_link = b"\x0a\x22" + child_a + b"\x12\x00" + b"\x18\x14"
    assert block.startswith(b"\x12" + bytes([len(first_link)]) + first_link)  # Links (field 2) come first
    assert b"\x12\x00" in block  # Name is written, as an empty string, like Kubo
    node = decode_node(block)
    assert [link.hash for link in node.links] == [child_a, child_b]
    assert [link.name for link in node.links] == ["", ""]
    assert [link.tsize for link in node.links] == [20, 12]
    assert node.data == bytes.fromhex("08021818200c200c")  # Type File, filesize 24, blocksizes 12, 12
    unixfs = decode_unixfs(node.data)
    assert (unixfs.type, unixfs.filesize, unixfs.blocksizes, unixfs.data) == (UNIXFS_FILE, 24, [12, 12], None)
    assert has_links(block[:1])
    assert not has_links((leaf_parts(HELLO)[0])[:1])
    assert not has_links(b"")


def test_packed_blocksizes_are_read() -> None:
    # protobuf parsers accept the packed form of a repeated varint; so do we
    data = bytes.fromhex("080218032203010101")
    assert decode_unixfs(data).blocksizes == [1, 1, 1]


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        (bytes.fromhex("0a00") + bytes.fromhex("1202") + bytes.fromhex("0a00"), "Links after Data"),
        (bytes.fromhex("1a00"), "unexpected PBNode field"),
        (bytes.fromhex("0a05"), "past the end"),
        (bytes.fromhex("1202") + bytes.fromhex("1800"), "without Hash"),
        (bytes.fromhex("1204") + bytes.fromhex("1800") + bytes.fromhex("0a00"), "out of order"),
    ],
)
def test_non_canonical_dag_pb_is_rejected(block: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        decode_node(block)


def test_unixfs_without_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="without a Type"):
        decode_unixfs(bytes.fromhex("1800"))


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_varint_round_trip(value: int) -> None:
    encoded = encode_varint(value)
    assert decode_varint(encoded + b"\xff", 0) == (value, len(encoded))


def test_varint_errors() -> None:
    with pytest.raises(ValueError, match="truncated"):
        decode_varint(b"\x80")
    with pytest.raises(ValueError, match="minimally"):
        decode_varint(b"\x80\x00")
    with pytest.raises(ValueError, match="negative"):
        encode_varint(-1)
