// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {Test} from "./Test.sol";

/// @notice The refusals every UUPS upgrade test checks: only DEFAULT_ADMIN_ROLE upgrades a proxy (the timelock in
///         production), and an implementation is never upgraded directly, only through a proxy.
abstract contract UpgradeChecks is Test {
    /// @dev `caller`, not an admin, is refused the upgrade of `proxy` to `implementation`
    function _assertUpgradeRefused(UUPSUpgradeable proxy, address caller, address implementation) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, bytes32(0))
        );
        vm.prank(caller);
        proxy.upgradeToAndCall(implementation, "");
    }

    /// @dev `implementation` refuses to be upgraded when called directly (not through a proxy)
    function _assertNotUpgradeableDirectly(UUPSUpgradeable implementation, address next) internal {
        vm.expectRevert(UUPSUpgradeable.UUPSUnauthorizedCallContext.selector);
        implementation.upgradeToAndCall(next, "");
    }
}
