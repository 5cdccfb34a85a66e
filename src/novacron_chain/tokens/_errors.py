"""Errors of the resource tokens, market, pools, staking and order book, all under
:class:`~novacron_chain.errors.TokenError`.

::

    TokenError
    ├── TokenValueError (NovaValueError)   exit 2: bad input (amount, resource, asset, duration, price, deadline)
    │   └── DeadlineExpiredError           the deadline has passed (checked before sending, and by the contract)
    ├── SlippageError                      the price moved past the caller's bound (max cost, min out, min deposit)
    ├── InsufficientTokensError            the account lacks the tokens or native coins an operation needs
    ├── ContractPausedError                a guardian has paused the contract (or a token it moves)
    ├── RewardReserveError                 the staking reward reserve cannot cover a stake's reward
    ├── CapExceededError                   minting would take a token's supply above its cap
    ├── NoLiquidityError                   the pool is empty: add liquidity first
    └── UnknownPositionError               no open stake / order with that id for that account

Contract reverts are decoded by the chain layer into
:class:`~novacron_chain.errors.ContractCustomError`; :class:`~novacron_chain.tokens.TokenManager` maps the ones a
user can cause to these classes (``raise ... from`` the decoded error, whose ``error_name`` and ``error_args`` are
kept on ``cause``). :data:`ERROR_HINTS` has a hint for every custom error of the token contracts, so that even a raw
``ContractCustomError`` reads as advice.
"""

from __future__ import annotations

from typing import Any

from ..errors import ContractCustomError, NovaValueError, TokenError

__all__ = [
    "ERROR_HINTS",
    "CapExceededError",
    "ContractPausedError",
    "DeadlineExpiredError",
    "InsufficientTokensError",
    "NoLiquidityError",
    "RewardReserveError",
    "SlippageError",
    "TokenValueError",
    "UnknownPositionError",
]


class _Decoded(TokenError):
    """A token error that may come from a decoded contract revert (``cause``)."""

    def __init__(self, message: str, *, hint: str | None = None, cause: ContractCustomError | None = None) -> None:
        super().__init__(message, hint=hint)
        self.cause = cause

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.cause is not None:
            out["contract_error"] = self.cause.error_name
            out["contract_error_args"] = {k: str(v) for k, v in self.cause.error_args.items()}
        return out


class TokenValueError(_Decoded, NovaValueError):
    """Bad input to a token operation: an amount that is not a positive integer, an unknown resource or asset, a
    duration out of range, a price of zero."""


class DeadlineExpiredError(TokenValueError):
    """The operation's deadline (unix seconds of chain time) is already past."""

    def __init__(self, deadline: int, now: int, *, cause: ContractCustomError | None = None) -> None:
        super().__init__(
            f"the deadline {deadline} has passed (chain time is {now})",
            hint="give a deadline in the future (unix seconds of chain time), or leave it out for 20 minutes from now",
            cause=cause,
        )
        self.deadline = deadline
        self.now = now


class SlippageError(_Decoded):
    """The price moved past the caller's bound: the buy costs more than ``max_cost``, a sale or swap gives less than
    ``min_out``, or a deposit / withdrawal moves less than its minimum. ``actual`` and ``bound`` are base units."""

    def __init__(
        self,
        what: str,
        actual: int,
        bound: int,
        *,
        hint: str | None = None,
        cause: ContractCustomError | None = None,
    ) -> None:
        super().__init__(
            f"{what} is {actual}, beyond your bound {bound}: the price moved (or the bound is too tight)",
            hint=hint or "quote again and retry with the new amount, or widen the bound",
            cause=cause,
        )
        self.actual = actual
        self.bound = bound


class InsufficientTokensError(_Decoded):
    """The account does not hold (or has not approved) what the operation moves."""


class ContractPausedError(_Decoded):
    """A guardian has paused the contract (or a token it moves): the emergency pause of the seed."""

    def __init__(self, contract: str, *, cause: ContractCustomError | None = None) -> None:
        super().__init__(
            f"{contract} is paused by its guardian: nothing can be bought, sold, moved or staked there until it "
            "is unpaused",
            hint="wait for the admin (the governance timelock in production) to unpause it; funds held there are safe",
            cause=cause,
        )
        self.contract = contract


class RewardReserveError(_Decoded):
    """The staking reward reserve cannot cover the full reward of the stake asked for."""


class CapExceededError(_Decoded):
    """Minting would take the token's total supply above its cap."""


class NoLiquidityError(_Decoded):
    """The pool has no liquidity yet."""


class UnknownPositionError(_Decoded):
    """No open stake or order with that id belongs to that account (never made, someone else's, or closed)."""


#: hints for every custom error of the token contracts (error name -> what to do), so that even a raw
#: ContractCustomError reads as advice
ERROR_HINTS: dict[str, str] = {
    "MarketDeadlineExpired": "the transaction was mined after its deadline; retry with a later deadline",
    "MarketZeroAmount": "buy or sell a positive amount",
    "MarketZeroReceiver": "name a receiver other than 0x0",
    "MarketCostAboveMax": "the price moved up since the quote; quote again and raise --max-cost",
    "MarketInsufficientPayment": "send at least the quoted cost as value",
    "MarketPayoutBelowMin": "the price moved down since the quote; quote again and lower --min-out",
    "MarketSellExceedsReserve": "the market can only buy back what it sold; sell at most the reserve",
    "MarketSellExceedsRedeemable": "the curve buys back only what it sold, from the account it sold it to (see "
    "`redeemable`); tokens received by transfer or minted by governance carry no claim on its collateral: sell them "
    "in a pool or on the order book, or have the buyer pass its claim on with `transfer_redeemable`",
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
    "PoolFactoryUnknownPool": "that address is no pool of this factory; `factory.allPools(i)` lists them",
    "PoolFactoryPoolAdminFixed": "a pool's admin is its factory for good: govern the pool through the factory's "
    "admin (unpausePool, grantPoolRole, revokePoolRole), and hand over the factory's admin role to change who does",
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
    "StakingLienExceedsStake": "the owner's stake not under lien does not cover this: stake more of the resource "
    "(`novacron-chain stake`), or stop VMs that hold liens",
    "StakingLiened": "this stake backs running VMs (a lien): stop them (`novacron-chain vm stop`) or stake the "
    "difference first; stakes beyond the lien can be withdrawn",
    "StakingLienReleaseExceedsLien": "only what is under lien can be released; `lienOf(owner, resource)` shows it",
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
