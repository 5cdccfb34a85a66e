"""The hints table of the DIDRegistry: every entry names a custom error the contract can revert with, and each of
the contract's own errors has one."""

from __future__ import annotations

from novacron_chain.artifacts import load_artifact
from novacron_chain.did import ERROR_HINTS


def test_every_registry_error_has_a_hint() -> None:
    errors = {e["name"] for e in load_artifact("DIDRegistry").abi if e["type"] == "error"}
    ours = {e for e in errors if e.startswith("DIDRegistry")}
    assert set(ERROR_HINTS) == ours
    assert all(hint.strip() and "\n" not in hint for hint in ERROR_HINTS.values())
