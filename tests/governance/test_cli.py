"""``novacron-chain gov`` through the real entry point (``main``: the one error handler, exit codes, --json),
against a persistent embedded chain in a temporary data dir, so separate invocations see one chain; and the demo's
governance scene."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from novacron_chain import NovaChain
from novacron_chain.chain import AnvilNode
from novacron_chain.demo import DemoContext
from novacron_chain.demo._governance import governance
from tests._support import Cli, deploy_in

NOVA = 10**18


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_in(tmp_path_factory.mktemp("govchain"))


def run_seed_process(cli: Cli) -> None:
    """The seed's process, command by command, with time travel between the steps."""
    p = cli(
        "gov",
        "propose",
        "--title",
        "Increase CPU Token Supply",
        "--description",
        "mint for expansion",
        "--target",
        "CPUToken",
        "--signature",
        "mint(address,uint256)",
        "--arg",
        "NovaTimelock",
        "--arg",
        str(1000 * NOVA),
        "--action-description",
        "Mint 1,000 CPU tokens",
    )
    pid = p["id"]
    assert p["state"] == "Pending"
    assert p["actions"][0]["description"] == "Mint 1,000 CPU tokens"
    early = cli("gov", "vote", pid, "for", code=1)
    assert early["error"] == "VotingClosedError"
    assert "opens" in early["hint"]
    cli("chain", "advance", "--seconds", str(24 * 3600 + 1))
    v = cli("gov", "vote", pid, "for", "--reason", "This will help with scaling")
    assert int(v["weight"]) ** 2 <= int(v["votes"]) < (int(v["weight"]) + 1) ** 2
    cli("gov", "delegate", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", account=2)
    cli("chain", "advance", "--seconds", str(7 * 24 * 3600))
    assert cli("gov", "show", pid)["state"] == "Succeeded"
    (queued,) = cli("gov", "keeper", "--once")
    assert queued["action"] == "queued"
    too_early = cli("gov", "execute", pid, code=1)
    assert too_early["error"] == "ExecutionTooEarlyError"
    assert too_early["eta"] == queued["eta"]
    cli("chain", "advance", "--seconds", str(48 * 3600))
    (executed,) = cli("gov", "keeper", "--once")
    assert executed["action"] == "executed"
    shown = cli("gov", "show", pid)
    assert shown["state"] == "Executed"
    assert shown["quorum_reached"]
    listed = [x["id"] for x in cli("gov", "list")]
    assert pid in listed
    assert cli("gov", "show", f"#{listed.index(pid) + 1}")["id"] == pid  # as `gov list` numbers them
    assert cli("gov", "show", pid[:10])["id"] == pid  # a unique prefix


def test_seed_process_from_the_cli(data_dir: Path) -> None:
    run_seed_process(Cli(data_dir))


@pytest.mark.integration
def test_seed_process_from_the_cli_on_anvil(anvil_node: AnvilNode, anvil_session: NovaChain, tmp_path: Path) -> None:
    nc = anvil_session
    nc.deploy()  # outside the snapshot: the session's contract set
    snap = nc.chain.snapshot()
    try:
        nc.chain.advance(1)  # votes delegated at deployment count from the next second
        nc.deployments.export(tmp_path / "deployments.json", nc.chain.chain_id)  # the CLI reads the same records
        cli = Cli(tmp_path, network=anvil_node.url)
        run_seed_process(cli)
    finally:
        nc.chain.revert(snap)  # also forgets the session's cached nonces (the CLI sent from the same accounts)


def test_cli_mistakes_are_messages_with_exit_codes(data_dir: Path) -> None:
    cli = Cli(data_dir)
    cli("gov", "delegate", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", account=3)  # dev 3's votes go to dev 1
    below = cli(
        "gov",
        "propose",
        "--title",
        "t",
        "--target",
        "CPUToken",
        "--signature",
        "mint(address,uint256)",
        "--arg",
        "NovaTimelock",
        "--arg",
        "1",
        code=1,
        account=3,
    )
    assert below["error"] == "ProposalThresholdError"
    assert below["threshold"] == str(100_000 * NOVA)
    assert cli("gov", "show", "12345", code=2)["error"] == "UnknownProposalError"
    assert cli("gov", "show", "not-a-number", code=2)["error"] == "GovernanceValueError"
    bad = cli(
        "gov",
        "propose",
        "--title",
        "t",
        "--target",
        "CPUToken",
        "--signature",
        "mint(address,uint256)",
        "--arg",
        "1",
        code=2,
    )
    assert bad["error"] == "GovernanceValueError"
    m = cli("gov", "member", "0x000000000000000000000000000000000000dEaD")
    assert m["eligibility"] == "NoMembership"
    issued = cli("gov", "member", "0x000000000000000000000000000000000000dEaD", "--issue", "--days", "30")
    assert issued["eligible"]
    assert issued["credential"].count(".") == 2


def test_demo_scene_mints_cpu_through_governance(gembedded: NovaChain) -> None:
    d = DemoContext(nova=gembedded, console=Console(file=io.StringIO(), width=120))
    governance(d)
    report = d.report["governance"]
    assert report["state"] == "Executed"
    assert int(report["cpu_supply_after"]) > int(report["cpu_supply_before"])
    assert 0 < report["dao_participation"] <= 1
