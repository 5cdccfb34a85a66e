"""The governance contract set as deploy steps: NOVA, the timelock, the governor, and the hand-over of roles.

Runs LAST in the system plan, so that the governor's setup can give the timelock the privileged roles of every
contract deployed before it:

* ``DEFAULT_ADMIN_ROLE`` on every earlier contract the deployer administers (found by asking each contract
  ``hasRole``): passed proposals can unpause, grant roles and change parameters;
* ``MINTER_ROLE`` on the four resource tokens, so the seed's proposal "mint 1M CPU tokens" is one action.

The trade-off of the second: until now the ResourceMarket was the tokens' only minter, because supply minted
outside the bonding curve can be sold into the curve (up to its reserve) against collateral that belongs to buyers.
Minting by the timelock re-opens that door, but only by a passed vote (40% participation quorum) and only after
the 48-hour delay, during which holders see the queued mint and can exit; the guardian can cancel it. Governance
holding ``DEFAULT_ADMIN_ROLE`` could grant itself the role anyway, so the direct grant adds no power, only
clarity. A market that prices sells against its own reserve only would close the door (tokens domain).

On dev chains the deployer keeps its roles, and the dev accounts get NOVA (self-delegated by the token's
constructor) and memberships, so
one dev account can run the whole process: account 0 holds 55% of the supply (above the 40% quorum), accounts 1-9
500,000 NOVA each (above the 100k proposal threshold, not enough for quorum alone). On other chains the deployer
renounces its admin role on the timelock, which then governs itself.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from eth_hash.auto import keccak

from ..chain import ZERO_ADDRESS, DeployContext, DeployStep, dev_signers
from ..config import BlockchainConfig
from ..errors import ConfigError, NovaChainError

__all__ = [
    "CANCELLER_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "DEV_MEMBERSHIP_VALIDITY",
    "MINTER_ROLE",
    "NOVA",
    "NOVA_SUPPLY",
    "PROPOSER_ROLE",
    "deploy_steps",
    "dev_credential_id",
    "quorum_bps",
]

NOVA = 10**18  #: base units per NOVA
NOVA_SUPPLY = 10_000_000 * NOVA  #: the whole NOVA supply, minted to the deployer
DEV_SHARE = 500_000 * NOVA  #: what dev accounts 1-9 receive on dev chains
DEV_MEMBERSHIP_VALIDITY = 10 * 365 * 24 * 3600  #: dev memberships last ten years
DEFAULT_ADMIN_ROLE = bytes(32)
PROPOSER_ROLE = keccak(b"PROPOSER_ROLE")
CANCELLER_ROLE = keccak(b"CANCELLER_ROLE")
MINTER_ROLE = keccak(b"MINTER_ROLE")
_OURS = ("NovaToken", "NovaTimelock", "NovaGovernor")


def quorum_bps(fraction: float) -> int:
    """``quorum_percentage`` (0..1) as basis points, exactly; a fraction finer than 0.01% is refused."""
    exact = Fraction(str(fraction)) * 10_000
    if exact.denominator != 1:
        raise ConfigError(
            f"quorum_percentage {fraction} is finer than the governor's basis points",
            hint="give the quorum in steps of 0.0001 (e.g. 0.4 for 40%)",
        )
    return int(exact)


def dev_credential_id(address: str) -> str:
    """The id of the membership credential a dev account gets at deployment (revocable in the DIDRegistry)."""
    return f"urn:novacron:membership:dev:{address.lower()}"


def _allocation(ctx: DeployContext) -> tuple[list[str], list[int]]:
    """The initial NOVA holders (each self-delegated by the token's constructor): the deployer, and on dev chains
    dev accounts 1-9 with 500,000 NOVA each."""
    if not ctx.chain.is_dev:
        return [ctx.deployer], [NOVA_SUPPLY]
    others = [s.address for s in dev_signers() if s.address != ctx.deployer]
    return [ctx.deployer, *others], [NOVA_SUPPLY - DEV_SHARE * len(others), *(DEV_SHARE for _ in others)]


def _governor_args(ctx: DeployContext) -> tuple[Any, ...]:
    cfg = ctx.config
    return (
        ctx.addresses["NovaToken"],
        ctx.addresses["NovaTimelock"],
        ctx.addresses["DIDRegistry"],
        [ctx.deployer],
        int(cfg.voting_delay),
        int(cfg.voting_period),
        cfg.proposal_threshold * NOVA,
        quorum_bps(cfg.quorum_percentage),
    )


def _administered(ctx: DeployContext, timelock: Any) -> list[str]:
    """Earlier contracts whose DEFAULT_ADMIN_ROLE the deployer holds (asked with the AccessControl ABI)."""
    out = []
    for name, address in ctx.addresses.items():
        if name in _OURS:
            continue
        probe = ctx.chain.contract("NovaTimelock", address)
        try:
            if ctx.chain.call(probe.functions.hasRole(DEFAULT_ADMIN_ROLE, ctx.deployer)):
                out.append(address)
        except NovaChainError:
            continue  # not an AccessControl contract
    return out


def _governor_setup(ctx: DeployContext, governor: Any) -> list[Any]:
    chain = ctx.chain
    timelock = chain.contract("NovaTimelock", ctx.addresses["NovaTimelock"])
    tl = timelock.address
    calls: list[Any] = [
        timelock.functions.grantRole(PROPOSER_ROLE, governor.address),
        timelock.functions.grantRole(CANCELLER_ROLE, governor.address),
    ]
    if ctx.guardian != ZERO_ADDRESS:  # the guardian's emergency brake: cancel a queued operation
        calls.append(timelock.functions.grantRole(CANCELLER_ROLE, ctx.guardian))
    for address in _administered(ctx, timelock):
        target = chain.contract("NovaTimelock", address)
        calls.append(target.functions.grantRole(DEFAULT_ADMIN_ROLE, tl))
    from ..tokens import RESOURCES, Resource

    for r in Resource:
        token = ctx.addresses.get(RESOURCES[r].record_name)
        if token is not None:
            calls.append(chain.contract("ResourceToken", token).functions.grantRole(MINTER_ROLE, tl))
    if chain.is_dev:
        expires = chain.timestamp() + DEV_MEMBERSHIP_VALIDITY
        for signer in dev_signers():
            cred = keccak(dev_credential_id(signer.address).encode())
            calls.append(governor.functions.recordMembership(ctx.deployer, signer.address, cred, expires))
    else:
        calls.append(timelock.functions.renounceRole(DEFAULT_ADMIN_ROLE, ctx.deployer))
    return calls


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """NOVA, the timelock and the governor, when ``governance_enabled`` (and ``enable_did``: memberships need it).

    Must come after every other domain's steps (see the module docstring).
    """
    on = lambda cfg: cfg.governance_enabled and cfg.enable_did  # noqa: E731
    return [
        DeployStep("NovaToken", "NovaToken", args=_allocation, enabled=on),
        DeployStep(
            "NovaTimelock",
            "NovaTimelock",
            args=lambda ctx: (int(ctx.config.timelock_delay), [], [ZERO_ADDRESS], ctx.deployer),
            enabled=on,
        ),
        DeployStep("NovaGovernor", "NovaGovernor", args=_governor_args, setup=_governor_setup, enabled=on),
    ]
