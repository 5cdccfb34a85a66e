"""The double-post guard end to end (spec C5): every proposal names the head root it was built on and L1 refuses it
on any other head (``RollupWrongHead``). A proposal the sequencer logged but never saw a receipt for, whose head L1
no longer holds, is dropped at restart and its nonce cancelled: it can never land later on a head it was not
computed for; the sequencer then keeps posting on the real head."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from novacron_chain.chain import UnsignedTx
from novacron_chain.errors import ContractCustomError
from novacron_chain.l2 import Batch, RollupL1, WriteAheadLog
from novacron_chain.l2._sequencer import sequencer_dir
from novacron_chain.l2._wal import Posting, posting_record

from .conftest import DEV, SEQUENCER_ACCOUNT, WAIT, WHOLE, Rollup, fund_l1, signed_transfers, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_stale_logged_proposal_is_dropped_at_restart(rollup: Rollup) -> None:
    nc, l2 = rollup.nc, rollup.l2
    chain = nc.chain
    alice = DEV[0]
    l1 = RollupL1(chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))
    fund_l1(nc, alice.address, 100 * WHOLE)
    sequencer = rollup.sequencer()
    l2.deposit("CPU", 50 * WHOLE)
    wait_until("the deposit's batch to be posted", lambda: l1.batch_count() == 1, WAIT, rollup.logs)
    assert sequencer.stop() == 0
    rollup.procs.remove(sequencer)

    # what a crash between "logged" and "sent" leaves when L1 moved on meanwhile: batch 0's data again, signed by the
    # sequencer at its next nonce on the genesis root (L1's head is batch 0's root now)
    (first,) = l1.live_batches()
    stale = Batch(first.ops, first.ends, first.roots, first.queue_end, l1.genesis_root())
    signer = chain.dev_signer(SEQUENCER_ACCOUNT)
    nonce = l1.transaction_count(signer.address, "pending")
    fees = chain.fees.fees(chain.w3)
    fn = l1.rollup.functions.proposeBatch(*stale.propose_args())
    raw = signer.sign_transaction(
        UnsignedTx(
            chain_id=chain.chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            gas=2_000_000,
            to=bytes.fromhex(l1.address[2:]),
            value=0,
            data=bytes.fromhex(fn._encode_transaction_data()[2:]),
        )
    ).raw
    refused = l1.simulate(raw, signer.address)
    assert isinstance(refused, ContractCustomError)
    assert refused.error_name == "RollupWrongHead"
    assert refused.error_args == {"expected": first.post_root, "actual": l1.genesis_root()}
    wal_path = sequencer_dir(rollup.tmp / "sequencer", chain.chain_id, l1.address) / "wal.log"
    assert wal_path.exists()
    wal = WriteAheadLog(wal_path)
    wal.append(posting_record(Posting(1, nonce, 0, 0, raw)))
    wal.close()

    rollup.sequencer(name="sequencer-restarted")
    wait_until(
        "the stale proposal's nonce to be cancelled",
        lambda: l1.transaction_count(signer.address) > nonce,
        WAIT,
        rollup.logs,
    )
    assert "dropping the stale proposal of batch 1" in (rollup.tmp / "sequencer.log").read_text()
    assert l1.batch_count() == 1
    tx_hash = "0x" + keccak(raw).hex()
    assert l1.receipt_status(tx_hash) is None  # never mined: its nonce went to the cancellation

    # the sequencer posts on the real head afterwards
    acct = l2.account(alice.address)
    assert acct is not None
    blob, _ = signed_transfers(l2, alice, int(acct["index"]), int(acct["nonce"]), [(None, DEV[1].address)], WHOLE)
    l2.submit_wire(blob)
    wait_until("the next batch to be posted", lambda: l1.batch_count() == 2, WAIT, rollup.logs)
    assert l1.batch_record(1)["proposer"] == signer.address
