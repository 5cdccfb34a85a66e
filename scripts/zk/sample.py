"""Write tests/zk/data/sample_proof.json: a proof of the compare circuit for fixed inputs, with everything a
contract test needs (the on-chain verifier's key bytes, the 512-byte proof, the public inputs, and a committed claim
signed by a fixed test issuer key with its EIP-712 digest). No node needed.

    python scripts/zk/sample.py [OUT]

The proof is randomised (Groth16's r, s), so each run writes a different but equally valid proof. The context is
the CapacityRegistry's for chain 31337, registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 (anvil's first
deployment address), provider = the subject, nonce 0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from eth_hash.auto import keccak  # noqa: E402

from novacron_chain.chain import Signer  # noqa: E402
from novacron_chain.zk._circuits import prove_predicate, verify_predicate, verifying_key  # noqa: E402
from novacron_chain.zk._commit import commit, committed_claim_digest, sign_digest  # noqa: E402
from novacron_chain.zk._field import FIELD_MODULUS  # noqa: E402

ISSUER_KEY = keccak(b"novacron zk sample issuer")
SUBJECT_KEY = keccak(b"novacron zk sample subject")
CHAIN_ID = 31337
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def capacity_context(chain_id: int, registry: str, provider: str, nonce: int) -> int:
    tag = keccak(b"NovaCron.CapacityRegistry.v1")
    word = keccak(
        tag
        + chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(registry[2:])
        + bytes(12)
        + bytes.fromhex(provider[2:])
        + nonce.to_bytes(32, "big")
    )
    return int.from_bytes(word, "big") % FIELD_MODULUS


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "tests/zk/data/sample_proof.json"
    issuer, subject = Signer(ISSUER_KEY), Signer(SUBJECT_KEY)
    value, salt = 8, int.from_bytes(keccak(b"novacron zk sample salt"), "big") % FIELD_MODULUS
    commitment = commit(value, salt)
    credential_id_text = "urn:uuid:00000000-0000-4000-8000-000000000018"
    credential_id = keccak(credential_id_text.encode())
    expires_at = 0
    digest = committed_claim_digest(issuer.address, subject.address, credential_id, "cpu", commitment, expires_at)
    context = capacity_context(CHAIN_ID, REGISTRY, subject.address, 0)
    proof, publics = prove_predicate("compare", value=value, salt=salt, op=1, threshold=4, context=context)
    assert verify_predicate("compare", proof, publics)
    vk = verifying_key("compare")
    sample = {
        "circuit": "compare",
        "statement": "cpu >= 4 (the certified value is 8, private)",
        "verifyingKeyFile": "src/novacron_chain/zk/artifacts/compare.vk.json",
        "verifyingKeyEip2537": "0x" + vk.to_eip2537().hex(),
        "proof": "0x" + proof.to_eip2537().hex(),
        "proofCompressed": "0x" + proof.to_compressed().hex(),
        "proofSnarkjs": proof.to_snarkjs(),
        "publicInputs": [str(x) for x in publics],
        "publicInputNames": ["commitment", "op", "threshold", "context"],
        "context": {"chainId": CHAIN_ID, "registry": REGISTRY, "provider": subject.address, "nonce": 0},
        "claim": {
            "issuer": issuer.address,
            "subject": subject.address,
            "credentialIdText": credential_id_text,
            "credentialId": "0x" + credential_id.hex(),
            "claim": "cpu",
            "commitment": str(commitment),
            "expiresAt": expires_at,
            "digest": "0x" + digest.hex(),
            "signature": "0x" + sign_digest(issuer, digest).hex(),
        },
        "keys": {"issuerPrivateKey": "0x" + ISSUER_KEY.hex(), "subjectPrivateKey": "0x" + SUBJECT_KEY.hex()},
        "negative": {
            "wrongThreshold": [str(publics[0]), "1", "9", str(publics[3])],
            "wrongContext": [str(publics[0]), "1", "4", str((context + 1) % FIELD_MODULUS)],
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(sample, indent=1) + "\n")
    print("wrote", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
