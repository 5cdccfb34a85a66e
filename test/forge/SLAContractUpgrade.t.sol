// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {SLAContract} from "../../contracts/orchestrator/SLAContract.sol";
import {UUPSProxy} from "../../contracts/security/UUPSProxy.sol";
import {SLAContractV2} from "../../contracts/test/security/SLAContractV2.sol";
import {UpgradeChecks} from "./utils/UpgradeChecks.sol";

/// @notice `_authorizeUpgrade`: only DEFAULT_ADMIN_ROLE upgrades (the timelock in production); the implementation's
///         initializers are locked; state survives an upgrade and a rollback.
contract SLAContractUpgradeTest is UpgradeChecks {
    SLAContract internal sla;
    SLAContract internal v1;
    SLAContractV2 internal v2;
    address internal timelock = address(0x71E10C);
    address internal guardian = address(0x6A2D);
    address internal oracle = address(0x0A1);

    function setUp() public {
        address[] memory oracles = new address[](1);
        oracles[0] = oracle;
        v1 = new SLAContract();
        v2 = new SLAContractV2();
        bytes memory init = abi.encodeCall(SLAContract.initialize, (timelock, guardian, oracles, 1, 1 days));
        sla = SLAContract(address(new UUPSProxy(address(v1), init)));
    }

    function test_onlyTheAdminUpgrades(address caller) public {
        vm.assume(caller != timelock);
        _assertUpgradeRefused(sla, caller, address(v2));
    }

    function test_theGuardianCannotUpgrade() public {
        _assertUpgradeRefused(sla, guardian, address(v2));
    }

    function test_theAdminUpgradesAndRollsBackWithStateKept() public {
        vm.prank(timelock);
        sla.setDisputeWindow(2 days);
        vm.prank(timelock);
        sla.upgradeToAndCall(address(v2), "");
        assertEq(SLAContractV2(address(sla)).version(), 2, "runs v2");
        assertEq(sla.disputeWindow(), 2 days, "state kept across the upgrade");
        (address[] memory oracles, uint256 quorum) = sla.oracleSet();
        assertEq(oracles[0], oracle, "oracles kept");
        assertEq(quorum, 1, "quorum kept");
        assertTrue(sla.hasRole(sla.DEFAULT_ADMIN_ROLE(), timelock), "roles kept");
        vm.prank(timelock);
        sla.upgradeToAndCall(address(v1), "");
        assertEq(sla.disputeWindow(), 2 days, "state kept across the rollback");
        (bool ok,) = address(sla).call(abi.encodeCall(SLAContractV2.version, ()));
        assertTrue(!ok, "v2's function is gone after the rollback");
    }

    function test_aNonUupsImplementationIsRefused() public {
        vm.prank(timelock);
        vm.expectRevert(); // ERC1967InvalidImplementation: no proxiableUUID, the proxy would be bricked
        sla.upgradeToAndCall(address(0xDEAD), "");
    }

    function test_initializersAreLocked() public {
        address[] memory oracles = new address[](1);
        oracles[0] = oracle;
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        sla.initialize(address(this), address(this), oracles, 1, 1 days); // the proxy: initialized once
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        v1.initialize(address(this), address(this), oracles, 1, 1 days); // the implementation: locked
    }

    function test_theImplementationCannotBeUpgradedDirectly() public {
        _assertNotUpgradeableDirectly(v1, address(v2));
    }
}
