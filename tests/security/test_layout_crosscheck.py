"""The two storage-layout checks agree: OpenZeppelin's upgrades-core (``scripts/check_layouts.js``, build time and CI)
and our Python port of its rules (:func:`novacron_chain.security.check_layout`, run time: ``security upgrade`` on a
machine without node). Same verdict on every pair the script judges: each shipped upgradeable contract against its
released layout, and the fixtures SLAContractV2 (safe) and SLAContractBadLayout (unsafe) against the SLAContract."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from novacron_chain.security import check_layout, storage_layout

ROOT = Path(__file__).resolve().parents[2]
RELEASED = Path(__file__).parent / "layouts"
SCRIPT = ROOT / "scripts" / "check_layouts.js"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        NODE is None or not (ROOT / "node_modules" / "@openzeppelin" / "upgrades-core").is_dir(),
        reason="needs node and `npm ci` (the build-time check)",
    ),
]


@cache
def _run() -> dict[str, Any]:
    proc = subprocess.run(
        [str(NODE), str(SCRIPT), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.stdout, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    result["returncode"] = proc.returncode
    return result


def _released(artifact: str) -> list[dict[str, Any]]:
    latest = sorted(RELEASED.glob(f"{artifact}-*.json"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))[-1]
    layout: list[dict[str, Any]] = json.loads(latest.read_text())["storageLayout"]
    return layout


def test_openzeppelin_finds_the_build_upgrade_safe() -> None:
    result = _run()
    assert result["problems"] == []
    assert result["returncode"] == 0
    safe = {r["contract"] for r in result["results"] if r["kind"] == "safe" and r["ok"]}
    assert safe >= {"Bridge", "SLAContract", "StateAnchor", "VMLifecycle"}


def test_both_checks_give_the_same_verdict_on_every_pair() -> None:
    pairs = [r for r in _run()["results"] if r["kind"] == "layout"]
    assert {(r["from"], r["to"]) for r in pairs} >= {
        ("SLAContract", "SLAContractBadLayout"),
        ("SLAContract", "SLAContractV2"),
        ("SLAContract (released)", "SLAContract"),
        ("VMLifecycle (released)", "VMLifecycle"),
        ("StateAnchor (released)", "StateAnchor"),
        ("Bridge (released)", "Bridge"),
    }
    for r in pairs:
        new = storage_layout(r["to"])
        assert new is not None
        if r["from"].endswith(" (released)"):
            old: Any = _released(r["to"])
        else:
            old = storage_layout(r["from"])
        ours = check_layout(r["from"], r["to"], old, new)
        assert ours.compatible == r["ok"], f"{r['from']} -> {r['to']}: ours {ours.problems}, OpenZeppelin's {r}"
    bad = next(r for r in pairs if r["to"] == "SLAContractBadLayout")
    assert not bad["ok"]
    assert "Replaced `_terms` with `inserted`" in bad["explanation"]
