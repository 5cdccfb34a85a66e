"""``novacron-chain security``: audit any address, pause in an emergency, and the status of every contract.

``security audit NAME|ADDRESS`` audits one contract (no argument: the whole deployment); an audit that ran exits 0
whatever its verdict (scripts read ``verdict`` from ``--json``). ``security pause NAME`` or ``security pause --all``
is the circuit breaker (the configured account must be a guardian); ``security status`` lists every contract with its
pause state, admins and guardians. ``security upgrade NAME --artifact ARTIFACT|--implementation ADDRESS`` and
``security rollback NAME`` create the governance proposal that moves an upgradeable contract's proxy (storage layout
checked first); vote, queue and execute it with ``gov``. Each takes ``--json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._params import address, address_or_name
from ._state import CliState

if TYPE_CHECKING:
    from ..security import AuditReport, ContractSecurity, RoleHolder, UpgradeProposal

security_app = typer.Typer(
    help="Contract security: audit any address, emergency pause, status, upgrades through governance.",
    no_args_is_help=True,
)

_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "info": "dim"}


def _security(state: CliState) -> ContractSecurity:
    return state.nova().security


def _who(holders: tuple[RoleHolder, ...]) -> str:
    return "\n".join(f"{h.address[:10]}… {h.label}{' ' + h.name if h.name else ''}" for h in holders) or "-"


def _report_view(r: AuditReport) -> Any:
    from rich.console import Group
    from rich.table import Table

    title = f"{r.name or r.address}  [{_STYLE[r.verdict.value]}]{r.verdict.value.upper()}[/]"
    head = Table(title=title, show_header=False)
    head.add_column("field")
    head.add_column("value", overflow="fold")
    head.add_row("address", r.address)
    head.add_row("artifact", f"{r.artifact or '-'} ({'code matches' if r.code_matches else 'code does NOT match'})")
    if r.implementation:
        head.add_row("proxy", f"ERC-1967 (UUPS), implementation {r.implementation}; upgrades: the admins only")
    head.add_row("paused", "-" if r.paused is None else "yes" if r.paused else "no")
    head.add_row("static analysis", r.static_analysis)
    parts: list[Any] = [head]
    if r.roles:
        roles = Table(title="roles")
        roles.add_column("role")
        roles.add_column("holders", overflow="fold")
        for holding in r.roles:
            roles.add_row(holding.role, "\n".join(h.describe() for h in holding.holders) or "-")
        parts.append(roles)
    reasons = Table(title="reasons")
    reasons.add_column("level")
    reasons.add_column("finding", overflow="fold")
    for reason in r.reasons:
        reasons.add_row(f"[{_STYLE[reason.level]}]{reason.level}[/]", reason.message)
    parts.append(reasons)
    return Group(*parts)


@security_app.command("audit")
def audit(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="A recorded name (e.g. ResourceMarket, 'LiquidityPool #0') or a 0x address; none: all.",
            parser=address_or_name,
        ),
    ] = None,
) -> None:
    """Audit a contract (or the whole deployment): code vs artifact, roles, admin, guardians, pause, queue."""
    from rich.table import Table

    state: CliState = ctx.obj
    sec = _security(state)
    if ref is not None:
        report = sec.audit_contract(ref)
        state.emit(report.to_dict(), _report_view(report))
    else:
        result = sec.audit_deployment()
        t = Table(title=f"audit of {len(result.reports)} contracts in {result.seconds:.2f} s: {result.counts}")
        for col in ("contract", "verdict", "findings"):
            t.add_column(col, overflow="fold")
        for r in result.reports:
            findings = "; ".join(x.message for x in r.reasons if x.level != "info") or "-"
            t.add_row(r.name or r.address, f"[{_STYLE[r.verdict.value]}]{r.verdict.value}[/]", findings)
        state.emit(result.to_dict(), t)


@security_app.command("pause")
def pause(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="A recorded name or a 0x address.", parser=address_or_name)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every pausable contract of the deployment.")] = False,
) -> None:
    """Emergency pause, sent by a guardian: one contract, or every pausable one with --all."""
    from ..security import SecurityValueError

    if (ref is None) == (not all_):
        raise SecurityValueError("name one contract or pass --all (not both)", hint="security pause CPUToken")
    state: CliState = ctx.obj
    sec = _security(state)
    results = sec.emergency_pause_all() if all_ else [sec.emergency_pause(ref or "")]
    lines = [
        f"{r.name}: already paused" if r.already_paused else f"{r.name}: paused (tx {r.tx_hash}, {r.gas_used:,} gas)"
        for r in results
    ]
    state.emit([r.to_dict() for r in results], "\n".join(lines) or "nothing to pause")


@security_app.command("status")
def status(ctx: typer.Context) -> None:
    """Every contract of the deployment: paused or not, admins, guardians."""
    from rich.table import Table

    state: CliState = ctx.obj
    rows = _security(state).security_status()
    paused = sum(1 for s in rows if s.paused)
    t = Table(title=f"{len(rows)} contracts, {paused} paused")
    for col in ("contract", "address", "paused", "admins", "guardians", "proxy of"):
        t.add_column(col, overflow="fold")
    for s in rows:
        shown = "-" if s.paused is None else "[red]PAUSED[/]" if s.paused else "no"
        proxy = f"{s.implementation[:10]}… (upgradeable)" if s.implementation else "-"
        t.add_row(s.name, s.address, shown, _who(s.admins), _who(s.guardians), proxy)
    state.emit([s.to_dict() for s in rows], t)


def _proposal_view(p: UpgradeProposal) -> Any:
    from rich.table import Table

    t = Table(title=p.title, show_header=False)
    t.add_column("field")
    t.add_column("value", overflow="fold")
    t.add_row("proposal", str(p.proposal_id))
    t.add_row("proxy", p.proxy)
    t.add_row("from", f"{p.from_implementation} ({p.from_artifact})")
    t.add_row("to", f"{p.to_implementation} ({p.to_artifact})")
    if p.deploy_gas:
        t.add_row("implementation deployed", f"{p.deploy_gas:,} gas")
    t.add_row("storage layout", "compatible" + "".join(f"\n{n}" for n in p.layout.notes))
    t.add_row("next", "vote (`gov vote ID for`), then `gov queue ID` and, after the timelock delay, `gov execute ID`")
    return t


@security_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The upgradeable contract's record name (e.g. SLAContract).")],
    artifact: Annotated[
        str | None, typer.Option("--artifact", "--to", help="An artifact to deploy as the new implementation.")
    ] = None,
    implementation: Annotated[
        str | None,
        typer.Option("--implementation", help="The 0x address of an implementation already deployed.", parser=address),
    ] = None,
    description: Annotated[str, typer.Option(help="Why: the proposal's text.")] = "",
) -> None:
    """Propose an upgrade to governance (the timelock is the only admin): storage layout checked first."""
    from ..security import SecurityValueError

    if (artifact is None) == (implementation is None):
        raise SecurityValueError(
            "give the new implementation: --artifact NAME or --implementation 0xADDRESS (one of them)",
            hint="security upgrade SLAContract --artifact SLAContract",
        )
    state: CliState = ctx.obj
    target = artifact if artifact is not None else implementation or ""
    p = _security(state).propose_upgrade(name, target, description=description)
    state.emit(p.to_dict(), _proposal_view(p))


@security_app.command("rollback")
def rollback(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The upgradeable contract's record name (e.g. SLAContract).")],
    description: Annotated[str, typer.Option(help="Why: the proposal's text.")] = "",
) -> None:
    """Propose an "Emergency Rollback" to the implementation the proxy ran before the current one."""
    state: CliState = ctx.obj
    p = _security(state).propose_rollback(name, description=description)
    state.emit(p.to_dict(), _proposal_view(p))


def register(app: typer.Typer) -> None:
    """Attach the ``security`` group to the main app."""
    app.add_typer(security_app, name="security")
