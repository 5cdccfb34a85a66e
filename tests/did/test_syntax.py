"""DID syntax, network names and key encodings, checked against independent implementations."""

from __future__ import annotations

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st
from multiformats import multibase, multicodec

from novacron_chain.chain import Signer
from novacron_chain.did import (
    DIDValueError,
    InvalidDIDError,
    address_of_public_key,
    decode_public_key_multibase,
    did_network,
    encode_public_key_multibase,
    parse_did,
)

ADDR = "0x71C7656EC7ab88b098defB751B7401B5f6d8976F"


def test_parse_canonicalises_the_address() -> None:
    parsed = parse_did(f"did:novacron:polygon:{ADDR.lower()}")
    assert parsed.network == "polygon"
    assert parsed.address == ADDR
    assert parsed.did == f"did:novacron:polygon:{ADDR}"
    assert parse_did(f"did:novacron:0x89:{ADDR}").network == "0x89"


def test_parse_did_url_with_fragment() -> None:
    parsed = parse_did(f"did:novacron:embedded:{ADDR}#keys-1", allow_fragment=True)
    assert parsed.fragment == "keys-1"
    assert parsed.url == f"did:novacron:embedded:{ADDR}#keys-1"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (42, "expected text"),
        ("", "does not start with 'did:'"),
        ("did:ethr:0x89:" + ADDR, "the method is 'ethr'"),
        ("did:novacron:" + ADDR, "expected 4 colon-separated parts"),
        ("did:novacron:polygon:mainnet:" + ADDR, "expected 4 colon-separated parts"),
        ("did:novacron:Polygon:" + ADDR, "not a lowercase name"),
        ("did:novacron:embedded:memory:" + ADDR, "expected 4 colon-separated parts"),
        ("did:novacron:polygon:0x1234", "not 0x followed by 40 hex digits"),
        ("did:novacron:polygon:" + ADDR[:-1] + "g", "not 0x followed by 40 hex digits"),
        ("did:novacron:polygon:" + ADDR[:-1] + "f", "wrong EIP-55 checksum"),
        ("did:novacron:polygon:" + ADDR + "#keys-1", "no #fragment here"),
        ("did:novacron:polygon:" + ADDR + "/path", "paths and queries"),
    ],
)
def test_malformed_dids_say_what_is_wrong(text: object, says: str) -> None:
    with pytest.raises(InvalidDIDError, match="is not a did:novacron DID") as info:
        parse_did(text)
    assert says in info.value.reason
    assert info.value.exit_code == 2
    assert "did:novacron:<network>:0x" in str(info.value)


def test_empty_fragment_is_refused() -> None:
    with pytest.raises(InvalidDIDError, match="fragment"):
        parse_did(f"did:novacron:polygon:{ADDR}#", allow_fragment=True)


def test_did_network_names() -> None:
    assert did_network("polygon", 137) == "polygon"
    assert did_network("embedded", 1337) == "embedded"
    assert did_network("embedded:memory", 1337) == "embedded"
    assert did_network("http://127.0.0.1:8545", 31337) == "anvil"
    assert did_network("rpc", 1) == "ethereum"
    assert did_network("https://rpc.example", 424242) == "0x67932"


@settings(deadline=None)  # key derivation in pure Python can exceed the default 200 ms on a loaded machine
@given(st.binary(min_size=32, max_size=32))
def test_multibase_matches_multiformats(secret: bytes) -> None:
    try:
        signer = Signer(secret)
    except Exception:
        return  # not a valid key
    pub = signer.public_key_compressed
    ours = encode_public_key_multibase(pub)
    oracle = multibase.encode(multicodec.wrap("secp256k1-pub", pub), "base58btc")
    assert ours == oracle
    assert ours.startswith("zQ3s")
    assert decode_public_key_multibase(ours) == pub
    assert address_of_public_key(pub) == Account.from_key(secret).address


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Q3sabc", "not base58btc multibase"),
        ("z0OIl", "not valid base58btc"),
        (multibase.encode(multicodec.wrap("ed25519-pub", bytes(32)), "base58btc"), "does not hold a secp256k1-pub"),
        (multibase.encode(multicodec.wrap("secp256k1-pub", bytes(33)), "base58btc"), "not a point on secp256k1"),
        (multibase.encode(multicodec.wrap("secp256k1-pub", b"\x02" * 20), "base58btc"), "has 20 bytes"),
    ],
)
def test_malformed_multibase_keys(text: str, says: str) -> None:
    with pytest.raises(DIDValueError, match=says):
        decode_public_key_multibase(text)
