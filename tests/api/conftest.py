"""Fixtures of the API tests: one embedded chain per test module, deployed once, with a VM, an anchored state
record and the staking rewards funded; the app over it behind FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from novacron_chain import NovaChain
from novacron_chain.api import create_app
from novacron_chain.orchestrator import VMLifecycleOperation
from novacron_chain.state import VMState, VMStateRecord

VM = "vm-api-1"


@pytest.fixture(scope="module")
def api_nova() -> Iterator[NovaChain]:
    """A deployed embedded chain with ``vm-api-1`` created and one of its states anchored (per module: the
    schemathesis run writes to it)."""
    nc = NovaChain.embedded()
    try:
        nc.deploy()
        nc.tokens.fund_staking_rewards()
        nc.orchestrator.create_vm(VMLifecycleOperation(VM, "us-east-1", 2, 2048), reserve=True)
        me = nc.chain.signer.address
        nc.state.record_vm_state(VMStateRecord(VM, me, "us-east-1", VMState.RUNNING, 2, 2048))
        nc.state.flush()
        yield nc
    finally:
        nc.close()


@pytest.fixture(scope="module")
def client(api_nova: NovaChain) -> Iterator[TestClient]:
    """The API over :func:`api_nova`; a server-side exception reaches the test as a 500 response."""
    with TestClient(create_app(api_nova), raise_server_exceptions=False) as c:
        yield c
