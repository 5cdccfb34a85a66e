// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Guarded} from "../security/Guarded.sol";
import {IResourceToken} from "./IResourceToken.sol";

/// @title ResourceToken
/// @notice One contract, four deployments: the NovaCron CPU, MEM, STO and NET tokens (seed §4 "Tokenized Resources").
///         An OpenZeppelin ERC-20 with 18 decimals, EIP-2612 permit, a supply cap fixed at deployment (seed: 1M, 2M,
///         5M and 10M tokens), minting by MINTER_ROLE only, burning by holders, and every balance change (transfer,
///         mint, burn) blocked while a guardian has paused it.
/// @dev Gas: a transfer costs the OpenZeppelin ERC-20 reference plus one cold SLOAD of the pause flag (~2,100 gas).
///      That is the price of "transfers blocked while paused"; nothing else is added to the transfer path (the cap is
///      an immutable and only checked on mint).
contract ResourceToken is IResourceToken, ERC20, ERC20Burnable, ERC20Permit, ERC20Capped, Guarded {
    /// @inheritdoc IResourceToken
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param name_ Token name, also the EIP-712 domain name of permit (e.g. "NovaCron CPU Token").
    /// @param symbol_ Token symbol (e.g. "CPU").
    /// @param cap_ Maximum total supply in base units (1,000,000 CPU tokens is 1_000_000e18).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE: grants MINTER_ROLE, unpauses (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE: may pause (zero address to add guardians later).
    constructor(string memory name_, string memory symbol_, uint256 cap_, address admin, address guardian)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        ERC20Capped(cap_)
        Guarded(admin, guardian)
    {}

    /// @inheritdoc IResourceToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @inheritdoc IResourceToken
    function cap() public view override(IResourceToken, ERC20Capped) returns (uint256) {
        return super.cap();
    }

    /// @inheritdoc IResourceToken
    function burn(uint256 amount) public override(IResourceToken, ERC20Burnable) {
        super.burn(amount);
    }

    /// @inheritdoc IResourceToken
    function burnFrom(address account, uint256 amount) public override(IResourceToken, ERC20Burnable) {
        super.burnFrom(account, amount);
    }

    /// @dev Every balance change goes through here: blocked while paused; the cap is checked on mint by ERC20Capped.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) whenNotPaused {
        super._update(from, to, value);
    }
}
