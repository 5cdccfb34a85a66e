"""The consensus deploy steps in the system plan: parameters from config, the verifier wired in, the timelock as
admin after the governor's hand-over, idempotent re-runs; and the consensus config keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain, consensus, load_config
from novacron_chain._deploy import system_plan
from novacron_chain.chain import DeploymentsFile, DeployStep, deploy_plan
from novacron_chain.config import BlockchainConfig
from novacron_chain.errors import ConfigError, ContractError
from novacron_chain.units import to_bps

NOVA = 10**18
DEFAULT_ADMIN_ROLE = bytes(32)
GUARDIAN_ROLE = keccak(b"GUARDIAN_ROLE")
DEV = {"validator_stake": 2500, "epoch_length": "90s", "unbonding_period": "1h", "slashing_rate": 0.05}


def plan(config: BlockchainConfig) -> list[DeployStep]:
    """The system plan with the consensus steps after NovaTimelock and before NovaGovernor (where the lead wires
    them; used as is once system_plan has them)."""
    steps = system_plan(config)
    if any(s.name == "StakeManager" for s in steps):
        return steps
    at = next(i for i, s in enumerate(steps) if s.name == "NovaGovernor")
    return [*steps[:at], *consensus.deploy_steps(config), *steps[at:]]


@pytest.fixture(scope="module")
def deployed() -> Iterator[NovaChain]:
    nc = NovaChain.embedded(**DEV)
    outcomes = nc.deploy(steps=plan(nc.config.blockchain))
    names = [o.name for o in outcomes]
    assert names.index("NovaTimelock") < names.index("StakeManager") < names.index("CheckpointVerifier")
    assert names.index("CheckpointVerifier") < names.index("NovaGovernor")
    yield nc
    nc.close()


def test_parameters_come_from_config(deployed: NovaChain) -> None:
    p = deployed.consensus.parameters()
    assert p.min_stake == 2500 * NOVA
    assert (p.max_validators, p.min_validators) == (2000, 1000)
    assert (p.unbonding_period, p.epoch_length, p.jail_duration) == (3600, 90, 86400)
    assert (p.slashing_rate_bps, p.reporter_reward_bps, p.downtime_window, p.downtime_min_signed_bps) == (
        500,
        1000,
        100,
        5000,
    )
    assert p.treasury == deployed.contract("NovaTimelock").address  # the timelock, deployed before


def test_wired_and_handed_to_the_timelock(deployed: NovaChain) -> None:
    chain = deployed.chain
    sm, verifier = deployed.contract("StakeManager"), deployed.contract("CheckpointVerifier")
    assert chain.call(sm.functions.stakeToken()) == deployed.contract("NovaToken").address
    assert chain.call(sm.functions.checkpointVerifier()) == verifier.address
    assert chain.call(verifier.functions.stakeManager()) == sm.address
    timelock = deployed.contract("NovaTimelock").address
    for c in (sm, verifier):
        assert chain.call(c.functions.hasRole(DEFAULT_ADMIN_ROLE, timelock)), c.address
        assert chain.call(c.functions.hasRole(GUARDIAN_ROLE, chain.signer.address))  # emergency_pause_enabled
    status = deployed.consensus.status()
    assert (status.validators, status.active_validators, status.under_decentralised) == (0, 0, True)


def test_redeploy_is_idempotent_and_a_verifier_alone_is_refused(deployed: NovaChain) -> None:
    config = deployed.config.blockchain
    steps = consensus.deploy_steps(config)
    again = deployed.deploy(steps=plan(config))
    assert {o.name: o.action for o in again}["StakeManager"] == "unchanged"
    # a CheckpointVerifier deployed anew next to the existing StakeManager cannot be wired in: said, not hidden
    records = DeploymentsFile(None)
    for name in ("NovaToken", "NovaTimelock", "StakeManager"):
        record = deployed.deployments.get(deployed.chain.chain_id, name)
        assert record is not None
        records.put(deployed.chain.chain_id, record)
    snap = deployed.chain.snapshot()
    try:
        with pytest.raises(ContractError, match="bound to the CheckpointVerifier"):
            deploy_plan(deployed.chain, records, config, [*_token_timelock(config), *steps])
    finally:
        deployed.chain.revert(snap)


def _token_timelock(config: BlockchainConfig) -> list[DeployStep]:
    return [s for s in system_plan(config) if s.name in ("NovaToken", "NovaTimelock")]


def test_a_configured_treasury_is_used() -> None:
    treasury = "0x000000000000000000000000000000000000dEaD"
    config = load_config(env={}, overrides={**DEV, "treasury": treasury}).blockchain
    params = consensus.stake_manager_parameters(config, treasury)
    assert params == (2500 * NOVA, 2000, 1000, 3600, 500, 1000, 100, 5000, 86400, treasury)
    assert all(s.enabled(config) for s in consensus.deploy_steps(config))
    off = load_config(env={}, overrides={"governance_enabled": False}).blockchain
    assert not any(s.enabled(off) for s in consensus.deploy_steps(off))


def test_config_keys_and_their_units() -> None:
    bc = load_config(env={}).blockchain
    assert (bc.validator_stake, bc.max_validators, bc.min_validators) == (1_000_000, 2000, 1000)
    assert (bc.epoch_length, bc.unbonding_period, bc.jail_duration) == (3600, 21 * 86400, 86400)
    assert (bc.slashing_rate, bc.reporter_reward, bc.downtime_window, bc.downtime_min_signed) == (0.1, 0.1, 100, 0.5)
    assert (bc.treasury, bc.aggregator_url, bc.bls_keystore_path) == (None, None, None)
    dev = load_config(env={"NOVACRON_EPOCH_LENGTH": "5s", "NOVACRON_UNBONDING_PERIOD": "1m"}).blockchain
    assert (dev.epoch_length, dev.unbonding_period) == (5, 60)
    for overrides, problem in (
        ({"epoch_length": "1h", "unbonding_period": "1h"}, "at least two epochs"),
        ({"slashing_rate": 0.00001}, "finer than a basis point"),
        ({"reporter_reward": 1.5}, "reporter_reward"),
        ({"treasury": "0x1234"}, "not an address"),
        ({"aggregator_url": "ftp://x"}, "not an http(s):// URL"),
        ({"validator_stake": 0}, "validator_stake"),
        ({"downtime_window": 1001}, "downtime_window"),
    ):
        with pytest.raises(ConfigError) as bad:
            load_config(env={}, overrides=overrides)
        assert problem in str(bad.value), (overrides, str(bad.value))
    with pytest.raises(ConfigError, match="basis points"):
        to_bps(0.12345, "slashing_rate")
    assert to_bps(0.1, "slashing_rate") == 1000
