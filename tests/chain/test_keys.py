"""Keys: fast signing is byte-identical to eth-account; keystores and env keys load or fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.chain import Signer, UnsignedTx, dev_signers, encrypt_keystore, load_signer
from novacron_chain.errors import KeyManagementError

ANVIL_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


@settings(max_examples=60, deadline=None)
@given(
    key=st.integers(1, 2**255),
    nonce=st.integers(0, 2**32),
    value=st.integers(0, 2**128),
    data=st.binary(max_size=100),
    to=st.one_of(st.none(), st.binary(min_size=20, max_size=20)),
)
def test_signing_matches_eth_account(key: int, nonce: int, value: int, data: bytes, to: bytes | None) -> None:
    signer = Signer(key.to_bytes(32, "big"))
    tx = UnsignedTx(137, nonce, 30 * 10**9, 100 * 10**9, 500_000, to, value, data)
    ours = signer.sign_transaction(tx)
    fields = {
        "chainId": 137,
        "nonce": nonce,
        "maxPriorityFeePerGas": 30 * 10**9,
        "maxFeePerGas": 100 * 10**9,
        "gas": 500_000,
        "value": value,
        "data": data,
        "type": 2,
    }
    if to is not None:
        fields["to"] = to
    ref = Account.sign_transaction(fields, signer.private_key)
    assert ours.raw == bytes(ref.raw_transaction)
    assert ours.hash == bytes(ref.hash)


def test_dev_accounts_are_anvils() -> None:
    assert dev_signers()[0].address == ANVIL_ACCOUNT_0
    assert len({s.address for s in dev_signers()}) == 10


@pytest.mark.parametrize("bad", ["0x1234", "zz" * 32, "0x" + "00" * 32])
def test_bad_env_keys(bad: str) -> None:
    with pytest.raises(KeyManagementError):
        load_signer(keystore_path=None, env={"BLOCKCHAIN_PRIVATE_KEY": bad})


def test_no_key_configured_is_none() -> None:
    assert load_signer(keystore_path=None, env={}) is None


def test_keystore_round_trip(tmp_path: Path) -> None:
    signer = dev_signers()[5]
    path = tmp_path / "key.json"
    path.write_text(json.dumps(encrypt_keystore(signer, "correct horse")))
    loaded = load_signer(keystore_path=path, env={"NOVACRON_KEYSTORE_PASSPHRASE": "correct horse"})
    assert loaded is not None
    assert loaded.address == signer.address
    with pytest.raises(KeyManagementError, match="cannot decrypt"):
        load_signer(keystore_path=path, env={"NOVACRON_KEYSTORE_PASSPHRASE": "wrong"})
    with pytest.raises(KeyManagementError, match="needs a passphrase"):
        load_signer(keystore_path=path, env={})
    assert load_signer(keystore_path=path, env={}, passphrase_prompt=lambda _: "correct horse") is not None


def test_missing_and_garbled_keystores(tmp_path: Path) -> None:
    with pytest.raises(KeyManagementError, match="does not exist"):
        load_signer(keystore_path=tmp_path / "nope.json", env={})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(KeyManagementError, match="not readable JSON"):
        load_signer(keystore_path=bad, env={})


def test_sign_hash_recovers_to_signer() -> None:
    from eth_keys import keys

    signer = dev_signers()[2]
    digest = bytes(range(32))
    v, r, s = signer.sign_hash(digest)
    sig = keys.Signature(vrs=(v - 27, r, s))
    assert sig.recover_public_key_from_msg_hash(digest).to_checksum_address() == signer.address
