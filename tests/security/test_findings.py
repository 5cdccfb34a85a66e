"""The Slither findings recorded at build time: in every audit report, failing the verdict when unjustified (medium or
high), and what ``deploy`` checks first under ``require_audit``."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from novacron_chain import NovaChain
from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.security import (
    ContractSecurity,
    SlitherFinding,
    UnjustifiedFindingsError,
    Verdict,
    _findings,
    _manager,
    check_build_findings,
    recorded_findings,
)

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "src" / "novacron_chain" / "security" / "slither-findings.json"


def _record() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RECORD.read_text())
    return data


def test_the_record_covers_every_artifact_with_relative_sorted_paths() -> None:
    data = _record()
    assert set(data["contracts"]) == set(artifact_names())
    text = RECORD.read_text()
    assert str(ROOT) not in text
    assert "/home/" not in text
    assert "/tmp/" not in text
    for name, entry in data["contracts"].items():
        assert entry["source"] == load_artifact(name).source_name
        assert entry["source"] in entry["sources"]
        assert entry["sources"] == sorted(entry["sources"])
        for f in entry["findings"]:
            assert f["file"] in entry["sources"], (name, f)
            assert f["justified"] == (f["justification"] is not None)
    assert json.dumps(data, indent=1, sort_keys=True) + "\n" == text  # the script's deterministic form


def test_justifications_at_the_code_are_recorded_with_their_reason() -> None:
    found = recorded_findings("HashedTimelock")
    assert found is not None
    (send,) = [f for f in found if f.detector == "arbitrary-send-eth"]
    assert send.impact == "High"
    assert send.justified
    assert not send.blocking
    assert send.justification
    assert "recipient" in send.justification
    pool = recorded_findings("LiquidityPool")
    assert pool is not None
    ranged = [f for f in pool if f.detector == "divide-before-multiply"]  # slither-disable-start/end
    assert ranged
    assert all(f.justified and "fixed-point" in (f.justification or "") for f in ranged)


def test_every_shipped_contract_has_no_unjustified_medium_or_high_finding() -> None:
    blocking = {n: [f.describe() for f in recorded_findings(n) or () if f.blocking] for n in artifact_names()}
    assert not {n: b for n, b in blocking.items() if b}
    check_build_findings(artifact_names())  # what deploy checks under require_audit: passes


def test_audit_report_lists_the_findings_and_justified_medium_high_as_info(sec: ContractSecurity) -> None:
    report = sec.audit_contract("LiquidityPool #0")
    assert report.artifact == "LiquidityPool"
    assert report.findings == recorded_findings("LiquidityPool")
    assert any(f.impact == "Medium" for f in report.findings)
    justified = [r for r in report.reasons if r.code == "slither-justified"]
    assert justified
    assert all(r.level == "info" for r in justified)
    assert "slither-unjustified" not in {r.code for r in report.reasons}
    assert report.to_dict()["slither_findings"][0]["detector"] == report.findings[0].detector


@pytest.fixture
def unjustified(monkeypatch: pytest.MonkeyPatch) -> SlitherFinding:
    """The record as if LiquidityPool's divide-before-multiply had lost its justification."""
    real = _findings.recorded_findings("LiquidityPool")
    assert real is not None
    patched = tuple(
        dataclasses.replace(f, justified=False, justification=None) if f.detector == "divide-before-multiply" else f
        for f in real
    )
    bad = next(f for f in patched if f.detector == "divide-before-multiply")
    original = _findings.recorded_findings

    def fake(artifact: str) -> tuple[SlitherFinding, ...] | None:
        return patched if artifact in ("LiquidityPool", "LiquidityPoolFactory") else original(artifact)

    monkeypatch.setattr(_findings, "recorded_findings", fake)
    monkeypatch.setattr(_manager, "recorded_findings", fake)  # imported there by name
    return bad


def test_an_unjustified_medium_finding_fails_the_verdict(sec: ContractSecurity, unjustified: SlitherFinding) -> None:
    report = sec.audit_contract("LiquidityPool #0")
    assert report.verdict == Verdict.FAIL
    reasons = [r for r in report.reasons if r.code == "slither-unjustified"]
    assert len(reasons) == sum(1 for f in report.findings if f.blocking) == 2  # p0 and p1
    reason = next(r for r in reasons if unjustified.location in r.message)
    assert reason.level == "fail"
    assert "divide-before-multiply" in reason.message
    assert unjustified.location in reason.message


def test_require_audit_refuses_to_deploy_a_build_with_unjustified_findings(unjustified: SlitherFinding) -> None:
    nc = NovaChain.embedded(require_audit=True)
    try:
        with pytest.raises(UnjustifiedFindingsError) as info:
            nc.deploy()
        err = info.value
        assert set(err.findings) == {"LiquidityPoolFactory"}  # the pools are built into the factory
        assert "divide-before-multiply" in str(err)
        assert "LiquidityPoolFactory" in str(err)
        assert "slither-disable-next-line" in (err.hint or "")
        assert nc.deployments.all(nc.chain.chain_id) == []  # refused before sending anything
    finally:
        nc.close()


def test_require_audit_deploys_the_shipped_build() -> None:
    nc = NovaChain.embedded(require_audit=True)
    try:
        steps = [s for s in nc.plan() if s.artifact in ("NovaToken", "NovaTimelock")]
        assert [o.action for o in nc.deploy(steps=steps)] == ["deployed"] * len(steps)
    finally:
        nc.close()


def test_the_script_check_passes_on_a_recorded_run(tmp_path: Path) -> None:
    """The script's --check compares its output with the committed record (here from a saved Slither JSON, so
    that this test needs no Slither): a record that differs fails with the command that fixes it."""
    script = ROOT / "scripts" / "slither_findings.py"
    empty = tmp_path / "slither.json"
    empty.write_text(json.dumps({"success": True, "error": None, "results": {"detectors": []}}))
    proc = subprocess.run(
        [sys.executable, str(script), "--check", "--from-json", str(empty)], capture_output=True, text=True, check=False
    )
    if any(c["findings"] for c in _record()["contracts"].values()):
        assert proc.returncode == 1
        assert "make slither-findings" in proc.stderr
