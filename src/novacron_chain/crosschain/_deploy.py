"""The cross-chain layer's deploy steps: ``HashedTimelock``, the HTLC contract of atomic swaps, and ``Bridge``,
the attested lock-and-mint bridge (guardians from ``bridge_guardians``, dev accounts 3-9 on dev chains; rate limits
from ``bridge_delay``, ``bridge_daily_limit``, ``bridge_large_transfer``).

It goes before governance, whose setup hands its ``DEFAULT_ADMIN_ROLE`` (unpause) to the timelock with every other
contract's; the guardian (:attr:`DeployContext.guardian`) may pause new locks. Deployed when ``enable_cross_chain``
is on, on every chain a swap uses (each chain records its own in the deployments file, by chain id).

The bridge starts attested by its guardians. Where the proof-of-stake contracts run on the same chain, its admin can
make it take the validator set's checkpoints instead (``Bridge.setCheckpointVerifier``): :func:`checkpoint_wiring`
is that call for a deploy step's setup (the CheckpointVerifier's, which comes after the bridge), and
``CrossChainBridge.set_checkpoint_verifier`` sends it later (the timelock, once governance holds the admin role).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..chain import DeployContext, DeployStep, checksum, dev_signers
from ..config import BlockchainConfig
from ..errors import ConfigError

if TYPE_CHECKING:
    from web3.contract.contract import ContractFunction

__all__ = ["DEV_GUARDIANS", "bridge_guardians_for", "checkpoint_wiring", "deploy_steps", "guardian_threshold"]

#: dev-chain bridge guardians when the config names none: dev accounts 3-9 (5 of 7 sign)
DEV_GUARDIANS = (3, 4, 5, 6, 7, 8, 9)


def _htlc_args(ctx: DeployContext) -> tuple[str, str]:
    return ctx.deployer, ctx.guardian


def guardian_threshold(n: int, configured: int | None = None) -> int:
    """Signatures a set of ``n`` guardians needs: ``configured``, else more than two thirds (13 of 19)."""
    return configured if configured is not None else n * 2 // 3 + 1


def bridge_guardians_for(ctx: DeployContext) -> list[str]:
    """The bridge's guardian set, ascending (the contract wants it sorted): ``bridge_guardians``, or the dev
    accounts 3-9 on dev chains; a non-dev chain without guardians is refused."""
    configured = ctx.config.bridge_guardians
    if configured:
        addresses = [checksum(a, "bridge_guardians") for a in configured]
    elif ctx.chain.is_dev:
        addresses = [dev_signers()[i].address for i in DEV_GUARDIANS]
    else:
        raise ConfigError(
            "blockchain.bridge_guardians is empty: a non-dev chain needs the guardians' real addresses",
            hint="list the guardian addresses under blockchain.bridge_guardians in the config file",
        )
    return sorted(set(addresses), key=lambda a: int(a, 16))


def _bridge_args(ctx: DeployContext) -> tuple[Any, ...]:
    guardians = bridge_guardians_for(ctx)
    threshold = guardian_threshold(len(guardians), ctx.config.bridge_guardian_threshold)
    if threshold > len(guardians):
        raise ConfigError(
            f"blockchain.bridge_guardian_threshold {threshold} exceeds the {len(guardians)} guardians",
            hint="lower bridge_guardian_threshold or list more bridge_guardians",
        )
    cfg = ctx.config
    return (
        ctx.deployer,
        ctx.guardian,
        guardians,
        threshold,
        cfg.bridge_delay,
        cfg.bridge_daily_limit,
        cfg.bridge_large_transfer,
    )


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The cross-chain contracts: ``HashedTimelock`` and ``Bridge`` (admin: the deployer until the governance step
    hands it to the timelock; guardian: :attr:`DeployContext.guardian`), when ``enable_cross_chain`` is on."""
    return [
        DeployStep("HashedTimelock", "HashedTimelock", args=_htlc_args, enabled=lambda cfg: cfg.enable_cross_chain),
        # upgradeable by the timelock alone (see contracts/crosschain/Bridge.sol): ``args`` are ``initialize``'s
        DeployStep("Bridge", "Bridge", args=_bridge_args, enabled=lambda cfg: cfg.enable_cross_chain, proxy=True),
    ]


def checkpoint_wiring(ctx: DeployContext, verifier: str) -> list[ContractFunction]:
    """The call that makes this chain's ``Bridge`` take the checkpoints of ``verifier`` (a CheckpointVerifier on the
    same chain) instead of guardian quorums: none when no Bridge was deployed in this run or it already does. For a
    deploy step's ``setup`` while the deployer still holds the bridge's admin role (before governance)."""
    address = ctx.addresses.get("Bridge")
    if address is None:
        return []
    bridge = ctx.chain.contract("Bridge", address)
    if checksum(str(ctx.chain.call(bridge.functions.checkpointVerifier()))) == checksum(verifier):
        return []
    return [bridge.functions.setCheckpointVerifier(checksum(verifier))]
