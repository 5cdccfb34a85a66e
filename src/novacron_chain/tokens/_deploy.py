"""The resource tokens' contracts as deploy steps: four tokens, then the market, staking, order book and pools.

The deployer is admin of every contract (until the governance step hands the role to the timelock) except the pools,
whose admin is the LiquidityPoolFactory (its own admin acts on them through it), and guardian of every one, pools
included, unless ``emergency_pause_enabled`` is off (:attr:`DeployContext.guardian`)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from web3 import Web3

from ..chain import ZERO_ADDRESS, DeployContext, DeployStep
from ..config import BlockchainConfig
from ._economics import RESOURCES, WHOLE, Resource, base_price_wei

__all__ = ["MINTER_ROLE", "NATIVE", "deploy_steps"]

MINTER_ROLE = Web3.keccak(text="MINTER_ROLE")
NATIVE = ZERO_ADDRESS  # the pools' name for the chain's native coin


def _tokens(ctx: DeployContext) -> list[str]:
    return [ctx.addresses[RESOURCES[r].record_name] for r in Resource]


def _token_step(r: Resource) -> DeployStep:
    spec = RESOURCES[r]
    return DeployStep(
        name=spec.record_name,
        artifact="ResourceToken",
        args=lambda ctx: (spec.name, r.name, spec.cap_tokens * WHOLE, ctx.deployer, ctx.guardian),
        enabled=lambda cfg: cfg.tokenized_resources,
    )


def _market_args(ctx: DeployContext) -> tuple[Any, ...]:
    prices = [base_price_wei(RESOURCES[r], ctx.config.native_usd_price) for r in Resource]
    steepness = [RESOURCES[r].steepness_tokens for r in Resource]
    return (ctx.deployer, ctx.guardian, _tokens(ctx), prices, steepness)


def _market_setup(ctx: DeployContext, market: Any) -> list[Any]:
    # the market mints on buy and burns on sell; other minters (the timelock, after the governance step) are safe
    # for its collateral because the market buys back only what it sold, from whom it sold it to
    return [
        ctx.chain.contract("ResourceToken", token).functions.grantRole(MINTER_ROLE, market.address)
        for token in _tokens(ctx)
    ]


def _pools_setup(ctx: DeployContext, factory: Any) -> list[Any]:
    tokens = _tokens(ctx)
    pairs = [(t, NATIVE) for t in tokens] + list(combinations(tokens, 2))
    return [factory.functions.createPool(a, b) for a, b in pairs]


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """Deploy steps of the resource tokens and their market, as far as ``config`` enables them."""
    tokens_on = lambda cfg: cfg.tokenized_resources  # noqa: E731
    market_on = lambda cfg: cfg.tokenized_resources and cfg.marketplace_enabled  # noqa: E731
    return [
        *(_token_step(r) for r in Resource),
        DeployStep("ResourceMarket", "ResourceMarket", args=_market_args, setup=_market_setup, enabled=market_on),
        DeployStep(
            "ResourceStaking",
            "ResourceStaking",
            args=lambda ctx: (ctx.deployer, ctx.guardian, _tokens(ctx), [RESOURCES[r].apr_bps for r in Resource]),
            enabled=tokens_on,
        ),
        DeployStep(
            "ResourceOrderBook",
            "ResourceOrderBook",
            args=lambda ctx: (ctx.deployer, ctx.guardian, _tokens(ctx)),
            enabled=market_on,
        ),
        DeployStep(
            "LiquidityPoolFactory",
            "LiquidityPoolFactory",
            args=lambda ctx: (ctx.deployer, ctx.guardian),  # the factory passes its guardian on to every pool
            setup=_pools_setup,
            enabled=market_on,
        ),
    ]
