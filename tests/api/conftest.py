"""Fixtures of the API tests: one embedded chain per test module, deployed once, with a VM, an anchored state
record and the staking rewards funded; an API key file with a key of each scope; the app over it behind FastAPI's
TestClient (``client`` sends the write key, ``anon`` nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, Scope, create_app
from novacron_chain.orchestrator import VMLifecycleOperation
from novacron_chain.state import VMState, VMStateRecord

VM = "vm-api-1"


@pytest.fixture(scope="module")
def api_nova() -> Iterator[NovaChain]:
    """A deployed embedded chain with ``vm-api-1`` created and one of its states anchored (per module: the
    schemathesis run writes to it)."""
    nc = NovaChain.embedded(enable_cross_chain=True, supported_chains=[])  # the bridge over this chain only
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
def key_store(tmp_path_factory: pytest.TempPathFactory) -> ApiKeyStore:
    """An API key file of its own (never the user's data dir)."""
    return ApiKeyStore(Path(tmp_path_factory.mktemp("keys")) / "api-keys.json")


@pytest.fixture(scope="module")
def api_keys(key_store: ApiKeyStore) -> dict[Scope, str]:
    """One key per scope."""
    return {scope: key_store.create(scope, name=f"test-{scope.label}")[1] for scope in Scope}


@pytest.fixture(scope="module")
def client(api_nova: NovaChain, key_store: ApiKeyStore, api_keys: dict[Scope, str]) -> Iterator[TestClient]:
    """The API over :func:`api_nova`, sending the write key; a server-side exception reaches the test as a 500."""
    app = create_app(api_nova, keys=key_store)
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": api_keys[Scope.WRITE]}) as c:
        yield c


@pytest.fixture(scope="module")
def anon(client: TestClient) -> Iterator[TestClient]:
    """The same app as :func:`client`, without a credential."""
    with TestClient(client.app, raise_server_exceptions=False) as c:
        yield c
