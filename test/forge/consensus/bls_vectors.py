"""Prints the py_ecc reference vectors that BLS.t.sol checks the Solidity BLS library against.

Run from the repository root: `.venv/bin/python test/forge/consensus/bls_vectors.py`. py_ecc (the Ethereum consensus
spec's reference implementation, installed as a web3 dependency) computes RFC 9380 hash_to_curve and BLS signatures;
the output is Solidity hex literals in the EIP-2537 encodings (Fp: 16 zero bytes + 48 bytes; G2: x.c0, x.c1, y.c0,
y.c1).
"""

from __future__ import annotations

import hashlib

from py_ecc.bls import G2ProofOfPossession as bls
from py_ecc.bls.g2_primitives import G1_to_pubkey, pubkey_to_G1, signature_to_G2
from py_ecc.bls.hash import expand_message_xmd
from py_ecc.bls.hash_to_curve import hash_to_G2
from py_ecc.optimized_bls12_381 import normalize

DST_SIG = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
DST_POP = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
DST_QUUX = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"


def fp(v: int) -> str:
    return (b"\x00" * 16 + int(v).to_bytes(48, "big")).hex()


def g1(point: object) -> str:
    x, y = normalize(point)  # type: ignore[arg-type]
    return fp(x) + fp(y)


def g2(point: object) -> str:
    x, y = normalize(point)  # type: ignore[arg-type]
    return fp(x.coeffs[0]) + fp(x.coeffs[1]) + fp(y.coeffs[0]) + fp(y.coeffs[1])


def main() -> None:
    print('// expand_message_xmd("", QUUX expander DST, 32)')
    print(expand_message_xmd(b"", b"QUUX-V01-CS02-with-expander-SHA256-128", 32, hashlib.sha256).hex())
    print('// expand_message_xmd("abc", DST_SIG, 256)')
    print(expand_message_xmd(b"abc", DST_SIG, 256, hashlib.sha256).hex())
    digest = hashlib.sha256(b"NovaCron checkpoint").digest()
    for name, msg in (("empty", b""), ("abc", b"abc"), ("digest", digest)):
        for dname, dst in (("QUUX", DST_QUUX), ("SIG", DST_SIG), ("POP", DST_POP)):
            print(f"// hash_to_G2({name}, {dname})")
            print(g2(hash_to_G2(msg, dst, hashlib.sha256)))
    sk = 0x2B1B1AB4D4C8F2E4B23F5E7E2D3B2C1A0F9E8D7C6B5A49382716051423324150
    pk = bls.SkToPk(sk)
    rows = [
        ("sk", hex(sk)),
        ("pk (G1)", g1(pubkey_to_G1(pk))),
        ("digest", digest.hex()),
        ("Sign(sk, digest), DST_SIG", g2(signature_to_G2(bls.Sign(sk, digest)))),
        ("_CoreSign(sk, digest, DST_POP)", g2(signature_to_G2(bls._CoreSign(sk, digest, DST_POP)))),
    ]
    for label, value in rows:
        print(f"// {label}")
        print(value)
    assert G1_to_pubkey(pubkey_to_G1(pk)) == pk


if __name__ == "__main__":
    main()
