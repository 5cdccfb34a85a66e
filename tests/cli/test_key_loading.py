"""Keys from a named environment variable (``--key-env VAR``, ``--oracle-key-env VAR``), through ``load_signer``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novacron_chain.chain import Signer, encrypt_keystore, load_signer
from novacron_chain.errors import KeyManagementError

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def test_a_named_variable_instead_of_blockchain_private_key() -> None:
    env = {"HOST_KEY": KEY, "BLOCKCHAIN_PRIVATE_KEY": "0x" + "11" * 32}
    signer = load_signer(key_env="HOST_KEY", env=env)
    assert signer is not None
    assert signer.private_key == bytes.fromhex(KEY[2:])
    assert signer.label == "HOST_KEY"
    default = load_signer(env=env)
    assert default is not None
    assert (default.label, default.private_key) == ("BLOCKCHAIN_PRIVATE_KEY", b"\x11" * 32)


def test_required_says_which_variable_to_set() -> None:
    assert load_signer(key_env="HOST_KEY", env={}) is None
    with pytest.raises(KeyManagementError, match="environment variable HOST_KEY is not set") as info:
        load_signer(key_env="HOST_KEY", env={"HOST_KEY": ""}, required=True)
    assert info.value.hint == "export HOST_KEY=0x<64 hex>"
    assert info.value.exit_code == 2


def test_a_bad_key_names_its_variable() -> None:
    with pytest.raises(KeyManagementError, match="HOST_KEY is not a private key"):
        load_signer(key_env="HOST_KEY", env={"HOST_KEY": "0x1234"}, required=True)


def test_no_variable_reads_only_the_keystore(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text(json.dumps(encrypt_keystore(Signer(bytes.fromhex(KEY[2:])), "pw")))
    env = {"BLOCKCHAIN_PRIVATE_KEY": "0x" + "11" * 32, "NOVACRON_KEYSTORE_PASSPHRASE": "pw"}
    signer = load_signer(keystore_path=path, key_env=None, env=env, required=True)
    assert signer.private_key == bytes.fromhex(KEY[2:])
    with pytest.raises(KeyManagementError, match="no key given"):
        load_signer(key_env=None, env=env, required=True)
