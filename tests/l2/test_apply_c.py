"""The sequencer's compiled transfer path (``_native.apply_transfers`` through ``L2State.apply_wire_transfers``) does
what its Python path does, transaction for transaction: the same answers, log bytes, receipts map, batch (ops,
segment ends and roots) and state roots, on entries that mix valid transfers with every kind it must leave to Python
(wrong nonce or signer, unknown token or account, recipient mismatch, too little balance, duplicates, amounts too
large for its fast test, transfers to new accounts, withdrawals, aliased accounts)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.l2 import _state
from novacron_chain.l2._batch import Batch, BatchBuilder
from novacron_chain.l2._codec import encode_op
from novacron_chain.l2._pool import digest_and_recover, wire_bytes
from novacron_chain.l2._sequencer import Sequencer, TxResult, _Entry
from novacron_chain.l2._tree import NATIVE

from .conftest import World, make_world

pytestmark = pytest.mark.skipif(NATIVE is None, reason="the C extension is not built")


def _harness(world: World) -> Sequencer:
    """A sequencer with just what ``_apply_entry`` touches (no L1, no loop)."""
    seq = Sequencer.__new__(Sequencer)
    seq.state = world.state
    seq._builder = BatchBuilder(world.state)
    seq._buffer = bytearray()
    seq._tx = {}
    seq._position = 0
    seq._withdrawal_of = {}
    seq._withdrawal_leaves = []
    seq._logged = 0
    seq.accepted = seq.refused = 0
    seq._waiters = []
    seq._first_pending_at = None
    seq.l2_metrics = None
    seq.metrics = None
    return seq


def _wires(world: World, rng: random.Random, n: int) -> list[bytes]:
    """``n`` wire transactions, mostly valid plain transfers, the rest each kind the C path must refuse to take."""
    st = world.state
    accounts = len(world.keys)
    nonces = [st.nonce(i) for i in range(accounts)]
    out: list[bytes] = []
    for _ in range(n):
        frm = rng.randrange(1, accounts)
        to = rng.choice([rng.randrange(1, accounts), frm, 0])  # aliasing: to itself, to the fee account
        amount = rng.choice([0, 1, rng.randrange(2**35), 10**9, 999 * 10**7])
        fee = rng.choice([0, 1, 2047, 5])
        token = rng.choice([0, 0, 0, 1])
        nonce = nonces[frm]
        case = rng.random()
        kw: dict[str, Any] = {}
        valid = False
        if case < 0.55:
            valid = True
        elif case < 0.60:
            nonce += rng.choice([1, 5]) if nonce == 0 else rng.choice([-1, 1, 5])  # wrong nonce
        elif case < 0.64:
            kw["signer"] = (frm % (accounts - 1)) + 1 if frm != 1 else 2  # another account's key
        elif case < 0.67:
            token = 5  # an unregistered token slot
        elif case < 0.70:
            kw["to_address"] = b"\x42" * 20  # recipient mismatch
        elif case < 0.71:
            amount = 10**22  # more than any balance
        elif case < 0.73:
            token, amount = 2, rng.randrange(1, 1000)  # a registered token nobody holds: too little balance
        elif case < 0.80:
            amount, valid = 10**18, True  # valid, beyond the C path's fast packability test
        elif case < 0.83:
            fee, valid = 3 * 10**4, True  # likewise for the fee
        elif case < 0.88 and out:
            out.append(rng.choice(out))  # a duplicate (or a replay of a refused one)
            continue
        elif case < 0.93:
            op = world.transfer(frm, None, amount, fee=fee, token=token, nonce=nonce, to_address=rng.randbytes(20))
            out.append(wire_bytes(encode_op(op), nonce, None))
            nonces[frm] += 1
            continue
        else:
            op_w = world.withdrawal(frm, 10**6, fee=fee, token=token, nonce=nonce)
            out.append(wire_bytes(encode_op(op_w), nonce, None))
            nonces[frm] += 1
            continue
        op = world.transfer(frm, to, amount, fee=fee, token=token, nonce=nonce, **kw)
        out.append(wire_bytes(encode_op(op), nonce, st.address(to) if "to_address" not in kw else kw["to_address"]))
        if valid:
            nonces[frm] += 1
    return out


def _run(
    world: World, entries: list[bytes], counts: list[int], native: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], int]:
    seq = _harness(world)
    in_c = [0]
    real = _state.L2State.apply_wire_transfers

    def counting(self: _state.L2State, *args: object) -> tuple[int, int, list[bytes]]:
        out = real(self, *args)  # type: ignore[arg-type]
        in_c[0] += out[0]
        return out

    with monkeypatch.context() as m:
        m.setattr(_state.L2State, "apply_wire_transfers", counting)
        if not native:
            m.setattr(_state, "NATIVE", None)
        assert world.state.wire_transfers_in_c is native
        for blob, count in zip(entries, counts, strict=True):
            recovered = digest_and_recover(blob, world.state.domain, world.state.tokens)
            entry = _Entry(count, blob, [], None, 0.0)  # type: ignore[arg-type]
            seq._apply_entry(entry, recovered)
    builder = seq._builder
    assert builder is not None
    batch = builder.finish() if not builder.empty else None
    return {
        "results": [r for e in seq._waiters for r in e.results],
        "types": {type(r) for e in seq._waiters for r in e.results},
        "log": bytes(seq._buffer),
        "known": dict(seq._tx),
        "position": seq._position,
        "counts": (seq.accepted, seq.refused, seq._logged),
        "batch": batch,
        "root": world.state.commit(),
        "nonces": [world.state.nonce(i) for i in range(len(world.state._addr))],
        "withdrawals": dict(seq._withdrawal_of),
    }, in_c[0]


@pytest.mark.parametrize("seed", range(6))
def test_the_c_path_is_the_python_path(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    fast_world, slow_world = make_world(6), make_world(6)
    wires = _wires(fast_world, rng, 160)
    entries, counts, at = [], [], 0
    while at < len(wires):
        k = rng.choice([1, 3, 17, 40, 64])
        entries.append(b"".join(wires[at : at + k]))
        counts.append(len(wires[at : at + k]))
        at += k
    fast, in_c = _run(fast_world, entries, counts, True, monkeypatch)
    slow, none = _run(slow_world, entries, counts, False, monkeypatch)
    assert fast == slow
    assert none == 0
    assert 50 < in_c < fast["counts"][0]  # most in C, some valid ones left to Python
    assert fast["types"] == {TxResult}
    accepted, refused, _ = fast["counts"]
    assert accepted > 60
    assert refused > 10
    batch = fast["batch"]
    assert isinstance(batch, Batch)
    assert len(batch.ends) == -(-accepted // 32)


def test_it_stops_at_the_segment_end_and_changes_nothing_it_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """``limit`` bounds it; a transaction it does not take is left as it was (nonce, balances, log, answers)."""
    w = make_world(3)
    st = w.state
    good = [w.transfer(1, 2, 5, fee=1, nonce=n) for n in range(3)]
    blob = b"".join(wire_bytes(encode_op(op), op.nonce or 0, st.address(2)) for op in good)
    rec = digest_and_recover(blob, st.domain, st.tokens)
    known: dict[bytes, int] = {}
    results: list[TxResult] = []
    log = bytearray()
    before = st.commit()
    done, pos, ops = st.apply_wire_transfers(blob, 0, rec, 0, 3, 2, known, 10, results, log, TxResult, 1)
    assert (done, pos, len(ops)) == (2, 2 * 109, 2)
    assert [r.position for r in results] == [10, 11]
    assert sorted(known.values()) == [10, 11]
    assert st.nonce(1) == 2
    assert st.commit() != before
    # the third, offered with a wrong nonce in the state: nothing changes
    st._nonce[1] = 7
    snapshot = (list(st._nonce), [list(b) for b in st._bal], bytes(log), len(results), dict(known))
    done, pos, ops = st.apply_wire_transfers(blob, 2 * 109, rec, 2, 3, 5, known, 12, results, log, TxResult, 1)
    assert (done, pos, ops) == (0, 2 * 109, [])
    assert snapshot == (list(st._nonce), [list(b) for b in st._bal], bytes(log), len(results), dict(known))


def test_the_log_frames_are_op_records() -> None:
    from novacron_chain.l2._wal import op_record

    w = make_world(2)
    st = w.state
    ops = [w.transfer(1, 2, 7 + n, fee=n, nonce=n) for n in range(4)]
    wires = [wire_bytes(encode_op(op), op.nonce or 0, st.address(2)) for op in ops]
    blob = b"".join(wires)
    log = bytearray(b"prefix")
    done, _, _ = st.apply_wire_transfers(
        blob, 0, digest_and_recover(blob, st.domain, st.tokens), 0, 4, 32, {}, 0, [], log, TxResult, 1
    )
    assert done == 4
    assert bytes(log) == b"prefix" + b"".join(op_record(x) for x in wires)


def test_it_refuses_to_run_under_a_tracer_or_a_journal() -> None:
    w = make_world(2)
    st = w.state
    st.tracer = lambda kind, index: None
    assert not st.wire_transfers_in_c
    with pytest.raises(Exception, match="compiled transfer path is off"):
        st.apply_wire_transfers(b"", 0, b"", 0, 0, 1, {}, 0, [], bytearray(), TxResult, 1)


def test_recipients_that_never_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two senders paying ten accounts that never send: a recipient's leaf changes only through the C path's marks,
    so a missed one would leave a stale leaf (the roots after every entry are compared)."""
    fast_world, slow_world = make_world(12), make_world(12)
    st = fast_world.state
    rng = random.Random(3)
    nonces = {1: 0, 2: 0}
    entries, counts = [], []
    for _ in range(6):
        wires = []
        for _ in range(rng.choice([5, 40])):
            frm, to = rng.choice([1, 2]), rng.randrange(3, 13)
            op = fast_world.transfer(frm, to, rng.randrange(1, 10**6), fee=rng.choice([0, 3]), nonce=nonces[frm])
            nonces[frm] += 1
            wires.append(wire_bytes(encode_op(op), op.nonce or 0, st.address(to)))
        entries.append(b"".join(wires))
        counts.append(len(wires))
    roots = []
    for world, native in ((fast_world, True), (slow_world, False)):
        seq = _harness(world)
        with monkeypatch.context() as m:
            if not native:
                m.setattr(_state, "NATIVE", None)
            for blob, count in zip(entries, counts, strict=True):
                recovered = digest_and_recover(blob, world.state.domain, world.state.tokens)
                seq._apply_entry(_Entry(count, blob, [], None, 0.0), recovered)  # type: ignore[arg-type]
                roots.append(world.state.commit())
    assert roots[: len(entries)] == roots[len(entries) :]


_TX = st.tuples(
    st.integers(0, 6),  # from (5 and 6: no such account)
    st.integers(0, 6),  # to
    st.sampled_from([0, 0, 1, 2, 5, 7, 8, 255]),  # token (2: nobody holds it; 5, 7: unregistered; 8, 255: none)
    st.one_of(st.integers(0, 2**40 - 1), st.integers(0, 2**16).map(lambda m: m << 5)),  # packed amount
    st.one_of(st.integers(0, 2**16 - 1), st.integers(0, 64).map(lambda m: m << 5)),  # packed fee
    st.sampled_from(["right", "right", "right", "+1", "-1", "huge"]),  # nonce
    st.sampled_from(["right", "right", "right", "other", "zero"]),  # signer the workers recovered
    st.sampled_from(["right", "right", "other"]),  # recipient address
    st.sampled_from(["fresh", "fresh", "fresh", "zero", "repeat"]),  # digest
)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(_TX, min_size=1, max_size=40), min_size=1, max_size=4))
def test_any_wire_transfer_either_path(entries: list[list[tuple[Any, ...]]]) -> None:
    """Arbitrary field values (no signatures needed: the sequencer trusts the workers' recovered signer), through
    the C path and the Python path: the same everything, and never a crash."""
    import hashlib

    out = []
    for native in (True, False):
        world = make_world(4)
        st_ = world.state
        seq = _harness(world)
        nonces = [st_.nonce(i) for i in range(len(st_._addr))]
        counter = 0
        digests: list[bytes] = []
        saved = getattr(_state, "NATIVE")  # noqa: B009  (restored by hand: hypothesis runs this many times)
        try:
            if not native:
                setattr(_state, "NATIVE", None)  # noqa: B010
            for txs in entries:
                blob, rec = b"", b""
                for a, to, tok, amount, fee, nonce_kind, signer_kind, to_kind, digest_kind in txs:
                    have = nonces[a] if a < len(nonces) else 0
                    nonce = {"right": have, "+1": have + 1, "-1": max(have - 1, 0) ^ 1, "huge": 2**64 - 1}[nonce_kind]
                    to_addr = st_._addr[to] if to < len(st_._addr) and to_kind == "right" else b"\x42" * 20
                    wire = (
                        b"\x01"
                        + a.to_bytes(4, "big")
                        + to.to_bytes(4, "big")
                        + bytes([tok])
                        + amount.to_bytes(5, "big")
                        + fee.to_bytes(2, "big")
                        + bytes(64)
                        + nonce.to_bytes(8, "big")
                        + to_addr
                    )
                    counter += 1
                    if digest_kind == "zero":
                        digest = bytes(32)
                    elif digest_kind == "repeat" and digests:
                        digest = digests[-1]
                    else:
                        digest = hashlib.sha256(counter.to_bytes(8, "big")).digest()
                    digests.append(digest)
                    sender = {
                        "right": st_._addr[a] if a < len(st_._addr) else b"\x13" * 20,
                        "other": b"\x13" * 20,
                        "zero": bytes(20),
                    }[signer_kind]
                    blob += wire
                    rec += digest + sender
                    if a < len(nonces) and nonce == have:
                        nonces[a] += 1  # a guess: the next one is "right" if this one applied
                seq._apply_entry(_Entry(len(txs), blob, [], None, 0.0), rec)  # type: ignore[arg-type]
        finally:
            setattr(_state, "NATIVE", saved)  # noqa: B010
        builder = seq._builder
        assert builder is not None
        out.append(
            (
                [r for e in seq._waiters for r in e.results],
                bytes(seq._buffer),
                dict(seq._tx),
                seq._position,
                (seq.accepted, seq.refused),
                builder.finish() if not builder.empty else None,
                st_.commit(),
            )
        )
    assert out[0] == out[1]
