"""The contracts' arithmetic in exact Python integers, operation for operation, rounding as the contracts round.

These functions are what quotes are checked against: the tests compare each with the contracts' view functions and
with what transactions really move. Every rounding favours the protocol (the market, the pool's providers, the
staking reserve, the seller of an order), never the caller.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from math import isqrt

from ._economics import WHOLE

__all__ = [
    "EARLY_UNSTAKE_PENALTY_BPS",
    "MINIMUM_LIQUIDITY",
    "YEAR",
    "curve_buy_cost",
    "curve_sell_payout",
    "curve_spot_price",
    "early_unstake_penalty",
    "format_units",
    "order_fill_cost",
    "parse_units",
    "pool_amount_out",
    "pool_deposit",
    "pool_withdrawal",
    "stake_reward",
]

MINIMUM_LIQUIDITY = 1000  # LiquidityPool.MINIMUM_LIQUIDITY: shares locked forever on a pool's first deposit
YEAR = 365 * 24 * 3600  # ResourceStaking.YEAR
EARLY_UNSTAKE_PENALTY_BPS = 100  # ResourceStaking.EARLY_UNSTAKE_PENALTY_BPS
_BPS = 10_000


def _div(numerator: int, denominator: int, *, up: bool) -> int:
    return -(-numerator // denominator) if up else numerator // denominator


# -- ResourceMarket -----------------------------------------------------------------------------------------------


def _integral(base_price: int, steepness: int, start: int, amount: int, *, up: bool) -> int:
    """ResourceMarket._integral: ``base * amount * (2K + 2 start + amount) / (2K * 1e18)``, K = steepness * 1e18."""
    k2 = steepness * 2 * WHOLE
    return _div(base_price * amount * (k2 + 2 * start + amount), k2 * WHOLE, up=up)


def curve_spot_price(base_price: int, steepness: int, reserve: int) -> int:
    """Marginal price in wei per whole token at ``reserve`` base units outstanding, rounded down (getSpotPrice)."""
    k = steepness * WHOLE
    return base_price * (k + reserve) // k


def curve_buy_cost(base_price: int, steepness: int, reserve: int, amount: int) -> int:
    """Wei that buying ``amount`` base units from ``reserve`` costs: the curve's exact integral, rounded up."""
    return _integral(base_price, steepness, reserve, amount, up=True)


def curve_sell_payout(base_price: int, steepness: int, reserve: int, amount: int) -> int:
    """Wei that selling ``amount`` base units back at ``reserve`` pays (``amount <= reserve``), rounded down."""
    if amount > reserve:
        raise ValueError(f"cannot sell {amount} base units into a reserve of {reserve}")
    return _integral(base_price, steepness, reserve - amount, amount, up=False)


# -- LiquidityPool ------------------------------------------------------------------------------------------------


def pool_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Output of a swap (0.30% fee on the input), rounded down: ``in*997*r_out / (r_in*1000 + in*997)``."""
    if reserve_in == 0 or reserve_out == 0:
        raise ZeroDivisionError("the pool has no liquidity")
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


def pool_deposit(
    amount0_desired: int, amount1_desired: int, reserve0: int, reserve1: int, supply: int
) -> tuple[int, int, int]:
    """``(amount0, amount1, shares)`` a deposit takes and mints (LiquidityPool._depositAmounts).

    First deposit: all of both, ``isqrt(a0 * a1) - MINIMUM_LIQUIDITY`` shares (0 when too small: the pool refuses
    it). Later: the largest pair at the reserve ratio within the desired amounts, shares rounded down.
    """
    if supply == 0:
        root = isqrt(amount0_desired * amount1_desired)
        return amount0_desired, amount1_desired, max(root - MINIMUM_LIQUIDITY, 0)
    amount1_optimal = amount0_desired * reserve1 // reserve0
    if amount1_optimal <= amount1_desired:
        amount0, amount1 = amount0_desired, amount1_optimal
    else:
        amount0, amount1 = amount1_desired * reserve0 // reserve1, amount1_desired
    return amount0, amount1, min(amount0 * supply // reserve0, amount1 * supply // reserve1)


def pool_withdrawal(shares: int, reserve0: int, reserve1: int, supply: int) -> tuple[int, int]:
    """What burning ``shares`` pays of each reserve, rounded down (the pool keeps the dust)."""
    return shares * reserve0 // supply, shares * reserve1 // supply


# -- ResourceStaking and ResourceOrderBook ------------------------------------------------------------------------


def stake_reward(amount: int, apr_bps: int, duration: int) -> int:
    """Reward of a stake held to its end: ``amount * apr * duration / (10_000 * YEAR)``, rounded down."""
    return amount * apr_bps * duration // (_BPS * YEAR)


def early_unstake_penalty(amount: int) -> int:
    """Principal kept when leaving a stake early: 1%, rounded up."""
    return _div(amount * EARLY_UNSTAKE_PENALTY_BPS, _BPS, up=True)


def order_fill_cost(amount: int, price: int) -> int:
    """Wei a fill of ``amount`` base units at ``price`` wei per whole token costs, rounded up (the seller's favour)."""
    return _div(amount * price, WHOLE, up=True)


# -- units --------------------------------------------------------------------------------------------------------


def parse_units(text: str | int | Decimal, decimals: int = 18) -> int:
    """Whole units (``"1.5"``) as base units (``1_500_000_000_000_000_000``), exactly; :class:`ValueError` for
    text that is not a plain decimal number or has more than ``decimals`` fractional digits."""
    if isinstance(text, bool):
        raise ValueError("a boolean is not an amount")
    try:
        value = Decimal(text) if not isinstance(text, Decimal) else text
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals
    base: int
    if shift >= 0:
        base = coefficient * pow(10, shift)
    else:
        base, rest = divmod(coefficient, pow(10, -shift))
        if rest:
            raise ValueError(f"{text} has more than {decimals} decimals: the smallest unit is 10**-{decimals}")
    return -base if sign else base


def format_units(base: int, decimals: int = 18) -> str:
    """Base units as exact whole units without trailing zeros: ``1_500_000_000_000_000_000`` -> ``"1.5"``."""
    sign = "-" if base < 0 else ""
    whole, frac = divmod(abs(base), 10**decimals)
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}." + f"{frac:0{decimals}d}".rstrip("0")
