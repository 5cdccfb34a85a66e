"""Emergency pause: by a guardian only, one contract or every pausable one (found from the ABIs), idempotent;
lifting a pause is the admin's."""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain
from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.errors import ContractCustomError
from novacron_chain.security import ContractSecurity, NotGuardianError, NotPausableError, UnknownContractError

GUARDIAN_ROLE = keccak(b"GUARDIAN_ROLE")


def _pausable_artifacts() -> set[str]:
    out = set()
    for name in artifact_names():
        fns = {i["name"] for i in load_artifact(name).abi if i["type"] == "function"}
        if {"pause", "paused"} <= fns and not load_artifact(name).test_only:
            out.add(name)
    return out


def test_a_guardian_pauses_one_contract(snova: NovaChain, sec: ContractSecurity) -> None:
    assert not sec.is_contract_paused("StateAnchor")
    result = sec.emergency_pause("StateAnchor")
    assert not result.already_paused
    assert result.tx_hash
    assert 0 < result.gas_used < 100_000
    assert sec.is_contract_paused("StateAnchor")
    assert sec.is_contract_paused(snova.contract("StateAnchor").address)
    assert not sec.is_contract_paused("DIDRegistry")  # only that one
    again = sec.emergency_pause("stateanchor")
    assert again.already_paused
    assert again.tx_hash is None
    assert snova.metrics.get_snapshot().paused_contracts == 1


def test_pause_all_reaches_every_pausable_contract_pools_included(snova: NovaChain, sec: ContractSecurity) -> None:
    pausable = sec.pausable_contracts()
    recorded = {r.name for r in snova.deployments.all(snova.chain.chain_id) if r.artifact in _pausable_artifacts()}
    assert recorded == {k.name for k in pausable if k.created_by is None}
    assert sum(1 for k in pausable if k.created_by == "LiquidityPoolFactory") == 10
    sec.emergency_pause("CPUToken")
    results = sec.emergency_pause_all()
    assert [r.address for r in results] == [k.address for k in pausable]
    assert [r.name for r in results if r.already_paused] == ["CPUToken"]
    for k in pausable:
        contract = snova.chain.contract(k.artifact, k.address)
        assert snova.chain.call(contract.functions.paused()), k.name
    assert snova.metrics.get_snapshot().paused_contracts == len(pausable)
    status = sec.security_status()
    assert {s.name for s in status if s.paused} == {k.name for k in pausable}
    assert all(s.paused is None for s in status if not s.pausable)


def test_a_non_guardian_is_refused_before_anything_is_sent(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    block = chain.block_number()
    chain.use_signer(chain.dev_signer(3))
    with pytest.raises(NotGuardianError, match="not a guardian of DIDRegistry") as info:
        sec.emergency_pause("DIDRegistry")
    assert info.value.exit_code == 1
    assert info.value.refused == ["DIDRegistry"]
    assert info.value.paused == []
    with pytest.raises(NotGuardianError):
        sec.emergency_pause_all()
    assert chain.block_number() == block  # no transaction was sent
    assert not sec.is_contract_paused("DIDRegistry")


def test_pause_all_pauses_what_the_sender_guards_and_names_the_rest(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    registry = snova.contract("DIDRegistry")
    chain.transact(registry.functions.renounceRole(GUARDIAN_ROLE, chain.signer.address))
    with pytest.raises(NotGuardianError) as info:
        sec.emergency_pause_all()
    assert info.value.refused == ["DIDRegistry"]
    assert "CPUToken" in info.value.paused
    assert "LiquidityPool #0" in info.value.paused
    assert sec.is_contract_paused("CPUToken")
    assert not sec.is_contract_paused("DIDRegistry")


def test_only_the_admin_lifts_a_pause(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    anchor = snova.contract("StateAnchor")
    guardian = chain.dev_signer(6)
    chain.transact(anchor.functions.grantRole(GUARDIAN_ROLE, guardian.address))
    admin = chain.signer
    chain.use_signer(guardian)
    sec.emergency_pause("StateAnchor")  # a guardian that is not the admin
    with pytest.raises(ContractCustomError) as info:
        chain.transact(anchor.functions.unpause())
    assert info.value.error_name == "AccessControlUnauthorizedAccount"
    chain.use_signer(admin)
    chain.transact(anchor.functions.unpause())
    assert not sec.is_contract_paused("StateAnchor")


def test_what_cannot_be_paused(sec: ContractSecurity) -> None:
    with pytest.raises(NotPausableError, match="cannot be paused") as info:
        sec.emergency_pause("NovaGovernor")
    assert info.value.exit_code == 2
    with pytest.raises(NotPausableError):
        sec.is_contract_paused("NovaTimelock")
    with pytest.raises(UnknownContractError):
        sec.emergency_pause("NoSuchContract")
    with pytest.raises(UnknownContractError, match="no code"):
        sec.emergency_pause("0x" + "12" * 20)
