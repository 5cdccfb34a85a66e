// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

/// @title GuardedUpgradeable
/// @notice `Guarded` for contracts behind a UUPS (ERC-1967) proxy: a guardian can pause at once, only the admin
///         can unpause, and only the admin can upgrade. In production deployments the admin role belongs to the
///         governance timelock, so every upgrade (and every rollback) is a proposal that waits out the timelock's
///         delay; no externally owned account can upgrade.
/// @dev State lives in OpenZeppelin's ERC-7201 namespaces (roles, pause), so an inheriting contract's own variables
///      start at slot 0 and can be appended to in later versions. Implementations lock their initializers in their
///      constructor (`_disableInitializers`): nobody can initialize or upgrade the implementation contract itself.
abstract contract GuardedUpgradeable is Initializable, AccessControlUpgradeable, PausableUpgradeable, UUPSUpgradeable {
    /// @notice Role allowed to pause the contract in an emergency.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice The admin address is the zero address.
    error GuardedZeroAdmin();

    /// @param admin Holder of DEFAULT_ADMIN_ROLE: grants roles, unpauses and upgrades (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE: may pause. May be the zero address to add guardians later.
    // slither-disable-next-line naming-convention
    function __Guarded_init(address admin, address guardian) internal onlyInitializing {
        if (admin == address(0)) revert GuardedZeroAdmin();
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    /// @notice Stops every function guarded by `whenNotPaused`. Callable by a guardian.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Resumes a paused contract. Callable by the admin only (the timelock in production).
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @dev Upgrades (`upgradeToAndCall`) are the admin's alone: the timelock in production.
    function _authorizeUpgrade(address) internal override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
