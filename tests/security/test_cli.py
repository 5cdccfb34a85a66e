"""``novacron-chain security audit|pause|status`` through the real entry point, against one data dir (in file order:
the refusals run before the test that pauses everything)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support import Cli, deploy_in


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(deploy_in(tmp_path_factory.mktemp("security")))


def test_audit_one_contract_and_the_deployment(cli: Cli) -> None:
    report = cli("security", "audit", "ResourceMarket")
    assert report["name"] == "ResourceMarket"
    assert report["verdict"] == "warn"
    assert report["code_matches"]
    assert report["static_analysis"].startswith("slither ")
    assert report["slither_findings"]
    assert all(f["file"].startswith("contracts/") for f in report["slither_findings"])
    by_address = cli("security", "audit", report["address"])
    assert by_address["name"] == "ResourceMarket"
    text = cli.text("security", "audit", "ResourceMarket")
    assert "WARN" in text
    assert "DEFAULT_ADMIN_ROLE" in text
    whole = cli("security", "audit")
    assert whole["verdict"] == "warn"
    assert sum(whole["counts"].values()) == len(whole["reports"]) >= 27


def test_audit_of_an_address_without_code_fails(cli: Cli) -> None:
    report = cli("security", "audit", "0x" + "34" * 20)
    assert report["verdict"] == "fail"
    assert report["reasons"][0]["code"] == "no-code"


def test_refusals_and_bad_input(cli: Cli, tmp_path: Path) -> None:
    refused = cli("security", "pause", "DIDRegistry", account=3, code=1)
    assert refused["error"] == "NotGuardianError"
    assert refused["refused"] == ["DIDRegistry"]
    assert cli("security", "audit", "NoSuchThing", code=2)["error"] == "UnknownContractError"
    assert cli("security", "pause", "NovaGovernor", code=2)["error"] == "NotPausableError"
    assert cli("security", "pause", code=2)["error"] == "SecurityValueError"
    assert cli("security", "pause", "CPUToken", "--all", code=2)["error"] == "SecurityValueError"


def test_pause_and_status(cli: Cli) -> None:
    (one,) = cli("security", "pause", "CPUToken")
    assert one["name"] == "CPUToken"
    assert not one["already_paused"]
    everything = cli("security", "pause", "--all")
    assert [r["name"] for r in everything if r["already_paused"]] == ["CPUToken"]
    status = cli("security", "status")
    assert all(s["paused"] for s in status if s["pausable"])
    assert sum(1 for s in status if s["name"].startswith("LiquidityPool #")) == 10
    assert "PAUSED" in cli.text("security", "status")
