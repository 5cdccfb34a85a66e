"""The ZK contracts (the compare circuit's Groth16Verifier and the CapacityRegistry) over a DIDRegistry, deployed
once per session on the embedded chain and reverted around every test; parties with their keys."""

from __future__ import annotations

from novacron_chain import did, zk
from novacron_chain.chain import DeployStep
from novacron_chain.config import BlockchainConfig
from novacron_chain.zk import _deploy
from tests._support import deployed_fixtures


def _steps(config: BlockchainConfig) -> list[DeployStep]:
    return [*did.deploy_steps(config), *_deploy.deploy_steps(config)]


assert zk  # the package imports (its __init__ pulls _onchain in through _errors)

# zkembedded: the embedded chain with the contracts, reverted after each test
embedded_zk_onchain_session, anvil_zk_onchain_session, zknova, zkembedded = deployed_fixtures("zk_onchain", _steps)
