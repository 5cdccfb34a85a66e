"""Hints for every custom error of the token contracts, so that even a raw ContractCustomError reads as advice."""

from __future__ import annotations

from ..errors import register_error_hint

__all__: list[str] = []

_HINTS = {
    "MarketDeadlineExpired": "the transaction was mined after its deadline; retry with a later deadline",
    "MarketZeroAmount": "buy or sell a positive amount",
    "MarketZeroReceiver": "name a receiver other than 0x0",
    "MarketCostAboveMax": "the price moved up since the quote; quote again and raise --max-cost",
    "MarketInsufficientPayment": "send at least the quoted cost as value",
    "MarketPayoutBelowMin": "the price moved down since the quote; quote again and lower --min-out",
    "MarketSellExceedsReserve": "the market can only buy back what it sold; sell at most the reserve",
    "MarketReserveOverflow": "the amount is far beyond any token's cap; buy less",
    "MarketInvalidCurve": "base price and steepness must be between 1 and 2**80 - 1",
    "MarketReserveNotEmpty": "a curve can only change while none of its tokens are outstanding",
    "MarketNativeTransferFailed": "the receiver rejects native coins; pay out to another address",
    "PoolDeadlineExpired": "the transaction was mined after its deadline; retry with a later deadline",
    "PoolZeroAmount": "give a positive amount",
    "PoolInvalidReceiver": "name a receiver other than 0x0 and the pool itself",
    "PoolUnknownToken": "swap one of the pool's two assets",
    "PoolNativeValueMismatch": "send exactly the native amount the call names as value",
    "PoolNoLiquidity": "the pool is empty; add liquidity first (`novacron-chain pool add`)",
    "PoolOutputBelowMin": "the price moved since the quote (or the input is too small); quote again",
    "PoolDepositBelowMin": "the pool's ratio moved since the quote; quote again and retry",
    "PoolWithdrawalBelowMin": "the reserves moved since the quote (or too few shares); quote again",
    "PoolInsufficientLiquidityMinted": "deposit more: the amounts are too small to mint a share "
    "(a first deposit needs sqrt(a0 * a1) above 1,000 base units)",
    "PoolReserveOverflow": "the amount is above 2**104 - 1 base units; use less",
    "PoolInvalidPair": "a pool needs two different assets, a resource token first",
    "PoolNativeTransferFailed": "the receiver rejects native coins; withdraw to another address",
    "PoolFactoryPoolExists": "that pool exists already; use it",
    "PoolFactoryInvalidPair": "a pool needs two different assets",
    "StakingZeroAmount": "stake a positive amount",
    "StakingAmountTooLarge": "the amount is above 2**96 - 1 base units; stake less",
    "StakingInvalidDuration": "lock for between 1 day (86400 s) and 365 days",
    "StakingRewardReserveInsufficient": "the reward reserve cannot pay this stake's reward: stake less or shorter, "
    "or fund the reserve (TokenManager.fund_rewards)",
    "StakingUnknownStake": "no open stake with that id for that owner; `novacron-chain stake show` lists them",
    "StakingNotMatured": "before its end only the stake's owner may unstake (forfeiting the reward, 1% penalty)",
    "StakingAprTooHigh": "the APR is at most 10,000 basis points (100%)",
    "StakingWithdrawExceedsAvailable": "only unreserved rewards can be withdrawn",
    "StakingCapTooLarge": "a token's cap must fit 96 bits",
    "StakingZeroReceiver": "name a receiver other than 0x0",
    "OrderBookZeroAmount": "give a positive amount",
    "OrderBookZeroPrice": "give a positive price in wei per whole token",
    "OrderBookValueTooLarge": "amounts must fit 96 bits and prices 128 bits",
    "OrderBookUnknownOrder": "no open order with that id for that seller; `novacron-chain orders list` shows them",
    "OrderBookFillExceedsRemaining": "fill at most what the order has left",
    "OrderBookInsufficientPayment": "send at least the quoted cost as value",
    "OrderBookDeadlineExpired": "the transaction was mined after its deadline; retry with a later deadline",
    "OrderBookZeroReceiver": "name a receiver other than 0x0",
    "OrderBookNativeTransferFailed": "the seller's address rejects native coins: this order cannot be filled",
    "ResourceTokenSetZeroToken": "deploy the four resource tokens first and pass their addresses",
}

for _name, _hint in _HINTS.items():
    register_error_hint(_name, _hint)
