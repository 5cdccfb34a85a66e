"""Buying and selling on the bonding curve, on the embedded chain and on anvil: exact wei against the closed form,
exact balance changes, and each user mistake as a clear TokenError."""

from __future__ import annotations

from fractions import Fraction
from math import ceil

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError, NovaValueError
from novacron_chain.tokens import (
    MINTER_ROLE,
    CapExceededError,
    ContractPausedError,
    DeadlineExpiredError,
    InsufficientTokensError,
    Resource,
    SlippageError,
    TokenManager,
    TokenValueError,
)
from novacron_chain.tokens import _math as m

from .conftest import W

OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1


def test_buy_then_sell_exact_amounts(tnova: NovaChain) -> None:
    tm, chain = tnova.tokens, tnova.chain
    me = chain.signer.address
    base, steep, reserve = tm.curve(Resource.CPU)
    assert reserve == 0
    amount = 1_234 * W + 5  # not a round number: the cost rounds
    quote = tm.quote_buy("cpu", amount)
    expected = m.curve_buy_cost(base, steep, 0, amount)
    assert quote.wei == expected == ceil(Fraction(base, W) * (amount + Fraction(amount * amount, 2 * steep * W)))
    native_before = chain.balance(me)
    trade = tm.buy(Resource.CPU, amount)
    assert (trade.side, trade.amount, trade.wei, trade.reserve_after, trade.to) == ("buy", amount, expected, amount, me)
    assert chain.balance(me) == native_before - expected - trade.tx.fee_wei
    assert tm.balance(Resource.CPU) == amount
    assert tm.get_spot_price(Resource.CPU) == m.curve_spot_price(base, steep, amount) == quote.spot_after
    assert chain.balance(tm.market.address) == expected

    part = amount // 3
    sell_quote = tm.quote_sell(Resource.CPU, part)
    assert sell_quote.wei == m.curve_sell_payout(base, steep, amount, part)
    # approve first, so that the sale is one transaction and the native balance change is exactly payout - fee
    chain.transact(tm.token(Resource.CPU).functions.approve(tm.market.address, part))
    native_before = chain.balance(me)
    sold = tm.sell(Resource.CPU, part)
    assert (sold.side, sold.amount, sold.wei, sold.reserve_after) == ("sell", part, sell_quote.wei, amount - part)
    assert chain.balance(me) == native_before + sell_quote.wei - sold.tx.fee_wei
    assert tm.balance(Resource.CPU) == amount - part
    # the market keeps exactly what it took minus what it paid, and that covers the outstanding reserve
    assert chain.balance(tm.market.address) == expected - sell_quote.wei
    assert expected - sell_quote.wei >= m.curve_sell_payout(base, steep, amount - part, amount - part)


def test_round_trip_never_profits(tm: TokenManager) -> None:
    for amount in (1, 3, 10**9 + 7, 999 * W + 1):
        bought = tm.buy(Resource.MEM, amount)
        sold = tm.sell(Resource.MEM, amount)
        assert sold.wei <= bought.wei
        assert bought.wei - sold.wei <= 1  # the two roundings, nothing else


def test_mint_tokens_and_max_cost_refund(tm: TokenManager, tembedded: NovaChain) -> None:
    chain = tembedded.chain
    me = chain.signer.address
    quote = tm.quote_buy(Resource.STO, 500 * W)
    before = chain.balance(me)
    trade = tm.mint_tokens(OTHER, Resource.STO, 500 * W, max_cost=quote.wei + 10**18)
    assert trade.wei == quote.wei
    assert trade.to == OTHER
    assert chain.balance(me) == before - quote.wei - trade.tx.fee_wei  # the excess came back in the same tx
    assert tm.balance(Resource.STO, OTHER) == 500 * W
    assert tm.balance(Resource.STO) == 0
    balances = tm.balances(OTHER)
    assert balances.tokens[Resource.STO] == 500 * W
    assert balances.tokens[Resource.CPU] == 0
    assert balances.to_dict()["tokens"]["STO"] == str(500 * W)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "10", True, None])
def test_bad_amounts_are_refused_before_sending(tm: TokenManager, tembedded: NovaChain, bad: object) -> None:
    block = tembedded.chain.block_number()
    with pytest.raises(TokenValueError) as info:
        tm.buy(Resource.CPU, bad)  # type: ignore[arg-type]
    assert info.value.exit_code == 2
    assert "amount" in info.value.message
    with pytest.raises(TokenValueError):
        tm.sell(Resource.CPU, bad)  # type: ignore[arg-type]
    assert tembedded.chain.block_number() == block


@pytest.mark.parametrize("bad", ["GPU", "", 7, -1, None, 1.0])
def test_unknown_resources(tm: TokenManager, bad: object) -> None:
    with pytest.raises(TokenValueError, match="resource") as info:
        tm.get_spot_price(bad)  # type: ignore[arg-type]
    assert info.value.hint == "use one of CPU, MEM, STO, NET"
    assert isinstance(info.value, NovaValueError)


def test_slippage_bounds(tm: TokenManager, tembedded: NovaChain) -> None:
    quote = tm.quote_buy(Resource.CPU, 100 * W)
    with pytest.raises(SlippageError) as info:
        tm.buy(Resource.CPU, 100 * W, max_cost=quote.wei - 1)
    assert (info.value.actual, info.value.bound) == (quote.wei, quote.wei - 1)
    # the contract's own check, when the price moves between quote and inclusion: someone buys first
    chain = tembedded.chain
    me = chain.signer
    deadline = chain.timestamp() + 600
    fn = tm.market.functions.buy(0, 100 * W, quote.wei, me.address, deadline)
    tm.buy(Resource.CPU, 1 * W)
    with pytest.raises(SlippageError) as info, tm._translating(tm.market):
        chain.transact(fn, value=quote.wei)
    assert isinstance(info.value.cause, ContractCustomError)
    assert info.value.cause.error_name == "MarketCostAboveMax"
    assert info.value.bound == quote.wei
    assert info.value.actual > quote.wei
    tm.buy(Resource.CPU, 10 * W)
    q = tm.quote_sell(Resource.CPU, 10 * W)
    with pytest.raises(SlippageError, match="payout"):
        tm.sell(Resource.CPU, 10 * W, min_out=q.wei + 1)


def test_expired_deadline(tm: TokenManager, tembedded: NovaChain) -> None:
    now = tembedded.chain.timestamp()
    with pytest.raises(DeadlineExpiredError) as info:
        tm.buy(Resource.CPU, W, deadline=now - 1)
    assert info.value.exit_code == 2
    assert "has passed" in info.value.message
    # mined after its deadline: the contract refuses and the error is the same
    fn = tm.market.functions.buy(0, W, 10**18, tembedded.chain.signer.address, now)
    tembedded.chain.advance(60)
    with pytest.raises(DeadlineExpiredError) as info, tm._translating(tm.market):
        tembedded.chain.transact(fn, value=10**18)
    assert info.value.cause is not None
    assert info.value.cause.error_name == "MarketDeadlineExpired"


def test_paused_market_and_paused_token(tm: TokenManager, tembedded: NovaChain) -> None:
    chain = tembedded.chain
    tm.buy(Resource.CPU, 10 * W)
    chain.transact(tm.market.functions.pause())
    with pytest.raises(ContractPausedError, match="ResourceMarket is paused") as info:
        tm.buy(Resource.CPU, W)
    assert info.value.cause is not None
    assert info.value.cause.error_name == "EnforcedPause"
    assert "unpause" in (info.value.hint or "")
    chain.transact(tm.market.functions.unpause())
    chain.transact(tm.token(Resource.CPU).functions.pause())
    with pytest.raises(ContractPausedError, match="the CPU token is paused"):
        tm.buy(Resource.CPU, W)
    chain.transact(tm.token(Resource.CPU).functions.unpause())
    assert tm.buy(Resource.CPU, W).amount == W


def test_cap_and_balance(tm: TokenManager) -> None:
    with pytest.raises(CapExceededError, match="above the cap"):
        tm.quote_buy(Resource.CPU, 1_000_000 * W + 1)
    tm.buy(Resource.CPU, 5 * W)
    with pytest.raises(InsufficientTokensError, match="holds 5 CPU"):
        tm.sell(Resource.CPU, 6 * W)
    with pytest.raises(TokenValueError, match="refused"):
        tm.quote_sell(Resource.MEM, 1)  # nothing outstanding: the market can buy back nothing


def test_a_mint_outside_the_curve_cannot_take_buyers_collateral(tm: TokenManager, tembedded: NovaChain) -> None:
    """Issue 15: a buyer pays for 1,000 CPU; 1,000 CPU minted outside the curve (by a second minter, as the timelock
    is in production) are refused by the curve, before sending and by the contract; the buyer sells in full."""
    chain = tembedded.chain
    minter_signer = chain.dev_signer(4)
    buyer, minter = tm.with_sender(chain.dev_signer(3)), tm.with_sender(minter_signer)
    bought = buyer.buy(Resource.CPU, 1_000 * W)
    assert buyer.redeemable(Resource.CPU) == 1_000 * W
    cpu = tm.token(Resource.CPU)
    chain.transact(cpu.functions.grantRole(MINTER_ROLE, chain.signer.address))  # the deployer stands for the timelock
    chain.transact(cpu.functions.mint(minter_signer.address, 1_000 * W))
    assert minter.redeemable(Resource.CPU) == 0
    block = chain.block_number()
    with pytest.raises(InsufficientTokensError, match="only 0 CPU") as info:
        minter.sell(Resource.CPU, 1_000 * W)
    assert "minted by governance carry no claim" in (info.value.hint or "")
    assert chain.block_number() == block  # refused before sending
    # the contract refuses it too, whatever the client checks
    minter.approve(Resource.CPU, tm.market.address, 1_000 * W)
    deadline = chain.timestamp() + 600
    fn = tm.market.functions.sell(0, 1_000 * W, 0, minter_signer.address, deadline)
    with pytest.raises(InsufficientTokensError) as info, tm._translating(tm.market):
        chain.transact(fn, sender=minter_signer)
    assert info.value.cause is not None
    assert info.value.cause.error_name == "MarketSellExceedsRedeemable"
    assert chain.balance(tm.market.address) == bought.wei  # collateral untouched
    sold = buyer.sell(Resource.CPU, 1_000 * W)
    assert bought.wei - sold.wei <= 1
    assert buyer.redeemable(Resource.CPU) == 0


def test_transfer_redeemable_passes_the_claim_with_the_tokens(tm: TokenManager, tembedded: NovaChain) -> None:
    chain = tembedded.chain
    other_signer = chain.dev_signer(5)
    other = tm.with_sender(other_signer)
    tm.buy(Resource.NET, 10 * W)
    chain.transact(tm.token(Resource.NET).functions.transfer(other_signer.address, 10 * W))
    with pytest.raises(InsufficientTokensError, match="may sell back only 0 NET"):
        other.sell(Resource.NET, 10 * W)
    with pytest.raises(InsufficientTokensError, match="cannot pass on 11 NET"):
        tm.transfer_redeemable(Resource.NET, other_signer.address, 11 * W)
    tm.transfer_redeemable(Resource.NET, other_signer.address, 10 * W)
    assert (tm.redeemable(Resource.NET), other.redeemable(Resource.NET)) == (0, 10 * W)
    assert other.sell(Resource.NET, 10 * W).amount == 10 * W
