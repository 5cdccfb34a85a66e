"""DAO governance (seed §5): the NOVA votes token, the NovaGovernor with quadratic counting for credentialed
members, delegation, the 48-hour timelock, and a keeper that executes passed proposals by itself.

The process, with the defaults (all from config):

1. create a proposal: the proposer needs ``proposal_threshold`` (100k NOVA) of delegated votes;
2. pending for ``voting_delay`` (24 h): the snapshot of votes is taken at its end;
3. voting for ``voting_period`` (7 days): members vote for / against / abstain, each with the integer square root
   of its votes at the snapshot (one identity, one square root: only accounts holding a valid membership
   credential recorded on chain count);
4. quorum: ``quorum_percentage`` (40%) of the supply at the snapshot must take part (raw votes, all supports);
   the proposal passes if more square-root weight voted for than against;
5. queued in the timelock for ``timelock_delay`` (48 h);
6. executed by anyone, e.g. the keeper (:meth:`GovernanceManager.run_keeper`, ``novacron-chain gov keeper``).

::

    from novacron_chain.governance import ProposalAction, VoteType

    gm = nc.governance
    cpu = nc.contract("CPUToken").address
    p = gm.create_proposal("Increase CPU Token Supply", "Proposal to mint 1M CPU tokens for expansion",
                           [ProposalAction.call(cpu, "mint(address,uint256)", [treasury, 10**24],
                                                description="Mint 1M CPU tokens")])
    nc.chain.advance(gm.voting_delay + 1)
    gm.cast_vote(p.id, VoteType.FOR, "This will help with scaling")
    nc.chain.advance(gm.voting_period)
    gm.run_keeper()                       # queues; after the timelock delay the next run executes

Delegation (ERC20Votes) hands an account's whole voting power to another; under quadratic counting the delegatee
votes with the square root of the pooled votes, so delegating never increases weight (sqrt(a+b) <= sqrt(a)+sqrt(b)).
The timelock holds the privileged roles of the other contracts (admin everywhere, minter on the resource tokens).

Zero-ops automation policies (``autoscale.limit.eu-west-1`` = ``40``) live in the PolicyRegistry: a change takes
effect after ``policy_threshold`` approvals of the ``policy_approvers``
(:meth:`GovernanceManager.propose_policy_change`, :meth:`~GovernanceManager.approve_policy_change`,
:meth:`~GovernanceManager.pending_policy_changes`), or when a DAO
proposal calling ``setPolicy`` passes (:meth:`~GovernanceManager.propose_policy_by_vote`: the same governor and
timelock, no second voting system). A change proposed against an older version of its policy, or past its
``policy_change_lifetime``, never applies.

Errors are :class:`~novacron_chain.errors.GovernanceError` subclasses (the tree is in
:mod:`novacron_chain.governance._errors`); :data:`ERROR_HINTS` holds the hints for the contracts' custom errors.
"""

from __future__ import annotations

from ._deploy import NOVA, NOVA_SUPPLY, deploy_steps, dev_credential_id, quorum_bps
from ._errors import (
    ERROR_HINTS,
    AlreadyVotedError,
    ExecutionTooEarlyError,
    ExpiredPolicyChangeError,
    GovernanceValueError,
    IneligibleVoterError,
    PolicyApprovalError,
    PolicyChangeStateError,
    PolicyPermissionError,
    ProposalStateError,
    ProposalThresholdError,
    StalePolicyChangeError,
    UnknownPolicyChangeError,
    UnknownProposalError,
    VotingClosedError,
)
from ._manager import ELIGIBILITY, MEMBERSHIP_TYPE, GovernanceManager
from ._types import (
    KeeperAction,
    Membership,
    Policy,
    PolicyChange,
    PolicyChangeStatus,
    Proposal,
    ProposalAction,
    ProposalState,
    Tally,
    VoteReceipt,
    VoteType,
    format_nova,
    signature_types,
)

#: record names of the governance contract set
CONTRACT_NAMES = ("NovaToken", "NovaTimelock", "NovaGovernor", "PolicyRegistry")

__all__ = [
    "CONTRACT_NAMES",
    "ELIGIBILITY",
    "ERROR_HINTS",
    "MEMBERSHIP_TYPE",
    "NOVA",
    "NOVA_SUPPLY",
    "AlreadyVotedError",
    "ExecutionTooEarlyError",
    "ExpiredPolicyChangeError",
    "GovernanceManager",
    "GovernanceValueError",
    "IneligibleVoterError",
    "KeeperAction",
    "Membership",
    "Policy",
    "PolicyApprovalError",
    "PolicyChange",
    "PolicyChangeStateError",
    "PolicyChangeStatus",
    "PolicyPermissionError",
    "Proposal",
    "ProposalAction",
    "ProposalState",
    "ProposalStateError",
    "ProposalThresholdError",
    "StalePolicyChangeError",
    "Tally",
    "UnknownPolicyChangeError",
    "UnknownProposalError",
    "VoteReceipt",
    "VoteType",
    "VotingClosedError",
    "deploy_steps",
    "dev_credential_id",
    "format_nova",
    "quorum_bps",
    "signature_types",
]
