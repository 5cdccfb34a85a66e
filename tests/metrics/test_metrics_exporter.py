"""The Prometheus exposition (parsed back) and the HTTP server on a real loopback port."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import prometheus_client
import pytest
from prometheus_client.openmetrics import parser as openmetrics_parser
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import DuplicateTimeseries

from novacron_chain.errors import NovaChainError, NovaValueError
from novacron_chain.metrics import (
    BlockchainCollector,
    BlockchainMetrics,
    MetricsServer,
    make_registry,
    render_text,
)

GWEI = 10**9
# the OpenMetrics parser is unannotated; give it a type so strict mypy accepts calling it
openmetrics_families: Callable[[str], Iterable[Any]] = openmetrics_parser.text_string_to_metric_families


def _families(text: bytes) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text.decode())}


def _value(families: dict[str, Any], sample_name: str, **labels: str) -> float:
    matches = [
        s.value for family in families.values() for s in family.samples if s.name == sample_name and s.labels == labels
    ]
    assert len(matches) == 1, (sample_name, labels, matches)
    return float(matches[0])


@pytest.fixture
def polygon(clock: Any) -> BlockchainMetrics:
    m = BlockchainMetrics("polygon", Decimal("0.50"), tps_window=10.0, clock=clock)
    m.record_transaction(True, 51_625, 1.5, fee_wei=51_625 * 30 * GWEI)
    m.record_transaction(True, 34_525, 2.5, fee_wei=34_525 * 30 * GWEI)
    m.record_transaction(False, 30_000, 0.2, fee_wei=30_000 * 30 * GWEI)
    m.update_tps(12_500.0)
    m.update_validators(1247, 1200)
    m.update_governance(17, 0.28)
    m.update_overhead(0.04)
    return m


def test_text_exposition_parses_back_with_seed_names_and_values(polygon: BlockchainMetrics) -> None:
    fams = _families(render_text(polygon))
    net = {"network": "polygon"}
    fee_wei = (51_625 + 34_525 + 30_000) * 30 * GWEI
    assert _value(fams, "blockchain_tps", **net) == 0.3
    assert _value(fams, "blockchain_average_tps", **net) == 0.3
    assert _value(fams, "blockchain_peak_tps", **net) == 12_500.0
    assert _value(fams, "blockchain_finality_seconds", **net) == pytest.approx(4.2 / 3)
    assert _value(fams, "blockchain_gas_cost_usd", **net) == pytest.approx(fee_wei / 10**18 * 0.5 / 3)
    assert _value(fams, "blockchain_validators_active", **net) == 1200
    assert _value(fams, "blockchain_validators_total", **net) == 1247
    assert _value(fams, "blockchain_governance_proposals", **net) == 17
    assert _value(fams, "blockchain_dao_participation", **net) == 0.28
    assert _value(fams, "blockchain_overhead_ratio", **net) == 0.04
    assert _value(fams, "blockchain_transactions_total", network="polygon", status="success") == 2
    assert _value(fams, "blockchain_transactions_total", network="polygon", status="failed") == 1
    assert _value(fams, "blockchain_gas_used_total", **net) == 116_150
    assert _value(fams, "blockchain_fees_wei_total", **net) == fee_wei
    assert _value(fams, "blockchain_fees_usd_total", **net) == pytest.approx(fee_wei / 10**18 * 0.5)
    assert _value(fams, "blockchain_transaction_finality_seconds_count", **net) == 3
    assert _value(fams, "blockchain_transaction_finality_seconds_sum", **net) == pytest.approx(4.2)
    assert _value(fams, "blockchain_transaction_finality_seconds_bucket", le="0.25", **net) == 1
    assert _value(fams, "blockchain_transaction_finality_seconds_bucket", le="2.0", **net) == 2
    assert _value(fams, "blockchain_transaction_finality_seconds_bucket", le="+Inf", **net) == 3


def test_metric_types(polygon: BlockchainMetrics) -> None:
    fams = _families(render_text(polygon))
    assert fams["blockchain_tps"].type == "gauge"
    assert fams["blockchain_finality_seconds"].type == "gauge"
    assert fams["blockchain_transactions"].type == "counter"
    assert fams["blockchain_gas_used"].type == "counter"
    assert fams["blockchain_transaction_finality_seconds"].type == "histogram"
    for family in fams.values():
        assert family.documentation, family.name
        for sample in family.samples:
            assert sample.labels["network"] == "polygon"


def test_values_are_read_at_scrape_time(clock: Any) -> None:
    m = BlockchainMetrics("avalanche", clock=clock)
    registry = make_registry(m)
    before = _families(prometheus_client.generate_latest(registry))
    assert _value(before, "blockchain_transactions_total", network="avalanche", status="success") == 0
    m.record_transaction(True, 21_000, 0.8)
    m.update_validators(5, 4)
    after = _families(prometheus_client.generate_latest(registry))
    assert _value(after, "blockchain_transactions_total", network="avalanche", status="success") == 1
    assert _value(after, "blockchain_validators_active", network="avalanche") == 4


def test_several_networks_in_one_exposition(clock: Any) -> None:
    l1 = BlockchainMetrics("ethereum", clock=clock)
    l2 = BlockchainMetrics("polygon", clock=clock)
    l1.record_transaction(True, 21_000, 12.0)
    for _ in range(3):
        l2.record_transaction(False, 21_000, 2.0)
    fams = _families(render_text([l1, l2]))
    assert _value(fams, "blockchain_transactions_total", network="ethereum", status="success") == 1
    assert _value(fams, "blockchain_transactions_total", network="polygon", status="failed") == 3
    assert _value(fams, "blockchain_finality_seconds", network="ethereum") == 12.0


def test_duplicate_network_labels_are_rejected(clock: Any) -> None:
    with pytest.raises(NovaValueError, match="share a network label"):
        BlockchainCollector([BlockchainMetrics("polygon", clock=clock), BlockchainMetrics("polygon", clock=clock)])
    with pytest.raises(NovaValueError):
        render_text([])


def test_registries_are_private(clock: Any) -> None:
    a = make_registry(BlockchainMetrics("a", clock=clock))
    b = make_registry(BlockchainMetrics("b", clock=clock))
    assert a is not b
    assert b"blockchain_tps" not in prometheus_client.generate_latest(prometheus_client.REGISTRY)
    # describe() declares the names, so the same collector cannot be registered twice in one registry
    with pytest.raises(DuplicateTimeseries):
        a.register(BlockchainCollector(BlockchainMetrics("c", clock=clock)))


def _get(url: str, accept: str | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers.get("Content-Type", ""), err.read()


def test_http_server_serves_metrics_and_health(polygon: BlockchainMetrics) -> None:
    server = MetricsServer(polygon, port=0)
    assert not server.running
    server.start()
    try:
        assert server.running
        assert server.port != 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        status, ctype, body = _get(server.url + "/metrics")
        assert status == 200
        assert ctype.startswith("text/plain")
        fams = _families(body)
        assert _value(fams, "blockchain_validators_total", network="polygon") == 1247
        polygon.record_transaction(True, 21_000, 1.0)  # the next scrape sees it
        fams = _families(_get(server.url + "/metrics")[2])
        assert _value(fams, "blockchain_transactions_total", network="polygon", status="success") == 3
        assert _get(server.url + "/healthz")[::2] == (200, b"ok\n")
        assert _get(server.url + "/nope")[0] == 404
    finally:
        server.stop()
    assert not server.running
    with pytest.raises(urllib.error.URLError):
        _get(f"http://127.0.0.1:{server.port}/healthz")
    server.stop()  # a second stop is harmless


def test_http_server_speaks_openmetrics_when_asked(polygon: BlockchainMetrics) -> None:
    # Prometheus asks for OpenMetrics first; the gauge named blockchain_validators_total must survive it.
    with MetricsServer(polygon, port=0) as server:
        status, ctype, body = _get(server.url + "/metrics", accept="application/openmetrics-text; version=1.0.0")
    assert status == 200
    assert ctype.startswith("application/openmetrics-text")
    fams = {f.name: f for f in openmetrics_families(body.decode())}
    assert _value(fams, "blockchain_validators_total", network="polygon") == 1247
    assert _value(fams, "blockchain_transactions_total", network="polygon", status="failed") == 1
    assert _value(fams, "blockchain_transaction_finality_seconds_count", network="polygon") == 3


def test_http_server_context_manager_and_restart(polygon: BlockchainMetrics) -> None:
    with MetricsServer(polygon, port=0) as server:
        assert _get(server.url + "/healthz")[0] == 200
        with pytest.raises(NovaChainError, match="already running"):
            server.start()
    assert not server.running
    with server:  # it can be started again after stop()
        assert _get(server.url + "/healthz")[0] == 200


def test_http_server_reports_a_busy_port(polygon: BlockchainMetrics) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = MetricsServer(polygon, port=port)
        with pytest.raises(NovaValueError, match=f"127.0.0.1:{port}") as info:
            server.start()
        assert "port" in (info.value.hint or "")
        assert not server.running


@pytest.mark.parametrize("port", [-1, 65_536, True, "9464"])
def test_http_server_rejects_bad_port(polygon: BlockchainMetrics, port: Any) -> None:
    with pytest.raises(NovaValueError, match="port"):
        MetricsServer(polygon, port=port)
