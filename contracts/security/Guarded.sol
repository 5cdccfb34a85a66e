// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @title Guarded
/// @notice Base of every NovaCron contract that holds value or state: a guardian can pause it at once (the seed's
///         "emergency pause"), only the admin can unpause. In production deployments the admin role belongs to the
///         governance timelock, so resuming after an incident is a governed decision.
abstract contract Guarded is AccessControl, Pausable {
    /// @notice Role allowed to pause the contract in an emergency.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice The admin address is the zero address.
    error GuardedZeroAdmin();

    /// @param admin Holder of DEFAULT_ADMIN_ROLE: grants roles and unpauses (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE: may pause. May be the zero address to add guardians later.
    constructor(address admin, address guardian) {
        if (admin == address(0)) revert GuardedZeroAdmin();
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
}
