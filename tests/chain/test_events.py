"""The event indexer: paging against provider limits, the incremental cache, confirmations, reorgs and rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from novacron_chain import load_config
from novacron_chain.chain import Chain, EventIndexer, attach_indexer, connect, event_indexer
from novacron_chain.errors import ChainError
from tests.fakenode import FakeNode

TOPIC = keccak(b"Thing(uint256,uint256)")
ADDRESS = "0x" + "ab" * 20


@pytest.fixture
def node() -> Iterator[FakeNode]:
    with FakeNode(chain_id=137, max_range=1_000, max_results=10_000) as n:
        yield n


def _connect(node: FakeNode, tmp_path: Path, **overrides: object) -> Chain:
    return connect(load_config(overrides={"network": node.url, "data_dir": str(tmp_path), **overrides}).blockchain)


def _numbers(logs: list) -> list[int]:  # type: ignore[type-arg]
    return [int.from_bytes(bytes(log["data"]), "big") for log in logs]


def test_pages_through_a_1000_block_range_limit(node: FakeNode, tmp_path: Path) -> None:
    node.add_logs(ADDRESS, TOPIC, list(range(100, 20_001, 10)))  # 1,991 logs over 20,000 blocks
    chain = _connect(node, tmp_path, event_confirmations=0)
    ix = event_indexer(chain)
    logs = ix.logs(ADDRESS, TOPIC)
    assert _numbers(logs) == list(range(1_991))
    assert ix.max_range == 1_000  # learned from "range 20001 exceeds limit of 1000"
    assert ix.stats.refused == 1
    assert all(hi - lo + 1 <= 1_000 for lo, hi in node.log_requests[1:])
    assert ix.stats.requests == 1 + 21  # one refused, then 21 pages of 1,000 blocks
    # the limit is kept per endpoint: a second indexer starts with it
    again = EventIndexer(chain)
    assert again.max_range == 1_000
    before = len(node.log_requests)
    assert len(again.logs(ADDRESS, TOPIC, from_block=5_000)) == 1_501
    assert all(hi - lo + 1 <= 1_000 for lo, hi in node.log_requests[before:])


@pytest.mark.parametrize(
    ("style", "learned"),
    [("infura", 1_000), ("alchemy", 1_000), ("quicknode", 1_000), ("erigon", 1_000)],
)
def test_learns_the_limit_from_each_providers_words(style: str, learned: int, tmp_path: Path) -> None:
    with FakeNode(max_range=1_000, limit_style=style) as node:
        node.add_logs(ADDRESS, TOPIC, [10, 2_500, 4_999])
        ix = event_indexer(_connect(node, tmp_path, event_confirmations=0))
        assert len(ix.logs(ADDRESS, TOPIC)) == 3
        assert ix.max_range == learned
        assert ix.stats.refused == 1


def test_unknown_limit_words_are_halved_until_accepted(tmp_path: Path) -> None:
    with FakeNode(max_range=700, limit_style="infura") as node:
        node.add_logs(ADDRESS, TOPIC, [1, 3_000, 6_000])
        chain = _connect(node, tmp_path, event_confirmations=0)
        ix = event_indexer(chain)
        node.limit_style = "plain"  # "block range is too large", no number: halve until accepted
        assert len(ix.logs(ADDRESS, TOPIC)) == 3
        assert ix.max_range is not None
        assert 350 <= ix.max_range <= 700
        assert ix.stats.refused == 4  # 6,001 -> 3,000 -> 1,500 -> 750 -> 375 blocks


def test_result_count_limit_splits_the_range_without_learning_a_range(tmp_path: Path) -> None:
    with FakeNode(max_results=500) as node:
        node.add_logs(ADDRESS, TOPIC, list(range(1, 401)), per_block=5)  # 2,000 logs in 400 blocks
        node.add_logs(ADDRESS, TOPIC, [5_000])
        ix = event_indexer(_connect(node, tmp_path, event_confirmations=0))
        logs = ix.logs(ADDRESS, TOPIC)
        assert _numbers(logs) == list(range(2_001))
        assert [int(log["logIndex"]) for log in logs[:6]] == [0, 1, 2, 3, 4, 0]
        assert ix.max_range is None  # density is not a range limit
        assert ix.stats.refused >= 3


def test_one_block_over_the_result_limit_is_a_clear_error(tmp_path: Path) -> None:
    with FakeNode(max_results=3) as node:
        node.add_logs(ADDRESS, TOPIC, [7], per_block=5)
        ix = event_indexer(_connect(node, tmp_path, event_confirmations=0))
        with pytest.raises(ChainError, match="block 7: too many results"):
            ix.logs(ADDRESS, TOPIC)


def test_second_listing_reads_only_new_blocks_and_survives_a_restart(node: FakeNode, tmp_path: Path) -> None:
    node.add_logs(ADDRESS, TOPIC, list(range(10, 3_000, 10)))
    chain = _connect(node, tmp_path, event_confirmations=0)
    ix = event_indexer(chain)
    first = ix.logs(ADDRESS, TOPIC)
    head = node.head
    node.add_logs(ADDRESS, TOPIC, [head + 5, head + 6])
    node.head = head + 10
    before = len(node.log_requests)
    second = ix.logs(ADDRESS, TOPIC)
    assert second[: len(first)] == first
    assert len(second) == len(first) + 2
    assert node.log_requests[before:] == [(head + 1, head + 10)]
    # a new process (a new connection) on the same data dir: the cache file answers, the limit too
    chain2 = _connect(node, tmp_path, event_confirmations=0)
    ix2 = event_indexer(chain2)
    assert ix2 is not ix
    before = len(node.log_requests)
    assert _numbers(ix2.logs(ADDRESS, TOPIC)) == _numbers(second)
    assert node.log_requests[before:] == []
    assert ix2.max_range == 1_000
    # topic filters apply to cached logs as eth_getLogs applies them
    three = (3).to_bytes(32, "big")
    assert [int(log["topics"][1].hex(), 16) for log in ix2.logs(ADDRESS, TOPIC, topics=[three])] == [3] * len(
        [n for n in _numbers(second) if n % 7 == 3]
    )


def test_confirmations_keep_recent_blocks_out_of_the_cache(node: FakeNode, tmp_path: Path) -> None:
    node.add_logs(ADDRESS, TOPIC, [100, 195, 199])
    node.head = 200
    chain = _connect(node, tmp_path)  # polygon's chain id: the default depth is 32
    ix = event_indexer(chain)
    assert ix.confirmations == 32
    assert len(ix.logs(ADDRESS, TOPIC)) == 3  # the unconfirmed ones are read fresh
    assert len(ix.logs(ADDRESS, TOPIC, unconfirmed=False)) == 1
    # a shallow reorg of the unconfirmed blocks: no rollback, the listing follows the chain
    node.reorg(190)
    node.add_logs(ADDRESS, TOPIC, [191])
    node.head = 200
    assert [int(log["blockNumber"]) for log in ix.logs(ADDRESS, TOPIC)] == [100, 191]
    assert ix.stats.rollbacks == 0
    assert _connect(node, tmp_path, event_confirmations=3).chain_id == 137
    assert event_indexer(_connect(node, tmp_path, event_confirmations=3)).confirmations == 3


def test_a_reorg_below_the_safe_head_rolls_the_cache_back(node: FakeNode, tmp_path: Path) -> None:
    node.add_logs(ADDRESS, TOPIC, list(range(10, 2_001, 10)))  # 200 logs
    ix = event_indexer(_connect(node, tmp_path, event_confirmations=0))
    assert len(ix.logs(ADDRESS, TOPIC)) == 200
    node.reorg(1_505)  # blocks 1,505.. replaced: logs at 1,510..2,000 gone (50), others take their place
    node.add_logs(ADDRESS, TOPIC, [1_600, 2_100])
    logs = ix.logs(ADDRESS, TOPIC)
    assert [int(log["blockNumber"]) for log in logs[-3:]] == [1_500, 1_600, 2_100]
    assert len(logs) == 152
    assert ix.stats.rollbacks == 1
    assert ix.stats.rolled_back_logs == 50
    # the rollback reached the file: a new process sees the new chain without reading old blocks again
    before = len(node.log_requests)
    again = event_indexer(_connect(node, tmp_path, event_confirmations=0))
    assert [int(log["blockNumber"]) for log in again.logs(ADDRESS, TOPIC)] == [int(x["blockNumber"]) for x in logs]
    assert node.log_requests[before:] == []


def test_a_node_restarted_from_scratch_replaces_the_whole_cache(node: FakeNode, tmp_path: Path) -> None:
    node.add_logs(ADDRESS, TOPIC, [5, 50, 500])
    ix = event_indexer(_connect(node, tmp_path, event_confirmations=0))
    assert len(ix.logs(ADDRESS, TOPIC)) == 3
    node.reorg(0)
    node.add_logs(ADDRESS, TOPIC, [7])
    node.head = 20
    assert [int(log["blockNumber"]) for log in ix.logs(ADDRESS, TOPIC)] == [7]
    assert ix.stats.rolled_back_logs == 3


def test_an_earlier_start_backfills(node: FakeNode, tmp_path: Path) -> None:
    node.add_logs(ADDRESS, TOPIC, [10, 1_200, 2_400])
    ix = event_indexer(_connect(node, tmp_path, event_confirmations=0))
    assert len(ix.logs(ADDRESS, TOPIC, from_block=1_000)) == 2
    assert len(ix.logs(ADDRESS, TOPIC, from_block=0)) == 3
    assert len(ix.logs(ADDRESS, TOPIC, from_block=1_201)) == 1


def test_an_unwritable_cache_falls_back_to_memory(node: FakeNode, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    node.add_logs(ADDRESS, TOPIC, [3])
    chain = _connect(node, tmp_path, event_confirmations=0)
    ix = attach_indexer(chain, data_dir=blocker)
    assert event_indexer(chain) is ix
    assert len(ix.logs(ADDRESS, TOPIC)) == 1


def test_node_errors_are_mapped(tmp_path: Path) -> None:
    with FakeNode() as node:
        chain = _connect(node, tmp_path, event_confirmations=0)
        node.head = 5
        ix = event_indexer(chain)
        node.max_range = 0  # every request refused, even one block
        with pytest.raises(ChainError, match="even for one block"):
            ix.logs(ADDRESS, TOPIC)


# -- on a real chain: the embedded one, and anvil ------------------------------------------------------------------


def _probe_values(ix: EventIndexer, probe: object, from_block: int) -> list[int]:
    return [int(e["args"]["value"]) for e in ix.events(probe, "ValueStored", from_block=from_block)]  # type: ignore[arg-type]


def _reorg_rolls_back(chain: Chain) -> None:
    probe, receipt = chain.deploy("ChainProbe", chain.signer.address)
    ix = event_indexer(chain)
    for v in (1, 2, 3):
        chain.transact(probe.functions.store(v))
    assert _probe_values(ix, probe, receipt.block_number) == [1, 2, 3]
    snap = chain.snapshot()
    for v in (4, 5):
        chain.transact(probe.functions.store(v))
    assert _probe_values(ix, probe, receipt.block_number) == [1, 2, 3, 4, 5]
    chain.revert(snap)  # blocks holding 4 and 5 are gone; different ones take their numbers
    chain.advance(seconds=7)
    for v in (6, 7, 8):
        chain.transact(probe.functions.store(v))
    before = ix.stats.rollbacks
    assert _probe_values(ix, probe, receipt.block_number) == [1, 2, 3, 6, 7, 8]
    assert ix.stats.rollbacks == before + 1
    assert [e["args"]["value"] for e in ix.events(probe, "ValueStored", argument_filters={"value": 7})] == [7]


def test_reorg_on_the_embedded_chain(tmp_path: Path) -> None:
    chain = connect(load_config(overrides={"network": "embedded:memory"}).blockchain)
    try:
        _reorg_rolls_back(chain)
    finally:
        chain.close()


@pytest.mark.integration
def test_reorg_on_anvil(anvil_node: object, tmp_path: Path) -> None:
    chain = connect(load_config(overrides={"network": anvil_node.url, "data_dir": str(tmp_path)}).blockchain)  # type: ignore[attr-defined]
    try:
        snap = chain.snapshot()
        try:
            _reorg_rolls_back(chain)
            assert (tmp_path / "events" / f"{chain.chain_id}.sqlite").exists()
        finally:
            chain.revert(snap)
    finally:
        chain.close()
