// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title INovaToken
/// @notice What NovaToken adds to ERC-20, ERC-2612 and ERC-5805 (IVotes with an ERC-6372 timestamp clock): its errors.
interface INovaToken {
    /// @notice The initial allocation lists have different lengths.
    /// @param holders Number of holders.
    /// @param amounts Number of amounts.
    error NovaTokenAllocationMismatch(uint256 holders, uint256 amounts);
}
