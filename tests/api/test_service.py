"""The service side: readiness, jobs with status, server-sent block events, and /metrics with the domain gauges
and the server's own request counters."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from novacron_chain import NovaChain
from novacron_chain.api import Scope, create_app

RECORD = {"vm_id": "vm-svc", "state": "Running", "region": "eu-west-1", "cpu_allocation": 1, "memory_allocation": 512}


def test_readyz_checks_chain_contracts_and_store(client: TestClient, api_nova: NovaChain) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["ready"] is True
    assert set(body["checks"]) == {"chain", "contracts", "state", "store"}
    assert body["checks"]["chain"]["block"] == api_nova.chain.block_number()
    assert body["checks"]["contracts"]["deployed"] == len(api_nova.status().contracts)


def test_readyz_on_an_undeployed_chain_is_503() -> None:
    with NovaChain.embedded() as fresh, TestClient(create_app(fresh), raise_server_exceptions=False) as c:
        response = c.get("/readyz")
        assert c.get("/healthz").status_code == 200  # alive, but not ready
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["chain"]["ok"] is True
    assert checks["contracts"] == {
        "ok": False,
        "error": "ContractError",
        "message": "no contract is deployed",
        "hint": "run `novacron-chain deploy`",
    }


def _wait(client: TestClient, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, Any] = client.get(location).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_flush_as_a_job(client: TestClient, api_nova: NovaChain, api_keys: dict[Scope, str]) -> None:
    assert client.post("/state/records", json=RECORD).status_code == 201
    accepted = client.post("/jobs/flush")
    assert accepted.status_code == 202
    assert accepted.json()["status"] in ("queued", "running", "succeeded")
    location = accepted.headers["location"]
    job = _wait(client, location)
    assert job["status"] == "succeeded", job
    assert job["kind"] == "flush"
    assert job["result"]["records"] == 1
    assert job["requested_by"].startswith("api-key:")
    assert job["finished_at"] >= job["started_at"] >= job["created_at"]
    assert client.get("/state/vms/vm-svc/verify").json()["status"] == "valid"
    assert client.get("/jobs").json()["jobs"][0]["job_id"] == job["job_id"]
    keeper = _wait(client, client.post("/jobs/keeper").headers["location"])
    assert keeper["status"] == "succeeded"
    assert keeper["result"] == {"actions": []}
    unknown = client.get("/jobs/nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "UnknownJobError"


def test_deploy_job_needs_admin(client: TestClient, api_keys: dict[Scope, str]) -> None:
    assert client.post("/jobs/deploy").status_code == 403
    accepted = client.post("/jobs/deploy", headers={"X-API-Key": api_keys[Scope.ADMIN]})
    job = _wait(client, accepted.headers["location"])
    assert job["status"] == "succeeded", job
    assert {c["action"] for c in job["result"]["contracts"]} == {"unchanged"}


def test_block_events(client: TestClient, api_nova: NovaChain) -> None:
    start = api_nova.chain.block_number()
    events: list[dict[str, Any]] = []

    def write_later() -> None:
        time.sleep(0.5)
        client.post("/state/records", json={**RECORD, "vm_id": "vm-sse"})
        client.post("/state/flush")

    writer = threading.Thread(target=write_later)
    writer.start()
    with client.stream("GET", "/events/blocks", params={"limit": 1, "timeout": 30}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line == "" and "data" in fields:
                events.append({"id": fields["id"], "event": fields["event"], **json.loads(fields["data"])})
                fields = {}
            elif ": " in line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
    writer.join()
    (event,) = events
    assert event["event"] == "block"
    assert event["number"] == int(event["id"]) == start + 1
    assert event["contracts"] == ["StateAnchor"]  # the flush anchored a root
    assert event["transactions"] == 1
    (anchor,) = event["events"]  # typed: the anchor, decoded from the block's logs
    assert (anchor["kind"], anchor["contract"], anchor["event"]) == ("anchor", "StateAnchor", "BatchAnchored")
    assert anchor["args"]["leafCount"] == 1
    assert anchor["args"]["root"].startswith("0x")
    # resume from a block number: the blocks after it, at once
    with client.stream("GET", "/events/blocks", headers={"Last-Event-ID": str(start)}, params={"limit": 1}) as r:
        text = "".join(r.iter_text())
    assert f"id: {start + 1}\n" in text
    # a filter by kind skips blocks without such events; an unknown kind is a 400 naming it
    with client.stream("GET", "/events/blocks", params={"from_block": start, "kinds": "vote", "timeout": 1}) as r:
        assert "event: block" not in "".join(r.iter_text())
    bad = client.get("/events/blocks", params={"kinds": "anchor,votes"})
    assert bad.status_code == 400
    assert "votes" in bad.json()["detail"]


def test_metrics_has_domain_gauges_and_request_counters(client: TestClient, api_nova: NovaChain) -> None:
    client.get("/vms/vm-api-1")
    client.get("/vms/vm-none")
    text = client.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }
    net = api_nova.metrics.network
    spot = samples[("novacron_token_spot_price_wei", (("network", net), ("resource", "CPU")))]
    assert spot == api_nova.tokens.get_spot_price("CPU")
    anchored = samples[("novacron_state_records", (("network", net), ("status", "anchored")))]
    assert anchored == api_nova.state.summary().anchored
    ok = (("method", "GET"), ("network", net), ("route", "/vms/{name}"), ("status", "200"))
    assert samples[("novacron_api_requests_total", ok)] >= 1
    missing = (("method", "GET"), ("network", net), ("route", "/vms/{name}"), ("status", "404"))
    assert samples[("novacron_api_requests_total", missing)] >= 1
    assert ("blockchain_tps", (("network", net),)) in samples
