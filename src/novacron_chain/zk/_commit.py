"""What the issuer signs and what a proof is bound to: claim values as integers, Poseidon commitments, the
EIP-712 digest of a committed claim, and the proof context.

Every definition here is also computed by the contracts (contracts/zk/CapacityRegistry.sol) with keccak256 only:

- a claim value enters the circuits as an integer ``0 <= v < 2^64``: integers as themselves, booleans as 0 / 1,
  text as :func:`text_code` (the first 8 bytes of ``keccak256("novacron-zk-text:" ++ utf8)``, big-endian), so a
  region proven to be in ``{us-east-1, eu-west-1}`` is compared by code;
- ``commitment = Poseidon2(value, salt)`` with a uniformly random ``salt < r`` (hiding: the commitment says nothing
  about the value; binding: Poseidon's collision resistance);
- the issuer signs, per claim, the EIP-712 digest of ``CommittedClaim(address issuer,address subject,
  bytes32 credentialId,string claim,uint256 commitment,uint64 expiresAt)`` (one line, no space after the comma)
  under the domain ``EIP712Domain(string name,string version)`` = ("NovaCron Committed Credential", "1");
- an off-chain proof's context is ``uint256(keccak256(abi.encode(keccak256("NovaCron.ZkProof.v1"),
  keccak256(verifier), holder, keccak256(nonce)))) % r``.
"""

from __future__ import annotations

import secrets

import coincurve
from eth_hash.auto import keccak

from ..chain import Signer, checksum
from ._errors import ClaimNotCommittedError, ZkValueError
from ._field import FIELD_MODULUS
from ._poseidon import poseidon2

__all__ = [
    "CLAIM_DOMAIN_SEPARATOR",
    "COMMITTED_CLAIM_TYPEHASH",
    "UINT64_MAX",
    "commit",
    "committed_claim_digest",
    "encode_value",
    "holder_digest",
    "proof_context",
    "random_salt",
    "recover_signer",
    "sign_digest",
    "text_code",
]

UINT64_MAX = 2**64 - 1
COMMITTED_CLAIM_TYPEHASH = keccak(
    b"CommittedClaim(address issuer,address subject,bytes32 credentialId,string claim,uint256 commitment,"
    b"uint64 expiresAt)"
)
CLAIM_DOMAIN_SEPARATOR = keccak(
    keccak(b"EIP712Domain(string name,string version)") + keccak(b"NovaCron Committed Credential") + keccak(b"1")
)
CONTEXT_TAG = keccak(b"NovaCron.ZkProof.v1")
_TEXT_PREFIX = b"novacron-zk-text:"


def text_code(text: str) -> int:
    """The 64-bit integer a text value (a region) is committed and compared as."""
    return int.from_bytes(keccak(_TEXT_PREFIX + text.encode("utf-8"))[:8], "big")


def encode_value(name: str, value: object) -> int:
    """A claim value as the circuits' integer (see the module docstring); :class:`ClaimNotCommittedError` for
    values that have none (negative or above 2^64 - 1, fractional numbers, nested values)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        if not 0 <= value <= UINT64_MAX:
            raise ClaimNotCommittedError(
                name,
                f"{value} is outside 0 .. 2^64 - 1, the range the circuits compare",
                hint="commit non-negative integers below 2^64 (scale or offset others before issuing)",
            )
        return value
    if isinstance(value, str):
        return text_code(value)
    raise ClaimNotCommittedError(
        name,
        f"a {type(value).__name__} value cannot be committed",
        hint="commit integers (0 .. 2^64 - 1), booleans or text; scale fractions to integers (e.g. MiB, millicores)",
    )


def random_salt() -> int:
    """A uniformly random field element (the commitment's blinding)."""
    return secrets.randbelow(FIELD_MODULUS)


def commit(value: int, salt: int) -> int:
    """``Poseidon2(value, salt)``."""
    return poseidon2(value, salt)


def _address_word(address: str) -> bytes:
    raw = bytes.fromhex(address[2:])
    if len(raw) != 20:
        raise ZkValueError(f"{address!r} is not a 20-byte address")
    return bytes(12) + raw


def committed_claim_digest(
    issuer: str, subject: str, credential_id: bytes, claim: str, commitment: int, expires_at: int
) -> bytes:
    """The 32-byte EIP-712 digest the issuer signs for one committed claim (``CapacityRegistry.claimDigest``)."""
    if len(credential_id) != 32:
        raise ZkValueError("credentialId must be 32 bytes (keccak256 of the credential id)")
    if not 0 <= commitment < FIELD_MODULUS or not 0 <= expires_at <= UINT64_MAX:
        raise ZkValueError("the commitment must be below r and expiresAt a uint64")
    struct_hash = keccak(
        COMMITTED_CLAIM_TYPEHASH
        + _address_word(issuer)
        + _address_word(subject)
        + credential_id
        + keccak(claim.encode("utf-8"))
        + commitment.to_bytes(32, "big")
        + expires_at.to_bytes(32, "big")
    )
    return keccak(b"\x19\x01" + CLAIM_DOMAIN_SEPARATOR + struct_hash)


def sign_digest(signer: Signer, digest: bytes) -> bytes:
    """65 bytes ``r || s || v`` (v = 27 / 28), what ``ecrecover`` / OpenZeppelin ``ECDSA.recover`` take."""
    v, r, s = signer.sign_hash(digest)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((v,))


def recover_signer(digest: bytes, signature: bytes) -> str | None:
    """The (checksummed) address whose key made ``signature`` over ``digest``; None if it recovers to none
    (or is malleable: s in the upper half, as OpenZeppelin refuses)."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return None
    s = int.from_bytes(signature[32:64], "big")
    if s == 0 or s > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0:
        return None
    try:
        pub = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes((signature[64] - 27,)), digest, hasher=None
        )
    except ValueError:
        return None
    return checksum("0x" + keccak(pub.format(compressed=False)[1:])[-20:].hex())


def holder_digest(context: int, proof: bytes) -> bytes:
    """What a holder signs to show its key made a proof: ``keccak256("NovaCron.ZkProof.holder.v1" ++ context (32
    bytes) ++ proof (512 bytes, EIP-2537))``; the context already names the verifier, the holder and the nonce."""
    return keccak(b"NovaCron.ZkProof.holder.v1" + context.to_bytes(32, "big") + proof)


def proof_context(verifier: str, holder: str, nonce: str) -> int:
    """The context of an off-chain proof: binds it to the verifier (any text it names itself by), the holder's
    address and the verifier's nonce (text)."""
    word = keccak(
        CONTEXT_TAG + keccak(verifier.encode("utf-8")) + _address_word(holder) + keccak(nonce.encode("utf-8"))
    )
    return int.from_bytes(word, "big") % FIELD_MODULUS
