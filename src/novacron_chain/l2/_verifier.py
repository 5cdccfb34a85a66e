"""The verifier: rebuild the L2 state from L1 data alone and prove every wrong root wrong, by itself.

It reads only L1: the portal's ``QueueItemAdded`` events and, per live batch, its ``BatchProposed`` event and the
calldata of the transaction that posted it (:class:`~._l1.RollupL1`). Each batch is re-executed segment by segment
from the state after the previous one; the first segment whose root differs from the posted one (or, for the last
segment, whose ``queueProcessed`` differs from ``queueEnd``) is proven wrong with one ``proveFraud`` transaction built
from the state before that segment (:func:`~._batch.fraud_proof`), which deletes the batch and every later one and
pays half of the proposer's bond to the verifier's account. A batch that became final before it could be checked is
reported (it can no longer be challenged: run a verifier well inside the challenge period).

With ``force_include`` the verifier also includes queue items the sequencer ignores: once one is older than the
rollup's ``forceDelay`` blocks, anyone with a bond may post batches, and the verifier posts one holding every waiting
queue item (deposits are credited, forced withdrawals honoured) with the honest roots.

Snapshots (with a ``data_dir``; :mod:`._snapshot`): the verified state is written every ``snapshot_every`` verified
batches, and :meth:`Verifier.rebuild` starts from the newest one whose batch L1 still holds with the same post root. A
batch this verifier found honest can never be deleted (a fraud proof against it would fail), so the batches up to a
snapshot need no second look. ``snapshot_every=0`` only reads them: a one-shot rebuild (``l2 prove --from-l1``)
starting from the snapshots of a verifier that runs in the same data dir, whose directory it must not write.

Fast finality: when the validator set checkpointed a batch this verifier verified (``("l2", index, postRoot)`` final
on the rollup's CheckpointVerifier, see ``consensus.L2RootSource``), a verifier with a key sends
``confirmByCheckpoint(index)``, which makes that batch and every earlier one final before the challenge period ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NovaChainError
from ._batch import Batch, BatchBuilder, bad_signature, blob_rule_broken, find_fraud, fraud_proof
from ._blobs import SEGMENT_SLOTS, SLOTS_PER_BLOB, slot_openings
from ._codec import encode_op
from ._errors import L2StateError
from ._l1 import L1Batch, RollupL1
from ._pool import RecoveryPool
from ._replay import replay_segments
from ._snapshot import clean_partial, header_of, header_row, load_latest, snapshot_meta, write_snapshot
from ._state import L2State
from ._tree import MerkleTree
from ._types import WITHDRAWAL_DEPTH, Op, QueueOp, StateHeader, WithdrawalProof

_NO_SIGNATURE = 2**64 - 1  # BlobSignature.op when no signature is checked (a wrong root)

if TYPE_CHECKING:
    from ..chain import Signer
    from ..metrics import L2Metrics

__all__ = ["Verifier", "VerifierEvent"]

_log = logging.getLogger("novacron_chain.l2.verifier")


def verifier_dir(data_dir: Path, chain_id: int, rollup: str) -> Path:
    """Where ``l2 verify`` with data dir ``data_dir`` keeps its state snapshots of rollup ``rollup``."""
    return data_dir / "l2-verifier" / f"{chain_id}-{rollup}"


@dataclass(frozen=True)
class VerifierEvent:
    """Something the verifier did or saw: ``verified``, ``fraud-proven``, ``fraud-unprovable``, ``forced-inclusion``,
    ``confirmed`` (a batch made final early by its proof-of-stake checkpoint), ``rebuilt``."""

    kind: str
    batch: int | None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"event": self.kind, "batch": self.batch, **self.detail}


class Verifier:
    """Checks every batch of one rollup from L1 data (see the module docstring). ``signer`` pays for fraud proofs
    (None: report only)."""

    def __init__(
        self,
        l1: RollupL1,
        signer: Signer | None,
        *,
        force_include: bool = False,
        bond: int = 0,
        metrics: L2Metrics | None = None,
        on_event: Callable[[VerifierEvent], None] | None = None,
        workers: int | None = None,
        data_dir: Path | None = None,
        snapshot_every: int = 1000,
    ) -> None:
        self.l1 = l1
        self.signer = signer
        self.force_include = force_include
        self.bond = bond
        self.metrics = metrics
        self.on_event = on_event
        self.state: L2State | None = None
        self.verified = 0  # batches checked honest, in order
        self.headers: list[StateHeader] = []
        self.tx_counts: list[int] = []
        self.proven: list[dict[str, Any]] = []
        self.forced: list[int] = []
        self.last_error: str | None = None
        self._force_delay: int | None = None
        self.workers = workers
        self._pool: RecoveryPool | None = None
        self._proposed_forced_at: int | None = None
        self._confirm_done = -1  # the highest checkpointed batch confirmed (or found not confirmable) so far
        self.data_dir = data_dir
        self.snapshot_every = snapshot_every
        self._snapshot_at = -1  # the batch of the newest snapshot written or loaded
        self.snapshot_loaded: int | None = None  # the batch whose snapshot the last rebuild started from
        if data_dir is not None and snapshot_every:
            clean_partial(data_dir)  # this verifier is the directory's only writer, and it writes on its own thread

    # -- state ---------------------------------------------------------------------------------------------------

    def _genesis(self) -> L2State:
        return L2State.genesis(self.l1.fee_recipient(), self.l1.domain(), self.l1.tokens())

    def rebuild(self) -> None:
        """Forget everything and start again from the newest usable snapshot, else from genesis (at start, and after
        batches were deleted)."""
        self.state = self._genesis()
        self.verified = 0
        self.headers = []
        self.tx_counts = []
        self._snapshot_at = -1
        self.snapshot_loaded = None
        if self.data_dir is not None:
            loaded = load_latest(self.data_dir, self.l1, self.l1.domain(), self.l1.tokens())
            if loaded is not None:
                snap, self.state = loaded
                self.headers = [header_of(row) for row in snap.meta["headers"]]
                self.tx_counts = [int(n) for n in snap.meta["tx_counts"]]
                self.verified = len(self.headers)
                self._snapshot_at = self.snapshot_loaded = snap.batch_index
        self._emit(VerifierEvent("rebuilt", None, {"from_snapshot_of_batch": self.snapshot_loaded}))

    def _maybe_snapshot(self) -> None:
        """Write the verified state (the post-state of batch ``verified - 1``) once ``snapshot_every`` batches passed
        since the last one."""
        state, index = self.state, self.verified - 1
        if self.data_dir is None or not self.snapshot_every or state is None or not self.headers:
            return
        root = state.commit()
        if index - self._snapshot_at < self.snapshot_every or root != self.headers[-1].root:
            return
        headers = [header_row(h) for h in self.headers]
        meta = snapshot_meta(self.l1, index, root, headers=headers, tx_counts=self.tx_counts)
        try:
            write_snapshot(self.data_dir, meta, state.image())
        except OSError as exc:
            _log.warning("writing the state snapshot of batch %d failed: %s", index, exc)
            return
        self._snapshot_at = index

    def _emit(self, event: VerifierEvent) -> None:
        _log.info("%s", event.to_dict())
        if self.on_event is not None:
            self.on_event(event)

    # -- one pass ------------------------------------------------------------------------------------------------

    def step(self) -> list[VerifierEvent]:
        """Read L1 once: check every new batch (proving the first wrong one), include overdue queue items when
        asked. Returns what happened."""
        events: list[VerifierEvent] = []
        sink = self.on_event

        def both(event: VerifierEvent) -> None:
            events.append(event)
            if sink is not None:
                sink(event)

        self.on_event = both
        try:
            self._step()
        finally:
            self.on_event = sink
        return events

    def _step(self) -> None:
        if self.state is None:
            self.rebuild()
        state = self.state
        assert state is not None
        count = self.l1.batch_count()
        if count < self.verified:  # a fraud proof (ours or someone else's) deleted verified batches: start again
            self.rebuild()
            state = self.state
            assert state is not None
        tokens = self.l1.tokens()
        for i, t in enumerate(tokens):
            if state.tokens[i] != t:
                state.set_token(i, t)
        for item in self.l1.queue_items(len(state.queue)):
            state.add_queue_item(item)
        if count > self.verified:
            for b in self.l1.live_batches(self.verified):
                if not self._check(b):
                    break
            self._maybe_snapshot()
        if self.signer is not None:
            self._confirm_by_checkpoint()
        if self.force_include and self.signer is not None:
            self._force_include()

    def _confirm_by_checkpoint(self) -> None:
        """When the validators checkpointed a batch this verifier verified (``("l2", index, postRoot)`` final on
        the rollup's CheckpointVerifier), send ``confirmByCheckpoint(index)``: it and every earlier batch are final
        before the challenge period ends (withdrawals from them can be finalized at once)."""
        assert self.signer is not None
        found = self.l1.checkpointed_batch()
        if found is None or found[0] <= self._confirm_done:
            return
        index, final = found
        if index >= self.verified:
            return  # confirm only what this verifier re-executed itself
        if not final:
            self._confirm_done = index
            _log.error("batch %s is checkpointed with another root than the live one: not confirming it", index)
            return
        if self.l1.confirmed_count() > index or self.l1.is_final(index):
            self._confirm_done = index
            return
        try:
            receipt = self.l1.confirm_by_checkpoint(index, self.signer)
        except NovaChainError as exc:
            self.last_error = f"confirming batch {index} by its checkpoint failed: {exc.message}"
            _log.warning("%s", self.last_error)
            return
        self._confirm_done = index
        self._emit(VerifierEvent("confirmed", index, {"tx": receipt.tx_hash, "gas_used": receipt.gas_used}))

    def _fast_check(self, state: L2State, b: L1Batch) -> bool:
        """Re-execute with signatures recovered on every core (:mod:`._replay`); True (state advanced) when every
        root matches, else False with the state as it was."""
        if self._pool is None:
            self._pool = RecoveryPool(state.domain, state.tokens, self.workers)
        self._pool.set_tokens(state.tokens)
        last = len(b.ends) - 1
        wrong: list[int] = []
        broken: list[Op] = []

        def on_op(op: Op, _encoded: bytes, _digest: bytes | None, reason: str | None) -> None:
            if blob_rule_broken(state, op, reason):
                broken.append(op)

        def stop(k: int, root: bytes) -> bool:
            if broken or root != b.roots[k] or (k == last and state.queue_processed != b.queue_end):
                wrong.append(k)
                return True
            return False

        mark = state.checkpoint()
        roots = replay_segments(state, self._pool, b.segments, b.queue_end, stop=stop, on_op=on_op if b.blobs else None)
        if wrong or len(roots) != len(b.ends):
            state.rollback(mark)
            return False
        state.release(mark)
        return True

    def close(self) -> None:
        """Stop the signature workers."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _check(self, b: L1Batch) -> bool:
        state = self.state
        assert state is not None
        batch = Batch(b.ops, b.ends, b.roots, b.queue_end, state.commit(), b.blobs, b.blob_hashes)
        started = time.monotonic()
        try:
            # the fast path for the honest case; any disagreement is settled the contract's way (find_fraud)
            k = None if self._fast_check(state, b) else find_fraud(state, batch)
        except NovaChainError as exc:
            self.last_error = f"batch {b.index} cannot be re-executed: {exc.message}"
            _log.error("%s", self.last_error)
            return False
        if k is None:
            self.verified = b.index + 1
            self.headers.append(state.header())
            self.tx_counts.append(batch.op_count)
            self._emit(
                VerifierEvent(
                    "verified",
                    b.index,
                    {"root": "0x" + b.post_root.hex(), "seconds": round(time.monotonic() - started, 3)},
                )
            )
            return True
        self._prove(b, batch, k)
        return False

    def _prove(self, b: L1Batch, batch: Batch, k: int) -> None:
        state = self.state
        assert state is not None
        detail: dict[str, Any] = {"segment": k, "claimed_root": "0x" + b.roots[k].hex()}
        if self.l1.is_final(b.index):
            self._emit(VerifierEvent("fraud-unprovable", b.index, {**detail, "why": "the batch is already final"}))
            return
        if self.signer is None:
            self._emit(VerifierEvent("fraud-unprovable", b.index, {**detail, "why": "no signing key"}))
            return
        proof = fraud_proof(state, batch, b.index, k)
        try:
            if batch.blobs:
                op = bad_signature(state, batch, k)
                detail["signature_of_op"] = op
                call = self.l1.rollup.functions.proveBlobFraud(proof.as_tuple(), self._blob_signature(b, k, op))
            else:
                call = self.l1.rollup.functions.proveFraud(proof.as_tuple())
            receipt = self.l1.send_call(call, self.signer)
        except NovaChainError as exc:
            self.last_error = f"the fraud proof of batch {b.index} failed: {exc.message}"
            self._emit(VerifierEvent("fraud-unprovable", b.index, {**detail, "why": exc.message}))
            return
        record = {**detail, "tx": receipt.tx_hash, "gas_used": receipt.gas_used}
        self.proven.append({"batch": b.index, **record})
        if self.metrics is not None:
            self.metrics.observe_fraud_proof()
        self._emit(VerifierEvent("fraud-proven", b.index, record))

    def _blob_signature(self, b: L1Batch, segment: int, op: int | None) -> tuple[Any, ...]:
        """The ``BlobSignature`` argument of ``proveBlobFraud``: no signature (a wrong root), or the openings of
        op ``op``'s signature slot in its blob."""
        if op is None:
            return (list(b.blob_hashes), _NO_SIGNATURE, b"")
        slot = SEGMENT_SLOTS * segment + op
        blob = self.l1.blobs_of(b.block, b.blob_hashes)[slot // SLOTS_PER_BLOB]
        return (list(b.blob_hashes), op, slot_openings(blob, slot))

    def _force_include(self) -> None:
        state = self.state
        assert state is not None
        assert self.signer is not None
        if self.verified < self.l1.batch_count():
            return  # unverified batches first: the new batch must build on a checked state
        if state.queue_processed >= len(state.queue):
            return
        if self._force_delay is None:
            self._force_delay = self.l1.parameters()["force_delay"]
        head = self.l1.chain.block_number()
        oldest = state.queue[state.queue_processed]
        if head <= oldest.l1_block + self._force_delay:
            return
        if self._proposed_forced_at == len(state.queue):
            return  # already posted for these items (it shows up as a live batch next pass)
        self.l1.ensure_bond(self.signer, self.bond)
        work = state.copy()
        builder = BatchBuilder(work)
        while work.queue_processed < len(work.queue):
            item = work.queue[work.queue_processed]
            hint = work.index_of(item.account)
            op = QueueOp(work.account_count if hint is None else hint)
            if work.apply(op) is not None:
                break
            builder.add(encode_op(op))
        if builder.empty:
            return
        batch = builder.finish()
        index = self.l1.batch_count()
        try:
            receipt = self.l1.propose(batch, self.signer, before_send=lambda _n, _raw: None)
        except NovaChainError as exc:
            self.last_error = f"forced inclusion failed: {exc.message}"
            _log.error("%s", self.last_error)
            return
        self._proposed_forced_at = len(state.queue)
        self.forced.append(index)
        self._emit(
            VerifierEvent(
                "forced-inclusion",
                index,
                {"queue_end": batch.queue_end, "tx": receipt.tx_hash, "gas_used": receipt.gas_used},
            )
        )

    # -- running -------------------------------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, poll_interval: float = 1.0, seconds: float | None = None) -> None:
        """Call :meth:`step` every ``poll_interval`` seconds until ``stop`` is set (or ``seconds`` passed)."""
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                try:
                    self.step()
                except NovaChainError as exc:
                    self.last_error = exc.message
                    _log.warning("verifier pass failed: %s", exc.message)
                stop.wait(poll_interval)
        finally:
            self.close()

    def withdrawal_proof(self, index: int, batch: int | None = None) -> tuple[WithdrawalProof, int]:
        """A proof of withdrawal ``index`` against the header of verified batch ``batch`` (default: the latest final
        verified batch holding it), built from L1 data alone: what a user needs when the sequencer will not help."""
        state = self.state
        if state is None:
            raise L2StateError("nothing verified yet", hint="call step() first")
        holding = [i for i, h in enumerate(self.headers) if h.withdrawal_count > index]
        if batch is not None:
            holding = [i for i in holding if i == batch]
        if not holding:
            raise L2StateError(
                f"no verified batch holds withdrawal {index}",
                hint="wait until the batch holding it is posted, then prove again",
            )
        finals = [i for i in holding if self.l1.is_final(i)]
        chosen = finals[-1] if finals and batch is None else holding[-1]
        header = self.headers[chosen]
        tree = MerkleTree(WITHDRAWAL_DEPTH)
        for i in range(header.withdrawal_count):
            tree.set_leaf(i, state.withdrawal(i).leaf)
        return WithdrawalProof(state.withdrawal(index), tuple(tree.proof(index)), header), chosen

    def status(self) -> dict[str, Any]:
        """What the verifier checked and proved."""
        state = self.state
        return {
            "rollup": self.l1.address,
            "verified_batches": self.verified,
            "state_root": "0x" + state.commit().hex() if state is not None else None,
            "accounts": state.account_count if state is not None else 0,
            "snapshot": {
                "latest_batch": None if self._snapshot_at < 0 else self._snapshot_at,
                "started_from_batch": self.snapshot_loaded,
            },
            "fraud_proofs": self.proven,
            "forced_inclusions": self.forced,
            "last_error": self.last_error,
        }
