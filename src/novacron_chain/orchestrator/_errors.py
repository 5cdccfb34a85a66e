"""Errors of the contract orchestrator, all under :class:`~novacron_chain.errors.OrchestratorError`.

::

    OrchestratorError
    ├── OrchestratorValueError (NovaValueError)   exit 2: bad input (VM name, region, resources, CID, SLA terms)
    ├── VMNotFoundError                           exit 2: no VM has this name or id
    └── SLANotFoundError                          exit 2: no SLA has this id

Refusals by the contracts themselves (an illegal transition, a migration still locked, a report applied already)
arrive as :class:`~novacron_chain.errors.ContractCustomError` with the error's name and arguments; every custom error
of ``VMLifecycle`` and ``SLAContract`` has a hint in :data:`ERROR_HINTS` saying what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import NovaValueError, OrchestratorError

__all__ = ["ERROR_HINTS", "OrchestratorValueError", "SLANotFoundError", "UnpaidUsageError", "VMNotFoundError"]


class OrchestratorValueError(OrchestratorError, NovaValueError):
    """Bad input to an orchestrator operation: a VM name, region, resources, snapshot CID, SLA terms or amount."""


class VMNotFoundError(OrchestratorError):
    """No VM has this name (or id) on the VMLifecycle contract."""

    exit_code = 2

    def __init__(self, vm: str | int) -> None:
        super().__init__(
            f"no VM {vm!r} exists on this chain's VMLifecycle",
            hint="create it first (`novacron-chain vm create`), or check the name; names are unique per owner "
            "(the id is keccak256(abi.encode(owner, keccak256(name))))",
        )
        self.vm = vm

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["vm"] = str(self.vm)
        return out


class SLANotFoundError(OrchestratorError):
    """No SLA has this id on the SLAContract."""

    exit_code = 2

    def __init__(self, sla_id: int) -> None:
        super().__init__(
            f"no SLA {sla_id} exists on this chain's SLAContract",
            hint="SLA ids start at 1 and are printed by `novacron-chain sla create`",
        )
        self.sla_id = sla_id

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["sla_id"] = self.sla_id
        return out


_ADVANCE = "on a dev chain, `novacron-chain chain advance --seconds N` moves time"

#: hints for every custom error of VMLifecycle and SLAContract (error name -> what to do)
ERROR_HINTS: dict[str, str] = {
    # VMLifecycle
    "VMReservationInsufficient": "stake more CPU/MEM tokens first (ContractOrchestrator.reserve_capacity, or "
    "`vm create --reserve`): one whole CPU token per vCPU, one whole MEM token per GiB; a start needs that much "
    "staked beyond the liens of the owner's running VMs",
    "VMAlreadyExists": "you have a VM of this name already (names are unique per owner); choose another name",
    "VMUnknown": "no VM has this id; check the name and owner (the id is keccak256(abi.encode(owner, "
    "keccak256(name))))",
    "VMUnauthorized": "only the VM's owner may do this (an operator may also stop VMs and complete migrations, a "
    "guardian may veto); send from that account (--account N on dev chains)",
    "VMIllegalTransition": "the VM's state does not allow this; `novacron-chain vm show` shows its state "
    "(start: Stopped; stop: Running or Starting; migrate: Running or Stopped; terminate: Stopped)",
    "VMMigrationSameRegion": "a migration moves a VM to another region; name a different target region",
    "VMMigrationNotOpen": "the VM has no open migration request; open one with `vm migrate`",
    "VMMigrationNotApprover": "only the configured approvers (migration_approvers) can approve migrations",
    "VMMigrationAlreadyApproved": "this approver's approval is counted already; other approvers must approve",
    "VMMigrationNotEnoughApprovals": "more approvers must approve (`vm approve` from each approver's account)",
    "VMMigrationLocked": f"the time-lock has not ended; wait until unlockAt (chain time); {_ADVANCE}",
    "VMMigrationSnapshotMismatch": "present the snapshot CID recorded when the migration was requested "
    "(`vm show` prints it as snapshot_cid)",
    "VMMigrationInvalidSignature": "an approval signature is not from an approver, or signs another request",
    "VMInvalidApproverSet": "give 1 to 32 distinct approvers and a threshold between 1 and their number",
    "VMMigrationDelayTooLong": "the migration time-lock is at most 30 days",
    "VMInvalidName": "a VM name is 1 to 64 bytes of text",
    "VMInvalidRegion": "a region is 1 to 32 bytes of text, e.g. us-east-1",
    "VMInvalidResources": "give 1 to maxCpu vCPUs and 1 to maxMemoryMb MB of memory",
    "VMMigrationInvalidSnapshot": "give the snapshot's CID (1 to 128 characters)",
    "VMZeroStaking": "deploy VMLifecycle with the ResourceStaking address (deploy the token set first)",
    # SLAContract
    "SLAUnknown": "no SLA has this id; ids start at 1",
    "SLAUnauthorized": "only the SLA's customer may claim violations and accept it; only its provider may cancel "
    "or dispute; send from that account (--account N on dev chains)",
    "SLAWrongStatus": "the SLA's status does not allow this (`novacron-chain sla show`): reports and claims need an "
    "active SLA, cancelling a proposed one",
    "SLAUnknownGuarantee": "the SLA has no guarantee of this name; `sla show` lists them",
    "SLANoViolation": "the value meets the guarantee: only a value below a floor (uptime) or above a ceiling "
    "(latency) is a violation",
    "SLAPeriodOutOfRange": "the period (end of the monitoring window, unix seconds) must be after the SLA started "
    "and not after now or its expiry",
    "SLAAlreadySettled": "this guarantee's period was decided already; a report is never applied twice",
    "SLAClaimWrongState": "there is a claim for this period already, or no claim in the state this needs",
    "SLAPeriodNotAligned": "a period is the end of a monitoring window: the SLA's start plus a multiple of its "
    "interval (`sla show` prints both)",
    "SLAInvalidInterval": "the monitoring interval is 1 minute up to the SLA's duration",
    "SLADisputeWindow": f"the claim's dispute window decides this: disputes before the deadline, payouts after; "
    f"{_ADVANCE}",
    "SLADecisionPending": "the claim is disputed and the oracles may still decide it (`sla report` with their "
    f"signatures); after decisionDeadline anyone may `sla finalize` it and the customer is paid; {_ADVANCE}",
    "SLAQuorumNotReached": "the report needs signatures of sla_oracle_quorum distinct registered oracles",
    "SLAInvalidSignature": "a signature is not from a registered oracle, signs other values, or is out of order "
    "(signatures are sorted by signer address)",
    "SLANotSettleable": "an SLA settles after expiry plus its dispute window, once every claim is decided: by the "
    f"oracles, or finalized (`sla finalize`) after its deadline, disputed ones too; {_ADVANCE}",
    "SLATokenTransferMismatch": "the token takes a fee on transfers; use a plain ERC-20 such as a resource token",
    "SLAInvalidOracleSet": "give 1 to 32 distinct oracles and a quorum between 1 and their number",
    "SLADisputeWindowTooLong": "the dispute window is at most 30 days",
    "SLAInvalidAmount": "the stake must be positive and amounts below 2**128 base units",
    "SLAInvalidDuration": "the term is 1 hour to 10 years, in seconds",
    "SLAInvalidGuarantee": "each guarantee needs a name, a non-zero penalty and a distinct name; 1 to 16 of them",
    "SLAInvalidParties": "the customer must be another account than the provider, and the token an ERC-20 address",
}


class UnpaidUsageError(OrchestratorError):
    """A VM's usage could not be paid: the payer has no L2 account, or not enough of a resource token on L2. The
    intervals stay ``unpaid`` in the meter's ledger and are paid first by the next :meth:`UsageMeter.pay`."""

    exit_code = 1

    def __init__(self, vm: str, intervals: Sequence[int], reason: str, *, hint: str) -> None:
        span = f"{intervals[0]}" if len(intervals) == 1 else f"{intervals[0]}..{intervals[-1]}"
        super().__init__(f"{len(intervals)} interval(s) of VM {vm} unpaid (intervals {span}): {reason}", hint=hint)
        self.vm = vm
        self.intervals = tuple(intervals)
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(vm=self.vm, intervals=list(self.intervals), reason=self.reason)
        return out
