"""``novacron-chain demo``: the thin command over :func:`novacron_chain.demo.run` (the scenes live there)."""

from __future__ import annotations

import typer

from ._state import CliState


def demo(ctx: typer.Context) -> None:
    """Walk through what exists, on a fresh in-memory chain (nothing on disk is touched)."""
    from ..demo import run

    state: CliState = ctx.obj
    report = run(state.config(network="embedded:memory"), console=state.console)
    if state.json:
        state.emit(report)


def register(app: typer.Typer) -> None:
    """Attach the demo command."""
    app.command()(demo)
