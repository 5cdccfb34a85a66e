"""Governance fixtures: the session chains with the whole contract set deployed once (outside any snapshot), then
reverted around every test."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.governance import GovernanceManager
from tests._support import deployed_fixtures


def _after_delegations(nc: NovaChain) -> None:
    # votes count from the second after their delegation (the governor reads them one second back): on anvil a
    # test could otherwise start in the same second as the deployment's delegations
    nc.chain.advance(1)


# gnova: embedded and anvil; gembedded: embedded only
embedded_governance_session, anvil_governance_session, gnova, gembedded = deployed_fixtures(
    "governance", setup=_after_delegations
)


@pytest.fixture
def gm(gnova: NovaChain) -> GovernanceManager:
    """The governance manager of ``gnova``."""
    return gnova.governance
