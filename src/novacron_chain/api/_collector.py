"""What the API server's ``/metrics`` adds to the chain's :class:`~novacron_chain.metrics.BlockchainCollector`:
domain gauges read from the chain at scrape time (token economics, state records, proposals by state, block
height) and the server's own request counters and latencies. Every series is labelled ``network``, like the
exporter's, so one ``$network`` variable filters a whole dashboard.

Before a scrape the consensus and governance managers refresh the exporter's validator and DAO gauges from the chain.
A part of the deployment that is missing (say, no Bridge) leaves its family without samples instead of failing the
scrape.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from ..errors import NovaChainError

if TYPE_CHECKING:
    from .. import NovaChain

__all__ = ["DOMAIN_METRICS", "DomainCollector", "RequestMetrics"]

#: every family the domain collector yields (name, help)
DOMAIN_METRICS: tuple[tuple[str, str], ...] = (
    ("novacron_chain_block_height", "Latest block number of the chain."),
    ("novacron_token_spot_price_wei", "Bonding-curve spot price of a resource token, wei per whole token."),
    ("novacron_token_total_supply", "Total supply of a resource token, base units."),
    ("novacron_market_reserve", "Tokens of a resource sold on the bonding curve and not sold back, base units."),
    ("novacron_pool_reserve", "Reserves of a resource's pool against the native coin (side: token | native)."),
    ("novacron_staking_reward_reserve", "Staking reward reserve of a resource (kind: available | committed)."),
    ("novacron_state_records", "VM state records by status (pending | intended | anchored)."),
    ("novacron_state_batches", "Anchored Merkle batches of VM state records."),
    ("novacron_governance_proposals_by_state", "Governance proposals by their current state."),
    ("novacron_governance_policy_changes_pending", "Zero-ops automation policy changes waiting for approvals."),
)


class DomainCollector:
    """Reads the chain's domains at every scrape (call it under the API's lock: it uses the NovaChain)."""

    def __init__(self, nova: NovaChain) -> None:
        self._nova = nova

    def describe(self) -> Iterable[Metric]:
        """The families, without samples."""
        return [GaugeMetricFamily(name, doc, labels=["network"]) for name, doc in DOMAIN_METRICS]

    def collect(self) -> Iterator[Metric]:
        """The current values; a domain that cannot be read (not deployed) yields its family without samples."""
        nova = self._nova
        net = nova.metrics.network
        families = {name: GaugeMetricFamily(name, doc, labels=self._labels(name)) for name, doc in DOMAIN_METRICS}
        self._try(lambda: families["novacron_chain_block_height"].add_metric([net], float(nova.chain.block_number())))
        self._try(lambda: self._tokens(families, net))
        self._try(lambda: self._state(families, net))
        self._try(lambda: self._governance(families, net))
        yield from families.values()

    @staticmethod
    def _labels(name: str) -> list[str]:
        extra = {
            "novacron_token_spot_price_wei": ["resource"],
            "novacron_token_total_supply": ["resource"],
            "novacron_market_reserve": ["resource"],
            "novacron_pool_reserve": ["resource", "side"],
            "novacron_staking_reward_reserve": ["resource", "kind"],
            "novacron_state_records": ["status"],
            "novacron_governance_proposals_by_state": ["state"],
        }
        return ["network", *extra.get(name, [])]

    @staticmethod
    def _try(fn: Callable[[], object]) -> None:
        # not deployed / not reachable: /readyz says so; the scrape still answers
        with contextlib.suppress(NovaChainError):
            fn()

    def _tokens(self, f: dict[str, GaugeMetricFamily], net: str) -> None:
        from ..tokens import Resource

        tm = self._nova.tokens
        for r in Resource:
            reserve = tm.curve(r)[2]
            f["novacron_token_spot_price_wei"].add_metric([net, r.name], float(tm.get_spot_price(r)))
            supply = int(tm.token(r).functions.totalSupply().call())
            f["novacron_token_total_supply"].add_metric([net, r.name], float(supply))
            f["novacron_market_reserve"].add_metric([net, r.name], float(reserve))
            pool = tm.pool_info(r)
            f["novacron_pool_reserve"].add_metric([net, r.name, "token"], float(pool.reserve))
            f["novacron_pool_reserve"].add_metric([net, r.name, "native"], float(pool.other_reserve))
            available, committed = tm.reward_reserve(r)
            f["novacron_staking_reward_reserve"].add_metric([net, r.name, "available"], float(available))
            f["novacron_staking_reward_reserve"].add_metric([net, r.name, "committed"], float(committed))

    def _state(self, f: dict[str, GaugeMetricFamily], net: str) -> None:
        s = self._nova.state.summary()
        for status, value in (("pending", s.pending), ("intended", s.intended), ("anchored", s.anchored)):
            f["novacron_state_records"].add_metric([net, status], float(value))
        f["novacron_state_batches"].add_metric([net], float(s.batches))

    def _governance(self, f: dict[str, GaugeMetricFamily], net: str) -> None:
        from ..governance import ProposalState

        gm = self._nova.governance
        proposals = gm.list_proposals()
        for state in ProposalState:
            count = sum(p.state is state for p in proposals)
            f["novacron_governance_proposals_by_state"].add_metric([net, state.name.lower()], float(count))
        gm.refresh_metrics()
        pending = f["novacron_governance_policy_changes_pending"]
        self._try(lambda: pending.add_metric([net], float(len(gm.pending_policy_changes()))))
        self._try(lambda: self._nova.consensus.refresh_metrics())


class RequestMetrics:
    """The server's own ``novacron_api_requests_total`` and ``novacron_api_request_duration_seconds``, by method,
    route template (``/vms/{name}``, so ids do not explode the series) and status."""

    def __init__(self, registry: CollectorRegistry, network: str) -> None:
        self._network = network
        self.requests = Counter(
            "novacron_api_requests",
            "HTTP requests answered by the API, by method, route template and status code.",
            ["network", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "novacron_api_request_duration_seconds",
            "Seconds to answer an HTTP request, by method and route template.",
            ["network", "method", "route"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )

    def observe(self, method: str, route: str, status: int, started: float) -> None:
        """Count one answered request that started at ``started`` (``time.perf_counter()``)."""
        self.requests.labels(self._network, method, route, str(status)).inc()
        self.latency.labels(self._network, method, route).observe(time.perf_counter() - started)
