"""A restart starts from the newest state snapshot L1 agrees with and replays only the batches after it: the state,
the next batches (checked by a verifier process rebuilding from L1 alone) and the logged transactions come out as a
replay of all of L1 would give; a snapshot of a batch L1 does not hold is passed over. The verifier process does the
same with snapshots of what it verified."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from novacron_chain.l2 import RollupL1
from novacron_chain.l2._sequencer import sequencer_dir
from novacron_chain.l2._snapshot import Snapshot, read_snapshots, write_snapshot
from novacron_chain.l2._verifier import verifier_dir

from .conftest import DEV, WAIT, WHOLE, Rollup, deposit_credited, fund_l1, signed_transfers, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_restart_replays_only_the_batches_after_its_snapshot(rollup: Rollup) -> None:
    nc, l2 = rollup.nc, rollup.l2
    alice = DEV[0]
    l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))
    fund_l1(nc, alice.address, 1000 * WHOLE)
    # the fallback writer (a copy on the loop, written on a thread; where there is no fork): the kill -9 test
    # restarts from snapshots of the default, forked writer
    sequencer = rollup.sequencer({"NOVACRON_L2_SNAPSHOT_EVERY": "1", "NOVACRON_SNAPSHOT_THREAD": "1"})
    acct = deposit_credited(rollup, 500 * WHOLE)
    hashes: list[str] = []
    for round_ in range(3):  # a batch each (the sequencer cuts after 0.5 s)
        a = l2.account(alice.address)
        assert a is not None
        to = [(None, DEV[1].address)] if round_ == 0 else [(int(l2.account(DEV[1].address)["index"]), DEV[1].address)]  # type: ignore[index]
        blob, _ = signed_transfers(l2, alice, int(acct["index"]), int(a["nonce"]), to * 20, WHOLE)
        hashes += [c.tx_hash for c in l2.submit_wire(blob)]
        count = l1.batch_count()
        wait_until("the round's batch to be posted", lambda c=count: l1.batch_count() > c, WAIT, rollup.logs)

    def seq_status() -> dict[str, Any]:
        s = l2._get("/v1/status")
        assert s is not None
        return s

    wait_until(
        "the batches to be posted", lambda: seq_status()["batches_posted"] == l1.batch_count(), WAIT, rollup.logs
    )
    last = l1.batch_count() - 1
    wait_until("the last batch's snapshot", lambda: seq_status()["snapshot"]["latest_batch"] == last, WAIT, rollup.logs)
    before = {who.address: l2.account(who.address) for who in (alice, DEV[1])}
    assert sequencer.stop() == 0
    rollup.procs.remove(sequencer)

    data_dir = sequencer_dir(rollup.tmp / "sequencer", nc.chain.chain_id, l1.address)
    found = [s for s in read_snapshots(data_dir) if isinstance(s, Snapshot)]
    assert [s.batch_index for s in found] == [last, last - 1]  # the newest two
    # a snapshot of a batch L1 does not hold (e.g. cut, never posted): passed over for the one before
    ahead = found[0]
    write_snapshot(data_dir, {**ahead.meta, "batch_index": last + 5}, ahead.image)

    restarted = rollup.sequencer(name="sequencer-restarted")
    status = seq_status()
    assert status["snapshot"]["started_from_batch"] == last
    log = (rollup.tmp / "sequencer.log").read_text()
    assert f"the state snapshot of batch {last + 5} is not on L1" in log
    assert f"starting from the state snapshot of batch {last}" in log
    assert "became invalid after a resync" not in log  # the logged ops of settled batches are skipped, not dropped
    assert {who: l2.account(who) for who in before} == before
    assert status["batches_posted"] == last + 1
    # receipts of the snapshot's batches are not replayed: forgotten, not "unknown" without a word
    assert l2.get_receipt(hashes[0]) is None

    # the chain goes on from the snapshot's state: a new batch, every root checked by a verifier from L1 alone
    verifier = rollup.verifier(extra_env={"NOVACRON_L2_SNAPSHOT_EVERY": "1"})
    rebuilt = wait_until("the verifier's rebuild", lambda: verifier.find("rebuilt"), WAIT, rollup.logs)
    assert rebuilt["from_snapshot_of_batch"] is None  # nothing written yet
    a = l2.account(alice.address)
    assert a is not None
    bob = int(l2.account(DEV[1].address)["index"])  # type: ignore[index]
    blob, _ = signed_transfers(l2, alice, int(acct["index"]), int(a["nonce"]), [(bob, DEV[1].address)] * 5, WHOLE)
    confirmations = l2.submit_wire(blob)
    assert all(c.tx_hash for c in confirmations)
    wait_until("the next batch", lambda: l1.batch_count() == last + 2, WAIT, rollup.logs)
    wait_until(
        "the verifier to check every batch",
        lambda: (v := verifier.all("verified")) and v[-1]["batch"] == last + 1,
        WAIT,
        rollup.logs,
    )
    assert not verifier.find("fraud-proven")

    # the verifier restarted: from its snapshot of the last batch it verified, and it goes on verifying
    assert verifier.stop() == 0
    rollup.procs.remove(verifier)
    verifier = rollup.verifier(extra_env={"NOVACRON_L2_SNAPSHOT_EVERY": "1"})
    rebuilt = wait_until("the verifier's rebuild", lambda: verifier.find("rebuilt"), WAIT, rollup.logs)
    assert rebuilt["from_snapshot_of_batch"] == last + 1
    blob, _ = signed_transfers(l2, alice, int(acct["index"]), int(a["nonce"]) + 5, [(bob, DEV[1].address)], WHOLE)
    l2.submit_wire(blob)
    wait_until("the batch after", lambda: l1.batch_count() == last + 3, WAIT, rollup.logs)
    wait_until(
        "the restarted verifier to check it",
        lambda: (v := verifier.all("verified")) and v[-1]["batch"] == last + 2,
        WAIT,
        rollup.logs,
    )
    assert [e["batch"] for e in verifier.all("verified")] == [last + 2]  # nothing before its snapshot again
    assert not verifier.find("fraud-proven")
    assert int(l2.account(DEV[1].address)["balances"][0]) == int(before[DEV[1].address]["balances"][0]) + 6 * WHOLE  # type: ignore[index]

    # a withdrawal proof from L1 alone (`l2 prove --from-l1`) in the verifier's data dir starts from its snapshots
    # (read, never written) and equals the sequencer's; the deployer's data dir has none: every batch replayed
    c = l2.withdraw("CPU", WHOLE, signer=DEV[1])
    r = wait_until(
        "the withdrawal to be posted",
        lambda: (x := l2.get_receipt(c.tx_hash)) is not None and x["status"] == "posted" and x,
        WAIT,
        rollup.logs,
    )
    held = l1.batch_count() - 1
    wait_until(
        "the verifier to check it",
        lambda: (v := verifier.all("verified")) and v[-1]["batch"] == held,
        WAIT,
        rollup.logs,
    )
    directory = verifier_dir(rollup.tmp / "verifier", nc.chain.chain_id, l1.address)
    written = sorted(p.name for p in directory.iterdir())
    windex = int(r["withdrawal_index"])
    by_operator, _ = l2.prove_withdrawal(windex, batch=held)
    command = ["l2", "prove", str(windex), "--batch", str(held), "--from-l1"]
    out = subprocess.run(
        [sys.executable, "-m", "novacron_chain.cli", "--json", *command],
        env=rollup.env("verifier"),
        capture_output=True,
        timeout=120,
        check=True,
    )
    proved = json.loads(out.stdout)
    assert proved["rebuilt_from_snapshot_of_batch"] == held
    assert {k: proved[k] for k in ("withdrawal", "siblings", "header")} == by_operator.to_dict()
    assert sorted(p.name for p in directory.iterdir()) == written
    proof, batch, snapshot = l2.prove_withdrawal_from_l1(windex, batch=held)
    assert (proof.to_dict(), batch, snapshot) == (by_operator.to_dict(), held, None)
    assert restarted.stop() == 0
    rollup.procs.remove(restarted)
