"""Security fixtures: the session chains with the whole contract set deployed once (outside any snapshot, shared
with the other domains' tests), reverted around every test."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.security import ContractSecurity
from tests._support import deployed_fixtures

# snova: embedded and anvil; sembedded: embedded only
embedded_security_session, anvil_security_session, snova, sembedded = deployed_fixtures("security")


@pytest.fixture
def sec(snova: NovaChain) -> ContractSecurity:
    """The security manager of ``snova``."""
    return snova.security
