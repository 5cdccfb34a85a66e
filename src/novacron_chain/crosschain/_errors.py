"""Errors of the cross-chain layer, all under :class:`~novacron_chain.errors.BridgeError`.

::

    BridgeError                               cross-chain transfers and swaps
    ├── BridgeTransferError                   a bridge transfer
    │   ├── BridgeValueError (NovaValueError) exit 2: a bad argument (chain, amount, token, transfer id)
    │   │   └── UnknownTransferError          exit 2: no such transfer on its source chain
    │   ├── AttestationError                  too few guardian signatures, or not from guardians
    │   ├── CheckpointPendingError            no final validator checkpoint covers the message yet
    │   ├── MessageRootMismatchError          a final checkpoint's root is not the one rebuilt from the source
    │   └── TransferNotReadyError             a delayed transfer's delay has not passed / is over
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
    "AttestationError",
    "BridgeTransferError",
    "BridgeValueError",
    "CheckpointPendingError",
    "MessageRootMismatchError",
    "RefundTooEarlyError",
    "SwapClosedError",
    "SwapError",
    "SwapExpiredError",
    "SwapUnsafeError",
    "SwapValueError",
    "TransferNotReadyError",
    "UnknownSwapError",
    "UnknownTransferError",
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
    # Bridge and WrappedResourceToken
    "BridgeZeroAmount": "send a positive amount",
    "BridgeZeroRecipient": "name the recipient's address on the target chain",
    "BridgeBadTarget": "the target must be another chain's id (see `novacron-chain bridge send --help`)",
    "BridgeWrongReturnChain": "a wrapped token goes back to its home chain only; send it there, then onwards",
    "BridgeShortfall": "the token charges a fee on transfer: such tokens cannot be bridged (the lock must back "
    "every wrapped token)",
    "BridgeWrongChain": "the message is for another chain: deliver it on its target chain's bridge",
    "BridgeAlreadyDelivered": "the transfer was delivered already (each message is delivered once); "
    "`novacron-chain bridge status` shows it",
    "BridgeQuorumNotMet": "too few guardian signatures: wait until more guardians have attested (the relayer "
    "retries), or check the guardians' threshold",
    "BridgeNotGuardian": "a signature is not from a current guardian (or is over other data: another chain, bridge "
    "or message); collect attestations from the bridge's guardian set",
    "BridgeSignersNotSorted": "pass the signatures sorted by signer address, ascending, each signer once",
    "BridgeInsufficientLocked": "the bridge never locked that much for this route: the message is not a real "
    "return transfer",
    "BridgeNotDelayed": "no delayed transfer has these fields (it was published, cancelled or never delayed)",
    "BridgeStillDelayed": "the transfer is delayed by the rate limits; it can be released from its release time",
    "BridgeDelayOver": "the delay is over: the transfer can only be released now, no longer cancelled",
    "BridgeBadGuardianSet": "guardians must be distinct non-zero addresses in ascending order with a threshold "
    "between 1 and their number",
    "BridgeNoCheckpointVerifier": "this bridge is attested by guardians (no checkpoint verifier set): deliver with "
    "guardian signatures (`novacron-chain bridge relay` picks the path)",
    "BridgeCheckpointRequired": "this bridge is attested by the validator set's checkpoints: deliver with a "
    "checkpoint proof (`novacron-chain bridge relay` picks the path)",
    "BridgeCheckpointNotFinal": "no final checkpoint of the source chain's message roots has this height and root "
    "here: wait until the validators (domain bridge:<source chain id>) finalize one that covers the message",
    "BridgeNotInCheckpoint": "the Merkle proof does not lead from the message to the root: rebuild it from the "
    "source bridge's MessagePublished events up to the checkpoint's height",
    "WrappedResourceTokenOnlyBridge": "only the bridge mints and burns wrapped tokens; send them back with "
    "`novacron-chain bridge send`",
}
"""What to do about each custom error of ``HashedTimelock``, ``Bridge`` and ``WrappedResourceToken`` (error name ->
hint)."""


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


class BridgeTransferError(BridgeError):
    """A bridge transfer failed or cannot proceed."""


class BridgeValueError(BridgeTransferError, NovaValueError):
    """A bad argument to the bridge: chain, amount, token, transfer id."""


class UnknownTransferError(BridgeValueError):
    """No transfer with this id on its source chain."""

    def __init__(self, transfer_id: str) -> None:
        super().__init__(
            f"bridge transfer {transfer_id} is not known",
            hint="an id is <source chain id>-<nonce>; `novacron-chain bridge list` shows the transfers",
        )
        self.transfer_id = transfer_id


class AttestationError(BridgeTransferError):
    """Too few valid guardian signatures for a message, or signatures that are not from guardians."""

    def __init__(self, transfer_id: str, have: int, need: int) -> None:
        super().__init__(
            f"transfer {transfer_id} has {have} of the {need} guardian signatures it needs",
            hint="wait for more guardians to attest (the relayer retries); dev chains: `bridge relay --dev-guardians`",
        )
        self.transfer_id = transfer_id
        self.have = have
        self.need = need


class CheckpointPendingError(BridgeTransferError):
    """No final checkpoint of the validator set covers a message yet (the checkpoint attestation path)."""

    def __init__(self, transfer_id: str, domain_name: str, block: int, latest: int | None) -> None:
        have = "none yet" if latest is None else f"the latest final height is {latest}"
        super().__init__(
            f"transfer {transfer_id} was published in source block {block}; no final checkpoint of {domain_name} "
            f"covers it ({have})",
            hint=f"validators serving domain {domain_name} sign it and an aggregator submits it "
            f"(`novacron-chain validator run --domain {domain_name}`); the relayer retries",
        )
        self.transfer_id = transfer_id
        self.block = block
        self.latest = latest


class MessageRootMismatchError(BridgeTransferError):
    """A final checkpoint's root is not the message root rebuilt from the source bridge's events."""

    def __init__(self, domain_name: str, height: int, final_root: bytes, rebuilt: bytes | None) -> None:
        got = "no message" if rebuilt is None else f"0x{rebuilt.hex()}"
        super().__init__(
            f"the final checkpoint {domain_name}#{height} has root 0x{final_root.hex()}, but the source bridge's "
            f"messages up to block {height} rebuild {got}",
            hint="the source chain reorganised or the validators signed another history: check the source chain "
            "endpoint and the checkpoint (`novacron-chain validator checkpoints`)",
        )
        self.height = height


class TransferNotReadyError(BridgeTransferError):
    """A delayed transfer cannot be released yet, or can no longer be cancelled."""
