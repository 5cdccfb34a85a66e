"""The JSON-RPC client skips loading the CA bundle only where no TLS connection can happen."""

from __future__ import annotations

import pytest

from novacron_chain.chain._rpc import _may_use_tls

_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)


def test_plain_http_endpoint_reached_directly_needs_no_tls() -> None:
    assert not _may_use_tls("http://127.0.0.1:8545")


def test_https_endpoint_verifies() -> None:
    assert _may_use_tls("https://polygon-rpc.example/v1/key")


@pytest.mark.parametrize("var", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_http_endpoint_through_a_proxy_verifies(monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "https://proxy.example:3128")
    assert _may_use_tls("http://127.0.0.1:8545")
