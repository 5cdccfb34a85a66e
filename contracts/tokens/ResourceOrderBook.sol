// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Guarded} from "../security/Guarded.sol";
import {IResourceOrderBook} from "./IResourceOrderBook.sol";
import {ResourceTokenSet} from "./ResourceTokenSet.sol";
import {ResourceType} from "./ResourceType.sol";

/// @title ResourceOrderBook
/// @notice Escrowed sell orders for resource tokens with partial fills (see IResourceOrderBook).
/// @dev The seller is paid in the fill itself (push): no balance to withdraw later. A seller whose address rejects
///      the native currency only blocks fills of their own orders (each such fill reverts), never anyone else's
///      funds, and can always cancel. The cost rounds up, in the seller's favour, by less than one wei.
///      Storage: the order counter shares the slot of Pausable's `_paused` flag; an order is ONE slot
///      (amount | price | resource) under (seller, orderId): keying by seller frees the 160 bits a seller field would
///      take, so placing an order writes one new slot instead of two (~22k gas); buyers name the seller when filling.
contract ResourceOrderBook is IResourceOrderBook, ResourceTokenSet, ReentrancyGuard, Guarded {
    using SafeERC20 for IERC20;

    uint256 private constant _UNIT = 1e18;

    // Packs into the slot of Pausable's `_paused` flag.
    uint64 private _orderCount;

    mapping(address seller => mapping(uint256 orderId => Order)) private _orders;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (unpauses).
    /// @param guardian Holder of GUARDIAN_ROLE (pauses).
    /// @param tokens CPU, MEM, STO and NET ResourceToken addresses.
    constructor(address admin, address guardian, address[4] memory tokens)
        ResourceTokenSet(tokens)
        Guarded(admin, guardian)
    {}

    /// @inheritdoc IResourceOrderBook
    function placeOrder(ResourceType resource, uint256 amount, uint256 price)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 orderId)
    {
        if (amount == 0) revert OrderBookZeroAmount();
        if (price == 0) revert OrderBookZeroPrice();
        if (amount > type(uint96).max) revert OrderBookValueTooLarge(amount);
        if (price > type(uint128).max) revert OrderBookValueTooLarge(price);
        unchecked {
            // 2**64 orders cannot be placed.
            orderId = ++_orderCount;
        }
        // Both fit: checked above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _orders[msg.sender][orderId] = Order({amount: uint96(amount), price: uint128(price), resource: resource});
        emit OrderPlaced(orderId, msg.sender, resource, amount, price);

        IERC20(address(_token(resource))).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IResourceOrderBook
    function fillOrder(address seller, uint256 orderId, uint256 amount, address to, uint256 deadline)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 cost)
    {
        // A deadline is wall-clock time by design; a validator's few seconds of skew do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert OrderBookDeadlineExpired(deadline, block.timestamp);
        if (to == address(0)) revert OrderBookZeroReceiver();
        Order storage slot = _orders[seller][orderId];
        Order memory order = slot;
        cost = _cost(seller, orderId, order, amount);
        if (msg.value < cost) revert OrderBookInsufficientPayment(msg.value, cost);
        uint256 remaining;
        unchecked {
            // amount <= order.amount was checked by _cost.
            remaining = order.amount - amount;
        }
        if (remaining == 0) delete _orders[seller][orderId];
        // forge-lint: disable-next-line(unsafe-typecast)
        else slot.amount = uint96(remaining); // < order.amount < 2**96
        emit OrderFilled(orderId, seller, msg.sender, to, amount, cost, remaining);

        IERC20(address(_token(order.resource))).safeTransfer(to, amount);
        _sendNative(seller, cost);
        if (msg.value > cost) {
            unchecked {
                // msg.value > cost was just checked.
                _sendNative(msg.sender, msg.value - cost);
            }
        }
    }

    /// @inheritdoc IResourceOrderBook
    function cancelOrder(uint256 orderId) external nonReentrant whenNotPaused returns (uint256 returned) {
        Order memory order = _orders[msg.sender][orderId];
        if (order.amount == 0) revert OrderBookUnknownOrder(msg.sender, orderId);
        returned = order.amount;
        delete _orders[msg.sender][orderId];
        emit OrderCancelled(orderId, msg.sender, returned);

        IERC20(address(_token(order.resource))).safeTransfer(msg.sender, returned);
    }

    /// @inheritdoc IResourceOrderBook
    function getOrder(address seller, uint256 orderId) external view returns (Order memory) {
        return _orders[seller][orderId];
    }

    /// @inheritdoc IResourceOrderBook
    function quoteFill(address seller, uint256 orderId, uint256 amount) external view returns (uint256) {
        return _cost(seller, orderId, _orders[seller][orderId], amount);
    }

    /// @inheritdoc IResourceOrderBook
    function orderCount() external view returns (uint256) {
        return _orderCount;
    }

    /// @dev ceil(amount * price / 1e18) after checking the order is open and has `amount` left.
    function _cost(address seller, uint256 orderId, Order memory order, uint256 amount) private pure returns (uint256) {
        if (order.amount == 0) revert OrderBookUnknownOrder(seller, orderId);
        if (amount == 0) revert OrderBookZeroAmount();
        if (amount > order.amount) revert OrderBookFillExceedsRemaining(orderId, amount, order.amount);
        return Math.mulDiv(amount, order.price, _UNIT, Math.Rounding.Ceil);
    }

    /// @dev Sends wei without copying return data.
    function _sendNative(address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!ok) revert OrderBookNativeTransferFailed(to, amount);
    }
}
