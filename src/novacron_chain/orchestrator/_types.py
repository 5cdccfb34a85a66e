"""What the orchestrator reads and writes: VM operations, VM and migration records, SLA terms and records.

Metric values (SLA targets and measurements) are decimals on the Python side and milli-units on chain
(``99.9`` -> ``99900``): :func:`to_milli` converts exactly and refuses values finer than a thousandth.
Money is always an integer number of the token's base units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

from eth_hash.auto import keccak

from ..units import is_digits
from ._errors import OrchestratorValueError

__all__ = [
    "CEILING_METRICS",
    "FLOOR_METRICS",
    "MAX_CPU",
    "MAX_MEMORY_MB",
    "MILLI",
    "ClaimOutcome",
    "Guarantee",
    "MigrationInfo",
    "SLAInfo",
    "SLAStatus",
    "SLATerms",
    "VMEvent",
    "VMInfo",
    "VMLifecycleOperation",
    "VMState",
    "ViolationReport",
    "bytes32_text",
    "from_milli",
    "text_bytes32",
    "to_milli",
    "vm_id_of",
]

MAX_CPU = 1024
MAX_MEMORY_MB = 16 * 1024 * 1024
MILLI = 1000
_UINT120 = 2**120 - 1
_UINT128 = 2**128 - 1

#: metrics whose target is a floor (a lower value is a violation) unless the caller says otherwise
FLOOR_METRICS = frozenset({"uptime", "availability", "throughput", "success_rate", "bandwidth"})
#: metrics whose target is a ceiling (a higher value is a violation) unless the caller says otherwise
CEILING_METRICS = frozenset({"latency", "response_time", "error_rate", "packet_loss", "jitter", "downtime"})
#: the comparisons of a written guarantee, in the order they are looked for: floor, ceiling, by the metric's name
_GUARANTEE_OPS: dict[str, bool | None] = {">=": False, "<=": True, "=": None}


class VMState(IntEnum):
    """A VM's state, in the contract's ``VMState`` order."""

    STOPPED = 0
    STARTING = 1
    RUNNING = 2
    MIGRATING = 3
    TERMINATED = 4


class SLAStatus(IntEnum):
    """An SLA's status, in the contract's order (NONE: no such SLA)."""

    NONE = 0
    PROPOSED = 1
    ACTIVE = 2
    SETTLED = 3
    CANCELLED = 4


class ClaimOutcome(IntEnum):
    """The state of one (SLA, guarantee, period) key."""

    NONE = 0
    CLAIMED = 1
    DISPUTED = 2
    PENALIZED = 3
    NO_VIOLATION = 4


def vm_id_of(owner: str, name: str) -> int:
    """The on-chain id of ``owner``'s VM named ``name``: ``keccak256(abi.encode(owner, keccak256(name)))`` as an
    integer (``VMLifecycle.vmIdOf``). Names are unique per owner, so nobody can take a name another account is about
    to create."""
    try:
        raw = bytes.fromhex(owner[2:] if owner[:2] in ("0x", "0X") else owner)
    except (TypeError, ValueError) as exc:
        raise OrchestratorValueError(f"owner {owner!r} is not an address") from exc
    if len(raw) != 20:
        raise OrchestratorValueError(f"owner {owner!r} is not a 20-byte address")
    return int.from_bytes(keccak(raw.rjust(32, b"\0") + keccak(name.encode())), "big")


def text_bytes32(text: str, what: str) -> bytes:
    """``text`` as the zero-padded bytes32 the contracts store (1 to 32 UTF-8 bytes)."""
    if not isinstance(text, str):
        raise OrchestratorValueError(f"{what} must be text, not {type(text).__name__}")
    raw = text.encode()
    if not 1 <= len(raw) <= 32 or b"\0" in raw:
        raise OrchestratorValueError(
            f"{what} {text!r} must be 1 to 32 bytes of text", hint=f"use a short {what} such as us-east-1 or uptime"
        )
    return raw.ljust(32, b"\0")


def bytes32_text(raw: bytes) -> str:
    """The text of a zero-padded bytes32."""
    return bytes(raw).rstrip(b"\0").decode(errors="replace")


def to_milli(value: Decimal | float | int | str, what: str) -> int:
    """``value`` in milli-units, exactly (``99.9`` -> ``99900``); refuses negatives and finer than 0.001."""
    if isinstance(value, bool):
        raise OrchestratorValueError(f"{what} must be a number, not a boolean")
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise OrchestratorValueError(f"{what} {value!r} is not a number") from exc
    if not d.is_finite() or d < 0:
        raise OrchestratorValueError(f"{what} {value!r} must be a finite number >= 0")
    scaled = d * MILLI
    if scaled != scaled.to_integral_value():
        raise OrchestratorValueError(
            f"{what} {value!r} has more than three decimals", hint="values are kept in thousandths on chain"
        )
    out = int(scaled)
    if out > _UINT120:
        raise OrchestratorValueError(f"{what} {value!r} is too large")
    return out


def from_milli(value: int) -> Decimal:
    """Milli-units back to a decimal (``99900`` -> ``Decimal('99.9')``)."""
    d = (Decimal(value) / MILLI).normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d  # 100, not 1E+2


@dataclass(frozen=True)
class VMLifecycleOperation:
    """The seed's ``VMLifecycleOperation``: what to do to which VM.

    ``vm_id`` is the VM's name (``"vm-12345"``), unique among its owner's VMs; on chain the id is :func:`vm_id_of` of
    the owner and the name. ``owner`` is checked against the sending account (the contract makes the sender the
    owner). ``memory_allocation`` is in MB.
    """

    vm_id: str
    region: str
    cpu_allocation: int
    memory_allocation: int
    operation: str = "create"
    owner: str | None = None

    def validate(self) -> None:
        """Raise :class:`OrchestratorValueError` naming the first bad field."""
        if self.operation != "create":
            raise OrchestratorValueError(
                f"operation {self.operation!r} is not a create",
                hint="create_vm takes operation 'create'; use start_vm, stop_vm, migrate_vm ... for the others",
            )
        name = self.vm_id.encode() if isinstance(self.vm_id, str) else b""
        if not 1 <= len(name) <= 64:
            raise OrchestratorValueError(f"VM name {self.vm_id!r} must be 1 to 64 bytes of text")
        text_bytes32(self.region, "region")
        for value, what, top in (
            (self.cpu_allocation, "cpu_allocation (vCPUs)", MAX_CPU),
            (self.memory_allocation, "memory_allocation (MB)", MAX_MEMORY_MB),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise OrchestratorValueError(f"{what} must be a whole number from 1 to {top:,}, not {value!r}")


@dataclass(frozen=True)
class MigrationInfo:
    """A VM's latest migration request."""

    nonce: int
    target_region: str
    snapshot_hash: bytes
    requested_at: int
    unlock_at: int
    approvals: int
    threshold: int
    open: bool
    resume_state: VMState
    snapshot_cid: str | None = None

    @property
    def locked(self) -> bool:
        """Whether the threshold was reached (the time-lock is running or over)."""
        return self.unlock_at != 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "nonce": self.nonce,
            "target_region": self.target_region,
            "snapshot_cid": self.snapshot_cid,
            "snapshot_hash": "0x" + self.snapshot_hash.hex(),
            "requested_at": self.requested_at,
            "unlock_at": self.unlock_at,
            "approvals": self.approvals,
            "threshold": self.threshold,
            "open": self.open,
            "resume_state": self.resume_state.name,
        }


@dataclass(frozen=True)
class VMInfo:
    """A VM as the chain has it."""

    name: str
    vm_id: int
    owner: str
    state: VMState
    region: str
    cpu: int
    memory_mb: int
    created_at: int
    migration: MigrationInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "vm_id": hex(self.vm_id),
            "owner": self.owner,
            "state": self.state.name,
            "region": self.region,
            "cpu": self.cpu,
            "memory_mb": self.memory_mb,
            "created_at": self.created_at,
            "migration": self.migration.to_dict() if self.migration else None,
        }


@dataclass(frozen=True)
class VMEvent:
    """One entry of a VM's history (:meth:`ContractOrchestrator.vm_history`): a state change on chain (``kind``
    ``state``, with ``from_state``/``to_state``, block and transaction) or a usage payment over the layer 2
    (``kind`` ``payment``, with the metered interval, the charges, the L2 transaction hashes and where they settled
    in ``detail``). ``timestamp`` is chain time (the block's; a payment: its interval's end)."""

    kind: str
    timestamp: int
    block: int | None = None
    tx_hash: str | None = None
    from_state: VMState | None = None
    to_state: VMState | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {"kind": self.kind, "timestamp": self.timestamp, "block": self.block}
        if self.tx_hash is not None:
            out["tx_hash"] = self.tx_hash
        if self.to_state is not None:
            out["from"] = self.from_state.name if self.from_state is not None else None
            out["to"] = self.to_state.name
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class Guarantee:
    """One SLA guarantee: ``target`` (a decimal, e.g. 99.9 % or 100 ms), its ``penalty`` in base units, and whether
    the target is a ceiling (``upper_bound``: latency) or a floor (uptime)."""

    name: str
    target: Decimal
    penalty: int
    upper_bound: bool

    def to_chain(self) -> tuple[bytes, int, int, bool]:
        """The contract's ``Guarantee`` tuple."""
        if isinstance(self.penalty, bool) or not isinstance(self.penalty, int) or not 0 < self.penalty <= _UINT128:
            raise OrchestratorValueError(
                f"the penalty of {self.name!r} must be a positive whole number of base units, not {self.penalty!r}"
            )
        return (
            text_bytes32(self.name, "guarantee name"),
            to_milli(self.target, f"target of {self.name!r}"),
            self.penalty,
            self.upper_bound,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "target": str(self.target),
            "penalty": self.penalty,
            "kind": "ceiling" if self.upper_bound else "floor",
        }


@dataclass(frozen=True)
class SLATerms:
    """The seed's ``SLAContract`` struct: provider, customer, guarantees with penalties, and the stake.

    Build it from the seed's two maps with :meth:`from_seed`. ``fee`` is what the customer deposits on acceptance;
    ``token`` is the ERC-20 of stake, fee and penalties (None: the deployment's CPU resource token); ``duration``
    is the term in seconds; ``interval`` the monitoring window (violations are judged, and penalized at most once,
    per guarantee and window: a period is ``starts_at + k * interval``).
    """

    provider: str
    customer: str
    guarantees: tuple[Guarantee, ...]
    stake: int
    fee: int = 0
    duration: int = 30 * 24 * 3600
    token: str | None = None
    interval: int = 3600

    @classmethod
    def from_seed(
        cls,
        *,
        provider: str,
        customer: str,
        guarantees: Mapping[str, Decimal | float | int | str],
        penalties: Mapping[str, int],
        stake: int,
        fee: int = 0,
        duration: int = 30 * 24 * 3600,
        token: str | None = None,
        ceilings: Mapping[str, bool] | None = None,
        interval: int = 3600,
    ) -> SLATerms:
        """Terms from the seed's ``Guarantees`` and ``Penalties`` maps. Whether a target is a ceiling comes from
        ``ceilings`` (name -> True for a ceiling), else from the metric's name (:data:`CEILING_METRICS`,
        :data:`FLOOR_METRICS`); an unknown metric without an entry in ``ceilings`` is refused."""
        if set(guarantees) != set(penalties):
            raise OrchestratorValueError(
                f"guarantees {sorted(guarantees)} and penalties {sorted(penalties)} name different metrics",
                hint="give every guarantee exactly one penalty",
            )
        out = []
        for name, target in guarantees.items():
            upper = bool(ceilings[name]) if ceilings is not None and name in ceilings else _is_ceiling(name)
            d = target if isinstance(target, Decimal) else Decimal(str(target))
            out.append(Guarantee(name, d, penalties[name], upper))
        return cls(provider, customer, tuple(out), stake, fee, duration, token, interval)

    @staticmethod
    def parse_guarantee(text: str) -> Guarantee:
        """One guarantee from its written form: ``uptime>=99.9:1000`` (a floor: a lower value is a violation),
        ``latency<=100:500`` (a ceiling), or ``uptime=99.9:1000`` (floor or ceiling by the metric's name, see
        :data:`FLOOR_METRICS` and :data:`CEILING_METRICS`). The target is a decimal with at most three decimals, the
        penalty a positive whole number of the SLA token's base units. :class:`OrchestratorValueError` names what is
        wrong otherwise."""
        if not isinstance(text, str):
            raise OrchestratorValueError(f"a guarantee is text such as 'uptime>=99.9:1000', not {type(text).__name__}")
        body, colon, penalty_text = text.rpartition(":")
        op = next((o for o in _GUARANTEE_OPS if o in body), "")
        name, _, target_text = body.partition(op) if op else ("", "", "")
        name, target_text, penalty_text = name.strip(), target_text.strip(), penalty_text.strip()
        if not (colon and name and target_text and penalty_text) or any(c in name for c in "<>=:"):
            raise OrchestratorValueError(
                f"guarantee {text!r} is not NAME>=TARGET:PENALTY, NAME<=TARGET:PENALTY or NAME=TARGET:PENALTY",
                hint="e.g. --guarantee uptime>=99.9:1000 --guarantee latency<=100:500 (penalties in token base units)",
            )
        text_bytes32(name, "guarantee name")
        to_milli(target_text, f"{name}'s target")  # a number, not negative, at most three decimals
        if not is_digits(penalty_text) or int(penalty_text) == 0:
            raise OrchestratorValueError(
                f"the penalty of guarantee {text!r} is {penalty_text!r}, not a positive whole number",
                hint="penalties are in base units of the SLA's token (10**18 per whole token)",
            )
        penalty = int(penalty_text)
        if penalty > _UINT128:
            raise OrchestratorValueError(f"the penalty of guarantee {text!r} is above 2**128 - 1 base units")
        upper = _GUARANTEE_OPS[op]
        return Guarantee(name, Decimal(target_text), penalty, _is_ceiling(name) if upper is None else upper)


def _is_ceiling(name: str) -> bool:
    """Whether the metric ``name`` is a ceiling by its name; a metric in neither set is refused."""
    if name in CEILING_METRICS:
        return True
    if name in FLOOR_METRICS:
        return False
    raise OrchestratorValueError(
        f"is {name!r} a floor (higher is better) or a ceiling (lower is better)?",
        hint=f"say so with ceilings={{{name!r}: True}} (or --guarantee {name}<=VALUE:PENALTY for a "
        f"ceiling, {name}>=VALUE:PENALTY for a floor)",
    )


@dataclass(frozen=True)
class SLAInfo:
    """An SLA as the chain has it."""

    sla_id: int
    provider: str
    customer: str
    token: str
    status: SLAStatus
    stake: int
    penalties_paid: int
    fee: int
    duration: int
    interval: int
    starts_at: int
    expires_at: int
    dispute_window: int
    open_claims: int
    guarantees: tuple[Guarantee, ...] = field(default=())

    @property
    def stake_left(self) -> int:
        """What is left of the stake to pay penalties from."""
        return self.stake - self.penalties_paid

    @property
    def settle_at(self) -> int:
        """Earliest settlement time (0 before the customer accepted)."""
        return self.expires_at + self.dispute_window if self.expires_at else 0

    def guarantee(self, name: str) -> Guarantee:
        """The guarantee called ``name``."""
        for g in self.guarantees:
            if g.name == name:
                return g
        raise OrchestratorValueError(
            f"SLA {self.sla_id} has no guarantee {name!r}",
            hint=f"its guarantees are {', '.join(g.name for g in self.guarantees)}",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as integers of base units)."""
        return {
            "sla_id": self.sla_id,
            "provider": self.provider,
            "customer": self.customer,
            "token": self.token,
            "status": self.status.name,
            "stake": self.stake,
            "penalties_paid": self.penalties_paid,
            "stake_left": self.stake_left,
            "fee": self.fee,
            "duration": self.duration,
            "interval": self.interval,
            "starts_at": self.starts_at,
            "expires_at": self.expires_at,
            "dispute_window": self.dispute_window,
            "settle_at": self.settle_at,
            "open_claims": self.open_claims,
            "guarantees": [g.to_dict() for g in self.guarantees],
        }


@dataclass(frozen=True)
class ViolationReport:
    """What monitoring oracles sign: guarantee ``guarantee`` of SLA ``sla_id`` measured ``actual`` (a decimal in the
    guarantee's unit) over the monitoring window ending at ``period`` (unix seconds)."""

    sla_id: int
    guarantee: str
    actual: Decimal
    period: int

    @property
    def actual_milli(self) -> int:
        """``actual`` in milli-units, as signed and sent."""
        return to_milli(self.actual, "actual")

    def struct(self) -> tuple[int, bytes, int, int]:
        """The contract's ``ViolationReport`` tuple."""
        if self.sla_id <= 0 or self.period <= 0:
            raise OrchestratorValueError("a report needs a positive SLA id and period")
        return (self.sla_id, text_bytes32(self.guarantee, "guarantee name"), self.actual_milli, self.period)
