"""ContractSecurity.audit_contract / audit_deployment against the deployed contract set."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain
from novacron_chain.chain import ContractRecord, DeploymentsFile, deploy_behind_proxy, dev_signers
from novacron_chain.errors import NovaValueError
from novacron_chain.security import ContractSecurity, UnknownContractError, Verdict

ADMIN = bytes(32)
MINTER_ROLE = keccak(b"MINTER_ROLE")
PROPOSER_ROLE = keccak(b"PROPOSER_ROLE")


@contextmanager
def production(nc: NovaChain) -> Iterator[None]:
    """Make the chain look like a production node to the audit (as tests/chain/test_conformance.py does)."""
    backend = nc.chain.backend
    was = backend.is_dev
    backend.is_dev = False  # type: ignore[misc]
    try:
        yield
    finally:
        backend.is_dev = was  # type: ignore[misc]


def test_every_contract_of_the_deployment_is_audited(snova: NovaChain, sec: ContractSecurity) -> None:
    result = sec.audit_deployment()
    names = [r.name for r in result.reports]
    recorded = {r.name for r in snova.deployments.all(snova.chain.chain_id)}
    assert recorded <= set(names)
    assert sum(1 for n in names if n and n.startswith("LiquidityPool #")) == 10  # the factory's pools
    for r in result.reports:
        assert r.has_code, r.name
        assert r.code_matches, r.name
        assert r.static_analysis.startswith("slither "), (r.name, r.static_analysis)  # recorded for every one
        assert not [f for f in r.findings if f.blocking], r.name  # the bar CI holds
        assert r.verdict != Verdict.FAIL, (r.name, r.reasons)  # a dev chain tolerates the deployer as admin
    assert sum(result.counts.values()) == len(result.reports)
    assert result.seconds > 0
    snap = snova.metrics.get_snapshot()
    assert dict(snap.audit_verdicts) == result.counts


def test_roles_admin_and_guardians_are_labelled(snova: NovaChain, sec: ContractSecurity) -> None:
    deployer = snova.chain.signer.address
    timelock = snova.contract("NovaTimelock").address
    report = sec.audit_contract("ResourceMarket")
    assert report.artifact == "ResourceMarket"
    assert report.pausable
    assert report.paused is False
    assert {(h.address, h.label) for h in report.admins} == {(deployer, "deployer"), (timelock, "timelock")}
    assert [(h.address, h.label) for h in report.guardians] == [(deployer, "deployer")]
    assert report.verdict == Verdict.WARN
    assert "eoa-admin" in {r.code for r in report.reasons}
    # the timelock's own roles: its governor proposes, anyone executes
    tl = sec.audit_contract("NovaTimelock")
    governor = snova.contract("NovaGovernor").address
    assert [(h.address, h.label, h.name) for h in tl.holders("PROPOSER_ROLE")] == [
        (governor, "contract", "NovaGovernor")
    ]
    assert [h.label for h in tl.holders("EXECUTOR_ROLE")] == ["anyone"]
    # a contract without roles says so
    assert "no-roles" in {r.code for r in sec.audit_contract("NovaToken").reasons}


def test_role_holders_are_net_of_revocations(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    cpu = snova.contract("CPUToken")
    a, b = dev_signers()[4].address, dev_signers()[5].address
    for who in (a, b):
        chain.transact(cpu.functions.grantRole(MINTER_ROLE, who))
    chain.transact(cpu.functions.revokeRole(MINTER_ROLE, a))
    report = sec.audit_contract(cpu.address)
    minters = {h.address: h.label for h in report.holders("MINTER_ROLE")}
    assert a not in minters
    assert minters[b] == "eoa"
    assert snova.contract("ResourceMarket").address in minters  # the curve, a contract of the deployment
    assert any(r.code == "eoa-role" and b in r.message for r in report.reasons)


def test_production_fails_an_eoa_admin_and_passes_the_timelock(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    orders = snova.contract("ResourceOrderBook")
    with production(snova):
        report = sec.audit_contract("ResourceOrderBook")
    assert report.verdict == Verdict.FAIL
    assert not report.is_dev_chain
    assert [r.code for r in report.reasons if r.level == "fail"] == ["eoa-admin"]
    # the deployer leaves: the timelock alone administers it, as production requires
    chain.transact(orders.functions.renounceRole(ADMIN, chain.signer.address))
    with production(snova):
        report = sec.audit_contract(orders.address)
    assert [h.label for h in report.admins] == ["timelock"]
    assert report.verdict == Verdict.PASS, report.reasons


def test_queued_timelock_operations_are_listed_until_cancelled(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    timelock, cpu = snova.contract("NovaTimelock"), snova.contract("CPUToken")
    me = chain.signer.address
    chain.transact(timelock.functions.grantRole(PROPOSER_ROLE, me))  # dev chain: the deployer still administers it
    delay = chain.call(timelock.functions.getMinDelay())
    data = bytes.fromhex(cpu.functions.mint(me, 10**18)._encode_transaction_data()[2:])
    salt = b"\x07" * 32
    chain.transact(timelock.functions.schedule(cpu.address, 0, data, bytes(32), salt, delay))
    op_id = chain.call(timelock.functions.hashOperation(cpu.address, 0, data, bytes(32), salt))
    report = sec.audit_contract("CPUToken")
    (op,) = report.queued_operations
    assert op.id == "0x" + op_id.hex()
    assert op.function == "mint(address,uint256)"
    assert not op.ready
    assert op.ready_at == chain.timestamp() + delay
    assert any(r.code == "queued" for r in report.reasons)
    assert sec.audit_contract("MEMToken").queued_operations == ()  # only its target lists it
    chain.transact(timelock.functions.cancel(op_id))  # the guardian's brake
    assert sec.audit_contract("CPUToken").queued_operations == ()


def test_unknown_addresses_are_identified_by_code(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    me = chain.signer.address
    copy, impl, _ = deploy_behind_proxy(chain, "StateAnchor", me, me)
    report = sec.audit_contract(copy.address)
    assert report.name is None
    assert report.artifact == "StateAnchor"  # judged through the proxy: what it runs
    assert report.implementation == impl.contract_address
    assert report.code_matches
    assert {"identified", "proxy"} <= {r.code for r in report.reasons}
    no_code = sec.audit_contract(dev_signers()[7].address)
    assert no_code.verdict == Verdict.FAIL
    assert not no_code.has_code
    assert [r.code for r in no_code.reasons if r.level == "fail"] == ["no-code"]


def test_a_record_whose_code_is_another_artifact_fails(snova: NovaChain) -> None:
    real = snova.deployments.get(snova.chain.chain_id, "CPUToken")
    assert real is not None
    fake = DeploymentsFile(None)  # a registry of its own: the session's records stay untouched
    fake.put(
        snova.chain.chain_id, ContractRecord("Market?", "ResourceMarket", real.address, real.tx_hash, real.block, "", 0)
    )
    report = ContractSecurity(snova.chain, fake).audit_contract("Market?")
    assert report.verdict == Verdict.FAIL
    assert not report.code_matches
    assert report.artifact == "ResourceToken"  # what it really is
    assert any(r.code == "code-mismatch" and "ResourceToken" in r.message for r in report.reasons)


def test_bad_references(sec: ContractSecurity) -> None:
    with pytest.raises(UnknownContractError, match="not a contract of this deployment") as info:
        sec.audit_contract("NoSuchContract")
    assert isinstance(info.value, NovaValueError)
    assert info.value.exit_code == 2
    assert "CPUToken" in (info.value.hint or "")
    assert sec.audit_contract("cputoken").name == "CPUToken"  # names are case-insensitive
    assert sec.audit_contract("LiquidityPool #0").artifact == "LiquidityPool"
