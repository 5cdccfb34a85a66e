"""The seed's governance process from Python, on the embedded chain and on anvil: create (100k threshold), 24 h
pending, 7 days voting, 40% quorum, 48 h timelock, automatic execution; and each mistake's clear error."""

from __future__ import annotations

from math import isqrt

import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.errors import NovaChainError
from novacron_chain.governance import (
    NOVA,
    NOVA_SUPPLY,
    AlreadyVotedError,
    ExecutionTooEarlyError,
    GovernanceManager,
    IneligibleVoterError,
    ProposalAction,
    ProposalState,
    ProposalStateError,
    ProposalThresholdError,
    UnknownProposalError,
    VoteType,
    VotingClosedError,
    dev_credential_id,
)
from novacron_chain.metrics import render_text

AMOUNT = 1_000 * NOVA  # CPU minted by the test proposals


def mint_action(nc: NovaChain, amount: int = AMOUNT) -> ProposalAction:
    cpu = nc.contract("CPUToken")
    return ProposalAction.call(
        cpu.address, "mint(address,uint256)", [nc.contract("NovaTimelock").address, amount], description="Mint CPU"
    )


def cpu_supply(nc: NovaChain) -> int:
    return int(nc.chain.call(nc.contract("CPUToken").functions.totalSupply()))


def nova_transfer(nc: NovaChain, gm: GovernanceManager, to: str, amount: int, sender: Signer | None = None) -> None:
    """A NOVA transfer with an estimated gas limit: ERC20Votes writes a new checkpoint when the block's second is new
    and updates the last one otherwise, so an estimate made in the same second as the previous change (anvil mines
    several blocks per second) falls short without the chain layer's headroom for timestamp-keyed writes."""
    nc.chain.transact(gm.token.functions.transfer(to, amount), sender=sender)


def fresh_holder(nc: NovaChain, gm: GovernanceManager, nova: int, seed: int) -> Signer:
    """A new account with gas money and ``nova`` NOVA, self-delegated, without a membership."""
    s = Signer(keccak(b"governance test holder %d" % seed))
    nc.chain.transfer(s.address, 10**18)
    if nova:
        nova_transfer(nc, gm, s.address, nova)
    gm.delegate_vote(s.address, sender=s)
    return s


def test_dev_accounts_can_run_the_whole_process(gnova: NovaChain, gm: GovernanceManager) -> None:
    dev0, dev1 = gnova.chain.dev_signer(0), gnova.chain.dev_signer(1)
    assert gm.proposal_threshold == 100_000 * NOVA
    assert (gm.voting_delay, gm.voting_period, gm.timelock_delay) == (24 * 3600, 7 * 24 * 3600, 48 * 3600)
    assert gm.quorum_bps == 4000
    assert gm.get_votes(dev0.address) == NOVA_SUPPLY - 9 * 500_000 * NOVA  # 5.5M: above the 40% quorum alone
    assert gm.get_votes(dev1.address) == 500_000 * NOVA
    assert gm.membership(dev1.address).eligible


def test_seed_process_end_to_end(gnova: NovaChain, gm: GovernanceManager) -> None:
    chain = gnova.chain
    dev1 = chain.dev_signer(1)
    before = cpu_supply(gnova)
    p = gm.create_proposal(
        "Increase CPU Token Supply", "Proposal to mint 1M CPU tokens for expansion", [mint_action(gnova)]
    )
    assert p.state is ProposalState.PENDING
    assert p.title == "Increase CPU Token Supply"
    assert p.actions == (mint_action(gnova),)
    assert p.vote_end - p.vote_start == 7 * 24 * 3600
    with pytest.raises(VotingClosedError, match="voting opens after"):
        gm.cast_vote(p.id, VoteType.FOR)

    chain.advance(gm.voting_delay + 1)
    assert gm.get_proposal(p.id).state is ProposalState.ACTIVE
    v0 = gm.cast_vote(p.id, VoteType.FOR, "This will help with scaling")
    v1 = gm.cast_vote(p.id, "against", "not yet", sender=dev1)
    assert (v0.votes, v0.weight) == (5_500_000 * NOVA, isqrt(5_500_000 * NOVA))
    assert (v1.votes, v1.weight) == (500_000 * NOVA, isqrt(500_000 * NOVA))
    with pytest.raises(AlreadyVotedError):
        gm.cast_vote(p.id, VoteType.ABSTAIN)
    q = gm.get_proposal(p.id)
    assert (q.votes.for_, q.votes.against, q.votes.abstain) == (v0.votes, v1.votes, 0)
    assert (q.weights.for_, q.weights.against) == (v0.weight, v1.weight)
    assert q.quorum == NOVA_SUPPLY * 4000 // 10_000
    assert q.participation == 6_000_000 * NOVA
    assert q.quorum_reached
    assert gnova.metrics.get_snapshot().dao_participation == pytest.approx(0.6)
    assert gm.dao_participation() == 6_000_000 / 10_000_000
    exported = render_text(gnova.metrics).decode()
    assert any(
        line.startswith("blockchain_dao_participation{") and line.endswith(" 0.6") for line in exported.splitlines()
    )

    chain.advance(gm.voting_period)
    with pytest.raises(VotingClosedError, match="voting closed"):
        gm.cast_vote(p.id, VoteType.FOR, sender=chain.dev_signer(2))
    assert gm.get_proposal(p.id).state is ProposalState.SUCCEEDED
    with pytest.raises(ProposalStateError, match="queue it first"):
        gm.execute_proposal(p.id)

    (queued,) = gm.run_keeper()
    assert queued.action == "queued"
    assert queued.tx_hash
    q = gm.get_proposal(p.id)
    assert q.state is ProposalState.QUEUED
    assert q.eta == queued.eta
    assert q.eta is not None
    assert q.eta - gm.clock() == 48 * 3600
    with pytest.raises(ExecutionTooEarlyError) as early:
        gm.execute_proposal(p.id)
    assert early.value.eta == q.eta
    assert "the timelock releases it" in str(early.value)
    assert gm.run_keeper() == []  # nothing ready yet
    assert cpu_supply(gnova) == before

    chain.advance(gm.timelock_delay)
    (executed,) = gm.run_keeper()
    assert executed.action == "executed"
    assert gm.get_proposal(p.id).state is ProposalState.EXECUTED
    assert cpu_supply(gnova) == before + AMOUNT
    assert [x.id for x in gm.list_proposals()] == [p.id]
    assert gnova.metrics.get_snapshot().total_proposals == 1


def test_below_threshold_proposal_is_refused(gnova: NovaChain, gm: GovernanceManager) -> None:
    poor = fresh_holder(gnova, gm, 100_000 * NOVA - 1, 1)
    nova_transfer(gnova, gm, poor.address, 1)  # now enough, but only from the next second
    with pytest.raises(ProposalThresholdError, match="try again in a moment"):
        gm.create_proposal("t", "d", [mint_action(gnova)], sender=poor)
    nova_transfer(gnova, gm, gnova.chain.signer.address, 1, sender=poor)  # and back
    gnova.chain.advance(1)
    with pytest.raises(ProposalThresholdError) as err:
        gm.create_proposal("t", "d", [mint_action(gnova)], sender=poor)
    assert err.value.votes == 100_000 * NOVA - 1
    assert err.value.threshold == 100_000 * NOVA
    assert "below the proposal threshold of 100,000 NOVA" in str(err.value)
    assert "delegate" in str(err.value.hint)
    # one base unit more is enough
    nova_transfer(gnova, gm, poor.address, 1)
    gnova.chain.advance(1)
    assert gm.create_proposal("t", "d", [mint_action(gnova)], sender=poor).state is ProposalState.PENDING


def test_ineligible_quadratic_vote_is_refused(gnova: NovaChain, gm: GovernanceManager) -> None:
    outsider = fresh_holder(gnova, gm, 200_000 * NOVA, 2)
    p = gm.create_proposal("members", "only members vote", [mint_action(gnova)])
    gnova.chain.advance(gm.voting_delay + 1)
    with pytest.raises(IneligibleVoterError) as err:
        gm.cast_vote(p.id, VoteType.FOR, sender=outsider)
    assert err.value.reason == "NoMembership"
    assert "holds no membership" in str(err.value)
    # a dev member whose credential the issuer revoked in the DIDRegistry
    dev2 = gnova.chain.dev_signer(2)
    registry = gnova.contract("DIDRegistry")
    issuer = gnova.chain.signer.address
    gnova.chain.transact(registry.functions.revokeCredential(issuer, keccak(dev_credential_id(dev2.address).encode())))
    assert gm.membership(dev2.address).eligibility == "Revoked"
    with pytest.raises(IneligibleVoterError, match="revoked"):
        gm.cast_vote(p.id, VoteType.FOR, sender=dev2)
    assert gm.get_proposal(p.id).votes.total == 0


def test_issued_membership_makes_a_voter(gnova: NovaChain, gm: GovernanceManager) -> None:
    holder = fresh_holder(gnova, gm, 250_000 * NOVA, 3)
    m = gm.issue_membership(holder.address, gnova.chain.signer)
    assert m.eligible
    assert m.credential
    assert m.tx_hash
    result = gnova.did.verify_credential(m.credential)
    assert result.valid, result.reason
    # issued by a key that is not the chain's account: relayed with an EIP-712 signature
    other = fresh_holder(gnova, gm, 0, 4)
    issuer_key = gnova.chain.signer
    gnova.chain.use_signer(gnova.chain.dev_signer(5))
    assert gm.issue_membership(other.address, issuer_key).eligible
    gnova.chain.use_signer(issuer_key)
    p = gm.create_proposal("new members", "vote", [mint_action(gnova)])
    gnova.chain.advance(gm.voting_delay + 1)
    assert gm.cast_vote(p.id, VoteType.FOR, sender=holder).weight == isqrt(250_000 * NOVA)


def test_delegation_pools_votes_under_one_square_root(gnova: NovaChain, gm: GovernanceManager) -> None:
    dev1, dev2 = gnova.chain.dev_signer(1), gnova.chain.dev_signer(2)
    gm.delegate_vote(dev1.address, sender=dev2)
    assert gm.delegates(dev2.address) == dev1.address
    assert gm.get_votes(dev1.address) == 1_000_000 * NOVA
    p = gm.create_proposal("pooled", "delegation", [mint_action(gnova)], sender=dev1)
    gnova.chain.advance(gm.voting_delay + 1)
    v = gm.cast_vote(p.id, VoteType.FOR, sender=dev1)
    assert v.weight == isqrt(1_000_000 * NOVA) < 2 * isqrt(500_000 * NOVA)
    v2 = gm.cast_vote(p.id, VoteType.FOR, sender=dev2)  # dev2 is a member, but its votes are with dev1 now
    assert (v2.votes, v2.weight) == (0, 0)
    assert gm.get_proposal(p.id).weights.for_ == v.weight


def test_a_proposal_without_quorum_is_defeated(gnova: NovaChain, gm: GovernanceManager) -> None:
    dev1 = gnova.chain.dev_signer(1)
    p = gm.create_proposal("small", "only 5% vote", [mint_action(gnova)], sender=dev1)
    gnova.chain.advance(gm.voting_delay + 1)
    gm.cast_vote(p.id, VoteType.FOR, sender=dev1)
    gnova.chain.advance(gm.voting_period)
    q = gm.get_proposal(p.id)
    assert q.state is ProposalState.DEFEATED
    assert not q.quorum_reached
    with pytest.raises(ProposalStateError, match="did not reach the quorum"):
        gm.queue_proposal(p.id)
    assert gm.run_keeper() == []


def test_whale_loses_to_many_members_by_weight(gnova: NovaChain, gm: GovernanceManager) -> None:
    p = gm.create_proposal("contested", "quadratic", [mint_action(gnova)])
    gnova.chain.advance(gm.voting_delay + 1)
    gm.cast_vote(p.id, VoteType.FOR)  # 5.5M NOVA
    for i in range(1, 10):  # 9 x 500k NOVA
        gm.cast_vote(p.id, VoteType.AGAINST, sender=gnova.chain.dev_signer(i))
    gnova.chain.advance(gm.voting_period)
    q = gm.get_proposal(p.id)
    assert q.votes.for_ > q.votes.against  # more tokens for ...
    assert q.weights.against == 9 * isqrt(500_000 * NOVA) > q.weights.for_  # ... more square roots against
    assert q.state is ProposalState.DEFEATED


def test_unknown_proposal(gnova: NovaChain, gm: GovernanceManager) -> None:
    with pytest.raises(UnknownProposalError):
        gm.get_proposal(12345)
    with pytest.raises(UnknownProposalError):
        gm.cast_vote(12345, VoteType.FOR)


def test_deploy_hands_the_timelock_the_privileged_roles(gnova: NovaChain, gm: GovernanceManager) -> None:
    from novacron_chain.governance._deploy import CANCELLER_ROLE, DEFAULT_ADMIN_ROLE, MINTER_ROLE, PROPOSER_ROLE

    chain, tl = gnova.chain, gm.timelock.address
    me = chain.signer.address
    assert chain.call(gm.timelock.functions.hasRole(PROPOSER_ROLE, gm.governor.address))
    assert chain.call(gm.timelock.functions.hasRole(CANCELLER_ROLE, gm.governor.address))
    assert chain.call(gm.timelock.functions.hasRole(CANCELLER_ROLE, me))  # the guardian's brake
    administered = []
    for record in gnova.deployments.all(chain.chain_id):
        if record.name in ("NovaToken", "NovaTimelock", "NovaGovernor"):
            continue
        probe = chain.contract("NovaTimelock", record.address)
        try:
            deployer_admin = chain.call(probe.functions.hasRole(DEFAULT_ADMIN_ROLE, me))
        except NovaChainError:
            continue  # not an AccessControl contract
        if deployer_admin:  # on dev chains the deployer keeps its roles
            assert chain.call(probe.functions.hasRole(DEFAULT_ADMIN_ROLE, tl)), record.name
            administered.append(record.name)
    assert {"CPUToken", "ResourceMarket", "DIDRegistry"} <= set(administered)
    for name in ("CPUToken", "MEMToken", "STOToken", "NETToken"):
        assert chain.call(gnova.contract(name).functions.hasRole(MINTER_ROLE, tl)), name
