"""The seed's Contract Orchestrator example (dwcp-phase5-blockchain.md §2) end to end, on the embedded chain and on
anvil: vm-12345 in us-east-1 with 4 CPU and 8192 MB, a cross-region migration that needs 3 of 5 approvals and waits
out its lock, and an SLA (uptime 99.9, latency 100; penalties 1000 and 500; stake 10000) whose penalty an
oracle-quorum report moves."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError
from novacron_chain.orchestrator import SLAStatus, VMLifecycleOperation, VMState

from .conftest import CID, OTHER_CID, cpu_balance, dev, oracles, seed_terms


def test_seed_vm_and_migration(any_nova: NovaChain) -> None:
    co = any_nova.orchestrator
    me = any_nova.chain.signer.address
    # vmOp := &contracts.VMLifecycleOperation{VMID: "vm-12345", Operation: "create", Owner: userAddress, ...}
    op = VMLifecycleOperation(
        vm_id="vm-12345", operation="create", owner=me, region="us-east-1", cpu_allocation=4, memory_allocation=8192
    )
    # txHash, err := co.CreateVM(ctx, vmOp)
    receipt = co.create_vm(op, reserve=True)
    assert receipt.succeeded
    assert receipt.gas_used <= 150_000
    vm = co.get_vm("vm-12345")
    assert (vm.owner, vm.state, vm.region, vm.cpu, vm.memory_mb) == (me, VMState.STOPPED, "us-east-1", 4, 8192)
    assert co.allocation() == (4, 8192)
    co.start_vm("vm-12345")
    co.confirm_running("vm-12345")
    assert co.get_vm("vm-12345").state is VMState.RUNNING

    approvers, threshold, _ = co.approver_set()
    assert (len(approvers), threshold) == (5, 3)
    co.migrate_vm("vm-12345", "eu-west-1", CID)
    m = co.get_vm("vm-12345").migration
    assert m is not None
    assert m.open
    assert m.snapshot_cid == CID
    assert m.resume_state is VMState.RUNNING
    for i in (1, 2):
        co.approve_migration("vm-12345", sender=dev(any_nova, i))
    with pytest.raises(ContractCustomError) as under:
        co.execute_migration("vm-12345", CID)
    assert under.value.error_name == "VMMigrationNotEnoughApprovals"
    assert (under.value.error_args["approvals"], under.value.error_args["threshold"]) == (2, 3)
    co.approve_migration("vm-12345", sender=dev(any_nova, 3))
    m = co.get_vm("vm-12345").migration
    assert m is not None
    assert m.approvals == 3
    assert m.unlock_at == any_nova.chain.timestamp() + co.migration_delay()
    with pytest.raises(ContractCustomError) as locked:
        co.execute_migration("vm-12345", CID)
    assert locked.value.error_name == "VMMigrationLocked"
    assert "chain advance" in str(locked.value)
    any_nova.chain.advance(co.migration_delay())
    with pytest.raises(ContractCustomError) as wrong:
        co.execute_migration("vm-12345", OTHER_CID)
    assert wrong.value.error_name == "VMMigrationSnapshotMismatch"
    co.execute_migration("vm-12345", CID)
    vm = co.get_vm("vm-12345")
    assert (vm.state, vm.region) == (VMState.RUNNING, "eu-west-1")
    assert vm.migration is not None
    assert not vm.migration.open


def test_seed_sla_penalty_by_oracle_quorum(any_nova: NovaChain) -> None:
    co = any_nova.orchestrator
    provider, customer = dev(any_nova, 1), dev(any_nova, 2)
    # txHash, err = co.CreateSLAContract(ctx, sla)
    sla = co.create_sla_contract(seed_terms(any_nova), sender=provider, customer=customer, buy=True)
    assert sla.status is SLAStatus.ACTIVE
    assert (sla.stake, sla.penalties_paid) == (10000, 0)
    assert {g.name: (str(g.target), g.penalty, g.upper_bound) for g in sla.guarantees} == {
        "uptime": ("99.9", 1000, False),
        "latency": ("100", 500, True),
    }
    any_nova.chain.advance(3600)
    before = cpu_balance(any_nova, customer.address)
    period = sla.starts_at + sla.interval  # the first monitoring window
    receipt = co.report_violation(sla.sla_id, "uptime", "99.5", period=period, oracles=oracles(any_nova, 5, 6, 7))
    assert cpu_balance(any_nova, customer.address) - before == 1000
    after = co.get_sla(sla.sla_id)
    assert (after.penalties_paid, after.stake_left) == (1000, 9000)
    assert receipt.gas_used < 200_000
    # the same report again: refused, nothing paid twice
    with pytest.raises(ContractCustomError) as replay:
        co.report_violation(sla.sla_id, "uptime", "99.5", period=period, oracles=oracles(any_nova, 5, 6, 7))
    assert replay.value.error_name == "SLAAlreadySettled"
    # two oracles are not a quorum
    with pytest.raises(ContractCustomError) as few:
        co.report_violation(sla.sla_id, "latency", "250", period=period, oracles=oracles(any_nova, 5, 6))
    assert few.value.error_name == "SLAQuorumNotReached"
    assert co.get_sla(sla.sla_id).penalties_paid == 1000
    # at expiry plus the dispute window, the provider gets the rest of the stake
    any_nova.chain.advance(sla.duration + sla.dispute_window)
    provider_before = cpu_balance(any_nova, provider.address)
    co.settle_sla(sla.sla_id)
    assert cpu_balance(any_nova, provider.address) - provider_before == 9000
    assert co.get_sla(sla.sla_id).status is SLAStatus.SETTLED
