"""A reorg on anvil (``anvil_reorg``: the last blocks replaced by empty ones) removes blocks holding state anchors.
The anchors that were reorged out are anchored again (as the same batches: each record once in the audit trail),
the event indexer's cache rolls back, no root is anchored twice, the sender's nonces stay contiguous."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from novacron_chain.chain import event_indexer
from novacron_chain.state import IntegrityStatus, open_state
from novacron_chain.state._anchorer import batch_anchored_logs
from tests.faults._checks import anchored_roots, assert_each_root_once, assert_nonces_contiguous, record, sent_by
from tests.faults.conftest import Node, connect

pytestmark = pytest.mark.integration


def test_reorged_out_anchors_are_anchored_again(node: Node, data_dir: Path) -> None:
    with connect(node.url, data_dir) as nova:
        chain, w3 = nova.chain, nova.chain.w3
        client = chain.backend.client  # type: ignore[attr-defined]
        anchor = nova.contract("StateAnchor")
        sender = chain.signer.address
        first_block = chain.block_number() + 1
        first_nonce = w3.eth.get_transaction_count(sender)  # type: ignore[arg-type]
        indexer = event_indexer(chain)
        with open_state(chain, anchor, nova.config.blockchain, batch_size=20, batch_max_wait=0.1) as sm:
            for i in range(60):
                sm.record_vm_state(record(i, 4))
            first = sm.flush()
            assert [b.leaf_count for b in first] == [20, 20, 20]
            for b in first:  # the indexer caches the BatchAnchored stream up to the head
                assert len(batch_anchored_logs(chain, anchor, b.batch_id, from_block=first_block)) == 1
            cached_before = indexer.stats.rollbacks

            # the last two anchors' blocks are replaced by empty ones
            reorged = first[1:]
            depth = chain.block_number() - int(reorged[0].block or 0) + 1
            assert depth >= 2
            client.call("anvil_reorg", depth, [])
            assert all(int(chain.call(anchor.functions.batchOf(b.root))[0]) == 0 for b in reorged)
            assert w3.eth.get_transaction_count(sender) < first_nonce + 3  # type: ignore[arg-type]

            # one flush anchors them again, under the same local batches, and goes on with new records
            for i in range(60, 80):
                sm.record_vm_state(record(i, 4))
            again = sm.flush()
            assert [b.root for b in again[:2]] == [b.root for b in reorged]  # first the two reorged out, as they were
            assert [b.leaf_count for b in again] == [20, 20, 20]
            assert again[2].first_seq == 61
            assert all(b.block is not None and b.block > int(reorged[-1].block or 0) for b in again)
            assert sm.summary().anchored == 80

            # the indexer saw the reorg and rolled its cache back: each batch's event once, on the new chain
            for b in [*first[:1], *again]:
                logs = batch_anchored_logs(chain, anchor, b.batch_id, from_block=first_block)
                assert len(logs) == 1
                assert bytes(logs[0]["topics"][2]) == bytes.fromhex(b.root[2:])
                assert bytes(w3.eth.get_block(logs[0]["blockNumber"])["hash"]) == bytes(logs[0]["blockHash"])
            assert indexer.stats.rollbacks > cached_before

            # the background batcher notices a reorg by itself (no flush)
            sm.start()
            for i in range(80, 100):
                sm.record_vm_state(record(i, 4))
            _wait(lambda: sm.summary().anchored == 100)
            (last,) = [b for b in sm._index.batches() if b.first_seq == 81]
            client.call("anvil_reorg", chain.block_number() - int(last.block or 0) + 1, [])
            assert int(chain.call(anchor.functions.batchOf(last.root))[0]) == 0
            _wait(lambda: int(chain.call(anchor.functions.batchOf(last.root))[0]) != 0)
            _wait(lambda: sm.summary().anchored == 100 and sm.summary().intended == 0)
            sm.stop()

            # the audit trail: every record once, all valid
            for vm in (f"vm-{i:04d}" for i in range(10)):
                history = sm.get_history(vm)
                assert [e.seq for e in history] == list(range(int(vm[3:]) + 1, 101, 10))
                mined_in = [w3.eth.get_transaction_receipt(e.tx_hash or "")["blockNumber"] for e in history]  # type: ignore[arg-type]
                assert mined_in == [e.block for e in history]
                assert sm.verify_state_integrity(vm).valid
            for row in sm._index.batches():
                assert sm.verify_batch(int(row.chain_batch_id or 0)).status is IntegrityStatus.VALID

        # on chain: each root once, 100 records; the sender's nonces contiguous over the final chain
        roots = anchored_roots(w3, anchor.address, first_block)
        assert_each_root_once(roots)
        assert sum(count for _, _, count in roots) == 100
        assert_nonces_contiguous(sent_by(w3, sender, first_block), first_nonce)


def _wait(condition: object, timeout: float = 20.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
