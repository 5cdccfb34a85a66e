"""The guardian rule on every contract that has a guardian (each one inheriting contracts/security/Guarded.sol),
for the whole contract set as ``deploy`` puts it on chain:

* ``emergency_pause_enabled`` (the default): the deployer is the one guardian of every contract, pools included,
  can pause each one, and a paused contract refuses what the pause guards; the deployer may also cancel queued
  governance operations (the timelock's emergency brake).
* disabled: nobody is guardian of anything (not the deployer, no one in the contracts' RoleGranted events) and the
  deployer cannot pause or cancel; the admin could still grant guardians later.

Contracts are found from the artifacts (every one with ``GUARDIAN_ROLE``), so a new guarded contract is covered as
soon as ``deploy`` deploys it, and fails here if it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_hash.auto import keccak
from eth_utils import to_checksum_address, to_hex

from novacron_chain import NovaChain
from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.chain import ZERO_ADDRESS
from novacron_chain.errors import ContractCustomError
from tests._support import reverting

GUARDIAN_ROLE = keccak(b"GUARDIAN_ROLE")
CANCELLER_ROLE = keccak(b"CANCELLER_ROLE")
TEST_ONLY = {"ChainProbe"}  # a contract of the chain layer's tests, in no deployment
PAUSE_GAS = 100_000  # pause() costs ~30k; a fixed limit skips twenty gas estimations


def _guarded_artifacts() -> set[str]:
    return {
        name
        for name in artifact_names()
        if any(item.get("name") == "GUARDIAN_ROLE" for item in load_artifact(name).abi)
        and name not in TEST_ONLY
        and not load_artifact(name).test_only  # contracts/test/: compiled for tests (e.g. upgrade targets)
    }


@dataclass
class Deployment:
    """A deployed contract set: its guarded contracts by name (the factory's pools as ``LiquidityPool #i``) and the
    artifacts they were built from."""

    nc: NovaChain
    guarded: dict[str, Any]
    artifacts: set[str]

    @property
    def deployer(self) -> str:
        return self.nc.chain.signer.address

    def call(self, fn: Any) -> Any:
        return self.nc.chain.call(fn)

    def guardians(self) -> dict[str, set[str]]:
        """Who holds GUARDIAN_ROLE where, by the contracts' own events: every grant, less every revocation (one
        log query for all contracts: a query per contract is slow on the embedded chain)."""
        held: dict[str, set[str]] = {name: set() for name in self.guarded}
        name_at = {c.address: name for name, c in self.guarded.items()}
        for event, change in (("RoleGranted", set.add), ("RoleRevoked", set.discard)):
            # hex strings: the embedded chain's log filter matches no HexBytes topic
            topics = [to_hex(keccak(f"{event}(bytes32,address,address)".encode())), to_hex(GUARDIAN_ROLE)]
            logs = self.nc.chain.w3.eth.get_logs({"fromBlock": 0, "topics": topics})
            for log in sorted(logs, key=lambda lg: (lg["blockNumber"], lg["logIndex"])):
                if log["address"] in name_at:
                    change(held[name_at[log["address"]]], to_checksum_address(log["topics"][2][-20:]))
        return held


def _deployment(nc: NovaChain) -> Deployment:
    nc.deploy()
    records = [r for r in nc.deployments.all(nc.chain.chain_id) if r.artifact in _guarded_artifacts()]
    guarded = {r.name: nc.chain.contract(r.artifact, r.address) for r in records}
    artifacts = {r.artifact for r in records}
    factory = guarded["LiquidityPoolFactory"]
    for i in range(nc.chain.call(factory.functions.allPoolsLength())):
        pool = nc.chain.call(factory.functions.allPools(i))
        guarded[f"LiquidityPool #{i}"] = nc.chain.contract("LiquidityPool", pool)
        artifacts.add("LiquidityPool")
    return Deployment(nc, guarded, artifacts)


@pytest.fixture(scope="module")
def enabled(embedded_session: NovaChain) -> Iterator[Deployment]:
    """The default config's contract set on the session's embedded chain, deployed once per session (kept: the same
    set the governance tests use); whatever the tests here do is reverted."""
    assert embedded_session.config.blockchain.emergency_pause_enabled
    deployment = _deployment(embedded_session)  # outside the snapshot below
    for _ in reverting(embedded_session):
        yield deployment


@pytest.fixture(scope="module")
def disabled() -> Iterator[Deployment]:
    """The contract set deployed with ``emergency_pause_enabled: false`` on a chain of its own."""
    with NovaChain.embedded(emergency_pause_enabled=False, enable_cross_chain=True) as nc:
        assert not nc.config.blockchain.emergency_pause_enabled
        yield _deployment(nc)


def _refusal(d: Deployment, fn: Any) -> str | None:
    """The custom error ``fn`` reverts with when the deployer calls it, or None if it would succeed."""
    try:
        d.call(fn)
    except ContractCustomError as exc:
        return exc.error_name
    return None


@pytest.mark.parametrize("mode", ["enabled", "disabled"])
def test_every_guarded_contract_is_deployed_and_checked(mode: str, request: pytest.FixtureRequest) -> None:
    d: Deployment = request.getfixturevalue(mode)
    everything = NovaChain.embedded(enable_cross_chain=True, use_layer2=True)  # every optional domain switched on
    try:
        deployable = {s.artifact for s in everything.plan()} | {"LiquidityPool"}  # pools: created by the factory
    finally:
        everything.close()
    assert sorted(_guarded_artifacts() - deployable) == [], "guarded contracts that no deploy step deploys"
    enabled_here = {s.artifact for s in d.nc.plan()} | {"LiquidityPool"}
    assert sorted((_guarded_artifacts() & enabled_here) - d.artifacts) == [], "guarded contracts `deploy` left out"
    assert sum(name.startswith("LiquidityPool #") for name in d.guarded) == 10  # 4 native pairs + 6 token pairs


def test_enabled_the_deployer_is_the_one_guardian_of_every_contract(enabled: Deployment) -> None:
    d = enabled
    holders = d.guardians()
    wrong = {
        name: sorted(holders[name])
        for name, c in d.guarded.items()
        if holders[name] != {d.deployer} or not d.call(c.functions.hasRole(GUARDIAN_ROLE, d.deployer))
    }
    assert wrong == {}, f"guardians other than exactly the deployer ({d.deployer})"
    factory = d.guarded["LiquidityPoolFactory"]
    assert d.call(factory.functions.poolGuardian()) == d.deployer


def test_enabled_the_guardian_pauses_every_contract_and_paused_ones_refuse(enabled: Deployment) -> None:
    d = enabled
    chain = d.nc.chain
    snap = chain.snapshot()
    try:
        for name, c in d.guarded.items():
            chain.transact(c.functions.pause(), gas=PAUSE_GAS)
            assert d.call(c.functions.paused()), name
            assert _refusal(d, c.functions.pause()) == "EnforcedPause", name  # whenNotPaused holds
        # and the contracts' own operations stop
        me = d.deployer
        assert _refusal(d, d.guarded["CPUToken"].functions.transfer(me, 0)) == "EnforcedPause"
        assert _refusal(d, d.guarded["DIDRegistry"].functions.changeOwner(me, me)) == "EnforcedPause"
        assert _refusal(d, d.guarded["LiquidityPool #0"].functions.sync()) == "EnforcedPause"
        # only the admin resumes
        chain.transact(d.guarded["CPUToken"].functions.unpause())
        assert _refusal(d, d.guarded["CPUToken"].functions.transfer(me, 0)) is None
    finally:
        chain.revert(snap)


def test_enabled_the_guardian_may_cancel_governance_operations(enabled: Deployment) -> None:
    timelock = enabled.nc.contract("NovaTimelock")
    assert enabled.call(timelock.functions.hasRole(CANCELLER_ROLE, enabled.deployer))


def test_disabled_nobody_is_guardian_of_anything(disabled: Deployment) -> None:
    d = disabled
    holders = d.guardians()
    for name, c in d.guarded.items():
        if d.call(c.functions.hasRole(GUARDIAN_ROLE, d.deployer)):
            holders[name].add(d.deployer)
    assert {name: sorted(h) for name, h in holders.items() if h} == {}, "guardians although the pause is disabled"
    factory = d.guarded["LiquidityPoolFactory"]
    assert d.call(factory.functions.poolGuardian()) == ZERO_ADDRESS


def test_disabled_the_deployer_cannot_pause_or_cancel(disabled: Deployment) -> None:
    d = disabled
    refusals = {name: _refusal(d, c.functions.pause()) for name, c in d.guarded.items()}
    assert set(refusals.values()) == {"AccessControlUnauthorizedAccount"}, refusals
    timelock = d.nc.contract("NovaTimelock")
    assert not d.call(timelock.functions.hasRole(CANCELLER_ROLE, d.deployer))
    # the admin keeps the power to appoint a guardian later, which is all that "disabled" leaves open (on the pools
    # through their admin, the factory: grantPoolRole)
    factory = d.guarded["LiquidityPoolFactory"].address
    admins = {name: d.deployer if not name.startswith("LiquidityPool #") else factory for name in d.guarded}
    assert all(d.call(c.functions.hasRole(bytes(32), admins[name])) for name, c in d.guarded.items())
