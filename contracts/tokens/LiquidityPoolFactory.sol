// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {Guarded} from "../security/Guarded.sol";
import {ILiquidityPoolFactory} from "./ILiquidityPoolFactory.sol";
import {LiquidityPool} from "./LiquidityPool.sol";

/// @title LiquidityPoolFactory
/// @notice Creates and indexes LiquidityPools (see ILiquidityPoolFactory). Every pool's admin is this factory and its
///         guardian the one this factory was deployed with, fixed at the pool's creation.
/// @dev Asset order: a native pool is (resource, address(0)); a resource/resource pool is sorted by address. The
///      CREATE2 salt is keccak256(abi.encode(token0, token1)); the init code names this factory as the pool's admin,
///      never an account, so a pool's address depends only on the factory and the pair.
///      Pools are administered through the factory, not by an address fixed at the factory's deployment (the deployer
///      key would otherwise administer every pool created after the production hand-over to the timelock). The
///      factory offers three named actions rather than a generic call: it can do nothing to a pool but lift a pause
///      and manage its non-admin roles, and nothing at all to any other contract.
contract LiquidityPoolFactory is ILiquidityPoolFactory, Guarded {
    /// @inheritdoc ILiquidityPoolFactory
    address public immutable poolGuardian;

    /// @inheritdoc ILiquidityPoolFactory
    address[] public allPools;

    /// @inheritdoc ILiquidityPoolFactory
    mapping(address pool => bool) public isPool;

    mapping(address tokenA => mapping(address tokenB => address pool)) private _pools;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE here: creates pools and administers every pool through this factory.
    /// @param guardian Holder of GUARDIAN_ROLE here and in every pool (pauses).
    constructor(address admin, address guardian) Guarded(admin, guardian) {
        poolGuardian = guardian;
    }

    /// @dev Reverts unless `pool` is one of this factory's pools.
    modifier onlyPool(address pool) {
        if (!isPool[pool]) revert PoolFactoryUnknownPool(pool);
        _;
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
        pool = address(new LiquidityPool{salt: keccak256(abi.encode(t0, t1))}(t0, t1, address(this), poolGuardian));
        _pools[t0][t1] = pool;
        _pools[t1][t0] = pool;
        isPool[pool] = true;
        allPools.push(pool);
        emit PoolCreated(t0, t1, pool, allPools.length);
    }

    // The three pool actions below are not `whenNotPaused`: lifting a pool's pause or replacing its guardian during
    // an incident must work while the factory itself is paused, like Guarded's own unpause and role administration.

    /// @inheritdoc ILiquidityPoolFactory
    function unpausePool(address pool) external onlyRole(DEFAULT_ADMIN_ROLE) onlyPool(pool) {
        LiquidityPool(pool).unpause();
    }

    /// @inheritdoc ILiquidityPoolFactory
    function grantPoolRole(address pool, bytes32 role, address account)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        onlyPool(pool)
    {
        if (role == DEFAULT_ADMIN_ROLE) revert PoolFactoryPoolAdminFixed(pool);
        IAccessControl(pool).grantRole(role, account);
    }

    /// @inheritdoc ILiquidityPoolFactory
    function revokePoolRole(address pool, bytes32 role, address account)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        onlyPool(pool)
    {
        if (role == DEFAULT_ADMIN_ROLE) revert PoolFactoryPoolAdminFixed(pool);
        IAccessControl(pool).revokeRole(role, account);
    }

    /// @inheritdoc ILiquidityPoolFactory
    function getPool(address tokenA, address tokenB) external view returns (address) {
        return _pools[tokenA][tokenB];
    }

    /// @inheritdoc ILiquidityPoolFactory
    function poolAddress(address tokenA, address tokenB) external view returns (address) {
        (address t0, address t1) = _order(tokenA, tokenB);
        bytes32 initCodeHash = keccak256(
            abi.encodePacked(type(LiquidityPool).creationCode, abi.encode(t0, t1, address(this), poolGuardian))
        );
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
