"""``novacron-chain bridge``: a transfer between two persistent embedded chains of one data dir (``embedded`` and
``b``) sent, relayed with the dev guardians and delivered, through the real entry point; and its clear errors."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import dev_signers
from novacron_chain.cli._signals import Stops
from novacron_chain.crosschain import deploy_steps
from tests._support import Cli
from tests.fakenode import FakeNode

CONFIG = """\
blockchain:
  enable_cross_chain: true
  supported_chains: [b]
  chains:
    b: {network: embedded, chain_id: 1338}
"""

ETH = 10**18


@pytest.fixture
def cli_token(tmp_path: Path) -> tuple[Cli, str]:
    """The CLI on a data dir whose two chains have the bridge, and a plain ERC-20 on ``embedded`` of which dev
    account 1 holds 1000."""
    config = tmp_path / "novacron.yaml"
    config.write_text(CONFIG)
    with NovaChain.connect(load_config(config, env={}, overrides={"network": "embedded", "data_dir": tmp_path})) as nc:
        for name in ("embedded", "b"):
            chain = nc.chains[name]
            chain.deploy(steps=deploy_steps(chain.config.blockchain))
        token, _ = nc.chain.deploy("PlainERC20", nc.chain.signer.address, 10**6 * ETH)
        nc.chain.transact(token.functions.transfer(dev_signers()[1].address, 1000 * ETH))
    cli = Cli(tmp_path)
    cli.base = ["--config", str(config), *cli.base]
    return cli, str(token.address)


def test_send_relay_deliver(cli_token: tuple[Cli, str]) -> None:
    cli, token = cli_token
    bob = dev_signers()[2].address
    sent = cli("bridge", "send", "embedded", "b", bob, "2.5", "--token", token, account=1)
    assert (sent["state"], sent["amount"], sent["source"], sent["target"]) == (
        "initiated",
        str(25 * ETH // 10),
        "embedded",
        "b",
    )
    transfer_id = sent["id"]
    assert cli("bridge", "status", transfer_id)["state"] == "initiated"
    # without the dev guardians the relayer has no signatures to deliver with: it waits
    waiting = cli("bridge", "relay", "--once")
    assert [a["action"] for a in waiting["actions"]] == ["waiting"]
    relayed = cli("bridge", "relay", "--dev-guardians", "--once")
    actions = [a["action"] for a in relayed["actions"]]
    assert actions.count("attested") == 7
    assert actions[-1] == "delivered"
    got = cli("bridge", "status", transfer_id)
    assert (got["state"], got["signatures"], got["threshold"]) == ("delivered", 7, 5)
    (listed,) = cli("bridge", "list")
    assert (listed["id"], listed["state"]) == (transfer_id, "delivered")
    assert cli("bridge", "list", "--source", "b") == []
    assert cli("bridge", "relay", "--once")["actions"] == []  # delivered once, never again
    text = cli.text("bridge", "status", transfer_id)
    assert f"transfer {transfer_id}: delivered" in text
    assert "embedded -> b" in text
    assert bob in text
    assert transfer_id in cli.text("bridge", "list")


def test_relay_loop_stops_after_seconds_and_on_sigterm(cli_token: tuple[Cli, str]) -> None:
    cli, token = cli_token
    bob = dev_signers()[2].address
    transfer_id = cli("bridge", "send", "embedded", "b", bob, "1", "--token", token, account=1)["id"]
    done = cli("bridge", "relay", "--dev-guardians", "--interval", "0.05", "--seconds", "0.5")
    assert [a["action"] for a in done["actions"]][-1] == "delivered"
    assert cli("bridge", "status", transfer_id)["state"] == "delivered"

    # SIGTERM stops the endless loop cleanly: sent once the command has put its handler in place
    ours = signal.getsignal(signal.SIGTERM)

    def the_commands() -> bool:  # neither ours nor the entry point's (which turns SIGTERM into an interrupt)
        handler = signal.getsignal(signal.SIGTERM)
        return handler is not ours and not isinstance(getattr(handler, "__self__", None), Stops)

    def terminate() -> None:
        deadline = time.monotonic() + 30
        while not the_commands() and time.monotonic() < deadline:
            time.sleep(0.02)
        if the_commands():
            os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=terminate, daemon=True)
    killer.start()
    stopped = cli("bridge", "relay", "--interval", "0.05")
    killer.join(timeout=5)
    assert stopped == {"actions": []}
    assert signal.getsignal(signal.SIGTERM) is ours  # the handler is put back


def test_clear_errors(cli_token: tuple[Cli, str]) -> None:
    cli, token = cli_token
    bob = dev_signers()[2].address
    bad = cli("bridge", "send", "embedded", "b", "0x1234", "1", "--token", token, code=2, account=1)
    assert "Invalid value for 'recipient'" in bad  # the one address parser of every command (cli/_params.py)
    unknown = cli("bridge", "status", "1337-99", code=2)
    assert unknown["error"] == "UnknownTransferError"
    assert "bridge list" in unknown["hint"]
    nonsense = cli("bridge", "status", "nonsense", code=2)
    assert "not a bridge transfer id" in nonsense["message"]
    amount = cli("bridge", "send", "embedded", "b", bob, "1.5x", "--token", token, code=2, account=1)
    assert "AMOUNT" in amount["message"]
    zero = cli("bridge", "send", "embedded", "b", bob, "0", "--token", token, code=2, account=1)
    assert "positive" in zero["message"]
    same = cli("bridge", "send", "b", "b", bob, "1", "--token", token, code=2, account=1)
    assert "both" in same["message"]
    too_much = cli("bridge", "send", "embedded", "b", bob, "5000", "--token", token, code=2, account=1)
    assert "less than" in too_much["message"]
    no_token = cli("bridge", "send", "embedded", "b", bob, "1", code=2, account=1)
    assert "--token" in no_token["hint"]
    assert cli("bridge", "list") == []


def test_dev_guardians_are_refused_on_a_non_dev_chain(tmp_path: Path) -> None:
    with FakeNode(chain_id=137) as node:
        refused = Cli(tmp_path, network=node.url)("bridge", "relay", "--dev-guardians", "--once", code=2)
    assert refused["error"] == "DevOnlyError"
    assert "keys are public" in refused["message"]
