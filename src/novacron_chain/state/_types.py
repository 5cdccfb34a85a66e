"""What the state layer returns: receipts of records taken, integrity checks, history entries, anchored batches.

The record itself (:class:`~novacron_chain.state.VMStateRecord`) and its canonical encoding live in ``_record.py``:
it is the input, and its bytes are what gets hashed and anchored, so it stays in a module of its own.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from ._hashing import cid_string, hex0x
from ._record import VMStateRecord

__all__ = [
    "BatchIntegrity",
    "BatchResult",
    "HistoryEntry",
    "IntegrityReport",
    "IntegrityStatus",
    "Pending",
    "RecordIntegrity",
    "RecordReceipt",
    "RedundancyStatus",
    "StateSummary",
]


@dataclass(frozen=True, slots=True, repr=False)
class RecordReceipt:
    """What :meth:`StateManager.record_vm_state` returns: the record is durable in the journal.

    ``seq`` numbers records in the order this manager took them; :attr:`cid` is the record's CID in the content
    store (where it is written before its batch is anchored); :attr:`leaf` its Merkle leaf. Both are kept in binary
    and formatted when read, which keeps base32 off the hot path.
    """

    seq: int
    vm_id: str
    cid_bytes: bytes
    leaf_bytes: bytes

    @property
    def cid(self) -> str:
        """The record's CIDv1 (``bafkrei...``)."""
        return cid_string(self.cid_bytes)

    @property
    def leaf(self) -> str:
        """The record's Merkle leaf, 0x-hex."""
        return hex0x(self.leaf_bytes)

    def __repr__(self) -> str:
        return f"RecordReceipt(seq={self.seq}, vm_id={self.vm_id!r}, cid={self.cid!r}, leaf={self.leaf!r})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"seq": self.seq, "vm_id": self.vm_id, "cid": self.cid, "leaf": self.leaf}


class IntegrityStatus(StrEnum):
    """What a check found. ``VALID``: the stored record is the one anchored on chain; ``TAMPERED``: the stored
    record (or what the index says of it) differs from what was anchored; ``PENDING``: recorded, not anchored yet;
    ``MISSING``: no such record, or its block or batch is gone."""

    VALID = "valid"
    TAMPERED = "tampered"
    PENDING = "pending"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class RecordIntegrity:
    """The check of one record: ``status`` and a ``reason`` a person can act on."""

    status: IntegrityStatus
    reason: str
    cid: str
    seq: int | None = None
    vm_id: str | None = None
    batch_id: int | None = None
    leaf: str | None = None

    @property
    def valid(self) -> bool:
        """True when the status is ``valid``."""
        return self.status is IntegrityStatus.VALID

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "status": self.status.value,
            "reason": self.reason,
            "cid": self.cid,
            "seq": self.seq,
            "vm_id": self.vm_id,
            "batch_id": self.batch_id,
            "leaf": self.leaf,
        }


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """The check of every record of a VM. ``status`` is the worst found (tampered > missing > pending > valid) and
    ``reason`` explains it; ``records`` holds each record's check, oldest first."""

    vm_id: str
    status: IntegrityStatus
    reason: str
    records: tuple[RecordIntegrity, ...]

    @property
    def valid(self) -> bool:
        """True when every record of the VM is anchored and intact."""
        return self.status is IntegrityStatus.VALID

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "vm_id": self.vm_id,
            "status": self.status.value,
            "reason": self.reason,
            "records": [r.to_dict() for r in self.records],
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One anchored record of a VM: the record, where it is stored, and where it was anchored."""

    seq: int
    record: VMStateRecord
    cid: str
    leaf: str
    batch_id: int
    root: str
    manifest_cid: str
    block: int | None
    tx_hash: str | None
    anchored_at: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "seq": self.seq,
            "record": self.record.to_dict(),
            "cid": self.cid,
            "leaf": self.leaf,
            "batch_id": self.batch_id,
            "root": self.root,
            "manifest_cid": self.manifest_cid,
            "block": self.block,
            "tx_hash": self.tx_hash,
            "anchored_at": self.anchored_at,
        }


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One anchored batch. ``recovered`` is true when it was found on chain from before (a resumed crash)."""

    batch_id: int
    root: str
    leaf_count: int
    first_seq: int
    last_seq: int
    manifest_cid: str
    tx_hash: str | None
    block: int | None
    anchored_at: int | None
    gas_used: int | None
    recovered: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class BatchIntegrity:
    """The check of one anchored batch from the chain and the content store alone (the local index unused).

    ``status`` is ``valid`` when the manifest's leaves rebuild the root on chain and every record block is present,
    intact and hashes to its leaf; ``records`` counts the records checked, ``bad`` lists ``(index, reason)``.
    """

    batch_id: int
    status: IntegrityStatus
    reason: str
    root: str
    manifest_cid: str
    records: int
    bad: tuple[tuple[int, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dataclasses.asdict(self)
        out["status"] = self.status.value
        out["bad"] = [list(b) for b in self.bad]
        return out


@dataclass(frozen=True, slots=True)
class RedundancyStatus:
    """How far the roots anchored on the primary chain are mirrored on one redundancy chain
    (``anchor_redundancy``): ``anchored`` batches are there, ``lag`` batches anchored on the primary are not yet
    (retried in the background), ``last_error`` is why the last attempt failed (``None`` after a success)."""

    chain: str
    chain_id: int | None
    anchor: str | None
    anchored: int
    lag: int
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class StateSummary:
    """Counts for ``novacron-chain state status``."""

    pending: int
    intended: int
    anchored: int
    batches: int
    next_seq: int
    journal_synced_seq: int
    last_error: str | None
    redundancy: tuple[RedundancyStatus, ...] = ()
    """Per redundancy chain, how many batches are anchored there (empty without ``anchor_redundancy``)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dataclasses.asdict(self)


class Pending(NamedTuple):
    """A record taken but not yet in a batch: what the manager queues, the anchorer batches and the verifier
    checks (``since`` is when it was taken, on the monotonic clock)."""

    seq: int
    vm_id: str
    cid_bytes: bytes
    leaf: bytes
    data: bytes
    since: float

    @property
    def cid(self) -> str:
        """The record's CIDv1 (``bafkrei...``)."""
        return cid_string(self.cid_bytes)
