"""The demo's shape: a package of scenes over the library that no command module imports, and its runner.

(Each domain's scene is exercised in that domain's tests: tests/state/test_demo.py, tests/tokens/test_demo.py,
tests/did/test_cli.py, tests/governance/test_cli.py.)
"""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from rich.console import Console

import novacron_chain
from novacron_chain.config import load_config
from novacron_chain.demo import SCENES, run

SRC = Path(novacron_chain.__file__).parent


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            out |= {module} | {f"{module}.{a.name}" for a in node.names}
    return out


def test_no_command_module_imports_the_demo_and_the_demo_no_command_module() -> None:
    for path in (SRC / "cli").glob("*.py"):
        if path.name != "_demo.py":  # the `demo` command itself
            assert not any(m.startswith("novacron_chain.demo") for m in _imports(path)), path.name
    for path in (SRC / "demo").glob("*.py"):
        assert not any(m.startswith("novacron_chain.cli") for m in _imports(path)), path.name


def test_scenes_run_in_an_order_that_works() -> None:
    names = [s.name for s in SCENES]
    assert len(set(names)) == len(names)
    assert names[:2] == ["chain", "deploy"]
    assert names.index("vm") < names.index("governance")  # governance mints CPU up to its cap
    assert names[-1] == "metrics"
    assert all(s.play.__module__.startswith("novacron_chain.demo.") for s in SCENES)


def test_run_plays_the_scenes_it_is_given_and_reports_them() -> None:
    by_name = {s.name: s for s in SCENES}
    scenes = [by_name[n] for n in ("chain", "transactions", "time", "metrics")]  # no deployment needed
    out = io.StringIO()
    config = load_config(env={}, overrides={"network": "embedded:memory"})
    report = run(config, console=Console(file=out, width=120), scenes=scenes)
    assert list(report) == ["chain", "transactions", "time", "metrics", "act_seconds", "seconds"]
    assert list(report["act_seconds"]) == ["chain", "transactions", "time", "metrics"]
    assert report["transactions"]["sent"] == 50
    assert report["metrics"]["total_transactions"] >= 50
    text = out.getvalue()
    assert "1. Start a throw-away embedded chain" in text
    assert "4. Metrics fed by every transaction" in text
    assert "refused before sending" in text
    assert "done in" in text


@pytest.mark.slow
def test_the_zk_scene_proves_without_revealing_and_refuses_replay_and_false_statements() -> None:
    by_name = {s.name: s for s in SCENES}
    out = io.StringIO()
    config = load_config(env={}, overrides={"network": "embedded:memory"})
    report = run(config, console=Console(file=out, width=120), scenes=[by_name[n] for n in ("chain", "deploy", "zk")])
    zk = report["zk"]
    assert zk["cpu > 2"]["valid"] is True
    assert zk["region in {us-east-1, eu-west-1}"]["valid"] is True
    assert zk["replayed_valid"] is False
    assert "does not satisfy 'cpu > 8'" in zk["false_statement"]
    assert "us-east-1" not in out.getvalue().split("proofs for the scheduler")[0].split("committed claims")[1]
