// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {StateAnchor} from "../../contracts/state/StateAnchor.sol";
import {AnchorFixture} from "./StateAnchor.t.sol";
import {UpgradeChecks} from "./utils/UpgradeChecks.sol";

/// @notice StateAnchor behind its UUPS proxy: only DEFAULT_ADMIN_ROLE upgrades (the timelock in production), not
///         the anchorer nor the guardian; the implementation's initializers are locked; anchored roots and their
///         proofs survive an upgrade and a rollback.
contract StateAnchorUpgradeTest is AnchorFixture, UpgradeChecks {
    StateAnchor internal v2;
    bytes32 internal constant LEAF_A = keccak256("a");
    bytes32 internal constant LEAF_B = keccak256("b");

    function setUp() public {
        _deployAnchor();
        v2 = new StateAnchor();
    }

    function test_onlyTheAdminUpgrades(address caller) public {
        vm.assume(caller != admin);
        _assertUpgradeRefused(anchor, caller, address(v2));
    }

    function test_neitherAnchorerNorGuardianUpgrades() public {
        address[2] memory callers = [anchorer, guardian];
        for (uint256 i = 0; i < 2; ++i) {
            _assertUpgradeRefused(anchor, callers[i], address(v2));
        }
    }

    function test_rootsAndProofsSurviveAnUpgradeAndARollback() public {
        bytes32 root = LEAF_A < LEAF_B ? keccak256(abi.encodePacked(LEAF_A, LEAF_B)) : keccak256(abi.encodePacked(LEAF_B, LEAF_A));
        vm.prank(anchorer);
        uint256 batchId = anchor.anchor(root, 2, CID);
        StateAnchor v1 = new StateAnchor();
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = LEAF_B;
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(admin);
            anchor.upgradeToAndCall(i == 0 ? address(v2) : address(v1), "");
            assertEq(anchor.batchCount(), 1, "count kept");
            assertTrue(anchor.batchRoot(batchId) == root, "root kept");
            assertTrue(anchor.verifyRecord(batchId, LEAF_A, proof), "proof still verifies");
            assertTrue(anchor.hasRole(anchor.ANCHORER_ROLE(), anchorer), "roles kept");
        }
        vm.prank(anchorer);
        assertEq(anchor.anchor(keccak256("next"), 1, CID), 2, "anchoring continues the count");
    }

    function test_initializersAreLocked() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        anchor.initialize(address(this), address(this)); // the proxy: initialized once, at deploy
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        v2.initialize(address(this), address(this)); // the implementation: locked
    }

    function test_theImplementationCannotBeUpgradedDirectly() public {
        _assertNotUpgradeableDirectly(v2, address(v2));
    }

    function test_theZeroAdminIsRefused() public {
        StateAnchor impl = new StateAnchor();
        (bool ok,) = address(impl).call(abi.encodeCall(StateAnchor.initialize, (address(0), guardian)));
        assertTrue(!ok, "the implementation refuses any initialization");
    }
}
