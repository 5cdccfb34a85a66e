"""Governance fixtures: the session chains with the whole contract set deployed once (outside any snapshot), then
reverted around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from novacron_chain import NovaChain
from novacron_chain.governance import GovernanceManager


def _deployed_and_reverting(nc: NovaChain) -> Iterator[NovaChain]:
    nc.deploy()  # idempotent: the first test deploys, later ones find the contracts (never inside a snapshot)
    # votes count from the second after their delegation (the governor reads them one second back): on anvil a
    # test could otherwise start in the same second as the deployment's delegations
    nc.chain.advance(1)
    snap = nc.chain.snapshot()
    signer = nc.chain.signer
    try:
        yield nc
    finally:
        nc.chain.revert(snap)
        nc.chain.use_signer(signer)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def gnova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """The deployed contract set on the embedded chain and on anvil; reverted after each test."""
    session: NovaChain = request.getfixturevalue(f"{request.param}_session")
    yield from _deployed_and_reverting(session)


@pytest.fixture
def gembedded(embedded_session: NovaChain) -> Iterator[NovaChain]:
    """The deployed contract set on the embedded chain only; reverted after each test."""
    yield from _deployed_and_reverting(embedded_session)


@pytest.fixture
def gm(gnova: NovaChain) -> GovernanceManager:
    """The governance manager of ``gnova``."""
    return gnova.governance
