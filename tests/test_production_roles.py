"""A production deploy leaves no key above governance: the whole contract set deployed through the non-dev path, every
role of every contract listed from the contracts' own RoleGranted/RoleRevoked events, and the deployer's key tried
against what it used to control.

The table enforced (``T`` the timelock, ``G`` the configured guardian):

* every contract: ``DEFAULT_ADMIN_ROLE`` = {T}, except the liquidity pools: {the LiquidityPoolFactory}, which acts on
  a pool only for its own admin (T), so the pools governance creates later answer to T as well; every guarded one:
  ``GUARDIAN_ROLE`` = {G};
* NovaTimelock: PROPOSER and CANCELLER = {the governor}, EXECUTOR = {anyone (the zero address)}; the guardian is no
  canceller off dev chains (a canceller could veto every proposal, its own removal included);
* the four resource tokens: ``MINTER_ROLE`` = {ResourceMarket, T};
* StateAnchor: ``ANCHORER_ROLE`` = ``state_anchorers``; VMLifecycle: ``OPERATOR_ROLE`` = ``vm_operators``;
  ResourceStaking: ``LIEN_ROLE`` = {VMLifecycle}; PolicyRegistry: ``APPROVER_ROLE`` = ``policy_approvers``;
* nothing else, and the deployer nowhere. Outside AccessControl: the governor trusts exactly ``membership_issuers``,
  approvers and oracles are the configured sets, NOVA went to ``nova_allocation`` and the rest to the timelock.

How the non-dev path runs for real here: the embedded chain (py-evm, a real EVM: real contracts, signatures and
reverts) with its backend's ``is_dev`` set to False on the instance. ``EmbeddedBackend.is_dev`` is the one switch
everything consults through ``Chain.is_dev`` (``RpcBackend`` sets the same attribute from a node's client version),
so the deploy steps take exactly the branch they take on Polygon or Ethereum, and dev powers (dev accounts,
snapshots, time travel) are refused as they would be there. The keys used are dev account keys only because the
embedded chain funds those; they are configured like any other address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address, to_hex

from novacron_chain import NovaChain, did, governance
from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.chain import ZERO_ADDRESS, Signer, dev_signers
from novacron_chain.consensus import stake_manager_parameters
from novacron_chain.errors import ConfigError, ContractCustomError

NOVA = 10**18
DEFAULT_ADMIN_ROLE = bytes(32)


def _role_names() -> dict[bytes, str]:
    """Every role any of our contracts declares (a public ``*_ROLE`` constant), by its hash: a new role is named in
    a failure, not shown as a hash."""
    names = {DEFAULT_ADMIN_ROLE: "DEFAULT_ADMIN_ROLE"}
    for artifact in artifact_names():
        for item in load_artifact(artifact).abi:
            name = str(item.get("name", ""))
            if item.get("type") == "function" and name.endswith("_ROLE") and name != "DEFAULT_ADMIN_ROLE":
                names[keccak(name.encode())] = name
    return names


def _address(label: str) -> str:
    return str(Account.from_key(keccak(label.encode())).address)


DEPLOYER, GUARDIAN = dev_signers()[0], dev_signers()[1]
APPROVERS = [_address(f"approver {i}") for i in range(5)]
ORACLES = [_address(f"oracle {i}") for i in range(5)]
ANCHORER = _address("anchorer")
OPERATORS = [_address("operator 0"), _address("operator 1")]  # two: the constructor takes one, setup grants more
ISSUER = _address("membership issuer")
POLICY_APPROVERS = [_address(f"policy approver {i}") for i in range(3)]
HOLDERS = {_address("holder 0"): 4_000_000, _address("holder 1"): 1_500_000}  # 4,500,000 NOVA left: the treasury
PRODUCTION = {
    "guardian": GUARDIAN.address,
    "migration_approvers": APPROVERS,
    "multisig_threshold": 3,
    "sla_oracles": ORACLES,
    "sla_oracle_quorum": 3,
    "state_anchorers": [ANCHORER],
    "vm_operators": OPERATORS,
    "membership_issuers": [ISSUER],
    "policy_approvers": POLICY_APPROVERS,
    "nova_allocation": HOLDERS,
    # executing a proposal that creates a pool (a contract deployment, ~2.1M gas) exceeds the default 1,000,000
    "max_gas_per_tx": 3_000_000,
}


def _production_chain(**config: Any) -> NovaChain:
    nc = NovaChain.embedded(**config)
    nc.chain.backend.is_dev = False  # the test hook: see the module docstring
    assert not nc.chain.is_dev
    nc.chain.use_signer(DEPLOYER)
    return nc


@dataclass
class Production:
    nc: NovaChain
    contracts: dict[str, Any]  # by record name; pools as "LiquidityPool #i" (created later: "LiquidityPool (...)")

    @property
    def chain(self) -> Any:
        return self.nc.chain

    def address(self, name: str) -> str:
        return str(self.contracts[name].address)

    def holders(self) -> dict[tuple[str, str], set[str]]:
        """``(contract, role) -> holders`` from every RoleGranted/RoleRevoked log on the chain (no address filter:
        a contract missing from ``contracts`` shows up as an unknown address and fails the table)."""
        names = _role_names()
        name_at = {c.address: name for name, c in self.contracts.items()}
        changes = []
        for event, grant in (("RoleGranted", True), ("RoleRevoked", False)):
            # hex strings: the embedded chain's log filter matches no HexBytes topic
            topic = to_hex(keccak(f"{event}(bytes32,address,address)".encode()))
            changes += [(log, grant) for log in self.chain.w3.eth.get_logs({"fromBlock": 0, "topics": [topic]})]
        held: dict[tuple[str, str], set[str]] = {}
        for log, grant in sorted(changes, key=lambda c: (c[0]["blockNumber"], c[0]["logIndex"])):
            contract = name_at.get(log["address"], f"unknown contract {log['address']}")
            role = names.get(bytes(log["topics"][1]), "unknown role " + to_hex(log["topics"][1]))
            account = to_checksum_address(log["topics"][2][-20:])
            (
                held.setdefault((contract, role), set()).add
                if grant
                else held.setdefault((contract, role), set()).discard
            )(account)
        return {key: accounts for key, accounts in held.items() if accounts}


@pytest.fixture(scope="module")
def prod() -> Iterator[Production]:
    nc = _production_chain(**PRODUCTION)
    nc.deploy()
    contracts = {r.name: nc.chain.contract(r.artifact, r.address) for r in nc.deployments.all(nc.chain.chain_id)}
    factory = contracts["LiquidityPoolFactory"]
    for i in range(nc.chain.call(factory.functions.allPoolsLength())):
        contracts[f"LiquidityPool #{i}"] = nc.chain.contract(
            "LiquidityPool", nc.chain.call(factory.functions.allPools(i))
        )
    yield Production(nc, contracts)
    nc.close()


def _expected(p: Production) -> dict[tuple[str, str], set[str]]:
    tl, gov, market = p.address("NovaTimelock"), p.address("NovaGovernor"), p.address("ResourceMarket")
    factory = p.address("LiquidityPoolFactory")
    table: dict[tuple[str, str], set[str]] = {
        ("NovaTimelock", "DEFAULT_ADMIN_ROLE"): {tl},
        ("NovaTimelock", "PROPOSER_ROLE"): {gov},
        ("NovaTimelock", "CANCELLER_ROLE"): {gov},
        ("NovaTimelock", "EXECUTOR_ROLE"): {ZERO_ADDRESS},
        ("StateAnchor", "ANCHORER_ROLE"): {ANCHORER},
        ("VMLifecycle", "OPERATOR_ROLE"): set(OPERATORS),
        ("ResourceStaking", "LIEN_ROLE"): {p.address("VMLifecycle")},  # liens on the stake behind running VMs
        ("PolicyRegistry", "APPROVER_ROLE"): set(POLICY_APPROVERS),
    }
    for name, contract in p.contracts.items():
        abi_names = {item.get("name") for item in contract.abi}
        if "GUARDIAN_ROLE" in abi_names:
            table[(name, "DEFAULT_ADMIN_ROLE")] = {factory if name.startswith("LiquidityPool ") else tl}
            table[(name, "GUARDIAN_ROLE")] = {GUARDIAN.address}
        if "MINTER_ROLE" in abi_names:
            table[(name, "MINTER_ROLE")] = {market, tl}
    return table


def test_every_role_of_every_contract_is_as_configured(prod: Production) -> None:
    held = prod.holders()
    expected = _expected(prod)
    assert {k: sorted(v) for k, v in held.items()} == {k: sorted(v) for k, v in expected.items()}
    assert all(DEPLOYER.address not in accounts for accounts in held.values())
    pools = [name for name in prod.contracts if name.startswith("LiquidityPool #")]
    assert len(pools) == 10  # 4 native pairs + 6 resource pairs: each one in the table above


def test_operators_issuers_and_nova_are_the_configured_ones(prod: Production) -> None:
    chain, c = prod.chain, prod.contracts
    approvers, threshold, _epoch = chain.call(c["VMLifecycle"].functions.approverSet())
    assert (sorted(approvers), threshold) == (sorted(APPROVERS), 3)
    oracles, quorum = chain.call(c["SLAContract"].functions.oracleSet())
    assert (sorted(oracles), quorum) == (sorted(ORACLES), 3)
    governor = c["NovaGovernor"]
    trusted: set[str] = set()
    topic = to_hex(keccak(b"IssuerTrustChanged(address,bool)"))
    for log in chain.w3.eth.get_logs({"fromBlock": 0, "address": governor.address, "topics": [topic]}):
        event = governor.events.IssuerTrustChanged().process_log(log)
        (trusted.add if event.args.trusted else trusted.discard)(event.args.issuer)
    assert trusted == {ISSUER}
    assert not chain.call(governor.functions.isTrustedIssuer(DEPLOYER.address))
    nova = c["NovaToken"]
    timelock = prod.address("NovaTimelock")
    balances = {a: chain.call(nova.functions.balanceOf(a)) for a in [*HOLDERS, timelock, DEPLOYER.address]}
    assert balances == {**{a: n * NOVA for a, n in HOLDERS.items()}, timelock: 4_500_000 * NOVA, DEPLOYER.address: 0}
    assert chain.call(nova.functions.totalSupply()) == 10_000_000 * NOVA
    assert chain.call(c["StakeManager"].functions.parameters())[-1] == timelock  # the default treasury


def _refused(prod: Production, fn: Any, error: str = "AccessControlUnauthorizedAccount", **args: Any) -> None:
    with pytest.raises(ContractCustomError) as caught:
        prod.chain.transact(fn, gas=500_000)  # a fixed limit: the send itself must revert, not only an estimate
    assert caught.value.error_name == error, caught.value
    for key, value in args.items():
        assert str(caught.value.error_args[key]).lower() == value.lower(), caught.value


def test_the_deployer_key_cannot_get_around_governance(prod: Production) -> None:
    c, me = prod.contracts, DEPLOYER.address
    assert prod.chain.signer.address == me
    refused = lambda fn: _refused(prod, fn, account=me)  # noqa: E731
    minter, anchorer, operator = (keccak(r) for r in (b"MINTER_ROLE", b"ANCHORER_ROLE", b"OPERATOR_ROLE"))
    refused(c["CPUToken"].functions.grantRole(minter, me))
    refused(c["CPUToken"].functions.mint(me, 1000 * NOVA))
    refused(c["VMLifecycle"].functions.setApprovers([me], 1))
    refused(c["VMLifecycle"].functions.setMigrationDelay(0))
    refused(c["VMLifecycle"].functions.grantRole(operator, me))
    refused(c["SLAContract"].functions.setOracles([me], 1))
    sla = prod.nc.deployments.get(prod.chain.chain_id, "SLAContract")
    assert sla is not None
    assert sla.proxy  # upgradeable, by the timelock alone: not even to the implementation it runs
    refused(c["SLAContract"].functions.upgradeToAndCall(sla.implementation, b""))
    refused(c["StateAnchor"].functions.grantRole(anchorer, me))
    refused(c["ResourceStaking"].functions.withdrawRewards(0, 0, me))
    refused(c["ResourceStaking"].functions.setApr(0, 10_000))
    refused(c["ResourceStaking"].functions.grantRole(keccak(b"LIEN_ROLE"), me))
    params = stake_manager_parameters(prod.nc.config.blockchain, me)
    refused(c["StakeManager"].functions.setParameters(params))
    refused(c["StakeManager"].functions.setEpochLength(1))
    refused(c["LiquidityPoolFactory"].functions.createPool(c["CPUToken"].address, me))
    refused(c["LiquidityPool #0"].functions.grantRole(DEFAULT_ADMIN_ROLE, me))
    refused(c["LiquidityPool #0"].functions.unpause())
    pool_admin = c["LiquidityPoolFactory"].functions
    refused(pool_admin.unpausePool(c["LiquidityPool #0"].address))
    refused(pool_admin.grantPoolRole(c["LiquidityPool #0"].address, keccak(b"GUARDIAN_ROLE"), me))
    refused(pool_admin.revokePoolRole(c["LiquidityPool #0"].address, keccak(b"GUARDIAN_ROLE"), GUARDIAN.address))
    refused(c["DIDRegistry"].functions.grantRole(DEFAULT_ADMIN_ROLE, me))
    refused(c["PolicyRegistry"].functions.setPolicy("autoscale.limit.eu-west-1", "1000"))
    refused(c["PolicyRegistry"].functions.proposeChange("autoscale.limit.eu-west-1", "1000"))
    refused(c["PolicyRegistry"].functions.setThreshold(1))
    timelock = c["NovaTimelock"]
    refused(timelock.functions.grantRole(keccak(b"PROPOSER_ROLE"), me))
    refused(timelock.functions.cancel(bytes(32)))
    _refused(prod, timelock.functions.updateDelay(0), "TimelockUnauthorizedCaller", caller=me)
    governor = c["NovaGovernor"]
    _refused(prod, governor.functions.recordMembership(me, me, bytes(32), 2**40), "NovaGovernorIssuerNotTrusted")
    _refused(prod, governor.functions.setIssuerTrust(me, True), "GovernorOnlyExecutor", account=me)


def test_the_guardian_pauses_and_only_governance_unpauses(prod: Production) -> None:
    book = prod.contracts["ResourceOrderBook"]  # no other test here uses it: its pause stays
    prod.chain.transact(book.functions.pause(), sender=GUARDIAN)
    assert prod.chain.call(book.functions.paused())
    _refused(prod, book.functions.unpause(), account=DEPLOYER.address)
    with pytest.raises(ContractCustomError) as caught:
        prod.chain.transact(book.functions.unpause(), gas=500_000, sender=GUARDIAN)
    assert caught.value.error_args["account"].lower() == GUARDIAN.address.lower()  # pause only
    timelock = prod.contracts["NovaTimelock"]
    with pytest.raises(ContractCustomError):
        prod.chain.transact(timelock.functions.cancel(bytes(32)), gas=500_000, sender=GUARDIAN)  # no veto


def _elapse(prod: Production, seconds: int) -> None:
    """Time passes, as it does by itself on a production chain: the dev power is borrowed for this alone."""
    prod.chain.backend.is_dev = True
    try:
        prod.chain.advance(seconds)
    finally:
        prod.chain.backend.is_dev = False


def test_a_pool_governance_creates_later_is_administered_through_the_factory(prod: Production) -> None:
    """The timelock creates a pool after deployment (a passed proposal); the deployer cannot administer it, the
    guardian only pauses it, and governance lifts the pause through the factory (a second proposal, voted at the
    same time: the new pool's address is known in advance)."""
    chain, c, me = prod.chain, prod.contracts, DEPLOYER.address
    gm = prod.nc.governance
    factory = c["LiquidityPoolFactory"]
    cpu, nova = c["CPUToken"].address, c["NovaToken"].address
    pool_address = chain.call(factory.functions.poolAddress(cpu, nova))
    assert chain.code(pool_address) == b""
    create = governance.ProposalAction.call(factory.address, "createPool(address,address)", [cpu, nova])
    unpause = governance.ProposalAction.call(factory.address, "unpausePool(address)", [pool_address])
    voters = [Signer(keccak(f"holder {i}".encode())) for i in range(2)]  # HOLDERS' keys: 5.5M NOVA, above quorum
    issuer = Signer(keccak(b"membership issuer"))
    for voter in voters:
        chain.transfer(voter.address, NOVA)  # gas money
        gm.issue_membership(voter.address, issuer)
    proposals = [
        gm.create_proposal("CPU/NOVA pool", "a pool for CPU against NOVA", [create], sender=voters[0]),
        gm.create_proposal("Resume CPU/NOVA", "lift the guardian's pause", [unpause], sender=voters[0]),
    ]
    _elapse(prod, gm.voting_delay + 1)
    for p in proposals:
        for voter in voters:
            gm.cast_vote(p.id, governance.VoteType.FOR, sender=voter)
    _elapse(prod, gm.voting_period)
    for p in proposals:
        gm.queue_proposal(p.id)
    _elapse(prod, gm.timelock_delay)
    gm.execute_proposal(proposals[0].id)
    assert chain.call(factory.functions.getPool(cpu, nova)) == pool_address
    pool = c["LiquidityPool (CPU/NOVA, by governance)"] = chain.contract("LiquidityPool", pool_address)
    assert chain.call(pool.functions.hasRole(DEFAULT_ADMIN_ROLE, factory.address))
    assert not chain.call(pool.functions.hasRole(DEFAULT_ADMIN_ROLE, prod.address("NovaTimelock")))

    chain.transact(pool.functions.pause(), sender=GUARDIAN)
    refused = lambda fn: _refused(prod, fn, account=me)  # noqa: E731
    refused(pool.functions.unpause())
    refused(pool.functions.grantRole(DEFAULT_ADMIN_ROLE, me))
    refused(factory.functions.unpausePool(pool_address))
    refused(factory.functions.grantPoolRole(pool_address, keccak(b"GUARDIAN_ROLE"), me))
    with pytest.raises(ContractCustomError) as caught:  # the guardian only pauses
        chain.transact(factory.functions.unpausePool(pool_address), gas=500_000, sender=GUARDIAN)
    assert caught.value.error_args["account"].lower() == GUARDIAN.address.lower()
    gm.execute_proposal(proposals[1].id)
    assert not chain.call(pool.functions.paused())
    # the audit judges a pool by its factory's admins: the timelock, as production requires
    report = prod.nc.security.audit_contract(pool_address)
    codes = {r.code: r.level for r in report.reasons}
    assert codes.get("admin-via-creator") == "info", report.reasons
    assert not {"eoa-admin", "admin-not-timelock"} & set(codes), report.reasons
    # the role table, the new pool included, still holds: the factory is its admin, the guardian its guardian
    assert {k: sorted(v) for k, v in prod.holders().items()} == {k: sorted(v) for k, v in _expected(prod).items()}


def _governance_only(nc: NovaChain) -> list[Any]:
    config = nc.config.blockchain
    return [*did.deploy_steps(config), *governance.deploy_steps(config)]  # the governor needs the DIDRegistry


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"nova_allocation": {}}, "nova_allocation is empty"),
        ({"nova_allocation": {_address("whale"): 10_000_001}}, "more than the supply"),
        ({"membership_issuers": []}, "membership_issuers is empty"),
    ],
)
def test_a_production_deploy_names_its_holders_and_issuers(config: dict[str, Any], message: str) -> None:
    nc = _production_chain(**{**PRODUCTION, **config})
    try:
        with pytest.raises(ConfigError, match=message):
            nc.deploy(steps=_governance_only(nc))
    finally:
        nc.close()
