"""Top-level commands load on demand (cli._app.COMMANDS): same commands, same help, fewer imports."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.main import get_command, get_group

from novacron_chain.cli._app import COMMANDS, LazyGroup, _global, app, main
from tests.fakenode import FakeNode


def _modules() -> list[str]:
    return list(dict.fromkeys(entry.module for entry in COMMANDS.values()))


def _eager_app() -> typer.Typer:
    """The app as it was built before: every module registered on one typer app, everything built at once."""
    eager = typer.Typer(
        name="novacron-chain",
        help=app.info.help,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
    )
    eager.callback()(_global)
    for module in _modules():
        importlib.import_module(module, "novacron_chain.cli").register(eager)
    return eager


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


@pytest.mark.parametrize("module", _modules())
def test_table_lists_what_each_module_registers(module: str) -> None:
    scratch = typer.Typer(rich_markup_mode=None)
    importlib.import_module(module, "novacron_chain.cli").register(scratch)
    built = get_group(scratch).commands
    listed = {name: entry.help for name, entry in COMMANDS.items() if entry.module == module}
    assert set(built) == set(listed), f"COMMANDS in cli/_app.py is out of date for {module}"
    for name, command in built.items():
        assert listed[name] == _first_paragraph(command.help), f"help line of {name!r} in COMMANDS"


def _walk(command: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in command.commands.items():
        if isinstance(sub, typer.core.TyperGroup):
            yield from _walk(sub, (*path, name))
        else:
            yield (*path, name)


def _help(root: typer.core.TyperGroup, path: tuple[str, ...]) -> str:
    ctx = typer.Context(root, info_name="novacron-chain")
    command = root
    for name in path:
        assert isinstance(command, typer.core.TyperGroup)
        sub = command.get_command(ctx, name)
        assert sub is not None, path
        ctx = typer.Context(sub, info_name=name, parent=ctx)
        command = sub
    return command.get_help(ctx)


def test_every_help_page_is_the_same_as_the_eager_build() -> None:
    eager = get_command(_eager_app())
    assert isinstance(eager, typer.core.TyperGroup)
    paths = list(_walk(eager))
    assert len(paths) > 60  # every command and group of every module
    for path in paths:
        lazy = get_command(app)  # a fresh root per page: each builds only the command on its path
        assert isinstance(lazy, typer.core.TyperGroup)
        assert _help(lazy, path) == _help(eager, path), path


def test_root_help_builds_no_command() -> None:
    root = get_command(app)
    assert isinstance(root, LazyGroup)
    text = root.get_help(typer.Context(root, info_name="novacron-chain"))
    assert all(f"  {name} " in text for name in COMMANDS)
    assert root.lazy_commands.built == []


def test_unknown_command_is_usage_error_with_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["markt"]) == 2
    assert "Did you mean 'market'?" in capsys.readouterr().err


# runs the console script's entry point and lists sys.modules at exit (`-X importtime` misses importlib.import_module)
_TRACE = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["novacron-chain", *sys.argv[1:]]
from novacron_chain.cli import main
main()
"""


def _imported_by(tmp_path: Path, *argv: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a fresh ``novacron-chain`` process has loaded when it exits, and how it ran."""
    out_file = tmp_path / "modules.json"
    run = subprocess.run(
        [sys.executable, "-c", _TRACE, *argv],
        capture_output=True,
        text=True,
        env={"MODULES_OUT": str(out_file), "PATH": ""},
        check=False,
    )
    return set(json.loads(out_file.read_text())), run


def test_help_imports_no_command_module_and_no_library(tmp_path: Path) -> None:
    loaded, run = _imported_by(tmp_path, "--help")
    assert run.returncode == 0
    assert "typer" in loaded  # the trace works
    assert not {m for m in loaded if m.startswith("novacron_chain.cli._") and m.endswith("_cmds")}
    assert not loaded & {"novacron_chain.errors", "novacron_chain.config", "web3", "pydantic", "rich"}


def test_group_help_imports_only_its_module(tmp_path: Path) -> None:
    loaded, run = _imported_by(tmp_path, "market", "--help")
    assert run.returncode == 0
    assert {m for m in loaded if m.endswith(("_cmds", "_demo"))} == {"novacron_chain.cli._token_cmds"}
    assert "web3" not in loaded


def test_rpc_command_loads_neither_py_evm_nor_py_ecc_bls(tmp_path: Path) -> None:
    """Over JSON-RPC, py-evm / eth-tester stay unloaded, and so do py_ecc's BLS modules (cli._startup)."""
    with FakeNode(chain_id=137) as node:
        loaded, run = _imported_by(tmp_path, "--data-dir", str(tmp_path), "--network", node.url, "--json", "status")
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["chain_id"] == 137
    assert {"web3", "eth_account", "eth_keyfile.keyfile", "py_ecc"} <= loaded
    assert not loaded & {"eth", "eth_tester", "py_ecc.bls", "py_ecc.bls12_381", "py_ecc.optimized_bls12_381"}
