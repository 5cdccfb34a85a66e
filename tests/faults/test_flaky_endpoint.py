"""A flaky endpoint: the demo's core flows through a proxy that drops, loses, delays, rate-limits, fails (5xx) and
cuts short a fifth of the requests at random. Every flow completes, each operation takes effect once, the sender's
nonces have no gap, and the metrics count the retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from novacron_chain.governance import ProposalAction, VoteType
from novacron_chain.metrics import render_text
from novacron_chain.orchestrator import VMLifecycleOperation
from novacron_chain.state import open_state
from novacron_chain.tokens import Resource
from tests.faultproxy import FaultProxy
from tests.faults._checks import anchored_roots, assert_each_root_once, assert_nonces_contiguous, record, sent_by
from tests.faults.conftest import Node, connect

pytestmark = pytest.mark.integration

WHOLE = 10**18


def test_demo_flows_complete_through_a_flaky_endpoint(node: Node, data_dir: Path) -> None:
    direct = connect(node.url, data_dir)  # the test's own view of the chain (and its clock), without faults
    faults = {"drop": 0.03, "lost": 0.03, "delay": 0.04, "rate_limit": 0.03, "server_error": 0.03, "truncate": 0.03}
    with direct, FaultProxy(node.url, seed=16, **faults) as proxy, connect(proxy.url, data_dir) as nova:
        chain = nova.chain
        sender = chain.signer.address
        first_block = direct.chain.block_number() + 1
        first_nonce = direct.chain.w3.eth.get_transaction_count(sender)  # type: ignore[arg-type]

        # VM states: recorded, anchored in batches, verified
        with open_state(chain, nova.contract("StateAnchor"), nova.config.blockchain, batch_size=40) as sm:
            for i in range(200):
                sm.record_vm_state(record(i, 1))
            batches = sm.flush()
            assert sum(b.leaf_count for b in batches) == 200
            assert len(batches) == 5
            for vm in (f"vm-{i:04d}" for i in range(10)):
                report = sm.verify_state_integrity(vm)
                assert report.valid, report
                assert [e.seq for e in sm.get_history(vm)] == list(range(int(vm[3:]) + 1, 201, 10))

        # a market buy: the tokens arrive once
        tm = nova.tokens
        before = tm.balance(Resource.CPU, sender)
        trade = tm.buy(Resource.CPU, 10 * WHOLE)
        assert tm.balance(Resource.CPU, sender) - before == trade.amount == 10 * WHOLE

        # a vote on a proposal
        gm = nova.governance
        cpu = nova.contract("CPUToken")
        action = ProposalAction.call(cpu.address, "mint(address,uint256)", [gm.timelock.address, WHOLE])
        proposal = gm.create_proposal("Flaky endpoint", "A proposal sent through faults", [action])
        direct.chain.advance(gm.voting_delay + 1)  # dev powers stay off the flaky path
        vote = gm.cast_vote(proposal.id, VoteType.FOR, "through a flaky endpoint")
        assert vote.weight > 0
        assert chain.call(gm.governor.functions.hasVoted(proposal.id, sender))

        # a VM created, paid by a staking reservation
        co = nova.orchestrator
        tm.fund_staking_rewards()
        co.create_vm(VMLifecycleOperation("vm-flaky", "us-east-1", 2, 4096), reserve=True)
        assert co.get_vm("vm-flaky").region == "us-east-1"

        # the faults happened, and were survived by retries the metrics saw
        assert all(proxy.counts[f] > 0 for f in ("drop", "lost", "429", "5xx", "truncate")), proxy.counts
        retries = dict(nova.metrics.get_snapshot().rpc_retries)
        client_retries = chain.backend.client.retry_counts  # type: ignore[attr-defined]
        assert {"rate_limited", "server_error"} <= retries.keys(), retries
        assert sum(retries.values()) >= proxy.counts["429"] + proxy.counts["5xx"] - 5
        assert retries["rate_limited"] == client_retries["rate_limited"] >= 1
        text = render_text(nova.metrics).decode()
        assert (
            f'blockchain_rpc_retries_total{{network="{nova.config.blockchain.network}",reason="rate_limited"}}' in text
        )

        # nothing sent twice: every transaction the flows awaited is mined once, with contiguous nonces
        mined = sent_by(direct.chain.w3, sender, first_block)
        assert_nonces_contiguous(mined, first_nonce)
        assert len(mined) == nova.metrics.get_snapshot().total_transactions
        assert proxy.methods["eth_sendRawTransaction"] >= len(mined)
        roots = anchored_roots(direct.chain.w3, nova.contract("StateAnchor").address, first_block)
        assert_each_root_once(roots)
        assert sorted(count for _, _, count in roots) == [40] * 5
