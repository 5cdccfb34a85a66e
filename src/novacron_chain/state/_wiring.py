"""How the state layer plugs into a NovaCron deployment: its deploy step and a manager from a connected NovaChain."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..chain import DeployContext, DeployStep
from ..config import BlockchainConfig
from ..storage import ContentStore, EmbeddedStore, KuboStore
from ._errors import StateValueError
from ._hashing import keccak
from ._manager import StateManager

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from .._nova import NovaChain

__all__ = ["ANCHORER_ROLE", "deploy_steps", "open_state", "open_store"]

ANCHORER_ROLE = keccak(b"ANCHORER_ROLE")
"""The role ``StateAnchor.anchor`` requires (``keccak256("ANCHORER_ROLE")``)."""

_ZERO_ADDRESS = "0x" + "00" * 20


def _anchor_args(ctx: DeployContext) -> tuple[str, str]:
    guardian = ctx.deployer if ctx.config.emergency_pause_enabled else _ZERO_ADDRESS
    return ctx.deployer, guardian


def _anchor_setup(ctx: DeployContext, contract: Contract) -> list[ContractFunction]:
    return [contract.functions.grantRole(ANCHORER_ROLE, ctx.deployer)]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The state layer's contracts: ``StateAnchor`` (admin: the deployer; guardian: the deployer when
    ``emergency_pause_enabled``), with ANCHORER_ROLE granted to the deployer."""
    return [DeployStep("StateAnchor", "StateAnchor", args=_anchor_args, setup=_anchor_setup)]


def open_store(config: BlockchainConfig, *, path: Path | None = None) -> ContentStore:
    """The content store ``config`` names: a Kubo node at ``ipfs_endpoint``, else the embedded store in
    ``<data_dir>/ipfs`` (or ``path``)."""
    if config.ipfs_endpoint:
        return KuboStore(config.ipfs_endpoint)
    return EmbeddedStore(path or config.resolved_data_dir / "ipfs")


def open_state(nova: NovaChain, **options: Any) -> StateManager:
    """A :class:`StateManager` for a connected NovaChain, as its config says.

    The anchor is the deployed ``StateAnchor``; the store is :func:`open_store`'s; the journal and index live in
    ``<data_dir>/state/<chain id>-<anchor address>``; ``batch_size`` and ``batch_max_wait`` come from the config.
    On an ``embedded:memory`` chain everything lives in a temporary directory removed on close. ``options`` are
    further :class:`StateManager` keywords. The manager closes the store it opened.
    """
    bc = nova.config.blockchain
    if not bc.ipfs_enabled:
        raise StateValueError(
            "VM state records need a content store, but ipfs_enabled is false",
            hint="set blockchain.ipfs_enabled: true (and ipfs_endpoint for a Kubo node, or leave it empty for the "
            "embedded store)",
        )
    contract = nova.contract("StateAnchor")
    temp = Path(tempfile.mkdtemp(prefix="novacron-state-")) if bc.network == "embedded:memory" else None
    try:
        store = open_store(bc, path=temp / "ipfs" if temp else None)
    except BaseException:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    base = temp or bc.resolved_data_dir / "state"
    data_dir = base / f"{nova.chain.chain_id}-{str(contract.address).lower()}"
    settings: dict[str, Any] = {"batch_size": bc.batch_size, "batch_max_wait": bc.batch_max_wait, **options}
    try:
        manager = StateManager(nova.chain, contract, store, data_dir=data_dir, **settings)
    except BaseException:
        store.close()
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    manager._closers.append(store.close)
    if temp is not None:
        manager._closers.append(lambda: shutil.rmtree(temp, ignore_errors=True))
    return manager
