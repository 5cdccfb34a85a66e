"""Layer-2 metrics: soft-confirmation latency, batch sizes, L1 gas per L2 transaction, finality, fraud proofs.

The throughput of an L2 is the ordinary ``blockchain_tps{network="<l2 name>"}``: the sequencer records its
transactions on a :class:`~novacron_chain.metrics.BlockchainMetrics` labelled with the L2's name
(:meth:`~novacron_chain.metrics.BlockchainMetrics.record_transactions`). What only an L2 has is here, exported by
:class:`L2Collector` as ``blockchain_l2_*`` series labelled ``network``.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from novacron_chain.errors import NovaValueError

from ._metrics import BlockchainMetrics

__all__ = ["L2Collector", "L2Metrics", "L2Snapshot", "l2_registry"]

#: seconds from receiving a transaction to answering "soft-confirmed" (the sequencer's promise)
SOFT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
#: operations per batch posted to L1
BATCH_BUCKETS = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)


@dataclass(frozen=True, slots=True)
class L2Snapshot:
    """One consistent view of :class:`L2Metrics`."""

    network: str
    soft_confirmations: int
    soft_confirmation_seconds_sum: float
    soft_confirmation_histogram: tuple[tuple[float, int], ...]
    batches: int
    batched_ops: int
    batch_histogram: tuple[tuple[float, int], ...]
    l1_gas_used: int
    l1_calldata_bytes: int
    last_l1_gas_per_tx: float
    final_batches: int
    finality_seconds_sum: float
    last_finality_seconds: float
    fraud_proofs: int
    rejected: int

    @property
    def l1_gas_per_tx(self) -> float:
        """L1 gas per batched L2 operation, over every batch so far."""
        return self.l1_gas_used / self.batched_ops if self.batched_ops else 0.0

    @property
    def average_finality(self) -> float:
        """Mean seconds from a batch's posting to its finality."""
        return self.finality_seconds_sum / self.final_batches if self.final_batches else 0.0


def _cumulative(bounds: Sequence[float], counts: Sequence[int]) -> tuple[tuple[float, int], ...]:
    out, running = [], 0
    for bound, count in zip(bounds, counts, strict=True):
        running += count
        out.append((bound, running))
    return tuple(out)


class L2Metrics:
    """Thread-safe layer-2 metrics of one L2 network (the sequencer and the verifier record into it)."""

    def __init__(self, network: str) -> None:
        if not isinstance(network, str) or not network.strip():
            raise NovaValueError(f"network must be a non-empty string, got {network!r}", hint='e.g. "novacron"')
        self._network = network
        self._lock = threading.Lock()
        self._soft_bounds = (*SOFT_BUCKETS, math.inf)
        self._soft = [0] * len(self._soft_bounds)
        self._soft_count = 0
        self._soft_sum = 0.0
        self._batch_bounds: tuple[float, ...] = (*(float(b) for b in BATCH_BUCKETS), math.inf)
        self._batch = [0] * len(self._batch_bounds)
        self._batches = 0
        self._batched_ops = 0
        self._gas = 0
        self._bytes = 0
        self._last_gas_per_tx = 0.0
        self._final = 0
        self._finality_sum = 0.0
        self._last_finality = 0.0
        self._fraud = 0
        self._rejected = 0

    @property
    def network(self) -> str:
        """The L2's name (``l2_network``)."""
        return self._network

    def observe_soft_confirmation(self, seconds: float, count: int = 1) -> None:
        """``count`` transactions soft-confirmed ``seconds`` after they were received."""
        if count <= 0:
            return
        i = bisect_left(self._soft_bounds, max(seconds, 0.0))
        with self._lock:
            self._soft[i] += count
            self._soft_count += count
            self._soft_sum += seconds * count

    def observe_rejected(self, count: int = 1) -> None:
        """``count`` submissions refused (bad signature, wrong nonce, ...)."""
        with self._lock:
            self._rejected += count

    def observe_batch(self, ops: int, gas_used: int, calldata_bytes: int) -> None:
        """A batch of ``ops`` operations posted to L1 for ``gas_used`` gas."""
        i = bisect_left(self._batch_bounds, float(ops))
        with self._lock:
            self._batch[i] += 1
            self._batches += 1
            self._batched_ops += ops
            self._gas += gas_used
            self._bytes += calldata_bytes
            self._last_gas_per_tx = gas_used / ops if ops else 0.0

    def observe_finality(self, seconds: float) -> None:
        """A batch became final ``seconds`` after it was posted."""
        with self._lock:
            self._final += 1
            self._finality_sum += seconds
            self._last_finality = seconds

    def observe_fraud_proof(self) -> None:
        """A fraud proof deleted a batch (submitted by this node or seen on chain)."""
        with self._lock:
            self._fraud += 1

    def get_snapshot(self) -> L2Snapshot:
        """Every metric at one instant."""
        with self._lock:
            return L2Snapshot(
                network=self._network,
                soft_confirmations=self._soft_count,
                soft_confirmation_seconds_sum=self._soft_sum,
                soft_confirmation_histogram=_cumulative(self._soft_bounds, self._soft),
                batches=self._batches,
                batched_ops=self._batched_ops,
                batch_histogram=_cumulative(self._batch_bounds, self._batch),
                l1_gas_used=self._gas,
                l1_calldata_bytes=self._bytes,
                last_l1_gas_per_tx=self._last_gas_per_tx,
                final_batches=self._final,
                finality_seconds_sum=self._finality_sum,
                last_finality_seconds=self._last_finality,
                fraud_proofs=self._fraud,
                rejected=self._rejected,
            )


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


class L2Collector:
    """Prometheus collector of :class:`L2Metrics`: ``blockchain_l2_soft_confirmation_seconds`` and
    ``blockchain_l2_batch_ops`` (histograms), ``blockchain_l2_l1_gas_per_tx`` and
    ``blockchain_l2_finality_seconds`` (gauges), ``blockchain_l2_batches_total``,
    ``blockchain_l2_l1_gas_used_total``, ``blockchain_l2_fraud_proofs_total``, ``blockchain_l2_rejected_total``."""

    def __init__(self, metrics: L2Metrics | Sequence[L2Metrics]) -> None:
        self._metrics = [metrics] if isinstance(metrics, L2Metrics) else list(metrics)

    def describe(self) -> Iterable[Metric]:
        """The families, without samples."""
        return self._families([])

    def collect(self) -> Iterable[Metric]:
        """Current values."""
        return self._families([m.get_snapshot() for m in self._metrics])

    @staticmethod
    def _families(snaps: Sequence[L2Snapshot]) -> Iterator[Metric]:
        soft = HistogramMetricFamily(
            "blockchain_l2_soft_confirmation_seconds",
            "Seconds from receiving an L2 transaction to its soft confirmation (executed, logged to disk).",
            labels=["network"],
        )
        for s in snaps:
            soft.add_metric(
                [s.network],
                [(_le(b), float(c)) for b, c in s.soft_confirmation_histogram],
                s.soft_confirmation_seconds_sum,
            )
        yield soft
        sizes = HistogramMetricFamily(
            "blockchain_l2_batch_ops", "Operations per batch posted to L1.", labels=["network"]
        )
        for s in snaps:
            sizes.add_metric([s.network], [(_le(b), float(c)) for b, c in s.batch_histogram], float(s.batched_ops))
        yield sizes
        gauges = (
            ("blockchain_l2_l1_gas_per_tx", "L1 gas per L2 operation, over every batch posted.", "l1_gas_per_tx"),
            (
                "blockchain_l2_l1_gas_per_tx_last",
                "L1 gas per L2 operation of the latest batch.",
                "last_l1_gas_per_tx",
            ),
            (
                "blockchain_l2_finality_seconds",
                "Mean seconds from a batch's posting to its finality.",
                "average_finality",
            ),
        )
        for name, doc, attr in gauges:
            g = GaugeMetricFamily(name, doc, labels=["network"])
            for s in snaps:
                g.add_metric([s.network], float(getattr(s, attr)))
            yield g
        counters = (
            ("blockchain_l2_batches", "Batches posted to L1.", "batches"),
            ("blockchain_l2_l1_gas_used", "L1 gas of the batches posted.", "l1_gas_used"),
            ("blockchain_l2_l1_calldata_bytes", "Calldata bytes of the batches posted.", "l1_calldata_bytes"),
            ("blockchain_l2_fraud_proofs", "Batches deleted by a fraud proof.", "fraud_proofs"),
            ("blockchain_l2_rejected", "Submissions refused by the sequencer.", "rejected"),
        )
        for name, doc, attr in counters:
            c = CounterMetricFamily(name, doc, labels=["network"])
            for s in snaps:
                c.add_metric([s.network], float(getattr(s, attr)))
            yield c


def l2_registry(chain_metrics: Sequence[BlockchainMetrics], l2: Sequence[L2Metrics]) -> CollectorRegistry:
    """A registry exporting the chain metrics (``blockchain_tps{network=...}`` for L1 and the L2 alike) and the
    L2 metrics: mount it with ``prometheus_client.make_wsgi_app`` or read it with ``generate_latest``."""
    from ._exporter import BlockchainCollector

    registry = CollectorRegistry(auto_describe=False)
    registry.register(BlockchainCollector(chain_metrics))
    registry.register(L2Collector(l2))
    return registry
