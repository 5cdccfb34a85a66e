"""EIP-2335 keystores: the EIP's two test vectors, round trips, and every bad input as a clear error."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any, Literal

import pytest

from novacron_chain.consensus import (
    BlsKeystore,
    BlsKeystoreError,
    BlsSecretKey,
    WrongPassphraseError,
    normalize_passphrase,
)
from novacron_chain.errors import KeyManagementError

PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑"
SECRET = bytes.fromhex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
PUBKEY = "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07"
SALT = "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
IV = "264daa3f303d7259501c93d997d84fe6"

# the two test vectors of EIP-2335, as printed there
SCRYPT_VECTOR: dict[str, Any] = {
    "crypto": {
        "kdf": {
            "function": "scrypt",
            "params": {"dklen": 32, "n": 262144, "p": 1, "r": 8, "salt": SALT},
            "message": "",
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484",
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {"iv": IV},
            "message": "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f",
        },
    },
    "description": "This is a test keystore that uses scrypt to secure the secret.",
    "pubkey": PUBKEY,
    "path": "m/12381/60/3141592653/589793238",
    "uuid": "1d85ae20-35c5-4611-98e8-aa14a633906f",
    "version": 4,
}
PBKDF2_VECTOR: dict[str, Any] = {
    "crypto": {
        "kdf": {
            "function": "pbkdf2",
            "params": {"dklen": 32, "c": 262144, "prf": "hmac-sha256", "salt": SALT},
            "message": "",
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1",
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {"iv": IV},
            "message": "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad",
        },
    },
    "description": "This is a test keystore that uses PBKDF2 to secure the secret.",
    "pubkey": PUBKEY,
    "path": "m/12381/60/0/0",
    "uuid": "64625def-3331-4eea-ab6f-782f3ed16a83",
    "version": 4,
}


def test_the_passphrase_is_normalised_as_the_eip_says() -> None:
    assert normalize_passphrase(PASSWORD) == bytes.fromhex("7465737470617373776f7264f09f9491")
    # C0, DEL and C1 control characters go; space stays
    assert normalize_passphrase("a\x00b\x1fc\x7fd\x80e\x9ff g") == b"abcdef g"


@pytest.mark.parametrize("vector", [SCRYPT_VECTOR, PBKDF2_VECTOR], ids=["scrypt", "pbkdf2"])
def test_eip2335_vectors_decrypt_to_the_secret(vector: dict[str, Any]) -> None:
    keystore = BlsKeystore.from_json(json.dumps(vector))
    assert keystore.pubkey is not None
    assert keystore.pubkey.to_bytes().hex() == PUBKEY
    assert keystore.path == vector["path"]
    assert keystore.uuid == vector["uuid"]
    assert keystore.decrypt(PASSWORD).to_bytes() == SECRET
    if vector is PBKDF2_VECTOR:  # (scrypt costs a second a try) the text with control characters is the same
        assert keystore.decrypt("\x7f" + PASSWORD + "\x00").to_bytes() == SECRET
    assert keystore.to_json() == vector  # re-serialised unchanged


def test_wrong_passphrase_is_a_clear_key_management_error() -> None:
    keystore = BlsKeystore.from_json(PBKDF2_VECTOR, source="validator.json")
    with pytest.raises(WrongPassphraseError) as err:
        keystore.decrypt("testpassword")
    assert isinstance(err.value, KeyManagementError)
    assert err.value.exit_code == 2
    assert "wrong passphrase" in str(err.value)
    assert "validator.json" in str(err.value)
    assert err.value.to_dict()["path"] == "validator.json"


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_encrypt_save_load_decrypt(kdf: Literal["scrypt", "pbkdf2"], tmp_path: Path) -> None:
    sk = BlsSecretKey.generate()
    keystore = BlsKeystore.encrypt(
        sk,
        "correct horse",
        kdf=kdf,
        path="m/12381/3600/0/0/0",
        scrypt_n=2**12,
        pbkdf2_c=1000,
    )
    file = keystore.save(tmp_path / "keystore.json")
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    data = json.loads(file.read_text())
    assert data["version"] == 4
    assert data["pubkey"] == sk.public_key().to_bytes().hex()
    assert data["crypto"]["kdf"]["function"] == kdf
    assert len(data["uuid"]) == 36
    loaded = BlsKeystore.load(file)
    assert loaded == keystore
    assert loaded.source == str(file)
    assert loaded.decrypt("correct horse").to_bytes() == sk.to_bytes()
    with pytest.raises(WrongPassphraseError):
        loaded.decrypt("correct horse battery")
    with pytest.raises(BlsKeystoreError, match="not overwriting"):
        keystore.save(file)
    # two keystores of one key differ (fresh salt, IV and UUID)
    again = BlsKeystore.encrypt(sk, "correct horse", scrypt_n=2**12)
    assert again.crypto["kdf"]["params"]["salt"] != keystore.crypto["kdf"]["params"]["salt"]


def test_default_cost_is_the_standard_one() -> None:
    keystore = BlsKeystore.encrypt(BlsSecretKey.generate(), "x", kdf="pbkdf2")
    assert keystore.crypto["kdf"]["params"]["c"] == 2**18


def _edited(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(PBKDF2_VECTOR)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("{not json", "not JSON"),
        ("[]", "not a JSON object"),
        (_edited(("version",), 3), "version 3, not 4"),
        (_edited(("crypto",), {}), "crypto.kdf"),
        (_edited(("pubkey",), "00" * 48), "invalid pubkey"),
    ],
)
def test_malformed_keystores_are_refused_on_read(data: Any, match: str) -> None:
    with pytest.raises(BlsKeystoreError, match=match) as err:
        BlsKeystore.from_json(data if isinstance(data, str) else json.dumps(data))
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        (("crypto", "kdf", "function"), "argon2", "kdf 'argon2'"),
        (("crypto", "kdf", "params", "prf"), "hmac-sha512", "hmac-sha256"),
        (("crypto", "kdf", "params", "c"), 10**9, "c=1000000000"),
        (("crypto", "kdf", "params", "dklen"), 16, "dklen 16"),
        (("crypto", "kdf", "params", "salt"), "xyz", "malformed kdf params"),
        (("crypto", "cipher", "function"), "aes-256-gcm", "aes-128-ctr"),
        (("crypto", "cipher", "params", "iv"), "00", "16"),
        (("crypto", "checksum", "function"), "keccak256", "sha256"),
        (("crypto", "cipher", "message"), "zz", "not hex"),
    ],
)
def test_malformed_crypto_is_refused_on_decrypt(path: tuple[str, ...], value: Any, match: str) -> None:
    with pytest.raises(BlsKeystoreError, match=match):
        BlsKeystore.from_json(_edited(path, value)).decrypt(PASSWORD)


def test_a_hostile_scrypt_cost_is_refused_before_any_work() -> None:
    data = copy.deepcopy(SCRYPT_VECTOR)
    data["crypto"]["kdf"]["params"]["n"] = 2**24
    with pytest.raises(BlsKeystoreError, match="refusing above 1 GiB"):
        BlsKeystore.from_json(data).decrypt(PASSWORD)
    data["crypto"]["kdf"]["params"]["n"] = 1000  # not a power of two
    with pytest.raises(BlsKeystoreError, match="invalid scrypt"):
        BlsKeystore.from_json(data).decrypt(PASSWORD)


def test_a_pubkey_that_is_not_the_secrets_is_caught() -> None:
    other = BlsSecretKey.generate().public_key().to_bytes().hex()
    with pytest.raises(BlsKeystoreError, match="is not the pubkey it names"):
        BlsKeystore.from_json(_edited(("pubkey",), other)).decrypt(PASSWORD)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(BlsKeystoreError, match="does not exist"):
        BlsKeystore.load(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe")
    with pytest.raises(BlsKeystoreError, match="cannot read"):
        BlsKeystore.load(tmp_path / "bin.json")
