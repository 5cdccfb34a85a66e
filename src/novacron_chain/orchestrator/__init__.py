"""Contract orchestration (seed §2): VM lifecycle with governed cross-region migration, and SLAs whose penalties
are enforced by monitoring oracles.

``VMLifecycle`` keeps every VM's owner, region, vCPUs, memory and state (STOPPED, STARTING, RUNNING, MIGRATING,
TERMINATED), allows only the legal transitions and emits each one. A VM's capacity is paid for by its owner's
staking reservation (staked CPU and MEM tokens, one whole token per vCPU and per GiB), checked at creation; a start
places a lien on that stake for the VM's share, so it cannot be withdrawn while the VM runs, and a stop releases it.
VM names are unique per owner (the id is :func:`vm_id_of` of the owner and the name), so they cannot be front-run.
A cross-region migration is opened by the owner with the VM's snapshot CID, needs ``multisig_threshold``
approvals of the approver set (on chain or EIP-712 signed), then waits out ``migration_timelock`` during which the
owner or a guardian may veto, and completes only with the same CID.

``SLAContract`` holds a provider's stake against named guarantees (uptime as a floor, latency as a ceiling, any
metric), each with a penalty, and the customer's fee. A report signed by a quorum of the registered monitoring
oracles (:class:`SLAOracle`, EIP-712) pays the penalty from the stake to the customer at once; the customer's own
claim pays out when oracles confirm it or the provider lets its dispute window pass; a disputed claim goes to the
oracles and pays out if they do not decide it within one more window, and an SLA settles only once every claim is
decided. Each (guarantee, period) is
decided once, and penalties never exceed the stake; at expiry the provider is paid the fee and what is left.

::

    from novacron_chain.orchestrator import SLAOracle, SLATerms, VMLifecycleOperation

    co = nc.orchestrator
    co.create_vm(VMLifecycleOperation("vm-12345", "us-east-1", 4, 8192), reserve=True)
    co.migrate_vm("vm-12345", "eu-west-1", snapshot_cid)        # then 3 of 5 approvers: co.approve_migration(...)
    co.execute_migration("vm-12345", snapshot_cid)              # after the time-lock
    sla = co.create_sla_contract(SLATerms.from_seed(provider=p, customer=c, guarantees={"uptime": 99.9, "latency": 100},
                                 penalties={"uptime": 1000, "latency": 500}, stake=10000), sender=p_key, customer=c_key)
    co.report_violation(sla.sla_id, "uptime", "99.5", oracles=[SLAOracle(k) for k in oracle_keys])

Errors are :class:`~novacron_chain.errors.OrchestratorError` subclasses (the tree is in
:mod:`novacron_chain.orchestrator._errors`); contract refusals are ``ContractCustomError`` s, with a hint for each of
the contracts' custom errors in :data:`ERROR_HINTS`. VM capacity, SLA stakes and fees are paid through the
:class:`~novacron_chain.tokens.TokenManager` the orchestrator is given (``nc.tokens``).
"""

from ._deploy import DEV_APPROVERS, DEV_ORACLES, deploy_steps
from ._errors import ERROR_HINTS, OrchestratorValueError, SLANotFoundError, UnpaidUsageError, VMNotFoundError
from ._manager import CPU_UNIT, DEFAULT_RESERVATION, MEM_UNIT_PER_GIB, ContractOrchestrator, required_reservation
from ._metering import (
    METER_TOKENS,
    IntervalUsage,
    MeterSummary,
    PriceSchedule,
    UsageMeter,
    UsagePayment,
    UsageSpec,
    round_up_packable,
)
from ._signing import SLAOracle, migration_approval_digest, recover_signer, report_digest
from ._types import (
    CEILING_METRICS,
    FLOOR_METRICS,
    ClaimOutcome,
    Guarantee,
    MigrationInfo,
    SLAInfo,
    SLAStatus,
    SLATerms,
    ViolationReport,
    VMEvent,
    VMInfo,
    VMLifecycleOperation,
    VMState,
    from_milli,
    to_milli,
    vm_id_of,
)

__all__ = [
    "CEILING_METRICS",
    "CPU_UNIT",
    "DEFAULT_RESERVATION",
    "DEV_APPROVERS",
    "DEV_ORACLES",
    "ERROR_HINTS",
    "FLOOR_METRICS",
    "MEM_UNIT_PER_GIB",
    "METER_TOKENS",
    "ClaimOutcome",
    "ContractOrchestrator",
    "Guarantee",
    "IntervalUsage",
    "MeterSummary",
    "MigrationInfo",
    "OrchestratorValueError",
    "PriceSchedule",
    "SLAInfo",
    "SLANotFoundError",
    "SLAOracle",
    "SLAStatus",
    "SLATerms",
    "UnpaidUsageError",
    "UsageMeter",
    "UsagePayment",
    "UsageSpec",
    "VMEvent",
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
    "round_up_packable",
    "to_milli",
    "vm_id_of",
]
