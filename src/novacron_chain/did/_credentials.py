"""W3C Verifiable Credentials 2.0 secured as JOSE (``vc+jwt``), presentations (``vp+jwt``), and their results.

A credential's JWT payload *is* the credential (VC-JOSE-COSE): ``@context``, ``type``, ``id``, ``issuer``,
``validFrom`` / ``validUntil``, ``credentialSubject`` and ``credentialStatus``, plus the JWT claims ``iss``,
``sub``, ``jti``, ``iat``, ``nbf`` and ``exp``, which must agree with them. Claims are a *flat* map of names to
scalars (text, integers, booleans, finite numbers), serialised in sorted order, so that later work can commit to
each claim separately (selective disclosure, zero-knowledge proofs) without changing the format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ._errors import CredentialInvalidError, DIDValueError

__all__ = [
    "VC_CONTEXT",
    "PresentationResult",
    "Problem",
    "VerificationResult",
    "normalize_claims",
    "parse_time",
    "to_timestamp",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
MAX_CLAIMS = 256
MAX_TEXT = 4096
MAX_SAFE_INT = 2**53 - 1  # integers beyond this do not survive JSON in JavaScript
_CLAIM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_TYPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
Scalar = str | int | float | bool


class Problem(StrEnum):
    """Why a credential or presentation is not valid (``VerificationResult.problem``)."""

    MALFORMED = "malformed"
    """Not a compact JWS, or the payload is not a well-formed credential / presentation."""
    UNSUPPORTED = "unsupported"
    """A ``typ`` or ``alg`` other than vc+jwt / vp+jwt and ES256K."""
    WRONG_NETWORK = "wrong_network"
    """The issuer (or holder) DID lives on another network than the verifier is connected to."""
    ISSUER_DEACTIVATED = "issuer_deactivated"
    """The issuer's (or holder's) DID was deactivated."""
    UNKNOWN_KEY = "unknown_key"
    """The ``kid`` names no key the issuer ever had for this purpose."""
    KEY_ROTATED = "key_rotated"
    """The signing key was the issuer's owner key but was rotated out: it can no longer sign accepted credentials."""
    KEY_RETIRED = "key_retired"
    """The signing key was a delegate whose delegation expired or was revoked."""
    BAD_SIGNATURE = "bad_signature"
    """The signature does not verify with the key the ``kid`` names (the token was altered, or forged)."""
    ISSUED_BEFORE_KEY = "issued_before_key"
    """The credential claims to be issued before its key was authorised (a backdated credential)."""
    NOT_YET_VALID = "not_yet_valid"
    """``validFrom`` / ``nbf`` (or ``iat``) is in the future."""
    EXPIRED = "expired"
    """``validUntil`` / ``exp`` has passed."""
    REVOKED = "revoked"
    """The issuer revoked the credential in the on-chain status registry."""
    STATUS_UNAVAILABLE = "status_unavailable"
    """The credential's status is kept in another registry than the one the verifier reads."""
    NONCE_MISMATCH = "nonce_mismatch"
    """The presentation's nonce is not the one the verifier asked for (a replay)."""
    AUDIENCE_MISMATCH = "audience_mismatch"
    """The presentation is addressed to another verifier."""
    HOLDER_NOT_SUBJECT = "holder_not_subject"
    """A presented credential is about someone other than the holder."""
    CREDENTIAL_INVALID = "credential_invalid"
    """A credential inside the presentation is not valid (its own result says why)."""


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of :meth:`DIDManager.verify_credential`. True in a boolean context when valid.

    ``credential`` is the decoded payload (also for invalid credentials once it could be decoded), ``issuer`` and
    ``subject`` the DIDs it names, ``key_id`` the ``kid`` it was signed with, ``checked_at`` the chain time of the
    check. ``problem`` / ``reason`` say why it is not valid.
    """

    valid: bool
    reason: str | None = None
    problem: Problem | None = None
    credential: dict[str, Any] | None = None
    issuer: str | None = None
    subject: str | None = None
    key_id: str | None = None
    checked_at: int | None = None

    def __bool__(self) -> bool:
        return self.valid

    def raise_for_invalid(self) -> VerificationResult:
        """Return ``self`` when valid; raise :class:`CredentialInvalidError` otherwise."""
        if not self.valid:
            raise CredentialInvalidError(str(self.problem), self.reason or "", result=self.to_dict())
        return self

    @property
    def claims(self) -> dict[str, Any]:
        """The subject's claims (``credentialSubject`` without ``id``); empty when undecodable."""
        subject = (self.credential or {}).get("credentialSubject")
        return {k: v for k, v in subject.items() if k != "id"} if isinstance(subject, dict) else {}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "valid": self.valid,
            "problem": str(self.problem) if self.problem else None,
            "reason": self.reason,
            "issuer": self.issuer,
            "subject": self.subject,
            "key_id": self.key_id,
            "checked_at": self.checked_at,
            "credential": self.credential,
        }


@dataclass(frozen=True)
class PresentationResult:
    """The outcome of :meth:`DIDManager.verify_presentation`. True in a boolean context when valid.

    ``credentials`` holds each enclosed credential's own :class:`VerificationResult`, in order.
    """

    valid: bool
    reason: str | None = None
    problem: Problem | None = None
    presentation: dict[str, Any] | None = None
    holder: str | None = None
    credentials: tuple[VerificationResult, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.valid

    def raise_for_invalid(self) -> PresentationResult:
        """Return ``self`` when valid; raise :class:`CredentialInvalidError` otherwise."""
        if not self.valid:
            raise CredentialInvalidError(str(self.problem), self.reason or "", result=self.to_dict())
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "valid": self.valid,
            "problem": str(self.problem) if self.problem else None,
            "reason": self.reason,
            "holder": self.holder,
            "credentials": [c.to_dict() for c in self.credentials],
        }


def normalize_claims(claims: object) -> dict[str, Scalar]:
    """``claims`` checked and sorted by name: a flat map of names to text, integers, booleans or finite numbers.

    Raises :class:`DIDValueError` naming the first claim that is not acceptable.
    """
    if not isinstance(claims, Mapping):
        raise DIDValueError(
            f"claims must be a mapping of names to values, not {type(claims).__name__}",
            hint='pass e.g. {"cpuAllocation": 4, "region": "us-east-1"}',
        )
    if len(claims) > MAX_CLAIMS:
        raise DIDValueError(f"{len(claims)} claims is more than the {MAX_CLAIMS} a credential may carry")
    out: dict[str, Scalar] = {}
    for name in sorted(claims, key=str):
        value = claims[name]
        if not isinstance(name, str) or not _CLAIM_NAME.match(name):
            raise DIDValueError(
                f"claim name {name!r} is not allowed",
                hint="names start with a letter or _, then letters, digits, _ . - (at most 64 characters)",
            )
        if name == "id":
            raise DIDValueError("'id' is not a claim: it is the subject's DID", hint="pass the subject DID instead")
        out[name] = _claim_value(name, value)
    return out


def _claim_value(name: str, value: object) -> Scalar:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise DIDValueError(
                f"claim {name!r} = {value} does not fit in a JSON number exactly (|n| <= 2^53 - 1)",
                hint="pass large integers (wei amounts) as decimal text",
            )
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DIDValueError(f"claim {name!r} = {value} is not a finite number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise DIDValueError(f"claim {name!r} is {len(value)} characters; at most {MAX_TEXT}")
        return value
    raise DIDValueError(
        f"claim {name!r} is a {type(value).__name__}; claims are flat: text, integers, booleans or numbers",
        hint="flatten nested values into separate claims (e.g. location.region), so each can be disclosed alone",
    )


def check_types(types: object) -> list[str]:
    """Extra credential types (besides ``VerifiableCredential``), checked."""
    if isinstance(types, str) or not isinstance(types, list | tuple):
        raise DIDValueError(f"types must be a list of type names, not {types!r}")
    for t in types:
        if not isinstance(t, str) or not _TYPE_NAME.match(t):
            raise DIDValueError(f"credential type {t!r} is not a name (letters and digits, starting with a letter)")
    return [t for t in types if t != "VerifiableCredential"]


def check_credential_id(credential_id: object) -> str:
    """A credential ``id``: a URI (``urn:uuid:...``, ``https://...``)."""
    if not isinstance(credential_id, str) or not _URI.match(credential_id) or len(credential_id) > 2048:
        raise DIDValueError(
            f"credential id {credential_id!r} is not a URI",
            hint="use e.g. urn:uuid:<uuid> (the default) or an https:// URL",
        )
    return credential_id


def to_timestamp(value: object, what: str) -> int:
    """Unix seconds from an ``int`` or a timezone-aware ``datetime``."""
    if isinstance(value, bool):
        raise DIDValueError(f"{what} must be a time, not a boolean")
    if isinstance(value, int):
        if value < 0:
            raise DIDValueError(f"{what} {value} is before 1970")
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise DIDValueError(f"{what} {value} has no timezone", hint="use datetime(..., tzinfo=UTC)")
        return math.floor(value.timestamp())
    raise DIDValueError(f"{what} must be a datetime with a timezone or unix seconds, not {type(value).__name__}")


def parse_time(text: object) -> int:
    """Unix seconds of an XML dateTimeStamp (``2025-01-31T12:00:00Z``); ValueError if it is not one."""
    if not isinstance(text, str) or "T" not in text:
        raise ValueError(f"{text!r} is not a date-time")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone")
    return math.floor(moment.timestamp())
