"""BlockchainMetrics: thread-safe counters and gauges for the chain layer, read as frozen snapshots."""

from __future__ import annotations

import itertools
import math
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from numbers import Real

from novacron_chain.errors import NovaValueError

__all__ = [
    "DEFAULT_FINALITY_BUCKETS",
    "BlockchainMetrics",
    "MetricsSnapshot",
]

#: Upper bounds (seconds) of the finality histogram. They span an in-process chain (milliseconds), L2s and
#: sidechains (1-5 s) and Ethereum L1 inclusion (12 s slots, a few slots when the fee is low).
DEFAULT_FINALITY_BUCKETS: tuple[float, ...] = (
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.0,
    4.0,
    8.0,
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
)

_WEI_PER_COIN_EXP = 18
# Enough digits that fee_wei * price never rounds (a 10**40 wei fee times a 30-significant-digit price).
_USD_CONTEXT = Context(prec=100)


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """A consistent, immutable view of :class:`BlockchainMetrics` at one instant.

    All fields are read under one lock acquisition, so they agree with each other (``failed_transactions``
    never exceeds ``total_transactions``, the histogram's count equals ``total_transactions``, and so on).
    """

    network: str
    """The network label the metrics were created with, e.g. ``"polygon"``."""
    total_transactions: int
    """Transactions recorded with :meth:`BlockchainMetrics.record_transaction`, successful or not."""
    failed_transactions: int
    """Of those, the ones recorded with ``success=False`` (reverted, or no receipt)."""
    current_tps: float
    """Transactions recorded in the last ``tps_window`` seconds, divided by ``tps_window``."""
    average_tps: float
    """``total_transactions`` over the seconds since the first one (at least ``tps_window`` seconds)."""
    peak_tps: float
    """The highest ``current_tps`` ever measured, or the highest value passed to ``update_tps``."""
    average_finality_time: float
    """Mean latency in seconds from submission to receipt, over all recorded transactions."""
    total_finality_time: float
    """Sum of all recorded latencies, seconds (the histogram's ``_sum``)."""
    finality_histogram: tuple[tuple[float, int], ...]
    """Cumulative latency counts ``(upper_bound_seconds, count <= bound)``; the last bound is ``math.inf``."""
    average_gas_used: float
    """Mean gas used per recorded transaction."""
    total_gas_used: int
    """Sum of gas used, exact."""
    total_gas_cost_wei: int
    """Sum of fees paid, in wei of the native coin, exact."""
    total_gas_cost_usd: float
    """Sum of fees in USD, each fee priced at the native coin price configured when it was recorded."""
    average_gas_cost_usd: float
    """``total_gas_cost_usd / total_transactions`` (0 when nothing was recorded)."""
    total_validators: int
    """Validators known to the consensus layer (last ``update_validators``)."""
    active_validators: int
    """Of those, the ones currently active."""
    total_proposals: int
    """Governance proposals ever created (last ``update_governance``)."""
    dao_participation: float
    """Fraction 0..1 of voting power that took part in governance (last ``update_governance``)."""
    blockchain_overhead: float
    """Fraction 0..1 of platform time or cost spent on the blockchain layer (last ``update_overhead``)."""
    min_validators: int = 0
    """Active validators below which the network is under-decentralised (last ``update_validators``; 0: unknown)."""
    total_checkpoints: int = 0
    """Consensus checkpoints submitted and final (``record_checkpoint``)."""
    checkpoint_gas_used: int = 0
    """Gas used by those submissions, exact."""
    last_checkpoint_gas: int = 0
    """Gas used by the latest checkpoint submission."""
    checkpoint_finality_count: int = 0
    """Checkpoints whose finality time was measured (root available to final)."""
    total_checkpoint_finality_time: float = 0.0
    """Sum of those finality times, seconds (the checkpoint histogram's ``_sum``)."""
    checkpoint_finality_histogram: tuple[tuple[float, int], ...] = ()
    """Cumulative counts ``(upper_bound_seconds, count <= bound)`` of checkpoint finality times."""
    slashing_events: int = 0
    """Validators slashed for double signing (``record_slashing``)."""
    jail_events: int = 0
    """Validators jailed for downtime (``record_jailing``)."""
    paused_contracts: int = 0
    """Contracts of the deployment paused by a guardian (last ``update_security``)."""
    audit_verdicts: tuple[tuple[str, int], ...] = (("pass", 0), ("warn", 0), ("fail", 0))
    """``(verdict, contracts)`` of the last audit of the whole deployment (``update_security``)."""
    rpc_retries: tuple[tuple[str, int], ...] = ()
    """``(reason, count)`` of JSON-RPC requests retried after a transient fault (``record_retry``), by reason."""

    @property
    def total_rpc_retries(self) -> int:
        """JSON-RPC requests retried, all reasons."""
        return sum(n for _, n in self.rpc_retries)

    @property
    def successful_transactions(self) -> int:
        """``total_transactions - failed_transactions``."""
        return self.total_transactions - self.failed_transactions

    @property
    def under_decentralised(self) -> bool:
        """Whether fewer validators are active than ``min_validators`` (False while that is unknown)."""
        return self.active_validators < self.min_validators

    @property
    def average_checkpoint_finality_time(self) -> float:
        """Mean seconds from a root becoming available to its checkpoint being final (0 when none measured)."""
        n = self.checkpoint_finality_count
        return self.total_checkpoint_finality_time / n if n else 0.0


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NovaValueError(
            f"{name} must be an int, got {type(value).__name__} {value!r}",
            hint=f"pass {name} as a whole number",
        )
    if value < 0:
        raise NovaValueError(f"{name} must be >= 0, got {value}", hint=f"pass a non-negative {name}")
    return value


def _check_real(name: str, value: object, *, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise NovaValueError(
            f"{name} must be a number, got {type(value).__name__} {value!r}", hint=f"pass {name} as a float"
        )
    out = float(value)
    if not math.isfinite(out) or out < 0 or (upper is not None and out > upper):
        bounds = f"between 0 and {upper:g}" if upper is not None else "finite and >= 0"
        raise NovaValueError(f"{name} must be {bounds}, got {value!r}", hint=f"pass a {name} {bounds}")
    return out


def _check_price(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise NovaValueError(
            f"native_usd_price must be a Decimal, int or float, got {type(value).__name__} {value!r}",
            hint="pass the USD price of one native coin, e.g. Decimal('0.42')",
        )
    # repr() of a float is its shortest round-tripping decimal form, so 0.1 becomes Decimal('0.1'), not
    # Decimal('0.1000000000000000055511151231257827...').
    price = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not price.is_finite() or price < 0:
        raise NovaValueError(
            f"native_usd_price must be finite and >= 0, got {value!r}",
            hint="pass the USD price of one native coin; 0 if it is unknown",
        )
    return price


class BlockchainMetrics:
    """Thread-safe blockchain metrics of one network (the seed's ``BlockchainMetrics``).

    The chain layer calls :meth:`record_transaction` after every transaction it sends (this class implements
    the chain's ``TxObserver`` protocol); the consensus and governance layers push their gauges with
    :meth:`update_validators` and :meth:`update_governance`. Readers take a :meth:`get_snapshot`, which the
    Prometheus exporter does at every scrape.

    Throughput is measured here, from the times ``record_transaction`` is called: ``current_tps`` counts the
    transactions recorded in the last ``tps_window`` seconds, divided by ``tps_window`` (so it ramps up during
    the first window, like PromQL's ``rate()``). ``peak_tps`` is the highest such rate ever reached, or a
    higher value reported with :meth:`update_tps`.

    Fees are kept exactly in wei. Their USD value is ``fee_wei / 10**18 * native_usd_price`` with the price in
    force when the fee was recorded (change it with :meth:`set_native_usd_price`), summed as a
    :class:`~decimal.Decimal` and turned into a float only in the snapshot.

    Args:
        network: label for this network in every exported metric, e.g. ``"polygon"``.
        native_usd_price: USD price of one native coin (POL, ETH, AVAX...); 0 when unknown.
        tps_window: length in seconds of the sliding window ``current_tps`` is measured over.
        finality_buckets: increasing upper bounds (seconds) of the finality histogram.
        clock: monotonic seconds; injectable for tests.

    Raises:
        NovaValueError: on an empty network, a negative or non-finite price, window or bucket.
    """

    def __init__(
        self,
        network: str = "embedded",
        native_usd_price: Decimal | float = 0,
        *,
        tps_window: float = 10.0,
        finality_buckets: Sequence[float] = DEFAULT_FINALITY_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not isinstance(network, str) or not network.strip():
            raise NovaValueError(
                f"network must be a non-empty string, got {network!r}",
                hint='name the network the metrics describe, e.g. "polygon"',
            )
        window = _check_real("tps_window", tps_window)
        if window == 0:
            raise NovaValueError("tps_window must be > 0 seconds, got 0", hint="use e.g. tps_window=10.0")
        bounds = [_check_real("finality bucket", b) for b in finality_buckets]
        if not bounds or any(a >= b for a, b in itertools.pairwise(bounds)):
            raise NovaValueError(
                f"finality_buckets must be a non-empty, strictly increasing sequence, got {list(finality_buckets)!r}",
                hint="pass increasing upper bounds in seconds, e.g. (0.5, 1, 2, 5)",
            )
        self._network = network
        self._price = _check_price(native_usd_price)
        self._window = window
        self._bounds: tuple[float, ...] = (*bounds, math.inf)
        self._clock = clock
        self._lock = threading.Lock()

        self._total = 0
        self._failed = 0
        self._gas_used = 0
        self._fee_wei = 0
        self._fee_usd_scaled = Decimal(0)  # sum of fee_wei * price; divided by 10**18 when read
        self._latency_sum = 0.0
        self._bucket_counts = [0] * len(self._bounds)  # non-cumulative, one per bound
        self._recent: deque[tuple[float, int]] = deque()  # (clock time, count) of transactions inside the window
        self._recent_count = 0
        self._first_at: float | None = None
        self._peak_tps = 0.0
        self._total_validators = 0
        self._active_validators = 0
        self._total_proposals = 0
        self._participation = 0.0
        self._overhead = 0.0
        self._min_validators = 0
        self._checkpoints = 0
        self._checkpoint_gas = 0
        self._last_checkpoint_gas = 0
        self._checkpoint_finality_sum = 0.0
        self._checkpoint_buckets = [0] * len(self._bounds)
        self._slashings = 0
        self._jailings = 0
        self._paused_contracts = 0
        self._audit_verdicts: dict[str, int] = {"pass": 0, "warn": 0, "fail": 0}
        self._rpc_retries: dict[str, int] = {}

    @property
    def network(self) -> str:
        """The network label, e.g. ``"polygon"``."""
        return self._network

    @property
    def native_usd_price(self) -> Decimal:
        """The USD price of one native coin applied to fees recorded from now on."""
        with self._lock:
            return self._price

    @property
    def tps_window(self) -> float:
        """Length in seconds of the window ``current_tps`` is measured over."""
        return self._window

    def set_native_usd_price(self, price: Decimal | float) -> None:
        """Price fees recorded from now on at ``price`` USD per native coin; recorded fees keep their price.

        Raises:
            NovaValueError: if ``price`` is negative, NaN or infinite.
        """
        checked = _check_price(price)
        with self._lock:
            self._price = checked

    def record_transaction(self, success: bool, gas_used: int, latency: float, *, fee_wei: int = 0) -> None:
        """Record one transaction the chain layer sent.

        Args:
            success: ``False`` if it reverted or never got a receipt.
            gas_used: gas the receipt reports (0 if there is no receipt).
            latency: seconds from submission to receipt (our finality time).
            fee_wei: fee paid in wei of the native coin (``gasUsed * effectiveGasPrice``).

        Raises:
            NovaValueError: if ``success`` is not a bool, or a number is negative, non-finite or of the wrong
                type. Nothing is recorded then.
        """
        if not isinstance(success, bool):
            raise NovaValueError(
                f"success must be a bool, got {type(success).__name__} {success!r}",
                hint="pass True for a successful receipt, False otherwise",
            )
        gas = _check_count("gas_used", gas_used)
        seconds = _check_real("latency", latency)
        fee = _check_count("fee_wei", fee_wei)
        bucket = bisect_left(self._bounds, seconds)  # first bound >= seconds: Prometheus buckets are "le"
        with self._lock:
            now = self._clock()
            self._total += 1
            if not success:
                self._failed += 1
            self._gas_used += gas
            self._fee_wei += fee
            if fee:
                self._fee_usd_scaled = _USD_CONTEXT.fma(Decimal(fee), self._price, self._fee_usd_scaled)
            self._latency_sum += seconds
            self._bucket_counts[bucket] += 1
            if self._first_at is None:
                self._first_at = now
            self._recent.append((now, 1))
            self._recent_count += 1
            # The windowed rate only rises when a transaction arrives, so checking here catches every peak.
            self._peak_tps = max(self._peak_tps, self._current_tps_locked(now))

    def record_transactions(self, count: int, *, failed: int = 0) -> None:
        """Record ``count`` transactions at once (a layer 2 confirms thousands a second; one call per group keeps
        the lock out of the way): they count toward the totals and the TPS window, not the finality histogram (a
        layer 2 reports its own latencies, see :class:`~novacron_chain.metrics.L2Metrics`).

        Raises:
            NovaValueError: if a count is negative or ``failed > count``.
        """
        n = _check_count("count", count)
        bad = _check_count("failed", failed)
        if bad > n:
            raise NovaValueError(f"failed ({bad}) exceeds count ({n})", hint="failed counts some of the count")
        if not n:
            return
        with self._lock:
            now = self._clock()
            self._total += n
            self._failed += bad
            if self._first_at is None:
                self._first_at = now
            self._recent.append((now, n))
            self._recent_count += n
            self._peak_tps = max(self._peak_tps, self._current_tps_locked(now))

    def update_tps(self, tps: float) -> None:
        """Report a throughput measured elsewhere (a benchmark, block data); it raises ``peak_tps`` if higher.

        ``current_tps`` and ``average_tps`` stay what this object measures itself.

        Raises:
            NovaValueError: if ``tps`` is negative or not finite.
        """
        value = _check_real("tps", tps)
        with self._lock:
            self._peak_tps = max(self._peak_tps, value)

    def update_validators(self, total: int, active: int, *, minimum: int | None = None) -> None:
        """Set the validator counts, and (``minimum``) the active count below which the network is
        under-decentralised (the consensus layer's ``min_validators``).

        Raises:
            NovaValueError: if a count is negative or ``active > total``.
        """
        total = _check_count("total validators", total)
        active = _check_count("active validators", active)
        if minimum is not None:
            minimum = _check_count("minimum validators", minimum)
        if active > total:
            raise NovaValueError(
                f"active validators ({active}) cannot exceed total validators ({total})",
                hint="pass the number of registered validators as total and the active subset as active",
            )
        with self._lock:
            self._total_validators = total
            self._active_validators = active
            if minimum is not None:
                self._min_validators = minimum

    def record_checkpoint(self, gas_used: int, finality: float | None = None) -> None:
        """Record one consensus checkpoint that became final: the gas its submission used and, when known, its
        finality time (seconds from the root being available to the checkpoint being final on chain).

        Raises:
            NovaValueError: if a number is negative, non-finite or of the wrong type. Nothing is recorded then.
        """
        gas = _check_count("gas_used", gas_used)
        seconds = None if finality is None else _check_real("finality", finality)
        with self._lock:
            self._checkpoints += 1
            self._checkpoint_gas += gas
            self._last_checkpoint_gas = gas
            if seconds is not None:
                self._checkpoint_finality_sum += seconds
                self._checkpoint_buckets[bisect_left(self._bounds, seconds)] += 1

    def record_retry(self, reason: str) -> None:
        """Record one JSON-RPC request retried after a transient fault; the chain layer calls it with the reason
        (``rate_limited``, ``server_error``, ``connection``, ``timeout``, ``protocol``, ``bad_body``).

        Raises:
            NovaValueError: if ``reason`` is not a non-empty string.
        """
        if not isinstance(reason, str) or not reason:
            raise NovaValueError(f"reason must be a non-empty string, got {reason!r}", hint="name the fault")
        with self._lock:
            self._rpc_retries[reason] = self._rpc_retries.get(reason, 0) + 1

    def record_slashing(self) -> None:
        """Record one validator slashed for double signing."""
        with self._lock:
            self._slashings += 1

    def record_jailing(self) -> None:
        """Record one validator jailed for downtime."""
        with self._lock:
            self._jailings += 1

    def update_security(self, paused_contracts: int, audit_verdicts: Mapping[str, int] | None = None) -> None:
        """Set the security gauges: contracts paused now and, after an audit of the whole deployment, how many
        contracts got each verdict (``pass`` / ``warn`` / ``fail``; ``None`` keeps the last audit's).

        Raises:
            NovaValueError: if a count is negative or a verdict is not pass, warn or fail.
        """
        paused = _check_count("paused contracts", paused_contracts)
        verdicts = None
        if audit_verdicts is not None:
            unknown = sorted(set(audit_verdicts) - {"pass", "warn", "fail"})
            if unknown:
                raise NovaValueError(f"unknown audit verdicts {unknown}", hint="use pass, warn and fail")
            verdicts = {v: _check_count(f"{v} verdicts", audit_verdicts.get(v, 0)) for v in ("pass", "warn", "fail")}
        with self._lock:
            self._paused_contracts = paused
            if verdicts is not None:
                self._audit_verdicts = verdicts

    def update_governance(self, total_proposals: int, participation: float) -> None:
        """Set the governance gauges: proposals created so far and the participation fraction (0..1).

        Raises:
            NovaValueError: if ``total_proposals`` is negative or ``participation`` is outside 0..1.
        """
        proposals = _check_count("total_proposals", total_proposals)
        fraction = _check_real("participation", participation, upper=1.0)
        with self._lock:
            self._total_proposals = proposals
            self._participation = fraction

    def update_overhead(self, fraction: float) -> None:
        """Set the blockchain overhead: the fraction (0..1) of platform time or cost spent on the blockchain.

        Raises:
            NovaValueError: if ``fraction`` is outside 0..1.
        """
        value = _check_real("overhead fraction", fraction, upper=1.0)
        with self._lock:
            self._overhead = value

    def get_snapshot(self) -> MetricsSnapshot:
        """Return every metric as one consistent, immutable :class:`MetricsSnapshot`."""
        with self._lock:
            now = self._clock()
            total = self._total
            current = self._current_tps_locked(now)
            first = self._first_at
            average_tps = 0.0 if first is None else total / max(self._window, now - first)
            cumulative: list[tuple[float, int]] = []
            running = 0
            for bound, count in zip(self._bounds, self._bucket_counts, strict=True):
                running += count
                cumulative.append((bound, running))
            usd = float(self._fee_usd_scaled.scaleb(-_WEI_PER_COIN_EXP, _USD_CONTEXT))
            checkpoint_cumulative = tuple(
                zip(self._bounds, itertools.accumulate(self._checkpoint_buckets), strict=True)
            )
            return MetricsSnapshot(
                network=self._network,
                total_transactions=total,
                failed_transactions=self._failed,
                current_tps=current,
                average_tps=average_tps,
                peak_tps=max(self._peak_tps, current),
                average_finality_time=self._latency_sum / total if total else 0.0,
                total_finality_time=self._latency_sum,
                finality_histogram=tuple(cumulative),
                average_gas_used=self._gas_used / total if total else 0.0,
                total_gas_used=self._gas_used,
                total_gas_cost_wei=self._fee_wei,
                total_gas_cost_usd=usd,
                average_gas_cost_usd=usd / total if total else 0.0,
                total_validators=self._total_validators,
                active_validators=self._active_validators,
                total_proposals=self._total_proposals,
                dao_participation=self._participation,
                blockchain_overhead=self._overhead,
                min_validators=self._min_validators,
                total_checkpoints=self._checkpoints,
                checkpoint_gas_used=self._checkpoint_gas,
                last_checkpoint_gas=self._last_checkpoint_gas,
                checkpoint_finality_count=checkpoint_cumulative[-1][1],
                total_checkpoint_finality_time=self._checkpoint_finality_sum,
                checkpoint_finality_histogram=checkpoint_cumulative,
                slashing_events=self._slashings,
                jail_events=self._jailings,
                paused_contracts=self._paused_contracts,
                audit_verdicts=tuple(self._audit_verdicts.items()),
                rpc_retries=tuple(sorted(self._rpc_retries.items())),
            )

    def _current_tps_locked(self, now: float) -> float:
        # The window is (now - tps_window, now]: a transaction recorded exactly tps_window ago has left it.
        horizon = now - self._window
        recent = self._recent
        while recent and recent[0][0] <= horizon:
            self._recent_count -= recent.popleft()[1]
        return self._recent_count / self._window

    def __repr__(self) -> str:
        return f"BlockchainMetrics(network={self._network!r}, native_usd_price={self._price!r})"
