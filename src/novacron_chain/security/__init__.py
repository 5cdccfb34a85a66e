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

Upgrades go through governance: a contract that keeps state users depend on and may need fixes is deployed behind
a UUPS proxy (today the SLAContract; ``deployments`` records the proxy, its implementation and their history) whose
implementation lets only ``DEFAULT_ADMIN_ROLE`` upgrade, the timelock in production. :meth:`~ContractSecurity.
propose_upgrade` checks the new implementation's storage layout against the running one (:func:`check_layout`,
from solc's layouts shipped in the artifacts) and creates the proposal; :meth:`~ContractSecurity.propose_rollback`
proposes the implementation that ran before ("Emergency Rollback"). Tokens, pools and the market stay immutable:
their holders rely on code that cannot change under them.

::

    up = sec.propose_upgrade("SLAContract", "SLAContractV2")   # an artifact (deployed first) or a 0x address
    nc.governance.cast_vote(up.proposal_id, "for")             # ... then queue and execute after the delay
    sec.propose_rollback("SLAContract")                         # back to the implementation before

Errors are :class:`SecurityError` subclasses (the tree is in :mod:`novacron_chain.security._errors`);
:data:`ERROR_HINTS` holds the hints for ``contracts/security/``'s custom errors.
"""

from __future__ import annotations

from ._deploy import deploy_steps
from ._errors import (
    ERROR_HINTS,
    NotGuardianError,
    NotPausableError,
    NotUpgradeableError,
    SecurityError,
    SecurityValueError,
    StorageLayoutError,
    UnjustifiedFindingsError,
    UnknownContractError,
    UpgradeError,
)
from ._findings import check_build_findings, recorded_findings
from ._layout import LayoutCheck, check_layout, storage_layout
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
    UpgradeProposal,
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
    "LayoutCheck",
    "NotGuardianError",
    "NotPausableError",
    "NotUpgradeableError",
    "PauseResult",
    "QueuedOperation",
    "Reason",
    "RoleHolder",
    "RoleHolding",
    "SecurityError",
    "SecurityValueError",
    "SlitherFinding",
    "StorageLayoutError",
    "UnjustifiedFindingsError",
    "UnknownContractError",
    "UpgradeError",
    "UpgradeProposal",
    "Verdict",
    "check_build_findings",
    "check_layout",
    "deploy_steps",
    "recorded_findings",
    "storage_layout",
]
