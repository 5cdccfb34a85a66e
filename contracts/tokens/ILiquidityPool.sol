// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ILiquidityPool
/// @notice A constant-product (x * y = k) pool of two assets, resource/native or resource/resource, whose ERC-20 share
///         token is the pool contract itself. A 0.30% fee on every swap input stays in the pool for the liquidity
///         providers. MINIMUM_LIQUIDITY shares are locked on the first deposit. Cumulative prices (UQ112x112, as in
///         Uniswap v2) are updated at most once per block for time-weighted average prices. The native currency is
///         held directly (no wrapped token) and is `address(0)` wherever a token address is expected; it is always
///         `token1` of its pool. Every function moves tokens itself (approve the pool on the tokens first), so a
///         swap or deposit is one transaction with no router.
interface ILiquidityPool {
    /// @notice Liquidity was added.
    /// @param provider The caller, who paid the assets.
    /// @param to The receiver of the shares.
    /// @param amount0 token0 deposited.
    /// @param amount1 token1 deposited (wei in a native pool).
    /// @param liquidity Shares minted to `to`.
    event LiquidityAdded(
        address indexed provider, address indexed to, uint256 amount0, uint256 amount1, uint256 liquidity
    );

    /// @notice Liquidity was removed.
    /// @param provider The caller, whose shares were burnt.
    /// @param to The receiver of the assets.
    /// @param amount0 token0 paid out.
    /// @param amount1 token1 paid out.
    /// @param liquidity Shares burnt.
    event LiquidityRemoved(
        address indexed provider, address indexed to, uint256 amount0, uint256 amount1, uint256 liquidity
    );

    /// @notice A swap was made.
    /// @param sender The caller, who paid the input.
    /// @param to The receiver of the output.
    /// @param tokenIn The asset paid in (address(0) for native).
    /// @param amountIn Input amount (fee included).
    /// @param amountOut Output amount.
    event Swapped(
        address indexed sender, address indexed to, address indexed tokenIn, uint256 amountIn, uint256 amountOut
    );

    /// @notice The reserves changed (after every add, remove, swap and sync), as Uniswap v2's Sync.
    /// @param reserve0 New token0 reserve.
    /// @param reserve1 New token1 reserve.
    event ReservesSynced(uint256 reserve0, uint256 reserve1);

    /// @notice The transaction was mined after its deadline.
    /// @param deadline The caller's deadline (unix seconds).
    /// @param timestamp The block timestamp.
    error PoolDeadlineExpired(uint256 deadline, uint256 timestamp);

    /// @notice An input amount is zero.
    error PoolZeroAmount();

    /// @notice The receiver is the zero address or the pool itself.
    /// @param to The receiver given.
    error PoolInvalidReceiver(address to);

    /// @notice The asset is not one of the pool's two.
    /// @param token The asset given.
    error PoolUnknownToken(address token);

    /// @notice In a native pool, msg.value must equal the native amount named in the call; elsewhere it must be 0.
    /// @param value msg.value.
    /// @param expected The wei the call names.
    error PoolNativeValueMismatch(uint256 value, uint256 expected);

    /// @notice The pool's reserves are empty: add liquidity first.
    error PoolNoLiquidity();

    /// @notice The swap gives less than the caller's bound (or nothing).
    /// @param amountOut What the swap gives.
    /// @param minOut The caller's bound.
    error PoolOutputBelowMin(uint256 amountOut, uint256 minOut);

    /// @notice The deposit would take less of an asset than the caller's minimum.
    /// @param amount What the deposit takes.
    /// @param minimum The caller's minimum.
    error PoolDepositBelowMin(uint256 amount, uint256 minimum);

    /// @notice The withdrawal pays less of an asset than the caller's minimum (or nothing).
    /// @param amount What the withdrawal pays.
    /// @param minimum The caller's minimum.
    error PoolWithdrawalBelowMin(uint256 amount, uint256 minimum);

    /// @notice The deposit is too small to mint a share (or, first deposit, not above MINIMUM_LIQUIDITY squared).
    error PoolInsufficientLiquidityMinted();

    /// @notice A reserve would exceed 2**104 - 1 units.
    /// @param reserve The reserve it would reach.
    error PoolReserveOverflow(uint256 reserve);

    /// @notice The two assets of a pool are the same, or token0 is native.
    /// @param token0 The first asset.
    /// @param token1 The second asset.
    error PoolInvalidPair(address token0, address token1);

    /// @notice Sending native currency failed.
    /// @param to The receiver.
    /// @param amount The wei that could not be sent.
    error PoolNativeTransferFailed(address to, uint256 amount);

    /// @notice Deposits liquidity at the current ratio (all of it on the first deposit) and mints shares to `to`. Of
    ///         the desired amounts the pool takes the largest pair at the reserve ratio, like Uniswap's router; in a
    ///         native pool send `amount1Desired` as msg.value and the unused part is refunded to the caller.
    /// @param amount0Desired Most token0 to deposit.
    /// @param amount1Desired Most token1 to deposit (must equal msg.value in a native pool).
    /// @param amount0Min Least token0 to deposit (slippage bound).
    /// @param amount1Min Least token1 to deposit (slippage bound).
    /// @param to Receiver of the shares.
    /// @param deadline Unix time after which the deposit reverts.
    /// @return amount0 token0 deposited.
    /// @return amount1 token1 deposited.
    /// @return liquidity Shares minted (rounded down).
    function addLiquidity(
        uint256 amount0Desired,
        uint256 amount1Desired,
        uint256 amount0Min,
        uint256 amount1Min,
        address to,
        uint256 deadline
    ) external payable returns (uint256 amount0, uint256 amount1, uint256 liquidity);

    /// @notice Burns `liquidity` of the caller's shares and pays their share of both reserves to `to` (rounded down).
    /// @param liquidity Shares to burn.
    /// @param amount0Min Least token0 to receive.
    /// @param amount1Min Least token1 to receive.
    /// @param to Receiver of the assets.
    /// @param deadline Unix time after which the withdrawal reverts.
    /// @return amount0 token0 paid.
    /// @return amount1 token1 paid.
    function removeLiquidity(uint256 liquidity, uint256 amount0Min, uint256 amount1Min, address to, uint256 deadline)
        external
        returns (uint256 amount0, uint256 amount1);

    /// @notice Swaps exactly `amountIn` of `tokenIn` for the other asset, sent to `to`:
    ///         `out = amountIn * 997 * reserveOut / (reserveIn * 1000 + amountIn * 997)`, rounded down. For a native
    ///         input send `amountIn` as msg.value.
    /// @param tokenIn The asset paid (address(0) for native).
    /// @param amountIn Input amount, fee included.
    /// @param minOut Least output accepted (slippage bound).
    /// @param to Receiver of the output.
    /// @param deadline Unix time after which the swap reverts.
    /// @return amountOut Output amount.
    function swap(address tokenIn, uint256 amountIn, uint256 minOut, address to, uint256 deadline)
        external
        payable
        returns (uint256 amountOut);

    /// @notice Sets the reserves to the pool's balances: assets sent to the pool directly become the providers'.
    function sync() external;

    /// @notice Output of a swap of `amountIn` of `tokenIn` at the current reserves.
    /// @param tokenIn The asset paid (address(0) for native).
    /// @param amountIn Input amount, fee included.
    /// @return Output amount.
    function getAmountOut(address tokenIn, uint256 amountIn) external view returns (uint256);

    /// @notice The reserves and the time of their last update, as Uniswap v2's getReserves.
    /// @return reserve0 token0 reserve.
    /// @return reserve1 token1 reserve.
    /// @return blockTimestampLast Block timestamp (mod 2**32) of the last reserve update.
    function getReserves() external view returns (uint256 reserve0, uint256 reserve1, uint32 blockTimestampLast);

    /// @notice Cumulative prices extrapolated to the current block (what they would be after an update now), for a
    ///         TWAP: `(p1 - p0) / (t1 - t0)` is the average UQ112x112 price over the window. They wrap modulo 2**256;
    ///         subtract with wrapping arithmetic.
    /// @return price0Cumulative Sum of (token1 per token0, UQ112x112) times seconds.
    /// @return price1Cumulative Sum of (token0 per token1, UQ112x112) times seconds.
    /// @return blockTimestamp block.timestamp mod 2**32.
    function currentCumulativePrices()
        external
        view
        returns (uint256 price0Cumulative, uint256 price1Cumulative, uint32 blockTimestamp);

    /// @notice First asset of the pool (a resource token).
    /// @return The token address.
    function token0() external view returns (address);

    /// @notice Second asset of the pool: a resource token, or address(0) for the native currency.
    /// @return The token address, or address(0).
    function token1() external view returns (address);

    /// @notice Sum of (token1 per token0, UQ112x112) times seconds at the last reserve update.
    /// @return The accumulator.
    function price0CumulativeLast() external view returns (uint256);

    /// @notice Sum of (token0 per token1, UQ112x112) times seconds at the last reserve update.
    /// @return The accumulator.
    function price1CumulativeLast() external view returns (uint256);
}
