// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "./ResourceType.sol";

/// @title IResourceMarket
/// @notice Bonding-curve market for the four resource tokens (seed §4 "Automated Market Maker"):
///         `price = basePrice * (1 + reserve / steepness)`, where `reserve` is the number of tokens the market has sold
///         and that are still outstanding, `basePrice` is in wei per whole token and `steepness` in whole tokens (the
///         price doubles when the reserve reaches `steepness` tokens). Buying `a` base units from reserve `s` costs the
///         exact integral of the curve, `basePrice * a * (2K + 2s + a) / (2K * 1e18)` wei with `K = steepness * 1e18`,
///         rounded up; selling pays the integral back down the curve, rounded down. The market mints on buy and burns
///         on sell, and keeps every wei paid as the curve's collateral, so selling back the whole reserve is always
///         covered.
///
///         Only what the curve sold can be sold back to it, and only by whom it sold it to: a buy credits the
///         receiver with a redeemable balance (`redeemableOf`), a sale spends the seller's. Tokens minted by any other
///         minter (governance, through the timelock) or received by transfer carry no claim on the collateral; they
///         trade in the pools and on the order book. The sum of all redeemable balances of a resource is its reserve.
interface IResourceMarket {
    /// @notice Tokens were bought from the curve.
    /// @param resource The resource bought.
    /// @param buyer The caller, who paid.
    /// @param to The receiver of the minted tokens.
    /// @param amount Base units minted.
    /// @param cost Wei kept by the market (excess msg.value was refunded).
    /// @param reserve The resource's reserve after the buy, in base units.
    event ResourceBought(
        ResourceType indexed resource,
        address indexed buyer,
        address indexed to,
        uint256 amount,
        uint256 cost,
        uint256 reserve
    );

    /// @notice Tokens were sold back to the curve and burnt.
    /// @param resource The resource sold.
    /// @param seller The caller, whose tokens were burnt.
    /// @param to The receiver of the payout.
    /// @param amount Base units burnt.
    /// @param payout Wei paid out.
    /// @param reserve The resource's reserve after the sale, in base units.
    event ResourceSold(
        ResourceType indexed resource,
        address indexed seller,
        address indexed to,
        uint256 amount,
        uint256 payout,
        uint256 reserve
    );

    /// @notice A holder passed part of its right to sell back to the curve to another address.
    /// @param resource The resource.
    /// @param from The holder whose redeemable balance decreased.
    /// @param to The address whose redeemable balance increased.
    /// @param amount Base units of redeemable balance moved.
    event RedeemableTransferred(ResourceType indexed resource, address indexed from, address indexed to, uint256 amount);

    /// @notice A resource's curve parameters were set.
    /// @param resource The resource.
    /// @param basePrice Wei per whole token at reserve zero.
    /// @param steepness Reserve, in whole tokens, at which the price is twice the base price.
    event CurveConfigured(ResourceType indexed resource, uint256 basePrice, uint256 steepness);

    /// @notice The transaction was mined after its deadline.
    /// @param deadline The caller's deadline (unix seconds).
    /// @param timestamp The block timestamp.
    error MarketDeadlineExpired(uint256 deadline, uint256 timestamp);

    /// @notice An amount of zero tokens was asked for.
    error MarketZeroAmount();

    /// @notice The receiver is the zero address.
    error MarketZeroReceiver();

    /// @notice The buy costs more than the caller's bound.
    /// @param cost What the buy costs, in wei.
    /// @param maxCost The caller's bound.
    error MarketCostAboveMax(uint256 cost, uint256 maxCost);

    /// @notice msg.value does not cover the cost of the buy.
    /// @param value The wei sent.
    /// @param cost What the buy costs.
    error MarketInsufficientPayment(uint256 value, uint256 cost);

    /// @notice The sale pays less than the caller's bound.
    /// @param payout What the sale pays, in wei.
    /// @param minOut The caller's bound.
    error MarketPayoutBelowMin(uint256 payout, uint256 minOut);

    /// @notice More tokens are sold than the market has outstanding for this resource.
    /// @param resource The resource.
    /// @param amount Base units offered.
    /// @param reserve Base units the market has sold and not yet bought back.
    error MarketSellExceedsReserve(ResourceType resource, uint256 amount, uint256 reserve);

    /// @notice The seller sells more than the curve sold to it: only tokens bought on the curve (by or for the
    ///         seller, or whose right was passed to it with `transferRedeemable`) can be sold back, so that a mint
    ///         outside the curve can never draw on collateral buyers paid.
    /// @param resource The resource.
    /// @param seller The caller.
    /// @param amount Base units offered (or moved).
    /// @param redeemable Base units the caller may sell back.
    error MarketSellExceedsRedeemable(ResourceType resource, address seller, uint256 amount, uint256 redeemable);

    /// @notice The reserve would not fit the market's 96-bit reserve field.
    /// @param resource The resource.
    /// @param reserve The reserve the buy would reach.
    error MarketReserveOverflow(ResourceType resource, uint256 reserve);

    /// @notice Curve parameters are zero or too large (basePrice and steepness must be in 1 .. 2**80 - 1).
    /// @param basePrice The base price given.
    /// @param steepness The steepness given.
    error MarketInvalidCurve(uint256 basePrice, uint256 steepness);

    /// @notice A curve cannot be changed while tokens sold on it are outstanding: its collateral was priced on it.
    /// @param resource The resource.
    /// @param reserve The outstanding reserve.
    error MarketReserveNotEmpty(ResourceType resource, uint256 reserve);

    /// @notice Sending native currency failed (a receiver that rejects it).
    /// @param to The receiver.
    /// @param amount The wei that could not be sent.
    error MarketNativeTransferFailed(address to, uint256 amount);

    /// @notice Buys `amount` base units of `resource` on the curve and mints them to `to`, crediting `to` with as
    ///         much redeemable balance. Send at least the quoted cost as msg.value; the excess is refunded to the
    ///         caller.
    /// @param resource CPU, MEM, STO or NET.
    /// @param amount Base units to buy (18 decimals).
    /// @param maxCost Largest cost in wei the caller accepts (slippage bound).
    /// @param to Receiver of the tokens.
    /// @param deadline Unix time after which the buy reverts.
    /// @return cost Wei kept by the market (rounded up).
    function buy(ResourceType resource, uint256 amount, uint256 maxCost, address to, uint256 deadline)
        external
        payable
        returns (uint256 cost);

    /// @notice Sells `amount` base units of `resource` back to the curve: the caller's tokens are burnt (approve the
    ///         market first, or use permit), as much of the caller's redeemable balance is spent, and the payout is
    ///         sent to `to`.
    /// @param resource CPU, MEM, STO or NET.
    /// @param amount Base units to sell; at most the caller's redeemable balance (`redeemableOf`).
    /// @param minOut Smallest payout in wei the caller accepts (slippage bound).
    /// @param to Receiver of the payout.
    /// @param deadline Unix time after which the sale reverts.
    /// @return payout Wei paid (rounded down).
    function sell(ResourceType resource, uint256 amount, uint256 minOut, address to, uint256 deadline)
        external
        returns (uint256 payout);

    /// @notice Moves `amount` of the caller's redeemable balance to `to` (for example along with tokens sold over
    ///         the counter, or to a new wallet). Tokens are not moved: transfer them separately.
    /// @param resource CPU, MEM, STO or NET.
    /// @param to The receiver of the right.
    /// @param amount Base units of redeemable balance, at most the caller's.
    function transferRedeemable(ResourceType resource, address to, uint256 amount) external;

    /// @notice Sets a resource's curve. Admin only, and only while its reserve is zero.
    /// @param resource The resource.
    /// @param basePrice Wei per whole token at reserve zero, 1 .. 2**80 - 1.
    /// @param steepness Whole tokens of reserve at which the price doubles, 1 .. 2**80 - 1.
    function setCurve(ResourceType resource, uint256 basePrice, uint256 steepness) external;

    /// @notice The marginal price at the current reserve, `basePrice * (1 + reserve / steepness)`, rounded down.
    /// @param resource The resource.
    /// @return Wei per whole token.
    function getSpotPrice(ResourceType resource) external view returns (uint256);

    /// @notice What `buy` would cost now, in wei (rounded up). Does not check the token's cap.
    /// @param resource The resource.
    /// @param amount Base units.
    /// @return Wei.
    function quoteBuy(ResourceType resource, uint256 amount) external view returns (uint256);

    /// @notice What `sell` would pay now, in wei (rounded down). Reverts if `amount` exceeds the reserve; does not
    ///         check anyone's redeemable balance.
    /// @param resource The resource.
    /// @param amount Base units.
    /// @return Wei.
    function quoteSell(ResourceType resource, uint256 amount) external view returns (uint256);

    /// @notice A resource's curve and reserve.
    /// @param resource The resource.
    /// @return basePrice Wei per whole token at reserve zero.
    /// @return steepness Whole tokens at which the price doubles.
    /// @return reserve Base units sold by the market and outstanding.
    function getCurve(ResourceType resource)
        external
        view
        returns (uint256 basePrice, uint256 steepness, uint256 reserve);

    /// @notice How much of `resource` `holder` can sell back to the curve: what the curve sold to it (and what it
    ///         was passed with `transferRedeemable`) minus what it sold back and passed on.
    /// @param resource The resource.
    /// @param holder The address.
    /// @return Base units.
    function redeemableOf(ResourceType resource, address holder) external view returns (uint256);

    /// @notice Wei needed to buy back everything the market can still be made to buy back, of every resource at
    ///         once (the sum of `quoteSell` of each whole reserve, which is the sum of all redeemable balances). The
    ///         market's balance never falls below it.
    /// @return Wei.
    function requiredCollateral() external view returns (uint256);
}
