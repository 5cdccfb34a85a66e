"""Contract security (seed §9): an audit of any deployed address, one emergency pause, and the status of every
contract of a deployment.

::

    sec = nc.security
    report = sec.audit_contract("ResourceMarket")      # or any 0x address
    report.verdict, [r.message for r in report.reasons]
    sec.emergency_pause_all()                          # an incident: every pausable contract, sent by a guardian
    sec.is_contract_paused("CPUToken")

An audit checks that the code on chain is the artifact the contract is recorded as (immutables masked; for an
unknown address, which artifact it is), who holds every role (RoleGranted less RoleRevoked events) and whether the
admin is the timelock as production requires (an externally owned admin fails on a non-dev chain, warns on a dev
chain), its guardians, whether it is paused, the timelock operations queued against it, and the Slither findings
recorded at build time for its artifact's sources (``slither-findings.json``, shipped with the package; an
unjustified medium or high finding fails the verdict). With ``blockchain.require_audit`` set, ``deploy`` refuses a
build with such findings (:func:`check_build_findings`, :class:`UnjustifiedFindingsError`).

Pausing is a guardian's (``GUARDIAN_ROLE``); lifting a pause is the admin's (``unpause()``: the timelock in
production, so resuming is a governed decision). Pausable contracts are found from the ABIs (``pause()`` and
``paused()``), the liquidity pools the factory created included.

Errors are :class:`SecurityError` subclasses (the tree is in :mod:`novacron_chain.security._errors`);
:data:`ERROR_HINTS` holds the hints for ``contracts/security/``'s custom errors.
"""

from __future__ import annotations

from ._deploy import deploy_steps
from ._errors import (
    ERROR_HINTS,
    NotGuardianError,
    NotPausableError,
    SecurityError,
    SecurityValueError,
    UnjustifiedFindingsError,
    UnknownContractError,
)
from ._findings import check_build_findings, recorded_findings
from ._manager import PAUSE_GAS, ContractSecurity
from ._types import (
    AuditReport,
    ContractSecurityStatus,
    DeploymentAudit,
    KnownContract,
    PauseResult,
    QueuedOperation,
    Reason,
    RoleHolder,
    RoleHolding,
    SlitherFinding,
    Verdict,
)

__all__ = [
    "ERROR_HINTS",
    "PAUSE_GAS",
    "AuditReport",
    "ContractSecurity",
    "ContractSecurityStatus",
    "DeploymentAudit",
    "KnownContract",
    "NotGuardianError",
    "NotPausableError",
    "PauseResult",
    "QueuedOperation",
    "Reason",
    "RoleHolder",
    "RoleHolding",
    "SecurityError",
    "SecurityValueError",
    "SlitherFinding",
    "UnjustifiedFindingsError",
    "UnknownContractError",
    "Verdict",
    "check_build_findings",
    "deploy_steps",
    "recorded_findings",
]
