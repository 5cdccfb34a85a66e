"""The fixed-depth keccak Merkle trees: zero hashes, proofs, and dirty-only recomputation == full recomputation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.l2 import _tree
from novacron_chain.l2._batch import merkle_proof
from novacron_chain.l2._tree import (
    MerkleTree,
    compute_root,
    keccak,
    keccak_big,
    merkle_root,
    remember_keccak,
    verify_proof,
    zero_hashes,
)


def test_zero_hashes() -> None:
    z = zero_hashes(3)
    assert z[0] == bytes(32)
    assert z[1] == keccak(bytes(64))
    assert z[3] == keccak(z[2] + z[2])
    assert MerkleTree(24).commit() == zero_hashes(24)[24]


def test_single_leaf_root_by_hand() -> None:
    t = MerkleTree(4)
    leaf = b"\x01" * 32
    t.set_leaf(5, leaf)  # 0b0101: right, left, right, left
    z = zero_hashes(4)
    n = keccak(z[0] + leaf)
    n = keccak(n + z[1])
    n = keccak(z[2] + n)
    n = keccak(n + z[3])
    assert t.commit() == n == t.full_root()
    assert t.proof(5) == [z[0], z[1], z[2], z[3]]
    assert verify_proof(leaf, 5, t.proof(5), n)
    assert not verify_proof(leaf, 4, t.proof(5), n)
    assert not verify_proof(leaf, 16, t.proof(5), n)


def test_index_outside_depth() -> None:
    t = MerkleTree(4)
    with pytest.raises(IndexError):
        t.set_leaf(16, b"\x01" * 32)
    with pytest.raises(IndexError):
        t.proof(16)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 300), st.binary(min_size=32, max_size=32)), max_size=20),
        min_size=1,
        max_size=6,
    )
)
def test_dirty_recomputation_equals_full(rounds: list[list[tuple[int, bytes]]]) -> None:
    """Also: the C extension's commit (``_native.commit_levels``) and the Python loop give the same nodes."""
    t, slow = MerkleTree(24), MerkleTree(24)
    real = _tree.NATIVE
    for writes in rounds:
        for index, leaf in writes:
            t.set_leaf(index, leaf)
            slow.set_leaf(index, leaf)
        root = t.commit()
        _tree.NATIVE = None
        try:
            assert slow.commit() == root
        finally:
            _tree.NATIVE = real
        assert t._levels == slow._levels
        assert root == t.full_root()
        for index, _ in writes[:3]:
            assert verify_proof(t.leaf(index), index, t.proof(index), root)
        # a proof of an untouched (zero) slot far right
        assert verify_proof(bytes(32), 2**24 - 1, t.proof(2**24 - 1), root)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 200), st.integers(0, 199))
def test_truncate_and_append(size: int, cut: int) -> None:
    t = MerkleTree(32)
    for i in range(size):
        assert t.append(keccak(i.to_bytes(4, "big"))) == i
    full = t.commit()
    cut = min(cut, size)
    t.truncate(cut)
    ref = MerkleTree(32)
    for i in range(cut):
        ref.append(keccak(i.to_bytes(4, "big")))
    assert t.commit() == ref.commit() == t.full_root()
    for i in range(cut, size):
        t.append(keccak(i.to_bytes(4, "big")))
    assert t.commit() == full


def test_copy_is_independent() -> None:
    t = MerkleTree(8)
    t.set_leaf(3, b"\x03" * 32)
    c = t.copy()
    c.set_leaf(4, b"\x04" * 32)
    assert t.commit() != c.commit()
    assert c.commit() == c.full_root()


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=9), st.data())
def test_merkle_root_and_proof(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    root = merkle_root(leaves)
    proof = merkle_proof(leaves, index)
    assert compute_root(leaves[index], index, proof) == root
    assert len(proof) == (len(leaves) - 1).bit_length()
    if len(leaves) == 1:
        assert root == leaves[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"", b"a", b"ab", b"\x02" * 300, b"\x02" * 299 + b"\x03"]), max_size=12))
def test_keccak_big_is_keccak_whatever_came_before(inputs: list[bytes]) -> None:
    for data in inputs:  # repeats, equal lengths with other contents, the empty input
        assert keccak_big(data) == keccak(data)
        assert keccak_big(bytearray(data)) == keccak(data)  # a copy of the last input hits the memo
    remember_keccak(b"\x02signed", keccak(b"\x02signed"))
    assert keccak_big(b"\x02signed") == keccak(b"\x02signed")
    assert keccak_big(b"\x02signee") == keccak(b"\x02signee")
