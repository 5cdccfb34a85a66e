"""Proofs over committed credentials through the DID manager, on the embedded chain: the seed's flow, and every
bad input of the issue (false predicate, tampered proof, another nonce or verifier, a revoked or expired
credential, an unsupported predicate) as a clear error or a clean ``valid: false`` with its reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from novacron_chain.did import DIDManager
from novacron_chain.zk import (
    COMMITTED_CREDENTIAL_TYPE,
    ClaimNotCommittedError,
    CredentialNotUsableError,
    PredicateSyntaxError,
    ProofFormatError,
    StatementFalseError,
    ZkCredential,
    ZkProblem,
    ZkProof,
    ZkProofInvalidError,
    ZkValueError,
    committed_claim_digest,
    text_code,
)
from tests.zk.conftest import CLAIMS, Party

N, V = "nonce-7f3a", "did:novacron:scheduler"


def prove(dm: DIDManager, zcred: Any, statement: str = "cpu > 2", **kw: Any) -> dict[str, Any]:
    return dm.create_zk_proof(
        statement, zcred, nonce=kw.pop("nonce", N), verifier=kw.pop("verifier", V), **kw
    ).to_json()


def check(dm: DIDManager, proof: Any, **kw: Any) -> Any:
    return dm.verify_zk_proof(proof, nonce=kw.pop("nonce", N), verifier=kw.pop("verifier", V), **kw)


def test_seed_flow_prose_statement(dm: DIDManager, zcred: ZkCredential, issuer: Party, holder: Party) -> None:
    proof = dm.create_zk_proof("I have more than 2 CPUs", zcred, predicate="cpu > 2", nonce=N, verifier=V)
    result = dm.verify_zk_proof(proof, nonce=N, verifier=V)
    assert result.valid, result.reason
    assert result.statement == "I have more than 2 CPUs"
    assert result.predicate == "cpu > 2"
    assert result.issuer == issuer.did
    assert result.holder == holder.did
    assert result.raise_for_invalid() is result


def test_the_proof_reveals_no_value(dm: DIDManager, zcred: ZkCredential) -> None:
    text = json.dumps(prove(dm, zcred, "memory >= 8192"))
    assert "16384" not in text
    assert str(zcred.openings["memory"].salt) not in text
    # the credential inside carries commitments only
    payload = dm.verify_credential(json.loads(text)["credential"]).credential
    assert payload is not None
    assert COMMITTED_CREDENTIAL_TYPE in payload["type"]
    assert payload["credentialSubject"]["memory"] == f"0x{zcred.openings['memory'].commitment:064x}"
    assert payload["credentialSubject"]["cpu"] != 4


@pytest.mark.parametrize(
    "statement",
    ["cpu >= 4", "cpu < 5", "cpu <= 4", "cpu == 4", "memory > 8191", "region in {us-east-1, eu-west-1}", "gpu == 0"],
)
def test_true_statements_verify(dm: DIDManager, zcred: ZkCredential, statement: str) -> None:
    assert check(dm, prove(dm, zcred, statement)).valid


@pytest.mark.parametrize(
    "statement", ["cpu > 4", "cpu >= 5", "cpu < 4", "memory == 8192", "region in {eu-west-1, ap-south-1}"]
)
def test_false_statement_is_a_clear_error(dm: DIDManager, zcred: ZkCredential, statement: str) -> None:
    with pytest.raises(StatementFalseError, match="there is no proof of a false statement") as info:
        prove(dm, zcred, statement)
    assert statement.split()[0] in str(info.value)


def test_json_round_trip(dm: DIDManager, zcred: ZkCredential, tmp_path: Path) -> None:
    proof = dm.create_zk_proof("cpu > 2", zcred.to_json(), nonce=N, verifier=V)
    assert ZkProof.from_json(proof.to_json()) == proof
    assert ZkCredential.from_json(json.loads(json.dumps(zcred.to_json()))) == zcred
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof.to_json()))
    assert check(dm, path).valid
    assert check(dm, path.read_text()).valid


def test_replay_for_another_nonce_or_verifier(dm: DIDManager, zcred: ZkCredential) -> None:
    proof = prove(dm, zcred)
    r = check(dm, proof, nonce="another")
    assert (r.valid, r.problem) == (False, ZkProblem.NONCE_MISMATCH)
    r = check(dm, proof, verifier="did:novacron:market")
    assert (r.valid, r.problem) == (False, ZkProblem.VERIFIER_MISMATCH)
    # relabelling the proof's own nonce breaks the context, and re-deriving the context breaks the proof
    forged = copy.deepcopy(proof)
    forged["nonce"] = "another"
    assert check(dm, forged, nonce="another").problem == ZkProblem.CONTEXT_MISMATCH
    from novacron_chain.zk import proof_context

    holder = dm.parse(proof["holder"]).address
    forged["context"] = str(proof_context(V, holder, "another"))
    forged["publicInputs"][3] = forged["context"]
    assert check(dm, forged, nonce="another").problem == ZkProblem.PROOF_INVALID


def test_tampered_proofs(dm: DIDManager, zcred: ZkCredential) -> None:
    proof = prove(dm, zcred)
    other = prove(dm, zcred, "cpu >= 3")
    swapped = copy.deepcopy(proof)
    swapped["proof"]["a"] = other["proof"]["a"]
    assert check(dm, swapped).problem == ZkProblem.PROOF_INVALID
    relabelled = copy.deepcopy(proof)
    relabelled["predicate"] = "cpu > 3"
    assert check(dm, relabelled).problem == ZkProblem.PREDICATE_MISMATCH
    raised = copy.deepcopy(proof)
    raised["predicate"] = "cpu > 3"
    raised["publicInputs"][2] = "3"
    assert check(dm, raised).problem == ZkProblem.PROOF_INVALID
    as_memory = copy.deepcopy(proof)
    as_memory["predicate"] = "memory > 2"
    as_memory["claim"]["claim"] = "memory"
    r = check(dm, as_memory)
    assert r.problem == ZkProblem.COMMITMENT_MISMATCH, r.reason
    broken_point = copy.deepcopy(proof)
    broken_point["proof"]["c"] = "0x" + "00" * 16 + "11" * 48 + "00" * 16 + "22" * 48
    assert check(dm, broken_point).problem == ZkProblem.MALFORMED


def test_another_holder_cannot_use_the_proof(dm: DIDManager, zcred: ZkCredential, other: Party) -> None:
    proof = prove(dm, zcred)
    stolen = copy.deepcopy(proof)
    stolen["holder"] = other.did
    assert check(dm, stolen).problem == ZkProblem.CONTEXT_MISMATCH
    assert check(dm, proof, holder=other.did).problem == ZkProblem.HOLDER_MISMATCH


def test_credential_of_someone_else(dm: DIDManager, issuer: Party, holder: Party, other: Party) -> None:
    theirs = dm.issue_zk_credential(issuer.did, other.did, {"cpu": 64}, issuer.key)
    mine = dm.issue_zk_credential(issuer.did, holder.did, {"cpu": 1}, issuer.key)
    proof = prove(dm, mine, "cpu >= 1")
    grafted = copy.deepcopy(proof)
    grafted["credential"] = theirs.credential
    assert check(dm, grafted).problem in (ZkProblem.COMMITMENT_MISMATCH, ZkProblem.HOLDER_MISMATCH)


def test_revoked_credential(dm: DIDManager, zcred: ZkCredential, issuer: Party) -> None:
    proof = prove(dm, zcred)
    dm.revoke_credential(zcred.credential, issuer.key)
    r = check(dm, proof)
    assert (r.valid, r.problem, r.credential_problem) == (False, ZkProblem.REVOKED, "revoked")
    with pytest.raises(ZkProofInvalidError, match="revoked"):
        r.raise_for_invalid()
    with pytest.raises(CredentialNotUsableError, match="revoked"):
        prove(dm, zcred)


def test_expired_credential(dm: DIDManager, issuer: Party, holder: Party) -> None:
    until = dm.chain.timestamp() + 3600
    zc = dm.issue_zk_credential(issuer.did, holder.did, {"cpu": 8}, issuer.key, valid_until=until)
    assert zc.expires_at == until
    proof = prove(dm, zc)
    assert check(dm, proof).valid
    dm.chain.advance(seconds=7200)
    r = check(dm, proof)
    assert (r.valid, r.problem) == (False, ZkProblem.EXPIRED)


def test_issuer_key_rotated(dm: DIDManager, zcred: ZkCredential, issuer: Party) -> None:
    proof = prove(dm, zcred)
    dm.rotate_key(issuer.did, issuer.key)
    r = check(dm, proof)
    assert (r.valid, r.problem, r.credential_problem) == (False, ZkProblem.CREDENTIAL_INVALID, "key_rotated")


def test_untrusted_issuer(dm: DIDManager, zcred: ZkCredential, issuer: Party, other: Party) -> None:
    proof = prove(dm, zcred)
    assert check(dm, proof, trusted_issuers=[issuer.did]).valid
    assert check(dm, proof, trusted_issuers=[other.did]).problem == ZkProblem.UNTRUSTED_ISSUER


def test_claim_signature_must_be_the_issuers(dm: DIDManager, zcred: ZkCredential, other: Party) -> None:
    from novacron_chain.chain import Signer

    proof = prove(dm, zcred)
    c = proof["claim"]
    digest = committed_claim_digest(
        c["issuer"], c["subject"], bytes.fromhex(c["credentialId"][2:]), c["claim"], int(c["commitment"]), 0
    )
    v, r, s = Signer(other.key).sign_hash(digest)
    forged = copy.deepcopy(proof)
    forged["claim"]["signature"] = "0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((v,))).hex()
    assert check(dm, forged).problem == ZkProblem.BAD_ISSUER_SIGNATURE


def test_unsupported_or_malformed(dm: DIDManager, zcred: ZkCredential) -> None:
    proof = prove(dm, zcred)
    weird = dict(proof, predicate="cpu != 3")
    assert check(dm, weird).problem == ZkProblem.UNSUPPORTED_PREDICATE
    for bad in ("not json", {"type": "something"}, dict(proof, version=2), dict(proof, publicInputs="x")):
        r = check(dm, bad)
        assert (r.valid, r.problem) == (False, ZkProblem.MALFORMED), r
        assert r.reason
    with pytest.raises(PredicateSyntaxError):
        prove(dm, zcred, "cpu != 3")
    with pytest.raises(PredicateSyntaxError, match="expected <claim>"):
        dm.create_zk_proof("I have more than 2 CPUs", zcred, nonce=N, verifier=V)


def test_bad_inputs_to_proving(dm: DIDManager, zcred: ZkCredential, issuer: Party, holder: Party) -> None:
    with pytest.raises(ClaimNotCommittedError, match="not to 'disk'"):
        prove(dm, zcred, "disk > 1")
    with pytest.raises(ZkValueError, match="not plain data"):
        dm.create_zk_proof("cpu > 2", {"cpu": 4}, nonce=N, verifier=V)  # the seed's map: nothing certifies it
    with pytest.raises(ZkValueError, match="nonce"):
        dm.create_zk_proof("cpu > 2", zcred, nonce="", verifier=V)
    with pytest.raises(ZkValueError, match="not plain data"):
        dm.create_zk_proof("cpu > 2", "{}", nonce=N, verifier=V)
    with pytest.raises(ProofFormatError, match="not JSON"):
        dm.create_zk_proof("cpu > 2", "{oops", nonce=N, verifier=V)
    with pytest.raises(ZkValueError, match="cannot read credential"):
        dm.create_zk_proof("cpu > 2", "no-such-file.json", nonce=N, verifier=V)
    altered = zcred.to_json()
    altered["openings"]["cpu"]["value"] = 64
    with pytest.raises(ClaimNotCommittedError, match="altered"):
        prove(dm, altered, "cpu > 32")
    with pytest.raises(ClaimNotCommittedError, match="outside 0"):
        dm.issue_zk_credential(issuer.did, holder.did, {"balance": -5}, issuer.key)
    with pytest.raises(ClaimNotCommittedError, match="float"):
        dm.issue_zk_credential(issuer.did, holder.did, {"load": 0.5}, issuer.key)


def test_openings_encode_values(zcred: ZkCredential) -> None:
    assert set(zcred.openings) == set(CLAIMS)
    assert zcred.openings["region"].encoded == text_code("us-east-1")
    assert zcred.openings["gpu"].encoded == 0
    assert zcred.openings["cpu"].encoded == 4
    assert len({o.salt for o in zcred.openings.values()}) == len(CLAIMS)


def test_holder_signature(dm: DIDManager, zcred: ZkCredential, holder: Party, other: Party) -> None:
    signed = dm.create_zk_proof("cpu > 2", zcred, nonce=N, verifier=V, holder_key=holder.key).to_json()
    assert check(dm, signed, require_holder_signature=True).valid
    unsigned = prove(dm, zcred)
    assert check(dm, unsigned).valid
    r = check(dm, unsigned, require_holder_signature=True)
    assert (r.valid, r.problem) == (False, ZkProblem.BAD_HOLDER_SIGNATURE)
    # a signature by someone else, or over another proof, is refused even when not required
    other_proof = dm.create_zk_proof("cpu > 1", zcred, nonce=N, verifier=V, holder_key=holder.key).to_json()
    moved = dict(unsigned, holderSignature=other_proof["holderSignature"])
    assert check(dm, moved).problem == ZkProblem.BAD_HOLDER_SIGNATURE
    with pytest.raises(ZkValueError, match="not an authentication key"):
        dm.create_zk_proof("cpu > 2", zcred, nonce=N, verifier=V, holder_key=other.key)
