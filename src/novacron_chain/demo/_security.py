"""Contract security's scene: the whole deployment audited, one contract paused by its guardian (a purchase refused,
a quote still answered) and resumed by its admin, and the seed's emergency rollback of the SLAContract carried by a
governance proposal."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["security"]

#: generous gas for the demo's direct admin calls (an upgrade through the proxy, an unpause): estimating is slower
_ADMIN_GAS = 500_000


def security(d: DemoContext) -> None:
    """Audit every contract (verdicts and time), pause the ResourceMarket with the guardian's key (a buy is refused,
    a quote still works), lift the pause with the admin's (the deployer on a dev chain, the timelock elsewhere), then
    roll the SLAContract back from a faulty upgrade through governance: proposed, voted, time-locked, executed."""
    from ..chain import implementation_of
    from ..errors import NovaChainError
    from ..governance import VoteType

    nova = d.nova
    chain = nova.chain
    sec = nova.security
    audit = sec.audit_deployment()
    counts = ", ".join(f"{n} {v}" for v, n in audit.counts.items())
    d.console.print(
        f"  audit of {len(audit.reports)} contracts in {audit.seconds:.2f} s: {counts} "
        f"(worst: {audit.verdict.value}; a dev chain's externally owned admin is a warning, a failure in production)"
    )

    market = nova.contract("ResourceMarket")
    paused = sec.emergency_pause("ResourceMarket")
    buy = market.functions.buy(0, 10**18, 2**255, chain.signer.address, 2**64)
    try:
        chain.transact(buy, value=10**18, gas=_ADMIN_GAS)
        refused = "bought while paused?!"
    except NovaChainError as exc:
        refused = f"{type(exc).__name__}: {getattr(exc, 'error_name', '') or exc.message}"
    quote = int(chain.call(market.functions.quoteBuy(0, 10**18)))
    d.console.print(
        f"  guardian paused the ResourceMarket ({paused.gas_used:,} gas): a buy is refused "
        f"([yellow]{refused}[/]); a quote still answers: 1 CPU costs {quote / 10**18:.6f} native"
    )
    chain.transact(market.functions.unpause(), gas=_ADMIN_GAS)
    resumed = not sec.is_contract_paused("ResourceMarket")
    d.console.print(
        f"  the admin lifted the pause (on this dev chain the deployer; in production only a timelock proposal): "
        f"{'[green]trading again[/]' if resumed else '[red]still paused[/]'}"
    )

    sla = nova.contract("SLAContract")
    original = implementation_of(chain, sla.address)
    v2, _ = chain.deploy("SLAContractV2")
    chain.transact(sla.functions.upgradeToAndCall(v2.address, b""), gas=_ADMIN_GAS)  # dev admin: the bad hot-fix
    gm = nova.governance
    t0 = time.perf_counter()
    rollback = sec.propose_rollback("SLAContract", description="the hot-fix broke SLA settlement")
    chain.advance(gm.voting_delay + 1)
    gm.cast_vote(rollback.proposal_id, VoteType.FOR, "roll it back")
    chain.advance(gm.voting_period)
    gm.queue_proposal(rollback.proposal_id)
    chain.advance(gm.timelock_delay)
    gm.execute_proposal(rollback.proposal_id)
    back = implementation_of(chain, sla.address)
    state = gm.get_proposal(rollback.proposal_id).state.label
    d.console.print(
        f"  SLAContract upgraded to SLAContractV2 ({v2.address}), then '{rollback.title}': proposed, voted, queued, "
        f"executed after the {gm.timelock_delay:,} s delay in {time.perf_counter() - t0:.1f} s: {state}; the proxy "
        f"runs {'[green]the original implementation again[/]' if back == original else f'[red]{back}[/]'}"
    )
    d.report["security"] = {
        "audited": len(audit.reports),
        "audit_seconds": round(audit.seconds, 3),
        "verdicts": audit.counts,
        "paused_buy_refused": refused,
        "unpaused": resumed,
        "rollback_proposal_id": str(rollback.proposal_id),
        "rollback_state": state,
        "rolled_back": back == original,
    }
