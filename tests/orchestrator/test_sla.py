"""SLAContract through ContractOrchestrator: digests, claims with their dispute window, oracle decisions, the stake
cap, settlement, and the errors a caller sees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError
from novacron_chain.orchestrator import (
    ClaimOutcome,
    ContractOrchestrator,
    OrchestratorValueError,
    SLANotFoundError,
    SLAStatus,
    SLATerms,
    ViolationReport,
    recover_signer,
    to_milli,
)

from .conftest import cpu_balance, dev, oracles, seed_terms


def _active(co: ContractOrchestrator, nc: NovaChain, **overrides: object) -> int:
    sla = co.create_sla_contract(seed_terms(nc, **overrides), sender=dev(nc, 1), customer=dev(nc, 2), buy=True)
    nc.chain.advance(3600)
    return sla.sla_id


def test_report_digest_matches_the_contract_and_signatures_recover(
    co: ContractOrchestrator, orch_nova: NovaChain
) -> None:
    report = ViolationReport(7, "latency", Decimal("123.456"), 1_800_000_000)
    ours = co.report_digest(report)
    assert ours == bytes(co.chain.call(co.sla.functions.reportDigest(report.struct())))
    (oracle,) = oracles(orch_nova, 5)
    assert (
        recover_signer(ours, oracle.sign(report, contract=co.sla.address, chain_id=co.chain.chain_id)) == oracle.address
    )
    assert report.struct()[2] == 123_456


def test_terms_are_checked_before_sending(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    with pytest.raises(OrchestratorValueError, match=r"floor .* or a ceiling"):
        seed_terms(orch_nova, guarantees={"jitterness": 5}, penalties={"jitterness": 1})
    with pytest.raises(OrchestratorValueError, match="different metrics"):
        seed_terms(orch_nova, penalties={"uptime": 1000})
    with pytest.raises(OrchestratorValueError, match="three decimals"):
        to_milli("99.9999", "target")
    with pytest.raises(OrchestratorValueError, match="provider"):
        co.create_sla_contract(seed_terms(orch_nova))  # sent by the deployer, not the provider
    with pytest.raises(OrchestratorValueError, match="stake must be positive"):
        co.create_sla_contract(seed_terms(orch_nova, stake=0), sender=dev(orch_nova, 1))
    with pytest.raises(Exception, match="holds 0 base units"):
        co.create_sla_contract(seed_terms(orch_nova), sender=dev(orch_nova, 1))  # no tokens and no buy
    terms = SLATerms.from_seed(
        provider=dev(orch_nova, 1).address,
        customer=dev(orch_nova, 2).address,
        guarantees={"jitterness": 5},
        penalties={"jitterness": 7},
        stake=100,
        ceilings={"jitterness": True},
    )
    assert terms.guarantees[0].upper_bound


def test_unknown_sla(co: ContractOrchestrator) -> None:
    with pytest.raises(SLANotFoundError) as exc:
        co.get_sla(99)
    assert exc.value.exit_code == 2
    with pytest.raises(SLANotFoundError):
        co.settle_sla(99)


def test_proposal_then_acceptance_deposits_the_fee(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    sla = co.create_sla_contract(seed_terms(orch_nova, fee=300), sender=dev(orch_nova, 1), buy=True)
    assert sla.status is SLAStatus.PROPOSED
    assert sla.starts_at == 0
    held = cpu_balance(orch_nova, co.sla.address)
    co.accept_sla(sla.sla_id, sender=dev(orch_nova, 2), buy=True)
    assert cpu_balance(orch_nova, co.sla.address) - held == 300
    assert co.get_sla(sla.sla_id).status is SLAStatus.ACTIVE


def test_customer_claim_pays_after_an_undisputed_window(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    sla_id = _active(co, orch_nova)
    customer = dev(orch_nova, 2)
    period = co.get_sla(sla_id).starts_at + 3600
    with pytest.raises(ContractCustomError) as not_customer:
        co.report_violation(sla_id, "latency", 150, period=period, sender=dev(orch_nova, 3))
    assert not_customer.value.error_name == "SLAUnauthorized"
    with pytest.raises(ContractCustomError) as fine:
        co.report_violation(sla_id, "latency", 90, period=period, sender=customer)
    assert fine.value.error_name == "SLANoViolation"
    co.report_violation(sla_id, "latency", 150, period=period, sender=customer)
    outcome, actual, _deadline = co.get_outcome(sla_id, "latency", period)
    assert (outcome, actual) == (ClaimOutcome.CLAIMED, Decimal(150))
    with pytest.raises(ContractCustomError) as early:
        co.finalize_claim(sla_id, "latency", period)
    assert early.value.error_name == "SLADisputeWindow"
    orch_nova.chain.advance(co.get_sla(sla_id).dispute_window)
    before = cpu_balance(orch_nova, customer.address)
    co.finalize_claim(sla_id, "latency", period, sender=dev(orch_nova, 9))  # anyone
    assert cpu_balance(orch_nova, customer.address) - before == 500
    assert co.get_outcome(sla_id, "latency", period)[0] is ClaimOutcome.PENALIZED


def test_disputed_claim_is_rejected_by_a_compliant_oracle_report(
    co: ContractOrchestrator, orch_nova: NovaChain
) -> None:
    sla_id = _active(co, orch_nova)
    period = co.get_sla(sla_id).starts_at + 3600
    co.report_violation(sla_id, "uptime", "99.0", period=period, sender=dev(orch_nova, 2))
    co.dispute_claim(sla_id, "uptime", period, sender=dev(orch_nova, 1))
    assert co.get_outcome(sla_id, "uptime", period)[0] is ClaimOutcome.DISPUTED
    before = cpu_balance(orch_nova, dev(orch_nova, 2).address)
    co.report_violation(sla_id, "uptime", "99.95", period=period, oracles=oracles(orch_nova, 9, 8, 7))
    assert co.get_outcome(sla_id, "uptime", period)[0] is ClaimOutcome.NO_VIOLATION
    assert cpu_balance(orch_nova, dev(orch_nova, 2).address) == before
    assert co.get_sla(sla_id).open_claims == 0


def test_a_dispute_the_oracles_do_not_decide_pays_the_customer(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    """Finding of issue 15: disputing used to silence a claim (it lapsed at settlement); now it only buys the oracles
    one more dispute window, then anyone finalizes it for the customer, and settlement waits for it."""
    sla_id = _active(co, orch_nova)
    period = co.get_sla(sla_id).starts_at + 3600
    customer = dev(orch_nova, 2).address
    co.report_violation(sla_id, "uptime", "99.0", period=period, sender=dev(orch_nova, 2))
    co.dispute_claim(sla_id, "uptime", period, sender=dev(orch_nova, 1))
    outcome, _, decide_by = co.get_outcome(sla_id, "uptime", period)
    assert outcome is ClaimOutcome.DISPUTED
    assert decide_by == orch_nova.chain.timestamp() + co.get_sla(sla_id).dispute_window
    with pytest.raises(ContractCustomError) as pending:
        co.finalize_claim(sla_id, "uptime", period)
    assert pending.value.error_name == "SLADecisionPending"
    assert pending.value.error_args["decisionDeadline"] == decide_by
    assert "oracles" in str(pending.value)
    orch_nova.chain.advance(co.get_sla(sla_id).settle_at - orch_nova.chain.timestamp())
    with pytest.raises(ContractCustomError) as waits:
        co.settle_sla(sla_id)  # past the settlement time, but a claim is still open
    assert waits.value.error_name == "SLANotSettleable"
    assert waits.value.error_args["pendingClaims"] == 1
    before = cpu_balance(orch_nova, customer)
    co.finalize_claim(sla_id, "uptime", period, sender=dev(orch_nova, 9))  # anyone
    assert cpu_balance(orch_nova, customer) - before == 1000
    assert co.get_outcome(sla_id, "uptime", period)[0] is ClaimOutcome.PENALIZED
    co.settle_sla(sla_id)
    assert co.get_sla(sla_id).status is SLAStatus.SETTLED


def test_penalties_stop_at_the_stake(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    sla_id = _active(co, orch_nova, stake=1700)
    paid = []
    for _ in range(3):
        co.report_violation(sla_id, "uptime", 0, oracles=oracles(orch_nova, 5, 6, 7))  # the latest window
        paid.append(co.get_sla(sla_id).penalties_paid)
        orch_nova.chain.advance(3600)
    assert paid == [1000, 1700, 1700]


def test_settlement_waits_for_expiry_and_the_window(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    sla_id = _active(co, orch_nova, fee=250)
    with pytest.raises(ContractCustomError) as early:
        co.settle_sla(sla_id)
    assert early.value.error_name == "SLANotSettleable"
    assert "chain advance" in str(early.value)
    sla = co.get_sla(sla_id)
    orch_nova.chain.advance(sla.settle_at - orch_nova.chain.timestamp())
    provider = dev(orch_nova, 1).address
    before = cpu_balance(orch_nova, provider)
    co.settle_sla(sla_id)
    assert cpu_balance(orch_nova, provider) - before == 10000 + 250
    with pytest.raises(ContractCustomError) as again:
        co.settle_sla(sla_id)
    assert again.value.error_name == "SLAWrongStatus"


def test_periods_are_monitoring_window_ends(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    sla_id = _active(co, orch_nova)
    sla = co.get_sla(sla_id)
    assert sla.interval == 3600
    with pytest.raises(ContractCustomError) as exc:
        co.report_violation(sla_id, "uptime", "99", period=sla.starts_at + 1800, sender=dev(orch_nova, 2))
    assert exc.value.error_name == "SLAPeriodNotAligned"
    orch_nova.chain.advance(2 * 3600 + 5)
    co.report_violation(sla_id, "uptime", "99", sender=dev(orch_nova, 2))  # default: the latest ended window
    assert co.get_outcome(sla_id, "uptime", sla.starts_at + 3 * 3600)[0] is ClaimOutcome.CLAIMED
    with pytest.raises(OrchestratorValueError, match="interval"):
        co.create_sla_contract(seed_terms(orch_nova, interval=30), sender=dev(orch_nova, 1))
