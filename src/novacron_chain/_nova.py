"""``NovaChain``: the one entry point, the way ``Web3()`` is for web3.py.

It owns the chain connection, the deployments registry and the metrics, and hangs each domain's manager on itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .chain import Chain, DeploymentsFile, DeployOutcome, DeployStep, connect, deploy_plan, record_code_matches
from .config import NovaConfig, load_config
from .errors import ContractError
from .metrics import BlockchainMetrics

if TYPE_CHECKING:
    from web3.contract import Contract

    from .consensus import BlockchainConsensus
    from .crosschain import AtomicSwapManager, BridgeEndpoint, CrossChainBridge, SwapDriver
    from .did import DIDManager
    from .governance import GovernanceManager
    from .l2 import L2Manager
    from .orchestrator import ContractOrchestrator
    from .security import ContractSecurity
    from .state import StateManager
    from .tokens import TokenManager

__all__ = ["ContractStatus", "NovaChain", "StatusReport"]


@dataclass(frozen=True)
class ContractStatus:
    """One recorded contract and whether its on-chain code is the artifact's."""

    name: str
    artifact: str
    address: str
    code_matches: bool
    block: int
    tx_hash: str


@dataclass(frozen=True)
class StatusReport:
    """What ``novacron-chain status`` shows."""

    network: str
    endpoint: str
    chain_id: int
    block: int
    is_dev: bool
    account: str | None
    balance_wei: int | None
    contracts: list[ContractStatus]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "network": self.network,
            "endpoint": self.endpoint,
            "chain_id": self.chain_id,
            "block": self.block,
            "is_dev": self.is_dev,
            "account": self.account,
            "balance_wei": str(self.balance_wei) if self.balance_wei is not None else None,
            "contracts": [c.__dict__ for c in self.contracts],
        }


class NovaChain:
    """A connected NovaCron blockchain layer.

    >>> nc = NovaChain.embedded()          # a throw-away in-memory chain with funded dev accounts
    >>> nc.deploy()                        # the contract set, recorded per chain id
    >>> nc.close()
    """

    def __init__(self, config: NovaConfig, chain: Chain, deployments: DeploymentsFile, metrics: BlockchainMetrics):
        self.config = config
        self.chain = chain
        self.deployments = deployments
        self.metrics = metrics
        self._did: DIDManager | None = None
        self._tokens: tuple[tuple[str | None, ...], TokenManager] | None = None
        self._state: StateManager | None = None
        self._governance: GovernanceManager | None = None
        self._orchestrator: ContractOrchestrator | None = None
        self._consensus: BlockchainConsensus | None = None
        self._security: ContractSecurity | None = None
        self._chains: _ChainHandles | None = None
        self._swaps: SwapDriver | None = None
        self._bridge: CrossChainBridge | None = None
        self._l2: L2Manager | None = None

    @classmethod
    def connect(
        cls,
        config: NovaConfig | None = None,
        *,
        account: int | None = None,
        passphrase_prompt: Callable[[str], str] | None = None,
    ) -> NovaChain:
        """Connect as ``config`` says (default: the persistent embedded chain in ``~/.novacron``)."""
        config = config or load_config()
        bc = config.blockchain
        metrics = BlockchainMetrics(network=bc.network, native_usd_price=bc.native_usd_price)
        chain = connect(bc, account=account, observers=[metrics], passphrase_prompt=passphrase_prompt)
        chain.add_error_hints(_system_error_hints)  # read on the first revert: no domain is imported before
        path = None if bc.network == "embedded:memory" else bc.resolved_data_dir / "deployments.json"
        try:
            deployments = DeploymentsFile(path)
        except BaseException:
            chain.close()
            raise
        return cls(config, chain, deployments, metrics)

    @classmethod
    def embedded(cls, **overrides: Any) -> NovaChain:
        """A throw-away in-memory chain (``network: embedded:memory``); ``overrides`` are config keys."""
        return cls.connect(load_config(overrides={"network": "embedded:memory", **overrides}))

    # -- domains --------------------------------------------------------------------------------------------------

    @property
    def did(self) -> DIDManager:
        """Decentralized identity on this chain (the recorded DIDRegistry; deploy() first)."""
        from .did import DIDManager, did_network

        registry = self.contract("DIDRegistry")
        if self._did is None or self._did.registry.address != registry.address:
            network = did_network(self.config.blockchain.network, self.chain.chain_id)
            self._did = DIDManager(self.chain, registry, network)
        return self._did

    @property
    def tokens(self) -> TokenManager:
        """Resource tokens on this chain: market, pools, staking, order book (the recorded contracts; deploy()
        first). A contract that is not deployed is reported when an operation first needs it."""
        from .tokens import CONTRACT_NAMES, TokenManager

        records = [self.deployments.get(self.chain.chain_id, n) for n in CONTRACT_NAMES]
        key = tuple(r.address if r else None for r in records)
        if self._tokens is None or self._tokens[0] != key:
            start = min((r.block for r in records if r is not None), default=0)
            self._tokens = (key, TokenManager(self.chain, self.contract, from_block=start))
        return self._tokens[1]

    @property
    def governance(self) -> GovernanceManager:
        """DAO governance on this chain: NOVA, the NovaGovernor and its timelock (the recorded contracts;
        deploy() first). Membership credentials are issued through :attr:`did`."""
        from .governance import GovernanceManager

        governor = self.contract("NovaGovernor")
        if self._governance is None or self._governance.governor.address != governor.address:
            record = self.deployments.get(self.chain.chain_id, "NovaGovernor")
            self._governance = GovernanceManager(
                self.chain,
                governor,
                self.contract("NovaToken"),
                self.contract("NovaTimelock"),
                did=self.did,
                metrics=self.metrics,
                from_block=record.block if record else 0,
                **self._policy_registry(),
            )
        return self._governance

    def _policy_registry(self) -> dict[str, Any]:
        """The governance manager's PolicyRegistry arguments (none when it is not deployed)."""
        record = self.deployments.get(self.chain.chain_id, "PolicyRegistry")
        if record is None:
            return {}
        return {"policy_registry": self.contract("PolicyRegistry"), "policy_from_block": record.block}

    @property
    def consensus(self) -> BlockchainConsensus:
        """Proof of stake on this chain: the validator registry, slashing and jailing, BLS checkpoints final with
        more than 2/3 of an epoch's stake (the recorded StakeManager and CheckpointVerifier; deploy() first)."""
        from .consensus import BlockchainConsensus

        stake_manager, verifier = self.contract("StakeManager"), self.contract("CheckpointVerifier")
        current = self._consensus
        if current is None or (current.stake_manager.address, current.verifier.address) != (
            stake_manager.address,
            verifier.address,
        ):
            record = self.deployments.get(self.chain.chain_id, "StakeManager")
            current = BlockchainConsensus(
                self.chain, stake_manager, verifier, metrics=self.metrics, from_block=record.block if record else 0
            )
            self._consensus = current
        return current

    @property
    def security(self) -> ContractSecurity:
        """Contract security on this chain: audits of any address, the guardians' emergency pause, and the status
        of every recorded contract (and of the pools the factory created)."""
        from .security import ContractSecurity

        if self._security is None:
            self._security = ContractSecurity(self.chain, self.deployments, metrics=self.metrics)
        return self._security

    @property
    def chains(self) -> Mapping[str, NovaChain]:
        """A connected NovaChain per chain by name: ``network`` (this one) and, when ``enable_cross_chain``, each of
        ``supported_chains`` (opened on first use, with this chain's signer on dev chains, deployments recorded per
        chain id as here; closed with this one). A chain that cannot be served or has no endpoint raises
        :class:`~novacron_chain.errors.ConfigError` saying what to configure."""
        if self._chains is None:
            self._chains = _ChainHandles(self)
        return self._chains

    @property
    def swaps(self) -> SwapDriver:
        """Atomic swaps between :attr:`chains` through each chain's recorded ``HashedTimelock`` (deploy() it on
        each first), with the swap files in ``data_dir/swaps/<account>`` and the timeouts of the config
        (``swap_timeout``, ``swap_participant_timeout``, ``swap_margin``)."""
        from .crosschain import SwapDriver, SwapStore, SwapTimeouts

        if self._swaps is None:
            bc = self.config.blockchain
            timeouts = SwapTimeouts(bc.swap_timeout, bc.swap_participant_timeout, bc.swap_margin)
            # one folder per account: parties sharing a data dir (--account) keep their own secrets and plans
            store = SwapStore(bc.resolved_data_dir / "swaps" / self.chain.signer.address)
            self._swaps = SwapDriver(self._swap_manager, store, timeouts)
        return self._swaps

    @property
    def bridge(self) -> CrossChainBridge:
        """The attested bridge between :attr:`chains` through each chain's recorded ``Bridge`` (deploy() it on each
        first), with the guardian signatures in ``data_dir/bridge/attestations`` (memory for ``embedded:memory``)."""
        from .crosschain import AttestationStore, CrossChainBridge

        if self._bridge is None:
            bc = self.config.blockchain
            path = None if bc.network == "embedded:memory" else bc.resolved_data_dir / "bridge" / "attestations"
            self._bridge = CrossChainBridge(self._bridge_endpoint, lambda: list(self.chains), AttestationStore(path))
        return self._bridge

    @property
    def l2(self) -> L2Manager:
        """The layer 2 (``use_layer2``): this project's rollup (``l2_network: novacron``, the recorded L2Rollup and
        L2Portal, deploy() first; the sequencer at ``l2_rpc_endpoint``) or an existing L2 by JSON-RPC."""
        from .l2 import L2Manager

        if self._l2 is None:
            self._l2 = L2Manager.for_nova(self)
        return self._l2

    def _bridge_endpoint(self, name: str) -> BridgeEndpoint:
        from .crosschain import BridgeEndpoint

        nc = self.chains[name]
        record = nc.deployments.get(nc.chain.chain_id, "Bridge")
        return BridgeEndpoint(name, nc.chain, nc.contract("Bridge"), record.block if record else 0)

    def _swap_manager(self, name: str) -> AtomicSwapManager:
        from .crosschain import AtomicSwapManager

        nc = self.chains[name]
        record = nc.deployments.get(nc.chain.chain_id, "HashedTimelock")
        return AtomicSwapManager(nc.chain, nc.contract("HashedTimelock"), from_block=record.block if record else 0)

    @property
    def orchestrator(self) -> ContractOrchestrator:
        """VM lifecycle, governed migrations and SLAs on this chain (the recorded VMLifecycle and SLAContract;
        deploy() first). VM capacity is paid through the token set's staking."""
        from .orchestrator import ContractOrchestrator

        lifecycle, sla, tokens = self.contract("VMLifecycle"), self.contract("SLAContract"), self.tokens
        current = self._orchestrator
        if (
            current is None
            or current.tokens is not tokens
            or (current.lifecycle.address, current.sla.address) != (lifecycle.address, sla.address)
        ):
            record = self.deployments.get(self.chain.chain_id, "VMLifecycle")
            current = ContractOrchestrator(
                self.chain, self.contract, tokens=tokens, from_block=record.block if record else 0
            )
            self._orchestrator = current
        return current

    @property
    def state(self) -> StateManager:
        """VM state records on this chain (the recorded StateAnchor; deploy() first).

        Opened on first use with :func:`novacron_chain.state.open_state` (the journal and index in the data dir,
        the content store the config names) and closed with this NovaChain; records still pending are anchored by
        ``nc.state.flush()`` or by the background batcher after ``nc.state.start()``.
        """
        from .state import open_state

        anchor = self.contract("StateAnchor")
        if self._state is not None and self._state.contract.address != anchor.address:
            self._state.close()
            self._state = None
        if self._state is None:
            self._state = open_state(self.chain, anchor, self.config.blockchain)
            if self.config.blockchain.anchor_redundancy:  # the roots anchored again on those chains
                from .state import nova_mirror

                nova_mirror(self, self._state)
        return self._state

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the state manager, the other chains opened through :attr:`chains`, the chain (and the embedded
        chain's data dir)."""
        if self._state is not None:  # first: its redundancy mirror may be using the other chains
            self._state.close()
            self._state = None
        if self._chains is not None:
            self._chains.close()
        if self._l2 is not None:
            self._l2.close()
            self._l2 = None
        self.chain.close()

    def __enter__(self) -> NovaChain:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- deployments ----------------------------------------------------------------------------------------------

    def deploy(
        self,
        *,
        force: bool = False,
        steps: list[DeployStep] | None = None,
        progress: Callable[[DeployStep, int], None] | None = None,
    ) -> list[DeployOutcome]:
        """Deploy the contract set (or ``steps``); idempotent. See :func:`novacron_chain.chain.deploy_plan`.

        With ``blockchain.require_audit`` set, raises :class:`~novacron_chain.security.UnjustifiedFindingsError`
        (and deploys nothing) when a contract to deploy has unjustified medium or high Slither findings."""
        plan = self.plan() if steps is None else steps
        if self.config.blockchain.require_audit:  # refuse before sending anything: no half-deployed set
            from .security import check_build_findings

            check_build_findings(step.artifact for step in plan)
        bc = self.config.blockchain
        outcomes = deploy_plan(self.chain, self.deployments, bc, plan, force=force, progress=progress)
        if steps is None and bc.anchor_redundancy:
            outcomes += self._deploy_redundancy(force=force)
        return outcomes

    def _deploy_redundancy(self, *, force: bool) -> list[DeployOutcome]:
        """``anchor_redundancy``: the StateAnchor on each redundancy chain too (outcomes named
        ``StateAnchor@<chain>``; recorded per chain id as any deployment)."""
        from dataclasses import replace

        from .state import deploy_steps

        out: list[DeployOutcome] = []
        for name in self.config.blockchain.anchor_redundancy:
            other = self.chains[name]
            for o in other.deploy(force=force, steps=deploy_steps(other.config.blockchain)):
                out.append(replace(o, name=f"{o.name}@{name}"))
        return out

    def plan(self) -> list[DeployStep]:
        """The contract set :meth:`deploy` deploys, in order, as far as the config enables it."""
        from ._deploy import system_plan

        return system_plan(self.config.blockchain)

    def contract(self, name: str) -> Contract:
        """The deployed contract recorded as ``name`` on this chain."""
        record = self.deployments.get(self.chain.chain_id, name)
        if record is None:
            if self.config.blockchain.network == "embedded:memory":
                hint = (
                    "an in-memory chain starts empty in every process: deploy in the same process "
                    "(NovaChain.deploy()), or use --network embedded (kept in the data dir) and run "
                    "`novacron-chain deploy` first"
                )
            else:
                hint = "run `novacron-chain deploy` first"
            raise ContractError(f"{name} is not deployed on chain {self.chain.chain_id}", hint=hint)
        return self.chain.contract(record.artifact, record.address)

    def status(self) -> StatusReport:
        """Chain id, block, account, balance and each recorded contract with a code check."""
        contracts = []
        for r in self.deployments.all(self.chain.chain_id):
            ok = record_code_matches(self.chain, r)  # through the proxy to its implementation for a proxy
            contracts.append(ContractStatus(r.name, r.artifact, r.address, ok, r.block, r.tx_hash))
        account = self.chain.signer.address if self.chain.has_signer else None
        return StatusReport(
            network=self.config.blockchain.network,
            endpoint=self.chain.backend.description,
            chain_id=self.chain.chain_id,
            block=self.chain.block_number(),
            is_dev=self.chain.is_dev,
            account=account,
            balance_wei=self.chain.balance(account) if account else None,
            contracts=contracts,
        )


class _ChainHandles(Mapping[str, NovaChain]):
    """``NovaChain.chains``: the home chain under its network name, the others opened on first use."""

    def __init__(self, home: NovaChain) -> None:
        self._home = home
        self._open: dict[str, NovaChain] = {}

    def _names(self) -> list[str]:
        bc = self._home.config.blockchain
        names = [bc.network]
        if bc.enable_cross_chain:
            names += [c for c in bc.supported_chains if c != bc.network]
        return names

    def __getitem__(self, name: str) -> NovaChain:
        home = self._home
        if name == home.config.blockchain.network:
            return home
        if name not in self._open:
            config = home.config.model_copy(update={"blockchain": home.config.blockchain.chain_config(name)})
            other = NovaChain.connect(config)
            if other.chain.is_dev and home.chain.has_signer:
                other.chain.use_signer(home.chain.signer)  # the same account on every dev chain
            self._open[name] = other
        return self._open[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def close(self) -> None:
        for nc in self._open.values():
            nc.close()
        self._open.clear()


def _system_error_hints() -> dict[str, str]:
    from ._deploy import system_error_hints

    return system_error_hints()
