// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IVMLifecycle} from "../../contracts/orchestrator/IVMLifecycle.sol";
import {IResourceStaking} from "../../contracts/tokens/IResourceStaking.sol";
import {VMLifecycle} from "../../contracts/orchestrator/VMLifecycle.sol";
import {ResourceStaking} from "../../contracts/tokens/ResourceStaking.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {UUPSProxy} from "../../contracts/security/UUPSProxy.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

/// @notice Shared setup: the token component, a VMLifecycle with five approvers (3 of 5) and a one-day lock, and
///         owners with staking reservations.
abstract contract LifecycleFixture is Fixture {
    VMLifecycle internal lc;
    address internal operator = address(0x0BE7);
    address internal guardian = address(0x6A2D);
    uint256[5] internal approverKeys = [uint256(0xA1), 0xA2, 0xA3, 0xA4, 0xA5];
    address[] internal approvers;
    string internal constant CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";

    function _deployLifecycle() internal {
        _deployAll();
        for (uint256 i = 0; i < 5; ++i) {
            approvers.push(vm.addr(approverKeys[i]));
        }
        // as deployed: behind a UUPS proxy, initialized in the proxy's constructor
        bytes memory init = abi.encodeCall(
            VMLifecycle.initialize, (address(this), guardian, operator, address(staking), approvers, 3, 1 days)
        );
        lc = VMLifecycle(address(new UUPSProxy(address(new VMLifecycle()), init)));
        staking.grantRole(staking.LIEN_ROLE(), address(lc));
        for (uint256 i = 0; i < 2; ++i) {
            tokens[i].grantRole(tokens[i].MINTER_ROLE(), address(this));
            tokens[i].mint(address(this), 100_000e18);
            tokens[i].approve(address(staking), type(uint256).max);
            staking.fundRewards(ResourceType(i), 10_000e18);
        }
    }

    /// @dev `who` stakes `cpu` CPU and `gib` MEM tokens for 30 days.
    function _reserve(address who, uint256 cpu, uint256 gib) internal {
        tokens[0].mint(who, cpu * 1e18);
        tokens[1].mint(who, gib * 1e18);
        vm.startPrank(who);
        tokens[0].approve(address(staking), type(uint256).max);
        tokens[1].approve(address(staking), type(uint256).max);
        staking.stake(ResourceType.CPU, cpu * 1e18, 30 days);
        staking.stake(ResourceType.MEM, gib * 1e18, 30 days);
        vm.stopPrank();
    }
}

contract VMLifecycleTest is LifecycleFixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    uint256 internal id;

    function setUp() public {
        _deployLifecycle();
        _reserve(alice, 8, 16);
        vm.prank(alice);
        id = lc.createVM("vm-12345", "us-east-1", 4, 8192);
    }

    function _run(uint256 vmId) internal {
        vm.prank(alice);
        lc.startVM(vmId);
        vm.prank(operator);
        lc.confirmRunning(vmId);
    }

    function _approve(uint256 vmId, uint256 count) internal {
        for (uint256 i = 0; i < count; ++i) {
            vm.prank(approvers[i]);
            lc.approveMigration(vmId);
        }
    }

    function _stakeCpu(address who, uint256 cpu) internal {
        tokens[0].mint(who, cpu * 1e18);
        vm.prank(who);
        staking.stake(ResourceType.CPU, cpu * 1e18, 30 days);
    }

    function _state(uint256 vmId) internal view returns (uint256) {
        return uint256(lc.getVM(vmId).state);
    }

    function test_createRecordsTheVmAndItsAllocation() public view {
        IVMLifecycle.VMInfo memory v = lc.getVM(id);
        assertEq(id, uint256(keccak256(abi.encode(alice, keccak256("vm-12345")))), "id: owner and name's hash");
        assertEq(id, lc.vmIdOf(alice, "vm-12345"), "vmIdOf");
        assertEq(v.owner, alice, "owner");
        assertEq(uint256(v.state), uint256(IVMLifecycle.VMState.Stopped), "created stopped");
        assertEq(v.cpu, 4, "cpu");
        assertEq(v.memoryMb, 8192, "memory");
        assertTrue(v.region == bytes32("us-east-1"), "region");
        (uint256 cpu, uint256 mem) = lc.allocation(alice);
        assertEq(cpu, 4, "allocated cpu");
        assertEq(mem, 8192, "allocated memory");
    }

    function test_requiredReservation() public view {
        (uint256 c, uint256 m) = lc.requiredReservation(4, 8192);
        assertEq(c, 4e18, "one CPU token per vCPU");
        assertEq(m, 8e18, "one MEM token per GiB");
        (, m) = lc.requiredReservation(1, 1);
        assertEq(m, uint256(976562500000000), "1 MB: exact, since 1e18 is a multiple of 1024");
    }

    function test_createRefusedBeyondTheReservation() public {
        vm.prank(alice);
        lc.createVM("vm-2", "us-east-1", 4, 8192); // exactly the rest: 8 CPU, 16 GiB
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IVMLifecycle.VMReservationInsufficient.selector, alice, ResourceType.CPU, 9e18, 8e18)
        );
        lc.createVM("vm-3", "us-east-1", 1, 1);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IVMLifecycle.VMReservationInsufficient.selector, bob, ResourceType.CPU, 1e18, 0)
        );
        lc.createVM("vm-4", "us-east-1", 1, 1);
    }

    function test_createRefusesBadInput() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMAlreadyExists.selector, id));
        lc.createVM("vm-12345", "eu-west-1", 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMInvalidRegion.selector, ""));
        lc.createVM("vm-x", "", 1, 1);
        vm.expectRevert(IVMLifecycle.VMInvalidName.selector);
        lc.createVM("", "us-east-1", 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMInvalidResources.selector, 0, 1, 1024, 16 * 1024 * 1024));
        lc.createVM("vm-x", "us-east-1", 0, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IVMLifecycle.VMInvalidResources.selector, 1, 16 * 1024 * 1024 + 1, 1024, 16 * 1024 * 1024)
        );
        lc.createVM("vm-x", "us-east-1", 1, 16 * 1024 * 1024 + 1);
        vm.stopPrank();
    }

    function test_lifecycleAndTerminationReleasesTheAllocation() public {
        _run(id);
        assertEq(_state(id), uint256(IVMLifecycle.VMState.Running), "running");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVMLifecycle.VMIllegalTransition.selector,
                id,
                IVMLifecycle.VMState.Running,
                IVMLifecycle.VMState.Terminated
            )
        );
        lc.terminateVM(id);
        vm.prank(operator); // the platform may stop a VM
        lc.stopVM(id);
        vm.prank(alice);
        lc.terminateVM(id);
        assertEq(_state(id), uint256(IVMLifecycle.VMState.Terminated), "terminated");
        (uint256 cpu, uint256 mem) = lc.allocation(alice);
        assertEq(cpu + mem, 0, "released");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVMLifecycle.VMIllegalTransition.selector,
                id,
                IVMLifecycle.VMState.Terminated,
                IVMLifecycle.VMState.Starting
            )
        );
        lc.startVM(id);
    }

    function test_rolesAreEnforced() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMUnauthorized.selector, id, bob));
        lc.startVM(id);
        vm.prank(alice);
        lc.startVM(id);
        bytes32 role = lc.OPERATOR_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        lc.confirmRunning(id);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMUnauthorized.selector, id, bob));
        lc.stopVM(id);
        vm.prank(alice); // an aborted start
        lc.stopVM(id);
        assertEq(_state(id), uint256(IVMLifecycle.VMState.Stopped), "stopped");
    }

    /// Finding "a VM's reservation is checked, not locked": the owner unstaked under a running VM and it ran on,
    /// unpaid. Now the stake behind it is under lien until it stops.
    function test_stakeBehindARunningVmCannotBeUnstaked() public {
        _run(id);
        assertEq(staking.lienOf(alice, ResourceType.CPU), 4e18, "CPU lien: 4 vCPUs");
        assertEq(staking.lienOf(alice, ResourceType.MEM), 8e18, "MEM lien: 8 GiB");
        // early exit (stake 1: 8 CPU): would leave 0 staked under a 4 CPU lien
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingLiened.selector, alice, 1, 4e18, 0));
        staking.unstake(alice, 1);
        // matured, by anyone: still refused
        vm.warp(block.timestamp + 30 days);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingLiened.selector, alice, 2, 8e18, 0));
        staking.unstake(alice, 2);
        // a stranger cannot stop a paid VM (there is no unpaid running VM any more)
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMUnauthorized.selector, id, bob));
        lc.stopVM(id);
        assertEq(_state(id), uint256(IVMLifecycle.VMState.Running), "still running, still paid");
        // stopping releases the lien: now the stake can go, and the VM cannot start without a new one
        vm.prank(alice);
        lc.stopVM(id);
        assertEq(staking.lienOf(alice, ResourceType.CPU) + staking.lienOf(alice, ResourceType.MEM), 0, "released");
        vm.prank(alice);
        staking.unstake(alice, 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IVMLifecycle.VMReservationInsufficient.selector, alice, ResourceType.CPU, 4e18, 0)
        );
        lc.startVM(id);
    }

    /// Stake beyond the running VMs' liens stays free; a second VM's start needs free stake for its own share.
    function test_liensCoverExactlyTheVmsThatRun() public {
        vm.prank(alice);
        uint256 second = lc.createVM("vm-2", "us-east-1", 4, 8192);
        _run(id);
        // a stopped VM holds no lien: stake 1 (8 CPU) cannot go (4 are liened), but a top-up makes it free
        _stakeCpu(alice, 4);
        vm.prank(alice);
        staking.unstake(alice, 1); // 12 - 8 = 4 stays, the lien is 4
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IVMLifecycle.VMReservationInsufficient.selector, alice, ResourceType.CPU, 8e18, 4e18)
        );
        lc.startVM(second);
        _stakeCpu(alice, 4);
        _run(second);
        assertEq(staking.lienOf(alice, ResourceType.CPU), 8e18, "two running VMs");
        // a migration from Running keeps the lien; the VM resumes Running
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        vm.prank(guardian);
        lc.vetoMigration(id);
        assertEq(staking.lienOf(alice, ResourceType.CPU), 8e18, "kept through the migration");
        // staking paused: starting is refused with staking's own error; stopping still releases
        vm.prank(operator);
        lc.stopVM(second);
        staking.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        lc.startVM(second);
        vm.prank(alice);
        lc.stopVM(id);
        assertEq(staking.lienOf(alice, ResourceType.CPU), 0, "all released while paused");
    }

    /// Finding "VM names can be front-run": with ids from the name alone, bob creating "vm-12345"-like names first
    /// took them from alice. Now each owner has their own namespace.
    function test_aNameCannotBeFrontRun() public {
        _reserve(bob, 1, 1);
        vm.prank(bob);
        uint256 bobs = lc.createVM("vm-next", "us-east-1", 1, 1); // bob saw alice's pending create
        vm.prank(alice);
        uint256 alices = lc.createVM("vm-next", "us-east-1", 1, 1);
        assertTrue(alices != bobs, "distinct ids");
        assertEq(lc.getVM(alices).owner, alice, "alice owns hers");
        assertEq(lc.getVM(bobs).owner, bob, "bob owns his");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMAlreadyExists.selector, alices));
        lc.createVM("vm-next", "eu-west-1", 1, 1); // unique per owner still
    }

    function test_migrationNeedsThresholdApprovalsAndTheLock() public {
        _run(id);
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        assertEq(_state(id), uint256(IVMLifecycle.VMState.Migrating), "migrating");
        _approve(id, 2);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationNotEnoughApprovals.selector, id, 2, 3));
        lc.executeMigration(id, CID);
        _approve(id, 0);
        vm.prank(approvers[2]);
        lc.approveMigration(id);
        IVMLifecycle.MigrationInfo memory m = lc.getMigration(id);
        assertEq(m.approvals, 3, "approvals");
        assertEq(m.unlockAt, block.timestamp + 1 days, "lock starts at the threshold");
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationLocked.selector, id, m.unlockAt));
        lc.executeMigration(id, CID);
        vm.warp(m.unlockAt);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVMLifecycle.VMMigrationSnapshotMismatch.selector, id, keccak256(bytes(CID)), keccak256("QmOther")
            )
        );
        lc.executeMigration(id, "QmOther");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMUnauthorized.selector, id, bob));
        lc.executeMigration(id, CID);
        vm.prank(operator);
        lc.executeMigration(id, CID);
        IVMLifecycle.VMInfo memory v = lc.getVM(id);
        assertTrue(v.region == bytes32("eu-west-1"), "moved");
        assertEq(uint256(v.state), uint256(IVMLifecycle.VMState.Running), "resumed running");
        assertTrue(!lc.getMigration(id).open, "closed");
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationNotOpen.selector, id));
        lc.executeMigration(id, CID);
    }

    function test_migrationRefusals() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationSameRegion.selector, id, bytes32("us-east-1")));
        lc.migrateVM(id, "us-east-1", CID);
        vm.expectRevert(IVMLifecycle.VMMigrationInvalidSnapshot.selector);
        lc.migrateVM(id, "eu-west-1", "");
        lc.startVM(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVMLifecycle.VMIllegalTransition.selector,
                id,
                IVMLifecycle.VMState.Starting,
                IVMLifecycle.VMState.Migrating
            )
        );
        lc.migrateVM(id, "eu-west-1", CID);
        lc.stopVM(id);
        lc.migrateVM(id, "eu-west-1", CID); // a stopped VM can be moved too
        vm.stopPrank();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationNotApprover.selector, bob));
        lc.approveMigration(id);
        _approve(id, 1);
        vm.prank(approvers[0]);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationAlreadyApproved.selector, id, approvers[0]));
        lc.approveMigration(id);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVMLifecycle.VMIllegalTransition.selector,
                id,
                IVMLifecycle.VMState.Migrating,
                IVMLifecycle.VMState.Starting
            )
        );
        lc.startVM(id);
    }

    function test_vetoByOwnerOrGuardianOnly() public {
        _run(id);
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        _approve(id, 3);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMUnauthorized.selector, id, bob));
        lc.vetoMigration(id);
        vm.prank(guardian);
        lc.vetoMigration(id);
        IVMLifecycle.VMInfo memory v = lc.getVM(id);
        assertEq(uint256(v.state), uint256(IVMLifecycle.VMState.Running), "back to running");
        assertTrue(v.region == bytes32("us-east-1"), "not moved");
        // a new request starts from zero approvals
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        IVMLifecycle.MigrationInfo memory m = lc.getMigration(id);
        assertEq(m.nonce, 2, "second request");
        assertEq(m.approvals, 0, "fresh approvals");
        assertTrue(!lc.hasApproved(id, approvers[0]), "old approval not carried over");
        vm.prank(guardian); // the owner's veto works while paused
        lc.pause();
        vm.prank(alice);
        lc.vetoMigration(id);
    }

    function test_signedApprovals() public {
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        bytes32 digest = lc.approvalDigest(id, 1, bytes32("eu-west-1"), keccak256(bytes(CID)));
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i = 0; i < 3; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(approverKeys[i], digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
        vm.prank(approvers[0]); // an on-chain approval first: its signature is then skipped, not double counted
        lc.approveMigration(id);
        lc.approveMigrationWithSignatures(id, sigs);
        assertEq(lc.getMigration(id).approvals, 3, "three distinct approvers");
        (uint8 v2, bytes32 r2, bytes32 s2) = vm.sign(0xBAD, digest);
        bytes[] memory bad = new bytes[](1);
        bad[0] = abi.encodePacked(r2, s2, v2);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationInvalidSignature.selector, 0));
        lc.approveMigrationWithSignatures(id, bad);
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        lc.executeMigration(id, CID);
        assertTrue(lc.getVM(id).region == bytes32("eu-west-1"), "moved");
    }

    function test_changingTheApproverSetVoidsOpenApprovals() public {
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        _approve(id, 3);
        lc.setApprovers(approvers, 3); // same people, new epoch
        assertEq(lc.getMigration(id).approvals, 0, "approvals void");
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationNotEnoughApprovals.selector, id, 0, 3));
        lc.executeMigration(id, CID);
        _approve(id, 3);
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        lc.executeMigration(id, CID);
    }

    function test_adminChecks() public {
        address[] memory none = new address[](0);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMInvalidApproverSet.selector, 0, 1));
        lc.setApprovers(none, 1);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMInvalidApproverSet.selector, 5, 6));
        lc.setApprovers(approvers, 6);
        vm.expectRevert(abi.encodeWithSelector(IVMLifecycle.VMMigrationDelayTooLong.selector, 31 days, 30 days));
        lc.setMigrationDelay(31 days);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        lc.setMigrationDelay(0);
        vm.prank(guardian);
        lc.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        lc.createVM("vm-9", "us-east-1", 1, 1);
    }
}

/// @notice Drives VMLifecycle with random calls from owners, approvers, the operator, the guardian and strangers
///         (most of them illegal), and checks every state change that succeeded against the transition table and an
///         independent model of approvals and locks.
contract LifecycleHandler is Test {
    VMLifecycle public immutable lc;
    ResourceStaking public immutable staking;
    address[] public approvers;
    address public immutable operator;
    address public immutable guardian;
    address[3] public owners = [address(0x5001), address(0x5002), address(0x5003)];
    address public constant STRANGER = address(0x5EE);

    uint256[] public ids;
    mapping(uint256 => bool) public exists;
    // model of each VM's open migration: approvers counted (bits), unlock time, epoch
    mapping(uint256 => uint256) internal _bits;
    mapping(uint256 => uint256) internal _unlock;
    uint256 internal _created;

    uint256 public illegalTransitions;
    uint256 public earlyOrUnderApprovedExecutions;
    uint256 public executions;
    uint256 public transitions;

    uint256 public unstakes;
    uint256 public refusedUnstakes;

    constructor(
        VMLifecycle lc_,
        ResourceStaking staking_,
        address[] memory approvers_,
        address operator_,
        address guardian_
    ) {
        lc = lc_;
        staking = staking_;
        approvers = approvers_;
        operator = operator_;
        guardian = guardian_;
    }

    function _actor(uint256 seed, address owner) internal view returns (address) {
        uint256 k = seed % 4;
        if (k == 0) return owner;
        if (k == 1) return operator;
        if (k == 2) return guardian;
        return STRANGER;
    }

    function _pick(uint256 seed) internal view returns (uint256 vmId, address owner) {
        if (ids.length == 0) return (0, address(0));
        vmId = ids[seed % ids.length];
        owner = lc.getVM(vmId).owner;
    }

    function _legal(IVMLifecycle.VMState from, IVMLifecycle.VMState to, bytes4 action, IVMLifecycle.VMState resume)
        internal
        pure
        returns (bool)
    {
        if (action == IVMLifecycle.startVM.selector) {
            return from == IVMLifecycle.VMState.Stopped && to == IVMLifecycle.VMState.Starting;
        }
        if (action == IVMLifecycle.confirmRunning.selector) {
            return from == IVMLifecycle.VMState.Starting && to == IVMLifecycle.VMState.Running;
        }
        if (action == IVMLifecycle.stopVM.selector) {
            return (from == IVMLifecycle.VMState.Running || from == IVMLifecycle.VMState.Starting)
                && to == IVMLifecycle.VMState.Stopped;
        }
        if (action == IVMLifecycle.terminateVM.selector) {
            return from == IVMLifecycle.VMState.Stopped && to == IVMLifecycle.VMState.Terminated;
        }
        if (action == IVMLifecycle.migrateVM.selector) {
            return (from == IVMLifecycle.VMState.Running || from == IVMLifecycle.VMState.Stopped)
                && to == IVMLifecycle.VMState.Migrating;
        }
        // execute and veto return to the state the migration started from
        return from == IVMLifecycle.VMState.Migrating && to == resume;
    }

    function _record(uint256 vmId, IVMLifecycle.VMState from, bytes4 action, IVMLifecycle.VMState resume) internal {
        IVMLifecycle.VMState to = lc.getVM(vmId).state;
        ++transitions;
        if (!_legal(from, to, action, resume)) ++illegalTransitions;
    }

    function create(uint256 ownerSeed, uint256 cpu, uint256 mem) external {
        address owner = owners[ownerSeed % 3];
        cpu = bound(cpu, 1, 8);
        mem = bound(mem, 1, 16_384);
        string memory name = string.concat("vm-", vm_toString(_created++));
        vm.prank(owner);
        try lc.createVM(name, "us-east-1", cpu, mem) returns (uint256 vmId) {
            ids.push(vmId);
            exists[vmId] = true;
            require(lc.getVM(vmId).state == IVMLifecycle.VMState.Stopped, "created in another state");
        } catch {}
    }

    function act(uint256 vmSeed, uint256 actorSeed, uint256 actionSeed) external {
        (uint256 vmId, address owner) = _pick(vmSeed);
        if (owner == address(0)) return;
        address actor = _actor(actorSeed, owner);
        IVMLifecycle.VMState from = lc.getVM(vmId).state;
        IVMLifecycle.MigrationInfo memory m = lc.getMigration(vmId);
        uint256 k = actionSeed % 7;
        bool ok;
        bytes4 action;
        vm.prank(actor);
        if (k == 0) {
            action = IVMLifecycle.startVM.selector;
            try lc.startVM(vmId) {
                ok = true;
            } catch {}
        } else if (k == 1) {
            action = IVMLifecycle.confirmRunning.selector;
            try lc.confirmRunning(vmId) {
                ok = true;
            } catch {}
        } else if (k == 2) {
            action = IVMLifecycle.stopVM.selector;
            try lc.stopVM(vmId) {
                ok = true;
            } catch {}
        } else if (k == 3) {
            action = IVMLifecycle.terminateVM.selector;
            try lc.terminateVM(vmId) {
                ok = true;
            } catch {}
        } else if (k == 4) {
            action = IVMLifecycle.migrateVM.selector;
            string memory target = actionSeed % 2 == 0 ? "eu-west-1" : "ap-south-1";
            try lc.migrateVM(vmId, target, "QmSnapshot") {
                ok = true;
                _bits[vmId] = 0;
                _unlock[vmId] = 0;
            } catch {}
        } else if (k == 5) {
            action = IVMLifecycle.executeMigration.selector;
            string memory cid = actionSeed % 3 == 0 ? "QmWrong" : "QmSnapshot";
            try lc.executeMigration(vmId, cid) {
                ok = true;
                ++executions;
                uint256 counted = _popcount(_bits[vmId]);
                (, uint256 threshold,) = lc.approverSet();
                // slither-disable-next-line timestamp
                if (counted < threshold || _unlock[vmId] == 0 || block.timestamp < _unlock[vmId]) {
                    ++earlyOrUnderApprovedExecutions;
                }
                if (keccak256(bytes(cid)) != keccak256("QmSnapshot")) ++earlyOrUnderApprovedExecutions;
            } catch {}
        } else {
            action = IVMLifecycle.vetoMigration.selector;
            try lc.vetoMigration(vmId) {
                ok = true;
            } catch {}
        }
        if (ok) _record(vmId, from, action, m.resumeState);
        else require(lc.getVM(vmId).state == from, "a refused call changed the state");
    }

    function approve(uint256 vmSeed, uint256 approverSeed) external {
        (uint256 vmId, address owner) = _pick(vmSeed);
        if (owner == address(0)) return;
        uint256 index = approverSeed % approvers.length;
        vm.prank(approvers[index]);
        try lc.approveMigration(vmId) {
            require(_bits[vmId] & (1 << index) == 0, "approved twice");
            _bits[vmId] |= 1 << index;
            (, uint256 threshold,) = lc.approverSet();
            if (_popcount(_bits[vmId]) == threshold) _unlock[vmId] = block.timestamp + lc.migrationDelay();
        } catch {}
    }

    /// @dev Targeted paths, so that sequences reach executable (and early) migrations often: the owner opens a
    ///      request, several approvers approve in a row, the owner or the operator tries to complete it.
    function migrate(uint256 vmSeed) external {
        this.act(vmSeed, 0, 4);
    }

    function approveMany(uint256 vmSeed, uint256 n) external {
        n = bound(n, 1, approvers.length);
        for (uint256 i = 0; i < n; ++i) {
            this.approve(vmSeed, i);
        }
    }

    function execute(uint256 vmSeed, bool byOperator) external {
        this.act(vmSeed, byOperator ? 1 : 0, 5);
    }

    function rotateApprovers(uint256 thresholdSeed) external {
        uint256 threshold = bound(thresholdSeed, 1, approvers.length);
        lc.setApprovers(approvers, threshold);
        for (uint256 i = 0; i < ids.length; ++i) {
            _bits[ids[i]] = 0;
            _unlock[ids[i]] = 0;
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 2 days));
    }

    /// The attack: an owner (or anyone, once a stake matured) tries to withdraw a stake, whatever runs on it.
    function unstake(uint256 idSeed, bool byStranger) external {
        uint256 n = staking.stakeCount();
        if (n == 0) return;
        uint256 stakeId = 1 + idSeed % n;
        for (uint256 o = 0; o < 3; ++o) {
            address owner = owners[o];
            if (staking.getStake(owner, stakeId).amount == 0) continue;
            vm.prank(byStranger ? STRANGER : owner);
            try staking.unstake(owner, stakeId) {
                ++unstakes;
            } catch {
                ++refusedUnstakes;
            }
            return;
        }
    }

    /// Owners stake more (so that refused starts and withdrawn stakes are followed by new ones).
    function restake(uint256 ownerSeed, uint256 cpu, uint256 gib) external {
        address owner = owners[ownerSeed % 3];
        cpu = bound(cpu, 0, 8) * 1e18;
        gib = bound(gib, 0, 16) * 1e18;
        vm.startPrank(owner);
        if (cpu != 0) staking.stake(ResourceType.CPU, cpu, 30 days);
        if (gib != 0) staking.stake(ResourceType.MEM, gib, 30 days);
        vm.stopPrank();
    }

    function count() external view returns (uint256) {
        return ids.length;
    }

    function _popcount(uint256 x) internal pure returns (uint256 n) {
        while (x != 0) {
            n += x & 1;
            x >>= 1;
        }
    }

    function vm_toString(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory b;
        while (v != 0) {
            b = abi.encodePacked(bytes1(uint8(48 + (v % 10))), b);
            v /= 10;
        }
        return string(b);
    }
}

contract VMLifecycleInvariantTest is LifecycleFixture {
    LifecycleHandler internal handler;

    function setUp() public {
        _deployLifecycle();
        handler = new LifecycleHandler(lc, staking, approvers, operator, guardian);
        lc.grantRole(bytes32(0), address(handler));
        for (uint256 i = 0; i < 3; ++i) {
            address owner = handler.owners(i);
            // three stakes each, so that some can go and some are under lien; tokens left over to restake
            _reserve(owner, 8, 16);
            _reserve(owner, 8, 16);
            _reserve(owner, 8, 16);
            tokens[0].mint(owner, 1000e18);
            tokens[1].mint(owner, 2000e18);
        }
        targetContract(address(handler));
    }

    function invariant_noIllegalTransition() public view {
        assertEq(handler.illegalTransitions(), 0, "illegal transitions");
    }

    function invariant_migrationNeverEarlyOrUnderApproved() public view {
        assertEq(handler.earlyOrUnderApprovedExecutions(), 0, "migrations completed early or under-approved");
    }

    function invariant_allocationIsTheSumOfLiveVms() public view {
        for (uint256 o = 0; o < 3; ++o) {
            address owner = handler.owners(o);
            uint256 cpu;
            uint256 mem;
            for (uint256 i = 0; i < handler.count(); ++i) {
                IVMLifecycle.VMInfo memory v = lc.getVM(handler.ids(i));
                if (v.owner == owner && v.state != IVMLifecycle.VMState.Terminated) {
                    cpu += v.cpu;
                    mem += v.memoryMb;
                }
            }
            (uint256 aCpu, uint256 aMem) = lc.allocation(owner);
            assertEq(aCpu, cpu, "allocated cpu");
            assertEq(aMem, mem, "allocated memory");
        }
    }

    /// The stake that backs running VMs is locked: for every owner, the lien on CPU and MEM is exactly the share of
    /// the VMs that hold capacity (Starting, Running, or Migrating from Running), and never above what is staked.
    function invariant_runningVmsAreCoveredByLockedStake() public view {
        for (uint256 o = 0; o < 3; ++o) {
            address owner = handler.owners(o);
            uint256 cpu;
            uint256 mem;
            for (uint256 i = 0; i < handler.count(); ++i) {
                uint256 vmId = handler.ids(i);
                IVMLifecycle.VMInfo memory v = lc.getVM(vmId);
                if (v.owner != owner) continue;
                bool holds = v.state == IVMLifecycle.VMState.Starting || v.state == IVMLifecycle.VMState.Running
                    || (v.state == IVMLifecycle.VMState.Migrating
                        && lc.getMigration(vmId).resumeState == IVMLifecycle.VMState.Running);
                if (holds) {
                    cpu += v.cpu;
                    mem += v.memoryMb;
                }
            }
            (uint256 cpuNeed, uint256 memNeed) = lc.requiredReservation(cpu, mem);
            uint256 cpuLien = staking.lienOf(owner, ResourceType.CPU);
            uint256 memLien = staking.lienOf(owner, ResourceType.MEM);
            assertEq(cpuLien, cpuNeed, "CPU lien != share of the running VMs");
            assertEq(memLien, memNeed, "MEM lien != share of the running VMs");
            assertLe(cpuLien, staking.reservedCapacity(owner, ResourceType.CPU), "CPU lien above the stake");
            assertLe(memLien, staking.reservedCapacity(owner, ResourceType.MEM), "MEM lien above the stake");
        }
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.create(0, 2, 2048);
        uint256 before = handler.transitions();
        handler.act(0, 0, 0); // owner starts
        handler.act(0, 1, 1); // operator confirms
        // owner 0 has three 8-CPU stakes (ids 1, 3, 5) and a 2-vCPU VM running: two stakes can go, the last cannot
        handler.unstake(0, false);
        handler.unstake(2, false);
        handler.unstake(4, false);
        assertEq(handler.unstakes(), 2, "stakes beyond the lien withdrawn");
        assertEq(handler.refusedUnstakes(), 1, "the stake under the lien stays");
        handler.restake(0, 8, 16);
        handler.act(0, 0, 4); // owner migrates (seed 4: eu-west-1)
        handler.approve(0, 0);
        handler.approve(0, 1);
        handler.approve(0, 2);
        handler.warp(1 days);
        handler.act(0, 1, 5); // operator executes with the right CID (5 % 3 != 0)
        assertEq(handler.executions(), 1, "executed");
        handler.act(0, 0, 2); // owner stops
        handler.act(0, 0, 3); // owner terminates
        assertEq(handler.transitions() - before, 6, "six transitions");
        assertEq(uint256(lc.getVM(handler.ids(0)).state), uint256(IVMLifecycle.VMState.Terminated), "terminated");
    }
}
