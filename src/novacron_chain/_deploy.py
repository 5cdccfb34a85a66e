"""The contract set of a NovaCron deployment: every domain's :class:`~novacron_chain.chain.DeployStep` s, in order,
and every domain's hints for its contracts' custom errors.

The mechanism (idempotent runs, records per chain id, code checks) is in :mod:`novacron_chain.chain`; this module
only knows which domains exist and what config enables.
"""

from __future__ import annotations

from . import consensus, crosschain, did, governance, l2, orchestrator, security, state, tokens, zk
from .chain import DeployStep
from .config import BlockchainConfig

__all__ = ["system_error_hints", "system_plan"]

_DOMAINS = (tokens, did, zk, state, orchestrator, crosschain, consensus, l2, governance, security)


def system_plan(config: BlockchainConfig) -> list[DeployStep]:
    """The contract set of a NovaCron deployment, in dependency order, as far as ``config`` enables it.

    Governance comes last, with the proof-of-stake contracts between NOVA/the timelock (their stake token and
    treasury) and the governor, whose setup hands the timelock the admin role of every contract deployed before it;
    the rollup (L2Portal, L2Rollup) right after them (it registers NOVA and reads the CheckpointVerifier).
    """
    gov = governance.deploy_steps(config)
    split = next(i for i, s in enumerate(gov) if s.name == "NovaGovernor")
    steps: list[DeployStep] = [
        *tokens.deploy_steps(config),
        *did.deploy_steps(config),
        *zk.deploy_steps(config),
        *state.deploy_steps(config),
        *orchestrator.deploy_steps(config),
        *crosschain.deploy_steps(config),
        *gov[:split],
        *consensus.deploy_steps(config),
        *l2.deploy_steps(config),
        *gov[split:],
    ]
    return [s for s in steps if s.enabled(config)]


def system_error_hints() -> dict[str, str]:
    """Every domain's hints for its contracts' custom errors (``<domain>.ERROR_HINTS``), merged: what
    :attr:`Chain.error_hints <novacron_chain.chain.Chain.error_hints>` adds to OpenZeppelin's."""
    hints: dict[str, str] = {}
    for domain in _DOMAINS:
        hints.update(domain.ERROR_HINTS)
    return hints
