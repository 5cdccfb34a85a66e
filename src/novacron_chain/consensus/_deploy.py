"""The proof-of-stake contracts as deploy steps: the StakeManager (NOVA stake, BLS keys, slashing, jailing), then
the CheckpointVerifier, then the one wiring call between them.

They go after NOVA and the timelock (the stake token, and the default treasury) and BEFORE the governor: the
governor's setup hands every earlier contract's ``DEFAULT_ADMIN_ROLE`` to the timelock, these two included, so that
parameters (minimum stake, slashing rate, ...) change only by a passed proposal. The deployer is admin until then
(and wires the verifier in while it is); the guardian is :attr:`DeployContext.guardian`.
"""

from __future__ import annotations

from typing import Any

from ..chain import DeployContext, DeployStep, checksum
from ..config import BlockchainConfig
from ..errors import ContractError
from ..units import to_bps

__all__ = ["STAKE_TOKEN_UNIT", "deploy_steps", "stake_manager_parameters"]

#: base units per whole token of the stake token (NOVA has 18 decimals)
STAKE_TOKEN_UNIT = 10**18


def _treasury(ctx: DeployContext) -> str:
    configured = ctx.config.treasury
    if configured:
        return checksum(configured, "treasury")
    return ctx.addresses.get("NovaTimelock") or ctx.deployer


def stake_manager_parameters(config: BlockchainConfig, treasury: str) -> tuple[Any, ...]:
    """The StakeManager's ``Parameters`` tuple from ``config`` (in the contract's field order)."""
    return (
        config.validator_stake * STAKE_TOKEN_UNIT,
        config.max_validators,
        config.min_validators,
        int(config.unbonding_period),
        to_bps(config.slashing_rate, "slashing_rate"),
        to_bps(config.reporter_reward, "reporter_reward"),
        config.downtime_window,
        to_bps(config.downtime_min_signed, "downtime_min_signed"),
        int(config.jail_duration),
        treasury,
    )


def _stake_manager_args(ctx: DeployContext) -> tuple[Any, ...]:
    cfg = ctx.config
    params = stake_manager_parameters(cfg, _treasury(ctx))
    return (ctx.deployer, ctx.guardian, ctx.addresses["NovaToken"], int(cfg.epoch_length), params)


def _wire_verifier(ctx: DeployContext, verifier: Any) -> list[Any]:
    stake_manager = ctx.chain.contract("StakeManager", ctx.addresses["StakeManager"])
    current = str(ctx.chain.call(stake_manager.functions.checkpointVerifier()))
    if int(current, 16) == 0:
        return [stake_manager.functions.setCheckpointVerifier(verifier.address)]
    if checksum(current) != verifier.address:
        # the StakeManager takes its verifier once: a verifier redeployed alone would be unknown to it
        raise ContractError(
            f"the StakeManager at {stake_manager.address} is bound to the CheckpointVerifier at {current}, not to the "
            f"new one at {verifier.address}",
            hint="the two are deployed as a pair: redeploy the StakeManager too (a fresh deployments record for both)",
        )
    return []


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The StakeManager and the CheckpointVerifier, when NOVA is deployed (``governance_enabled`` and
    ``enable_did``, as for the governance steps).

    Must come after ``NovaToken`` and ``NovaTimelock`` and before ``NovaGovernor`` (see the module docstring).
    """
    on = lambda cfg: cfg.governance_enabled and cfg.enable_did  # noqa: E731 - NOVA is deployed under this rule
    return [
        DeployStep("StakeManager", "StakeManager", args=_stake_manager_args, enabled=on),
        DeployStep(
            "CheckpointVerifier",
            "CheckpointVerifier",
            args=lambda ctx: (ctx.deployer, ctx.guardian, ctx.addresses["StakeManager"]),
            setup=_wire_verifier,
            enabled=on,
        ),
    ]
