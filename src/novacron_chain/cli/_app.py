"""The ``novacron-chain`` command: global options, sub-commands, and the ONE place errors become exit codes.

Exit codes: 0 success, 1 the operation failed, 2 bad usage or input. No user mistake prints a traceback
(set ``NOVACRON_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer import Abort, Exit
from typer._click.exceptions import ClickException, UsageError

from ._state import CliState

app = typer.Typer(
    name="novacron-chain",
    help="NovaCron Chain: the blockchain layer of the NovaCron VM platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # plain (click) help: typer's rich help renderer costs ~110 ms of imports, a third of the start-up budget;
    # results are still rendered with rich
    rich_markup_mode=None,
)


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML config file (the seed's `blockchain:` keys).")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Data dir of the embedded chain, deployments and IPFS store."),
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


def _register() -> None:
    from . import _chain_cmds, _demo, _did_cmds, _gov_cmds, _ipfs_cmds, _state_cmds, _token_cmds, _vm_cmds

    for module in (_chain_cmds, _did_cmds, _ipfs_cmds, _state_cmds, _token_cmds, _gov_cmds, _vm_cmds, _demo):
        module.register(app)


_register()


def _error_out(exc_dict: dict[str, object], text: str, code: int, as_json: bool) -> int:
    if as_json:
        sys.stdout.write(json.dumps(exc_dict, default=str) + "\n")
    sys.stderr.write(f"error: {text}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    from ..errors import NovaChainError

    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        app(args=args, prog_name="novacron-chain", standalone_mode=False)
    except NovaChainError as exc:
        return _error_out(exc.to_dict(), str(exc), exc.exit_code, as_json)
    except UsageError as exc:
        exc.show()
        return 2
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except Exit as exc:
        return exc.exit_code
    except (Abort, KeyboardInterrupt):
        sys.stderr.write("aborted\n")
        return 130
    except Exception as exc:
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
