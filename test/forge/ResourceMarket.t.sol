// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IResourceMarket} from "../../contracts/tokens/IResourceMarket.sol";
import {ResourceMarket} from "../../contracts/tokens/ResourceMarket.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

/// @notice The curve's cost written independently of the contract: the integral expanded as
///         base * (a + ((s + a)^2 - s^2) / (2K)) / 1e18 over one common denominator, K = steepness * 1e18.
library CurveMath {
    function exact(uint256 base, uint256 steepness, uint256 s, uint256 a)
        internal
        pure
        returns (uint256 numerator, uint256 denominator)
    {
        uint256 k = steepness * 1e18;
        numerator = base * (2 * k * a + (s + a) * (s + a) - s * s);
        denominator = 2 * k * 1e18;
    }

    function buyCost(uint256 base, uint256 steepness, uint256 s, uint256 a) internal pure returns (uint256) {
        (uint256 n, uint256 d) = exact(base, steepness, s, a);
        return (n + d - 1) / d;
    }

    function sellPayout(uint256 base, uint256 steepness, uint256 s, uint256 a) internal pure returns (uint256) {
        (uint256 n, uint256 d) = exact(base, steepness, s - a, a);
        return n / d;
    }
}

contract ResourceMarketTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    uint256 internal constant FAR = type(uint256).max;

    function setUp() public {
        _deployAll();
        vm.deal(alice, 1e30);
        vm.deal(bob, 1e30);
        for (uint256 i = 0; i < 4; ++i) {
            vm.prank(alice);
            tokens[i].approve(address(market), type(uint256).max);
            vm.prank(bob);
            tokens[i].approve(address(market), type(uint256).max);
        }
    }

    function _buy(address who, ResourceType r, uint256 amount) internal returns (uint256 cost) {
        uint256 quote = market.quoteBuy(r, amount);
        vm.prank(who);
        cost = market.buy{value: quote}(r, amount, quote, who, FAR);
    }

    function _sell(address who, ResourceType r, uint256 amount) internal returns (uint256 payout) {
        vm.prank(who);
        payout = market.sell(r, amount, 0, who, FAR);
    }

    /// base 1 ETH, steepness 1 token: price(x) = 1 + x ETH, so the integrals are easy to check by hand.
    function test_exactIntegralOnAHandCheckableCurve() public {
        market.setCurve(ResourceType.CPU, 1e18, 1);
        assertEq(market.getSpotPrice(ResourceType.CPU), 1e18, "spot at 0");
        assertEq(market.quoteBuy(ResourceType.CPU, 1e18), 1.5e18, "0 -> 1: 1 + 1/2");
        assertEq(market.quoteBuy(ResourceType.CPU, 2e18), 4e18, "0 -> 2: 2 + 4/2");
        assertEq(market.quoteBuy(ResourceType.CPU, 0.5e18), 0.625e18, "0 -> 0.5: 0.5 + 0.25/2");
        assertEq(_buy(alice, ResourceType.CPU, 1e18), 1.5e18, "first token");
        assertEq(market.getSpotPrice(ResourceType.CPU), 2e18, "spot at 1");
        assertEq(_buy(bob, ResourceType.CPU, 1e18), 2.5e18, "1 -> 2: 1 + 3/2");
        assertEq(market.getSpotPrice(ResourceType.CPU), 3e18, "spot at 2");
        assertEq(market.quoteSell(ResourceType.CPU, 2e18), 4e18, "2 -> 0");
        assertEq(market.requiredCollateral(), 4e18, "required collateral");
        assertEq(address(market).balance, 4e18, "collateral held");
        uint256 before = alice.balance;
        assertEq(_sell(alice, ResourceType.CPU, 1e18), 2.5e18, "sell 2 -> 1");
        assertEq(alice.balance - before, 2.5e18, "alice paid");
        assertEq(tokens[0].totalSupply(), 1e18, "burnt on sell");
    }

    function test_roundingFavoursTheMarket() public {
        market.setCurve(ResourceType.CPU, 1, 1); // 1 wei per whole token
        // one base unit costs 1e-18 wei (plus a hair): rounded up to 1 wei, and sells back for 0
        assertEq(_buy(alice, ResourceType.CPU, 1), 1, "buy rounds up");
        assertEq(market.quoteSell(ResourceType.CPU, 1), 0, "sell rounds down");
        // 3 tokens at 1 wei base: 3 + 9/2 = 7.5 wei exactly from reserve 0; here from reserve 1 base unit
        (uint256 n, uint256 d) = CurveMath.exact(1, 1, 1, 3e18);
        assertEq(market.quoteBuy(ResourceType.CPU, 3e18), n / d + 1, "ceil of 7.5 wei and a hair");
    }

    function test_seedCurveMatchesClosedForm() public {
        uint256[4] memory base = _basePrices();
        uint256[4] memory steep = _steepness();
        for (uint256 i = 0; i < 4; ++i) {
            ResourceType r = ResourceType(i);
            uint256 a = 12_345.678e18;
            assertEq(market.quoteBuy(r, a), CurveMath.buyCost(base[i], steep[i], 0, a), "first buy");
            _buy(alice, r, a);
            uint256 b = 777e18 + 3;
            assertEq(market.quoteBuy(r, b), CurveMath.buyCost(base[i], steep[i], a, b), "second buy");
            assertEq(market.quoteSell(r, a), CurveMath.sellPayout(base[i], steep[i], a, a), "sell all");
            assertEq(market.getSpotPrice(r), base[i] * (steep[i] * 1e18 + a) / (steep[i] * 1e18), "spot");
        }
        // CPU at the seed example: 1,000 tokens from reserve 12,345.678 cost 1000 * 5e11 * (1 + 12,845.678 / 100,000)
        assertEq(
            market.quoteBuy(ResourceType.CPU, 1000e18),
            uint256(5e11) * 1000 + (uint256(5e11) * 1000 * 12_845.678e18 + 100_000e18 - 1) / 100_000e18,
            "CPU 1,000 tokens"
        );
    }

    function testFuzz_costMatchesClosedForm(uint8 ri, uint256 s, uint256 a) public {
        ResourceType r = ResourceType(ri % 4);
        uint256 cap = token(r).cap();
        s = bound(s, 0, cap - 1);
        a = bound(a, 1, cap - s);
        if (s > 0) _buy(bob, r, s);
        uint256 i = uint8(r);
        uint256 cost = market.quoteBuy(r, a);
        assertEq(cost, CurveMath.buyCost(_basePrices()[i], _steepness()[i], s, a), "buy cost");
        assertEq(_buy(alice, r, a), cost, "buy charges the quote");
        assertEq(market.quoteSell(r, a), CurveMath.sellPayout(_basePrices()[i], _steepness()[i], s + a, a), "payout");
    }

    /// Buying then selling the same amount never profits, and loses at most the 1 wei of rounding.
    function testFuzz_roundTripNeverProfits(uint8 ri, uint256 s, uint256 a) public {
        ResourceType r = ResourceType(ri % 4);
        uint256 cap = token(r).cap();
        s = bound(s, 0, cap - 1);
        a = bound(a, 1, cap - s);
        if (s > 0) _buy(bob, r, s);
        uint256 before = alice.balance;
        uint256 cost = _buy(alice, r, a);
        uint256 payout = _sell(alice, r, a);
        assertLe(payout, cost, "round trip profit");
        assertLe(cost - payout, 1, "more than rounding lost");
        assertEq(before - alice.balance, cost - payout, "balance change");
    }

    /// Selling in pieces pays no more than selling at once (each piece rounds down).
    function testFuzz_piecewiseSellNeverBeatsTheBuy(uint256 a, uint256 cut1, uint256 cut2) public {
        a = bound(a, 3, 1_000_000e18);
        uint256 cost = _buy(alice, ResourceType.CPU, a);
        cut1 = bound(cut1, 1, a - 2);
        cut2 = bound(cut2, 1, a - cut1 - 1);
        uint256 paid = _sell(alice, ResourceType.CPU, cut1) + _sell(alice, ResourceType.CPU, cut2)
            + _sell(alice, ResourceType.CPU, a - cut1 - cut2);
        assertLe(paid, cost, "piecewise sale beat the buy");
        assertEq(address(market).balance, cost - paid, "market keeps the difference");
    }

    function test_refundsExcessValue() public {
        uint256 cost = market.quoteBuy(ResourceType.MEM, 10e18);
        uint256 before = alice.balance;
        vm.prank(alice);
        market.buy{value: cost + 1 ether}(ResourceType.MEM, 10e18, cost, alice, FAR);
        assertEq(before - alice.balance, cost, "only the cost was kept");
        assertEq(address(market).balance, cost, "market balance");
        assertEq(tokens[1].balanceOf(alice), 10e18, "minted");
    }

    function test_buyToAnotherReceiverAndSellToAnotherReceiver() public {
        uint256 cost = market.quoteBuy(ResourceType.NET, 5e18);
        vm.prank(alice);
        market.buy{value: cost}(ResourceType.NET, 5e18, cost, bob, FAR);
        assertEq(tokens[3].balanceOf(bob), 5e18, "bob received");
        uint256 before = alice.balance;
        vm.prank(bob);
        uint256 payout = market.sell(ResourceType.NET, 5e18, 0, alice, FAR);
        assertEq(alice.balance - before, payout, "alice was paid");
    }

    function test_slippageDeadlineAndPaymentErrors() public {
        uint256 cost = market.quoteBuy(ResourceType.CPU, 1e18);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IResourceMarket.MarketCostAboveMax.selector, cost, cost - 1));
        market.buy{value: cost}(ResourceType.CPU, 1e18, cost - 1, alice, FAR);
        vm.expectRevert(abi.encodeWithSelector(IResourceMarket.MarketInsufficientPayment.selector, cost - 1, cost));
        market.buy{value: cost - 1}(ResourceType.CPU, 1e18, cost, alice, FAR);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceMarket.MarketDeadlineExpired.selector, block.timestamp - 1, block.timestamp)
        );
        market.buy{value: cost}(ResourceType.CPU, 1e18, cost, alice, block.timestamp - 1);
        vm.expectRevert(IResourceMarket.MarketZeroAmount.selector);
        market.buy(ResourceType.CPU, 0, 0, alice, FAR);
        vm.expectRevert(IResourceMarket.MarketZeroReceiver.selector);
        market.buy{value: cost}(ResourceType.CPU, 1e18, cost, address(0), FAR);
        market.buy{value: cost}(ResourceType.CPU, 1e18, cost, alice, FAR);
        uint256 payout = market.quoteSell(ResourceType.CPU, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IResourceMarket.MarketPayoutBelowMin.selector, payout, payout + 1));
        market.sell(ResourceType.CPU, 1e18, payout + 1, alice, FAR);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceMarket.MarketSellExceedsReserve.selector, ResourceType.CPU, 2e18, 1e18)
        );
        market.sell(ResourceType.CPU, 2e18, 0, alice, FAR);
        vm.stopPrank();
    }

    function test_capIsEnforcedByTheToken() public {
        _buy(alice, ResourceType.CPU, 1_000_000e18);
        uint256 cost = market.quoteBuy(ResourceType.CPU, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, 1_000_000e18 + 1, 1_000_000e18));
        market.buy{value: cost}(ResourceType.CPU, 1, cost, alice, FAR);
    }

    function test_curveChangesOnlyWhileEmpty() public {
        _buy(alice, ResourceType.STO, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IResourceMarket.MarketReserveNotEmpty.selector, ResourceType.STO, 1e18));
        market.setCurve(ResourceType.STO, 1, 1);
        _sell(alice, ResourceType.STO, 1e18);
        market.setCurve(ResourceType.STO, 1, 1);
        (uint256 base, uint256 steep, uint256 reserve) = market.getCurve(ResourceType.STO);
        assertEq(base + steep + reserve, 2, "new curve");
        vm.expectRevert(abi.encodeWithSelector(IResourceMarket.MarketInvalidCurve.selector, 0, 1));
        market.setCurve(ResourceType.STO, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(IResourceMarket.MarketInvalidCurve.selector, 1, uint256(1) << 80));
        market.setCurve(ResourceType.STO, 1, uint256(1) << 80);
    }

    function test_pauseStopsTrading() public {
        market.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        market.buy{value: 1 ether}(ResourceType.CPU, 1, 1 ether, alice, FAR);
        market.unpause();
        _buy(alice, ResourceType.CPU, 1);
    }

    function test_reentrancyFromRefundIsBlocked() public {
        Reenterer attacker = new Reenterer(market);
        vm.deal(address(attacker), 10 ether);
        uint256 cost = market.quoteBuy(ResourceType.CPU, 1e18);
        // the refund's call into the attacker tries buy() again, is refused, so the refund fails
        vm.expectRevert(
            abi.encodeWithSelector(IResourceMarket.MarketNativeTransferFailed.selector, address(attacker), 1 ether)
        );
        attacker.attack{value: cost + 1 ether}(cost);
    }
}

contract Reenterer {
    ResourceMarket internal immutable market;

    constructor(ResourceMarket market_) {
        market = market_;
    }

    function attack(uint256 cost) external payable {
        market.buy{value: msg.value}(ResourceType.CPU, 1e18, cost, address(this), type(uint256).max);
    }

    receive() external payable {
        market.buy{value: msg.value}(ResourceType.CPU, 1, type(uint256).max, address(this), type(uint256).max);
    }
}

/// @notice Random buys, sells and round trips on all four curves by three traders.
contract MarketHandler is Test {
    ResourceMarket public immutable market;
    ResourceToken[4] public tokens;
    address[3] public actors = [address(0x2001), address(0x2002), address(0x2003)];
    uint256 public totalIn;
    uint256 public totalOut;
    bool public roundTripProfited;
    uint256 public buys;
    uint256 public sells;

    constructor(ResourceMarket market_, ResourceToken[4] memory tokens_) {
        market = market_;
        tokens = tokens_;
        for (uint256 a = 0; a < 3; ++a) {
            vm.deal(actors[a], 1e40);
            for (uint256 i = 0; i < 4; ++i) {
                vm.prank(actors[a]);
                tokens_[i].approve(address(market_), type(uint256).max);
            }
        }
    }

    function _room(uint256 i) internal view returns (uint256) {
        return tokens[i].cap() - tokens[i].totalSupply();
    }

    /// Amounts spread over every scale, from one base unit to the whole remaining cap: seeds up to 1e26 are used
    /// as they are (capped), larger ones (most fuzz inputs) become 10**m + (seed mod 10**m), m from the high bits.
    function _scaled(uint256 seed, uint256 max) internal pure returns (uint256) {
        if (max == 0) return 0;
        uint256 amount = seed;
        if (seed > 1e26) {
            uint256 magnitude = 10 ** ((seed >> 200) % 26);
            amount = magnitude + (seed % magnitude);
        }
        if (amount == 0) return 1;
        return amount < max ? amount : max;
    }

    function buy(uint256 actorSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        uint256 amount = _scaled(amountSeed, _room(i));
        if (amount == 0) return;
        _buy(actors[actorSeed % 3], i, amount);
    }

    function _buy(address a, uint256 i, uint256 amount) internal {
        uint256 quote = market.quoteBuy(ResourceType(i), amount);
        vm.prank(a);
        uint256 cost = market.buy{value: quote + 1}(ResourceType(i), amount, quote, a, type(uint256).max);
        totalIn += cost;
        ++buys;
    }

    function sell(uint256 actorSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 3];
        uint256 amount = _scaled(amountSeed, tokens[i].balanceOf(a));
        if (amount == 0) return;
        vm.prank(a);
        totalOut += market.sell(ResourceType(i), amount, 0, a, type(uint256).max);
        ++sells;
    }

    function roundTrip(uint256 actorSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        uint256 amount = _scaled(amountSeed, _room(i));
        if (amount == 0) return;
        address a = actors[actorSeed % 3];
        uint256 inBefore = totalIn;
        uint256 outBefore = totalOut;
        _buy(a, i, amount);
        vm.prank(a);
        totalOut += market.sell(ResourceType(i), amount, 0, a, type(uint256).max);
        if (totalOut - outBefore > totalIn - inBefore) roundTripProfited = true;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 30 days));
    }
}

contract ResourceMarketInvariantTest is Fixture {
    MarketHandler internal handler;

    function setUp() public {
        _deployAll();
        handler = new MarketHandler(market, tokens);
        targetContract(address(handler));
    }

    function invariant_marketIsSolventAndNeverPaysOutMoreThanItTook() public view {
        assertGe(address(market).balance, market.requiredCollateral(), "cannot buy back the outstanding reserve");
        assertLe(handler.totalOut(), handler.totalIn(), "paid out more than taken");
        assertEq(address(market).balance, handler.totalIn() - handler.totalOut(), "balance != in - out");
        assertTrue(!handler.roundTripProfited(), "a buy-then-sell profited");
        for (uint256 i = 0; i < 4; ++i) {
            (,, uint256 reserve) = market.getCurve(ResourceType(i));
            assertEq(reserve, tokens[i].totalSupply(), "reserve != supply (market is the only minter)");
            assertLe(tokens[i].totalSupply(), tokens[i].cap(), "supply above cap");
        }
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.buy(0, 0, 5e18);
        handler.buy(1, 3, type(uint256).max); // 10**25 scale, capped by the room left
        handler.sell(0, 0, 2e18);
        handler.roundTrip(2, 2, 7e18);
        handler.warp(1);
        assertEq(handler.buys(), 3, "buys");
        assertEq(handler.sells(), 1, "sells");
        assertTrue(handler.totalIn() > handler.totalOut() && handler.totalOut() > 0, "money moved");
        invariant_marketIsSolventAndNeverPaysOutMoreThanItTook();
    }
}
