"""Records and results of contract security: audit reports, role holders, queued operations, pause results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._layout import LayoutCheck

__all__ = [
    "AuditReport",
    "ContractSecurityStatus",
    "DeploymentAudit",
    "KnownContract",
    "PauseResult",
    "QueuedOperation",
    "Reason",
    "RoleHolder",
    "RoleHolding",
    "SlitherFinding",
    "UpgradeProposal",
    "Verdict",
]

#: what the report says about static analysis when no Slither findings are recorded for the contract's artifact
STATIC_ANALYSIS_NOT_RECORDED = "not recorded: no Slither findings ship for this artifact (run `make slither-findings`)"


class Verdict(StrEnum):
    """An audit's outcome: ``pass`` nothing to act on, ``warn`` look at the reasons, ``fail`` do not rely on it."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class KnownContract:
    """A contract of the deployment: a record (``name`` is its record name) or an instance a factory created
    (``name`` like ``LiquidityPool #3``, ``created_by`` the factory's record name)."""

    name: str
    address: str
    artifact: str
    created_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "address": self.address, "artifact": self.artifact, "created_by": self.created_by}


@dataclass(frozen=True)
class Reason:
    """One finding of an audit: ``level`` is ``info`` (no effect on the verdict), ``warn`` or ``fail``."""

    level: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"level": self.level, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class SlitherFinding:
    """One Slither finding recorded at build time for the sources of a contract's artifact
    (``slither-findings.json``, written by ``scripts/slither_findings.py``).

    ``impact`` is Slither's (``High``, ``Medium``, ``Low``, ``Informational``, ``Optimization``); ``lines`` the first
    and last line of the finding's first element in ``file``; ``justified`` when a ``slither-disable`` comment at the
    code (its ``justification`` is the comment's reason) or the project's Slither config accepts it.
    """

    detector: str
    impact: str
    confidence: str
    description: str
    file: str
    lines: tuple[int, ...]
    justified: bool
    justification: str | None = None

    @property
    def blocking(self) -> bool:
        """Medium or high and not justified: the verdict fails and ``deploy`` refuses under ``require_audit``."""
        return self.impact in ("High", "Medium") and not self.justified

    @property
    def location(self) -> str:
        """``contracts/x/X.sol#12-40``."""
        return f"{self.file}#{'-'.join(str(n) for n in self.lines)}"

    def describe(self) -> str:
        """One line: impact, detector, location, and the first line of the description."""
        first = self.description.splitlines()[0] if self.description else ""
        return f"{self.impact.lower()} {self.detector} at {self.location}: {first}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "detector": self.detector,
            "impact": self.impact,
            "confidence": self.confidence,
            "description": self.description,
            "file": self.file,
            "lines": list(self.lines),
            "justified": self.justified,
            "justification": self.justification,
        }


@dataclass(frozen=True)
class RoleHolder:
    """An account holding a role, labelled: ``timelock``, ``deployer``, ``guardian`` (an externally owned guardian
    other than the deployer), ``contract`` (``name`` set when it is one of the deployment), ``eoa``, or ``anyone``
    (the zero address: OpenZeppelin's open role)."""

    address: str
    label: str
    name: str | None = None

    @property
    def is_eoa(self) -> bool:
        """Whether the holder is an externally owned account (a key, not code)."""
        return self.label in ("deployer", "guardian", "eoa")

    def describe(self) -> str:
        """``0xabc… (timelock)``: how tables show it."""
        what = f"{self.label} {self.name}" if self.name else self.label
        return f"{self.address} ({what})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"address": self.address, "label": self.label, "name": self.name}


@dataclass(frozen=True)
class RoleHolding:
    """One role of a contract and its holders now (grants less revocations, from the role events)."""

    role: str
    role_id: str
    holders: tuple[RoleHolder, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"role": self.role, "role_id": self.role_id, "holders": [h.to_dict() for h in self.holders]}


@dataclass(frozen=True)
class QueuedOperation:
    """A call the timelock has scheduled on the audited contract and neither executed nor cancelled yet."""

    id: str
    index: int
    target: str
    value: int
    function: str
    data: str
    ready_at: int
    ready: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "index": self.index,
            "target": self.target,
            "value": str(self.value),
            "function": self.function,
            "data": self.data,
            "ready_at": self.ready_at,
            "ready": self.ready,
        }


@dataclass(frozen=True)
class AuditReport:
    """What :meth:`ContractSecurity.audit_contract` found about one address: whose code it is, who holds its
    roles, whether it is paused, what the timelock has queued for it, and a verdict with the reasons."""

    address: str
    name: str | None
    artifact: str | None
    has_code: bool
    code_matches: bool
    pausable: bool
    paused: bool | None
    roles: tuple[RoleHolding, ...]
    queued_operations: tuple[QueuedOperation, ...]
    verdict: Verdict
    reasons: tuple[Reason, ...]
    static_analysis: str = STATIC_ANALYSIS_NOT_RECORDED
    is_dev_chain: bool = True
    findings: tuple[SlitherFinding, ...] = ()
    """The Slither findings recorded for the artifact's sources, every severity (empty when none are recorded)."""
    implementation: str | None = None
    """For an ERC-1967 proxy (``UUPSProxy``): the implementation it delegates to (``artifact`` is that code's);
    None for a contract that is no proxy. Its admin is the ``DEFAULT_ADMIN_ROLE`` holders (UUPS)."""

    def holders(self, role: str) -> tuple[RoleHolder, ...]:
        """The holders of ``role`` (by name, e.g. ``DEFAULT_ADMIN_ROLE``); empty when nobody holds it."""
        return next((r.holders for r in self.roles if r.role == role), ())

    @property
    def admins(self) -> tuple[RoleHolder, ...]:
        """Holders of ``DEFAULT_ADMIN_ROLE``."""
        return self.holders("DEFAULT_ADMIN_ROLE")

    @property
    def guardians(self) -> tuple[RoleHolder, ...]:
        """Holders of ``GUARDIAN_ROLE`` (who may pause)."""
        return self.holders("GUARDIAN_ROLE")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "address": self.address,
            "name": self.name,
            "artifact": self.artifact,
            "verdict": self.verdict.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "has_code": self.has_code,
            "code_matches": self.code_matches,
            "pausable": self.pausable,
            "paused": self.paused,
            "roles": [r.to_dict() for r in self.roles],
            "queued_operations": [q.to_dict() for q in self.queued_operations],
            "static_analysis": self.static_analysis,
            "slither_findings": [f.to_dict() for f in self.findings],
            "is_dev_chain": self.is_dev_chain,
            "implementation": self.implementation,
        }


@dataclass(frozen=True)
class DeploymentAudit:
    """Every contract of the deployment audited, with the time it took."""

    reports: tuple[AuditReport, ...]
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict of all reports."""
        order = [Verdict.PASS, Verdict.WARN, Verdict.FAIL]
        return max((r.verdict for r in self.reports), key=order.index, default=Verdict.PASS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "verdict": self.verdict.value,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "reports": [r.to_dict() for r in self.reports],
        }


@dataclass(frozen=True)
class PauseResult:
    """One contract an emergency pause reached: ``already_paused`` when it was paused before (no transaction)."""

    name: str
    address: str
    already_paused: bool
    tx_hash: str | None = None
    gas_used: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "address": self.address,
            "already_paused": self.already_paused,
            "tx_hash": self.tx_hash,
            "gas_used": self.gas_used,
        }


@dataclass(frozen=True)
class ContractSecurityStatus:
    """One contract in ``security status``: paused or not, its admins and guardians, and for an upgradeable one
    the implementation its proxy runs (its admins are who may upgrade it)."""

    name: str
    address: str
    artifact: str
    pausable: bool
    paused: bool | None
    admins: tuple[RoleHolder, ...]
    guardians: tuple[RoleHolder, ...]
    implementation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "address": self.address,
            "artifact": self.artifact,
            "pausable": self.pausable,
            "paused": self.paused,
            "admins": [h.to_dict() for h in self.admins],
            "guardians": [h.to_dict() for h in self.guardians],
            "implementation": self.implementation,
        }


@dataclass(frozen=True)
class UpgradeProposal:
    """An upgrade (or rollback) of an upgradeable contract put to governance: the proxy's move from one
    implementation to another, the storage-layout check it passed, and the proposal that will make it (through the
    timelock, the proxy's only admin in production). ``deploy_gas`` is what deploying the new implementation cost
    (0 when it existed already)."""

    name: str
    proxy: str
    from_implementation: str
    from_artifact: str
    to_implementation: str
    to_artifact: str
    proposal_id: int
    title: str
    rollback: bool
    layout: LayoutCheck
    deploy_gas: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the proposal id as a decimal string: it is a 256-bit hash)."""
        return {
            "name": self.name,
            "proxy": self.proxy,
            "from_implementation": self.from_implementation,
            "from_artifact": self.from_artifact,
            "to_implementation": self.to_implementation,
            "to_artifact": self.to_artifact,
            "proposal_id": str(self.proposal_id),
            "title": self.title,
            "rollback": self.rollback,
            "layout": self.layout.to_dict(),
            "deploy_gas": self.deploy_gas,
        }
