"""Fixtures of the fault tests: one anvil of their own (restartable from its state dump), the contract set
deployed on it once, and connections to it directly or through a :class:`~tests.faultproxy.FaultProxy`."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode


@dataclass
class Node:
    """A restartable anvil: the same port and state file across restarts (``--state``: loaded at start, dumped
    when stopped with SIGTERM)."""

    state: Path
    port: int = 0
    anvil: AnvilNode | None = None
    restarts: int = 0
    dumped_heads: list[int] = field(default_factory=list)
    """The head block of each dump a restart started from."""
    dump_interval: int | None = None
    """Seconds between state dumps while running (``--state-interval``); None: only when stopped."""

    @property
    def url(self) -> str:
        assert self.anvil is not None
        return self.anvil.url

    def start(self) -> None:
        extra: tuple[str, ...] = ("--state", str(self.state))
        if self.dump_interval:
            extra += ("--state-interval", str(self.dump_interval))
        self.anvil = AnvilNode(port=self.port or None, extra_args=extra).start()
        self.port = self.anvil.port

    def stop(self) -> None:
        if self.anvil is not None:
            self.anvil.stop()  # SIGTERM: anvil dumps its state to the file on the way out

    def kill(self) -> None:
        """SIGKILL: no dump on the way out; a restart loads the last periodic dump, blocks after it are gone."""
        assert self.anvil is not None
        proc = self.anvil._proc
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.anvil.stop()  # cleans up its HOME

    def wait_for_dump(self, timeout: float = 10.0) -> None:
        """Return right after anvil wrote its next periodic dump."""
        before = self.state.stat().st_mtime_ns if self.state.exists() else 0
        deadline = time.monotonic() + timeout
        while (self.state.stat().st_mtime_ns if self.state.exists() else 0) == before:
            assert time.monotonic() < deadline, "anvil wrote no state dump"
            time.sleep(0.01)
        time.sleep(0.05)  # the write itself

    def restart(self) -> None:
        self.stop()
        self.dumped_heads.append(int(json.loads(self.state.read_bytes())["best_block_number"]))
        self.start()
        self.restarts += 1


def connect(url: str, data_dir: Path, **overrides: Any) -> NovaChain:
    """A NovaChain on ``url`` keeping its deployments, caches and state in ``data_dir``."""
    return NovaChain.connect(load_config(overrides={"network": url, "data_dir": data_dir, **overrides}))


@pytest.fixture(scope="package")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    n = Node(tmp_path_factory.mktemp("anvil-state") / "state.json")
    n.start()
    yield n
    n.stop()


@pytest.fixture(scope="package")
def deployed(node: Node, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose deployments.json lists the whole contract set deployed on ``node``."""
    data_dir = tmp_path_factory.mktemp("faults-data")
    with connect(node.url, data_dir) as nc:
        nc.deploy()
    return data_dir


@pytest.fixture
def data_dir(deployed: Path, tmp_path: Path) -> Path:
    """A data dir of this test's own (state, event caches) with the package's deployments."""
    (tmp_path / "deployments.json").write_bytes((deployed / "deployments.json").read_bytes())
    return tmp_path
