"""The checkpoint aggregator: collects validators' BLS signatures over HTTP, submits a checkpoint as soon as more than
2/3 of the epoch's stake signed it, and reports validators that sign two roots for one height.

Anyone can run one (it holds no secret but the ECDSA key that pays for submissions), and several can run at once:
the CheckpointVerifier takes each height once, and a losing submission is refused by the pre-checks of
:meth:`~novacron_chain.consensus.BlockchainConsensus.submit_checkpoint` or the contract, never accepted twice.

What it does with a signature (:meth:`Aggregator.receive`, any thread):

1. checks that its key is the one the StakeManager holds for its validator index, and that it verifies over the
   checkpoint digest (:func:`~novacron_chain.consensus.verify`); anything else is refused and never counted;
2. remembers the first root each validator signed per ``(domain, height)``: a second, different root is a double
   sign, and both signatures are queued as :class:`~novacron_chain.consensus.DoubleSignEvidence` (the validator's
   signatures are not counted from then on);
3. files it under ``(domain, height, root, epoch)`` and wakes the worker.

The worker (:meth:`Aggregator.step`, one thread, all chain writes) reports the evidence
(:meth:`~novacron_chain.consensus.BlockchainConsensus.report_double_sign`), then, domain by domain and lowest height
first, sums the epoch's weights of each group's signers and, once ``3 * signed > 2 * total`` (and after waiting at
most ``linger`` seconds for the rest, see :class:`Aggregator`), aggregates
(:meth:`~novacron_chain.consensus.BlockchainConsensus.aggregate`) and submits. The submission's finality time (root
available to final) goes to the metrics (``blockchain_checkpoint_finality_seconds``): "available" is the median of
the times the signers say they first saw the root, so that one validator cannot skew it.

:class:`AggregatorServer` serves it over HTTP (stdlib ``http.server``, one thread per request; loopback unless told
otherwise):

* ``POST /v1/signatures``: a :class:`~novacron_chain.consensus.CheckpointSignature` as ``to_dict()`` writes it,
  plus ``available_at`` (unix seconds; optional). 202 accepted, 200 duplicate or already final, 400 malformed,
  403 refused (wrong key, bad signature, a reported double signer), 409 a double sign (reported), 503 busy or the
  chain unreachable (send it again);
* ``GET /v1/status``: pending checkpoints, the latest final heights, submissions and slashings, as JSON;
* ``GET /healthz``: ``ok``.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from ..errors import ContractCustomError, NovaChainError, NovaValueError
from ._bls import BlsPublicKey, verify
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


@dataclass(frozen=True)
class ReceiveResult:
    """What :meth:`Aggregator.receive` did with a signature: ``status`` is ``accepted`` (counted), ``duplicate``
    (already held), ``final`` (the height is final or superseded: nothing to do), ``rejected`` (not counted:
    ``message`` says why), ``double-sign`` (a second root for a height this validator signed: reported) or
    ``busy`` (too many signatures held: send it again later)."""

    status: str
    message: str
    http_status: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"status": self.status, "message": self.message}


@dataclass
class _Group:
    """The signatures of one ``(domain, height, root, epoch)``."""

    signatures: dict[int, CheckpointSignature] = field(default_factory=dict)
    seen_at: list[float] = field(default_factory=list)  # the signers' claims of when the root became available
    retry_at: float = 0.0
    quorum_at: float | None = None  # when the signers first held more than 2/3


_GroupKey = tuple[bytes, int, bytes, int]


class Aggregator:
    """Collects checkpoint signatures for ``consensus`` and submits them (see the module docstring).

    ``sender`` pays for submissions and evidence (default: the chain's account) and receives the reporter's reward.
    ``report_double_signs``: submit evidence of double signs (else only log it). ``max_gas``: the gas cap of one
    submission (a large set with many non-signers may need more than ``max_gas_per_tx``). ``retain_heights``: how
    many heights below the latest final one are remembered for double-sign detection. ``max_tracked``: the most
    ``(domain, height, validator)`` signatures held at once; beyond it new ones are refused (HTTP 503) until heights
    become final, so that a registered validator signing far-future heights cannot exhaust memory.

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
        self._first: dict[tuple[bytes, int, int], CheckpointSignature] = {}  # (domain, height, index) -> first
        self._offenders: set[int] = set()
        self._evidence: deque[tuple[DoubleSignEvidence, int]] = deque()  # (evidence, attempts)
        self._latest: dict[bytes, int] = {}  # domain -> latest final height known here
        self._due: float | None = None  # when the earliest lingering group is due for submission
        self._pubkeys: dict[int, BlsPublicKey] = {}
        self._weights: dict[int, dict[int, int]] = {}  # epochs that have begun: their weights never change
        self.finalized: deque[Checkpoint] = deque(maxlen=256)
        """The checkpoints this aggregator submitted, latest last."""
        self.slashed: list[SlashResult] = []
        """The double signs this aggregator reported and the chain slashed."""
        self.received = 0
        """Signatures accepted (verified and counted) so far."""
        self.rejected = 0
        """Signatures refused so far."""

    # -- intake (any thread) --------------------------------------------------------------------------------------

    def _registered_key(self, index: int) -> BlsPublicKey:
        key = self._pubkeys.get(index)
        if key is None:
            # a validator's key never changes (one registration per key, indices are permanent): cache it
            sm = self.consensus.stake_manager
            raw = bytes(self.consensus.chain.call(sm.functions.pubkeyOf(index)))
            key = self._pubkeys[index] = BlsPublicKey.from_eip2537(raw)
        return key

    def receive(self, signature: CheckpointSignature, *, available_at: float | None = None) -> ReceiveResult:
        """Check ``signature`` and count it (thread-safe); ``available_at`` is when its validator first saw the root.

        Raises only for chain failures while reading the validator's key (:class:`ChainError`); every verdict on the
        signature itself is in the result.
        """
        s = signature
        label = f"{domain_label(s.domain)}#{s.height}"
        try:
            key = self._registered_key(s.validator_index)
        except ContractCustomError:
            return self._reject(f"there is no validator {s.validator_index}", 403)
        if key != s.public_key:
            return self._reject(
                f"validator {s.validator_index} is registered with key {key.hex()}, not {s.public_key.hex()}", 403
            )
        try:
            digest = self.consensus.checkpoint_digest(s.domain, s.height, s.root, s.epoch)
        except ConsensusValueError as exc:
            return self._reject(exc.message, 400)
        if not verify(key, digest, s.signature):
            return self._reject(
                f"the signature of validator {s.validator_index} does not verify over the digest of {label} in "
                f"epoch {s.epoch}",
                403,
            )
        with self._lock:
            first = self._first.get((s.domain, s.height, s.validator_index))
            if first is None:
                if len(self._first) >= self.max_tracked:
                    self.rejected += 1
                    return ReceiveResult("busy", f"{len(self._first)} signatures held; try again later", 503)
                self._first[(s.domain, s.height, s.validator_index)] = s
            elif first.root != s.root:
                return self._double_sign(first, s, label)
            if s.validator_index in self._offenders:
                return self._reject(f"validator {s.validator_index} was reported for double signing", 403)
            latest = self._latest.get(s.domain)
            if latest is not None and s.height <= latest:
                return ReceiveResult("final", f"{label} is at or below the latest final height {latest}", 200)
            group = self._groups.setdefault((s.domain, s.height, s.root, s.epoch), _Group())
            if s.validator_index in group.signatures:
                return ReceiveResult("duplicate", f"validator {s.validator_index}'s signature is already held", 200)
            group.signatures[s.validator_index] = s
            group.seen_at.append(available_at if available_at is not None else s.signed_at)
            self.received += 1
            self._wake.notify_all()
        _log.debug("counted validator %s's signature of %s (epoch %s)", s.validator_index, label, s.epoch)
        return ReceiveResult("accepted", f"counted for {label} in epoch {s.epoch}", 202)

    def _reject(self, message: str, http_status: int) -> ReceiveResult:
        with self._lock:
            self.rejected += 1
        _log.warning("refused a signature: %s", message)
        return ReceiveResult("rejected", message, http_status)

    def _double_sign(self, first: CheckpointSignature, second: CheckpointSignature, label: str) -> ReceiveResult:
        # called with the lock held
        index = second.validator_index
        self.rejected += 1
        if index in self._offenders:
            return ReceiveResult("double-sign", f"validator {index} signed two roots for {label} (reported)", 409)
        self._offenders.add(index)
        for group in self._groups.values():
            group.signatures.pop(index, None)  # its signatures prove nothing about the roots: count none of them
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
        """Report queued evidence, then submit every checkpoint whose signers hold more than 2/3 of its epoch's
        stake; returns what reached the chain. Chain failures are logged and retried at the next step."""
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
                    del self._groups[key]
            if floor is not None:
                keep_from = floor - self.retain_heights
                for fkey in [k for k in self._first if k[0] == domain and k[1] < keep_from]:
                    del self._first[fkey]

    def _epoch_weights(self, epoch: int, current: int) -> dict[int, int]:
        cached = self._weights.get(epoch)
        if cached is not None:
            return cached
        weights = self.consensus._epoch_weights(epoch)
        if epoch <= current:
            self._weights[epoch] = weights
            for old in [e for e in self._weights if e + 2 < current]:
                del self._weights[old]
        return weights

    def _submit_ready(self, domain: bytes, epoch: int) -> Iterator[Checkpoint]:
        with self._lock:
            keys = sorted((k for k in self._groups if k[0] == domain), key=lambda k: (k[1], -k[3]))
        now = self._clock()
        for key in keys:
            _d, height, root, group_epoch = key
            if group_epoch > epoch:
                continue  # signed ahead of the chain's clock: wait for the epoch to begin
            weights = self._epoch_weights(group_epoch, epoch)
            with self._lock:
                group = self._groups.get(key)
                if group is None or group.retry_at > now:
                    continue
                signers = {i: s for i, s in group.signatures.items() if i in weights and i not in self._offenders}
                seen_at = list(group.seen_at)
                total = sum(weights.values())
                signed = sum(weights[i] for i in signers)
                if not signers or 3 * signed <= 2 * total:
                    continue
                if group.quorum_at is None:
                    group.quorum_at = now
                if len(signers) < len(weights) and now - group.quorum_at < self.linger:
                    # give the others a moment: non-signers count against them (downtime jailing)
                    due = group.quorum_at + self.linger
                    self._due = due if self._due is None else min(self._due, due)
                    continue
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
                with self._lock:
                    for i in exc.indices:
                        group.signatures.pop(i, None)
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
