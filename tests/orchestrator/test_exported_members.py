"""The public surface of novacron_chain.orchestrator: a test fails when it drifts (like httpx's test)."""

from __future__ import annotations

import inspect

import novacron_chain.orchestrator as orchestrator
from novacron_chain.errors import NovaValueError, OrchestratorError

EXPECTED = [
    "CEILING_METRICS",
    "CPU_UNIT",
    "DEFAULT_RESERVATION",
    "DEV_APPROVERS",
    "DEV_ORACLES",
    "FLOOR_METRICS",
    "MEM_UNIT_PER_GIB",
    "ClaimOutcome",
    "ContractOrchestrator",
    "Guarantee",
    "MigrationInfo",
    "OrchestratorValueError",
    "SLAInfo",
    "SLANotFoundError",
    "SLAOracle",
    "SLAStatus",
    "SLATerms",
    "VMInfo",
    "VMLifecycleOperation",
    "VMNotFoundError",
    "VMState",
    "ViolationReport",
    "deploy_steps",
    "from_milli",
    "migration_approval_digest",
    "recover_signer",
    "report_digest",
    "required_reservation",
    "to_milli",
    "vm_id_of",
]


def test_all_is_sorted_and_as_expected() -> None:
    assert orchestrator.__all__ == EXPECTED


def test_public_names_are_documented() -> None:
    assert orchestrator.__doc__
    for name in orchestrator.__all__:
        member = getattr(orchestrator, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member):
            for attr, value in vars(member).items():
                if not attr.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(getattr(member, attr)), f"{name}.{attr} has no docstring"


def test_errors_are_orchestrator_errors() -> None:
    errors = [getattr(orchestrator, n) for n in orchestrator.__all__ if n.endswith("Error")]
    assert len(errors) == 3
    for error in errors:
        assert issubclass(error, OrchestratorError)
    assert issubclass(orchestrator.OrchestratorValueError, NovaValueError)
    assert orchestrator.VMNotFoundError("vm-1").exit_code == 2
    assert orchestrator.VMNotFoundError("vm-1").to_dict()["vm"] == "vm-1"
    assert orchestrator.SLANotFoundError(3).to_dict()["sla_id"] == 3


def test_every_contract_error_has_a_hint() -> None:
    from novacron_chain.artifacts import load_artifact
    from novacron_chain.errors import _ERROR_HINTS

    for name in ("VMLifecycle", "SLAContract"):
        ours = {i["name"] for i in load_artifact(name).abi if i["type"] == "error"}
        ours = {n for n in ours if n.startswith(("VM", "SLA"))}
        assert len(ours) > 10
        assert sorted(n for n in ours if n not in _ERROR_HINTS) == []
