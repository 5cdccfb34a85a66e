"""The gas limit of a proposal on anvil: the first is estimated; a later one tries the last one's gas used, scaled to
its calldata, in a single ``eth_call`` with that much gas, which shows the limit is enough (anvil's estimate of a big
proposal runs it ~7 times). A guess that is too low, and a proposal L1 refuses, fall back to the estimate: the
refusal is raised before anything is signed or sent, as before."""

from __future__ import annotations

import os
from typing import Any

import pytest

from novacron_chain.errors import ContractCustomError
from novacron_chain.l2 import Batch, BatchBuilder, L2State, QueueOp, RollupL1, encode_op, sign_transfer
from novacron_chain.l2._l1 import PROPOSE_SELECTOR

from .conftest import DEV, SEQUENCER_ACCOUNT, WHOLE, Rollup, fund_l1

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_proposals_after_the_first_are_not_estimated(rollup: Rollup, monkeypatch: pytest.MonkeyPatch) -> None:
    nc = rollup.nc
    chain = nc.chain
    l1 = RollupL1(chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))
    alice, proposer = DEV[0], chain.dev_signer(SEQUENCER_ACCOUNT)
    l1.ensure_bond(proposer, 10**18)
    fund_l1(nc, alice.address, 100 * WHOLE)
    rollup.l2.deposit("CPU", 50 * WHOLE)  # no sequencer runs: the test builds and proposes the batches itself
    state = L2State.genesis(l1.fee_recipient(), l1.domain(), l1.tokens())
    for item in l1.queue_items():
        state.add_queue_item(item)
    builder = BatchBuilder(state)
    hint = state.account_count
    assert state.apply(QueueOp(hint)) is None
    builder.add(encode_op(QueueOp(hint)))
    nonce = 0

    def transfers(n: int) -> Batch:
        nonlocal nonce
        for _ in range(n):
            op = sign_transfer(
                alice.private_key,
                l1.domain(),
                l1.tokens(),
                account=hint,
                to=None,
                to_address=os.urandom(20),
                token=0,
                amount=WHOLE // 1000,
                fee=1000,
                nonce=nonce,
            )
            assert state.apply(op) is None
            builder.add(encode_op(op))
            nonce += 1
        return builder.finish()

    calls: list[str] = []
    client = chain.backend.client  # type: ignore[attr-defined]
    real = client.call

    def counted(method: str, *params: Any) -> Any:
        calls.append(method)
        return real(method, *params)

    monkeypatch.setattr(client, "call", counted)

    def propose(batch: Batch) -> tuple[list[str], int, int]:
        """The gas RPC calls of a proposal, its transaction's gas limit and gas used."""
        calls.clear()
        receipt = l1.propose(batch, proposer, before_send=lambda _n, _r: None)
        assert receipt.status == 1
        limit = int(chain.w3.eth.get_transaction(receipt.tx_hash)["gas"])  # type: ignore[arg-type]
        return [c for c in calls if c in ("eth_call", "eth_estimateGas")], limit, receipt.gas_used

    assert propose(transfers(20))[0] == ["eth_estimateGas"]  # the first: nothing to guess from
    gas_calls, limit, used = propose(transfers(200))  # ten times the calldata: the guess scales (the fixed part too)
    assert gas_calls == ["eth_call"]
    assert used < limit
    gas_calls, limit, used = propose(transfers(200))  # the steady state: batches of about the same size
    assert gas_calls == ["eth_call"]
    assert used < limit <= used * 5 // 4 + 60_000  # 5/4 of the last one and 50k
    size, _ = l1._gas_used[PROPOSE_SELECTOR]
    l1._gas_used[PROPOSE_SELECTOR] = (size, 30_000)  # a guess far too low: the call runs out of gas
    gas_calls, limit, used = propose(transfers(100))
    assert gas_calls == ["eth_call", "eth_estimateGas"]
    assert used < limit

    # a proposal on a head L1 does not hold: the call fails, the estimate raises L1's reason, nothing is sent
    stale = transfers(5)
    wrong = Batch(stale.ops, stale.ends, stale.roots, stale.queue_end, l1.genesis_root())
    sent = l1.transaction_count(proposer.address, "pending")
    with pytest.raises(ContractCustomError, match="RollupWrongHead"):
        l1.propose(wrong, proposer, before_send=lambda _n, _r: pytest.fail("a refused proposal was signed"))
    assert l1.transaction_count(proposer.address, "pending") == sent
    assert l1.batch_count() == 4
