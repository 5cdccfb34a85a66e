"""The Python side of the ZK contracts, off chain: EIP-2537 encodings of keys and proofs agree with the engine's,
the registry's context and claim digest with the engine's sample, bad input gets a clear error; and the trapdoor
simulation the forge vectors use makes proofs the engine's verifier accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_utils import keccak

from novacron_chain.chain import Signer
from novacron_chain.errors import NovaValueError
from novacron_chain.zk import Groth16Proof, committed_claim_digest, verifying_key
from novacron_chain.zk._commit import recover_signer
from novacron_chain.zk._deploy import verifier_constructor_args, verifying_key_bytes
from novacron_chain.zk._groth16 import verify
from novacron_chain.zk._keys import VerifyingKey
from novacron_chain.zk._onchain import (
    ONCHAIN_ERROR_HINTS,
    PROOF_LENGTH,
    capacity_context,
    encode_g1,
    encode_g2,
    encode_proof,
    encode_verifying_key,
    sign_committed_claim,
)
from novacron_chain.zk._onchain import committed_claim_digest as onchain_claim_digest
from tests.zk_onchain.simulated import simulated_proof, simulated_setup

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = json.loads((ROOT / "tests" / "zk" / "data" / "sample_proof.json").read_text())
VK_JSON = json.loads((ROOT / "src" / "novacron_chain" / "zk" / "artifacts" / "compare.vk.json").read_text())


def _hex(s: str) -> bytes:
    return bytes.fromhex(s[2:])


def test_verifying_key_encoding_matches_the_engine() -> None:
    key = encode_verifying_key(VK_JSON)
    assert key == verifying_key("compare").to_eip2537() == _hex(SAMPLE["verifyingKeyEip2537"])
    assert len(key) == 896 + 128 * 5
    assert verifying_key_bytes() == key
    args = verifier_constructor_args()
    assert args["args"] == ["0x" + key.hex()]
    assert args["verifyingKeyHash"] == "0x" + keccak(key).hex()


def test_proof_encoding_matches_the_engine() -> None:
    proof = _hex(SAMPLE["proof"])
    assert len(proof) == PROOF_LENGTH
    assert encode_proof(SAMPLE["proofSnarkjs"]) == proof
    assert encode_proof(proof) == proof
    assert Groth16Proof.from_eip2537(proof).to_eip2537() == proof


def test_context_and_claim_digest_match_the_sample() -> None:
    c = SAMPLE["context"]
    assert capacity_context(c["chainId"], c["registry"], c["provider"], c["nonce"]) == int(SAMPLE["publicInputs"][3])
    claim = SAMPLE["claim"]
    fields = (
        claim["issuer"],
        claim["subject"],
        _hex(claim["credentialId"]),
        claim["claim"],
        int(claim["commitment"]),
        claim["expiresAt"],
    )
    digest = onchain_claim_digest(*fields)
    assert digest == committed_claim_digest(*fields) == _hex(claim["digest"])
    assert recover_signer(digest, _hex(claim["signature"])) == claim["issuer"]
    issuer = Signer(_hex(SAMPLE["keys"]["issuerPrivateKey"]))
    assert sign_committed_claim(issuer, *fields) == _hex(claim["signature"])  # RFC 6979: deterministic


def test_simulated_proofs_pass_the_engines_verifier() -> None:
    vk_json, trapdoor = simulated_setup(4)
    vk = VerifyingKey.from_snarkjs(vk_json)
    inputs = [3, 0, 2**64 - 1, 12345]
    proof = Groth16Proof.from_eip2537(encode_proof(simulated_proof(trapdoor, inputs)))
    assert verify(vk, proof, inputs)
    assert not verify(vk, proof, [3, 0, 2**64 - 1, 12346])


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ({**VK_JSON, "curve": "bn128"}, "curve"),
        ({k: v for k, v in VK_JSON.items() if k != "IC"}, "IC"),
        ({**VK_JSON, "IC": VK_JSON["IC"][:1]}, "public inputs"),
        ({**VK_JSON, "vk_alpha_1": [str(2**384), "1", "1"]}, "base field"),
        ({**VK_JSON, "vk_alpha_1": ["1", "2", "5"]}, "affine"),
        ({**VK_JSON, "vk_beta_2": VK_JSON["vk_alpha_1"]}, "Fp2"),
        ({**VK_JSON, "vk_alpha_1": ["x", "1", "1"]}, "not an integer"),
    ],
)
def test_bad_keys_get_clear_errors(bad: dict[str, object], match: str) -> None:
    with pytest.raises(NovaValueError, match=match):
        encode_verifying_key(bad)


def test_bad_proofs_and_points_get_clear_errors() -> None:
    with pytest.raises(NovaValueError, match="512 bytes"):
        encode_proof(b"\x00" * 511)
    with pytest.raises(NovaValueError, match="pi_c"):
        encode_proof({"pi_a": ["1", "2", "1"], "pi_b": [["1", "2"], ["3", "4"], ["1", "0"]]})
    assert encode_g1(["0", "1", "0"]) == bytes(128)  # snarkjs's infinity
    assert encode_g2([["0", "0"], ["1", "0"], ["0", "0"]]) == bytes(256)
    with pytest.raises(NovaValueError, match="point"):
        encode_g1("12")
    with pytest.raises(NovaValueError, match="32 bytes"):
        onchain_claim_digest(SAMPLE["claim"]["issuer"], SAMPLE["claim"]["subject"], b"\x01", "cpu", 1)


def test_every_contract_error_has_a_hint() -> None:
    from novacron_chain.artifacts import load_artifact

    errors = {
        item["name"]
        for name in ("Groth16Verifier", "CapacityRegistry")
        for item in load_artifact(name).abi
        if item.get("type") == "error"
    }
    ours = {e for e in errors if e.startswith(("Groth16", "CapacityRegistry"))}
    assert ours == set(ONCHAIN_ERROR_HINTS)
    assert all(len(hint) > 20 for hint in ONCHAIN_ERROR_HINTS.values())
