"""Compliance reports over HTTP: the server issues a VM's report as the operator's DID (write scope), as JSON or as
a bare ``application/jwt``; anyone checks one, on this server's chain or offline, and a tampered report names the
record that fails. The chain is the one ``test_did_auth`` builds (one deploy for both modules)."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from novacron_chain import NovaChain

from .conftest import VM
from .test_did_auth import shared_chain

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def api_nova(request: pytest.FixtureRequest) -> NovaChain:
    """Overrides conftest's: the chain shared with ``test_did_auth``."""
    return shared_chain(request.config)


@pytest.fixture(scope="module")
def token(client: TestClient) -> str:
    response = client.post(f"/state/vms/{VM}/report", headers={"Accept": "application/jwt"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jwt")
    return response.text


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_issue_needs_write_and_is_signed_by_the_operator_did(
    anon: TestClient, client: TestClient, api_nova: NovaChain, token: str
) -> None:
    refused = anon.post(f"/state/vms/{VM}/report")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    body = client.post(f"/state/vms/{VM}/report").json()
    assert body["vm_id"] == VM
    assert body["issuer"] == api_nova.did.did_of(api_nova.chain.signer.address)
    assert body["records"] >= 1
    assert body["contract"] == api_nova.contract("StateAnchor").address
    assert body["report"].count(".") == 2
    assert token.count(".") == 2
    unknown = client.post("/state/vms/vm-never-recorded/report")
    assert unknown.status_code == 400
    assert "no anchored records" in unknown.json()["detail"]


def test_check_on_chain_and_offline(anon: TestClient, token: str) -> None:
    on_chain = anon.post("/state/reports/check", content=token, headers={"Content-Type": "application/jwt"})
    assert on_chain.status_code == 200, on_chain.text
    result = on_chain.json()
    assert (result["status"], result["valid"], result["chain_checked"], result["vm_id"]) == ("valid", True, True, VM)
    assert {c["check"] for c in result["checks"]} >= {"signature", "record", "proof", "anchor"}
    offline = anon.post("/state/reports/check", params={"chain": "false"}, json={"jwt": token}).json()
    assert (offline["status"], offline["valid"], offline["chain_checked"]) == ("valid-offline", True, False)
    as_cli_json = anon.post("/state/reports/check", json={"report": token}).json()
    assert as_cli_json["status"] == "valid"
    wrong_issuer = anon.post(
        "/state/reports/check", content=token, params={"issuer": "did:novacron:dev:0x" + "11" * 20}
    ).json()
    assert wrong_issuer["valid"] is False


def test_tampered_report_names_the_record(anon: TestClient, token: str) -> None:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    first = claims["credentialSubject"]["records"][0]
    first["record"]["region"] = "eu-central-1"  # the audit trail rewritten
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    result = anon.post("/state/reports/check", content=forged, headers={"Content-Type": "text/plain"}).json()
    assert result["valid"] is False
    assert result["status"] == "invalid"
    failed = [c for c in result["checks"] if c["status"] == "failed"]
    assert any(c["check"] == "record" and c["seq"] == first["seq"] for c in failed), failed
    assert any(c["check"] == "signature" for c in failed), failed


@pytest.mark.parametrize("body", ["", "hello", "/etc/passwd", "eyJ.bad", '{"jwt": 5}', "{not json"])
def test_check_refuses_what_is_not_a_report(anon: TestClient, body: str) -> None:
    response = anon.post("/state/reports/check", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["hint"]
