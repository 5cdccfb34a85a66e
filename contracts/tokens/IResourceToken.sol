// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IResourceToken
/// @notice What the other token contracts use of a resource token (CPU, MEM, STO or NET): a capped, pausable ERC-20
///         with EIP-2612 permit, minted by holders of MINTER_ROLE and burnable by its holders. The token reverts with
///         OpenZeppelin's own errors: `ERC20ExceededCap(increasedSupply, cap)` above the cap, `EnforcedPause()` while
///         paused, `AccessControlUnauthorizedAccount(account, role)` for a mint without MINTER_ROLE, and the
///         EIP-6093 `ERC20*` errors.
interface IResourceToken is IERC20 {
    /// @notice Role allowed to mint (the ResourceMarket, and whatever else governance grants it to).
    /// @return The role identifier, keccak256("MINTER_ROLE").
    function MINTER_ROLE() external view returns (bytes32);

    /// @notice Largest total supply the token can ever have, in base units (18 decimals).
    /// @return The cap.
    function cap() external view returns (uint256);

    /// @notice Mints `amount` base units to `to`. Only MINTER_ROLE; reverts above the cap and while paused.
    /// @param to The receiver.
    /// @param amount Base units to mint.
    function mint(address to, uint256 amount) external;

    /// @notice Destroys `amount` of the caller's tokens.
    /// @param amount Base units to burn.
    function burn(uint256 amount) external;

    /// @notice Destroys `amount` of `account`'s tokens, spending the caller's allowance.
    /// @param account The holder whose tokens are burnt.
    /// @param amount Base units to burn.
    function burnFrom(address account, uint256 amount) external;
}
