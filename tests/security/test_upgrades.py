"""Upgrades only through the timelock: the SLAContract behind a UUPS proxy, upgraded and rolled back by governance
proposals, with the storage layout checked before anything is proposed.

* on a production (non-dev) deploy, the deployer's key cannot upgrade (nor the guardian's): only the timelock is
  admin; an upgrade proposed, voted by NOVA holders, queued and executed after the delay moves the proxy, keeps its
  state and is recorded; a rollback proposal ("Emergency Rollback") moves it back;
* on the dev chain, a live SLA (stake escrowed, guarantees, status) survives an upgrade and a rollback;
* an incompatible storage layout, an implementation that is no UUPS contract and a contract deployed without a
  proxy are refused before anything is sent.

The production chain is the embedded chain with ``is_dev`` off, as in ``tests/test_production_roles.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak

from novacron_chain import NovaChain, did, governance, orchestrator
from novacron_chain.chain import Signer, dev_signers, implementation_of
from novacron_chain.errors import ContractCustomError, NovaChainError
from novacron_chain.governance import GovernanceManager, VoteType
from novacron_chain.security import (
    NotUpgradeableError,
    StorageLayoutError,
    UpgradeError,
    UpgradeProposal,
    check_layout,
    storage_layout,
)

NOVA = 10**18
DEPLOYER, GUARDIAN = dev_signers()[0], dev_signers()[1]
VOTERS = [Signer(keccak(f"upgrade holder {i}".encode())) for i in range(2)]
ISSUER = Signer(keccak(b"upgrade issuer"))
ORACLES = [str(Account.from_key(keccak(f"upgrade oracle {i}".encode())).address) for i in range(3)]
PRODUCTION = {
    "guardian": GUARDIAN.address,
    "sla_oracles": ORACLES,
    "sla_oracle_quorum": 2,
    "sla_dispute_window": 7200,
    "membership_issuers": [ISSUER.address],
    "nova_allocation": {VOTERS[0].address: 4_000_000, VOTERS[1].address: 1_500_000},
}


def _elapse(nc: NovaChain, seconds: int) -> None:
    """Time passes, as it does by itself on a production chain: the dev power is borrowed for this alone."""
    was = nc.chain.backend.is_dev
    nc.chain.backend.is_dev = True
    try:
        nc.chain.advance(seconds)
    finally:
        nc.chain.backend.is_dev = was


def _pass(nc: NovaChain, gm: GovernanceManager, proposal_id: int, voters: list[Signer | None]) -> Any:
    """Vote ``proposal_id`` through with ``voters``, queue it, wait out the timelock, execute; the receipt."""
    _elapse(nc, gm.voting_delay + 1)
    for voter in voters:
        gm.cast_vote(proposal_id, VoteType.FOR, sender=voter)
    _elapse(nc, gm.voting_period)
    gm.queue_proposal(proposal_id)
    _elapse(nc, gm.timelock_delay)
    return gm.execute_proposal(proposal_id)


@pytest.fixture(scope="module")
def prod() -> Iterator[NovaChain]:
    """A production deploy of what an SLA upgrade needs: the DIDRegistry, the SLAContract behind its proxy and
    governance (which hands the proxy's admin to the timelock and makes the deployer renounce it)."""
    nc = NovaChain.embedded(**PRODUCTION)
    nc.chain.backend.is_dev = False
    nc.chain.use_signer(DEPLOYER)
    cfg = nc.config.blockchain
    sla_step = next(s for s in orchestrator.deploy_steps(cfg) if s.name == "SLAContract")
    nc.deploy(steps=[*did.deploy_steps(cfg), sla_step, *governance.deploy_steps(cfg)])
    for voter in VOTERS:
        nc.chain.transfer(voter.address, NOVA)  # gas money
        nc.governance.issue_membership(voter.address, ISSUER)
    yield nc
    nc.close()


def test_the_deployer_cannot_upgrade_after_a_production_deploy(prod: NovaChain) -> None:
    sla = prod.contract("SLAContract")
    record = prod.deployments.get(prod.chain.chain_id, "SLAContract")
    assert record is not None
    assert record.proxy == "UUPSProxy"
    assert implementation_of(prod.chain, sla.address) == record.implementation
    v2, _ = prod.chain.deploy("SLAContractV2")  # a perfectly good implementation: still refused
    for who in (DEPLOYER, GUARDIAN):
        with pytest.raises(ContractCustomError) as caught:
            prod.chain.transact(sla.functions.upgradeToAndCall(v2.address, b""), gas=500_000, sender=who)
        assert caught.value.error_name == "AccessControlUnauthorizedAccount"
        assert caught.value.error_args["account"].lower() == who.address.lower()
    admins = prod.security.audit_contract("SLAContract")
    assert [h.label for h in admins.admins] == ["timelock"]
    assert admins.implementation == record.implementation
    assert admins.code_matches
    assert admins.artifact == "SLAContract"
    assert "proxy" in {r.code for r in admins.reasons}
    assert not {"eoa-admin", "admin-not-timelock", "code-mismatch"} & {r.code for r in admins.reasons}
    assert all(c.code_matches for c in prod.status().contracts)


def test_refusals_come_before_anything_is_sent(prod: NovaChain) -> None:
    sec, block = prod.security, prod.chain.block_number()
    with pytest.raises(StorageLayoutError) as bad:
        sec.propose_upgrade("SLAContract", "SLAContractBadLayout", sender=VOTERS[0])
    assert "_quorum (slot 0, offset 0)" in bad.value.message
    assert "would corrupt its storage" in bad.value.message
    with pytest.raises(NotUpgradeableError, match="not a UUPS implementation"):
        sec.propose_upgrade("SLAContract", "ResourceToken", sender=VOTERS[0])
    with pytest.raises(NotUpgradeableError, match="not behind a proxy") as direct:
        sec.propose_upgrade("NovaToken", "SLAContractV2", sender=VOTERS[0])
    assert "SLAContract" in (direct.value.hint or "")
    with pytest.raises(NotUpgradeableError, match="no compiled artifact"):
        sec.propose_upgrade("SLAContract", "NoSuchContract", sender=VOTERS[0])
    with pytest.raises(UpgradeError, match="already runs SLAContract"):
        sec.propose_upgrade("SLAContract", "SLAContract", sender=VOTERS[0])
    with pytest.raises(UpgradeError, match="no earlier implementation"):
        sec.propose_rollback("SLAContract", sender=VOTERS[0])
    assert prod.chain.block_number() == block  # nothing deployed, nothing proposed


def test_an_upgrade_and_a_rollback_go_through_governance(prod: NovaChain) -> None:
    sec, gm, chain = prod.security, prod.governance, prod.chain
    sla = prod.contract("SLAContract")
    before = (chain.call(sla.functions.oracleSet()), chain.call(sla.functions.disputeWindow()))
    v1 = implementation_of(chain, sla.address)

    up = sec.propose_upgrade("SLAContract", "SLAContractV2", description="adds a note", sender=VOTERS[0])
    assert isinstance(up, UpgradeProposal)
    assert (up.from_implementation, up.from_artifact, up.to_artifact) == (v1, "SLAContract", "SLAContractV2")
    assert up.layout.compatible
    assert any("_note" in n for n in up.layout.notes)
    assert up.deploy_gas > 0
    queued = _pass(prod, gm, up.proposal_id, [*VOTERS])
    assert implementation_of(chain, sla.address) == up.to_implementation
    v2 = chain.contract("SLAContractV2", sla.address)
    assert chain.call(v2.functions.version()) == 2
    assert (chain.call(sla.functions.oracleSet()), chain.call(sla.functions.disputeWindow())) == before
    assert chain.call(sla.functions.hasRole(bytes(32), gm.timelock.address))
    sec.audit_contract("SLAContract")  # syncs the record with the executed upgrade
    record = prod.deployments.get(chain.chain_id, "SLAContract")
    assert record is not None
    assert (record.artifact, record.implementation, record.implementations) == (
        "SLAContractV2",
        up.to_implementation,
        (v1, up.to_implementation),
    )
    assert queued.gas_used > 0

    back = sec.propose_rollback("SLAContract", sender=VOTERS[1])
    assert back.title == "Emergency Rollback: SLAContract to SLAContract"
    assert (back.from_implementation, back.to_implementation, back.rollback) == (up.to_implementation, v1, True)
    assert any("left in storage unread" in n for n in back.layout.notes)
    proposal = gm.get_proposal(back.proposal_id)
    assert proposal.title.startswith("Emergency Rollback")
    assert proposal.actions[0].signature == "upgradeToAndCall(address,bytes)"
    _pass(prod, gm, back.proposal_id, [*VOTERS])
    assert implementation_of(chain, sla.address) == v1
    with pytest.raises(NovaChainError):
        chain.call(v2.functions.version())  # V2's function is gone
    assert (chain.call(sla.functions.oracleSet()), chain.call(sla.functions.disputeWindow())) == before
    # the deploy step syncs the record with the chain and finds the proxy as deployed: nothing to do
    assert [o.action for o in prod.deploy(steps=[*orchestrator.deploy_steps(prod.config.blockchain)][1:])] == [
        "unchanged"
    ]
    record = prod.deployments.get(chain.chain_id, "SLAContract")
    assert record is not None
    assert (record.artifact, record.implementations) == ("SLAContract", (v1, up.to_implementation, v1))


def test_a_live_sla_survives_an_upgrade_and_a_rollback(sembedded: NovaChain) -> None:
    """On the dev chain (the deployer holds 55% of NOVA and a membership): an active SLA with its stake escrowed
    is the same SLA, with the same tokens behind it, after each move."""
    from tests.orchestrator.conftest import dev, seed_terms

    nc, chain = sembedded, sembedded.chain
    co, gm, sec = nc.orchestrator, nc.governance, nc.security
    sla = co.create_sla_contract(seed_terms(nc, fee=300), sender=dev(nc, 1), customer=dev(nc, 2), buy=True)
    before = co.get_sla(sla.sla_id)
    cpu = nc.contract("CPUToken")
    escrow = chain.call(cpu.functions.balanceOf(co.sla.address))
    up = sec.propose_upgrade("SLAContract", "SLAContractV2")
    _pass(nc, gm, up.proposal_id, [None])
    assert chain.call(chain.contract("SLAContractV2", co.sla.address).functions.version()) == 2
    assert co.get_sla(sla.sla_id) == before
    assert chain.call(cpu.functions.balanceOf(co.sla.address)) == escrow
    back = sec.propose_rollback("SLAContract")
    _pass(nc, gm, back.proposal_id, [None])
    assert implementation_of(chain, co.sla.address) == up.from_implementation
    assert co.get_sla(sla.sla_id) == before
    assert chain.call(cpu.functions.balanceOf(co.sla.address)) == escrow


def test_layout_rules() -> None:
    v1, v2, bad = (storage_layout(n) for n in ("SLAContract", "SLAContractV2", "SLAContractBadLayout"))
    assert v1 is not None
    assert v2 is not None
    assert bad is not None
    assert storage_layout("ResourceToken") is None  # immutable contracts ship no layout
    assert check_layout("SLAContract", "SLAContractV2", v1, v2).compatible
    assert not check_layout("SLAContractV2", "SLAContract", v2, v1).compatible  # an upgrade may not drop a variable
    assert check_layout("SLAContractV2", "SLAContract", v2, v1, allow_removed_tail=True).compatible
    assert not check_layout("SLAContract", "SLAContractBadLayout", v1, bad).compatible
    # a struct member retyped, one inserted, a mapping's struct grown (allowed: nothing follows it in storage)
    slas = next(v for v in v1 if v["label"] == "_slas")
    members = slas["type"]["value"]["members"]
    retyped = [{**members[0], "type": {**members[0]["type"], "label": "uint160"}}, *members[1:]]
    grown = [
        *members,
        {"label": "extra", "offset": 0, "slot": "5", "type": {"bytes": 32, "encoding": "inplace", "label": "uint256"}},
    ]

    def with_members(m: list[dict[str, Any]]) -> list[dict[str, Any]]:
        value = {**slas["type"]["value"], "members": m}
        return [{**v, "type": {**v["type"], "value": value}} if v is slas else v for v in v1]

    problems = check_layout("a", "b", v1, with_members(retyped)).problems
    assert len(problems) == 1
    assert "provider" in problems[0]
    assert "address became uint160" in problems[0]
    assert check_layout("a", "b", v1, with_members(grown)).compatible
    inserted = [{**members[0], "label": "inserted"}, *members]
    assert not check_layout("a", "b", v1, with_members(inserted)).compatible
