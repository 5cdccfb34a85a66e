"""Token fixtures: the token contract set deployed once per chain session, state reverted around every test."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.tokens import Resource, TokenManager, deploy_steps
from tests._support import deployed_fixtures

W = 10**18  # base units per whole token

# tnova: embedded and anvil; tembedded: embedded only
embedded_tokens_session, anvil_tokens_session, tnova, tembedded = deployed_fixtures("tokens", deploy_steps)


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
