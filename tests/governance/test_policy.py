"""Zero-ops automation policies on the embedded chain: k approvals apply a change and k-1 do not, strangers and
double approvals are refused, a stale or expired change never applies, and the DAO path (propose, vote, queue,
execute through the timelock) sets a policy with the same governor."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import NovaChainError
from novacron_chain.governance import (
    ExpiredPolicyChangeError,
    GovernanceValueError,
    PolicyApprovalError,
    PolicyChangeStateError,
    PolicyChangeStatus,
    PolicyPermissionError,
    StalePolicyChangeError,
    UnknownPolicyChangeError,
    VoteType,
)

NAME = "autoscale.limit.eu-west-1"


def test_k_approvals_apply_and_k_minus_one_do_not(gembedded: NovaChain) -> None:
    gm, chain = gembedded.governance, gembedded.chain
    assert gm.policies is not None
    assert gm.policies.threshold == 2
    before = gm.get_policy(NAME)
    assert (before.value, before.version, before.is_set) == ("", 0, False)

    change = gm.propose_policy_change(NAME, "40")  # account 0: one approval of two
    assert change.status is PolicyChangeStatus.PENDING
    assert change.approvers == (chain.signer.address,)
    assert change.approvals_needed == 1
    assert change.gas_used
    assert gm.get_policy(NAME).version == 0
    assert [c.id for c in gm.pending_policy_changes()] == [change.id]

    with pytest.raises(PolicyApprovalError, match="already approved"):
        gm.approve_policy_change(change.id)
    applied = gm.approve_policy_change(change.id, sender=chain.dev_signer(1))
    assert applied.status is PolicyChangeStatus.APPLIED
    assert applied.approvals == 2
    assert applied.approvals_needed == 0
    policy = gm.get_policy(NAME)
    assert (policy.value, policy.version) == ("40", 1)
    assert policy.updated_at > 0
    assert gm.pending_policy_changes() == []
    assert [p.to_dict() for p in gm.list_policies()] == [policy.to_dict()]
    with pytest.raises(PolicyChangeStateError, match="it is applied"):
        gm.approve_policy_change(change.id, sender=chain.dev_signer(2))
    print(f"\ngas: propose {change.gas_used}, approve+apply {applied.gas_used}")


def test_strangers_and_bad_input_are_refused(gembedded: NovaChain) -> None:
    gm, chain = gembedded.governance, gembedded.chain
    stranger = chain.dev_signer(9)
    with pytest.raises(PolicyPermissionError, match="may not propose") as caught:
        gm.propose_policy_change(NAME, "1", sender=stranger)
    assert "--vote" in (caught.value.hint or "")
    change = gm.propose_policy_change(NAME, "50")
    with pytest.raises(PolicyPermissionError, match="may not approve"):
        gm.approve_policy_change(change.id, sender=stranger)
    with pytest.raises(PolicyPermissionError, match="cancel"):
        gm.cancel_policy_change(change.id, sender=chain.dev_signer(1))  # an approver, not its proposer
    with pytest.raises(UnknownPolicyChangeError):
        gm.approve_policy_change(999)
    with pytest.raises(GovernanceValueError):
        gm.approve_policy_change("not-an-id")
    with pytest.raises(GovernanceValueError, match="policy name"):
        gm.propose_policy_change("", "1")
    with pytest.raises(PolicyApprovalError, match="no approval to revoke"):
        gm.revoke_policy_approval(change.id, sender=chain.dev_signer(1))
    # a revert that slips past the checks (sent directly) is the same typed error
    registry = gm.policies.registry if gm.policies else None
    assert registry is not None
    with pytest.raises(NovaChainError) as raw:
        chain.transact(registry.functions.approve(change.id), gas=300_000)
    assert raw.value.error_name == "PolicyRegistryAlreadyApproved"  # type: ignore[attr-defined]
    assert gm.policies is not None
    mapped = gm.policies.mapped_revert(raw.value, change.id, "approve")  # type: ignore[arg-type]
    assert isinstance(mapped, PolicyApprovalError)

    revoked = gm.revoke_policy_approval(change.id)
    assert revoked.approvals == 0
    assert revoked.status is PolicyChangeStatus.PENDING
    cancelled = gm.cancel_policy_change(change.id)
    assert cancelled.status is PolicyChangeStatus.CANCELLED
    assert gm.get_policy(NAME).version == 0


def test_a_stale_or_expired_change_never_applies(gembedded: NovaChain) -> None:
    gm, chain = gembedded.governance, gembedded.chain
    first = gm.propose_policy_change(NAME, "40")
    second = gm.propose_policy_change(NAME, "60", sender=chain.dev_signer(1))
    gm.approve_policy_change(second.id, sender=chain.dev_signer(2))  # "60" applies as version 1
    assert gm.get_policy_change(first.id).status is PolicyChangeStatus.STALE
    with pytest.raises(StalePolicyChangeError, match="stale") as caught:
        gm.approve_policy_change(first.id, sender=chain.dev_signer(2))
    assert (caught.value.base_version, caught.value.current_version) == (0, 1)
    assert gm.get_policy(NAME).value == "60"

    late = gm.propose_policy_change("autoscale.limit.us-east-1", "12")
    assert gm.policies is not None
    chain.advance(gm.policies.change_lifetime + 1)
    assert [c.status for c in gm.list_policy_changes()][-1] is PolicyChangeStatus.EXPIRED
    with pytest.raises(ExpiredPolicyChangeError, match="expired"):
        gm.approve_policy_change(late.id, sender=chain.dev_signer(1))
    assert gm.pending_policy_changes() == []
    assert gm.get_policy("autoscale.limit.us-east-1").version == 0


def test_the_dao_path_sets_a_policy_through_the_timelock(gembedded: NovaChain) -> None:
    gm, chain = gembedded.governance, gembedded.chain
    p = gm.propose_policy_by_vote(NAME, "80", "raise the limit for the migration wave")
    assert p.title == f"Policy {NAME}"
    assert p.actions[0].signature == "setPolicy(string,string)"
    chain.advance(gm.voting_delay + 1)
    gm.cast_vote(p.id, VoteType.FOR)  # account 0: 55% of the supply, above the 40% quorum
    chain.advance(gm.voting_period)
    gm.queue_proposal(p.id)
    assert gm.get_policy(NAME).version == 0  # nothing before the timelock releases it
    pending = gm.propose_policy_change(NAME, "40")  # against version 0: the vote's outcome makes it stale
    chain.advance(gm.timelock_delay)
    gm.execute_proposal(p.id)
    policy = gm.get_policy(NAME)
    assert (policy.value, policy.version) == ("80", 1)
    assert gm.get_policy_change(pending.id).status is PolicyChangeStatus.STALE
    with pytest.raises(StalePolicyChangeError):
        gm.approve_policy_change(pending.id, sender=chain.dev_signer(1))
