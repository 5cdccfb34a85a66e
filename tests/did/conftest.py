"""Identity fixtures: a DIDManager over a DIDRegistry that is fresh in every test (deployed once per session and
reverted around every test on the embedded chain; deployed in the test on the ``nova`` chains), and parties."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.did import DIDManager, deploy_steps, did_network
from tests._support import deployed_fixtures

ISSUER_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
HOLDER_KEY = bytes.fromhex("8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f")


def make_manager(nc: NovaChain, **kwargs: object) -> DIDManager:
    """Deploy a DIDRegistry (admin and guardian: the chain's signer) and wrap it in a DIDManager."""
    me = nc.chain.signer.address
    registry, _ = nc.chain.deploy("DIDRegistry", me, me)
    network = did_network(nc.config.blockchain.network, nc.chain.chain_id)
    return DIDManager(nc.chain, registry, network, **kwargs)  # type: ignore[arg-type]


@dataclass
class Party:
    """An identity with its key."""

    did: str
    key: bytes

    @property
    def signer(self) -> Signer:
        return Signer(self.key)

    @property
    def address(self) -> str:
        return self.signer.address


# the DIDRegistry deploy step (admin and guardian: the deployer) once per session; dembedded: embedded only
embedded_did_session, anvil_did_session, dnova, dembedded = deployed_fixtures("did", deploy_steps)


@pytest.fixture
def dm(dembedded: NovaChain) -> DIDManager:
    """A DIDManager over the session's registry on the embedded chain, as fresh as a new one: reverted after."""
    network = did_network(dembedded.config.blockchain.network, dembedded.chain.chain_id)
    return DIDManager(dembedded.chain, dembedded.contract("DIDRegistry"), network)


@pytest.fixture
def nova_dm(nova: NovaChain) -> DIDManager:
    """A DIDManager over a fresh registry on the embedded chain and on anvil."""
    return make_manager(nova)


@pytest.fixture
def issuer(dm: DIDManager) -> Party:
    """A provider whose public key is published (the document carries publicKeyMultibase)."""
    party = Party(dm.did_of(Signer(ISSUER_KEY).address), ISSUER_KEY)
    dm.publish_key(party.did, party.key)
    return party


@pytest.fixture
def holder(dm: DIDManager) -> Party:
    """A VM identity that was never written on chain."""
    return Party(dm.did_of(Signer(HOLDER_KEY).address), HOLDER_KEY)
