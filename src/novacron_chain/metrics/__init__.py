"""Blockchain metrics: the seed's ``BlockchainMetrics``, a Prometheus exporter and its HTTP server.

::

    from novacron_chain.metrics import BlockchainMetrics, MetricsServer, render_text

    metrics = BlockchainMetrics("polygon", native_usd_price=Decimal("0.42"))
    chain.observers.append(metrics)  # the chain calls metrics.record_transaction(...) per transaction
    metrics.update_validators(total=100, active=97)
    metrics.get_snapshot().average_finality_time

    with MetricsServer(metrics, port=9464):  # GET /metrics (Prometheus text), GET /healthz
        ...

Exported series, all labelled ``network``:

- gauges ``blockchain_tps``, ``blockchain_average_tps``, ``blockchain_peak_tps``,
  ``blockchain_finality_seconds`` (mean), ``blockchain_gas_cost_usd`` (mean per transaction),
  ``blockchain_gas_used_average``, ``blockchain_validators_active``, ``blockchain_validators_total``,
  ``blockchain_governance_proposals``, ``blockchain_dao_participation``, ``blockchain_overhead_ratio``;
- counters ``blockchain_transactions_total`` (also labelled ``status``: ``success`` / ``failed``),
  ``blockchain_gas_used_total``, ``blockchain_fees_wei_total``, ``blockchain_fees_usd_total``,
  ``blockchain_rpc_retries_total`` (also labelled ``reason``: JSON-RPC requests retried after a transient fault);
- histogram ``blockchain_transaction_finality_seconds``;
- for a layer 2 (:class:`L2Metrics`, :func:`l2_registry`): ``blockchain_l2_soft_confirmation_seconds`` and
  ``blockchain_l2_batch_ops`` histograms, ``blockchain_l2_l1_gas_per_tx`` and ``blockchain_l2_finality_seconds``
  gauges, batch / gas / fraud-proof counters; its throughput is ``blockchain_tps{network="<l2 name>"}``.

The Grafana dashboard for them is ``dashboards/novacron-chain.json``.
"""

from __future__ import annotations

from ._exporter import BlockchainCollector, MetricsServer, make_registry, render_text
from ._l2 import L2Collector, L2Metrics, L2Snapshot, l2_registry
from ._metrics import BlockchainMetrics, MetricsSnapshot

__all__ = [
    "BlockchainCollector",
    "BlockchainMetrics",
    "L2Collector",
    "L2Metrics",
    "L2Snapshot",
    "MetricsServer",
    "MetricsSnapshot",
    "l2_registry",
    "make_registry",
    "render_text",
]
