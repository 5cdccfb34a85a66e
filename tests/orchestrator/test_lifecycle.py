"""VMLifecycle through ContractOrchestrator: transitions, reservations, migrations' approvals, veto and signatures,
and the errors a caller sees for each mistake."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError, NovaValueError
from novacron_chain.orchestrator import (
    ContractOrchestrator,
    OrchestratorValueError,
    VMLifecycleOperation,
    VMNotFoundError,
    VMState,
    migration_approval_digest,
    required_reservation,
    vm_id_of,
)

from .conftest import CID, dev

OP = VMLifecycleOperation("vm-12345", "us-east-1", 4, 8192)


def _running(co: ContractOrchestrator, name: str = "vm-12345") -> None:
    co.create_vm(VMLifecycleOperation(name, "us-east-1", 4, 8192), reserve=True)
    co.start_vm(name)
    co.confirm_running(name)


def test_required_reservation_matches_the_contract(co: ContractOrchestrator) -> None:
    for cpu, mem in ((4, 8192), (1, 1), (3, 1500), (1024, 16 * 1024 * 1024)):
        assert required_reservation(cpu, mem) == tuple(
            co.chain.call(co.lifecycle.functions.requiredReservation(cpu, mem))
        )


def test_create_without_reservation_says_what_to_stake(co: ContractOrchestrator) -> None:
    with pytest.raises(ContractCustomError) as exc:
        co.create_vm(OP)
    assert exc.value.error_name == "VMReservationInsufficient"
    assert exc.value.error_args["required"] == 4 * 10**18
    assert exc.value.exit_code == 1
    assert "reserve" in str(exc.value)


def test_reserve_capacity_stakes_only_the_shortfall(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    staking = orch_nova.contract("ResourceStaking")
    me = orch_nova.chain.signer.address
    co.create_vm(OP, reserve=True)
    assert co.chain.call(staking.functions.reservedCapacity(me, 0)) == 4 * 10**18
    assert co.chain.call(staking.functions.reservedCapacity(me, 1)) == 8 * 10**18
    assert co.reserve_capacity(0 + 1, 1024) != []  # one more vCPU and GiB
    assert co.chain.call(staking.functions.reservedCapacity(me, 0)) == 5 * 10**18
    co.create_vm(VMLifecycleOperation("vm-2", "us-east-1", 1, 1024))
    assert co.allocation() == (5, 9216)


@pytest.mark.parametrize(
    ("op", "words"),
    [
        (VMLifecycleOperation("", "us-east-1", 4, 8192), "VM name"),
        (VMLifecycleOperation("vm-1", "", 4, 8192), "region"),
        (VMLifecycleOperation("vm-1", "r" * 33, 4, 8192), "region"),
        (VMLifecycleOperation("vm-1", "us-east-1", 0, 8192), "cpu_allocation"),
        (VMLifecycleOperation("vm-1", "us-east-1", 4, 2**40), "memory_allocation"),
        (VMLifecycleOperation("vm-1", "us-east-1", 4, 8192, operation="stop"), "operation"),
    ],
)
def test_bad_operations_are_refused_before_sending(
    co: ContractOrchestrator, op: VMLifecycleOperation, words: str
) -> None:
    block = co.chain.block_number()
    with pytest.raises(OrchestratorValueError) as exc:
        co.create_vm(op)
    assert words in str(exc.value)
    assert exc.value.exit_code == 2
    assert isinstance(exc.value, NovaValueError)
    assert co.chain.block_number() == block


def test_owner_must_be_the_sender(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    op = VMLifecycleOperation("vm-1", "us-east-1", 1, 1, owner=dev(orch_nova, 3).address)
    with pytest.raises(OrchestratorValueError, match="is not the sending account"):
        co.create_vm(op)


def test_unknown_vm_and_duplicate_names(co: ContractOrchestrator) -> None:
    with pytest.raises(VMNotFoundError) as exc:
        co.get_vm("vm-nope")
    assert exc.value.exit_code == 2
    with pytest.raises(VMNotFoundError):
        co.start_vm("vm-nope")
    co.create_vm(OP, reserve=True)
    me = co.chain.signer.address
    assert co.get_vm(vm_id_of(me, "vm-12345")).owner == me
    assert co.vm_id("vm-12345") == vm_id_of(me, "vm-12345")
    assert co.vm_id("vm-12345") == co.chain.call(co.lifecycle.functions.vmIdOf(me, "vm-12345"))
    with pytest.raises(ContractCustomError) as dup:
        co.create_vm(OP, reserve=True)
    assert dup.value.error_name == "VMAlreadyExists"


def test_illegal_transitions_are_refused_and_terminate_releases(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    co.create_vm(OP, reserve=True)
    with pytest.raises(ContractCustomError) as exc:
        co.confirm_running("vm-12345")
    assert exc.value.error_name == "VMIllegalTransition"
    assert (exc.value.error_args["from"], exc.value.error_args["to"]) == (VMState.STOPPED, VMState.RUNNING)
    with pytest.raises(ContractCustomError) as stranger:
        co.start_vm("vm-12345", sender=dev(orch_nova, 4))
    assert stranger.value.error_name == "VMUnauthorized"
    _ = co.start_vm("vm-12345")
    co.confirm_running("vm-12345")
    with pytest.raises(ContractCustomError):
        co.terminate_vm("vm-12345")  # running: stop first
    co.stop_vm("vm-12345")
    co.terminate_vm("vm-12345")
    assert co.get_vm("vm-12345").state is VMState.TERMINATED
    assert co.allocation() == (0, 0)
    with pytest.raises(ContractCustomError):
        co.start_vm("vm-12345")


def test_migration_checks(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    _running(co)
    with pytest.raises(OrchestratorValueError, match="not a CID"):
        co.migrate_vm("vm-12345", "eu-west-1", "not-a-cid")
    with pytest.raises(ContractCustomError) as same:
        co.migrate_vm("vm-12345", "us-east-1", CID)
    assert same.value.error_name == "VMMigrationSameRegion"
    with pytest.raises(ContractCustomError) as closed:
        co.approve_migration("vm-12345", sender=dev(orch_nova, 1))
    assert closed.value.error_name == "VMMigrationNotOpen"
    co.migrate_vm("vm-12345", "eu-west-1", CID)
    with pytest.raises(ContractCustomError) as not_approver:
        co.approve_migration("vm-12345", sender=dev(orch_nova, 7))
    assert not_approver.value.error_name == "VMMigrationNotApprover"
    co.approve_migration("vm-12345", sender=dev(orch_nova, 1))
    with pytest.raises(ContractCustomError) as twice:
        co.approve_migration("vm-12345", sender=dev(orch_nova, 1))
    assert twice.value.error_name == "VMMigrationAlreadyApproved"


def test_veto_by_owner_or_guardian(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    _running(co)
    co.migrate_vm("vm-12345", "eu-west-1", CID)
    for i in (1, 2, 3):
        co.approve_migration("vm-12345", sender=dev(orch_nova, i))
    with pytest.raises(ContractCustomError) as stranger:
        co.veto_migration("vm-12345", sender=dev(orch_nova, 4))
    assert stranger.value.error_name == "VMUnauthorized"
    co.veto_migration("vm-12345")  # the deployer is owner and guardian here
    vm = co.get_vm("vm-12345")
    assert (vm.state, vm.region) == (VMState.RUNNING, "us-east-1")
    orch_nova.chain.advance(co.migration_delay())
    with pytest.raises(ContractCustomError) as gone:
        co.execute_migration("vm-12345", CID)
    assert gone.value.error_name == "VMMigrationNotOpen"


def test_signed_approvals_relayed_in_one_transaction(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    co.create_vm(OP, reserve=True)  # a stopped VM moves too
    co.migrate_vm("vm-12345", "ap-south-1", CID)
    m = co.get_vm("vm-12345").migration
    assert m is not None
    ours = migration_approval_digest(
        vm_id_of(co.chain.signer.address, "vm-12345"),
        m.nonce,
        b"ap-south-1".ljust(32, b"\0"),
        m.snapshot_hash,
        contract=co.lifecycle.address,
        chain_id=co.chain.chain_id,
    )
    theirs = co.chain.call(
        co.lifecycle.functions.approvalDigest(
            vm_id_of(co.chain.signer.address, "vm-12345"), m.nonce, b"ap-south-1".ljust(32, b"\0"), m.snapshot_hash
        )
    )
    assert ours == bytes(theirs)
    sigs = [co.sign_migration_approval("vm-12345", dev(orch_nova, i)) for i in (2, 4, 5)]
    co.approve_migration_signed("vm-12345", sigs, sender=dev(orch_nova, 9))  # any account relays
    m = co.get_vm("vm-12345").migration
    assert m is not None
    assert m.approvals == 3
    assert m.locked
    bad = co.sign_migration_approval("vm-12345", dev(orch_nova, 8))  # not an approver
    with pytest.raises(ContractCustomError) as exc:
        co.approve_migration_signed("vm-12345", [bad])
    assert exc.value.error_name == "VMMigrationInvalidSignature"
    orch_nova.chain.advance(co.migration_delay())
    co.execute_migration("vm-12345", CID)
    vm = co.get_vm("vm-12345")
    assert (vm.state, vm.region) == (VMState.STOPPED, "ap-south-1")


def test_the_stake_behind_a_running_vm_cannot_be_unstaked(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    """Finding of issue 15: the owner could unstake under a running VM. Now starting places a lien on the stake."""
    _running(co)
    staking = orch_nova.contract("ResourceStaking")
    me = orch_nova.chain.signer.address
    assert co.chain.call(staking.functions.lienOf(me, 0)) == 4 * 10**18
    assert co.chain.call(staking.functions.lienOf(me, 1)) == 8 * 10**18
    (cpu_stake,) = [
        int(e["args"]["stakeId"])
        for e in staking.events.Staked.get_logs(from_block=0, argument_filters={"owner": me})
        if int(e["args"]["resource"]) == 0
    ]
    with pytest.raises(ContractCustomError) as liened:
        co.tokens.unstake_tokens(cpu_stake)
    assert liened.value.error_name == "StakingLiened"
    assert liened.value.error_args["lien"] == 4 * 10**18
    assert "vm stop" in str(liened.value)
    stranger = dev(orch_nova, 8)
    with pytest.raises(ContractCustomError) as paid:
        co.stop_vm("vm-12345", sender=stranger)
    assert paid.value.error_name == "VMUnauthorized"
    co.stop_vm("vm-12345")
    assert co.chain.call(staking.functions.lienOf(me, 0)) == 0
    co.tokens.unstake_tokens(cpu_stake)  # stopped: free to go
    with pytest.raises(ContractCustomError) as unpaid:
        co.start_vm("vm-12345")
    assert unpaid.value.error_name == "VMReservationInsufficient"


def test_names_are_per_owner_and_resolve_for_other_accounts(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    """Finding of issue 15: names were one global namespace, so another account could take a name first."""
    other = dev(orch_nova, 6)
    co.create_vm(VMLifecycleOperation("vm-shared", "us-east-1", 1, 1024), reserve=True, sender=other)
    co.create_vm(VMLifecycleOperation("vm-shared", "us-east-1", 1, 1024), reserve=True)  # not taken
    me = co.chain.signer.address
    assert co.get_vm("vm-shared").owner == me  # the signer's own first
    assert co.get_vm("vm-shared", owner=other.address).owner == other.address
    # an operator names the only VM of a name without its owner; two owners need owner=...
    co.create_vm(VMLifecycleOperation("vm-solo", "us-east-1", 1, 1024), reserve=True, sender=other)
    co.start_vm("vm-solo", sender=other)
    co.confirm_running("vm-solo")  # the signer is the operator on the dev chain
    assert co.get_vm("vm-solo").state is VMState.RUNNING
    with pytest.raises(OrchestratorValueError, match="2 accounts have a VM named 'vm-shared'"):
        co.vm_id("vm-shared", sender=dev(orch_nova, 7))
