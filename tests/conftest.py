"""Shared fixtures: one embedded chain and one anvil per session, state reverted around every test.

Domain conftests add their contracts with :func:`tests._support.deployed_fixtures`.

``make test`` runs the suite on both cores (pytest-xdist, ``--dist loadgroup``): every test of one domain folder runs
in the same worker, so a domain's session fixtures (its deployed contracts, its anvil) are built once, not once per
worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode
from tests._support import reverting

# tests never read the developer's key or data dir
for _var in (
    "BLOCKCHAIN_PRIVATE_KEY",
    "NOVACRON_KEYSTORE_PASSPHRASE",
    "NOVACRON_NETWORK",
    "NOVACRON_DATA_DIR",
):
    os.environ.pop(_var, None)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup``: one group per domain folder (``tests/consensus/...``: "consensus"; a top-level file: its
    own), each run whole by one worker. Done here by path: pytest 9 ignores the node ids xdist 3.8 rewrites for
    ``xdist_group`` marks, so marks would leave the tests spread one by one."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class DomainScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            parts = nodeid.split("::", 1)[0].split("/")
            return parts[1] if len(parts) > 2 else parts[-1]

    return DomainScheduling(config, log)


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[AnvilNode]:
    """A real anvil on a free loopback port, for tests marked ``integration``."""
    with AnvilNode() as node:
        yield node


@pytest.fixture(scope="session")
def embedded_session() -> Iterator[NovaChain]:
    nc = NovaChain.embedded()
    yield nc
    nc.close()


@pytest.fixture(scope="session")
def anvil_session(anvil_node: AnvilNode) -> Iterator[NovaChain]:
    nc = NovaChain.connect(load_config(overrides={"network": anvil_node.url, "data_dir": "/nonexistent-novacron"}))
    nc.deployments.path = None  # keep records in memory
    yield nc
    nc.close()


@pytest.fixture
def embedded(embedded_session: NovaChain) -> Iterator[NovaChain]:
    """The session's embedded chain; everything a test does is reverted after it."""
    yield from reverting(embedded_session)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def nova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """The same test on the embedded chain and on anvil; reverted after each test."""
    session: NovaChain = request.getfixturevalue(f"{request.param}_session")
    yield from reverting(session)
