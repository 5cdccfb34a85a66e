"""Parsing of command-line values, once for every command: addresses, amounts, durations and numeric bounds.

Every command takes its addresses through :func:`address` (typer's ``parser=``): an empty string is an error (never
"your own account"), and a mixed-case address must carry its EIP-55 checksum (all lower or all upper case skips the
check), as :func:`novacron_chain.chain.checksum` does for every library entry. A bad value exits with 2 and click's
``Invalid value for '--to': ...``, which names the option.

:func:`bound_numbers` runs over every built command (``_app.build_command``): each integer option or argument must fit
an unsigned 256-bit word (what the ABI takes) and each number of seconds (every float option is one) must be finite,
non-negative and within :data:`MAX_SECONDS`. Tighter limits stay on the options themselves (``min=``/``max=``); the
message prints the limit in the unit the option is given in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from typer._click import Command, Context, Parameter

__all__ = [
    "MAX_SECONDS",
    "UINT256_MAX",
    "Deadline",
    "address",
    "address_or_index",
    "address_or_name",
    "bound_numbers",
    "data_dir",
    "duration",
    "duration_text",
    "echo",
    "existing_file",
    "whole_units",
]

UINT256_MAX = 2**256 - 1
#: the longest time span any command takes: 100 years, as config.MAX_DURATION (not imported: --help stays light)
MAX_SECONDS = 100 * 365 * 86400
_ECHO = 60  # characters of a bad value echoed back


#: ``--deadline`` of every command that buys or trades: when the transaction must be mined by
Deadline = Annotated[
    int | None,
    typer.Option(
        "--deadline",
        help="Unix time (seconds) after which the trade reverts instead of filling (default: 20 minutes from now).",
    ),
]


def echo(value: object) -> str:
    """``value`` as a repr, truncated to a readable length."""
    text = repr(value)
    return text if len(text) <= _ECHO else text[: _ECHO - 5] + "…" + text[-4:]


def address(text: str) -> str:
    """A checksummed address from the command line, or :class:`typer.BadParameter` (exit 2, naming the option)."""
    from ..chain import checksum
    from ..errors import NovaValueError

    try:
        return checksum(text, "the address")
    except NovaValueError as exc:
        raise typer.BadParameter(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None


def address_or_name(text: str) -> str:
    """An address (checksum verified, see :func:`address`) or a record name of the deployed contract set (kept as
    it is: the command looks it up); empty is an error."""
    stripped = text.strip()
    if not stripped:
        raise typer.BadParameter("is empty: give a 0x address or a contract's record name")
    if stripped.lower().startswith("0x"):
        return address(stripped)
    return stripped


def address_or_index(text: str) -> str:
    """An address (checksum verified, see :func:`address`) or a non-negative decimal index; empty is an error."""
    stripped = text.strip()
    if stripped.isdigit() and stripped.isascii():
        if len(stripped) > 78 or int(stripped) > UINT256_MAX:
            raise typer.BadParameter(f"index {echo(stripped)} is out of range: at most 2**256-1")
        return stripped
    return address(stripped)


def data_dir(text: str) -> Path:
    """``--data-dir``: not empty (an empty one is not "the current directory"), and a directory if it exists."""
    if not text.strip():
        raise typer.BadParameter("is empty: give the data dir's path (it is created if missing)")
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise typer.BadParameter(f"{path} is not a directory: give a directory's path (it is created if missing)")
    return Path(text)


def existing_file(text: str) -> Path:
    """A file to read (``--config``): not empty, and not a directory."""
    if not text.strip():
        raise typer.BadParameter("is empty: give a file's path")
    path = Path(text).expanduser()
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a directory, not a file")
    return path


def duration(maximum: int = MAX_SECONDS, minimum: int = 0) -> Callable[[str], int]:
    """A typer ``parser=`` for a duration (``30d``, ``12h``, ``90s``, ``1h30m`` or plain seconds) returning seconds;
    out of ``minimum..maximum`` it fails with the limit in the unit the value was written in."""

    def parse(text: str | int) -> int:
        from ..config import parse_duration

        try:
            seconds = parse_duration(text, maximum=maximum)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        if seconds < minimum:
            raise typer.BadParameter(f"{echo(text)} is too short: at least {minimum} seconds")
        return seconds

    return parse


def duration_text(text: str) -> str:
    """A typer ``parser=`` that checks a duration (as :func:`duration` does) and keeps its text, for commands that
    parse it themselves."""
    duration()(text)
    return text


def whole_units(text: str, what: str = "AMOUNT", *, maximum: int = UINT256_MAX, decimals: int = 18) -> int:
    """Whole units with up to ``decimals`` decimals (``1.5``) as base units, exactly; positive and at most
    ``maximum`` base units (the message gives the limit in whole units, as the amount was written)."""
    from ..errors import NovaValueError
    from ..units import format_amount

    cleaned = text.strip().replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise NovaValueError(
            f"{what} {echo(text)} is not a number", hint="give whole units with at most 18 decimals, e.g. 1.5"
        ) from None
    limit = format_amount(maximum, "", decimals)
    if not value.is_finite() or value.adjusted() > len(str(maximum)) - decimals:
        raise NovaValueError(f"{what} {echo(text)} is too large: at most {limit}")
    from ..tokens import parse_units

    try:
        base = parse_units(value, decimals)
    except ValueError as exc:
        raise NovaValueError(f"{what} {echo(text)}: {exc}", hint="give at most 18 decimals, e.g. 0.001") from None
    if base <= 0:
        raise NovaValueError(f"{what} must be positive, not {echo(text)}")
    if base > maximum:
        raise NovaValueError(f"{what} {echo(text)} is too large: at most {limit}")
    return base


# -- bounds on every numeric parameter --------------------------------------------------------------------------------


def _bound(param: Parameter, previous: Callable[..., Any] | None) -> Callable[..., Any]:
    def check(ctx: Context, p: Any, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, bool) or item is None:
                continue
            if isinstance(item, int) and not 0 <= item <= UINT256_MAX:
                limit = "0 or more" if item < 0 else "at most 2**256-1 (the largest number a contract takes)"
                raise typer.BadParameter(f"{echo(item)} is out of range: {limit}", ctx=ctx, param=p)
            if isinstance(item, float) and not (math.isfinite(item) and 0 <= item <= MAX_SECONDS):
                raise typer.BadParameter(
                    f"{echo(item)} is not a number of seconds from 0 to {MAX_SECONDS:,} (100 years)",
                    ctx=ctx,
                    param=p,
                )
        return value if previous is None else previous(ctx, p, value)

    return check


def bound_numbers(command: Command) -> Command:
    """Put the bounds above on every integer and float parameter of ``command`` and its sub-commands (in place;
    help pages stay as they were)."""
    for param in command.params:
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if annotation in (int, float) and not getattr(param, "_novacron_bounded", False):
            param.callback = _bound(param, param.callback)
            param._novacron_bounded = True  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        bound_numbers(sub)
    return command
