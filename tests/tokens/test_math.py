"""The closed-form arithmetic in ``tokens._math`` against the contracts' own view functions and against an
independent exact-rational derivation, at many points of state."""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor, isqrt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novacron_chain.tokens import (
    RESOURCES,
    CapExceededError,
    Resource,
    TokenManager,
    TokenValueError,
    format_units,
    parse_units,
)
from novacron_chain.tokens import _math as m

from .conftest import W, seed_pools

VIEW_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def rational_cost(base: int, steepness: int, start: int, amount: int) -> Fraction:
    """The curve integral from first principles: price(x) = base * (1 + x / K) wei per 1e18 base units, integrated
    over x in [start, start + amount] base units, K = steepness whole tokens."""
    k = Fraction(steepness * W)
    antiderivative = lambda x: Fraction(base, W) * (x + Fraction(x * x) / (2 * k))  # noqa: E731
    return antiderivative(start + amount) - antiderivative(start)


@given(st.integers(0, 10**40))
def test_units_round_trip(base: int) -> None:
    assert parse_units(format_units(base)) == base


@pytest.mark.parametrize(
    ("text", "base"),
    [("1", W), ("1.5", 3 * W // 2), ("0.000000000000000001", 1), ("1e3", 1000 * W), ("1.000000000000000000000", W)],
)
def test_parse_units_is_exact(text: str, base: int) -> None:
    assert parse_units(text) == base


@pytest.mark.parametrize("text", ["0.0000000000000000001", "1.2345678901234567891", "abc", "nan", "inf", ""])
def test_parse_units_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"decimals|not a number|not a finite number"):
        parse_units(text)


@given(
    base=st.integers(1, 2**80 - 1),
    steepness=st.integers(1, 2**80 - 1),
    start=st.integers(0, 2**96 - 1),
    amount=st.integers(1, 2**96 - 1),
)
def test_curve_closed_form_is_the_exact_integral_rounded_for_the_market(
    base: int, steepness: int, start: int, amount: int
) -> None:
    exact = rational_cost(base, steepness, start, amount)
    assert m.curve_buy_cost(base, steepness, start, amount) == ceil(exact)
    assert m.curve_sell_payout(base, steepness, start + amount, amount) == floor(exact)
    assert m.curve_spot_price(base, steepness, start) == floor(Fraction(base) * (1 + Fraction(start, steepness * W)))


def test_seed_base_prices_at_the_default_native_price(tm: TokenManager) -> None:
    # $0.001 / $0.5 per native coin = 0.002 native per CPU token, and so on down the seed's table
    expected = {Resource.CPU: 2 * 10**15, Resource.MEM: 10**15, Resource.STO: 2 * 10**14, Resource.NET: 2 * 10**13}
    for r, price in expected.items():
        assert tm.curve(r) == (price, RESOURCES[r].steepness_tokens, 0)
        assert tm.get_spot_price(r) == price


@pytest.fixture
def traded(tm: TokenManager) -> TokenManager:
    """Curves with an outstanding reserve at several scales, and seeded pools."""
    seed_pools(tm)
    tm.buy(Resource.STO, 1_234_567 * W + 89)
    tm.buy(Resource.NET, 7)  # seven base units
    return tm


@VIEW_SETTINGS
@given(resource=st.sampled_from(list(Resource)), amount=st.integers(1, 2 * 10**24))
def test_market_views_match_closed_form(traded: TokenManager, resource: Resource, amount: int) -> None:
    base, steep, reserve = traded.curve(resource)
    room = RESOURCES[resource].cap_tokens * W - reserve  # the market is the only minter: supply == reserve
    if amount > room:
        with pytest.raises(CapExceededError, match="above the cap"):
            traded.quote_buy(resource, amount)
        amount = room
    assert traded.get_spot_price(resource) == m.curve_spot_price(base, steep, reserve)
    buy = traded.quote_buy(resource, amount)
    assert (
        buy.wei == m.curve_buy_cost(base, steep, reserve, amount) == ceil(rational_cost(base, steep, reserve, amount))
    )
    assert buy.spot_after == m.curve_spot_price(base, steep, reserve + amount)
    sell_amount = min(amount, reserve)
    sell = traded.quote_sell(resource, sell_amount)
    assert sell.wei == m.curve_sell_payout(base, steep, reserve, sell_amount)
    assert sell.wei == floor(rational_cost(base, steep, reserve - sell_amount, sell_amount))


@VIEW_SETTINGS
@given(
    pair=st.sampled_from([("CPU", "native"), ("native", "CPU"), ("CPU", "MEM"), ("MEM", "CPU")]),
    amount=st.integers(1, 10**24),
)
def test_pool_swap_views_match_closed_form(traded: TokenManager, pair: tuple[str, str], amount: int) -> None:
    info = traded.pool_info("CPU", pair[1] if pair[0] == "CPU" else pair[0])
    r_in, r_out = (info.reserve, info.other_reserve) if pair[0] == "CPU" else (info.other_reserve, info.reserve)
    if m.pool_amount_out(amount, r_in, r_out) == 0:
        with pytest.raises(TokenValueError, match="gives nothing out"):
            traded.quote_swap(pair[0], pair[1], amount)
        return
    q = traded.quote_swap(pair[0], pair[1], amount)
    assert (q.reserve_in, q.reserve_out) == (r_in, r_out)
    assert q.amount_out == m.pool_amount_out(amount, q.reserve_in, q.reserve_out)
    # the largest output that keeps k (with the fee taken off the input), as Uniswap v2
    k_after = (q.reserve_in * 1000 + amount * 997) * (q.reserve_out - q.amount_out)
    assert k_after >= q.reserve_in * q.reserve_out * 1000
    assert (q.reserve_in * 1000 + amount * 997) * (
        q.reserve_out - q.amount_out - 1
    ) < q.reserve_in * q.reserve_out * 1000


@VIEW_SETTINGS
@given(
    resource=st.sampled_from(list(Resource)),
    amount=st.integers(1, 2**96 - 1),
    duration=st.integers(86_400, 365 * 86_400),
)
def test_staking_reward_matches_preview(tm: TokenManager, resource: Resource, amount: int, duration: int) -> None:
    q = tm.quote_stake(resource, amount, duration)
    apr = RESOURCES[resource].apr_bps
    assert (
        q.reward == m.stake_reward(amount, apr, duration) == floor(Fraction(amount * apr * duration, 10_000 * m.YEAR))
    )


def test_order_fill_cost_matches_quote_fill(tm: TokenManager) -> None:
    tm.buy(Resource.CPU, 10 * W)
    price = 3 * 10**15 + 7  # an awkward price: every fill rounds
    order = tm.create_order(Resource.CPU, 10 * W, price)
    for amount in (1, 3, 10**9 + 1, W // 3, 10 * W):
        cost = tm.quote_fill(order.order_id, amount)
        assert cost == m.order_fill_cost(amount, price) == ceil(Fraction(amount * price, W))


def test_pool_deposit_first_and_later(tm: TokenManager) -> None:
    assert m.pool_deposit(4 * W, W, 0, 0, 0) == (4 * W, W, isqrt(4 * W * W) - 1000)
    assert m.pool_deposit(10, 10, 0, 0, 0)[2] == 0  # too small: the pool refuses it
    # later deposits take the largest pair at the ratio and mint shares rounded down
    assert m.pool_deposit(3, 100, 10, 20, 7) == (3, 6, 2)
    assert m.pool_deposit(100, 3, 10, 20, 7) == (1, 3, 0)
    assert m.pool_withdrawal(3, 10, 20, 7) == (4, 8)
    assert m.early_unstake_penalty(1) == 1
    assert m.early_unstake_penalty(100) == 1
    assert m.early_unstake_penalty(101) == 2
