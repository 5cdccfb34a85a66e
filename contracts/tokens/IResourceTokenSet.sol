// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "./ResourceType.sol";

/// @title IResourceTokenSet
/// @notice The four resource-token addresses a contract was deployed with (market, staking, order book).
interface IResourceTokenSet {
    /// @notice A resource token address given at deployment is the zero address.
    /// @param resource The resource whose token is missing.
    error ResourceTokenSetZeroToken(ResourceType resource);

    /// @notice The token contract of `resource`.
    /// @param resource CPU, MEM, STO or NET.
    /// @return The ResourceToken address fixed at deployment.
    function resourceToken(ResourceType resource) external view returns (address);
}
