"""``novacron-chain api-key``: create (shown once, stored hashed), list, revoke, allow; bad input exits 2 with a
hint; no chain is contacted and the web stack's absence from ``--help`` is kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from novacron_chain.api import ApiKeyStore, Scope
from novacron_chain.cli._app import app, main


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "--json", *args], prog_name="novacron-chain")
    return result.exit_code, result.stdout, result.stderr


def test_create_list_revoke(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "api-key", "create", "--scope", "write", "--name", "scheduler")
    assert code == 0
    made = json.loads(out)
    assert made["scope"] == "write"
    assert made["name"] == "scheduler"
    assert made["key"].startswith(f"nck_{made['key_id']}_")
    store = ApiKeyStore(tmp_path / "api-keys.json")
    assert made["key"] not in store.path.read_text()
    key = store.verify(made["key"])
    assert key is not None
    assert key.scope is Scope.WRITE
    code, out, _ = _run(tmp_path, "api-key", "list")
    listed = json.loads(out)
    assert listed["keys"] == [{k: v for k, v in made.items() if k not in ("key", "file")}]
    code, out, _ = _run(tmp_path, "api-key", "revoke", made["key_id"])
    assert code == 0
    assert json.loads(out)["active"] is False
    assert store.verify(made["key"]) is None
    code, out, _ = _run(tmp_path, "api-key", "allow", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "--scope", "admin")
    assert json.loads(out) == {"address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "scope": "admin"}
    assert store.address_scope("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266") is Scope.ADMIN


def test_bad_input_exits_2_with_a_hint(tmp_path: Path, capsys: object) -> None:
    assert main(["--data-dir", str(tmp_path), "api-key", "create", "--scope", "root"]) == 2
    assert main(["--data-dir", str(tmp_path), "api-key", "revoke", "deadbeef"]) == 2
    assert main(["--data-dir", str(tmp_path), "api-key", "allow", "0x12", "--scope", "write"]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "unknown scope 'root'" in err
    assert "hint: a scope is one of: read, write, admin" in err
    assert "no API key 'deadbeef'" in err
    assert "Traceback" not in err


def test_help_lists_the_group_without_importing_the_web_stack() -> None:
    code = (
        "import sys\n"
        "from novacron_chain.cli._app import main\n"
        "assert main(['--help']) == 0\n"
        "print(sorted(m for m in ('fastapi', 'novacron_chain.api') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "api-key" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
