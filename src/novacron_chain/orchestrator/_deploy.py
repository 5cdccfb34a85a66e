"""The orchestrator's contracts as deploy steps: VMLifecycle (after the token set, whose staking pays for VMs) and
SLAContract."""

from __future__ import annotations

from ..chain import DeployContext, DeployStep, checksum, dev_signers
from ..config import BlockchainConfig
from ..errors import ConfigError

__all__ = ["DEV_APPROVERS", "DEV_ORACLES", "deploy_steps"]

#: dev-chain defaults when the config names no approvers / oracles: dev accounts 1-5 and 5-9
DEV_APPROVERS = (1, 2, 3, 4, 5)
DEV_ORACLES = (5, 6, 7, 8, 9)


def _set(ctx: DeployContext, configured: list[str], dev: tuple[int, ...], key: str) -> list[str]:
    if configured:
        return [checksum(a, key) for a in configured]
    if not ctx.chain.is_dev:
        raise ConfigError(
            f"blockchain.{key} is empty: a non-dev chain needs real addresses",
            hint=f"list the addresses under blockchain.{key} in the config file",
        )
    signers = dev_signers()
    return [signers[i].address for i in dev]


def approvers_for(ctx: DeployContext) -> list[str]:
    """The approver set the VMLifecycle is deployed with (config, or the dev accounts on dev chains)."""
    return _set(ctx, ctx.config.migration_approvers, DEV_APPROVERS, "migration_approvers")


def oracles_for(ctx: DeployContext) -> list[str]:
    """The oracle set the SLAContract is deployed with (config, or the dev accounts on dev chains)."""
    return _set(ctx, ctx.config.sla_oracles, DEV_ORACLES, "sla_oracles")


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """VMLifecycle (needs the token set: it reads ResourceStaking's reservations) and SLAContract.

    The deployer is admin, guardian (unless ``emergency_pause_enabled`` is off) and VMLifecycle operator; the
    governance step that follows hands the admin role to the timelock. Approvers and their threshold come from
    ``migration_approvers`` and ``multisig_threshold``, the lock from ``migration_timelock``; oracles and their
    quorum from ``sla_oracles`` and ``sla_oracle_quorum``, the dispute window from ``sla_dispute_window``.
    """
    return [
        DeployStep(
            name="VMLifecycle",
            artifact="VMLifecycle",
            args=lambda ctx: (
                ctx.deployer,
                ctx.guardian,
                ctx.deployer,
                ctx.addresses["ResourceStaking"],
                approvers_for(ctx),
                ctx.config.multisig_threshold,
                ctx.config.migration_timelock,
            ),
            enabled=lambda cfg: cfg.tokenized_resources,
        ),
        DeployStep(
            name="SLAContract",
            artifact="SLAContract",
            args=lambda ctx: (
                ctx.deployer,
                ctx.guardian,
                oracles_for(ctx),
                ctx.config.sla_oracle_quorum,
                ctx.config.sla_dispute_window,
            ),
        ),
    ]
