// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {IVMLifecycle} from "../../contracts/orchestrator/IVMLifecycle.sol";
import {VMLifecycle} from "../../contracts/orchestrator/VMLifecycle.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {LifecycleFixture} from "./VMLifecycle.t.sol";
import {UpgradeChecks} from "./utils/UpgradeChecks.sol";

/// @notice The storage-reading cheatcode these tests use beyond test/forge/utils/Test.sol's.
interface VmStorage {
    function load(address target, bytes32 slot) external view returns (bytes32);
}

/// @notice VMLifecycle behind its UUPS proxy: only DEFAULT_ADMIN_ROLE upgrades (the timelock in production), the
///         implementation's initializers are locked, and VMs, allocations, liens, approvers and open migrations
///         survive an upgrade and a rollback.
contract VMLifecycleUpgradeTest is LifecycleFixture, UpgradeChecks {
    address internal alice = address(0xA11CE);
    VMLifecycle internal v2;
    uint256 internal id;

    function setUp() public {
        _deployLifecycle(); // admin: this test contract
        _reserve(alice, 8, 16);
        vm.prank(alice);
        id = lc.createVM("vm-12345", "us-east-1", 4, 8192);
        vm.prank(alice);
        lc.startVM(id);
        vm.prank(operator);
        lc.confirmRunning(id);
        v2 = new VMLifecycle();
    }

    function test_onlyTheAdminUpgrades(address caller) public {
        vm.assume(caller != address(this));
        _assertUpgradeRefused(lc, caller, address(v2));
    }

    function test_neitherGuardianNorOperatorUpgrades() public {
        address[2] memory callers = [guardian, operator];
        for (uint256 i = 0; i < 2; ++i) {
            _assertUpgradeRefused(lc, callers[i], address(v2));
        }
    }

    function test_stateSurvivesAnUpgradeAndARollback() public {
        address v1 = _implementation();
        vm.prank(alice);
        lc.migrateVM(id, "eu-west-1", CID);
        lc.upgradeToAndCall(address(v2), "");
        assertEq(_implementation(), address(v2), "runs the new implementation");
        _assertKept();
        lc.upgradeToAndCall(v1, "");
        assertEq(_implementation(), v1, "rolled back");
        _assertKept();
        // and it still works: the migration completes, the VM stops and its lien is released
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(approvers[i]);
            lc.approveMigration(id);
        }
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        lc.executeMigration(id, CID);
        vm.prank(alice);
        lc.stopVM(id);
        assertEq(staking.lienOf(alice, ResourceType.CPU), 0, "lien released");
    }

    function test_initializersAreLocked() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        lc.initialize(address(this), guardian, operator, address(staking), approvers, 3, 1 days); // once, at deploy
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        v2.initialize(address(this), guardian, operator, address(staking), approvers, 3, 1 days); // implementation
    }

    function test_theImplementationCannotBeUpgradedDirectly() public {
        _assertNotUpgradeableDirectly(v2, address(v2));
    }

    function test_aNonUupsImplementationIsRefused() public {
        vm.expectRevert(); // ERC1967InvalidImplementation: no proxiableUUID, the proxy would be bricked
        lc.upgradeToAndCall(address(staking), "");
    }

    function _assertKept() internal view {
        IVMLifecycle.VMInfo memory v = lc.getVM(id);
        assertEq(v.owner, alice, "owner kept");
        assertEq(uint256(v.state), uint256(IVMLifecycle.VMState.Migrating), "state kept");
        assertEq(v.cpu, 4, "cpu kept");
        (uint256 cpu, uint256 mem) = lc.allocation(alice);
        assertEq(cpu + mem, 4 + 8192, "allocation kept");
        assertEq(lc.staking(), address(staking), "staking kept (storage, not an immutable)");
        assertEq(staking.lienOf(alice, ResourceType.CPU), 4e18, "lien kept");
        (address[] memory set, uint256 threshold, uint256 epoch) = lc.approverSet();
        assertEq(set.length * 100 + threshold * 10 + epoch, 531, "approvers, threshold and epoch kept");
        assertTrue(lc.getMigration(id).open, "open migration kept");
        assertEq(lc.migrationDelay(), 1 days, "delay kept");
        assertTrue(lc.hasRole(lc.OPERATOR_ROLE(), operator), "roles kept");
    }

    /// @dev The implementation in the proxy's ERC-1967 slot.
    function _implementation() internal view returns (address) {
        bytes32 slot = bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1);
        return address(uint160(uint256(VmStorage(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D).load(address(lc), slot))));
    }
}
