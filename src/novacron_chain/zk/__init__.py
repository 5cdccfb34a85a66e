"""Zero-knowledge proofs over verifiable credentials: "cpu > 2" proven without revealing the CPU count.

An issuer commits to each claim of a credential (``C = Poseidon(value, salt)``) and signs the commitments (in the
``vc+jwt``, and per claim as EIP-712 typed data that contracts check). The holder keeps the values and salts and
proves predicates over them with Groth16 over BLS12-381: ``cpu > 2``, ``memory >= 8192``,
``region in {us-east-1, eu-west-1}`` (operators > >= < <= ==, integers 0 .. 2^64 - 1, sets of up to 8 members).
A proof reveals the predicate and the commitment, nothing else about the value; it is bound to a verifier, its
nonce and the holder's DID. Verification checks the proof (four pairings, ~2 ms), the issuer's signature, the
credential's revocation and expiry on chain, and the nonce.

::

    from novacron_chain.did import DIDManager

    zc = dm.issue_zk_credential(issuer_did, host_did, {"cpu": 4, "region": "us-east-1"}, issuer_key)
    proof = dm.create_zk_proof("I have more than 2 CPUs", zc, predicate="cpu > 2", nonce=n, verifier="scheduler")
    dm.verify_zk_proof(proof.to_json(), nonce=n, verifier="scheduler").valid      # True

The circuits (``circuits/*.circom``) are compiled by circom and their keys made by a snarkjs ceremony at build time
(``scripts/zk/build.py``); the prover and the verifier here are our own Python on py-arkworks, and the witness
generator runs in wasmtime: no node and nothing GPL at run time. Trust assumption: the keys are sound if at least
one contribution to each phase of the ceremony (``circuits/ceremony/``) was honest. The commitment is public, so
two proofs from one credential are linkable (the value stays hidden).

Errors are :class:`ZkError` subclasses (the tree is in :mod:`novacron_chain.zk._errors`).
"""

from __future__ import annotations

from ._circuits import CIRCUITS, prove_predicate, verify_predicate, verifying_key
from ._commit import commit, encode_value, holder_digest, proof_context, text_code
from ._deploy import check_verifying_key, deploy_steps
from ._errors import (
    ERROR_HINTS,
    ClaimNotCommittedError,
    CredentialNotUsableError,
    PredicateSyntaxError,
    ProofFormatError,
    StatementFalseError,
    ZkArtifactError,
    ZkError,
    ZkProofInvalidError,
    ZkValueError,
)
from ._field import FIELD_MODULUS
from ._groth16 import Groth16Proof
from ._keys import VerifyingKey
from ._manager import COMMITTED_CREDENTIAL_TYPE, ZkManager
from ._onchain import (
    BASE_FIELD,
    CAPACITY_CONTEXT_TAG,
    CLAIM_DOMAIN_SEPARATOR,
    CLAIM_NAMES,
    COMMITTED_CLAIM_TYPEHASH,
    MAX_AMOUNT,
    OP_GE,
    PROOF_LENGTH,
    REGISTER_GAS,
    SCALAR_FIELD,
    CapacityRecord,
    CapacityRegistration,
    CapacityRegistryClient,
    CommittedClaim,
    capacity_context,
    committed_claim_digest,
    encode_g1,
    encode_g2,
    encode_proof,
    encode_verifying_key,
    sign_committed_claim,
)
from ._poseidon import poseidon2
from ._predicate import OPS, Predicate, parse_predicate
from ._types import ClaimOpening, SignedClaim, ZkCredential, ZkProblem, ZkProof, ZkVerificationResult

__all__ = [
    "BASE_FIELD",
    "CAPACITY_CONTEXT_TAG",
    "CIRCUITS",
    "CLAIM_DOMAIN_SEPARATOR",
    "CLAIM_NAMES",
    "COMMITTED_CLAIM_TYPEHASH",
    "COMMITTED_CREDENTIAL_TYPE",
    "ERROR_HINTS",
    "FIELD_MODULUS",
    "MAX_AMOUNT",
    "OPS",
    "OP_GE",
    "PROOF_LENGTH",
    "REGISTER_GAS",
    "SCALAR_FIELD",
    "CapacityRecord",
    "CapacityRegistration",
    "CapacityRegistryClient",
    "ClaimNotCommittedError",
    "ClaimOpening",
    "CommittedClaim",
    "CredentialNotUsableError",
    "Groth16Proof",
    "Predicate",
    "PredicateSyntaxError",
    "ProofFormatError",
    "SignedClaim",
    "StatementFalseError",
    "VerifyingKey",
    "ZkArtifactError",
    "ZkCredential",
    "ZkError",
    "ZkManager",
    "ZkProblem",
    "ZkProof",
    "ZkProofInvalidError",
    "ZkValueError",
    "ZkVerificationResult",
    "capacity_context",
    "check_verifying_key",
    "commit",
    "committed_claim_digest",
    "deploy_steps",
    "encode_g1",
    "encode_g2",
    "encode_proof",
    "encode_value",
    "encode_verifying_key",
    "holder_digest",
    "parse_predicate",
    "poseidon2",
    "proof_context",
    "prove_predicate",
    "sign_committed_claim",
    "text_code",
    "verify_predicate",
    "verifying_key",
]
