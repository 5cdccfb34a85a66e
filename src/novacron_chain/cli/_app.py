"""The ``novacron-chain`` command: global options, sub-commands, and the ONE place errors become exit codes.

Exit codes: 0 success, 1 the operation failed, 2 bad usage or input (a path that cannot be used and a number no
contract takes included), 130 interrupted by Ctrl-C, 143 stopped by SIGTERM (which every command handles as Ctrl-C:
see ``_signals``). No user mistake prints a traceback (set ``NOVACRON_DEBUG=1`` to see one for a bug); a long value
the user typed is echoed back shortened. Values are parsed once for every command in ``_params`` (addresses with
their EIP-55 checksum, durations and amounts with their limits, bounds on every number).

Sub-commands load on demand: :data:`COMMANDS` names each top-level command's module and one-line help, so
``novacron-chain --help`` prints the list without importing a command module, and ``novacron-chain market price``
imports and builds only ``market`` (building every command of every group cost about two thirds of ``--help``).
A command module keeps its ``register(app)``: the group calls it (once) on an app of its own and builds only the
command asked for. ``tests/cli/test_lazy_commands.py`` checks the table against what the modules register.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NamedTuple

import typer
from typer import Abort, Exit
from typer._click.exceptions import ClickException, UsageError  # typer re-exports neither
from typer.core import TyperCommand, TyperGroup

from ._params import data_dir as data_dir_param
from ._params import existing_file
from ._signals import sigterm_as_interrupt
from ._state import CliState

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter

    from ..errors import NovaValueError


class LazyCommand(NamedTuple):
    """Where a top-level command lives and the help line the root ``--help`` shows for it."""

    module: str  # relative to this package; its ``register(app)`` adds the command
    help: str  # the first paragraph of the command's help, as the module declares it


#: every top-level command, in ``--help`` order (commands, then groups, as typer lists them)
COMMANDS: dict[str, LazyCommand] = {
    "deploy": LazyCommand("._chain_cmds", "Deploy the contract set (idempotent) and record it per chain id."),
    "status": LazyCommand(
        "._chain_cmds", "Chain id, block, account, balance, and each deployed contract with a code check."
    ),
    "devnet": LazyCommand("._chain_cmds", "Run a local anvil node with the dev accounts until Ctrl-C."),
    "serve": LazyCommand(
        "._chain_cmds",
        "Serve Prometheus metrics (``/metrics``) for the configured chain, sampling network TPS from new blocks.",
    ),
    "demo": LazyCommand("._demo", "Walk through what exists, on a fresh in-memory chain (nothing on disk is touched)."),
    "chain": LazyCommand("._chain_cmds", "Dev-chain controls (embedded and anvil only)."),
    "account": LazyCommand("._chain_cmds", "Signing keys."),
    "did": LazyCommand("._did_cmds", "Decentralized identity: did:novacron DIDs and verifiable credentials."),
    "ipfs": LazyCommand(
        "._ipfs_cmds",
        "Content-addressed storage (IPFS): the embedded store in the data dir, or the Kubo node of ipfs_endpoint.",
    ),
    "state": LazyCommand(
        "._state_cmds",
        "VM state records: recorded at once, anchored on chain in Merkle-batched roots, data in IPFS.",
    ),
    "market": LazyCommand("._token_cmds", "The bonding-curve market: prices, quotes, buy and sell."),
    "token": LazyCommand("._token_cmds", "Resource token balances."),
    "pool": LazyCommand("._token_cmds", "Liquidity pools: show, add, remove, quote-swap, swap."),
    "stake": LazyCommand("._token_cmds", "Staking for reserved capacity: quote, add, remove, show, fund."),
    "orders": LazyCommand("._token_cmds", "Peer-to-peer sell orders: list, create, fill, cancel."),
    "gov": LazyCommand("._gov_cmds", "DAO governance: NOVA votes, proposals, the timelock, the keeper."),
    "vm": LazyCommand("._vm_cmds", "VM lifecycle: create, start, stop, governed cross-region migration."),
    "sla": LazyCommand("._vm_cmds", "SLAs: provider stake, guarantees with penalties, oracle-enforced."),
    "validator": LazyCommand(
        "._validator_cmds",
        "Proof-of-stake validators: register, stake, unbond, withdraw, jail, report double signs.",
    ),
    "checkpoint": LazyCommand("._validator_cmds", "Consensus checkpoints final on chain: list, show."),
    "security": LazyCommand(
        "._security_cmds", "Contract security: audit any address, emergency pause, status, upgrades through governance."
    ),
    "swap": LazyCommand(
        "._swap_cmds", "Atomic swaps between chains (HTLC): initiate, participate, claim, refund, status, watch."
    ),
    "bridge": LazyCommand("._bridge_cmds", "The attested bridge between chains: send, status, list, relay."),
    "api-key": LazyCommand(
        "._apikey_cmds", "HTTP API keys (stored hashed, with scopes read/write/admin) and the sign-in allow-list."
    ),
    "l2": LazyCommand(
        "._l2_cmds",
        "Layer 2 (optimistic rollup): run the sequencer or a verifier; deposit, transfer, withdraw, prove, finalize.",
    ),
}


_registered: dict[str, typer.Typer] = {}


def _registered_by(module_name: str) -> typer.Typer:
    """The commands ``module_name``'s ``register`` adds, on an app of their own (registered once per process)."""
    if module_name not in _registered:
        module_app = typer.Typer()
        importlib.import_module(module_name, __package__).register(module_app)
        _registered[module_name] = module_app
    return _registered[module_name]


def build_command(entry: LazyCommand, name: str, group: TyperGroup) -> Command:
    """Import ``entry.module`` and build only its command ``name``, as typer would build it under ``group``
    (whose help rendering and suggestion settings carry over)."""
    registered = _registered_by(entry.module)
    scratch = typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=group.rich_markup_mode,
        suggest_commands=group.suggest_commands,
    )
    scratch.registered_commands = [
        c
        for c in registered.registered_commands
        if (c.name or typer.main.get_command_name(getattr(c.callback, "__name__", ""))) == name
    ]
    scratch.registered_groups = [g for g in registered.registered_groups if g.name == name]
    command = typer.main.get_group(scratch).commands.get(name)
    if command is None:
        raise LookupError(f"{entry.module}.register() adds no command {name!r}; fix COMMANDS in {__name__}")
    from ._params import bound_numbers

    return bound_numbers(command)  # every number fits the ABI (and every number of seconds the clock)


class _LazyCommands(MutableMapping[str, "Command"]):
    """A group's ``commands`` mapping: names and order from the table, each command built on first lookup."""

    def __init__(self, group: LazyGroup, table: Mapping[str, LazyCommand], built: dict[str, Command]) -> None:
        self._group = group
        self._table = dict(table)
        self._built = dict(built)

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            if name not in self._table:
                raise KeyError(name)
            self._built[name] = build_command(self._table[name], name, self._group)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._built and name not in self._table:
            raise KeyError(name)
        self._built.pop(name, None)
        self._table = {k: v for k, v in self._table.items() if k != name}

    def __iter__(self) -> Iterator[str]:
        yield from self._table
        yield from (name for name in self._built if name not in self._table)

    def __len__(self) -> int:
        return len(self._table) + sum(name not in self._table for name in self._built)

    @property
    def built(self) -> list[str]:
        """The names of the commands built so far."""
        return list(self._built)

    def peek(self, name: str) -> Command:
        """The built command, or a stand-in carrying the table's help line (imports nothing)."""
        if name in self._built or name not in self._table:
            return self[name]
        return TyperCommand(name, help=self._table[name].help)


class LazyGroup(TyperGroup):
    """A typer group whose sub-commands come from :attr:`table` and are imported only when used."""

    table: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = self.lazy_commands = _LazyCommands(self, self.table, dict(self.commands))

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)  # the names only: typer's version would build every command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        # the help lines of commands not built yet come from the table (same text, same truncation as typer's)
        rows = [(name, self.lazy_commands.peek(name)) for name in self.list_commands(ctx)]
        rows = [(name, command) for name, command in rows if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


class _RootGroup(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="novacron-chain",
    help="NovaCron Chain: the blockchain layer of the NovaCron VM platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # plain (click) help: typer's rich help renderer costs ~110 ms of imports, a third of the start-up budget;
    # results are still rendered with rich
    rich_markup_mode=None,
    cls=_RootGroup,
)


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML config file (the seed's `blockchain:` keys).", parser=existing_file),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Data dir of the embedded chain, deployments and IPFS store.", parser=data_dir_param
        ),
    ] = None,
    network: Annotated[
        str | None, typer.Option("--network", help="embedded | embedded:memory | <network name> | <rpc url>.")
    ] = None,
    account: Annotated[
        int | None, typer.Option("--account", help="Use dev account N (dev chains only).", min=0)
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine output on stdout (and nothing else).")] = False,
) -> None:
    ctx.obj = CliState(config_path=config, data_dir=data_dir, network=network, account=account, json=json_out)
    ctx.call_on_close(ctx.obj.close)


#: a value longer than this is echoed back shortened: the message stays readable
_ECHO_LIMIT = 80


def _shorten_echoes(text: str, args: Sequence[str]) -> str:
    """``text`` with every long command-line value in it (as typed or as its repr) shortened."""
    for value in sorted({a for a in args if len(a) > _ECHO_LIMIT}, key=len, reverse=True):
        short = f"{value[:40]}…{value[-8:]} ({len(value)} characters)"
        text = text.replace(repr(value), repr(short)).replace(value, short)
    return text


def _error_out(exc_dict: dict[str, object], text: str, code: int, as_json: bool, args: Sequence[str] = ()) -> int:
    if args:
        text = _shorten_echoes(text, args)
        exc_dict = {k: _shorten_echoes(v, args) if isinstance(v, str) else v for k, v in exc_dict.items()}
    if as_json:
        sys.stdout.write(json.dumps(exc_dict, default=str) + "\n")
    sys.stderr.write(f"error: {text}\n")
    return code


def _interrupted(exc: BaseException | None, as_json: bool) -> int:
    """Ctrl-C (130) or SIGTERM (143): say the command was stopped, and that a rerun picks up what was done."""
    from ._signals import Terminated

    cause = exc.__context__ if isinstance(exc, Abort) else exc
    code = cause.exit_code if isinstance(cause, Terminated) else 130
    how = str(cause) if isinstance(cause, Terminated) else "interrupted (Ctrl-C)"
    return _error_out(
        {"error": "Interrupted", "message": how, "exit_code": code},
        f"{how}: the command did not finish; what it completed stays done (deploy, for one, completes the set "
        "when run again)",
        code,
        as_json,
    )


def _environment_error(exc: Exception) -> NovaValueError | None:
    """A NovaChainError for a failure the user's environment or input caused (a path that cannot be used, a number
    no contract or clock takes), or None for a bug."""
    from ..errors import NovaValueError

    if isinstance(exc, OSError) and (exc.filename is not None or isinstance(exc, PermissionError)):
        where = exc.filename2 or exc.filename or "a file"  # a rename's target is the user's path, not its temp file
        why = exc.strerror or type(exc).__name__
        hints = {
            "IsADirectoryError": "give a file's path, not a directory's",
            "NotADirectoryError": "a part of the path is a file, not a directory",
            "FileNotFoundError": "check the path; its parent directory must exist",
            "PermissionError": "check the path's permissions, or choose a writable place",
        }
        return NovaValueError(
            f"cannot use {where}: {why}", hint=hints.get(type(exc).__name__, "check the path and the disk")
        )
    if isinstance(exc, UnicodeDecodeError):
        return NovaValueError(f"cannot read a file as text: {exc.reason}", hint="give a text (UTF-8) file")
    if isinstance(exc, OverflowError) or type(exc).__name__ in ("EncodingTypeError", "ValueOutOfBounds"):
        return NovaValueError(
            f"a number is out of range: {_short(str(exc))}", hint="give smaller numbers (see the command's --help)"
        )
    return None


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        with sigterm_as_interrupt() as stopped:  # SIGTERM stops a command as Ctrl-C does: its cleanup runs
            # typer turns KeyboardInterrupt into Exit(130) and, outside standalone mode, returns an Exit's code
            code = app(args=args, prog_name="novacron-chain", standalone_mode=False)
        if code == 130:
            return _interrupted(stopped.signal, as_json)
        if isinstance(code, int) and code:
            return code
    except UsageError as exc:
        exc.message = _shorten_echoes(exc.message, args)
        exc.show()
        return 2
    except ClickException as exc:
        exc.message = _shorten_echoes(exc.message, args)
        exc.show()
        return exc.exit_code
    except Exit as exc:
        return exc.exit_code
    except (Abort, KeyboardInterrupt) as exc:
        return _interrupted(exc, as_json)
    except Exception as exc:
        from ..errors import NovaChainError  # imported when needed: `--help` never is

        if isinstance(exc, NovaChainError):
            return _error_out(exc.to_dict(), str(exc), exc.exit_code, as_json, args)
        known = _environment_error(exc)
        if known is not None:
            return _error_out(known.to_dict(), str(known), known.exit_code, as_json, args)
        if os.environ.get("NOVACRON_DEBUG"):
            raise
        return _error_out(
            {"error": "InternalError", "message": repr(exc)},
            f"internal error: {exc!r}\n  this is a bug in novacron-chain; rerun with NOVACRON_DEBUG=1 and report "
            "the traceback",
            1,
            as_json,
        )
    return 0
