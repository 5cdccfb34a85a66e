"""The hints table of governance's contracts: every entry names a custom error those contracts can revert with."""

from __future__ import annotations

from novacron_chain.artifacts import load_artifact
from novacron_chain.governance import CONTRACT_NAMES, ERROR_HINTS


def test_every_hint_is_for_an_error_of_the_governance_contracts() -> None:
    errors = {e["name"] for name in CONTRACT_NAMES for e in load_artifact(name).abi if e["type"] == "error"}
    assert set(ERROR_HINTS) <= errors
    assert {e for e in errors if e.startswith("Nova")} <= set(ERROR_HINTS)  # each of our contracts' own
    assert "GovernorNonexistentProposal" in ERROR_HINTS
    assert all(hint.strip() and "\n" not in hint for hint in ERROR_HINTS.values())
