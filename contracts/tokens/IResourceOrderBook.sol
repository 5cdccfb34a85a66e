// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "./ResourceType.sol";

/// @title IResourceOrderBook
/// @notice Peer-to-peer marketplace for resource tokens (seed §4 "Resource Marketplace"): a seller escrows tokens in
///         a sell order at a fixed price in wei per whole token; buyers fill any part of it, paying
///         `ceil(amount * price / 1e18)` wei straight to the seller; the seller cancels to get the rest back.
interface IResourceOrderBook {
    /// @notice One sell order, stored in a single slot under (seller, orderId).
    /// @param amount Base units still for sale.
    /// @param price Wei per whole token (1e18 base units).
    /// @param resource The resource sold.
    struct Order {
        uint96 amount;
        uint128 price;
        ResourceType resource;
    }

    /// @notice A sell order was placed and its tokens escrowed.
    /// @param orderId The new order's id (from 1, unique across sellers).
    /// @param seller The seller.
    /// @param resource The resource.
    /// @param amount Base units escrowed.
    /// @param price Wei per whole token.
    event OrderPlaced(
        uint256 indexed orderId, address indexed seller, ResourceType indexed resource, uint256 amount, uint256 price
    );

    /// @notice (Part of) an order was bought.
    /// @param orderId The order.
    /// @param seller The seller, who was paid.
    /// @param buyer The caller, who paid.
    /// @param to Receiver of the tokens.
    /// @param amount Base units bought.
    /// @param cost Wei paid to the seller.
    /// @param remaining Base units left in the order.
    event OrderFilled(
        uint256 indexed orderId,
        address indexed seller,
        address indexed buyer,
        address to,
        uint256 amount,
        uint256 cost,
        uint256 remaining
    );

    /// @notice An order was cancelled and its remaining escrow returned.
    /// @param orderId The order.
    /// @param seller The seller, who got the tokens back.
    /// @param returned Base units returned.
    event OrderCancelled(uint256 indexed orderId, address indexed seller, uint256 returned);

    /// @notice An amount of zero was given.
    error OrderBookZeroAmount();

    /// @notice A price of zero was given.
    error OrderBookZeroPrice();

    /// @notice The amount does not fit 96 bits or the price does not fit 128 bits.
    /// @param value The value.
    error OrderBookValueTooLarge(uint256 value);

    /// @notice `seller` has no open order with this id (never placed, someone else's, filled, or cancelled).
    /// @param seller The seller given (for cancelOrder: the caller).
    /// @param orderId The id.
    error OrderBookUnknownOrder(address seller, uint256 orderId);

    /// @notice The fill asks for more than the order has left.
    /// @param orderId The order.
    /// @param amount Asked.
    /// @param remaining Left.
    error OrderBookFillExceedsRemaining(uint256 orderId, uint256 amount, uint256 remaining);

    /// @notice msg.value does not cover the fill.
    /// @param value The wei sent.
    /// @param cost What the fill costs.
    error OrderBookInsufficientPayment(uint256 value, uint256 cost);

    /// @notice The transaction was mined after its deadline.
    /// @param deadline The caller's deadline.
    /// @param timestamp The block timestamp.
    error OrderBookDeadlineExpired(uint256 deadline, uint256 timestamp);

    /// @notice The receiver is the zero address.
    error OrderBookZeroReceiver();

    /// @notice Sending native currency failed.
    /// @param to The receiver.
    /// @param amount The wei that could not be sent.
    error OrderBookNativeTransferFailed(address to, uint256 amount);

    /// @notice Escrows `amount` of the caller's `resource` tokens (approve this contract first) in a sell order.
    /// @param resource The resource.
    /// @param amount Base units for sale, below 2**96.
    /// @param price Wei per whole token, below 2**128.
    /// @return orderId The new order's id.
    function placeOrder(ResourceType resource, uint256 amount, uint256 price) external returns (uint256 orderId);

    /// @notice Buys `amount` of an order, sending the tokens to `to` and the cost to the seller; excess msg.value is
    ///         refunded to the caller.
    /// @param seller The order's seller (orders are stored per seller: one slot each).
    /// @param orderId The order.
    /// @param amount Base units, at most what is left.
    /// @param to Receiver of the tokens.
    /// @param deadline Unix time after which the fill reverts.
    /// @return cost Wei paid to the seller (rounded up).
    function fillOrder(address seller, uint256 orderId, uint256 amount, address to, uint256 deadline)
        external
        payable
        returns (uint256 cost);

    /// @notice Cancels one of the caller's orders and returns what is left of its escrow.
    /// @param orderId The order.
    /// @return returned Base units returned.
    function cancelOrder(uint256 orderId) external returns (uint256 returned);

    /// @notice An open order of `seller` (all zero if filled, cancelled, never placed or not `seller`'s).
    /// @param seller The seller.
    /// @param orderId The order.
    /// @return The order.
    function getOrder(address seller, uint256 orderId) external view returns (Order memory);

    /// @notice Wei that buying `amount` of an order costs (rounded up). Reverts for an unknown order or too much.
    /// @param seller The seller.
    /// @param orderId The order.
    /// @param amount Base units.
    /// @return Wei.
    function quoteFill(address seller, uint256 orderId, uint256 amount) external view returns (uint256);

    /// @notice Number of orders ever placed (the last id).
    /// @return The count.
    function orderCount() external view returns (uint256);
}
