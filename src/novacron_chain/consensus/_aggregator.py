"""The checkpoint aggregator: collects validators' BLS signatures over HTTP, submits a checkpoint as soon as more than
2/3 of the epoch's stake signed it, and reports validators that sign two roots for one height.

Anyone can run one (it holds no secret but the ECDSA key that pays for submissions), and several can run at once:
the CheckpointVerifier takes each height once, and a losing submission is refused by the pre-checks of
:meth:`~novacron_chain.consensus.BlockchainConsensus.submit_checkpoint` or the contract, never accepted twice.

What it does with a signature (:meth:`Aggregator.receive`, any thread):

1. checks that its key is the one the StakeManager holds for its validator index (keys are read once, in batches,
   and kept) and that it names a well-formed checkpoint; anything else is refused;
2. holds it as a *candidate* under ``(domain, height, root, epoch)``, unchecked: a pairing per signature (~2 ms)
   would cost seconds per checkpoint at a thousand validators, so candidates are checked together when they can
   make a checkpoint final (below). One validator has at most one unchecked candidate per ``(domain, height)``:
   anything else it sends for that height (another root, another signature of the same root) is verified on
   arrival, so that a forged signature sent first in a validator's name can never shut out the real one (a BLS
   signature of one message by one key is unique: of two different ones, at most one verifies);
3. keeps the first *verified* root of each validator per ``(domain, height)``: a second, different verified root is
   a double sign, and both signatures are queued as :class:`~novacron_chain.consensus.DoubleSignEvidence` (the
   validator's signatures are not counted from then on). Nothing unchecked is ever evidence or counted.

The worker (:meth:`Aggregator.step`, one thread, all chain writes) reports the evidence
(:meth:`~novacron_chain.consensus.BlockchainConsensus.report_double_sign`), then, domain by domain and lowest height
first, sums the epoch's weights (:meth:`~novacron_chain.consensus.BlockchainConsensus.epoch_weights`) of each
group's signers. Once the verified signers and the candidates together hold more than 2/3, the candidates are
checked at once: one batch verification with random weights (:func:`~novacron_chain.consensus.batch_verify`, tens
of milliseconds for a thousand); only when it fails are the halves checked the same way, down to single
signatures, to find and drop the forged ones. Once ``3 * signed > 2 * total`` with verified signatures (and after
waiting at most ``linger`` seconds for the rest, see :class:`Aggregator`), it aggregates
(:meth:`~novacron_chain.consensus.BlockchainConsensus.aggregate`) and submits. The submission's finality time (root
available to final) goes to the metrics (``blockchain_checkpoint_finality_seconds``): "available" is the median of
the times the counted signers say they first saw the root, so that one validator cannot skew it.

:class:`AggregatorServer` serves it over HTTP (stdlib ``http.server``, one thread per request; loopback unless told
otherwise):

* ``POST /v1/signatures``: a :class:`~novacron_chain.consensus.CheckpointSignature` as ``to_dict()`` writes it,
  plus ``available_at`` (unix seconds; optional). 202 accepted (held, or verified and counted), 200 duplicate or
  already final, 400 malformed, 403 refused (wrong key, a signature that does not verify, a reported double
  signer), 409 a double sign (reported), 503 busy or the chain unreachable (send it again). A candidate found
  forged later is dropped and logged (and counted in ``rejected``);
* ``GET /v1/status``: pending checkpoints (verified signers and unchecked candidates), the latest final heights,
  submissions and slashings, as JSON;
* ``GET /healthz``: ``ok``.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from ..errors import ContractCustomError, NovaChainError, NovaValueError
from ._bls import BlsPublicKey, BlsSignature, batch_verify, verify
from ._domains import domain_label
from ._errors import (
    BadCheckpointSignatureError,
    CheckpointEpochError,
    CheckpointHeightError,
    ConsensusValueError,
    InsufficientSignedStakeError,
    InvalidEvidenceError,
    NotActiveError,
    TombstonedError,
    UnknownValidatorError,
)
from ._types import Checkpoint, CheckpointSignature, DoubleSignEvidence, SlashResult

if TYPE_CHECKING:
    from ..chain import Signer
    from ._manager import BlockchainConsensus

__all__ = ["SIGNATURES_PATH", "Aggregator", "AggregatorServer", "ReceiveResult", "signature_message"]

_log = logging.getLogger("novacron_chain.consensus.aggregator")

#: where validators POST their signatures
SIGNATURES_PATH = "/v1/signatures"
_STATUS_PATH = "/v1/status"
_MAX_BODY = 16 * 1024  # one signature is ~700 bytes of JSON
_SUBMIT_BACKOFF = 1.0  # seconds after a failed submission of a group before it is tried again
_SMALL_BATCH = 4  # below this many signatures, single verifications are cheaper than a batch and its halves
_KEY_REFRESH = 10.0  # seconds: a key mismatch re-reads the validator's key from the chain at most this often


def signature_message(signature: CheckpointSignature, *, available_at: float | None = None) -> dict[str, Any]:
    """The JSON body a validator POSTs to :data:`SIGNATURES_PATH`: ``signature.to_dict()`` plus ``available_at``,
    the unix time (wall clock) it first saw the root, which starts the finality measurement."""
    body = signature.to_dict()
    if available_at is not None:
        body["available_at"] = float(available_at)
    return body


def _parse_message(data: Any) -> tuple[CheckpointSignature, float | None]:
    signature = CheckpointSignature.from_dict(data)
    available = data.get("available_at")
    if available is not None and (isinstance(available, bool) or not isinstance(available, int | float)):
        raise ConsensusValueError(f"available_at {available!r} is not a unix time")
    return signature, None if available is None else float(available)


def _invalid_signatures(
    public_keys: Sequence[BlsPublicKey], message: bytes, signatures: Sequence[BlsSignature]
) -> list[int]:
    """The positions of the ``signatures`` that are not their ``public_keys``' signature of ``message``.

    One random-weighted batch check covers them all (:func:`batch_verify`: a set with a bad signature passes with
    probability at most 2^-64); when it fails, each half is checked the same way, down to small groups verified one
    by one. One forged signature among a thousand costs a few batch checks (~0.1 s), not a thousand verifications.
    """

    def search(lo: int, hi: int, known_bad: bool) -> list[int]:
        if hi - lo <= _SMALL_BATCH:
            return [i for i in range(lo, hi) if not verify(public_keys[i], message, signatures[i])]
        if not known_bad and batch_verify(public_keys[lo:hi], message, signatures[lo:hi]):
            return []
        mid = (lo + hi) // 2
        left = search(lo, mid, False)
        # the range holds a bad signature: when the left half has none, it is in the right one
        return left + search(mid, hi, not left)

    return search(0, len(signatures), False)


@dataclass(frozen=True)
class ReceiveResult:
    """What :meth:`Aggregator.receive` did with a signature: ``status`` is ``accepted`` (held: counted once its
    batch verifies, or verified on arrival and counted), ``duplicate`` (already held), ``final`` (the height is
    final or superseded: nothing to do), ``rejected`` (not counted: ``message`` says why), ``double-sign`` (a second
    verified root for a height this validator signed: reported) or ``busy`` (too many signatures held: send it
    again later)."""

    status: str
    message: str
    http_status: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"status": self.status, "message": self.message}


@dataclass
class _Group:
    """The signatures of one ``(domain, height, root, epoch)``: verified ones count, candidates wait for a check."""

    digest: bytes
    signatures: dict[int, CheckpointSignature] = field(default_factory=dict)
    candidates: dict[int, CheckpointSignature] = field(default_factory=dict)
    seen_at: dict[int, float] = field(default_factory=dict)  # the signers' claims of when the root became available
    retry_at: float = 0.0
    quorum_at: float | None = None  # when the verified signers first held more than 2/3


@dataclass
class _Slot:
    """What one validator sent for one ``(domain, height)``: its first verified signature (the reference for double
    signs) and at most one unchecked candidate."""

    verified: CheckpointSignature | None = None
    candidate: CheckpointSignature | None = None


_GroupKey = tuple[bytes, int, bytes, int]
_SlotKey = tuple[bytes, int, int]


def _group_key(s: CheckpointSignature) -> _GroupKey:
    return (s.domain, s.height, s.root, s.epoch)


def _same(a: CheckpointSignature | None, b: CheckpointSignature) -> bool:
    """The same signature of the same checkpoint (``signed_at`` aside)."""
    return a is not None and (a.root, a.epoch, a.signature) == (b.root, b.epoch, b.signature)


class Aggregator:
    """Collects checkpoint signatures for ``consensus`` and submits them (see the module docstring).

    ``sender`` pays for submissions and evidence (default: the chain's account) and receives the reporter's reward.
    ``report_double_signs``: submit evidence of double signs (else only log it). ``max_gas``: the gas cap of one
    submission (a large set with many non-signers may need more than ``max_gas_per_tx``). ``retain_heights``: how
    many heights below the latest final one are remembered for double-sign detection. ``max_tracked``: the most
    ``(domain, height, validator)`` slots held at once; beyond it new signatures are refused (HTTP 503) until heights
    become final, so that signatures for far-future heights cannot exhaust memory.

    ``linger``: once more than 2/3 signed, wait at most this many seconds for the other validators before
    submitting (at once when all signed). A checkpoint's non-signer list is what downtime jailing counts, so
    submitting the instant the threshold is crossed would record an honest validator that is always a few
    milliseconds slower as absent from every checkpoint, and get it jailed. ``0`` submits at the threshold.
    """

    def __init__(
        self,
        consensus: BlockchainConsensus,
        *,
        sender: Signer | None = None,
        report_double_signs: bool = True,
        max_gas: int | None = None,
        retain_heights: int = 64,
        max_tracked: int = 1_000_000,
        linger: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.consensus = consensus
        self.linger = linger
        self.sender = sender
        self.report_double_signs = report_double_signs
        self.max_gas = max_gas
        self.retain_heights = retain_heights
        self.max_tracked = max_tracked
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._groups: dict[_GroupKey, _Group] = {}
        self._slots: dict[_SlotKey, _Slot] = {}
        self._offenders: set[int] = set()
        self._evidence: deque[tuple[DoubleSignEvidence, int]] = deque()  # (evidence, attempts)
        self._latest: dict[bytes, int] = {}  # domain -> latest final height known here
        self._due: float | None = None  # when the earliest lingering group is due for submission
        self._key_refreshed: dict[int, float] = {}  # validator index -> when its key was last re-read on a mismatch
        self._weights: dict[int, dict[int, int]] = {}  # epochs that have begun: their weights never change
        self.finalized: deque[Checkpoint] = deque(maxlen=256)
        """The checkpoints this aggregator submitted, latest last."""
        self.slashed: list[SlashResult] = []
        """The double signs this aggregator reported and the chain slashed."""
        self.received = 0
        """Signatures accepted (held as candidates, or verified on arrival) so far."""
        self.rejected = 0
        """Signatures refused so far, on arrival or when their batch was checked."""

    # -- intake (any thread) --------------------------------------------------------------------------------------

    def _registered_key(self, s: CheckpointSignature) -> BlsPublicKey:
        index = s.validator_index
        key = self.consensus.pubkey_of(index)
        if key != s.public_key:
            # keys never change on one history; a dev chain reverted to a snapshot can give an index another key
            now = time.monotonic()
            with self._lock:
                last = self._key_refreshed.get(index)
                refresh = last is None or now - last >= _KEY_REFRESH
                if refresh:
                    self._key_refreshed[index] = now
            if refresh:
                key = self.consensus.pubkey_of(index, fresh=True)
        return key

    def receive(self, signature: CheckpointSignature, *, available_at: float | None = None) -> ReceiveResult:
        """Take ``signature`` (thread-safe); ``available_at`` is when its validator first saw the root.

        Usually it is held unchecked and checked in a batch with the others of its checkpoint (see the module
        docstring); a validator's second signature for one ``(domain, height)`` is verified here. Raises only for
        chain failures while reading the validator's key (:class:`ChainError`); every verdict on the signature
        itself is in the result.
        """
        s = signature
        label = f"{domain_label(s.domain)}#{s.height}"
        try:
            key = self._registered_key(s)
        except (UnknownValidatorError, ContractCustomError):
            return self._reject(f"there is no validator {s.validator_index}", 403)
        except ConsensusValueError as exc:
            return self._reject(exc.message, 400)
        if key != s.public_key:
            return self._reject(
                f"validator {s.validator_index} is registered with key {key.hex()}, not {s.public_key.hex()}", 403
            )
        gkey, skey = _group_key(s), (s.domain, s.height, s.validator_index)
        seen = available_at if available_at is not None else s.signed_at
        with self._lock:
            group = self._groups.get(gkey)
        try:
            digest = group.digest if group is not None else self.consensus.checkpoint_digest(*gkey)
        except ConsensusValueError as exc:
            return self._reject(exc.message, 400)
        with self._lock:
            if s.validator_index in self._offenders:
                return self._reject_locked(f"validator {s.validator_index} was reported for double signing", 403)
            slot = self._slots.get(skey)
            if slot is not None and (_same(slot.verified, s) or _same(slot.candidate, s)):
                return ReceiveResult("duplicate", f"validator {s.validator_index}'s signature is already held", 200)
            latest = self._latest.get(s.domain)
            if slot is None:
                if latest is not None and s.height <= latest:
                    return ReceiveResult("final", f"{label} is at or below the latest final height {latest}", 200)
                if len(self._slots) >= self.max_tracked:
                    self.rejected += 1
                    return ReceiveResult("busy", f"{len(self._slots)} signatures held; try again later", 503)
                self._slots[skey] = _Slot(candidate=s)
                group = self._groups.setdefault(gkey, _Group(digest))
                group.candidates[s.validator_index] = s
                group.seen_at[s.validator_index] = seen
                self.received += 1
                self._wake.notify_all()
                _log.debug("holding validator %s's signature of %s (epoch %s)", s.validator_index, label, s.epoch)
                return ReceiveResult("accepted", f"held for {label} in epoch {s.epoch}; checked in a batch", 202)
            held = slot.candidate
        # the validator already sent something else for this height: check this one now (see the module docstring)
        if not verify(key, digest, s.signature):
            return self._reject(
                f"the signature of validator {s.validator_index} does not verify over the digest of {label} in "
                f"epoch {s.epoch}",
                403,
            )
        held_valid = False
        if held is not None and (held.root, held.epoch) != (s.root, s.epoch):
            # of one key's signatures of one message, only one verifies: held is forged unless its message differs
            held_valid = verify(key, self._digest_of(held), held.signature)
        with self._lock:
            if held is not None:
                self._settle(held, held_valid)
            result = self._record_verified(s, digest, seen)
            if result.status == "accepted":
                self.received += 1
                self._wake.notify_all()
            elif result.status == "rejected":
                self.rejected += 1
        return result

    def _digest_of(self, s: CheckpointSignature) -> bytes:
        with self._lock:
            group = self._groups.get(_group_key(s))
        return group.digest if group is not None else self.consensus.checkpoint_digest(*_group_key(s))

    def _reject(self, message: str, http_status: int) -> ReceiveResult:
        with self._lock:
            return self._reject_locked(message, http_status)

    def _reject_locked(self, message: str, http_status: int) -> ReceiveResult:
        self.rejected += 1
        _log.warning("refused a signature: %s", message)
        return ReceiveResult("rejected", message, http_status)

    def _settle(self, s: CheckpointSignature, valid: bool) -> None:
        """Apply the verdict of a check of candidate ``s`` (lock held): count it, or drop it."""
        i, slot_key = s.validator_index, (s.domain, s.height, s.validator_index)
        slot = self._slots.get(slot_key)
        group = self._groups.get(_group_key(s))
        held = False
        if slot is not None and _same(slot.candidate, s):
            slot.candidate, held = None, True
        if group is not None and _same(group.candidates.get(i), s):
            del group.candidates[i]
            held = True
        if valid:
            self._record_verified(s, group.digest if group is not None else b"", None)
            return
        if group is not None and i not in group.signatures:
            group.seen_at.pop(i, None)
        if slot is not None and slot.candidate is None and slot.verified is None:
            del self._slots[slot_key]
        if held:  # not already dropped by another check
            self.rejected += 1
            _log.warning(
                "dropped validator %s's signature of %s (epoch %s): it does not verify",
                i,
                f"{domain_label(s.domain)}#{s.height}",
                s.epoch,
            )

    def _record_verified(self, s: CheckpointSignature, digest: bytes, seen: float | None) -> ReceiveResult:
        """Count verified signature ``s`` (lock held), or report a double sign against the first verified one."""
        i = s.validator_index
        label = f"{domain_label(s.domain)}#{s.height}"
        if i in self._offenders:
            return ReceiveResult("rejected", f"validator {i} was reported for double signing", 403)
        slot = self._slots.setdefault((s.domain, s.height, i), _Slot())
        if slot.verified is None:
            slot.verified = s
        elif slot.verified.root != s.root:
            return self._double_sign(slot.verified, s, label)
        latest = self._latest.get(s.domain)
        if latest is not None and s.height <= latest:
            return ReceiveResult("final", f"{label} is at or below the latest final height {latest}", 200)
        group = self._groups.get(_group_key(s))
        if group is None:
            group = self._groups[_group_key(s)] = _Group(digest or self.consensus.checkpoint_digest(*_group_key(s)))
        group.signatures[i] = s
        if seen is not None or i not in group.seen_at:
            group.seen_at[i] = seen if seen is not None else s.signed_at
        _log.debug("counted validator %s's signature of %s (epoch %s)", i, label, s.epoch)
        return ReceiveResult("accepted", f"verified and counted for {label} in epoch {s.epoch}", 202)

    def _double_sign(self, first: CheckpointSignature, second: CheckpointSignature, label: str) -> ReceiveResult:
        # called with the lock held, with two verified signatures (rare: checked once more, one by one, before
        # anyone is called a double signer)
        index = second.validator_index
        self.rejected += 1
        if index in self._offenders:
            return ReceiveResult("double-sign", f"validator {index} signed two roots for {label} (reported)", 409)
        for s in (first, second):
            if not verify(s.public_key, self.consensus.checkpoint_digest(*_group_key(s)), s.signature):
                _log.error("validator %s's signature of root 0x%s does not verify: no double sign", index, s.root.hex())
                return ReceiveResult("rejected", f"the signature of validator {index} does not verify", 403)
        self._offenders.add(index)
        for group in self._groups.values():
            # its signatures prove nothing about the roots: count none of them
            group.signatures.pop(index, None)
            group.candidates.pop(index, None)
            group.seen_at.pop(index, None)
        _log.warning(
            "DOUBLE SIGN: validator %s signed root 0x%s (epoch %s) and root 0x%s (epoch %s) for %s",
            index,
            first.root.hex(),
            first.epoch,
            second.root.hex(),
            second.epoch,
            label,
        )
        if self.report_double_signs:
            self._evidence.append((DoubleSignEvidence.from_signatures(first, second), 0))
            self._wake.notify_all()
        return ReceiveResult("double-sign", f"validator {index} signed two roots for {label}: reported", 409)

    # -- the worker (one thread) ----------------------------------------------------------------------------------

    def step(self) -> list[Checkpoint | SlashResult]:
        """Report queued evidence, then check the candidates of every checkpoint that could reach more than 2/3 of
        its epoch's stake and submit those whose verified signers do; returns what reached the chain. Chain
        failures are logged and retried at the next step."""
        done: list[Checkpoint | SlashResult] = []
        done.extend(self._report_evidence())
        with self._lock:
            if not self._groups:
                return done
            domains = {key[0] for key in self._groups}
        epoch = self.consensus.current_epoch()
        for domain in sorted(domains):
            latest = self.consensus.latest_height(domain)
            self._prune(domain, latest, epoch)
            done.extend(self._submit_ready(domain, epoch))
        return done

    def _report_evidence(self) -> Iterator[SlashResult]:
        while True:
            with self._lock:
                if not self._evidence:
                    return
                evidence, attempts = self._evidence.popleft()
            try:
                result = self.consensus.report_double_sign(evidence, sender=self.sender)
            except TombstonedError:
                _log.info("validator %s is already tombstoned: not reporting it again", evidence.index)
                continue
            except InvalidEvidenceError as exc:
                _log.error("the double-sign evidence against validator %s proves nothing: %s", evidence.index, exc)
                continue
            except NovaChainError as exc:
                if attempts < 5:
                    with self._lock:
                        self._evidence.append((evidence, attempts + 1))
                _log.warning("reporting validator %s's double sign failed (will retry): %s", evidence.index, exc)
                return
            self.slashed.append(result)
            _log.warning(
                "slashed validator %s for double signing %s: %s base units (reward %s), tx %s",
                result.index,
                f"{domain_label(result.domain)}#{result.height}",
                result.slashed,
                result.reward,
                result.tx_hash,
            )
            yield result

    def _prune(self, domain: bytes, latest: int | None, epoch: int) -> None:
        with self._lock:
            if latest is not None:
                self._latest[domain] = max(latest, self._latest.get(domain, latest))
            floor = self._latest.get(domain)
            for key in list(self._groups):
                d, height, _root, group_epoch = key
                if d != domain:
                    continue
                # heights only increase on chain; a signature older than the previous epoch can never be submitted
                if (floor is not None and height <= floor) or group_epoch + 1 < epoch:
                    for i, candidate in self._groups.pop(key).candidates.items():
                        slot = self._slots.get((d, height, i))
                        if slot is not None and _same(slot.candidate, candidate):
                            slot.candidate = None  # never checked: it can neither count nor prove anything
                            if slot.verified is None:
                                del self._slots[(d, height, i)]
            if floor is not None:
                keep_from = floor - self.retain_heights
                for skey in [k for k in self._slots if k[0] == domain and k[1] < keep_from]:
                    del self._slots[skey]

    def _epoch_weights(self, epoch: int, current: int) -> dict[int, int]:
        cached = self._weights.get(epoch)
        if cached is not None:
            return cached
        weights = self.consensus.epoch_weights(epoch)
        if epoch <= current:
            self._weights[epoch] = weights
            for old in [e for e in self._weights if e + 2 < current]:
                del self._weights[old]
        return weights

    def _check_candidates(self, digest: bytes, candidates: dict[int, CheckpointSignature]) -> None:
        """Verify ``candidates`` (all of one checkpoint) at once, outside the lock, then count or drop each."""
        indices = sorted(candidates)
        # receive() held only signatures whose key is the validator's registered one
        bad = set(
            _invalid_signatures(
                [candidates[i].public_key for i in indices], digest, [candidates[i].signature for i in indices]
            )
        )
        with self._lock:
            for position, i in enumerate(indices):
                self._settle(candidates[i], position not in bad)
        if bad:
            _log.info("checked %s signatures in a batch: %s do not verify", len(indices), len(bad))

    def _counted(
        self, group: _Group, weights: dict[int, int]
    ) -> tuple[dict[int, CheckpointSignature], dict[int, CheckpointSignature]]:
        """The group's verified signers and its candidates that could count (lock held)."""
        signers = {i: s for i, s in group.signatures.items() if i in weights and i not in self._offenders}
        candidates = {i: s for i, s in group.candidates.items() if i in weights and i not in self._offenders}
        return signers, candidates

    def _submit_ready(self, domain: bytes, epoch: int) -> Iterator[Checkpoint]:
        with self._lock:
            keys = sorted((k for k in self._groups if k[0] == domain), key=lambda k: (k[1], -k[3]))
        for key in keys:
            _d, height, root, group_epoch = key
            if group_epoch > epoch:
                continue  # signed ahead of the chain's clock: wait for the epoch to begin
            weights = self._epoch_weights(group_epoch, epoch)
            total = sum(weights.values())
            now = self._clock()
            with self._lock:
                group = self._groups.get(key)
                if group is None or group.retry_at > now:
                    continue
                signers, candidates = self._counted(group, weights)
                signed = sum(weights[i] for i in signers)
                if 3 * (signed + sum(weights[i] for i in candidates)) <= 2 * total:
                    continue  # not even with every candidate
                # check the candidates when they could make the quorum, and again just before submitting for those
                # that arrived while lingering (not at every arrival: one batch is cheaper than many small ones)
                check = bool(candidates) and (
                    group.quorum_at is None
                    or len(signers) + len(candidates) >= len(weights)
                    or now - group.quorum_at >= self.linger
                )
                digest = group.digest
            if check:
                self._check_candidates(digest, candidates)
            with self._lock:
                group = self._groups.get(key)
                if group is None:
                    continue
                signers, _ = self._counted(group, weights)
                signed = sum(weights[i] for i in signers)
                if not signers or 3 * signed <= 2 * total:
                    continue  # forged candidates were dropped: wait for more
                if group.quorum_at is None:
                    group.quorum_at = now
                if len(signers) < len(weights) and now - group.quorum_at < self.linger:
                    # give the others a moment: non-signers count against them (downtime jailing)
                    due = group.quorum_at + self.linger
                    self._due = due if self._due is None else min(self._due, due)
                    continue
                seen_at = [group.seen_at[i] for i in signers if i in group.seen_at]
            label = f"{domain_label(domain)}#{height}"
            try:
                submission = self.consensus.aggregate(
                    signers.values(), available_at=statistics.median(seen_at) if seen_at else None
                )
                checkpoint = self.consensus.submit_checkpoint(submission, sender=self.sender, max_gas=self.max_gas)
            except CheckpointHeightError as exc:
                with self._lock:
                    self._latest[domain] = max(exc.latest, self._latest.get(domain, exc.latest))
                _log.info("%s is superseded: the latest final height is %s", label, exc.latest)
                continue
            except (InsufficientSignedStakeError, NotActiveError):
                self._weights.pop(group_epoch, None)  # the chain disagrees with the cached weights: read them again
                self._delay(key)
                continue
            except BadCheckpointSignatureError as exc:
                # verified against keys the chain no longer holds (a dev chain reverted): the manager re-read them
                with self._lock:
                    for i in exc.indices:
                        dropped = group.signatures.pop(i, None)
                        slot = self._slots.get((domain, height, i))
                        if dropped is not None and slot is not None and _same(slot.verified, dropped):
                            slot.verified = None  # it proves nothing either
                _log.error("dropped signatures of validators %s for %s: they do not verify", exc.indices, label)
                continue
            except CheckpointEpochError as exc:
                _log.info("%s: signatures of epoch %s are no longer accepted (%s)", label, group_epoch, exc.message)
                self._delay(key)
                continue
            except NovaChainError as exc:
                _log.warning("submitting %s failed (will retry): %s", label, exc)
                self._delay(key)
                continue
            with self._lock:
                self._latest[domain] = max(height, self._latest.get(domain, height))
            self.finalized.append(checkpoint)
            finality = f", {checkpoint.finality_seconds:.2f} s after the root was available"
            _log.info(
                "FINAL %s root 0x%s epoch %s: %s of %s validators, %.1f%% of stake, %s gas%s",
                label,
                root.hex(),
                group_epoch,
                len(submission.signers),
                len(submission.signers) + len(submission.non_signers),
                100 * submission.signed_share,
                checkpoint.gas_used,
                finality if checkpoint.finality_seconds is not None else "",
            )
            if checkpoint.warning:
                _log.warning("%s", checkpoint.warning)
            self._prune(domain, height, epoch)
            yield checkpoint

    def _delay(self, key: _GroupKey) -> None:
        with self._lock:
            group = self._groups.get(key)
            if group is not None:
                group.retry_at = self._clock() + _SUBMIT_BACKOFF

    def run(self, stop: threading.Event, *, interval: float = 0.25) -> None:
        """Run :meth:`step` until ``stop`` is set: at once when a signature arrives, else every ``interval``
        seconds. Failures are logged and retried; the loop never dies of them."""
        failures = 0
        while not stop.is_set():
            with self._lock:
                due, self._due = self._due, None
                timeout = interval if due is None else min(interval, max(due - self._clock(), 0.0))
                self._wake.wait(timeout=timeout)
            if stop.is_set():
                break
            try:
                self.step()
                failures = 0
            except NovaChainError as exc:
                failures += 1
                _log.warning("aggregator step failed (%s in a row): %s", failures, exc)
                stop.wait(min(0.5 * failures, 5.0))
            except Exception:  # a bug: keep serving, say it loudly
                failures += 1
                _log.exception("aggregator step failed unexpectedly")
                stop.wait(min(0.5 * failures, 5.0))

    def wake(self) -> None:
        """Wake :meth:`run` (to stop it promptly)."""
        with self._lock:
            self._wake.notify_all()

    def status(self) -> dict[str, Any]:
        """Pending checkpoints, latest final heights, submissions, slashings and counters, JSON-ready."""
        with self._lock:
            pending = [
                {
                    "domain": domain_label(d),
                    "height": h,
                    "root": "0x" + r.hex(),
                    "epoch": e,
                    "signers": sorted(g.signatures),
                    "candidates": sorted(g.candidates),
                }
                for (d, h, r, e), g in sorted(self._groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))
            ]
            latest = {domain_label(d): h for d, h in self._latest.items()}
            offenders = sorted(self._offenders)
        return {
            "chain_id": self.consensus.chain.chain_id,
            "checkpoint_verifier": self.consensus.verifier.address,
            "received": self.received,
            "rejected": self.rejected,
            "pending": pending,
            "latest_final": latest,
            "submitted": [c.to_dict() for c in self.finalized],
            "double_signers": offenders,
            "slashed": [r.to_dict() for r in self.slashed],
        }


# -- HTTP --------------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    aggregator: ClassVar[Aggregator]
    server_version = "novacron-aggregator/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s %s", self.address_string(), format % args)

    def _reply(self, status: int, body: dict[str, Any] | str, *, unread_body: bool = False) -> None:
        raw = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        self.send_header("Content-Length", str(len(raw)))
        if unread_body:
            # the request body is still in the stream: it would be read as the next request of this connection
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._reply(200, "ok\n")
        elif path == _STATUS_PATH:
            self._reply(200, self.aggregator.status())
        elif path == SIGNATURES_PATH:
            self._reply(405, {"error": "MethodNotAllowed", "message": f"POST signatures to {SIGNATURES_PATH}"})
        else:
            self._reply(404, {"error": "NotFound", "message": f"try POST {SIGNATURES_PATH} or GET {_STATUS_PATH}"})

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != SIGNATURES_PATH:
            self._reply(
                404, {"error": "NotFound", "message": f"POST signatures to {SIGNATURES_PATH}"}, unread_body=True
            )
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(411, {"error": "LengthRequired", "message": "send a Content-Length"}, unread_body=True)
            return
        if not 0 < length <= _MAX_BODY:
            message = f"a signature is at most {_MAX_BODY} bytes of JSON"
            self._reply(413, {"error": "TooLarge", "message": message}, unread_body=True)
            return
        try:
            data = json.loads(self.rfile.read(length))
            signature, available_at = _parse_message(data)
        except (ValueError, AttributeError) as exc:
            message = exc.message if isinstance(exc, NovaValueError) else f"not a JSON object: {exc}"
            self._reply(400, {"error": "BadSignatureMessage", "message": message})
            return
        try:
            result = self.aggregator.receive(signature, available_at=available_at)
        except NovaChainError as exc:
            self._reply(503, {**exc.to_dict(), "status": "unavailable"})
            return
        self._reply(result.http_status, result.to_dict())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class AggregatorServer:
    """Serves an :class:`Aggregator` over HTTP and runs its worker, both in daemon threads.

    The socket is bound when the object is made (``port=0`` picks a free one: read :attr:`port`). Binding to an
    address other than loopback needs ``allow_remote=True`` (validators on other machines): the API accepts only
    signatures that verify against registered keys, but it has no authentication. Use as a context manager, or
    :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        aggregator: Aggregator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        allow_remote: bool = False,
        interval: float = 0.25,
    ) -> None:
        import ipaddress

        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback and not allow_remote:
            raise ConsensusValueError(
                f"refusing to serve the aggregator on {host} without allow_remote",
                hint="serve on 127.0.0.1 (the default), or pass --allow-remote when validators run on other machines",
            )
        self.aggregator = aggregator
        self.interval = interval
        handler = type("_AggregatorHandler", (_Handler,), {"aggregator": aggregator})
        try:
            self._httpd = _Server((host, port), handler)
        except OSError as exc:
            raise ConsensusValueError(
                f"cannot serve the aggregator on {host}:{port}: {exc.strerror or exc}",
                hint="choose another port (0 picks a free one) or stop the process holding it",
            ) from exc
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """``http://host:port``: what validators take as ``--aggregator``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Serve and run the worker in daemon threads; returns at once."""
        if not self._threads:
            self._threads = [
                threading.Thread(target=self._httpd.serve_forever, args=(0.1,), name="aggregator-http", daemon=True),
                threading.Thread(
                    target=self.aggregator.run,
                    args=(self._stop,),
                    kwargs={"interval": self.interval},
                    name="aggregator-worker",
                    daemon=True,
                ),
            ]
            for thread in self._threads:
                thread.start()
            _log.info("aggregator listening on %s%s", self.url, SIGNATURES_PATH)
        return self

    def stop(self) -> None:
        """Stop serving and the worker (waits for both), close the socket. Safe to call twice."""
        self._stop.set()
        self.aggregator.wake()
        if self._threads:
            self._httpd.shutdown()
            for thread in self._threads:
                thread.join(timeout=10)
            self._threads = []
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
