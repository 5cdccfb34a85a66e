"""Capacity registered with a zero-knowledge proof on the embedded chain (py-evm, Prague: EIP-2537).

The real thing end to end: the engine proves "certified cpu >= offered" for the registry's context, the issuer signs
the commitment, CapacityRegistry checks trust, signature, revocation, expiry and nonce in the DIDRegistry and the
proof in the Groth16Verifier. Refusals come back as the contracts' custom errors with their hints. py-evm's pairing
is pure Python (seconds per verification, and a reverted transaction is replayed once to read its error): the tests
that run a full verification are marked slow; the others are refused before the pairing or checked off chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_typing import HexStr
from eth_utils import keccak

from novacron_chain import NovaChain
from novacron_chain.chain import Signer, checksum, dev_signers
from novacron_chain.did import DIDManager, did_network
from novacron_chain.errors import ContractCustomError, NovaValueError
from novacron_chain.tokens import Resource
from novacron_chain.zk import ClaimNotCommittedError, StatementFalseError, ZkProofInvalidError, commit
from novacron_chain.zk._deploy import VERIFIER_STEP, check_verifying_key
from novacron_chain.zk._onchain import (
    ONCHAIN_ERROR_HINTS,
    REGISTER_GAS,
    CapacityRegistration,
    CapacityRegistryClient,
    CommittedClaim,
    committed_claim_digest,
    sign_committed_claim,
)

CERTIFIED = 8
SALT = int.from_bytes(keccak(b"tests/zk_onchain salt"), "big") % 2**250
CREDENTIAL_ID = keccak(b"urn:uuid:host-7-cpu")


@dataclass
class World:
    nc: NovaChain
    client: CapacityRegistryClient
    issuer: Signer
    provider: Signer

    def claim(self, *, signer: Signer | None = None, expires_at: int = 0, claim: str = "cpu") -> CommittedClaim:
        commitment = commit(CERTIFIED, SALT)
        signature = sign_committed_claim(
            signer or self.issuer,
            self.issuer.address,
            self.provider.address,
            CREDENTIAL_ID,
            claim,
            commitment,
            expires_at,
        )
        return CommittedClaim(self.issuer.address, CREDENTIAL_ID, commitment, signature, expires_at)

    def proof(self, amount: int, nonce: int | None = None) -> bytes:
        proof, _ = self.client.prove_capacity(self.provider.address, amount, value=CERTIFIED, salt=SALT, nonce=nonce)
        return proof

    def register(self, amount: int, proof: bytes, **kwargs: object) -> CapacityRegistration:
        return self.client.register_capacity(
            Resource.CPU,
            amount,
            kwargs.pop("claim", None) or self.claim(),  # type: ignore[arg-type]
            proof,
            sender=self.provider,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture
def world(zkembedded: NovaChain) -> World:
    nc = zkembedded
    client = CapacityRegistryClient(nc.chain, nc.contract("CapacityRegistry").address)
    issuer, provider = dev_signers()[3], dev_signers()[2]
    # until the lead merges zk.ERROR_HINTS into system_error_hints (then this is a no-op)
    nc.chain.add_error_hints(ONCHAIN_ERROR_HINTS)
    client.set_trusted_issuer(issuer.address)
    return World(nc, client, issuer, provider)


def _refused(excinfo: pytest.ExceptionInfo[ContractCustomError], name: str) -> ContractCustomError:
    exc = excinfo.value
    assert exc.error_name == name, str(exc)
    assert exc.hint, f"{name} has no hint"
    return exc


# -- agreement with the contracts (no verification) ---------------------------------------------------------------


def test_deployment_holds_the_committed_key(world: World) -> None:
    check_verifying_key(world.nc.chain, world.nc.contract(VERIFIER_STEP).address)
    assert world.client.is_trusted_issuer(world.issuer.address)
    assert world.client.is_trusted_issuer(world.nc.chain.signer.address)  # dev chains: the deployer


def test_context_and_claim_digest_agree_with_the_contract(world: World) -> None:
    c, p = world.client, world.provider.address
    for nonce in (0, 1, 2**64):
        assert c.context_of(p, nonce) == world.nc.chain.call(c.registry.functions.contextOf(p, nonce))
    claim = world.claim()
    fields = (world.issuer.address, p, CREDENTIAL_ID, "memory", claim.commitment, 123)
    assert committed_claim_digest(*fields) == world.nc.chain.call(c.registry.functions.claimDigest(*fields))


# -- refused before the pairing -------------------------------------------------------------------------------------


def test_untrusted_issuer_refused(world: World) -> None:
    world.client.set_trusted_issuer(world.issuer.address, False)
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, world.proof(4))
    exc = _refused(excinfo, "CapacityRegistryUntrustedIssuer")
    assert checksum(exc.error_args["issuer"]) == world.issuer.address
    assert "setTrustedIssuer" in str(exc)


def test_revoked_credential_refused(world: World) -> None:
    did = world.nc.contract("DIDRegistry")
    world.nc.chain.transact(did.functions.revokeCredential(world.issuer.address, CREDENTIAL_ID), sender=world.issuer)
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, world.proof(4))
    _refused(excinfo, "CapacityRegistryCredentialRevoked")


def test_wrong_nonce_refused(world: World) -> None:
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, world.proof(4, nonce=1), nonce=1)
    exc = _refused(excinfo, "CapacityRegistryWrongNonce")
    assert (exc.error_args["nonce"], exc.error_args["expected"]) == (1, 0)


def test_forged_or_misused_signature_refused(world: World) -> None:
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, world.proof(4), claim=world.claim(signer=dev_signers()[5]))
    _refused(excinfo, "CapacityRegistryBadIssuerSignature")
    with pytest.raises(ContractCustomError) as excinfo:  # a memory claim presented for CPU
        world.register(4, world.proof(4), claim=world.claim(claim="memory"))
    _refused(excinfo, "CapacityRegistryBadIssuerSignature")


def test_expired_credential_refused(world: World) -> None:
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, world.proof(4), claim=world.claim(expires_at=world.nc.chain.timestamp() - 1))
    _refused(excinfo, "CapacityRegistryCredentialExpired")


def test_tampered_proof_refused_on_chain(world: World) -> None:
    proof = bytearray(world.proof(4))
    proof[100] ^= 1  # A.x changed: off the curve, the pairing precompile refuses it before pairing
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, bytes(proof), precheck=False)
    _refused(excinfo, "CapacityRegistryInvalidProof")
    publics = [commit(CERTIFIED, SALT), 1, 4, world.client.context_of(world.provider.address)]
    assert world.client.verify_proof(bytes(proof), publics) is False


# -- refused off chain, nothing sent --------------------------------------------------------------------------------


def test_precheck_refuses_bad_proofs_without_sending(world: World) -> None:
    block = world.nc.chain.block_number
    proof = world.proof(4)
    with pytest.raises(ZkProofInvalidError, match="does not verify"):
        world.register(5, proof)  # made for 4
    with pytest.raises(ZkProofInvalidError, match="does not verify"):
        world.register(4, world.proof(4, nonce=1))  # made for the next-but-one nonce
    tampered = bytearray(proof)
    tampered[100] ^= 1
    with pytest.raises(ZkProofInvalidError, match="not valid BLS12-381 points"):
        world.register(4, bytes(tampered))
    assert world.nc.chain.block_number == block
    assert world.client.nonce_of(world.provider.address) == 0


def test_prover_refuses_an_offer_above_the_certified_figure(world: World) -> None:
    with pytest.raises(StatementFalseError):
        world.proof(CERTIFIED + 1)


@pytest.mark.parametrize(("resource", "amount"), [("CPU", 0), ("CPU", 2**64), ("CPU", True), ("GPU", 4)])
def test_bad_input_gets_a_clear_error(world: World, resource: str, amount: int) -> None:
    with pytest.raises(NovaValueError):
        world.client.register_capacity(resource, amount, world.claim(), bytes(512), sender=world.provider)


# -- full verifications (slow on py-evm) ----------------------------------------------------------------------------


@pytest.mark.slow
def test_register_capacity_with_a_proof(world: World) -> None:
    c, p = world.client, world.provider.address
    reg = world.register(4, world.proof(4))
    assert (reg.provider, reg.resource, reg.amount, reg.nonce) == (p, Resource.CPU, 4, 0)
    assert reg.issuer == world.issuer.address
    assert reg.credential_id == CREDENTIAL_ID
    receipt = world.nc.chain.w3.eth.get_transaction_receipt(HexStr(reg.tx_hash))
    print(f"\nregisterCapacity transaction gas on py-evm: {receipt['gasUsed']:,}")
    assert receipt["gasUsed"] < REGISTER_GAS
    record = c.capacity_of(p, "cpu")
    assert (record.amount, record.commitment, record.active) == (4, commit(CERTIFIED, SALT), True)
    assert c.active_capacity(p, Resource.CPU) == 4
    assert c.nonce_of(p) == 1
    assert [r.amount for r in c.registrations(p)] == [4]

    # the same proof again: a replay of nonce 0
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(4, world.proof(4, nonce=0), nonce=0)
    _refused(excinfo, "CapacityRegistryNonceUsed")

    # revocation takes the capacity off the market at once; withdrawal deletes it
    did = world.nc.contract("DIDRegistry")
    world.nc.chain.transact(did.functions.revokeCredential(world.issuer.address, CREDENTIAL_ID), sender=world.issuer)
    assert c.active_capacity(p, Resource.CPU) == 0
    assert not c.capacity_of(p, Resource.CPU).active
    c.withdraw_capacity(Resource.CPU, sender=world.provider)
    assert c.capacity_of(p, Resource.CPU).amount == 0


@pytest.mark.slow
def test_offer_above_the_certified_figure_refused_on_chain(world: World) -> None:
    with pytest.raises(ContractCustomError) as excinfo:
        world.register(CERTIFIED + 1, world.proof(CERTIFIED), precheck=False)
    exc = _refused(excinfo, "CapacityRegistryInvalidProof")
    assert exc.error_args["amount"] == CERTIFIED + 1


@pytest.mark.slow
def test_register_with_a_committed_credential(world: World) -> None:
    """The holder's flow: the issuer issues a committed credential through the DIDManager, the provider registers
    from it (the proof is made inside, for its next nonce)."""
    dm = DIDManager(
        world.nc.chain,
        world.nc.contract("DIDRegistry"),
        did_network(world.nc.config.blockchain.network, world.nc.chain.chain_id),
    )
    issuer_did, provider_did = dm.did_of(world.issuer.address), dm.did_of(world.provider.address)
    credential = dm.issue_zk_credential(issuer_did, provider_did, {"cpu": 16, "memory": 65536}, world.issuer)
    with pytest.raises(StatementFalseError):
        world.client.register_with_credential(credential, Resource.CPU, 17, sender=world.provider)
    with pytest.raises(ClaimNotCommittedError, match="storage"):
        world.client.register_with_credential(credential, Resource.STO, 1, sender=world.provider)
    with pytest.raises(NovaValueError, match="subject"):
        world.client.register_with_credential(credential, Resource.CPU, 4, sender=world.issuer)
    reg = world.client.register_with_credential(credential, "mem", 32768, sender=world.provider)
    assert (reg.resource, reg.amount, reg.issuer) == (Resource.MEM, 32768, world.issuer.address)
    assert world.client.active_capacity(world.provider.address, Resource.MEM) == 32768
