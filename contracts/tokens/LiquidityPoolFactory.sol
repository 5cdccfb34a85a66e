// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {Guarded} from "../security/Guarded.sol";
import {ILiquidityPoolFactory} from "./ILiquidityPoolFactory.sol";
import {LiquidityPool} from "./LiquidityPool.sol";

/// @title LiquidityPoolFactory
/// @notice Creates and indexes LiquidityPools (see ILiquidityPoolFactory). Every pool gets the admin and guardian this
///         factory was deployed with, fixed at the pool's creation.
/// @dev Asset order: a native pool is (resource, address(0)); a resource/resource pool is sorted by address. The
///      CREATE2 salt is keccak256(abi.encode(token0, token1)).
contract LiquidityPoolFactory is ILiquidityPoolFactory, Guarded {
    /// @inheritdoc ILiquidityPoolFactory
    address public immutable poolAdmin;

    /// @inheritdoc ILiquidityPoolFactory
    address public immutable poolGuardian;

    /// @inheritdoc ILiquidityPoolFactory
    address[] public allPools;

    mapping(address tokenA => mapping(address tokenB => address pool)) private _pools;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE here (creates pools) and in every pool (unpauses).
    /// @param guardian Holder of GUARDIAN_ROLE here and in every pool (pauses).
    constructor(address admin, address guardian) Guarded(admin, guardian) {
        poolAdmin = admin;
        poolGuardian = guardian;
    }

    /// @inheritdoc ILiquidityPoolFactory
    function createPool(address tokenA, address tokenB)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        whenNotPaused
        returns (address pool)
    {
        (address t0, address t1) = _order(tokenA, tokenB);
        address existing = _pools[t0][t1];
        if (existing != address(0)) revert PoolFactoryPoolExists(existing);
        pool = address(new LiquidityPool{salt: keccak256(abi.encode(t0, t1))}(t0, t1, poolAdmin, poolGuardian));
        _pools[t0][t1] = pool;
        _pools[t1][t0] = pool;
        allPools.push(pool);
        emit PoolCreated(t0, t1, pool, allPools.length);
    }

    /// @inheritdoc ILiquidityPoolFactory
    function getPool(address tokenA, address tokenB) external view returns (address) {
        return _pools[tokenA][tokenB];
    }

    /// @inheritdoc ILiquidityPoolFactory
    function poolAddress(address tokenA, address tokenB) external view returns (address) {
        (address t0, address t1) = _order(tokenA, tokenB);
        bytes32 initCodeHash =
            keccak256(abi.encodePacked(type(LiquidityPool).creationCode, abi.encode(t0, t1, poolAdmin, poolGuardian)));
        return Create2.computeAddress(keccak256(abi.encode(t0, t1)), initCodeHash);
    }

    /// @inheritdoc ILiquidityPoolFactory
    function allPoolsLength() external view returns (uint256) {
        return allPools.length;
    }

    /// @dev (token0, token1) of a pair: native last, otherwise sorted.
    function _order(address tokenA, address tokenB) private pure returns (address, address) {
        if (tokenA == tokenB) revert PoolFactoryInvalidPair(tokenA, tokenB);
        if (tokenA == address(0)) return (tokenB, address(0));
        if (tokenB == address(0)) return (tokenA, address(0));
        return tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }
}
