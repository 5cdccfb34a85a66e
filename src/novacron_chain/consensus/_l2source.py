"""The ``"l2"`` checkpoint domain: the rollup's batch roots, each re-executed from L1 data before a validator signs it.

Every ``L2Rollup.BatchProposed(batchIndex, postRoot, ...)`` is a candidate checkpoint ``("l2", batchIndex,
postRoot)``; once it is final, ``confirmByCheckpoint(batchIndex)`` makes that batch and every earlier one final on the
rollup before the challenge period ends (the L2 verifier, ``novacron-chain l2 verify``, sends it).

:class:`L2RootSource` rebuilds the L2 state the way any verifier does, from L1 data alone (the portal's
``QueueItemAdded`` events and each live batch's ``proposeBatch`` calldata, :class:`~novacron_chain.l2.RollupL1`), batch
after batch, only over batches ``confirmations`` blocks deep. Each batch is re-executed segment by segment from the
state after the previous one (:func:`~novacron_chain.l2.find_fraud`: the contract's state transition) and every
segment root is compared with the posted one, and the final ``queueProcessed`` with the batch's ``queueEnd``:

* a batch whose roots all match is *verified*; :meth:`~L2RootSource.poll` offers the newest verified batch as the
  candidate (heights strictly increase per domain on the CheckpointVerifier, and confirming batch ``i`` finalizes
  every batch ``<= i``, so signing each older one would only cost gas);
* a batch with a wrong root is refused for good: it is never offered, :meth:`~L2RootSource.check` refuses it, and it
  is logged (``MISMATCH``) for the rollup's verifier to prove wrong (validators do not send fraud proofs). Batches
  after it build on it and are not verified either; once a fraud proof deletes it (the rollup's ``batchCount``
  drops), the source reads the replacement batches at the same indices afresh;
* a reorganisation of L1 (the block of the latest verified batch changed hash, or a verified batch is no longer
  live) makes the source rebuild from genesis on the next read; a candidate whose batch changed is refused.

The source sends nothing and holds no key.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..chain import event_indexer
from ..errors import NovaChainError
from ._bls import domain_id
from ._sources import RootCandidate, RootCheck

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ..l2 import L1Batch, L2State, RollupL1

__all__ = ["L2RootSource"]

_log = logging.getLogger("novacron_chain.consensus.validator")
_WARN_EVERY = 30.0  # seconds between repeated warnings about L1 data not readable yet


@dataclass(frozen=True)
class _Verified:
    """A batch whose every segment root the source rebuilt."""

    index: int
    root: bytes
    tx_hash: str
    block: int
    block_hash: bytes
    verified_at: float
    segments: int
    ops: int


@dataclass(frozen=True)
class _Wrong:
    """A batch whose posted roots the L1 data does not rebuild."""

    index: int
    root: bytes
    tx_hash: str
    reason: str


class L2RootSource:
    """The ``"l2"`` domain of the rollup ``l1`` (its L2Rollup and L2Portal on the chain the validators sign for):
    batch roots checked by re-executing every batch from L1 data (see the module docstring).

    ``confirmations``: how deep a batch's block must be before it is re-executed and offered (default: the chain's
    event confirmation depth, ``event_confirmations``: 0 on dev chains). ``clock``: wall-clock seconds, injectable
    for tests.
    """

    def __init__(
        self, l1: RollupL1, *, confirmations: int | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        if confirmations is None:
            confirmations = event_indexer(l1.chain).confirmations
        self.l1 = l1
        self.chain = l1.chain
        self.confirmations = max(0, confirmations)
        self._clock = clock
        self._domain = domain_id("l2")
        self._state: L2State | None = None
        self._verified: list[_Verified] = []
        self._wrong: _Wrong | None = None
        self._emitted = -1  # the highest height offered so far
        self._warned_at = 0.0
        self.refused: list[dict[str, Any]] = []
        """The wrong batches found so far (index, root, tx hash, reason), oldest first."""
        self.rebuilds = 0
        """How many times the source started again from genesis (deleted batches, L1 reorganisations)."""

    @classmethod
    def from_contracts(
        cls, chain: Chain, rollup: Contract, portal: Contract, *, from_block: int = 0, **options: Any
    ) -> L2RootSource:
        """The source of the rollup ``rollup`` / ``portal`` on ``chain`` (``from_block``: the portal's deployment
        block); ``options`` as for the constructor."""
        from ..l2 import RollupL1

        return cls(RollupL1(chain, rollup, portal, from_block=from_block), **options)

    @property
    def domain(self) -> bytes:
        """``keccak256("l2")``."""
        return self._domain

    @property
    def verified_count(self) -> int:
        """Batches re-executed and found right, in order from batch 0."""
        return len(self._verified)

    # -- re-execution -------------------------------------------------------------------------------------------------

    def _reset(self, why: str | None) -> None:
        from ..l2 import L2State

        l1 = self.l1
        self._state = L2State.genesis(l1.fee_recipient(), l1.domain(), l1.tokens())
        if why is not None:
            self.rebuilds += 1
            _log.warning("l2: %s: rebuilding the L2 state from genesis", why)
        self._verified = []
        self._wrong = None

    def _block_hash(self, block: int) -> bytes:
        with self.chain.mapped("reading a block"):
            return bytes(self.chain.w3.eth.get_block(block)["hash"])

    def _advance(self) -> None:
        """Re-execute the confirmed batches not verified yet (see the module docstring)."""
        if self._state is None:
            self._reset(None)
        count = self.l1.batch_count()
        if count < len(self._verified):
            self._reset(f"batch {count} and later were deleted after this validator verified them")
        if self._wrong is not None and self._wrong.index >= count:
            _log.info("l2: wrong batch %s was deleted (fraud proof): reading its replacement", self._wrong.index)
            self._wrong = None
        start = max(len(self._verified) - 1, 0)
        if count <= start:
            return
        batches = self.l1.live_batches(start)
        if self._verified:
            last, now = self._verified[-1], batches[0]
            if now.tx_hash != last.tx_hash or self._block_hash(last.block) != last.block_hash:
                self._reset(f"batch {last.index} is no longer the one verified (L1 reorganised)")
                batches = self.l1.live_batches(0)
            else:
                batches = batches[1:]
        confirmed = self.chain.block_number() - self.confirmations
        for b in batches:
            if b.block > confirmed:
                break
            if self._wrong is not None:
                if self._wrong.index == b.index and self._wrong.tx_hash != b.tx_hash:
                    self._wrong = None  # replaced (reorg): check the new one
                else:
                    break  # later batches build on the wrong one
            if not self._verify(b):
                break

    def _verify(self, b: L1Batch) -> bool:
        from ..l2 import Batch, find_fraud, replay_batch

        state = self._state
        assert state is not None
        tokens = self.l1.tokens()
        for i, t in enumerate(tokens):
            if state.tokens[i] != t:
                state.set_token(i, t)
        for item in self.l1.queue_items(len(state.queue)):
            state.add_queue_item(item)
        if len(state.queue) < b.queue_end:
            now = self._clock()
            if now - self._warned_at >= _WARN_EVERY:
                self._warned_at = now
                _log.warning(
                    "l2: batch %s consumes %s queue items, %s are readable yet: waiting",
                    b.index,
                    b.queue_end,
                    len(state.queue),
                )
            return False
        try:
            batch = Batch(b.ops, b.ends, b.roots, b.queue_end, state.commit(), b.blobs, b.blob_hashes)
            k = find_fraud(state, batch)
        except NovaChainError as exc:
            k, detail = 0, f"its calldata cannot be re-executed: {exc.message}"
        else:
            detail = ""
        if k is None:
            self._verified.append(
                _Verified(
                    b.index,
                    b.post_root,
                    b.tx_hash,
                    b.block,
                    self._block_hash(b.block),
                    self._clock(),
                    len(b.ends),
                    batch.op_count,
                )
            )
            _log.debug("l2: batch %s verified (%s segments, %s ops)", b.index, len(b.ends), batch.op_count)
            return True
        if not detail:
            mark = state.checkpoint()  # what the data rebuilds, for the log; the state is left as it was
            rebuilt = replay_batch(state, b.ops, b.ends[: k + 1], b.queue_end)[-1]
            processed = state.queue_processed
            state.rollback(mark)
            if rebuilt != b.roots[k]:
                detail = (
                    f"segment {k} of {len(b.ends)} rebuilds root 0x{rebuilt.hex()} from L1 data, the batch posted "
                    f"0x{b.roots[k].hex()}"
                )
            else:
                detail = f"its last segment ends with {processed} queue items processed, not queueEnd {b.queue_end}"
        self._wrong = _Wrong(b.index, b.post_root, b.tx_hash, detail)
        self.refused.append({"batch": b.index, "root": "0x" + b.post_root.hex(), "tx": b.tx_hash, "reason": detail})
        _log.error(
            "MISMATCH l2#%s root 0x%s (tx %s): %s; NOT signing it or any batch after it (the rollup's verifier, "
            "`novacron-chain l2 verify`, proves it wrong)",
            b.index,
            b.post_root.hex(),
            b.tx_hash,
            detail,
        )
        return False

    # -- RootSource -----------------------------------------------------------------------------------------------

    def poll(self) -> list[RootCandidate]:
        """The newest verified batch as candidate ``("l2", batchIndex, postRoot)``, when it is newer than the last
        one offered (none otherwise). L1 data that cannot be read (a node fault, an event the indexer has not seen
        yet, a batch whose calldata cannot be decoded) is logged and read again at the next poll: it never stops the
        validator's other domains."""
        try:
            self._advance()
        except NovaChainError as exc:
            now = self._clock()
            if now - self._warned_at >= _WARN_EVERY:
                self._warned_at = now
                _log.warning("l2: cannot read the rollup's batches (retrying): %s", exc.message)
        if not self._verified or self._verified[-1].index <= self._emitted:
            return []
        v = self._verified[-1]
        self._emitted = v.index
        return [self._candidate(v)]

    def _candidate(self, v: _Verified) -> RootCandidate:
        return RootCandidate(
            domain=self._domain,
            height=v.index,
            root=v.root,
            available_at=v.verified_at,
            reference=v.tx_hash,
            block=v.block,
        )

    def check(self, candidate: RootCandidate) -> RootCheck:
        """Whether the batch at ``candidate.height`` is live, ``confirmations`` deep, still the one posted in
        transaction ``candidate.reference`` (when given), and re-executes from L1 data to every posted root."""
        if candidate.domain != self._domain:
            return RootCheck(False, "the candidate is of another domain than l2")
        try:
            self._advance()
        except NovaChainError as exc:
            return RootCheck(False, f"L1 data cannot be read yet: {exc.message}", retry=True)
        i = candidate.height
        count = self.l1.batch_count()
        if i >= count:
            return RootCheck(False, f"batch {i} is not live on the rollup ({count} batches): deleted by a fraud proof")
        wrong = self._wrong
        if i < len(self._verified):
            v = self._verified[i]
            if v.root != candidate.root:
                return RootCheck(False, f"batch {i} re-executes to root 0x{v.root.hex()}, not 0x{candidate.root.hex()}")
            if candidate.reference and candidate.reference != v.tx_hash:
                return RootCheck(False, f"batch {i} is now the one of tx {v.tx_hash}, not {candidate.reference}")
            return RootCheck(
                True,
                f"batch {i} ({v.segments} segments, {v.ops} ops) re-executed from L1 calldata and queue: every "
                "segment root matches",
            )
        if wrong is not None and i == wrong.index:
            return RootCheck(False, f"batch {i} posted a wrong root: {wrong.reason}")
        if wrong is not None and i > wrong.index:
            return RootCheck(False, f"batch {i} builds on batch {wrong.index}, whose root is wrong")
        head = self.chain.block_number()
        return RootCheck(
            False,
            f"batch {i} is not verified yet (it needs {self.confirmations} confirmations; L1 head {head})",
            retry=True,
        )
