"""Property, across the token contracts and the Python quotes (Hypothesis stateful test on the embedded chain; few,
long examples): whatever two traders do with the market, the pools and staking, every quote is exactly what the
transaction then moves, a buy followed at once by a sale of the same amount never profits, the market can always
buy back its whole reserve, pool reserves are the pools' balances, pool k never falls across a swap, and the
staking contract holds every open principal plus its reward reserve.

The per-contract invariants (1,000 random sequences each) are the forge tests in test/forge/*.t.sol."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from novacron_chain import NovaChain
from novacron_chain.errors import TokenError
from novacron_chain.tokens import NATIVE_ASSET, Resource
from novacron_chain.tokens import _math as m

from .conftest import W

AMOUNTS = st.one_of(st.integers(1, 10**6), st.integers(10**15, 10**19), st.integers(10**19, 300 * W))
POOLS = [NATIVE_ASSET, Resource.MEM]


@pytest.mark.fuzz
@pytest.mark.slow
def test_quotes_are_exact_and_value_is_conserved(embedded_tokens_session: NovaChain) -> None:
    nova = embedded_tokens_session
    tm, chain = nova.tokens, nova.chain
    traders = [chain.dev_signer(0), chain.dev_signer(1)]

    class Traders(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.staked: dict[int, int] = {}  # stake id -> trader index
            for i, t in enumerate(traders):
                chain.use_signer(t)
                tm.buy(Resource.CPU, 2_000 * W)
                tm.buy(Resource.MEM, 2_000 * W)
                if i == 0:
                    tm.add_liquidity(Resource.CPU, 500 * W, W)
                    tm.add_liquidity(Resource.CPU, 500 * W, 1_000 * W, other=Resource.MEM)
                    tm.fund_rewards(Resource.CPU, 100 * W)

        def _as(self, who: int) -> None:
            chain.use_signer(traders[who])

        @rule(who=st.integers(0, 1), resource=st.sampled_from([Resource.CPU, Resource.MEM]), amount=AMOUNTS)
        def buy_then_sell(self, who: int, resource: Resource, amount: int) -> None:
            self._as(who)
            quote = tm.quote_buy(resource, amount)
            bought = tm.buy(resource, amount)
            assert bought.wei == quote.wei
            sell_quote = tm.quote_sell(resource, amount)
            sold = tm.sell(resource, amount)
            assert sold.wei == sell_quote.wei <= bought.wei

        @rule(who=st.integers(0, 1), other=st.sampled_from(POOLS), forward=st.booleans(), amount=AMOUNTS)
        def swap(self, who: int, other: object, forward: bool, amount: int) -> None:
            self._as(who)
            a_in, a_out = (Resource.CPU, other) if forward else (other, Resource.CPU)
            if a_in == NATIVE_ASSET:
                amount = min(amount, W)
            info = tm.pool_info(Resource.CPU, other)
            k_before = info.reserve * info.other_reserve
            try:
                quote = tm.quote_swap(a_in, a_out, amount)
            except TokenError:  # gives nothing out at these reserves
                return
            held = tm.balance(Resource.CPU) if a_in == Resource.CPU else None
            if held is not None and held < amount:
                return
            done = tm.swap_tokens(a_in, a_out, amount)
            assert done.amount_out == quote.amount_out == m.pool_amount_out(amount, quote.reserve_in, quote.reserve_out)
            info = tm.pool_info(Resource.CPU, other)
            assert info.reserve * info.other_reserve >= k_before

        @rule(who=st.integers(0, 1), other=st.sampled_from(POOLS), amount=AMOUNTS)
        def add(self, who: int, other: object, amount: int) -> None:
            self._as(who)
            info = tm.pool_info(Resource.CPU, other)
            other_amount = amount * info.other_reserve // info.reserve + 1
            try:
                quote = tm.quote_add_liquidity(Resource.CPU, amount, other_amount, other=other)
                done = tm.add_liquidity(Resource.CPU, amount, other_amount, other=other)
            except TokenError:  # too small to mint a share, or more than the trader holds
                return
            assert (done.amount, done.other_amount, done.shares) == (quote.amount, quote.other_amount, quote.shares)

        @rule(who=st.integers(0, 1), other=st.sampled_from(POOLS), part=st.integers(1, 4))
        def remove(self, who: int, other: object, part: int) -> None:
            self._as(who)
            shares = tm.pool_info(Resource.CPU, other).shares_of_account // part
            try:
                quote = tm.quote_remove_liquidity(Resource.CPU, shares, other=other)
                done = tm.remove_liquidity(Resource.CPU, shares, other=other)
            except TokenError:  # no shares, or they redeem for nothing of one asset
                return
            assert (done.amount, done.other_amount) == (quote.amount, quote.other_amount)

        @rule(who=st.integers(0, 1), amount=AMOUNTS, days=st.integers(1, 90))
        def stake(self, who: int, amount: int, days: int) -> None:
            self._as(who)
            quote = tm.quote_stake(Resource.CPU, amount, timedelta(days=days))
            if not quote.covered or tm.balance(Resource.CPU) < amount:
                return
            s = tm.stake_tokens(Resource.CPU, amount, timedelta(days=days))
            assert s.reward == quote.reward
            self.staked[s.stake_id] = who

        @precondition(lambda self: self.staked)
        @rule(data=st.data(), wait=st.booleans())
        def unstake(self, data: st.DataObject, wait: bool) -> None:
            stake_id = data.draw(st.sampled_from(sorted(self.staked)))
            self._as(self.staked.pop(stake_id))
            s = tm.get_stake(stake_id)
            if wait:
                chain.advance(max(s.end - chain.timestamp(), 0) + 1)
            done = tm.unstake_tokens(stake_id)
            penalty = m.early_unstake_penalty(s.amount) if done.early else 0
            assert done.paid == s.amount + (0 if done.early else s.reward) - penalty

        @invariant()
        def conserved(self) -> None:
            market = tm.market
            assert chain.balance(market.address) >= chain.call(market.functions.requiredCollateral())
            for r in (Resource.CPU, Resource.MEM):
                assert tm.curve(r)[2] == chain.call(tm.token(r).functions.totalSupply())  # the only minter
            for other in POOLS:
                pool = tm.pool(Resource.CPU, other)
                info = tm.pool_info(Resource.CPU, other)
                assert info.reserve == tm.balance(Resource.CPU, pool.address)
                other_held = (
                    chain.balance(pool.address) if other == NATIVE_ASSET else tm.balance(Resource.MEM, pool.address)
                )
                assert info.other_reserve == other_held
            available, committed = tm.reward_reserve(Resource.CPU)
            principal = tm.reserved_capacity(Resource.CPU, traders[0].address) + tm.reserved_capacity(
                Resource.CPU, traders[1].address
            )
            assert tm.balance(Resource.CPU, tm.staking.address) == principal + available + committed

        def teardown(self) -> None:
            chain.revert(self.snapshot)
            chain.use_signer(traders[0])

    run_state_machine_as_test(
        Traders,
        settings=settings(
            max_examples=5,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
