"""``kill -9`` of the sequencer process under load: every transaction it soft-confirmed is in a batch on L1 after
the restart, exactly once, and nothing it confirmed is lost or posted twice (the write-ahead log, the re-broadcast
of a logged proposal, the resync from L1). A verifier process checks every root, so a proposal landing on the wrong
head would be caught as fraud."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from novacron_chain.l2 import L2Error, RollupL1, decode_segment, encode_op

from .conftest import CHALLENGE, DEV, WAIT, WHOLE, Rollup, deposit_credited, fund_l1, signed_transfers, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_kill9_under_load_loses_no_soft_confirmed_transaction(rollup: Rollup) -> None:
    nc, l2 = rollup.nc, rollup.l2
    alice = DEV[0]
    fund_l1(nc, alice.address, 1_000_000 * WHOLE)
    # compact the log at every final batch and keep 400 receipts: the kill lands on a compacted log; a state
    # snapshot every 3 batches (by the forked writer): the restart starts from one and skips the logged ops of the
    # batches before it
    sequencer = rollup.sequencer(
        {"NOVACRON_L2_WAL_COMPACT_BYTES": "1", "NOVACRON_L2_RECEIPT_WINDOW": "400", "NOVACRON_L2_SNAPSHOT_EVERY": "3"}
    )
    verifier = rollup.verifier()
    acct = deposit_credited(rollup, 900_000 * WHOLE)
    blob, _ = signed_transfers(l2, alice, int(acct["index"]), int(acct["nonce"]), [(None, DEV[1].address)], WHOLE)
    l2.submit_wire(blob)
    bob = int(l2.account(DEV[1].address)["index"])  # type: ignore[index]

    confirmed: dict[str, bytes] = {}  # tx hash -> op bytes
    stop = threading.Event()
    failures: list[str] = []

    def load() -> None:
        while not stop.is_set():
            try:
                a = l2.account(alice.address)
                assert a is not None
                blob, ops = signed_transfers(l2, alice, 0, int(a["nonce"]), [(bob, DEV[1].address)] * 50, 1000)
                for c, op in zip(l2.submit_wire(blob), ops, strict=True):
                    confirmed[c.tx_hash] = op
            except L2Error as exc:  # the sequencer is down: wait for it
                failures.append(exc.message)
                time.sleep(0.1)

    client = threading.Thread(target=load, daemon=True)
    client.start()
    wait_until("load to build up", lambda: len(confirmed) >= 1500, WAIT, rollup.logs)
    early = next(iter(confirmed))
    wait_until(  # mined before the first batch is posted, no batch would turn final (no later time travel)
        "the first transfers to be posted",
        lambda: (r := l2.get_receipt(early)) is not None and r["status"] == "posted",
        WAIT,
        rollup.logs,
    )
    rollup.mine(seconds=CHALLENGE + 1)  # the batches posted so far turn final: the log is compacted up to them
    wait_until(
        "the write-ahead log to be compacted and receipts pruned",
        lambda: (s := l2._get("/v1/status")) is not None and s["wal_compactions"] > 0 and s["receipts_pruned"] > 0,
        WAIT,
        rollup.logs,
    )
    pruned = l2.get_receipt(early)
    assert pruned is not None
    assert pruned["status"] == "final"
    assert pruned["pruned"] is True

    def snapshot_on_l1() -> bool:  # the newest snapshot's batch is posted (the next ones are 3 batches away)
        s = l2._get("/v1/status")
        return s is not None and (b := s["snapshot"]["latest_batch"]) is not None and b < s["batches_posted"]

    wait_until("a snapshot of a posted batch", snapshot_on_l1, WAIT, rollup.logs)
    sequencer.kill9()
    at_kill = dict(confirmed)
    time.sleep(1.0)  # the client keeps trying against a dead sequencer
    rollup.procs.remove(sequencer)
    rollup.sequencer(name="sequencer-restarted")
    assert l2._get("/v1/status")["snapshot"]["started_from_batch"] is not None  # type: ignore[index]
    wait_until("load to resume after the restart", lambda: len(confirmed) >= len(at_kill) + 500, WAIT, rollup.logs)
    # the killed process's recovery workers notice their parent is gone and exit (no orphans piling up per crash)
    wait_until("the killed sequencer's workers to exit", lambda: not sequencer.group(), WAIT, rollup.logs)
    stop.set()
    client.join(timeout=30)
    assert failures, "the client never saw the sequencer down"

    def all_posted() -> bool:
        receipts = [l2.get_receipt(h) for h in list(confirmed)[-50:]]
        return all(r is not None and r["status"] in ("posted", "final") for r in receipts)

    wait_until("every confirmed transaction to be posted", all_posted, WAIT, rollup.logs)
    l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))
    on_l1: Counter[bytes] = Counter()
    for batch in l1.live_batches():
        for segment in batch.segments:
            ops, _ = decode_segment(segment)
            on_l1.update(encode_op(op) for op in ops)
    missing = [h for h, op in confirmed.items() if on_l1[op] == 0]
    twice = [h for h, op in confirmed.items() if on_l1[op] > 1]
    assert not missing, f"{len(missing)} soft-confirmed transactions are not on L1"
    assert not twice, f"{len(twice)} transactions are on L1 more than once"
    assert all(n == 1 for op, n in on_l1.items() if op[0] != 4)  # no signed op twice at all
    assert len(at_kill) >= 1500
    wait_until(
        "the verifier to check every batch",
        lambda: (v := verifier.all("verified")) and v[-1]["batch"] == l1.batch_count() - 1,
        WAIT,
        rollup.logs,
    )
    assert not verifier.find("fraud-proven")
    # every nonce of the sender is on L1 exactly once: the confirmed transfers, plus at most the one request that was
    # logged but whose answer the kill cut off (applied, posted, never confirmed to the client: allowed)
    nonce = int(l2.account(alice.address)["nonce"])  # type: ignore[index]
    assert sum(n for op, n in on_l1.items() if op[0] != 4) == nonce
    assert len(confirmed) + 1 <= nonce <= len(confirmed) + 1 + 50
