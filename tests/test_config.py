"""Configuration: the seed's YAML loads as written; every mistake is reported at once with its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from novacron_chain.config import load_config, parse_duration
from novacron_chain.errors import ConfigError

SEED = Path(__file__).parent / "data" / "seed.yaml"


def test_seed_production_yaml_loads_exactly() -> None:
    bc = load_config(SEED, env={}).blockchain
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
    a, b = "0x" + "ab" * 20, "0x" + "Cd" * 20
    env = {
        "NOVACRON_SLA_ORACLES": f"{a}, {b}",
        "NOVACRON_SLA_ORACLE_QUORUM": "2",
        "NOVACRON_MIGRATION_APPROVERS": f"['{a}']",
        "NOVACRON_MULTISIG_THRESHOLD": "1",
        "NOVACRON_SUPPORTED_CHAINS": "[ethereum, polygon]",
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
