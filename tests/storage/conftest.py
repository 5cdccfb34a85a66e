"""Fixtures of the storage tests: both backends for the conformance suite, the CID oracle, big test files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from novacron_chain.storage import ContentStore, EmbeddedStore, IpfsApiServer, KuboStore
from tests._support import block_path as block_path  # re-exported for the storage tests

from ._vectors import content

IPFS_CID = shutil.which("ipfs_cid")

requires_ipfs_cid = pytest.mark.skipif(
    IPFS_CID is None,
    reason="Debian's ipfs_cid is not installed (apt-get install -y ipfs-cid); the hard-coded vectors still run",
)

BIG = 50_000_000  # over 174 * 256 KiB = 45,613,056 bytes: a two-level tree


@dataclass
class Backend:
    """A store under test, and the embedded store whose files hold its blocks (to damage them on purpose)."""

    name: str
    store: ContentStore
    disk: EmbeddedStore


@pytest.fixture(params=["embedded", "kubo-rpc"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each backend in turn: the embedded store, and KuboStore talking to our /api/v0 server over loopback."""
    disk = EmbeddedStore(tmp_path / "store")
    if request.param == "embedded":
        yield Backend("embedded", disk, disk)
        return
    with IpfsApiServer(disk, port=0) as server, KuboStore(server.url, timeout=20) as client:
        yield Backend("kubo-rpc", client, disk)


@pytest.fixture
def store(backend: Backend) -> ContentStore:
    return backend.store


@pytest.fixture
def embedded_store(tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(tmp_path / "store")


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 50 MB file of ``content(BIG)``."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    path.write_bytes(content(BIG))
    return path


def damage(path: Path) -> None:
    """Flip one byte in the middle of a file, keeping its size."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
