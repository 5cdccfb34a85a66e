"""Prometheus exposition of BlockchainMetrics: a scrape-time collector, text rendering, an HTTP server."""

from __future__ import annotations

import math
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, generate_latest, make_wsgi_app
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from novacron_chain.errors import NovaChainError, NovaValueError

from ._metrics import BlockchainMetrics, MetricsSnapshot

__all__ = ["BlockchainCollector", "MetricsServer", "make_registry", "render_text"]

MetricsSource = BlockchainMetrics | Sequence[BlockchainMetrics]

# (name, help, snapshot attribute) of every gauge; the seed's "Monitoring & Alerting" names among them.
_GAUGES: tuple[tuple[str, str, str], ...] = (
    ("blockchain_tps", "Transactions per second over the last TPS window.", "current_tps"),
    (
        "blockchain_average_tps",
        "Transactions per second since the first recorded transaction.",
        "average_tps",
    ),
    ("blockchain_peak_tps", "Highest transactions per second measured or reported.", "peak_tps"),
    (
        "blockchain_finality_seconds",
        "Mean seconds from submission to receipt (distribution: blockchain_transaction_finality_seconds).",
        "average_finality_time",
    ),
    ("blockchain_gas_cost_usd", "Mean fee per transaction in USD.", "average_gas_cost_usd"),
    ("blockchain_gas_used_average", "Mean gas used per transaction.", "average_gas_used"),
    ("blockchain_validators_active", "Active validators.", "active_validators"),
    ("blockchain_validators_total", "Registered validators.", "total_validators"),
    (
        "blockchain_validators_under_decentralised",
        "1 when fewer validators are active than the configured minimum (min_validators), else 0.",
        "under_decentralised",
    ),
    (
        "blockchain_checkpoint_gas_used_last",
        "Gas used by the latest consensus checkpoint submission.",
        "last_checkpoint_gas",
    ),
    ("blockchain_governance_proposals", "Governance proposals created so far.", "total_proposals"),
    (
        "blockchain_dao_participation",
        "Fraction (0..1) of voting power taking part in governance.",
        "dao_participation",
    ),
    ("blockchain_contracts_paused", "Contracts of the deployment paused by a guardian.", "paused_contracts"),
    (
        "blockchain_overhead_ratio",
        "Fraction (0..1) of platform time or cost spent on the blockchain.",
        "blockchain_overhead",
    ),
)

# Counters: family name without "_total" (prometheus_client appends it to the sample), help, attribute.
_COUNTERS: tuple[tuple[str, str, str], ...] = (
    ("blockchain_gas_used", "Gas used by all recorded transactions.", "total_gas_used"),
    (
        "blockchain_fees_wei",
        "Fees paid in wei of the native coin (a float: exact below 2**53).",
        "total_gas_cost_wei",
    ),
    (
        "blockchain_fees_usd",
        "Fees paid in USD, each at the price configured when recorded.",
        "total_gas_cost_usd",
    ),
    ("blockchain_checkpoints", "Consensus checkpoints submitted and final.", "total_checkpoints"),
    ("blockchain_checkpoint_gas_used", "Gas used by consensus checkpoint submissions.", "checkpoint_gas_used"),
    ("blockchain_slashing_events", "Validators slashed for double signing.", "slashing_events"),
    ("blockchain_jail_events", "Validators jailed for downtime.", "jail_events"),
)

_HISTOGRAM = "blockchain_transaction_finality_seconds"
_CHECKPOINT_HISTOGRAM = "blockchain_checkpoint_finality_seconds"


def _as_list(metrics: MetricsSource) -> list[BlockchainMetrics]:
    items = [metrics] if isinstance(metrics, BlockchainMetrics) else list(metrics)
    if not items or not all(isinstance(m, BlockchainMetrics) for m in items):
        raise NovaValueError(
            "expected a BlockchainMetrics or a non-empty sequence of them",
            hint="pass the BlockchainMetrics object(s) to export",
        )
    networks = [m.network for m in items]
    if len(set(networks)) != len(networks):
        raise NovaValueError(
            f"two BlockchainMetrics share a network label: {sorted(networks)}",
            hint="give each network's BlockchainMetrics its own network name (Prometheus series are unique)",
        )
    return items


class BlockchainCollector:
    """A Prometheus collector that reads :meth:`BlockchainMetrics.get_snapshot` at every scrape.

    Every series carries a ``network`` label; ``blockchain_transactions_total`` also a ``status`` label
    (``success`` / ``failed``). Several networks (say an L1 and its L2) can share one collector.

    Raises:
        NovaValueError: if no metrics are given or two share a network label.
    """

    def __init__(self, metrics: MetricsSource) -> None:
        self._metrics = _as_list(metrics)

    def describe(self) -> Iterable[Metric]:
        """The metric families this collector yields, without samples (lets a registry detect clashes)."""
        return self._families([])

    def collect(self) -> Iterable[Metric]:
        """The current value of every metric, one consistent snapshot per network."""
        return self._families([m.get_snapshot() for m in self._metrics])

    @staticmethod
    def _families(snapshots: Sequence[MetricsSnapshot]) -> Iterator[Metric]:
        for name, doc, attr in _GAUGES:
            gauge = GaugeMetricFamily(name, doc, labels=["network"])
            for s in snapshots:
                gauge.add_metric([s.network], float(getattr(s, attr)))
            yield gauge

        verdicts = GaugeMetricFamily(
            "blockchain_audit_verdicts",
            "Contracts per verdict of the last audit of the whole deployment.",
            labels=["network", "verdict"],
        )
        for s in snapshots:
            for verdict, count in s.audit_verdicts:
                verdicts.add_metric([s.network, verdict], float(count))
        yield verdicts

        tx = CounterMetricFamily(
            "blockchain_transactions", "Transactions recorded, by outcome.", labels=["network", "status"]
        )
        for s in snapshots:
            tx.add_metric([s.network, "success"], float(s.successful_transactions))
            tx.add_metric([s.network, "failed"], float(s.failed_transactions))
        yield tx

        retries = CounterMetricFamily(
            "blockchain_rpc_retries",
            "JSON-RPC requests retried after a transient fault (429, 5xx, dropped or cut answers), by reason.",
            labels=["network", "reason"],
        )
        for s in snapshots:
            for reason, count in s.rpc_retries:
                retries.add_metric([s.network, reason], float(count))
        yield retries

        for name, doc, attr in _COUNTERS:
            counter = CounterMetricFamily(name, doc, labels=["network"])
            for s in snapshots:
                counter.add_metric([s.network], float(getattr(s, attr)))
            yield counter

        hist = HistogramMetricFamily(
            _HISTOGRAM, "Seconds from submission to receipt, per transaction.", labels=["network"]
        )
        for s in snapshots:
            buckets = [(_le(bound), float(count)) for bound, count in s.finality_histogram]
            hist.add_metric([s.network], buckets, s.total_finality_time)
        yield hist

        checkpoints = HistogramMetricFamily(
            _CHECKPOINT_HISTOGRAM,
            "Seconds from a root becoming available to its consensus checkpoint being final on chain.",
            labels=["network"],
        )
        for s in snapshots:
            buckets = [(_le(bound), float(count)) for bound, count in s.checkpoint_finality_histogram]
            checkpoints.add_metric([s.network], buckets, s.total_checkpoint_finality_time)
        yield checkpoints


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


def make_registry(metrics: MetricsSource) -> CollectorRegistry:
    """A fresh :class:`~prometheus_client.CollectorRegistry` holding only a :class:`BlockchainCollector`.

    Use it to mount the metrics in another app (``prometheus_client.make_asgi_app(make_registry(m))``); the
    process-global ``prometheus_client.REGISTRY`` is never touched.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BlockchainCollector(metrics))
    return registry


def render_text(metrics: MetricsSource) -> bytes:
    """The metrics in the Prometheus text exposition format (0.0.4), as a scrape would see them now."""
    return bytes(generate_latest(make_registry(metrics)))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would flood stderr."""


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # SO_REUSEADDR lets a restarted server bind a port whose previous socket is still in TIME_WAIT.
    allow_reuse_address = True


_StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class MetricsServer:
    """An HTTP server exposing ``/metrics`` (Prometheus text) and ``/healthz`` from a background thread.

    ``port=0`` binds a free port; read the real one from :attr:`port` after :meth:`start`. Also a context
    manager: ``with MetricsServer(m, port=0) as srv: ...`` starts and stops it.

    Args:
        metrics: the BlockchainMetrics (or one per network) to serve.
        host: interface to listen on; the default serves only this machine. An IPv6 literal works too.
        port: TCP port; Prometheus's registered default for this exporter family is 9464.
    """

    def __init__(self, metrics: MetricsSource, host: str = "127.0.0.1", port: int = 9464) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise NovaValueError(f"port must be an int in 0..65535, got {port!r}", hint="use 0 for any free port")
        self._registry = make_registry(metrics)
        self._metrics_app = make_wsgi_app(self._registry)
        self._host = host
        self._port = port
        self._server: _ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def host(self) -> str:
        """The interface the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port once started (the real one when constructed with 0), else the configured port."""
        server = self._server
        if server is not None:
            return int(server.server_address[1])
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        """Whether :meth:`start` was called and :meth:`stop` not yet."""
        return self._server is not None

    def _app(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        if path in ("/metrics", "/"):
            result: Iterable[bytes] = self._metrics_app(environ, start_response)
            return result
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found: try /metrics or /healthz\n"]

    def start(self) -> MetricsServer:
        """Bind and serve in a daemon thread; returns ``self``.

        Raises:
            NovaChainError: if the server is already running.
            NovaValueError: if the address cannot be bound (port in use, unknown host, no permission).
        """
        with self._lock:
            if self._server is not None:
                raise NovaChainError(f"the metrics server is already running on {self.url}", hint="call stop() first")
            server_class = _ThreadingWSGIServer
            if ":" in self._host:

                class _V6(_ThreadingWSGIServer):
                    address_family = socket.AF_INET6

                server_class = _V6
            try:
                server = make_server(
                    self._host, self._port, self._app, server_class=server_class, handler_class=_QuietHandler
                )
            except OSError as exc:
                raise NovaValueError(
                    f"cannot serve metrics on {self._host}:{self._port}: {exc.strerror or exc}",
                    hint="choose another port (0 picks a free one) or stop the process holding it",
                ) from exc
            assert isinstance(server, _ThreadingWSGIServer)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="novacron-metrics",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
            return self

    def stop(self) -> None:
        """Stop serving and close the socket; waits for the serving thread. Safe to call twice."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"MetricsServer({self.url}, {state})"
