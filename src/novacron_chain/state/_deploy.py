"""The state layer's deploy step: ``StateAnchor``, with ANCHORER_ROLE for the deployer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..chain import DeployContext, DeployStep
from ._hashing import keccak

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..config import BlockchainConfig

__all__ = ["ANCHORER_ROLE", "deploy_steps"]

ANCHORER_ROLE = keccak(b"ANCHORER_ROLE")
"""The role ``StateAnchor.anchor`` requires (``keccak256("ANCHORER_ROLE")``)."""


def _anchor_args(ctx: DeployContext) -> tuple[str, str]:
    return ctx.deployer, ctx.guardian


def _anchor_setup(ctx: DeployContext, contract: Contract) -> list[ContractFunction]:
    return [contract.functions.grantRole(ANCHORER_ROLE, ctx.deployer)]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The state layer's contracts: ``StateAnchor`` (admin: the deployer; guardian: the deploy context's, i.e. the
    deployer when ``emergency_pause_enabled``, else none), with ANCHORER_ROLE granted to the deployer."""
    return [DeployStep("StateAnchor", "StateAnchor", args=_anchor_args, setup=_anchor_setup)]
