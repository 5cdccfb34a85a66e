// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {GuardedUpgradeable} from "../../security/GuardedUpgradeable.sol";

/// @title SLAContractBadLayout (test only)
/// @notice An implementation that is UUPS like the SLAContract but would corrupt its storage: a variable inserted
///         before the SLAContract's (every later slot moves) and the first slot retyped. The storage-layout check
///         must refuse to propose it.
contract SLAContractBadLayout is GuardedUpgradeable {
    /// @notice Inserted at slot 0, where the SLAContract keeps quorum, window and count.
    uint256 public inserted;

    /// @notice Slot 1, where the SLAContract keeps its oracle array.
    mapping(address account => uint256) public balances;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }
}
