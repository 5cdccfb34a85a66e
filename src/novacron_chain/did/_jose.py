"""Compact JWS with ES256K (RFC 7515 + RFC 8812), signed and checked with libsecp256k1 through coincurve.

Signing input is ``BASE64URL(header) . BASE64URL(payload)``; the signature is ECDSA over its SHA-256 as the 64
bytes ``r || s`` with low ``s`` (verification also accepts high ``s``, which other JOSE libraries emit). Headers
and payloads are serialised as compact JSON with sorted keys, so the same credential always gives the same bytes.
Decoding is strict: base64url without padding and in canonical form only (a changed character never decodes to the
same bytes), JSON objects only, no duplicate keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import coincurve
from coincurve.ecdsa import cdata_to_der, deserialize_compact
from eth_hash.auto import keccak

from ..chain import Signer

__all__ = [
    "JwsParts",
    "JwsSyntaxError",
    "b64url_decode",
    "b64url_encode",
    "canonical_json",
    "public_key_jwk",
    "sign_jws",
]

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class JwsSyntaxError(ValueError):
    """The text is not a compact JWS this module can read (the caller turns it into a verification result)."""


def b64url_encode(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str = "segment") -> bytes:
    """Strict base64url without padding: rejects any other alphabet, padding, and non-canonical trailing bits."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise JwsSyntaxError(f"the {what} is not base64url text")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JwsSyntaxError(f"the {what} is not base64url text") from exc
    if b64url_encode(data) != text:
        raise JwsSyntaxError(f"the {what} is not canonical base64url (changed trailing bits)")
    return data


def canonical_json(value: Any) -> bytes:
    """Compact JSON with sorted keys, UTF-8: the bytes every header and payload is signed as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sign_jws(header: dict[str, Any], payload: dict[str, Any], signer: Signer) -> str:
    """A compact ES256K JWS of ``payload`` under ``header`` (which must name ``alg: ES256K``)."""
    signing_input = b64url_encode(canonical_json(header)) + "." + b64url_encode(canonical_json(payload))
    digest = hashlib.sha256(signing_input.encode("ascii")).digest()
    _, r, s = signer.sign_hash(digest)  # libsecp256k1 always gives low s
    return signing_input + "." + b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise JwsSyntaxError(f"duplicate JSON member {k!r}")
        out[k] = v
    return out


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, JwsSyntaxError):
            raise JwsSyntaxError(f"the {what}: {exc}") from exc
        raise JwsSyntaxError(f"the {what} is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise JwsSyntaxError(f"the {what} is JSON but not an object")
    return value


@dataclass(frozen=True, slots=True)
class JwsParts:
    """A decoded compact JWS: header, payload, the signed bytes and the 64-byte signature."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @classmethod
    def parse(cls, token: str) -> JwsParts:
        """Decode ``token``; :class:`JwsSyntaxError` says what is malformed."""
        if not token.isascii():
            raise JwsSyntaxError("it has non-ASCII characters")
        segments = token.strip().split(".")
        if len(segments) != 3:
            raise JwsSyntaxError(f"a compact JWS has 3 dot-separated parts, this has {len(segments)}")
        h, p, s = segments
        header = _json_object(b64url_decode(h, "header"), "header")
        payload = _json_object(b64url_decode(p, "payload"), "payload")
        signature = b64url_decode(s, "signature")
        if len(signature) != 64:
            raise JwsSyntaxError(f"an ES256K signature has 64 bytes (r || s), this has {len(signature)}")
        return cls(header, payload, f"{h}.{p}".encode("ascii"), signature)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the signing input: what the signature signs."""
        return hashlib.sha256(self.signing_input).digest()

    def normalized_signature(self) -> bytes | None:
        """``r || s`` with ``s`` in the lower half of the group order, or None when ``r`` or ``s`` is out of range.

        We sign with low ``s``; RFC 8812 does not require it, and other JOSE libraries (cryptography, joserfc,
        PyJWT) emit high ``s`` half the time, so verification accepts both. The other form of a signature is a
        different token for the same credential, which is harmless: credentials are identified by their ``id``.
        """
        r, s = int.from_bytes(self.signature[:32], "big"), int.from_bytes(self.signature[32:], "big")
        if not (0 < r < _SECP256K1_N and 0 < s < _SECP256K1_N):
            return None
        if s > _SECP256K1_N // 2:
            s = _SECP256K1_N - s
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def verify_key(self, public_key: bytes) -> bool:
        """Whether the signature is valid for the secp256k1 ``public_key`` (compressed or uncompressed)."""
        sig = self.normalized_signature()
        if sig is None:
            return False
        try:
            der = cdata_to_der(deserialize_compact(sig))
            return bool(coincurve.PublicKey(public_key).verify(der, self.digest, hasher=None))
        except ValueError:
            return False

    def verify_address(self, address: str) -> bool:
        """Whether the signature recovers to the Ethereum ``address`` (for keys known only by their address)."""
        sig = self.normalized_signature()
        if sig is None:
            return False
        digest = self.digest
        wanted = bytes.fromhex(address[2:])
        for recid in (0, 1):
            try:
                pub = coincurve.PublicKey.from_signature_and_message(sig + bytes((recid,)), digest, hasher=None)
            except ValueError:
                continue
            if keccak(pub.format(compressed=False)[1:])[-20:] == wanted:
                return True
        return False


def public_key_jwk(public_key: bytes) -> dict[str, str]:
    """The JWK (RFC 7517/8812) of a secp256k1 public key: ``{"kty": "EC", "crv": "secp256k1", "x", "y"}``."""
    point = coincurve.PublicKey(public_key).format(compressed=False)
    return {"kty": "EC", "crv": "secp256k1", "x": b64url_encode(point[1:33]), "y": b64url_encode(point[33:])}
