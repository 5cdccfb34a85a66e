"""``novacron-chain security upgrade|rollback`` through the real entry point: each creates a governance proposal
(the storage layout checked first), and every refusal is a clear error with an exit code, never a traceback."""

from __future__ import annotations

import pytest

from tests._support import Cli, deploy_in


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(deploy_in(tmp_path_factory.mktemp("upgrades")))


def test_refusals(cli: Cli) -> None:
    bad = cli("security", "upgrade", "SLAContract", "--artifact", "SLAContractBadLayout", code=1)
    assert "would corrupt its storage" in str(bad)
    assert "_quorum" in str(bad)
    assert "no earlier implementation" in str(cli("security", "rollback", "SLAContract", code=1))
    assert "not behind a proxy" in str(cli("security", "upgrade", "CPUToken", "--artifact", "SLAContractV2", code=2))
    assert "--artifact NAME or --implementation" in str(cli("security", "upgrade", "SLAContract", code=2))
    both = ("--artifact", "SLAContractV2", "--implementation", "0x" + "12" * 20)
    assert "one of them" in str(cli("security", "upgrade", "SLAContract", *both, code=2))
    no_code = cli("security", "upgrade", "SLAContract", "--implementation", "0x" + "12" * 20, code=1)
    assert "has no code" in str(no_code)


def test_upgrade_creates_a_proposal(cli: Cli) -> None:
    up = cli("security", "upgrade", "SLAContract", "--artifact", "SLAContractV2", "--description", "adds notes")
    assert up["to_artifact"] == "SLAContractV2"
    assert up["from_artifact"] == "SLAContract"
    assert up["layout"]["compatible"]
    assert up["deploy_gas"] > 0
    shown = cli("gov", "show", up["proposal_id"])
    assert shown["title"] == "Upgrade SLAContract to SLAContractV2"
    again = ("--implementation", up["to_implementation"], "--description", "the same implementation, by address")
    text = cli.text("security", "upgrade", "SLAContract", *again)
    assert "Upgrade SLAContract to SLAContractV2" in text
    assert "gov queue" in text


def test_status_and_audit_show_the_proxy(cli: Cli) -> None:
    rows = {r["name"]: r for r in cli("security", "status")}
    assert rows["SLAContract"]["implementation"]
    proxied = {n for n, r in rows.items() if r["implementation"]}
    assert {"SLAContract", "StateAnchor", "VMLifecycle"} <= proxied  # the Bridge too, with cross-chain enabled
    assert proxied <= {"Bridge", "SLAContract", "StateAnchor", "VMLifecycle"}
    report = cli("security", "audit", "SLAContract")
    assert report["implementation"] == rows["SLAContract"]["implementation"]
    assert report["code_matches"]
    assert "implementation" in cli.text("security", "audit", "SLAContract")
