"""Fixtures of the state tests: StateAnchor deployed once per chain session, a manager per test in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from novacron_chain import NovaChain
from novacron_chain.state import StateManager, VMState, VMStateRecord, deploy_steps
from novacron_chain.storage import EmbeddedStore
from tests._support import block_path as block_path  # re-exported for the state tests
from tests._support import deployed_fixtures

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


# StateAnchor deployed once per session. snova: embedded and anvil; sembedded: embedded only.
embedded_state_session, anvil_state_session, snova, sembedded = deployed_fixtures("state", deploy_steps)


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
