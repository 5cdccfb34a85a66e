"""The orchestrator's config keys: approvers and oracles are address sets their thresholds fit, durations bounded."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import DeployContext, dev_signers
from novacron_chain.errors import ConfigError
from novacron_chain.orchestrator import DEV_APPROVERS, deploy_steps

ADDRS = [s.address for s in dev_signers()]


def test_defaults() -> None:
    bc = load_config().blockchain
    assert (bc.multisig_threshold, bc.migration_timelock, bc.sla_oracle_quorum, bc.sla_dispute_window) == (
        3,
        86400,
        3,
        86400,
    )
    assert bc.migration_approvers == []
    assert bc.sla_oracles == []


def test_durations_and_sets_are_validated() -> None:
    bc = load_config(overrides={"migration_timelock": "48h", "migration_approvers": ADDRS[:4]}).blockchain
    assert bc.migration_timelock == 48 * 3600
    with pytest.raises(ConfigError) as exc:
        load_config(
            overrides={
                "migration_approvers": ["0x12", ADDRS[1]],
                "sla_oracles": [ADDRS[1], ADDRS[1].lower()],
                "sla_dispute_window": "31d",
            }
        )
    text = str(exc.value)
    assert "migration_approvers" in text
    assert "not addresses" in text
    assert "listed twice" in text
    assert "sla_dispute_window" in text
    with pytest.raises(ConfigError, match="more than the 2 migration_approvers"):
        load_config(overrides={"migration_approvers": ADDRS[:2]})
    with pytest.raises(ConfigError, match="sla_oracle_quorum 4 is more than the 3 sla_oracles"):
        load_config(overrides={"sla_oracles": ADDRS[:3], "sla_oracle_quorum": 4})


def test_deploy_arguments_follow_the_config(embedded: NovaChain) -> None:
    (lifecycle, sla) = deploy_steps(embedded.config.blockchain)
    ctx = DeployContext(
        chain=embedded.chain, config=embedded.config.blockchain, addresses={"ResourceStaking": ADDRS[9]}
    )
    args = lifecycle.args(ctx)
    assert args[4] == [ADDRS[i] for i in DEV_APPROVERS]
    assert args[5:] == (3, 86400)
    custom = embedded.config.blockchain.model_copy(
        update={"migration_approvers": ADDRS[6:9], "multisig_threshold": 2, "emergency_pause_enabled": False}
    )
    args = lifecycle.args(DeployContext(chain=embedded.chain, config=custom, addresses={"ResourceStaking": ADDRS[9]}))
    assert args[1] == "0x" + "00" * 20
    assert args[4] == ADDRS[6:9]
    assert args[5] == 2
    assert sla.args(ctx)[2:] == ([ADDRS[i] for i in (5, 6, 7, 8, 9)], 3, 86400)
