"""The contract set of a NovaCron deployment: every domain's :class:`~novacron_chain.chain.DeployStep` s, in order.

The mechanism (idempotent runs, records per chain id, code checks) is in :mod:`novacron_chain.chain`; this module
only knows which domains exist and what config enables.
"""

from __future__ import annotations

from . import did, governance, orchestrator, state, tokens
from .chain import DeployStep
from .config import BlockchainConfig

__all__ = ["system_plan"]


def system_plan(config: BlockchainConfig) -> list[DeployStep]:
    """The contract set of a NovaCron deployment, in dependency order, as far as ``config`` enables it."""
    steps: list[DeployStep] = [
        *tokens.deploy_steps(config),
        *did.deploy_steps(config),
        *state.deploy_steps(config),
        *orchestrator.deploy_steps(config),
        # governance stays LAST: its setup gives the timelock the admin roles of every contract above
        *governance.deploy_steps(config),
    ]
    return [s for s in steps if s.enabled(config)]
