// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title UUPSProxy
/// @notice OpenZeppelin's ERC-1967 proxy, unchanged, compiled with our settings so that deployments and audits can
///         recognise its code: it delegates every call to the implementation in the ERC-1967 slot, and the upgrade
///         logic lives in the implementation (UUPS: `GuardedUpgradeable`, admin only).
/// @dev The constructor calls `data` (the implementation's `initialize`) in the same transaction as the deployment,
///      so nobody can initialize the proxy in between.
contract UUPSProxy is ERC1967Proxy {
    /// @param implementation The first implementation (a `GuardedUpgradeable` contract).
    /// @param data The initializer call, run on the proxy's storage.
    constructor(address implementation, bytes memory data) payable ERC1967Proxy(implementation, data) {}
}
