"""What the cross-chain layer returns: HTLC locks and their status, atomic swaps and their phase."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

__all__ = [
    "Attestation",
    "BridgeMessage",
    "BridgeTransfer",
    "HtlcLock",
    "LockState",
    "LockStatus",
    "SwapPhase",
    "SwapRole",
    "SwapStatus",
    "TransferState",
    "hash_secret",
]

_ZERO = "0x0000000000000000000000000000000000000000"


def hash_secret(preimage: bytes) -> bytes:
    """The lock hash of a 32-byte secret: ``sha256(preimage)``, as Bitcoin's HTLCs, BEP3 and dcrdex compute it."""
    if len(preimage) != 32:
        raise ValueError(f"a secret is 32 bytes, not {len(preimage)}")
    return hashlib.sha256(preimage).digest()


class LockState(IntEnum):
    """Where a lock is in its life (the contract's ``State``)."""

    NONE = 0
    OPEN = 1
    CLAIMED = 2
    REFUNDED = 3


@dataclass(frozen=True, slots=True)
class HtlcLock:
    """The fields of one HTLC lock; its :attr:`id` is ``keccak256(abi.encode(fields))``, as the contract computes
    it, so it is known before the lock is sent (which makes resending after a crash safe: a lock exists or not).

    ``token`` is None for the native coin; amounts are in the token's smallest unit (wei for the coin)."""

    sender: str
    recipient: str
    token: str | None
    amount: int
    hash: bytes
    deadline: int

    def as_tuple(self) -> tuple[str, str, str, int, bytes, int]:
        """The ``Lock`` struct as the contract's ABI takes it."""
        return (self.sender, self.recipient, self.token or _ZERO, self.amount, self.hash, self.deadline)

    @property
    def id(self) -> bytes:
        """The lock's id, ``keccak256(abi.encode(lock))``."""
        return bytes(
            keccak(abi_encode(["address", "address", "address", "uint256", "bytes32", "uint64"], self.as_tuple()))
        )

    @property
    def id_hex(self) -> str:
        """The lock's id, 0x-hex."""
        return "0x" + self.id.hex()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as strings: JSON numbers lose precision above 2**53)."""
        return {
            "id": self.id_hex,
            "sender": self.sender,
            "recipient": self.recipient,
            "token": self.token,
            "amount": str(self.amount),
            "hash": "0x" + self.hash.hex(),
            "deadline": self.deadline,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HtlcLock:
        """The lock :meth:`to_dict` wrote."""
        return cls(
            sender=str(data["sender"]),
            recipient=str(data["recipient"]),
            token=data.get("token") or None,
            amount=int(data["amount"]),
            hash=bytes.fromhex(str(data["hash"]).removeprefix("0x")),
            deadline=int(data["deadline"]),
        )


@dataclass(frozen=True, slots=True)
class LockStatus:
    """A lock as its chain sees it: the fields, the state, and the preimage once claimed."""

    chain_id: int
    lock: HtlcLock
    state: LockState
    block: int
    preimage: bytes | None = None

    def expired_at(self, timestamp: int) -> bool:
        """Whether the deadline has come at chain time ``timestamp`` (refund possible, claim not)."""
        return timestamp >= self.lock.deadline

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "chain_id": self.chain_id,
            **self.lock.to_dict(),
            "state": self.state.name.lower(),
            "block": self.block,
            "preimage": "0x" + self.preimage.hex() if self.preimage else None,
        }


class SwapRole(StrEnum):
    """Which side of a swap this process is: the initiator made the secret and locked first."""

    INITIATOR = "initiator"
    PARTICIPANT = "participant"


class SwapPhase(StrEnum):
    """Where a swap is, derived from both chains.

    ``INITIATED``: the initiator's lock is open, the participant has not locked. ``PARTICIPATED``: both locks are
    open. ``REDEEMED``: the initiator claimed the participant's lock (the secret is public); the participant's claim
    is due. ``COMPLETED``: both locks claimed. ``REFUNDED``: every lock that was made is refunded (the swap did not
    happen, nobody lost). ``EXPIRED``: a lock passed its deadline and waits for its refund. ``BROKEN``: one side
    was claimed and the other refunded: the side that slept past its deadline lost (the margins exist to prevent
    this).
    """

    NEW = "new"
    INITIATED = "initiated"
    PARTICIPATED = "participated"
    REDEEMED = "redeemed"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    BROKEN = "broken"

    @property
    def done(self) -> bool:
        """Whether nothing more will happen."""
        return self in (SwapPhase.COMPLETED, SwapPhase.REFUNDED, SwapPhase.BROKEN)


@dataclass(frozen=True, slots=True)
class SwapStatus:
    """A swap as both chains see it (``initiator_lock`` on the initiator's chain, ``participant_lock`` on the
    participant's), and whether the secret is known here or on chain."""

    hash: bytes
    phase: SwapPhase
    initiator_chain: str
    participant_chain: str
    initiator_lock: LockStatus | None
    participant_lock: LockStatus | None
    secret_known: bool

    @property
    def swap_id(self) -> str:
        """The swap's id: its hash, 0x-hex (the same on both chains)."""
        return "0x" + self.hash.hex()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "swap_id": self.swap_id,
            "phase": self.phase.value,
            "initiator_chain": self.initiator_chain,
            "participant_chain": self.participant_chain,
            "initiator_lock": self.initiator_lock.to_dict() if self.initiator_lock else None,
            "participant_lock": self.participant_lock.to_dict() if self.participant_lock else None,
            "secret_known": self.secret_known,
        }


# -- the attested bridge --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BridgeMessage:
    """One bridge transfer as the contracts see it (``IBridge.Message``): what the guardians sign, as EIP-712 typed
    data under the target bridge's domain. ``token`` is the token's address on its home chain ``token_chain_id``
    (elsewhere it exists as the bridge's wrapped token)."""

    source_chain_id: int
    target_chain_id: int
    nonce: int
    token_chain_id: int
    token: str
    amount: int
    sender: str
    recipient: str

    @property
    def transfer_id(self) -> str:
        """The transfer's id, ``<source chain id>-<nonce>``: unique, as each source bridge numbers its messages."""
        return f"{self.source_chain_id}-{self.nonce}"

    def as_tuple(self) -> tuple[int, int, int, int, str, int, str, str]:
        """The ``Message`` struct as the contract's ABI takes it."""
        return (
            self.source_chain_id,
            self.target_chain_id,
            self.nonce,
            self.token_chain_id,
            self.token,
            self.amount,
            self.sender,
            self.recipient,
        )

    @classmethod
    def from_event(cls, args: Any) -> BridgeMessage:
        """The message of a ``MessagePublished``/``MessageDelayed`` event's ``message`` argument."""
        m = args["message"]
        keys = ("sourceChainId", "targetChainId", "nonce", "tokenChainId", "token", "amount", "sender", "recipient")
        # web3 decodes a struct as a mapping by field name (AttributeDict), older versions as a tuple
        values: list[Any] = [m[k] for k in keys] if hasattr(m, "keys") else list(m)
        return cls(
            int(values[0]),
            int(values[1]),
            int(values[2]),
            int(values[3]),
            str(values[4]),
            int(values[5]),
            str(values[6]),
            str(values[7]),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as strings)."""
        return {
            "id": self.transfer_id,
            "source_chain_id": self.source_chain_id,
            "target_chain_id": self.target_chain_id,
            "nonce": self.nonce,
            "token_chain_id": self.token_chain_id,
            "token": self.token,
            "amount": str(self.amount),
            "sender": self.sender,
            "recipient": self.recipient,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BridgeMessage:
        """The message :meth:`to_dict` wrote."""
        return cls(
            int(data["source_chain_id"]),
            int(data["target_chain_id"]),
            int(data["nonce"]),
            int(data["token_chain_id"]),
            str(data["token"]),
            int(data["amount"]),
            str(data["sender"]),
            str(data["recipient"]),
        )


class Attestation(StrEnum):
    """What attests a bridge delivery on a target chain: ``GUARDIANS`` (a k-of-n quorum of guardian ECDSA
    signatures) where no checkpoint verifier is set, else ``CHECKPOINT`` (a final checkpoint of the validator set
    over the source's message roots, domain ``bridge:<source chain id>``, and a Merkle proof)."""

    GUARDIANS = "guardians"
    CHECKPOINT = "checkpoint"


class TransferState(StrEnum):
    """Where a bridge transfer is, as a user follows it.

    ``INITIATED``: sent (locked or burned) and published on the source; the guardians (or the validators) attest it
    now. ``DELAYED``: held back by the rate limits until ``release_at``; the guardians may cancel it until then.
    ``ATTESTED``: a guardian quorum signed it, or (checkpoint path) a final checkpoint covers it; a relayer delivers
    it. ``DELIVERED``: minted or released on the target (final). ``REFUNDED``: cancelled by the guardians while
    delayed; the amount went back to the sender (final).
    """

    INITIATED = "initiated"
    DELAYED = "delayed"
    ATTESTED = "attested"
    DELIVERED = "delivered"
    REFUNDED = "refunded"

    @property
    def done(self) -> bool:
        """Whether nothing more will happen."""
        return self in (TransferState.DELIVERED, TransferState.REFUNDED)


@dataclass(frozen=True, slots=True)
class BridgeTransfer:
    """A bridge transfer as both chains (and the attestations collected) see it.

    ``attestation``: what delivered it (delivered), else what its target takes. ``signatures``/``threshold``: the
    guardian signatures collected and needed (guardian path). ``checkpoint_height``: checkpoint path, the final
    checkpoint height that delivered it or covers it now (None while none does)."""

    message: BridgeMessage
    source: str
    target: str
    state: TransferState
    signatures: int
    threshold: int
    release_at: int | None = None
    block: int = 0
    attestation: Attestation = Attestation.GUARDIANS
    checkpoint_height: int | None = None

    @property
    def id(self) -> str:
        """The transfer's id (``<source chain id>-<nonce>``)."""
        return self.message.transfer_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            **self.message.to_dict(),
            "source": self.source,
            "target": self.target,
            "state": self.state.value,
            "signatures": self.signatures,
            "threshold": self.threshold,
            "release_at": self.release_at,
            "block": self.block,
            "attestation": self.attestation.value,
            "checkpoint_height": self.checkpoint_height,
        }
