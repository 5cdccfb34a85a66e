"""Typed results of proof of stake: validators, stake changes, checkpoint signatures and submissions, final
checkpoints, double-sign evidence, slashing and jailing, the network's status.

Amounts are exact integers in NOVA base units (``10**18`` per NOVA). ``to_dict()`` gives the JSON form: amounts
as decimal strings (JSON numbers lose precision above 2**53 in most readers), bytes as ``0x`` hex, keys and
signatures in their compressed form; counts, indices, heights, epochs, gas and unix times stay numbers.
:class:`CheckpointSignature` and :class:`DoubleSignEvidence` also read that form back (``from_dict``): they travel
between validators, aggregators and reporters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._bls import BlsPublicKey, BlsSignature
from ._domains import domain_label, parse_domain
from ._errors import ConsensusValueError

__all__ = [
    "Checkpoint",
    "CheckpointSignature",
    "CheckpointSubmission",
    "ConsensusParameters",
    "ConsensusStatus",
    "DoubleSignEvidence",
    "JailResult",
    "Registration",
    "SlashResult",
    "Validator",
    "ValidatorStatus",
    "ValidatorUpdate",
]

#: where a validator stands: ``active`` (weight now and next epoch), ``joining`` (weight from the next epoch),
#: ``leaving`` (weight now, none from the next epoch), ``inactive`` (no weight: fully unbonded, or no room in the
#: set), ``jailed`` (for downtime; may unjail after its jail time), ``tombstoned`` (slashed for double signing)
ValidatorStatus = Literal["active", "joining", "leaving", "inactive", "jailed", "tombstoned"]

#: fields that are amounts of stake (shown as decimal strings)
_AMOUNTS = frozenset(
    {
        "min_stake",
        "bonded",
        "unbonding",
        "weight",
        "next_weight",
        "amount",
        "signed_stake",
        "total_stake",
        "slashed",
        "reward",
        "treasury_share",
    }
)


def _plain(name: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | float | str):
        return value
    if isinstance(value, int):
        return str(value) if name in _AMOUNTS else value
    if isinstance(value, BlsPublicKey | BlsSignature):
        return value.hex()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_plain(name, v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


class _Jsonable:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: amounts as decimal strings, bytes, keys and signatures as ``0x`` hex."""
        assert dataclasses.is_dataclass(self)
        out = {f.name: _plain(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)}
        domain = getattr(self, "domain", None)
        if isinstance(domain, bytes):
            out["domain_name"] = domain_label(domain)
        return out


def _field(data: Mapping[str, Any], key: str, what: str) -> Any:
    if key not in data:
        raise ConsensusValueError(f"{what} has no {key!r}")
    return data[key]


def _int(data: Mapping[str, Any], key: str, what: str) -> int:
    value = _field(data, key, what)
    try:
        out = int(value, 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise ConsensusValueError(f"{what}: {key} {value!r} is not an integer") from None
    if isinstance(value, bool) or out < 0:
        raise ConsensusValueError(f"{what}: {key} {value!r} is not a non-negative integer")
    return out


def _bytes32(data: Mapping[str, Any], key: str, what: str) -> bytes:
    value = _field(data, key, what)
    text = str(value)
    try:
        raw = bytes.fromhex(text[2:] if text[:2].lower() == "0x" else text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ConsensusValueError(f"{what}: {key} {value!r} is not 32 bytes of hex")
    return raw


def _domain(data: Mapping[str, Any], what: str) -> bytes:
    return parse_domain(str(_field(data, "domain", what)))


@dataclass(frozen=True)
class ConsensusParameters(_Jsonable):
    """The StakeManager's governance-set parameters and its epoch length.

    ``min_stake`` in base units; rates in basis points (``slashing_rate_bps = 1000`` is 10%); durations in seconds.
    """

    min_stake: int
    max_validators: int
    min_validators: int
    unbonding_period: int
    slashing_rate_bps: int
    reporter_reward_bps: int
    downtime_window: int
    downtime_min_signed_bps: int
    jail_duration: int
    treasury: str
    epoch_length: int


@dataclass(frozen=True)
class Validator(_Jsonable):
    """One validator as the StakeManager stores it, with its weight now and in the next epoch.

    ``weight`` is the stake that counts for consensus in the current epoch (0 when jailed, tombstoned, fully
    unbonded or not active yet); ``next_weight`` the weight scheduled for the next epoch (changes take effect
    there). ``withdrawable_at`` / ``jailed_until`` are unix seconds (0: none).
    """

    index: int
    owner: str
    signer: str
    pubkey: BlsPublicKey
    bonded: int
    unbonding: int
    withdrawable_at: int
    jailed_until: int
    rejoin_epoch: int
    jailed: bool
    tombstoned: bool
    weight: int
    next_weight: int
    status: ValidatorStatus


@dataclass(frozen=True)
class Registration(_Jsonable):
    """A validator registered: its index, keys and stake, the first epoch it has weight, and the transaction
    (``approve_gas_used``: the NOVA approval sent before it, None when the allowance covered it)."""

    index: int
    owner: str
    signer: str
    pubkey: BlsPublicKey
    amount: int
    effective_epoch: int
    tx_hash: str
    block: int
    gas_used: int
    approve_gas_used: int | None = None


@dataclass(frozen=True)
class ValidatorUpdate(_Jsonable):
    """A change an owner made to its validator (``top-up``, ``unbond``, ``withdraw``, ``unjail``).

    ``amount`` is what moved (0 for unjail); ``bonded`` / ``unbonding`` / ``withdrawable_at`` are the validator's
    after it (None where the event does not say); ``effective_epoch`` the first epoch the change counts in (None
    for a withdrawal, which changes no weight).
    """

    action: Literal["top-up", "unbond", "withdraw", "unjail"]
    index: int
    amount: int
    bonded: int | None
    unbonding: int | None
    withdrawable_at: int | None
    effective_epoch: int | None
    tx_hash: str
    block: int
    gas_used: int
    approve_gas_used: int | None = None


@dataclass(frozen=True)
class CheckpointSignature(_Jsonable):
    """One validator's BLS signature of checkpoint ``(domain, height, root)`` in ``epoch``: what a validator sends
    to an aggregator. ``validator_index`` is its index in the StakeManager, ``public_key`` its registered key,
    ``signed_at`` the unix time it signed (wall clock)."""

    domain: bytes
    height: int
    root: bytes
    epoch: int
    validator_index: int
    public_key: BlsPublicKey
    signature: BlsSignature
    signed_at: float

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckpointSignature:
        """Read the form :meth:`to_dict` writes (keys and signatures compressed, in hex); checks every field and
        that the key and signature are valid points (not that the signature verifies)."""
        what = "a checkpoint signature"
        if not isinstance(data, Mapping):
            raise ConsensusValueError(f"{what} is a JSON object, not {type(data).__name__}")
        signed_at = _field(data, "signed_at", what)
        if isinstance(signed_at, bool) or not isinstance(signed_at, int | float):
            raise ConsensusValueError(f"{what}: signed_at {signed_at!r} is not a unix time")
        return cls(
            domain=_domain(data, what),
            height=_int(data, "height", what),
            root=_bytes32(data, "root", what),
            epoch=_int(data, "epoch", what),
            validator_index=_int(data, "validator_index", what),
            public_key=BlsPublicKey.from_bytes(str(_field(data, "public_key", what))),
            signature=BlsSignature.from_bytes(str(_field(data, "signature", what))),
            signed_at=float(signed_at),
        )


@dataclass(frozen=True)
class CheckpointSubmission(_Jsonable):
    """An aggregated checkpoint ready for ``CheckpointVerifier.submitCheckpoint``: the aggregate signature of
    ``signers`` and the sorted list of the epoch's other active validators (``non_signers``), with the stake each
    side holds. ``available_at`` is the unix time the root became available (the earliest signature's, unless the
    caller knew better): the start of the finality measurement."""

    domain: bytes
    height: int
    root: bytes
    epoch: int
    signers: tuple[int, ...]
    non_signers: tuple[int, ...]
    signature: BlsSignature
    signed_stake: int
    total_stake: int
    available_at: float | None = None

    @property
    def signed_share(self) -> float:
        """Share of the epoch's stake that signed (finality needs more than 2/3)."""
        return self.signed_stake / self.total_stake if self.total_stake else 0.0


@dataclass(frozen=True)
class Checkpoint(_Jsonable):
    """A final checkpoint as the CheckpointVerifier stores it.

    ``seq`` is its position among the domain's checkpoints (from 0); ``submitted_at`` the block time it became final.
    ``non_signers`` (indices, sorted) and ``tx_hash`` / ``block`` come from its ``CheckpointFinalized`` event (None
    when the event is outside the range read). ``gas_used``, ``finality_seconds`` (root available to final) and
    ``warning`` (the network is under-decentralised) are set on the result of a submission only.
    """

    domain: bytes
    height: int
    root: bytes
    epoch: int
    seq: int
    submitted_at: int
    signed_stake: int
    total_stake: int
    non_signers_hash: bytes
    non_signers: tuple[int, ...] | None = None
    tx_hash: str | None = None
    block: int | None = None
    gas_used: int | None = None
    finality_seconds: float | None = None
    warning: str | None = None

    @property
    def signed_share(self) -> float:
        """Share of the epoch's stake that signed it."""
        return self.signed_stake / self.total_stake if self.total_stake else 0.0


@dataclass(frozen=True)
class DoubleSignEvidence(_Jsonable):
    """Proof that validator ``index`` signed two different roots for one ``(domain, height)``: the offence
    ``StakeManager.reportDoubleSign`` slashes. Each signature is over the checkpoint digest of its root and epoch."""

    index: int
    domain: bytes
    height: int
    root_a: bytes
    epoch_a: int
    signature_a: BlsSignature
    root_b: bytes
    epoch_b: int
    signature_b: BlsSignature

    @classmethod
    def from_signatures(cls, a: CheckpointSignature, b: CheckpointSignature) -> DoubleSignEvidence:
        """Evidence from two signatures one validator made for the same ``(domain, height)``."""
        if a.validator_index != b.validator_index:
            raise ConsensusValueError(
                f"the two signatures are by validators {a.validator_index} and {b.validator_index}: evidence needs "
                "two signatures of one validator"
            )
        if (a.domain, a.height) != (b.domain, b.height):
            raise ConsensusValueError(
                f"the signatures are for ({domain_label(a.domain)}, {a.height}) and ({domain_label(b.domain)}, "
                f"{b.height}): a double sign is two roots for one (domain, height)"
            )
        return cls(a.validator_index, a.domain, a.height, a.root, a.epoch, a.signature, b.root, b.epoch, b.signature)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DoubleSignEvidence:
        """Read the form :meth:`to_dict` writes (an evidence file)."""
        what = "double-sign evidence"
        if not isinstance(data, Mapping):
            raise ConsensusValueError(f"{what} is a JSON object, not {type(data).__name__}")
        return cls(
            index=_int(data, "index", what),
            domain=_domain(data, what),
            height=_int(data, "height", what),
            root_a=_bytes32(data, "root_a", what),
            epoch_a=_int(data, "epoch_a", what),
            signature_a=BlsSignature.from_bytes(str(_field(data, "signature_a", what))),
            root_b=_bytes32(data, "root_b", what),
            epoch_b=_int(data, "epoch_b", what),
            signature_b=BlsSignature.from_bytes(str(_field(data, "signature_b", what))),
        )


@dataclass(frozen=True)
class SlashResult(_Jsonable):
    """A validator slashed for double signing and tombstoned: ``slashed`` taken from its stake, ``reward`` of it
    paid to ``reporter``, ``treasury_share`` (the rest) to the treasury."""

    index: int
    reporter: str
    domain: bytes
    height: int
    root_a: bytes
    root_b: bytes
    slashed: int
    reward: int
    treasury_share: int
    tx_hash: str
    block: int
    gas_used: int


@dataclass(frozen=True)
class JailResult(_Jsonable):
    """A validator jailed for downtime: it missed ``missed`` of a ``window`` of the domain's checkpoints; no weight
    from ``effective_epoch``; its owner may unjail from ``jailed_until`` (unix seconds)."""

    index: int
    reporter: str
    domain: bytes
    missed: int
    window: int
    jailed_until: int
    effective_epoch: int
    tx_hash: str
    block: int
    gas_used: int


@dataclass(frozen=True)
class ConsensusStatus(_Jsonable):
    """The network at a glance.

    ``active_validators`` have weight in the current ``epoch`` (``next_epoch_validators`` in the next one);
    ``validators`` ever registered; ``total_stake`` the current epoch's weight. ``under_decentralised`` when fewer
    than ``min_validators`` are active, with ``warning`` saying so.
    """

    epoch: int
    epoch_length: int
    next_epoch_at: int
    validators: int
    active_validators: int
    next_epoch_validators: int
    total_stake: int
    min_validators: int
    max_validators: int
    under_decentralised: bool
    warning: str | None
    stake_manager: str
    checkpoint_verifier: str
