// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {INovaToken} from "./INovaToken.sol";

/// @title NovaToken
/// @notice NOVA, the NovaCron DAO's votes token (seed §5): an OpenZeppelin ERC-20 with EIP-2612 permit and
///         ERC20Votes checkpoints (liquid democracy: `delegate` / `delegateBySig` hand an account's whole voting
///         power to another account, revocably). The clock is the block timestamp (ERC-6372 `mode=timestamp`), so
///         the governor's voting delay, voting period and snapshots are in seconds, the seed's units.
/// @dev The whole supply is minted once, at deployment, to the initial holders, each self-delegated (their
///      allocation counts as votes from the start, without a delegation transaction each); there is no minter and no
///      pause. A pausable
///      votes token would let a guardian freeze the very votes that govern the guardian; the governance emergency
///      brake is the timelock's CANCELLER_ROLE instead (see NovaGovernor). Votes are only counted once delegated
///      (self-delegation included), as with every ERC20Votes token.
contract NovaToken is INovaToken, ERC20, ERC20Permit, ERC20Votes {
    /// @param holders Initial holders (the deployer, who distributes the rest; dev accounts on dev chains).
    /// @param amounts Their allocations in base units (18 decimals); the total is the whole supply.
    constructor(address[] memory holders, uint256[] memory amounts)
        ERC20("NovaCron Governance", "NOVA")
        ERC20Permit("NovaCron Governance")
    {
        if (holders.length != amounts.length) {
            revert NovaTokenAllocationMismatch(holders.length, amounts.length);
        }
        for (uint256 i = 0; i < holders.length; ++i) {
            _mint(holders[i], amounts[i]);
            _delegate(holders[i], holders[i]);
        }
    }

    /// @notice The ERC-6372 clock: the current block timestamp.
    /// @return The timestamp as a uint48.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice The ERC-6372 clock mode: timestamps.
    /// @return "mode=timestamp".
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @notice EIP-2612 / delegation-by-signature nonce of `owner` (one counter for both).
    /// @param owner The account.
    /// @return The next nonce.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Every balance change moves voting power between delegates.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
