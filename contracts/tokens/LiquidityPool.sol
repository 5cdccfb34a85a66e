// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Guarded} from "../security/Guarded.sol";
import {ILiquidityPool} from "./ILiquidityPool.sol";

/// @title LiquidityPool
/// @notice Constant-product pool of two assets whose share token is this contract (see ILiquidityPool).
/// @dev Design, against Uniswap v2's pair + router:
///      - One contract per pair (created by LiquidityPoolFactory), ERC-20 shares as the brief asks; the pair pulls its
///        input with transferFrom itself, so a swap is one call with no router hop and no balanceOf reads. It
///        therefore trusts its tokens to move exactly the amounts asked, which holds for ResourceToken and is why the
///        factory only creates pools by admin decision. Assets sent to the pool directly are not lost: `sync`
///        credits them to the providers.
///      - Removing liquidity burns the caller's own shares in place: no share transfer to the pair first.
///      - Storage: the reserves (uint104 each) and the last update time (uint32) share one slot with Pausable's
///        `_paused` flag, so the pause check and the reserve read cost one cold SLOAD, and the reserve update one
///        SSTORE. 2**104 base units is 2 * 10**13 whole 18-decimal tokens, far above every resource token's cap.
///      - The native currency is held directly (token1 == address(0)): no WETH wrap/unwrap.
///      - TWAP: Uniswap v2's UQ112x112 accumulators, updated on the first reserve change of a block, so existing
///        oracle code and reasoning carry over.
///      - Reentrancy: OpenZeppelin's ReentrancyGuard, state written before any token or native transfer. (Its
///        transient-storage variant would save ~2k gas per call but makes solc warn on every build.) It is inherited
///        before Guarded so that Pausable's flag stays the last inherited variable and the reserves can pack with it.
contract LiquidityPool is ILiquidityPool, ERC20, ReentrancyGuard, Guarded {
    using SafeERC20 for IERC20;

    /// @notice Shares locked forever on the first deposit (minted to LOCKED_LIQUIDITY_HOLDER), so the share price
    ///         cannot be inflated to round later deposits to nothing.
    uint256 public constant MINIMUM_LIQUIDITY = 1000;

    /// @notice Holder of the locked MINIMUM_LIQUIDITY shares (OpenZeppelin's ERC20 refuses to mint to address(0)).
    address public constant LOCKED_LIQUIDITY_HOLDER = 0x000000000000000000000000000000000000dEaD;

    /// @inheritdoc ILiquidityPool
    address public immutable token0;

    /// @inheritdoc ILiquidityPool
    address public immutable token1;

    /// @dev token1 is the native currency.
    bool private immutable _NATIVE;

    // These three pack into the slot of Pausable's `_paused` flag (1 + 13 + 13 + 4 bytes): see the contract notes.
    uint104 private _reserve0;
    uint104 private _reserve1;
    uint32 private _blockTimestampLast;

    /// @inheritdoc ILiquidityPool
    uint256 public price0CumulativeLast;

    /// @inheritdoc ILiquidityPool
    uint256 public price1CumulativeLast;

    /// @param token0_ First asset: a resource token.
    /// @param token1_ Second asset: another resource token, or address(0) for the native currency.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (unpauses, manages roles): the LiquidityPoolFactory creating it, which
    ///        acts on its admin's behalf (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE (pauses).
    constructor(address token0_, address token1_, address admin, address guardian)
        ERC20("NovaCron Resource Liquidity", "NCR-LP")
        Guarded(admin, guardian)
    {
        if (token0_ == address(0) || token0_ == token1_) revert PoolInvalidPair(token0_, token1_);
        token0 = token0_;
        token1 = token1_;
        _NATIVE = token1_ == address(0);
    }

    /// @inheritdoc ILiquidityPool
    function addLiquidity(
        uint256 amount0Desired,
        uint256 amount1Desired,
        uint256 amount0Min,
        uint256 amount1Min,
        address to,
        uint256 deadline
    ) external payable nonReentrant whenNotPaused returns (uint256 amount0, uint256 amount1, uint256 liquidity) {
        _checkDeadlineAndReceiver(deadline, to);
        uint256 nativeIn = _NATIVE ? amount1Desired : 0;
        if (msg.value != nativeIn) revert PoolNativeValueMismatch(msg.value, nativeIn);
        if (amount0Desired > type(uint104).max) revert PoolReserveOverflow(amount0Desired);
        if (amount1Desired > type(uint104).max) revert PoolReserveOverflow(amount1Desired);
        (uint256 r0, uint256 r1, uint32 last) = _getReserves();
        (amount0, amount1, liquidity) = _depositAmounts(amount0Desired, amount1Desired, r0, r1);
        if (amount0 < amount0Min) revert PoolDepositBelowMin(amount0, amount0Min);
        if (amount1 < amount1Min) revert PoolDepositBelowMin(amount1, amount1Min);
        // slither-disable-next-line incorrect-equality
        if (liquidity == 0) revert PoolInsufficientLiquidityMinted(); // computed from reserves, not balances
        _setReserves(r0 + amount0, r1 + amount1, r0, r1, last);
        _mint(to, liquidity);
        emit LiquidityAdded(msg.sender, to, amount0, amount1, liquidity);

        IERC20(token0).safeTransferFrom(msg.sender, address(this), amount0);
        if (_NATIVE) {
            if (amount1Desired > amount1) {
                unchecked {
                    // amount1Desired > amount1 was just checked.
                    _sendNative(msg.sender, amount1Desired - amount1);
                }
            }
        } else {
            IERC20(token1).safeTransferFrom(msg.sender, address(this), amount1);
        }
    }

    /// @inheritdoc ILiquidityPool
    function removeLiquidity(uint256 liquidity, uint256 amount0Min, uint256 amount1Min, address to, uint256 deadline)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 amount0, uint256 amount1)
    {
        _checkDeadlineAndReceiver(deadline, to);
        if (liquidity == 0) revert PoolZeroAmount();
        (uint256 r0, uint256 r1, uint32 last) = _getReserves();
        uint256 supply = totalSupply();
        _burn(msg.sender, liquidity); // reverts unless the caller holds `liquidity`, so liquidity <= supply
        amount0 = Math.mulDiv(liquidity, r0, supply);
        amount1 = Math.mulDiv(liquidity, r1, supply);
        // Amounts computed from the reserves (internal accounting), not from balances.
        // slither-disable-next-line incorrect-equality
        if (amount0 == 0 || amount0 < amount0Min) revert PoolWithdrawalBelowMin(amount0, amount0Min);
        // slither-disable-next-line incorrect-equality
        if (amount1 == 0 || amount1 < amount1Min) revert PoolWithdrawalBelowMin(amount1, amount1Min);
        unchecked {
            // amount_i = floor(liquidity * r_i / supply) <= r_i because liquidity <= supply.
            _setReserves(r0 - amount0, r1 - amount1, r0, r1, last);
        }
        emit LiquidityRemoved(msg.sender, to, amount0, amount1, liquidity);

        IERC20(token0).safeTransfer(to, amount0);
        _pay(token1, to, amount1);
    }

    /// @inheritdoc ILiquidityPool
    function swap(address tokenIn, uint256 amountIn, uint256 minOut, address to, uint256 deadline)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 amountOut)
    {
        _checkDeadlineAndReceiver(deadline, to);
        if (amountIn == 0) revert PoolZeroAmount();
        if (amountIn > type(uint104).max) revert PoolReserveOverflow(amountIn);
        bool zeroForOne = tokenIn == token0;
        if (!zeroForOne && tokenIn != token1) revert PoolUnknownToken(tokenIn);
        uint256 nativeIn = (_NATIVE && !zeroForOne) ? amountIn : 0;
        if (msg.value != nativeIn) revert PoolNativeValueMismatch(msg.value, nativeIn);
        (uint256 r0, uint256 r1, uint32 last) = _getReserves();
        if (zeroForOne) {
            amountOut = _getAmountOut(amountIn, r0, r1);
            // slither-disable-next-line incorrect-equality
            if (amountOut == 0 || amountOut < minOut) revert PoolOutputBelowMin(amountOut, minOut); // from reserves
            unchecked {
                // amountOut = in * 997 * r1 / (r0 * 1000 + in * 997) < r1 because r0 > 0 (_getAmountOut checks);
                // r0 + amountIn < 2**105. _setReserves rejects a reserve above 2**104 - 1.
                _setReserves(r0 + amountIn, r1 - amountOut, r0, r1, last);
            }
        } else {
            amountOut = _getAmountOut(amountIn, r1, r0);
            // slither-disable-next-line incorrect-equality
            if (amountOut == 0 || amountOut < minOut) revert PoolOutputBelowMin(amountOut, minOut); // from reserves
            unchecked {
                // amountOut < r0 and r1 + amountIn < 2**105, as above.
                _setReserves(r0 - amountOut, r1 + amountIn, r0, r1, last);
            }
        }
        emit Swapped(msg.sender, to, tokenIn, amountIn, amountOut);

        if (zeroForOne) {
            IERC20(token0).safeTransferFrom(msg.sender, address(this), amountIn);
            _pay(token1, to, amountOut);
        } else {
            if (!_NATIVE) IERC20(token1).safeTransferFrom(msg.sender, address(this), amountIn);
            IERC20(token0).safeTransfer(to, amountOut);
        }
    }

    /// @inheritdoc ILiquidityPool
    function sync() external nonReentrant whenNotPaused {
        // Shares are only minted and burnt by this contract: no donation changes the supply.
        // slither-disable-next-line incorrect-equality
        if (totalSupply() == 0) revert PoolNoLiquidity();
        (uint256 r0, uint256 r1, uint32 last) = _getReserves();
        uint256 balance0 = IERC20(token0).balanceOf(address(this));
        uint256 balance1 = _NATIVE ? address(this).balance : IERC20(token1).balanceOf(address(this));
        _setReserves(balance0, balance1, r0, r1, last);
        emit ReservesSynced(balance0, balance1);
    }

    /// @inheritdoc ILiquidityPool
    function getAmountOut(address tokenIn, uint256 amountIn) external view returns (uint256) {
        if (amountIn > type(uint104).max) revert PoolReserveOverflow(amountIn);
        (uint256 r0, uint256 r1,) = _getReserves();
        if (tokenIn == token0) return _getAmountOut(amountIn, r0, r1);
        if (tokenIn == token1) return _getAmountOut(amountIn, r1, r0);
        revert PoolUnknownToken(tokenIn);
    }

    /// @inheritdoc ILiquidityPool
    function getReserves() external view returns (uint256 reserve0, uint256 reserve1, uint32 blockTimestampLast) {
        return _getReserves();
    }

    /// @inheritdoc ILiquidityPool
    function currentCumulativePrices()
        external
        view
        returns (uint256 price0Cumulative, uint256 price1Cumulative, uint32 blockTimestamp)
    {
        (uint256 r0, uint256 r1, uint32 last) = _getReserves();
        price0Cumulative = price0CumulativeLast;
        price1Cumulative = price1CumulativeLast;
        blockTimestamp = uint32(block.timestamp); // mod 2**32 on purpose, as Uniswap v2
        if (blockTimestamp != last && r0 != 0 && r1 != 0) {
            (uint256 p0, uint256 p1) = _priceIncrements(r0, r1, blockTimestamp, last);
            unchecked {
                // The accumulators wrap by design; differences stay correct modulo 2**256.
                price0Cumulative += p0;
                price1Cumulative += p1;
            }
        }
    }

    /// @dev The amounts a deposit takes and the shares it mints; on the first deposit also locks MINIMUM_LIQUIDITY.
    function _depositAmounts(uint256 amount0Desired, uint256 amount1Desired, uint256 r0, uint256 r1)
        private
        returns (uint256 amount0, uint256 amount1, uint256 liquidity)
    {
        uint256 supply = totalSupply();
        // Shares are only minted and burnt here: no donation can make the supply look empty or not.
        // slither-disable-next-line incorrect-equality
        if (supply == 0) {
            (amount0, amount1) = (amount0Desired, amount1Desired);
            // both < 2**104 (checked by the caller), so the product fits
            uint256 root = Math.sqrt(amount0 * amount1);
            if (root <= MINIMUM_LIQUIDITY) revert PoolInsufficientLiquidityMinted();
            unchecked {
                // root > MINIMUM_LIQUIDITY was just checked.
                liquidity = root - MINIMUM_LIQUIDITY;
            }
            _mint(LOCKED_LIQUIDITY_HOLDER, MINIMUM_LIQUIDITY);
        } else {
            // With shares outstanding both reserves are non-zero: swaps leave at least one unit out and withdrawals
            // leave at least the locked shares' part.
            uint256 amount1Optimal = amount0Desired * r1 / r0;
            if (amount1Optimal <= amount1Desired) {
                (amount0, amount1) = (amount0Desired, amount1Optimal);
            } else {
                // amount0Desired * r1 / r0 > amount1Desired implies amount1Desired * r0 / r1 <= amount0Desired.
                (amount0, amount1) = (amount1Desired * r0 / r1, amount1Desired);
            }
            liquidity = Math.min(Math.mulDiv(amount0, supply, r0), Math.mulDiv(amount1, supply, r1));
        }
    }

    /// @dev `amountIn * 997 * reserveOut / (reserveIn * 1000 + amountIn * 997)`, rounded down; all operands < 2**104.
    function _getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) private pure returns (uint256) {
        // The reserves are internal accounting, not balances: only this contract sets them.
        // slither-disable-next-line incorrect-equality
        if (reserveIn == 0 || reserveOut == 0) revert PoolNoLiquidity();
        uint256 amountInWithFee = amountIn * 997;
        return amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
    }

    /// @dev Reads the packed reserve slot once.
    function _getReserves() private view returns (uint256 r0, uint256 r1, uint32 last) {
        return (_reserve0, _reserve1, _blockTimestampLast);
    }

    /// @dev Stores new reserves and, on the first change in a block, adds the old prices times the elapsed seconds to
    ///      the accumulators.
    function _setReserves(uint256 balance0, uint256 balance1, uint256 r0, uint256 r1, uint32 last) private {
        if (balance0 > type(uint104).max) revert PoolReserveOverflow(balance0);
        if (balance1 > type(uint104).max) revert PoolReserveOverflow(balance1);
        uint32 now32 = uint32(block.timestamp); // mod 2**32 on purpose, as Uniswap v2
        if (now32 != last && r0 != 0 && r1 != 0) {
            (uint256 p0, uint256 p1) = _priceIncrements(r0, r1, now32, last);
            unchecked {
                // The accumulators wrap by design; differences stay correct modulo 2**256.
                price0CumulativeLast += p0;
                price1CumulativeLast += p1;
            }
        }
        // Both fit: checked at the top.
        // forge-lint: disable-next-line(unsafe-typecast)
        _reserve0 = uint104(balance0);
        // forge-lint: disable-next-line(unsafe-typecast)
        _reserve1 = uint104(balance1);
        _blockTimestampLast = now32;
    }

    /// @dev What the accumulators gain between `last` and `now32` (both mod 2**32) at reserves r0, r1 (both non-zero):
    ///      each UQ112x112 price, rounded down, times the elapsed seconds, exactly as Uniswap v2.
    function _priceIncrements(uint256 r0, uint256 r1, uint32 now32, uint32 last)
        private
        pure
        returns (uint256 p0, uint256 p1)
    {
        // Dividing first is the point: the price is fixed-point (2**112) before it is weighted by time.
        // slither-disable-start divide-before-multiply
        // forge-lint: disable-start(divide-before-multiply)
        unchecked {
            // The elapsed time wraps with the 32-bit timestamp by design. r0, r1 < 2**104, so each price is below
            // 2**216 and each product below 2**248: no overflow.
            uint256 elapsed = uint32(now32 - last);
            p0 = ((r1 << 112) / r0) * elapsed;
            p1 = ((r0 << 112) / r1) * elapsed;
        }
        // forge-lint: disable-end(divide-before-multiply)
        // slither-disable-end divide-before-multiply
    }

    /// @dev Revert unless the deadline has not passed and the receiver can hold the output.
    function _checkDeadlineAndReceiver(uint256 deadline, address to) private view {
        // A deadline is wall-clock time by design; a validator's few seconds of skew do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert PoolDeadlineExpired(deadline, block.timestamp);
        if (to == address(0) || to == address(this)) revert PoolInvalidReceiver(to);
    }

    /// @dev Pays `amount` of `token` (address(0): native) to `to`.
    function _pay(address token, address to, uint256 amount) private {
        if (token == address(0)) _sendNative(to, amount);
        else IERC20(token).safeTransfer(to, amount);
    }

    /// @dev Sends wei without copying return data.
    function _sendNative(address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!ok) revert PoolNativeTransferFailed(to, amount);
    }
}
