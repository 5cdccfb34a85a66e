"""``novacron-chain gov``: propose, vote, delegate, queue, execute, show, list, keeper, member, and ``gov policy``
(zero-ops automation policies: propose, approve, revoke, cancel, pending, show, list).

Every command acts as the configured account (``--account N`` on dev chains). Proposal ids are the governor's
(decimal, or 0x hex). Action targets and address arguments may be record names of the deployed contract set
(``CPUToken``, ``NovaTimelock``) instead of addresses.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._params import address_or_name
from ._state import CliState

if TYPE_CHECKING:
    from .. import NovaChain
    from ..governance import GovernanceManager, PolicyChange, Proposal

gov_app = typer.Typer(help="DAO governance: NOVA votes, proposals, the timelock, the keeper.", no_args_is_help=True)

ProposalId = Annotated[
    str, typer.Argument(help="Proposal id (decimal, 0x hex, a unique 6+ digit prefix, or #N from `gov list`).")
]


def _address(nova: NovaChain, text: str) -> str:
    """An address, or the address of a record name of the deployed contract set."""
    from ..chain import checksum

    if text.startswith(("0x", "0X")):
        return checksum(text)
    return str(nova.contract(text).address)


def _when(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _manager(state: CliState) -> GovernanceManager:
    return state.nova().governance


def _show_proposal(p: Proposal) -> Any:
    from rich.table import Table

    from ..governance import format_nova as _nova

    t = Table(title=f"{p.title or '(untitled)'}  [{p.state.label}]", show_header=False)
    t.add_column("field")
    t.add_column("value", overflow="fold")
    t.add_row("id", str(p.id))
    t.add_row("proposer", p.proposer)
    t.add_row("voting", f"{_when(p.vote_start)} -> {_when(p.vote_end)}")
    if p.eta:
        t.add_row("eta", _when(p.eta))
    t.add_row(
        "votes for / against / abstain", f"{_nova(p.votes.for_)} / {_nova(p.votes.against)} / {_nova(p.votes.abstain)}"
    )
    t.add_row(
        "sqrt weight for / against / abstain", f"{p.weights.for_:,} / {p.weights.against:,} / {p.weights.abstain:,}"
    )
    t.add_row(
        "quorum (participation)",
        f"{_nova(p.participation)} of {_nova(p.quorum)} ({p.quorum_progress:.1%})"
        + (" reached" if p.quorum_reached else ""),
    )
    for i, a in enumerate(p.actions, 1):
        t.add_row(
            f"action {i}",
            (f"{a.description}: " if a.description else "") + f"{a.signature or '0x' + a.data.hex()} on {a.target}",
        )
    if p.description:
        t.add_row("description", p.description)
    return t


@gov_app.command("propose")
def propose(
    ctx: typer.Context,
    title: Annotated[str, typer.Option("--title", help="One-line title.")],
    target: Annotated[
        str,
        typer.Option("--target", help="Contract to call: address or record name (CPUToken).", parser=address_or_name),
    ],
    signature: Annotated[str, typer.Option("--signature", help="Function, e.g. 'mint(address,uint256)'.")] = "",
    arg: Annotated[list[str] | None, typer.Option("--arg", help="Argument of the call, in order (repeat).")] = None,
    calldata: Annotated[
        str | None, typer.Option("--calldata", help="Raw call data (0x...), instead of --signature.")
    ] = None,
    value: Annotated[int, typer.Option("--value", help="Wei sent with the call.", min=0)] = 0,
    description: Annotated[str, typer.Option("--description", help="What and why.")] = "",
    action_description: Annotated[str, typer.Option("--action-description", help="One line describing the call.")] = "",
) -> None:
    """Create a proposal with one action (needs the proposal threshold in delegated votes)."""
    from ..governance import ProposalAction

    state: CliState = ctx.obj
    nova = state.nova()
    action = ProposalAction.from_strings(
        target,
        signature,
        arg or [],
        calldata=calldata,
        value=value,
        description=action_description,
        address_of=lambda name: _address(nova, name),
    )
    p = nova.governance.create_proposal(title, description, [action])
    state.emit(p.to_dict(), _show_proposal(p))


@gov_app.command("vote")
def vote(
    ctx: typer.Context,
    proposal_id: ProposalId,
    support: Annotated[str, typer.Argument(help="for | against | abstain")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on chain).")] = "",
) -> None:
    """Vote on an active proposal (members only; the weight is the square root of your votes)."""
    state: CliState = ctx.obj
    from ..governance import format_nova

    gm = _manager(state)
    r = gm.cast_vote(gm.resolve_proposal_id(proposal_id), support, reason)
    state.emit(
        r.to_dict(),
        f"voted {r.support.name.lower()}: weight {r.weight:,} (the integer square root of {format_nova(r.votes)} "
        f"in base units), tx {r.tx_hash}",
    )


@gov_app.command("delegate")
def delegate(
    ctx: typer.Context,
    delegatee: Annotated[str, typer.Argument(help="Address (yours to count your own NOVA).", parser=address_or_name)],
) -> None:
    """Delegate your whole voting power (revocable: delegate again to move it)."""
    state: CliState = ctx.obj
    nova = state.nova()
    to = _address(nova, delegatee)
    r = nova.governance.delegate_vote(to)
    me = nova.chain.signer.address
    state.emit(
        {"delegator": me, "delegatee": to, "tx_hash": r.tx_hash, "votes": str(nova.governance.get_votes(to))},
        f"{me} now delegates to {to} (tx {r.tx_hash})",
    )


@gov_app.command("queue")
def queue(ctx: typer.Context, proposal_id: ProposalId) -> None:
    """Queue a succeeded proposal in the timelock."""
    state: CliState = ctx.obj
    gm = _manager(state)
    eta = gm.queue_proposal(gm.resolve_proposal_id(proposal_id))
    state.emit({"proposal_id": proposal_id, "eta": eta}, f"queued; executable from {_when(eta)}")


@gov_app.command("execute")
def execute(ctx: typer.Context, proposal_id: ProposalId) -> None:
    """Execute a queued proposal once the timelock's delay has passed."""
    state: CliState = ctx.obj
    gm = _manager(state)
    r = gm.execute_proposal(gm.resolve_proposal_id(proposal_id))
    state.emit({"proposal_id": proposal_id, "tx_hash": r.tx_hash, "gas_used": r.gas_used}, f"executed (tx {r.tx_hash})")


@gov_app.command("show")
def show(ctx: typer.Context, proposal_id: ProposalId) -> None:
    """A proposal: state, timeline, tallies, quorum progress, eta, actions."""
    state: CliState = ctx.obj
    gm = _manager(state)
    p = gm.get_proposal(gm.resolve_proposal_id(proposal_id))
    state.emit(p.to_dict(), _show_proposal(p))


@gov_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every proposal, oldest first."""
    from rich.table import Table

    state: CliState = ctx.obj
    props = _manager(state).list_proposals()
    t = Table(title=f"{len(props)} proposals")
    for col in ("#", "id (prefix)", "title", "state", "quorum", "for / against weight"):
        t.add_column(col)
    for n, p in enumerate(props, 1):
        t.add_row(
            f"#{n}",
            str(p.id)[:12],
            p.title,
            p.state.label,
            f"{p.quorum_progress:.0%}",
            f"{p.weights.for_:,} / {p.weights.against:,}",
        )
    state.emit([p.to_dict() for p in props], t)


@gov_app.command("keeper")
def keeper(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between passes.", min=0.1)] = 12.0,
    rounds: Annotated[int | None, typer.Option("--rounds", help="Stop after N passes.", min=1)] = None,
) -> None:
    """Queue succeeded proposals and execute ready ones, by itself (the seed's automatic execution)."""
    state: CliState = ctx.obj
    gm = _manager(state)
    done: list[dict[str, Any]] = []
    n = 0
    while True:
        for a in gm.run_keeper():
            done.append(a.to_dict())
            if not state.json:
                state.console.print(f"{a.action} {a.proposal_id}" + (f": {a.error}" if a.error else ""))
        n += 1
        if once or (rounds is not None and n >= rounds):
            break
        time.sleep(interval)
    state.emit(done, f"{len(done)} actions in {n} passes")


@gov_app.command("member")
def member(
    ctx: typer.Context,
    holder: Annotated[str, typer.Argument(help="The account.", parser=address_or_name)],
    issue: Annotated[
        bool, typer.Option("--issue", help="Issue and record a membership, as the configured account.")
    ] = False,
    days: Annotated[int, typer.Option("--days", help="Validity of an issued membership.", min=1, max=36_500)] = 365,
) -> None:
    """Show an account's membership (may it vote?), or issue one as a trusted issuer."""
    state: CliState = ctx.obj
    nova = state.nova()
    gm = nova.governance
    addr = _address(nova, holder)
    if issue:
        m = gm.issue_membership(addr, nova.chain.signer, valid_until=gm.clock() + days * 86_400)
    else:
        m = gm.membership(addr)
    state.emit(
        m.to_dict(),
        f"{m.holder}: {m.eligibility}" + (f" (issuer {m.issuer}, until {m.expires_at})" if m.issuer else ""),
    )


# -- zero-ops automation policies: k-of-n approvals, or a DAO vote ------------------------------------------------

policy_app = typer.Typer(
    help="Zero-ops automation policies: changes take effect after k approvals of the approvers, or by DAO vote.",
    no_args_is_help=True,
)
gov_app.add_typer(policy_app, name="policy")

ChangeId = Annotated[str, typer.Argument(help="The policy change's id (1, 2, ...; `gov policy pending` lists them).")]


def _change_line(c: PolicyChange) -> str:
    from rich.markup import escape

    more = f", {c.approvals_needed} more needed" if c.status.label == "pending" else ""
    return escape(
        f"change {c.id}: {c.name} = {c.value!r} ({c.status.label}) {c.valid_approvals}/{c.threshold} approvals{more}"
        + (f" (tx {c.tx_hash}, gas {c.gas_used:,})" if c.tx_hash else "")
    )


def _changes_table(title: str, changes: list[PolicyChange]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=title)
    for col in ("id", "policy", "value", "status", "approvals", "proposer", "expires"):
        t.add_column(col, overflow="fold")
    for c in changes:
        approvals = f"{c.valid_approvals}/{c.threshold}"
        t.add_row(
            str(c.id), escape(c.name), escape(c.value), c.status.label, approvals, c.proposer, _when(c.expires_at)
        )
    return t


@policy_app.command("propose")
def policy_propose(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The policy's name, e.g. autoscale.limit.eu-west-1.")],
    value: Annotated[str, typer.Argument(help="Its new value (text, at most 1024 bytes).")],
    vote: Annotated[
        bool, typer.Option("--vote", help="Propose it as a DAO proposal (governor and timelock) instead.")
    ] = False,
    description: Annotated[str, typer.Option("--description", help="With --vote: what and why.")] = "",
) -> None:
    """Propose a policy change, as an approver (your proposal is your approval), or with --vote by DAO proposal."""
    state: CliState = ctx.obj
    gm = _manager(state)
    if vote:
        p = gm.propose_policy_by_vote(name, value, description)
        state.emit(p.to_dict(), _show_proposal(p))
        return
    if description:
        from ..governance import GovernanceValueError

        raise GovernanceValueError("--description goes with --vote", hint="an approval needs no text")
    c = gm.propose_policy_change(name, value)
    state.emit(c.to_dict(), _change_line(c))


@policy_app.command("approve")
def policy_approve(ctx: typer.Context, change_id: ChangeId) -> None:
    """Approve a pending change; the approval reaching the threshold applies it."""
    state: CliState = ctx.obj
    c = _manager(state).approve_policy_change(change_id)
    state.emit(c.to_dict(), _change_line(c))


@policy_app.command("revoke")
def policy_revoke(ctx: typer.Context, change_id: ChangeId) -> None:
    """Withdraw your approval of a pending change."""
    state: CliState = ctx.obj
    c = _manager(state).revoke_policy_approval(change_id)
    state.emit(c.to_dict(), _change_line(c))


@policy_app.command("cancel")
def policy_cancel(ctx: typer.Context, change_id: ChangeId) -> None:
    """Cancel a pending change (its proposer, or governance)."""
    state: CliState = ctx.obj
    c = _manager(state).cancel_policy_change(change_id)
    state.emit(c.to_dict(), _change_line(c))


@policy_app.command("pending")
def policy_pending(ctx: typer.Context) -> None:
    """The changes waiting for approvals, oldest first."""
    state: CliState = ctx.obj
    changes = _manager(state).pending_policy_changes()
    state.emit([c.to_dict() for c in changes], _changes_table(f"{len(changes)} pending policy changes", changes))


@policy_app.command("show")
def policy_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The policy's name.")],
) -> None:
    """A policy's value, version and last update (version 0: never set)."""
    from rich.markup import escape

    state: CliState = ctx.obj
    p = _manager(state).get_policy(name)
    human = (
        f"{p.name} = {p.value!r} (version {p.version}, set {_when(p.updated_at)})"
        if p.is_set
        else f"{p.name} was never set"
    )
    state.emit(p.to_dict(), escape(human))


@policy_app.command("list")
def policy_list(ctx: typer.Context) -> None:
    """Every policy ever set, by name."""
    from rich.markup import escape
    from rich.table import Table

    state: CliState = ctx.obj
    policies = _manager(state).list_policies()
    t = Table(title=f"{len(policies)} policies")
    for col in ("name", "value", "version", "updated"):
        t.add_column(col, overflow="fold")
    for p in policies:
        t.add_row(escape(p.name), escape(p.value), str(p.version), _when(p.updated_at))
    state.emit([p.to_dict() for p in policies], t)


def register(app: typer.Typer) -> None:
    """Attach the ``gov`` commands (``gov policy`` among them) to the main app."""
    app.add_typer(gov_app, name="gov")
