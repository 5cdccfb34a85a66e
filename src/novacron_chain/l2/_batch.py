"""Batches: segments of at most 32 ops with the state root after each, the commitment L1 stores, re-execution from
L1 data (the verifier), and fraud proofs in the contract's witness encoding.

A batch's ``ops`` are split at ``ends`` into segments; ``roots[k]`` is the state root after segment ``k``. The leaf
of segment ``k`` is ``keccak256(abi.encode(keccak256(segment_k), roots[k]))``; ``segmentsRoot`` is the Merkle root of
the leaves padded with zero leaves to the next power of two; L1 stores ``commitment = keccak256(abi.encode(
segmentsRoot, uint64 segmentCount, prevRoot, uint64 queueEnd))``.

Witness encoding (spec, Changes C1.1), consumed left to right by ``L2StateTransition``: ``Siblings(depth)`` = a mask
(3 bytes for depth 24, 4 for depth 32; bit i set: the level-i sibling follows, else it is ``Z[i]``) then the present
siblings; ``Account`` = addr 20, nonce 8, balMask 1, the non-zero balances (32 each), then ``Siblings(24)``;
``Slot`` = ``Siblings(24)`` or ``Siblings(32)``; ``Queue`` = kind 1, account 20, tokenId 1, amount 32.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from ._codec import MAX_SEGMENT_OPS, decode_segment, split_signatures
from ._errors import L2StateError, L2ValueError
from ._state import L2State
from ._tree import keccak, merkle_root, zero_hashes
from ._types import ACCOUNT_DEPTH, TOKENS, WITHDRAWAL_DEPTH, LeafDiff, Op, QueueItem, StateHeader, Transfer, Withdrawal

__all__ = [
    "Batch",
    "BatchBuilder",
    "FraudProof",
    "bad_signature",
    "batch_commitment",
    "blob_rule_broken",
    "find_fraud",
    "fraud_proof",
    "merkle_proof",
    "rebuild_state",
    "replay_batch",
    "replay_segment",
    "segment_leaf",
    "segment_witness",
    "segments_root",
]

_ZEROS = zero_hashes(max(ACCOUNT_DEPTH, WITHDRAWAL_DEPTH))


def segment_leaf(segment: bytes, root: bytes) -> bytes:
    """``keccak256(abi.encode(keccak256(segment), root))``."""
    return keccak(keccak(segment) + root)


def segments_root(segments: Sequence[bytes], roots: Sequence[bytes]) -> bytes:
    """The Merkle root over the segment leaves, padded with zero leaves to the next power of two."""
    return merkle_root([segment_leaf(s, r) for s, r in zip(segments, roots, strict=True)])


def merkle_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Siblings of ``leaves[index]`` (leaf level first) in the tree of :func:`~._tree.merkle_root`."""
    level = list(leaves)
    size = 1
    while size < len(level):
        size <<= 1
    level.extend([bytes(32)] * (size - len(level)))
    out: list[bytes] = []
    i = index
    while len(level) > 1:
        out.append(level[i ^ 1])
        level = [keccak(level[j] + level[j + 1]) for j in range(0, len(level), 2)]
        i >>= 1
    return out


def batch_commitment(
    segments_root_: bytes,
    segment_count: int,
    prev_root: bytes,
    queue_end: int,
    blob_hashes: Sequence[bytes] | None = None,
) -> bytes:
    """What L1 stores per batch: ``keccak256(abi.encode(segmentsRoot, uint64 count, prevRoot, uint64 queueEnd))``;
    for a blob batch (``blob_hashes``: its versioned hashes) ``blobsHash = keccak256(abi.encodePacked(hashes))``
    is a fifth field."""
    head = segments_root_ + segment_count.to_bytes(32, "big") + prev_root + queue_end.to_bytes(32, "big")
    return keccak(head if blob_hashes is None else head + keccak(b"".join(blob_hashes)))


@dataclass(frozen=True, slots=True)
class Batch:
    """A batch as ``proposeBatch`` takes it, with the root it starts from. ``ops`` always carry their signatures;
    ``blobs``: posted with ``proposeBlobBatch`` (calldata holds the op bodies, the signatures go to blobs whose
    versioned hashes are ``blob_hashes`` once known; docs/l2-blobs.md), which changes its leaves and commitment."""

    ops: bytes
    ends: tuple[int, ...]
    roots: tuple[bytes, ...]
    queue_end: int
    prev_root: bytes
    blobs: bool = False
    blob_hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if not self.ends or len(self.ends) != len(self.roots) or self.ends[-1] != len(self.ops):
            raise L2ValueError(
                "a batch needs at least one segment, one root per segment and ends[-1] == len(ops)",
                hint="build batches with BatchBuilder",
            )
        start = 0
        for end in self.ends:
            if end <= start:
                raise L2ValueError("segment ends must be strictly increasing", hint="no empty segments")
            start = end

    @property
    def segment_count(self) -> int:
        """Number of segments."""
        return len(self.ends)

    @property
    def segments(self) -> list[bytes]:
        """The segments' bytes."""
        starts = (0, *self.ends[:-1])
        return [self.ops[s:e] for s, e in zip(starts, self.ends, strict=True)]

    def segment(self, k: int) -> bytes:
        """Segment ``k``."""
        return self.ops[(self.ends[k - 1] if k else 0) : self.ends[k]]

    def l1_segment(self, k: int) -> bytes:
        """Segment ``k`` as L1 holds it (the op bodies for a blob batch)."""
        segment = self.segment(k)
        return split_signatures(segment)[0] if self.blobs else segment

    @property
    def l1_segments(self) -> list[bytes]:
        """The segments as L1 holds them."""
        return [split_signatures(s)[0] for s in self.segments] if self.blobs else self.segments

    @property
    def signatures(self) -> list[list[bytes | None]]:
        """Per segment, per op the contract executes: its signature (None for a queue op); what a blob batch's
        blobs carry."""
        return [split_signatures(s)[1] for s in self.segments]

    @property
    def leaves(self) -> list[bytes]:
        """The segment leaves."""
        return [segment_leaf(s, r) for s, r in zip(self.l1_segments, self.roots, strict=True)]

    @property
    def segments_root(self) -> bytes:
        """Root of the segments tree."""
        return merkle_root(self.leaves)

    @property
    def commitment(self) -> bytes:
        """The commitment L1 stores for this batch."""
        hashes = self.blob_hashes if self.blobs else None
        return batch_commitment(self.segments_root, len(self.ends), self.prev_root, self.queue_end, hashes)

    @property
    def post_root(self) -> bytes:
        """The state root after the batch."""
        return self.roots[-1]

    def segment_siblings(self, k: int) -> list[bytes]:
        """Siblings of segment ``k``'s leaf in the segments tree (leaf level first)."""
        return merkle_proof(self.leaves, k)

    def propose_args(self) -> tuple[bytes, list[int], list[bytes], int, bytes]:
        """``(ops, ends, roots, queueEnd, prevRoot)`` for ``L2Rollup.proposeBatch`` (``prevRoot``: the head the batch
        was built on; L1 refuses the batch with ``RollupWrongHead`` when its head is another one); for a blob batch
        the arguments of ``proposeBlobBatch`` (op bodies, their ends)."""
        if not self.blobs:
            return self.ops, list(self.ends), list(self.roots), self.queue_end, self.prev_root
        bodies = self.l1_segments
        return b"".join(bodies), list(accumulate(map(len, bodies))), list(self.roots), self.queue_end, self.prev_root

    @property
    def op_count(self) -> int:
        """Number of ops the contract executes (at most 32 per segment)."""
        return sum(len(decode_segment(s)[0]) for s in self.segments)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (hex bytes)."""
        return {
            "ops": "0x" + self.ops.hex(),
            "ends": list(self.ends),
            "roots": ["0x" + r.hex() for r in self.roots],
            "queue_end": self.queue_end,
            "prev_root": "0x" + self.prev_root.hex(),
            "blobs": self.blobs,
            "blob_hashes": ["0x" + h.hex() for h in self.blob_hashes],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Batch:
        """Read :meth:`to_dict`'s form back."""
        try:
            return cls(
                bytes.fromhex(str(data["ops"])[2:]),
                tuple(int(e) for e in data["ends"]),
                tuple(bytes.fromhex(str(r)[2:]) for r in data["roots"]),
                int(data["queue_end"]),
                bytes.fromhex(str(data["prev_root"])[2:]),
                bool(data.get("blobs", False)),
                tuple(bytes.fromhex(str(h)[2:]) for h in data.get("blob_hashes", ())),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise L2ValueError(f"not a batch: {exc}", hint="pass what Batch.to_dict wrote") from None


class BatchBuilder:
    """The sequencer's side: collects encoded ops the state applied (validly, in order) and closes a segment, with
    the state root, every ``MAX_SEGMENT_OPS`` ops.

    ``add`` must be called right after ``state.apply`` returned None for that op and before the next op is applied
    (the segment root is the state's root at that moment).

    ``root_of``: where segment roots come from. None: ``state.commit()`` here. Else it is called with
    ``state.seal()`` (a :class:`~._types.LeafDiff`) at each segment end and returns the root or a
    :class:`~concurrent.futures.Future` of it, e.g. ``lambda d: pool.submit(tracker_apply, d)`` with a one-process
    pool whose :class:`~._tree.RootTracker` was built from ``state.root_tracker_args()``; ``finish`` waits for them.
    Then ``prev_root`` of the first batch is ``state.commit()`` at construction, later ones the previous post root.
    """

    def __init__(
        self,
        state: L2State,
        max_segment_ops: int = MAX_SEGMENT_OPS,
        *,
        root_of: Callable[[LeafDiff], bytes | Future[bytes]] | None = None,
    ) -> None:
        if not 1 <= max_segment_ops <= MAX_SEGMENT_OPS:
            raise L2ValueError(f"segment size {max_segment_ops} is not 1..{MAX_SEGMENT_OPS}", hint="use 32")
        self.state = state
        self.max_segment_ops = max_segment_ops
        self.root_of = root_of
        self.prev_root = state.commit()
        self._reset()

    def _reset(self) -> None:
        self._parts: list[bytes] = []
        self._ends: list[int] = []
        self._roots: list[bytes | Future[bytes]] = []
        self._size = 0
        self._in_segment = 0
        self.op_count = 0

    def add(self, encoded_op: bytes) -> None:
        """Append an applied op; closes the segment (and commits the state) when it is full."""
        self._parts.append(encoded_op)
        self._added(1, len(encoded_op))

    @property
    def room(self) -> int:
        """Ops the open segment takes before it closes (at least 1)."""
        return self.max_segment_ops - self._in_segment

    def extend(self, encoded_ops: list[bytes]) -> None:
        """:meth:`add` of each op in turn, for at most :attr:`room` of them (ops a compiled path applied and
        collected; the segment closes, and the state commits, after the last one when it fills the segment)."""
        k = len(encoded_ops)
        if not k:
            return
        if k > self.room:
            raise L2StateError(f"{k} ops do not fit the segment's {self.room} places", hint="pass at most room ops")
        self._parts.extend(encoded_ops)
        self._added(k, sum(map(len, encoded_ops)))

    def _added(self, ops: int, size: int) -> None:
        self._size += size
        self._in_segment += ops
        self.op_count += ops
        if self._in_segment == self.max_segment_ops:
            self._close()

    def _close(self) -> None:
        self._ends.append(self._size)
        if self.root_of is None:
            self._roots.append(self.state.commit())
        else:
            self._roots.append(self.root_of(self.state.seal()))
        self._in_segment = 0

    @property
    def empty(self) -> bool:
        """Whether no op was added since the last batch."""
        return self.op_count == 0

    def finish(self, queue_end: int | None = None) -> Batch:
        """Close the batch (``queue_end`` defaults to the state's ``queue_processed``, which it must equal)."""
        if self.op_count == 0:
            raise L2StateError("the batch has no op", hint="add ops before finishing a batch")
        if self._in_segment:
            self._close()
        qe = self.state.queue_processed if queue_end is None else queue_end
        roots = tuple(r if isinstance(r, bytes) else r.result() for r in self._roots)
        batch = Batch(b"".join(self._parts), tuple(self._ends), roots, qe, self.prev_root)
        self.prev_root = batch.post_root
        self._reset()
        return batch


# -- re-execution (verifier) ----------------------------------------------------------------------------------------


def replay_segment(state: L2State, segment: bytes, queue_end: int) -> bytes:
    """Apply one segment as the contract does (recovering every signature); the root after it."""
    ops, _ = decode_segment(segment)
    for op in ops:
        state.apply(op, queue_limit=queue_end)
    return state.commit()


def blob_rule_broken(state: L2State, op: Op, reason: str | None) -> bool:
    """Whether ``op`` (just applied with ``reason``) breaks a blob batch's signature rule: it reached the contract's
    signature check (the sender exists, has a non-zero address and the balance) and its signature is not the
    sender's. The contract checks the balance before the signature, the state the other way round: both orders
    give the same no-op, but only a check the contract reaches can be proven on L1."""
    if reason != "bad signature" or not isinstance(op, Transfer | Withdrawal):
        return False
    a = op.account
    return state.address(a) != bytes(20) and state.balance(a, op.token) >= op.amount + op.fee


def _replay_segment_checked(state: L2State, segment: bytes, queue_end: int) -> tuple[bytes, int | None]:
    """:func:`replay_segment`, and the position of the first op breaking the blob-batch signature rule (None)."""
    ops, _ = decode_segment(segment)
    bad: int | None = None
    for j, op in enumerate(ops):
        reason = state.apply(op, queue_limit=queue_end)
        if bad is None and blob_rule_broken(state, op, reason):
            bad = j
    return state.commit(), bad


def bad_signature(state: L2State, batch: Batch, segment_index: int) -> int | None:
    """For a blob batch: the position in segment ``segment_index`` of the first op whose blob signature breaks the
    rule (the op ``proveBlobFraud`` names), None when there is none; ``state`` at the batch's start, left so."""
    mark = state.checkpoint()
    try:
        for k in range(segment_index):
            replay_segment(state, batch.segment(k), batch.queue_end)
        return _replay_segment_checked(state, batch.segment(segment_index), batch.queue_end)[1]
    finally:
        state.rollback(mark)


def replay_batch(state: L2State, ops: bytes, ends: Sequence[int], queue_end: int) -> list[bytes]:
    """Apply every segment of a batch's calldata; the roots after each segment (the honest ``roots``)."""
    out: list[bytes] = []
    start = 0
    for end in ends:
        out.append(replay_segment(state, ops[start:end], queue_end))
        start = end
    return out


def find_fraud(state: L2State, batch: Batch) -> int | None:
    """Re-execute ``batch`` from ``state`` (whose root must be ``batch.prev_root``). Honest: the state is advanced,
    None. Otherwise the index of the first wrong segment (a wrong root, or for the last segment a
    ``queueProcessed`` other than ``queueEnd``; for a blob batch also a segment with an op breaking the signature
    rule, see :func:`bad_signature`), the state left as it was before the batch."""
    if state.commit() != batch.prev_root:
        raise L2StateError(
            "the batch does not start at this state's root",
            hint="replay the batches in order from genesis (rebuild_state)",
        )
    mark = state.checkpoint()
    start = 0
    last = len(batch.ends) - 1
    for k, end in enumerate(batch.ends):
        if batch.blobs:
            root, bad = _replay_segment_checked(state, batch.ops[start:end], batch.queue_end)
        else:
            root, bad = replay_segment(state, batch.ops[start:end], batch.queue_end), None
        start = end
        if bad is not None or root != batch.roots[k] or (k == last and state.queue_processed != batch.queue_end):
            state.rollback(mark)
            return k
    state.release(mark)
    return None


def rebuild_state(state: L2State, batches: Iterable[Batch], queue: Iterable[QueueItem] = ()) -> list[int | None]:
    """Feed ``queue`` items into ``state`` (a genesis state) and replay ``batches`` in order; per batch, None when
    honest or the first wrong segment (then the replay stops: later batches build on a deleted one)."""
    for item in queue:
        if item.index >= len(state.queue):
            state.add_queue_item(item)
    out: list[int | None] = []
    for batch in batches:
        k = find_fraud(state, batch)
        out.append(k)
        if k is not None:
            break
    return out


# -- witnesses and fraud proofs ------------------------------------------------------------------------------------


def _siblings(siblings: Sequence[bytes], mask_bytes: int) -> bytes:
    mask = 0
    present: list[bytes] = []
    for i, s in enumerate(siblings):
        if s != _ZEROS[i]:
            mask |= 1 << i
            present.append(s)
    return mask.to_bytes(mask_bytes, "big") + b"".join(present)


def _account_item(state: L2State, index: int) -> bytes:
    account = state.account(index)
    mask = 0
    present: list[bytes] = []
    for t in range(TOKENS):
        if account.balances[t]:
            mask |= 1 << t
            present.append(account.balances[t].to_bytes(32, "big"))
    siblings = state.account_siblings(index)
    return (
        account.address
        + account.nonce.to_bytes(8, "big")
        + bytes((mask,))
        + b"".join(present)
        + _siblings(siblings, ACCOUNT_DEPTH // 8)
    )


def segment_witness(state: L2State, segment: bytes, queue_end: int) -> bytes:
    """Apply ``segment`` to ``state`` and return the witness the contract needs to re-execute it (state advanced,
    as by :func:`replay_segment`)."""
    parts: list[bytes] = []

    def tracer(kind: str, index: int) -> None:
        if kind == "account":
            parts.append(_account_item(state, index))
        elif kind == "slot-account":
            parts.append(_siblings(state.account_siblings(index), ACCOUNT_DEPTH // 8))
        elif kind == "slot-withdrawal":
            parts.append(_siblings(state.withdrawal_siblings(index), WITHDRAWAL_DEPTH // 8))
        else:
            item = state.queue[index]
            parts.append(bytes((item.kind,)) + item.account + bytes((item.token,)) + item.amount.to_bytes(32, "big"))

    previous = state.tracer
    state.tracer = tracer
    try:
        replay_segment(state, segment, queue_end)
    finally:
        state.tracer = previous
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class FraudProof:
    """The argument of ``L2Rollup.proveFraud`` (the ``FraudProof`` struct)."""

    batch_index: int
    segments_root: bytes
    segment_count: int
    queue_end: int
    segment_index: int
    segment: bytes
    post_root: bytes
    siblings: tuple[bytes, ...]
    prev_segment_hash: bytes
    pre_root: bytes
    prev_siblings: tuple[bytes, ...]
    pre: StateHeader
    witness: bytes

    def as_tuple(self) -> tuple[Any, ...]:
        """The struct as a tuple, for web3 (``rollup.functions.proveFraud(proof.as_tuple())``)."""
        return (
            self.batch_index,
            self.segments_root,
            self.segment_count,
            self.queue_end,
            self.segment_index,
            self.segment,
            self.post_root,
            list(self.siblings),
            self.prev_segment_hash,
            self.pre_root,
            list(self.prev_siblings),
            self.pre.as_tuple(),
            self.witness,
        )


def fraud_proof(state: L2State, batch: Batch, batch_index: int, segment_index: int) -> FraudProof:
    """The fraud proof of segment ``segment_index`` of ``batch`` (L1 index ``batch_index``), from ``state`` at the
    batch's start (left unchanged). Also builds a proof for an honest segment (the contract refuses that one)."""
    k = segment_index
    if not 0 <= k < len(batch.ends):
        raise L2ValueError(f"batch has no segment {k}", hint=f"segments are 0..{len(batch.ends) - 1}")
    if state.commit() != batch.prev_root:
        raise L2StateError("the state is not at the batch's start", hint="pass the state before the batch")
    mark = state.checkpoint()
    try:
        for j in range(k):
            replay_segment(state, batch.segment(j), batch.queue_end)
        pre = state.header()
        witness = segment_witness(state, batch.segment(k), batch.queue_end)
    finally:
        state.rollback(mark)
    leaves = batch.leaves
    return FraudProof(
        batch_index=batch_index,
        segments_root=merkle_root(leaves),
        segment_count=len(batch.ends),
        queue_end=batch.queue_end,
        segment_index=k,
        segment=batch.l1_segment(k),
        post_root=batch.roots[k],
        siblings=tuple(merkle_proof(leaves, k)),
        prev_segment_hash=keccak(batch.l1_segment(k - 1)) if k else bytes(32),
        pre_root=batch.roots[k - 1] if k else bytes(32),
        prev_siblings=tuple(merkle_proof(leaves, k - 1)) if k else (),
        pre=pre,
        witness=witness,
    )
