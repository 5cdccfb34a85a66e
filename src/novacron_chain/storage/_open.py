"""The content store a NovaCron config names."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ._base import ContentStore
from ._embedded import EmbeddedStore
from ._kubo import KuboStore

if TYPE_CHECKING:
    from ..config import BlockchainConfig

__all__ = ["open_store"]


def open_store(config: BlockchainConfig, *, path: Path | None = None) -> ContentStore:
    """The content store ``config`` names: a Kubo node at ``ipfs_endpoint``, else the embedded store in
    ``<data_dir>/ipfs`` (or ``path``). The caller closes it."""
    if config.ipfs_endpoint:
        return KuboStore(config.ipfs_endpoint)
    return EmbeddedStore(path or config.resolved_data_dir / "ipfs")
