// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IResourceToken} from "./IResourceToken.sol";
import {IResourceTokenSet} from "./IResourceTokenSet.sol";
import {ResourceType} from "./ResourceType.sol";

/// @title ResourceTokenSet
/// @notice Base of the contracts that handle all four resource tokens. The addresses are immutables fixed at
///         deployment: reading one costs no storage access, and a contract that holds tokens in escrow can never be
///         re-pointed at another token while it holds them.
abstract contract ResourceTokenSet is IResourceTokenSet {
    IResourceToken private immutable _CPU;
    IResourceToken private immutable _MEM;
    IResourceToken private immutable _STO;
    IResourceToken private immutable _NET;

    /// @param tokens The CPU, MEM, STO and NET ResourceToken addresses, in ResourceType order.
    constructor(address[4] memory tokens) {
        for (uint256 i = 0; i < 4; ++i) {
            if (tokens[i] == address(0)) revert ResourceTokenSetZeroToken(ResourceType(i));
        }
        _CPU = IResourceToken(tokens[0]);
        _MEM = IResourceToken(tokens[1]);
        _STO = IResourceToken(tokens[2]);
        _NET = IResourceToken(tokens[3]);
    }

    /// @inheritdoc IResourceTokenSet
    function resourceToken(ResourceType resource) external view returns (address) {
        return address(_token(resource));
    }

    /// @dev The token of `resource`.
    function _token(ResourceType resource) internal view returns (IResourceToken) {
        if (resource == ResourceType.CPU) return _CPU;
        if (resource == ResourceType.MEM) return _MEM;
        if (resource == ResourceType.STO) return _STO;
        return _NET;
    }
}
