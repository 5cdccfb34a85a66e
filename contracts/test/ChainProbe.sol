// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Guarded} from "../security/Guarded.sol";

/// @title ChainProbe
/// @notice Test-only contract that exercises what the chain layer must handle: state writes, events, every kind of
///         revert (custom error with arguments, reason string, panic, empty), and payable value. Not deployed in
///         production.
contract ChainProbe is Guarded {
    /// @notice A value was stored.
    /// @param who The sender.
    /// @param value The new value.
    event ValueStored(address indexed who, uint256 value);

    /// @notice The requested amount is above the limit.
    /// @param requested What was asked.
    /// @param limit The largest allowed amount.
    error ProbeAmountTooLarge(uint256 requested, uint256 limit);

    /// @notice The last stored value.
    uint256 public value;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE.
    constructor(address admin) Guarded(admin, admin) {}

    /// @notice Stores `newValue`; reverts with ProbeAmountTooLarge above 1000.
    /// @param newValue The value to store.
    function store(uint256 newValue) external whenNotPaused {
        if (newValue > 1000) revert ProbeAmountTooLarge(newValue, 1000);
        value = newValue;
        emit ValueStored(msg.sender, newValue);
    }

    /// @notice Always reverts with a reason string.
    function failWithReason() external pure {
        revert("probe: reason string");
    }

    /// @notice Always panics with a division by zero.
    /// @param d The divisor (pass 0).
    /// @return q 1 / d.
    function failWithPanic(uint256 d) external pure returns (uint256 q) {
        return 1 / d;
    }

    /// @notice Always reverts without data.
    function failEmpty() external pure {
        revert();
    }

    /// @notice Accepts ether.
    function deposit() external payable {}
}
