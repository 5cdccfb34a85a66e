"""``novacron-chain swap``: a whole swap between two persistent embedded chains of one data dir, by two accounts
(``--account 1`` initiates, ``--account 2`` participates), through the real entry point; and its clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.crosschain import deploy_steps
from tests._support import Cli

CONFIG = """\
blockchain:
  enable_cross_chain: true
  supported_chains: [b]
  chains:
    b: {network: embedded, chain_id: 1338}
  swap_timeout: 1h
  swap_participant_timeout: 20m
  swap_margin: 10m
"""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    config = tmp_path / "novacron.yaml"
    config.write_text(CONFIG)
    with NovaChain.connect(load_config(config, env={}, overrides={"network": "embedded", "data_dir": tmp_path})) as nc:
        for name in ("embedded", "b"):
            chain = nc.chains[name]
            chain.deploy(steps=deploy_steps(chain.config.blockchain))
    cli = Cli(tmp_path)
    cli.base = ["--config", str(config), *cli.base]
    return cli


def _address(cli: Cli, account: int) -> str:
    return str(cli("status", account=account)["account"])


def test_a_whole_swap_from_the_command_line(cli: Cli) -> None:
    alice, bob = _address(cli, 1), _address(cli, 2)
    started = cli(
        "swap",
        "initiate",
        "2",
        "--from",
        "embedded",
        "--to",
        "b",
        "--participant",
        bob,
        "--want-amount",
        "1",
        account=1,
    )
    assert started["phase"] == "initiated"
    swap_id, lock_id = started["swap_id"], started["initiator_lock"]["id"]
    joined = cli(
        "swap",
        "participate",
        "1",
        "--from",
        "embedded",
        "--to",
        "b",
        "--lock-id",
        lock_id,
        "--initiator",
        alice,
        "--want-amount",
        "2",
        account=2,
    )
    assert joined["phase"] == "participated"
    assert joined["participant_lock"]["amount"] == str(10**18)
    # bob's claim must wait for the secret; alice's watcher claims on b, then bob's claims on embedded
    early = cli("swap", "claim", swap_id, code=2, account=2)
    assert "secret is not known yet" in early["message"]
    done = cli("swap", "watch", "--poll", "0", "--seconds", "0.1", account=1)
    assert [(a["what"], a["chain"]) for a in done["actions"]] == [("claimed", "b")]
    done = cli("swap", "watch", "--poll", "0", "--until-done", "--seconds", "10", account=2)
    assert [(a["what"], a["chain"]) for a in done["actions"]] == [("claimed", "embedded")]
    assert cli("swap", "status", swap_id, account=1)["phase"] == "completed"
    (listed,) = cli("swap", "status", account=2)
    assert listed["phase"] == "completed"
    assert "completed" in cli.text("swap", "status", swap_id, account=1)


def test_clear_errors(cli: Cli) -> None:
    bob = _address(cli, 2)
    started = cli(
        "swap",
        "initiate",
        "1",
        "--from",
        "embedded",
        "--to",
        "b",
        "--participant",
        bob,
        "--want-amount",
        "1",
        account=1,
    )
    swap_id = started["swap_id"]
    early = cli("swap", "refund", swap_id, code=1, account=1)
    assert early["error"] == "RefundTooEarlyError"
    assert "swap watch" in early["hint"]
    wrong = cli("swap", "claim", swap_id, "--secret", "0x" + "11" * 32, code=2, account=1)
    assert wrong["error"] == "UnknownSwapError"  # bob has not locked: nothing to claim yet
    unknown = cli("swap", "status", "0x" + "22" * 32, code=2, account=1)
    assert unknown["error"] == "UnknownSwapError"
    bad = cli(
        "swap",
        "initiate",
        "1",
        "--from",
        "embedded",
        "--to",
        "solana",
        "--participant",
        bob,
        "--want-amount",
        "1",
        code=2,
        account=1,
    )
    assert "not in supported_chains" in bad["message"] or "cannot be served" in bad["message"]
    same = cli(
        "swap",
        "initiate",
        "1",
        "--from",
        "b",
        "--to",
        "b",
        "--participant",
        bob,
        "--want-amount",
        "1",
        code=2,
        account=1,
    )
    assert "two different chains" in same["message"]
    cli("chain", "advance", "--seconds", "3600", account=1)
    expired = cli(
        "swap",
        "participate",
        "1",
        "--from",
        "embedded",
        "--to",
        "b",
        "--lock-id",
        started["initiator_lock"]["id"],
        "--initiator",
        bob,
        "--want-amount",
        "1",
        code=1,
        account=2,
    )
    assert expired["error"] == "SwapUnsafeError"
    refunded = cli("swap", "refund", swap_id, account=1)
    assert refunded["what"] == "refunded"
