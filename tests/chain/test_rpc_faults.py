"""What users see when the RPC side goes wrong: dead endpoints, wrong chains, garbage, transient faults."""

from __future__ import annotations

import socket

import pytest

from novacron_chain import load_config
from novacron_chain.chain import connect
from novacron_chain.errors import ChainConnectionError, ChainIdMismatchError, DevOnlyError, KeyManagementError
from tests.fakenode import FakeNode


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_dead_endpoint_is_a_clear_connection_error() -> None:
    url = _dead_url()
    with pytest.raises(ChainConnectionError, match="cannot reach the RPC endpoint") as info:
        connect(load_config(overrides={"network": url, "rpc_timeout": 2}).blockchain)
    assert "rpc_endpoint" in (info.value.hint or "")


def test_wrong_chain_id_is_refused() -> None:
    with FakeNode(chain_id=1) as node, pytest.raises(ChainIdMismatchError) as info:
        connect(load_config(overrides={"network": "polygon", "rpc_endpoint": node.url}).blockchain)
    assert (info.value.expected, info.value.actual) == (137, 1)
    assert info.value.exit_code == 2


def test_explicit_chain_id_checked_for_raw_urls() -> None:
    with FakeNode(chain_id=5) as node, pytest.raises(ChainIdMismatchError):
        connect(load_config(overrides={"network": node.url, "chain_id": 6}).blockchain)


def test_non_json_endpoint() -> None:
    with FakeNode(html=True) as node, pytest.raises(ChainConnectionError, match="did not answer JSON-RPC"):
        connect(load_config(overrides={"network": node.url}).blockchain)


def test_transient_503_is_retried() -> None:
    with FakeNode(fail_first=2) as node:
        chain = connect(load_config(overrides={"network": "polygon", "rpc_endpoint": node.url}).blockchain)
        assert chain.chain_id == 137
        chain.close()


def test_production_chain_refuses_dev_accounts_and_time_travel() -> None:
    with FakeNode() as node:
        cfg = load_config(overrides={"network": "polygon", "rpc_endpoint": node.url}).blockchain
        with pytest.raises(DevOnlyError, match="not a dev chain"):
            connect(cfg, account=1)
        chain = connect(cfg)
        assert not chain.is_dev
        assert not chain.has_signer
        with pytest.raises(KeyManagementError, match="no signing key"):
            _ = chain.signer
        with pytest.raises(DevOnlyError):
            chain.advance(60)
        chain.close()


def test_private_key_from_env_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOCKCHAIN_PRIVATE_KEY", "0x" + "11" * 32)
    with FakeNode() as node:
        chain = connect(load_config(overrides={"network": "polygon", "rpc_endpoint": node.url}).blockchain)
        assert chain.signer.address == "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
        chain.close()


def test_credentials_in_url_are_not_shown() -> None:
    from novacron_chain.chain._rpc import redact_url

    assert (
        redact_url("https://user:pw@polygon-mainnet.example.com/v3/SECRETKEY")
        == "https://polygon-mainnet.example.com/…"
    )
