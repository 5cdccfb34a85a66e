// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The cheatcodes the symbolic tests use; halmos implements them (forge-std is not reachable here).
interface HalmosVm {
    function assume(bool condition) external pure;
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function store(address target, bytes32 slot, bytes32 value) external;
}

/// @notice Base of the halmos suites. Every `check_` function's parameters are symbolic: halmos proves its
///         `assert`s for all their values (within the stated `assume`s), or prints a counterexample. A path that
///         reverts is not a failure in halmos, so the properties are stated with `assert` only, never with a
///         reverting helper.
abstract contract SymTest {
    /// @notice Marks the contract as a test suite.
    bool public constant IS_TEST = true;

    HalmosVm internal constant vm = HalmosVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
}
