"""Exact unit conversions shared by every domain: token amounts as text, fractions as basis points.

Money math is integers; these turn integers into the text people read and configured fractions into the basis
points contracts take, without rounding anything away.
"""

from __future__ import annotations

from fractions import Fraction

from .errors import ConfigError

__all__ = ["format_amount", "is_digits", "to_bps"]


def format_amount(base_units: int, symbol: str = "NOVA", decimals: int = 18) -> str:
    """Base units as exact text, every digit that is there shown: ``format_amount(1_500_000_5 * 10**17)`` is
    ``"1,500,000.5 NOVA"``."""
    sign = "-" if base_units < 0 else ""
    whole, frac = divmod(abs(base_units), 10**decimals)
    text = f"{whole:,}" + (f".{frac:0{decimals}d}".rstrip("0") if frac else "")
    return f"{sign}{text} {symbol}" if symbol else sign + text


def is_digits(text: str) -> bool:
    """Whether ``text`` is ASCII decimal digits only (a number ``int()`` reads). ``str.isdigit()`` is also true of
    '¹' or '²', which ``int()`` refuses: a check with it let such input through to a traceback."""
    return text.isascii() and text.isdigit()


def to_bps(fraction: float, key: str) -> int:
    """A configured fraction (0..1) as basis points, exactly; one finer than 0.01% or outside 0..1 is refused with a
    :class:`~novacron_chain.errors.ConfigError` naming ``key``."""
    exact = Fraction(str(fraction)) * 10_000
    if exact.denominator != 1 or not 0 <= exact <= 10_000:
        raise ConfigError(
            f"{key} {fraction} is not a whole number of basis points between 0 and 1",
            hint=f"give {key} in steps of 0.0001 (e.g. 0.1 for 10%)",
        )
    return int(exact)
