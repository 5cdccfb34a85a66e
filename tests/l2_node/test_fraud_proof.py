"""A sequencer switched (test only, ``NOVACRON_TEST_L2_WRONG_ROOT``) to post one batch with a wrong root: the verifier
process re-executes it from L1 data, proves it wrong in one L1 transaction, the batch and its descendants are deleted
and half the proposer's bond is paid to the verifier's account; the sequencer resyncs from L1, re-posts the same
transactions with honest roots, and those roots become final."""

from __future__ import annotations

import pytest

from novacron_chain.l2 import RollupL1

from .conftest import (
    CHALLENGE,
    DEV,
    SEQUENCER_ACCOUNT,
    WAIT,
    WHOLE,
    Rollup,
    deposit_credited,
    fund_l1,
    signed_transfers,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_wrong_root_is_proven_wrong_and_honest_roots_finalise(rollup: Rollup) -> None:
    nc, l2 = rollup.nc, rollup.l2
    alice, challenger, proposer = DEV[0], DEV[5], DEV[SEQUENCER_ACCOUNT]
    fund_l1(nc, alice.address, 1_000 * WHOLE)
    rollup.sequencer({"NOVACRON_TEST_L2_WRONG_ROOT": "1"})  # batch 0 holds the deposit, batch 1 is wrong
    verifier = rollup.verifier(account=5)
    l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))

    acct = deposit_credited(rollup, 500 * WHOLE)
    wait_until("batch 0 to be verified", lambda: verifier.find("verified", batch=0), WAIT, rollup.logs)
    bond_before = l1.bond_of(proposer.address)
    balance_before = nc.chain.balance(challenger.address)

    recipients = [(None, DEV[i].address) for i in range(1, 5)]
    blob, _ = signed_transfers(l2, alice, int(acct["index"]), int(acct["nonce"]), recipients, WHOLE)
    confirmations = l2.submit_wire(blob)
    assert len(confirmations) == 4

    proven = wait_until("the verifier to prove batch 1 wrong", lambda: verifier.find("fraud-proven"), WAIT, rollup.logs)
    assert proven["batch"] == 1
    print(f"fraud proof gas: {proven['gas_used']}")
    (deleted,) = l1.deleted_events()
    assert deleted["fromIndex"] == 1
    assert deleted["challenger"] == challenger.address
    assert deleted["proposer"] == proposer.address
    reward = int(deleted["reward"])
    assert reward == bond_before // 2
    raw = nc.chain.w3.eth.get_transaction_receipt(proven["tx"])
    fee = int(raw["gasUsed"]) * int(raw["effectiveGasPrice"])
    assert nc.chain.balance(challenger.address) == balance_before + reward - fee  # the bond paid out

    # the sequencer resyncs and re-posts the same transactions with the honest root; the verifier agrees
    def reposted() -> bool:
        receipts = [l2.get_receipt(c.tx_hash) for c in confirmations]
        return all(r is not None and r["status"] in ("posted", "final") for r in receipts)

    wait_until("the transfers to be re-posted", reposted, WAIT, rollup.logs)
    honest = wait_until(
        "the verifier to verify the new batch 1",
        lambda: [e for e in verifier.all("verified") if e["batch"] == 1],
        WAIT,
        rollup.logs,
    )
    assert honest[-1]["root"] != proven["claimed_root"]
    assert len(verifier.all("fraud-proven")) == 1
    for i in range(1, 5):
        assert l2.get_balance(DEV[i].address, "CPU") == WHOLE

    # honest roots finalise after the challenge period
    rollup.mine(seconds=CHALLENGE + 1)
    count = l1.batch_count()
    assert count >= 2
    assert all(l1.is_final(i) for i in range(count))
    wait_until(
        "the receipts to say final",
        lambda: all((r := l2.get_receipt(c.tx_hash)) is not None and r["status"] == "final" for c in confirmations),
        WAIT,
        rollup.logs,
    )
