"""Blob batches end to end (docs/l2-blobs.md): a sequencer posting with ``l2_data_availability: blobs`` puts the op
bodies in calldata and the signatures in EIP-4844 blobs on anvil (its default hardfork takes the EIP-7594 cell-proof
form). A verifier process rebuilds the batches from calldata plus blobs and, when the sequencer is switched (test
only) to post a forged signature or a wrong root, proves the batch wrong in one L1 transaction (``proveBlobFraud``:
three or four KZG openings through the point-evaluation precompile for a signature, none for a root); the sequencer
resyncs and re-posts the same transfers honestly. Readers fetch the blobs through the beacon API, which anvil
serves on its RPC port."""

from __future__ import annotations

import pytest

from novacron_chain.l2 import L2Error, RollupL1

from .conftest import DEV, WAIT, WHOLE, Rollup, deposit_credited, fund_l1, signed_transfers, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("switch", ["NOVACRON_TEST_L2_FORGE_SIGNATURE", "NOVACRON_TEST_L2_WRONG_ROOT"])
def test_a_blob_batch_with_a_forged_signature_or_a_wrong_root_is_proven_wrong(rollup: Rollup, switch: str) -> None:
    nc, l2 = rollup.nc, rollup.l2
    alice = DEV[0]
    fund_l1(nc, alice.address, 1_000 * WHOLE)
    rollup.sequencer({"NOVACRON_L2_DATA_AVAILABILITY": "blobs", switch: "1"})  # batch 0: the deposit; 1 is wrong
    verifier = rollup.verifier(account=5)
    l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))

    acct = deposit_credited(rollup, 500 * WHOLE)
    wait_until("batch 0 to be verified", lambda: verifier.find("verified", batch=0), WAIT, rollup.logs)
    assert l2.status()["sequencer"]["data_availability"] == "blobs"
    (batch0,) = l1.live_batches(0)
    assert batch0.blobs  # posted as a blob batch, read back with its blob
    assert len(batch0.blob_hashes) == 1

    recipients = [(None, DEV[i].address) for i in range(1, 5)]
    wire, _ = signed_transfers(l2, alice, int(acct["index"]), int(acct["nonce"]), recipients, WHOLE)
    confirmations = l2.submit_wire(wire)
    assert len(confirmations) == 4

    proven = wait_until("the verifier to prove batch 1 wrong", lambda: verifier.find("fraud-proven"), WAIT, rollup.logs)
    assert proven["batch"] == 1
    forged = switch.endswith("FORGE_SIGNATURE")
    # the forged signature is the first signed op's (position 0: the batch holds no queue op); a wrong root names none
    assert proven["signature_of_op"] == (0 if forged else None)
    print(f"blob fraud proof gas ({'signature' if forged else 'root'}): {proven['gas_used']}")
    (deleted,) = l1.deleted_events()
    assert deleted["fromIndex"] == 1

    def reposted() -> bool:
        receipts = [l2.get_receipt(c.tx_hash) for c in confirmations]
        return all(r is not None and r["status"] in ("posted", "final") for r in receipts)

    wait_until("the transfers to be re-posted", reposted, WAIT, rollup.logs)
    wait_until(
        "the verifier to verify the new batch 1",
        lambda: [e for e in verifier.all("verified") if e["batch"] == 1],
        WAIT,
        rollup.logs,
    )
    assert len(verifier.all("fraud-proven")) == 1
    assert l1.live_batches(1)[0].blobs
    # the blobs come from the beacon API (anvil serves it on its RPC port): a dead one is a clear error
    dead = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"), beacon_url="http://127.0.0.1:9")
    with pytest.raises(L2Error, match="beacon API") as err:
        dead.live_batches(0)
    assert "l2_beacon_url" in str(err.value.hint)
    for i in range(1, 5):
        assert l2.get_balance(DEV[i].address, "CPU") == WHOLE
