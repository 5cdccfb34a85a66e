"""Token fixtures: the token contract set deployed once per chain session, state reverted around every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from novacron_chain import NovaChain
from novacron_chain.tokens import Resource, TokenManager, deploy_steps
from tests.conftest import _reverting

W = 10**18  # base units per whole token


def _deployed(nc: NovaChain) -> NovaChain:
    nc.deploy(steps=deploy_steps(nc.config.blockchain))
    return nc


@pytest.fixture(scope="session")
def embedded_tokens_session(embedded_session: NovaChain) -> NovaChain:
    return _deployed(embedded_session)


@pytest.fixture(scope="session")
def anvil_tokens_session(anvil_session: NovaChain) -> NovaChain:
    return _deployed(anvil_session)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def tnova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """The token contract set on the embedded chain and on anvil; reverted after each test."""
    session: NovaChain = request.getfixturevalue(f"{request.param}_tokens_session")
    yield from _reverting(session)


@pytest.fixture
def tembedded(embedded_tokens_session: NovaChain) -> Iterator[NovaChain]:
    """The token contract set on the embedded chain only; reverted after each test."""
    yield from _reverting(embedded_tokens_session)


@pytest.fixture
def tm(tembedded: NovaChain) -> TokenManager:
    """The TokenManager of the embedded chain (signer: dev account 0)."""
    return tembedded.tokens


def seed_pools(tm: TokenManager) -> None:
    """Buy inventory on the curve and seed the CPU/native and CPU/MEM pools (from the current signer)."""
    tm.buy(Resource.CPU, 3_000 * W)
    tm.buy(Resource.MEM, 3_000 * W)
    tm.add_liquidity(Resource.CPU, 1_000 * W, 2 * W)
    tm.add_liquidity(Resource.CPU, 1_000 * W, 2_000 * W, other=Resource.MEM)
