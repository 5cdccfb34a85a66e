"""SIGTERM handled like Ctrl-C, by every command: one helper, installed by the CLI's entry point.

systemd, containers and CI stop a process with SIGTERM. Python's default for it is to die on the spot: ``finally``
blocks do not run, so ``devnet`` left its anvil running, orphaned on its port, and a command holding the embedded
chain's data dir left it unflushed. :func:`sigterm_as_interrupt` turns SIGTERM into :class:`Terminated`, a
:class:`KeyboardInterrupt`, raised in the main thread where the command runs: every ``except KeyboardInterrupt`` and
``finally`` a command has for Ctrl-C (stopping children, closing stores, flushing state) runs for SIGTERM too, and
the entry point exits with 128 + 15 (143) as a process stopped by SIGTERM does (130 for Ctrl-C).

A command that wants to stop between two units of work rather than in the middle of one (the validator node, the
relayer) installs its own handler while it runs, with :func:`stop_on_sigterm` or :func:`on_sigterm`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Stops", "Terminated", "on_sigterm", "sigterm_as_interrupt", "stop_on_sigterm"]


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) arrived: stop as on Ctrl-C. ``signum`` is the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a process stopped by this signal exits with: 128 + its number."""
        return 128 + self.signum


class Stops:
    """What :func:`sigterm_as_interrupt` saw: ``signal`` is the :class:`Terminated` it raised, if any (the caller may
    see only an exit code: typer turns a KeyboardInterrupt into ``Exit(130)``)."""

    def __init__(self) -> None:
        self.signal: Terminated | None = None

    def raise_terminated(self, signum: int, _frame: FrameType | None) -> None:
        self.signal = Terminated(signum)
        raise self.signal


_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


@contextmanager
def sigterm_as_interrupt() -> Iterator[Stops]:
    """While inside, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread (no-op in another thread)."""
    stops = Stops()
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return
    previous = {s: signal.signal(s, stops.raise_terminated) for s in _SIGNALS}
    try:
        yield stops
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def on_sigterm(callback: Callable[[], object]) -> None:
    """From now on (until the entry point restores its handler at exit), SIGTERM calls ``callback()`` instead of
    interrupting: for a loop that ends between two units of work. No-op outside the main thread."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda _signum, _frame: callback())


@contextmanager
def stop_on_sigterm(stop: Callable[[], object]) -> Iterator[None]:
    """While inside, SIGTERM calls ``stop()`` (e.g. ``event.set``) instead of interrupting: for a loop that ends
    between two units of work. Restores the previous handler after (no-op outside the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    on_sigterm(stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
