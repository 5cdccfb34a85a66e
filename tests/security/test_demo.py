"""The security scene of the demo on the shared embedded deployment: the audit covers every contract, a pause refuses
a purchase and lets a quote through, the admin lifts it, and the SLAContract's rollback passes through governance."""

from __future__ import annotations

import io

from rich.console import Console

from novacron_chain import NovaChain
from novacron_chain.chain import implementation_of
from novacron_chain.demo import DemoContext
from novacron_chain.demo._security import security


def test_security_scene(sembedded: NovaChain) -> None:
    sla = sembedded.contract("SLAContract")
    before = implementation_of(sembedded.chain, sla.address)
    out = io.StringIO()
    d = DemoContext(nova=sembedded, console=Console(file=out, width=200))
    security(d)
    report = d.report["security"]
    assert report["audited"] == sum(report["verdicts"].values()) >= 17
    assert report["verdicts"]["fail"] == 0
    assert report["paused_buy_refused"] == "ContractCustomError: EnforcedPause"
    assert report["unpaused"] is True
    assert not sembedded.security.is_contract_paused("ResourceMarket")
    assert report["rollback_state"] == "Executed"
    assert report["rolled_back"] is True
    assert implementation_of(sembedded.chain, sla.address) == before
    text = out.getvalue()
    assert "a quote still answers" in text
    assert "Emergency Rollback: SLAContract to SLAContract" in text
