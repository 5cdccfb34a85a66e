"""``did issue-zk``, ``did prove`` and ``did verify-proof`` through the real entry point (exit codes, --json
errors), against a persistent embedded chain in a temporary data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novacron_chain.chain import Signer
from novacron_chain.did import deploy_steps
from tests._support import Cli, deploy_in
from tests.zk.conftest import HOLDER_KEY, ISSUER_KEY


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_in(tmp_path_factory.mktemp("chain"), deploy_steps)


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("ISSUER_KEY", ISSUER_KEY.hex())
    monkeypatch.setenv("HOLDER_KEY", HOLDER_KEY.hex())
    return Cli(data_dir)


def did(address: str) -> str:
    return f"did:novacron:embedded:{address}"


def test_issue_prove_verify(cli: Cli, tmp_path: Path) -> None:
    issuer, holder = did(Signer(ISSUER_KEY).address), did(Signer(HOLDER_KEY).address)
    cred = tmp_path / "host.zkcred.json"
    issued = cli(
        "did", "issue-zk", "--issuer", issuer, "--subject", holder, "--claim", "cpu=4", "--claim",
        "region=us-east-1", "--valid-for", "30d", "--out", str(cred), "--key-env", "ISSUER_KEY",
    )  # fmt: skip
    assert issued["claims"] == ["cpu", "region"]
    assert cred.stat().st_mode & 0o777 == 0o600
    proof_file = tmp_path / "proof.json"
    made = cli(
        "did", "prove", str(cred), "I have more than 2 CPUs", "--predicate", "cpu > 2",
        "--nonce", "n-1", "--verifier", "scheduler", "--out", str(proof_file),
    )  # fmt: skip
    assert made["predicate"] == "cpu > 2"
    assert json.loads(proof_file.read_text()) == made
    ok = cli("did", "verify-proof", str(proof_file), "--nonce", "n-1", "--verifier", "scheduler")
    assert ok["valid"] is True
    assert ok["statement"] == "I have more than 2 CPUs"
    # human output says what was proven, and warns when the nonce was not checked
    human = cli.invoke("did", "verify-proof", str(proof_file))
    assert human.code == 0
    assert "valid" in human.stdout
    assert "--nonce" in human.stdout
    # a replay: valid: false with its reason, exit 1
    replay = cli("did", "verify-proof", str(proof_file), "--nonce", "n-2", "--verifier", "scheduler", code=1)
    assert replay["problem"] == "nonce_mismatch"
    # membership, printed to stdout
    region = cli(
        "did", "prove", str(cred), "region in {us-east-1, eu-west-1}", "--nonce", "n-3", "--verifier", "market"
    )
    assert region["circuit"] == "member"
    plain = cli.invoke("did", "prove", str(cred), "cpu > 1", "--nonce", "n-5", "--verifier", "market")
    assert plain.code == 0
    assert json.loads(plain.stdout)["predicate"] == "cpu > 1"  # human mode prints the proof as plain JSON too
    assert region["holderSignature"] is None
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(region))
    refused = cli("did", "verify-proof", str(unsigned), "--require-holder-signature", code=1)
    assert refused["problem"] == "bad_holder_signature"
    signed = cli(
        "did", "prove", str(cred), "cpu >= 4", "--nonce", "n-4", "--verifier", "market", "--key-env", "HOLDER_KEY"
    )
    (tmp_path / "signed.json").write_text(json.dumps(signed))
    assert cli("did", "verify-proof", str(tmp_path / "signed.json"), "--require-holder-signature")["valid"]


def test_bad_input(cli: Cli, tmp_path: Path) -> None:
    issuer, holder = did(Signer(ISSUER_KEY).address), did(Signer(HOLDER_KEY).address)
    cred = tmp_path / "c.json"
    cli("did", "issue-zk", "--issuer", issuer, "--subject", holder, "--claim", "cpu=4", "--out", str(cred),
        "--key-env", "ISSUER_KEY")  # fmt: skip
    again = cli("did", "issue-zk", "--issuer", issuer, "--subject", holder, "--claim", "cpu=4", "--out", str(cred),
                "--key-env", "ISSUER_KEY", code=2)  # fmt: skip
    assert "refusing to overwrite" in again["message"]
    false = cli("did", "prove", str(cred), "cpu > 4", "--nonce", "n", "--verifier", "v", code=1)
    assert false["error"] == "StatementFalseError"
    unsupported = cli("did", "prove", str(cred), "cpu != 4", "--nonce", "n", "--verifier", "v", code=2)
    assert unsupported["error"] == "PredicateSyntaxError"
    assert "hint" in unsupported
    missing = cli("did", "prove", str(tmp_path / "nope.json"), "cpu > 1", "--nonce", "n", "--verifier", "v", code=2)
    assert "not a file" in missing["message"]
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{}")
    bad = cli("did", "verify-proof", str(garbage), code=1)
    assert bad["problem"] == "malformed"
