"""Verifiable credentials and presentations: issue, verify, rotate, delegate, revoke, expire, tamper."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.did import (
    CredentialInvalidError,
    DIDKeyNotAuthorizedError,
    DIDManager,
    DIDValueError,
    Problem,
    credential_hash,
)
from novacron_chain.did._jose import JwsParts, b64url_encode, canonical_json, sign_jws
from tests.did.conftest import Party, make_manager

CLAIMS = {"region": "us-east-1", "cpuAllocation": 4}


def resign(token: str, signer: Signer, *, header: dict[str, Any] | None = None, **changes: Any) -> str:
    """The token's payload with ``changes`` applied, signed again by ``signer`` (a forger with a real key)."""
    parts = JwsParts.parse(token)
    payload = {**parts.payload, **changes}
    return sign_jws(header or parts.header, payload, signer)


def test_issue_and_verify(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key, types=["VMAllocationCredential"])
    parts = JwsParts.parse(vc)
    assert parts.header == {"alg": "ES256K", "typ": "vc+jwt", "kid": issuer.did + "#keys-1"}
    p = parts.payload
    assert p["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert p["type"] == ["VerifiableCredential", "VMAllocationCredential"]
    assert p["credentialSubject"] == {"id": holder.did, "cpuAllocation": 4, "region": "us-east-1"}
    assert list(p["credentialSubject"]) == ["cpuAllocation", "id", "region"]  # canonical (sorted) order
    assert (p["iss"], p["sub"], p["jti"]) == (issuer.did, holder.did, p["id"])
    assert p["id"].startswith("urn:uuid:")
    assert p["credentialStatus"]["statusRegistry"] == dm.registry_id
    assert p["credentialStatus"]["credentialHash"] == "0x" + credential_hash(p["id"]).hex()
    assert p["nbf"] == p["iat"]
    assert "exp" not in p
    result = dm.verify_credential(vc)
    assert result
    assert result.valid
    assert (result.issuer, result.subject, result.key_id) == (issuer.did, holder.did, issuer.did + "#keys-1")
    assert result.claims == {"cpuAllocation": 4, "region": "us-east-1"}
    assert result.raise_for_invalid() is result


def test_issuer_without_published_key_verifies_by_address(dm: DIDManager, holder: Party) -> None:
    doc, key = dm.create_did("provider")  # no gas, no published key
    vc = dm.issue_credential(doc["id"], holder.did, CLAIMS, key)
    assert dm.verify_credential(vc).valid
    forged = resign(vc, Signer(bytes.fromhex("22" * 32)))
    assert dm.verify_credential(forged).problem is Problem.BAD_SIGNATURE


def test_a_rotated_out_key_can_no_longer_sign_accepted_credentials(nova: NovaChain, nova_dm: DIDManager) -> None:
    dm = nova_dm
    doc, old_key = dm.create_did("provider", publish=True)
    subject = dm.did_of(Account.create().address)
    before = dm.issue_credential(doc["id"], subject, CLAIMS, old_key)
    assert dm.verify_credential(before).valid
    new_key, _ = dm.rotate_key(doc["id"], old_key)
    # what it signed before the rotation is no longer accepted
    result = dm.verify_credential(before)
    assert result.problem is Problem.KEY_ROTATED
    assert "rotated out at block" in (result.reason or "")
    # it cannot issue any more through the manager...
    with pytest.raises(DIDKeyNotAuthorizedError, match="cannot issue credentials"):
        dm.issue_credential(doc["id"], subject, CLAIMS, old_key)
    # ...nor by forging a credential naming the new key id
    forged = resign(before, Signer(old_key), header={**JwsParts.parse(before).header, "kid": doc["id"] + "#keys-2"})
    assert dm.verify_credential(forged).problem is Problem.BAD_SIGNATURE
    # the new key issues credentials that verify
    after = dm.issue_credential(doc["id"], subject, CLAIMS, new_key)
    assert JwsParts.parse(after).header["kid"] == doc["id"] + "#keys-2"
    assert dm.verify_credential(after).valid


def test_delegate_signs_while_valid_and_not_backdated(embedded: NovaChain, dm: DIDManager, issuer: Party) -> None:
    delegate = Signer(bytes.fromhex("33" * 32))
    subject = dm.did_of(Account.create().address)
    with pytest.raises(DIDKeyNotAuthorizedError):
        dm.issue_credential(issuer.did, subject, CLAIMS, delegate)
    embedded.chain.advance(600)
    dm.add_delegate(issuer.did, issuer.key, delegate.address, validity=3600)
    vc = dm.issue_credential(issuer.did, subject, CLAIMS, delegate)
    assert JwsParts.parse(vc).header["kid"] == issuer.did + "#delegate-1"
    assert dm.verify_credential(vc).valid
    # a delegate cannot backdate a credential to before its delegation
    iat = JwsParts.parse(vc).payload["iat"] - 300
    backdated = resign(vc, delegate, iat=iat)
    result = dm.verify_credential(backdated)
    assert result.problem is Problem.ISSUED_BEFORE_KEY
    assert "backdated" in (result.reason or "")
    embedded.chain.advance(3601)
    assert dm.verify_credential(vc).problem is Problem.KEY_RETIRED


def test_revoked_credentials_fail_with_the_reason(nova: NovaChain, nova_dm: DIDManager) -> None:
    dm = nova_dm
    doc, key = dm.create_did("provider")
    subject = dm.did_of(Account.create().address)
    vc = dm.issue_credential(doc["id"], subject, CLAIMS, key)
    other = dm.issue_credential(doc["id"], subject, CLAIMS, key)
    receipt = dm.revoke_credential(vc, key)
    assert receipt.succeeded
    result = dm.verify_credential(vc)
    assert not result
    assert result.problem is Problem.REVOKED
    assert "the issuer revoked the credential at" in (result.reason or "")
    assert result.credential is not None
    assert result.issuer == doc["id"]
    with pytest.raises(CredentialInvalidError, match=r"invalid credential \(revoked\)"):
        result.raise_for_invalid()
    assert dm.verify_credential(other).valid  # only that one
    assert dm.is_revoked(doc["id"], JwsParts.parse(vc).payload["id"])


def test_revoke_by_id_and_by_hash(dm: DIDManager, issuer: Party, holder: Party) -> None:
    a = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key, credential_id="urn:example:a")
    b = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key, credential_id="https://ex.com/vc/b")
    dm.revoke_credential("urn:example:a", issuer.key)
    dm.revoke_credential("0x" + credential_hash("https://ex.com/vc/b").hex(), issuer.key, issuer_did=issuer.did)
    assert dm.verify_credential(a).problem is Problem.REVOKED
    assert dm.verify_credential(b).problem is Problem.REVOKED
    with pytest.raises(DIDKeyNotAuthorizedError):
        dm.revoke_credential("urn:example:c", holder.key, issuer_did=issuer.did)


def test_expired_and_not_yet_valid(embedded: NovaChain, dm: DIDManager, issuer: Party, holder: Party) -> None:
    now = embedded.chain.timestamp()
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key, valid_until=now + 3600)
    p = JwsParts.parse(vc).payload
    assert p["exp"] == now + 3600
    assert p["validUntil"] == datetime.fromtimestamp(now + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = dm.issue_credential(
        issuer.did, holder.did, CLAIMS, issuer.key, valid_from=datetime.fromtimestamp(now + 7200, UTC)
    )
    assert dm.verify_credential(vc).valid
    result = dm.verify_credential(future)
    assert result.problem is Problem.NOT_YET_VALID
    embedded.chain.advance(3700)
    result = dm.verify_credential(vc)
    assert result.problem is Problem.EXPIRED
    assert "expired at" in (result.reason or "")
    embedded.chain.advance(3700)
    assert dm.verify_credential(future).valid


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"claims": {"id": "x"}}, "'id' is not a claim"),
        ({"claims": {"location": {"region": "eu"}}}, "claims are flat"),
        ({"claims": {"tags": ["a"]}}, "claims are flat"),
        ({"claims": {"n": None}}, "claims are flat"),
        ({"claims": {"wei": 2**60}}, "does not fit in a JSON number"),
        ({"claims": {"x": float("nan")}}, "not a finite number"),
        ({"claims": {"bad name": 1}}, "claim name 'bad name' is not allowed"),
        ({"claims": [("a", 1)]}, "claims must be a mapping"),
        ({"credential_id": "not a uri"}, "is not a URI"),
        ({"types": ["Bad-Type"]}, "is not a name"),
        ({"valid_until": 10}, "is not after valid_from"),
        ({"valid_until": datetime(2030, 1, 1)}, "has no timezone"),
    ],
)
def test_bad_issuance_input_is_refused(
    dm: DIDManager, issuer: Party, holder: Party, kwargs: dict[str, Any], says: str
) -> None:
    args = {"claims": CLAIMS, **kwargs}
    claims = args.pop("claims")
    with pytest.raises(DIDValueError, match=says) as info:
        dm.issue_credential(issuer.did, holder.did, claims, issuer.key, **args)
    assert info.value.exit_code == 2


def test_malformed_credentials_say_what_is_wrong(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    h, p, s = vc.split(".")
    key = issuer.signer
    dup = b'{"a":1,"a":2}'
    cases = {
        "not a jwt": (Problem.MALFORMED, "3 dot-separated parts"),
        f"{h}.{p}": (Problem.MALFORMED, "3 dot-separated parts"),
        f"{h}.{p}.{s}=": (Problem.MALFORMED, "not base64url"),
        f"{h}.{b64url_encode(b'[1]')}.{s}": (Problem.MALFORMED, "not an object"),
        f"{h}.{b64url_encode(b'{')}.{s}": (Problem.MALFORMED, "not UTF-8 JSON"),
        f"{h}.{b64url_encode(dup)}.{s}": (Problem.MALFORMED, "duplicate JSON member"),
        f"{h}.{p}.{b64url_encode(bytes(63))}": (Problem.MALFORMED, "64 bytes"),
        resign(vc, key, header={"alg": "ES256", "typ": "vc+jwt", "kid": "x"}): (Problem.UNSUPPORTED, "alg"),
        resign(vc, key, header={"alg": "ES256K", "typ": "JWT", "kid": "x"}): (Problem.UNSUPPORTED, "typ"),
        resign(vc, key, header={"alg": "ES256K", "typ": "vc+jwt"}): (Problem.MALFORMED, "no kid"),
        resign(vc, key, header={"alg": "ES256K", "typ": "vc+jwt", "kid": "k", "crit": ["b64"]}): (
            Problem.UNSUPPORTED,
            "critical",
        ),
        resign(vc, key, issuer="did:web:example.com"): (Problem.MALFORMED, "the method is 'web'"),
        resign(vc, key, issuer=None): (Problem.MALFORMED, "the issuer is not a did:novacron DID"),
        resign(vc, key, iss=holder.did): (Problem.MALFORMED, "JWT claim iss"),
        resign(vc, key, nbf="soon"): (Problem.MALFORMED, "nbf must be an integer"),
        resign(vc, key, validFrom="yesterday"): (Problem.MALFORMED, "validFrom 'yesterday'"),
        resign(vc, key, credentialSubject="vm"): (Problem.MALFORMED, "credentialSubject must be an object"),
        resign(vc, key, type=["Credential"]): (Problem.MALFORMED, "VerifiableCredential"),
        resign(vc, key, header=None, **{"@context": ["https://www.w3.org/2018/credentials/v1"]}): (
            Problem.MALFORMED,
            "@context",
        ),
        resign(vc, key, credentialStatus={"type": "BitstringStatusListEntry"}): (Problem.STATUS_UNAVAILABLE, "not a"),
    }
    for token, (problem, says) in cases.items():
        result = dm.verify_credential(token)
        assert result.problem is problem, (token[:40], result)
        assert says in (result.reason or ""), (says, result.reason)
    with pytest.raises(DIDValueError, match="compact JWS text"):
        dm.verify_credential(b"bytes")  # type: ignore[arg-type]


def test_kid_of_another_identity_or_unknown_key(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    header = JwsParts.parse(vc).header
    other = resign(vc, issuer.signer, header={**header, "kid": holder.did + "#keys-1"})
    assert dm.verify_credential(other).problem is Problem.MALFORMED
    unknown = resign(vc, issuer.signer, header={**header, "kid": issuer.did + "#keys-9"})
    assert dm.verify_credential(unknown).problem is Problem.UNKNOWN_KEY


def test_issuer_on_another_network_or_registry(embedded: NovaChain, dm: DIDManager, issuer: Party) -> None:
    vc = dm.issue_credential(issuer.did, dm.did_of(Account.create().address), CLAIMS, issuer.key)
    elsewhere = resign(vc, issuer.signer, issuer=issuer.did.replace(":embedded:", ":polygon:"))
    assert dm.verify_credential(elsewhere).problem is Problem.WRONG_NETWORK
    other_registry = make_manager(embedded)
    result = other_registry.verify_credential(vc)
    assert result.problem is Problem.STATUS_UNAVAILABLE
    assert other_registry.registry_id in (result.reason or "")


def test_deactivated_issuer(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    dm.deactivate(issuer.did, issuer.key)
    assert dm.verify_credential(vc).problem is Problem.ISSUER_DEACTIVATED


def test_max_staleness_skips_the_chain_within_the_window(embedded: NovaChain, issuer: Party, holder: Party) -> None:
    fast = make_manager(embedded, max_staleness=3600.0)
    fast.publish_key(issuer.did, issuer.key)
    vc = fast.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    assert fast.verify_credential(vc).valid
    # another process revokes it: within the window this manager does not look at the chain
    other = DIDManager(embedded.chain, fast.registry, fast.network)
    other.revoke_credential(vc, issuer.key)
    assert fast.verify_credential(vc).valid  # stale by design
    fast.clear_cache()
    assert fast.verify_credential(vc).problem is Problem.REVOKED


def test_presentations(dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    vp = dm.create_presentation(holder.did, [vc], holder.key, nonce="n-123", audience="https://scheduler.example")
    parts = JwsParts.parse(vp)
    assert parts.header["typ"] == "vp+jwt"
    assert parts.payload["verifiableCredential"][0]["type"] == "EnvelopedVerifiableCredential"
    ok = dm.verify_presentation(vp, nonce="n-123", audience="https://scheduler.example")
    assert ok.valid
    assert ok.holder == holder.did
    assert [c.valid for c in ok.credentials] == [True]
    assert dm.verify_presentation(vp, nonce="other", audience="https://scheduler.example").problem is (
        Problem.NONCE_MISMATCH
    )
    assert dm.verify_presentation(vp, nonce="n-123", audience="https://evil.example").problem is (
        Problem.AUDIENCE_MISMATCH
    )
    # someone else cannot present the holder's credential
    thief = Signer(bytes.fromhex("44" * 32))
    stolen = resign(vp, thief)
    assert dm.verify_presentation(stolen, nonce="n-123", audience="https://scheduler.example").problem is (
        Problem.BAD_SIGNATURE
    )
    with pytest.raises(DIDKeyNotAuthorizedError, match="cannot authenticate"):
        dm.create_presentation(holder.did, [vc], thief, nonce="n", audience="a")
    with pytest.raises(DIDValueError, match="not the holder"):
        dm.create_presentation(issuer.did, [vc], issuer.key, nonce="n", audience="a")
    # a credential of someone else smuggled into a presentation
    foreign = dm.issue_credential(issuer.did, issuer.did, CLAIMS, issuer.key)
    payload = {**parts.payload}
    payload["verifiableCredential"] = [
        *payload["verifiableCredential"],
        {"@context": "x", "id": "data:application/vc+jwt," + foreign, "type": "EnvelopedVerifiableCredential"},
    ]
    smuggled = sign_jws(parts.header, payload, holder.signer)
    result = dm.verify_presentation(smuggled, nonce="n-123", audience="https://scheduler.example")
    assert result.problem is Problem.HOLDER_NOT_SUBJECT
    # revoking an enclosed credential invalidates the presentation
    dm.revoke_credential(vc, issuer.key)
    result = dm.verify_presentation(vp, nonce="n-123", audience="https://scheduler.example")
    assert result.problem is Problem.CREDENTIAL_INVALID
    assert "credential 1: revoked" in (result.reason or "")


def test_presentation_expires(embedded: NovaChain, dm: DIDManager, issuer: Party, holder: Party) -> None:
    vc = dm.issue_credential(issuer.did, holder.did, CLAIMS, issuer.key)
    vp = dm.create_presentation(holder.did, [vc], holder.key, nonce="n", audience="a", valid_for=60)
    embedded.chain.advance(61)
    assert dm.verify_presentation(vp, nonce="n", audience="a").problem is Problem.EXPIRED


def test_canonical_json_is_what_is_signed() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
