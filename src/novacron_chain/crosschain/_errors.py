"""Errors of the cross-chain layer, all under :class:`~novacron_chain.errors.BridgeError`.

::

    BridgeError                               cross-chain transfers and swaps
    └── SwapError                             an atomic swap or one of its HTLC locks
        ├── SwapValueError (NovaValueError)   exit 2: a bad argument (hash, secret length, amount, timeout, chain)
        │   ├── UnknownSwapError              exit 2: no such lock or swap on that chain
        │   └── WrongSecretError              exit 2: sha256(secret) is not the lock's hash
        ├── SwapExpiredError                  the lock's deadline has passed: it can only be refunded
        ├── RefundTooEarlyError               the lock's deadline has not come: it cannot be refunded yet
        ├── SwapClosedError                   the lock was already claimed or refunded
        └── SwapUnsafeError                   locking now would leave too little time (margins from config)

The manager checks before it sends, so these come without a transaction; a race lost on chain surfaces as the
chain layer's :class:`~novacron_chain.errors.ContractCustomError` with the hint from :data:`ERROR_HINTS`.
"""

from __future__ import annotations

from typing import Any

from ..errors import BridgeError, NovaValueError

__all__ = [
    "ERROR_HINTS",
    "RefundTooEarlyError",
    "SwapClosedError",
    "SwapError",
    "SwapExpiredError",
    "SwapUnsafeError",
    "SwapValueError",
    "UnknownSwapError",
    "WrongSecretError",
]

ERROR_HINTS: dict[str, str] = {
    "HashedTimelockZeroAmount": "lock a positive amount",
    "HashedTimelockZeroRecipient": "name the counterparty's address as the recipient",
    "HashedTimelockZeroHash": "lock under sha256 of a 32-byte secret (`novacron-chain swap initiate` makes one)",
    "HashedTimelockDeadlinePassed": "the deadline must be in the future (chain time); use a longer timeout",
    "HashedTimelockWrongValue": "a native-coin lock sends exactly its amount as value; a token lock sends none",
    "HashedTimelockShortfall": "the token charges a fee on transfer: such tokens cannot be locked (a lock must be "
    "fully backed); swap another token",
    "HashedTimelockExists": "a lock with these exact fields exists already: it is the same lock (nothing is locked "
    "twice); `novacron-chain swap status` shows it",
    "HashedTimelockUnknown": "no lock has these fields on this chain: check the chain and the lock id "
    "(`novacron-chain swap status`)",
    "HashedTimelockClosed": "the lock already ended (state 2 claimed, 3 refunded); nothing more can happen to it",
    "HashedTimelockWrongPreimage": "the secret does not hash (sha256) to the lock's hash; use the swap's secret",
    "HashedTimelockExpired": "the deadline has passed: the lock can no longer be claimed, only refunded to its "
    "sender (`novacron-chain swap refund`)",
    "HashedTimelockNotExpired": "the lock can be refunded from its deadline on; wait, or claim it with the secret",
    "HashedTimelockTransferFailed": "the receiver refused the native coin; a lock whose claim fails is refunded to "
    "its sender after the deadline",
}
"""What to do about each custom error of ``HashedTimelock`` (error name -> hint)."""


class SwapError(BridgeError):
    """An atomic swap or one of its HTLC locks failed."""


class SwapValueError(SwapError, NovaValueError):
    """A bad argument to a swap: hash, secret, amount, timeout, chain name."""


class UnknownSwapError(SwapValueError):
    """No lock with this id (or no swap with this hash) on the chain asked."""

    def __init__(self, what: str, *, chain_id: int | None = None, hint: str | None = None) -> None:
        where = f" on chain {chain_id}" if chain_id is not None else ""
        super().__init__(
            f"{what} is not known{where}",
            hint=hint or "check the id and the chain; `novacron-chain swap status` lists the swaps this data dir knows",
        )
        self.chain_id = chain_id


class WrongSecretError(SwapValueError):
    """The secret given does not hash (sha256) to the lock's hash."""

    def __init__(self, lock_id: str, expected_hash: bytes) -> None:
        super().__init__(
            f"the secret does not open lock {lock_id}: sha256(secret) is not 0x{expected_hash.hex()}",
            hint="pass the swap's 32-byte secret (0x + 64 hex digits); the initiator's swap file holds it",
        )
        self.lock_id = lock_id


class _LockTimeError(SwapError):
    def __init__(self, message: str, *, lock_id: str, deadline: int, now: int, hint: str) -> None:
        super().__init__(message, hint=hint)
        self.lock_id = lock_id
        self.deadline = deadline
        self.now = now

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(lock_id=self.lock_id, deadline=self.deadline, now=self.now)
        return out


class SwapExpiredError(_LockTimeError):
    """The lock's deadline has passed: it can only be refunded."""

    def __init__(self, lock_id: str, deadline: int, now: int) -> None:
        super().__init__(
            f"lock {lock_id} expired {now - deadline} s ago (deadline {deadline}, chain time {now}): it can no longer "
            "be claimed",
            lock_id=lock_id,
            deadline=deadline,
            now=now,
            hint="its sender gets it back with `novacron-chain swap refund`",
        )


class RefundTooEarlyError(_LockTimeError):
    """The lock's deadline has not come: it cannot be refunded yet."""

    def __init__(self, lock_id: str, deadline: int, now: int) -> None:
        super().__init__(
            f"lock {lock_id} can be refunded in {deadline - now} s (deadline {deadline}, chain time {now})",
            lock_id=lock_id,
            deadline=deadline,
            now=now,
            hint="wait for the deadline (`novacron-chain swap watch` refunds it then by itself)",
        )


class SwapClosedError(SwapError):
    """The lock was already claimed or refunded."""

    def __init__(self, lock_id: str, state: str) -> None:
        super().__init__(
            f"lock {lock_id} is already {state}",
            hint="nothing more can happen to it; `novacron-chain swap status` shows both sides",
        )
        self.lock_id = lock_id
        self.state = state


class SwapUnsafeError(SwapError):
    """Locking (or claiming) now would leave the other side too little time: refused before anything is sent."""
