"""Configuration: the seed's YAML loads as written; every mistake is reported at once with its key."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import novacron_chain
from novacron_chain.config import (
    _NOT_YET,
    BlockchainConfig,
    UnsupportedConfigWarning,
    load_config,
    parse_duration,
)
from novacron_chain.errors import ConfigError

SEED = Path(__file__).parent / "data" / "seed.yaml"


def test_seed_production_yaml_loads_exactly() -> None:
    with pytest.warns(UnsupportedConfigWarning):  # its layer 2 and cross-chain switches (next test)
        bc = load_config(SEED, env={}).blockchain
    assert bc.require_audit  # supported (issue 15): deploy refuses builds with unjustified medium/high findings
    assert bc.network == "polygon"
    assert bc.endpoint == "https://polygon-rpc.com"
    assert bc.expected_chain_id == 137
    assert bc.gas_price_limit == 50_000_000_000
    assert bc.voting_period == 7 * 24 * 3600
    assert bc.quorum_percentage == 0.4
    assert bc.supported_chains == ["ethereum", "polygon", "solana", "cosmos", "avalanche"]
    assert bc.multisig_threshold == 3


def test_defaults_run_on_the_embedded_chain() -> None:
    bc = load_config(env={}).blockchain
    assert bc.network == "embedded"
    assert bc.is_embedded
    assert bc.expected_chain_id == 1337
    assert bc.endpoint is None


def test_every_problem_listed_at_once(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        "blockchain:\n"
        "  quorum_percentage: 1.4\n"
        "  validator_stake: -5\n"
        "  rpc_endpoint: polygon-rpc.com\n"
        "  gas_strategy: turbo\n"
        "  max_gas_per_tx: lots\n"
        "  voting_priod: 168h\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(cfg, env={})
    problems = "\n".join(info.value.problems)
    for key in ("quorum_percentage", "validator_stake", "rpc_endpoint", "gas_strategy", "max_gas_per_tx"):
        assert f"blockchain.{key}" in problems
    assert "blockchain.voting_priod: unknown key" in problems
    assert len(info.value.problems) == 6
    assert info.value.exit_code == 2


def test_private_key_in_yaml_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "k.yaml"
    cfg.write_text("blockchain:\n  private_key: '0xabc'\n")
    with pytest.raises(ConfigError, match="secrets do not belong"):
        load_config(cfg, env={})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("blockchain: [1, 2]\n", "must be a mapping"),
        ("- a\n- b\n", "must be a mapping"),
        ("blockchain:\n  network: [\n", "not valid YAML"),
        ("blockchain:\n  network: moon\n", "unknown network"),
        ("blockchain:\n  network: polygon\n", "needs rpc_endpoint"),
        ("blockchain:\n  voting_period: 7 days\n", "not a duration"),
        ("blockchain:\n  supported_chains: [mars]\n", "unknown chain"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, match: str) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_config(cfg, env={})


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config("/nonexistent/novacron.yaml", env={})


def test_environment_and_overrides_apply_in_order(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("blockchain:\n  gas_strategy: slow\n  proposal_threshold: 5\n")
    env = {"NOVACRON_GAS_STRATEGY": "fast", "NOVACRON_PROPOSAL_THRESHOLD": "7"}
    bc = load_config(cfg, env=env, overrides={"proposal_threshold": 9}).blockchain
    assert bc.gas_strategy == "fast"
    assert bc.proposal_threshold == 9


def test_list_keys_from_the_environment() -> None:
    a, b = "0x" + "ab" * 20, "0x" + "CD" * 20  # all upper case: no EIP-55 checksum to verify
    env = {
        "NOVACRON_SLA_ORACLES": f"{a}, {b}",
        "NOVACRON_SLA_ORACLE_QUORUM": "2",
        "NOVACRON_MIGRATION_APPROVERS": f"['{a}']",
        "NOVACRON_MULTISIG_THRESHOLD": "1",
        "NOVACRON_SUPPORTED_CHAINS": "[ethereum, polygon]",
        "NOVACRON_ENABLE_CROSS_CHAIN": "true",
    }
    bc = load_config(env=env).blockchain
    assert bc.sla_oracles == [a, b]  # addresses stay strings (YAML would read them as integers)
    assert bc.migration_approvers == [a]
    assert bc.supported_chains == ["ethereum", "polygon"]
    with pytest.raises(ConfigError, match="sla_oracle_quorum 3 is more than the 2 sla_oracles"):
        load_config(env={"NOVACRON_SLA_ORACLES": f"{a},{b}"})


@pytest.mark.parametrize(
    ("text", "seconds"), [("168h", 604800), ("1h30m", 5400), ("90s", 90), ("2d", 172800), (3600, 3600)]
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


def test_negative_duration_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_duration(-1)


# -- keys of features that do not exist yet ---------------------------------------------------------------------------


def test_every_key_is_read_by_something_or_marked_as_not_supported_yet() -> None:
    src = Path(novacron_chain.__file__).parent
    code = "\n".join(p.read_text() for p in src.rglob("*.py") if p.name != "config.py")
    marked = {k for f in _NOT_YET for k in (f.switch, *f.parameters) if k}
    unread = {name for name in BlockchainConfig.model_fields if not re.search(rf"\b{name}\b", code)}
    assert unread <= marked, f"{unread - marked}: nothing reads them; refuse them until something does (_NOT_YET)"
    assert marked <= unread, f"{marked - unread}: now read; once their feature works, drop them from _NOT_YET"


def test_the_seed_warns_once_for_each_missing_feature_it_switches_on() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        load_config(SEED, env={})
        load_config(SEED, env={})  # printed once
    messages = [str(w.message) for w in caught]
    assert all(w.category is UnsupportedConfigWarning for w in caught)
    (cross_chain,) = messages  # layer 2 works since issue 13: only the unserved chains are left
    assert cross_chain.startswith("blockchain.supported_chains names solana and cosmos, which cannot be served yet")
    assert "see issue #14" in cross_chain
    lines = SEED.read_text().splitlines()  # it points at the line that asks for it
    assert [lines[w.lineno - 1].split(":")[0].strip() for w in caught] == ["supported_chains"]
    assert {w.filename for w in caught} == {str(SEED)}


def test_defaults_promise_nothing_missing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bc = load_config(env={}).blockchain
    assert not bc.use_layer2
    assert not bc.enable_cross_chain
    assert not bc.require_audit


# -- layer 2 (issue 13) ------------------------------------------------------------------------------------------------


def test_the_seeds_layer2_block_names_an_existing_l2_by_rpc() -> None:
    with pytest.warns(UnsupportedConfigWarning, match="issue #14"):  # the cross-chain part only
        bc = load_config(SEED, env={}).blockchain
    assert bc.use_layer2
    assert (bc.l2_network, bc.l2_endpoint, bc.l2_expected_chain_id) == ("polygon", "https://polygon-rpc.com", 137)
    assert not bc.is_rollup_l2


def test_the_rollup_is_the_default_layer2_and_loads_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bc = load_config(
            env={"NOVACRON_USE_LAYER2": "true", "NOVACRON_L2_BATCH_INTERVAL": "500ms"},
            overrides={"l2_challenge_period": "30m", "l2_force_inclusion_blocks": 20},
        ).blockchain
    assert bc.use_layer2
    assert bc.is_rollup_l2
    assert bc.l2_endpoint == "http://127.0.0.1:8547"  # the sequencer's default address
    assert bc.l2_batch_interval == 0.5
    assert (bc.l2_challenge_period, bc.l2_force_inclusion_blocks) == (1800, 20)
    assert BlockchainConfig().l2_challenge_period is None  # 7 days on production chains, seconds on dev chains


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"l2_network": "zksync"}, "unknown layer 2 'zksync'"),
        ({"use_layer2": True, "l2_network": "arbitrum"}, "needs l2_rpc_endpoint"),
        ({"use_layer2": True, "l2_network": "rpc", "l2_rpc_endpoint": "http://127.0.0.1:9"}, "needs l2_chain_id"),
        ({"l2_rpc_endpoint": "arb1.example.com"}, "not an http(s):// URL"),
        ({"l2_fee_recipient": "0x12"}, "not an address"),
        ({"l2_batch_max_ops": 8}, "greater than or equal to 32"),
        ({"l2_tokens": {"CPU": "0x1"}}, "token addresses"),
    ],
)
def test_bad_layer2_keys_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        load_config(env={}, overrides=overrides)
    assert info.value.exit_code == 2


def test_require_audit_is_supported_and_loads_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_config(env={"NOVACRON_REQUIRE_AUDIT": "true"}).blockchain.require_audit
        assert BlockchainConfig(require_audit=True).require_audit
    assert "require_audit" not in {k for f in _NOT_YET for k in (f.switch, *f.parameters)}


# -- several chains at once (issue 14) ---------------------------------------------------------------------------------


def test_cross_chain_for_evm_chains_by_profile_and_by_name() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # EVM chains only: nothing to warn about
        bc = load_config(
            env={},
            overrides={
                "enable_cross_chain": True,
                "supported_chains": ["polygon", "amoy", "local-b"],
                "chains": {
                    "polygon": {"rpc_endpoint": "https://polygon.example.com"},
                    "amoy": {"rpc_endpoint": "https://amoy.example.com", "chain_id": 80002},
                    "local-b": {"rpc_endpoint": "http://127.0.0.1:8546", "chain_id": 31338},
                },
                "swap_timeout": "2h",
                "swap_participant_timeout": "1h",
                "swap_margin": "30m",
            },
        ).blockchain
    polygon = bc.chain_config("polygon")
    assert (polygon.network, polygon.endpoint, polygon.expected_chain_id) == (
        "polygon",
        "https://polygon.example.com",
        137,
    )
    local = bc.chain_config("local-b")
    assert (local.network, local.endpoint, local.expected_chain_id) == ("rpc", "http://127.0.0.1:8546", 31338)
    assert bc.chain_config("embedded") is bc  # the home chain
    assert (bc.swap_timeout, bc.swap_participant_timeout, bc.swap_margin) == (7200, 3600, 1800)


@pytest.mark.parametrize("name", ["solana", "cosmos"])
def test_a_chain_that_cannot_be_served_is_refused_naming_issue_14(name: str) -> None:
    with pytest.warns(UnsupportedConfigWarning, match=f"names {name}, which cannot be served yet.*issue #14"):
        bc = load_config(env={}, overrides={"enable_cross_chain": True, "supported_chains": ["polygon", name]})
    with pytest.raises(ConfigError, match=f"chain '{name}' cannot be served") as info:
        bc.blockchain.chain_config(name)
    assert "issue #14" in str(info.value)
    with pytest.raises(ConfigError, match="cannot be served"):  # nor given an endpoint
        load_config(env={}, overrides={"chains": {name: {"rpc_endpoint": "https://x.example.com", "chain_id": 9}}})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"supported_chains": ["mars"]}, "unknown chain"),
        ({"chains": {"b": {"rpc_endpoint": "http://127.0.0.1:1"}}}, "needs a chain_id"),
        ({"chains": {"polygon": {}}}, "needs rpc_endpoint"),
        ({"swap_timeout": "1h", "swap_participant_timeout": "1h"}, "exceeds swap_timeout"),
    ],
)
def test_bad_chain_settings_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env={}, overrides=overrides)
    assert message in "\n".join(info.value.problems)


def test_a_chain_without_endpoint_or_outside_supported_chains_says_what_to_configure() -> None:
    bc = load_config(env={}, overrides={"enable_cross_chain": True}).blockchain
    with pytest.raises(ConfigError, match="has no endpoint") as info:
        bc.chain_config("ethereum")
    assert "blockchain.chains.ethereum.rpc_endpoint" in str(info.value)
    with pytest.raises(ConfigError, match="not in supported_chains"):
        bc.chain_config("fuji")
    off = load_config(env={}).blockchain
    with pytest.raises(ConfigError, match="cross-chain is off"):
        off.chain_config("polygon")
