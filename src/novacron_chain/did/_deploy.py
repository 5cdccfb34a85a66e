"""The identity contract set: what ``novacron-chain deploy`` deploys when ``enable_did`` is on."""

from __future__ import annotations

from ..chain import DeployStep
from ..config import BlockchainConfig

__all__ = ["deploy_steps"]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The DIDRegistry (identities and credential status), admin and guardian the deployer.

    Enabled by ``enable_did``. The guardian (who may pause) is the deployer unless ``emergency_pause_enabled`` is
    off; the admin role (unpause, grant roles) moves to the governance timelock in production deployments.
    """
    return [
        DeployStep(
            name="DIDRegistry",
            artifact="DIDRegistry",
            args=lambda ctx: (ctx.deployer, ctx.guardian),
            enabled=lambda cfg: cfg.enable_did,
        )
    ]
