"""DAO governance's scene: the seed's proposal "mint 1M CPU tokens", proposed, voted, time-locked and executed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["governance"]


def _span(seconds: int) -> str:
    d, rest = divmod(max(seconds, 0), 86_400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return " ".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v) or "0s"


def governance(d: DemoContext) -> None:
    """The seed's proposal "mint 1M CPU tokens", end to end with time travel: proposed, voted with square-root
    weights, queued by the keeper, refused before the timelock's delay, executed after it."""
    from ..errors import NovaChainError
    from ..governance import ProposalAction, VoteType

    nova = d.nova
    gm = nova.governance
    chain = nova.chain
    cpu = nova.contract("CPUToken")
    supply = int(chain.call(cpu.functions.totalSupply()))
    cap = int(chain.call(cpu.functions.cap()))
    amount = min(10**24, cap - supply)  # 1M CPU, or what the cap still allows
    treasury = gm.timelock.address
    action = ProposalAction.call(
        cpu.address, "mint(address,uint256)", [treasury, amount], description=f"Mint {amount // 10**18:,} CPU tokens"
    )
    p = gm.create_proposal("Increase CPU Token Supply", "Proposal to mint 1M CPU tokens for expansion", [action])
    d.console.print(
        f"  proposed by {p.proposer} ({gm.get_votes(p.proposer) // 10**18:,} NOVA of votes): {p.state.label}"
    )
    chain.advance(gm.voting_delay + 1)
    d.console.print(f"  +{_span(gm.voting_delay + 1)}: {gm.get_proposal(p.id).state.label}")
    v = gm.cast_vote(p.id, VoteType.FOR, "This will help with scaling")
    other = chain.dev_signer(1)
    v2 = gm.cast_vote(p.id, VoteType.AGAINST, "Not yet", sender=other)
    d.console.print(
        f"  votes: for {v.votes // 10**18:,} NOVA -> weight {v.weight / 10**9:,.1f}; against {v2.votes // 10**18:,} "
        f"NOVA -> weight {v2.weight / 10**9:,.1f} (square roots of the votes, in sqrt(NOVA))"
    )
    chain.advance(gm.voting_period)
    q = gm.get_proposal(p.id)
    d.console.print(
        f"  +{_span(gm.voting_period)}: {q.state.label}, participation {q.quorum_progress:.0%} of the quorum"
    )
    queued = gm.run_keeper()
    try:
        gm.execute_proposal(p.id)
        early = "executed early?!"
    except NovaChainError as exc:
        early = f"{type(exc).__name__}: {exc.hint or exc.message}"
    d.console.print(f"  keeper: {queued[0].action}; executing now is refused: [yellow]{early}[/]")
    chain.advance(gm.timelock_delay)
    executed = gm.run_keeper()
    after = int(chain.call(cpu.functions.totalSupply()))
    d.console.print(
        f"  +{_span(gm.timelock_delay)}: keeper {executed[0].action}; CPU supply {supply // 10**18:,} -> "
        f"[green]{after // 10**18:,}[/] (minted to the timelock)"
    )
    d.report["governance"] = {
        "proposal_id": str(p.id),
        "state": gm.get_proposal(p.id).state.label,
        "cpu_supply_before": str(supply),
        "cpu_supply_after": str(after),
        "dao_participation": nova.metrics.get_snapshot().dao_participation,
    }
