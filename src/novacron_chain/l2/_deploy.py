"""The rollup's deploy steps: ``L2Portal`` (token registry, L1 queue of deposits and forced withdrawals, withdrawal
release) with the resource tokens and NOVA registered, then ``L2Rollup`` (batches, roots, bonds, fraud proofs), wired
to the portal.

Token ids are the order of registration: CPU=0, MEM=1, STO=2, NET=3, NOVA=4 (NOVA only when governance deploys
it). The rollup's parameters come from the config: ``l2_chain_id`` (EIP-712 chain id of L2 signatures),
``l2_challenge_period`` (7 days on production chains, 10 s on dev chains when empty), ``l2_force_inclusion_blocks``
(7200 / 50), ``l2_sequencer_bond`` (the minimum bond per proposer), ``l2_fee_recipient`` (account 0; the deployer
when empty), ``l2_sequencer`` (PROPOSER_ROLE; the deployer when empty); the proof-of-stake CheckpointVerifier when it
is deployed (fast finality of roots checkpointed under the domain "l2"), else none.

The steps go after the consensus contracts and before the governor, whose setup hands the deployer's admin role of
both to the timelock (register more tokens, unpause: by proposal from then on). Deployed when ``use_layer2`` is on
with ``l2_network: novacron`` and the resource tokens are deployed.
"""

from __future__ import annotations

from typing import Any

from ..chain import ZERO_ADDRESS, DeployContext, DeployStep, checksum
from ..config import BlockchainConfig

__all__ = [
    "DEV_CHALLENGE_PERIOD",
    "DEV_FORCE_INCLUSION_BLOCKS",
    "PROD_CHALLENGE_PERIOD",
    "PROD_FORCE_INCLUSION_BLOCKS",
    "TOKEN_RECORDS",
    "challenge_period_for",
    "deploy_steps",
    "force_inclusion_blocks_for",
]

#: the deployments registered in the portal, in token-id order (CPU=0 ... NOVA=4)
TOKEN_RECORDS = ("CPUToken", "MEMToken", "STOToken", "NETToken", "NovaToken")
PROD_CHALLENGE_PERIOD = 7 * 24 * 3600
"""Seconds a root can be disputed on production chains (OP Mainnet and Arbitrum use 7 days)."""
DEV_CHALLENGE_PERIOD = 10
"""Seconds a root can be disputed on dev chains when ``l2_challenge_period`` is empty."""
PROD_FORCE_INCLUSION_BLOCKS = 7200
"""L1 blocks (a day of Ethereum blocks) before an ignored queue item must be included, on production chains."""
DEV_FORCE_INCLUSION_BLOCKS = 50
"""The same on dev chains."""


def challenge_period_for(config: BlockchainConfig, is_dev: bool) -> int:
    """``l2_challenge_period``, or its default for the kind of chain."""
    if config.l2_challenge_period is not None:
        return max(1, int(config.l2_challenge_period))
    return DEV_CHALLENGE_PERIOD if is_dev else PROD_CHALLENGE_PERIOD


def force_inclusion_blocks_for(config: BlockchainConfig, is_dev: bool) -> int:
    """``l2_force_inclusion_blocks``, or its default for the kind of chain."""
    if config.l2_force_inclusion_blocks is not None:
        return int(config.l2_force_inclusion_blocks)
    return DEV_FORCE_INCLUSION_BLOCKS if is_dev else PROD_FORCE_INCLUSION_BLOCKS


def _register_tokens(ctx: DeployContext, portal: Any) -> list[Any]:
    return [portal.functions.registerToken(ctx.addresses[n]) for n in TOKEN_RECORDS if n in ctx.addresses]


def _rollup_args(ctx: DeployContext) -> tuple[Any, ...]:
    cfg = ctx.config
    dev = ctx.chain.is_dev
    fee = checksum(cfg.l2_fee_recipient, "l2_fee_recipient") if cfg.l2_fee_recipient else ctx.deployer
    proposer = checksum(cfg.l2_sequencer, "l2_sequencer") if cfg.l2_sequencer else ctx.deployer
    return (
        ctx.deployer,
        ctx.guardian,
        proposer,
        ctx.addresses["L2Portal"],
        fee,
        cfg.l2_expected_chain_id,
        challenge_period_for(cfg, dev),
        force_inclusion_blocks_for(cfg, dev),
        cfg.l2_sequencer_bond,
        ctx.addresses.get("CheckpointVerifier", ZERO_ADDRESS),
    )


def _wire_portal(ctx: DeployContext, rollup: Any) -> list[Any]:
    portal = ctx.chain.contract("L2Portal", ctx.addresses["L2Portal"])
    current = str(ctx.chain.call(portal.functions.rollup()))
    if int(current, 16) == 0:
        return [portal.functions.setRollup(rollup.address)]
    return []  # the portal takes its rollup once; a rollup redeployed alone keeps the old pairing (see docstring)


def _enabled(cfg: BlockchainConfig) -> bool:
    return cfg.use_layer2 and cfg.is_rollup_l2 and cfg.tokenized_resources


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """``L2Portal`` (tokens registered) and ``L2Rollup`` (wired to the portal), when ``use_layer2`` with
    ``l2_network: novacron`` and ``tokenized_resources``. After the consensus steps, before ``NovaGovernor``."""
    return [
        DeployStep(
            "L2Portal",
            "L2Portal",
            args=lambda ctx: (ctx.deployer, ctx.guardian),
            setup=_register_tokens,
            enabled=_enabled,
        ),
        DeployStep("L2Rollup", "L2Rollup", args=_rollup_args, setup=_wire_portal, enabled=_enabled),
    ]
