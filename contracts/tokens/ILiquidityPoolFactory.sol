// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ILiquidityPoolFactory
/// @notice Creates LiquidityPools (resource/native and resource/resource) at CREATE2 addresses and keeps the
///         registry of them. Pool creation is an admin decision (governance), since pools trust their tokens to move
///         exactly the amounts asked (no fee-on-transfer or rebasing tokens); providing liquidity is open to anyone.
///         Every pool's DEFAULT_ADMIN_ROLE is this factory, for good: its admin (the timelock in production) acts on a
///         pool only through unpausePool, grantPoolRole and revokePoolRole, so whoever governs the factory governs
///         every pool, those created at deployment and those created later alike.
interface ILiquidityPoolFactory {
    /// @notice A pool was created.
    /// @param token0 Its first asset.
    /// @param token1 Its second asset (address(0) for native).
    /// @param pool The pool's address.
    /// @param poolCount The number of pools after this one.
    event PoolCreated(address indexed token0, address indexed token1, address pool, uint256 poolCount);

    /// @notice A pool of these two assets exists already.
    /// @param pool Its address.
    error PoolFactoryPoolExists(address pool);

    /// @notice The two assets are the same, or both are native.
    /// @param tokenA The first asset given.
    /// @param tokenB The second asset given.
    error PoolFactoryInvalidPair(address tokenA, address tokenB);

    /// @notice The address is no pool this factory created.
    /// @param pool The address given.
    error PoolFactoryUnknownPool(address pool);

    /// @notice A pool's DEFAULT_ADMIN_ROLE cannot be granted or revoked: it stays this factory's, so that the pool
    ///         answers to whoever governs the factory and can always be unpaused.
    /// @param pool The pool.
    error PoolFactoryPoolAdminFixed(address pool);

    /// @notice Creates the pool of `tokenA` and `tokenB` (address(0) for native; order does not matter). Admin only.
    /// @param tokenA One asset.
    /// @param tokenB The other asset.
    /// @return pool The new pool's address.
    function createPool(address tokenA, address tokenB) external returns (address pool);

    /// @notice Lifts the pause of one of this factory's pools (pools are paused by their guardians). Admin only (the
    ///         timelock in production); works while the factory itself is paused, as in an incident.
    /// @param pool The pool.
    function unpausePool(address pool) external;

    /// @notice Grants `role` on one of this factory's pools (a pool's roles besides the fixed admin: GUARDIAN_ROLE).
    ///         Admin only. Emits the pool's RoleGranted, unless `account` holds the role already.
    /// @param pool The pool.
    /// @param role The role; DEFAULT_ADMIN_ROLE is refused (PoolFactoryPoolAdminFixed).
    /// @param account Who gets it.
    function grantPoolRole(address pool, bytes32 role, address account) external;

    /// @notice Revokes `role` on one of this factory's pools. Admin only. Emits the pool's RoleRevoked, unless
    ///         `account` does not hold the role.
    /// @param pool The pool.
    /// @param role The role; DEFAULT_ADMIN_ROLE is refused (PoolFactoryPoolAdminFixed).
    /// @param account Who loses it.
    function revokePoolRole(address pool, bytes32 role, address account) external;

    /// @notice The pool of two assets, in either order; address(0) if none.
    /// @param tokenA One asset (address(0) for native).
    /// @param tokenB The other asset.
    /// @return The pool's address.
    function getPool(address tokenA, address tokenB) external view returns (address);

    /// @notice The address the pool of two assets has or will have.
    /// @param tokenA One asset (address(0) for native).
    /// @param tokenB The other asset.
    /// @return The CREATE2 address.
    function poolAddress(address tokenA, address tokenB) external view returns (address);

    /// @notice Number of pools created.
    /// @return The count.
    function allPoolsLength() external view returns (uint256);

    /// @notice The `index`-th pool created.
    /// @param index Position, from 0.
    /// @return The pool's address.
    function allPools(uint256 index) external view returns (address);

    /// @notice Whether this factory created `pool` (and so administers it).
    /// @param pool The address.
    /// @return True for a pool of this factory.
    function isPool(address pool) external view returns (bool);

    /// @notice GUARDIAN_ROLE holder of every pool this factory creates.
    /// @return The address.
    function poolGuardian() external view returns (address);
}
