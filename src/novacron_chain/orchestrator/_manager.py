"""``ContractOrchestrator``: VMs, governed migrations and SLAs on the VMLifecycle and SLAContract contracts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak
from web3.logs import DISCARD

from ..chain import Receipt, Signer, checksum, event_indexer
from ..errors import ChainError, ContractCustomError, NovaChainError, OrchestratorError
from ..tokens import Resource
from ._errors import OrchestratorValueError, SLANotFoundError, VMNotFoundError
from ._signing import SLAOracle, report_digest, sign_migration_approval, sort_by_signer
from ._types import (
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
    bytes32_text,
    from_milli,
    text_bytes32,
    vm_id_of,
)

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..chain import Chain
    from ..tokens import Stake, TokenManager, Trade
    from ._metering import UsageMeter

__all__ = ["CPU_UNIT", "DEFAULT_RESERVATION", "MEM_UNIT_PER_GIB", "ContractOrchestrator", "required_reservation"]

CPU_UNIT = 10**18  # staked CPU base units per vCPU (VMLifecycle.CPU_UNIT)
MEM_UNIT_PER_GIB = 10**18  # staked MEM base units per GiB (VMLifecycle.MEM_UNIT_PER_GIB)
DEFAULT_RESERVATION = 30 * 24 * 3600  # lock of the stakes reserve_capacity makes


def required_reservation(cpu: int, memory_mb: int) -> tuple[int, int]:
    """Staked CPU and MEM base units that cover ``cpu`` vCPUs and ``memory_mb`` MB (as the contract computes it:
    one whole token per vCPU and per GiB, memory rounded up)."""
    return cpu * CPU_UNIT, -(-memory_mb * MEM_UNIT_PER_GIB // 1024)


def _check_cid(cid: str) -> str:
    from ..storage import Cid, InvalidCidError

    if not isinstance(cid, str) or not 1 <= len(cid.encode()) <= 128:
        raise OrchestratorValueError(f"snapshot CID {cid!r} must be 1 to 128 characters")
    try:
        Cid.parse(cid, exact=True)  # exact: the CID is sent on chain as given
    except InvalidCidError as exc:
        raise OrchestratorValueError(
            f"{cid!r} is not a CID: {exc.reason}", hint="pass the snapshot's IPFS CID, e.g. Qm... or bafy..."
        ) from exc
    return cid


class ContractOrchestrator:
    """VM lifecycle, cross-region migrations and SLAs (the seed's Contract Orchestrator).

    ``contracts`` looks a deployed contract up by its record name (``NovaChain.contract``); the ``VMLifecycle`` and
    ``SLAContract`` records must exist. ``tokens`` is the :class:`~novacron_chain.tokens.TokenManager` of the same
    chain: VM capacity is paid by staking through it, and SLA stakes and fees are bought and approved through it.
    ``from_block`` is where event scans (snapshot CIDs of migrations) start.

    VMs are named (``"vm-12345"``); names are unique per owner and the on-chain id is :func:`vm_id_of` of the owner
    and the name. A name given to a method means the sender's VM of that name if they have one, else the only VM of
    that name on the chain (an approver or operator names the owner's VM the same way); when several accounts use
    the name, pass ``owner=`` to :meth:`get_vm` / :meth:`vm_id`, or the integer id. Writes are sent from the chain's
    signer unless ``sender`` is given, and return the :class:`~novacron_chain.chain.Receipt`. Contract refusals
    raise :class:`~novacron_chain.errors.ContractCustomError` with the error's name, arguments and a hint; bad input
    is refused before anything is sent (:class:`OrchestratorValueError`, exit code 2).
    """

    def __init__(
        self, chain: Chain, contracts: Callable[[str], Contract], *, tokens: TokenManager, from_block: int = 0
    ) -> None:
        if tokens.chain is not chain:
            raise OrchestratorValueError("the TokenManager given must be on the orchestrator's chain")
        self.chain = chain
        self.tokens = tokens
        self.from_block = from_block
        self.lifecycle = contracts("VMLifecycle")
        self.sla = contracts("SLAContract")

    def _me(self, sender: Signer | None) -> str:
        return (sender or self.chain.signer).address

    def _send(self, fn: ContractFunction, sender: Signer | None, *, value: int = 0) -> Receipt:
        return self.chain.transact(fn, sender=sender, value=value)

    @staticmethod
    def _event(contract: Contract, name: str, receipt: Receipt) -> dict[str, Any]:
        events = contract.events[name]().process_receipt(receipt.raw, errors=DISCARD)
        if not events:
            raise ChainError(f"{name} was not emitted by {contract.address} in {receipt.tx_hash}")
        return dict(events[-1]["args"])

    # -- payment: staking reservations ----------------------------------------------------------------------------

    def allocation(self, owner: str | None = None) -> tuple[int, int]:
        """``owner``'s (default: the signer's) allocated vCPUs and MB over their VMs that are not terminated."""
        who = checksum(owner, "owner") if owner else self._me(None)
        cpu, mem = self.chain.call(self.lifecycle.functions.allocation(who))
        return int(cpu), int(mem)

    def reserve_capacity(
        self,
        cpu: int,
        memory_mb: int,
        *,
        duration: int = DEFAULT_RESERVATION,
        sender: Signer | None = None,
        deadline: int | None = None,
    ) -> list[Trade | Stake]:
        """Stake what the sender lacks to cover their allocation plus ``cpu`` vCPUs and ``memory_mb`` MB.

        Tokens the sender does not hold are bought on the bonding curve first (paying the exact quote), then staked
        for ``duration`` seconds, all through :attr:`tokens`. Stakes earn the staking APR from its funded reward
        reserve; a reserve that cannot cover the reward refuses the stake
        (:class:`~novacron_chain.tokens.RewardReserveError`). Returns the buys and stakes made (none when the
        reservation suffices). ``deadline`` (unix seconds) bounds the buys; default: 20 minutes from now.
        """
        VMLifecycleOperation("reserve", "reserve", cpu, memory_mb).validate()
        if isinstance(duration, bool) or not isinstance(duration, int) or not 86400 <= duration <= 365 * 86400:
            raise OrchestratorValueError(f"duration {duration!r} must be 1 to 365 days in seconds")
        owner = self._me(sender)
        tokens = self.tokens.with_sender(sender)
        have_cpu, have_mem = self.allocation(owner)
        needs = required_reservation(have_cpu + cpu, have_mem + memory_mb)
        made: list[Trade | Stake] = []
        for resource, need in zip((Resource.CPU, Resource.MEM), needs, strict=True):
            short = need - tokens.reserved_capacity(resource, owner)
            if short <= 0:
                continue
            lacking = short - tokens.balance(resource, owner)
            if lacking > 0:
                made.append(tokens.buy(resource, lacking, deadline=deadline))
            made.append(tokens.stake_tokens(resource, short, duration))
        return made

    # -- VMs ------------------------------------------------------------------------------------------------------

    def create_vm(
        self,
        op: VMLifecycleOperation,
        *,
        sender: Signer | None = None,
        reserve: bool = False,
        reservation_duration: int = DEFAULT_RESERVATION,
        deadline: int | None = None,
    ) -> Receipt:
        """Create the VM ``op`` describes, owned by the sender, in state STOPPED (seed: ``CreateVM``).

        Its capacity must be covered by the owner's staking reservation together with their other VMs;
        ``reserve=True`` first stakes what is missing (:meth:`reserve_capacity`; ``deadline`` bounds its buys).
        """
        if not isinstance(op, VMLifecycleOperation):
            raise OrchestratorValueError(f"create_vm takes a VMLifecycleOperation, not {type(op).__name__}")
        op.validate()
        me = self._me(sender)
        if op.owner is not None and checksum(op.owner, "owner") != me:
            raise OrchestratorValueError(
                f"the VM's owner {op.owner} is not the sending account {me}: the contract makes the sender the owner",
                hint="send from the owner's account (sender=..., or --account N on dev chains)",
            )
        if reserve:
            self.reserve_capacity(
                op.cpu_allocation, op.memory_allocation, duration=reservation_duration, sender=sender, deadline=deadline
            )
        fn = self.lifecycle.functions.createVM(op.vm_id, op.region, op.cpu_allocation, op.memory_allocation)
        return self._send(fn, sender)

    def vm_id(self, vm: str | int, *, owner: str | None = None, sender: Signer | None = None) -> int:
        """The on-chain id of the VM ``vm`` names: an int is the id itself; a name is ``owner``'s VM of that name,
        or without ``owner`` the sender's (default: the signer's) VM of that name if it exists, else the only VM of
        that name on the chain (found by the ``VMCreated`` events' name topic). :class:`VMNotFoundError` if there is
        none; :class:`OrchestratorValueError` if several accounts have one (then pass ``owner``)."""
        if isinstance(vm, bool) or not isinstance(vm, str | int):
            raise OrchestratorValueError(f"a VM is named by its name or id, not {type(vm).__name__}")
        if isinstance(vm, int):
            return vm
        if owner is not None:
            return vm_id_of(checksum(owner, "owner"), vm)
        mine = vm_id_of(self._me(sender), vm)
        if self._exists(mine):
            return mine
        with self.chain.mapped(f"looking up the VMs named {vm!r}"):
            logs = event_indexer(self.chain).events(
                self.lifecycle,
                "VMCreated",
                from_block=self.from_block,
                argument_filters={"nameHash": keccak(vm.encode())},
            )
        ids = sorted({int(e["args"]["vmId"]) for e in logs})
        if not ids:
            raise VMNotFoundError(vm)
        if len(ids) > 1:
            owners = sorted({str(e["args"]["owner"]) for e in logs})
            raise OrchestratorValueError(
                f"{len(owners)} accounts have a VM named {vm!r} ({', '.join(owners)})",
                hint="name the owner (owner=...) or use the VM's id; names are unique per owner",
            )
        return ids[0]

    def _exists(self, vm_id: int) -> bool:
        try:
            self.chain.call(self.lifecycle.functions.getVM(vm_id))
        except ContractCustomError as exc:
            if exc.error_name == "VMUnknown":
                return False
            raise
        return True

    def _id(self, vm: str | int, sender: Signer | None = None) -> int:
        return self.vm_id(vm, sender=sender)

    def _lifecycle_call(self, name: str, vm: str | int, sender: Signer | None, *args: Any) -> Receipt:
        vm_id = self._id(vm, sender)
        try:
            return self._send(getattr(self.lifecycle.functions, name)(vm_id, *args), sender)
        except ContractCustomError as exc:
            if exc.error_name == "VMUnknown":
                raise VMNotFoundError(vm) from exc
            raise

    def start_vm(self, vm: str | int, *, sender: Signer | None = None) -> Receipt:
        """STOPPED -> STARTING, by the owner: places a lien on the owner's CPU and MEM stake for the VM's share (the
        stake cannot be withdrawn while the VM runs); ``VMReservationInsufficient`` if the stake not under lien is
        short."""
        return self._lifecycle_call("startVM", vm, sender)

    def confirm_running(self, vm: str | int, *, sender: Signer | None = None) -> Receipt:
        """STARTING -> RUNNING, by an operator: the VM booted."""
        return self._lifecycle_call("confirmRunning", vm, sender)

    def stop_vm(self, vm: str | int, *, sender: Signer | None = None) -> Receipt:
        """RUNNING or STARTING -> STOPPED, by the owner or an operator; releases the VM's lien on the owner's stake."""
        return self._lifecycle_call("stopVM", vm, sender)

    def terminate_vm(self, vm: str | int, *, sender: Signer | None = None) -> Receipt:
        """STOPPED -> TERMINATED, by the owner; releases its share of the owner's allocation. Final."""
        return self._lifecycle_call("terminateVM", vm, sender)

    def migrate_vm(
        self, vm: str | int, target_region: str, snapshot_cid: str, *, sender: Signer | None = None
    ) -> Receipt:
        """Open a migration request to ``target_region`` with the VM's snapshot CID (RUNNING or STOPPED ->
        MIGRATING), by the owner. Approvers must approve it, then its time-lock must pass."""
        text_bytes32(target_region, "target region")
        return self._lifecycle_call("migrateVM", vm, sender, target_region, _check_cid(snapshot_cid))

    def approve_migration(self, vm: str | int, *, sender: Signer | None = None) -> Receipt:
        """Approve the VM's open migration request, from an approver's account. The threshold-th approval starts
        the time-lock."""
        return self._lifecycle_call("approveMigration", vm, sender)

    def sign_migration_approval(self, vm: str | int, approver: Signer) -> bytes:
        """``approver``'s EIP-712 signature approving the VM's open migration request (65 bytes, no transaction)."""
        vm_id = self._id(vm, approver)
        m = self._migration(vm_id)
        if m is None or not m.open:
            raise OrchestratorError(f"VM {vm!r} has no open migration request", hint="open one with migrate_vm")
        return sign_migration_approval(
            approver,
            vm_id,
            m.nonce,
            text_bytes32(m.target_region, "target region"),
            m.snapshot_hash,
            contract=self.lifecycle.address,
            chain_id=self.chain.chain_id,
        )

    def approve_migration_signed(
        self, vm: str | int, signatures: Sequence[bytes], *, sender: Signer | None = None
    ) -> Receipt:
        """Relay approvers' EIP-712 approvals (from :meth:`sign_migration_approval`) in one transaction."""
        if not signatures:
            raise OrchestratorValueError("give at least one approval signature")
        return self._lifecycle_call("approveMigrationWithSignatures", vm, sender, [bytes(s) for s in signatures])

    def execute_migration(self, vm: str | int, snapshot_cid: str, *, sender: Signer | None = None) -> Receipt:
        """Complete the migration after its time-lock, presenting the snapshot CID recorded at the request (MIGRATING
        -> the state it started from), by the owner or an operator."""
        return self._lifecycle_call("executeMigration", vm, sender, _check_cid(snapshot_cid))

    def veto_migration(self, vm: str | int, *, sender: Signer | None = None) -> Receipt:
        """Veto the open migration (MIGRATING -> the state it started from), by the owner or a guardian."""
        return self._lifecycle_call("vetoMigration", vm, sender)

    def approver_set(self) -> tuple[list[str], int, int]:
        """The migration approvers, the threshold and the set's epoch."""
        approvers, threshold, epoch = self.chain.call(self.lifecycle.functions.approverSet())
        return [str(a) for a in approvers], int(threshold), int(epoch)

    def migration_delay(self) -> int:
        """The migration time-lock in seconds."""
        return int(self.chain.call(self.lifecycle.functions.migrationDelay()))

    def _migration(self, vm_id: int) -> MigrationInfo | None:
        raw = self.chain.call(self.lifecycle.functions.getMigration(vm_id))
        nonce, target, snap, requested, unlock, approvals, _epoch, resume, is_open = raw
        if int(nonce) == 0:
            return None
        cid = None
        with _suppressed(), self.chain.mapped("reading the migration's request"):
            logs = event_indexer(self.chain).events(
                self.lifecycle,
                "MigrationRequested",
                from_block=self.from_block,
                argument_filters={"vmId": vm_id, "nonce": int(nonce)},
            )
            if logs:
                cid = str(logs[-1]["args"]["snapshotCid"])
        return MigrationInfo(
            nonce=int(nonce),
            target_region=bytes32_text(target),
            snapshot_hash=bytes(snap),
            requested_at=int(requested),
            unlock_at=int(unlock),
            approvals=int(approvals),
            threshold=self.approver_set()[1],
            open=bool(is_open),
            resume_state=VMState(resume),
            snapshot_cid=cid,
        )

    def get_vm(self, vm: str | int, *, owner: str | None = None) -> VMInfo:
        """The VM named ``vm`` (or with that id) with its latest migration request; :class:`VMNotFoundError` if none.
        A name is resolved as :meth:`vm_id` does (``owner``'s VM, else the signer's, else the only one of the name)."""
        vm_id = self.vm_id(vm, owner=owner)
        try:
            owner, state, cpu, mem, created, region = self.chain.call(self.lifecycle.functions.getVM(vm_id))
        except ContractCustomError as exc:
            if exc.error_name == "VMUnknown":
                raise VMNotFoundError(vm) from exc
            raise
        return VMInfo(
            name=vm if isinstance(vm, str) else hex(vm_id),
            vm_id=vm_id,
            owner=str(owner),
            state=VMState(state),
            region=bytes32_text(region),
            cpu=int(cpu),
            memory_mb=int(mem),
            created_at=int(created),
            migration=self._migration(vm_id),
        )

    def state_changes(self, vm: str | int, *, owner: str | None = None) -> list[VMEvent]:
        """The VM's state changes on chain (``VMStateChanged``), oldest first, with block time and transaction."""
        vm_id = self.vm_id(vm, owner=owner)
        with self.chain.mapped(f"reading the state changes of VM {vm!r}"):
            logs = event_indexer(self.chain).events(
                self.lifecycle, "VMStateChanged", from_block=self.from_block, argument_filters={"vmId": vm_id}
            )
            times: dict[int, int] = {}
            out = []
            for e in logs:
                number = int(e["blockNumber"])
                if number not in times:
                    times[number] = int(self.chain.w3.eth.get_block(number)["timestamp"])
                out.append(
                    VMEvent(
                        "state",
                        times[number],
                        number,
                        "0x" + bytes(e["transactionHash"]).hex(),
                        VMState(int(e["args"]["from"])),
                        VMState(int(e["args"]["to"])),
                    )
                )
        return out

    def vm_history(self, vm: str | int, *, owner: str | None = None, meter: UsageMeter | None = None) -> list[VMEvent]:
        """The VM's history: its state changes on chain and, with the ``meter`` that pays its usage, every metered
        interval (paid over the layer 2 with its L2 transaction hashes, batch and L1 transaction, or unpaid with the
        reason), in chain-time order."""
        events = self.state_changes(vm, owner=owner)
        if meter is not None:
            vm_id = self.vm_id(vm, owner=owner)
            for p in meter.payments(vm_id):
                events.append(VMEvent("payment", p.end, None, None, detail=p.to_dict()))
        return sorted(events, key=lambda e: (e.timestamp, e.kind != "state"))

    # -- SLAs -----------------------------------------------------------------------------------------------------

    def default_token(self) -> str:
        """The token SLAs use when their terms name none: the deployment's CPU resource token."""
        return str(self.tokens.token(Resource.CPU).address)

    def _fund(
        self, token: str, amount: int, sender: Signer | None, buy: bool, what: str, deadline: int | None = None
    ) -> None:
        """Make sure the sender holds ``amount`` of ``token`` (any ERC-20; resource tokens are bought on the curve
        if ``buy``) and has approved the SLAContract for it."""
        if amount == 0:
            return
        me, tokens = self._me(sender), self.tokens.with_sender(sender)
        held = tokens.balance(token)
        if held < amount:
            resource = tokens.resource_of(token)
            if not buy or resource is None:
                raise OrchestratorError(
                    f"{me} holds {held} base units of {token}, but the {what} is {amount}",
                    hint="acquire the tokens first" + ("" if resource is None else ", or pass --buy / buy=True"),
                )
            tokens.buy(resource, amount - held, deadline=deadline)
        tokens.approve(token, self.sla.address, amount)

    def create_sla_contract(
        self,
        terms: SLATerms,
        *,
        sender: Signer | None = None,
        customer: Signer | None = None,
        buy: bool = False,
        deadline: int | None = None,
    ) -> SLAInfo:
        """Propose an SLA from the provider (the sender), staking ``terms.stake`` (seed: ``CreateSLAContract``).

        With ``customer`` (the customer's signer) the SLA is also accepted and its fee deposited, so it is active on
        return. ``buy=True`` buys missing resource tokens on the curve for the stake and the fee (by ``deadline``, unix
        seconds; default: 20 minutes from now). Returns the SLA as recorded on chain.
        """
        if not isinstance(terms, SLATerms):
            raise OrchestratorValueError(f"create_sla_contract takes SLATerms, not {type(terms).__name__}")
        me = self._me(sender)
        provider, client = checksum(terms.provider, "provider"), checksum(terms.customer, "customer")
        if provider != me:
            raise OrchestratorValueError(
                f"the SLA's provider {provider} is not the sending account {me}: the provider proposes and stakes",
                hint="send from the provider's account (sender=..., or --account N on dev chains)",
            )
        if client == provider:
            raise OrchestratorValueError("the customer must be another account than the provider")
        if customer is not None and customer.address != client:
            raise OrchestratorValueError(f"the customer signer {customer.address} is not the SLA's customer {client}")
        for amount, what in ((terms.stake, "stake"), (terms.fee, "fee")):
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0 or amount >= 2**128:
                raise OrchestratorValueError(f"the {what} must be a whole number of base units, not {amount!r}")
        if terms.stake == 0:
            raise OrchestratorValueError("the stake must be positive: it is what penalties are paid from")
        if not 3600 <= terms.duration <= 3650 * 86400:
            raise OrchestratorValueError(f"the duration {terms.duration} s must be 1 hour to 10 years")
        if not 60 <= terms.interval <= terms.duration:
            raise OrchestratorValueError(
                f"the monitoring interval {terms.interval} s must be 1 minute to the duration ({terms.duration} s)"
            )
        if not 1 <= len(terms.guarantees) <= 16:
            raise OrchestratorValueError("an SLA has 1 to 16 guarantees")
        names = [g.name for g in terms.guarantees]
        if len(set(names)) != len(names):
            raise OrchestratorValueError(f"guarantee names repeat: {names}")
        chain_guarantees = [g.to_chain() for g in terms.guarantees]
        token = checksum(terms.token, "token") if terms.token else self.default_token()
        self._fund(token, terms.stake, sender, buy, "stake", deadline)
        receipt = self._send(
            self.sla.functions.createSLA(
                client, token, chain_guarantees, terms.stake, terms.fee, terms.duration, terms.interval
            ),
            sender,
        )
        sla_id = int(self._event(self.sla, "SLAProposed", receipt)["slaId"])
        if customer is not None:
            self.accept_sla(sla_id, sender=customer, buy=buy, deadline=deadline)
        return self.get_sla(sla_id)

    def _sla_call(self, name: str, sla_id: int, sender: Signer | None, *args: Any) -> Receipt:
        try:
            return self._send(getattr(self.sla.functions, name)(sla_id, *args), sender)
        except ContractCustomError as exc:
            if exc.error_name == "SLAUnknown":
                raise SLANotFoundError(sla_id) from exc
            raise

    def accept_sla(
        self, sla_id: int, *, sender: Signer | None = None, buy: bool = False, deadline: int | None = None
    ) -> Receipt:
        """Accept a proposed SLA and deposit its fee, from the customer's account: its term starts. ``buy=True`` buys
        the fee's missing resource tokens first (by ``deadline``, unix seconds; default: 20 minutes from now)."""
        sla = self.get_sla(sla_id)
        self._fund(sla.token, sla.fee if sla.status is SLAStatus.PROPOSED else 0, sender, buy, "fee", deadline)
        return self._sla_call("acceptSLA", sla_id, sender)

    def cancel_sla(self, sla_id: int, *, sender: Signer | None = None) -> Receipt:
        """Withdraw a proposal the customer has not accepted; the stake goes back to the provider."""
        return self._sla_call("cancelSLA", sla_id, sender)

    def _key(self, sla_id: int, guarantee: str, actual: Decimal | float | int | str | None) -> tuple[bytes, int]:
        sla = self.get_sla(sla_id)
        sla.guarantee(guarantee)  # a clear error for an unknown name
        from ._types import to_milli

        return text_bytes32(guarantee, "guarantee name"), 0 if actual is None else to_milli(actual, "actual")

    def _period(self, sla_id: int, period: int | None) -> int:
        if period is not None:
            if isinstance(period, bool) or not isinstance(period, int) or period <= 0:
                raise OrchestratorValueError(f"period {period!r} must be unix seconds (the monitoring window's end)")
            return period
        sla = self.get_sla(sla_id)
        now = self.chain.timestamp()
        if not sla.starts_at:
            return now  # not active: the contract says so (SLAWrongStatus)
        windows = (min(now, sla.expires_at) - sla.starts_at) // sla.interval
        if windows <= 0:
            raise OrchestratorValueError(
                f"no monitoring window of SLA {sla_id} has ended yet (it started at {sla.starts_at}, windows are "
                f"{sla.interval} s, now is {now})",
                hint="report after the first window has passed, or give the period explicitly",
            )
        return sla.starts_at + windows * sla.interval

    def report_digest(self, report: ViolationReport) -> bytes:
        """The EIP-712 digest oracles sign for ``report`` on this SLAContract."""
        return report_digest(report, contract=self.sla.address, chain_id=self.chain.chain_id)

    def sign_report(self, report: ViolationReport, oracles: Sequence[SLAOracle]) -> list[bytes]:
        """Signatures of ``report`` by ``oracles``, ordered as the contract requires."""
        return SLAOracle.quorum(oracles, report, contract=self.sla.address, chain_id=self.chain.chain_id)

    def report_violation(
        self,
        sla_id: int,
        guarantee: str,
        actual: Decimal | float | int | str,
        *,
        period: int | None = None,
        signatures: Sequence[bytes] | None = None,
        oracles: Sequence[SLAOracle] | None = None,
        sender: Signer | None = None,
    ) -> Receipt:
        """Report that ``guarantee`` of SLA ``sla_id`` measured ``actual`` over the window ending at ``period``
        (default: now).

        With oracle ``signatures`` (or ``oracles`` to sign with here) the report is an oracle-quorum report, relayed
        by the sender: a violation pays the penalty at once, a compliant value settles the period. Without, it is
        the customer's own claim (seed: ``reportViolation``; sent from the customer's account): it pays out if
        oracles confirm it or the provider does not dispute it within the dispute window (:meth:`finalize_claim`).
        """
        if signatures is not None and oracles is not None:
            raise OrchestratorValueError("give signatures or oracles, not both")
        name, milli = self._key(sla_id, guarantee, actual)
        when = self._period(sla_id, period)
        if signatures is None and oracles is None:
            return self._sla_call("reportViolation", sla_id, sender, name, milli, when)
        report = ViolationReport(sla_id, guarantee, from_milli(milli), when)
        digest = self.report_digest(report)
        sigs = self.sign_report(report, oracles) if oracles is not None else sort_by_signer(digest, signatures or ())
        return self.chain.transact(self.sla.functions.submitReport(report.struct(), sigs), sender=sender)

    def dispute_claim(self, sla_id: int, guarantee: str, period: int, *, sender: Signer | None = None) -> Receipt:
        """Dispute a customer claim within its window, from the provider's account. Oracles then have one more
        dispute window to decide it; if they do not, it can be finalized and the customer is paid."""
        name, _ = self._key(sla_id, guarantee, None)
        return self._sla_call("disputeClaim", sla_id, sender, name, self._period(sla_id, period))

    def finalize_claim(self, sla_id: int, guarantee: str, period: int, *, sender: Signer | None = None) -> Receipt:
        """Pay a customer claim whose deadline passed undecided (anyone may): an undisputed one after its dispute
        window, a disputed one after the oracles' decision deadline."""
        name, _ = self._key(sla_id, guarantee, None)
        return self._sla_call("finalizeClaim", sla_id, sender, name, self._period(sla_id, period))

    def settle_sla(self, sla_id: int, *, sender: Signer | None = None) -> Receipt:
        """Settle after expiry plus the dispute window, once every claim is decided (paid or rejected): the provider
        receives the fee and the rest of the stake."""
        return self._sla_call("settle", sla_id, sender)

    def get_sla(self, sla_id: int) -> SLAInfo:
        """The SLA ``sla_id`` with its guarantees; :class:`SLANotFoundError` if none."""
        if isinstance(sla_id, bool) or not isinstance(sla_id, int) or sla_id <= 0:
            raise OrchestratorValueError(f"an SLA id is a positive whole number, not {sla_id!r}")
        try:
            raw = self.chain.call(self.sla.functions.getSLA(sla_id))
            guarantees = self.chain.call(self.sla.functions.guaranteesOf(sla_id))
        except ContractCustomError as exc:
            if exc.error_name == "SLAUnknown":
                raise SLANotFoundError(sla_id) from exc
            raise
        provider, customer, token, status, stake, paid, fee, duration, interval, starts, expires, window, claims = raw
        return SLAInfo(
            sla_id=sla_id,
            provider=str(provider),
            customer=str(customer),
            token=str(token),
            status=SLAStatus(status),
            stake=int(stake),
            penalties_paid=int(paid),
            fee=int(fee),
            duration=int(duration),
            interval=int(interval),
            starts_at=int(starts),
            expires_at=int(expires),
            dispute_window=int(window),
            open_claims=int(claims),
            guarantees=tuple(
                Guarantee(bytes32_text(n), from_milli(int(t)), int(p), bool(u)) for n, t, p, u in guarantees
            ),
        )

    def get_outcome(self, sla_id: int, guarantee: str, period: int) -> tuple[ClaimOutcome, Decimal, int]:
        """The state of one (SLA, guarantee, period): outcome, the value claimed or judged, the dispute deadline."""
        outcome, actual, deadline = self.chain.call(
            self.sla.functions.outcomeOf(sla_id, text_bytes32(guarantee, "guarantee name"), period)
        )
        return ClaimOutcome(outcome), from_milli(int(actual)), int(deadline)

    def oracle_set(self) -> tuple[list[str], int]:
        """The registered monitoring oracles and the quorum a report needs."""
        oracles, quorum = self.chain.call(self.sla.functions.oracleSet())
        return [str(o) for o in oracles], int(quorum)

    @staticmethod
    def snapshot_hash(cid: str) -> bytes:
        """keccak256 of a snapshot CID, as the migration request records it."""
        return keccak(cid.encode())


@contextmanager
def _suppressed() -> Iterator[None]:
    """Event scans are a convenience (the CID is also in the request's hash): a node that cannot serve them
    (pruned history) leaves the CID unknown instead of failing the read."""
    with suppress(NovaChainError):
        yield
