"""The public surface of novacron_chain.governance: a test fails when it drifts (httpx tests/test_exported_members)."""

from __future__ import annotations

import inspect

import novacron_chain.governance as governance
from novacron_chain.errors import GovernanceError, NovaValueError

EXPECTED = [
    "CONTRACT_NAMES",
    "ELIGIBILITY",
    "MEMBERSHIP_TYPE",
    "NOVA",
    "NOVA_SUPPLY",
    "AlreadyVotedError",
    "ExecutionTooEarlyError",
    "GovernanceManager",
    "GovernanceValueError",
    "IneligibleVoterError",
    "KeeperAction",
    "Membership",
    "Proposal",
    "ProposalAction",
    "ProposalState",
    "ProposalStateError",
    "ProposalThresholdError",
    "Tally",
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


def test_all_is_sorted_and_as_expected() -> None:
    assert governance.__all__ == EXPECTED
    assert sorted(governance.__all__, key=lambda n: (not n.isupper(), n)) == EXPECTED


def test_public_names_are_documented() -> None:
    assert governance.__doc__
    for name in governance.__all__:
        member = getattr(governance, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member):
            for attr, value in vars(member).items():
                if not attr.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(getattr(member, attr)), f"{name}.{attr} has no docstring"


def test_errors_are_governance_errors() -> None:
    errors = [getattr(governance, n) for n in governance.__all__ if n.endswith("Error")]
    assert len(errors) == 8
    for error in errors:
        assert issubclass(error, GovernanceError)
    assert issubclass(governance.GovernanceValueError, NovaValueError)
    assert governance.GovernanceValueError("x").exit_code == 2
    assert governance.UnknownProposalError(5).exit_code == 2
    assert governance.ProposalThresholdError("0xa", 1, 2).exit_code == 1
    assert issubclass(governance.VotingClosedError, governance.ProposalStateError)
    assert issubclass(governance.ExecutionTooEarlyError, governance.ProposalStateError)
