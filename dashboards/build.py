"""Generate the seed's five Grafana dashboards and the alert rules (``python dashboards/build.py``).

The JSON and YAML next to this script are its output, committed so that Grafana can provision them as they are
(``provisioning/``); ``tests/dashboards`` checks that they match this script and that every query names only series
``novacron-chain serve --api`` exports on ``/metrics``. Edit here, run, commit both.

Seed targets (dwcp-phase5-blockchain.md, "Performance Targets" and "Monitoring & Alerting") become thresholds on the
stat panels and Grafana alert rules: TPS >= 10,000, finality < 2 s, gas cost < $0.01 per transaction, >= 1,000 active
validators, DAO participation > 20%.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
NET = 'network=~"$network"'
FAILED = 'status="failed"'
DS = {"type": "prometheus", "uid": "${datasource}"}

#: the seed's targets: (metric expression, comparison that FIRES, threshold, for, summary)
SEED_ALERTS: tuple[dict[str, Any], ...] = (
    {
        "uid": "novacron-low-tps",
        "title": "TPS below the seed target",
        "expr": "max by (network) (blockchain_tps)",
        "op": "lt",
        "threshold": 10000,
        "for": "10m",
        "summary": "{{ $labels.network }}: {{ $values.B }} TPS, below the 10,000 TPS target (seed: Low TPS).",
        "runbook": "Enable batching (BatchSize) or move volume to the L2 rollup.",
    },
    {
        "uid": "novacron-slow-finality",
        "title": "Finality above 2 s",
        "expr": "max by (network) (blockchain_finality_seconds)",
        "op": "gt",
        "threshold": 2,
        "for": "5m",
        "summary": "{{ $labels.network }}: mean finality {{ $values.B }} s, above the 2 s target.",
        "runbook": "Check the RPC endpoint's latency and the gas strategy; consider the L2.",
    },
    {
        "uid": "novacron-high-gas-cost",
        "title": "Gas cost above $0.01 per transaction",
        "expr": "max by (network) (blockchain_gas_cost_usd)",
        "op": "gt",
        "threshold": 0.01,
        "for": "15m",
        "summary": "{{ $labels.network }}: ${{ $values.B }} per transaction, above the $0.01 target (seed: High Gas "
        "Costs).",
        "runbook": "Switch to the L2 (UseLayer2) or a slower gas strategy (GasStrategy=slow).",
    },
    {
        "uid": "novacron-few-validators",
        "title": "Fewer than 1,000 active validators",
        "expr": "min by (network) (blockchain_validators_active)",
        "op": "lt",
        "threshold": 1000,
        "for": "30m",
        "summary": "{{ $labels.network }}: {{ $values.B }} active validators, below the 1,000 target.",
        "runbook": "`novacron-chain validator list`: unjail or onboard validators.",
    },
    {
        "uid": "novacron-low-dao-participation",
        "title": "DAO participation below 20%",
        # only once there is a proposal to take part in
        "expr": "min by (network) (blockchain_dao_participation) and on (network) "
        "(max by (network) (blockchain_governance_proposals) > 0)",
        "op": "lt",
        "threshold": 0.2,
        "for": "1h",
        "summary": "{{ $labels.network }}: {{ $values.B }} of voting power took part, below the 20% target.",
        "runbook": "Remind members to vote or delegate (`novacron-chain gov delegate`).",
    },
)


class Board:
    """A dashboard under construction: panels are laid out left to right, 24 columns wide."""

    def __init__(self, uid: str, title: str, description: str, tags: list[str]) -> None:
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels: list[dict[str, Any]] = []
        self._x = self._y = self._row_h = 0

    def _place(self, w: int, h: int) -> dict[str, int]:
        if self._x + w > 24:
            self._x, self._y, self._row_h = 0, self._y + self._row_h, 0
        pos = {"x": self._x, "y": self._y, "w": w, "h": h}
        self._x += w
        self._row_h = max(self._row_h, h)
        return pos

    def row(self, title: str) -> None:
        """A collapsible row heading on a line of its own."""
        if self._x:
            self._x, self._y, self._row_h = 0, self._y + self._row_h, 0
        self.panels.append(
            {
                "id": len(self.panels) + 1,
                "type": "row",
                "title": title,
                "collapsed": False,
                "panels": [],
                "gridPos": {"x": 0, "y": self._y, "w": 24, "h": 1},
            }
        )
        self._y += 1

    def _targets(self, queries: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend, "range": True}
            for i, (expr, legend) in enumerate(queries)
        ]

    def stat(
        self,
        title: str,
        description: str,
        expr: str,
        *,
        unit: str = "short",
        steps: list[tuple[float | None, str]] | None = None,
        w: int = 4,
        legend: str = "{{network}}",
        decimals: int | None = None,
    ) -> None:
        """A single-value panel, coloured by ``steps`` (``(from, colour)``, the first ``from`` is ``None``)."""
        defaults: dict[str, Any] = {"unit": unit}
        if decimals is not None:
            defaults["decimals"] = decimals
        if steps:
            defaults["thresholds"] = {
                "mode": "absolute",
                "steps": [{"color": color, "value": value} for value, color in steps],
            }
            defaults["color"] = {"mode": "thresholds"}
        self.panels.append(
            {
                "id": len(self.panels) + 1,
                "type": "stat",
                "title": title,
                "description": description,
                "datasource": DS,
                "gridPos": self._place(w, 4),
                "fieldConfig": {"defaults": defaults, "overrides": []},
                "options": {
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "orientation": "auto",
                    "textMode": "auto",
                    "colorMode": "value",
                    "graphMode": "area",
                },
                "targets": self._targets([(expr, legend)]),
            }
        )

    def gauge(self, title: str, description: str, expr: str, steps: list[tuple[float | None, str]]) -> None:
        """A 0..1 gauge coloured by ``steps``."""
        self.panels.append(
            {
                "id": len(self.panels) + 1,
                "type": "gauge",
                "title": title,
                "description": description,
                "datasource": DS,
                "gridPos": self._place(6, 8),
                "fieldConfig": {
                    "defaults": {
                        "unit": "percentunit",
                        "min": 0,
                        "max": 1,
                        "thresholds": {
                            "mode": "absolute",
                            "steps": [{"color": c, "value": v} for v, c in steps],
                        },
                    },
                    "overrides": [],
                },
                "options": {
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "showThresholdMarkers": True,
                },
                "targets": self._targets([(expr, "{{network}}")]),
            }
        )

    def series(
        self,
        title: str,
        description: str,
        queries: list[tuple[str, str]],
        *,
        unit: str = "short",
        w: int = 12,
        stack: bool = False,
        threshold: float | None = None,
    ) -> None:
        """A time series of ``queries`` (``(expr, legend)``); ``threshold`` draws the seed target as a line."""
        custom: dict[str, Any] = {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 10,
            "showPoints": "never",
            "spanNulls": False,
        }
        if stack:
            custom["stacking"] = {"mode": "normal", "group": "A"}
        defaults: dict[str, Any] = {"unit": unit, "custom": custom}
        if threshold is not None:
            custom["thresholdsStyle"] = {"mode": "dashed"}
            defaults["thresholds"] = {
                "mode": "absolute",
                "steps": [{"color": "transparent", "value": None}, {"color": "red", "value": threshold}],
            }
        self.panels.append(
            {
                "id": len(self.panels) + 1,
                "type": "timeseries",
                "title": title,
                "description": description,
                "datasource": DS,
                "gridPos": self._place(w, 8),
                "fieldConfig": {"defaults": defaults, "overrides": []},
                "options": {
                    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "none"},
                },
                "targets": self._targets(queries),
            }
        )

    def json(self) -> dict[str, Any]:
        """The dashboard model Grafana provisions."""
        return {
            "__requires": [
                {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.4.0"},
                {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
            ],
            "annotations": {
                "list": [
                    {
                        "builtIn": 1,
                        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                        "enable": True,
                        "hide": True,
                        "iconColor": "rgba(0, 211, 255, 1)",
                        "name": "Annotations & Alerts",
                        "type": "dashboard",
                    }
                ]
            },
            "description": self.description,
            "editable": True,
            "fiscalYearStartMonth": 0,
            "graphTooltip": 1,
            "id": None,
            "links": [
                {
                    "type": "dashboards",
                    "tags": ["novacron"],
                    "asDropdown": True,
                    "title": "NovaCron Chain",
                    "includeVars": True,
                    "keepTime": True,
                }
            ],
            "panels": self.panels,
            "refresh": "30s",
            "schemaVersion": 39,
            "tags": ["novacron", "blockchain", *self.tags],
            "templating": {"list": _variables()},
            "time": {"from": "now-6h", "to": "now"},
            "timepicker": {},
            "timezone": "browser",
            "title": self.title,
            "uid": self.uid,
            "version": 1,
            "weekStart": "",
        }


def _variables() -> list[dict[str, Any]]:
    return [
        {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
            "includeAll": False,
            "multi": False,
            "options": [],
            "refresh": 1,
            "regex": "",
        },
        {
            "name": "network",
            "label": "Network",
            "type": "query",
            "datasource": DS,
            "definition": "label_values(blockchain_tps, network)",
            "query": {
                "qryType": 1,
                "query": "label_values(blockchain_tps, network)",
                "refId": "PrometheusVariableQueryEditor-VariableQuery",
            },
            "current": {},
            "hide": 0,
            "includeAll": True,
            "allValue": ".*",
            "multi": True,
            "options": [],
            "refresh": 2,
            "regex": "",
            "sort": 1,
        },
    ]


TPS_STEPS: list[tuple[float | None, str]] = [(None, "red"), (10000, "green")]
FINALITY_STEPS: list[tuple[float | None, str]] = [(None, "green"), (2, "red")]
GAS_STEPS: list[tuple[float | None, str]] = [(None, "green"), (0.01, "red")]
VALIDATOR_STEPS: list[tuple[float | None, str]] = [(None, "red"), (1000, "green")]
DAO_STEPS: list[tuple[float | None, str]] = [(None, "red"), (0.2, "green")]


def q(metric: str, extra: str = "") -> str:
    """``metric`` filtered by the $network variable (and ``extra`` label matchers)."""
    return f"{metric}{{{NET}{', ' + extra if extra else ''}}}"


def rate(metric: str, extra: str = "") -> str:
    return f"rate({q(metric, extra)}[$__rate_interval])"


def quantile(phi: float, histogram: str) -> str:
    return f"histogram_quantile({phi}, sum by (network, le) ({rate(histogram + '_bucket')}))"


def overview() -> Board:
    b = Board(
        "novacron-overview",
        "NovaCron Chain / Blockchain overview",
        "The seed's headline figures against its targets: TPS, finality, gas cost, validators, DAO participation; "
        "chain height, paused contracts and the API's health.",
        ["overview"],
    )
    b.row("Seed targets")
    b.stat(
        "TPS",
        "Transactions per second over the exporter's window (target 10,000+).",
        q("blockchain_tps"),
        steps=TPS_STEPS,
    )
    b.stat(
        "Finality",
        "Mean seconds from submission to receipt (target < 2 s).",
        q("blockchain_finality_seconds"),
        unit="s",
        steps=FINALITY_STEPS,
    )
    b.stat(
        "Gas cost per tx",
        "Mean fee per transaction in USD (target < $0.01).",
        q("blockchain_gas_cost_usd"),
        unit="currencyUSD",
        steps=GAS_STEPS,
        decimals=4,
    )
    b.stat(
        "Active validators",
        "Validators active in the current epoch (target 1,000+).",
        q("blockchain_validators_active"),
        steps=VALIDATOR_STEPS,
    )
    b.stat(
        "DAO participation",
        "Share of voting power that voted on the latest proposal (target > 20%).",
        q("blockchain_dao_participation"),
        unit="percentunit",
        steps=DAO_STEPS,
    )
    b.stat(
        "Blockchain overhead",
        "Share of platform time or cost spent on the chain (target < 5%).",
        q("blockchain_overhead_ratio"),
        unit="percentunit",
        steps=[(None, "green"), (0.05, "red")],
    )
    b.row("Chain")
    b.stat("Block height", "Latest block number.", q("novacron_chain_block_height"), w=6)
    b.stat(
        "Paused contracts",
        "Contracts of the deployment paused by a guardian.",
        q("blockchain_contracts_paused"),
        steps=[(None, "green"), (1, "red")],
        w=6,
    )
    b.stat(
        "Anchored VM states",
        "VM state records anchored on chain.",
        q("novacron_state_records", 'status="anchored"'),
        w=6,
    )
    b.stat(
        "Pending VM states",
        "VM state records waiting for the next anchor.",
        q("novacron_state_records", 'status="pending"'),
        w=6,
    )
    b.series(
        "Transactions per second",
        "Current and peak, against the 10,000 TPS target.",
        [(q("blockchain_tps"), "{{network}} current"), (q("blockchain_peak_tps"), "{{network}} peak")],
        threshold=10000,
    )
    b.series(
        "Blocks per minute",
        "New blocks (dev chains mine one per transaction).",
        [(f"rate({q('novacron_chain_block_height')}[5m]) * 60", "{{network}}")],
    )
    b.row("API")
    b.series(
        "API requests by status",
        "Requests answered per second by the HTTP API.",
        [(f"sum by (network, status) ({rate('novacron_api_requests_total')})", "{{status}}")],
        unit="reqps",
        stack=True,
    )
    b.series(
        "API latency p50 / p99",
        "Seconds to answer, all routes.",
        [
            (
                quantile(0.5, "novacron_api_request_duration_seconds"),
                "{{network}} p50",
            ),
            (
                quantile(0.99, "novacron_api_request_duration_seconds"),
                "{{network}} p99",
            ),
        ],
        unit="s",
    )
    b.series(
        "Audit verdicts",
        "Contracts per verdict of the last deployment audit.",
        [(f"sum by (verdict) ({q('blockchain_audit_verdicts')})", "{{verdict}}")],
        w=24,
    )
    return b


def transactions() -> Board:
    b = Board(
        "novacron-transactions",
        "NovaCron Chain / Transaction metrics",
        "Throughput, outcomes, finality distribution, gas and fees of every transaction the chain layer sent.",
        ["transactions"],
    )
    b.row("Throughput")
    b.stat("Current TPS", "Over the exporter's window.", q("blockchain_tps"), steps=TPS_STEPS)
    b.stat("Average TPS", "Since the first recorded transaction.", q("blockchain_average_tps"))
    b.stat("Peak TPS", "Highest measured or reported.", q("blockchain_peak_tps"))
    b.stat(
        "Transactions", "Recorded so far, both outcomes.", f"sum by (network) ({q('blockchain_transactions_total')})"
    )
    b.stat(
        "Failed (5m)",
        "Share of the last 5 minutes' transactions that failed.",
        f"sum by (network) (increase({q('blockchain_transactions_total', FAILED)}[5m])) / "
        f"clamp_min(sum by (network) (increase({q('blockchain_transactions_total')}[5m])), 1)",
        unit="percentunit",
        steps=[(None, "green"), (0.01, "orange"), (0.05, "red")],
    )
    b.stat("Gas per tx", "Mean gas used per transaction.", q("blockchain_gas_used_average"))
    b.series(
        "Transactions per second",
        "Current, average and peak.",
        [
            (q("blockchain_tps"), "{{network}} current"),
            (q("blockchain_average_tps"), "{{network}} average"),
            (q("blockchain_peak_tps"), "{{network}} peak"),
        ],
        threshold=10000,
    )
    b.series(
        "Transactions by outcome",
        "Per second, success and failed.",
        [(f"sum by (network, status) ({rate('blockchain_transactions_total')})", "{{network}} {{status}}")],
        unit="ops",
        stack=True,
    )
    b.row("Finality")
    b.series(
        "Finality p50 / p95 / mean",
        "Seconds from submission to receipt, against the 2 s target.",
        [
            (quantile(0.5, "blockchain_transaction_finality_seconds"), "{{network}} p50"),
            (quantile(0.95, "blockchain_transaction_finality_seconds"), "{{network}} p95"),
            (
                f"{rate('blockchain_transaction_finality_seconds_sum')} / "
                f"{rate('blockchain_transaction_finality_seconds_count')}",
                "{{network}} mean",
            ),
        ],
        unit="s",
        threshold=2,
    )
    b.series(
        "Finality (exporter mean)",
        "The exporter's running mean.",
        [(q("blockchain_finality_seconds"), "{{network}}")],
        unit="s",
        threshold=2,
    )
    b.row("Gas and fees")
    b.series("Gas used per second", "All transactions.", [(rate("blockchain_gas_used_total"), "{{network}}")])
    b.series(
        "Fees per second (wei)", "Native coin spent on fees.", [(rate("blockchain_fees_wei_total"), "{{network}}")]
    )
    b.series(
        "Gas cost per tx (USD)",
        "Mean fee per transaction, against the $0.01 target.",
        [
            (q("blockchain_gas_cost_usd"), "{{network}} mean"),
            (
                f"{rate('blockchain_fees_usd_total')} / clamp_min({rate('blockchain_transactions_total')}, 1e-9)",
                "{{network}} recent",
            ),
        ],
        unit="currencyUSD",
        threshold=0.01,
    )
    b.series(
        "Fees per hour (USD)",
        "Spent in the last hour.",
        [(f"increase({q('blockchain_fees_usd_total')}[1h])", "{{network}}")],
        unit="currencyUSD",
    )
    return b


def validators() -> Board:
    b = Board(
        "novacron-validators",
        "NovaCron Chain / Validator health",
        "Proof-of-stake validators: how many are active, decentralisation, checkpoints made final, their latency "
        "and gas, slashing and jailing.",
        ["validators"],
    )
    b.row("Validators")
    b.stat(
        "Active",
        "Active in the current epoch (target 1,000+).",
        q("blockchain_validators_active"),
        steps=VALIDATOR_STEPS,
        w=6,
    )
    b.stat("Registered", "Ever registered.", q("blockchain_validators_total"), w=6)
    b.stat(
        "Under-decentralised",
        "1 when fewer validators are active than min_validators.",
        q("blockchain_validators_under_decentralised"),
        steps=[(None, "green"), (1, "red")],
        w=6,
    )
    b.stat("Checkpoints final", "Consensus checkpoints submitted and final.", q("blockchain_checkpoints_total"), w=6)
    b.series(
        "Active / registered validators",
        "Against the 1,000 target.",
        [
            (q("blockchain_validators_active"), "{{network}} active"),
            (q("blockchain_validators_total"), "{{network}} registered"),
        ],
        threshold=1000,
    )
    b.series(
        "Slashing and jailing (1h)",
        "Validators slashed for double signing and jailed for downtime.",
        [
            (f"increase({q('blockchain_slashing_events_total')}[1h])", "{{network}} slashed"),
            (f"increase({q('blockchain_jail_events_total')}[1h])", "{{network}} jailed"),
        ],
    )
    b.row("Checkpoints")
    b.series(
        "Checkpoint finality p50 / p95",
        "Seconds from a root being available to its checkpoint being final.",
        [
            (quantile(0.5, "blockchain_checkpoint_finality_seconds"), "{{network}} p50"),
            (quantile(0.95, "blockchain_checkpoint_finality_seconds"), "{{network}} p95"),
        ],
        unit="s",
        threshold=2,
    )
    b.series(
        "Checkpoints per hour", "Made final.", [(f"increase({q('blockchain_checkpoints_total')}[1h])", "{{network}}")]
    )
    b.series(
        "Checkpoint gas",
        "Gas of the latest submission and per second.",
        [
            (q("blockchain_checkpoint_gas_used_last"), "{{network}} last"),
            (rate("blockchain_checkpoint_gas_used_total"), "{{network}} per second"),
        ],
        w=24,
    )
    return b


def tokens() -> Board:
    b = Board(
        "novacron-tokens",
        "NovaCron Chain / Token economics",
        "The CPU, MEM, STO and NET resource tokens: bonding-curve prices, supply, what the market and the pools "
        "hold, staking reward reserves, and what transactions cost.",
        ["tokens"],
    )
    b.row("Market")
    for resource in ("CPU", "MEM", "STO", "NET"):
        b.stat(
            f"{resource} spot price",
            f"Bonding-curve price of one whole {resource} token, in wei.",
            q("novacron_token_spot_price_wei", f'resource="{resource}"'),
            w=6,
            legend="{{resource}}",
        )
    b.series(
        "Spot price by resource (wei)",
        "Bonding-curve spot prices over time.",
        [(q("novacron_token_spot_price_wei"), "{{resource}}")],
    )
    b.series(
        "Total supply by resource",
        "Base units (18 decimals) in existence.",
        [(q("novacron_token_total_supply"), "{{resource}}")],
    )
    b.series(
        "Sold on the curve",
        "Tokens bought on the curve and not sold back (its reserve).",
        [(q("novacron_market_reserve"), "{{resource}}")],
    )
    b.series(
        "Pool reserves",
        "Each resource's pool against the native coin.",
        [(q("novacron_pool_reserve"), "{{resource}} {{side}}")],
    )
    b.row("Staking and fees")
    b.series(
        "Staking reward reserve",
        "Available and committed to open stakes.",
        [(q("novacron_staking_reward_reserve"), "{{resource}} {{kind}}")],
        stack=True,
    )
    b.series(
        "Fees (USD per hour)",
        "What transactions cost, against the $0.01 per transaction target.",
        [
            (f"increase({q('blockchain_fees_usd_total')}[1h])", "{{network}} per hour"),
            (q("blockchain_gas_cost_usd"), "{{network}} per tx"),
        ],
        unit="currencyUSD",
    )
    return b


def governance() -> Board:
    b = Board(
        "novacron-governance",
        "NovaCron Chain / Governance activity",
        "DAO governance: proposals and their states, participation against the 20% target, and the contracts "
        "paused by guardians.",
        ["governance"],
    )
    b.row("DAO")
    b.stat("Proposals", "Created so far.", q("blockchain_governance_proposals"), w=6)
    b.stat("Active", "Open for voting now.", q("novacron_governance_proposals_by_state", 'state="active"'), w=6)
    b.stat(
        "Queued",
        "Passed, waiting out the timelock.",
        q("novacron_governance_proposals_by_state", 'state="queued"'),
        w=6,
    )
    b.stat("Executed", "Passed and carried out.", q("novacron_governance_proposals_by_state", 'state="executed"'), w=6)
    b.gauge(
        "DAO participation",
        "Share of voting power that voted on the latest proposal (target > 20%).",
        q("blockchain_dao_participation"),
        DAO_STEPS,
    )
    b.series(
        "Participation over time",
        "Against the 20% target.",
        [(q("blockchain_dao_participation"), "{{network}}")],
        unit="percentunit",
        w=18,
        threshold=0.2,
    )
    b.series(
        "Proposals by state",
        "Pending, active, succeeded, defeated, queued, executed, ...",
        [(q("novacron_governance_proposals_by_state"), "{{state}}")],
        stack=True,
    )
    b.series(
        "Proposals created per day",
        "New proposals.",
        [(f"delta({q('blockchain_governance_proposals')}[1d])", "{{network}}")],
    )
    b.series(
        "Paused contracts",
        "Emergency pauses in force (the DAO or a guardian lifts them).",
        [(q("blockchain_contracts_paused"), "{{network}}")],
        w=24,
    )
    return b


BOARDS = {
    "blockchain-overview.json": overview,
    "transaction-metrics.json": transactions,
    "validator-health.json": validators,
    "token-economics.json": tokens,
    "governance-activity.json": governance,
}


def alert_rules() -> dict[str, Any]:
    """The seed's thresholds as Grafana file-provisioned alert rules (query A, reduce B, threshold C)."""
    rules = []
    for a in SEED_ALERTS:
        rules.append(
            {
                "uid": a["uid"],
                "title": a["title"],
                "condition": "C",
                "data": [
                    {
                        "refId": "A",
                        "relativeTimeRange": {"from": 600, "to": 0},
                        "datasourceUid": "prometheus",
                        "model": {
                            "refId": "A",
                            "expr": a["expr"],
                            "instant": True,
                            "intervalMs": 1000,
                            "maxDataPoints": 43200,
                        },
                    },
                    {
                        "refId": "B",
                        "datasourceUid": "__expr__",
                        "model": {"refId": "B", "type": "reduce", "expression": "A", "reducer": "last"},
                    },
                    {
                        "refId": "C",
                        "datasourceUid": "__expr__",
                        "model": {
                            "refId": "C",
                            "type": "threshold",
                            "expression": "B",
                            "conditions": [{"evaluator": {"type": a["op"], "params": [a["threshold"]]}}],
                        },
                    },
                ],
                "noDataState": "NoData",
                "execErrState": "Error",
                "for": a["for"],
                "annotations": {
                    "summary": a["summary"],
                    "runbook": a["runbook"],
                    "__dashboardUid__": "novacron-overview",
                },
                "labels": {"severity": "warning", "service": "novacron-chain"},
                "isPaused": False,
            }
        )
    return {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": 1,
                "name": "novacron-chain-seed-targets",
                "folder": "NovaCron Chain",
                "interval": "1m",
                "rules": rules,
            }
        ],
    }


PROVISIONING = {
    "provisioning/dashboards/novacron-chain.yaml": {
        "apiVersion": 1,
        "providers": [
            {
                "name": "novacron-chain",
                "orgId": 1,
                "folder": "NovaCron Chain",
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                # mount dashboards/ of this repository here
                "options": {"path": "/var/lib/grafana/dashboards/novacron-chain", "foldersFromFilesStructure": False},
            }
        ],
    },
    "provisioning/datasources/prometheus.yaml": {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "uid": "prometheus",  # the alert rules query this uid
                "type": "prometheus",
                "access": "proxy",
                "url": "http://prometheus:9090",
                "isDefault": True,
                "jsonData": {"timeInterval": "15s"},
            }
        ],
    },
}


def render() -> dict[str, str]:
    """Every generated file: relative path -> its text."""
    out = {name: json.dumps(build().json(), indent=2) + "\n" for name, build in BOARDS.items()}
    header = "# generated by dashboards/build.py; edit there\n"
    out["provisioning/alerting/novacron-chain-alerts.yaml"] = header + yaml.safe_dump(
        alert_rules(), sort_keys=False, width=120
    )
    for path, data in PROVISIONING.items():
        out[path] = header + yaml.safe_dump(data, sort_keys=False, width=120)
    return out


def main() -> int:
    """Write the files; ``--check`` only compares (exit 1 on a difference)."""
    check = "--check" in sys.argv[1:]
    stale = []
    for rel, text in render().items():
        path = HERE / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print("out of date (run python dashboards/build.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
