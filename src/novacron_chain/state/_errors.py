"""Errors of the VM state layer, all under :class:`StateError` (a :class:`~novacron_chain.errors.NovaChainError`).

::

    StateError                              VM state records, their anchoring, the local journal and index
    ├── StateValueError (NovaValueError)    exit 2: a bad argument (batch size, CID, data dir)
    │   └── RecordValueError                exit 2: a bad record field (unknown state, negative cpu, bad address)
    ├── StateDirLockedError                 another process has the state dir open
    ├── StateDataError                      the journal or the index is damaged, or belongs to another anchor
    ├── StateBackpressureError              too many records wait to be anchored (is the chain reachable?)
    ├── StateBackupError                    a backup cannot be restored: malformed, incomplete, tampered, another chain
    └── StateIntegrityError                 a check found records tampered with or missing (carries the report)

Chain failures while anchoring (node down, contract paused, no ANCHORER_ROLE) are the chain layer's own
:class:`~novacron_chain.errors.ChainError` / :class:`~novacron_chain.errors.ContractCustomError`: the batch stays
queued and the next flush sends it again. :data:`ERROR_HINTS` says what to do about each custom error of
``StateAnchor`` (the chain attaches the hint to the :class:`~novacron_chain.errors.ContractCustomError`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NovaChainError, NovaValueError

if TYPE_CHECKING:
    from ._report import ReportVerification

__all__ = [
    "ERROR_HINTS",
    "RecordValueError",
    "StateBackpressureError",
    "StateBackupError",
    "StateDataError",
    "StateDirLockedError",
    "StateError",
    "StateIntegrityError",
    "StateValueError",
]


ERROR_HINTS: dict[str, str] = {
    "StateAnchorZeroRoot": "a batch root cannot be zero; anchor the root of a Merkle tree over the records' leaves",
    "StateAnchorEmptyBatch": "a batch holds at least one record; pass leafCount >= 1",
    "StateAnchorBadManifestCid": "pass the batch's CID in IPFS (1 to maxLength bytes), as StateManager writes it",
    "StateAnchorRootExists": "this root is already anchored (batch batchId): nothing is anchored twice; "
    "StateManager confirms such a batch instead of sending it again",
    "StateAnchorUnknownBatch": "no batch batchId was anchored on this contract; `novacron-chain state history` "
    "lists the anchored batches",
}
"""What to do about each custom error of ``StateAnchor`` (error name -> hint)."""


class StateError(NovaChainError):
    """The VM state layer failed: records, anchoring, the local journal or index."""


class StateValueError(StateError, NovaValueError):
    """A bad argument to the state layer (a batch size, a CID, a data dir)."""


class RecordValueError(StateValueError):
    """A VM state record field is wrong. ``field`` names it, ``value`` is what was given."""

    def __init__(self, field: str, value: object, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{field} {value!r} {problem}", hint=hint)
        self.field = field
        self.value = value

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["field"] = self.field
        return out


class StateDirLockedError(StateError):
    """Another process holds the state dir (journal and index) open."""

    def __init__(self, path: str, holder: str | None = None) -> None:
        who = f" (held by {holder})" if holder else ""
        super().__init__(
            f"the VM state journal in {path} is open in another process{who}",
            hint="record through that process (e.g. the running `novacron-chain serve`), or wait for it to exit",
        )
        self.path = path


class StateDataError(StateError):
    """The journal or the index cannot be used: damaged beyond a torn last write, or made for another anchor."""

    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["path"] = self.path
        return out


class StateBackpressureError(StateError):
    """Too many records wait to be anchored; the record was not taken. Nothing already recorded is lost."""

    def __init__(self, pending: int, limit: int) -> None:
        super().__init__(
            f"{pending:,} VM state records already wait to be anchored (the limit is {limit:,}); this one was refused",
            hint="check that the chain is reachable and the anchoring account holds ANCHORER_ROLE and gas "
            "(`novacron-chain state flush` shows the error); raise max_pending if the backlog is expected",
        )
        self.pending = pending
        self.limit = limit


class StateBackupError(StateError):
    """A backup of the audit log cannot be restored: it is malformed or incomplete, a record or proof in it does not
    match the roots on chain, or it was made for another chain or anchor. Nothing was restored. ``backup`` names the
    archive (path or root CID); ``batch_id`` and ``seq`` the batch and record at fault, when one is."""

    def __init__(
        self,
        backup: str,
        problem: str,
        *,
        batch_id: int | None = None,
        seq: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = "".join(
            [f", batch {batch_id}" if batch_id is not None else "", f", record {seq}" if seq is not None else ""]
        )
        super().__init__(
            f"backup {backup}{where}: {problem}; nothing was restored",
            hint=hint
            or "restore from another copy of the backup, or make a new one with `novacron-chain state "
            "backup` where the audit log is intact",
        )
        self.backup = backup
        self.batch_id = batch_id
        self.seq = seq

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["backup"] = self.backup
        if self.batch_id is not None:
            out["batch_id"] = self.batch_id
        if self.seq is not None:
            out["seq"] = self.seq
        return out


class StateIntegrityError(StateError):
    """An integrity check found records tampered with or missing. ``report`` is the check's JSON-ready report
    (what ``to_dict`` of an ``IntegrityReport`` or ``BatchIntegrity`` gives); ``status`` its status."""

    def __init__(self, subject: str, report: dict[str, Any]) -> None:
        self.status = str(report.get("status"))
        if report.get("records") == []:  # nothing of the subject is known here: nothing was damaged
            hint = "check the VM id; records made through another data dir or chain are not known here"
        else:
            hint = (
                "restore the damaged blocks from a copy (adding the original content again repairs a block), "
                "and investigate who changed them; `novacron-chain state history` lists what was anchored"
            )
        super().__init__(f"{subject}: {self.status} — {report.get('reason')}", hint=hint)
        self.report = report

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(self.report)
        out["error"] = type(self).__name__
        return out


class ReportInvalidError(StateIntegrityError):
    """A compliance report failed verification (exit 1). ``verification`` is the whole result; its dict is in
    ``report`` (and in the ``--json`` error)."""

    def __init__(self, verification: ReportVerification) -> None:
        data = verification.to_dict()
        data["status"] = "invalid"
        super().__init__(f"compliance report of {verification.vm_id or 'an unknown VM'}", data)
        self.verification = verification
        self.hint = (
            "do not rely on this report: ask its issuer for a new one (`novacron-chain state report VM_ID`), and "
            "check that it names the chain and contract you expect"
        )
