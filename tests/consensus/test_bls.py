"""BLS signatures against py_ecc, the consensus-spec reference implementation: the same bytes, the same verdicts.

py_ecc is slow (a signature ~0.2 s, a verification ~0.5 s), so each test makes only a few reference calls.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from eth_abi import encode
from eth_hash.auto import keccak
from py_ecc.bls.ciphersuites import G2ProofOfPossession
from py_ecc.bls.g2_primitives import pubkey_to_G1, signature_to_G2
from py_ecc.fields.field_properties import field_properties
from py_ecc.optimized_bls12_381.optimized_curve import normalize

from novacron_chain.consensus import (
    CHECKPOINT_TYPEHASH,
    CURVE_ORDER,
    POP_DST,
    POP_TYPEHASH,
    SIG_DST,
    BlsEncodingError,
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
    ConsensusValueError,
    aggregate_public_keys,
    aggregate_signatures,
    batch_verify,
    checkpoint_digest,
    domain_id,
    fast_aggregate_verify,
    pop_message,
    verify,
)

#: the reference, untyped here: its NewType'd bytes (BLSPubkey, BLSSignature) are plain bytes at run time
Ref: Any = G2ProofOfPossession
field_modulus: int = field_properties["bls12_381"]["field_modulus"]
VERIFIER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SIGNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OWNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def keys(n: int, tag: bytes = b"k") -> list[BlsSecretKey]:
    return [BlsSecretKey.from_seed(hashlib.sha256(tag + bytes([i])).digest()) for i in range(n)]


def fp64(value: int) -> bytes:
    return bytes(16) + value.to_bytes(48, "big")


def test_eip2335_secret_gives_the_eip2335_pubkey() -> None:
    sk = BlsSecretKey.from_bytes(bytes.fromhex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"))
    expected = "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07"
    assert sk.public_key().to_bytes().hex() == expected
    assert "0x9612d7a7" in repr(sk)
    assert "19d6689c" not in repr(sk)


def test_keygen_matches_the_reference() -> None:
    ikm = bytes(range(32))
    for info in (b"", b"novacron"):
        sk = BlsSecretKey.from_seed(ikm, info)
        assert int.from_bytes(sk.to_bytes(), "big") == Ref.KeyGen(ikm, info)
    assert BlsSecretKey.generate().to_bytes() != BlsSecretKey.generate().to_bytes()
    with pytest.raises(BlsEncodingError, match="at least 32 bytes"):
        BlsSecretKey.from_seed(b"short")


def test_public_keys_and_both_tags_sign_as_the_reference() -> None:
    sk = keys(1)[0]
    secret = int.from_bytes(sk.to_bytes(), "big")
    assert sk.public_key().to_bytes() == Ref.SkToPk(secret)
    msg = os.urandom(32)
    assert sk.sign(msg).to_bytes() == Ref.Sign(secret, msg)
    assert sk.sign(msg, POP_DST).to_bytes() == Ref._CoreSign(secret, msg, POP_DST)
    assert sk.sign(msg) != sk.sign(msg, POP_DST)  # the tags separate the two uses
    long_msg = b"not a digest " * 20
    assert sk.sign(long_msg).to_bytes() == Ref.Sign(secret, long_msg)


def test_verify_agrees_with_the_reference() -> None:
    a, b = keys(2)
    msg, other = b"\x01" * 32, b"\x02" * 32
    sig = a.sign(msg)
    cases = [
        (a.public_key(), msg, sig, True),
        (b.public_key(), msg, sig, False),  # another key
        (a.public_key(), other, sig, False),  # another message
        (a.public_key(), msg, a.sign(msg, POP_DST), False),  # right key and message, wrong tag
    ]
    for pk, m, s, expected in cases:
        assert verify(pk, m, s) is expected
        assert Ref.Verify(pk.to_bytes(), m, s.to_bytes()) is expected
    assert verify(a.public_key(), msg, a.sign(msg, POP_DST), POP_DST)
    assert Ref._CoreVerify(a.public_key().to_bytes(), msg, a.sign(msg, POP_DST).to_bytes(), POP_DST)


def test_aggregation_matches_the_reference() -> None:
    sks = keys(5)
    msg = keccak(b"checkpoint")
    sigs = [sk.sign(msg) for sk in sks]
    agg = aggregate_signatures(sigs)
    assert agg.to_bytes() == Ref.Aggregate([s.to_bytes() for s in sigs])
    pks = [sk.public_key() for sk in sks]
    assert aggregate_public_keys(pks).to_bytes() == Ref._AggregatePKs([pk.to_bytes() for pk in pks])
    assert fast_aggregate_verify(pks, msg, agg)
    assert Ref.FastAggregateVerify([pk.to_bytes() for pk in pks], msg, agg.to_bytes())
    # one signer missing: both refuse
    assert not fast_aggregate_verify(pks[:4], msg, agg)
    assert not Ref.FastAggregateVerify([pk.to_bytes() for pk in pks[:4]], msg, agg.to_bytes())
    assert not fast_aggregate_verify([], msg, agg)
    with pytest.raises(ConsensusValueError):
        aggregate_signatures([])
    with pytest.raises(ConsensusValueError):
        aggregate_public_keys([])


def test_batch_verify_catches_what_the_sum_hides() -> None:
    sks = keys(4)
    msg = b"\x07" * 32
    sigs = [sk.sign(msg) for sk in sks]
    pks = [sk.public_key() for sk in sks]
    assert batch_verify(pks, msg, sigs)
    # two forged signatures whose errors cancel in the sum: the aggregate check passes, the batch check does not
    delta = keys(1, b"delta")[0].sign(msg)
    neg_delta = BlsSignature._trusted(-delta._point)
    forged = [aggregate_signatures([sigs[0], delta]), aggregate_signatures([sigs[1], neg_delta]), *sigs[2:]]
    assert not verify(pks[0], msg, forged[0])
    assert fast_aggregate_verify(pks, msg, aggregate_signatures(forged))
    assert not batch_verify(pks, msg, forged)
    assert not batch_verify(pks, msg, sigs[:3])  # lengths differ
    assert not batch_verify([], msg, [])


def test_eip2537_encodings_are_the_reference_coordinates() -> None:
    sk = keys(1)[0]
    pk, sig = sk.public_key(), sk.sign(b"m" * 32)
    x, y = normalize(pubkey_to_G1(pk.to_bytes()))  # type: ignore[arg-type]
    assert pk.to_eip2537() == fp64(x.n) + fp64(y.n)
    sx, sy = normalize(signature_to_G2(sig.to_bytes()))  # type: ignore[arg-type]
    assert sig.to_eip2537() == b"".join(fp64(int(c)) for c in (*sx.coeffs, *sy.coeffs))  # x.c0, x.c1, y.c0, y.c1
    assert BlsPublicKey.from_eip2537(pk.to_eip2537()) == pk
    assert BlsSignature.from_eip2537(sig.to_eip2537()) == sig
    # an aggregate public key can be the identity only by accident; its encoding is all zeros, as EIP-2537 says
    assert aggregate_signatures([sig, BlsSignature._trusted(-sig._point)]).to_eip2537() == bytes(256)


def test_bad_points_are_refused_with_a_clear_error() -> None:
    pk = keys(1)[0].public_key()
    enc = pk.to_eip2537()
    bad_pad = b"\x01" + enc[1:]
    with pytest.raises(BlsEncodingError, match="16 zero bytes"):
        BlsPublicKey.from_eip2537(bad_pad)
    above_p = fp64(field_modulus) + enc[64:]  # x = p: not a field element
    with pytest.raises(BlsEncodingError, match="field modulus"):
        BlsPublicKey.from_eip2537(above_p)
    off_curve = enc[:-1] + bytes([enc[-1] ^ 1])
    with pytest.raises(BlsEncodingError, match="G1"):
        BlsPublicKey.from_eip2537(off_curve)
    with pytest.raises(BlsEncodingError, match="128 bytes"):
        BlsPublicKey.from_eip2537(enc[:127])
    with pytest.raises(BlsEncodingError, match="infinity"):
        BlsPublicKey.from_eip2537(bytes(128))
    with pytest.raises(BlsEncodingError, match="infinity"):
        BlsPublicKey.from_bytes(bytes([0xC0]) + bytes(47))
    with pytest.raises(BlsEncodingError, match="48 bytes"):
        BlsPublicKey.from_bytes(pk.to_bytes()[:47])
    with pytest.raises(BlsEncodingError, match="not hex"):
        BlsPublicKey.from_bytes("0xzz")
    # a point on the curve outside the prime-order subgroup (G1's cofactor is not 1)
    x = next(v for v in range(1, 100) if pow(v**3 + 4, (field_modulus - 1) // 2, field_modulus) == 1)
    y = pow(x**3 + 4, (field_modulus + 1) // 4, field_modulus)
    with pytest.raises(BlsEncodingError, match="subgroup"):
        BlsPublicKey.from_eip2537(fp64(x) + fp64(y))
    sig = keys(1)[0].sign(b"x")
    with pytest.raises(BlsEncodingError, match="96 bytes"):
        BlsSignature.from_bytes(sig.to_bytes()[1:])
    with pytest.raises(BlsEncodingError, match="256 bytes"):
        BlsSignature.from_eip2537(sig.to_eip2537() + b"\0")
    for bad in (0, CURVE_ORDER, -1):
        with pytest.raises(BlsEncodingError):
            BlsSecretKey(bad)
    with pytest.raises(TypeError):
        BlsPublicKey()


def test_points_round_trip_through_bytes_and_hex() -> None:
    sk = keys(1)[0]
    pk, sig = sk.public_key(), sk.sign(b"r")
    assert BlsPublicKey.from_bytes(pk.hex()) == pk == BlsPublicKey.from_bytes(bytes(pk))
    assert BlsSignature.from_bytes(sig.hex()[2:]) == sig
    assert len({pk, BlsPublicKey.from_bytes(pk.to_bytes())}) == 1
    assert BlsSecretKey.from_bytes(sk.to_bytes()).public_key() == pk


def test_checkpoint_digest_is_abi_encode_then_keccak() -> None:
    assert keccak(b"NovaCronCheckpoint(bytes32 domain,uint64 height,bytes32 root,uint64 epoch)") == CHECKPOINT_TYPEHASH
    domain, root = domain_id("state"), b"\xab" * 32
    expected = keccak(
        encode(
            ["bytes32", "uint256", "address", "bytes32", "uint64", "bytes32", "uint64"],
            [CHECKPOINT_TYPEHASH, 31337, VERIFIER, domain, 2**64 - 1, root, 42],
        )
    )
    assert checkpoint_digest(31337, VERIFIER, domain, 2**64 - 1, root, 42) == expected
    assert checkpoint_digest(31337, bytes.fromhex(VERIFIER[2:]), domain, 2**64 - 1, root, 42) == expected
    assert checkpoint_digest(31337, VERIFIER.lower(), domain, 2**64 - 1, root, 43) != expected
    assert domain_id("state") == keccak(b"state")
    assert domain_id("l2") != domain_id("bridge")
    for bad in (
        {"height": 2**64},
        {"height": -1},
        {"root": b"\x01" * 31},
        {"verifier_address": "0x1234"},
        {"chain_id": True},
    ):
        args = {
            "chain_id": 1,
            "verifier_address": VERIFIER,
            "domain": domain,
            "height": 1,
            "root": root,
            "epoch": 0,
        } | bad
        with pytest.raises(ConsensusValueError):
            checkpoint_digest(**args)  # type: ignore[arg-type]
    with pytest.raises(ConsensusValueError):
        domain_id("")


def test_proof_of_possession_is_bound_to_chain_manager_owner_and_signer() -> None:
    sk = keys(1)[0]
    pk = sk.public_key()
    assert keccak(b"NovaCronProofOfPossession(address owner,address signer,bytes pubkey)") == POP_TYPEHASH
    expected = keccak(
        encode(
            ["bytes32", "uint256", "address", "address", "address", "bytes32"],
            [POP_TYPEHASH, 31337, VERIFIER, OWNER, SIGNER, keccak(pk.to_eip2537())],
        )
    )
    assert pop_message(31337, VERIFIER, OWNER, SIGNER, pk) == expected
    pop = sk.prove_possession(31337, VERIFIER, OWNER, SIGNER)
    assert verify(pk, expected, pop, POP_DST)
    assert pop.to_bytes() == Ref._CoreSign(int.from_bytes(sk.to_bytes(), "big"), expected, POP_DST)
    assert not verify(pk, pop_message(31337, VERIFIER, SIGNER, SIGNER, pk), pop, POP_DST)  # another owner
    assert not verify(pk, pop_message(31337, VERIFIER, OWNER, OWNER, pk), pop, POP_DST)  # another signer
    assert not verify(pk, pop_message(1, VERIFIER, OWNER, SIGNER, pk), pop, POP_DST)  # another chain
    assert not verify(pk, expected, pop, SIG_DST)  # never usable as a checkpoint signature
