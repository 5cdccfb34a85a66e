// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title WrappedResourceToken
/// @notice A token of another chain as it exists here: minted by the bridge that created it when a transfer from
///         the home chain is delivered, burned by that bridge when it is sent back. Nobody else can mint or burn it,
///         so its supply is what the bridge delivered minus what went back, which the home chain's bridge holds
///         locked for this route.
contract WrappedResourceToken is ERC20 {
    /// @notice The bridge that mints and burns it.
    address public immutable bridge;

    /// @notice The chain the token lives on.
    uint64 public immutable tokenChainId;

    /// @notice The token's address on its home chain.
    address public immutable token;

    /// @notice The caller is not the bridge.
    /// @param caller Who called.
    error WrappedResourceTokenOnlyBridge(address caller);

    /// @param tokenChainId_ The home chain.
    /// @param token_ The token's address there.
    constructor(
        uint64 tokenChainId_,
        address token_
    ) ERC20("NovaCron Wrapped Token", "ncW") {
        bridge = msg.sender;
        tokenChainId = tokenChainId_;
        token = token_;
    }

    /// @notice Mints `amount` to `to` (the bridge, on a delivered transfer).
    /// @param to The recipient.
    /// @param amount How much.
    function mint(address to, uint256 amount) external {
        if (msg.sender != bridge) revert WrappedResourceTokenOnlyBridge(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns `amount` of `from` (the bridge, when `from` sends it back home through the bridge).
    /// @param from The holder who sends it.
    /// @param amount How much.
    function burn(address from, uint256 amount) external {
        if (msg.sender != bridge) revert WrappedResourceTokenOnlyBridge(msg.sender);
        _burn(from, amount);
    }
}
