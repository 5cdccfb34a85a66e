"""The governance contract set as deploy steps: the timelock, NOVA, the governor, and the hand-over of roles.

Runs LAST in the system plan, so that the governor's setup can give the timelock the privileged roles of every
contract deployed before it:

* ``DEFAULT_ADMIN_ROLE`` on every earlier contract the deployer administers (found by asking each contract
  ``hasRole``): passed proposals can unpause, grant roles and change parameters. The liquidity pools are not among
  them: each pool's admin is the LiquidityPoolFactory itself, which acts on a pool only for its own admin
  (``unpausePool``, ``grantPoolRole``, ``revokePoolRole``), so the factory's hand-over covers every pool, those
  created at deployment and those governance creates later;
* ``MINTER_ROLE`` on the four resource tokens, so the seed's proposal "mint 1M CPU tokens" is one action.

Minting by the timelock cannot touch the curve's collateral: the ResourceMarket buys back only what it sold, from
the account it sold it to (its redeemable balances), so governance-minted tokens trade in pools and on the order
book but are never bought back by the curve. Governance holding ``DEFAULT_ADMIN_ROLE`` could grant itself the role
anyway, so the direct grant adds no power, only clarity.

On dev chains the deployer keeps its roles, and the dev accounts get NOVA (self-delegated by the token's
constructor) and memberships, so
one dev account can run the whole process: account 0 holds 55% of the supply (above the 40% quorum), accounts 1-9
500,000 NOVA each (above the 100k proposal threshold, not enough for quorum alone); the guardian may also cancel
queued operations.

On other chains no externally owned account keeps a privileged role: after the timelock got them, the deployer
renounces ``DEFAULT_ADMIN_ROLE`` on every contract and on the timelock, which then governs itself. Operators are
only those the config names (``state_anchorers``, ``vm_operators``, ``migration_approvers``, ``sla_oracles``,
``membership_issuers``), the guardian only pauses, NOVA goes to ``nova_allocation`` and the rest to the treasury
(the timelock by default), never silently to the deployer. The guardian gets no ``CANCELLER_ROLE`` there: a
canceller can veto every proposal, including the one that would remove it, which is a power over governance itself
and not an emergency brake; a harmful proposal is answered by the vote, the 48-hour delay (holders see it queued
and can exit) and the pause. The governor keeps the role (it cancels its own proposals).
"""

from __future__ import annotations

from typing import Any

from eth_hash.auto import keccak

from ..chain import ZERO_ADDRESS, DeployContext, DeployStep, checksum, dev_signers
from ..config import BlockchainConfig
from ..errors import ConfigError, NovaChainError
from ..units import to_bps

__all__ = [
    "APPROVER_ROLE",
    "CANCELLER_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "DEV_MEMBERSHIP_VALIDITY",
    "MINTER_ROLE",
    "NOVA",
    "NOVA_SUPPLY",
    "PROPOSER_ROLE",
    "deploy_steps",
    "dev_credential_id",
    "policy_approvers_for",
    "quorum_bps",
]

NOVA = 10**18  #: base units per NOVA
NOVA_SUPPLY = 10_000_000 * NOVA  #: the whole NOVA supply, minted at deployment (see ``_allocation``)
DEV_SHARE = 500_000 * NOVA  #: what dev accounts 1-9 receive on dev chains
DEV_MEMBERSHIP_VALIDITY = 10 * 365 * 24 * 3600  #: dev memberships last ten years
DEFAULT_ADMIN_ROLE = bytes(32)
PROPOSER_ROLE = keccak(b"PROPOSER_ROLE")
CANCELLER_ROLE = keccak(b"CANCELLER_ROLE")
MINTER_ROLE = keccak(b"MINTER_ROLE")
APPROVER_ROLE = keccak(b"APPROVER_ROLE")  #: the PolicyRegistry's approvers
DEV_POLICY_APPROVERS = 3  #: dev chains without policy_approvers: the first 3 dev accounts (more if the threshold is)
_OURS = ("NovaToken", "NovaTimelock", "NovaGovernor")


def quorum_bps(fraction: float) -> int:
    """``quorum_percentage`` (0..1) as basis points, exactly; a fraction finer than 0.01% is refused."""
    return to_bps(fraction, "quorum_percentage")


def dev_credential_id(address: str) -> str:
    """The id of the membership credential a dev account gets at deployment (revocable in the DIDRegistry)."""
    return f"urn:novacron:membership:dev:{address.lower()}"


def _treasury(ctx: DeployContext) -> str:
    configured = ctx.config.treasury
    return checksum(configured, "treasury") if configured else ctx.addresses["NovaTimelock"]


def _allocation(ctx: DeployContext) -> tuple[list[str], list[int]]:
    """The initial NOVA holders (each self-delegated by the token's constructor): ``nova_allocation`` and the rest
    of the supply to the treasury; without it, on dev chains the deployer and dev accounts 1-9 with 500,000 NOVA
    each, and on other chains a :class:`ConfigError` (the supply never goes to the deployer by default)."""
    configured = ctx.config.nova_allocation
    if not configured:
        if not ctx.chain.is_dev:
            raise ConfigError(
                "blockchain.nova_allocation is empty: a non-dev chain needs the initial NOVA holders",
                hint="list address: whole NOVA under blockchain.nova_allocation (the rest goes to the treasury, "
                "the governance timelock unless blockchain.treasury is set)",
            )
        others = [s.address for s in dev_signers() if s.address != ctx.deployer]
        return [ctx.deployer, *others], [NOVA_SUPPLY - DEV_SHARE * len(others), *(DEV_SHARE for _ in others)]
    holders = [checksum(a, "nova_allocation") for a in configured]
    amounts = [whole * NOVA for whole in configured.values()]
    rest = NOVA_SUPPLY - sum(amounts)
    if rest < 0:
        raise ConfigError(
            f"blockchain.nova_allocation gives {sum(amounts) // NOVA:,} NOVA, more than the supply of "
            f"{NOVA_SUPPLY // NOVA:,}",
            hint="lower the allocations; what they leave goes to the treasury",
        )
    if rest:
        holders.append(_treasury(ctx))
        amounts.append(rest)
    return holders, amounts


def _issuers(ctx: DeployContext) -> list[str]:
    """The governor's initially trusted membership issuers: ``membership_issuers`` (required off dev chains), and on
    dev chains the deployer first (it records the dev accounts' memberships)."""
    configured = [checksum(a, "membership_issuers") for a in ctx.config.membership_issuers]
    if ctx.chain.is_dev:
        return [ctx.deployer, *(a for a in configured if a != ctx.deployer)]
    if not configured:
        raise ConfigError(
            "blockchain.membership_issuers is empty: a non-dev chain needs the issuers who decide who may vote",
            hint="list the issuers' addresses under blockchain.membership_issuers (more can be trusted by proposal)",
        )
    return configured


def _governor_args(ctx: DeployContext) -> tuple[Any, ...]:
    cfg = ctx.config
    return (
        ctx.addresses["NovaToken"],
        ctx.addresses["NovaTimelock"],
        ctx.addresses["DIDRegistry"],
        _issuers(ctx),
        int(cfg.voting_delay),
        int(cfg.voting_period),
        cfg.proposal_threshold * NOVA,
        quorum_bps(cfg.quorum_percentage),
    )


def _administered(ctx: DeployContext) -> list[str]:
    """Earlier contracts whose DEFAULT_ADMIN_ROLE the deployer holds (asked with the AccessControl ABI). The pools
    need no hand-over: the LiquidityPoolFactory is their admin (see the module docstring)."""
    chain = ctx.chain
    candidates = [address for name, address in ctx.addresses.items() if name not in _OURS]
    out = []
    for address in candidates:
        probe = chain.contract("NovaTimelock", address)
        try:
            if chain.call(probe.functions.hasRole(DEFAULT_ADMIN_ROLE, ctx.deployer)):
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
    if chain.is_dev and ctx.guardian != ZERO_ADDRESS:  # dev only: see the module docstring
        calls.append(timelock.functions.grantRole(CANCELLER_ROLE, ctx.guardian))
    administered = _administered(ctx)
    for address in administered:
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
        # last, after every grant above needed the deployer's admin: from here on only proposals change roles
        for address in administered:
            target = chain.contract("NovaTimelock", address)
            calls.append(target.functions.renounceRole(DEFAULT_ADMIN_ROLE, ctx.deployer))
        calls.append(timelock.functions.renounceRole(DEFAULT_ADMIN_ROLE, ctx.deployer))
    return calls


def policy_approvers_for(ctx: DeployContext) -> list[str]:
    """The PolicyRegistry's initial approvers: ``policy_approvers``; when empty, on dev chains the first dev accounts
    (three, or ``policy_threshold`` if more, so the threshold can be reached), on other chains nobody (policies then
    change by DAO proposal alone, until one grants APPROVER_ROLE)."""
    cfg = ctx.config
    approvers = [checksum(a, "policy_approvers") for a in cfg.policy_approvers]
    if not approvers and ctx.chain.is_dev:
        signers = dev_signers()
        n = max(DEV_POLICY_APPROVERS, cfg.policy_threshold)
        if n > len(signers):
            raise ConfigError(
                f"blockchain.policy_threshold {cfg.policy_threshold} is more than the {len(signers)} dev accounts",
                hint="lower blockchain.policy_threshold or list blockchain.policy_approvers",
            )
        approvers = [s.address for s in signers[:n]]
    if approvers and cfg.policy_threshold > len(approvers):
        raise ConfigError(
            f"blockchain.policy_threshold {cfg.policy_threshold} is more than the {len(approvers)} policy_approvers",
            hint="lower blockchain.policy_threshold or list more blockchain.policy_approvers",
        )
    return approvers


def _policy_args(ctx: DeployContext) -> tuple[Any, ...]:
    cfg = ctx.config
    return (
        ctx.deployer,
        ctx.guardian,
        policy_approvers_for(ctx),
        cfg.policy_threshold,
        int(cfg.policy_change_lifetime),
    )


def _policy_setup(ctx: DeployContext, registry: Any) -> list[Any]:
    """The timelock becomes the registry's admin (the DAO path: proposals call setPolicy); off dev chains the
    deployer then renounces its admin. The registry comes after the governor, so it does this itself (also when it
    is added to a deployment whose governor exists already)."""
    calls = [registry.functions.grantRole(DEFAULT_ADMIN_ROLE, ctx.addresses["NovaTimelock"])]
    if not ctx.chain.is_dev:
        calls.append(registry.functions.renounceRole(DEFAULT_ADMIN_ROLE, ctx.deployer))
    return calls


def deploy_steps(config: BlockchainConfig) -> list[DeployStep]:
    """NOVA, the timelock, the governor and the PolicyRegistry, when ``governance_enabled`` (and ``enable_did``:
    memberships need it).

    Must come after every other domain's steps (see the module docstring).
    """
    on = lambda cfg: cfg.governance_enabled and cfg.enable_did  # noqa: E731
    return [
        DeployStep(
            "NovaTimelock",
            "NovaTimelock",
            args=lambda ctx: (int(ctx.config.timelock_delay), [], [ZERO_ADDRESS], ctx.deployer),
            enabled=on,
        ),
        # after the timelock: the default treasury receives what nova_allocation leaves
        DeployStep("NovaToken", "NovaToken", args=_allocation, enabled=on),
        DeployStep("NovaGovernor", "NovaGovernor", args=_governor_args, setup=_governor_setup, enabled=on),
        # zero-ops automation policies, k-of-n approvals or the DAO (its admin: the timelock, see _policy_setup)
        DeployStep("PolicyRegistry", "PolicyRegistry", args=_policy_args, setup=_policy_setup, enabled=on),
    ]
