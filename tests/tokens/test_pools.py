"""Liquidity pools: deposits, withdrawals and swaps with exact amounts against the pools' closed form; CPU for MEM
through the CPU/MEM pool; k never decreases; clear errors."""

from __future__ import annotations

from math import isqrt

import pytest

from novacron_chain import NovaChain
from novacron_chain.tokens import (
    ContractPausedError,
    DeadlineExpiredError,
    InsufficientTokensError,
    NoLiquidityError,
    Resource,
    SlippageError,
    TokenManager,
    TokenValueError,
)
from novacron_chain.tokens import _math as m
from tests._support import reverting

from .conftest import W, seed_pools


def _k(tm: TokenManager, other: str) -> int:
    info = tm.pool_info(Resource.CPU, other)
    return info.reserve * info.other_reserve


def test_first_deposit_swap_and_withdrawal_exact(tnova: NovaChain) -> None:
    tm, chain = tnova.tokens, tnova.chain
    me = chain.signer.address
    tm.buy(Resource.CPU, 2_000 * W)
    tm.buy(Resource.MEM, 3_000 * W)

    # CPU/MEM: the first deposit takes both in full and locks 1,000 shares
    q = tm.quote_add_liquidity(Resource.CPU, 1_000 * W, 2_000 * W, other="MEM")
    assert (q.amount, q.other_amount, q.shares) == (1_000 * W, 2_000 * W, isqrt(2 * 10**6 * W * W) - 1000)
    added = tm.add_liquidity(Resource.CPU, 1_000 * W, 2_000 * W, other=Resource.MEM)
    assert (added.amount, added.other_amount, added.shares) == (q.amount, q.other_amount, q.shares)
    info = tm.pool_info("CPU", "MEM")
    assert (info.reserve, info.other_reserve, info.total_shares) == (1_000 * W, 2_000 * W, q.shares + 1000)
    assert info.shares_of_account == q.shares

    # swap CPU for MEM through the pool: exactly the closed form, balances move by exactly that
    cpu_before, mem_before = tm.balance("CPU"), tm.balance("MEM")
    k_before = _k(tm, "MEM")
    amount_in = 37 * W + 11
    sq = tm.quote_swap("CPU", "MEM", amount_in)
    assert sq.amount_out == m.pool_amount_out(amount_in, 1_000 * W, 2_000 * W)
    swapped = tm.swap_tokens(Resource.CPU, Resource.MEM, amount_in)
    assert (swapped.amount_in, swapped.amount_out, swapped.to) == (amount_in, sq.amount_out, me)
    assert tm.balance("CPU") == cpu_before - amount_in
    assert tm.balance("MEM") == mem_before + sq.amount_out
    assert _k(tm, "MEM") > k_before

    # and back the other way: a round trip through the pool never profits
    back = tm.swap_tokens("MEM", "CPU", sq.amount_out)
    assert back.amount_out < amount_in

    # a later deposit takes the largest pair at the ratio; shares rounded down
    info = tm.pool_info("CPU", "MEM")
    q2 = tm.quote_add_liquidity("CPU", 10 * W, 10 * W, other="MEM")
    assert (q2.amount, q2.other_amount, q2.shares) == m.pool_deposit(
        10 * W, 10 * W, info.reserve, info.other_reserve, info.total_shares
    )
    added2 = tm.add_liquidity("CPU", 10 * W, 10 * W, other="MEM")
    assert (added2.amount, added2.other_amount, added2.shares) == (q2.amount, q2.other_amount, q2.shares)

    # withdraw everything this account holds: exactly its share, rounded down
    info = tm.pool_info("CPU", "MEM")
    expected = m.pool_withdrawal(info.shares_of_account, info.reserve, info.other_reserve, info.total_shares)
    removed = tm.remove_liquidity("CPU", info.shares_of_account, other="MEM")
    assert (removed.amount, removed.other_amount) == expected
    after = tm.pool_info("CPU", "MEM")
    assert after.shares_of_account == 0
    assert after.total_shares == 1000
    assert after.reserve > 0
    assert after.other_reserve > 0


def test_native_pool_buy_resource_with_coins(tnova: NovaChain) -> None:
    """The seed's SwapTokens(buyer, CPU, ethAmount): native coins in, CPU out, through the CPU/native pool."""
    tm, chain = tnova.tokens, tnova.chain
    me = chain.signer.address
    tm.buy(Resource.CPU, 1_000 * W)
    added = tm.add_liquidity(Resource.CPU, 500 * W, W)  # 500 CPU and 1 native coin
    assert (added.amount, added.other_amount) == (500 * W, W)
    before_native, before_cpu = chain.balance(me), tm.balance("CPU")
    q = tm.quote_swap("native", Resource.CPU, 10**16)
    assert q.amount_out == m.pool_amount_out(10**16, W, 500 * W)
    s = tm.swap_tokens("native", "CPU", 10**16)
    assert s.amount_out == q.amount_out
    assert chain.balance(me) == before_native - 10**16 - s.tx.fee_wei
    assert tm.balance("CPU") == before_cpu + q.amount_out
    # and CPU back for coins: the native output arrives exactly
    q = tm.quote_swap("CPU", "native", 3 * W)
    chain.transact(tm.token("CPU").functions.approve(tm.pool("CPU").address, 3 * W))
    before_native = chain.balance(me)
    s = tm.swap_tokens("CPU", "ETH", 3 * W)
    assert chain.balance(me) == before_native + q.amount_out - s.tx.fee_wei
    # a deposit off the ratio is trimmed; the native part not taken is refunded in the same transaction
    info = tm.pool_info("CPU")
    q = tm.quote_add_liquidity("CPU", 50 * W, 10 * W)
    assert q.other_amount == 50 * W * info.other_reserve // info.reserve
    before_native = chain.balance(me)
    chain.transact(tm.token("CPU").functions.approve(tm.pool("CPU").address, 50 * W))
    before_native = chain.balance(me)
    added = tm.add_liquidity("CPU", 50 * W, 10 * W)
    assert added.other_amount == q.other_amount
    assert added.shares == q.shares
    assert chain.balance(me) == before_native - q.other_amount - added.tx.fee_wei


def test_k_never_decreases_across_many_swaps(tm: TokenManager) -> None:
    seed_pools(tm)
    k = {"native": _k(tm, "native"), "MEM": _k(tm, "MEM")}
    for i, amount in enumerate((1000, 10**12, 5 * W, 10**15 + 3, 40 * W)):
        other = "native" if i % 2 else "MEM"
        tm.swap_tokens("CPU", other, amount) if i % 3 else tm.swap_tokens(other, "CPU", amount)
        assert _k(tm, other) >= k[other]
        k[other] = _k(tm, other)


def test_pool_errors(tm: TokenManager, tembedded: NovaChain) -> None:
    with pytest.raises(NoLiquidityError, match="empty"):
        tm.quote_swap("CPU", "MEM", W)
    with pytest.raises(TokenValueError, match="two different assets"):
        tm.pool("CPU", "CPU")
    with pytest.raises(TokenValueError, match="unknown asset"):
        tm.quote_swap("CPU", "GOLD", W)
    with pytest.raises(TokenValueError, match="too small to mint"):
        tm.quote_add_liquidity("CPU", 100, 100)
    with pytest.raises(InsufficientTokensError, match="holds 0 CPU"):
        tm.add_liquidity("CPU", W, W)
    seed_pools(tm)
    q = tm.quote_swap("CPU", "MEM", W)
    with pytest.raises(SlippageError, match="output"):
        tm.swap_tokens("CPU", "MEM", W, min_out=q.amount_out + 1)
    with pytest.raises(DeadlineExpiredError):
        tm.swap_tokens("CPU", "MEM", W, deadline=tembedded.chain.timestamp() - 10)
    with pytest.raises(TokenValueError, match="nothing out"):
        tm.quote_swap("CPU", "native", 1)
    info = tm.pool_info("CPU", "MEM")
    with pytest.raises(TokenValueError, match="more than the pool"):
        tm.quote_remove_liquidity("CPU", info.total_shares + 1, other="MEM")
    tembedded.chain.use_signer(tembedded.chain.dev_signer(2))
    with pytest.raises(InsufficientTokensError, match="holds 0 shares"):
        tm.remove_liquidity("CPU", 10, other="MEM")
    tembedded.chain.use_signer(tembedded.chain.dev_signer(0))
    pool = tm.pool("CPU", "MEM")
    tembedded.chain.transact(pool.functions.pause())
    with pytest.raises(ContractPausedError, match="CPU/MEM pool is paused"):
        tm.swap_tokens("CPU", "MEM", W)


@pytest.mark.integration
def test_pool_gas_covers_the_accumulator_update_the_estimate_missed(anvil_tokens_session: NovaChain) -> None:
    """Regression: estimated in the second of the pool's last update, mined in a later one, a swap also writes the
    two price accumulators (zero to non-zero the first time, ~40k gas), which a 20% buffer alone does not cover:
    without the chain layer's headroom for timestamp-keyed writes the swap ran out of gas."""
    for nc in reverting(anvil_tokens_session):
        tm, chain = nc.tokens, nc.chain
        tm.buy(Resource.CPU, 1_000 * W)
        tm.buy(Resource.MEM, 1_000 * W)
        tm.add_liquidity(Resource.CPU, 100 * W, 200 * W, other=Resource.MEM)
        pool = tm.pool("CPU", "MEM")
        chain.transact(tm.token("CPU").functions.approve(pool.address, 2 * W))
        # the next block lands 5 s later; gas estimation still sees the current second
        chain.w3.provider.make_request("evm_setNextBlockTimestamp", [chain.timestamp() + 5])  # type: ignore[arg-type]
        estimate = chain.w3.eth.estimate_gas(
            {
                "from": chain.signer.address,
                "to": pool.address,
                "data": pool.functions.swap(
                    tm.token("CPU").address, W, 0, chain.signer.address, 2**40
                )._encode_transaction_data(),
            }  # type: ignore[typeddict-item]
        )
        done = tm.swap_tokens("CPU", "MEM", W)
        assert done.tx.gas_used > estimate * 6 // 5  # what the chain layer's buffer alone would have allowed
        acc0, acc1 = (
            chain.call(pool.functions.price0CumulativeLast()),
            chain.call(pool.functions.price1CumulativeLast()),
        )
        assert acc0 > 0
        assert acc1 > 0
