"""Resolution: documents and metadata reflect owner changes, delegates, attributes and deactivation."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_typing import ChecksumAddress, HexAddress, HexStr

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.did import (
    KIND_ATTRIBUTE,
    DIDDeactivatedError,
    DIDKeyNotAuthorizedError,
    DIDManager,
    DIDNetworkMismatchError,
    DIDValueError,
    InvalidDIDError,
    decode_public_key_multibase,
)
from novacron_chain.did._registry import HistoryEvent, replay
from novacron_chain.errors import IdentityError

RECOVERY = "EcdsaSecp256k1RecoveryMethod2020"
VKEY = "EcdsaSecp256k1VerificationKey2019"


def test_creating_a_did_costs_no_gas(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain = nova.chain
    me = ChecksumAddress(HexAddress(HexStr(chain.signer.address)))
    block, nonce = chain.block_number(), chain.w3.eth.get_transaction_count(me)
    doc, key = nova_dm.create_did("vm")
    assert chain.block_number() == block
    assert chain.w3.eth.get_transaction_count(me) == nonce
    address = Signer(key).address
    assert doc["id"] == f"did:novacron:{nova_dm.network}:{address}"
    (method,) = doc["verificationMethod"]
    assert method == {
        "id": doc["id"] + "#keys-1",
        "type": RECOVERY,
        "controller": doc["id"],
        "blockchainAccountId": f"eip155:{chain.chain_id}:{address}",
    }
    assert doc["authentication"] == doc["assertionMethod"] == [doc["id"] + "#keys-1"]
    assert nova_dm.resolve(doc["id"]).document == doc  # what the chain says equals what create_did returned
    meta = nova_dm.resolve(doc["id"]).document_metadata
    assert meta == {"deactivated": False, "versionId": "0"}


def test_unknown_kind_is_refused(dm: DIDManager) -> None:
    with pytest.raises(DIDValueError, match="unknown identity kind 'router'") as info:
        dm.create_did("router")
    assert info.value.exit_code == 2


def test_published_did_carries_its_key_and_kind(nova: NovaChain, nova_dm: DIDManager) -> None:
    doc, key = nova_dm.create_did("host", publish=True)
    (method,) = doc["verificationMethod"]
    assert method["type"] == VKEY
    assert method["publicKeyMultibase"].startswith("zQ3s")
    assert decode_public_key_multibase(method["publicKeyMultibase"]) == Signer(key).public_key_compressed
    assert "https://w3id.org/security/suites/secp256k1-2019/v1" in doc["@context"]
    res = nova_dm.resolve(doc["id"])
    assert res.document_metadata["kind"] == "host"
    assert res.document_metadata["versionId"] == str(nova.chain.block_number())
    assert res.document_metadata["created"] <= res.document_metadata["updated"]
    assert res.resolution_metadata["registry"] == nova_dm.registry_id
    assert res.verification_method("#keys-1") == method


def test_owner_change_rotates_the_key(nova: NovaChain, nova_dm: DIDManager) -> None:
    doc, key = nova_dm.create_did("provider", publish=True)
    new_key, receipts = nova_dm.rotate_key(doc["id"], key)
    assert len(receipts) == 2
    res = nova_dm.resolve(doc["id"])
    new = Signer(new_key)
    assert res.owner == new.address
    assert res.document["controller"] == nova_dm.did_of(new.address)
    (method,) = res.document["verificationMethod"]
    assert method["id"] == doc["id"] + "#keys-2"
    assert decode_public_key_multibase(method["publicKeyMultibase"]) == new.public_key_compressed
    with pytest.raises(DIDValueError, match="rotated out at block"):
        res.verification_method("keys-1")
    # the old key can no longer change the identity
    with pytest.raises(DIDKeyNotAuthorizedError, match=f"its owner is {new.address}") as info:
        nova_dm.publish_key(doc["id"], key)
    assert info.value.exit_code == 2


def test_rotation_without_publishing_falls_back_to_the_address(dm: DIDManager) -> None:
    doc, key = dm.create_did("vm", publish=True)
    new_key, _ = dm.rotate_key(doc["id"], key, publish=False)
    (method,) = dm.resolve(doc["id"]).document["verificationMethod"]
    assert method["type"] == RECOVERY
    assert method["blockchainAccountId"].endswith(Signer(new_key).address)
    # the old published key did not linger as a delegate
    assert "keys-1" in dm.resolve(doc["id"]).state.retired


def test_delegates_appear_while_valid(nova: NovaChain, nova_dm: DIDManager) -> None:
    doc, key = nova_dm.create_did("provider")
    signer_delegate, auth_delegate = Account.create().address, Account.create().address
    nova_dm.add_delegate(doc["id"], key, signer_delegate, validity=3600)
    nova_dm.add_delegate(doc["id"], key, auth_delegate, delegate_type="sigAuth", validity=7200)
    d = nova_dm.resolve(doc["id"]).document
    ids = [m["id"].split("#")[1] for m in d["verificationMethod"]]
    assert ids == ["keys-1", "delegate-1", "delegate-2"]
    assert d["verificationMethod"][1]["blockchainAccountId"].endswith(signer_delegate)
    assert d["assertionMethod"] == [doc["id"] + f"#{i}" for i in ids]
    assert d["authentication"] == [doc["id"] + "#keys-1", doc["id"] + "#delegate-2"]
    nova.chain.advance(3601)
    state = nova_dm.resolve(doc["id"]).state
    assert [k.fragment for k in state.keys] == ["keys-1", "delegate-2"]
    assert "expired" in (state.retired["delegate-1"].retired or "")
    nova_dm.revoke_delegate(doc["id"], key, auth_delegate, delegate_type="sigAuth")
    state = nova_dm.resolve(doc["id"]).state
    assert [k.fragment for k in state.keys] == ["keys-1"]
    assert "revoked" in (state.retired["delegate-2"].retired or "")


def test_attributes_give_services_and_extra_keys(dm: DIDManager) -> None:
    doc, key = dm.create_did("vm")
    other = Signer(bytes.fromhex("11" * 32))
    dm.set_attribute(doc["id"], key, "did/svc/VMAgent", b"https://vm-12345.novacron.example/agent")
    dm.set_attribute(doc["id"], key, "did/pub/Secp256k1/sigAuth/hex", other.public_key_compressed)
    d = dm.resolve(doc["id"]).document
    assert d["service"] == [
        {
            "id": doc["id"] + "#service-1",
            "type": "VMAgent",
            "serviceEndpoint": "https://vm-12345.novacron.example/agent",
        }
    ]
    extra = d["verificationMethod"][1]
    assert extra["type"] == VKEY
    assert decode_public_key_multibase(extra["publicKeyMultibase"]) == other.public_key_compressed
    assert extra["id"] in d["authentication"]
    dm.revoke_attribute(doc["id"], key, "did/svc/VMAgent", b"https://vm-12345.novacron.example/agent")
    assert "service" not in dm.resolve(doc["id"]).document


def test_malformed_attributes_on_chain_are_reported_not_fatal(dm: DIDManager) -> None:
    doc, key = dm.create_did("vm")
    dm.set_attribute(doc["id"], key, "did/pub/Secp256k1/veriKey/hex", b"\x02\x03\x04")
    dm.set_attribute(doc["id"], key, KIND_ATTRIBUTE, b"\xff\xfe")
    res = dm.resolve(doc["id"])
    assert len(res.document["verificationMethod"]) == 1
    warnings = res.resolution_metadata["warnings"]
    assert any("3 bytes that are not a secp256k1 key" in w for w in warnings)
    assert any("not short UTF-8 text" in w for w in warnings)


def test_deactivation(nova: NovaChain, nova_dm: DIDManager) -> None:
    doc, key = nova_dm.create_did("user", publish=True)
    nova_dm.deactivate(doc["id"], key)
    res = nova_dm.resolve(doc["id"])
    assert res.deactivated
    assert res.owner is None
    assert res.document == {"@context": ["https://www.w3.org/ns/did/v1"], "id": doc["id"]}
    assert res.document_metadata["deactivated"] is True
    with pytest.raises(DIDDeactivatedError, match="is deactivated: cannot add delegates"):
        nova_dm.add_delegate(doc["id"], key, Account.create().address)


def test_dids_of_other_networks_are_refused(dm: DIDManager) -> None:
    addr = Account.create().address
    with pytest.raises(DIDNetworkMismatchError, match="lives on network 'polygon'") as info:
        dm.resolve(f"did:novacron:polygon:{addr}")
    assert info.value.exit_code == 2
    with pytest.raises(InvalidDIDError):
        dm.resolve("did:novacron:embedded:0x12")
    # the hex chain id names the same network
    assert dm.resolve(f"did:novacron:{hex(dm.chain.chain_id)}:{addr}").owner == addr


def test_manager_refuses_a_network_name_of_another_chain(dm: DIDManager) -> None:
    with pytest.raises(IdentityError, match="network 'polygon' is chain 137, but the connected chain is 1337"):
        DIDManager(dm.chain, dm.registry, "polygon")
    with pytest.raises(IdentityError, match="network 0x89 is chain 137"):
        DIDManager(dm.chain, dm.registry, "0x89")
    with pytest.raises(DIDValueError, match="cannot be a DID network segment"):
        DIDManager(dm.chain, dm.registry, "embedded:memory")
    assert DIDManager(dm.chain, dm.registry, "0x539").network == "0x539"


def test_cached_resolution_follows_changes(dm: DIDManager) -> None:
    doc, key = dm.create_did("vm")
    before = dm.resolve(doc["id"])
    dm.add_delegate(doc["id"], key, Account.create().address)
    after = dm.resolve(doc["id"])
    assert len(after.document["verificationMethod"]) == len(before.document["verificationMethod"]) + 1


def test_replay_orders_events_within_a_block() -> None:
    owner = Account.create().address
    a, b = Account.create().address, Account.create().address
    vk = b"veriKey".ljust(32, b"\0")
    events = [
        HistoryEvent(5, 100, 0, "0x", "DIDDelegateChanged", {"delegateType": vk, "delegate": a, "validTo": 200}),
        HistoryEvent(5, 100, 1, "0x", "DIDDelegateChanged", {"delegateType": vk, "delegate": a, "validTo": 100}),
        HistoryEvent(5, 100, 2, "0x", "DIDDelegateChanged", {"delegateType": vk, "delegate": b, "validTo": 300}),
        HistoryEvent(6, 110, 0, "0x", "DIDOwnerChanged", {"owner": b}),
    ]
    state = replay(owner, events, now=150, changed=6)
    assert state.owner == b
    assert state.generation == 2
    assert [(k.fragment, k.address) for k in state.keys] == [("keys-2", b), ("delegate-2", b)]
    assert state.keys[0].since == 110
    assert "revoked" in (state.retired["delegate-1"].retired or "")
    assert "rotated out at block 6" in (state.retired["keys-1"].retired or "")
