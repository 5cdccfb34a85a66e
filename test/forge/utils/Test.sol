// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @notice The forge cheatcodes these tests use (forge-std is not in the registries we can reach).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert() external;
    function assume(bool condition) external pure;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function label(address account, string calldata newLabel) external;
}

/// @notice Minimal forge test base: the `IS_TEST` marker, the invariant-target ABI forge reads (a subset of
///         forge-std's StdInvariant: targetContracts, targetSelectors, targetSenders, excludeContracts) and
///         reverting assertions with readable messages.
abstract contract Test {
    /// @notice Marks the contract as a test suite.
    bool public constant IS_TEST = true;

    /// @notice Selectors of one target contract the invariant fuzzer may call (forge-std's StdInvariant.FuzzSelector).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    address[] private _targetContracts;
    address[] private _excludeContracts;
    address[] private _targetSenders;
    FuzzSelector[] private _targetSelectors;

    /// @notice Contracts the invariant fuzzer calls.
    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    /// @notice Contracts the invariant fuzzer must not call.
    function excludeContracts() public view returns (address[] memory) {
        return _excludeContracts;
    }

    /// @notice Senders the invariant fuzzer uses (empty: random).
    function targetSenders() public view returns (address[] memory) {
        return _targetSenders;
    }

    /// @notice Selectors the invariant fuzzer calls per target (empty: all).
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function excludeContract(address target) internal {
        _excludeContracts.push(target);
    }

    function targetSender(address sender) internal {
        _targetSenders.push(sender);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", Strings.toString(a), " != ", Strings.toString(b)));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) {
            revert(string.concat(message, ": ", Strings.toHexString(a), " != ", Strings.toHexString(b)));
        }
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) revert(string.concat(message, ": ", Strings.toString(a), " > ", Strings.toString(b)));
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) revert(string.concat(message, ": ", Strings.toString(a), " < ", Strings.toString(b)));
    }

    /// @dev `x` mapped into [min, max] (forge-std's bound, without the logging).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size;
        unchecked {
            // wraps to 0 only for the full uint256 range, where x is already in range
            size = max - min + 1;
        }
        return min + (x % size);
    }
}
