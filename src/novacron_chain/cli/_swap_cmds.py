"""``novacron-chain swap``: atomic swaps between two chains through hashed-timelock locks.

The initiator runs ``swap initiate --from A --to B --participant ADDR --want-amount W AMOUNT`` (it keeps the secret
in ``data_dir/swaps/<account>``) and gives the printed lock id to the participant, who runs ``swap participate --from
A --to B --lock-id ID --initiator ADDR --want-amount AMOUNT W``. Then each side runs ``swap watch``: the
initiator's watcher claims on B (revealing the secret), the participant's claims on A with it, and either refunds its
own lock after its deadline.
``swap claim``, ``swap refund`` and ``swap status`` do single steps by hand. Chains are named as in
``supported_chains`` (or the configured ``network``); AMOUNT is in whole units with up to 18 decimals. Each takes
``--json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._params import address
from ._state import CliState

if TYPE_CHECKING:
    from rich.table import Table

    from ..crosschain import SwapAction, SwapDriver, SwapStatus

swap_app = typer.Typer(
    help="Atomic swaps between chains (HTLC): initiate, participate, claim, refund, status, watch.",
    no_args_is_help=True,
)

_FROM = typer.Option("--from", help="The initiator's chain (where the first lock is).")
_TO = typer.Option("--to", help="The participant's chain (where the second lock is).")


def _driver(state: CliState) -> SwapDriver:
    return state.nova().swaps


def _amount(text: str, what: str = "AMOUNT") -> int:
    from ..crosschain import SwapValueError
    from ..tokens import parse_units

    try:
        value = parse_units(text.strip().replace("_", ""))
    except ValueError as exc:
        raise SwapValueError(
            f"{what} {text!r}: {exc}", hint="give whole units with at most 18 decimals, e.g. 1.5 or 0.001"
        ) from exc
    if value <= 0:
        raise SwapValueError(f"{what} must be positive, not {text}")
    return value


def _view(s: SwapStatus) -> Table:
    from rich.table import Table

    from ..tokens import format_units

    t = Table(title=f"swap {s.swap_id}: {s.phase.value}", show_header=True)
    for col in ("side", "chain", "lock", "amount", "state", "deadline"):
        t.add_column(col, overflow="fold")
    for side, chain, ls in (
        ("initiator", s.initiator_chain, s.initiator_lock),
        ("participant", s.participant_chain, s.participant_lock),
    ):
        if ls is None:
            t.add_row(side, chain, "-", "-", "not locked", "-")
        else:
            what = f"{format_units(ls.lock.amount)} {ls.lock.token or 'native'}"
            t.add_row(side, chain, ls.lock.id_hex, what, ls.state.name.lower(), str(ls.lock.deadline))
    return t


def _action_text(a: SwapAction) -> str:
    return f"{a.what} lock {a.lock_id} on {a.chain}" + (f" (tx {a.tx_hash})" if a.tx_hash else "")


@swap_app.command("initiate")
def initiate(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="What you lock on --from, in whole units.")],
    from_chain: Annotated[str, _FROM],
    to_chain: Annotated[str, _TO],
    participant: Annotated[
        str, typer.Option(help="The participant's address on --from (it receives your lock).", parser=address)
    ],
    want_amount: Annotated[
        str,
        typer.Option(help="Least the participant must lock on --to (whole units); a smaller lock is never claimed."),
    ],
    token: Annotated[
        str | None, typer.Option(help="ERC-20 to lock (default: the native coin).", parser=address)
    ] = None,
    want_token: Annotated[
        str | None, typer.Option(help="The ERC-20 you want on --to (default: the coin).", parser=address)
    ] = None,
) -> None:
    """Start a swap: make the secret (kept in data_dir/swaps) and lock AMOUNT on --from for the participant."""
    state: CliState = ctx.obj
    s = _driver(state).initiate(
        from_chain,
        to_chain,
        participant,
        _amount(amount),
        token=token,
        want_amount=_amount(want_amount, "--want-amount"),
        want_token=want_token,
    )
    lock_id = s.initiator_lock.lock.id_hex if s.initiator_lock else "-"
    text = (
        f"swap {s.swap_id}: locked on {from_chain} (lock {lock_id}). Give the participant the lock id and your "
        f"address on {to_chain}, then run `novacron-chain swap watch`."
    )
    state.emit(s.to_dict(), text)


@swap_app.command("participate")
def participate(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="What you lock on --to, in whole units.")],
    from_chain: Annotated[str, _FROM],
    to_chain: Annotated[str, _TO],
    lock_id: Annotated[str, typer.Option(help="The initiator's lock id on --from.")],
    initiator: Annotated[
        str, typer.Option(help="The initiator's address on --to (it receives your lock).", parser=address)
    ],
    want_amount: Annotated[
        str, typer.Option(help="Least the initiator's lock must hold (whole units), or nothing is locked.")
    ],
    token: Annotated[
        str | None, typer.Option(help="ERC-20 to lock (default: the native coin).", parser=address)
    ] = None,
    want_token: Annotated[
        str | None, typer.Option(help="The ERC-20 the initiator's lock must hold.", parser=address)
    ] = None,
) -> None:
    """Answer a swap: check the initiator's lock on --from, then lock AMOUNT on --to for the initiator."""
    state: CliState = ctx.obj
    s = _driver(state).participate(
        from_chain,
        lock_id,
        to_chain,
        initiator,
        _amount(amount),
        token=token,
        want_amount=_amount(want_amount, "--want-amount"),
        want_token=want_token,
    )
    state.emit(s.to_dict(), _view(s))


@swap_app.command("claim")
def claim(
    ctx: typer.Context,
    swap_id: Annotated[str, typer.Argument(help="The swap id (its hash, 0x...).")],
    secret: Annotated[str | None, typer.Option(help="The secret (default: from the swap file or the chain).")] = None,
) -> None:
    """Claim your side's due lock now (the watcher does it by itself)."""
    state: CliState = ctx.obj
    action = _driver(state).claim(swap_id, secret)
    state.emit(action.to_dict(), _action_text(action))


@swap_app.command("refund")
def refund(
    ctx: typer.Context,
    swap_id: Annotated[str, typer.Argument(help="The swap id (its hash, 0x...).")],
) -> None:
    """Refund your own lock after its deadline (the watcher does it by itself)."""
    state: CliState = ctx.obj
    action = _driver(state).refund(swap_id)
    state.emit(action.to_dict(), _action_text(action))


@swap_app.command("status")
def status(
    ctx: typer.Context,
    swap_id: Annotated[str | None, typer.Argument(help="The swap id; none: every swap of this data dir.")] = None,
) -> None:
    """A swap (or every swap) as both chains see it."""
    from rich.console import Group

    state: CliState = ctx.obj
    driver = _driver(state)
    if swap_id is not None:
        s = driver.status(swap_id)
        state.emit(s.to_dict(), _view(s))
        return
    swaps = driver.list_swaps()
    state.emit([s.to_dict() for s in swaps], Group(*[_view(s) for s in swaps]) if swaps else "no swaps")


@swap_app.command("watch")
def watch(
    ctx: typer.Context,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the chains.")] = 1.0,
    until_done: Annotated[bool, typer.Option("--until-done", help="Stop once every swap is done.")] = False,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).")] = 0,
) -> None:
    """Claim and refund by itself: every swap of this data dir, from the chains' state (safe to restart)."""
    state: CliState = ctx.obj
    driver = _driver(state)
    done: list[SwapAction] = []

    def shown(action: SwapAction) -> None:
        done.append(action)
        if not state.json:
            state.console.print(_action_text(action))

    def failed(exc: Exception) -> None:
        state.console.print(f"[yellow]retrying later:[/] {exc}")

    try:
        for _ in driver.watch(
            poll=poll, until_done=until_done, timeout=seconds or None, on_action=shown, on_error=failed
        ):
            pass
    except KeyboardInterrupt:
        pass
    state.emit({"actions": [a.to_dict() for a in done]}, f"{len(done)} action(s)")


def register(app: typer.Typer) -> None:
    """Attach the ``swap`` group to the main app."""
    app.add_typer(swap_app, name="swap")
