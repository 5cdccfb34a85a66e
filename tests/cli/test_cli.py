"""The CLI contract: global options, --json on stdout only, exit codes 0 / 1 / 2, never a traceback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.cli._app import main
from tests.fakenode import FakeNode


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("deploy", "status", "demo", "serve", "devnet", "chain", "did"):
        assert command in out


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "chain", "advance", "--seconds", "-5")[0] == 2
    assert run(capsys, "no-such-command")[0] == 2


def test_bad_config_exits_2_listing_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("blockchain:\n  quorum_percentage: 1.4\n  validator_stake: -1\n")
    code, out, err = run(capsys, "--config", str(cfg), "--json", "status")
    assert code == 2
    assert "blockchain.quorum_percentage" in err
    assert "blockchain.validator_stake" in err
    assert json.loads(out)["error"] == "ConfigError"


def test_dead_rpc_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run(capsys, "--network", f"http://127.0.0.1:{port}", "status")
    assert code == 1
    assert "cannot reach the RPC endpoint" in err


def test_wrong_chain_id_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with FakeNode(chain_id=1) as node:
        cfg = tmp_path / "c.yaml"
        cfg.write_text(f"blockchain:\n  network: polygon\n  rpc_endpoint: {node.url}\n")
        code, _, err = run(capsys, "--config", str(cfg), "status")
    assert code == 2
    assert "chain id mismatch" in err


def test_missing_key_and_dev_only_on_production_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with FakeNode() as node:
        cfg = tmp_path / "c.yaml"
        cfg.write_text(f"blockchain:\n  network: polygon\n  rpc_endpoint: {node.url}\n")
        code, _, err = run(capsys, "--config", str(cfg), "chain", "send", "--to", "0x" + "11" * 20, "--value", "1")
        assert code == 2
        assert "no signing key" in err
        code, _, err = run(capsys, "--config", str(cfg), "--account", "1", "status")
        assert code == 2
        assert "not a dev chain" in err


def test_reverted_transaction_exits_1_with_decoded_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with NovaChain.connect(load_config(overrides={"data_dir": tmp_path})) as nc:
        probe, _ = nc.chain.deploy("ChainProbe", nc.chain.signer.address)
        calldata = probe.functions.store(5000)._encode_transaction_data()
    code, out, err = run(
        capsys, "--data-dir", str(tmp_path), "--json", "chain", "send", "--to", probe.address, "--data", calldata
    )
    assert code == 1
    assert json.loads(out)["error_name"] == "ProbeAmountTooLarge"
    assert "ProbeAmountTooLarge(requested=5000, limit=1000)" in err


def test_bad_address_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path), "chain", "send", "--to", "0x12", "--value", "1")
    assert code == 2
    assert "not an Ethereum address" in err


def test_json_status_and_advance(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "--json", "chain", "advance", "--seconds", "3600")
    assert code == 0
    advanced = json.loads(out)
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "--json", "status")
    assert code == 0
    status = json.loads(out)
    assert status["chain_id"] == 1337
    assert status["block"] == advanced["block"] == 1
    assert status["account"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "novacron_chain.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_separate_processes_share_the_embedded_chain(tmp_path: Path) -> None:
    d = str(tmp_path)
    to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    first = _cli("--data-dir", d, "--json", "chain", "send", "--to", to, "--value", "7")
    assert first.returncode == 0, first.stderr
    deploy = _cli("--data-dir", d, "--json", "deploy")
    assert deploy.returncode == 0, deploy.stderr
    deployed = {c["name"]: c["address"] for c in json.loads(deploy.stdout)["contracts"]}
    status = _cli("--data-dir", d, "--json", "status")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["block"] >= 1
    assert {c["name"]: c["address"] for c in report["contracts"]} == deployed
    assert all(c["code_matches"] for c in report["contracts"])
    again = _cli("--data-dir", d, "--json", "deploy")
    assert {c["action"] for c in json.loads(again.stdout)["contracts"]} <= {"unchanged"}


@pytest.mark.slow
def test_second_process_gets_a_clear_lock_error(tmp_path: Path) -> None:
    with NovaChain.connect(load_config(overrides={"data_dir": tmp_path})):
        other = _cli("--data-dir", str(tmp_path), "status")
    assert other.returncode == 1
    assert "open in another process" in other.stderr
    assert "Traceback" not in other.stderr
