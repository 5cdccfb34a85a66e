"""Issue 16, "bad input at every door": one test per class of bad input, through the real entry point.

The property-based sweep over every command is test_bad_input_fuzz.py; the SIGTERM tests are test_signals.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import checksum
from novacron_chain.errors import NovaValueError
from tests._support import Cli, deploy_in

GOOD = "0x52908400098527886E0F7030069857D2E4169EE7"
TYPO = GOOD.replace("E0F", "e0F")  # one letter's case changed: the EIP-55 checksum no longer matches


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_in(tmp_path_factory.mktemp("bad-input") / "data")


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli(data_dir)


def _cpu_balance(cli: Cli, who: str) -> int:
    return int(cli("token", "balance", "CPU", who)["balance"])


# -- money to a typo ----------------------------------------------------------------------------------------------


def test_the_one_address_check_verifies_checksums_and_refuses_empty() -> None:
    assert checksum(GOOD) == checksum(GOOD.lower()) == checksum("0x" + GOOD[2:].upper()) == GOOD
    with pytest.raises(NovaValueError, match="wrong EIP-55 checksum"):
        checksum(TYPO, "receiver")
    for empty in ("", "   "):
        with pytest.raises(NovaValueError, match="receiver is empty"):
            checksum(empty, "receiver")


def test_a_mistyped_address_sends_nothing(cli: Cli) -> None:
    before = _cpu_balance(cli, GOOD)
    out = cli.invoke("market", "buy", "CPU", "1", "--to", TYPO)
    assert out.code == 2
    assert "Invalid value for '--to'" in out.stderr
    assert "EIP-55 checksum" in out.stderr
    assert _cpu_balance(cli, GOOD) == before
    cli("market", "buy", "CPU", "1", "--to", GOOD.lower())  # all lower case carries no checksum: accepted
    assert _cpu_balance(cli, GOOD) == before + 10**18


@pytest.mark.parametrize(
    "args",
    [
        ("market", "buy", "CPU", "1", "--to", ""),
        ("token", "balance", "CPU", ""),
        ("stake", "show", ""),
        ("orders", "list", "--seller", ""),
        ("gov", "delegate", ""),
        ("chain", "send", "--to", ""),
    ],
)
def test_an_empty_address_is_an_error_not_your_own_account(cli: Cli, args: tuple[str, ...]) -> None:
    out = cli.invoke(*args)
    assert out.code == 2, out
    assert "Invalid value for" in out.stderr
    assert "empty" in out.stderr


def test_library_entries_check_the_checksum_too(data_dir: Path) -> None:
    with NovaChain.connect(load_config(overrides={"network": "embedded", "data_dir": data_dir})) as nc:
        with pytest.raises(NovaValueError, match="EIP-55"):
            nc.tokens.buy("CPU", 10**18, to=TYPO)
        with pytest.raises(NovaValueError, match="empty"):
            nc.tokens.balance("CPU", "")


def test_an_empty_data_dir_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cli = Cli(tmp_path)
    cli.base = ["--network", "embedded"]
    out = cli.invoke("--data-dir", "", "chain", "info")
    assert out.code == 2
    assert "Invalid value for '--data-dir'" in out.stderr
    monkeypatch.setenv("NOVACRON_DATA_DIR", "")
    cli.base = ["--network", "embedded"]
    out = cli.invoke("chain", "info")
    assert out.code == 2
    assert "NOVACRON_DATA_DIR" in out.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was created in the current directory


# -- a default that breaks by itself ------------------------------------------------------------------------------


def test_default_deadlines_count_from_now_on_an_idle_data_dir(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for resource in ("CPU", "MEM"):  # stakes are paid rewards from a funded reserve
        cli("market", "buy", resource, "2")
        cli("stake", "fund", resource, "1")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 3600)  # the data dir has been idle for 3 hours
    cli("market", "buy", "CPU", "1")
    created = cli("vm", "create", "idle-vm", "--region", "eu-west-1", "--cpu", "1", "--memory", "1024", "--reserve")
    assert created["name"] == "idle-vm"


def test_vm_create_and_sla_create_take_a_deadline(cli: Cli) -> None:
    past = str(int(time.time()) - 3600)
    out = cli.invoke(
        "vm", "create", "late-vm", "--region", "eu-west-1", "--cpu", "64", "--memory", "1024", "--reserve",
        "--deadline", past,
    )  # fmt: skip
    assert out.code == 2
    assert "deadline" in out.stderr
    assert "has passed" in out.stderr
    for command in (("sla", "create"), ("sla", "accept")):
        assert "--deadline" in cli.invoke(*command, "--help").stdout


# -- numbers too large for the ABI or the clock --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named", "limit"),
    [
        (("market", "buy", "CPU", "1", "--max-cost", str(2**300)), "--max-cost", "2**256-1"),
        (("market", "buy", "CPU", "1", "--deadline", "-5"), "--deadline", "0 or more"),
        (("chain", "advance", "--blocks", "1000000000"), "--blocks", "10000"),
        (("chain", "advance", "--seconds", str(2**70)), "--seconds", "3153600000"),
        (("chain", "send", "--to", GOOD, "--gas", "0"), "--gas", "21000"),
        (("stake", "quote", "CPU", "1", "--duration", "99999999999d"), "--duration", "36500d"),
        (("orders", "cancel", str(2**300)), "order_id", "2**256-1"),
        (("serve", "--seconds", "nan"), "--seconds", "seconds from 0"),
    ],
)
def test_numbers_out_of_range_are_refused_at_parse_time(
    cli: Cli, args: tuple[str, ...], named: str, limit: str
) -> None:
    out = cli.invoke(*args)
    assert out.code == 2, out
    assert f"Invalid value for '{named}'" in out.stderr, out.stderr
    assert limit in out.stderr, out.stderr


def test_amounts_in_whole_tokens_are_refused_with_limits_in_whole_tokens(cli: Cli) -> None:
    out = cli.invoke("market", "buy", "CPU", "1e60")
    assert out.code == 2
    assert "too large" in out.stderr
    assert "base units" not in out.stderr.split("too large")[1]  # the limit is in tokens, as the amount was
    out = cli.invoke("did", "delegate", "did:novacron:1337:" + GOOD, "--to", GOOD, "--valid-for", "99999999999d")
    assert out.code == 2
    assert "at most 36500d" in out.stderr


# -- filesystem edges ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["a-file", "/dev/null"])
def test_a_data_dir_that_is_not_a_directory_is_named(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("x")
    path = where if where.startswith("/") else str(tmp_path / where)
    out = Cli(Path(path)).invoke("chain", "info")
    assert out.code == 2
    assert f"{path} is not a directory" in out.stderr


def test_an_unwritable_data_dir_is_named() -> None:
    out = Cli(Path("/proc/novacron-test")).invoke("chain", "info")  # procfs: nothing can be created there
    assert out.code == 2
    assert "cannot use /proc/novacron-test" in out.stderr
    assert "internal" not in out.stderr


def test_an_export_path_that_is_a_directory_is_named(cli: Cli, tmp_path: Path) -> None:
    out = cli.invoke("deploy", "--export", str(tmp_path))
    assert out.code == 2
    assert f"cannot use {tmp_path}" in out.stderr
    assert "directory" in out.stderr
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    out = cli.invoke("state", "backup", "--out", str(tmp_path))
    assert out.code == 2
    assert str(tmp_path) in out.stderr


def test_a_binary_or_missing_config_file_is_named(tmp_path: Path) -> None:
    binary = tmp_path / "config.yaml"
    binary.write_bytes(bytes(range(256)))
    out = Cli(tmp_path).invoke("--config", str(binary), "chain", "info")
    assert out.code == 2
    # a long path is shortened in the middle (under xdist the temporary folder is deeper)
    assert f"config file {str(binary)[:30]}" in out.stderr
    assert "is not a text file" in out.stderr
    out = Cli(tmp_path).invoke("--config", str(tmp_path), "chain", "info")
    assert out.code == 2
    assert "is a directory" in out.stderr
    out = Cli(tmp_path).invoke("--config", "", "chain", "info")
    assert out.code == 2
    assert "Invalid value for '--config'" in out.stderr


# -- interrupted work ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "said"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_an_interrupted_deploy_says_so_and_exits_non_zero(
    tmp_path: Path, sig: signal.Signals, code: int, said: str
) -> None:
    argv = [sys.executable, "-m", "novacron_chain.cli", "--data-dir", str(tmp_path), "--json", "deploy"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # a clean SIGINT disposition: a child of a non-interactive shell would inherit "ignore"
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(2.5)  # python and the chain are up; the deploy is under way (it takes several seconds)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    # Ctrl-C: an exit with 130, or death by SIGINT after the message (CPython ends so when a KeyboardInterrupt
    # surfaces after the CLI's handler; seen once under CI load). A shell reports both as 130. SIGTERM must exit 143:
    # death by SIGTERM would mean the handler never ran.
    allowed = {code, -int(sig)} if sig == signal.SIGINT else {code}
    assert proc.returncode in allowed, (out, err)
    assert said in err
    assert "did not finish" in err
    assert json.loads(out)["error"] == "Interrupted"
    again = Cli(tmp_path)("deploy")  # a rerun completes the set
    assert again["contracts"]


# -- blame in the right place --------------------------------------------------------------------------------------


def test_a_bad_variable_or_flag_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVACRON_BATCH_SIZE", "lots")
    out = Cli(tmp_path, network=None).invoke("chain", "info")
    assert out.code == 2
    assert "NOVACRON_BATCH_SIZE='lots'" in out.stderr
    assert "(defaults)" not in out.stderr
    monkeypatch.delenv("NOVACRON_BATCH_SIZE")
    out = Cli(tmp_path, network="polgon").invoke("chain", "info")
    assert out.code == 2
    assert "--network='polgon'" in out.stderr
    assert "invalid configuration (--network)" in out.stderr
