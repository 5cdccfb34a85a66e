"""The JSON-RPC client's retry policy, against anvil behind a proxy that always fails one way: reads are retried
through every fault, a dev method that moves the chain is retried only when the node surely never saw it, and every
retry is counted by reason."""

from __future__ import annotations

import pytest

from novacron_chain.chain._rpc import RETRIES, JsonRpcClient
from novacron_chain.errors import ChainConnectionError
from tests.faultproxy import FaultProxy
from tests.faults.conftest import Node

pytestmark = pytest.mark.integration


def _head(node: Node) -> int:
    client = JsonRpcClient(node.url)
    try:
        return int(client.call("eth_blockNumber"), 16)
    finally:
        client.close()


@pytest.mark.parametrize(
    ("fault", "reason"), [("lost", "protocol"), ("server_error", "server_error"), ("truncate", None)]
)
def test_reads_are_retried_but_chain_moving_dev_methods_are_not_repeated(
    node: Node, fault: str, reason: str | None
) -> None:
    with FaultProxy(node.url, seed=1, **{fault: 1.0}) as proxy:
        client = JsonRpcClient(proxy.url)
        seen: list[str] = []
        client.retry_listeners.append(seen.append)
        with pytest.raises(ChainConnectionError) as info:
            client.call("eth_blockNumber")
        assert info.value.hint
        assert info.value.endpoint == proxy.url
        assert len(seen) == RETRIES
        assert sum(client.retry_counts.values()) == RETRIES
        if reason is not None:
            assert set(seen) == {reason}
        # the node may have mined a block for this one: it is never asked twice
        before, forwarded = _head(node), proxy.forwarded
        with pytest.raises(ChainConnectionError):
            client.call("evm_mine")
        assert proxy.forwarded - forwarded <= 1
        assert _head(node) - before == proxy.forwarded - forwarded
        client.close()


def test_rate_limited_requests_are_retried_even_for_dev_methods(node: Node) -> None:
    with FaultProxy(node.url, seed=2, rate_limit=1.0) as proxy:
        client = JsonRpcClient(proxy.url)
        before = _head(node)
        with pytest.raises(ChainConnectionError, match="HTTP 429"):
            client.call("evm_mine")  # a 429 is refused before the node runs anything: retrying is safe
        assert client.retry_counts == {"rate_limited": RETRIES}
        assert proxy.forwarded == 0
        assert _head(node) == before
        proxy.enabled = False  # the endpoint recovers: the next call goes through at once
        client.call("evm_mine")
        assert _head(node) == before + 1
        client.close()
