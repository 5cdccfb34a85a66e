// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title PlainERC20
/// @notice Benchmark reference only (test-only artifact, never deployed by the contract set): a plain OpenZeppelin
///         ERC-20 with no extensions, so the resource token's transfer gas can be compared with the bare standard
///         in the same run (benchmarks/tokens.py).
contract PlainERC20 is ERC20 {
    /// @param holder Receives the whole supply.
    /// @param supply Base units minted to `holder`.
    constructor(address holder, uint256 supply) ERC20("Plain Reference", "REF") {
        _mint(holder, supply);
    }
}
