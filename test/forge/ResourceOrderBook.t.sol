// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IResourceOrderBook} from "../../contracts/tokens/IResourceOrderBook.sol";
import {ResourceOrderBook} from "../../contracts/tokens/ResourceOrderBook.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

contract ResourceOrderBookTest is Fixture {
    address internal seller = address(0x5E11);
    address internal buyer = address(0xB0B);
    uint256 internal constant FAR = type(uint256).max;

    function setUp() public {
        _deployAll();
        tokens[2].grantRole(tokens[2].MINTER_ROLE(), address(this));
        tokens[2].mint(seller, 1000e18);
        vm.prank(seller);
        tokens[2].approve(address(book), type(uint256).max);
        vm.deal(buyer, 100 ether);
    }

    function _place(uint256 amount, uint256 price) internal returns (uint256 id) {
        vm.prank(seller);
        id = book.placeOrder(ResourceType.STO, amount, price);
    }

    function test_placeEscrowsAndPartialFillsPayTheSeller() public {
        uint256 id = _place(100e18, 0.003 ether); // 0.003 ETH per STO
        assertEq(tokens[2].balanceOf(address(book)), 100e18, "escrowed");
        IResourceOrderBook.Order memory o = book.getOrder(seller, id);
        assertEq(o.price, 0.003 ether, "price");
        assertEq(o.amount, 100e18, "amount");
        assertTrue(o.resource == ResourceType.STO, "resource");
        // 40 STO at 0.003 = 0.12 ETH; 1 ETH sent, 0.88 refunded
        vm.prank(buyer);
        uint256 cost = book.fillOrder{value: 1 ether}(seller, id, 40e18, buyer, FAR);
        assertEq(cost, 0.12 ether, "cost");
        assertEq(seller.balance, 0.12 ether, "seller paid");
        assertEq(buyer.balance, 100 ether - 0.12 ether, "refund");
        assertEq(tokens[2].balanceOf(buyer), 40e18, "tokens");
        assertEq(book.getOrder(seller, id).amount, 60e18, "remaining");
        // fill the rest: the order disappears
        vm.prank(buyer);
        book.fillOrder{value: 0.18 ether}(seller, id, 60e18, buyer, FAR);
        assertEq(book.getOrder(seller, id).amount, 0, "closed");
        assertEq(address(book).balance, 0, "the book keeps no native currency");
        assertEq(tokens[2].balanceOf(address(book)), 0, "no escrow left");
    }

    function test_costRoundsUpForTheSeller() public {
        uint256 id = _place(10e18, 3); // 3 wei per whole token
        // 1 base unit costs 3e-18 wei: 1 wei
        assertEq(book.quoteFill(seller, id, 1), 1, "rounded up");
        // 0.5 token costs exactly 1.5 wei: 2
        assertEq(book.quoteFill(seller, id, 0.5e18), 2, "1.5 -> 2");
        assertEq(book.quoteFill(seller, id, 2e18), 6, "exact");
    }

    function testFuzz_fillCostIsCeilOfAmountTimesPrice(uint256 amount, uint256 price, uint256 part) public {
        amount = bound(amount, 1, 1000e18);
        price = bound(price, 1, 1e24);
        part = bound(part, 1, amount);
        uint256 id = _place(amount, price);
        uint256 cost = book.quoteFill(seller, id, part);
        uint256 exactTimes1e18 = part * price;
        assertGe(cost * 1e18, exactTimes1e18, "below the price");
        assertLe(cost * 1e18 - exactTimes1e18, 1e18 - 1, "more than one wei above");
        vm.deal(buyer, cost);
        vm.prank(buyer);
        book.fillOrder{value: cost}(seller, id, part, buyer, FAR);
        assertEq(seller.balance, cost, "seller paid the cost");
        assertEq(book.getOrder(seller, id).amount, amount - part, "remaining");
    }

    function test_cancelReturnsTheRest() public {
        uint256 id = _place(100e18, 1 ether);
        vm.prank(buyer);
        book.fillOrder{value: 30 ether}(seller, id, 30e18, buyer, FAR);
        // only the seller can cancel: for anyone else the order does not exist
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IResourceOrderBook.OrderBookUnknownOrder.selector, buyer, id));
        book.cancelOrder(id);
        vm.prank(seller);
        assertEq(book.cancelOrder(id), 70e18, "returned");
        assertEq(tokens[2].balanceOf(seller), 970e18, "seller has the rest back");
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IResourceOrderBook.OrderBookUnknownOrder.selector, seller, id));
        book.fillOrder{value: 1 ether}(seller, id, 1e18, buyer, FAR);
    }

    function test_errors() public {
        vm.startPrank(seller);
        vm.expectRevert(IResourceOrderBook.OrderBookZeroAmount.selector);
        book.placeOrder(ResourceType.STO, 0, 1);
        vm.expectRevert(IResourceOrderBook.OrderBookZeroPrice.selector);
        book.placeOrder(ResourceType.STO, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IResourceOrderBook.OrderBookValueTooLarge.selector, uint256(1) << 128));
        book.placeOrder(ResourceType.STO, 1, uint256(1) << 128);
        vm.expectRevert(abi.encodeWithSelector(IResourceOrderBook.OrderBookValueTooLarge.selector, uint256(1) << 96));
        book.placeOrder(ResourceType.STO, uint256(1) << 96, 1);
        vm.stopPrank();
        uint256 id = _place(10e18, 1 ether);
        vm.startPrank(buyer);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceOrderBook.OrderBookFillExceedsRemaining.selector, id, 11e18, 10e18)
        );
        book.fillOrder{value: 11 ether}(seller, id, 11e18, buyer, FAR);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceOrderBook.OrderBookInsufficientPayment.selector, 1 ether - 1, 1 ether)
        );
        book.fillOrder{value: 1 ether - 1}(seller, id, 1e18, buyer, FAR);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceOrderBook.OrderBookDeadlineExpired.selector, 0, block.timestamp)
        );
        book.fillOrder{value: 1 ether}(seller, id, 1e18, buyer, 0);
        vm.expectRevert(IResourceOrderBook.OrderBookZeroReceiver.selector);
        book.fillOrder{value: 1 ether}(seller, id, 1e18, address(0), FAR);
        vm.stopPrank();
        book.pause();
        vm.prank(buyer);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        book.fillOrder{value: 1 ether}(seller, id, 1e18, buyer, FAR);
    }
}

/// @notice Random orders, partial fills and cancels on all four resources by three traders.
contract BookHandler is Test {
    struct Open {
        address seller;
        uint256 id;
    }

    ResourceOrderBook public immutable book;
    ResourceToken[4] public tokens;
    address[3] public actors = [address(0x5001), address(0x5002), address(0x5003)];
    Open[] public open;
    uint256[4] public escrow;
    uint256 public fills;

    constructor(ResourceOrderBook book_, ResourceToken[4] memory tokens_) {
        book = book_;
        tokens = tokens_;
        for (uint256 a = 0; a < 3; ++a) {
            vm.deal(actors[a], 1e40); // a pranked call's value comes from the pranked sender
            for (uint256 i = 0; i < 4; ++i) {
                vm.prank(actors[a]);
                tokens_[i].approve(address(book_), type(uint256).max);
            }
        }
    }

    function place(uint256 actorSeed, uint256 resourceSeed, uint256 amount, uint256 price) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 3];
        amount = bound(amount, 1, 1000e18);
        price = bound(price, 1, 1e22);
        tokens[i].mint(a, amount);
        vm.prank(a);
        open.push(Open(a, book.placeOrder(ResourceType(i), amount, price)));
        escrow[i] += amount;
    }

    function fill(uint256 idSeed, uint256 actorSeed, uint256 part, uint256 extra) external {
        if (open.length == 0) return;
        uint256 k = idSeed % open.length;
        Open memory h = open[k];
        ResourceOrderBook.Order memory o = book.getOrder(h.seller, h.id);
        part = bound(part, 1, o.amount);
        uint256 cost = book.quoteFill(h.seller, h.id, part);
        require(cost * 1e18 >= part * o.price && cost * 1e18 - part * o.price < 1e18, "cost not the ceiling");
        address a = actors[actorSeed % 3];
        uint256 sellerBefore = h.seller.balance;
        uint256 buyerBefore = a.balance;
        uint256 buyerTokens = tokens[uint8(o.resource)].balanceOf(a);
        uint256 value = cost + bound(extra, 0, 1 ether);
        vm.prank(a);
        book.fillOrder{value: value}(h.seller, h.id, part, a, type(uint256).max);
        if (h.seller != a) {
            require(h.seller.balance - sellerBefore == cost, "seller not paid the cost");
            require(buyerBefore - a.balance == cost, "buyer not refunded the excess");
            require(tokens[uint8(o.resource)].balanceOf(a) - buyerTokens == part, "tokens not delivered");
        }
        escrow[uint8(o.resource)] -= part;
        if (o.amount == part) _drop(k);
        ++fills;
    }

    function cancel(uint256 idSeed) external {
        if (open.length == 0) return;
        uint256 k = idSeed % open.length;
        Open memory h = open[k];
        ResourceOrderBook.Order memory o = book.getOrder(h.seller, h.id);
        uint256 before = tokens[uint8(o.resource)].balanceOf(h.seller);
        vm.prank(h.seller);
        uint256 returned = book.cancelOrder(h.id);
        require(returned == o.amount, "not all returned");
        require(tokens[uint8(o.resource)].balanceOf(h.seller) - before == returned, "seller did not get it");
        escrow[uint8(o.resource)] -= returned;
        _drop(k);
    }

    function _drop(uint256 k) internal {
        open[k] = open[open.length - 1];
        open.pop();
    }

    /// Sum of the remaining amounts of open orders of resource `i`.
    function openAmount(uint256 i) external view returns (uint256 sum) {
        for (uint256 k = 0; k < open.length; ++k) {
            ResourceOrderBook.Order memory o = book.getOrder(open[k].seller, open[k].id);
            if (uint8(o.resource) == i) sum += o.amount;
        }
    }
}

contract ResourceOrderBookInvariantTest is Fixture {
    BookHandler internal handler;

    function setUp() public {
        _deployAll();
        handler = new BookHandler(book, tokens);
        for (uint256 i = 0; i < 4; ++i) {
            tokens[i].grantRole(tokens[i].MINTER_ROLE(), address(handler));
        }
        targetContract(address(handler));
    }

    function invariant_escrowEqualsOpenOrdersAndNoNativeIsKept() public view {
        for (uint256 i = 0; i < 4; ++i) {
            assertEq(tokens[i].balanceOf(address(book)), handler.escrow(i), "escrow != placed - filled - cancelled");
            assertEq(handler.openAmount(i), handler.escrow(i), "open orders != escrow");
        }
        assertEq(address(book).balance, 0, "the book kept native currency");
    }

    function test_handlerPathsSucceed() public {
        handler.place(0, 0, 10e18, 1e18);
        handler.place(1, 1, 10e18, 1e18);
        handler.fill(0, 2, 4e18, 5);
        handler.fill(0, 2, 6e18, 0);
        handler.cancel(0);
        assertEq(handler.fills(), 2, "fills");
        assertEq(book.orderCount(), 2, "orders");
        invariant_escrowEqualsOpenOrdersAndNoNativeIsKept();
    }
}
