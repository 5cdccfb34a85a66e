// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/// @title ReferenceUUPS (benchmarks only)
/// @notice OpenZeppelin's minimal UUPS implementation, as its Contracts Wizard writes one (Ownable, UUPS, one
///         value), deployed behind the same ERC-1967 proxy (`UUPSProxy` is OpenZeppelin's `ERC1967Proxy` with its
///         runtime code unchanged): the yardstick for the proxy overhead and deployment gas of our upgradeable
///         contracts in benchmarks/upgrades.py.
contract ReferenceUUPS is Initializable, OwnableUpgradeable, UUPSUpgradeable {
    /// @notice The one stored value.
    uint256 public value;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy's state (run in the proxy's constructor).
    /// @param initialOwner Who may upgrade.
    function initialize(address initialOwner) external initializer {
        __Ownable_init(initialOwner);
    }

    /// @notice Stores `newValue`.
    /// @param newValue The value.
    function set(uint256 newValue) external {
        value = newValue;
    }

    /// @dev Upgrades are the owner's alone.
    function _authorizeUpgrade(address) internal override onlyOwner {}
}
