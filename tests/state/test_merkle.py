"""Merkle trees: the roots and proofs of OpenZeppelin's JS library, and proofs that MerkleProof accepts on chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError
from novacron_chain.state import MerkleTree, StateValueError, hash_pair, leaf_hash, process_proof, verify_proof

VECTORS = json.loads((Path(__file__).parent / "data" / "oz_vectors.json").read_text())


def _b(h: str) -> bytes:
    return bytes.fromhex(h[2:])


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"n={c['n']}")
def test_roots_and_proofs_match_openzeppelins_library(case: dict[str, object]) -> None:
    n = int(case["n"])  # type: ignore[call-overload]
    leaves = [leaf_hash(f"record-{i}".encode()) for i in range(n)]
    assert ["0x" + x.hex() for x in leaves] == case["leaves"]
    tree = MerkleTree(leaves)
    assert "0x" + tree.root.hex() == case["root"]
    for i, proof in enumerate(case["proofs"]):  # type: ignore[arg-type]
        assert ["0x" + p.hex() for p in tree.proof(i)] == proof
        assert tree.leaf(i) == leaves[i]


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70), st.data())
@settings(max_examples=150, deadline=None)
def test_every_proof_verifies_and_nothing_else_does(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree(leaves)
    i = data.draw(st.integers(0, len(leaves) - 1))
    proof = tree.proof(i)
    assert verify_proof(tree.root, leaves[i], proof)
    other = data.draw(st.binary(min_size=32, max_size=32))
    if other not in leaves:
        assert not verify_proof(tree.root, other, proof)
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bent = [*proof]
        bent[j] = bytes(32) if bent[j] != bytes(32) else b"\x01" * 32
        assert process_proof(leaves[i], bent) != tree.root


def test_pairs_hash_in_sorted_order_and_bad_input_is_refused() -> None:
    a, b = b"\x01" * 32, b"\x02" * 32
    assert hash_pair(a, b) == hash_pair(b, a)
    with pytest.raises(StateValueError):
        MerkleTree([])
    with pytest.raises(StateValueError):
        MerkleTree([b"short"])
    with pytest.raises(StateValueError):
        MerkleTree([a]).proof(1)


def test_python_proofs_verify_on_chain(snova: NovaChain) -> None:
    """The contract's MerkleProof accepts every proof of trees of several shapes, and refuses a wrong leaf."""
    anchor = snova.contract("StateAnchor")
    chain = snova.chain
    for n in (1, 2, 3, 7, 16, 33):
        records = [f"record {n}-{i}".encode() for i in range(n)]
        leaves = [leaf_hash(r) for r in records]
        tree = MerkleTree(leaves)
        chain.transact(anchor.functions.anchor(tree.root, n, f"bafy-test-{n}"))
        batch_id = chain.call(anchor.functions.batchCount())
        for i in range(n):
            assert chain.call(anchor.functions.verifyRecord(batch_id, leaves[i], tree.proof(i)))
        assert chain.call(anchor.functions.leafOf(records[0])) == leaves[0]
        assert not chain.call(anchor.functions.verifyRecord(batch_id, leaf_hash(b"forged"), tree.proof(0)))
    with pytest.raises(ContractCustomError) as info:
        chain.call(anchor.functions.verifyRecord(999, leaves[0], []))
    assert info.value.error_name == "StateAnchorUnknownBatch"
