"""Several chains at once: ``NovaChain.chains`` opens each configured chain by name, deployments are recorded per
chain id, and a chain that cannot be served is refused naming issue 14."""

from __future__ import annotations

from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.config import UnsupportedConfigWarning
from novacron_chain.crosschain import deploy_steps
from novacron_chain.errors import ConfigError


def _two(tmp_path: Path, **extra: object) -> NovaChain:
    config = load_config(
        env={},
        overrides={
            "network": "embedded:memory",
            "chain_id": 1001,
            "data_dir": tmp_path,
            "enable_cross_chain": True,
            "supported_chains": ["b", "polygon"],
            "chains": {"b": {"network": "embedded:memory", "chain_id": 1002}},
            **extra,
        },
    )
    return NovaChain.connect(config, account=3)


def test_a_handle_per_chain_with_the_same_account_and_deployments_per_chain_id(tmp_path: Path) -> None:
    with _two(tmp_path) as nc:
        assert list(nc.chains) == ["embedded:memory", "b", "polygon"]
        assert nc.chains["embedded:memory"] is nc
        b = nc.chains["b"]
        assert nc.chains["b"] is b  # opened once
        assert (nc.chain.chain_id, b.chain.chain_id) == (1001, 1002)
        assert b.chain.signer.address == nc.chain.signer.address == nc.chain.dev_signer(3).address
        for chain in (nc, b):
            chain.deploy(steps=deploy_steps(chain.config.blockchain))
        home_htlc, b_htlc = nc.contract("HashedTimelock"), b.contract("HashedTimelock")
        assert nc.deployments.get(1002, "HashedTimelock") is None  # recorded under b's own chain id
        assert b.deployments.get(1002, "HashedTimelock") is not None
        assert nc.swaps.manager("b").htlc.address == b_htlc.address
        assert nc.swaps.manager("embedded:memory").htlc.address == home_htlc.address
        assert nc.swaps.store.path == tmp_path / "swaps" / nc.chain.signer.address
        with pytest.raises(ConfigError, match="chain 'polygon' has no endpoint") as info:
            nc.chains["polygon"]
        assert "blockchain.chains.polygon.rpc_endpoint" in str(info.value)
        with pytest.raises(ConfigError, match="not in supported_chains"):
            nc.chains["fuji"]
    assert b.chain.backend  # closed with nc: a second close is harmless
    b.close()


def test_solana_and_cosmos_are_refused_naming_issue_14(tmp_path: Path) -> None:
    with pytest.warns(UnsupportedConfigWarning, match="issue #14"):
        nc = _two(tmp_path, supported_chains=["b", "solana"])
    with nc, pytest.raises(ConfigError, match="chain 'solana' cannot be served") as info:
        nc.chains["solana"]
    assert "issue #14" in str(info.value)


def test_no_other_chains_while_cross_chain_is_off(tmp_path: Path) -> None:
    with NovaChain.embedded(data_dir=tmp_path) as nc:
        assert list(nc.chains) == ["embedded:memory"]
        with pytest.raises(ConfigError, match="cross-chain is off"):
            nc.chains["polygon"]
