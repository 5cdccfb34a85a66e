"""``GovernanceManager``: proposals, votes, delegation, the timelock, and the keeper that executes by itself."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_utils import function_signature_to_4byte_selector
from web3._utils.events import get_event_data
from web3.logs import DISCARD

from ..chain import Receipt, Signer, checksum, event_indexer
from ..errors import ContractCustomError, NovaChainError
from ..units import is_digits
from ._errors import (
    AlreadyVotedError,
    ExecutionTooEarlyError,
    GovernanceValueError,
    IneligibleVoterError,
    ProposalStateError,
    ProposalThresholdError,
    UnknownProposalError,
    VotingClosedError,
)
from ._policy import PolicyWorkflow
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
)

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..chain import Chain
    from ..did import DIDManager
    from ..metrics import BlockchainMetrics

__all__ = ["ELIGIBILITY", "MEMBERSHIP_TYPE", "GovernanceManager"]

#: the governor's Eligibility enum, by value
ELIGIBILITY = ("Eligible", "NoMembership", "Expired", "IssuerNotTrusted", "Revoked")
#: the credential type of a DAO membership
MEMBERSHIP_TYPE = "NovaCronMembershipCredential"
DEFAULT_MEMBERSHIP_VALIDITY = 365 * 24 * 3600
_MEMBERSHIP_TYPEHASH = keccak(b"Membership(address issuer,address holder,bytes32 credentialHash,uint64 expiresAt)")
_DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_ACTION_LINE = re.compile(r"^(\d+)\. (.*?)(?: \[`([^`]*)`\])?$")
_ACTIONS_HEADER = "## Actions"


def render_description(title: str, description: str, actions: Sequence[ProposalAction]) -> str:
    """The on-chain description: a markdown title (as Tally and other Governor UIs read it), the text, the actions.

    Each action is listed with its description and signature, so that reading the proposal back restores them.
    """
    lines = [f"# {title}", "", description.strip(), "", _ACTIONS_HEADER]
    for i, a in enumerate(actions, 1):
        text = a.description or (a.signature or "call") + f" on {a.target}"
        lines.append(f"{i}. {text}" + (f" [`{a.signature}`]" if a.signature else ""))
    return "\n".join(lines)


def parse_description(
    text: str, targets: Sequence[str], values: Sequence[int], datas: Sequence[bytes]
) -> tuple[str, str, tuple[ProposalAction, ...]]:
    """Title, description and actions of an on-chain proposal (the inverse of :func:`render_description`).

    Proposals made by other tools keep their whole text as the description and their actions as raw call data.
    """
    title, body = "", text
    if text.startswith("# "):
        first, _, body = text.partition("\n")
        title = first[2:].strip()
    notes: dict[int, tuple[str, str]] = {}
    head, sep, tail = body.partition("\n" + _ACTIONS_HEADER + "\n")
    if sep:
        for line in tail.splitlines():
            m = _ACTION_LINE.match(line)
            if m:
                notes[int(m.group(1))] = (m.group(2), m.group(3) or "")
        body = head
    actions = []
    for i, (t, v, d) in enumerate(zip(targets, values, datas, strict=True), 1):
        desc, sig = notes.get(i, ("", ""))
        if sig and d[:4] == function_signature_to_4byte_selector(sig):
            actions.append(ProposalAction(t, v, sig, d[4:], desc))
        else:
            actions.append(ProposalAction(t, v, "", d, desc))
    return title, body.strip(), tuple(actions)


class GovernanceManager:
    """The DAO on one chain: NOVA, the NovaGovernor and its timelock (seed §5).

    Every sending method takes an optional ``sender`` (a :class:`~novacron_chain.chain.Signer`; default: the
    chain's account). Mistakes are checked before anything is sent and raise
    :class:`~novacron_chain.errors.GovernanceError` subclasses that say what to do; a revert that slips through
    (another transaction got there first) is mapped to the same errors.

    ``did`` (a :class:`~novacron_chain.did.DIDManager` over the governor's DIDRegistry) is needed only to issue
    membership credentials; ``metrics`` receives the proposal count and DAO participation. ``policy_registry`` (the
    PolicyRegistry, deployed from ``policy_from_block``) carries the zero-ops automation policies and their k-of-n
    approval workflow (the ``*policy*`` methods); its admin is the timelock, so the DAO path is an ordinary
    proposal.
    """

    def __init__(
        self,
        chain: Chain,
        governor: Contract,
        token: Contract,
        timelock: Contract,
        *,
        did: DIDManager | None = None,
        metrics: BlockchainMetrics | None = None,
        from_block: int = 0,
        policy_registry: Contract | None = None,
        policy_from_block: int = 0,
    ) -> None:
        self.chain = chain
        self.policies = (
            PolicyWorkflow(chain, policy_registry, from_block=policy_from_block)
            if policy_registry is not None
            else None
        )
        self.governor = governor
        self.token = token
        self.timelock = timelock
        self.did = did
        self.metrics = metrics
        self.from_block = from_block
        self._created = governor.events.ProposalCreated().abi
        self._created_topic = keccak(
            b"ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)"
        )
        # decoded ProposalCreated events by (block hash, log index): a reorged log has another block hash
        self._decoded: dict[tuple[bytes, int], dict[str, Any]] = {}

    # -- reads ----------------------------------------------------------------------------------------------------

    def _call(self, fn: ContractFunction) -> Any:
        return self.chain.call(fn)

    @property
    def proposal_threshold(self) -> int:
        """Votes (NOVA base units) needed to propose."""
        return int(self._call(self.governor.functions.proposalThreshold()))

    @property
    def voting_delay(self) -> int:
        """Seconds between a proposal and its snapshot (voting opens just after)."""
        return int(self._call(self.governor.functions.votingDelay()))

    @property
    def voting_period(self) -> int:
        """Seconds voting stays open."""
        return int(self._call(self.governor.functions.votingPeriod()))

    @property
    def timelock_delay(self) -> int:
        """Seconds between queueing and the earliest execution."""
        return int(self._call(self.timelock.functions.getMinDelay()))

    @property
    def quorum_bps(self) -> int:
        """The quorum in basis points of the supply at the snapshot."""
        return int(self._call(self.governor.functions.quorumNumerator()))

    def clock(self) -> int:
        """The governor's clock (the latest block's timestamp)."""
        return int(self._call(self.governor.functions.clock()))

    def get_votes(self, account: str, timepoint: int | None = None) -> int:
        """Votes delegated to ``account`` now (or at a past ``timepoint``), in NOVA base units."""
        addr = checksum(account)
        if timepoint is None:
            return int(self._call(self.token.functions.getVotes(addr)))
        return int(self._call(self.token.functions.getPastVotes(addr, timepoint)))

    def balance_of(self, account: str) -> int:
        """NOVA balance of ``account`` (base units)."""
        return int(self._call(self.token.functions.balanceOf(checksum(account))))

    def delegates(self, account: str) -> str | None:
        """Who ``account`` delegates its votes to (None: nobody, its NOVA does not count)."""
        d = str(self._call(self.token.functions.delegates(checksum(account))))
        return None if int(d, 16) == 0 else checksum(d)

    def membership(self, holder: str) -> Membership:
        """``holder``'s membership record and whether it counts now."""
        addr = checksum(holder, "holder")
        issuer, expires, _index, cred = self._call(self.governor.functions.membershipOf(addr))
        status = ELIGIBILITY[int(self._call(self.governor.functions.eligibility(addr)))]
        return Membership(addr, None if int(issuer, 16) == 0 else checksum(issuer), int(expires), bytes(cred), status)

    def _state(self, proposal_id: int) -> ProposalState:
        try:
            return ProposalState(int(self._call(self.governor.functions.state(proposal_id))))
        except ContractCustomError as exc:
            if exc.error_name == "GovernorNonexistentProposal":
                raise UnknownProposalError(proposal_id) from exc
            raise

    def _created_events(self) -> list[dict[str, Any]]:
        """Every ProposalCreated event, oldest first, through the chain's event indexer (paged, cached, reorg-safe);
        decoded ones are kept by log position, so a listing decodes only the events it had not seen."""
        logs = event_indexer(self.chain).logs(
            str(self.governor.address), self._created_topic, from_block=self.from_block
        )
        codec = self.chain.w3.codec
        decoded: dict[tuple[bytes, int], dict[str, Any]] = {}
        events = []
        for log in logs:
            key = (bytes(log["blockHash"]), int(log["logIndex"]))
            ev = self._decoded.get(key)
            if ev is None:
                ev = dict(get_event_data(codec, self._created, log))
            decoded[key] = ev
            events.append(ev)
        self._decoded = decoded
        return events

    def get_proposal(self, proposal_id: int) -> Proposal:
        """The proposal: state, timeline, tallies (votes and weights), quorum and its progress, eta."""
        state = self._state(proposal_id)  # raises UnknownProposalError first
        for ev in self._created_events():
            if int(ev["args"]["proposalId"]) == proposal_id:
                return self._proposal(ev, state)
        raise UnknownProposalError(proposal_id)

    def list_proposals(self) -> list[Proposal]:
        """Every proposal on this governor, oldest first (read from its ProposalCreated events)."""
        out = [self._proposal(ev, None) for ev in self._created_events()]
        self._feed_metrics(out)
        return out

    def resolve_proposal_id(self, ref: str | int) -> int:
        """The proposal id that ``ref`` names, as people type it: the full id (decimal or 0x hex), ``#N`` (the N-th
        proposal, oldest first, as :meth:`list_proposals` and ``novacron-chain gov list`` number them), or a unique
        decimal prefix of at least 6 digits (proposal ids are 78-digit hashes).

        A full id is returned as given, existing or not (the operation using it says when it does not exist).
        Raises :class:`GovernanceValueError` for text that names no id, a ``#N`` out of range, or an ambiguous prefix.
        """
        if isinstance(ref, int) and not isinstance(ref, bool):
            if not 0 <= ref < 2**256:
                raise GovernanceValueError(f"{ref} is not a proposal id (a uint256)")
            return ref
        if not isinstance(ref, str):
            raise GovernanceValueError(f"a proposal id is text or an integer, not {type(ref).__name__}")
        text = ref.strip()
        if text.startswith("#") and is_digits(text[1:]):
            props = self.list_proposals()
            n = int(text[1:])
            if not 1 <= n <= len(props):
                raise GovernanceValueError(
                    f"there is no proposal {text}: {len(props)} exist", hint="`novacron-chain gov list` numbers them"
                )
            return props[n - 1].id
        try:
            value = int(text, 0)
        except ValueError:
            value = -1
        if not 0 <= value < 2**256:
            raise GovernanceValueError(f"{text!r} is not a proposal id", hint="`novacron-chain gov list` shows the ids")
        if len(text) >= 6 and is_digits(text):
            try:
                self._state(value)
            except UnknownProposalError:
                matches = [p.id for p in self.list_proposals() if str(p.id).startswith(text)]
                if len(matches) == 1:
                    return matches[0]
                if len(matches) > 1:
                    raise GovernanceValueError(
                        f"{text} is the start of {len(matches)} proposal ids; give more digits"
                    ) from None
        return value

    def _proposal(self, ev: dict[str, Any], state: ProposalState | None) -> Proposal:
        a = ev["args"]
        pid = int(a["proposalId"])
        g = self.governor.functions
        if state is None:
            state = self._state(pid)
        start, end = int(a["voteStart"]), int(a["voteEnd"])
        eta = int(self._call(g.proposalEta(pid)))
        against, for_, abstain = self._call(g.proposalVotes(pid))
        w_against, w_for, w_abstain = self._call(g.proposalWeights(pid))
        if start < self.clock():
            quorum = int(self._call(g.quorum(start)))
        else:  # the snapshot is in the future: the quorum if the supply stays as it is
            supply = int(self._call(self.token.functions.totalSupply()))
            quorum = supply * self.quorum_bps // 10_000
        targets = [checksum(t) for t in a["targets"]]
        title, description, actions = parse_description(
            str(a["description"]), targets, [int(v) for v in a["values"]], [bytes(d) for d in a["calldatas"]]
        )
        return Proposal(
            id=pid,
            proposer=checksum(a["proposer"]),
            title=title,
            description=description,
            actions=actions,
            state=state,
            vote_start=start,
            vote_end=end,
            eta=eta or None,
            votes=Tally(int(against), int(for_), int(abstain)),
            weights=Tally(int(w_against), int(w_for), int(w_abstain)),
            quorum=quorum,
            created_block=int(ev["blockNumber"]),
            tx_hash="0x" + bytes(ev["transactionHash"]).hex().removeprefix("0x"),
            text=str(a["description"]),
        )

    def dao_participation(self) -> float:
        """DAO participation: the share of voting power (the supply at the snapshot) that voted on the latest
        proposal whose voting has opened; 0.0 when there is none."""
        return self._participation(self._created_events())

    def refresh_metrics(self) -> None:
        """Push the proposal count and the DAO participation to ``metrics`` (one log read and a few calls)."""
        if self.metrics is not None:
            events = self._created_events()
            self.metrics.update_governance(len(events), self._participation(events))

    def _participation(self, events: Sequence[dict[str, Any]]) -> float:
        now = self.clock()
        opened = [ev["args"] for ev in events if int(ev["args"]["voteStart"]) < now]
        if not opened:
            return 0.0
        pid, start = int(opened[-1]["proposalId"]), int(opened[-1]["voteStart"])
        votes = sum(int(v) for v in self._call(self.governor.functions.proposalVotes(pid)))
        supply = int(self._call(self.token.functions.getPastTotalSupply(start)))
        return min(votes / supply, 1.0) if supply else 0.0

    def _feed_metrics(self, proposals: Sequence[Proposal]) -> None:
        if self.metrics is None:
            return
        now = self.clock()
        opened = [p for p in proposals if p.vote_start < now]
        participation = 0.0
        if opened:
            supply = int(self._call(self.token.functions.getPastTotalSupply(opened[-1].vote_start)))
            participation = min(opened[-1].participation / supply, 1.0) if supply else 0.0
        self.metrics.update_governance(len(proposals), participation)

    # -- proposals --------------------------------------------------------------------------------------------

    def create_proposal(
        self,
        title: str,
        description: str,
        actions: Sequence[ProposalAction],
        *,
        sender: Signer | None = None,
    ) -> Proposal:
        """Propose ``actions`` (seed: ``CreateProposal``); the proposer needs the proposal threshold in votes.

        The proposal is pending for the voting delay, then open for the voting period.
        """
        if not title.strip() or "\n" in title:
            raise GovernanceValueError("a proposal needs a one-line title")
        if not actions:
            raise GovernanceValueError("a proposal needs at least one action", hint="e.g. a mint(address,uint256) call")
        proposer = (sender or self.chain.signer).address
        now = self.clock()
        votes = self.get_votes(proposer, now - 1)
        threshold = self.proposal_threshold
        if votes < threshold:
            raise ProposalThresholdError(proposer, votes, threshold, current=self.get_votes(proposer))
        text = render_description(title.strip(), description, actions)
        targets, values, datas = [a.target for a in actions], [a.value for a in actions], [a.data for a in actions]
        pid = int(self._call(self.governor.functions.getProposalId(targets, values, datas, keccak(text.encode()))))
        try:
            existing = self._state(pid)
        except UnknownProposalError:
            existing = None
        if existing is not None:
            raise GovernanceValueError(
                f"proposal {pid} with the same title, text and actions already exists ({existing.label})",
                hint="change the description to propose the same actions again",
            )
        self._send(self.governor.functions.propose(targets, values, datas, text), sender, pid, "propose")
        proposal = self.get_proposal(pid)
        self.refresh_metrics()
        return proposal

    def cast_vote(
        self,
        proposal_id: int,
        support: VoteType | int | str,
        reason: str = "",
        *,
        sender: Signer | None = None,
    ) -> VoteReceipt:
        """Vote for, against or abstain, with an optional reason (seed: ``CastVote``).

        Only during the voting window, once per proposal, and only as a member: the vote weighs the integer square
        root of the voter's votes at the snapshot.
        """
        vote = VoteType.parse(support)
        voter = (sender or self.chain.signer).address
        state = self._state(proposal_id)
        g = self.governor.functions
        start, end = int(self._call(g.proposalSnapshot(proposal_id))), int(self._call(g.proposalDeadline(proposal_id)))
        if state is not ProposalState.ACTIVE:
            raise VotingClosedError(proposal_id, state.label, opens=start, closes=end, now=self.clock())
        status = ELIGIBILITY[int(self._call(g.eligibility(voter)))]
        if status != "Eligible":
            raise IneligibleVoterError(voter, status, proposal_id=proposal_id)
        if self._call(g.hasVoted(proposal_id, voter)):
            raise AlreadyVotedError(voter, proposal_id)
        receipt = self._send(g.castVoteWithReason(proposal_id, int(vote), reason), sender, proposal_id, "vote on")
        weight = 0
        for ev in self.governor.events.VoteCast().process_receipt(receipt.raw, errors=DISCARD):
            weight = int(ev["args"]["weight"])
        votes = self.get_votes(voter, start)
        self.refresh_metrics()
        return VoteReceipt(proposal_id, voter, vote, votes, weight, reason, receipt.tx_hash, receipt.gas_used)

    def delegate_vote(self, delegatee: str, *, sender: Signer | None = None) -> Receipt:
        """Delegate the sender's whole voting power to ``delegatee`` (itself to count its own NOVA; seed:
        ``DelegateVote``). Revocable: delegate again to move it."""
        to = checksum(delegatee, "delegatee")
        fn = self.token.functions.delegate(to)
        signer = sender or self.chain.signer
        self.chain.call(fn, sender=signer.address)  # a revert becomes a typed error here, before anything is sent
        # ERC20Votes writes a fresh checkpoint slot when the block's timestamp is new: the chain layer's gas
        # headroom for timestamp-keyed writes covers an estimate made in the same second as the last change
        return self.chain.transact(fn, sender=signer)

    def queue_proposal(self, proposal_id: int, *, sender: Signer | None = None) -> int:
        """Queue a succeeded proposal in the timelock; returns its eta (earliest execution time)."""
        state = self._state(proposal_id)
        if state is not ProposalState.SUCCEEDED:
            raise ProposalStateError(proposal_id, state.label, "queue", hint=self._state_hint(proposal_id, state))
        return self._queue(proposal_id, sender)[0]

    def _queue(self, proposal_id: int, sender: Signer | None) -> tuple[int, Receipt]:
        p = self.get_proposal(proposal_id)
        receipt = self._send(self.governor.functions.queue(*self._call_args(p)), sender, proposal_id, "queue")
        return int(self._call(self.governor.functions.proposalEta(proposal_id))), receipt

    def execute_proposal(self, proposal_id: int, *, sender: Signer | None = None) -> Receipt:
        """Execute a queued proposal once the timelock's delay has passed (seed: ``ExecuteProposal``).

        Anyone may execute; the actions' values (if any) are sent along by the executor.
        """
        state = self._state(proposal_id)
        if state is not ProposalState.QUEUED:
            raise ProposalStateError(proposal_id, state.label, "execute", hint=self._state_hint(proposal_id, state))
        p = self.get_proposal(proposal_id)
        now = self.clock()
        assert p.eta is not None  # queued proposals have one
        if now < p.eta:
            raise ExecutionTooEarlyError(proposal_id, eta=p.eta, now=now)
        value = sum(a.value for a in p.actions)
        fn = self.governor.functions.execute(*self._call_args(p))
        signer = sender or self.chain.signer
        try:
            return self.chain.transact(fn, value=value, sender=signer)
        except ContractCustomError as exc:
            raise self._mapped_revert(exc, proposal_id, "execute") from exc

    def run_keeper(self) -> list[KeeperAction]:
        """One pass of the seed's "Execution (automatic)": queue every succeeded proposal and execute every queued
        one whose eta has passed. A failing proposal is reported and the others go on."""
        done: list[KeeperAction] = []
        proposals = self.list_proposals()
        now = self.clock()
        for p in proposals:
            try:
                if p.state is ProposalState.SUCCEEDED:
                    eta, receipt = self._queue(p.id, None)
                    done.append(KeeperAction(p.id, "queued", tx_hash=receipt.tx_hash, eta=eta))
                elif p.state is ProposalState.QUEUED and p.eta is not None and now >= p.eta:
                    r = self.execute_proposal(p.id)
                    done.append(KeeperAction(p.id, "executed", tx_hash=r.tx_hash, eta=p.eta))
            except NovaChainError as exc:
                done.append(KeeperAction(p.id, "failed", error=exc.message))
        if done:
            self.refresh_metrics()
        return done

    def _state_hint(self, proposal_id: int, state: ProposalState) -> str:
        g = self.governor.functions
        if state is ProposalState.PENDING:
            return "voting has not opened yet; vote, wait for the voting period to end, then queue"
        if state is ProposalState.ACTIVE:
            end = int(self._call(g.proposalDeadline(proposal_id)))
            return f"voting is open until {end} (unix time); queue after it closes"
        if state is ProposalState.DEFEATED:
            return "it did not reach the quorum, or more square-root weight voted against: it cannot pass"
        if state is ProposalState.SUCCEEDED:
            return "queue it first (`novacron-chain gov queue <id>`)"
        if state is ProposalState.QUEUED:
            return f"it is queued; the timelock releases it at {int(self._call(g.proposalEta(proposal_id)))}"
        return "nothing more can happen to it"

    def _call_args(self, p: Proposal) -> tuple[list[str], list[int], list[bytes], bytes]:
        return (
            [a.target for a in p.actions],
            [a.value for a in p.actions],
            [a.data for a in p.actions],
            keccak(p.text.encode()),
        )

    # -- zero-ops automation policies ---------------------------------------------------------------------------

    def _policy(self) -> PolicyWorkflow:
        if self.policies is None:
            raise GovernanceValueError(
                "no PolicyRegistry is deployed on this chain",
                hint="`novacron-chain deploy` deploys it with the governance contracts",
            )
        return self.policies

    def propose_policy_change(self, name: str, value: str, *, sender: Signer | None = None) -> PolicyChange:
        """Propose that policy ``name`` take ``value`` (the sender must be a policy approver; the proposal is its
        first approval). It takes effect once ``threshold`` approvers approved it, within its lifetime, and only if
        the policy did not change meanwhile."""
        return self._policy().propose(name, value, sender=sender)

    def approve_policy_change(self, change_id: int | str, *, sender: Signer | None = None) -> PolicyChange:
        """Approve a pending policy change; the approval that reaches the threshold applies it (status applied)."""
        return self._policy().approve(change_id, sender=sender)

    def revoke_policy_approval(self, change_id: int | str, *, sender: Signer | None = None) -> PolicyChange:
        """Withdraw the sender's approval of a pending policy change."""
        return self._policy().revoke(change_id, sender=sender)

    def cancel_policy_change(self, change_id: int | str, *, sender: Signer | None = None) -> PolicyChange:
        """Cancel a pending policy change (its proposer, or governance)."""
        return self._policy().cancel(change_id, sender=sender)

    def get_policy(self, name: str) -> Policy:
        """Policy ``name`` now: value, version (0: never set), last update."""
        return self._policy().get_policy(name)

    def list_policies(self) -> list[Policy]:
        """Every policy ever set, by name (names from the PolicyApplied events, values read now)."""
        return self._policy().list_policies()

    def get_policy_change(self, change_id: int | str) -> PolicyChange:
        """One policy change, with its status now."""
        wf = self._policy()
        return wf.get_change(wf._id(change_id))

    def list_policy_changes(self, status: PolicyChangeStatus | str | None = None) -> list[PolicyChange]:
        """Every policy change, oldest first, or those with ``status`` (pending, applied, cancelled, expired,
        stale)."""
        return self._policy().list_changes(status)

    def pending_policy_changes(self) -> list[PolicyChange]:
        """The policy changes still waiting for approvals (not expired, not stale), oldest first."""
        return self._policy().list_changes(PolicyChangeStatus.PENDING)

    def propose_policy_by_vote(
        self, name: str, value: str, description: str = "", *, sender: Signer | None = None
    ) -> Proposal:
        """The DAO path: an ordinary proposal whose one action is ``PolicyRegistry.setPolicy(name, value)``; once
        voted, queued and executed by the timelock (the registry's admin), the policy takes ``value``."""
        from ._policy import check_policy

        check_policy(name, value)
        wf = self._policy()
        action = ProposalAction.call(
            wf.address, "setPolicy(string,string)", [name, value], description=f"set policy {name} to {value!r}"[:200]
        )
        text = description.strip() or f"Set the zero-ops automation policy {name} to {value!r} by DAO vote."
        return self.create_proposal(f"Policy {name}", text, [action], sender=sender)

    # -- memberships ------------------------------------------------------------------------------------------

    def issue_membership(
        self,
        holder: str,
        issuer_key: Signer,
        *,
        valid_until: int | None = None,
        issuer: str | None = None,
    ) -> Membership:
        """Issue ``holder`` a membership credential (``vc+jwt``, type NovaCronMembershipCredential) and record it.

        ``issuer`` (an address; default: ``issuer_key``'s own identity) must be trusted by the governor, and
        ``issuer_key`` its DID owner key or a veriKey delegate. The record is sent directly when the key is the
        chain's account, else relayed with the key's EIP-712 signature. Revoking the credential in the DIDRegistry
        ends the membership. Returns the record with the credential.
        """
        if self.did is None:
            raise GovernanceValueError("issuing memberships needs a DIDManager", hint="use NovaChain.governance")
        holder_addr = checksum(holder, "holder")
        issuer_addr = checksum(issuer or issuer_key.address, "issuer")
        g = self.governor.functions
        now = self.clock()
        expires = valid_until if valid_until is not None else now + DEFAULT_MEMBERSHIP_VALIDITY
        if expires <= now:
            raise GovernanceValueError(f"valid_until {expires} is not in the future (now {now})")
        if not self._call(g.isTrustedIssuer(issuer_addr)):
            raise GovernanceValueError(
                f"{issuer_addr} is not a trusted membership issuer of this governor",
                hint="governance trusts issuers by a proposal calling setIssuerTrust(issuer, true)",
            )
        cred_id = f"urn:uuid:{uuid.uuid4()}"
        jwt = self.did.issue_credential(
            self.did.did_of(issuer_addr),
            self.did.did_of(holder_addr),
            {"membership": "NovaCron DAO"},
            issuer_key,
            valid_until=expires,
            credential_id=cred_id,
            types=[MEMBERSHIP_TYPE],
        )
        from ..did import credential_hash

        cred = credential_hash(cred_id)
        if self.chain.has_signer and self.chain.signer.address == issuer_key.address:
            fn = g.recordMembership(issuer_addr, holder_addr, cred, expires)
        else:
            struct = keccak(
                abi_encode(
                    ["bytes32", "address", "address", "bytes32", "uint64"],
                    [_MEMBERSHIP_TYPEHASH, issuer_addr, holder_addr, cred, expires],
                )
            )
            v, r, s = issuer_key.sign_hash(keccak(b"\x19\x01" + self._domain() + struct))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
            fn = g.recordMembershipSigned(issuer_addr, holder_addr, cred, expires, sig)
        receipt = self._send(fn, None, None)
        m = self.membership(holder_addr)
        return Membership(m.holder, m.issuer, m.expires_at, m.credential_hash, m.eligibility, jwt, receipt.tx_hash)

    def _domain(self) -> bytes:
        name = str(self._call(self.governor.functions.name()))
        version = str(self._call(self.governor.functions.version()))
        return keccak(
            abi_encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [
                    _DOMAIN_TYPEHASH,
                    keccak(name.encode()),
                    keccak(version.encode()),
                    self.chain.chain_id,
                    self.governor.address,
                ],
            )
        )

    # -- sending ----------------------------------------------------------------------------------------------

    def _send(
        self, fn: ContractFunction, sender: Signer | None, proposal_id: int | None, action: str = "act on"
    ) -> Receipt:
        try:
            return self.chain.transact(fn, sender=sender)
        except ContractCustomError as exc:
            raise self._mapped_revert(exc, proposal_id, action) from exc

    def _mapped_revert(self, exc: ContractCustomError, proposal_id: int | None, action: str) -> NovaChainError:
        """A revert that slipped past the checks (a race with another transaction), as a governance error."""
        a = exc.error_args
        name = exc.error_name
        pid = proposal_id if proposal_id is not None else 0
        if name == "GovernorInsufficientProposerVotes":
            return ProposalThresholdError(str(a["proposer"]), int(a["votes"]), int(a["threshold"]))
        if name == "NovaGovernorIneligibleVoter":
            return IneligibleVoterError(str(a["voter"]), ELIGIBILITY[int(a["reason"])], proposal_id=proposal_id)
        if name == "GovernorAlreadyCastVote":
            return AlreadyVotedError(str(a["voter"]), pid)
        if name == "GovernorNonexistentProposal":
            return UnknownProposalError(int(a["proposalId"]))
        if name == "GovernorUnexpectedProposalState":
            state = ProposalState(int(a["current"])).label
            if action == "vote on" and proposal_id is not None:
                g = self.governor.functions
                start = int(self._call(g.proposalSnapshot(pid)))
                end = int(self._call(g.proposalDeadline(pid)))
                return VotingClosedError(pid, state, opens=start, closes=end, now=self.clock())
            return ProposalStateError(pid, state, action)
        if name == "TimelockUnexpectedOperationState" and proposal_id is not None:
            eta = int(self._call(self.governor.functions.proposalEta(pid)))
            if eta:
                return ExecutionTooEarlyError(pid, eta=eta, now=self.clock())
        return exc
