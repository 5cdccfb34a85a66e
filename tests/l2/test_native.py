"""The C extension (``l2/_native.c``): its keccak256 equals safe-pysha3's for every length around the block size and
for any bytes-like input; its account leaves are the state's; bad input raises a Python exception, never a crash (its
commit against the Python loop: ``test_tree.py``; the workers' loop: ``tests/l2_node/test_wire.py``). CI compiles it
(gcc is there): a build that silently lost it fails here."""

from __future__ import annotations

import pytest
import sha3
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.l2 import _tree
from novacron_chain.l2._tree import KECCAK_BACKEND

native = _tree.NATIVE


def reference(data: bytes) -> bytes:
    return bytes(sha3.keccak_256(data).digest())


def test_the_install_compiled_it() -> None:
    assert native is not None, "the C extension was not built: `pip install -e .` needs gcc and the Python headers"
    assert KECCAK_BACKEND == "native"
    assert _tree.keccak is native.keccak256


def test_known_vectors() -> None:
    assert native.keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert native.keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"


def test_every_length_around_the_block_boundaries() -> None:
    for n in [*range(300), 407, 408, 409, 4095, 16383, 16384, 16385, 100_000]:
        data = bytes((i * 131 + n) & 0xFF for i in range(n))
        assert native.keccak256(data) == reference(data), n


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=700))
def test_any_input(data: bytes) -> None:
    assert native.keccak256(data) == reference(data)
    assert native.keccak256(bytearray(data)) == reference(data)
    assert native.keccak256(memoryview(b"xx" + data)[2:]) == reference(data)


def test_not_bytes_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        native.keccak256("text")
    with pytest.raises(TypeError):
        native.keccak256(7)


def test_bad_trees_raise_not_crash() -> None:
    z = bytes(32)
    with pytest.raises(TypeError, match="32 bytes"):
        native.commit_levels([[z, b"short"], [z]], {0}, 1)
    with pytest.raises(TypeError, match="32 bytes"):
        native.commit_levels([[z, "not bytes"], [z]], {1}, 1)
    with pytest.raises(IndexError, match="outside"):
        native.commit_levels([[z, z], [z]], {5}, 1)
    with pytest.raises(IndexError, match="outside"):
        native.commit_levels([[z, z], [z]], {-1}, 1)
    with pytest.raises(TypeError, match="not a list"):
        native.commit_levels([(z, z), [z]], {0}, 1)
    with pytest.raises(ValueError, match="fewer levels"):
        native.commit_levels([[z, z]], {0}, 1)
    with pytest.raises(TypeError):
        native.commit_levels([[z, z], [z]], {"a"}, 1)
    levels = [[z, z], [z]]
    native.commit_levels(levels, [0, 1, 1, 0], 1)  # any iterable, duplicates once
    assert levels[1] == [native.keccak256(z + z)]
    with pytest.raises(TypeError, match="32 bytes"):  # a bad empty-subtree root: refused before any change
        native.commit_levels(levels, {0}, 1, [z, b"short"])
    assert levels[1] == [native.keccak256(z + z)]
    top = native.keccak256(z + z)
    assert native.commit_levels(levels, {0}, 1, [z, top]) == [
        top,
        native.keccak256(top + z),
        native.keccak256(native.keccak256(top + z) + top),
    ]


WORDS = st.one_of(st.integers(0, 2**64), st.integers(0, 2**256 - 1), st.sampled_from([0, 1, 2**63, 2**64, 2**256 - 1]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.lists(WORDS, min_size=8, max_size=8)), min_size=1, max_size=5))
def test_account_leaves_are_the_states_leaves(accounts: list[tuple[int, list[int]]]) -> None:
    """``account_leaves`` hashes what ``L2State.leaf_of`` hashes in Python, for any nonce and balances < 2**256."""
    from novacron_chain.l2._state import L2State

    from .conftest import DOMAIN, TOKENS

    state = L2State(DOMAIN, TOKENS)
    addr = [bytes([i + 1]) * 20 for i in range(len(accounts))]
    state._addr, state._nonce, state._bal = addr, [a[0] for a in accounts], [list(a[1]) for a in accounts]
    indices = list(range(len(accounts)))[::-1]
    assert native.account_leaves(indices, addr, state._nonce, state._bal) == [state.leaf_of(i) for i in indices]


@pytest.fixture(params=["", "avx2", "avx512vl"])
def isa(request: pytest.FixtureRequest) -> object:
    """Each 4-way hashing the CPU has (and none), restored after the test."""
    try:
        before = native.set_times4(request.param)
    except ValueError:
        pytest.skip(f"this CPU has no {request.param}")
    yield request.param
    native.set_times4(before)


def test_set_times4_refuses_what_is_not_there() -> None:
    with pytest.raises(ValueError, match="no sse9"):
        native.set_times4("sse9")
    assert native.TIMES4_ISA in ("", "avx2", "avx512vl")


def test_every_instruction_set_hashes_alike(isa: str) -> None:
    """The 4-way paths (AVX2, AVX-512VL) and the one-at-a-time path give the Python paths' leaves and nodes, for
    groups of four and the remainders after them (1 to 11 leaves, paths that meet and paths that do not)."""
    import random

    from novacron_chain.l2._state import L2State

    from .conftest import DOMAIN, TOKENS

    rng = random.Random(7)
    for n in range(1, 12):
        state = L2State(DOMAIN, TOKENS)
        state._addr = [rng.randbytes(20) for _ in range(n)]
        state._nonce = [rng.getrandbits(64) for _ in range(n)]
        state._bal = [[rng.getrandbits(rng.choice((8, 64, 256))) for _ in range(8)] for _ in range(n)]
        indices = rng.sample(range(n), n)
        assert native.account_leaves(indices, state._addr, state._nonce, state._bal) == [
            state.leaf_of(i) for i in indices
        ]
        cap = 6
        leaves = [rng.randbytes(32) for _ in range(1 << cap)]
        dirty = set(rng.sample(range(1 << cap), n))
        levels = [list(leaves)] + [[bytes(32)] * (1 << (cap - lv)) for lv in range(1, cap + 1)]
        expected = [list(leaves)]
        for _ in range(cap):  # every node from scratch, in Python
            below = expected[-1]
            expected.append([reference(below[2 * p] + below[2 * p + 1]) for p in range(len(below) // 2)])
        for lv in range(1, cap + 1):  # the clean nodes as committed before; the dirty paths stale
            stale = {i >> lv for i in dirty}
            levels[lv] = [bytes(32) if p in stale else expected[lv][p] for p in range(1 << (cap - lv))]
        native.commit_levels(levels, dirty, cap)
        assert levels == expected, (isa, n)


def test_account_leaves_refuse_what_is_no_account() -> None:
    a, bal = [bytes(20)], [[0] * 8]
    with pytest.raises(IndexError, match="outside"):
        native.account_leaves([1], a, [0], bal)
    with pytest.raises(ValueError, match="negative"):
        native.account_leaves([0], a, [-1], bal)
    with pytest.raises(OverflowError):
        native.account_leaves([0], a, [0], [[2**256] + [0] * 7])
    with pytest.raises(TypeError, match="20 bytes"):
        native.account_leaves([0], [bytes(19)], [0], bal)
    with pytest.raises(TypeError, match="8 ints"):
        native.account_leaves([0], a, [0], [[0] * 7])
    with pytest.raises(TypeError, match="not an int"):
        native.account_leaves([0], a, [0.5], bal)


def test_state_roots_equal_with_and_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    """A state driven through the C paths and one through the Python paths commit to the same roots."""
    from novacron_chain.l2 import _state

    from .conftest import make_world

    fast, slow = make_world(), make_world()
    assert fast.state.commit() == slow.state.commit()
    for world, nat in ((fast, _tree.NATIVE), (slow, None)):
        monkeypatch.setattr(_state, "NATIVE", nat)
        monkeypatch.setattr(_tree, "NATIVE", nat)
        for i in range(40):
            world.state._bal[i % len(world.state._addr)][i % 8] += 10**18 + i
            world.state._nonce[i % len(world.state._addr)] += 1
            world.state._dirty.add(i % len(world.state._addr))
            if i % 7 == 0:
                world.state.commit()
    assert fast.state.commit() == slow.state.commit()
