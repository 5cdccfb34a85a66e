"""The HashedTimelock in the system's deploy plan: only with enable_cross_chain, before governance (whose setup
hands its admin role to the timelock with every earlier contract's), and its custom errors all hinted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain._deploy import system_error_hints, system_plan
from novacron_chain.crosschain import ERROR_HINTS, SwapTimeouts, SwapValueError

ARTIFACT = Path(__file__).resolve().parents[2] / "src" / "novacron_chain" / "artifacts" / "HashedTimelock.json"


def test_in_the_plan_only_with_cross_chain_and_before_the_governor() -> None:
    off = [s.name for s in system_plan(load_config(env={}).blockchain)]
    assert "HashedTimelock" not in off
    on = [s.name for s in system_plan(load_config(env={}, overrides={"enable_cross_chain": True}).blockchain)]
    assert on.index("HashedTimelock") < on.index("NovaGovernor")


def test_every_custom_error_has_a_hint() -> None:
    abi = json.loads(ARTIFACT.read_text())["abi"]
    errors = {e["name"] for e in abi if e["type"] == "error" and e["name"].startswith("HashedTimelock")}
    assert errors == {n for n in ERROR_HINTS if n.startswith("HashedTimelock")}  # Bridge's: test_bridge.py
    assert set(ERROR_HINTS) <= set(system_error_hints())


@pytest.mark.slow
def test_production_style_deploy_hands_the_htlc_admin_to_the_timelock() -> None:
    with NovaChain.embedded(enable_cross_chain=True) as nc:
        nc.deploy()
        htlc, timelock = nc.contract("HashedTimelock"), nc.contract("NovaTimelock")
        admin = bytes(32)
        assert nc.chain.call(htlc.functions.hasRole(admin, timelock.address))
        guardian = nc.chain.call(htlc.functions.GUARDIAN_ROLE())
        assert nc.chain.call(htlc.functions.hasRole(guardian, nc.chain.signer.address))  # the dev guardian


def test_swap_timeouts_must_nest() -> None:
    with pytest.raises(SwapValueError, match="exceeds swap_timeout"):
        SwapTimeouts(initiator=100, participant=90, margin=20)
    with pytest.raises(SwapValueError, match="positive"):
        SwapTimeouts(initiator=100, participant=0, margin=20)
