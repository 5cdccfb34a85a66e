"""The state transition: valid ops and their effects, every invalid case a no-op with its reason, queue items,
pre-recovered senders, checkpoints, copies and proofs."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.l2._codec import recover_sender
from novacron_chain.l2._errors import L2StateError, L2ValueError, UnknownAccountError
from novacron_chain.l2._state import L2State
from novacron_chain.l2._tree import keccak, zero_hashes
from novacron_chain.l2._types import (
    FORCED_WITHDRAWAL,
    REASONS,
    Account,
    QueueItem,
    QueueOp,
    StateHeader,
    Transfer,
    Withdrawal,
)

from .conftest import DOMAIN, FEE, TOKENS, World, make_world

F = 10**21


def test_genesis_root_by_hand() -> None:
    st_ = L2State.genesis(FEE, DOMAIN, TOKENS)
    z = zero_hashes(32)
    node = keccak(bytes(12) + FEE + bytes(32 * 9))
    for level in range(24):
        node = keccak(node + z[level])
    assert st_.root == keccak(node + (1).to_bytes(32, "big") + z[32] + bytes(64))
    assert st_.root == StateHeader(node, 1, z[32], 0, 0).root == st_.full_root()
    assert st_.account(0) == Account(0, FEE, 0, (0,) * 8)
    with pytest.raises(L2ValueError):
        L2State.genesis(bytes(20), DOMAIN, TOKENS)


def test_valid_transfer_effects(world: World) -> None:
    st_ = world.state
    assert st_.apply(world.transfer(1, 2, 300, fee=7)) is None
    assert st_.nonce(1) == 1
    assert st_.nonce(2) == 0
    assert st_.balance(1, 0) == F - 307
    assert st_.balance(2, 0) == F + 300
    assert st_.balance(0, 0) == 7
    assert st_.balance(1, 1) == F  # other token untouched
    assert st_.commit() == st_.full_root()


def test_self_transfer_pays_only_the_fee(world: World) -> None:
    st_ = world.state
    assert st_.apply(world.transfer(1, 1, 500, fee=3)) is None
    assert st_.balance(1, 0) == F - 3
    assert st_.nonce(1) == 1
    assert st_.balance(0, 0) == 3


def test_transfer_to_new_account(world: World) -> None:
    st_ = world.state
    new = b"\x42" * 20
    n = st_.account_count
    r = st_.apply_receipt(world.transfer(1, None, 10**18, fee=1, to_address=new))
    assert r.ok
    assert r.new_account == n
    assert r.kind == 2
    assert st_.account_count == n + 1
    assert st_.index_of(new) == n
    assert st_.account(n) == Account(n, new, 0, (10**18, 0, 0, 0, 0, 0, 0, 0))


def _no_op(world: World, op: object, reason: str, **kw: object) -> None:
    st_ = world.state
    before = st_.commit()
    count = st_.account_count
    nonces = [st_.nonce(i) for i in range(count)]
    got = st_.apply(op, **kw)  # type: ignore[arg-type]
    assert got == reason
    assert reason in REASONS
    assert st_.commit() == before == st_.full_root()
    assert st_.account_count == count
    assert [st_.nonce(i) for i in range(count)] == nonces


def test_invalid_transfers_are_no_ops(world: World) -> None:
    w = world
    good = w.transfer(1, 2, 100, fee=1)
    _no_op(w, Transfer(99, 2, good.to_address, 0, 100, 1, 0, good.signature), "unknown account")
    _no_op(w, w.transfer(1, 2, 100, token=5), "unknown token")  # id 5 not registered
    _no_op(w, Transfer(1, 2, good.to_address, 9, 100, 1, 0, good.signature), "unknown token")
    _no_op(w, w.transfer(1, 2, 100, signer=3), "bad signature")
    _no_op(w, w.transfer(1, 2, 100, nonce=5), "wrong nonce")
    _no_op(w, w.transfer(1, 2, F, fee=1), "insufficient balance")
    _no_op(w, Transfer(1, 77, b"\x01" * 20, 0, 100, 1, 0, good.signature), "unknown recipient")
    _no_op(w, w.transfer(1, 2, 100, to_address=b"\x05" * 20), "recipient mismatch")
    _no_op(w, w.transfer(1, None, 100, to_address=bytes(20)), "zero recipient")
    # calldata form (no nonce, no recipient address): a signature for another nonce is just a bad signature
    stale = w.transfer(1, 2, 100, nonce=1)
    _no_op(w, Transfer(1, 2, None, 0, 100, 0, None, stale.signature), "bad signature")
    # the worker path: a sender that is not the account's address
    _no_op(w, good, "bad signature", sender=w.addrs[3])
    _no_op(w, good, "bad signature", sender=None)


def test_malformed_wallet_fields_are_no_ops(world: World) -> None:
    """Values no calldata can carry (a wallet op the node did not validate) are refused, never minted."""
    w = world
    good = w.transfer(1, 2, 100, fee=1)
    sender = w.addrs[1]
    sig = good.signature
    for amount, fee in ((-5, 0), (5, -1), (10**18 + 1, 0), (5, 2049), (1.5, 0)):
        _no_op(w, Transfer(1, 2, good.to_address, 0, amount, fee, 0, sig), "bad amount", sender=sender)  # type: ignore[arg-type]
        _no_op(w, Withdrawal(1, 0, amount, fee, 0, sig), "bad amount", sender=sender)  # type: ignore[arg-type]
    _no_op(w, Transfer(-1, 2, good.to_address, 0, 100, 1, 0, sig), "unknown account", sender=sender)
    _no_op(w, Transfer(1, -2, good.to_address, 0, 100, 1, 0, sig), "unknown recipient", sender=sender)
    _no_op(w, Transfer(1, 2, good.to_address, -8, 100, 1, 0, sig), "unknown token", sender=sender)
    _no_op(w, Withdrawal(-1, 0, 1, 0, 0, sig), "unknown account", sender=sender)
    w.state.add_queue_item(QueueItem(len(w.state.queue), FORCED_WITHDRAWAL, w.addrs[-1], 0, 1, 1))
    assert w.state.apply_receipt(QueueOp(-1)).withdrawal_index is None  # not account -1 = the last account


def test_invalid_withdrawals_are_no_ops(world: World) -> None:
    w = world
    _no_op(w, w.withdrawal(1, F, fee=1), "insufficient balance")
    _no_op(w, w.withdrawal(1, 5, nonce=3), "wrong nonce")
    _no_op(w, w.withdrawal(1, 5, token=6), "unknown token")
    ok = w.withdrawal(1, 5)
    _no_op(w, ok, "bad signature", sender=w.addrs[2])


def test_replay_of_a_transfer_is_refused(world: World) -> None:
    t = world.transfer(1, 2, 100)
    assert world.state.apply(t) is None
    _no_op(world, t, "wrong nonce")
    _no_op(world, Transfer(1, 2, None, 0, 100, 0, None, t.signature), "bad signature")


def test_calldata_form_equals_wallet_form(world: World) -> None:
    a = world.state.copy()
    t = world.transfer(1, 2, 100, fee=2)
    tx_hash, sender = recover_sender(t, DOMAIN, world.state.tokens)
    assert world.state.apply(t, sender=sender) is None
    assert a.apply(Transfer(1, 2, None, 0, 100, 2, None, t.signature)) is None
    assert a.commit() == world.state.commit()
    assert tx_hash == world.state.tx_hash(t)


def test_withdrawal_appends_and_proves(world: World) -> None:
    st_ = world.state
    r = st_.apply_receipt(world.withdrawal(2, 10**18, fee=5, token=1))
    assert r.ok
    assert r.withdrawal_index == 0
    assert r.kind == 3
    assert st_.withdrawal_count == 1
    assert st_.balance(2, 1) == F - 10**18 - 5
    assert st_.balance(0, 1) == 5
    proof = st_.withdrawal_proof(0)
    assert proof.verify()
    assert proof.root == st_.root
    assert proof.withdrawal.recipient == world.addrs[2]
    assert proof.withdrawal.amount == 10**18
    assert st_.commit() == st_.full_root()


def test_account_proof(world: World) -> None:
    proof = world.state.account_proof(3)
    assert proof.verify()
    assert proof.root == world.state.root
    assert proof.account.balances[0] == F
    forged = type(proof)(Account(3, proof.account.address, 0, (F + 1,) + (0,) * 7), proof.siblings, proof.header)
    assert not forged.verify()
    with pytest.raises(UnknownAccountError):
        world.state.account_proof(50)


def test_deposits_credit_hint_or_create(world: World) -> None:
    st_ = world.state
    a2 = world.addrs[2]
    n = st_.account_count
    assert world.deposit(a2, 5, hint=2) is None
    assert st_.balance(2, 0) == F + 5
    assert st_.account_count == n
    # a wrong hint creates a new account for the same address (the first index stays the address's index)
    assert world.deposit(a2, 7, hint=1) is None
    assert st_.account_count == n + 1
    assert st_.balance(n, 0) == 7
    assert st_.index_of(a2) == 2
    # queue empty: no-op, nothing consumed
    q = st_.queue_processed
    _no_op(world, QueueOp(0), "queue empty")
    assert st_.queue_processed == q


def test_queue_limit_is_the_batch_queue_end(world: World) -> None:
    st_ = world.state
    st_.add_queue_item(QueueItem(len(st_.queue), 1, b"\x31" * 20, 0, 9, 5))
    _no_op(world, QueueOp(0), "queue empty", queue_limit=st_.queue_processed)
    assert st_.apply(QueueOp(0), queue_limit=st_.queue_processed + 1) is None


def test_forced_withdrawals(world: World) -> None:
    st_ = world.state
    a3 = world.addrs[3]
    st_.add_queue_item(QueueItem(len(st_.queue), FORCED_WITHDRAWAL, a3, 1, 10**20, 9))
    r = st_.apply_receipt(QueueOp(3))
    assert r.ok
    assert r.withdrawal_index == 0
    assert st_.balance(3, 1) == F - 10**20
    assert st_.withdrawal(0).recipient == a3
    # too much: consumed, nothing paid
    st_.add_queue_item(QueueItem(len(st_.queue), FORCED_WITHDRAWAL, a3, 1, 10**30, 9))
    q = st_.queue_processed
    r = st_.apply_receipt(QueueOp(3))
    assert r.ok
    assert r.withdrawal_index is None
    assert st_.queue_processed == q + 1
    assert st_.balance(3, 1) == F - 10**20
    # wrong hint: consumed, nothing paid
    st_.add_queue_item(QueueItem(len(st_.queue), FORCED_WITHDRAWAL, a3, 1, 1, 9))
    r = st_.apply_receipt(QueueOp(2))
    assert r.ok
    assert r.withdrawal_index is None
    assert st_.withdrawal_count == 1
    assert st_.commit() == st_.full_root()


def test_queue_items_must_come_in_order(world: World) -> None:
    with pytest.raises(L2StateError):
        world.state.add_queue_item(QueueItem(len(world.state.queue) + 1, 1, b"\x01" * 20, 0, 1, 1))


def _random_ops(w: World, rng: random.Random, n: int) -> list[object]:
    ops: list[object] = []
    st_ = w.state
    for _ in range(n):
        kind = rng.randrange(6)
        frm = rng.randrange(1, len(w.keys))
        if kind <= 2:
            to = rng.randrange(0, st_.account_count)
            ops.append(w.transfer(frm, to, rng.choice([1, 10**18, F]), fee=rng.choice([0, 3]), token=rng.randrange(3)))
        elif kind == 3:
            ops.append(w.transfer(frm, None, 10**6, to_address=rng.randbytes(20)))
        elif kind == 4:
            ops.append(w.withdrawal(frm, rng.choice([5, F * 2]), token=rng.randrange(2)))
        else:
            st_.add_queue_item(QueueItem(len(st_.queue), rng.choice([1, 2]), rng.choice(w.addrs), 0, 10**9, 1))
            ops.append(QueueOp(rng.randrange(0, st_.account_count + 2)))
    return ops


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 25))
def test_rollback_restores_exactly(seed: int, n: int) -> None:
    w = make_world(3)
    rng = random.Random(seed)
    st_ = w.state
    before = st_.commit()
    snap = st_.copy()
    mark = st_.checkpoint()
    ops = _random_ops(w, rng, n)
    for op in ops:
        st_.apply(op)  # type: ignore[arg-type]
        if rng.random() < 0.3:
            st_.commit()
    assert st_.commit() == st_.full_root()
    st_.rollback(mark)
    assert st_.commit() == before == st_.full_root()
    assert st_.account_count == snap.account_count
    assert st_.withdrawal_count == snap.withdrawal_count
    assert [st_.account(i) for i in range(st_.account_count)] == [snap.account(i) for i in range(snap.account_count)]
    # the same ops again give the same root as on the copy
    snap.queue = list(st_.queue)
    for op in ops:
        assert st_.apply(op) == snap.apply(op)  # type: ignore[arg-type]
    assert st_.commit() == snap.commit()


def test_nested_checkpoints(world: World) -> None:
    st_ = world.state
    r0 = st_.commit()
    outer = st_.checkpoint()
    assert st_.apply(world.transfer(1, 2, 1)) is None
    r1 = st_.commit()
    inner = st_.checkpoint()
    assert st_.apply(world.transfer(2, 3, 1)) is None
    st_.rollback(inner)
    assert st_.commit() == r1
    inner = st_.checkpoint()
    assert st_.apply(world.transfer(2, 3, 1)) is None
    st_.release(inner)
    st_.rollback(outer)
    assert st_.commit() == r0
    with pytest.raises(L2StateError):
        st_.rollback(outer)


def test_copy_is_independent(world: World) -> None:
    c = world.state.copy()
    assert c.root == world.state.root
    assert c.apply(world.transfer(1, 2, 1)) is None
    assert c.root != world.state.root
    assert world.state.nonce(1) == 0
