"""``novacron-chain validator`` and ``checkpoint`` through the real entry point (the one error handler, exit codes,
--json) against a persistent embedded chain in a temporary data dir, so separate invocations see one chain.

The seed's command first (``validator register --stake … --address 0x…``, with a generated EIP-2335 keystore and
with a given one), then stake, checkpoints made by the library on the same data dir, a double-sign report, and bad
input: every mistake exits 2 with a JSON error and no traceback. Slow: the chain checks BLS proofs with py-evm's
pure-Python pairings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from novacron_chain import NovaChain, consensus, load_config
from novacron_chain.chain import dev_signers
from novacron_chain.consensus import BlsKeystore, BlsSecretKey, DoubleSignEvidence, SlashingProtection
from tests._support import Cli, nova_and_timelock

pytestmark = pytest.mark.slow

NOVA = 10**18
DEV = {
    "validator_stake": 1000,
    "epoch_length": 120,
    "unbonding_period": 600,
    "jail_duration": 300,
    "downtime_window": 3,
    "min_validators": 3,
}
PASSPHRASE = "correct horse battery staple"
ACCOUNTS = dev_signers()
KEYS = {2: BlsSecretKey.from_seed(b"\x52" * 32), 3: BlsSecretKey.from_seed(b"\x53" * 32)}


def _connect(data_dir: Path) -> NovaChain:
    return NovaChain.connect(load_config(overrides={"network": "embedded", "data_dir": data_dir, **DEV}))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("poschain")
    with _connect(path) as nc:
        nc.deploy(steps=[*nova_and_timelock(nc.config.blockchain), *consensus.deploy_steps(nc.config.blockchain)])
    return path


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("keystores")
    out = {}
    for account, key in KEYS.items():
        out[account] = BlsKeystore.encrypt(key, PASSPHRASE, scrypt_n=2**14).save(folder / f"validator-{account}.json")
    return out


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("NOVACRON_BLS_PASSPHRASE", PASSPHRASE)
    return Cli(data_dir)


def _advance_epoch(cli: Cli) -> None:
    cli("chain", "advance", "--seconds", str(DEV["epoch_length"] + 1))


def test_validators_from_the_command_line(cli: Cli, data_dir: Path, keystores: dict[int, Path]) -> None:
    # the seed's command, exactly: a BLS key is generated and kept in an EIP-2335 keystore in the data dir
    first = cli("validator", "register", "--stake", "1500", "--address", ACCOUNTS[1].address, account=1)
    assert (first["index"], first["amount"], first["generated_key"]) == (0, str(1500 * NOVA), True)
    assert first["owner"] == first["signer"] == ACCOUNTS[1].address
    keystore = Path(first["keystore"])
    assert keystore.parent == data_dir / "validator_keys"
    assert BlsKeystore.load(keystore).decrypt(PASSPHRASE).public_key().hex() == first["pubkey"]
    assert oct(keystore.stat().st_mode & 0o777) == "0o600"
    # with a keystore of one's own, and a signer address other than the owner
    for account, path in keystores.items():
        reg = cli(
            "validator", "register", "--stake", "1000", "--address", ACCOUNTS[account + 4].address,
            "--bls-keystore", str(path), account=account,
        )  # fmt: skip
        assert (reg["generated_key"], reg["pubkey"], reg["signer"]) == (
            False,
            KEYS[account].public_key().hex(),
            ACCOUNTS[account + 4].address,
        )
    listed = cli("validator", "list")
    assert [v["status"] for v in listed] == ["joining"] * 3
    status = cli("validator", "status")
    assert (status["validators"], status["active_validators"], status["next_epoch_validators"]) == (3, 0, 3)
    assert "under-decentralised" in status["warning"]
    _advance_epoch(cli)
    status = cli("validator", "status")
    assert (status["active_validators"], status["under_decentralised"], status["warning"]) == (3, False, None)
    assert cli("validator", "show", account=1)["index"] == 0
    shown = cli("validator", "show", ACCOUNTS[2].address)
    assert (shown["index"], shown["status"], shown["weight"]) == (1, "active", str(1000 * NOVA))
    human = cli.text("validator", "show", "0")
    assert "1,500 NOVA" in human

    top = cli("validator", "top-up", "250.5", account=1)
    assert (top["action"], top["amount"], top["bonded"]) == (
        "top-up",
        str(250_500 * NOVA // 1000),
        str(1_750_500 * NOVA // 1000),
    )
    out = cli("validator", "unbond", "1750.5", account=1)
    assert (out["bonded"], out["unbonding"]) == ("0", str(1_750_500 * NOVA // 1000))
    early = cli("validator", "withdraw", code=1, account=1)
    assert (early["error"], early["withdrawable_at"], early["amount"]) == (
        "WithdrawTooEarlyError",
        out["withdrawable_at"],
        out["unbonding"],
    )
    cli("chain", "advance", "--seconds", str(DEV["unbonding_period"] + 1))
    paid = cli("validator", "withdraw", account=1)
    assert paid["amount"] == out["unbonding"]

    # checkpoints, made by the library on the same data dir (the aggregator is a process of its own)
    _advance_epoch(cli)
    root = os.urandom(32)
    with _connect(data_dir) as nc:
        sigs = []
        for account, key in KEYS.items():
            with SlashingProtection.open(data_dir / f"protection-{account}", key.public_key()) as guard:
                sigs.append(nc.consensus.sign_checkpoint("state", 1, root, key, guard))
        cp = nc.consensus.submit_checkpoint(nc.consensus.aggregate(sigs))
        assert cp.non_signers == ()  # validator 0 unbonded everything: it has no weight
    (listed_cp,) = cli("checkpoint", "list")
    assert (listed_cp["height"], listed_cp["root"], listed_cp["domain_name"]) == (1, "0x" + root.hex(), "state")
    shown_cp = cli("checkpoint", "show", "1", "--domain", "state")
    assert (shown_cp["tx_hash"], shown_cp["signed_stake"]) == (cp.tx_hash, str(2000 * NOVA))
    assert cli("checkpoint", "list", "--domain", "bridge") == []

    # a double sign (a second process with its own empty record), reported from the command line
    with _connect(data_dir) as nc, SlashingProtection.open(data_dir / "second", KEYS[3].public_key()) as second:
        forged = nc.consensus.sign_checkpoint("state", 1, os.urandom(32), KEYS[3], second)
    evidence = data_dir / "evidence.json"
    evidence.write_text(json.dumps([sigs[1].to_dict(), forged.to_dict()]))
    slash = cli("validator", "report-double-sign", str(evidence), account=7)
    assert (slash["index"], slash["slashed"], slash["reward"], slash["reporter"]) == (
        2,
        str(100 * NOVA),
        str(10 * NOVA),
        ACCOUNTS[7].address,
    )
    again = cli("validator", "report-double-sign", str(evidence), account=7, code=1)
    assert (again["error"], again["index"]) == ("TombstonedError", 2)
    evidence.write_text(json.dumps(DoubleSignEvidence.from_signatures(sigs[1], forged).to_dict()))
    assert cli("validator", "report-double-sign", str(evidence), code=1)["error"] == "TombstonedError"


def test_bad_input_exits_2_with_the_numbers(cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    low = cli("validator", "register", "--stake", "999.5", "--address", ACCOUNTS[8].address, account=8, code=2)
    assert (low["error"], low["amount"], low["minimum"]) == (
        "StakeBelowMinimumError",
        str(9995 * NOVA // 10),
        str(1000 * NOVA),
    )
    kept = [json.loads(p.read_text()).get("description") for p in (data_dir / "validator_keys").glob("*.json")]
    assert f"NovaCron validator {ACCOUNTS[8].address}" not in kept  # a key made for a refused registration goes
    assert cli("validator", "register", "--stake", "lots", "--address", ACCOUNTS[8].address, code=2)["error"] == (
        "ConsensusValueError"
    )
    bad_address = cli("validator", "register", "--stake", "1000", "--address", "0x1234", account=8, code=2)
    assert "--address" in str(bad_address)  # refused where the option is parsed, naming it
    assert cli("validator", "show", "99", code=2)["error"] == "UnknownValidatorError"
    assert cli("validator", "show", ACCOUNTS[9].address, code=2)["error"] == "NotRegisteredError"
    assert cli("validator", "unbond", "1", account=9, code=2)["error"] == "NotRegisteredError"
    assert cli("validator", "top-up", "0", account=1, code=2)["error"] == "ConsensusValueError"
    assert cli("checkpoint", "show", "99", code=2)["error"] == "UnknownCheckpointError"
    assert cli("validator", "report-double-sign", str(data_dir / "nope.json"), code=2)["error"] == (
        "ConsensusValueError"
    )
    (data_dir / "junk.json").write_text('{"index": 0}')
    assert "has no 'domain'" in cli("validator", "report-double-sign", str(data_dir / "junk.json"), code=2)["message"]
    cli("validator", "jail", "x", code=2)  # a usage error: click's message
    monkeypatch.delenv("NOVACRON_BLS_PASSPHRASE")
    nopass = cli("validator", "register", "--stake", "1000", "--address", ACCOUNTS[8].address, account=8, code=2)
    assert (nopass["error"], nopass["hint"]) == ("BlsKeystoreError", "set NOVACRON_BLS_PASSPHRASE")
    wrong = data_dir / "wrong.json"
    BlsKeystore.encrypt(BlsSecretKey.generate(), "another", scrypt_n=2**14).save(wrong)
    monkeypatch.setenv("NOVACRON_BLS_PASSPHRASE", PASSPHRASE)
    bad_pass = cli(
        "validator", "register", "--stake", "1000", "--address", ACCOUNTS[8].address, "--bls-keystore", str(wrong),
        account=8, code=2,
    )  # fmt: skip
    assert bad_pass["error"] == "WrongPassphraseError"
