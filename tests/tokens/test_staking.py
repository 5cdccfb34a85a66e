"""Staking for reserved capacity: the seed's 30-day example, exact rewards, early exits, the reward reserve."""

from __future__ import annotations

from datetime import timedelta

import pytest

from novacron_chain import NovaChain
from novacron_chain.tokens import (
    RESOURCES,
    ContractPausedError,
    InsufficientTokensError,
    Resource,
    RewardReserveError,
    TokenManager,
    TokenValueError,
    UnknownPositionError,
)
from novacron_chain.tokens import _math as m

from .conftest import W

DAYS_30 = 30 * 86_400


def test_stake_for_30_days_then_unstake_with_reward(tnova: NovaChain) -> None:
    tm, chain = tnova.tokens, tnova.chain
    me = chain.signer.address
    tm.buy(Resource.CPU, 700 * W)
    tm.fund_rewards(Resource.CPU, 100 * W)
    assert tm.reward_reserve("CPU") == (100 * W, 0)
    # seed: tm.StakeTokens(ctx, user, tokens.ResourceCPU, big.NewInt(500), time.Hour*24*30)
    q = tm.quote_stake(Resource.CPU, 500 * W, timedelta(days=30))
    reward = m.stake_reward(500 * W, RESOURCES[Resource.CPU].apr_bps, DAYS_30)
    assert q.reward == reward == 500 * W * 1000 * DAYS_30 // (10_000 * 365 * 86_400)
    assert q.covered
    stake = tm.stake_tokens(Resource.CPU, 500 * W, timedelta(days=30))
    assert (stake.owner, stake.amount, stake.reward) == (me, 500 * W, reward)
    assert stake.tx is not None
    assert stake.end == chain.w3.eth.get_block(stake.tx.block)["timestamp"] + DAYS_30
    assert tm.reserved_capacity("CPU") == 500 * W
    assert tm.reward_reserve("CPU") == (100 * W - reward, reward)
    assert [s.stake_id for s in tm.stakes()] == [stake.stake_id]
    assert tm.get_stake(stake.stake_id).amount == 500 * W

    chain.use_signer(chain.dev_signer(1))
    with pytest.raises(TokenValueError, match="only its owner"):
        tm.unstake_tokens(stake.stake_id, owner=me)
    chain.use_signer(chain.dev_signer(0))

    chain.advance(DAYS_30)
    before = tm.balance("CPU")
    done = tm.unstake_tokens(stake.stake_id)
    assert (done.paid, done.reward_paid, done.penalty, done.early) == (500 * W + reward, reward, 0, False)
    assert tm.balance("CPU") == before + 500 * W + reward
    assert tm.reserved_capacity("CPU") == 0
    assert tm.stakes() == []
    assert tm.reward_reserve("CPU") == (100 * W - reward, 0)
    with pytest.raises(UnknownPositionError, match="no open stake"):
        tm.get_stake(stake.stake_id)


def test_early_unstake_forfeits_reward_and_pays_the_penalty(tm: TokenManager) -> None:
    tm.buy(Resource.MEM, 1_000 * W)
    tm.fund_rewards(Resource.MEM, 10 * W)
    amount = 333 * W + 1  # 1% of it does not divide: the penalty rounds up
    stake = tm.stake_tokens(Resource.MEM, amount, 7 * 86_400)
    penalty = m.early_unstake_penalty(amount)
    assert penalty == amount // 100 + 1
    done = tm.unstake_tokens(stake.stake_id)
    assert (done.paid, done.reward_paid, done.penalty, done.early) == (amount - penalty, 0, penalty, True)
    available, committed = tm.reward_reserve(Resource.MEM)
    assert (available, committed) == (10 * W + penalty, 0)  # the reward went back, the penalty joined it


def test_staking_errors(tm: TokenManager, tembedded: NovaChain) -> None:
    with pytest.raises(TokenValueError, match="1 to 365 days"):
        tm.quote_stake("CPU", W, 3600)
    with pytest.raises(TokenValueError, match="1 to 365 days"):
        tm.stake_tokens("CPU", W, timedelta(days=366))
    with pytest.raises(TokenValueError, match="whole number of seconds"):
        tm.stake_tokens("CPU", W, timedelta(days=2, microseconds=5))
    with pytest.raises(RewardReserveError, match="reward reserve has 0"):
        tm.stake_tokens("CPU", W, timedelta(days=30))
    tm.buy(Resource.CPU, 100 * W)
    tm.fund_rewards(Resource.CPU, W)
    with pytest.raises(InsufficientTokensError, match="holds 99 CPU"):
        tm.stake_tokens("CPU", 100 * W, timedelta(days=30))
    with pytest.raises(UnknownPositionError):
        tm.unstake_tokens(42)
    tembedded.chain.transact(tm.staking.functions.pause())
    with pytest.raises(ContractPausedError, match="ResourceStaking is paused"):
        tm.stake_tokens("CPU", W, timedelta(days=30))
