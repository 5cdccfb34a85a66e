"""Censorship resistance: a sequencer switched (test only, ``NOVACRON_TEST_L2_IGNORE_QUEUE``) to ignore the L1 queue
never credits a deposit; once the deposit is older than the rollup's force-inclusion delay, the verifier process
(``l2 verify --force-include``, another account with its own bond) posts a batch including it, the sequencer
resyncs from L1 and the depositor can spend on L2. Before the delay, nobody but the sequencer may propose."""

from __future__ import annotations

import time

import pytest

from novacron_chain.errors import ContractCustomError
from novacron_chain.l2 import BatchBuilder, L2State, QueueOp, RollupL1, encode_op

from .conftest import DEV, FORCE_BLOCKS, WAIT, WHOLE, Rollup, fund_l1, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_an_ignored_deposit_is_force_included(rollup: Rollup) -> None:
    nc, l2 = rollup.nc, rollup.l2
    alice = DEV[2]
    fund_l1(nc, alice.address, 100 * WHOLE)
    rollup.sequencer({"NOVACRON_TEST_L2_IGNORE_QUEUE": "1"})
    verifier = rollup.verifier("--force-include", account=5)
    l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))

    dep = l2.deposit("CPU", 40 * WHOLE, signer=alice)
    time.sleep(2.0)
    assert l2.account(alice.address) is None  # ignored
    assert l1.batch_count() == 0

    # before the delay an outsider may not propose (PROPOSER_ROLE), not even the honest batch
    state = L2State.genesis(l1.fee_recipient(), l1.domain(), l1.tokens())
    for item in l1.queue_items():
        state.add_queue_item(item)
    builder = BatchBuilder(state)
    assert state.apply(QueueOp(state.account_count)) is None
    builder.add(encode_op(QueueOp(1)))
    batch = builder.finish()
    outsider = DEV[6]
    l1.ensure_bond(outsider, 10**18)
    with pytest.raises(ContractCustomError, match="RollupNotProposer"):
        l1.propose(batch, outsider, before_send=lambda _n, _r: None)

    rollup.mine(blocks=FORCE_BLOCKS + 1)
    forced = wait_until(
        "the verifier to force the deposit in", lambda: verifier.find("forced-inclusion"), WAIT, rollup.logs
    )
    assert forced["batch"] == 0
    assert forced["queue_end"] == 1
    record = l1.batch_record(0)
    assert record["proposer"] == DEV[5].address
    assert dep["queue_index"] == 0

    # the sequencer resyncs from L1: the deposit is credited and spendable on L2, and its next batch builds on it
    acct = wait_until(
        "the sequencer to see the forced deposit",
        lambda: (a := l2.account(alice.address)) is not None and int(a["balances"][0]) == 40 * WHOLE and a,
        WAIT,
        rollup.logs,
    )
    c = l2.transfer(DEV[3].address, "CPU", 5 * WHOLE, signer=alice)
    wait_until(
        "the transfer to be posted by the sequencer",
        lambda: (r := l2.get_receipt(c.tx_hash)) is not None and r["status"] == "posted" and r,
        WAIT,
        rollup.logs,
    )
    assert l1.batch_record(1)["proposer"] == DEV[9].address
    wait_until("the verifier to verify both batches", lambda: verifier.find("verified", batch=1), WAIT, rollup.logs)
    assert verifier.find("verified", batch=0)
    assert not verifier.find("fraud-proven")
    assert int(acct["index"]) == 1
