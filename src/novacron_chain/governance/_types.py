"""The values governance hands out: vote types, proposal states, actions, proposals, votes, memberships."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from ..chain import checksum
from ..units import format_amount
from ._errors import GovernanceValueError

__all__ = [
    "KeeperAction",
    "Membership",
    "Policy",
    "PolicyChange",
    "PolicyChangeStatus",
    "Proposal",
    "ProposalAction",
    "ProposalState",
    "Tally",
    "VoteReceipt",
    "VoteType",
]

_SIGNATURE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\(([^()]*)\)$")


class VoteType(IntEnum):
    """How a vote is cast (the seed's ``VoteTypeFor`` ...; GovernorBravo's numbering)."""

    AGAINST = 0
    FOR = 1
    ABSTAIN = 2

    @classmethod
    def parse(cls, value: VoteType | int | str) -> VoteType:
        """``for`` / ``against`` / ``abstain`` (any case), 0-2, or a VoteType."""
        if isinstance(value, VoteType):
            return value
        if isinstance(value, str) and value.strip().upper() in cls.__members__:
            return cls[value.strip().upper()]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2:
            return cls(value)
        raise GovernanceValueError(f"{value!r} is not a vote type", hint="vote for, against or abstain")


class ProposalState(IntEnum):
    """OpenZeppelin Governor's proposal states, in its numbering."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7

    @property
    def label(self) -> str:
        """The state's name as people write it (``Pending``, ``Active``, ...)."""
        return self.name.capitalize()


def format_nova(base_units: int) -> str:
    """NOVA base units as exact text: ``1,234.5 NOVA`` (no rounding: every digit that is there is shown)."""
    return format_amount(base_units)


def signature_types(signature: str) -> list[str]:
    """The argument types of a function signature such as ``mint(address,uint256)`` (no tuples)."""
    m = _SIGNATURE.match(signature.replace(" ", ""))
    if not m:
        raise GovernanceValueError(
            f"{signature!r} is not a function signature",
            hint="write it like mint(address,uint256): the name and the argument types, no spaces or names",
        )
    return [t for t in m.group(1).split(",") if t]


def _address_from_string(text: str, address_of: Callable[[str], str] | None) -> str:
    if text.strip().lower().startswith("0x") or address_of is None:
        return checksum(text.strip(), "address")
    return checksum(address_of(text.strip()), f"the address of {text.strip()}")


def _arg_from_string(abi_type: str, text: str, address_of: Callable[[str], str] | None) -> Any:
    """One argument of ABI type ``abi_type`` from its text (see :meth:`ProposalAction.from_strings`)."""
    if "[" in abi_type or "(" in abi_type:
        raise GovernanceValueError(
            f"arguments of type {abi_type} are not supported as text", hint="encode the call and pass its calldata"
        )
    article = "an" if abi_type.startswith(("address", "int")) else "a"
    try:
        if abi_type.startswith(("uint", "int")):
            return int(text.replace("_", ""), 0)
        if abi_type == "address":
            return _address_from_string(text, address_of)
        if abi_type == "bool":
            if text.strip().lower() not in ("true", "false"):
                raise ValueError(text)
            return text.strip().lower() == "true"
        if abi_type.startswith("bytes"):
            return bytes.fromhex(text.strip().removeprefix("0x"))
        if abi_type == "string":
            return text
    except ValueError as exc:  # also checksum's NovaValueError
        raise GovernanceValueError(f"{text!r} is not {article} {abi_type}") from exc
    raise GovernanceValueError(f"arguments of type {abi_type} are not supported as text")


@dataclass(frozen=True)
class ProposalAction:
    """One call a proposal makes when executed (the seed's ``ProposalAction``).

    As in GovernorBravo, with a ``signature`` the ``calldata`` is the ABI-encoded arguments only and the selector
    comes from the signature; without one, ``calldata`` is the whole call data. Build one with :meth:`call`.
    """

    target: str
    value: int = 0
    signature: str = ""
    calldata: bytes = b""
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", checksum(self.target, "action target"))
        if not isinstance(self.value, int) or self.value < 0:
            raise GovernanceValueError(f"action value {self.value!r} is not a non-negative amount of wei")
        if not isinstance(self.calldata, bytes):
            raise GovernanceValueError("action calldata must be bytes", hint="use ProposalAction.call to encode it")
        if self.signature:
            object.__setattr__(self, "signature", self.signature.replace(" ", ""))
            signature_types(self.signature)
        if "\n" in self.description:
            raise GovernanceValueError("an action's description is one line")

    @classmethod
    def call(
        cls,
        target: str,
        signature: str,
        args: tuple[Any, ...] | list[Any] = (),
        *,
        value: int = 0,
        description: str = "",
    ) -> ProposalAction:
        """An action calling ``signature`` (e.g. ``mint(address,uint256)``) on ``target`` with ``args``."""
        types = signature_types(signature)
        if len(types) != len(args):
            raise GovernanceValueError(f"{signature} takes {len(types)} arguments, {len(args)} given")
        try:
            data = abi_encode(types, list(args))
        except Exception as exc:  # eth_abi's encoding errors have no common base
            raise GovernanceValueError(f"cannot encode {list(args)!r} as {signature}: {exc}") from exc
        return cls(target=target, value=value, signature=signature, calldata=data, description=description)

    @classmethod
    def from_strings(
        cls,
        target: str,
        signature: str = "",
        args: Sequence[str] = (),
        *,
        calldata: str | None = None,
        value: int = 0,
        description: str = "",
        address_of: Callable[[str], str] | None = None,
    ) -> ProposalAction:
        """An action from text, as a command line gives it.

        Either ``signature`` (e.g. ``mint(address,uint256)``) with one text argument per parameter, each converted
        by its ABI type, or ``calldata``: the whole call data as hex (``0x...``). Integers are decimal or 0x hex
        (``_`` separators allowed); ``bool`` is ``true`` or ``false``; ``bytes``/``bytesN`` are hex; ``string`` is
        taken as is; an ``address`` (and ``target``) is 0x hex or, with ``address_of``, a name it resolves (the CLI
        resolves record names of the deployed contract set, such as ``CPUToken``). Arrays and tuples are not
        supported as text: encode them yourself and use :meth:`call`.
        """
        to = _address_from_string(target, address_of)
        if calldata is not None:
            if signature or args:
                raise GovernanceValueError("give either the whole calldata or a signature with arguments, not both")
            try:
                data = bytes.fromhex(calldata.strip().removeprefix("0x"))
            except ValueError as exc:
                raise GovernanceValueError(f"calldata {calldata!r} is not hex") from exc
            return cls(to, value, "", data, description)
        if not signature:
            raise GovernanceValueError(
                "an action needs a function signature (and one argument per parameter) or the whole calldata",
                hint="e.g. mint(address,uint256) with two arguments",
            )
        types = signature_types(signature)
        if len(types) != len(args):
            raise GovernanceValueError(f"{signature} takes {len(types)} arguments; {len(args)} given")
        values = [_arg_from_string(t, a, address_of) for t, a in zip(types, args, strict=True)]
        return cls.call(to, signature, values, value=value, description=description)

    @property
    def data(self) -> bytes:
        """The call data the timelock sends: selector and arguments."""
        if self.signature:
            return function_signature_to_4byte_selector(self.signature) + self.calldata
        return self.calldata

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "target": self.target,
            "value": str(self.value),
            "signature": self.signature,
            "calldata": "0x" + self.calldata.hex(),
            "description": self.description,
        }


@dataclass(frozen=True)
class Tally:
    """Votes or square-root weights by support."""

    against: int
    for_: int
    abstain: int

    @property
    def total(self) -> int:
        """All three together."""
        return self.against + self.for_ + self.abstain

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form (integers as strings: they exceed JSON's safe range)."""
        return {"against": str(self.against), "for": str(self.for_), "abstain": str(self.abstain)}


@dataclass(frozen=True)
class Proposal:
    """A proposal as the governor sees it now.

    ``votes`` are raw votes (NOVA base units, what the quorum counts: all three supports); ``weights`` the integer
    square roots that decide the outcome. ``vote_start`` is the snapshot (voting opens just after it), ``vote_end``
    the deadline (inclusive); ``eta`` the earliest execution time once queued.
    """

    id: int
    proposer: str
    title: str
    description: str
    actions: tuple[ProposalAction, ...]
    state: ProposalState
    vote_start: int
    vote_end: int
    eta: int | None
    votes: Tally
    weights: Tally
    quorum: int
    created_block: int
    tx_hash: str
    text: str = field(repr=False)

    @property
    def participation(self) -> int:
        """Raw votes cast, all supports (what the quorum is checked against)."""
        return self.votes.total

    @property
    def quorum_reached(self) -> bool:
        """Whether participation has reached the quorum."""
        return self.participation >= self.quorum

    @property
    def quorum_progress(self) -> float:
        """Participation as a fraction of the quorum (1.0 = reached; display only, decisions use integers)."""
        return self.participation / self.quorum if self.quorum else 1.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": str(self.id),
            "proposer": self.proposer,
            "title": self.title,
            "description": self.description,
            "actions": [a.to_dict() for a in self.actions],
            "state": self.state.label,
            "vote_start": self.vote_start,
            "vote_end": self.vote_end,
            "eta": self.eta,
            "votes": self.votes.to_dict(),
            "weights": self.weights.to_dict(),
            "quorum": str(self.quorum),
            "participation": str(self.participation),
            "quorum_reached": self.quorum_reached,
            "quorum_progress": round(self.quorum_progress, 6),
            "created_block": self.created_block,
            "tx_hash": self.tx_hash,
        }


@dataclass(frozen=True)
class VoteReceipt:
    """A cast vote: the voter's votes at the snapshot and the square-root weight counted."""

    proposal_id: int
    voter: str
    support: VoteType
    votes: int
    weight: int
    reason: str
    tx_hash: str
    gas_used: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "proposal_id": str(self.proposal_id),
            "voter": self.voter,
            "support": self.support.name.lower(),
            "votes": str(self.votes),
            "weight": str(self.weight),
            "reason": self.reason,
            "tx_hash": self.tx_hash,
            "gas_used": self.gas_used,
        }


@dataclass(frozen=True)
class KeeperAction:
    """What the keeper did with one proposal: ``queued``, ``executed`` or ``failed`` (then ``error`` says why)."""

    proposal_id: int
    action: str
    tx_hash: str | None = None
    eta: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "proposal_id": str(self.proposal_id),
            "action": self.action,
            "tx_hash": self.tx_hash,
            "eta": self.eta,
            "error": self.error,
        }


@dataclass(frozen=True)
class Membership:
    """A holder's on-chain membership and whether it counts now (``eligibility`` is ``Eligible`` or why not)."""

    holder: str
    issuer: str | None
    expires_at: int
    credential_hash: bytes
    eligibility: str
    credential: str | None = field(default=None, repr=False)
    tx_hash: str | None = None

    @property
    def eligible(self) -> bool:
        """Whether the holder may vote now."""
        return self.eligibility == "Eligible"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``credential`` is the vc+jwt when this membership was just issued)."""
        out: dict[str, Any] = {
            "holder": self.holder,
            "issuer": self.issuer,
            "expires_at": self.expires_at,
            "credential_hash": "0x" + self.credential_hash.hex(),
            "eligibility": self.eligibility,
            "eligible": self.eligible,
        }
        if self.credential is not None:
            out["credential"] = self.credential
        if self.tx_hash is not None:
            out["tx_hash"] = self.tx_hash
        return out


class PolicyChangeStatus(IntEnum):
    """Where a policy change stands (the PolicyRegistry's ``ChangeStatus``, in its numbering).

    ``EXPIRED`` and ``STALE`` are read, not stored: a pending change whose expiry passed, or whose policy changed
    since it was proposed (it would overwrite a newer value). Both are final, as are ``APPLIED`` and ``CANCELLED``.
    """

    PENDING = 1
    APPLIED = 2
    CANCELLED = 3
    EXPIRED = 4
    STALE = 5

    @property
    def label(self) -> str:
        """The status as people write it (``pending``, ``applied``, ...)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: PolicyChangeStatus | str) -> PolicyChangeStatus:
        """``pending``, ``applied``, ``cancelled``, ``expired`` or ``stale`` (any case), or a status."""
        if isinstance(value, PolicyChangeStatus):
            return value
        if isinstance(value, str) and value.strip().upper() in cls.__members__:
            return cls[value.strip().upper()]
        raise GovernanceValueError(
            f"{value!r} is not a policy change status", hint="one of pending, applied, cancelled, expired, stale"
        )


@dataclass(frozen=True)
class Policy:
    """A zero-ops automation policy as the PolicyRegistry holds it: its value, version (0: never set) and when it
    was last set (block time, 0 if never)."""

    name: str
    value: str
    version: int
    updated_at: int

    @property
    def is_set(self) -> bool:
        """Whether the policy was ever set."""
        return self.version > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "value": self.value, "version": self.version, "updated_at": self.updated_at}


@dataclass(frozen=True)
class PolicyChange:
    """A proposed policy change: what it sets, who approved it and where it stands now.

    ``approvals`` are the approvals recorded, ``valid_approvals`` those whose approver still holds APPROVER_ROLE
    (what ``threshold`` is checked against). ``base_version`` is the policy's version when proposed: the change
    applies only while the policy is still at it. ``tx_hash`` and ``gas_used`` belong to the transaction that just
    acted on it, when there was one.
    """

    id: int
    name: str
    value: str
    proposer: str
    base_version: int
    proposed_at: int
    expires_at: int
    resolved_at: int | None
    status: PolicyChangeStatus
    approvers: tuple[str, ...]
    valid_approvals: int
    threshold: int
    tx_hash: str | None = None
    gas_used: int | None = None

    @property
    def approvals(self) -> int:
        """Approvals recorded."""
        return len(self.approvers)

    @property
    def approvals_needed(self) -> int:
        """Valid approvals still missing before it applies (0 once applied)."""
        if self.status is PolicyChangeStatus.APPLIED:
            return 0
        return max(self.threshold - self.valid_approvals, 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``id`` as a string, like every id of the API)."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "value": self.value,
            "proposer": self.proposer,
            "base_version": self.base_version,
            "proposed_at": self.proposed_at,
            "expires_at": self.expires_at,
            "resolved_at": self.resolved_at,
            "status": self.status.label,
            "approvers": list(self.approvers),
            "approvals": self.approvals,
            "valid_approvals": self.valid_approvals,
            "threshold": self.threshold,
            "approvals_needed": self.approvals_needed,
        }
        if self.tx_hash is not None:
            out["tx_hash"] = self.tx_hash
            out["gas_used"] = self.gas_used
        return out
