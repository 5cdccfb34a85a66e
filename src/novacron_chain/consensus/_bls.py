"""BLS12-381 signatures as the Ethereum consensus layer makes them, and the byte layouts the EVM precompiles read.

Public keys are in G1 (48 bytes compressed), signatures in G2 (96 bytes compressed): "minimal-pubkey-size", so the
contract adds public keys (cheap G1ADD) and checks any number of signers with one pairing. Messages are hashed to G2
per RFC 9380 (``BLS12381G2_XMD:SHA-256_SSWU_RO_``) with the consensus ciphersuite's tag :data:`SIG_DST`; proofs of
possession use :data:`POP_DST`. The arithmetic is py-arkworks-bls12381 (the Ethereum Foundation's binding of the
arkworks Rust crates; chosen by measurement, see ``benchmarks/consensus_bls.py``), and py_ecc, the consensus-spec
reference, is the oracle the tests compare with byte for byte.

The contracts read points in the EIP-2537 layout: every base-field element as 64 bytes (16 zero bytes, then 48
big-endian), G1 as ``x | y`` (128 bytes), G2 as ``x.c0 | x.c1 | y.c0 | y.c1`` (256 bytes), the point at infinity
as all zeros. :meth:`BlsPublicKey.to_eip2537` and :meth:`BlsSignature.to_eip2537` write it, the ``from_eip2537``
constructors read it back with the same checks as the compressed form (on the curve, in the prime-order subgroup).

Every point that enters through a constructor is checked (on the curve, in the subgroup; a public key is also not
the identity), so the verification functions never see an invalid point. Decompressed public keys and hashed
messages are cached: an aggregator sees the same 1,247 keys and one message over and over.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from functools import lru_cache

from eth_hash.auto import keccak
from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from ._errors import BlsEncodingError, ConsensusValueError

__all__ = [
    "CHECKPOINT_TYPEHASH",
    "CURVE_ORDER",
    "POP_DST",
    "POP_TYPEHASH",
    "SIG_DST",
    "BlsPublicKey",
    "BlsSecretKey",
    "BlsSignature",
    "aggregate_public_keys",
    "aggregate_signatures",
    "batch_verify",
    "checkpoint_digest",
    "domain_id",
    "fast_aggregate_verify",
    "pop_message",
    "verify",
]

#: the order r of G1, G2 and of the secret-key scalars
CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
#: the base-field modulus p
_FIELD_MODULUS = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16
)
#: domain separation tag of checkpoint signatures: the Ethereum consensus ciphersuite (proof-of-possession scheme)
SIG_DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
#: domain separation tag of proofs of possession, so that a PoP can never pass for a checkpoint signature
POP_DST = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
#: keccak256 of the checkpoint type string, the first word of every checkpoint digest
CHECKPOINT_TYPEHASH = keccak(b"NovaCronCheckpoint(bytes32 domain,uint64 height,bytes32 root,uint64 epoch)")
#: keccak256 of the proof-of-possession type string, the first word of every PoP message
POP_TYPEHASH = keccak(b"NovaCronProofOfPossession(address owner,address signer,bytes pubkey)")

_PAD = bytes(16)
_G1_GENERATOR = G1Point()
_NEG_G1_GENERATOR = -_G1_GENERATOR
_UINT64_MAX = 2**64 - 1
_UINT256_MAX = 2**256 - 1


# --- secret keys ------------------------------------------------------------------------------------------------


class BlsSecretKey:
    """A BLS12-381 secret key: a scalar ``1 <= sk < r``.

    Make one with :meth:`generate` (fresh randomness) or :meth:`from_seed` (the IETF / EIP-2333 ``KeyGen`` of a
    seed); keep it in an EIP-2335 keystore (:class:`~novacron_chain.consensus.BlsKeystore`), never in a plain file.
    ``repr`` shows the public key only.
    """

    __slots__ = ("_public", "_scalar", "_secret")

    def __init__(self, secret: int) -> None:
        if isinstance(secret, bool) or not isinstance(secret, int) or not 0 < secret < CURVE_ORDER:
            raise BlsEncodingError(
                "secret key", "a secret key is an integer between 1 and the curve order r - 1", hint=None
            )
        self._secret = secret
        self._scalar = Scalar(secret)
        self._public: BlsPublicKey | None = None

    @classmethod
    def generate(cls) -> BlsSecretKey:
        """A new random key: ``KeyGen`` of 32 bytes from the operating system's CSPRNG."""
        return cls.from_seed(os.urandom(32))

    @classmethod
    def from_seed(cls, ikm: bytes, key_info: bytes = b"") -> BlsSecretKey:
        """The key ``KeyGen(ikm, key_info)`` derives (draft-irtf-cfrg-bls-signature-05 §2.3; EIP-2333's
        ``HKDF_mod_r``): HKDF-SHA256 to 48 bytes, reduced mod r, rehashing the salt until the result is non-zero.
        ``ikm`` must hold at least 32 bytes of secret randomness."""
        if len(ikm) < 32:
            raise BlsEncodingError("key seed", f"KeyGen needs at least 32 bytes of key material, got {len(ikm)}")
        salt = b"BLS-SIG-KEYGEN-SALT-"
        length = 48  # ceil(3 * ceil(log2(r)) / 16): enough bytes that the reduction mod r is unbiased
        sk = 0
        while sk == 0:
            salt = hashlib.sha256(salt).digest()
            prk = hmac.new(salt, ikm + b"\x00", hashlib.sha256).digest()
            okm = _hkdf_expand(prk, key_info + length.to_bytes(2, "big"), length)
            sk = int.from_bytes(okm, "big") % CURVE_ORDER
        return cls(sk)

    @classmethod
    def from_bytes(cls, data: bytes) -> BlsSecretKey:
        """The key from its 32-byte big-endian encoding (what EIP-2335 keystores hold)."""
        if len(data) != 32:
            raise BlsEncodingError("secret key", f"expected 32 bytes, got {len(data)}", length=len(data))
        return cls(int.from_bytes(data, "big"))

    def to_bytes(self) -> bytes:
        """The 32-byte big-endian encoding. Secret: write it only into an encrypted keystore."""
        return self._secret.to_bytes(32, "big")

    def public_key(self) -> BlsPublicKey:
        """The public key ``sk * G1`` (computed once)."""
        if self._public is None:
            self._public = BlsPublicKey._trusted(_G1_GENERATOR * self._scalar)
        return self._public

    def sign(self, message: bytes, dst: bytes = SIG_DST) -> BlsSignature:
        """Sign ``message``: ``sk * hash_to_G2(message, dst)``. The default tag makes checkpoint signatures; use
        :data:`POP_DST` (or :meth:`prove_possession`) for a proof of possession."""
        return BlsSignature._trusted(_hash_to_g2(bytes(message), bytes(dst)) * self._scalar)

    def prove_possession(
        self, chain_id: int, stake_manager: str | bytes, owner: str | bytes, signer: str | bytes
    ) -> BlsSignature:
        """The proof of possession ``StakeManager.register`` wants from ``owner`` (its caller) registering this key
        with ``signer``: a :data:`POP_DST` signature over :func:`pop_message`."""
        return self.sign(pop_message(chain_id, stake_manager, owner, signer, self.public_key()), POP_DST)

    def __repr__(self) -> str:
        return f"BlsSecretKey(public_key={self.public_key().hex()})"


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


# --- points -------------------------------------------------------------------------------------------------------


class BlsPublicKey:
    """A BLS12-381 public key: a point of G1 other than the identity.

    ``bytes(pk)`` / :meth:`to_bytes` is the 48-byte compressed form (the ``pubkey`` of keystores and deposit data),
    :meth:`to_eip2537` the 128-byte form the contracts store and add with the G1ADD precompile. Equal keys compare
    equal and hash alike, so keys can index dicts.
    """

    __slots__ = ("_compressed", "_eip2537", "_point")

    def __init__(self) -> None:
        raise TypeError("use BlsPublicKey.from_bytes, BlsPublicKey.from_eip2537 or BlsSecretKey.public_key()")

    @classmethod
    def _trusted(cls, point: G1Point) -> BlsPublicKey:
        obj = object.__new__(cls)
        obj._point = point
        obj._compressed = point.to_compressed_bytes()
        obj._eip2537 = None
        return obj

    @classmethod
    def from_bytes(cls, data: bytes | str) -> BlsPublicKey:
        """Parse a 48-byte compressed key (bytes, or hex with or without ``0x``); refuses points off the curve,
        outside the subgroup, and the identity (the IETF ``KeyValidate``)."""
        raw = _as_bytes(data, "public key")
        if len(raw) != 48:
            raise BlsEncodingError("public key", f"expected 48 bytes (compressed G1), got {len(raw)}", length=len(raw))
        return _public_key_from_compressed(raw)

    @classmethod
    def from_eip2537(cls, data: bytes) -> BlsPublicKey:
        """Parse the 128-byte EIP-2537 encoding ``x | y`` with the same checks as :meth:`from_bytes`."""
        point = _g1_from_eip2537(bytes(data))
        if point == G1Point.identity():
            raise BlsEncodingError("public key", "the point at infinity is not a public key")
        return cls._trusted(point)

    def to_bytes(self) -> bytes:
        """The 48-byte compressed encoding."""
        return self._compressed

    def to_eip2537(self) -> bytes:
        """The 128-byte EIP-2537 encoding (computed once)."""
        if self._eip2537 is None:
            xy = self._point.to_xy_bytes_be()
            self._eip2537 = _PAD + xy[:48] + _PAD + xy[48:]
        return self._eip2537

    def hex(self) -> str:
        """The compressed key as ``0x`` + 96 hex digits."""
        return "0x" + self._compressed.hex()

    def __bytes__(self) -> bytes:
        return self._compressed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlsPublicKey) and other._compressed == self._compressed

    def __hash__(self) -> int:
        return hash(self._compressed)

    def __repr__(self) -> str:
        return f"BlsPublicKey({self.hex()})"

    _point: G1Point
    _compressed: bytes
    _eip2537: bytes | None


class BlsSignature:
    """A BLS12-381 signature: a point of G2, one signer's or an aggregate.

    :meth:`to_bytes` is the 96-byte compressed form (what validators send to the aggregator), :meth:`to_eip2537`
    the 256-byte form ``CheckpointVerifier.submitCheckpoint`` and ``StakeManager.reportDoubleSign`` take.
    """

    __slots__ = ("_compressed", "_point")

    def __init__(self) -> None:
        raise TypeError("use BlsSignature.from_bytes, BlsSignature.from_eip2537 or BlsSecretKey.sign()")

    @classmethod
    def _trusted(cls, point: G2Point) -> BlsSignature:
        obj = object.__new__(cls)
        obj._point = point
        obj._compressed = point.to_compressed_bytes()
        return obj

    @classmethod
    def from_bytes(cls, data: bytes | str) -> BlsSignature:
        """Parse a 96-byte compressed signature (bytes, or hex); refuses points off the curve or the subgroup."""
        raw = _as_bytes(data, "signature")
        if len(raw) != 96:
            raise BlsEncodingError("signature", f"expected 96 bytes (compressed G2), got {len(raw)}", length=len(raw))
        try:
            point = G2Point.from_compressed_bytes(raw)
        except (ValueError, TypeError) as exc:
            raise BlsEncodingError("signature", f"not a point of G2's prime-order subgroup ({exc})") from exc
        return cls._trusted(point)

    @classmethod
    def from_eip2537(cls, data: bytes) -> BlsSignature:
        """Parse the 256-byte EIP-2537 encoding ``x.c0 | x.c1 | y.c0 | y.c1`` with the same checks."""
        return cls._trusted(_g2_from_eip2537(bytes(data)))

    def to_bytes(self) -> bytes:
        """The 96-byte compressed encoding."""
        return self._compressed

    def to_eip2537(self) -> bytes:
        """The 256-byte EIP-2537 encoding."""
        xy = self._point.to_xy_bytes_be()
        return b"".join(_PAD + xy[i : i + 48] for i in range(0, 192, 48))

    def hex(self) -> str:
        """The compressed signature as ``0x`` + 192 hex digits."""
        return "0x" + self._compressed.hex()

    def __bytes__(self) -> bytes:
        return self._compressed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlsSignature) and other._compressed == self._compressed

    def __hash__(self) -> int:
        return hash(self._compressed)

    def __repr__(self) -> str:
        return f"BlsSignature({self.hex()})"

    _point: G2Point
    _compressed: bytes


@lru_cache(maxsize=8192)
def _public_key_from_compressed(raw: bytes) -> BlsPublicKey:
    # decompression with the subgroup check costs ~50 us; an aggregator parses the same keys every checkpoint
    try:
        point = G1Point.from_compressed_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise BlsEncodingError("public key", f"not a point of G1's prime-order subgroup ({exc})") from exc
    if point == G1Point.identity():
        raise BlsEncodingError("public key", "the point at infinity is not a public key")
    return BlsPublicKey._trusted(point)


@lru_cache(maxsize=256)
def _hash_to_g2(message: bytes, dst: bytes) -> G2Point:
    # ~0.4 ms each; every validator of a run signs the same checkpoint digest, and verifiers check it repeatedly
    return G2Point.hash_to_curve(message, dst)


def _as_bytes(data: bytes | str, kind: str) -> bytes:
    if isinstance(data, str):
        text = data[2:] if data[:2] in ("0x", "0X") else data
        try:
            return bytes.fromhex(text)
        except ValueError as exc:
            raise BlsEncodingError(kind, "not hex") from exc
    return bytes(data)


def _split_fp(data: bytes, count: int, kind: str) -> bytes:
    """The 48-byte big-endian field elements of an EIP-2537 encoding of ``count`` elements, checked."""
    if len(data) != 64 * count:
        raise BlsEncodingError(kind, f"expected {64 * count} bytes (EIP-2537), got {len(data)}", length=len(data))
    out = []
    for i in range(count):
        chunk = data[64 * i : 64 * i + 64]
        if chunk[:16] != _PAD:
            raise BlsEncodingError(kind, f"field element {i} does not start with 16 zero bytes (EIP-2537)")
        if int.from_bytes(chunk[16:], "big") >= _FIELD_MODULUS:
            raise BlsEncodingError(kind, f"field element {i} is not below the field modulus")
        out.append(chunk[16:])
    return b"".join(out)


def _g1_from_eip2537(data: bytes) -> G1Point:
    xy = _split_fp(data, 2, "public key")
    try:
        return G1Point.from_xy_bytes_be(xy)
    except (ValueError, TypeError) as exc:
        raise BlsEncodingError("public key", f"not a point of G1's prime-order subgroup ({exc})") from exc


def _g2_from_eip2537(data: bytes) -> G2Point:
    xy = _split_fp(data, 4, "signature")
    try:
        return G2Point.from_xy_bytes_be(xy)
    except (ValueError, TypeError) as exc:
        raise BlsEncodingError("signature", f"not a point of G2's prime-order subgroup ({exc})") from exc


# --- aggregation and verification ---------------------------------------------------------------------------------


def aggregate_signatures(signatures: Sequence[BlsSignature]) -> BlsSignature:
    """The sum of the signatures (the IETF ``Aggregate``): one 96-byte signature standing for all of them."""
    if not signatures:
        raise ConsensusValueError("cannot aggregate an empty list of signatures")
    acc = signatures[0]._point
    for sig in signatures[1:]:
        acc = acc + sig._point
    return BlsSignature._trusted(acc)


def aggregate_public_keys(public_keys: Sequence[BlsPublicKey]) -> BlsPublicKey:
    """The sum of the public keys: the key an aggregate signature of their holders over one message verifies
    against (safe because every registered key has a proof of possession)."""
    if not public_keys:
        raise ConsensusValueError("cannot aggregate an empty list of public keys")
    acc = public_keys[0]._point
    for pk in public_keys[1:]:
        acc = acc + pk._point
    return BlsPublicKey._trusted(acc)


def verify(public_key: BlsPublicKey, message: bytes, signature: BlsSignature, dst: bytes = SIG_DST) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of ``message`` under ``dst`` (the IETF ``Verify``):
    ``e(pk, H(m)) == e(G1, sig)``, checked as one product of two pairings."""
    if public_key._point == G1Point.identity():  # an aggregate may be the identity; KeyValidate refuses it
        return False
    return GT.pairing_check(
        [public_key._point, _NEG_G1_GENERATOR], [_hash_to_g2(bytes(message), bytes(dst)), signature._point]
    )


def fast_aggregate_verify(
    public_keys: Sequence[BlsPublicKey], message: bytes, signature: BlsSignature, dst: bytes = SIG_DST
) -> bool:
    """Whether ``signature`` is the aggregate of all ``public_keys``' signatures of the one ``message`` (the IETF
    ``FastAggregateVerify``): the contract's check, done off chain. False for an empty list."""
    if not public_keys:
        return False
    return verify(aggregate_public_keys(public_keys), message, signature, dst)


def batch_verify(
    public_keys: Sequence[BlsPublicKey], message: bytes, signatures: Sequence[BlsSignature], dst: bytes = SIG_DST
) -> bool:
    """Whether EVERY ``signatures[i]`` is ``public_keys[i]``'s signature of ``message``, for the price of about one.

    Unlike :func:`fast_aggregate_verify` of the sum, two wrong signatures cannot cancel out: each is weighted with a
    fresh random 64-bit scalar, ``e(sum r_i pk_i, H(m)) == e(G1, sum r_i sig_i)`` (two multi-scalar multiplications
    and one pairing check), which a set with any invalid signature passes with probability at most 2^-64. False for
    empty or unequal lists. When it fails, :func:`verify` each to find the culprits.
    """
    if not public_keys or len(public_keys) != len(signatures):
        return False
    if any(pk._point == G1Point.identity() for pk in public_keys):
        return False
    weights = [Scalar(secrets.randbits(64) | 1) for _ in public_keys]  # | 1: never zero
    pk_sum = G1Point.multiexp_unchecked([pk._point for pk in public_keys], weights)
    sig_sum = G2Point.multiexp_unchecked([s._point for s in signatures], weights)
    return GT.pairing_check([pk_sum, _NEG_G1_GENERATOR], [_hash_to_g2(bytes(message), bytes(dst)), sig_sum])


# --- the messages -------------------------------------------------------------------------------------------------


def domain_id(name: str) -> bytes:
    """The bytes32 id of a checkpoint domain: ``keccak256(name)`` (``"state"``, ``"l2"``, ``"bridge"``)."""
    if not isinstance(name, str) or not name:
        raise ConsensusValueError("a checkpoint domain is a non-empty name", hint='e.g. "state", "l2" or "bridge"')
    return keccak(name.encode("utf-8"))


def checkpoint_digest(
    chain_id: int, verifier_address: str | bytes, domain: bytes, height: int, root: bytes, epoch: int
) -> bytes:
    """The 32 bytes validators sign for checkpoint ``(domain, height, root)`` of ``epoch``:
    ``keccak256(abi.encode(CHECKPOINT_TYPEHASH, chainid, verifier, domain, height, root, epoch))``, the same as
    ``CheckpointVerifier.checkpointDigest`` computes on chain. Binding the chain and the verifier's address keeps a
    signature from being replayed on another chain or deployment."""
    return keccak(
        CHECKPOINT_TYPEHASH
        + _uint_word(chain_id, _UINT256_MAX, "chain id")
        + _address_word(verifier_address, "verifier address")
        + _bytes32(domain, "domain")
        + _uint_word(height, _UINT64_MAX, "height")
        + _bytes32(root, "root")
        + _uint_word(epoch, _UINT64_MAX, "epoch")
    )


def pop_message(
    chain_id: int, stake_manager: str | bytes, owner: str | bytes, signer: str | bytes, public_key: BlsPublicKey
) -> bytes:
    """The 32 bytes a proof of possession signs (with :data:`POP_DST`), as ``StakeManager.popMessage`` computes it:
    ``keccak256(abi.encode(POP_TYPEHASH, chainid, stakeManager, owner, signer, keccak256(pubkey128)))`` with
    ``owner`` the account that calls ``register`` (and funds the stake), ``signer`` the validator's signer address
    and ``pubkey128`` the key's EIP-2537 encoding. Binding the chain, the contract and the owner means a proof seen
    in the mempool cannot be replayed by anyone else."""
    return keccak(
        POP_TYPEHASH
        + _uint_word(chain_id, _UINT256_MAX, "chain id")
        + _address_word(stake_manager, "stake manager address")
        + _address_word(owner, "owner address")
        + _address_word(signer, "signer address")
        + keccak(public_key.to_eip2537())
    )


def _uint_word(value: int, maximum: int, what: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ConsensusValueError(f"{what} must be an integer from 0 to {maximum}, got {value!r}")
    return value.to_bytes(32, "big")


def _bytes32(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        got = f"{len(value)} bytes" if isinstance(value, (bytes, bytearray)) else type(value).__name__
        raise ConsensusValueError(f"{what} must be 32 bytes, got {got}")
    return bytes(value)


def _address_word(value: str | bytes, what: str) -> bytes:
    if isinstance(value, str):
        text = value[2:] if value[:2] in ("0x", "0X") else value
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
    else:
        raw = bytes(value)
    if len(raw) != 20:
        raise ConsensusValueError(f"{what} must be a 20-byte address (0x + 40 hex digits), got {value!r}")
    return _PAD[:12] + raw
