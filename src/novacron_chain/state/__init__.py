"""VM state on chain and in IPFS: Merkle-batched anchors, integrity checks, an audit trail (the seed's State Manager).

A :class:`VMStateRecord` (which VM, owner, region, state, CPUs, memory, when) is encoded canonically (sorted-key
compact JSON), stored in the content store under its CID, and hashed into a Merkle leaf
(``keccak256(keccak256(record))``). :meth:`StateManager.record_vm_state` returns as soon as the record is in a local
journal; batches of records are anchored as one Merkle root on the ``StateAnchor`` contract, with the batch's
manifest in IPFS. :meth:`StateManager.verify_state_integrity` rehashes the stored records and checks their proofs
against the roots on chain (``valid``, ``tampered``, ``pending`` or ``missing``); :meth:`StateManager.get_history`
lists a VM's anchored records with block, time and transaction.

::

    from novacron_chain.state import StateManager, VMState, VMStateRecord

    with StateManager(chain, nova.contract("StateAnchor"), store, data_dir="~/.novacron/state") as sm:
        sm.record_vm_state(VMStateRecord("vm-12345", owner, "us-east-1", VMState.RUNNING, 4, 8192))
        sm.flush()                                   # or sm.start(): anchor in the background
        assert sm.verify_state_integrity("vm-12345").valid

Trees are OpenZeppelin-compatible (sorted-pair keccak256, the JS library's layout), so every proof verifies with
``MerkleProof.verify`` on chain (``StateAnchor.verifyRecord``). Errors are :class:`StateError` subclasses (the tree is
drawn in :mod:`novacron_chain.state._errors`); chain failures are the chain layer's own errors, with the hints of
:data:`ERROR_HINTS` for ``StateAnchor``'s custom errors.

:func:`open_state` opens a manager as a NovaCron config says (``NovaChain.state`` uses it); :func:`deploy_steps`
deploys ``StateAnchor``. Modules: ``_manager`` (the manager and its factory), ``_types`` (results), ``_record`` (the
record and its canonical encoding), ``_anchorer`` (batches to roots on chain), ``_verify`` (integrity checks),
``_journal`` and ``_index`` (the durable queue and the local index), ``_merkle``, ``_batchdag`` (a batch in IPFS),
``_hashing``, ``_backup`` (disaster recovery), ``_mirror`` (cross-chain redundancy), ``_deploy`` and ``_errors``.

Disaster recovery: :meth:`StateManager.backup` writes the whole audit log as one IPFS DAG and a CARv1 file;
:func:`restore_state` rebuilds a fresh state dir from it, checking every record against the roots on chain first.
Cross-chain redundancy (``anchor_redundancy``): an :class:`AnchorMirror` anchors every root again on other chains,
``verify_state_integrity(vm_id, chain=...)`` checks against either, and :func:`restore_from_mirror` restores a backup
against a redundancy chain when the primary is gone.
Compliance: :func:`issue_report` signs a VM's audit trail (records, Merkle proofs, anchors, chain and contract) as a
``vc+jwt`` credential of the operator's DID; :func:`check_report` verifies it offline, and on a chain when given one
(``_report``).
"""

from __future__ import annotations

from ._backup import BACKUP_SCHEMA, BackupResult, RestoreResult, restore_state
from ._batchdag import MANIFEST_SCHEMA, Manifest, read_manifest
from ._deploy import ANCHORER_ROLE, deploy_steps
from ._errors import (
    ERROR_HINTS,
    RecordValueError,
    ReportInvalidError,
    StateBackpressureError,
    StateBackupError,
    StateDataError,
    StateDirLockedError,
    StateError,
    StateIntegrityError,
    StateValueError,
)
from ._hashing import leaf_hash, raw_cid
from ._manager import StateManager, open_state
from ._merkle import MerkleTree, hash_pair, process_proof, verify_proof
from ._mirror import (
    AnchorMirror,
    MirrorTarget,
    MirrorVerifier,
    nova_mirror,
    restore_from_mirror,
    uncontacted_chain,
)
from ._record import MAX_ALLOCATION, RECORD_SCHEMA, VMState, VMStateRecord
from ._report import (
    REPORT_SCHEMA,
    REPORT_TYPE,
    ComplianceReport,
    ReportCheck,
    ReportCheckStatus,
    ReportVerification,
    check_report,
    connect_rpc,
    issue_report,
    read_report,
)
from ._types import (
    BatchIntegrity,
    BatchResult,
    HistoryEntry,
    IntegrityReport,
    IntegrityStatus,
    RecordIntegrity,
    RecordReceipt,
    RedundancyStatus,
    StateSummary,
)

__all__ = [
    "ANCHORER_ROLE",
    "BACKUP_SCHEMA",
    "ERROR_HINTS",
    "MANIFEST_SCHEMA",
    "MAX_ALLOCATION",
    "RECORD_SCHEMA",
    "REPORT_SCHEMA",
    "REPORT_TYPE",
    "AnchorMirror",
    "BackupResult",
    "BatchIntegrity",
    "BatchResult",
    "ComplianceReport",
    "HistoryEntry",
    "IntegrityReport",
    "IntegrityStatus",
    "Manifest",
    "MerkleTree",
    "MirrorTarget",
    "MirrorVerifier",
    "RecordIntegrity",
    "RecordReceipt",
    "RecordValueError",
    "RedundancyStatus",
    "ReportCheck",
    "ReportCheckStatus",
    "ReportInvalidError",
    "ReportVerification",
    "RestoreResult",
    "StateBackpressureError",
    "StateBackupError",
    "StateDataError",
    "StateDirLockedError",
    "StateError",
    "StateIntegrityError",
    "StateManager",
    "StateSummary",
    "StateValueError",
    "VMState",
    "VMStateRecord",
    "check_report",
    "connect_rpc",
    "deploy_steps",
    "hash_pair",
    "issue_report",
    "leaf_hash",
    "nova_mirror",
    "open_state",
    "process_proof",
    "raw_cid",
    "read_manifest",
    "read_report",
    "restore_from_mirror",
    "restore_state",
    "uncontacted_chain",
    "verify_proof",
]
