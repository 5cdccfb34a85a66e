"""The policy endpoints over the shared embedded chain: the pending approvals the API lists are the chain's, a
write needs the write scope, the server's approval that reaches the threshold applies the change, and mistakes are
problem+json 4xx with the library's hints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, Scope, create_app
from tests._support import deployed_fixtures

# the whole contract set on the session's embedded chain (shared with the other domains' tests: deploying is
# idempotent), reverted around every test
embedded_policyapi_session, _anvil_policyapi_session, _pnova, pembedded = deployed_fixtures("policyapi")

NAME = "autoscale.limit.ap-south-1"


@pytest.fixture
def api(pembedded: NovaChain, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """The app over the chain: a client sending a write key, and one sending nothing."""
    keys = ApiKeyStore(tmp_path / "api-keys.json")
    write_key = keys.create(Scope.WRITE, name="policy-test")[1]
    app = create_app(pembedded, keys=keys)
    with (
        TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": write_key}) as client,
        TestClient(app, raise_server_exceptions=False) as anon,
    ):
        yield client, anon


def test_pending_approvals_are_the_chains_and_an_approval_applies(
    pembedded: NovaChain, api: tuple[TestClient, TestClient]
) -> None:
    client, anon = api
    gm, chain = pembedded.governance, pembedded.chain
    other = gm.propose_policy_change(NAME, "16", sender=chain.dev_signer(1))  # 1 of 2 approvals

    assert anon.post("/governance/policy-changes", json={"name": NAME, "value": "20"}).status_code == 401
    created = client.post("/governance/policy-changes", json={"name": "autoscale.limit.sa-east-1", "value": "8"})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending"
    assert created.json()["approvers"] == [chain.signer.address]

    pending = anon.get("/governance/policy-changes", params={"status": "pending"})
    assert pending.status_code == 200
    assert pending.json()["changes"] == [c.to_dict() for c in gm.pending_policy_changes()]
    assert [c["id"] for c in pending.json()["changes"]] == [str(other.id), created.json()["id"]]
    gauge = re.search(r"^novacron_governance_policy_changes_pending\{[^}]*\} (\S+)$", anon.get("/metrics").text, re.M)
    assert gauge is not None
    assert float(gauge.group(1)) == 2.0

    approved = client.post(f"/governance/policy-changes/{other.id}/approve")  # the server's account: 2 of 2
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "applied"
    assert anon.get(f"/governance/policies/{NAME}").json() == gm.get_policy(NAME).to_dict()
    assert anon.get(f"/governance/policies/{NAME}").json()["value"] == "16"
    listed = anon.get("/governance/policies").json()["policies"]
    assert [p["name"] for p in listed] == [NAME]
    applied = anon.get("/governance/policy-changes", params={"status": "applied"}).json()["changes"]
    assert [c["id"] for c in applied] == [str(other.id)]


def test_mistakes_are_problems_with_hints(pembedded: NovaChain, api: tuple[TestClient, TestClient]) -> None:
    client, anon = api
    missing = client.post("/governance/policy-changes/4242/approve")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"].endswith("UnknownPolicyChangeError")
    assert "pending" in missing.json()["hint"]
    change = pembedded.governance.propose_policy_change(NAME, "30")  # by the server's account
    twice = client.post(f"/governance/policy-changes/{change.id}/approve")
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("PolicyApprovalError")
    assert anon.get("/governance/policy-changes", params={"status": "nope"}).status_code == 400
    assert client.post("/governance/policy-changes", json={"name": "", "value": "1"}).status_code == 400
    assert anon.get(f"/governance/policy-changes/{change.id}").json()["value"] == "30"
