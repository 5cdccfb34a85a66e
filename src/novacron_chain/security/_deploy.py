"""The security domain's deploy steps: none yet.

Its one contract source, ``contracts/security/Guarded.sol``, is the abstract base every other domain's contracts
inherit (guardian pause, admin unpause); it is deployed inside them, never alone. Upgrade proxies will add steps here.
"""

from __future__ import annotations

from ..chain import DeployStep
from ..config import BlockchainConfig

__all__ = ["deploy_steps"]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """No contracts of its own (see the module docstring): an empty list."""
    return []
