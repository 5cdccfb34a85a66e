// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {Bridge} from "../../contracts/crosschain/Bridge.sol";
import {IBridge} from "../../contracts/crosschain/IBridge.sol";
import {deployBridge} from "./Bridge.t.sol";
import {UpgradeChecks} from "./utils/UpgradeChecks.sol";

/// @notice The Bridge behind its UUPS proxy: only DEFAULT_ADMIN_ROLE upgrades (the timelock in production), not the
///         guardian; the implementation's initializers are locked; the guardian set, the former immutables (delay,
///         default limits) and the EIP-712 domain (bound to the proxy's address) survive an upgrade and a rollback.
contract BridgeUpgradeTest is UpgradeChecks {
    Bridge internal bridge;
    Bridge internal v2;
    address internal timelock = address(0x71E10C);
    address internal guardian = address(0x6A2D);
    address[] internal guardians;

    function setUp() public {
        guardians.push(address(0x1001));
        guardians.push(address(0x1002));
        guardians.push(address(0x1003));
        bridge = deployBridge(timelock, guardian, guardians, 2, 1 days, 1_000e18, 250e18);
        v2 = new Bridge();
    }

    function test_onlyTheAdminUpgrades(address caller) public {
        vm.assume(caller != timelock);
        _assertUpgradeRefused(bridge, caller, address(v2));
    }

    function test_stateSurvivesAnUpgradeAndARollback() public {
        Bridge v1 = new Bridge();
        bytes32 domainBefore = bridge.deliveryDigest(_message());
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(timelock);
            bridge.upgradeToAndCall(i == 0 ? address(v2) : address(v1), "");
            (address[] memory set, uint8 threshold, uint32 index) = bridge.guardianSet();
            assertEq(set.length * 100 + uint256(threshold) * 10 + index, 320, "guardian set kept");
            assertEq(set[2], address(0x1003), "guardians kept");
            assertEq(bridge.delay(), 1 days, "delay kept (storage, not an immutable)");
            assertEq(bridge.defaultDailyLimit(), 1_000e18, "daily limit kept");
            assertEq(bridge.defaultLargeTransfer(), 250e18, "large transfer kept");
            assertTrue(bridge.deliveryDigest(_message()) == domainBefore, "EIP-712 domain kept");
            assertTrue(bridge.hasRole(bridge.GUARDIAN_ROLE(), guardian), "roles kept");
        }
    }

    function test_initializersAreLocked() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        bridge.initialize(address(this), guardian, guardians, 2, 1 days, 1, 1); // the proxy: once, at deploy
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        v2.initialize(address(this), guardian, guardians, 2, 1 days, 1, 1); // the implementation: locked
    }

    function test_theImplementationCannotBeUpgradedDirectly() public {
        _assertNotUpgradeableDirectly(v2, address(v2));
    }

    function _message() internal view returns (IBridge.Message memory) {
        return IBridge.Message(1001, 1002, 1, 1001, address(0xBEEF), 1e18, address(this), address(0xB0B));
    }
}
