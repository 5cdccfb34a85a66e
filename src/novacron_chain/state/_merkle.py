"""Merkle trees that OpenZeppelin's ``MerkleProof.verify`` accepts, built the way its JS library builds them.

Layout and proofs are those of ``@openzeppelin/merkle-tree``'s ``SimpleMerkleTree`` with ``sortLeaves: false``
(tests compare roots and proofs with vectors made by that library): the tree is an array of ``2n - 1`` nodes,
leaf ``i`` sits at ``2n - 2 - i``, node ``k`` hashes its children ``2k + 1`` and ``2k + 2``, and a pair is hashed
in sorted order, ``keccak256(min(a, b) ++ max(a, b))``, so a proof is just the sibling hashes, without directions.

Leaves are given already hashed (32 bytes each); records become leaves with
:func:`~novacron_chain.state.leaf_hash` (double keccak256, so no leaf can pass for an inner node).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._errors import StateValueError
from ._hashing import keccak

__all__ = ["MerkleTree", "hash_pair", "process_proof", "verify_proof"]


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin's commutative node hash: keccak256 of the two children in ascending order."""
    return keccak(a + b) if a < b else keccak(b + a)


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root a proof leads to from ``leaf`` (``MerkleProof.processProof``)."""
    node = leaf
    for sibling in proof:
        node = keccak(node + sibling) if node < sibling else keccak(sibling + node)
    return node


def verify_proof(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` leads from ``leaf`` to ``root`` (``MerkleProof.verify``)."""
    return process_proof(leaf, proof) == root


class MerkleTree:
    """A Merkle tree over ``leaves`` (32-byte hashes, in the given order; duplicates allowed)."""

    __slots__ = ("_nodes", "leaf_count")

    def __init__(self, leaves: Sequence[bytes]) -> None:
        n = len(leaves)
        if n == 0:
            raise StateValueError("a Merkle tree needs at least one leaf", hint="record something first")
        for leaf in leaves:
            if len(leaf) != 32:
                raise StateValueError(f"a Merkle leaf must be 32 bytes, not {len(leaf)}")
        nodes: list[bytes] = [b""] * (2 * n - 1)
        nodes[n - 1 :] = reversed(leaves)
        for k in range(n - 2, -1, -1):
            a, b = nodes[2 * k + 1], nodes[2 * k + 2]
            nodes[k] = keccak(a + b) if a < b else keccak(b + a)
        self._nodes = nodes
        self.leaf_count = n

    @property
    def root(self) -> bytes:
        """The root hash."""
        return self._nodes[0]

    def leaf(self, index: int) -> bytes:
        """Leaf ``index`` (in the order given)."""
        return self._nodes[self._position(index)]

    def proof(self, index: int) -> list[bytes]:
        """The sibling hashes from leaf ``index`` up to the root (empty for a tree of one leaf)."""
        pos = self._position(index)
        nodes = self._nodes
        out = []
        while pos > 0:
            out.append(nodes[pos + 1 if pos % 2 else pos - 1])
            pos = (pos - 1) // 2
        return out

    def proofs(self) -> list[bytes]:
        """Every leaf's proof, in leaf order, each as its sibling hashes concatenated (``b"".join(proof(i))``).

        One pass from the root down: a node's proof is its sibling followed by its parent's proof, so the whole
        set costs two byte concatenations per inner node instead of a walk up the tree per leaf."""
        nodes = self._nodes
        m = len(nodes)
        paths: list[bytes] = [b""] * m
        for k in range(1, m, 2):  # k and k + 1 are siblings, children of (k - 1) // 2
            up = paths[(k - 1) >> 1]
            paths[k] = nodes[k + 1] + up
            paths[k + 1] = nodes[k] + up
        return paths[m - 1 : m - 1 - self.leaf_count : -1] if self.leaf_count < m else paths[::-1]

    def _position(self, index: int) -> int:
        if not 0 <= index < self.leaf_count:
            raise StateValueError(f"leaf index {index} is outside the tree's {self.leaf_count} leaves")
        return len(self._nodes) - 1 - index
