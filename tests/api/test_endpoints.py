"""The endpoints against the real library on an embedded chain: bodies are the domain types' ``to_dict()``, errors
are RFC 9457 problems with the library's message and hint."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from novacron_chain import NovaChain
from novacron_chain.tokens import Resource

from .conftest import VM

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["error"] == error
    assert body["type"] == f"urn:novacron-chain:error:{error}"
    assert body["detail"] == body["message"]
    assert "Traceback" not in response.text
    return body


def test_status_and_health(client: TestClient, api_nova: NovaChain) -> None:
    status = client.get("/status").json()
    assert status["chain_id"] == api_nova.chain.chain_id
    assert {c["name"] for c in status["contracts"]} >= {"VMLifecycle", "StateAnchor", "StakeManager"}
    assert all(c["code_matches"] for c in status["contracts"])
    health = client.get("/healthz").json()
    assert health == {"ok": True, "chain_id": api_nova.chain.chain_id, "block": api_nova.chain.block_number()}


def test_metrics_on_the_same_server(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "blockchain_tps{" in response.text


def test_openapi_and_docs(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/state/vms/{vm_id}/verify", "/vms/{name}", "/market/prices", "/proposals/{ref}", "/validators"):
        assert path in paths
    assert "Problem" in schema["components"]["schemas"]
    get_vm = paths["/vms/{name}"]["get"]["responses"]
    assert "4XX" in get_vm
    assert "422" not in get_vm  # request validation errors are 400 problems here
    assert client.get("/docs").status_code == 200


def test_vm_get(client: TestClient, api_nova: NovaChain) -> None:
    body = client.get(f"/vms/{VM}").json()
    assert body == api_nova.orchestrator.get_vm(VM).to_dict()
    assert body["state"] == "STOPPED"
    assert body["region"] == "us-east-1"
    owned = client.get(f"/vms/{VM}", params={"owner": api_nova.chain.signer.address})
    assert owned.json()["vm_id"] == body["vm_id"]


def test_vm_create(client: TestClient, api_nova: NovaChain) -> None:
    response = client.post(
        "/vms",
        json={
            "name": "vm-api-2",
            "region": "eu-west-1",
            "cpu_allocation": 1,
            "memory_allocation": 1024,
            "reserve": True,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tx"]["gas_used"] > 0
    assert body["vm"] == api_nova.orchestrator.get_vm("vm-api-2").to_dict()
    again = client.post(
        "/vms", json={"name": "vm-api-2", "region": "eu-west-1", "cpu_allocation": 1, "memory_allocation": 1024}
    )
    refused = _problem(again, 409, "ContractCustomError")
    assert refused["error_name"] == "VMAlreadyExists"
    assert "hint" in refused


def test_state_record_flush_verify_history(client: TestClient, api_nova: NovaChain) -> None:
    record = {
        "vm_id": "vm-api-9",
        "state": "Running",
        "region": "ap-south-1",
        "cpu_allocation": 4,
        "memory_allocation": 8192,
        "timestamp": 1_700_000_000_000,
    }
    response = client.post("/state/records", json=record)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["vm_id"] == "vm-api-9"
    assert receipt["cid"].startswith("bafk")
    assert client.get("/state/vms/vm-api-9/verify").json()["status"] == "pending"
    assert client.get("/state/summary").json()["pending"] == 1
    flushed = client.post("/state/flush").json()
    assert flushed["records"] == 1
    assert flushed["batches"][0]["leaf_count"] == 1
    report = client.get("/state/vms/vm-api-9/verify").json()
    assert report == api_nova.state.verify_state_integrity("vm-api-9").to_dict()
    assert report["status"] == "valid"
    history = client.get("/state/vms/vm-api-9/history").json()
    assert history["vm_id"] == "vm-api-9"
    (entry,) = history["records"]
    assert entry["cid"] == receipt["cid"]
    assert entry["record"]["owner"] == api_nova.chain.signer.address  # default owner: the server's account
    assert entry["batch_id"] == flushed["batches"][0]["batch_id"]


def test_state_of_a_vm_never_recorded(client: TestClient) -> None:
    # a verdict, not an error: the service asks and gets "missing"
    assert client.get("/state/vms/vm-nobody/verify").json()["status"] == "missing"
    assert client.get("/state/vms/vm-nobody/history").json() == {"vm_id": "vm-nobody", "records": []}


def test_prices_and_balances(client: TestClient, api_nova: NovaChain) -> None:
    prices = client.get("/market/prices").json()["prices"]
    assert [p["resource"] for p in prices] == [r.name for r in Resource]
    cpu = client.get("/market/prices/cpu").json()
    assert cpu == prices[0]
    assert int(cpu["spot_price_wei"]) == api_nova.tokens.get_spot_price(Resource.CPU)
    me = api_nova.chain.signer.address
    balances = client.get(f"/accounts/{me.lower()}/balances").json()
    assert balances == api_nova.tokens.balances(me).to_dict()
    assert balances["address"] == me


def test_proposals_and_consensus(client: TestClient, api_nova: NovaChain) -> None:
    assert client.get("/proposals").json() == {"proposals": []}
    assert client.get("/validators").json() == {"validators": []}
    status = client.get("/consensus/status").json()
    assert status == api_nova.consensus.status().to_dict()
    root = "0x" + "11" * 32
    final = client.get("/checkpoints/state/1/final", params={"root": root}).json()
    assert final == {"domain": "state", "height": 1, "root": root, "final": False}


# -- errors ------------------------------------------------------------------------------------------------------


def test_unknown_vm_is_404_with_the_message(client: TestClient) -> None:
    body = _problem(client.get("/vms/vm-nope"), 404, "VMNotFoundError")
    assert body["message"] == "no VM 'vm-nope' exists on this chain's VMLifecycle"
    assert "vm create" in body["hint"]
    assert body["vm"] == "vm-nope"
    assert body["title"] == "Not Found"


def test_bad_address_is_400(client: TestClient) -> None:
    body = _problem(client.get("/accounts/0x1234/balances"), 400, "NovaValueError")
    assert "'0x1234' is not an Ethereum address" in body["message"]
    assert body["hint"] == "an address is 0x followed by 40 hex digits"
    _problem(client.get("/vms/vm-api-1", params={"owner": "nobody"}), 400, "NovaValueError")


def test_bad_input_is_400(client: TestClient) -> None:
    _problem(client.get("/market/prices/GPU"), 400, "NovaValueError")
    bad_state = {"vm_id": "vm-x", "state": "Dancing", "region": "r", "cpu_allocation": 1, "memory_allocation": 1}
    assert client.post("/state/records", json=bad_state).status_code == 400
    vm = {"name": "vm-z", "region": "us-east-1", "cpu_allocation": 0, "memory_allocation": 1024}
    _problem(client.post("/vms", json=vm), 400, "OrchestratorValueError")
    zero_root = client.get("/checkpoints/state/1/final", params={"root": "0x" + "00" * 32})
    _problem(zero_root, 400, "ConsensusValueError")


def test_request_validation_is_a_400_problem(client: TestClient) -> None:
    body = _problem(client.post("/vms", json={"name": "vm-q"}), 400, "RequestValidationError")
    assert body["message"].startswith("body.region: ")
    assert {tuple(e["loc"]) for e in body["errors"]} >= {("body", "region")}
    _problem(client.get("/checkpoints/state/abc/final", params={"root": "0x"}), 400, "RequestValidationError")


def test_not_found_routes_and_methods_are_problems(client: TestClient) -> None:
    _problem(client.get("/no/such/path"), 404, "NotFound")
    _problem(client.delete("/status"), 405, "MethodNotAllowed")


def test_unknown_things_are_404(client: TestClient) -> None:
    _problem(client.get("/proposals/1"), 404, "UnknownProposalError")
    _problem(client.get("/validators/0"), 404, "UnknownValidatorError")
    _problem(client.get("/checkpoints/state/1"), 404, "UnknownCheckpointError")


def test_an_unexpected_error_is_a_500_without_internals(
    client: TestClient, api_nova: NovaChain, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals at /etc/novacron/key")

    monkeypatch.setattr(api_nova.consensus, "status", boom)
    response = client.get("/consensus/status")
    assert _problem(response, 500, "InternalError")["hint"].startswith("this is a bug")
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text
    assert "secret internals" in caplog.text  # the operator finds it in the server log


# -- the rest of the managers ------------------------------------------------------------------------------------


def test_market_quote_buy_and_pool(client: TestClient, api_nova: NovaChain) -> None:
    amount = 3 * 10**18
    quote = client.get("/market/quote", params={"resource": "mem", "amount": str(amount)}).json()
    assert quote == api_nova.tokens.quote_buy("MEM", amount).to_dict()
    me = api_nova.chain.signer.address
    before = api_nova.tokens.balance("MEM", me)
    response = client.post("/market/buy", json={"resource": "MEM", "amount": amount})
    assert response.status_code == 201, response.text
    trade = response.json()
    assert trade["side"] == "buy"
    assert int(trade["amount"]) == amount
    assert trade["wei"] == quote["wei"]
    assert api_nova.tokens.balance("MEM", me) == before + amount
    sell = client.get("/market/quote", params={"resource": "MEM", "amount": 10**18, "side": "sell"})
    assert sell.json() == api_nova.tokens.quote_sell("MEM", 10**18).to_dict()
    too_cheap = client.post("/market/buy", json={"resource": "MEM", "amount": amount, "max_cost": 1})
    assert _problem(too_cheap, 409, "SlippageError")["hint"].startswith("raise --max-cost")  # the CLI's hint
    assert client.get("/pools/cpu").json() == api_nova.tokens.pool_info("CPU").to_dict()
    stakes = client.get(f"/accounts/{me}/stakes").json()["stakes"]
    assert stakes == [s.to_dict() for s in api_nova.tokens.stakes(me)]
    assert stakes  # vm-api-1 was created with reserve=True
    assert client.get("/orders").json() == {"orders": []}


def test_vote_on_a_proposal(client: TestClient, api_nova: NovaChain) -> None:
    from novacron_chain.governance import ProposalAction

    gm = api_nova.governance
    cpu = api_nova.contract("CPUToken").address
    action = ProposalAction.call(cpu, "mint(address,uint256)", [gm.timelock.address, 1])
    api_nova.chain.advance(1)
    proposal = gm.create_proposal("api vote", "voted over HTTP", [action])
    early = client.post(f"/proposals/{proposal.id}/votes", json={"support": "for"})
    assert _problem(early, 409, "VotingClosedError")["hint"]
    api_nova.chain.advance(gm.voting_delay + 1)
    response = client.post(f"/proposals/{proposal.id}/votes", json={"support": "for", "reason": "scale out"})
    assert response.status_code == 201, response.text
    vote = response.json()
    assert vote["voter"] == api_nova.chain.signer.address
    assert vote["support"] == "for"
    shown = client.get(f"/proposals/{proposal.id}").json()
    assert int(shown["votes"]["for"]) > 0
    again = client.post(f"/proposals/{proposal.id}/votes", json={"support": "against"})
    _problem(again, 409, "AlreadyVotedError")
    bad = client.post(f"/proposals/{proposal.id}/votes", json={"support": "maybe"})
    _problem(bad, 400, "GovernanceValueError")
    params = client.get("/governance/parameters").json()
    assert params["voting_period"] == gm.voting_period
    assert params["dao_participation"] == gm.dao_participation() > 0
    me = api_nova.chain.signer.address
    membership = client.get(f"/accounts/{me}/membership").json()
    assert membership["eligibility"] == "Eligible"
    assert int(membership["votes"]) == gm.get_votes(me)


def test_identity(client: TestClient, api_nova: NovaChain) -> None:
    me = api_nova.chain.signer.address
    did = client.get(f"/accounts/{me}/did").json()["did"]
    assert did == api_nova.did.did_of(me)
    resolved = client.get(f"/dids/{did}").json()
    assert resolved == api_nova.did.resolve(did).to_dict()
    assert resolved["didDocument"]["id"] == did
    _problem(client.get("/dids/did:web:example.com"), 400, "InvalidDIDError")
    verdict = client.post("/credentials/verify", json={"jwt": "not.a.jwt"}).json()
    assert verdict["valid"] is False


def test_infrastructure_reads(client: TestClient, api_nova: NovaChain) -> None:
    assert client.get("/checkpoints/state").json() == {"checkpoints": []}
    assert client.get("/bridge/transfers").json() == {"transfers": []}
    _problem(client.get("/bridge/transfers", params={"source": "mars"}), 400, "BridgeValueError")
    _problem(client.get("/bridge/transfers/1337-9"), 404, "UnknownTransferError")
    assert client.get("/swaps").json() == {"swaps": []}
    status = client.get("/security/status").json()["contracts"]
    assert {c["name"] for c in status} >= {"StateAnchor", "VMLifecycle"}
    assert client.get("/security/contracts/StateAnchor/paused").json() == {"contract": "StateAnchor", "paused": False}
    audit = client.get("/security/audit/StateAnchor").json()
    assert audit["name"] == "StateAnchor"
    assert audit["code_matches"] is True
    _problem(client.get("/security/audit/NoSuchContract"), 404, "UnknownContractError")
    approvers = client.get("/migrations/approvers").json()
    assert approvers["threshold"] >= 1
    _problem(client.get("/slas/99"), 404, "SLANotFoundError")


def test_state_record_and_batch_verify(client: TestClient, api_nova: NovaChain) -> None:
    history = client.get(f"/state/vms/{VM}/history").json()["records"]
    entry = history[0]
    by_seq = client.get(f"/state/records/{entry['seq']}/verify").json()
    assert by_seq == api_nova.state.verify_record(entry["seq"]).to_dict()
    assert client.get(f"/state/records/{entry['cid']}/verify").json() == by_seq
    batch = client.get(f"/state/batches/{entry['batch_id']}/verify").json()
    assert batch == api_nova.state.verify_batch(entry["batch_id"]).to_dict()
    for odd in ("¹", "²3", "٣"):  # digits to str.isdigit(), not to int(): a record reference, not a crash
        response = client.get(f"/state/records/{odd}/verify")
        assert 400 <= response.status_code < 500, (odd, response.status_code, response.text)


def test_is_digits_accepts_ascii_digits_only() -> None:
    from novacron_chain.units import is_digits

    assert is_digits("0")
    assert is_digits("0123456789")
    assert not any(is_digits(t) for t in ("", "¹", "12²", "٣", "-1", "1.0", " 1", "0x1"))
