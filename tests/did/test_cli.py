"""The ``did`` commands through typer's CliRunner on a local app (the main app wires ``register`` separately),
against a persistent embedded chain in a temporary data dir, so separate invocations see one chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import Signer
from novacron_chain.cli._did_cmds import register
from novacron_chain.did import deploy_steps
from tests._support import Cli, deploy_in

PASS = "correct horse battery staple"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_in(tmp_path_factory.mktemp("chain"), deploy_steps)


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("NOVACRON_KEYSTORE_PASSPHRASE", PASS)
    return Cli(data_dir, register)


def test_create_resolve_issue_verify_revoke(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vm = cli("did", "create", "--kind", "vm")
    assert vm["did"].startswith("did:novacron:embedded:0x")
    assert Signer(bytes.fromhex(vm["private_key"][2:])).address in vm["did"]
    keystore = tmp_path / "provider.json"
    provider = cli("did", "create", "--kind", "provider", "--publish", "--out", str(keystore))
    assert provider["keystore"] == str(keystore)
    assert provider["document"]["verificationMethod"][0]["publicKeyMultibase"].startswith("zQ3s")
    assert cli("did", "resolve", provider["did"])["didDocumentMetadata"]["kind"] == "provider"
    issued = cli(
        "did", "issue", "--issuer", provider["did"], "--subject", vm["did"],
        "--claim", "cpuAllocation=4", "--claim", "region=us-east-1", "--claim", 'label="4"',
        "--valid-for", "30d", "--key-file", str(keystore),
    )  # fmt: skip
    token = issued["credential"]
    ok = cli("did", "verify", token)
    assert ok["valid"] is True
    assert ok["credential"]["credentialSubject"]["cpuAllocation"] == 4
    assert ok["credential"]["credentialSubject"]["label"] == "4"
    # the VM presents it with its key from the environment
    monkeypatch.setenv("VM_KEY", vm["private_key"])
    vp = cli(
        "did", "present", "--holder", vm["did"], "--credential", token,
        "--nonce", "n1", "--audience", "sched", "--key-env", "VM_KEY",
    )["presentation"]  # fmt: skip
    assert cli("did", "verify", vp, "--nonce", "n1", "--audience", "sched")["valid"] is True
    replay = cli("did", "verify", vp, "--nonce", "n2", "--audience", "sched", code=1)
    assert replay.to_dict()["problem"] == "nonce_mismatch"
    assert "nonce and the audience" in str(cli("did", "verify", vp, "--nonce", "n1", code=2))
    cli("did", "revoke", token, "--key-file", str(keystore))
    bad = cli("did", "verify", token, code=1)
    assert bad.problem == "revoked"
    assert "invalid credential (revoked): the issuer revoked the credential at" in str(bad)
    assert bad.to_dict()["result"]["issuer"] == provider["did"]  # --json shows the whole result


def test_rotate_delegate_deactivate(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = cli("did", "create", "--kind", "host")
    monkeypatch.setenv("HOST_KEY", host["private_key"])
    delegate = Signer(bytes.fromhex("55" * 32)).address
    cli("did", "delegate", host["did"], "--to", delegate, "--valid-for", "1h", "--key-env", "HOST_KEY")
    doc = cli("did", "resolve", host["did"])["didDocument"]
    assert doc["verificationMethod"][1]["blockchainAccountId"].endswith(delegate)
    cli("did", "delegate", host["did"], "--to", delegate, "--revoke", "--key-env", "HOST_KEY")
    assert len(cli("did", "resolve", host["did"])["didDocument"]["verificationMethod"]) == 1
    new_keystore = tmp_path / "host2.json"
    rotated = cli("did", "rotate", host["did"], "--key-env", "HOST_KEY", "--out", str(new_keystore))
    assert rotated["private_key"].startswith("0x")
    assert cli("did", "resolve", host["did"])["didDocument"]["verificationMethod"][0]["id"].endswith("#keys-2")
    # the old key is refused, the new one works
    err = cli("did", "deactivate", host["did"], "--yes", "--key-env", "HOST_KEY", code=2)
    assert "cannot deactivate" in err.message
    err = cli("did", "deactivate", host["did"], "--key-file", str(new_keystore), code=2)
    assert "--yes" in str(err)
    cli("did", "deactivate", host["did"], "--yes", "--key-file", str(new_keystore))
    assert cli("did", "resolve", host["did"])["didDocumentMetadata"]["deactivated"] is True


def test_bad_input_exits_2(cli: Cli, tmp_path: Path) -> None:
    assert cli("did", "resolve", "did:novacron:polygon:0x" + "11" * 20, code=2).network == "polygon"
    assert "not a did:novacron DID" in str(cli("did", "resolve", "did:example:123", code=2))
    vm = cli("did", "create")
    err = cli(
        "did", "issue", "--issuer", vm["did"], "--subject", vm["did"], "--claim", "x", "--key-env", "NOPE", code=2
    )
    assert "name=value" in str(err)
    assert "exactly one of" in str(cli("did", "revoke", "urn:x:1", code=2))
    assert "is not set" in str(cli("did", "revoke", "urn:x:1", "--key-env", "NOPE_NOT_SET", code=2))
    existing = tmp_path / "exists.json"
    existing.write_text("{}")
    assert "refusing to overwrite" in str(cli("did", "create", "--out", str(existing), code=2))
    assert cli("did", "verify", "not-a-token", code=1).problem == "malformed"


def test_human_output(cli: Cli) -> None:
    out = cli.text("did", "create", "--kind", "user")
    assert "shown once" in out
    assert "no gas" in out  # (rich wraps lines at the terminal width)


def test_demo_scene(data_dir: Path) -> None:
    from rich.console import Console

    from novacron_chain.demo import DemoContext
    from novacron_chain.demo._identity import identity

    with NovaChain.connect(load_config(overrides={"network": "embedded", "data_dir": data_dir})) as nc:
        console = Console(record=True, width=200)
        d = DemoContext(nova=nc, console=console)
        identity(d)
    report = d.report["did"]
    assert report["valid_after_issue"] is True
    assert report["valid_after_revoke"] is False
    assert report["problem_after_revoke"] == "revoked"
    assert "revoked the credential" in console.export_text()
