"""The proving engine on its own: Poseidon, the predicate circuits, our Groth16 prover and verifier, the encodings,
and the committed artifacts against the committed ceremony."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from py_arkworks_bls12381 import G1Point, G2Point

from novacron_chain.zk import (
    FIELD_MODULUS,
    Groth16Proof,
    StatementFalseError,
    ZkValueError,
    commit,
    poseidon2,
    prove_predicate,
    text_code,
    verify_predicate,
    verifying_key,
)
from novacron_chain.zk._keys import ProvingKey, read_zkey

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "src/novacron_chain/zk/artifacts"
SALT = 0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0


def test_poseidon_matches_the_generator_reference() -> None:
    sys.path.insert(0, str(ROOT / "scripts/zk"))
    try:
        import poseidon_params as ref  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    constants, mds = ref.generate(ref.BLS12_381_R, 255)
    for a, b in [(0, 0), (1, 2), (2**64 - 1, FIELD_MODULUS - 1), (123456789, SALT)]:
        assert poseidon2(a, b) == ref.poseidon([a, b], ref.BLS12_381_R, constants, mds)
    # pinned: changing the parameters changes every commitment ever issued
    assert poseidon2(1, 2) == 0x28CE19420FC246A05553AD1E8C98F5C9D67166BE2C18E9E4CB4B4E317DD2A78A
    # the same generator gives circomlib's BN254 constants (the generator is the reference algorithm)
    bn_constants, _ = ref.generate(ref.BN254_R, 254)
    assert bn_constants[0] == 0x0EE9A592BA9A9518D05986D656F40C2114C4993C11BB29938D21D47304CD8E6E
    assert ref.poseidon([1, 2], ref.BN254_R, *ref.generate(ref.BN254_R, 254)) == (
        0x115CC0F5E7D690413DF64C6B9662E9CF2A3617F2743245519E19607A4417189A  # circomlibjs poseidon([1, 2])
    )


@pytest.mark.parametrize(
    ("op", "threshold", "holds"),
    [(0, 3, True), (0, 4, False), (1, 4, True), (1, 5, False), (2, 5, True), (2, 4, False), (3, 4, True),
     (3, 3, False), (4, 4, True), (4, 5, False)],
)  # fmt: skip
def test_compare_proves_exactly_the_true_statements(op: int, threshold: int, holds: bool) -> None:
    if not holds:
        with pytest.raises(StatementFalseError):
            prove_predicate("compare", value=4, salt=SALT, op=op, threshold=threshold, context=7)
        return
    proof, publics = prove_predicate("compare", value=4, salt=SALT, op=op, threshold=threshold, context=7)
    assert publics == [commit(4, SALT), op, threshold, 7]
    assert verify_predicate("compare", proof, publics)


def test_64_bit_edges() -> None:
    top = 2**64 - 1
    proof, publics = prove_predicate("compare", value=top, salt=SALT, op=0, threshold=top - 1, context=1)
    assert verify_predicate("compare", proof, publics)
    with pytest.raises(StatementFalseError):  # 2^64 does not pass the range check, even with a "true" predicate
        prove_predicate("compare", value=2**64, salt=SALT, commitment=commit(2**64, SALT), op=0, threshold=1,
                        context=1)  # fmt: skip
    with pytest.raises(ZkValueError):
        prove_predicate("compare", value=4, salt=SALT, op=0, threshold=2**64, context=1)
    with pytest.raises(ZkValueError):
        prove_predicate("compare", value=4, salt=SALT, op=5, threshold=1, context=1)


def test_a_wrong_opening_has_no_proof() -> None:
    with pytest.raises(StatementFalseError):
        prove_predicate("compare", value=5, salt=SALT, commitment=commit(4, SALT), op=0, threshold=2, context=1)


def test_membership() -> None:
    regions = [text_code("us-east-1"), text_code("eu-west-1")]
    proof, publics = prove_predicate("member", value=regions[1], salt=SALT, members=regions, context=9)
    assert publics == [commit(regions[1], SALT), regions[0], regions[1], *[regions[0]] * 6, 9]
    assert verify_predicate("member", proof, publics)
    with pytest.raises(StatementFalseError):
        prove_predicate("member", value=text_code("ap-south-1"), salt=SALT, members=regions, context=9)


def test_tampering_fails_verification() -> None:
    proof, publics = prove_predicate("compare", value=4, salt=SALT, op=1, threshold=3, context=11)
    for changed in (
        [*publics[:2], 2, 11],
        [*publics[:3], 12],
        [publics[0] + 1, *publics[1:]],
        [*publics[:1], 0, 3, 11],
    ):
        assert not verify_predicate("compare", proof, changed)
    g1, g2 = G1Point(), G2Point()
    assert not verify_predicate("compare", Groth16Proof(proof.a + g1, proof.b, proof.c), publics)
    assert not verify_predicate("compare", Groth16Proof(proof.a, proof.b + g2, proof.c), publics)
    assert not verify_predicate("compare", Groth16Proof(proof.a, proof.b, proof.c + g1), publics)
    assert not verify_predicate("compare", proof, publics[:3])
    assert not verify_predicate("compare", proof, [*publics[:3], FIELD_MODULUS + 11])
    # another circuit's key refuses it
    assert not verify_predicate("member", proof, [*publics, *[0] * 6])


def test_proofs_are_randomised_and_encodings_round_trip() -> None:
    p1, publics = prove_predicate("compare", value=4, salt=SALT, op=1, threshold=3, context=11)
    p2, _ = prove_predicate("compare", value=4, salt=SALT, op=1, threshold=3, context=11)
    assert p1.to_eip2537() != p2.to_eip2537()
    raw = p1.to_eip2537()
    assert len(raw) == 512
    assert len(p1.to_compressed()) == 192
    again = Groth16Proof.from_eip2537(raw)
    assert again.to_eip2537() == raw
    assert verify_predicate("compare", again, publics)
    bad = bytearray(raw)
    bad[127] ^= 1  # a point off the curve
    with pytest.raises(ValueError, match="subgroup"):
        Groth16Proof.from_eip2537(bytes(bad))
    with pytest.raises(ValueError, match="512"):
        Groth16Proof.from_eip2537(raw[:-1])


def test_committed_artifacts_come_from_the_committed_ceremony() -> None:
    """What `scripts/zk/build.py --verify-setup` checks without node: the manifest's hashes, and the proving and
    verification keys are exactly the conversion of the ceremony's final zkeys."""
    manifest = json.loads((ARTIFACTS / "manifest.json").read_text())
    ceremony = ROOT / "circuits/ceremony"
    for name in ("compare", "member"):
        entry = manifest[name]
        for kind, path in (("wasm", ARTIFACTS / f"{name}.wasm"), ("pk", ARTIFACTS / f"{name}.pk"),
                           ("vk", ARTIFACTS / f"{name}.vk.json"), ("zkey", ceremony / f"{name}.zkey"),
                           ("r1cs", ceremony / f"{name}.r1cs")):  # fmt: skip
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry[kind], (name, kind)
        pk, vk = read_zkey(ceremony / f"{name}.zkey")
        assert pk.to_bytes() == (ARTIFACTS / f"{name}.pk").read_bytes()
        assert ProvingKey.from_bytes(pk.to_bytes()).to_bytes() == pk.to_bytes()
        assert vk.to_eip2537() == verifying_key(name).to_eip2537()
        assert vk.n_public == len(entry["publicInputs"])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to run snarkjs")
def test_snarkjs_accepts_our_proofs(tmp_path: Path) -> None:
    snarkjs = ROOT / "node_modules/.bin/snarkjs"
    if not snarkjs.exists():
        pytest.skip("snarkjs is not installed (npm ci)")
    proof, publics = prove_predicate("compare", value=8, salt=SALT, op=1, threshold=4, context=5)
    (tmp_path / "proof.json").write_text(json.dumps(proof.to_snarkjs()))
    (tmp_path / "public.json").write_text(json.dumps([str(x) for x in publics]))
    args = [str(snarkjs), "groth16", "verify", str(ARTIFACTS / "compare.vk.json")]
    ok = subprocess.run([*args, str(tmp_path / "public.json"), str(tmp_path / "proof.json")], capture_output=True,
                        text=True, check=False)  # fmt: skip
    assert "OK!" in ok.stdout + ok.stderr, ok.stdout + ok.stderr
    (tmp_path / "public.json").write_text(json.dumps([str(x) for x in [*publics[:2], 5, publics[3]]]))
    bad = subprocess.run([*args, str(tmp_path / "public.json"), str(tmp_path / "proof.json")], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert "Invalid proof" in bad.stdout + bad.stderr


def test_the_sample_for_the_contract_tests_is_valid() -> None:
    """tests/zk/data/sample_proof.json (scripts/zk/sample.py) verifies with the committed key, its claim signature
    is the sample issuer's, and its negative cases fail."""
    from novacron_chain.chain import Signer
    from novacron_chain.zk import committed_claim_digest
    from novacron_chain.zk._commit import recover_signer

    sample = json.loads((ROOT / "tests/zk/data/sample_proof.json").read_text())
    assert sample["verifyingKeyEip2537"] == "0x" + verifying_key("compare").to_eip2537().hex()
    proof = Groth16Proof.from_eip2537(bytes.fromhex(sample["proof"][2:]))
    publics = [int(x) for x in sample["publicInputs"]]
    assert verify_predicate("compare", proof, publics)
    for bad in sample["negative"].values():
        assert not verify_predicate("compare", proof, [int(x) for x in bad])
    c = sample["claim"]
    digest = committed_claim_digest(
        c["issuer"], c["subject"], bytes.fromhex(c["credentialId"][2:]), c["claim"], int(c["commitment"]), 0
    )
    assert "0x" + digest.hex() == c["digest"]
    issuer = Signer(bytes.fromhex(sample["keys"]["issuerPrivateKey"][2:])).address
    assert recover_signer(digest, bytes.fromhex(c["signature"][2:])) == issuer == c["issuer"]
    assert int(c["commitment"]) == publics[0]
