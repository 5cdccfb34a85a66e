"""The Grafana dashboards and alert rules under ``dashboards/`` query only series the API server really exports.

A small workload on an embedded chain goes through the HTTP API (VM states recorded and anchored, a VM created,
tokens bought, a proposal voted on, a bad request), then ``/metrics`` is scraped and every metric name in every panel
query, variable and alert rule must be among the scraped samples. The files are provisioning-ready (Grafana's
dashboard JSON model, alerting and provisioning YAML) and match ``dashboards/build.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, Scope, create_app

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
SEED_BOARDS = {
    "blockchain-overview.json": "novacron-overview",
    "transaction-metrics.json": "novacron-transactions",
    "validator-health.json": "novacron-validators",
    "token-economics.json": "novacron-tokens",
    "governance-activity.json": "novacron-governance",
}
FUNCTIONS = {
    "rate", "increase", "delta", "sum", "min", "max", "avg", "count", "histogram_quantile", "clamp_min",
    "label_values",
}  # fmt: skip
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool"}


def metric_names(expr: str) -> list[str]:
    """The metric names a PromQL expression selects (functions, keywords, labels, numbers and ranges removed);
    fails on an unknown function or unbalanced brackets."""
    for open_, close in ("()", "[]", "{}"):
        assert expr.count(open_) == expr.count(close), expr
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"\{[^}]*\}", "", s)
    s = re.sub(r"\[[^\]]*\]", "", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", s)
    s = re.sub(r"\blabel_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,[^)]*\)", r"(\1)", s)
    s = re.sub(r"(?<![A-Za-z_])\d+(\.\d+)?([eE][-+]?\d+)?", "0", s)
    names = []
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        word, rest = m.group(), s[m.end() :].lstrip()
        if word in KEYWORDS:
            continue
        if rest.startswith("("):
            assert word in FUNCTIONS, f"unknown function {word} in {expr}"
        else:
            names.append(word)
    return names


def test_the_extractor() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (network, le) (rate(a_bucket{network=~"$network"}[$__rate_interval]))) '
        "/ clamp_min(b_total, 1e-9) and on (network) (max by (network) (c) > 0)"
    )
    assert metric_names(expr) == ["a_bucket", "b_total", "c"]
    assert metric_names("label_values(blockchain_tps, network)") == ["blockchain_tps"]


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The sample names /metrics exports after a small workload through the API."""
    from novacron_chain.governance import ProposalAction

    keys = ApiKeyStore(tmp_path_factory.mktemp("keys") / "api-keys.json")
    _, secret = keys.create(Scope.WRITE)
    with NovaChain.embedded() as nova:
        nova.deploy()
        nova.tokens.fund_staking_rewards()
        with TestClient(create_app(nova, keys=keys), headers={"X-API-Key": secret}) as client:
            for i in range(3):
                record = {
                    "vm_id": f"vm-dash-{i}",
                    "state": "Running",
                    "region": "us-east-1",
                    "cpu_allocation": 2,
                    "memory_allocation": 2048,
                }
                assert client.post("/state/records", json=record).status_code == 201
            assert client.post("/state/flush").status_code == 200
            vm = {"name": "vm-dash", "region": "us-east-1", "cpu_allocation": 1, "memory_allocation": 1024}
            assert client.post("/vms", json={**vm, "reserve": True}).status_code == 201
            assert client.post("/market/buy", json={"resource": "NET", "amount": 10**18}).status_code == 201
            gm = nova.governance
            action = ProposalAction.call(
                nova.contract("CPUToken").address, "mint(address,uint256)", [gm.timelock.address, 1]
            )
            nova.chain.advance(1)
            proposal = gm.create_proposal("dashboards", "a vote for the dashboards", [action])
            nova.chain.advance(gm.voting_delay + 1)
            assert client.post(f"/proposals/{proposal.id}/votes", json={"support": "for"}).status_code == 201
            assert client.get("/vms/vm-nope").status_code == 404
            text = client.get("/metrics").text
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def _boards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))}


def _targets(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            yield panel["title"], target["expr"]


def test_the_seed_dashboards_exist_and_are_provisioning_ready() -> None:
    boards = _boards()
    assert set(SEED_BOARDS) <= set(boards)
    uids = [b["uid"] for b in boards.values()]
    assert len(uids) == len(set(uids))
    for name, uid in SEED_BOARDS.items():
        board = boards[name]
        assert board["uid"] == uid
        assert board["id"] is None  # Grafana assigns it when provisioning
        assert board["schemaVersion"] >= 36
        assert board["title"].startswith("NovaCron Chain / ")
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["network"]["includeAll"]
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids))
        for panel in board["panels"]:
            pos = panel["gridPos"]
            assert pos["x"] >= 0, panel["title"]
            assert pos["x"] + pos["w"] <= 24, panel["title"]
            if panel["type"] != "row":
                assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
                assert panel["description"], panel["title"]
    provider = yaml.safe_load((DASHBOARDS / "provisioning/dashboards/novacron-chain.yaml").read_text())
    assert provider["providers"][0]["type"] == "file"
    sources = yaml.safe_load((DASHBOARDS / "provisioning/datasources/prometheus.yaml").read_text())
    assert sources["datasources"][0]["uid"] == "prometheus"


@pytest.mark.slow
def test_every_query_names_only_exported_metrics(scraped: set[str]) -> None:
    used: set[str] = set()
    for name, board in _boards().items():
        for title, expr in _targets(board):
            names = metric_names(expr)
            assert names, (name, title, expr)
            for metric in names:
                assert metric in scraped, f"{name} / {title}: {metric} is not exported"
            used.update(names)
            # every selector filters by the $network variable
            for selector in re.finditer(r"\b((?:blockchain|novacron)_[a-z0-9_]+)(\{[^}]*\})?", expr):
                assert 'network=~"$network"' in (selector.group(2) or ""), (name, title, expr)
        for variable in board["templating"]["list"]:
            for metric in metric_names(variable.get("definition", "")):
                assert metric in scraped
    # the seed's monitored series are all on a dashboard
    assert {
        "blockchain_tps",
        "blockchain_finality_seconds",
        "blockchain_gas_cost_usd",
        "blockchain_validators_active",
        "blockchain_dao_participation",
        "novacron_token_spot_price_wei",
        "novacron_governance_proposals_by_state",
    } <= used


@pytest.mark.slow
def test_alert_rules_use_the_seed_thresholds_on_exported_metrics(scraped: set[str]) -> None:
    doc = yaml.safe_load((DASHBOARDS / "provisioning/alerting/novacron-chain-alerts.yaml").read_text())
    assert doc["apiVersion"] == 1
    (group,) = doc["groups"]
    thresholds = {}
    for rule in group["rules"]:
        data = {d["refId"]: d for d in rule["data"]}
        assert rule["condition"] == "C"
        assert data["A"]["datasourceUid"] == "prometheus"
        names = metric_names(data["A"]["model"]["expr"])
        assert names
        assert set(names) <= scraped, rule["title"]
        assert data["B"]["model"] == {"refId": "B", "type": "reduce", "expression": "A", "reducer": "last"}
        (condition,) = data["C"]["model"]["conditions"]
        thresholds[names[0]] = (condition["evaluator"]["type"], condition["evaluator"]["params"][0])
        assert rule["for"]
        assert rule["annotations"]["summary"]
    # the seed: 10,000+ TPS, < 2 s finality, < $0.01 gas, 1000+ validators, > 20% DAO participation
    assert thresholds == {
        "blockchain_tps": ("lt", 10000),
        "blockchain_finality_seconds": ("gt", 2),
        "blockchain_gas_cost_usd": ("gt", 0.01),
        "blockchain_validators_active": ("lt", 1000),
        "blockchain_dao_participation": ("lt", 0.2),
    }


def test_the_files_match_the_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(DASHBOARDS / "build.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
