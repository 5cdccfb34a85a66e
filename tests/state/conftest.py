"""Fixtures of the state tests: StateAnchor deployed once per chain session, a manager per test in tmp_path."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from multiformats import CID

from novacron_chain import NovaChain
from novacron_chain.state import StateManager, VMState, VMStateRecord, deploy_steps
from novacron_chain.storage import EmbeddedStore
from tests.conftest import _reverting

OWNER = "0x" + "ab" * 20
BASE_TIME = 1_700_000_000_000


def make_record(i: int, *, vm: str | None = None, state: VMState = VMState.RUNNING) -> VMStateRecord:
    """Record ``i`` of a deterministic series: 10 VMs, one millisecond apart."""
    return VMStateRecord(
        vm_id=vm or f"vm-{i % 10:04d}",
        owner=OWNER,
        region="us-east-1",
        state=state,
        cpu_allocation=1 + i % 16,
        memory_allocation=1024 * (1 + i % 8),
        timestamp=BASE_TIME + i,
    )


def block_path(store_dir: Path, cid: str) -> Path:
    """Where EmbeddedStore's documented layout puts a block: blocks/<next-to-last 2 of KEY>/<KEY>.data."""
    key = base64.b32encode(bytes(CID.decode(cid).digest)).decode().rstrip("=")
    return store_dir / "blocks" / key[-3:-1] / f"{key}.data"


def _deployed(nc: NovaChain) -> NovaChain:
    nc.deploy(steps=deploy_steps(nc.config.blockchain))
    return nc


@pytest.fixture(scope="session")
def embedded_state_session(embedded_session: NovaChain) -> NovaChain:
    return _deployed(embedded_session)


@pytest.fixture(scope="session")
def anvil_state_session(anvil_session: NovaChain) -> NovaChain:
    return _deployed(anvil_session)


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def snova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """A chain with StateAnchor deployed (embedded, and anvil for integration runs); reverted after each test."""
    session: NovaChain = request.getfixturevalue(f"{request.param}_state_session")
    yield from _reverting(session)


@pytest.fixture
def sembedded(embedded_state_session: NovaChain) -> Iterator[NovaChain]:
    """The embedded chain only, with StateAnchor deployed; reverted after each test."""
    yield from _reverting(embedded_state_session)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "ipfs"


@pytest.fixture
def open_manager(tmp_path: Path, store_dir: Path) -> Iterator[Callable[..., StateManager]]:
    """Open managers on one state dir and store (closed at the end); keywords go to StateManager."""
    opened: list[StateManager] = []
    stores: list[EmbeddedStore] = []

    def _open(nc: NovaChain, **kw: Any) -> StateManager:
        store = EmbeddedStore(store_dir, durable=False)
        stores.append(store)
        kw.setdefault("batch_size", 16)
        kw.setdefault("batch_max_wait", 3600)
        sm = StateManager(nc.chain, nc.contract("StateAnchor"), store, data_dir=tmp_path / "state", **kw)
        opened.append(sm)
        return sm

    yield _open
    for sm in opened:
        sm.close()
