"""The public surface of novacron_chain.state: a test fails when it drifts (httpx tests/test_exported_members)."""

from __future__ import annotations

import inspect

import novacron_chain.state as state
from novacron_chain.errors import NovaChainError, NovaValueError

EXPECTED = [
    "ANCHORER_ROLE",
    "MANIFEST_SCHEMA",
    "MAX_ALLOCATION",
    "RECORD_SCHEMA",
    "BatchIntegrity",
    "BatchResult",
    "HistoryEntry",
    "IntegrityReport",
    "IntegrityStatus",
    "Manifest",
    "MerkleTree",
    "RecordIntegrity",
    "RecordReceipt",
    "RecordValueError",
    "StateBackpressureError",
    "StateDataError",
    "StateDirLockedError",
    "StateError",
    "StateIntegrityError",
    "StateManager",
    "StateSummary",
    "StateValueError",
    "VMState",
    "VMStateRecord",
    "deploy_steps",
    "hash_pair",
    "leaf_hash",
    "open_state",
    "open_store",
    "process_proof",
    "raw_cid",
    "read_manifest",
    "verify_proof",
]


def test_all_is_sorted_and_as_expected() -> None:
    assert state.__all__ == EXPECTED
    assert state.__all__ == sorted(state.__all__, key=lambda n: (not n.isupper(), n))


def test_public_names_exist_and_are_documented() -> None:
    assert state.__doc__
    for name in state.__all__:
        member = getattr(state, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member):
            for attr, value in vars(member).items():
                if not attr.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(getattr(member, attr)), f"{name}.{attr} has no docstring"


def test_errors() -> None:
    errors = [getattr(state, n) for n in state.__all__ if n.endswith("Error")]
    for error in errors:
        assert issubclass(error, state.StateError)
        assert issubclass(error, NovaChainError)
    assert issubclass(state.RecordValueError, NovaValueError)
    assert state.RecordValueError("cpu_allocation", -1, "is negative").exit_code == 2
    assert state.StateBackpressureError(10, 10).exit_code == 1
    err = state.StateIntegrityError("vm-1", {"status": "tampered", "reason": "changed", "records": []})
    assert err.exit_code == 1
    assert err.to_dict()["status"] == "tampered"
    assert err.to_dict()["error"] == "StateIntegrityError"
