"""BlockchainMetrics: counts, averages, exact fees, USD, TPS window, peak, gauges, bad input, threads."""

from __future__ import annotations

import inspect
import math
import threading
from decimal import Decimal, localcontext
from typing import Any, Protocol

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.errors import NovaValueError
from novacron_chain.metrics import BlockchainMetrics, MetricsSnapshot

GWEI = 10**9
ETHER = 10**18


def test_fresh_snapshot_is_all_zero(clock: Any) -> None:
    snap = BlockchainMetrics("polygon", clock=clock).get_snapshot()
    assert snap.network == "polygon"
    assert snap.total_transactions == snap.failed_transactions == snap.successful_transactions == 0
    assert snap.current_tps == snap.average_tps == snap.peak_tps == 0.0
    assert snap.average_finality_time == snap.average_gas_used == snap.average_gas_cost_usd == 0.0
    assert snap.total_gas_cost_wei == 0
    assert snap.total_gas_cost_usd == 0.0
    assert snap.finality_histogram[-1] == (math.inf, 0)


def test_counts_and_averages(clock: Any) -> None:
    m = BlockchainMetrics("polygon", clock=clock)
    m.record_transaction(True, 21_000, 1.0)
    m.record_transaction(True, 51_625, 2.5)
    m.record_transaction(False, 30_000, 0.5)
    snap = m.get_snapshot()
    assert snap.total_transactions == 3
    assert snap.failed_transactions == 1
    assert snap.successful_transactions == 2
    assert snap.total_gas_used == 102_625
    assert snap.average_gas_used == pytest.approx(102_625 / 3)
    assert snap.average_finality_time == pytest.approx(4.0 / 3)
    assert snap.total_finality_time == pytest.approx(4.0)


def test_snapshot_is_frozen(clock: Any) -> None:
    snap = BlockchainMetrics(clock=clock).get_snapshot()
    with pytest.raises(AttributeError):
        snap.total_transactions = 5  # type: ignore[misc]
    assert isinstance(snap, MetricsSnapshot)


def test_wei_total_is_exact_beyond_float_precision(clock: Any) -> None:
    m = BlockchainMetrics(clock=clock)
    big = 10**30 + 1  # a float cannot hold this
    m.record_transaction(True, 21_000, 0.1, fee_wei=big)
    m.record_transaction(True, 21_000, 0.1, fee_wei=1)
    m.record_transaction(False, 21_000, 0.1, fee_wei=21_000 * 30 * GWEI)
    assert m.get_snapshot().total_gas_cost_wei == 10**30 + 2 + 630_000 * GWEI


def test_usd_conversion_uses_decimal_price(clock: Any) -> None:
    m = BlockchainMetrics("polygon", Decimal("0.42"), clock=clock)
    m.record_transaction(True, 21_000, 1.0, fee_wei=ETHER)
    m.record_transaction(True, 21_000, 1.0, fee_wei=ETHER // 2)
    snap = m.get_snapshot()
    assert snap.total_gas_cost_usd == 0.63
    assert snap.average_gas_cost_usd == pytest.approx(0.315)


def test_float_price_is_read_as_its_decimal_repr(clock: Any) -> None:
    # 0.1 as a binary float is 0.1000000000000000055...; three 0.1-coin fees at a 0.1 USD price must be 0.03.
    m = BlockchainMetrics("ethereum", 0.1, clock=clock)
    assert m.native_usd_price == Decimal("0.1")
    for _ in range(3):
        m.record_transaction(True, 21_000, 12.0, fee_wei=ETHER // 10)
    assert m.get_snapshot().total_gas_cost_usd == 0.03


def test_realistic_polygon_fee_in_usd(clock: Any) -> None:
    # ERC20 transfer, 51,625 gas at 30 gwei, POL at 0.50 USD: 0.00154875 POL = 0.000774375 USD
    m = BlockchainMetrics("polygon", Decimal("0.50"), clock=clock)
    m.record_transaction(True, 51_625, 2.0, fee_wei=51_625 * 30 * GWEI)
    assert m.get_snapshot().total_gas_cost_usd == pytest.approx(0.000774375, rel=1e-15)


def test_price_change_applies_to_later_fees_only(clock: Any) -> None:
    m = BlockchainMetrics("polygon", Decimal(2), clock=clock)
    m.record_transaction(True, 21_000, 1.0, fee_wei=ETHER)
    m.set_native_usd_price(Decimal(3))
    m.record_transaction(True, 21_000, 1.0, fee_wei=ETHER)
    assert m.get_snapshot().total_gas_cost_usd == 5.0
    assert m.native_usd_price == Decimal(3)


def test_zero_price_means_zero_usd_but_exact_wei(clock: Any) -> None:
    m = BlockchainMetrics(clock=clock)
    m.record_transaction(True, 21_000, 1.0, fee_wei=ETHER)
    snap = m.get_snapshot()
    assert snap.total_gas_cost_usd == 0.0
    assert snap.total_gas_cost_wei == ETHER


def test_tps_sliding_window(clock: Any) -> None:
    m = BlockchainMetrics(tps_window=10.0, clock=clock)
    for _ in range(5):
        m.record_transaction(True, 21_000, 0.1)
    assert m.get_snapshot().current_tps == 0.5
    clock.advance(5.0)
    for _ in range(10):
        m.record_transaction(True, 21_000, 0.1)
    assert m.get_snapshot().current_tps == 1.5
    clock.advance(4.999)
    assert m.get_snapshot().current_tps == 1.5
    clock.advance(0.001)  # the first five are now exactly tps_window old: out of (now - 10, now]
    assert m.get_snapshot().current_tps == 1.0
    clock.advance(5.0)
    assert m.get_snapshot().current_tps == 0.0


def test_average_tps_over_lifetime(clock: Any) -> None:
    m = BlockchainMetrics(tps_window=10.0, clock=clock)
    for _ in range(20):
        m.record_transaction(True, 21_000, 0.1)
    clock.advance(2.0)
    # less than one window since the first transaction: divided by the window, like current_tps
    assert m.get_snapshot().average_tps == 2.0
    clock.advance(38.0)
    assert m.get_snapshot().average_tps == 0.5  # 20 tx over 40 s
    assert m.get_snapshot().current_tps == 0.0


def test_peak_tps_survives_the_window(clock: Any) -> None:
    m = BlockchainMetrics(tps_window=10.0, clock=clock)
    for _ in range(30):
        m.record_transaction(True, 21_000, 0.1)
        clock.advance(0.1)
    assert m.get_snapshot().peak_tps == 3.0
    clock.advance(100.0)
    m.record_transaction(True, 21_000, 0.1)
    snap = m.get_snapshot()
    assert snap.current_tps == 0.1
    assert snap.peak_tps == 3.0


def test_update_tps_raises_peak_only(clock: Any) -> None:
    m = BlockchainMetrics(tps_window=10.0, clock=clock)
    m.update_tps(12_500.0)
    m.update_tps(900.0)  # lower: the peak stays
    snap = m.get_snapshot()
    assert snap.peak_tps == 12_500.0
    assert snap.current_tps == 0.0
    assert snap.average_tps == 0.0
    for _ in range(10):
        m.record_transaction(True, 21_000, 0.1)
    assert m.get_snapshot().peak_tps == 12_500.0


def test_finality_histogram_is_cumulative_and_le(clock: Any) -> None:
    m = BlockchainMetrics(finality_buckets=(1.0, 2.0, 5.0), clock=clock)
    for latency in (0.0, 1.0, 1.5, 2.0, 4.9, 5.0, 7.0):
        m.record_transaction(True, 0, latency)
    snap = m.get_snapshot()
    assert snap.finality_histogram == ((1.0, 2), (2.0, 4), (5.0, 6), (math.inf, 7))
    assert snap.total_finality_time == pytest.approx(21.4)


def test_gauges(clock: Any) -> None:
    m = BlockchainMetrics(clock=clock)
    m.update_validators(1247, 1200)
    m.update_governance(42, 0.28)
    m.update_overhead(0.03)
    snap = m.get_snapshot()
    assert (snap.total_validators, snap.active_validators) == (1247, 1200)
    assert (snap.total_proposals, snap.dao_participation) == (42, 0.28)
    assert snap.blockchain_overhead == 0.03
    m.update_governance(43, 1)  # an int fraction and the boundary are fine
    assert m.get_snapshot().dao_participation == 1.0


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        ((True, -1, 1.0), {}, "gas_used must be >= 0"),
        ((True, 1.5, 1.0), {}, "gas_used must be an int"),
        ((True, True, 1.0), {}, "gas_used must be an int"),
        ((True, 21_000, -0.1), {}, "latency"),
        ((True, 21_000, math.nan), {}, "latency"),
        ((True, 21_000, math.inf), {}, "latency"),
        ((True, 21_000, "1"), {}, "latency must be a number"),
        ((True, 21_000, 1.0), {"fee_wei": -5}, "fee_wei must be >= 0"),
        ((True, 21_000, 1.0), {"fee_wei": 1.0}, "fee_wei must be an int"),
        ((1, 21_000, 1.0), {}, "success must be a bool"),
    ],
)
def test_record_transaction_rejects_bad_input(
    clock: Any, args: tuple[Any, ...], kwargs: dict[str, Any], fragment: str
) -> None:
    m = BlockchainMetrics(clock=clock)
    m.record_transaction(True, 100, 1.0, fee_wei=7)
    before = m.get_snapshot()
    with pytest.raises(NovaValueError, match=fragment) as info:
        m.record_transaction(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.hint
    assert m.get_snapshot() == before  # nothing half-recorded


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda m: m.update_tps(-1.0), "tps"),
        (lambda m: m.update_tps(math.inf), "tps"),
        (lambda m: m.update_validators(10, 11), "cannot exceed"),
        (lambda m: m.update_validators(-1, 0), "total validators"),
        (lambda m: m.update_validators(10.0, 1), "must be an int"),
        (lambda m: m.update_governance(-1, 0.5), "total_proposals"),
        (lambda m: m.update_governance(1, 1.01), "between 0 and 1"),
        (lambda m: m.update_governance(1, -0.01), "between 0 and 1"),
        (lambda m: m.update_overhead(1.5), "between 0 and 1"),
        (lambda m: m.update_overhead(math.nan), "overhead"),
        (lambda m: m.set_native_usd_price(-1), "native_usd_price"),
        (lambda m: m.set_native_usd_price(Decimal("NaN")), "native_usd_price"),
        (lambda m: m.set_native_usd_price("1.0"), "native_usd_price must be a Decimal"),
    ],
)
def test_updates_reject_bad_input(clock: Any, call: Any, fragment: str) -> None:
    m = BlockchainMetrics(clock=clock)
    before = m.get_snapshot()
    with pytest.raises(NovaValueError, match=fragment):
        call(m)
    assert m.get_snapshot() == before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"network": ""},
        {"network": "   "},
        {"native_usd_price": -0.5},
        {"native_usd_price": math.inf},
        {"tps_window": 0},
        {"tps_window": -1.0},
        {"finality_buckets": ()},
        {"finality_buckets": (1.0, 1.0)},
        {"finality_buckets": (2.0, 1.0)},
        {"finality_buckets": (-1.0, 1.0)},
    ],
)
def test_constructor_rejects_bad_input(kwargs: dict[str, Any]) -> None:
    with pytest.raises(NovaValueError):
        BlockchainMetrics(**kwargs)


def test_concurrent_record_transaction_counts_exactly() -> None:
    m = BlockchainMetrics("polygon", Decimal("0.5"))
    threads_n, per_thread = 8, 2_500
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            for j in range(per_thread):
                m.record_transaction(j % 5 != 0, 21_000 + i, 0.25, fee_wei=GWEI + i)
                if j % 100 == 0:  # readers interleave with writers and always see a consistent snapshot
                    snap = m.get_snapshot()
                    assert snap.finality_histogram[-1][1] == snap.total_transactions
                    assert snap.failed_transactions <= snap.total_transactions
                    assert snap.total_gas_used >= 21_000 * snap.total_transactions
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    snap = m.get_snapshot()
    total = threads_n * per_thread
    assert snap.total_transactions == total
    assert snap.failed_transactions == threads_n * (per_thread // 5)
    assert snap.total_gas_used == sum((21_000 + i) * per_thread for i in range(threads_n))
    assert snap.total_gas_cost_wei == sum((GWEI + i) * per_thread for i in range(threads_n))
    assert snap.finality_histogram[-1][1] == total
    assert snap.total_gas_cost_usd == pytest.approx(snap.total_gas_cost_wei / ETHER * 0.5, rel=1e-12)


_tx = st.tuples(
    st.booleans(),
    st.integers(min_value=0, max_value=30_000_000),
    st.floats(min_value=0, max_value=1_000, allow_nan=False),
    st.integers(min_value=0, max_value=10**24),
)


@settings(max_examples=60, deadline=None)
@given(txs=st.lists(_tx, max_size=40), price=st.decimals(min_value=0, max_value=100_000, places=6))
def test_totals_match_the_recorded_transactions(txs: list[tuple[bool, int, float, int]], price: Decimal) -> None:
    m = BlockchainMetrics("prop", price, clock=lambda: 0.0)
    for ok, gas, latency, fee in txs:
        m.record_transaction(ok, gas, latency, fee_wei=fee)
    snap = m.get_snapshot()
    assert snap.total_transactions == len(txs)
    assert snap.failed_transactions == sum(1 for t in txs if not t[0])
    assert snap.total_gas_used == sum(t[1] for t in txs)
    assert snap.total_gas_cost_wei == sum(t[3] for t in txs)
    # USD is exact in Decimal until the final float conversion
    with localcontext(prec=100):
        expected_usd = float(Decimal(sum(t[3] for t in txs)) * price / Decimal(10**18))
    assert snap.total_gas_cost_usd == expected_usd
    counts = [c for _, c in snap.finality_histogram]
    assert counts == sorted(counts)
    assert counts[-1] == len(txs)


class _TxObserver(Protocol):
    """The protocol the chain layer calls after every transaction (novacron_chain.chain's TxObserver)."""

    def record_transaction(self, success: bool, gas_used: int, latency: float, *, fee_wei: int = 0) -> None: ...


def test_satisfies_the_chain_observer_protocol() -> None:
    observer: _TxObserver = BlockchainMetrics()  # mypy checks the structural match
    ours = inspect.signature(BlockchainMetrics.record_transaction)
    theirs = inspect.signature(_TxObserver.record_transaction)
    assert ours == theirs
    observer.record_transaction(True, 1, 0.5, fee_wei=2)
