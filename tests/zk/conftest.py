"""ZK fixtures: a DIDManager over the session's DIDRegistry on the embedded chain (reverted around every test), an
issuer with a published key, a holder, and a committed credential issued by one to the other."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.did import DIDManager, deploy_steps, did_network
from novacron_chain.zk import ZkCredential
from tests._support import deployed_fixtures

ISSUER_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
HOLDER_KEY = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
OTHER_KEY = bytes.fromhex("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
CLAIMS = {"cpu": 4, "memory": 16384, "region": "us-east-1", "gpu": False}


@dataclass
class Party:
    """An identity with its key."""

    did: str
    key: bytes


embedded_zkdid_session, anvil_zkdid_session, znova, zembedded = deployed_fixtures("zkdid", deploy_steps)


@pytest.fixture
def dm(zembedded: NovaChain) -> DIDManager:
    """A DIDManager over the session's registry, reverted after the test."""
    network = did_network(zembedded.config.blockchain.network, zembedded.chain.chain_id)
    return DIDManager(zembedded.chain, zembedded.contract("DIDRegistry"), network)


@pytest.fixture
def issuer(dm: DIDManager) -> Party:
    """A certification authority whose public key is published."""
    party = Party(dm.did_of(Signer(ISSUER_KEY).address), ISSUER_KEY)
    dm.publish_key(party.did, party.key)
    return party


@pytest.fixture
def holder(dm: DIDManager) -> Party:
    """A host identity (never written on chain)."""
    return Party(dm.did_of(Signer(HOLDER_KEY).address), HOLDER_KEY)


@pytest.fixture
def other(dm: DIDManager) -> Party:
    """Someone else."""
    return Party(dm.did_of(Signer(OTHER_KEY).address), OTHER_KEY)


@pytest.fixture
def zcred(dm: DIDManager, issuer: Party, holder: Party) -> ZkCredential:
    """A committed credential about the holder: 4 CPUs, 16 GiB, us-east-1, no GPU."""
    return dm.issue_zk_credential(issuer.did, holder.did, CLAIMS, issuer.key)
