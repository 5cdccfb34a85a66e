"""Orchestrator fixtures: the token set and the orchestrator contracts deployed once per session chain (staking
reward reserves funded, so reservations can be made), state reverted around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.cli._vm_cmds import fund_staking_rewards
from novacron_chain.orchestrator import ContractOrchestrator, SLAOracle, SLATerms, deploy_steps
from novacron_chain.tokens import deploy_steps as token_steps

CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
OTHER_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
_deployed: set[int] = set()


def deploy_orchestrator(nc: NovaChain) -> None:
    """The token set and VMLifecycle + SLAContract, with funded staking rewards (once per session chain)."""
    if id(nc) in _deployed:
        return
    cfg = nc.config.blockchain
    nc.deploy(steps=[*token_steps(cfg), *deploy_steps(cfg)])
    fund_staking_rewards(nc)
    _deployed.add(id(nc))


def _reverting(nc: NovaChain) -> Iterator[NovaChain]:
    snap = nc.chain.snapshot()
    signer = nc.chain.signer
    try:
        yield nc
    finally:
        nc.chain.revert(snap)
        nc.chain.use_signer(signer)


@pytest.fixture
def orch_nova(embedded_session: NovaChain) -> Iterator[NovaChain]:
    """The embedded session chain with the orchestrator deployed; reverted after each test."""
    deploy_orchestrator(embedded_session)
    yield from _reverting(embedded_session)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def any_nova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """The same test on the embedded chain and on anvil, orchestrator deployed; reverted after each test."""
    session: NovaChain = request.getfixturevalue(f"{request.param}_session")
    deploy_orchestrator(session)
    yield from _reverting(session)


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
