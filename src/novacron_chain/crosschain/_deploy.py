"""The cross-chain layer's deploy step: ``HashedTimelock``, the HTLC contract of atomic swaps.

It goes before governance, whose setup hands its ``DEFAULT_ADMIN_ROLE`` (unpause) to the timelock with every other
contract's; the guardian (:attr:`DeployContext.guardian`) may pause new locks. Deployed when ``enable_cross_chain``
is on, on every chain a swap uses (each chain records its own in the deployments file, by chain id).
"""

from __future__ import annotations

from ..chain import DeployContext, DeployStep
from ..config import BlockchainConfig

__all__ = ["deploy_steps"]


def _htlc_args(ctx: DeployContext) -> tuple[str, str]:
    return ctx.deployer, ctx.guardian


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The cross-chain contracts: ``HashedTimelock`` (admin: the deployer until the governance step hands it to
    the timelock; guardian: :attr:`DeployContext.guardian`), when ``enable_cross_chain`` is on."""
    return [DeployStep("HashedTimelock", "HashedTimelock", args=_htlc_args, enabled=lambda cfg: cfg.enable_cross_chain)]
