"""The state layer's deploy step: ``StateAnchor``, with ANCHORER_ROLE for the configured anchorers (on dev chains
without any, the deployer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..chain import DeployContext, DeployStep, checksum
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


def anchorers_for(ctx: DeployContext) -> list[str]:
    """Who gets ANCHORER_ROLE at deployment: ``state_anchorers``; when empty, the deployer on dev chains and nobody
    on other chains (an operator key is named in config, never assumed to be the deployer's)."""
    configured = ctx.config.state_anchorers
    if configured:
        return [checksum(a, "state_anchorers") for a in configured]
    return [ctx.deployer] if ctx.chain.is_dev else []


def _anchor_setup(ctx: DeployContext, contract: Contract) -> list[ContractFunction]:
    return [contract.functions.grantRole(ANCHORER_ROLE, a) for a in anchorers_for(ctx)]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The state layer's contracts: ``StateAnchor`` (admin: the deployer until the governance step hands it to the
    timelock; guardian: :attr:`DeployContext.guardian`), with ANCHORER_ROLE granted as :func:`anchorers_for`
    says. Behind a UUPS proxy, upgradeable by the timelock alone (see contracts/state/StateAnchor.sol): the
    arguments are ``initialize``'s, the recorded address is the proxy's."""
    return [DeployStep("StateAnchor", "StateAnchor", args=_anchor_args, setup=_anchor_setup, proxy=True)]
