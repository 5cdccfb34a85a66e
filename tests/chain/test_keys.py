"""Keys: fast signing is byte-identical to eth-account; keystores and env keys load or fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rlp
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.chain import BlobSidecar, Signer, UnsignedTx, dev_signers, encrypt_keystore, load_signer
from novacron_chain.errors import KeyManagementError, NovaValueError

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


@settings(max_examples=30, deadline=None)
@given(
    key=st.integers(1, 2**255),
    nonce=st.integers(0, 2**32),
    blob_fee=st.integers(1, 2**64),
    commitments=st.lists(st.binary(min_size=48, max_size=48), min_size=1, max_size=3),
    cells=st.booleans(),
)
def test_blob_signing_matches_eth_account(
    key: int, nonce: int, blob_fee: int, commitments: list[bytes], cells: bool
) -> None:
    """The transaction inside the network form is eth-account's, byte for byte; the sidecar follows it in the order
    of EIP-4844 (blobs, commitments, proofs) or EIP-7594 (version 1 first). KZG validity is the node's to check."""
    signer = Signer(key.to_bytes(32, "big"))
    to = bytes(range(20))
    blobs = tuple(bytes([i]) * 64 for i in range(len(commitments)))  # any bytes: signing does not read them
    proofs = tuple(bytes([7]) * 48 for _ in range(len(blobs) * (128 if cells else 1)))
    sidecar = BlobSidecar(blobs, tuple(commitments), proofs, cell_proofs=cells)
    tx = UnsignedTx(31337, nonce, 10**9, 10 * 10**9, 200_000, to, 0, b"\x01\x02")
    ours = signer.sign_blob_transaction(tx, max_fee_per_blob_gas=blob_fee, sidecar=sidecar)
    ref = Account.sign_transaction(
        {
            "type": 3,
            "chainId": 31337,
            "nonce": nonce,
            "maxPriorityFeePerGas": 10**9,
            "maxFeePerGas": 10 * 10**9,
            "gas": 200_000,
            "to": to,
            "value": 0,
            "data": b"\x01\x02",
            "accessList": [],
            "maxFeePerBlobGas": blob_fee,
            "blobVersionedHashes": list(sidecar.versioned_hashes),
        },
        signer.private_key,
    )
    network = rlp.decode(ours.raw[1:])
    assert ours.raw[0] == 3
    assert rlp.encode(network[0]) == bytes(ref.raw_transaction)[1:]
    assert ours.hash == bytes(ref.hash)
    assert network[1:] == ([b"\x01"] if cells else []) + [list(blobs), commitments, list(proofs)]


def test_blob_signing_refuses_what_no_node_takes() -> None:
    signer = dev_signers()[0]
    sidecar = BlobSidecar((b"b",), (bytes(48),), (bytes(48),), cell_proofs=False)
    with pytest.raises(NovaValueError, match="cannot create a contract"):
        signer.sign_blob_transaction(UnsignedTx(1, 0, 1, 1, 1, None, 0, b""), max_fee_per_blob_gas=1, sidecar=sidecar)
    to = bytes(20)
    for bad in (
        BlobSidecar((), (), (), cell_proofs=False),
        BlobSidecar((b"b",), (bytes(48),), (bytes(48),), cell_proofs=True),  # 128 cell proofs per blob
        BlobSidecar((b"b", b"c"), (bytes(48),), (bytes(48),) * 2, cell_proofs=False),
    ):
        with pytest.raises(NovaValueError, match="proof"):
            signer.sign_blob_transaction(UnsignedTx(1, 0, 1, 1, 1, to, 0, b""), max_fee_per_blob_gas=1, sidecar=bad)


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
