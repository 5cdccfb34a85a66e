"""keccak256 and the fixed-depth binary Merkle trees of the L2 state (accounts, withdrawals, batch segments).

Node = keccak256(left ‖ right); an empty leaf is 32 zero bytes; ``Z[0] = 0``, ``Z[i+1] = keccak(Z[i] ‖ Z[i])``.
Siblings in proofs go from the leaf level up; bit ``i`` of the index picks left (0) / right (1) at level ``i``.

:class:`MerkleTree` stores a *dense prefix*: leaves are used from index 0 upwards (accounts are numbered in order of
creation, withdrawals are appended), so each level is a list of ``2**c >> level`` nodes
(``2**c`` is the capacity, doubled when needed; unused slots share the zero hash of their level) and everything to the
right of the capacity is a zero subtree. A commit rehashes only the ancestors of the leaves set since the previous
commit, level by level. Lists of 32-byte ``bytes`` measured about 25% faster per node than slices of flat
``bytearray`` buffers; memory is about 160 bytes per used leaf.

keccak256 comes from the project's C extension ``_native`` when the install could compile it (``setup.py``; about
0.42 µs per 64-byte call here, and :meth:`MerkleTree.commit` runs its level loop in C, ~0.36 µs per node), else from
``safe-pysha3`` (~0.7 µs per call, ~1 µs per node with the Python loop), else from pycryptodome (about 4 µs; always
present as a dependency of eth-account). ``KECCAK_BACKEND`` names the one in use; ``NOVACRON_NO_EXTENSIONS=1`` in
the environment skips the extension.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "KECCAK_BACKEND",
    "NATIVE",
    "MerkleTree",
    "RootTracker",
    "compute_root",
    "keccak",
    "merkle_root",
    "verify_proof",
    "zero_hashes",
]


def _native() -> Any:
    if os.environ.get("NOVACRON_NO_EXTENSIONS"):  # like aiohttp's AIOHTTP_NO_EXTENSIONS: A/B runs, bug isolation
        return None
    try:
        return importlib.import_module("novacron_chain.l2._native")
    except ImportError:  # built without a C compiler: the Python loop over safe-pysha3
        return None


NATIVE: Any = _native()
"""The C extension module ``novacron_chain.l2._native`` (``_native.c``), or None where it was not built."""


def _keccak_backend() -> tuple[Callable[[bytes], bytes], Callable[[Any], Any], str]:
    try:
        sha3 = importlib.import_module("sha3")
    except ImportError:
        from Crypto.Hash import keccak as _pycryptodome

        class _Hasher:
            __slots__ = ("_h",)

            def __init__(self, data: Any) -> None:
                self._h = _pycryptodome.new(data=bytes(data), digest_bits=256)

            def digest(self) -> bytes:
                return self._h.digest()

        def pycryptodome_keccak(data: bytes) -> bytes:
            return _pycryptodome.new(data=data, digest_bits=256).digest()

        return pycryptodome_keccak, _Hasher, "pycryptodome"
    k256 = sha3.keccak_256

    def pysha3_keccak(data: bytes) -> bytes:
        return k256(data).digest()  # type: ignore[no-any-return]

    return pysha3_keccak, k256, "pysha3"


keccak, _HASHER, KECCAK_BACKEND = _keccak_backend()
if NATIVE is not None:  # _HASHER stays: the Python commit loop, where NATIVE is switched off
    keccak, KECCAK_BACKEND = NATIVE.keccak256, "native"
"""``keccak(data) -> bytes``: keccak256 (Ethereum's), 32 bytes."""

_LAST_BIG: tuple[bytes, bytes] = (b"", keccak(b""))


def keccak_big(data: bytes) -> bytes:
    """``keccak(data)`` remembering the last input: a proposal's signed transaction (hundreds of kB, ~0.8 ms to
    hash) is hashed by the signer, the write-ahead log and the sequencer in turn; comparing it is ~50x cheaper."""
    global _LAST_BIG
    last = _LAST_BIG
    if data == last[0]:
        return last[1]
    digest = keccak(data)
    _LAST_BIG = (bytes(data), digest)
    return digest


def remember_keccak(data: bytes, digest: bytes) -> None:
    """Tell :func:`keccak_big` that ``keccak(data)`` is ``digest`` (computed elsewhere, e.g. by a signer)."""
    global _LAST_BIG
    _LAST_BIG = (data, digest)


_ZERO32 = bytes(32)


def zero_hashes(depth: int) -> list[bytes]:
    """``[Z[0], ..., Z[depth]]``: the root of an empty subtree of each height."""
    out = [_ZERO32]
    for _ in range(depth):
        out.append(keccak(out[-1] + out[-1]))
    return out


def compute_root(leaf: bytes, index: int, siblings: Sequence[bytes]) -> bytes:
    """The root a leaf at ``index`` with these siblings (leaf level first) hashes up to."""
    node = leaf
    for level, sibling in enumerate(siblings):
        node = keccak(sibling + node) if (index >> level) & 1 else keccak(node + sibling)
    return node


def verify_proof(leaf: bytes, index: int, siblings: Sequence[bytes], root: bytes) -> bool:
    """Whether ``leaf`` sits at ``index`` under ``root`` (``len(siblings)`` is the depth)."""
    if index < 0 or index >> len(siblings):
        return False
    return compute_root(leaf, index, siblings) == root


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """Root over ``leaves`` padded with zero leaves to the next power of two (one leaf: the leaf itself)."""
    if not leaves:
        return _ZERO32
    level = list(leaves)
    size = 1
    while size < len(level):
        size <<= 1
    level.extend([_ZERO32] * (size - len(level)))
    while len(level) > 1:
        level = [keccak(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class MerkleTree:
    """A binary keccak Merkle tree of fixed ``depth`` whose used leaves form a prefix ``0..size-1``.

    ``set_leaf`` writes a leaf and marks it dirty; ``commit`` rehashes only the dirty paths and returns the root;
    ``root`` is the root as of the last commit. Leaves beyond ``size`` are zero.
    """

    __slots__ = ("_cap", "_chain", "_changed", "_dirty", "_levels", "_root", "_zero", "depth", "size")

    def __init__(self, depth: int) -> None:
        if not 1 <= depth <= 64:
            raise ValueError(f"tree depth {depth} is not between 1 and 64")
        self.depth = depth
        self.size = 0
        self._zero = zero_hashes(depth)
        self._cap = 0  # capacity 2**_cap leaves
        self._levels: list[list[bytes]] = [[_ZERO32]]
        self._dirty: set[int] = set()
        self._changed: set[int] | None = None  # leaves set since the last take_changes(), when tracking
        self._chain: list[bytes] = []  # node 0 of the levels _cap..depth
        self._rebuild_chain()

    # -- leaves -------------------------------------------------------------------------------------------------

    def _grow(self, index: int) -> None:
        if index >> self.depth:
            raise IndexError(f"leaf index {index} is outside a tree of depth {self.depth}")
        new_cap = max(index.bit_length(), 1)
        zero = self._zero
        levels = self._levels
        old_cap = self._cap
        for level in range(old_cap + 1):
            have = len(levels[level])
            want = 1 << (new_cap - level)
            levels[level].extend([zero[level]] * (want - have))
        for level in range(old_cap + 1, new_cap + 1):
            nodes = [zero[level]] * (1 << (new_cap - level))
            below = levels[level - 1]
            nodes[0] = keccak(below[0] + below[1])
            levels.append(nodes)
        self._cap = new_cap

    def set_leaf(self, index: int, leaf: bytes) -> None:
        """Write the leaf at ``index`` (32 bytes); it counts from the next :meth:`commit`."""
        if index >> self._cap:
            self._grow(index)
        self._levels[0][index] = leaf
        self._dirty.add(index)
        if self._changed is not None:
            self._changed.add(index)
        if index >= self.size:
            self.size = index + 1

    def append(self, leaf: bytes) -> int:
        """Write ``leaf`` at index ``size`` and return that index."""
        index = self.size
        self.set_leaf(index, leaf)
        return index

    def truncate(self, size: int) -> None:
        """Zero every leaf at ``size`` and above (undo of appends)."""
        zero = self._zero[0]
        for index in range(size, self.size):
            self.set_leaf(index, zero)
        self.size = size

    def track_changes(self) -> None:
        """Start recording the leaves set, for :meth:`take_changes` (a mirror of this tree in another process)."""
        if self._changed is None:
            self._changed = set()

    def take_changes(self) -> list[tuple[int, bytes]]:
        """``(index, leaf)`` of every leaf set since the previous call (needs :meth:`track_changes`)."""
        if self._changed is None:
            raise ValueError("change tracking is off: call track_changes() first")
        level0 = self._levels[0]
        out = [(i, level0[i] if i >> self._cap == 0 else _ZERO32) for i in self._changed]
        self._changed = set()
        return out

    @property
    def leaves(self) -> list[bytes]:
        """The leaves ``0..size-1``."""
        return self._levels[0][: self.size]

    def leaf(self, index: int) -> bytes:
        """The leaf at ``index`` as written (zero when never set)."""
        if index >> self._cap:
            return _ZERO32
        return self._levels[0][index]

    # -- roots --------------------------------------------------------------------------------------------------

    def _rebuild_chain(self) -> None:
        node = self._levels[self._cap][0]
        chain = [node]
        zero = self._zero
        for level in range(self._cap, self.depth):
            node = keccak(node + zero[level])
            chain.append(node)
        self._chain = chain
        self._root = node

    def commit(self) -> bytes:
        """Rehash the paths of the leaves set since the last commit; return the root."""
        if self._dirty:
            h = _HASHER
            levels = self._levels
            indices: set[int] = self._dirty
            self._dirty = set()
            if NATIVE is not None:  # the levels and the chain above them in C
                chain = NATIVE.commit_levels(levels, indices, self._cap, self._zero[self._cap : self.depth])
                self._chain, self._root = chain, chain[-1]
                return self._root
            for level in range(self._cap):
                child = levels[level]
                parent = levels[level + 1]
                indices = {i >> 1 for i in indices}
                for p in indices:
                    q = p + p
                    parent[p] = h(child[q] + child[q + 1]).digest()
            self._rebuild_chain()
        return self._root

    @property
    def root(self) -> bytes:
        """The root as of the last :meth:`commit`."""
        return self._root

    @property
    def dirty(self) -> bool:
        """Whether leaves were set since the last commit."""
        return bool(self._dirty)

    def node(self, level: int, index: int) -> bytes:
        """The committed node at ``(level, index)`` (level 0 = leaves)."""
        if level <= self._cap:
            if index >= (1 << (self._cap - level)):
                return self._zero[level]
            return self._levels[level][index]
        return self._chain[level - self._cap] if index == 0 else self._zero[level]

    def proof(self, index: int) -> list[bytes]:
        """Siblings of the leaf at ``index`` from the leaf level up (commits first)."""
        if index < 0 or index >> self.depth:
            raise IndexError(f"leaf index {index} is outside a tree of depth {self.depth}")
        self.commit()
        return [self.node(level, (index >> level) ^ 1) for level in range(self.depth)]

    def full_root(self) -> bytes:
        """The root recomputed from the leaves alone (slow; for checks)."""
        level_nodes = list(self._levels[0][: self.size])
        for level in range(self.depth):
            if len(level_nodes) % 2:
                level_nodes.append(self._zero[level])
            level_nodes = [keccak(level_nodes[i] + level_nodes[i + 1]) for i in range(0, len(level_nodes), 2)]
        return level_nodes[0] if level_nodes else self._zero[self.depth]

    def copy(self) -> MerkleTree:
        """An independent copy (same leaves, same committed and dirty state)."""
        out = MerkleTree.__new__(MerkleTree)
        out.depth = self.depth
        out.size = self.size
        out._zero = self._zero
        out._cap = self._cap
        out._levels = [list(b) for b in self._levels]
        out._dirty = set(self._dirty)
        out._changed = None
        out._chain = list(self._chain)
        out._root = self._root
        return out


class RootTracker:
    """A mirror of a state's two trees that turns :class:`~._types.LeafDiff` s into state roots: run it in its own
    process so the main process only hashes leaves (``L2State.seal``) and the tree nodes, most of a segment root's
    cost, are hashed elsewhere.

    Build it from ``L2State.root_tracker_args()`` (which also starts the state's change tracking); feed it every
    diff ``L2State.seal()`` returns, in order.
    """

    __slots__ = ("accounts", "withdrawals")

    def __init__(self, account_leaves: Sequence[bytes], withdrawal_leaves: Sequence[bytes]) -> None:
        from ._types import ACCOUNT_DEPTH, WITHDRAWAL_DEPTH

        self.accounts = MerkleTree(ACCOUNT_DEPTH)
        self.withdrawals = MerkleTree(WITHDRAWAL_DEPTH)
        for i, leaf in enumerate(account_leaves):
            self.accounts.set_leaf(i, leaf)
        for i, leaf in enumerate(withdrawal_leaves):
            self.withdrawals.set_leaf(i, leaf)
        self.accounts.commit()
        self.withdrawals.commit()

    def apply(self, diff: Any) -> bytes:
        """Apply one diff; the state root after it."""
        for i, leaf in diff.accounts:
            self.accounts.set_leaf(i, leaf)
        for i, leaf in diff.withdrawals:
            self.withdrawals.set_leaf(i, leaf)
        self.accounts.size = diff.account_count
        self.withdrawals.size = diff.withdrawal_count
        return keccak(
            self.accounts.commit()
            + diff.account_count.to_bytes(32, "big")
            + self.withdrawals.commit()
            + diff.withdrawal_count.to_bytes(32, "big")
            + diff.queue_processed.to_bytes(32, "big")
        )
