"""DIDRegistry.sol on a real EVM (the embedded chain, and anvil when integration tests run)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from web3.contract.contract import ContractFunction

from novacron_chain import NovaChain
from novacron_chain.chain import Chain, Signer
from novacron_chain.did import DIDManager
from novacron_chain.errors import ContractCustomError

ZERO = "0x" + "00" * 20
VERI_KEY = b"veriKey".ljust(32, b"\0")
NAME = b"did/pub/Secp256k1/veriKey/hex".ljust(32, b"\0")


def events(dm: DIDManager, receipt: object, name: str) -> list[dict[str, object]]:
    return [dict(e["args"]) for e in getattr(dm.registry.events, name)().process_receipt(receipt.raw)]  # type: ignore[attr-defined]


def reverts(name: str, chain: Chain, fn: ContractFunction, sender: Signer | None = None) -> ContractCustomError:
    """Send ``fn`` and expect the custom error ``name``."""
    with pytest.raises(ContractCustomError) as info:
        chain.transact(fn, sender=sender)
    assert info.value.error_name == name
    return info.value


def test_every_address_owns_itself_at_no_cost(nova_dm: DIDManager) -> None:
    reg = nova_dm.registry
    someone = Account.create().address
    assert nova_dm.chain.call(reg.functions.identityOwner(someone)) == someone
    assert nova_dm.chain.call(reg.functions.changed(someone)) == 0
    assert nova_dm.chain.call(reg.functions.nonce(someone)) == 0
    assert nova_dm.chain.call(reg.functions.isDeactivated(someone)) is False


def test_events_have_erc1056_signatures(nova_dm: DIDManager) -> None:
    """ERC-1056 resolvers read our logs unchanged: the topics are ethr-did-registry's."""
    abi = {e["name"]: e for e in nova_dm.registry.abi if e["type"] == "event"}
    for sig in (
        "DIDOwnerChanged(address,address,uint256)",
        "DIDDelegateChanged(address,bytes32,address,uint256,uint256)",
        "DIDAttributeChanged(address,bytes32,bytes,uint256,uint256)",
    ):
        name = sig.split("(")[0]
        assert f"{name}({','.join(i['type'] for i in abi[name]['inputs'])})" == sig
        assert abi[name]["inputs"][0]["indexed"] is True
    assert keccak(b"DIDOwnerChanged(address,address,uint256)").hex().startswith("38a5a6e6")


def test_owner_change_history_links_previous_changes(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg = nova.chain, nova_dm.registry
    a, b, c = chain.dev_signer(1), chain.dev_signer(2), chain.dev_signer(3)
    r1 = chain.transact(reg.functions.changeOwner(a.address, b.address), sender=a)
    assert chain.call(reg.functions.identityOwner(a.address)) == b.address
    assert events(nova_dm, r1, "DIDOwnerChanged") == [{"identity": a.address, "owner": b.address, "previousChange": 0}]
    err = reverts("DIDRegistryUnauthorized", chain, reg.functions.changeOwner(a.address, c.address), sender=a)
    assert err.error_args == {"identity": a.address.lower(), "actor": a.address.lower(), "owner": b.address.lower()}
    r2 = chain.transact(reg.functions.changeOwner(a.address, c.address), sender=b)
    assert events(nova_dm, r2, "DIDOwnerChanged")[0]["previousChange"] == r1.block_number
    assert chain.call(reg.functions.changed(a.address)) == r2.block_number


def test_signed_owner_change_is_relayed_and_not_replayable(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg, client = nova.chain, nova_dm.registry, nova_dm._client
    identity = Account.create()  # no coins: the relayer pays
    new_owner = Account.create().address
    # our EIP-712 digest is what eth-account computes for the same typed data
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "ChangeOwner": [
                {"name": "identity", "type": "address"},
                {"name": "newOwner", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "ChangeOwner",
        "domain": {
            "name": "NovaCronDIDRegistry",
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": reg.address,
        },
        "message": {"identity": identity.address, "newOwner": new_owner, "nonce": 0},
    }
    signed = Account.sign_message(encode_typed_data(full_message=typed), identity.key)
    assert client.digest("changeOwner", identity.address, ("address", new_owner)) == signed.message_hash
    assert chain.call(reg.functions.DOMAIN_SEPARATOR()) == client.domain_separator
    args = (identity.address, signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"), new_owner)
    chain.transact(reg.functions.changeOwnerSigned(*args))
    assert chain.call(reg.functions.identityOwner(identity.address)) == new_owner
    assert chain.call(reg.functions.nonce(identity.address)) == 1
    err = reverts("DIDRegistryBadSignature", chain, reg.functions.changeOwnerSigned(*args))
    assert err.error_args["owner"] == new_owner.lower()
    assert err.hint
    assert "nonce" in err.hint


def test_delegates_expire_and_are_revoked(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg = nova.chain, nova_dm.registry
    owner, delegate = chain.dev_signer(1), Account.create().address
    r = chain.transact(reg.functions.addDelegate(owner.address, VERI_KEY, delegate, 3600), sender=owner)
    (ev,) = events(nova_dm, r, "DIDDelegateChanged")
    assert ev["validTo"] == chain.w3.eth.get_block(r.block_number)["timestamp"] + 3600
    assert chain.call(reg.functions.validDelegate(owner.address, VERI_KEY, delegate)) is True
    assert chain.call(reg.functions.delegates(owner.address, VERI_KEY, delegate)) == ev["validTo"]
    chain.advance(3601)
    assert chain.call(reg.functions.validDelegate(owner.address, VERI_KEY, delegate)) is False
    chain.transact(reg.functions.addDelegate(owner.address, VERI_KEY, delegate, 3600), sender=owner)
    chain.transact(reg.functions.revokeDelegate(owner.address, VERI_KEY, delegate), sender=owner)
    assert chain.call(reg.functions.validDelegate(owner.address, VERI_KEY, delegate)) is False
    reverts(
        "DIDRegistryZeroDelegate",
        chain,
        reg.functions.addDelegate(owner.address, VERI_KEY, ZERO, 1),
        sender=owner,
    )
    err = reverts(
        "DIDRegistryInvalidValidity",
        chain,
        reg.functions.addDelegate(owner.address, VERI_KEY, delegate, 0),
        sender=owner,
    )
    assert err.error_args == {"validity": 0, "max": 100 * 365 * 86400}
    reverts(
        "DIDRegistryInvalidValidity",
        chain,
        reg.functions.setAttribute(owner.address, NAME, b"x", 100 * 365 * 86400 + 1),
        sender=owner,
    )


def test_attributes_are_events_only(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg = nova.chain, nova_dm.registry
    owner = chain.dev_signer(1)
    r = chain.transact(reg.functions.setAttribute(owner.address, NAME, b"\x02" * 33, 86400), sender=owner)
    (ev,) = events(nova_dm, r, "DIDAttributeChanged")
    assert ev["value"] == b"\x02" * 33
    assert ev["validTo"] == chain.w3.eth.get_block(r.block_number)["timestamp"] + 86400
    r2 = chain.transact(reg.functions.revokeAttribute(owner.address, NAME, b"\x02" * 33), sender=owner)
    (ev2,) = events(nova_dm, r2, "DIDAttributeChanged")
    assert ev2["validTo"] == 0
    assert ev2["previousChange"] == r.block_number


def test_deactivation_is_final(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg = nova.chain, nova_dm.registry
    owner, delegate = chain.dev_signer(1), Account.create().address
    chain.transact(reg.functions.addDelegate(owner.address, VERI_KEY, delegate, 3600), sender=owner)
    chain.transact(reg.functions.changeOwner(owner.address, ZERO), sender=owner)
    assert chain.call(reg.functions.identityOwner(owner.address)) == ZERO  # ERC-1056 would hand it back to itself
    assert chain.call(reg.functions.isDeactivated(owner.address)) is True
    assert chain.call(reg.functions.validDelegate(owner.address, VERI_KEY, delegate)) is False
    for fn in (
        reg.functions.changeOwner(owner.address, owner.address),
        reg.functions.setAttribute(owner.address, NAME, b"x", 1),
        reg.functions.revokeCredential(owner.address, bytes(32)),
    ):
        err = reverts("DIDRegistryDeactivated", chain, fn, sender=owner)
        assert err.error_args == {"identity": owner.address.lower()}


def test_credential_revocation(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg = nova.chain, nova_dm.registry
    issuer, other = chain.dev_signer(1), chain.dev_signer(2)
    cid = keccak(b"urn:uuid:1")
    assert chain.call(reg.functions.isRevoked(issuer.address, cid)) is False
    reverts("DIDRegistryUnauthorized", chain, reg.functions.revokeCredential(issuer.address, cid), sender=other)
    r = chain.transact(reg.functions.revokeCredential(issuer.address, cid), sender=issuer)
    assert events(nova_dm, r, "CredentialRevoked") == [{"issuer": issuer.address, "credentialId": cid}]
    assert chain.call(reg.functions.isRevoked(issuer.address, cid)) is True
    at = chain.w3.eth.get_block(r.block_number)["timestamp"]
    assert chain.call(reg.functions.revokedAt(issuer.address, cid)) == at
    changed, revoked_at, _ = chain.call(reg.functions.credentialState(issuer.address, cid))
    assert (changed, revoked_at) == (0, at)  # revocation is not a change of the DID document
    err = reverts(
        "DIDRegistryAlreadyRevoked",
        chain,
        reg.functions.revokeCredential(issuer.address, cid),
        sender=issuer,
    )
    assert err.error_args["revokedAt"] == at


def test_guardian_pauses_changes_but_not_reads(nova: NovaChain, nova_dm: DIDManager) -> None:
    chain, reg = nova.chain, nova_dm.registry
    owner = chain.dev_signer(1)
    chain.transact(reg.functions.pause())
    reverts("EnforcedPause", chain, reg.functions.changeOwner(owner.address, owner.address), sender=owner)
    reverts("EnforcedPause", chain, reg.functions.revokeCredential(owner.address, bytes(32)), sender=owner)
    assert chain.call(reg.functions.identityOwner(owner.address)) == owner.address
    reverts("AccessControlUnauthorizedAccount", chain, reg.functions.unpause(), sender=owner)
    chain.transact(reg.functions.unpause())
    chain.transact(reg.functions.changeOwner(owner.address, owner.address), sender=owner)


def test_supports_erc165_interfaces(nova_dm: DIDManager) -> None:
    reg = nova_dm.registry
    selectors = [
        bytes.fromhex(i[2:])
        for i in (
            "0x01ffc9a7",  # ERC-165
            "0x7965db0b",  # IAccessControl
        )
    ]
    for s in selectors:
        assert nova_dm.chain.call(reg.functions.supportsInterface(s)) is True
    assert nova_dm.chain.call(reg.functions.supportsInterface(b"\xff\xff\xff\xff")) is False
