"""The atomic-swap driver and its watcher: two HTLC locks under one secret, on two chains.

The protocol (Tier Nolan's, as in Bitcoin atomic swaps and dcrdex):

1. The initiator makes a 32-byte secret, writes it to its swap file (fsynced) and locks on chain A for the
   participant, under ``sha256(secret)``, with the long timeout (``swap_timeout``).
2. The participant checks that lock (open, for it, with at least ``swap_participant_timeout + swap_margin`` left)
   and locks on chain B for the initiator under the same hash, with the short timeout, ending at least
   ``swap_margin`` before A's deadline.
3. The initiator claims on B, which publishes the secret in B's ``Claimed`` event.
4. The participant's watcher reads the secret from that event and claims on A, with ``swap_margin`` to spare.

If the participant never locks, the initiator refunds A after its deadline; if the initiator never claims, both
refund. The watcher (:meth:`SwapDriver.step`, looped by :meth:`SwapDriver.watch`) does steps 3 and 4 and every
refund by itself. A swap's state is read from the chains; the swap file only keeps what the chains cannot tell (the
secret, before it is public, and the planned lock's fields, so that a lock resent after a crash is the same lock,
with the same id). So a process killed at any step continues on restart from where the chains are.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..chain import checksum
from ..errors import ChainError
from ._errors import SwapError, SwapUnsafeError, SwapValueError, UnknownSwapError
from ._manager import AtomicSwapManager, new_secret, parse_bytes32
from ._types import HtlcLock, LockState, LockStatus, SwapPhase, SwapRole, SwapStatus, hash_secret

__all__ = ["SwapAction", "SwapDriver", "SwapRecord", "SwapStore", "SwapTimeouts"]


@dataclass(frozen=True, slots=True)
class SwapTimeouts:
    """The swap's time rules, in seconds (config ``swap_timeout``, ``swap_participant_timeout``, ``swap_margin``).

    ``initiator``: the first lock's life. ``participant``: the second lock's life. ``margin``: the least time the
    participant keeps between its deadline and the initiator's (for its watcher to claim once the secret is
    public), and the least time left on a lock for anyone to start a step that needs it.
    """

    initiator: int = 48 * 3600
    participant: int = 24 * 3600
    margin: int = 6 * 3600

    def __post_init__(self) -> None:
        if min(self.initiator, self.participant, self.margin) <= 0:
            raise SwapValueError("swap timeouts must be positive", hint="set swap_timeout, ... to durations > 0")
        if self.participant + self.margin > self.initiator:
            raise SwapValueError(
                f"swap_participant_timeout ({self.participant} s) + swap_margin ({self.margin} s) exceeds "
                f"swap_timeout ({self.initiator} s): the participant could not lock safely",
                hint="make swap_timeout at least swap_participant_timeout + swap_margin",
            )


@dataclass(frozen=True, slots=True)
class SwapRecord:
    """What one side keeps about a swap in its swap file: the chains cannot tell it (the secret before it is
    public; the lock this side plans, before it is sent). Everything else is read from the chains."""

    role: SwapRole
    hash: bytes
    initiator_chain: str
    participant_chain: str
    secret: bytes | None = None
    initiator_lock: HtlcLock | None = None
    participant_lock: HtlcLock | None = None
    want_amount: int | None = None
    want_token: str | None = None
    created_at: float = field(default_factory=time.time)

    @property
    def swap_id(self) -> str:
        """The swap's id: its hash, 0x-hex."""
        return "0x" + self.hash.hex()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the swap file stores it (the secret included: the file is private)."""
        return {
            "version": 1,
            "role": self.role.value,
            "hash": self.swap_id,
            "initiator_chain": self.initiator_chain,
            "participant_chain": self.participant_chain,
            "secret": "0x" + self.secret.hex() if self.secret else None,
            "initiator_lock": self.initiator_lock.to_dict() if self.initiator_lock else None,
            "participant_lock": self.participant_lock.to_dict() if self.participant_lock else None,
            "want_amount": str(self.want_amount) if self.want_amount is not None else None,
            "want_token": self.want_token,
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SwapRecord:
        """The record :meth:`to_dict` wrote."""
        lock_a, lock_b = data.get("initiator_lock"), data.get("participant_lock")
        return cls(
            role=SwapRole(data["role"]),
            hash=parse_bytes32(str(data["hash"]), "hash"),
            initiator_chain=str(data["initiator_chain"]),
            participant_chain=str(data["participant_chain"]),
            secret=parse_bytes32(str(data["secret"]), "secret") if data.get("secret") else None,
            initiator_lock=HtlcLock.from_dict(lock_a) if lock_a else None,
            participant_lock=HtlcLock.from_dict(lock_b) if lock_b else None,
            want_amount=int(data["want_amount"]) if data.get("want_amount") is not None else None,
            want_token=data.get("want_token") or None,
            created_at=float(data.get("created_at", 0)),
        )


class SwapStore:
    """Swap files in a directory, one ``<hash>.json`` per swap, written atomically and fsynced (file and directory)
    before the lock they plan is sent."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()

    def _file(self, hash_: bytes) -> Path:
        return self.path / f"0x{hash_.hex()}.json"

    def save(self, record: SwapRecord) -> None:
        """Write ``record`` durably: a crash leaves the old file or the new one, never half of one."""
        self.path.mkdir(parents=True, exist_ok=True)
        target = self._file(record.hash)
        tmp = target.with_suffix(".json.tmp")
        data = json.dumps(record.to_dict(), indent=2, sort_keys=True).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds a secret
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        dir_fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def load(self, swap_id: bytes | str) -> SwapRecord:
        """The swap with this hash; :class:`UnknownSwapError` when this store has none."""
        hash_ = parse_bytes32(swap_id, "swap id")
        try:
            data = json.loads(self._file(hash_).read_text())
        except FileNotFoundError as exc:
            raise UnknownSwapError(f"swap 0x{hash_.hex()}", hint=f"no swap file for it in {self.path}") from exc
        except (OSError, ValueError) as exc:
            raise SwapError(f"swap file {self._file(hash_)} cannot be read: {exc}") from exc
        return SwapRecord.from_dict(data)

    def get(self, swap_id: bytes | str) -> SwapRecord | None:
        """The swap with this hash, or None."""
        try:
            return self.load(swap_id)
        except UnknownSwapError:
            return None

    def all(self) -> list[SwapRecord]:
        """Every swap in the store, oldest first."""
        if not self.path.is_dir():
            return []
        out = []
        for p in sorted(self.path.glob("0x*.json")):
            try:
                out.append(SwapRecord.from_dict(json.loads(p.read_text())))
            except (OSError, ValueError, KeyError) as exc:
                raise SwapError(f"swap file {p} cannot be read: {exc}") from exc
        return sorted(out, key=lambda r: r.created_at)


@dataclass(frozen=True, slots=True)
class SwapAction:
    """One thing the watcher did: ``what`` is locked, claimed or refunded; on ``chain``; for lock ``lock_id``."""

    swap_id: str
    what: str
    chain: str
    lock_id: str
    tx_hash: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "swap_id": self.swap_id,
            "what": self.what,
            "chain": self.chain,
            "lock_id": self.lock_id,
            "tx_hash": self.tx_hash,
        }


class SwapDriver:
    """Runs atomic swaps between chains by name. ``managers`` gives the :class:`AtomicSwapManager` of a chain
    (each signing as this side's account on that chain); ``store`` keeps the swap files."""

    def __init__(
        self,
        managers: Callable[[str], AtomicSwapManager],
        store: SwapStore,
        timeouts: SwapTimeouts | None = None,
    ) -> None:
        self._managers = managers
        self.store = store
        self.timeouts = timeouts or SwapTimeouts()

    def manager(self, chain: str) -> AtomicSwapManager:
        """The HTLC manager of ``chain``."""
        return self._managers(chain)

    # -- the two sides' first moves --------------------------------------------------------------------------------

    def initiate(
        self,
        initiator_chain: str,
        participant_chain: str,
        participant: str,
        amount: int,
        *,
        want_amount: int,
        token: str | None = None,
        want_token: str | None = None,
    ) -> SwapStatus:
        """Start a swap: make the secret, keep it (fsynced), lock ``amount`` on ``initiator_chain`` for
        ``participant`` (its address there) with the long timeout. ``want_amount`` of ``want_token`` (None: the
        native coin) is the least the participant must lock on ``participant_chain`` before the watcher claims it:
        a smaller lock under the same hash is never claimed (claiming reveals the secret, which would hand the
        participant this side's lock for less). Give the participant the lock id; it answers with
        :meth:`participate`."""
        if initiator_chain == participant_chain:
            raise SwapValueError("a swap needs two different chains", hint="name the other chain with --to")
        a = self.manager(initiator_chain)
        participant = checksum(participant, "participant")
        token = checksum(token, "token") if token else None
        want_token = checksum(want_token, "want token") if want_token else None
        secret = new_secret()
        hash_ = hash_secret(secret)
        deadline = a.now() + self.timeouts.initiator
        lock = HtlcLock(a.account, participant, token, amount, hash_, deadline)
        record = SwapRecord(
            SwapRole.INITIATOR,
            hash_,
            initiator_chain,
            participant_chain,
            secret=secret,
            initiator_lock=lock,
            want_amount=want_amount,
            want_token=want_token,
        )
        self.store.save(record)  # the secret is durable before anything depends on it
        a.lock(hash_, deadline, participant, amount, token=token)
        return self.status(hash_)

    def participate(
        self,
        initiator_chain: str,
        initiator_lock_id: bytes | str,
        participant_chain: str,
        initiator: str,
        amount: int,
        *,
        want_amount: int,
        token: str | None = None,
        want_token: str | None = None,
    ) -> SwapStatus:
        """Answer a swap: check the initiator's lock on ``initiator_chain`` (open, for this side, at least
        ``want_amount`` of ``want_token`` (None: the native coin), with enough time left), then lock ``amount`` on
        ``participant_chain`` for ``initiator`` (its address there) under the same hash, ending ``swap_margin``
        before the initiator's lock at the latest. Refused with :class:`SwapUnsafeError` when too little time is
        left."""
        a, b = self.manager(initiator_chain), self.manager(participant_chain)
        initiator = checksum(initiator, "initiator")
        token = checksum(token, "token") if token else None
        want_token = checksum(want_token, "want token") if want_token else None
        if initiator_chain == participant_chain:
            raise SwapValueError("a swap needs two different chains", hint="name the other chain with --to")
        theirs = a.get_lock(initiator_lock_id)
        me_a = a.account
        if theirs.state is not LockState.OPEN:
            raise SwapUnsafeError(f"the initiator's lock {theirs.lock.id_hex} is {theirs.state.name.lower()}")
        if theirs.lock.recipient != me_a:
            raise SwapUnsafeError(
                f"the initiator's lock pays {theirs.lock.recipient}, not this account ({me_a})",
                hint="ask the initiator to lock for your address on that chain",
            )
        if theirs.lock.amount < want_amount or theirs.lock.token != want_token:
            raise SwapUnsafeError(
                f"the initiator locked {theirs.lock.amount} of {theirs.lock.token or 'the native coin'}, not "
                f"{want_amount} of {want_token or 'the native coin'}"
            )
        left = theirs.lock.deadline - a.now()
        needed = self.timeouts.participant + self.timeouts.margin
        if left < needed:
            raise SwapUnsafeError(
                f"the initiator's lock ends in {left} s; locking needs {needed} s (swap_participant_timeout + "
                "swap_margin) so that your claim has time after the secret is out",
                hint="do not participate; the initiator gets its coins back after its deadline",
            )
        record = self.store.get(theirs.lock.hash)
        if record is None or record.participant_lock is None:
            deadline = b.now() + self.timeouts.participant
            mine = HtlcLock(b.account, initiator, token, amount, theirs.lock.hash, deadline)
            record = SwapRecord(
                SwapRole.PARTICIPANT,
                theirs.lock.hash,
                initiator_chain,
                participant_chain,
                initiator_lock=theirs.lock,
                participant_lock=mine,
            )
            self.store.save(record)  # the planned lock is durable before it is sent
        assert record.participant_lock is not None
        self._lock_planned(b, record.participant_lock)
        return self.status(theirs.lock.hash)

    @staticmethod
    def _lock_planned(m: AtomicSwapManager, lock: HtlcLock) -> LockStatus:
        return m.lock(lock.hash, lock.deadline, lock.recipient, lock.amount, token=lock.token)

    # -- reading both chains ----------------------------------------------------------------------------------------

    def _locks(self, record: SwapRecord) -> tuple[LockStatus | None, LockStatus | None]:
        a, b = self.manager(record.initiator_chain), self.manager(record.participant_chain)
        lock_a = self._lock_or_none(a, record.initiator_lock)
        if record.participant_lock is not None:
            lock_b = self._lock_or_none(b, record.participant_lock)
        else:  # the initiator learns of the participant's lock from chain B
            lock_b = self._offer(record, b)
        return lock_a, lock_b

    @staticmethod
    def _lock_or_none(m: AtomicSwapManager, lock: HtlcLock | None) -> LockStatus | None:
        if lock is None:
            return None
        try:
            return m.get_lock(lock.id)
        except UnknownSwapError:
            return None

    def _offer(self, record: SwapRecord, b: AtomicSwapManager) -> LockStatus | None:
        """The participant's lock on chain B for this side, as the initiator finds it: the best acceptable one."""
        if record.initiator_lock is None:
            return None
        me_b = b.account
        found = b.find_locks(record.hash, recipient=me_b)
        acceptable = [s for s in found if self._acceptable(record, s)]
        if not acceptable:
            return found[0] if found else None
        claimed = [s for s in acceptable if s.state is LockState.CLAIMED]
        open_ = [s for s in acceptable if s.state is LockState.OPEN]
        return (claimed or open_ or acceptable)[0]

    def status(self, swap_id: bytes | str) -> SwapStatus:
        """Swap ``swap_id`` (its hash) as both chains see it; :class:`UnknownSwapError` if this store lacks it."""
        record = self.store.load(swap_id)
        lock_a, lock_b = self._locks(record)
        return SwapStatus(
            hash=record.hash,
            phase=self._phase(record, lock_a, lock_b),
            initiator_chain=record.initiator_chain,
            participant_chain=record.participant_chain,
            initiator_lock=lock_a,
            participant_lock=lock_b,
            secret_known=record.secret is not None or any(s is not None and s.preimage for s in (lock_a, lock_b)),
        )

    def list_swaps(self) -> list[SwapStatus]:
        """Every swap of the store, as the chains see it."""
        return [self.status(r.hash) for r in self.store.all()]

    def _phase(self, record: SwapRecord, a: LockStatus | None, b: LockStatus | None) -> SwapPhase:
        sa = a.state if a else LockState.NONE
        sb = b.state if b else LockState.NONE
        if sa is LockState.CLAIMED and sb is LockState.CLAIMED:
            return SwapPhase.COMPLETED
        if LockState.CLAIMED in (sa, sb) and LockState.REFUNDED in (sa, sb):
            return SwapPhase.BROKEN
        if sa in (LockState.REFUNDED, LockState.NONE) and sb in (LockState.REFUNDED, LockState.NONE):
            return SwapPhase.REFUNDED if LockState.REFUNDED in (sa, sb) else SwapPhase.NEW
        expired = any(
            s is not None and s.state is LockState.OPEN and s.expired_at(self.manager(chain).now())
            for s, chain in ((a, record.initiator_chain), (b, record.participant_chain))
        )
        if expired or LockState.REFUNDED in (sa, sb):
            return SwapPhase.EXPIRED
        if sb is LockState.CLAIMED or sa is LockState.CLAIMED:
            return SwapPhase.REDEEMED
        if sb is LockState.OPEN:
            return SwapPhase.PARTICIPATED
        return SwapPhase.INITIATED

    # -- the watcher -------------------------------------------------------------------------------------------------

    def step(self, swap_id: bytes | str) -> list[SwapAction]:
        """Do what is due for one swap, from the chains' state: resend a planned lock lost in a crash, claim (the
        initiator on B; the participant on A once the secret is public), refund what expired. Idempotent."""
        record = self.store.load(swap_id)
        a, b = self.manager(record.initiator_chain), self.manager(record.participant_chain)
        lock_a, lock_b = self._locks(record)
        actions: list[SwapAction] = []

        def act(what: str, chain: str, status_or_lock: LockStatus | HtlcLock, receipt: Any) -> None:
            lock = status_or_lock.lock if isinstance(status_or_lock, LockStatus) else status_or_lock
            tx = getattr(receipt, "tx_hash", None)
            actions.append(SwapAction(record.swap_id, what, chain, lock.id_hex, tx))

        if record.role is SwapRole.INITIATOR:
            planned = record.initiator_lock
            if lock_a is None and planned is not None and planned.deadline - a.now() >= self.timeouts.margin * 2:
                act("locked", record.initiator_chain, self._lock_planned(a, planned), None)
                lock_a = a.get_lock(planned.id)
            if (
                lock_b is not None
                and lock_b.state is LockState.OPEN
                and record.secret is not None
                and self._acceptable(record, lock_b)
                and b.now() < lock_b.lock.deadline
                # the participant needs its claim on A after ours: never reveal the secret once A has ended
                and lock_a is not None
                and lock_a.state is LockState.OPEN
                and a.now() < lock_a.lock.deadline
            ):
                act("claimed", record.participant_chain, lock_b, b.claim(lock_b.lock.id, record.secret))
            if lock_a is not None and lock_a.state is LockState.OPEN and a.now() >= lock_a.lock.deadline:
                act("refunded", record.initiator_chain, lock_a, a.refund(lock_a.lock.id))
        else:
            planned = record.participant_lock
            if (
                lock_b is None
                and planned is not None
                and lock_a is not None
                and lock_a.state is LockState.OPEN
                and planned.deadline - b.now() >= self.timeouts.margin
            ):
                act("locked", record.participant_chain, self._lock_planned(b, planned), None)
                lock_b = b.get_lock(planned.id)
            secret = (lock_b.preimage if lock_b else None) or b.find_preimage(record.hash)
            if secret is not None and record.secret is None:
                record = replace(record, secret=secret)
                self.store.save(record)
            if (
                secret is not None
                and lock_a is not None
                and lock_a.state is LockState.OPEN
                and a.now() < lock_a.lock.deadline
            ):
                act("claimed", record.initiator_chain, lock_a, a.claim(lock_a.lock.id, secret))
            if lock_b is not None and lock_b.state is LockState.OPEN and b.now() >= lock_b.lock.deadline:
                act("refunded", record.participant_chain, lock_b, b.refund(lock_b.lock.id))
        return actions

    @staticmethod
    def _acceptable(record: SwapRecord, offer: LockStatus) -> bool:
        if record.want_amount is None:  # an initiator always records what it wants; nothing else is claimed
            return False
        return offer.lock.amount >= record.want_amount and offer.lock.token == record.want_token

    def step_all(self) -> tuple[list[SwapAction], list[SwapError | ChainError]]:
        """:meth:`step` every swap not done yet; a failure of one swap (a node down, a race lost) is returned and
        the others still run."""
        actions: list[SwapAction] = []
        errors: list[SwapError | ChainError] = []
        for record in self.store.all():
            try:
                if self.status(record.hash).phase.done:
                    continue
                actions += self.step(record.hash)
            except (SwapError, ChainError) as exc:
                errors.append(exc)
        return actions, errors

    def watch(
        self,
        *,
        poll: float = 1.0,
        until_done: bool = False,
        timeout: float | None = None,
        on_action: Callable[[SwapAction], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Iterator[SwapAction]:
        """Step every swap every ``poll`` seconds, yielding what was done. Stops when ``until_done`` and every swap
        is done, or after ``timeout`` seconds."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            actions, errors = self.step_all()
            for action in actions:
                if on_action:
                    on_action(action)
                yield action
            for exc in errors:
                if on_error:
                    on_error(exc)
            if until_done and all(self.status(r.hash).phase.done for r in self.store.all()):
                return
            if end is not None and time.monotonic() >= end:
                return
            time.sleep(poll)

    # -- manual moves ----------------------------------------------------------------------------------------------

    def claim(self, swap_id: bytes | str, secret: bytes | str | None = None) -> SwapAction:
        """Claim this side's due lock now: the initiator's claim on B, or the participant's on A (the secret from
        the swap file or the chain unless given). Errors say why not (wrong secret, expired, closed)."""
        record = self.store.load(swap_id)
        lock_a, lock_b = self._locks(record)
        key = parse_bytes32(secret, "secret") if secret is not None else record.secret
        if record.role is SwapRole.INITIATOR:
            chain, target = record.participant_chain, lock_b
        else:
            chain, target = record.initiator_chain, lock_a
            if key is None and lock_b is not None:
                key = lock_b.preimage or self.manager(record.participant_chain).find_preimage(record.hash)
        if target is None:
            raise UnknownSwapError(
                f"the lock to claim for swap {record.swap_id}",
                hint="the other side has not locked yet; `novacron-chain swap status` shows both sides",
            )
        if key is None:
            raise SwapValueError(
                "the secret is not known yet: the initiator has not claimed", hint="wait, or pass --secret"
            )
        receipt = self.manager(chain).claim(target.lock.id, key)
        return SwapAction(record.swap_id, "claimed", chain, target.lock.id_hex, getattr(receipt, "tx_hash", None))

    def refund(self, swap_id: bytes | str) -> SwapAction:
        """Refund this side's own lock now (after its deadline; :class:`RefundTooEarlyError` before)."""
        record = self.store.load(swap_id)
        lock_a, lock_b = self._locks(record)
        if record.role is SwapRole.INITIATOR:
            chain, target = record.initiator_chain, lock_a
        else:
            chain, target = record.participant_chain, lock_b
        if target is None:
            raise UnknownSwapError(f"this side's lock of swap {record.swap_id}", hint="nothing was locked")
        receipt = self.manager(chain).refund(target.lock.id)
        return SwapAction(record.swap_id, "refunded", chain, target.lock.id_hex, getattr(receipt, "tx_hash", None))
