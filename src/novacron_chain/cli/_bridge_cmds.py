"""``novacron-chain bridge``: the attested bridge between the configured chains.

``bridge send SOURCE TARGET RECIPIENT AMOUNT`` locks AMOUNT (whole units, up to 18 decimals) of ``--token`` on
SOURCE (or burns a wrapped token going home) for RECIPIENT on TARGET and prints the transfer id; a guardian quorum
attests it and ``bridge relay`` delivers it. ``bridge status ID`` follows one transfer, ``bridge list`` shows them
all. On dev chains ``bridge relay --dev-guardians`` also signs with the dev guardian keys, so one process carries a
transfer through. Chains are named as in ``supported_chains`` (or the configured ``network``). Each takes ``--json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._params import address
from ._state import CliState

if TYPE_CHECKING:
    from rich.table import Table

    from ..crosschain import BridgeTransfer, CrossChainBridge, RelayAction, Relayer

bridge_app = typer.Typer(
    help="The attested bridge between chains: send, status, list, relay.",
    no_args_is_help=True,
)

#: the token ``bridge send`` moves when no ``--token`` is given: the source chain's recorded NOVA token
_DEFAULT_TOKEN = "NovaToken"


def _bridge(state: CliState) -> CrossChainBridge:
    return state.nova().bridge


def _amount(text: str) -> int:
    from ..crosschain import BridgeValueError
    from ..tokens import parse_units

    try:
        value = parse_units(text.strip().replace("_", ""))
    except ValueError as exc:
        raise BridgeValueError(
            f"AMOUNT {text!r}: {exc}", hint="give whole units with at most 18 decimals, e.g. 1.5 or 0.001"
        ) from exc
    if value <= 0:
        raise BridgeValueError(f"AMOUNT must be positive, not {text}", hint="send a positive amount")
    return value


def _default_token(state: CliState, source: str) -> str:
    from ..crosschain import BridgeValueError

    nc = state.nova().chains[source]
    record = nc.deployments.get(nc.chain.chain_id, _DEFAULT_TOKEN)
    if record is None:
        raise BridgeValueError(
            f"no --token given and {source} has no {_DEFAULT_TOKEN} deployed",
            hint=f"pass --token ADDRESS (the token's address on {source})",
        )
    return record.address


def _attested_by(x: BridgeTransfer) -> str:
    """``guardians 5/7`` or ``checkpoint`` (with the final height that covers or delivered it)."""
    if x.attestation.value == "checkpoint":
        return "checkpoint" + ("" if x.checkpoint_height is None else f" at source block {x.checkpoint_height}")
    return f"guardians {x.signatures}/{x.threshold}"


def _view(transfers: list[BridgeTransfer]) -> Table:
    from rich.table import Table

    from ..tokens import format_units

    t = Table(title="bridge transfers", show_header=True)
    for col in ("id", "route", "amount", "state", "attestation", "release at"):
        t.add_column(col, overflow="fold")
    for x in transfers:
        release = "-" if x.release_at is None else str(x.release_at)
        route = f"{x.source} -> {x.target}"
        t.add_row(x.id, route, format_units(x.message.amount), x.state.value, _attested_by(x), release)
    return t


def _detail(x: BridgeTransfer) -> Table:
    from rich.table import Table

    from ..tokens import format_units

    # one transfer: a field per row, so the full addresses fit a terminal
    t = Table(title=f"transfer {x.id}: {x.state.value}", show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value", overflow="fold")
    m = x.message
    rows = [
        ("route", f"{x.source} -> {x.target}"),
        ("amount", format_units(m.amount)),
        ("token", f"{m.token} (home chain {m.token_chain_id})"),
        ("sender", m.sender),
        ("recipient", m.recipient),
        ("attestation", _attested_by(x)),
        ("signatures", f"{x.signatures} of {x.threshold} needed"),
        ("release at", "-" if x.release_at is None else str(x.release_at)),
        ("sent in block", str(x.block)),
    ]
    for field, value in rows:
        t.add_row(field, value)
    return t


def _action_text(a: RelayAction) -> str:
    text = f"{a.action} {a.transfer_id} ({a.source} -> {a.target})"
    if a.tx_hash:
        text += f" tx {a.tx_hash}"
    return text + (f": {a.detail}" if a.detail else "")


@bridge_app.command("send")
def send(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The chain the tokens leave (locked, or burned if wrapped).")],
    target: Annotated[str, typer.Argument(help="The chain the tokens arrive on (minted wrapped, or released).")],
    recipient: Annotated[str, typer.Argument(help="Who receives them on TARGET (0x address).", parser=address)],
    amount: Annotated[str, typer.Argument(help="How much, in whole units (up to 18 decimals).")],
    token: Annotated[
        str | None,
        typer.Option(
            help="The token's address on SOURCE (a wrapped token goes home); default: SOURCE's NovaToken.",
            parser=address,
        ),
    ] = None,
) -> None:
    """Send AMOUNT of --token from SOURCE to RECIPIENT on TARGET; prints the transfer id to follow."""
    state: CliState = ctx.obj
    value = _amount(amount)
    t = _bridge(state).initiate_bridge(
        source, target, None, recipient, value, token if token is not None else _default_token(state, source)
    )
    when = f" (delayed by the rate limits until {t.release_at})" if t.release_at is not None else ""
    who = "validators" if t.attestation.value == "checkpoint" else "guardians"
    text = (
        f"transfer {t.id}: {t.state.value}{when}; the {who} attest it and a relayer delivers it "
        f"(`novacron-chain bridge status {t.id}`)"
    )
    state.emit(t.to_dict(), text)


@bridge_app.command("status")
def status(
    ctx: typer.Context,
    transfer_id: Annotated[str, typer.Argument(metavar="ID", help="The transfer id, <source chain id>-<nonce>.")],
) -> None:
    """One transfer as both chains see it: initiated, delayed, attested, delivered or refunded."""
    state: CliState = ctx.obj
    t = _bridge(state).get_transfer(transfer_id)
    state.emit(t.to_dict(), _detail(t))


@bridge_app.command("list")
def list_(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Only transfers sent from this chain.")] = None,
) -> None:
    """Every transfer sent from the bridged chains (or from --source), oldest first per chain."""
    state: CliState = ctx.obj
    transfers = _bridge(state).list_transfers(source)
    state.emit([t.to_dict() for t in transfers], _view(transfers) if transfers else "no transfers")


def _relayer(state: CliState, dev: bool) -> Relayer:
    from ..crosschain import AttestationStore, BridgeGuardian, Relayer, dev_guardians

    bridge = _bridge(state)
    store = bridge.store if bridge.store is not None else AttestationStore()
    guardians: list[BridgeGuardian] = []
    if dev:
        # refused unless every bridged chain is a dev chain (dev_guardians: their keys are public), checked before
        # anything else is read; the keys are the same on each, a signature is bound to its target by the digest
        nova = state.nova()
        signers = [dev_guardians(nova.chains[name].chain) for name in bridge.names()]
        guardians = [BridgeGuardian(s, bridge, store) for s in signers[0]]
    return Relayer(bridge, store, guardians=guardians)


@bridge_app.command("relay")
def relay(
    ctx: typer.Context,
    dev_guardians: Annotated[
        bool,
        typer.Option(
            "--dev-guardians",
            help="Also sign as the dev guardians, in this process (dev chains only: refused elsewhere).",
        ),
    ] = False,
    once: Annotated[bool, typer.Option("--once", help="Relay what is pending now, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes over the chains.", min=0)] = 1.0,
    seconds: Annotated[
        float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C or SIGTERM).", min=0)
    ] = 0,
) -> None:
    """Deliver every published transfer that has a guardian quorum, exactly once (safe to restart, safe to race)."""
    import contextlib
    import threading
    import time

    from ._signals import stop_on_sigterm

    state: CliState = ctx.obj
    relayer = _relayer(state, dev_guardians)
    if once:
        actions = relayer.run_once()
        text = "\n".join(_action_text(a) for a in actions) or "nothing to relay"
        state.emit({"actions": [a.to_dict() for a in actions]}, text)
        return

    done: list[RelayAction] = []

    def shown(action: RelayAction) -> None:
        done.append(action)
        if not state.json:
            state.console.print(_action_text(action))

    stop = threading.Event()
    deadline = time.monotonic() + seconds if seconds else None
    # SIGTERM ends the loop between passes, never in the middle of a delivery
    with stop_on_sigterm(stop.set), contextlib.suppress(KeyboardInterrupt):
        relayer.run(
            interval=interval,
            until=lambda: stop.is_set() or (deadline is not None and time.monotonic() >= deadline),
            on_action=shown,
        )
    state.emit({"actions": [a.to_dict() for a in done]}, f"{len(done)} action(s)")


def register(app: typer.Typer) -> None:
    """Attach the ``bridge`` group to the main app."""
    app.add_typer(bridge_app, name="bridge")
