"""Errors of DAO governance, all under :class:`~novacron_chain.errors.GovernanceError`.

::

    GovernanceError
    ├── GovernanceValueError (NovaValueError)  exit 2: bad input (vote type, actions, signature text, amounts)
    ├── UnknownProposalError                   exit 2: no proposal with that id on this governor
    ├── ProposalThresholdError                 the proposer's votes are below the proposal threshold
    ├── IneligibleVoterError                   the voter has no valid membership (quadratic voting is for members)
    ├── AlreadyVotedError                      the voter already voted on that proposal
    ├── ProposalStateError                     the proposal is not in a state that allows the operation
    │   ├── VotingClosedError                  a vote before the voting window opens or after it closes
    │   └── ExecutionTooEarlyError             execution before the timelock's delay has passed
    ├── UnknownPolicyChangeError               exit 2: no policy change with that id in the PolicyRegistry
    ├── PolicyPermissionError                  not an approver (propose, approve, revoke) or not the proposer (cancel)
    ├── PolicyApprovalError                    approved twice, or revoking an approval that was never given
    └── PolicyChangeStateError                 the change is applied or cancelled
        ├── ExpiredPolicyChangeError           its approval window has passed
        └── StalePolicyChangeError             its policy changed since it was proposed: it can never apply

Each carries the proposal id and the facts that explain it (votes and threshold, window, eta), and writes a message
saying what to do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import GovernanceError, NovaValueError
from ..units import format_amount

__all__ = [
    "ERROR_HINTS",
    "AlreadyVotedError",
    "ExecutionTooEarlyError",
    "ExpiredPolicyChangeError",
    "GovernanceValueError",
    "IneligibleVoterError",
    "PolicyApprovalError",
    "PolicyChangeStateError",
    "PolicyPermissionError",
    "ProposalStateError",
    "ProposalThresholdError",
    "StalePolicyChangeError",
    "UnknownPolicyChangeError",
    "UnknownProposalError",
    "VotingClosedError",
]

#: hints for the governance contracts' custom errors (NovaGovernor, OpenZeppelin's Governor and TimelockController),
#: by error name: shown with a revert that slipped past the manager's checks
ERROR_HINTS: dict[str, str] = {
    "NovaGovernorIneligibleVoter": "only members with a valid membership credential may vote (one square root per "
    "identity); delegate to a member otherwise",
    "NovaGovernorIssuerNotTrusted": "that issuer is not trusted by governance; a proposal calling "
    "setIssuerTrust(issuer, true) can change that",
    "NovaGovernorNotIssuerKey": "record memberships with the issuer identity's current owner key or a valid "
    "veriKey delegate",
    "NovaGovernorCredentialUsed": "a credential makes one member once: issue a new credential",
    "NovaGovernorCredentialRevoked": "the credential is revoked in the DIDRegistry: issue a new one",
    "NovaGovernorInvalidMembership": "name a holder and an expiry in the future",
    "GovernorInsufficientProposerVotes": "delegated votes one second ago must reach the proposal threshold",
    "GovernorUnexpectedProposalState": "`novacron-chain gov show <id>` shows the proposal's state and timeline",
    "GovernorAlreadyCastVote": "each member votes once per proposal",
    "GovernorNonexistentProposal": "`novacron-chain gov list` shows the proposals",
    "TimelockUnexpectedOperationState": "the timelock's delay has not passed yet (or the operation is done)",
    "NovaTokenAllocationMismatch": "NOVA's initial allocation needs one amount per holder",
    "PolicyRegistryInvalidPolicy": "a policy name is 1 to 64 bytes, a value at most 1024 bytes",
    "PolicyRegistryUnknownChange": "`novacron-chain gov policy pending` lists the pending changes and their ids",
    "PolicyRegistryChangeNotPending": "the change is already applied or cancelled: `novacron-chain gov policy show "
    "<name>` shows the policy now",
    "PolicyRegistryChangeExpired": "its approval window passed: propose the change again",
    "PolicyRegistryStaleChange": "the policy changed since this change was proposed, so it could overwrite a newer "
    "value: propose it again against the current version",
    "PolicyRegistryAlreadyApproved": "each approver approves a change once; the other approvers must approve",
    "PolicyRegistryNotApproved": "only an approval that was given can be revoked",
    "PolicyRegistryNotProposer": "only the change's proposer or governance (the timelock) may cancel it",
    "PolicyRegistryInvalidThreshold": "the approvals a change needs must be 1 to the number of approvers",
    "PolicyRegistryInvalidLifetime": "a change's lifetime must be 1 second to 365 days",
}


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _span(seconds: int) -> str:
    seconds = max(seconds, 0)
    d, rest = divmod(seconds, 86_400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s or not seconds else ""]
    return " ".join(p for p in parts if p)


_nova = format_amount


class GovernanceValueError(GovernanceError, NovaValueError):
    """Bad input to a governance operation: a vote type, an action, a function signature, an amount."""


class UnknownProposalError(GovernanceError):
    """No proposal with this id exists on the governor."""

    exit_code = 2

    def __init__(self, proposal_id: int) -> None:
        super().__init__(
            f"proposal {proposal_id} does not exist on this governor",
            hint="`novacron-chain gov list` shows the proposals",
        )
        self.proposal_id = proposal_id

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "proposal_id": str(self.proposal_id)}


class ProposalThresholdError(GovernanceError):
    """The proposer holds fewer votes than the proposal threshold (votes are delegated NOVA, one second ago)."""

    def __init__(self, proposer: str, votes: int, threshold: int, *, current: int | None = None) -> None:
        if current is not None and current >= threshold:
            hint = (
                f"it has {_nova(current)} now, but votes count from the second after they were delegated or "
                "received (the governor reads them one second back): try again in a moment"
            )
        else:
            hint = (
                "votes count once delegated: `novacron-chain gov delegate <your address>` after acquiring NOVA, "
                "or ask holders to delegate to you; the threshold is blockchain.proposal_threshold"
            )
        super().__init__(
            f"{proposer} has {_nova(votes)} of votes, below the proposal threshold of {_nova(threshold)}", hint=hint
        )
        self.proposer = proposer
        self.votes = votes
        self.threshold = threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "proposer": self.proposer,
            "votes": str(self.votes),
            "threshold": str(self.threshold),
        }


_REASONS = {
    "NoMembership": (
        "holds no membership recorded on chain",
        "ask a trusted issuer to issue and record one (`novacron-chain gov member <address> --issue`, run by the "
        "issuer)",
    ),
    "Expired": ("has a membership that expired", "ask a trusted issuer to renew it"),
    "IssuerNotTrusted": (
        "has a membership from an issuer governance no longer trusts",
        "get a membership from a trusted issuer",
    ),
    "Revoked": (
        "has a membership credential that its issuer revoked in the DIDRegistry",
        "ask a trusted issuer for a new membership credential",
    ),
}


class IneligibleVoterError(GovernanceError):
    """The voter holds no valid membership credential: quadratic votes are counted for members only.

    ``reason`` is ``NoMembership``, ``Expired``, ``IssuerNotTrusted`` or ``Revoked``.
    """

    def __init__(self, voter: str, reason: str, *, proposal_id: int | None = None) -> None:
        what, fix = _REASONS.get(reason, (f"is not eligible ({reason})", "get a valid membership credential"))
        super().__init__(
            f"{voter} cannot vote: it {what}; quadratic voting counts one square root per credentialed member",
            hint=f"{fix}; or delegate your votes to a member (`novacron-chain gov delegate <member>`)",
        )
        self.voter = voter
        self.reason = reason
        self.proposal_id = proposal_id

    def to_dict(self) -> dict[str, Any]:
        out = {**super().to_dict(), "voter": self.voter, "reason": self.reason}
        if self.proposal_id is not None:
            out["proposal_id"] = str(self.proposal_id)
        return out


class AlreadyVotedError(GovernanceError):
    """The voter already voted on this proposal (a vote cannot be changed)."""

    def __init__(self, voter: str, proposal_id: int) -> None:
        super().__init__(f"{voter} already voted on proposal {proposal_id}", hint="each member votes once per proposal")
        self.voter = voter
        self.proposal_id = proposal_id


class ProposalStateError(GovernanceError):
    """The proposal's state does not allow the operation (``state`` is its current state's name)."""

    def __init__(self, proposal_id: int, state: str, action: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"cannot {action} proposal {proposal_id}: it is {state}",
            hint=hint or "`novacron-chain gov show <id>` shows its state and timeline",
        )
        self.proposal_id = proposal_id
        self.state = state
        self.action = action

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "proposal_id": str(self.proposal_id), "state": self.state}


class VotingClosedError(ProposalStateError):
    """A vote outside the voting window: before it opens (Pending) or after it closed."""

    def __init__(self, proposal_id: int, state: str, *, opens: int, closes: int, now: int) -> None:
        if now <= opens:
            hint = f"voting opens after {_when(opens)} (in {_span(opens - now + 1)})"
        else:
            hint = f"voting closed at {_when(closes)}; the outcome is final"
        super().__init__(proposal_id, state, "vote on", hint=hint)
        self.opens = opens
        self.closes = closes
        self.now = now

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "opens": self.opens, "closes": self.closes, "now": self.now}


class ExecutionTooEarlyError(ProposalStateError):
    """Execution before the timelock's delay has passed (``eta`` is the earliest execution time)."""

    def __init__(self, proposal_id: int, *, eta: int, now: int) -> None:
        super().__init__(
            proposal_id,
            "Queued",
            "execute",
            hint=f"the timelock releases it at {_when(eta)} (in {_span(eta - now)}); "
            "`novacron-chain gov keeper` executes it then by itself",
        )
        self.eta = eta
        self.now = now

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "eta": self.eta, "now": self.now}


class UnknownPolicyChangeError(GovernanceError):
    """No policy change with this id was proposed in the PolicyRegistry."""

    exit_code = 2

    def __init__(self, change_id: int) -> None:
        super().__init__(
            f"policy change {change_id} does not exist",
            hint="`novacron-chain gov policy pending` lists the pending changes and their ids",
        )
        self.change_id = change_id

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "change_id": str(self.change_id)}


class PolicyPermissionError(GovernanceError):
    """``account`` may not ``action``: it is no policy approver, or (cancel) neither the proposer nor the admin."""

    def __init__(self, account: str, action: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"{account} may not {action}",
            hint=hint
            or "policy approvers are the PolicyRegistry's APPROVER_ROLE (blockchain.policy_approvers at deployment, "
            "then granted by governance); anyone with votes can propose a policy by DAO vote instead "
            "(`novacron-chain gov policy propose NAME VALUE --vote`)",
        )
        self.account = account
        self.action = action

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "account": self.account, "action": self.action}


class PolicyApprovalError(GovernanceError):
    """``approver`` already approved change ``change_id`` (``approved`` True), or revokes an approval it never gave."""

    def __init__(self, change_id: int, approver: str, *, approved: bool) -> None:
        if approved:
            message = f"{approver} already approved policy change {change_id}"
            hint = "each approver approves a change once; the other approvers must approve it"
        else:
            message = f"{approver} has not approved policy change {change_id}: there is no approval to revoke"
            hint = "`novacron-chain gov policy pending` shows who approved each change"
        super().__init__(message, hint=hint)
        self.change_id = change_id
        self.approver = approver
        self.approved = approved

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "change_id": str(self.change_id), "approver": self.approver}


class PolicyChangeStateError(GovernanceError):
    """Change ``change_id`` is no longer pending (``status``: applied, cancelled, expired or stale)."""

    def __init__(self, change_id: int, status: str, action: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"cannot {action} policy change {change_id}: it is {status}",
            hint=hint or "`novacron-chain gov policy show <name>` shows the policy now",
        )
        self.change_id = change_id
        self.status = status
        self.action = action

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "change_id": str(self.change_id), "status": self.status}


class ExpiredPolicyChangeError(PolicyChangeStateError):
    """The change's approval window passed at ``expires_at``."""

    def __init__(self, change_id: int, action: str, *, expires_at: int) -> None:
        super().__init__(
            change_id,
            "expired",
            action,
            hint=f"it expired at {_when(expires_at)}: propose it again (`novacron-chain gov policy propose`)",
        )
        self.expires_at = expires_at

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "expires_at": self.expires_at}


class StalePolicyChangeError(PolicyChangeStateError):
    """The policy changed since the change was proposed (``base_version`` -> ``current_version``): applying it
    would overwrite a newer value out of order, so it never applies."""

    def __init__(self, change_id: int, action: str, *, base_version: int, current_version: int) -> None:
        super().__init__(
            change_id,
            "stale",
            action,
            hint=f"it was proposed against version {base_version} of the policy, which is now at version "
            f"{current_version}: propose it again if it is still wanted",
        )
        self.base_version = base_version
        self.current_version = current_version

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "base_version": self.base_version, "current_version": self.current_version}
