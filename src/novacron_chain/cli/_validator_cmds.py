"""``novacron-chain validator`` and ``novacron-chain checkpoint``: proof of stake from the command line.

``validator register --stake 1500000 --address 0x…`` is the seed's command: the configured account (``--account N``
on dev chains) becomes the validator's owner and bonds ``--stake`` whole NOVA; ``--address`` is the validator's
signer address. Its BLS key comes from ``--bls-keystore`` (or ``bls_keystore_path``), an EIP-2335 keystore; without
one, a new key is generated and written to ``<data_dir>/validator_keys/`` as an EIP-2335 keystore (passphrase from
NOVACRON_BLS_PASSPHRASE or a prompt) whose path is printed. Amounts are whole NOVA with up to 18 decimals, converted
to base units exactly. Bad input exits with 2, a refused or failed operation with 1 (the one error handler is in
``_app.py``).

The long-running processes, ``validator run`` (a validator that checks roots and signs) and ``validator aggregate``
(an aggregator that submits once more than 2/3 of stake signed), attach to :data:`validator_app` in
:func:`register` (see the note there).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._params import address, address_or_index
from ._state import CliState

if TYPE_CHECKING:
    from ..consensus import BlockchainConsensus, BlsSecretKey, Checkpoint, Validator

validator_app = typer.Typer(
    help="Proof-of-stake validators: register, stake, unbond, withdraw, jail, report double signs.",
    no_args_is_help=True,
)
checkpoint_app = typer.Typer(help="Consensus checkpoints final on chain: list, show.", no_args_is_help=True)

PASSPHRASE_ENV = "NOVACRON_BLS_PASSPHRASE"
KEYS_DIR = "validator_keys"

AmountArg = Annotated[str, typer.Argument(help="Whole NOVA, up to 18 decimals (e.g. 1500000).", show_default=False)]
DomainOpt = Annotated[
    str, typer.Option("--domain", help="Checkpoint domain: state, l2, bridge, another name, or a 0x id.")
]


def _consensus(state: CliState) -> BlockchainConsensus:
    return state.nova().consensus


def _nova_units(text: str, what: str) -> int:
    from ..consensus import ConsensusValueError
    from ..tokens import parse_units

    try:
        value = parse_units(text.strip().replace("_", "").replace(",", ""))
    except ValueError as exc:
        raise ConsensusValueError(
            f"{what} {text!r}: {exc}", hint="give whole NOVA with at most 18 decimals, e.g. 1500000 or 0.5"
        ) from exc
    if value <= 0:
        raise ConsensusValueError(f"{what} must be positive, not {text}")
    return value


def _fmt(base_units: int) -> str:
    from ..tokens import format_units

    whole, _, frac = format_units(base_units).partition(".")
    return f"{int(whole):,}" + (f".{frac}" if frac else "") + " NOVA"


def _when(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "-"


def _passphrase(purpose: str, *, confirm: bool) -> str:
    """The BLS keystore passphrase: NOVACRON_BLS_PASSPHRASE, else asked on the terminal."""
    import getpass
    import sys

    from ..consensus import BlsKeystoreError

    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise BlsKeystoreError(
            f"a passphrase {purpose} is needed but there is no terminal to ask on",
            hint=f"set {PASSPHRASE_ENV}",
        )
    first = getpass.getpass(f"passphrase {purpose}: ")
    if not first:
        raise BlsKeystoreError("the passphrase is empty", hint="a keystore needs a passphrase")
    if confirm and getpass.getpass("repeat it: ") != first:
        raise BlsKeystoreError("the two passphrases differ", hint="type the same passphrase twice")
    return first


def _load_key(path: Path) -> BlsSecretKey:
    from ..consensus import BlsKeystore

    return BlsKeystore.load(path).decrypt(_passphrase(f"of the BLS keystore {path}", confirm=False))


def _show_validator(v: Validator) -> Any:
    from rich.table import Table

    t = Table(title=f"validator {v.index}  [{v.status}]", show_header=False)
    t.add_column("field")
    t.add_column("value", overflow="fold")
    t.add_row("owner", v.owner)
    t.add_row("signer", v.signer)
    t.add_row("BLS key", v.pubkey.hex())
    t.add_row("bonded", _fmt(v.bonded))
    t.add_row("weight now / next epoch", f"{_fmt(v.weight)} / {_fmt(v.next_weight)}")
    if v.unbonding:
        t.add_row("unbonding", f"{_fmt(v.unbonding)}, withdrawable from {_when(v.withdrawable_at)}")
    if v.jailed:
        t.add_row("jailed until", _when(v.jailed_until))
    t.add_row("active since epoch", str(v.rejoin_epoch))
    return t


def _show_checkpoint(c: Checkpoint) -> Any:
    from rich.table import Table

    from ..consensus import domain_label

    t = Table(title=f"checkpoint {domain_label(c.domain)} #{c.height}", show_header=False)
    t.add_column("field")
    t.add_column("value", overflow="fold")
    t.add_row("root", "0x" + c.root.hex())
    t.add_row("epoch / seq", f"{c.epoch} / {c.seq}")
    t.add_row("final at", _when(c.submitted_at))
    t.add_row("signed", f"{_fmt(c.signed_stake)} of {_fmt(c.total_stake)} ({c.signed_share:.2%})")
    if c.non_signers is not None:
        t.add_row("non-signers", ", ".join(map(str, c.non_signers)) or "none")
    if c.tx_hash:
        t.add_row("tx", c.tx_hash)
    if c.gas_used is not None:
        t.add_row("gas", f"{c.gas_used:,}")
    if c.finality_seconds is not None:
        t.add_row("finality", f"{c.finality_seconds:.2f} s")
    if c.warning:
        t.add_row("warning", c.warning)
    return t


# -- validator ----------------------------------------------------------------------------------------------------


@validator_app.command("register")
def register_validator(
    ctx: typer.Context,
    stake: Annotated[str, typer.Option("--stake", help="Whole NOVA to bond (at least the minimum stake).")],
    address: Annotated[str, typer.Option("--address", help="The validator's signer address (0x…).", parser=address)],
    bls_keystore: Annotated[
        Path | None,
        typer.Option(
            "--bls-keystore",
            help="EIP-2335 keystore of the validator's BLS key (default: bls_keystore_path; none: generate one).",
        ),
    ] = None,
) -> None:
    """Register a validator: bond NOVA from the configured account and register its BLS key (seed command)."""
    from ..consensus import BlsKeystore, BlsSecretKey, ConsensusValueError
    from ..errors import NovaChainError

    state: CliState = ctx.obj
    amount = _nova_units(stake, "--stake")
    nova = state.nova()
    cfg = nova.config.blockchain
    path = bls_keystore or cfg.bls_keystore_path
    generated = path is None
    if path is not None:
        key = _load_key(Path(path).expanduser())
    else:
        key = BlsSecretKey.generate()
        path = cfg.resolved_data_dir / KEYS_DIR / f"keystore-{key.public_key().to_bytes().hex()[:16]}.json"
        passphrase = _passphrase("for the new BLS keystore", confirm=True)
        # written BEFORE registering: a registered key is never lost to a failed write
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        BlsKeystore.encrypt(key, passphrase, description=f"NovaCron validator {address}").save(path)
        if not state.json:
            state.console.print(f"generated a BLS key; keystore written to {path}")
    consensus = nova.consensus
    try:
        reg = consensus.register_validator(address, amount, bls_key=key)
    except NovaChainError as exc:
        if generated and isinstance(exc, ConsensusValueError):
            Path(path).unlink(missing_ok=True)  # refused before anything was sent: the new key is unused
        raise
    state.emit(
        {**reg.to_dict(), "keystore": str(path), "generated_key": generated},
        f"validator {reg.index} registered: {_fmt(reg.amount)} bonded by {reg.owner}, signer {reg.signer}, "
        f"weight from epoch {reg.effective_epoch}\n  BLS key {reg.pubkey.hex()}\n  keystore {path}\n"
        f"  tx {reg.tx_hash} ({reg.gas_used:,} gas)",
    )


@validator_app.command("list")
def list_validators(ctx: typer.Context) -> None:
    """Every registered validator: status, owner, stake and weight."""
    from rich.table import Table

    state: CliState = ctx.obj
    consensus = _consensus(state)
    validators = consensus.list_validators()
    st = consensus.status()
    t = Table(title=f"{len(validators)} validators, {st.active_validators} active in epoch {st.epoch}")
    for col in ("#", "status", "owner", "signer", "bonded", "weight", "unbonding"):
        t.add_column(col)
    for v in validators:
        t.add_row(str(v.index), v.status, v.owner, v.signer, _fmt(v.bonded), _fmt(v.weight), _fmt(v.unbonding))
    state.emit([v.to_dict() for v in validators], t)
    if st.warning and not state.json:
        state.console.print(f"warning: {st.warning}")


@validator_app.command("show")
def show_validator(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            help="Validator index or owner address (default: the configured account's).", parser=address_or_index
        ),
    ] = None,
) -> None:
    """One validator: keys, stake, weight now and next epoch, unbonding, jail."""
    state: CliState = ctx.obj
    nova = state.nova()
    v = nova.consensus.get_validator(ref if ref is not None else nova.chain.signer.address)
    state.emit(v.to_dict(), _show_validator(v))


@validator_app.command("status")
def status(ctx: typer.Context) -> None:
    """The network: epoch, active validators, stake, and whether it is under-decentralised."""
    state: CliState = ctx.obj
    st = _consensus(state).status()
    text = (
        f"epoch {st.epoch} (next at {_when(st.next_epoch_at)}, every {st.epoch_length} s): {st.active_validators} "
        f"active validators ({st.next_epoch_validators} next epoch, {st.validators} registered, at most "
        f"{st.max_validators}), {_fmt(st.total_stake)} at stake"
    )
    state.emit(st.to_dict(), text + (f"\nwarning: {st.warning}" if st.warning else ""))


@validator_app.command("top-up")
def top_up(ctx: typer.Context, amount: AmountArg) -> None:
    """Add stake to your validator (counts from the next epoch)."""
    state: CliState = ctx.obj
    u = _consensus(state).top_up(_nova_units(amount, "AMOUNT"))
    state.emit(
        u.to_dict(),
        f"validator {u.index}: +{_fmt(u.amount)}, {_fmt(u.bonded or 0)} bonded from epoch {u.effective_epoch} "
        f"(tx {u.tx_hash})",
    )


@validator_app.command("unbond")
def unbond(ctx: typer.Context, amount: AmountArg) -> None:
    """Unbond stake from your validator; withdraw it after the unbonding period."""
    state: CliState = ctx.obj
    u = _consensus(state).unbond(_nova_units(amount, "AMOUNT"))
    state.emit(
        u.to_dict(),
        f"validator {u.index}: {_fmt(u.amount)} unbonding, withdrawable from {_when(u.withdrawable_at or 0)}; "
        f"{_fmt(u.bonded or 0)} stays bonded (tx {u.tx_hash})",
    )


@validator_app.command("withdraw")
def withdraw(ctx: typer.Context) -> None:
    """Withdraw your validator's unbonded stake once the unbonding period has passed."""
    state: CliState = ctx.obj
    u = _consensus(state).withdraw()
    state.emit(u.to_dict(), f"validator {u.index}: {_fmt(u.amount)} withdrawn (tx {u.tx_hash})")


@validator_app.command("unjail")
def unjail(ctx: typer.Context) -> None:
    """Unjail your validator once its jail time is over (weight again from the next epoch)."""
    state: CliState = ctx.obj
    u = _consensus(state).unjail()
    state.emit(u.to_dict(), f"validator {u.index} unjailed from epoch {u.effective_epoch} (tx {u.tx_hash})")


@validator_app.command("jail")
def jail(
    ctx: typer.Context,
    index: Annotated[int, typer.Argument(help="The validator to jail.", min=0)],
    domain: DomainOpt = "state",
    max_gas: Annotated[
        int | None,
        typer.Option("--max-gas", help="Gas cap for this proof (a window of 100 needs about 2 million).", min=21_000),
    ] = None,
) -> None:
    """Jail a validator that signed too few of a domain's latest checkpoints (proof from their non-signer lists)."""
    state: CliState = ctx.obj
    j = _consensus(state).jail(index, domain, max_gas=max_gas)
    state.emit(
        j.to_dict(),
        f"validator {j.index} jailed: missed {j.missed} of {j.window} checkpoints; no weight from epoch "
        f"{j.effective_epoch}, may unjail from {_when(j.jailed_until)} (tx {j.tx_hash})",
    )


@validator_app.command("report-double-sign")
def report_double_sign(
    ctx: typer.Context,
    evidence: Annotated[
        Path,
        typer.Argument(
            help="JSON file: the evidence object, or a list of two checkpoint signatures of one validator.",
            show_default=False,
        ),
    ],
) -> None:
    """Report a validator that signed two roots for one (domain, height): it is slashed and you are rewarded."""
    from ..consensus import CheckpointSignature, ConsensusValueError, DoubleSignEvidence

    state: CliState = ctx.obj
    try:
        data = json.loads(evidence.read_text())
    except OSError as exc:
        raise ConsensusValueError(f"cannot read {evidence}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConsensusValueError(f"{evidence} is not JSON: {exc}") from exc
    if isinstance(data, list):
        if len(data) != 2:
            raise ConsensusValueError(f"{evidence} lists {len(data)} signatures; evidence is two")
        proof = DoubleSignEvidence.from_signatures(*(CheckpointSignature.from_dict(d) for d in data))
    else:
        proof = DoubleSignEvidence.from_dict(data)
    r = _consensus(state).report_double_sign(proof)
    state.emit(
        r.to_dict(),
        f"validator {r.index} slashed {_fmt(r.slashed)} and tombstoned; {_fmt(r.reward)} paid to {r.reporter}, "
        f"{_fmt(r.treasury_share)} to the treasury (tx {r.tx_hash})",
    )


# -- checkpoint ---------------------------------------------------------------------------------------------------


@checkpoint_app.command("list")
def list_checkpoints(ctx: typer.Context, domain: DomainOpt = "state") -> None:
    """A domain's final checkpoints, oldest first."""
    from rich.table import Table

    from ..consensus import domain_label, parse_domain

    state: CliState = ctx.obj
    d = parse_domain(domain)
    cps = _consensus(state).list_checkpoints(d)
    t = Table(title=f"{len(cps)} final checkpoints of {domain_label(d)}")
    for col in ("height", "root", "epoch", "signed", "non-signers", "final at"):
        t.add_column(col)
    for c in cps:
        t.add_row(
            str(c.height),
            "0x" + c.root.hex(),
            str(c.epoch),
            f"{c.signed_share:.1%}",
            str(len(c.non_signers or ())),
            _when(c.submitted_at),
        )
    state.emit([c.to_dict() for c in cps], t)


@checkpoint_app.command("show")
def show_checkpoint(
    ctx: typer.Context,
    height: Annotated[int, typer.Argument(help="The checkpoint's height.", min=0)],
    domain: DomainOpt = "state",
) -> None:
    """One final checkpoint: root, epoch, stake that signed, non-signers, transaction."""
    state: CliState = ctx.obj
    c = _consensus(state).get_checkpoint(domain, height)
    state.emit(c.to_dict(), _show_checkpoint(c))


def register(app: typer.Typer) -> None:
    """Attach the ``validator`` and ``checkpoint`` groups to the main app."""
    # `validator run` (a validator process) and `validator aggregate` (the aggregator) are long-running: they live
    # in a module of their own and add themselves to validator_app here, before the group is attached
    from ._validator_run_cmds import add_process_commands

    add_process_commands(validator_app)
    app.add_typer(validator_app, name="validator")
    app.add_typer(checkpoint_app, name="checkpoint")
