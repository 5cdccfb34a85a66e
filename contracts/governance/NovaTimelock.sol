// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title NovaTimelock
/// @notice The DAO's time-lock (seed §5 step 5, 48 hours): OpenZeppelin's TimelockController, unchanged. The
///         NovaGovernor is its only proposer; anyone may execute an operation once its delay has passed (the seed's
///         "automatic execution" is a keeper that does exactly that); the governor and the guardian may cancel.
///         It holds the privileged roles of the other NovaCron contracts, so passed proposals act on the system.
contract NovaTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and earliest execution (config `timelock_delay`).
    /// @param proposers Accounts that may schedule (and cancel) operations: the governor.
    /// @param executors Accounts that may execute ready operations; the zero address means anyone.
    /// @param admin Optional extra admin for the initial wiring (the zero address: the timelock governs itself).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
