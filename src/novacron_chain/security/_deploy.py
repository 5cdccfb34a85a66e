"""The security domain's deploy steps: none yet.

Its contract sources are bases and the proxy, never deployed alone: ``Guarded.sol`` (guardian pause, admin unpause)
and ``GuardedUpgradeable.sol`` (the same, plus UUPS upgrades by the admin alone) are inherited by the other domains'
contracts; ``UUPSProxy.sol`` is deployed by any domain step marked ``proxy=True`` (today the SLAContract), in front of
its implementation.
"""

from __future__ import annotations

from ..chain import DeployStep
from ..config import BlockchainConfig

__all__ = ["deploy_steps"]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """No contracts of its own (see the module docstring): an empty list."""
    return []
