"""The approval workflow of zero-ops automation policies over the PolicyRegistry (used by
:class:`~novacron_chain.governance.GovernanceManager`'s ``*policy*`` methods).

A policy (``autoscale.limit.eu-west-1`` = ``40``) changes after ``threshold`` approvals from the approver set or by a
passed DAO proposal calling ``setPolicy`` (executed by the timelock, the registry's admin). Every mistake is checked
before anything is sent and raised as a governance error; a revert that slips through (another approver got there
first) is mapped to the same errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak
from web3._utils.events import get_event_data
from web3.logs import DISCARD

from ..chain import Receipt, Signer, checksum, event_indexer
from ..errors import ContractCustomError, NovaChainError
from ._errors import (
    ExpiredPolicyChangeError,
    GovernanceValueError,
    PolicyApprovalError,
    PolicyChangeStateError,
    PolicyPermissionError,
    StalePolicyChangeError,
    UnknownPolicyChangeError,
)
from ._types import Policy, PolicyChange, PolicyChangeStatus

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..chain import Chain

__all__ = ["APPROVER_ROLE", "MAX_NAME_BYTES", "MAX_VALUE_BYTES", "PolicyWorkflow", "check_policy"]

APPROVER_ROLE = keccak(b"APPROVER_ROLE")
DEFAULT_ADMIN_ROLE = bytes(32)
MAX_NAME_BYTES = 64  #: the registry's MAX_NAME_LENGTH
MAX_VALUE_BYTES = 1024  #: the registry's MAX_VALUE_LENGTH
_APPLIED_TOPIC = keccak(b"PolicyApplied(bytes32,uint256,string,string,uint64)")


def check_policy(name: str, value: str) -> None:
    """Refuse a name or value the registry would refuse (checked in bytes, as the contract does)."""
    if not isinstance(name, str) or not isinstance(value, str):
        raise GovernanceValueError("a policy's name and value are text")
    n = len(name.encode())
    if n == 0 or n > MAX_NAME_BYTES or name != name.strip() or any(ord(c) < 32 for c in name):
        raise GovernanceValueError(
            f"{name!r} is not a policy name",
            hint=f"1 to {MAX_NAME_BYTES} bytes without spaces around it or control characters, e.g. "
            "autoscale.limit.eu-west-1",
        )
    if len(value.encode()) > MAX_VALUE_BYTES:
        raise GovernanceValueError(
            f"the value is {len(value.encode())} bytes: a policy value is at most {MAX_VALUE_BYTES} bytes"
        )


class PolicyWorkflow:
    """Proposals, approvals and reads of one PolicyRegistry (``registry``), from block ``from_block`` on."""

    def __init__(self, chain: Chain, registry: Contract, *, from_block: int = 0) -> None:
        self.chain = chain
        self.registry = registry
        self.from_block = from_block
        self._applied_abi = registry.events.PolicyApplied().abi

    # -- reads ----------------------------------------------------------------------------------------------------

    def _call(self, fn: ContractFunction) -> Any:
        return self.chain.call(fn)

    @property
    def address(self) -> str:
        """The registry's address."""
        return str(self.registry.address)

    @property
    def threshold(self) -> int:
        """Approvals a change needs."""
        return int(self._call(self.registry.functions.threshold()))

    @property
    def change_lifetime(self) -> int:
        """Seconds a change stays approvable after its proposal."""
        return int(self._call(self.registry.functions.changeLifetime()))

    def is_approver(self, account: str) -> bool:
        """Whether ``account`` holds APPROVER_ROLE."""
        return bool(self._call(self.registry.functions.hasRole(APPROVER_ROLE, checksum(account))))

    def get_policy(self, name: str) -> Policy:
        """Policy ``name`` now (version 0 and an empty value: never set)."""
        check_policy(name, "")
        value, version, updated = self._call(self.registry.functions.getPolicy(name))
        return Policy(name, str(value), int(version), int(updated))

    def policy_names(self) -> list[str]:
        """Every policy name ever set, in the order first set (from the PolicyApplied events)."""
        logs = event_indexer(self.chain).logs(self.address, _APPLIED_TOPIC, from_block=self.from_block)
        codec = self.chain.w3.codec
        names: dict[str, None] = {}
        for log in logs:
            names.setdefault(str(get_event_data(codec, self._applied_abi, log)["args"]["name"]), None)
        return list(names)

    def list_policies(self) -> list[Policy]:
        """Every policy ever set, by name, with its value now."""
        return [self.get_policy(n) for n in sorted(self.policy_names())]

    def change_count(self) -> int:
        """How many changes were ever proposed (ids 1 .. this)."""
        return int(self._call(self.registry.functions.changeCount()))

    def get_change(self, change_id: int) -> PolicyChange:
        """Change ``change_id`` as it stands now."""
        cid = self._id(change_id)
        f = self.registry.functions
        try:
            c = self._call(f.getChange(cid))
        except ContractCustomError as exc:
            if exc.error_name == "PolicyRegistryUnknownChange":
                raise UnknownPolicyChangeError(cid) from exc
            raise
        (_key, proposer, base, proposed, expires, resolved, _approvals, status, name, value) = c
        approvers = tuple(checksum(a) for a in self._call(f.approversOf(cid)))
        return PolicyChange(
            id=cid,
            name=str(name),
            value=str(value),
            proposer=checksum(proposer),
            base_version=int(base),
            proposed_at=int(proposed),
            expires_at=int(expires),
            resolved_at=int(resolved) or None,
            status=PolicyChangeStatus(int(status)),
            approvers=approvers,
            valid_approvals=int(self._call(f.validApprovals(cid))),
            threshold=self.threshold,
        )

    def list_changes(self, status: PolicyChangeStatus | str | None = None) -> list[PolicyChange]:
        """Every change, oldest first, or those with ``status`` only (statuses are read now: a change that expired
        or became stale shows so)."""
        wanted = None if status is None else PolicyChangeStatus.parse(status)
        out = [self.get_change(i) for i in range(1, self.change_count() + 1)]
        return out if wanted is None else [c for c in out if c.status is wanted]

    def _id(self, change_id: int | str) -> int:
        if isinstance(change_id, bool):
            raise GovernanceValueError(f"{change_id!r} is not a policy change id")
        try:
            cid = int(str(change_id).strip().removeprefix("#"), 0) if isinstance(change_id, str) else int(change_id)
        except ValueError:
            raise GovernanceValueError(
                f"{change_id!r} is not a policy change id", hint="ids are 1, 2, ...: `gov policy pending` lists them"
            ) from None
        if not 0 < cid < 2**256:
            raise GovernanceValueError(f"{change_id!r} is not a policy change id", hint="ids are 1, 2, ...")
        return cid

    # -- writes ---------------------------------------------------------------------------------------------------

    def propose(self, name: str, value: str, *, sender: Signer | None = None) -> PolicyChange:
        """Propose ``name`` = ``value``; the proposal is the sender's approval (with a threshold of 1 it applies)."""
        check_policy(name, value)
        who = (sender or self.chain.signer).address
        if not self.is_approver(who):
            raise PolicyPermissionError(who, "propose policy changes")
        fn = self.registry.functions.proposeChange(name, value)
        receipt = self._send(fn, sender, None, "propose")
        events = self.registry.events.PolicyChangeProposed().process_receipt(receipt.raw, errors=DISCARD)
        return self._after(int(events[0]["args"]["id"]), receipt)

    def approve(self, change_id: int | str, *, sender: Signer | None = None) -> PolicyChange:
        """Approve a pending change; the approval reaching the threshold applies it (its status is then applied)."""
        who = (sender or self.chain.signer).address
        change = self._pending(change_id, who, "approve")
        if who in change.approvers:
            raise PolicyApprovalError(change.id, who, approved=True)
        receipt = self._send(self.registry.functions.approve(change.id), sender, change.id, "approve")
        return self._after(change.id, receipt)

    def revoke(self, change_id: int | str, *, sender: Signer | None = None) -> PolicyChange:
        """Withdraw the sender's approval of a pending change."""
        who = (sender or self.chain.signer).address
        change = self._pending(change_id, who, "revoke an approval of")
        if who not in change.approvers:
            raise PolicyApprovalError(change.id, who, approved=False)
        fn = self.registry.functions.revokeApproval(change.id)
        return self._after(change.id, self._send(fn, sender, change.id, "revoke an approval of"))

    def cancel(self, change_id: int | str, *, sender: Signer | None = None) -> PolicyChange:
        """Cancel a pending change (its proposer, or the admin: the timelock in production)."""
        who = (sender or self.chain.signer).address
        change = self.get_change(self._id(change_id))
        admin = bool(self._call(self.registry.functions.hasRole(DEFAULT_ADMIN_ROLE, who)))
        if who != change.proposer and not admin:
            raise PolicyPermissionError(
                who,
                f"cancel policy change {change.id}",
                hint=f"only its proposer ({change.proposer}) or governance may cancel it; an approver who disagrees "
                "simply does not approve",
            )
        if change.status in (PolicyChangeStatus.APPLIED, PolicyChangeStatus.CANCELLED):
            raise PolicyChangeStateError(change.id, change.status.label, "cancel")
        fn = self.registry.functions.cancelChange(change.id)
        return self._after(change.id, self._send(fn, sender, change.id, "cancel"))

    def _pending(self, change_id: int | str, who: str, action: str) -> PolicyChange:
        change = self.get_change(self._id(change_id))
        if not self.is_approver(who):
            raise PolicyPermissionError(who, f"{action} policy changes")
        self._check_pending(change, action)
        return change

    def _check_pending(self, change: PolicyChange, action: str) -> None:
        if change.status is PolicyChangeStatus.EXPIRED:
            raise ExpiredPolicyChangeError(change.id, action, expires_at=change.expires_at)
        if change.status is PolicyChangeStatus.STALE:
            current = self.get_policy(change.name).version
            raise StalePolicyChangeError(change.id, action, base_version=change.base_version, current_version=current)
        if change.status is not PolicyChangeStatus.PENDING:
            raise PolicyChangeStateError(change.id, change.status.label, action)

    def _after(self, change_id: int, receipt: Receipt) -> PolicyChange:
        from dataclasses import replace

        return replace(self.get_change(change_id), tx_hash=receipt.tx_hash, gas_used=receipt.gas_used)

    def _send(self, fn: ContractFunction, sender: Signer | None, change_id: int | None, action: str) -> Receipt:
        try:
            return self.chain.transact(fn, sender=sender)
        except ContractCustomError as exc:
            raise self.mapped_revert(exc, change_id, action) from exc

    def mapped_revert(self, exc: ContractCustomError, change_id: int | None, action: str) -> NovaChainError:
        """A PolicyRegistry revert as the governance error the checks would have raised."""
        a = exc.error_args
        name = exc.error_name
        cid = change_id or int(a.get("id", 0) or 0)
        if name == "AccessControlUnauthorizedAccount":
            return PolicyPermissionError(str(a["account"]), f"{action} policy changes")
        if name == "PolicyRegistryNotProposer":
            return PolicyPermissionError(str(a["caller"]), f"cancel policy change {cid}")
        if name == "PolicyRegistryUnknownChange":
            return UnknownPolicyChangeError(int(a["id"]))
        if name == "PolicyRegistryAlreadyApproved":
            return PolicyApprovalError(cid, str(a["approver"]), approved=True)
        if name == "PolicyRegistryNotApproved":
            return PolicyApprovalError(cid, str(a["approver"]), approved=False)
        if name == "PolicyRegistryChangeExpired":
            return ExpiredPolicyChangeError(cid, action, expires_at=int(a["expiresAt"]))
        if name == "PolicyRegistryStaleChange":
            return StalePolicyChangeError(
                cid, action, base_version=int(a["baseVersion"]), current_version=int(a["currentVersion"])
            )
        if name == "PolicyRegistryChangeNotPending":
            return PolicyChangeStateError(cid, PolicyChangeStatus(int(a["status"])).label, action)
        return exc
