"""Deploying the contract set: a plan of steps, run idempotently and recorded per chain id.

Each domain contributes :class:`DeployStep` s to :func:`system_plan`. A step whose contract is already recorded on
this chain with matching code is skipped, so ``deploy`` can be run again at any time. A recorded contract whose code
no longer matches (the artifact changed, or a dev chain was reset) is redeployed on dev chains; on other chains that
needs ``force=True``, because it moves the contract to a new address.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .artifacts import load_artifact
from .chain import ContractRecord, DeploymentsFile, code_matches
from .config import BlockchainConfig
from .errors import ContractError

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from .chain import Chain

__all__ = ["DeployContext", "DeployOutcome", "DeployStep", "deploy_plan", "system_plan"]


@dataclass
class DeployContext:
    """What a step's argument and setup functions may read: config, the deployer and earlier addresses."""

    chain: Chain
    config: BlockchainConfig
    addresses: dict[str, str] = field(default_factory=dict)

    @property
    def deployer(self) -> str:
        """Address of the account deploying (admin of every contract until governance takes over)."""
        return self.chain.signer.address


@dataclass(frozen=True)
class DeployStep:
    """Deploy ``artifact`` under the record name ``name``, then send the ``setup`` calls (role grants, wiring)."""

    name: str
    artifact: str
    args: Callable[[DeployContext], Sequence[Any]] = lambda ctx: ()
    setup: Callable[[DeployContext, Contract], Sequence[ContractFunction]] = lambda ctx, c: ()
    enabled: Callable[[BlockchainConfig], bool] = lambda cfg: True


@dataclass(frozen=True)
class DeployOutcome:
    """What happened to one step."""

    name: str
    address: str
    action: Literal["deployed", "redeployed", "unchanged"]
    gas_used: int
    record: ContractRecord


def system_plan(config: BlockchainConfig) -> list[DeployStep]:
    """The contract set of a NovaCron deployment, in dependency order, as far as ``config`` enables it."""
    steps: list[DeployStep] = []
    return [s for s in steps if s.enabled(config)]


def deploy_plan(
    chain: Chain,
    deployments: DeploymentsFile,
    config: BlockchainConfig,
    steps: Sequence[DeployStep],
    *,
    force: bool = False,
    progress: Callable[[DeployStep, int], None] | None = None,
) -> list[DeployOutcome]:
    """Run ``steps`` on ``chain``, skipping what is already deployed; record every deployment in ``deployments``."""
    ctx = DeployContext(chain=chain, config=config)
    outcomes: list[DeployOutcome] = []
    for i, step in enumerate(steps):
        if progress:
            progress(step, i)
        art = load_artifact(step.artifact)
        record = deployments.get(chain.chain_id, step.name)
        if record is not None and code_matches(art, chain.code(record.address)):
            ctx.addresses[step.name] = record.address
            outcomes.append(DeployOutcome(step.name, record.address, "unchanged", 0, record))
            continue
        if record is not None and not chain.is_dev and not force:
            raise ContractError(
                f"{step.name} is recorded at {record.address} on chain {chain.chain_id}, but the code there does "
                "not match the current artifact",
                hint="if you mean to deploy a new version at a new address, run `novacron-chain deploy --force`",
            )
        contract, receipt = chain.deploy(art, *step.args(ctx))
        gas = receipt.gas_used
        for call in step.setup(ctx, contract):
            gas += chain.transact(call).gas_used
        new = ContractRecord(
            name=step.name,
            artifact=art.name,
            address=contract.address,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            artifact_hash=art.artifact_hash,
            deployed_at=int(time.time()),
        )
        deployments.put(chain.chain_id, new)
        ctx.addresses[step.name] = contract.address
        outcomes.append(DeployOutcome(step.name, contract.address, "redeployed" if record else "deployed", gas, new))
    return outcomes
