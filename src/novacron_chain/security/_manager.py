"""ContractSecurity (seed §9): audit any address, pause one contract or the whole deployment in an emergency."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak

from ..artifacts import load_artifact
from ..chain import ZERO_ADDRESS, Chain, DeploymentsFile, TxRequest, checksum, code_matches
from ._discover import (
    DEFAULT_ADMIN_ROLE,
    GUARDIAN_ROLE,
    find_artifact,
    functions,
    is_pausable,
    known_contracts,
    role_names,
)
from ._errors import NotGuardianError, NotPausableError, UnknownContractError
from ._findings import findings_summary, recorded_findings
from ._scan import role_holders, scheduled_calls
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
from ._upgrades import UpgradesMixin, through_proxy

if TYPE_CHECKING:
    from ..metrics import BlockchainMetrics

__all__ = ["PAUSE_GAS", "ContractSecurity"]

PAUSE_GAS = 100_000  #: gas limit of one pause() (it costs ~30k): a fixed limit skips an estimation per contract
TIMELOCK = "NovaTimelock"  # the record name of the governance timelock, admin of everything in production
# roles an externally owned account may hold in production without a warning: they can only stop things
_STOP_ONLY_ROLES = frozenset({"GUARDIAN_ROLE", "CANCELLER_ROLE"})
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_PENDING = (1, 2)  # TimelockController.OperationState: Waiting, Ready


@dataclass
class _View:
    """One consistent look at the deployment: contracts, timelock, deployer, and (read once, on first use) the
    role events and the timelock's scheduled calls, shared by every contract an operation covers."""

    chain: Chain
    known: list[KnownContract]
    from_block: int
    deployer: str | None
    head: int = field(init=False)
    _code: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.head = self.chain.block_number()

    @cached_property
    def by_address(self) -> dict[str, KnownContract]:
        return {k.address: k for k in self.known}

    @cached_property
    def timelock(self) -> str | None:
        return next((k.address for k in self.known if k.name == TIMELOCK), None)

    @cached_property
    def roles(self) -> dict[str, dict[bytes, set[str]]]:
        return role_holders(self.chain, None, self.from_block, self.head)

    @cached_property
    def scheduled(self) -> list[dict[str, Any]]:
        if self.timelock is None:
            return []
        return scheduled_calls(self.chain, self.timelock, self.from_block, self.head)

    def code(self, address: str) -> bytes:
        if address not in self._code:
            self._code[address] = self.chain.code(address)
        return self._code[address]

    def holder(self, account: str, contract_roles: dict[bytes, set[str]]) -> RoleHolder:
        if account == ZERO_ADDRESS:  # OpenZeppelin's "open role": the timelock's EXECUTOR_ROLE, anyone executes
            return RoleHolder(account, "anyone")
        if account == self.timelock:
            return RoleHolder(account, "timelock", TIMELOCK)
        if account in self.by_address:
            return RoleHolder(account, "contract", self.by_address[account].name)
        if account == self.deployer:
            return RoleHolder(account, "deployer")
        if self.code(account):
            return RoleHolder(account, "contract")
        if account in contract_roles.get(GUARDIAN_ROLE, set()):
            return RoleHolder(account, "guardian")
        return RoleHolder(account, "eoa")


class ContractSecurity(UpgradesMixin):
    """Security of the contracts deployed on one chain (the seed's ``ContractSecurity``).

    * :meth:`audit_contract`: a report on any address: whether its code is the artifact it claims to be (or which
      artifact it is), who holds every role and whether the admin is the timelock as production requires, its
      guardians, whether it is paused, and the timelock operations queued against it; a verdict with reasons.
    * :meth:`emergency_pause` / :meth:`emergency_pause_all`: the circuit breaker, sent by a guardian; lifting a
      pause is the admin's (``unpause()``, the timelock in production: a governed decision).
    * :meth:`is_contract_paused` and :meth:`security_status`.
    * :meth:`propose_upgrade` / :meth:`propose_rollback`: a governance proposal moving an upgradeable contract's
      proxy to a new implementation (its storage layout checked first) or back to the one it ran before.

    The contracts are the deployment's records plus the instances its factories created (the liquidity pools),
    found from the ABIs: a new pausable contract is covered as soon as ``deploy`` records it.
    """

    def __init__(self, chain: Chain, deployments: DeploymentsFile, *, metrics: BlockchainMetrics | None = None) -> None:
        self.chain = chain
        self.deployments = deployments
        self.metrics = metrics

    # -- what the deployment holds --------------------------------------------------------------------------------

    def known_contracts(self) -> list[KnownContract]:
        """Every contract of the deployment: the records, then the instances factories created."""
        return known_contracts(self.chain, self.deployments)

    def pausable_contracts(self) -> list[KnownContract]:
        """The contracts of the deployment whose ABI has ``pause()`` and ``paused()``."""
        return [k for k in self.known_contracts() if is_pausable(k.artifact)]

    def _view(self) -> _View:
        self.upgradeable_contracts()  # the proxies' records follow the upgrades governance executed
        records = self.deployments.all(self.chain.chain_id)
        deployer = None
        if records:
            first = min(records, key=lambda r: (r.block, r.deployed_at))
            with self.chain.mapped("reading the deployment transaction"):
                deployer = checksum(str(self.chain.w3.eth.get_transaction(first.tx_hash)["from"]))  # type: ignore[arg-type]
        start = min((r.block for r in records), default=0)
        return _View(self.chain, self.known_contracts(), start, deployer)

    def _resolve(self, view: _View, ref: str) -> KnownContract | str:
        """The contract ``ref`` names (record or instance name, case-insensitive, or address); an address that is
        no contract of the deployment comes back as a checksummed string."""
        text = ref.strip()
        if _ADDRESS.match(text):
            address = checksum(text)
            return view.by_address.get(address, address)
        matches = [k for k in view.known if k.name.lower() == text.lower()]
        if not matches:
            raise UnknownContractError(ref, known=[k.name for k in view.known if k.created_by is None])
        return matches[0]

    # -- audit ----------------------------------------------------------------------------------------------------

    def audit_contract(self, address_or_name: str) -> AuditReport:
        """Audit one contract, of the deployment (by record name, ``LiquidityPool #i``, or address) or any address.

        Raises :class:`UnknownContractError` for a name the deployment does not have; an address is always audited
        (no code there is a ``fail``).
        """
        view = self._view()
        target = self._resolve(view, address_or_name)
        return self._audit(view, target)

    def audit_deployment(self) -> DeploymentAudit:
        """Audit every contract of the deployment (role events and timelock queue read once for all)."""
        started = time.perf_counter()
        view = self._view()
        reports = tuple(self._audit(view, k) for k in view.known)
        counts = Counter(r.verdict.value for r in reports)
        result = DeploymentAudit(
            reports, time.perf_counter() - started, {v.value: counts.get(v.value, 0) for v in Verdict}
        )
        paused = sum(1 for r in reports if r.paused)
        if self.metrics is not None:
            self.metrics.update_security(paused, result.counts)
        return result

    def _audit(self, view: _View, target: KnownContract | str) -> AuditReport:
        known = target if isinstance(target, KnownContract) else None
        address = known.address if known else str(target)
        reasons: list[Reason] = []
        code = view.code(address)
        if not code:
            reasons.append(Reason("fail", "no-code", f"no contract at {address}: it has no code on this chain"))
            return self._report(view, address, known, None, False, False, False, None, (), (), reasons)
        implementation = through_proxy(self.chain, address, code, reasons)
        if implementation is not None:  # the proxy's code is ours: what it runs is judged from here on
            code = view.code(implementation)
        artifact, matches = self._identify(known, code, reasons)
        if artifact is None:
            return self._report(
                view, address, known, None, True, False, False, None, (), (), reasons, implementation=implementation
            )
        pausable = is_pausable(artifact)
        paused: bool | None = None
        if pausable:
            contract = self.chain.contract(artifact, address)
            paused = bool(self.chain.call(contract.functions.paused()))
            if paused:
                reasons.append(
                    Reason("warn", "paused", "paused: its guarded functions refuse until the admin unpauses")
                )
        roles = self._roles(view, address, artifact)
        self._judge_roles(view, roles, pausable, reasons, known)
        queued = self._queued(view, address, artifact)
        for op in queued:
            when = "ready now" if op.ready else f"ready at {op.ready_at}"
            reasons.append(Reason("info", "queued", f"the timelock has queued {op.function} ({when}), id {op.id}"))
        return self._report(
            view, address, known, artifact, True, matches, pausable, paused, roles, queued, reasons, implementation
        )

    def _identify(self, known: KnownContract | None, code: bytes, reasons: list[Reason]) -> tuple[str | None, bool]:
        if known is not None:
            if code_matches(load_artifact(known.artifact), code):
                return known.artifact, True
            actual = find_artifact(code)
            also = f"; it is {actual}'s" if actual else "; it matches no artifact we ship"
            reasons.append(
                Reason(
                    "fail", "code-mismatch", f"the code is not the artifact {known.artifact} it is recorded as{also}"
                )
            )
            return actual, False
        found = find_artifact(code)
        if found is None:
            reasons.append(Reason("warn", "unknown-code", "the code matches no artifact we ship: nothing to check"))
            return None, False
        reasons.append(Reason("info", "identified", f"not a contract of this deployment; its code is {found}'s"))
        return found, True

    def _roles(self, view: _View, address: str, artifact: str) -> tuple[RoleHolding, ...]:
        names = role_names(artifact)
        if not names:
            return ()
        held = view.roles.get(address, {})
        ids = sorted(
            set(names) | {r for r, h in held.items() if h},
            key=lambda r: (r != DEFAULT_ADMIN_ROLE, names.get(r, "~"), r),
        )
        return tuple(
            RoleHolding(
                names.get(r, "0x" + r.hex()),
                "0x" + r.hex(),
                tuple(view.holder(a, held) for a in sorted(held.get(r, set()))),
            )
            for r in ids
        )

    def _judge_roles(
        self,
        view: _View,
        roles: tuple[RoleHolding, ...],
        pausable: bool,
        reasons: list[Reason],
        known: KnownContract | None,
    ) -> None:
        if not roles:
            reasons.append(Reason("info", "no-roles", "not access-controlled (no roles to check)"))
            return
        severity = "warn" if self.chain.is_dev else "fail"
        dev = " (tolerated on a dev chain)" if self.chain.is_dev else ""
        by_name = {r.role: r.holders for r in roles}
        admins = self._through_creator(view, known, by_name.get("DEFAULT_ADMIN_ROLE", ()), reasons)
        eoa_admins = [h for h in admins if h.is_eoa]
        if not admins:
            reasons.append(
                Reason(
                    "warn",
                    "no-admin",
                    "nobody holds DEFAULT_ADMIN_ROLE: roles can never change and a pause can never be lifted",
                )
            )
        elif eoa_admins:
            who = ", ".join(h.describe() for h in eoa_admins)
            reasons.append(
                Reason(
                    severity,
                    "eoa-admin",
                    f"an externally owned account holds DEFAULT_ADMIN_ROLE: {who}; "
                    f"production requires the timelock alone{dev}",
                )
            )
        elif view.timelock is None:
            reasons.append(Reason("warn", "no-timelock", "no NovaTimelock is deployed to hold the admin role"))
        elif all(h.address != view.timelock for h in admins):
            reasons.append(Reason(severity, "admin-not-timelock", f"DEFAULT_ADMIN_ROLE is not the timelock's{dev}"))
        for holding in roles:
            if holding.role in _STOP_ONLY_ROLES or holding.role == "DEFAULT_ADMIN_ROLE":
                continue
            eoas = [h for h in holding.holders if h.is_eoa]
            if eoas:
                who = ", ".join(h.describe() for h in eoas)
                reasons.append(
                    Reason(
                        "warn",
                        "eoa-role",
                        f"{holding.role} is held by an externally owned account: {who}; "
                        "check that it is an operator the config names",
                    )
                )
        if pausable and not by_name.get("GUARDIAN_ROLE"):
            reasons.append(Reason("warn", "no-guardian", "pausable, but nobody holds GUARDIAN_ROLE to pause it"))

    @staticmethod
    def _through_creator(
        view: _View, known: KnownContract | None, admins: tuple[RoleHolder, ...], reasons: list[Reason]
    ) -> tuple[RoleHolder, ...]:
        """The admins that really govern ``known``: a factory's instance administered by its factory alone (the
        liquidity pools) answers to whoever administers the factory, so those are judged (a pool whose factory the
        timelock governs passes on production); any other admin set is judged as it is."""
        if known is None or known.created_by is None:
            return admins
        creator = next((k for k in view.known if k.name == known.created_by), None)
        if creator is None or [h.address for h in admins] != [creator.address]:
            return admins
        held = view.roles.get(creator.address, {})
        through = tuple(view.holder(a, held) for a in sorted(held.get(DEFAULT_ADMIN_ROLE, set())))
        who = ", ".join(h.describe() for h in through) or "nobody"
        reasons.append(
            Reason("info", "admin-via-creator", f"administered through {creator.name}, whose admins are: {who}")
        )
        return through

    def _queued(self, view: _View, address: str, artifact: str) -> tuple[QueuedOperation, ...]:
        ops = [op for op in view.scheduled if op["target"] == address]
        if not ops or view.timelock is None:
            return ()
        timelock = self.chain.contract(TIMELOCK, view.timelock)
        selectors = {keccak(sig.encode())[:4]: sig for sig in functions(artifact)}
        out = []
        for op in ops:
            state = int(self.chain.call(timelock.functions.getOperationState(op["id"])))
            if state not in _PENDING:
                continue
            data: bytes = op["data"]
            out.append(
                QueuedOperation(
                    id="0x" + op["id"].hex(),
                    index=op["index"],
                    target=address,
                    value=op["value"],
                    function=selectors.get(data[:4], "0x" + data[:4].hex()),
                    data="0x" + data.hex(),
                    ready_at=int(self.chain.call(timelock.functions.getTimestamp(op["id"]))),
                    ready=state == 2,
                )
            )
        return tuple(out)

    def _report(
        self,
        view: _View,
        address: str,
        known: KnownContract | None,
        artifact: str | None,
        has_code: bool,
        matches: bool,
        pausable: bool,
        paused: bool | None,
        roles: tuple[RoleHolding, ...],
        queued: tuple[QueuedOperation, ...],
        reasons: list[Reason],
        implementation: str | None = None,
    ) -> AuditReport:
        findings = self._static_analysis(artifact, reasons)
        levels = {r.level for r in reasons}
        verdict = Verdict.FAIL if "fail" in levels else Verdict.WARN if "warn" in levels else Verdict.PASS
        return AuditReport(
            address=address,
            name=known.name if known else None,
            artifact=artifact,
            has_code=has_code,
            code_matches=matches,
            pausable=pausable,
            paused=paused,
            roles=roles,
            queued_operations=queued,
            verdict=verdict,
            reasons=tuple(reasons),
            static_analysis=findings_summary(artifact) if artifact else "no artifact: nothing to analyse",
            is_dev_chain=self.chain.is_dev,
            findings=findings,
            implementation=implementation,
        )

    @staticmethod
    def _static_analysis(artifact: str | None, reasons: list[Reason]) -> tuple[SlitherFinding, ...]:
        """The recorded Slither findings of ``artifact``: an unjustified medium or high one fails the verdict, a
        justified one is listed with its justification; lower impacts are counted in ``static_analysis``."""
        if artifact is None:
            return ()
        found = recorded_findings(artifact)
        if found is None:
            reasons.append(
                Reason("warn", "static-analysis", f"no Slither findings are recorded for {artifact}: not checked")
            )
            return ()
        for f in found:
            if f.blocking:
                reasons.append(
                    Reason(
                        "fail",
                        "slither-unjustified",
                        f"{f.describe()}; fix it, or justify it at the code (slither-disable-next-line with a reason)",
                    )
                )
            elif f.impact in ("High", "Medium"):
                reasons.append(Reason("info", "slither-justified", f"{f.describe()}; justified: {f.justification}"))
        return found

    # -- pause ----------------------------------------------------------------------------------------------------

    def is_contract_paused(self, address_or_name: str) -> bool:
        """Whether the contract is paused. Raises :class:`NotPausableError` for a contract without a pause."""
        target = self._pausable(self._view(), address_or_name)
        return bool(self.chain.call(self.chain.contract(target.artifact, target.address).functions.paused()))

    def _pausable(self, view: _View, ref: str) -> KnownContract:
        target = self._resolve(view, ref)
        if isinstance(target, str):
            code = view.code(target)
            artifact = find_artifact(code) if code else None
            if artifact is None:
                why = "it has no code" if not code else "its code matches no artifact we ship"
                raise UnknownContractError(ref, known=[k.name for k in view.known if k.created_by is None], reason=why)
            target = KnownContract(target, target, artifact)
        if not is_pausable(target.artifact):
            raise NotPausableError(target.name, target.address)
        return target

    def emergency_pause(self, address_or_name: str) -> PauseResult:
        """Pause one contract, sent by the configured account, which must be a guardian of it.

        A contract already paused is left alone (``already_paused``, no transaction). Raises
        :class:`NotGuardianError` before sending anything when the sender holds no ``GUARDIAN_ROLE`` there.
        """
        view = self._view()
        results = self._pause(view, [self._pausable(view, address_or_name)])
        return results[0]

    def emergency_pause_all(self) -> list[PauseResult]:
        """Pause every pausable contract of the deployment (factory instances included), in one batch.

        In an incident a partial pause beats none: the contracts the sender guards are paused even when it guards
        not all of them; then :class:`NotGuardianError` names the others (and what was paused).
        """
        view = self._view()
        return self._pause(view, [k for k in view.known if is_pausable(k.artifact)])

    def _pause(self, view: _View, targets: list[KnownContract]) -> list[PauseResult]:
        sender = self.chain.signer.address
        results: dict[str, PauseResult] = {}
        to_send: list[tuple[KnownContract, Any]] = []
        refused: list[str] = []
        for k in targets:
            contract = self.chain.contract(k.artifact, k.address)
            if self.chain.call(contract.functions.paused()):
                results[k.address] = PauseResult(k.name, k.address, already_paused=True)
            elif not self.chain.call(contract.functions.hasRole(GUARDIAN_ROLE, sender)):
                refused.append(k.name)
            else:
                to_send.append((k, contract.functions.pause()))
        requests = [
            TxRequest(to=k.address, data=bytes.fromhex(fn._encode_transaction_data()[2:]), gas=PAUSE_GAS)
            for k, fn in to_send
        ]
        receipts = self.chain.send_batch(requests) if requests else []
        for (k, _), receipt in zip(to_send, receipts, strict=True):
            results[k.address] = PauseResult(k.name, k.address, False, receipt.tx_hash, receipt.gas_used)
        self._feed_metrics(view)
        ordered = [results[k.address] for k in targets if k.address in results]
        if refused:
            raise NotGuardianError(sender, refused, paused=[r.name for r in ordered if not r.already_paused])
        return ordered

    # -- status ---------------------------------------------------------------------------------------------------

    def security_status(self) -> list[ContractSecurityStatus]:
        """Every contract of the deployment: pausable, paused, its admins and guardians (from the role events)."""
        view = self._view()
        proxies = {r.address: r.implementation for r in self.deployments.all(self.chain.chain_id) if r.proxy}
        out = []
        for k in view.known:
            pausable = is_pausable(k.artifact)
            paused = None
            if pausable:
                paused = bool(self.chain.call(self.chain.contract(k.artifact, k.address).functions.paused()))
            held = view.roles.get(k.address, {})
            admins = tuple(view.holder(a, held) for a in sorted(held.get(DEFAULT_ADMIN_ROLE, set())))
            guardians = tuple(view.holder(a, held) for a in sorted(held.get(GUARDIAN_ROLE, set())))
            out.append(
                ContractSecurityStatus(
                    k.name, k.address, k.artifact, pausable, paused, admins, guardians, proxies.get(k.address)
                )
            )
        if self.metrics is not None:
            self.metrics.update_security(sum(1 for s in out if s.paused))
        return out

    def _feed_metrics(self, view: _View) -> None:
        if self.metrics is None:
            return
        paused = 0
        for k in view.known:
            if is_pausable(k.artifact):
                paused += bool(self.chain.call(self.chain.contract(k.artifact, k.address).functions.paused()))
        self.metrics.update_security(paused)
