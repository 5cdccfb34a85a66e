"""The orchestrator's contracts as deploy steps: VMLifecycle (after the token set, whose staking pays for VMs) and
SLAContract."""

from __future__ import annotations

from typing import Any

from eth_hash.auto import keccak

from ..chain import ZERO_ADDRESS, DeployContext, DeployStep, checksum, dev_signers
from ..config import BlockchainConfig
from ..errors import ConfigError

__all__ = ["DEV_APPROVERS", "DEV_ORACLES", "LIEN_ROLE", "OPERATOR_ROLE", "deploy_steps"]

OPERATOR_ROLE = keccak(b"OPERATOR_ROLE")
"""The VMLifecycle's operator role (confirms VMs running, stops any VM)."""
LIEN_ROLE = keccak(b"LIEN_ROLE")
"""ResourceStaking's role for placing and releasing liens on stake: the VMLifecycle's, for the VMs it runs."""

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


def operators_for(ctx: DeployContext) -> list[str]:
    """Who gets the VMLifecycle's OPERATOR_ROLE: ``vm_operators``; when empty, the deployer on dev chains and
    nobody on other chains (a proposal grants it later)."""
    configured = ctx.config.vm_operators
    if configured:
        return [checksum(a, "vm_operators") for a in configured]
    return [ctx.deployer] if ctx.chain.is_dev else []


def _lifecycle_args(ctx: DeployContext) -> tuple[Any, ...]:
    operators = operators_for(ctx)
    return (
        ctx.deployer,
        ctx.guardian,
        operators[0] if operators else ZERO_ADDRESS,
        ctx.addresses["ResourceStaking"],
        approvers_for(ctx),
        ctx.config.multisig_threshold,
        ctx.config.migration_timelock,
    )


def _lifecycle_setup(ctx: DeployContext, lifecycle: Any) -> list[Any]:
    # granted while the deployer is still admin (the governance step hands admin to the timelock afterwards): the
    # lifecycle's liens on the stake that backs running VMs, and the operators the constructor's one slot left out
    staking = ctx.chain.contract("ResourceStaking", ctx.addresses["ResourceStaking"])
    return [
        staking.functions.grantRole(LIEN_ROLE, lifecycle.address),
        *(lifecycle.functions.grantRole(OPERATOR_ROLE, a) for a in operators_for(ctx)[1:]),
    ]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """VMLifecycle (needs the token set: it reads ResourceStaking's reservations) and SLAContract, each behind a
    UUPS proxy (the arguments are ``initialize``'s; the recorded address and the roles granted are the proxy's).

    The deployer is admin until the governance step that follows hands the role to the timelock; the guardian is
    :attr:`DeployContext.guardian`, the VMLifecycle operators :func:`operators_for`. Approvers and their threshold
    come from ``migration_approvers`` and ``multisig_threshold``, the lock from ``migration_timelock``; oracles and
    their quorum from ``sla_oracles`` and ``sla_oracle_quorum``, the dispute window from ``sla_dispute_window``.
    """
    return [
        DeployStep(
            name="VMLifecycle",
            artifact="VMLifecycle",
            args=_lifecycle_args,
            setup=_lifecycle_setup,
            enabled=lambda cfg: cfg.tokenized_resources,
            proxy=True,  # upgradeable by the timelock alone: see contracts/orchestrator/VMLifecycle.sol
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
            proxy=True,  # upgradeable by the timelock alone: see contracts/orchestrator/SLAContract.sol
        ),
    ]
