"""``novacron-chain vm`` and ``sla`` through the real entry point (``main``: the one error handler, real exit codes)
on a persistent embedded chain in a temporary data dir, so that separate invocations see one chain: the seed's
example from the command line, and misuse (exit 2 for bad input, 1 for refused operations, never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from novacron_chain.chain import dev_signers
from tests._support import Cli, deploy_in

from .conftest import CID, OTHER_CID, fund_rewards, orchestrator_steps

DEV = dev_signers()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_in(tmp_path_factory.mktemp("orchestrator-cli"), orchestrator_steps, setup=fund_rewards)


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli(data_dir)


def test_seed_example_from_the_cli(cli: Cli) -> None:
    vm = cli.run("vm", "create", "vm-12345", "--region", "us-east-1", "--cpu", "4", "--memory", "8192", "--reserve")
    assert (vm["state"], vm["region"], vm["cpu"], vm["memory_mb"]) == ("STOPPED", "us-east-1", 4, 8192)
    assert vm["tx"]["gas_used"] <= 150_000
    assert cli.run("vm", "start", "vm-12345")["state"] == "STARTING"
    assert cli.run("vm", "confirm", "vm-12345")["state"] == "RUNNING"
    m = cli.run("vm", "migrate", "vm-12345", "--to", "eu-west-1", "--snapshot", CID)["migration"]
    assert (m["open"], m["snapshot_cid"], m["threshold"]) == (True, CID, 3)
    for account in (1, 2):
        cli.run("vm", "approve", "vm-12345", account=account)
    refused = cli.run("vm", "execute", "vm-12345", "--snapshot", CID, code=1)
    assert refused["error_name"] == "VMMigrationNotEnoughApprovals"
    m = cli.run("vm", "approve", "vm-12345", account=3)["migration"]
    assert m["approvals"] == 3
    assert m["unlock_at"] > 0
    assert cli.run("vm", "execute", "vm-12345", "--snapshot", CID, code=1)["error_name"] == "VMMigrationLocked"
    cli.run("chain", "advance", "--seconds", str(24 * 3600))
    assert cli.run("vm", "execute", "vm-12345", "--snapshot", OTHER_CID, code=1)["error_name"] == (
        "VMMigrationSnapshotMismatch"
    )
    done = cli.run("vm", "execute", "vm-12345", "--snapshot", CID)
    assert (done["state"], done["region"]) == ("RUNNING", "eu-west-1")
    assert "eu-west-1" in cli.text("vm", "show", "vm-12345")

    # the SLA: proposed by the provider (dev 1), accepted by the customer (dev 2)
    sla = cli.run(
        "sla", "create", "--customer", DEV[2].address, "--guarantee", "uptime>=99.9:1000",
        "--guarantee", "latency<=100:500", "--stake", "10000", "--buy", account=1,
    )  # fmt: skip
    assert (sla["status"], sla["stake"]) == ("PROPOSED", 10000)
    sla_id = str(sla["sla_id"])
    assert cli.run("sla", "accept", sla_id, account=2)["status"] == "ACTIVE"
    cli.run("chain", "advance", "--seconds", "3600")
    after = cli.run("sla", "report", sla_id, "--guarantee", "uptime", "--actual", "99.5", "--dev-oracles", "5,6,7")
    assert (after["penalties_paid"], after["stake_left"]) == (1000, 9000)
    # an oracle signs elsewhere; quorum signatures are relayed
    period = str(after["starts_at"] + after["interval"])  # latency of the same first window
    sigs = [
        cli.run("sla", "sign", sla_id, "--guarantee", "latency", "--actual", "250", "--period", period,
                "--key-env", var)["signature"]
        for var in ("ORACLE_A", "ORACLE_B", "ORACLE_C")
    ]  # fmt: skip
    relayed = cli.run(
        "sla", "report", sla_id, "--guarantee", "latency", "--actual", "250", "--period", period,
        *(x for s in sigs for x in ("--signature", s)), account=4,
    )  # fmt: skip
    assert relayed["penalties_paid"] == 1500
    assert "uptime" in cli.text("sla", "show", sla_id)
    assert cli.run("sla", "settle", sla_id, code=1)["error_name"] == "SLANotSettleable"


@pytest.fixture(autouse=True)
def _oracle_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, i in (("ORACLE_A", 7), ("ORACLE_B", 8), ("ORACLE_C", 9)):
        monkeypatch.setenv(var, "0x" + DEV[i].private_key.hex())


@pytest.mark.parametrize(
    "args",
    [
        ("vm", "create", "vm-bad", "--region", "", "--cpu", "4", "--memory", "8192"),
        ("vm", "create", "vm-bad", "--region", "us-east-1", "--cpu", "0", "--memory", "8192"),
        ("vm", "create", "vm-bad", "--region", "us-east-1", "--cpu", "four", "--memory", "8192"),
        ("vm", "show", "vm-never-created"),
        ("vm", "migrate", "vm-never-created", "--to", "eu-west-1", "--snapshot", "not-a-cid"),
        ("sla", "show", "4242"),
        ("sla", "create", "--customer", "0x1234", "--guarantee", "uptime>=99.9:1000", "--stake", "10"),
        ("sla", "create", "--customer", DEV[2].address, "--guarantee", "uptime~99.9", "--stake", "10"),
        ("sla", "create", "--customer", DEV[2].address, "--guarantee", "wobble=3:1", "--stake", "10"),
        ("sla", "report", "1", "--guarantee", "uptime", "--actual", "99.5", "--signature", "0x12"),
    ],
)
def test_bad_input_exits_2(cli: Cli, args: tuple[str, ...]) -> None:
    cli.run(*args, code=2)


def test_refused_operations_exit_1(cli: Cli) -> None:
    err = cli.run("vm", "create", "vm-unpaid", "--region", "us-east-1", "--cpu", "64", "--memory", "8192", account=6,
                  code=1)  # fmt: skip
    assert err["error_name"] == "VMReservationInsufficient"
    assert "reserve" in err["hint"]
