"""The Grafana dashboard only queries series the exporter really exports, always filtered by $network."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from novacron_chain.metrics import BlockchainMetrics, render_text

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboards" / "novacron-chain.json"
METRIC = re.compile(r"\b(blockchain_[a-z_]+)\b")


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def exported_samples() -> set[str]:
    m = BlockchainMetrics("polygon")
    m.record_transaction(True, 21_000, 1.0, fee_wei=1)
    m.record_transaction(False, 21_000, 1.0)
    text = render_text(m).decode()
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def _query_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_dashboard_shape(dashboard: dict[str, Any]) -> None:
    assert dashboard["schemaVersion"] >= 36
    assert dashboard["uid"] == "novacron-chain"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    assert "blockchain_" in variables["network"]["definition"]
    assert variables["network"]["includeAll"]
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0
        assert pos["x"] + pos["w"] <= 24


def test_every_query_uses_exported_metrics_and_the_network_variable(
    dashboard: dict[str, Any], exported_samples: set[str]
) -> None:
    panels = _query_panels(dashboard)
    assert panels
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            expr = target["expr"]
            names = METRIC.findall(expr)
            assert names, (panel["title"], expr)
            for name in names:
                assert name in exported_samples, f"{panel['title']}: {name} is not exported"
            # every selector filters by the $network variable
            for selector in re.finditer(r"blockchain_[a-z_]+(\{[^}]*\})?", expr):
                labels = selector.group(1) or ""
                assert 'network=~"$network"' in labels, (panel["title"], expr)
            for open_, close in ("()", "[]", "{}"):
                assert expr.count(open_) == expr.count(close), expr
    variable_names = METRIC.findall(" ".join(v.get("definition", "") for v in dashboard["templating"]["list"]))
    assert set(variable_names) <= exported_samples


def test_dashboard_covers_the_seed_metrics(dashboard: dict[str, Any]) -> None:
    used = {
        name
        for panel in _query_panels(dashboard)
        for target in panel["targets"]
        for name in METRIC.findall(target["expr"])
    }
    for name in (
        "blockchain_tps",
        "blockchain_finality_seconds",
        "blockchain_gas_cost_usd",
        "blockchain_validators_active",
        "blockchain_dao_participation",
        "blockchain_transactions_total",
    ):
        assert name in used
