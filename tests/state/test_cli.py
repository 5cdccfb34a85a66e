"""The ``state`` and ``ipfs`` commands through a CLI runner, on a persistent embedded chain and on anvil."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.cli import _ipfs_cmds, _state_cmds
from novacron_chain.errors import NovaValueError
from novacron_chain.state import RecordValueError, StateIntegrityError, deploy_steps
from novacron_chain.storage import ContentNotFoundError, DamagedContentError, KuboStore, compute_cid
from tests._support import Cli, make_app

from .conftest import block_path

COMMANDS = (_state_cmds.register, _ipfs_cmds.register)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    """A deployed StateAnchor: in a persistent embedded chain in tmp_path, or on the session's anvil (reverted)."""
    if request.param == "embedded":
        with NovaChain.connect(load_config(overrides={"data_dir": tmp_path})) as nc:
            nc.deploy(steps=deploy_steps(nc.config.blockchain))
        yield Cli(tmp_path, *COMMANDS)
        return
    session: NovaChain = request.getfixturevalue("anvil_session")
    snap = session.chain.snapshot()
    url = session.chain.backend.description.split()[-1]
    try:
        with NovaChain.connect(load_config(overrides={"data_dir": tmp_path, "network": url})) as nc:
            nc.deploy(steps=deploy_steps(nc.config.blockchain))
        yield Cli(tmp_path, *COMMANDS, network=url)
    finally:
        session.chain.revert(snap)


def test_record_flush_verify_history(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "vm.json"
    config.write_text('{"vcpus": 4}')
    first = cli.json(
        "state", "record", "--vm-id", "vm-12345", "--state", "running", "--region", "us-east-1", "--cpu", "4",
        "--memory", "8192", "--config", str(config),
    )  # fmt: skip
    assert first["seq"] == 1
    assert first["cid"].startswith("bafkrei")
    assert first["leaf"].startswith("0x")
    cli.json("state", "record", "--vm-id", "vm-12345", "--state", "Migrating", "--region", "eu-west-1", "--cpu", "4",
             "--memory", "8192", "--owner", "0x" + "12" * 20)  # fmt: skip
    assert cli.json("state", "verify", "vm-12345")["status"] == "pending"
    assert cli.json("state", "status")["pending"] == 2

    flushed = cli.json("state", "flush")
    assert flushed["records"] == 2
    assert flushed["root"].startswith("0x")
    assert flushed["tx"].startswith("0x")
    assert cli.json("state", "flush")["records"] == 0

    report = cli.json("state", "verify", "vm-12345")
    assert report["status"] == "valid"
    assert len(report["records"]) == 2
    history = cli.json("state", "history", "vm-12345")["records"]
    assert [h["record"]["state"] for h in history] == ["Running", "Migrating"]
    assert history[0]["tx_hash"] == flushed["tx"]
    assert history[0]["record"]["config_cid"] == compute_cid(config.read_bytes(), cid_version=1)
    assert cli.json("state", "audit", str(flushed["batches"][0]["batch_id"]))["status"] == "valid"
    assert "audit trail of vm-12345" in cli.text("state", "history", "vm-12345")

    # a changed stored record: tampered, an error (exit 1) that carries the report
    path = block_path(tmp_path / "ipfs", first["cid"])
    path.write_bytes(path.read_bytes().replace(b"Running", b"Stopped"))
    exc = cli.fails("--json", "state", "verify", "vm-12345")
    assert isinstance(exc, StateIntegrityError)
    assert exc.exit_code == 1
    assert exc.to_dict()["status"] == "tampered"
    assert [r["status"] for r in exc.to_dict()["records"]] == ["tampered", "valid"]
    result = cli.runner.invoke(cli.app, [*cli.base, "state", "verify", "vm-12345"])
    assert isinstance(result.exception, StateIntegrityError)
    assert "tampered" in result.stdout
    assert "valid" in result.stdout  # the per-record table


def test_bad_input_raises_value_errors_for_the_one_handler(cli: Cli) -> None:
    for args, field in [
        (["--vm-id", "", "--state", "Running", "--cpu", "1"], "vm_id"),
        (["--vm-id", "vm-1", "--state", "Paused", "--cpu", "1"], "state"),
        (["--vm-id", "vm-1", "--state", "Running", "--cpu", "-2"], "cpu_allocation"),
    ]:
        exc = cli.fails("state", "record", *args, "--region", "r", "--memory", "1")
        assert isinstance(exc, RecordValueError)
        assert exc.field == field
        assert exc.exit_code == 2
    out = cli.invoke(
        "state", "record", "--vm-id", "vm-1", "--state", "Running", "--cpu", "1", "--region", "r", "--memory", "1",
        "--owner", "0x12",
    )  # fmt: skip
    assert out.code == 2  # the one address parser of every command (cli/_params.py) refuses it, naming the option
    assert "Invalid value for '--owner'" in out.stderr


def test_ipfs_commands(tmp_path: Path) -> None:
    cli = Cli(tmp_path, *COMMANDS)
    data = b"hello world\n"
    file = tmp_path / "hello.txt"
    file.write_bytes(data)
    added = cli.json("ipfs", "add", str(file))
    assert added["cid"] == "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
    v1 = cli.json("ipfs", "add", str(file), "--cid-version", "1")["cid"]
    assert v1 == compute_cid(data, cid_version=1)
    assert cli.json("ipfs", "add", str(file), "--cid-version", "1", "--no-raw-leaves")["cid"].startswith("bafybei")
    result = cli.runner.invoke(cli.app, [*cli.base, "ipfs", "cat", added["cid"]])
    assert result.exit_code == 0
    assert result.stdout_bytes == data
    assert cli.json("ipfs", "verify", added["cid"])["ok"]
    assert cli.json("ipfs", "unpin", added["cid"]) == {"unpinned": added["cid"]}
    assert cli.json("ipfs", "pin", added["cid"]) == {"pinned": added["cid"]}
    path = block_path(tmp_path / "ipfs", added["cid"])
    path.write_bytes(path.read_bytes()[:-1] + b"?")
    exc = cli.fails("ipfs", "verify", added["cid"])
    assert isinstance(exc, DamagedContentError)
    assert exc.exit_code == 1
    assert exc.to_dict()["corrupt"] == [added["cid"]]
    assert isinstance(cli.fails("ipfs", "cat", "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"), ContentNotFoundError)


def test_ipfs_serve_answers_kubo_clients(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = Cli(tmp_path, *COMMANDS)
    result: list[str] = []
    thread = threading.Thread(
        target=lambda: result.append(cli.text("--json", "ipfs", "serve", "--port", str(port), "--seconds", "1.5"))
    )
    thread.start()
    try:
        with KuboStore(f"http://127.0.0.1:{port}", timeout=5) as kubo:
            deadline = time.monotonic() + 10
            while True:
                try:
                    cid = kubo.add(b"served\n").cid
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            assert kubo.get(cid) == b"served\n"
    finally:
        thread.join()
    assert json.loads(result[0]) == {"api": f"http://127.0.0.1:{port}"}
    config = tmp_path / "kubo.yaml"
    config.write_text("blockchain:\n  ipfs_endpoint: http://127.0.0.1:5999\n")
    exc = cli.fails("--config", str(config), "ipfs", "serve")
    assert isinstance(exc, NovaValueError)
    assert "already serves" in str(exc)


def test_exit_codes_through_the_one_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's one error handler (cli._app.main) maps these commands' errors to exit codes 2 and 1."""
    from novacron_chain.cli import _app

    monkeypatch.setattr(_app, "app", make_app(*COMMANDS))
    base = ["--data-dir", str(tmp_path)]
    record = ["state", "record", "--vm-id", "vm-1", "--region", "r", "--cpu", "1", "--memory", "1", "--state"]
    assert _app.main([*base, *record, "Paused"]) == 2
    assert "is not a VM state" in capsys.readouterr().err
    assert _app.main([*base, *record, "Running"]) == 1  # nothing deployed in this data dir
    assert "StateAnchor is not deployed" in capsys.readouterr().err
    file = tmp_path / "f.txt"
    file.write_bytes(b"x" * 1000)
    assert _app.main([*base, "ipfs", "add", str(file)]) == 0
    cid = compute_cid(b"x" * 1000)
    block_path(tmp_path / "ipfs", cid).write_bytes(b"y" * 1000)
    capsys.readouterr()
    assert _app.main([*base, "--json", "ipfs", "verify", cid]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "DamagedContentError"
    assert out["corrupt"] == [cid]
