"""Batches without a chain: segments and roots, the commitment, replay from calldata, finding the wrong segment,
rebuilding the state, and witnesses that leave the state as replay does."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import pytest

from novacron_chain.l2._batch import (
    Batch,
    BatchBuilder,
    bad_signature,
    batch_commitment,
    find_fraud,
    fraud_proof,
    rebuild_state,
    replay_batch,
    segment_leaf,
    segment_witness,
    segments_root,
)
from novacron_chain.l2._codec import body_op_count, encode_op, join_signatures, split_signatures
from novacron_chain.l2._errors import L2StateError, L2ValueError
from novacron_chain.l2._state import L2State
from novacron_chain.l2._tree import RootTracker, compute_root, keccak, merkle_root
from novacron_chain.l2._types import QueueOp

from .conftest import DOMAIN, FEE, TOKENS, World, make_world


def _batch(w: World, n: int, seg: int = 32) -> tuple[L2State, Batch]:
    start = w.state.copy()
    b = BatchBuilder(w.state, max_segment_ops=seg)
    for i in range(n):
        op = w.transfer(1 + i % 4, 1 + (i + 1) % 4, 1000 + i, fee=1)
        assert w.state.apply(op) is None
        b.add(encode_op(op))
    return start, b.finish()


def test_segments_of_at_most_32_ops() -> None:
    w = make_world()
    start, batch = _batch(w, 70)
    assert batch.segment_count == 3
    assert batch.op_count == 70
    assert [len(s) // 81 for s in batch.segments] == [32, 32, 6]
    assert batch.prev_root == start.root
    assert batch.post_root == w.state.root
    assert batch.queue_end == w.state.queue_processed
    ops, ends, roots, qe, prev = batch.propose_args()
    assert prev == start.root
    assert ends[-1] == len(ops)
    assert len(roots) == 3
    assert qe == batch.queue_end
    assert batch.segments_root == segments_root(batch.segments, batch.roots)
    assert batch.commitment == keccak(
        batch.segments_root + (3).to_bytes(32, "big") + batch.prev_root + qe.to_bytes(32, "big")
    )
    assert batch.commitment == batch_commitment(batch.segments_root, 3, batch.prev_root, qe)
    for k in range(3):
        leaf = segment_leaf(batch.segment(k), batch.roots[k])
        assert compute_root(leaf, k, batch.segment_siblings(k)) == batch.segments_root
    assert Batch.from_dict(batch.to_dict()) == batch


def test_one_segment_root_is_its_leaf() -> None:
    w = make_world()
    _, batch = _batch(w, 3)
    assert batch.segments_root == merkle_root(batch.leaves) == batch.leaves[0]
    assert batch.segment_siblings(0) == []


def test_bad_batch_shapes_refused() -> None:
    with pytest.raises(L2ValueError):
        Batch(b"\x04\0\0\0\0", (), (), 0, bytes(32))
    with pytest.raises(L2ValueError):
        Batch(b"\x04\0\0\0\0" * 2, (5, 5, 10), (bytes(32),) * 3, 0, bytes(32))
    with pytest.raises(L2ValueError):
        Batch(b"\x04\0\0\0\0", (4,), (bytes(32),), 0, bytes(32))
    w = make_world()
    with pytest.raises(L2StateError):
        BatchBuilder(w.state).finish()


def test_replay_from_calldata_gives_the_roots() -> None:
    w = make_world()
    start, batch = _batch(w, 40, seg=8)
    v = start.copy()
    assert replay_batch(v, batch.ops, batch.ends, batch.queue_end) == list(batch.roots)
    assert v.root == w.state.root


def test_find_fraud_and_rebuild() -> None:
    w = make_world()
    genesis = L2State.genesis(FEE, DOMAIN, TOKENS)
    start, b1 = _batch(w, 10, seg=4)
    # the deposits of make_world are in the queue; b0 is the batch that took them
    b0_state = genesis.copy()
    for item in w.state.queue:
        b0_state.add_queue_item(item)
    b0 = BatchBuilder(b0_state)
    for item in w.state.queue:
        op = QueueOp(b0_state.index_of(item.account) or 2**32 - 1)
        assert b0_state.apply(op) is None
        b0.add(encode_op(op))
    batch0 = b0.finish()
    assert batch0.post_root == start.root
    v = genesis.copy()
    assert rebuild_state(v, [batch0, b1], w.state.queue) == [None, None]
    assert v.root == w.state.root
    # a wrong root in segment 2 of b1
    roots = list(b1.roots)
    roots[2] = b"\x01" * 32
    bad = Batch(b1.ops, b1.ends, tuple(roots), b1.queue_end, b1.prev_root)
    v = genesis.copy()
    assert rebuild_state(v, [batch0, bad, b1], w.state.queue) == [None, 2]
    assert v.root == start.root  # left at the wrong batch's start
    # a wrong queueEnd is fraud in the last segment
    bad_q = Batch(b1.ops, b1.ends, b1.roots, b1.queue_end + 1, b1.prev_root)
    v = start.copy()
    assert find_fraud(v, bad_q) == len(b1.ends) - 1
    with pytest.raises(L2StateError):
        find_fraud(genesis.copy(), b1)  # not at the batch's start


def test_witness_leaves_the_state_as_replay_does() -> None:
    w = make_world()
    start, batch = _batch(w, 12, seg=6)
    a, b = start.copy(), start.copy()
    for seg in batch.segments:
        witness = segment_witness(a, seg, batch.queue_end)
        assert witness
        assert a.root == replay_batch(b, seg, (len(seg),), batch.queue_end)[0]
    proof = fraud_proof(start, batch, 3, 1)
    assert proof.pre_root == batch.roots[0]
    assert proof.pre.root == batch.roots[0]
    assert proof.post_root == batch.roots[1]
    assert proof.segment == batch.segment(1)
    assert proof.prev_segment_hash == keccak(batch.segment(0))
    assert start.root == batch.prev_root  # unchanged
    first = fraud_proof(start, batch, 3, 0)
    assert first.pre.root == batch.prev_root
    assert first.prev_siblings == ()


def _tracker_apply(diff: object) -> bytes:
    assert _TRACKER is not None
    return _TRACKER.apply(diff)


_TRACKER: RootTracker | None = None


def _tracker_init(args: tuple[list[bytes], list[bytes]]) -> None:
    global _TRACKER
    _TRACKER = RootTracker(*args)


def test_sealed_segments_give_the_same_roots_through_a_tracker() -> None:
    w = make_world()
    reference = w.state.copy()
    tracker = RootTracker(*w.state.root_tracker_args())
    b = BatchBuilder(w.state, max_segment_ops=3, root_of=tracker.apply)
    ref = BatchBuilder(reference, max_segment_ops=3)
    for i in range(20):
        frm = 1 + i % 4
        if i % 5 == 4:
            op = w.withdrawal(frm, 10**6, fee=1)
        elif i % 7 == 6:
            op = w.transfer(frm, None, 10**6, to_address=bytes([i]) * 20)
        else:
            op = w.transfer(frm, 1 + (i * 3) % 4, 1000 + i, fee=1)
        assert w.state.apply(op) is None
        assert reference.apply(op) is None
        b.add(encode_op(op))
        ref.add(encode_op(op))
        if i == 9:
            assert w.state.account_proof(2).verify()  # a local commit in between changes nothing
            assert b.finish() == ref.finish()
    assert b.finish() == ref.finish()
    assert w.state.root == reference.root


def test_seal_needs_a_tracker() -> None:
    with pytest.raises(L2StateError):
        make_world().state.seal()


@pytest.mark.integration
def test_root_tracker_in_a_worker_process() -> None:
    w = make_world()
    reference = w.state.copy()
    with ProcessPoolExecutor(1, initializer=_tracker_init, initargs=(w.state.root_tracker_args(),)) as pool:
        b = BatchBuilder(w.state, max_segment_ops=4, root_of=lambda d: pool.submit(_tracker_apply, d))
        ref = BatchBuilder(reference, max_segment_ops=4)
        for i in range(30):
            op = w.transfer(1 + i % 4, 1 + (i + 1) % 4, 5 + i, fee=1)
            assert w.state.apply(op) is None
            assert reference.apply(op) is None
            b.add(encode_op(op))
            ref.add(encode_op(op))
        assert b.finish() == ref.finish()


def test_the_proposal_calldata_is_the_abi_encoding() -> None:
    from eth_abi import encode

    from novacron_chain.l2._l1 import PROPOSE_SELECTOR, propose_calldata

    assert keccak(b"proposeBatch(bytes,uint32[],bytes32[],uint64,bytes32)")[:4] == PROPOSE_SELECTOR
    for size in (1, 31, 32, 33, 3000):
        ops = bytes(range(256)) * (size // 256) + bytes(size % 256)
        ends, roots, prev = [size // 2 or 1, size], [b"\x01" * 32, b"\x02" * 32], b"\x03" * 32
        types = ["bytes", "uint32[]", "bytes32[]", "uint64", "bytes32"]
        expected = PROPOSE_SELECTOR + encode(types, [ops, ends, roots, 9, prev])
        assert propose_calldata(ops, ends, roots, 9, prev) == expected
    with pytest.raises(Exception, match="32 bytes"):
        propose_calldata(b"\x01", [1], [b"\x01"], 0, prev)


# -- blob batches (docs/l2-blobs.md) ---------------------------------------------------------------------------------


def test_a_blob_batch_keeps_bodies_in_calldata_and_commits_to_its_blobs() -> None:
    w = make_world()
    _, batch = _batch(w, 40, seg=8)
    blob = replace(batch, blobs=True, blob_hashes=(b"\x01" + bytes(31), b"\x01" + b"\x02" * 31))
    ops, ends, roots, qe, prev = blob.propose_args()
    assert len(ops) == 40 * 17  # 0x01 bodies: 17 bytes, 8 to a segment
    assert ends == [136, 272, 408, 544, 680]
    assert (roots, qe, prev) == (list(batch.roots), batch.queue_end, batch.prev_root)
    for k in range(blob.segment_count):
        bodies, sigs = split_signatures(batch.segment(k))
        assert blob.l1_segment(k) == bodies == ops[(ends[k - 1] if k else 0) : ends[k]]
        assert join_signatures(bodies, sigs) == batch.segment(k)
        assert body_op_count(bodies) == len(sigs) == 8
        assert blob.signatures[k] == sigs
    assert blob.segments_root == segments_root(blob.l1_segments, blob.roots) != batch.segments_root
    assert blob.commitment == keccak(
        blob.segments_root
        + (5).to_bytes(32, "big")
        + blob.prev_root
        + qe.to_bytes(32, "big")
        + keccak(b"".join(blob.blob_hashes))
    )
    assert Batch.from_dict(blob.to_dict()) == blob


def test_joining_fills_a_missing_signature_with_zeros_and_keeps_queue_ops_unsigned() -> None:
    w = make_world()
    op = encode_op(w.transfer(1, 2, 5000, fee=1))
    segment = op + encode_op(QueueOp(7)) + op
    bodies, sigs = split_signatures(segment)
    assert sigs[1] is None
    assert len(bodies) == 17 + 5 + 17
    assert join_signatures(bodies, sigs[:1]) == op + encode_op(QueueOp(7)) + op[:17] + bytes(64)
    assert join_signatures(bodies + b"\x09junk", sigs) == segment  # the contract stops at an unknown type too


def test_a_forged_blob_signature_is_fraud_where_the_contract_checks_it() -> None:
    w = make_world()
    start = w.state.copy()
    b = BatchBuilder(w.state, max_segment_ops=4)
    ops = [w.transfer(1 + i % 4, 1 + (i + 1) % 4, 1000 + i, fee=1) for i in range(2)]
    for op in ops:
        assert w.state.apply(op) is None
        b.add(encode_op(op))
    honest = replace(b.finish(), blobs=True)
    v = start.copy()
    assert find_fraud(v, honest) is None  # every signature is the sender's
    # op 1's signature in the blob is another key's; the roots are the honest ones
    forged = w.transfer(2, 3, 1001, fee=1, signer=4, nonce=0)
    seg = honest.ops[:81] + encode_op(forged)
    bad = replace(honest, ops=seg)
    v = start.copy()
    assert find_fraud(v, bad) == 0
    assert v.root == start.root
    assert bad_signature(v, bad, 0) == 1
    assert v.root == start.root
    assert find_fraud(start.copy(), replace(bad, blobs=False)) == 0  # a calldata batch: a no-op, its root differs
    # the same forged signature on an op its sender cannot pay never reaches the contract's signature check
    poor = w.transfer(2, 3, 10**30, fee=1, signer=4, nonce=0)
    v = start.copy()
    unpaid = replace(honest, ops=honest.ops[:81] + encode_op(poor))
    assert bad_signature(v, unpaid, 0) is None
