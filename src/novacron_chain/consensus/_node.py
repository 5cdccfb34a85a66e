"""The validator process: watch the domains it serves, check every new root from public data, sign it (after the
slashing-protection record agrees) and send the signature to the aggregator(s) until the checkpoint is final.

One :meth:`ValidatorNode.step` (``run`` repeats it every ``poll_interval`` seconds):

1. find this key's validator index (it may be registered after the process starts) and read the epoch and whether
   the validator has weight in it (a signature without weight counts for nothing, so none is made);
2. ask each :class:`~novacron_chain.consensus._sources.RootSource` for new roots (``"state"``: the StateAnchor's
   batch roots), and forget those at or below the domain's latest final height (final, or superseded: heights only
   increase on chain);
3. check each new root from public data (:meth:`RootSource.check`: the batch manifest from IPFS, the Merkle root
   rebuilt and compared with the anchored one). A root that does not match is logged and never signed; data not
   reachable yet is checked again after ``retry_interval``;
4. sign the roots that passed with :meth:`~novacron_chain.consensus.BlockchainConsensus.sign_checkpoint` (the record
   refuses a second root for a ``(domain, height)``, even across ``kill -9``) and POST each signature to every
   aggregator; signed roots that are not final yet are signed again when the epoch changes (the verifier takes the
   current and the previous epoch only) and re-sent every ``resend_interval`` (an aggregator may have restarted).

The validator sends no transaction: it needs the chain to read, its BLS key, and a content store that can reach the
data (a Kubo node's ``ipfs_endpoint``).

TEST ONLY: with ``equivocate=True`` (the CLI sets it from ``NOVACRON_TEST_EQUIVOCATE=1``) the node also signs a
second, made-up root for the first height it signs, bypassing its slashing protection, so that tests can watch the
aggregator report it and the StakeManager slash it. It is refused on any chain but a dev chain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from eth_hash.auto import keccak

from ..errors import DevOnlyError, NovaChainError
from ._aggregator import SIGNATURES_PATH, signature_message
from ._domains import domain_label
from ._errors import (
    BelowWatermarkError,
    DoubleSignRefusedError,
    NotActiveError,
    NotRegisteredError,
    ProtectionRecordError,
)
from ._sources import RootCandidate, RootSource
from ._types import CheckpointSignature

if TYPE_CHECKING:
    from ._bls import BlsSecretKey
    from ._manager import BlockchainConsensus
    from ._protection import SlashingProtection

__all__ = ["EQUIVOCATE_ENV", "NodeStatus", "ValidatorNode"]

_log = logging.getLogger("novacron_chain.consensus.validator")

#: TEST ONLY: ``NOVACRON_TEST_EQUIVOCATE=1`` makes ``validator run`` sign two roots for one height (dev chains only)
EQUIVOCATE_ENV = "NOVACRON_TEST_EQUIVOCATE"
_EQUIVOCATION_TAG = b"novacron-test-equivocation"
_RETRY_LOG_EVERY = 30.0  # seconds between repeated warnings about one root whose data is not reachable


@dataclass
class _Item:
    """One root this node is working on."""

    candidate: RootCandidate
    state: str = "new"  # new -> checked -> signed; or refused
    next_check: float = 0.0
    warned_at: float = 0.0
    reason: str = ""
    signature: CheckpointSignature | None = None
    sent_at: float = 0.0
    sent_ok: bool = False


@dataclass
class NodeStatus:
    """What a validator process has done so far (its status line and ``--json`` summary)."""

    public_key: str
    index: int | None = None
    epoch: int | None = None
    active: bool = False
    seen: int = 0
    signed: int = 0
    final: int = 0
    superseded: int = 0
    refused: int = 0
    pending: int = 0
    latest_final: dict[str, int] = field(default_factory=dict)
    aggregator_ok: bool | None = None
    last_error: str | None = None
    equivocated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)

    def line(self) -> str:
        """One status line for the log."""
        finals = ", ".join(f"{d} {h}" for d, h in sorted(self.latest_final.items())) or "none"
        agg = {None: "not contacted", True: "ok", False: "UNREACHABLE"}[self.aggregator_ok]
        who = f"validator {self.index}" if self.index is not None else "validator (not registered)"
        weight = "active" if self.active else "no weight"
        return (
            f"{who} | epoch {self.epoch} ({weight}) | roots seen {self.seen}, signed {self.signed}, final "
            f"{self.final}, superseded {self.superseded}, refused {self.refused}, pending {self.pending} | latest "
            f"final: {finals} | aggregator {agg}"
        )


class ValidatorNode:
    """A validator: signs the checked roots of ``sources`` with ``bls_key`` and sends them to ``aggregators``.

    ``consensus`` reads the chain (no transaction is sent); ``protection`` is ``bls_key``'s open slashing-protection
    record (the caller closes it). ``aggregators`` are base URLs (``http://127.0.0.1:9650``). ``http``: the HTTP
    client (default: a new ``httpx.Client`` with ``http_timeout``). ``equivocate``: TEST ONLY, see the module
    docstring; refused on chains that are not dev chains (:class:`~novacron_chain.errors.DevOnlyError`).
    """

    def __init__(
        self,
        consensus: BlockchainConsensus,
        bls_key: BlsSecretKey,
        protection: SlashingProtection,
        sources: Sequence[RootSource],
        aggregators: Sequence[str],
        *,
        poll_interval: float = 1.0,
        resend_interval: float = 5.0,
        retry_interval: float = 1.0,
        status_interval: float = 10.0,
        equivocate: bool = False,
        http: httpx.Client | None = None,
        http_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if equivocate and not consensus.chain.is_dev:
            raise DevOnlyError(
                f"{EQUIVOCATE_ENV} makes a validator sign two roots for one height, which is slashable; it is "
                f"refused on {consensus.chain.backend.description}, which is not a dev chain",
                hint=f"unset {EQUIVOCATE_ENV}: it exists only to test slashing on anvil or the embedded chain",
            )
        if protection.pubkey != bls_key.public_key():
            raise NovaChainError(
                f"the slashing-protection record {protection.path} is not the record of key "
                f"{bls_key.public_key().hex()}"
            )
        self.consensus = consensus
        self.bls_key = bls_key
        self.protection = protection
        self.sources = list(sources)
        self.aggregators = [url.rstrip("/") for url in aggregators]
        self.poll_interval = poll_interval
        self.resend_interval = resend_interval
        self.retry_interval = retry_interval
        self.status_interval = status_interval
        self.equivocate = equivocate
        self._http = http or httpx.Client(timeout=http_timeout)
        self._own_http = http is None
        self._clock = clock
        self._items: dict[tuple[bytes, int], _Item] = {}
        self._status = NodeStatus(public_key=bls_key.public_key().hex())
        self._active_epoch: int | None = None  # the epoch self._status.active was read for
        self._unregistered_logged = False
        self._aggregator_warned_at = 0.0
        self._last_status_at = 0.0

    # -- one pass -----------------------------------------------------------------------------------------------------

    def step(self) -> NodeStatus:
        """One pass over the sources (see the module docstring); returns the status after it.

        Raises :class:`ProtectionRecordError` when the slashing-protection record cannot be written: the node must
        stop signing then. Chain and storage failures are logged and retried at the next step.
        """
        st = self._status
        if st.index is None and not self._find_index():
            return st
        assert st.index is not None
        epoch = self.consensus.current_epoch()
        if epoch != self._active_epoch:
            self._read_weight(st.index, epoch)
        st.epoch = epoch
        now = self._clock()
        for source in self.sources:
            latest = self.consensus.latest_height(source.domain)
            if latest is not None:
                st.latest_final[domain_label(source.domain)] = latest
            for candidate in source.poll():
                if latest is not None and candidate.height <= latest:
                    continue  # history (a restart): final or superseded already
                key = (candidate.domain, candidate.height)
                known = self._items.get(key)
                if known is not None:
                    if known.candidate.root != candidate.root:
                        _log.error(
                            "%s appeared again with another root 0x%s (first 0x%s): keeping the first",
                            candidate.label,
                            candidate.root.hex(),
                            known.candidate.root.hex(),
                        )
                    continue
                st.seen += 1
                _log.info("new root %s: 0x%s (block %s)", candidate.label, candidate.root.hex(), candidate.block)
                self._items[key] = _Item(candidate)
            self._forget_final(source.domain, latest)
            for key in sorted(k for k in self._items if k[0] == source.domain):
                item = self._items[key]
                if item.state in ("new", "checked") and item.next_check <= now:
                    self._check_and_sign(source, item, st.index, epoch)
                elif item.state == "signed":
                    self._keep_alive(item, st.index, epoch)
        st.pending = sum(1 for i in self._items.values() if i.state != "refused")
        if now - self._last_status_at >= self.status_interval:
            self._last_status_at = now
            _log.info("%s", st.line())
        return st

    def _find_index(self) -> bool:
        try:
            index = self.consensus.validator_index(self.bls_key.public_key())
        except NotRegisteredError:
            if not self._unregistered_logged:
                self._unregistered_logged = True
                _log.warning(
                    "BLS key %s is not registered in the StakeManager at %s yet: waiting for its registration "
                    "(`novacron-chain validator register`)",
                    self.bls_key.public_key().hex(),
                    self.consensus.stake_manager.address,
                )
            return False
        self._status.index = index
        _log.info("validator %s (BLS key %s)", index, self.bls_key.public_key().hex())
        return True

    def _read_weight(self, index: int, epoch: int) -> None:
        validator = self.consensus.get_validator(index)
        active = validator.weight > 0 and validator.status != "tombstoned"
        if active != self._status.active or self._active_epoch is None:
            if active:
                _log.info("validator %s has weight %s in epoch %s: signing", index, validator.weight, epoch)
            else:
                _log.warning(
                    "validator %s has no weight in epoch %s (status %s): not signing until it has",
                    index,
                    epoch,
                    validator.status,
                )
        self._status.active = active
        self._active_epoch = epoch

    def _forget_final(self, domain: bytes, latest: int | None) -> None:
        if latest is None:
            return
        for key in [k for k in self._items if k[0] == domain and k[1] <= latest]:
            item = self._items.pop(key)
            if item.state == "signed" and self.consensus.is_final(domain, key[1], item.candidate.root):
                self._status.final += 1
                _log.info("final: %s", item.candidate.label)
            elif item.state != "refused":
                self._status.superseded += 1
                signed = "signed by this validator" if item.state == "signed" else "not signed by this validator"
                _log.info("%s (%s) is at or below final height %s: dropped", item.candidate.label, signed, latest)

    def _check_and_sign(self, source: RootSource, item: _Item, index: int, epoch: int) -> None:
        c = item.candidate
        now = self._clock()
        if item.state == "new":
            try:
                verdict = source.check(c)
            except NovaChainError as exc:
                item.next_check = now + self.retry_interval
                self._warn_retry(item, f"checking it failed: {exc.message}", now)
                return
            if not verdict.ok and verdict.retry:
                item.next_check = now + self.retry_interval
                self._warn_retry(item, verdict.reason, now)
                return
            if not verdict.ok:
                item.state, item.reason = "refused", verdict.reason
                self._status.refused += 1
                _log.error("MISMATCH %s root 0x%s: %s; NOT signing", c.label, c.root.hex(), verdict.reason)
                return
            item.state = "checked"
            _log.info("checked %s: %s", c.label, verdict.reason)
        if not self._status.active:
            return  # checked; signed once the validator has weight
        if self._sign(item, index, epoch):
            self._status.signed += 1
            if self.equivocate and not self._status.equivocated:
                self._equivocate(item, index, epoch)

    def _warn_retry(self, item: _Item, reason: str, now: float) -> None:
        item.reason = reason
        if now - item.warned_at >= _RETRY_LOG_EVERY:
            item.warned_at = now
            _log.warning("cannot check %s yet: %s (retrying)", item.candidate.label, reason)

    def _sign(self, item: _Item, index: int, epoch: int) -> bool:
        c = item.candidate
        try:
            signature = self.consensus.sign_checkpoint(
                c.domain, c.height, c.root, self.bls_key, self.protection, epoch=epoch, index=index
            )
        except (DoubleSignRefusedError, BelowWatermarkError) as exc:
            item.state, item.reason = "refused", exc.message
            self._status.refused += 1
            _log.error("slashing protection refused %s: %s", c.label, exc.message)
            return False
        except NotActiveError:
            self._status.active = False
            return False
        except ProtectionRecordError:
            raise
        except NovaChainError as exc:
            self._status.last_error = exc.message
            _log.warning("signing %s failed (will retry): %s", c.label, exc.message)
            return False
        first = item.signature is None
        item.state, item.signature = "signed", signature
        _log.info("%s %s root 0x%s in epoch %s", "signed" if first else "signed again", c.label, c.root.hex(), epoch)
        self._send(item)
        return first

    def _keep_alive(self, item: _Item, index: int, epoch: int) -> None:
        assert item.signature is not None
        if item.signature.epoch != epoch:
            if self._status.active:
                self._sign(item, index, epoch)
            return
        if not item.sent_ok or self._clock() - item.sent_at >= self.resend_interval:
            self._send(item)

    def _equivocate(self, item: _Item, index: int, epoch: int) -> None:
        """TEST ONLY: sign a second root for ``item``'s height, bypassing the slashing protection."""
        c = item.candidate
        other = keccak(_EQUIVOCATION_TAG + c.root)
        digest = self.consensus.checkpoint_digest(c.domain, c.height, other, epoch)
        signature = CheckpointSignature(
            c.domain, c.height, other, epoch, index, self.bls_key.public_key(), self.bls_key.sign(digest), self._clock()
        )
        self._status.equivocated = True
        _log.warning(
            "TEST EQUIVOCATION (%s=1): signed a SECOND root 0x%s for %s, bypassing slashing protection",
            EQUIVOCATE_ENV,
            other.hex(),
            c.label,
        )
        self._post(signature, c.available_at)

    # -- sending ------------------------------------------------------------------------------------------------------

    def _send(self, item: _Item) -> None:
        assert item.signature is not None
        item.sent_at = self._clock()
        item.sent_ok = self._post(item.signature, item.candidate.available_at)

    def _post(self, signature: CheckpointSignature, available_at: float) -> bool:
        body = signature_message(signature, available_at=available_at)
        label = f"{domain_label(signature.domain)}#{signature.height}"
        delivered = False
        for url in self.aggregators:
            try:
                response = self._http.post(url + SIGNATURES_PATH, json=body)
            except httpx.HTTPError as exc:
                now = self._clock()
                if self._status.aggregator_ok is not False or now - self._aggregator_warned_at >= _RETRY_LOG_EVERY:
                    self._aggregator_warned_at = now
                    _log.warning("aggregator %s unreachable (%s): will resend %s", url, exc, label)
                self._status.aggregator_ok = False
                continue
            self._status.aggregator_ok = True
            if response.status_code in (200, 202):
                delivered = True
                _log.debug("aggregator %s: %s", url, response.text.strip())
            else:
                _log.warning("aggregator %s refused %s: HTTP %s %s", url, label, response.status_code, response.text)
                delivered = delivered or response.status_code < 500
        return delivered

    # -- running ------------------------------------------------------------------------------------------------------

    def status(self) -> NodeStatus:
        """The status after the last step."""
        return self._status

    def run(self, stop: threading.Event | None = None, *, seconds: float | None = None) -> NodeStatus:
        """Step every ``poll_interval`` seconds until ``stop`` is set (or ``seconds`` passed). Chain and network
        failures are logged and retried; a slashing-protection record that cannot be written stops the node
        (:class:`ProtectionRecordError`)."""
        stop = stop or threading.Event()
        deadline = None if seconds is None else time.monotonic() + seconds
        failures = 0
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            started = time.monotonic()
            try:
                self.step()
                failures = 0
            except ProtectionRecordError:
                raise
            except NovaChainError as exc:
                failures += 1
                self._status.last_error = exc.message
                _log.warning("validator step failed (%s in a row): %s", failures, exc)
            wait = self.poll_interval if not failures else min(self.poll_interval * 2**failures, 10.0)
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            stop.wait(max(wait - (time.monotonic() - started), 0.0) if not failures else wait)
        _log.info("%s", self._status.line())
        return self._status

    def close(self) -> None:
        """Close the HTTP client it made (the protection record is the caller's)."""
        if self._own_http:
            self._http.close()
