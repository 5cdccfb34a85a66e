// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IResourceMarket} from "../../contracts/tokens/IResourceMarket.sol";
import {LiquidityPool} from "../../contracts/tokens/LiquidityPool.sol";
import {ResourceMarket} from "../../contracts/tokens/ResourceMarket.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

/// @notice forge's expectEmit cheatcode (not in the shared Vm interface).
interface VmEmit {
    function expectEmit(address emitter) external;
}

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
            abi.encodeWithSelector(
                IResourceMarket.MarketSellExceedsRedeemable.selector, ResourceType.CPU, alice, 2e18, 1e18
            )
        );
        market.sell(ResourceType.CPU, 2e18, 0, alice, FAR);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceMarket.MarketSellExceedsReserve.selector, ResourceType.CPU, 2e18, 1e18)
        );
        market.quoteSell(ResourceType.CPU, 2e18);
        vm.stopPrank();
    }

    // -- mints outside the curve (issue 15: "a governance mint can take buyers' collateral") --------------------

    address internal mallory = address(0xBAD);

    /// Stands for the timelock, which holds MINTER_ROLE in production so that a proposal can mint.
    function _externalMint(ResourceType r, address to, uint256 amount) internal {
        ResourceToken t = token(r);
        t.grantRole(t.MINTER_ROLE(), address(this));
        t.mint(to, amount);
    }

    function _expectSellRefused(address who, ResourceType r, uint256 amount, uint256 redeemable) internal {
        vm.prank(who);
        token(r).approve(address(market), type(uint256).max);
        vm.prank(who);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceMarket.MarketSellExceedsRedeemable.selector, r, who, amount, redeemable)
        );
        market.sell(r, amount, 0, who, FAR);
    }

    /// The finding replayed: a buyer pays for 1,000 CPU, the same amount is minted outside the curve and offered to
    /// it first. Before the fix the minted tokens were bought back with the buyer's collateral and the buyer's own
    /// sale reverted with MarketSellExceedsReserve; now the minted tokens are refused and the buyer gets its money.
    function test_externalMintCannotTakeBuyersCollateral() public {
        uint256 cost = _buy(alice, ResourceType.CPU, 1000e18);
        assertEq(market.redeemableOf(ResourceType.CPU, alice), 1000e18, "buyer's claim");
        _externalMint(ResourceType.CPU, mallory, 1000e18);
        _expectSellRefused(mallory, ResourceType.CPU, 1000e18, 0);
        assertEq(address(market).balance, cost, "collateral untouched");
        uint256 payout = _sell(alice, ResourceType.CPU, 1000e18);
        assertLe(cost - payout, 1, "the buyer got its collateral back (less rounding)");
        assertEq(market.redeemableOf(ResourceType.CPU, alice), 0, "claim spent");
        assertEq(tokens[0].totalSupply(), 1000e18, "the minted tokens are still out, unbacked");
        assertEq(market.requiredCollateral(), 0, "nothing left to buy back");
    }

    /// A governance mint handed out to many accounts: none of them can sell to the curve, one base unit or all.
    function test_externalMintSpreadOverManyAccountsIsNeverBoughtBack() public {
        _buy(alice, ResourceType.MEM, 500e18);
        _buy(bob, ResourceType.MEM, 700e18);
        _externalMint(ResourceType.MEM, mallory, 1_000_000e18);
        for (uint256 k = 1; k <= 20; ++k) {
            address holder = address(uint160(0x5000 + k));
            vm.prank(mallory);
            // forge-lint: disable-next-line(erc20-unchecked-transfer)
            tokens[1].transfer(holder, 50_000e18);
            _expectSellRefused(holder, ResourceType.MEM, 1, 0);
            _expectSellRefused(holder, ResourceType.MEM, 50_000e18, 0);
        }
        _expectSellRefused(mallory, ResourceType.MEM, 1, 0);
        // the buyers still exit in full, in any order
        _sell(bob, ResourceType.MEM, 700e18);
        _sell(alice, ResourceType.MEM, 500e18);
        assertEq(market.requiredCollateral(), 0, "all bought back");
        assertLe(address(market).balance, 2, "only rounding left");
    }

    /// Tokens received by transfer carry no claim; the claim stays with the buyer, who may pass it on explicitly.
    function test_transfersMoveTokensButNotTheClaim() public {
        _buy(alice, ResourceType.CPU, 10e18);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        tokens[0].transfer(bob, 10e18);
        _expectSellRefused(bob, ResourceType.CPU, 10e18, 0);
        // alice kept her claim; she can use it with any CPU she holds again (she paid for it), here minted ones
        _externalMint(ResourceType.CPU, alice, 4e18);
        _sell(alice, ResourceType.CPU, 4e18);
        assertEq(market.redeemableOf(ResourceType.CPU, alice), 6e18, "rest of the claim");
        // she passes the rest on with the tokens' new owner
        VmEmit(address(vm)).expectEmit(address(market));
        emit IResourceMarket.RedeemableTransferred(ResourceType.CPU, alice, bob, 6e18);
        vm.prank(alice);
        market.transferRedeemable(ResourceType.CPU, bob, 6e18);
        _expectSellRefused(bob, ResourceType.CPU, 7e18, 6e18);
        _sell(bob, ResourceType.CPU, 6e18);
        assertEq(market.requiredCollateral(), 0, "all claims spent");
        (,, uint256 reserve) = market.getCurve(ResourceType.CPU);
        assertEq(reserve, 0, "reserve");
    }

    function test_transferRedeemableErrors() public {
        _buy(alice, ResourceType.STO, 3e18);
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IResourceMarket.MarketSellExceedsRedeemable.selector, ResourceType.STO, alice, 3e18 + 1, 3e18
            )
        );
        market.transferRedeemable(ResourceType.STO, bob, 3e18 + 1);
        vm.expectRevert(IResourceMarket.MarketZeroAmount.selector);
        market.transferRedeemable(ResourceType.STO, bob, 0);
        vm.expectRevert(IResourceMarket.MarketZeroReceiver.selector);
        market.transferRedeemable(ResourceType.STO, address(0), 1);
        market.transferRedeemable(ResourceType.STO, alice, 3e18); // to oneself: no change
        vm.stopPrank();
        assertEq(market.redeemableOf(ResourceType.STO, alice), 3e18, "self transfer");
        market.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        market.transferRedeemable(ResourceType.STO, bob, 1);
    }

    /// A pool holding curve tokens: minted tokens swapped in and curve tokens swapped out carry no claim, so the
    /// providers' collateral is untouched and they exit through the curve after withdrawing.
    function test_poolCannotLaunderMintedTokensIntoClaims() public {
        LiquidityPool pool = LiquidityPool(factory.createPool(address(tokens[0]), address(0)));
        _buy(alice, ResourceType.CPU, 2000e18);
        vm.startPrank(alice);
        tokens[0].approve(address(pool), type(uint256).max);
        (,, uint256 shares) = pool.addLiquidity{value: 1 ether}(1000e18, 1 ether, 0, 0, alice, FAR);
        vm.stopPrank();
        _externalMint(ResourceType.CPU, mallory, 1000e18);
        vm.deal(mallory, 10 ether);
        vm.startPrank(mallory);
        tokens[0].approve(address(pool), type(uint256).max);
        pool.swap(address(tokens[0]), 1000e18, 0, mallory, FAR); // minted CPU in, native out
        pool.swap{value: 1 ether}(address(0), 1 ether, 0, mallory, FAR); // native in, alice's curve CPU out
        vm.stopPrank();
        uint256 held = tokens[0].balanceOf(mallory);
        assertGe(held, 1, "mallory holds CPU that alice bought");
        _expectSellRefused(mallory, ResourceType.CPU, held, 0);
        assertEq(market.redeemableOf(ResourceType.CPU, alice), 2000e18, "alice's claim did not move");
        vm.prank(alice);
        pool.removeLiquidity(shares, 0, 0, alice, FAR);
        // the pool traded some of her CPU for native; she sells what she holds and keeps the rest of her claim
        uint256 mine = tokens[0].balanceOf(alice);
        _sell(alice, ResourceType.CPU, mine);
        assertEq(market.redeemableOf(ResourceType.CPU, alice), 2000e18 - mine, "rest of her claim");
        // any CPU she gets back (here mallory's, bought over the counter) redeems the rest, in full
        vm.prank(mallory);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        tokens[0].transfer(alice, 2000e18 - mine);
        _sell(alice, ResourceType.CPU, 2000e18 - mine);
        assertEq(market.requiredCollateral(), 0, "alice's whole claim was honoured");
    }

    /// The order book: curve tokens sold on it do not carry the claim; the seller keeps it (or passes it on).
    function test_orderBookFillDoesNotMoveTheClaim() public {
        _buy(alice, ResourceType.NET, 100e18);
        vm.startPrank(alice);
        tokens[3].approve(address(book), type(uint256).max);
        uint256 id = book.placeOrder(ResourceType.NET, 100e18, 1e9);
        vm.stopPrank();
        uint256 price = book.quoteFill(alice, id, 100e18);
        vm.prank(bob);
        book.fillOrder{value: price}(alice, id, 100e18, bob, FAR);
        _expectSellRefused(bob, ResourceType.NET, 100e18, 0);
        assertEq(market.redeemableOf(ResourceType.NET, alice), 100e18, "the seller kept the claim");
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

/// @notice Random buys, sells and round trips on all four curves by three traders, with mints outside the curve (the
///         handler holds MINTER_ROLE, as the timelock does), token transfers and claim transfers among the traders
///         and a treasury that never buys, and attempts to sell more than one's claim (which must be refused).
contract MarketHandler is Test {
    ResourceMarket public immutable market;
    ResourceToken[4] public tokens;
    /// @dev Three traders and, last, the treasury that receives external mints (it may also be passed claims).
    address[4] public actors = [address(0x2001), address(0x2002), address(0x2003), address(0x2999)];
    uint256 public totalIn;
    uint256 public totalOut;
    bool public roundTripProfited;
    bool public unbackedSaleSucceeded;
    uint256 public buys;
    uint256 public sells;
    uint256 public externalMints;
    uint256 public refusedSales;
    uint256[4] public externallyMinted;

    constructor(ResourceMarket market_, ResourceToken[4] memory tokens_) {
        market = market_;
        tokens = tokens_;
        for (uint256 a = 0; a < 4; ++a) {
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

    /// Sells at most what the seller holds and may sell back (its claim), which must always succeed.
    function sell(uint256 actorSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 4];
        uint256 held = tokens[i].balanceOf(a);
        uint256 claim = market.redeemableOf(ResourceType(i), a);
        uint256 amount = _scaled(amountSeed, held < claim ? held : claim);
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

    /// A mint outside the curve (a passed governance proposal), to the treasury or straight to a trader.
    function externalMint(uint256 actorSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        uint256 amount = _scaled(amountSeed, _room(i));
        if (amount == 0) return;
        tokens[i].mint(actors[actorSeed % 4], amount);
        externallyMinted[i] += amount;
        ++externalMints;
    }

    /// Tokens change hands (a payment, a pool, the order book: for the market all are a transfer).
    function transfer(uint256 fromSeed, uint256 toSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        address from = actors[fromSeed % 4];
        uint256 amount = _scaled(amountSeed, tokens[i].balanceOf(from));
        if (amount == 0) return;
        vm.prank(from);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        tokens[i].transfer(actors[toSeed % 4], amount);
    }

    function transferRedeemable(uint256 fromSeed, uint256 toSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        address from = actors[fromSeed % 4];
        uint256 amount = _scaled(amountSeed, market.redeemableOf(ResourceType(i), from));
        if (amount == 0) return;
        vm.prank(from);
        market.transferRedeemable(ResourceType(i), actors[toSeed % 4], amount);
    }

    /// The adversary: a holder offers more tokens than its claim (tokens it holds, minted or received). Refused.
    function sellBeyondClaim(uint256 actorSeed, uint256 resourceSeed, uint256 amountSeed) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 4];
        uint256 held = tokens[i].balanceOf(a);
        uint256 claim = market.redeemableOf(ResourceType(i), a);
        if (held <= claim) return;
        uint256 amount = claim + _scaled(amountSeed, held - claim);
        vm.prank(a);
        try market.sell(ResourceType(i), amount, 0, a, type(uint256).max) returns (uint256 payout) {
            unbackedSaleSucceeded = true;
            totalOut += payout;
        } catch (bytes memory reason) {
            bytes memory expected = abi.encodeWithSelector(
                IResourceMarket.MarketSellExceedsRedeemable.selector, ResourceType(i), a, amount, claim
            );
            if (keccak256(reason) != keccak256(expected)) unbackedSaleSucceeded = true; // refused for another reason
            ++refusedSales;
        }
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
        for (uint256 i = 0; i < 4; ++i) {
            tokens[i].grantRole(tokens[i].MINTER_ROLE(), address(handler)); // a second minter, as the timelock is
        }
        targetContract(address(handler));
    }

    function invariant_marketIsSolventAndNeverPaysOutMoreThanItTook() public view {
        assertGe(address(market).balance, market.requiredCollateral(), "cannot buy back the outstanding reserve");
        assertLe(handler.totalOut(), handler.totalIn(), "paid out more than taken");
        assertEq(address(market).balance, handler.totalIn() - handler.totalOut(), "balance != in - out");
        assertTrue(!handler.roundTripProfited(), "a buy-then-sell profited");
        for (uint256 i = 0; i < 4; ++i) {
            (,, uint256 reserve) = market.getCurve(ResourceType(i));
            assertEq(
                reserve + handler.externallyMinted(i), tokens[i].totalSupply(), "supply != curve-sold + minted outside"
            );
            assertLe(tokens[i].totalSupply(), tokens[i].cap(), "supply above cap");
        }
    }

    /// What the market can still be made to buy back is exactly the sum of the holders' claims (nothing else is
    /// sellable: a sale beyond one's claim was never accepted), and its balance covers buying all of it back at the
    /// curve's exact integral, computed here independently of the contract. External mints change neither side.
    function invariant_collateralCoversEveryClaimAndNothingElseIsBoughtBack() public view {
        assertTrue(!handler.unbackedSaleSucceeded(), "a sale beyond the seller's claim was accepted");
        uint256 buyBack;
        for (uint256 i = 0; i < 4; ++i) {
            uint256 claims;
            for (uint256 a = 0; a < 4; ++a) {
                claims += market.redeemableOf(ResourceType(i), handler.actors(a));
            }
            (,, uint256 reserve) = market.getCurve(ResourceType(i));
            assertEq(claims, reserve, "claims != reserve");
            buyBack += CurveMath.sellPayout(_basePrices()[i], _steepness()[i], claims, claims);
        }
        assertEq(market.requiredCollateral(), buyBack, "requiredCollateral != exact buy-back value of all claims");
        assertGe(address(market).balance, buyBack, "collateral below the buy-back value of the claims");
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.buy(0, 0, 5e18);
        handler.buy(1, 3, type(uint256).max); // 10**25 scale, capped by the room left
        handler.sell(0, 0, 2e18);
        handler.roundTrip(2, 2, 7e18);
        handler.warp(1);
        handler.externalMint(3, 0, 1000e18); // to the treasury
        handler.transfer(3, 1, 0, 10e18); // treasury -> trader 1
        handler.transfer(0, 2, 0, 1e18); // trader 0 -> trader 2
        handler.transferRedeemable(0, 2, 0, 1e18);
        handler.sellBeyondClaim(3, 0, 1e18); // the treasury holds no claim
        handler.sellBeyondClaim(1, 0, 1e18); // trader 1 holds minted tokens beyond its claim
        handler.sell(2, 0, 2e18); // trader 2 sells with the claim passed to it
        assertEq(handler.buys(), 3, "buys");
        assertEq(handler.sells(), 2, "sells");
        assertEq(handler.externalMints(), 1, "external mints");
        assertEq(handler.refusedSales(), 2, "refused sales");
        assertTrue(handler.totalIn() > handler.totalOut() && handler.totalOut() > 0, "money moved");
        invariant_marketIsSolventAndNeverPaysOutMoreThanItTook();
        invariant_collateralCoversEveryClaimAndNothingElseIsBoughtBack();
    }
}
