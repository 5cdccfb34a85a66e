"""The rollup's deploy steps, the layer-2 config keys, ``nc.l2`` on both kinds of L2, the CLI's shape and errors,
and the layer-2 metrics."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import keccak
from prometheus_client import generate_latest

from novacron_chain import NovaChain, load_config, tokens
from novacron_chain.chain import AnvilNode, dev_signers
from novacron_chain.cli._app import main
from novacron_chain.errors import ConfigError
from novacron_chain.l2 import L2State, L2Transaction, deploy_steps
from novacron_chain.l2._deploy import challenge_period_for, force_inclusion_blocks_for
from novacron_chain.metrics import BlockchainMetrics, L2Metrics, l2_registry

from .conftest import wait_until


def test_deploy_registers_the_tokens_and_takes_dev_defaults() -> None:
    nc = NovaChain.embedded(use_layer2=True)
    try:
        bc = nc.config.blockchain
        nc.deploy(steps=[*tokens.deploy_steps(bc)[:4], *deploy_steps(bc)])
        rollup, portal = nc.contract("L2Rollup"), nc.contract("L2Portal")
        registered = nc.chain.call(portal.functions.tokens())
        assert registered[:4] == [nc.contract(f"{r}Token").address for r in ("CPU", "MEM", "STO", "NET")]
        assert int(registered[4], 16) == 0  # NOVA only when governance deploys it
        f = rollup.functions
        assert nc.chain.call(f.challengePeriod()) == 10  # dev chain: seconds
        assert nc.chain.call(f.forceDelay()) == 50
        assert nc.chain.call(f.minBond()) == 10**18
        assert nc.chain.call(f.l2ChainId()) == 713713
        assert nc.chain.call(f.hasRole(keccak(b"PROPOSER_ROLE"), nc.chain.signer.address))
        assert nc.chain.call(portal.functions.rollup()) == rollup.address
        l2 = nc.l2
        genesis = L2State.genesis(bytes.fromhex(nc.chain.signer.address[2:]), l2.domain(), l2.tokens())
        assert bytes(nc.chain.call(f.genesisRoot())) == genesis.root  # Python and Solidity agree on genesis
        assert l2.token_id("NET") == 3
        assert bytes(nc.chain.call(f.domainSeparator())) == l2.domain().separator
    finally:
        nc.close()


def test_not_deployed_without_use_layer2_and_nc_l2_says_how_to_turn_it_on() -> None:
    nc = NovaChain.embedded()
    try:
        assert not [s for s in nc.plan() if s.name.startswith("L2")]
        with pytest.raises(ConfigError, match="layer 2 is off") as info:
            _ = nc.l2
        assert "use_layer2" in str(info.value)
    finally:
        nc.close()


def test_production_defaults_are_a_week_and_a_day_of_blocks() -> None:
    bc = load_config(env={}).blockchain
    assert challenge_period_for(bc, is_dev=False) == 7 * 24 * 3600
    assert force_inclusion_blocks_for(bc, is_dev=False) == 7200
    tuned = load_config(env={}, overrides={"l2_challenge_period": "2h", "l2_force_inclusion_blocks": 30}).blockchain
    assert challenge_period_for(tuned, is_dev=True) == 7200
    assert force_inclusion_blocks_for(tuned, is_dev=True) == 30


def test_cli_lists_the_l2_commands_and_refuses_clearly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["l2", "--help"]) == 0
    out = capsys.readouterr().out
    for command in (
        "run",
        "verify",
        "deposit",
        "transfer",
        "balance",
        "withdraw",
        "prove",
        "finalize",
        "status",
        "proof",
    ):
        assert command in out
    code = main(["--json", "--network", "embedded:memory", "--data-dir", str(tmp_path), "l2", "status"])
    captured = capsys.readouterr()
    assert code == 2
    assert '"error": "ConfigError"' in captured.out
    assert "use_layer2" in captured.err
    assert "Traceback" not in captured.err


def test_l2_metrics_are_exported_with_the_l2_network_label() -> None:
    chain, l2 = BlockchainMetrics("novacron"), L2Metrics("novacron")
    chain.record_transactions(300)
    l2.observe_soft_confirmation(0.004, 300)
    l2.observe_batch(ops=300, gas_used=400_000, calldata_bytes=300 * 81)
    l2.observe_finality(12.0)
    text = generate_latest(l2_registry([chain], [l2])).decode()
    assert 'blockchain_tps{network="novacron"} 30.0' in text  # 300 in the 10 s window
    assert 'blockchain_l2_soft_confirmation_seconds_bucket{le="0.005",network="novacron"} 300.0' in text
    assert 'blockchain_l2_l1_gas_per_tx{network="novacron"}' in text
    assert 'blockchain_l2_finality_seconds{network="novacron"} 12.0' in text
    assert l2.get_snapshot().l1_gas_per_tx == pytest.approx(400_000 / 300)


@pytest.mark.integration
def test_an_existing_l2_by_rpc_gets_erc20_transfers_and_reports_its_tps(tmp_path: Path) -> None:
    """anvil plays the existing L2 (``l2_network: rpc``): a transaction is an ordinary signed ERC-20 transfer there
    and the TPS comes from its recent blocks."""
    with AnvilNode() as node:
        nc = NovaChain.connect(load_config(overrides={"network": node.url, "data_dir": tmp_path}, env={}))
        try:
            nc.deploy(steps=tokens.deploy_steps(nc.config.blockchain)[:1])
            cpu = nc.contract("CPUToken")
            me = nc.chain.signer.address
            nc.chain.transact(cpu.functions.grantRole(keccak(b"MINTER_ROLE"), me))
            nc.chain.transact(cpu.functions.mint(me, 1000))
        finally:
            nc.close()
        overrides = {
            "network": node.url,
            "data_dir": tmp_path,
            "use_layer2": True,
            "l2_network": "rpc",
            "l2_rpc_endpoint": node.url,
            "l2_chain_id": 31337,
            "l2_tokens": {"CPU": cpu.address},
        }
        nc = NovaChain.connect(load_config(overrides=overrides, env={}))
        try:
            l2 = nc.l2
            assert not l2.is_rollup
            bob = dev_signers()[4].address
            sent = l2.submit_transaction(L2Transaction(bob, "CPU", 250))
            assert sent.status == "sent"
            # "sent" is not "mined": anvil mines it at once, but the receipt can trail the send by a moment
            receipt = wait_until("the transfer's receipt", lambda: l2.get_receipt(sent.tx_hash), 10, poll=0.05)
            assert receipt["status"] == "success"
            assert l2.get_balance(bob, "CPU") == 250
            assert l2.get_tps() > 0
            assert l2.status()["chain_id"] == 31337
        finally:
            nc.close()
