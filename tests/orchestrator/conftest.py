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
from tests.conftest import _reverting

CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
OTHER_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


def _funded(nc: NovaChain) -> Iterator[NovaChain]:
    """The token set and VMLifecycle + SLAContract deployed (kept), staking rewards funded until the package ends:
    the funding buys tokens on the market, which later packages' exact-amount tests must not see."""
    cfg = nc.config.blockchain
    nc.deploy(steps=[*token_steps(cfg), *deploy_steps(cfg)])
    before_funding = nc.chain.snapshot()
    fund_staking_rewards(nc)
    yield nc
    nc.chain.revert(before_funding)


@pytest.fixture(scope="package")
def orch_embedded_session(embedded_session: NovaChain) -> Iterator[NovaChain]:
    yield from _funded(embedded_session)


@pytest.fixture(scope="package")
def orch_anvil_session(anvil_session: NovaChain) -> Iterator[NovaChain]:
    yield from _funded(anvil_session)


@pytest.fixture
def orch_nova(orch_embedded_session: NovaChain) -> Iterator[NovaChain]:
    """The embedded session chain with the orchestrator deployed; reverted after each test."""
    yield from _reverting(orch_embedded_session)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def any_nova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """The same test on the embedded chain and on anvil, orchestrator deployed; reverted after each test."""
    session: NovaChain = request.getfixturevalue(f"orch_{request.param}_session")
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
