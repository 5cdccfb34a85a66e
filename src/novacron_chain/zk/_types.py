"""Records of zero-knowledge proofs over credentials: the holder's committed credential, the issuer-signed
committed claim, the proof, and the verification result. Every record has a JSON form (``to_json`` /
``from_json``) that round-trips exactly."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..units import is_digits
from ._errors import ProofFormatError, ZkProofInvalidError
from ._field import FIELD_MODULUS
from ._groth16 import Groth16Proof
from ._onchain import CommittedClaim
from ._predicate import Predicate, parse_predicate

__all__ = [
    "ClaimOpening",
    "SignedClaim",
    "ZkCredential",
    "ZkProblem",
    "ZkProof",
    "ZkVerificationResult",
]

PROOF_TYPE = "NovaCronZkProof"
CREDENTIAL_TYPE = "NovaCronZkCredential"
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ProofFormatError(f"{what}{key} is missing or not {getattr(kind, '__name__', kind)}")
    return value


def _hex_bytes(value: object, size: int, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 2 + 2 * size:
        raise ProofFormatError(f"{what} must be 0x + {2 * size} hex digits")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise ProofFormatError(f"{what} is not hex") from exc


def _field(value: object, what: str) -> int:
    if not isinstance(value, str) or not is_digits(value) or len(value) > 80:
        raise ProofFormatError(f"{what} must be a decimal string")
    number = int(value)
    if number >= FIELD_MODULUS:
        raise ProofFormatError(f"{what} is not below the field modulus r")
    return number


def _address(value: object, what: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ProofFormatError(f"{what} must be a 0x address")
    return value


class ZkProblem(StrEnum):
    """Why a proof is not valid (``ZkVerificationResult.problem``)."""

    MALFORMED = "malformed"
    """Not a NovaCron ZK proof, or a field is missing or ill-typed."""
    UNSUPPORTED_PREDICATE = "unsupported_predicate"
    """The predicate is not one this verifier understands."""
    PREDICATE_MISMATCH = "predicate_mismatch"
    """The proof's public inputs are not those of its stated predicate and commitment (relabelled)."""
    NONCE_MISMATCH = "nonce_mismatch"
    """The proof was made for another nonce than the verifier's (a replay)."""
    VERIFIER_MISMATCH = "verifier_mismatch"
    """The proof was made for another verifier."""
    CONTEXT_MISMATCH = "context_mismatch"
    """The context input is not the hash of the proof's verifier, holder and nonce."""
    HOLDER_MISMATCH = "holder_mismatch"
    """The holder is not the credential's subject, or not the holder the verifier expected."""
    BAD_HOLDER_SIGNATURE = "bad_holder_signature"
    """The holder's signature is missing (and the verifier requires one) or not by a current authentication key
    of the holder."""
    PROOF_INVALID = "proof_invalid"
    """The Groth16 proof does not verify (tampered, or made for other public inputs)."""
    COMMITMENT_MISMATCH = "commitment_mismatch"
    """The credential does not carry this commitment for this claim (or disagrees with the committed claim)."""
    BAD_ISSUER_SIGNATURE = "bad_issuer_signature"
    """The issuer's signature over the committed claim does not verify with the key that signed the credential."""
    UNTRUSTED_ISSUER = "untrusted_issuer"
    """The issuer is not among those the verifier trusts."""
    REVOKED = "revoked"
    """The issuer revoked the credential."""
    EXPIRED = "expired"
    """The credential expired."""
    CREDENTIAL_INVALID = "credential_invalid"
    """The credential does not verify for another reason (its own problem is in ``credential_problem``)."""


@dataclass(frozen=True)
class SignedClaim:
    """The issuer-signed, public part of one committed claim, as a proof carries it.

    ``credential_id`` is keccak256 of the credential's ``id``; ``signature`` the issuer's 65-byte EIP-712 signature
    over :func:`~novacron_chain.zk.committed_claim_digest` of these fields. :meth:`to_onchain` gives the
    contract's ``CommittedClaim`` record (:class:`~novacron_chain.zk.CommittedClaim`).
    """

    issuer: str
    subject: str
    credential_id: bytes
    claim: str
    commitment: int
    expires_at: int
    signature: bytes

    def to_onchain(self) -> CommittedClaim:
        """The contract struct's record, for ``CapacityRegistryClient``."""
        return CommittedClaim(
            issuer=self.issuer,
            credential_id=self.credential_id,
            commitment=self.commitment,
            signature=self.signature,
            expires_at=self.expires_at,
        )

    def to_json(self) -> dict[str, Any]:
        """JSON form (integers as decimal strings, bytes as 0x-hex)."""
        return {
            "issuer": self.issuer,
            "subject": self.subject,
            "credentialId": "0x" + self.credential_id.hex(),
            "claim": self.claim,
            "commitment": str(self.commitment),
            "expiresAt": self.expires_at,
            "signature": "0x" + self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: object) -> SignedClaim:
        """Parse :meth:`to_json`'s form (:class:`ProofFormatError` if anything is off)."""
        if not isinstance(data, Mapping):
            raise ProofFormatError("claim must be an object")
        expires = _get(data, "expiresAt", int, "claim.")
        if not 0 <= expires < 2**64:
            raise ProofFormatError("claim.expiresAt must be a uint64")
        return cls(
            issuer=_address(data.get("issuer"), "claim.issuer"),
            subject=_address(data.get("subject"), "claim.subject"),
            credential_id=_hex_bytes(data.get("credentialId"), 32, "claim.credentialId"),
            claim=_get(data, "claim", str, "claim."),
            commitment=_field(data.get("commitment"), "claim.commitment"),
            expires_at=expires,
            signature=_hex_bytes(data.get("signature"), 65, "claim.signature"),
        )


@dataclass(frozen=True)
class ClaimOpening:
    """What opens one commitment: the claim's ``value`` (as issued), its circuit integer ``encoded``, the ``salt``.
    Secret: whoever holds it can prove about the claim (and learns the value)."""

    name: str
    value: str | int | bool
    encoded: int
    salt: int
    commitment: int
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "value": self.value,
            "encoded": str(self.encoded),
            "salt": str(self.salt),
            "commitment": str(self.commitment),
            "signature": "0x" + self.signature.hex(),
        }


@dataclass(frozen=True)
class ZkCredential:
    """A credential whose claims are committed, as its holder keeps it.

    ``credential`` is the ``vc+jwt`` the issuer signed: of type ``ZkCommittedCredential``, its claims are the
    commitments (``"cpu": "0x<32 bytes>"``), not the values, so it can be shown to any verifier. ``openings``
    (values and salts) are the holder's secret: keep the whole record private (it is what ``did prove`` reads).
    """

    credential: str
    issuer: str
    subject: str
    credential_id: str
    expires_at: int
    openings: Mapping[str, ClaimOpening] = field(default_factory=dict)

    def committed_claim(self, name: str, issuer_address: str, subject_address: str, cred_hash: bytes) -> SignedClaim:
        """The public committed claim ``name``."""
        o = self.openings[name]
        return SignedClaim(
            issuer=issuer_address,
            subject=subject_address,
            credential_id=cred_hash,
            claim=name,
            commitment=o.commitment,
            expires_at=self.expires_at,
            signature=o.signature,
        )

    def to_json(self) -> dict[str, Any]:
        """JSON form (what ``did issue-zk`` writes and ``did prove`` reads)."""
        return {
            "type": CREDENTIAL_TYPE,
            "version": 1,
            "credential": self.credential,
            "issuer": self.issuer,
            "subject": self.subject,
            "id": self.credential_id,
            "expiresAt": self.expires_at,
            "openings": {name: o.to_json() for name, o in sorted(self.openings.items())},
        }

    @classmethod
    def from_json(cls, data: object) -> ZkCredential:
        """Parse :meth:`to_json`'s form (:class:`ProofFormatError` if anything is off)."""
        if not isinstance(data, Mapping) or data.get("type") != CREDENTIAL_TYPE:
            raise ProofFormatError(f"not a {CREDENTIAL_TYPE} (issue one with issue_zk_credential / did issue-zk)")
        raw = data.get("openings")
        if not isinstance(raw, Mapping) or not raw:
            raise ProofFormatError("openings must be a non-empty object")
        openings = {}
        for name, o in raw.items():
            if not isinstance(o, Mapping) or not isinstance(o.get("value"), str | int | bool):
                raise ProofFormatError(f"opening {name!r} is not an object with a value")
            openings[str(name)] = ClaimOpening(
                name=str(name),
                value=o["value"],
                encoded=_field(o.get("encoded"), f"openings.{name}.encoded"),
                salt=_field(o.get("salt"), f"openings.{name}.salt"),
                commitment=_field(o.get("commitment"), f"openings.{name}.commitment"),
                signature=_hex_bytes(o.get("signature"), 65, f"openings.{name}.signature"),
            )
        expires = _get(data, "expiresAt", int, "")
        return cls(
            credential=_get(data, "credential", str, ""),
            issuer=_get(data, "issuer", str, ""),
            subject=_get(data, "subject", str, ""),
            credential_id=_get(data, "id", str, ""),
            expires_at=expires,
            openings=openings,
        )


@dataclass(frozen=True)
class ZkProof:
    """A zero-knowledge proof that a credential's committed claim satisfies ``predicate``.

    ``statement`` is the prose label (the seed's "I have more than 2 CPUs"), ``predicate`` what is proven.
    ``context`` binds the proof to ``verifier``, ``holder`` and ``nonce``. ``credential`` is the commitments-only
    ``vc+jwt`` and ``claim`` the issuer-signed committed claim. Nothing in it reveals the claim's value; the
    commitment is public, so two proofs from one credential can be linked to each other.
    """

    statement: str
    predicate: Predicate
    public_inputs: tuple[int, ...]
    proof: Groth16Proof
    holder: str
    verifier: str
    nonce: str
    context: int
    credential: str
    claim: SignedClaim
    created_at: int
    holder_signature: bytes | None = None

    @property
    def circuit(self) -> str:
        """The circuit that proves the predicate."""
        return self.predicate.circuit

    def to_json(self) -> dict[str, Any]:
        """JSON form: points as EIP-2537 hex (``proof.a``, ``proof.b``, ``proof.c``), integers as decimal text."""
        raw = self.proof.to_eip2537()
        return {
            "type": PROOF_TYPE,
            "version": 1,
            "statement": self.statement,
            "predicate": str(self.predicate),
            "circuit": self.circuit,
            "publicInputs": [str(x) for x in self.public_inputs],
            "proof": {"a": "0x" + raw[:128].hex(), "b": "0x" + raw[128:384].hex(), "c": "0x" + raw[384:].hex()},
            "holder": self.holder,
            "verifier": self.verifier,
            "nonce": self.nonce,
            "context": str(self.context),
            "claim": self.claim.to_json(),
            "credential": self.credential,
            "createdAt": self.created_at,
            "holderSignature": None if self.holder_signature is None else "0x" + self.holder_signature.hex(),
        }

    @classmethod
    def from_json(cls, data: object) -> ZkProof:
        """Parse :meth:`to_json`'s form. Raises :class:`ProofFormatError` for anything malformed and
        :class:`~novacron_chain.zk.PredicateSyntaxError` for a predicate it does not understand."""
        if not isinstance(data, Mapping) or data.get("type") != PROOF_TYPE:
            raise ProofFormatError(f"the JSON is not a {PROOF_TYPE}")
        if data.get("version") != 1:
            raise ProofFormatError(f"version {data.get('version')!r} is not supported (1 is)")
        predicate = parse_predicate(_get(data, "predicate", str, ""))
        if data.get("circuit") != predicate.circuit:
            raise ProofFormatError(f"circuit {data.get('circuit')!r} does not prove {predicate}")
        publics = data.get("publicInputs")
        if not isinstance(publics, list):
            raise ProofFormatError("publicInputs must be a list")
        points = data.get("proof")
        if not isinstance(points, Mapping):
            raise ProofFormatError("proof must be an object with a, b, c")
        raw = (
            _hex_bytes(points.get("a"), 128, "proof.a")
            + _hex_bytes(points.get("b"), 256, "proof.b")
            + _hex_bytes(points.get("c"), 128, "proof.c")
        )
        try:
            proof = Groth16Proof.from_eip2537(raw)
        except ValueError as exc:
            raise ProofFormatError(str(exc)) from exc
        return cls(
            statement=_get(data, "statement", str, ""),
            predicate=predicate,
            public_inputs=tuple(_field(x, f"publicInputs[{i}]") for i, x in enumerate(publics)),
            proof=proof,
            holder=_get(data, "holder", str, ""),
            verifier=_get(data, "verifier", str, ""),
            nonce=_get(data, "nonce", str, ""),
            context=_field(data.get("context"), "context"),
            credential=_get(data, "credential", str, ""),
            claim=SignedClaim.from_json(data.get("claim")),
            created_at=_get(data, "createdAt", int, ""),
            holder_signature=None
            if data.get("holderSignature") is None
            else _hex_bytes(data.get("holderSignature"), 65, "holderSignature"),
        )


@dataclass(frozen=True)
class ZkVerificationResult:
    """The outcome of :meth:`DIDManager.verify_zk_proof`. True in a boolean context when valid.

    ``problem`` / ``reason`` say why it is not valid; ``credential_problem`` is the credential's own problem when
    the credential failed. ``checked_at`` is the chain time of the credential check.
    """

    valid: bool
    reason: str | None = None
    problem: ZkProblem | None = None
    statement: str | None = None
    predicate: str | None = None
    issuer: str | None = None
    holder: str | None = None
    verifier: str | None = None
    credential_problem: str | None = None
    checked_at: int | None = None

    def __bool__(self) -> bool:
        return self.valid

    def raise_for_invalid(self) -> ZkVerificationResult:
        """Return ``self`` when valid; raise :class:`ZkProofInvalidError` otherwise."""
        if not self.valid:
            raise ZkProofInvalidError(str(self.problem), self.reason or "", result=self.to_dict())
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "valid": self.valid,
            "problem": str(self.problem) if self.problem else None,
            "reason": self.reason,
            "statement": self.statement,
            "predicate": self.predicate,
            "issuer": self.issuer,
            "holder": self.holder,
            "verifier": self.verifier,
            "credential_problem": self.credential_problem,
            "checked_at": self.checked_at,
        }
