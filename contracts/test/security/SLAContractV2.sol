// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {SLAContract} from "../../orchestrator/SLAContract.sol";

/// @title SLAContractV2 (test only)
/// @notice A compatible next version of the SLAContract: every variable where it was, one appended, one new
///         function. Upgrade tests move a live proxy to it and back (rollback).
contract SLAContractV2 is SLAContract {
    /// @notice A note governance can set (the appended variable).
    string private _note;

    /// @notice Which version of the code the proxy runs.
    function version() external pure returns (uint256) {
        return 2;
    }

    /// @notice Sets the note (admin only).
    function setNote(string calldata note_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _note = note_;
    }

    /// @notice The note.
    function note() external view returns (string memory) {
        return _note;
    }
}
