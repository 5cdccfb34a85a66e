// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The four tokenized resources of the seed's token economics, in the order the contracts index them
///         (CPU = 0, MEM = 1, STO = 2, NET = 3). In the ABI an enum is a uint8.
enum ResourceType {
    CPU,
    MEM,
    STO,
    NET
}
