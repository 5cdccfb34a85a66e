// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ILiquidityPool} from "../../contracts/tokens/ILiquidityPool.sol";
import {ILiquidityPoolFactory} from "../../contracts/tokens/ILiquidityPoolFactory.sol";
import {LiquidityPool} from "../../contracts/tokens/LiquidityPool.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

/// @notice Independent check of a swap's output: the largest `out` keeping the fee-adjusted product at or above k,
///         i.e. (rIn * 1000 + in * 997) * (rOut - out) >= rIn * rOut * 1000.
library SwapCheck {
    function keepsK(uint256 rIn, uint256 rOut, uint256 amountIn, uint256 out) internal pure returns (bool) {
        if (out >= rOut) return false;
        return (rIn * 1000 + amountIn * 997) * (rOut - out) >= rIn * rOut * 1000;
    }
}

contract LiquidityPoolTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    uint256 internal constant FAR = type(uint256).max;
    LiquidityPool internal cpuEth;
    LiquidityPool internal cpuMem;
    ResourceToken internal cpu;
    ResourceToken internal mem;

    function setUp() public {
        _deployAll();
        cpu = tokens[0];
        mem = tokens[1];
        cpuEth = LiquidityPool(factory.createPool(address(cpu), address(0)));
        cpuMem = LiquidityPool(factory.createPool(address(mem), address(cpu)));
        cpu.grantRole(cpu.MINTER_ROLE(), address(this));
        mem.grantRole(mem.MINTER_ROLE(), address(this));
        address[2] memory users = [alice, bob];
        for (uint256 u = 0; u < 2; ++u) {
            cpu.mint(users[u], 100_000e18);
            mem.mint(users[u], 100_000e18);
            vm.deal(users[u], 1_000 ether);
            vm.startPrank(users[u]);
            cpu.approve(address(cpuEth), type(uint256).max);
            cpu.approve(address(cpuMem), type(uint256).max);
            mem.approve(address(cpuMem), type(uint256).max);
            vm.stopPrank();
        }
    }

    function test_factoryOrdersAndIndexesPools() public {
        assertEq(cpuEth.token0(), address(cpu), "native pool token0");
        assertEq(cpuEth.token1(), address(0), "native pool token1");
        (address lo, address hi) =
            address(cpu) < address(mem) ? (address(cpu), address(mem)) : (address(mem), address(cpu));
        assertEq(cpuMem.token0(), lo, "sorted token0");
        assertEq(cpuMem.token1(), hi, "sorted token1");
        assertEq(factory.getPool(address(0), address(cpu)), address(cpuEth), "getPool reversed");
        assertEq(factory.getPool(address(cpu), address(mem)), address(cpuMem), "getPool");
        assertEq(factory.poolAddress(address(0), address(cpu)), address(cpuEth), "CREATE2 address");
        assertEq(factory.allPoolsLength(), 2, "count");
        assertEq(factory.allPools(1), address(cpuMem), "allPools");
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPoolFactory.PoolFactoryPoolExists.selector, address(cpuEth)));
        factory.createPool(address(0), address(cpu));
        vm.expectRevert(
            abi.encodeWithSelector(ILiquidityPoolFactory.PoolFactoryInvalidPair.selector, address(0), address(0))
        );
        factory.createPool(address(0), address(0));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bytes32(0))
        );
        factory.createPool(address(tokens[2]), address(0));
        address predicted = factory.poolAddress(address(tokens[2]), address(0));
        assertEq(factory.createPool(address(0), address(tokens[2])), predicted, "created at the predicted address");
        assertTrue(cpuEth.hasRole(cpuEth.GUARDIAN_ROLE(), address(this)), "pool guardian");
        assertTrue(cpuEth.hasRole(bytes32(0), address(factory)), "the factory administers the pool");
        assertTrue(!cpuEth.hasRole(bytes32(0), address(this)), "the factory's admin does not, directly");
    }

    function _seedNative() internal returns (uint256 liquidity) {
        vm.prank(alice);
        (,, liquidity) = cpuEth.addLiquidity{value: 1e18}(1000e18, 1e18, 0, 0, alice, FAR);
    }

    function test_firstDepositLocksMinimumLiquidity() public {
        uint256 liquidity = _seedNative();
        // sqrt(1000e18 * 1e18) = sqrt(1e39) = 31622776601683793319.98...
        assertEq(liquidity, 31622776601683793319 - 1000, "shares");
        assertEq(cpuEth.balanceOf(alice), liquidity, "alice shares");
        assertEq(cpuEth.balanceOf(cpuEth.LOCKED_LIQUIDITY_HOLDER()), 1000, "locked");
        assertEq(cpuEth.totalSupply(), 31622776601683793319, "supply");
        (uint256 r0, uint256 r1, uint32 t) = cpuEth.getReserves();
        assertEq(r0, 1000e18, "r0");
        assertEq(r1, 1e18, "r1");
        assertEq(t, block.timestamp, "timestamp");
        assertEq(address(cpuEth).balance, 1e18, "eth held");
    }

    function test_firstDepositTooSmall() public {
        vm.prank(alice);
        vm.expectRevert(ILiquidityPool.PoolInsufficientLiquidityMinted.selector);
        cpuEth.addLiquidity{value: 1000}(1000, 1000, 0, 0, alice, FAR); // sqrt = 1000, nothing above the lock
    }

    function test_swapTokenForNativeExact() public {
        _seedNative();
        uint256 amountIn = 10e18;
        // 10e18 * 997 * 1e18 / (1000e18 * 1000 + 10e18 * 997)
        uint256 expected = uint256(9970e36) / (1_000_000e18 + 9970e18);
        assertEq(cpuEth.getAmountOut(address(cpu), amountIn), expected, "quote");
        uint256 before = bob.balance;
        vm.prank(bob);
        uint256 out = cpuEth.swap(address(cpu), amountIn, expected, bob, FAR);
        assertEq(out, expected, "out");
        assertEq(bob.balance - before, expected, "bob paid");
        (uint256 r0, uint256 r1,) = cpuEth.getReserves();
        assertEq(r0, 1010e18, "r0");
        assertEq(r1, 1e18 - expected, "r1");
        assertTrue(SwapCheck.keepsK(1000e18, 1e18, amountIn, out), "k kept");
        assertTrue(!SwapCheck.keepsK(1000e18, 1e18, amountIn, out + 1), "one more would break k");
    }

    function test_swapNativeForToken() public {
        _seedNative();
        uint256 expected = cpuEth.getAmountOut(address(0), 0.1 ether);
        vm.prank(bob);
        uint256 out = cpuEth.swap{value: 0.1 ether}(address(0), 0.1 ether, expected, bob, FAR);
        assertEq(cpu.balanceOf(bob), 100_000e18 + out, "bob got tokens");
        assertTrue(SwapCheck.keepsK(1e18, 1000e18, 0.1 ether, out), "k kept");
        assertTrue(!SwapCheck.keepsK(1e18, 1000e18, 0.1 ether, out + 1), "exact");
        assertEq(address(cpuEth).balance, 1.1 ether, "eth held");
    }

    function testFuzz_swapOutputIsTheLargestThatKeepsK(uint256 r0, uint256 r1, uint256 amountIn, bool zeroForOne)
        public
    {
        r0 = bound(r0, 1e6, 50_000e18);
        r1 = bound(r1, 1e6, 50_000e18);
        vm.prank(alice);
        cpuMem.addLiquidity(r0, r1, 0, 0, alice, FAR);
        address tokenIn = zeroForOne ? cpuMem.token0() : cpuMem.token1();
        (uint256 rIn, uint256 rOut) = zeroForOne ? (r0, r1) : (r1, r0);
        amountIn = bound(amountIn, 1, 50_000e18);
        uint256 out = cpuMem.getAmountOut(tokenIn, amountIn);
        vm.assume(out > 0);
        vm.prank(bob);
        assertEq(cpuMem.swap(tokenIn, amountIn, out, bob, FAR), out, "swap gives the quote");
        assertTrue(SwapCheck.keepsK(rIn, rOut, amountIn, out), "k decreased");
        assertTrue(!SwapCheck.keepsK(rIn, rOut, amountIn, out + 1), "not the largest output");
        (uint256 n0, uint256 n1,) = cpuMem.getReserves();
        assertGe(n0 * n1, r0 * r1, "k");
    }

    function test_addAtRatioRefundsNativeAndRemoveIsProportional() public {
        _seedNative();
        uint256 supply = cpuEth.totalSupply();
        uint256 before = bob.balance;
        // bob offers 100 CPU and 1 ETH; at 1000:1 the pool takes 100 CPU and 0.1 ETH and refunds 0.9 ETH
        vm.prank(bob);
        (uint256 a0, uint256 a1, uint256 liq) = cpuEth.addLiquidity{value: 1 ether}(100e18, 1 ether, 0, 0, bob, FAR);
        assertEq(a0, 100e18, "a0");
        assertEq(a1, 0.1 ether, "a1");
        assertEq(before - bob.balance, 0.1 ether, "refund");
        assertEq(liq, supply / 10, "a tenth of the supply (rounded down)");
        (uint256 r0, uint256 r1,) = cpuEth.getReserves();
        uint256 ts = cpuEth.totalSupply();
        vm.prank(bob);
        (uint256 o0, uint256 o1) = cpuEth.removeLiquidity(liq, 0, 0, bob, FAR);
        assertEq(o0, liq * r0 / ts, "out0");
        assertEq(o1, liq * r1 / ts, "out1");
        assertLe(o0, a0, "no gain token0");
        assertLe(o1, a1, "no gain token1");
        assertEq(cpuEth.balanceOf(bob), 0, "shares burnt");
    }

    function test_feesAccrueToProviders() public {
        uint256 liquidity = _seedNative();
        for (uint256 i = 0; i < 5; ++i) {
            vm.startPrank(bob);
            cpuEth.swap(address(cpu), 50e18, 0, bob, FAR);
            uint256 back = cpuEth.getAmountOut(address(0), 0.04 ether);
            cpuEth.swap{value: 0.04 ether}(address(0), 0.04 ether, back, bob, FAR);
            vm.stopPrank();
        }
        (uint256 r0, uint256 r1,) = cpuEth.getReserves();
        assertGe(r0 * r1, 1000e18 * 1e18, "k grew");
        vm.prank(alice);
        (uint256 o0, uint256 o1) = cpuEth.removeLiquidity(liquidity, 0, 0, alice, FAR);
        // alice's share is worth more than her deposit at the new price: sqrt(o0 * o1) > sqrt(1000e18 * 1e18) - lock
        assertGe(Math.sqrt(o0 * o1), liquidity, "fees earned");
    }

    function test_twapAccumulators() public {
        _seedNative(); // price0 = 1e18 / 1000e18 ETH per CPU, price1 = 1000 CPU per ETH
        uint256 t0 = block.timestamp;
        vm.warp(t0 + 100);
        (uint256 p0, uint256 p1, uint32 ts) = cpuEth.currentCumulativePrices();
        // forge-lint: disable-next-line(divide-before-multiply)
        assertEq(p0, ((uint256(1e18) << 112) / 1000e18) * 100, "p0 extrapolated");
        // forge-lint: disable-next-line(divide-before-multiply)
        assertEq(p1, ((uint256(1000e18) << 112) / 1e18) * 100, "p1 extrapolated");
        assertEq(ts, t0 + 100, "ts");
        vm.prank(bob);
        cpuEth.swap(address(cpu), 1e18, 0, bob, FAR);
        assertEq(cpuEth.price0CumulativeLast(), p0, "stored p0 uses the price before the swap");
        assertEq(cpuEth.price1CumulativeLast(), p1, "stored p1");
        // same block: no further accumulation
        vm.prank(bob);
        cpuEth.swap(address(cpu), 1e18, 0, bob, FAR);
        assertEq(cpuEth.price0CumulativeLast(), p0, "once per block");
        // TWAP over [t0 + 100, t0 + 160] is the price after the two swaps
        (uint256 r0, uint256 r1,) = cpuEth.getReserves();
        vm.warp(t0 + 160);
        (uint256 q0,,) = cpuEth.currentCumulativePrices();
        assertEq((q0 - p0) / 60, (r1 << 112) / r0, "average price");
    }

    function test_syncCreditsDonationsToProviders() public {
        _seedNative();
        vm.prank(bob);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        cpu.transfer(address(cpuEth), 10e18);
        cpuEth.sync();
        (uint256 r0,,) = cpuEth.getReserves();
        assertEq(r0, 1010e18, "donation in reserves");
    }

    function test_errors() public {
        _seedNative();
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolDeadlineExpired.selector, 0, block.timestamp));
        cpuEth.swap(address(cpu), 1e18, 0, bob, 0);
        uint256 out = cpuEth.getAmountOut(address(cpu), 1e18);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolOutputBelowMin.selector, out, out + 1));
        cpuEth.swap(address(cpu), 1e18, out + 1, bob, FAR);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolUnknownToken.selector, address(mem)));
        cpuEth.swap(address(mem), 1e18, 0, bob, FAR);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolNativeValueMismatch.selector, 1, 0));
        cpuEth.swap{value: 1}(address(cpu), 1e18, 0, bob, FAR);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolNativeValueMismatch.selector, 1, 2));
        cpuEth.swap{value: 1}(address(0), 2, 0, bob, FAR);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolInvalidReceiver.selector, address(cpuEth)));
        cpuEth.swap(address(cpu), 1e18, 0, address(cpuEth), FAR);
        vm.expectRevert(ILiquidityPool.PoolZeroAmount.selector);
        cpuEth.swap(address(cpu), 0, 0, bob, FAR);
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolOutputBelowMin.selector, 0, 0));
        cpuEth.swap(address(cpu), 1, 0, bob, FAR); // one base unit of CPU buys less than one wei
        vm.expectRevert(abi.encodeWithSelector(ILiquidityPool.PoolDepositBelowMin.selector, 0.1 ether, 0.2 ether));
        cpuEth.addLiquidity{value: 1 ether}(100e18, 1 ether, 0, 0.2 ether, bob, FAR);
        vm.stopPrank();
        vm.prank(alice);
        vm.expectRevert(ILiquidityPool.PoolNoLiquidity.selector);
        cpuMem.sync();
    }

    function test_pauseStopsSwapsAndLiquidity() public {
        uint256 liquidity = _seedNative();
        cpuEth.pause();
        vm.startPrank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        cpuEth.swap(address(cpu), 1e18, 0, alice, FAR);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        cpuEth.removeLiquidity(liquidity, 0, 0, alice, FAR);
        // shares stay transferable
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        cpuEth.transfer(bob, 1);
        vm.stopPrank();
        // lifted by the factory's admin, through the factory (the pool's admin)
        factory.unpausePool(address(cpuEth));
        vm.prank(alice);
        cpuEth.removeLiquidity(liquidity - 1, 0, 0, alice, FAR);
    }
}

/// @notice Random deposits, withdrawals, swaps, add-then-remove round trips and donations on a native pool and a
///         token pool, by three providers/traders.
contract PoolHandler is Test {
    LiquidityPool[2] public pools;
    ResourceToken public immutable cpu;
    ResourceToken public immutable mem;
    address[3] public actors = [address(0x3001), address(0x3002), address(0x3003)];

    bool public kDecreasedOnSwap;
    bool public shareValueDecreased;
    bool public redeemedMoreThanShare;
    bool public addRemoveProfited;
    bool public swapRoundTripProfited;
    uint256 public swaps;
    uint256 public roundTrips;
    uint256 public adds;
    uint256 public removes;

    constructor(LiquidityPool native_, LiquidityPool pair_, ResourceToken cpu_, ResourceToken mem_) {
        pools = [native_, pair_];
        cpu = cpu_;
        mem = mem_;
        for (uint256 a = 0; a < 3; ++a) {
            vm.deal(actors[a], 1e30); // a pranked call's value comes from the pranked sender
            vm.startPrank(actors[a]);
            for (uint256 p = 0; p < 2; ++p) {
                cpu_.approve(address(pools[p]), type(uint256).max);
                mem_.approve(address(pools[p]), type(uint256).max);
            }
            vm.stopPrank();
        }
    }

    function _fund(address a) internal {
        if (cpu.balanceOf(a) < 1e24) cpu.mint(a, 1e24);
        if (mem.balanceOf(a) < 1e24) mem.mint(a, 1e24); // the handler's tokens have a 1e30 cap
    }

    /// Inputs up to 1e24 are used as they are; larger ones (most fuzz inputs) are spread over every scale from
    /// one unit to 2e24: 10**m + (x mod 10**m) with m from the high bits.
    function _value(uint256 x) internal pure returns (uint256) {
        if (x <= 1e24) return x == 0 ? 1 : x;
        uint256 magnitude = 10 ** ((x >> 200) % 25);
        return magnitude + (x % magnitude);
    }

    /// r0 * r1 / supply**2 (value per share squared) must never fall: compared as 512-bit cross products.
    function _perShare(LiquidityPool p) internal view returns (uint256 k, uint256 s2) {
        (uint256 r0, uint256 r1,) = p.getReserves();
        uint256 s = p.totalSupply();
        return (r0 * r1, s * s);
    }

    function _checkPerShare(LiquidityPool p, uint256 kBefore, uint256 s2Before) internal {
        if (s2Before == 0) return;
        (uint256 kAfter, uint256 s2After) = _perShare(p);
        (uint256 h1, uint256 l1) = Math.mul512(kAfter, s2Before);
        (uint256 h2, uint256 l2) = Math.mul512(kBefore, s2After);
        if (h1 < h2 || (h1 == h2 && l1 < l2)) shareValueDecreased = true;
    }

    function _nativeIn(LiquidityPool p, uint256 amount1) internal view returns (uint256) {
        return p.token1() == address(0) ? amount1 : 0;
    }

    function add(uint256 poolSeed, uint256 actorSeed, uint256 a0, uint256 a1) public {
        LiquidityPool p = pools[poolSeed % 2];
        address a = actors[actorSeed % 3];
        _fund(a);
        a0 = _value(a0);
        a1 = _value(a1);
        (uint256 k, uint256 s2) = _perShare(p);
        uint256 value = _nativeIn(p, a1); // before the prank: it applies to the next call only
        vm.prank(a);
        try p.addLiquidity{value: value}(a0, a1, 0, 0, a, type(uint256).max) {
            ++adds;
        } catch {}
        _checkPerShare(p, k, s2);
    }

    function remove(uint256 poolSeed, uint256 actorSeed, uint256 fraction) external {
        LiquidityPool p = pools[poolSeed % 2];
        address a = actors[actorSeed % 3];
        uint256 liquidity = bound(fraction, 0, p.balanceOf(a));
        if (liquidity == 0) return;
        (uint256 r0, uint256 r1,) = p.getReserves();
        uint256 supply = p.totalSupply();
        (uint256 k, uint256 s2) = _perShare(p);
        vm.prank(a);
        try p.removeLiquidity(liquidity, 0, 0, a, type(uint256).max) returns (uint256 o0, uint256 o1) {
            if (o0 > Math.mulDiv(liquidity, r0, supply) || o1 > Math.mulDiv(liquidity, r1, supply)) {
                redeemedMoreThanShare = true;
            }
            ++removes;
        } catch {}
        _checkPerShare(p, k, s2);
    }

    function swap(uint256 poolSeed, uint256 actorSeed, bool zeroForOne, uint256 amountIn) external {
        LiquidityPool p = pools[poolSeed % 2];
        address a = actors[actorSeed % 3];
        _fund(a);
        amountIn = _value(amountIn);
        address tokenIn = zeroForOne ? p.token0() : p.token1();
        (uint256 k, uint256 s2) = _perShare(p);
        vm.prank(a);
        try p.swap{value: tokenIn == address(0) ? amountIn : 0}(tokenIn, amountIn, 0, a, type(uint256).max) {
            ++swaps;
        } catch {}
        (uint256 kAfter,) = _perShare(p);
        if (kAfter < k) kDecreasedOnSwap = true;
        _checkPerShare(p, k, s2);
    }

    /// Swap then swap the output straight back: never returns more than was put in (buying then selling through a
    /// pool never profits the trader; the fee and the rounding stay with the providers).
    function swapRoundTrip(uint256 poolSeed, uint256 actorSeed, bool zeroForOne, uint256 amountIn) external {
        LiquidityPool p = pools[poolSeed % 2];
        address a = actors[actorSeed % 3];
        _fund(a);
        amountIn = _value(amountIn);
        (address tokenIn, address tokenOut) = zeroForOne ? (p.token0(), p.token1()) : (p.token1(), p.token0());
        (uint256 k,) = _perShare(p);
        vm.prank(a);
        try p.swap{value: tokenIn == address(0) ? amountIn : 0}(tokenIn, amountIn, 0, a, type(uint256).max) returns (
            uint256 out
        ) {
            vm.prank(a);
            try p.swap{value: tokenOut == address(0) ? out : 0}(tokenOut, out, 0, a, type(uint256).max) returns (
                uint256 back
            ) {
                if (back >= amountIn) swapRoundTripProfited = true;
                ++roundTrips;
            } catch {}
        } catch {}
        (uint256 kAfter,) = _perShare(p);
        if (kAfter < k) kDecreasedOnSwap = true;
    }

    /// Deposit then withdraw at once: never returns more of either asset than was put in.
    function addThenRemove(uint256 poolSeed, uint256 actorSeed, uint256 a0, uint256 a1) external {
        LiquidityPool p = pools[poolSeed % 2];
        address a = actors[actorSeed % 3];
        _fund(a);
        a0 = _value(a0);
        a1 = _value(a1);
        uint256 value = _nativeIn(p, a1);
        vm.prank(a);
        try p.addLiquidity{value: value}(a0, a1, 0, 0, a, type(uint256).max) returns (
            uint256 d0, uint256 d1, uint256 liquidity
        ) {
            vm.prank(a);
            try p.removeLiquidity(liquidity, 0, 0, a, type(uint256).max) returns (uint256 o0, uint256 o1) {
                if (o0 > d0 || o1 > d1) addRemoveProfited = true;
            } catch {}
        } catch {}
    }

    function donateAndSync(uint256 poolSeed, uint256 amount) external {
        LiquidityPool p = pools[poolSeed % 2];
        if (p.totalSupply() == 0) return;
        cpu.mint(address(p), bound(amount, 1, 1e20));
        (uint256 k, uint256 s2) = _perShare(p);
        p.sync();
        _checkPerShare(p, k, s2);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 1 days));
    }
}

contract LiquidityPoolInvariantTest is Fixture {
    PoolHandler internal handler;
    LiquidityPool[2] internal pools;

    function setUp() public {
        _deployAll();
        // Pool tests do not need the seed caps: big-cap tokens let the handler trade at every scale for long.
        tokens[0] = new ResourceToken("CPU", "CPU", 1e30, address(this), address(this));
        tokens[1] = new ResourceToken("MEM", "MEM", 1e30, address(this), address(this));
        pools[0] = LiquidityPool(factory.createPool(address(tokens[0]), address(0)));
        pools[1] = LiquidityPool(factory.createPool(address(tokens[0]), address(tokens[1])));
        handler = new PoolHandler(pools[0], pools[1], tokens[0], tokens[1]);
        tokens[0].grantRole(tokens[0].MINTER_ROLE(), address(handler));
        tokens[1].grantRole(tokens[1].MINTER_ROLE(), address(handler));
        targetContract(address(handler));
    }

    function invariant_poolsConserveValueAndShares() public view {
        assertTrue(!handler.kDecreasedOnSwap(), "k decreased across a swap");
        assertTrue(!handler.shareValueDecreased(), "value per share decreased");
        assertTrue(!handler.redeemedMoreThanShare(), "shares redeemed for more than their share");
        assertTrue(!handler.addRemoveProfited(), "add-then-remove returned more than deposited");
        assertTrue(!handler.swapRoundTripProfited(), "a swap and its reverse returned at least the input");
        for (uint256 p = 0; p < 2; ++p) {
            LiquidityPool pool = pools[p];
            (uint256 r0, uint256 r1,) = pool.getReserves();
            assertEq(r0, tokens[0].balanceOf(address(pool)), "reserve0 != balance");
            address t1 = pool.token1();
            uint256 b1 = t1 == address(0) ? address(pool).balance : tokens[1].balanceOf(address(pool));
            assertEq(r1, b1, "reserve1 != balance");
            uint256 supply = pool.totalSupply();
            uint256 held = pool.balanceOf(pool.LOCKED_LIQUIDITY_HOLDER());
            uint256 claim0;
            uint256 claim1;
            for (uint256 a = 0; a < 3; ++a) {
                uint256 bal = pool.balanceOf(handler.actors(a));
                held += bal;
                if (supply > 0) {
                    claim0 += Math.mulDiv(bal, r0, supply);
                    claim1 += Math.mulDiv(bal, r1, supply);
                }
            }
            assertEq(held, supply, "shares do not add up");
            assertLe(claim0, r0, "claims on reserve0 exceed it");
            assertLe(claim1, r1, "claims on reserve1 exceed it");
            if (supply > 0) assertTrue(r0 > 0 && r1 > 0, "a reserve emptied with shares outstanding");
        }
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        for (uint256 p = 0; p < 2; ++p) {
            handler.add(p, 0, 1000e18, 1e18);
            handler.add(p, 1, 10e18, 10e18);
            handler.swap(p, 2, true, 1e18);
            handler.swap(p, 2, false, 1e15);
            handler.swapRoundTrip(p, 0, true, 3e18);
            handler.swapRoundTrip(p, 1, false, 1e15);
            handler.warp(60);
            handler.remove(p, 1, 1e15);
            handler.addThenRemove(p, 2, 5e18, 5e18);
            handler.donateAndSync(p, 1e18);
        }
        assertEq(handler.adds(), 4, "adds");
        assertEq(handler.swaps(), 4, "swaps");
        assertEq(handler.removes(), 2, "removes");
        assertEq(handler.roundTrips(), 4, "round trips");
        assertTrue(pools[0].price0CumulativeLast() > 0, "accumulated");
        invariant_poolsConserveValueAndShares();
    }
}
