// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Guarded} from "../security/Guarded.sol";
import {IResourceMarket} from "./IResourceMarket.sol";
import {ResourceTokenSet} from "./ResourceTokenSet.sol";
import {ResourceType} from "./ResourceType.sol";

/// @title ResourceMarket
/// @notice Bonding-curve market for CPU, MEM, STO and NET (see IResourceMarket for the curve and its exact integral).
/// @dev Deployment: deploy the four ResourceTokens, then this market with their addresses, then grant MINTER_ROLE on
///      each token to the market. Sellers approve the market on the token (or permit) because a sale burns with
///      `burnFrom`.
///
///      Mint on buy, burn on sell (rather than holding an inventory): the reserve is then exactly "tokens sold by the
///      market and outstanding", the cap of the token is shared with every other minter without any bookkeeping here,
///      and the market never holds tokens that could be lost or need accounting.
///
///      Solvency: each buy pays ceil(C(s + a) - C(s)) and each sale pays floor(C(s) - C(s - a)) where C is the curve's
///      integral from zero, so by induction the wei held for a resource is at least C(reserve), which is at least
///      what selling the whole reserve back pays. This only holds if the curve never changes under an outstanding
///      reserve, hence `setCurve` requires a zero reserve.
///
///      Who may sell back: the tokens are fungible and other minters exist (the timelock holds MINTER_ROLE so that a
///      proposal can mint), so "tokens outstanding" is not "tokens the curve sold". If anyone could sell up to the
///      reserve, tokens minted outside the curve could be sold into it first and take the collateral buyers paid,
///      leaving the buyers' own sales refused. So the claim on the collateral is not attached to tokens but to
///      addresses: a buy credits its receiver with a redeemable balance, a sale spends the seller's, and the sum of
///      redeemable balances is the reserve. Only the holder moves its own claim (`transferRedeemable`); no transfer,
///      mint, pool or order book can create or take one. Attaching the claim to tokens instead ("coloured" balances
///      in the token) was rejected: it taxes every transfer, and a pool mixes the two classes, so swapping minted
///      tokens in and curve tokens out would pass the loss to the pool's providers.
///
///      Storage: one slot per resource (reserve uint96 | basePrice uint80 | steepness uint80) and one slot per
///      (resource, holder) for the redeemable balance; a buy or sell reads and writes each once, plus the pause flag.
///      Token addresses are immutables (ResourceTokenSet).
contract ResourceMarket is IResourceMarket, ResourceTokenSet, ReentrancyGuard, Guarded {
    /// @dev Base units per whole token (all resource tokens have 18 decimals).
    uint256 private constant _UNIT = 1e18;

    struct Curve {
        uint96 reserve; // base units sold and outstanding
        uint80 basePrice; // wei per whole token at reserve zero
        uint80 steepness; // whole tokens of reserve at which the price doubles
    }

    Curve[4] private _curves;

    /// @dev Per resource: base units each holder may sell back (bought on the curve, or passed to it). Sums to the
    ///      resource's reserve.
    mapping(address holder => uint256 amount)[4] private _redeemable;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE: sets curves while empty, unpauses (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE: may pause.
    /// @param tokens CPU, MEM, STO and NET ResourceToken addresses.
    /// @param basePrices Wei per whole token at reserve zero, per resource (the Python side converts the seed's USD).
    /// @param steepness Whole tokens at which each resource's price doubles.
    constructor(
        address admin,
        address guardian,
        address[4] memory tokens,
        uint256[4] memory basePrices,
        uint256[4] memory steepness
    ) ResourceTokenSet(tokens) Guarded(admin, guardian) {
        for (uint256 i = 0; i < 4; ++i) {
            _setCurve(ResourceType(i), basePrices[i], steepness[i]);
        }
    }

    /// @inheritdoc IResourceMarket
    function buy(ResourceType resource, uint256 amount, uint256 maxCost, address to, uint256 deadline)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 cost)
    {
        // A deadline is wall-clock time by design; a validator's few seconds of skew do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert MarketDeadlineExpired(deadline, block.timestamp);
        if (amount == 0) revert MarketZeroAmount();
        if (to == address(0)) revert MarketZeroReceiver();
        Curve storage slot = _curves[uint8(resource)];
        Curve memory c = slot;
        uint256 newReserve = _checkedNewReserve(resource, c.reserve, amount);
        cost = _integral(c, c.reserve, amount, Math.Rounding.Ceil);
        if (cost > maxCost) revert MarketCostAboveMax(cost, maxCost);
        if (msg.value < cost) revert MarketInsufficientPayment(msg.value, cost);
        // Fits: _checkedNewReserve reverted otherwise.
        // forge-lint: disable-next-line(unsafe-typecast)
        slot.reserve = uint96(newReserve);
        unchecked {
            // Cannot overflow: every redeemable balance is at most the reserve, which fits 96 bits.
            _redeemable[uint8(resource)][to] += amount;
        }
        emit ResourceBought(resource, msg.sender, to, amount, cost, newReserve);

        _token(resource).mint(to, amount); // reverts with the token's ERC20ExceededCap above the cap
        if (msg.value > cost) {
            unchecked {
                // msg.value > cost was just checked.
                _sendNative(msg.sender, msg.value - cost);
            }
        }
    }

    /// @inheritdoc IResourceMarket
    function sell(ResourceType resource, uint256 amount, uint256 minOut, address to, uint256 deadline)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 payout)
    {
        // A deadline is wall-clock time by design; a validator's few seconds of skew do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > deadline) revert MarketDeadlineExpired(deadline, block.timestamp);
        if (amount == 0) revert MarketZeroAmount();
        if (to == address(0)) revert MarketZeroReceiver();
        uint256 redeemable = _redeemable[uint8(resource)][msg.sender];
        if (amount > redeemable) revert MarketSellExceedsRedeemable(resource, msg.sender, amount, redeemable);
        Curve storage slot = _curves[uint8(resource)];
        Curve memory c = slot;
        unchecked {
            // amount <= redeemable was just checked.
            _redeemable[uint8(resource)][msg.sender] = redeemable - amount;
        }
        // Checked: redeemable <= reserve holds (the balances sum to the reserve), so this cannot underflow; if it
        // ever did, reverting is the safe outcome.
        uint256 newReserve = c.reserve - amount;
        payout = _integral(c, newReserve, amount, Math.Rounding.Floor);
        if (payout < minOut) revert MarketPayoutBelowMin(payout, minOut);
        // Fits: below the old 96-bit reserve.
        // forge-lint: disable-next-line(unsafe-typecast)
        slot.reserve = uint96(newReserve);
        emit ResourceSold(resource, msg.sender, to, amount, payout, newReserve);

        _token(resource).burnFrom(msg.sender, amount);
        _sendNative(to, payout);
    }

    /// @inheritdoc IResourceMarket
    function transferRedeemable(ResourceType resource, address to, uint256 amount) external whenNotPaused {
        if (amount == 0) revert MarketZeroAmount();
        if (to == address(0)) revert MarketZeroReceiver();
        mapping(address => uint256) storage balances = _redeemable[uint8(resource)];
        uint256 redeemable = balances[msg.sender];
        if (amount > redeemable) revert MarketSellExceedsRedeemable(resource, msg.sender, amount, redeemable);
        unchecked {
            // amount <= redeemable was just checked; the receiver's balance stays below the 96-bit reserve.
            balances[msg.sender] = redeemable - amount;
            balances[to] += amount;
        }
        emit RedeemableTransferred(resource, msg.sender, to, amount);
    }

    /// @inheritdoc IResourceMarket
    function setCurve(ResourceType resource, uint256 basePrice, uint256 steepness)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        uint256 reserve = _curves[uint8(resource)].reserve;
        if (reserve != 0) revert MarketReserveNotEmpty(resource, reserve);
        _setCurve(resource, basePrice, steepness);
    }

    /// @inheritdoc IResourceMarket
    function getSpotPrice(ResourceType resource) external view returns (uint256) {
        Curve memory c = _curves[uint8(resource)];
        uint256 k = uint256(c.steepness) * _UNIT;
        return Math.mulDiv(c.basePrice, k + c.reserve, k);
    }

    /// @inheritdoc IResourceMarket
    function quoteBuy(ResourceType resource, uint256 amount) external view returns (uint256) {
        Curve memory c = _curves[uint8(resource)];
        _checkedNewReserve(resource, c.reserve, amount);
        return _integral(c, c.reserve, amount, Math.Rounding.Ceil);
    }

    /// @inheritdoc IResourceMarket
    function quoteSell(ResourceType resource, uint256 amount) external view returns (uint256) {
        Curve memory c = _curves[uint8(resource)];
        if (amount > c.reserve) revert MarketSellExceedsReserve(resource, amount, c.reserve);
        unchecked {
            // amount <= reserve was just checked.
            return _integral(c, c.reserve - amount, amount, Math.Rounding.Floor);
        }
    }

    /// @inheritdoc IResourceMarket
    function getCurve(ResourceType resource)
        external
        view
        returns (uint256 basePrice, uint256 steepness, uint256 reserve)
    {
        Curve memory c = _curves[uint8(resource)];
        return (c.basePrice, c.steepness, c.reserve);
    }

    /// @inheritdoc IResourceMarket
    function redeemableOf(ResourceType resource, address holder) external view returns (uint256) {
        return _redeemable[uint8(resource)][holder];
    }

    /// @inheritdoc IResourceMarket
    function requiredCollateral() external view returns (uint256 total) {
        for (uint256 i = 0; i < 4; ++i) {
            Curve memory c = _curves[i];
            total += _integral(c, 0, c.reserve, Math.Rounding.Floor);
        }
    }

    /// @dev Wei for `amount` base units between reserve `from` and `from + amount`: the exact integral
    ///      basePrice * amount * (2K + 2*from + amount) / (2K * 1e18), K = steepness * 1e18, rounded as asked.
    ///      Bounds: from + amount < 2**97, K < 2**140, so the numerator's second factor is < 2**142 and the product
    ///      with amount < 2**239 (callers keep from + amount within uint96); mulDiv takes the 512-bit product with
    ///      basePrice. Buys round up and sales round down, both in the market's favour.
    function _integral(Curve memory c, uint256 from, uint256 amount, Math.Rounding rounding)
        private
        pure
        returns (uint256)
    {
        uint256 k2 = uint256(c.steepness) * (2 * _UNIT);
        uint256 numerator = amount * (k2 + 2 * from + amount);
        return Math.mulDiv(c.basePrice, numerator, k2 * _UNIT, rounding);
    }

    /// @dev reserve + amount, reverting if it does not fit the 96-bit reserve field (this also bounds `amount` for
    ///      the curve arithmetic).
    function _checkedNewReserve(ResourceType resource, uint256 reserve, uint256 amount)
        private
        pure
        returns (uint256 newReserve)
    {
        if (amount > type(uint96).max) revert MarketReserveOverflow(resource, type(uint256).max);
        newReserve = reserve + amount;
        if (newReserve > type(uint96).max) revert MarketReserveOverflow(resource, newReserve);
    }

    /// @dev Validates and stores a curve, keeping the reserve.
    function _setCurve(ResourceType resource, uint256 basePrice, uint256 steepness) private {
        if (basePrice == 0 || steepness == 0 || basePrice > type(uint80).max || steepness > type(uint80).max) {
            revert MarketInvalidCurve(basePrice, steepness);
        }
        Curve storage slot = _curves[uint8(resource)];
        // Both fit: checked above.
        // forge-lint: disable-next-line(unsafe-typecast)
        slot.basePrice = uint80(basePrice);
        // forge-lint: disable-next-line(unsafe-typecast)
        slot.steepness = uint80(steepness);
        emit CurveConfigured(resource, basePrice, steepness);
    }

    /// @dev Sends wei without copying return data (a receiver cannot make the market pay for a large return).
    function _sendNative(address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        if (!ok) revert MarketNativeTransferFailed(to, amount);
    }
}
