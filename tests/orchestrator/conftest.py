"""Orchestrator fixtures: the token set and the orchestrator contracts deployed once per session chain (staking
reward reserves funded, so reservations can be made), state reverted around every test."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import DeployStep, Signer
from novacron_chain.config import BlockchainConfig
from novacron_chain.orchestrator import ContractOrchestrator, SLAOracle, SLATerms, deploy_steps
from novacron_chain.tokens import deploy_steps as token_steps
from tests._support import deployed_fixtures

CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
OTHER_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def orchestrator_steps(cfg: BlockchainConfig) -> list[DeployStep]:
    """The token set and VMLifecycle + SLAContract (the orchestrator pays and stakes in resource tokens)."""
    return [*token_steps(cfg), *deploy_steps(cfg)]


def fund_rewards(nc: NovaChain) -> None:
    """Fund the staking reward reserves, so that reservations can be made."""
    nc.tokens.fund_staking_rewards()


# The token set and VMLifecycle + SLAContract deployed (kept), staking rewards funded until the package ends: the
# funding buys tokens on the market, which later packages' exact-amount tests must not see.
# any_nova: embedded and anvil; orch_nova: embedded only.
embedded_orchestrator_session, anvil_orchestrator_session, any_nova, orch_nova = deployed_fixtures(
    "orchestrator", orchestrator_steps, scope="package", setup=fund_rewards
)


@pytest.fixture
def co(orch_nova: NovaChain) -> ContractOrchestrator:
    """The orchestrator on the embedded chain."""
    return orch_nova.orchestrator


def dev(nc: NovaChain, i: int) -> Signer:
    """Dev account ``i``."""
    return nc.chain.dev_signer(i)


def oracles(nc: NovaChain, *indices: int) -> list[SLAOracle]:
    """Oracles from dev accounts (the dev oracle set is accounts 5-9)."""
    return [SLAOracle(nc.chain.dev_signer(i)) for i in indices]


def seed_terms(nc: NovaChain, **overrides: object) -> SLATerms:
    """The seed's SLA: uptime 99.9 / latency 100, penalties 1000 / 500, stake 10000; provider dev 1, customer dev 2."""
    args: dict[str, object] = {
        "provider": dev(nc, 1).address,
        "customer": dev(nc, 2).address,
        "guarantees": {"uptime": 99.9, "latency": 100},
        "penalties": {"uptime": 1000, "latency": 500},
        "stake": 10000,
        **overrides,
    }
    return SLATerms.from_seed(**args)  # type: ignore[arg-type]


def cpu_balance(nc: NovaChain, address: str) -> int:
    """CPU token balance of ``address``."""
    return int(nc.chain.call(nc.contract("CPUToken").functions.balanceOf(address)))
