"""A whole atomic swap between two anvils (1 s blocks, chain ids 31337 and 31338), every step a separate
``novacron-chain`` process; the participant's watcher is killed with SIGKILL mid-swap and a restarted one completes
the swap from the chains' state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode, dev_signers
from novacron_chain.crosschain import deploy_steps

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ALICE, BOB = dev_signers()[1].address, dev_signers()[2].address


@pytest.fixture
def two_anvils(tmp_path: Path) -> Iterator[Path]:
    with AnvilNode(chain_id=31337, block_time=1) as a, AnvilNode(chain_id=31338, block_time=1) as b:
        config = tmp_path / "novacron.yaml"
        config.write_text(
            "blockchain:\n"
            "  network: anvil\n"
            f"  rpc_endpoint: {a.url}\n"
            f"  data_dir: {tmp_path / 'data'}\n"
            "  enable_cross_chain: true\n"
            "  supported_chains: [b]\n"
            f"  chains: {{b: {{rpc_endpoint: '{b.url}', chain_id: 31338}}}}\n"
            "  swap_timeout: 1h\n"
            "  swap_participant_timeout: 20m\n"
            "  swap_margin: 10m\n"
        )
        with NovaChain.connect(load_config(config, env={})) as nc:
            for name in ("anvil", "b"):
                chain = nc.chains[name]
                chain.deploy(steps=deploy_steps(chain.config.blockchain))
        yield config


def _argv(config: Path, account: int, *args: str) -> list[str]:
    """The CLI's command line: ``--config``, ``--account``, ``--json`` and ``args``."""
    return [
        sys.executable,
        "-m",
        "novacron_chain.cli",
        "--config",
        str(config),
        "--account",
        str(account),
        "--json",
        *args,
    ]


def _cli(config: Path, account: int, *args: str) -> dict[str, object]:
    done = subprocess.run(
        _argv(config, account, *args),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _watcher(config: Path, account: int, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _argv(config, account, "swap", "watch", "--poll", "0.2", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_swap_between_two_anvils_survives_a_killed_watcher(two_anvils: Path) -> None:
    config = two_anvils
    started = _cli(
        config, 1, "swap", "initiate", "1", "--from", "anvil", "--to", "b", "--participant", BOB, "--want-amount", "0.5"
    )
    swap_id = str(started["swap_id"])
    lock_id = started["initiator_lock"]["id"]  # type: ignore[index]
    _cli(
        config,
        2,
        "swap",
        "participate",
        "0.5",
        "--from",
        "anvil",
        "--to",
        "b",
        "--lock-id",
        lock_id,
        "--initiator",
        ALICE,
        "--want-amount",
        "1",
    )
    bob_watch = _watcher(config, 2, "--until-done", "--seconds", "60")
    time.sleep(1.5)  # it is watching: nothing is due for bob yet
    os.kill(bob_watch.pid, signal.SIGKILL)
    bob_watch.communicate(timeout=10)  # reaps it and closes its pipes
    assert bob_watch.returncode == -signal.SIGKILL
    alice_watch = _watcher(config, 1, "--seconds", "60", "--until-done")
    deadline = time.monotonic() + 60
    while _cli(config, 1, "swap", "status", swap_id)["phase"] != "redeemed":  # alice claimed on b
        assert time.monotonic() < deadline, "alice's watcher did not claim within 60 s"
        time.sleep(0.5)
    assert _cli(config, 2, "swap", "status", swap_id)["phase"] == "redeemed"  # bob's claim waits for his watcher
    bob_again = _watcher(config, 2, "--until-done", "--seconds", "60")
    out, err = bob_again.communicate(timeout=90)
    assert bob_again.returncode == 0, out + err
    assert [(a["what"], a["chain"]) for a in json.loads(out)["actions"]] == [("claimed", "anvil")]
    out, err = alice_watch.communicate(timeout=90)
    assert alice_watch.returncode == 0, out + err
    assert [(a["what"], a["chain"]) for a in json.loads(out)["actions"]] == [("claimed", "b")]
    assert _cli(config, 1, "swap", "status", swap_id)["phase"] == "completed"


def test_devnet_starts_two_anvils_with_distinct_chain_ids(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "novacron_chain.cli",
            "--data-dir",
            str(tmp_path),
            "--json",
            "devnet",
            "--chains",
            "2",
            "--port",
            str(port),
            "--chain-id",
            "31400",
            "--seconds",
            "0.2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    nodes = json.loads(done.stdout)
    assert [(n["chain_id"], n["url"]) for n in nodes] == [
        (31400, f"http://127.0.0.1:{port}"),
        (31401, f"http://127.0.0.1:{port + 1}"),
    ]
