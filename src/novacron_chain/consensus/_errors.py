"""Errors of proof of stake (validators, BLS keys, checkpoints), all under :class:`ConsensusError`.

::

    ConsensusError (NovaChainError)
    ├── ConsensusValueError (NovaValueError)      exit 2: bad input (a domain name, a height, a root)
    │   ├── BlsEncodingError                      exit 2: bytes that are not a valid BLS key, point or signature
    │   ├── StakeBelowMinimumError                exit 2: a stake (or what an unbond leaves) below the minimum
    │   ├── AlreadyRegisteredError                exit 2: the owner already registered a validator
    │   ├── NotRegisteredError                    exit 2: the account has no validator
    │   ├── UnknownValidatorError                 exit 2: no validator with that index
    │   ├── InvalidProofOfPossessionError         exit 2: a key that is not a valid G1 point, or a bad proof
    │   ├── PubkeyTakenError                      exit 2: another validator registered this BLS key
    │   ├── UnbondExceedsBondedError              exit 2: more to unbond than is bonded
    │   ├── InvalidEvidenceError                  exit 2: double-sign evidence that proves nothing
    │   └── UnknownCheckpointError                exit 2: no final checkpoint at that (domain, height)
    ├── BlsKeystoreError (KeyManagementError)     exit 2: an EIP-2335 keystore that cannot be read or is malformed
    │   └── WrongPassphraseError                  exit 2: the passphrase does not open the keystore
    ├── SlashingProtectionError                   the validator refused to sign, or its record cannot be used
    │   ├── DoubleSignRefusedError                a different root for a (domain, height) this key already signed
    │   ├── BelowWatermarkError                   a height at or below the domain's watermark (history not kept)
    │   ├── ProtectionLockedError                 another process holds this key's record (two signers, one key)
    │   └── ProtectionRecordError                 the record or an interchange file is corrupt or for another key
    ├── InsufficientStakeTokensError              the owner holds less NOVA than the stake it wants to bond
    ├── ValidatorSetFullError                     the active set has max_validators validators
    ├── ValidatorStateError                       the validator is not in a state that allows the operation
    │   ├── TombstonedError                       slashed for double signing: never active again
    │   ├── NotActiveError                        no weight in the epoch (cannot sign, cannot be jailed)
    │   ├── NothingToWithdrawError                no stake is unbonding
    │   ├── WithdrawTooEarlyError                 the unbonding period has not passed (when it will)
    │   ├── AlreadyJailedError / NotJailedError   jail / unjail of a validator already / not jailed
    │   └── JailNotOverError                      unjail before the jail time is over (when it will be)
    ├── DowntimeProofError                        the chain's checkpoints cannot prove downtime now
    │   └── EnoughSignedError                     the validator signed enough of the window
    └── CheckpointError                           a checkpoint the verifier would refuse
        ├── InsufficientSignedStakeError          signers hold 2/3 of the epoch's stake or less (the numbers)
        ├── CheckpointHeightError                 a height at or below the domain's latest
        ├── CheckpointEpochError                  an epoch other than the current or the previous one
        └── BadCheckpointSignatureError           signatures that do not verify (which validators)

Each carries the facts that explain it (domain, height, both roots, the file, the stake on each side) and writes a
message saying what to do. :data:`ERROR_HINTS` holds the hints for the StakeManager's, the CheckpointVerifier's and
the BLS library's custom errors.
"""

from __future__ import annotations

from typing import Any

from ..errors import KeyManagementError, NovaChainError, NovaValueError
from ..units import format_amount

__all__ = [
    "ERROR_HINTS",
    "AlreadyJailedError",
    "AlreadyRegisteredError",
    "BadCheckpointSignatureError",
    "BelowWatermarkError",
    "BlsEncodingError",
    "BlsKeystoreError",
    "CheckpointEpochError",
    "CheckpointError",
    "CheckpointHeightError",
    "ConsensusError",
    "ConsensusValueError",
    "DoubleSignRefusedError",
    "DowntimeProofError",
    "EnoughSignedError",
    "InsufficientSignedStakeError",
    "InsufficientStakeTokensError",
    "InvalidEvidenceError",
    "InvalidProofOfPossessionError",
    "JailNotOverError",
    "NotActiveError",
    "NotJailedError",
    "NotRegisteredError",
    "NothingToWithdrawError",
    "ProtectionLockedError",
    "ProtectionRecordError",
    "PubkeyTakenError",
    "SlashingProtectionError",
    "StakeBelowMinimumError",
    "TombstonedError",
    "UnbondExceedsBondedError",
    "UnknownCheckpointError",
    "UnknownValidatorError",
    "ValidatorSetFullError",
    "ValidatorStateError",
    "WithdrawTooEarlyError",
    "WrongPassphraseError",
]


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class ConsensusError(NovaChainError):
    """Proof of stake: validators, stake, BLS keys and signatures, checkpoints, slashing protection."""


class ConsensusValueError(ConsensusError, NovaValueError):
    """Bad input to a consensus operation: a domain name, a height, a root, an address."""


class BlsEncodingError(ConsensusValueError):
    """Bytes that are not a valid BLS12-381 secret key, public key (G1) or signature (G2).

    ``kind`` names what was expected (``"public key"``, ``"signature"``, ...), ``length`` the length received.
    """

    def __init__(self, kind: str, problem: str, *, length: int | None = None, hint: str | None = None) -> None:
        super().__init__(f"invalid BLS {kind}: {problem}", hint=hint)
        self.kind = kind
        self.length = length

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["kind"] = self.kind
        if self.length is not None:
            out["length"] = self.length
        return out


class BlsKeystoreError(ConsensusError, KeyManagementError):
    """An EIP-2335 keystore that cannot be read, is malformed, or holds something other than a BLS secret key."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.path:
            out["path"] = self.path
        return out


class WrongPassphraseError(BlsKeystoreError):
    """The passphrase does not open the keystore (its checksum does not match)."""

    def __init__(self, *, path: str | None = None) -> None:
        where = f" {path}" if path else ""
        super().__init__(
            f"wrong passphrase for the BLS keystore{where}",
            path=path,
            hint="check the passphrase; EIP-2335 normalises it (NFKD, control characters removed), so what matters "
            "is the visible text",
        )


class SlashingProtectionError(ConsensusError):
    """The validator refused to sign, or its slashing-protection record cannot be used."""


class DoubleSignRefusedError(SlashingProtectionError):
    """This key already signed a different root for the same (domain, height); signing again could be slashed."""

    def __init__(self, *, domain: bytes, height: int, signed_root: bytes, requested_root: bytes) -> None:
        super().__init__(
            f"refused to sign root {_hex(requested_root)} for domain {_hex(domain)} at height {height}: this key "
            f"already signed root {_hex(signed_root)} there, and two roots for one height are slashable",
            hint="nothing was signed. If the first root is wrong, that is for the chain to settle; "
            "a validator never signs a second root for a height",
        )
        self.domain = domain
        self.height = height
        self.signed_root = signed_root
        self.requested_root = requested_root

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "domain": _hex(self.domain),
            "height": self.height,
            "signed_root": _hex(self.signed_root),
            "requested_root": _hex(self.requested_root),
        }


class BelowWatermarkError(SlashingProtectionError):
    """The height is at or below the domain's watermark: the record no longer holds (or never held) what this key
    signed there, so it cannot tell whether signing would conflict, and refuses."""

    def __init__(self, *, domain: bytes, height: int, watermark: int) -> None:
        super().__init__(
            f"refused to sign for domain {_hex(domain)} at height {height}: at or below the watermark {watermark} "
            "(the record keeps no history there, from a compaction or an import)",
            hint="nothing was signed; sign only heights above the watermark (the chain only accepts increasing "
            "heights anyway)",
        )
        self.domain = domain
        self.height = height
        self.watermark = watermark

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "domain": _hex(self.domain), "height": self.height, "watermark": self.watermark}


class ProtectionLockedError(SlashingProtectionError):
    """Another process (or another open record in this process) is signing with this key right now."""

    exit_code = 2

    def __init__(self, path: str) -> None:
        super().__init__(
            f"the slashing-protection record {path} is in use by another signer",
            hint="run one validator process per BLS key: two signers with one key is how validators get slashed",
        )
        self.path = path

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "path": self.path}


class ProtectionRecordError(SlashingProtectionError):
    """The slashing-protection record or an interchange file is corrupt, unreadable, or belongs to another key."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.path:
            out["path"] = self.path
        return out


# --- validators, stake, evidence and checkpoints (the manager's errors) ---------------------------------------------


_nova = format_amount


def _when(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _wait(seconds: int) -> str:
    seconds = max(seconds, 0)
    d, rest = divmod(seconds, 86_400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s or not seconds else ""]
    return " ".join(p for p in parts if p)


class StakeBelowMinimumError(ConsensusValueError):
    """A stake below the StakeManager's minimum: a registration or top-up that ends below it, or an unbond that
    leaves less than it bonded (unbond everything, or keep at least the minimum)."""

    def __init__(self, amount: int, minimum: int, *, unbonding: int | None = None, bonded: int | None = None) -> None:
        if unbonding is not None and bonded is not None:
            message = (
                f"unbonding {_nova(unbonding)} would leave {_nova(amount)} bonded, below the minimum stake of "
                f"{_nova(minimum)}"
            )
            hint = f"unbond all {_nova(bonded)}, or at most {_nova(max(bonded - minimum, 0))}"
        else:
            message = f"a stake of {_nova(amount)} is below the minimum of {_nova(minimum)}"
            hint = f"bond at least {_nova(minimum)} (the StakeManager's minStake, from blockchain.validator_stake)"
        super().__init__(message, hint=hint)
        self.amount = amount
        self.minimum = minimum
        self.unbonding = unbonding

    def to_dict(self) -> dict[str, Any]:
        out = {**super().to_dict(), "amount": str(self.amount), "minimum": str(self.minimum)}
        if self.unbonding is not None:
            out["unbonding"] = str(self.unbonding)
        return out


class AlreadyRegisteredError(ConsensusValueError):
    """The owner already registered a validator (one per owner; add stake with a top-up instead)."""

    def __init__(self, owner: str, index: int) -> None:
        super().__init__(
            f"{owner} already registered validator {index}",
            hint="one validator per owner: add stake with `novacron-chain validator top-up`, or register from "
            "another account",
        )
        self.owner = owner
        self.index = index

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "owner": self.owner, "index": self.index}


class NotRegisteredError(ConsensusValueError):
    """The account has no validator."""

    def __init__(self, owner: str) -> None:
        super().__init__(
            f"{owner} has no validator",
            hint="register one first (`novacron-chain validator register --stake N --address 0x…`), or act as its "
            "owner (--account on dev chains)",
        )
        self.owner = owner

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "owner": self.owner}


class UnknownValidatorError(ConsensusValueError):
    """No validator has this index."""

    def __init__(self, index: int, count: int) -> None:
        hint = f"indices run from 0 to {count - 1}" if count else "no validator is registered yet"
        super().__init__(f"there is no validator {index} ({count} registered)", hint=hint)
        self.index = index
        self.count = count

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "index": self.index, "count": self.count}


class InvalidProofOfPossessionError(ConsensusValueError):
    """A BLS public key that is not a valid G1 point, or a proof of possession that does not verify for it (what
    keeps rogue keys out of the aggregate)."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            problem,
            hint="the key and its proof come from the BLS keystore: check --bls-keystore, or let `validator register` "
            "generate a key",
        )


class PubkeyTakenError(ConsensusValueError):
    """Another validator registered this BLS public key."""

    def __init__(self, index: int, pubkey: str | None = None) -> None:
        key = f"{pubkey} " if pubkey else ""
        super().__init__(
            f"the BLS key {key}is validator {index}'s already",
            hint="every validator needs its own BLS key: generate a new one",
        )
        self.index = index
        self.pubkey = pubkey

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "index": self.index, "pubkey": self.pubkey}


class UnbondExceedsBondedError(ConsensusValueError):
    """More stake to unbond than is bonded."""

    def __init__(self, amount: int, bonded: int) -> None:
        super().__init__(
            f"cannot unbond {_nova(amount)}: only {_nova(bonded)} is bonded", hint=f"unbond at most {_nova(bonded)}"
        )
        self.amount = amount
        self.bonded = bonded

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "amount": str(self.amount), "bonded": str(self.bonded)}


class InvalidEvidenceError(ConsensusValueError):
    """Double-sign evidence that proves nothing: the same root twice, two different (domain, height), or a signature
    that is not the validator's over its checkpoint digest (``which``: 0 the first, 1 the second)."""

    def __init__(self, problem: str, *, index: int | None = None, which: int | None = None) -> None:
        super().__init__(
            f"the evidence proves nothing: {problem}",
            hint="evidence is two valid signatures of one validator over different roots for the same "
            "(domain, height); nothing was sent",
        )
        self.index = index
        self.which = which

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "index": self.index, "which": self.which}


class UnknownCheckpointError(ConsensusValueError):
    """No checkpoint is final at this (domain, height)."""

    def __init__(self, domain: str, height: int, latest: int | None = None) -> None:
        hint = f"the latest final height of {domain} is {latest}" if latest is not None else None
        super().__init__(f"no final checkpoint of {domain} at height {height}", hint=hint or "none is final yet")
        self.domain = domain
        self.height = height

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "domain": self.domain, "height": self.height}


class InsufficientStakeTokensError(ConsensusError):
    """The owner holds less of the stake token (NOVA) than it wants to bond."""

    def __init__(self, owner: str, balance: int, needed: int) -> None:
        super().__init__(
            f"{owner} holds {_nova(balance)}, {_nova(needed)} needed to bond",
            hint="acquire NOVA first, or bond less (at least the minimum stake)",
        )
        self.owner = owner
        self.balance = balance
        self.needed = needed

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "owner": self.owner, "balance": str(self.balance), "needed": str(self.needed)}


class ValidatorSetFullError(ConsensusError):
    """The active set already has ``max_validators`` validators."""

    def __init__(self, max_validators: int) -> None:
        super().__init__(
            f"the validator set is full: {max_validators:,} validators have weight (max_validators)",
            hint="wait for a validator to leave, or raise max_validators by a governance proposal",
        )
        self.max_validators = max_validators

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "max_validators": self.max_validators}


class ValidatorStateError(ConsensusError):
    """The validator is not in a state that allows the operation (``index`` names it)."""

    def __init__(self, message: str, index: int, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.index = index

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "index": self.index}


class TombstonedError(ValidatorStateError):
    """The validator was slashed for double signing: it can never be active again (its remaining stake can still be
    withdrawn after the unbonding period)."""

    def __init__(self, index: int) -> None:
        super().__init__(
            f"validator {index} is tombstoned (slashed for double signing): it can never be active again",
            index,
            hint="unbond and withdraw its remaining stake; register a new validator from another account and key",
        )


class NotActiveError(ValidatorStateError):
    """The validator has no weight in the epoch: its signature would not count, and it cannot be jailed."""

    def __init__(self, index: int, epoch: int) -> None:
        super().__init__(
            f"validator {index} has no weight in epoch {epoch}",
            index,
            hint="a new or re-bonded validator counts from the epoch after the change; a jailed, tombstoned or fully "
            "unbonded one does not count",
        )
        self.epoch = epoch

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "epoch": self.epoch}


class NothingToWithdrawError(ValidatorStateError):
    """No stake of the validator is unbonding."""

    def __init__(self, index: int) -> None:
        super().__init__(
            f"validator {index} has nothing to withdraw",
            index,
            hint="unbond first (`novacron-chain validator unbond AMOUNT`), then withdraw after the unbonding period",
        )


class WithdrawTooEarlyError(ValidatorStateError):
    """The unbonding period has not passed: ``withdrawable_at`` says when it will (unix seconds)."""

    def __init__(self, index: int, withdrawable_at: int, now: int, amount: int | None = None) -> None:
        what = f"{_nova(amount)} of " if amount else ""
        super().__init__(
            f"{what}validator {index}'s unbonding stake is withdrawable from {_when(withdrawable_at)}, "
            f"in {_wait(withdrawable_at - now)}",
            index,
            hint="stake stays slashable during the unbonding period; withdraw after it",
        )
        self.withdrawable_at = withdrawable_at
        self.now = now
        self.amount = amount

    def to_dict(self) -> dict[str, Any]:
        out = {**super().to_dict(), "withdrawable_at": self.withdrawable_at, "now": self.now}
        if self.amount is not None:
            out["amount"] = str(self.amount)
        return out


class AlreadyJailedError(ValidatorStateError):
    """The validator is jailed already."""

    def __init__(self, index: int) -> None:
        super().__init__(f"validator {index} is jailed already", index)


class NotJailedError(ValidatorStateError):
    """The validator is not jailed (nothing to unjail)."""

    def __init__(self, index: int) -> None:
        super().__init__(f"validator {index} is not jailed", index, hint="only a jailed validator can unjail")


class JailNotOverError(ValidatorStateError):
    """The jail time is not over: ``jailed_until`` says when it will be (unix seconds)."""

    def __init__(self, index: int, jailed_until: int, now: int) -> None:
        super().__init__(
            f"validator {index} is jailed until {_when(jailed_until)}, {_wait(jailed_until - now)} from now",
            index,
            hint="unjail after that; it has weight again from the epoch after the unjail",
        )
        self.jailed_until = jailed_until
        self.now = now

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "jailed_until": self.jailed_until, "now": self.now}


class DowntimeProofError(ConsensusError):
    """The domain's final checkpoints cannot prove the validator's downtime now (too few of them, from before it
    rejoined, ...)."""

    def __init__(self, message: str, *, index: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.index = index

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "index": self.index}


class EnoughSignedError(DowntimeProofError):
    """The validator signed at least the required share of the window: there is no downtime to prove."""

    def __init__(self, index: int, signed: int, window: int, min_signed_bps: int) -> None:
        super().__init__(
            f"validator {index} signed {signed} of the last {window} checkpoints ({signed / window:.1%}), not fewer "
            f"than the {min_signed_bps / 100:g}% that allows jailing",
            index=index,
            hint="nothing was sent: the proof would prove no downtime",
        )
        self.signed = signed
        self.window = window
        self.min_signed_bps = min_signed_bps

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "signed": self.signed,
            "window": self.window,
            "min_signed_bps": self.min_signed_bps,
        }


class CheckpointError(ConsensusError):
    """A checkpoint the CheckpointVerifier would refuse."""


class InsufficientSignedStakeError(CheckpointError):
    """The signers hold 2/3 of the epoch's stake or less: a checkpoint needs strictly more."""

    def __init__(self, signed_stake: int, total_stake: int, *, signers: int | None = None, active: int | None = None):
        share = signed_stake / total_stake if total_stake else 0.0
        needed = total_stake * 2 // 3 + 1  # the least integer s with 3 * s > 2 * total
        who = f" ({signers} of {active} validators)" if signers is not None and active is not None else ""
        super().__init__(
            f"the signers{who} hold {_nova(signed_stake)} of the epoch's {_nova(total_stake)} ({share:.2%}); a "
            f"checkpoint needs more than 2/3, at least {_nova(needed)}",
            hint="wait for more validators' signatures; nothing was sent",
        )
        self.signed_stake = signed_stake
        self.total_stake = total_stake
        self.needed = needed
        self.signers = signers
        self.active = active

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "signed_stake": str(self.signed_stake),
            "total_stake": str(self.total_stake),
            "needed": str(self.needed),
            "signers": self.signers,
            "active": self.active,
        }


class CheckpointHeightError(CheckpointError):
    """The height is not above the domain's latest final height (heights per domain strictly increase)."""

    def __init__(self, domain: str, height: int, latest: int) -> None:
        super().__init__(
            f"height {height} of {domain} is not above its latest final height {latest}",
            hint="checkpoint a higher height; a final height is never replaced",
        )
        self.domain = domain
        self.height = height
        self.latest = latest

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "domain": self.domain, "height": self.height, "latest": self.latest}


class CheckpointEpochError(CheckpointError):
    """The signatures are for an epoch other than the current or the previous one."""

    def __init__(self, epoch: int, current: int) -> None:
        super().__init__(
            f"the signatures are for epoch {epoch}, but the verifier takes only epochs {max(current - 1, 0)} and "
            f"{current}",
            hint="have the validators sign again in the current epoch",
        )
        self.epoch = epoch
        self.current = current

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "epoch": self.epoch, "current": self.current}


class BadCheckpointSignatureError(CheckpointError):
    """Signatures that do not verify against their validators' registered keys (``indices``: whose)."""

    def __init__(self, indices: list[int], *, hint: str | None = None) -> None:
        who = ", ".join(map(str, indices)) if indices else "unknown validators"
        super().__init__(
            f"signatures of validators {who} do not verify over the checkpoint digest",
            hint=hint or "drop them and aggregate the others; nothing was sent",
        )
        self.indices = list(indices)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "indices": self.indices}


#: hints for the consensus contracts' custom errors (StakeManager, CheckpointVerifier, the BLS library), by name:
#: shown with a revert that slipped past the manager's checks
ERROR_HINTS: dict[str, str] = {
    "StakeManagerZeroAddress": "the stake token, treasury, signer and verifier addresses must not be zero",
    "StakeManagerInvalidParameter": "a parameter is out of range: rates at most 10000 bps, 1 <= downtimeWindow <= "
    "1000, unbondingPeriod at least two epochs, maxValidators >= 1, minStake > 0",
    "StakeManagerZeroAmount": "give a positive amount",
    "StakeManagerStakeBelowMinimum": "bond at least the minimum stake (minStake); an unbond must leave zero or at "
    "least the minimum bonded",
    "StakeManagerAlreadyRegistered": "one validator per owner: top up the existing one instead",
    "StakeManagerNotRegistered": "the sending account has no validator: act as its owner",
    "StakeManagerUnknownValidator": "`novacron-chain validator list` shows the validators and their indices",
    "StakeManagerInvalidPubkey": "a BLS public key is 128 bytes (EIP-2537 G1): two 64-byte coordinates with 16 zero "
    "bytes of padding each, not the point at infinity",
    "StakeManagerKeyStoreFailed": "storing the public key failed (out of gas while deploying its data contract?): "
    "retry with more gas",
    "StakeManagerPubkeyTaken": "every validator needs its own BLS key: generate a new one",
    "StakeManagerBadProofOfPossession": "the proof of possession must be signed with the POP tag over "
    "popMessage(owner, signer, pubkey) of this chain and StakeManager, by the key being registered",
    "StakeManagerValidatorSetFull": "the active set is at maxValidators: wait for a validator to leave, or raise the "
    "limit by governance",
    "StakeManagerTombstoned": "the validator was slashed for double signing and can never be active again; its "
    "remaining stake can be withdrawn after the unbonding period",
    "StakeManagerUnbondExceedsBonded": "unbond at most the bonded stake (`novacron-chain validator show`)",
    "StakeManagerNothingToWithdraw": "unbond first, then withdraw after the unbonding period",
    "StakeManagerWithdrawTooEarly": "the unbonding period has not passed: withdraw from withdrawableAt",
    "StakeManagerNotActive": "that validator has no weight in the epoch (new validators count from the next epoch; "
    "jailed, tombstoned and unbonded ones do not count)",
    "StakeManagerNonSignersNotSorted": "list non-signers as strictly increasing validator indices",
    "StakeManagerVerifierNotSet": "the deployment is incomplete: the admin must call setCheckpointVerifier",
    "StakeManagerVerifierAlreadySet": "the checkpoint verifier is set once, at deployment",
    "StakeManagerEvidenceSameRoot": "the evidence names one root twice: double signing is two different roots for one "
    "(domain, height)",
    "StakeManagerBadEvidenceSignature": "that signature is not the validator's over the checkpoint digest of its "
    "root and epoch",
    "StakeManagerAlreadyJailed": "the validator is jailed already",
    "StakeManagerNotJailed": "only a jailed validator can unjail",
    "StakeManagerJailNotOver": "the jail time has not passed: unjail from jailedUntil",
    "StakeManagerBadDowntimeWindow": "a downtime proof has exactly downtimeWindow checkpoints, one non-signer list "
    "each",
    "StakeManagerUnknownCheckpoint": "a downtime proof may only cite final checkpoints",
    "StakeManagerWindowNotConsecutive": "a downtime proof's checkpoints must be consecutive in their domain",
    "StakeManagerWindowBeforeRejoin": "a downtime proof may only count checkpoints from the validator's rejoin epoch "
    "on: wait for more checkpoints",
    "StakeManagerWindowNotRecent": "a downtime proof must end among the domain's latest downtimeWindow checkpoints",
    "StakeManagerNonSignersMismatch": "give each checkpoint's non-signer list exactly as it was submitted (from its "
    "CheckpointFinalized event)",
    "StakeManagerEnoughSigned": "the validator signed enough of the window: there is no downtime to prove",
    "CheckpointZeroAddress": "the stake manager address must not be zero",
    "CheckpointZeroRoot": "a checkpoint root must not be zero",
    "CheckpointHeightNotIncreasing": "heights per domain strictly increase: checkpoint a height above the latest",
    "CheckpointEpochNotRecent": "signatures must be for the current or the previous epoch: sign again",
    "CheckpointInsufficientStake": "a checkpoint needs signers holding more than 2/3 of the epoch's stake",
    "CheckpointBadSignature": "the aggregate signature does not verify for the signers' aggregate key over the "
    "checkpoint digest: check each signature and the non-signer list",
    "BLSPrecompileFailed": "a point is invalid (not on the curve or not in the subgroup), or the chain lacks the "
    "EIP-2537 BLS precompiles (Prague)",
    "BLSInvalidLength": "BLS public keys are 128 bytes and signatures 256 bytes (EIP-2537 encodings)",
    "BLSInvalidDst": "a hash-to-curve domain separation tag is at most 255 bytes",
}
