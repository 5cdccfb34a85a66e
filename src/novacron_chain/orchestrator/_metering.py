"""Usage metering: running VMs pay their provider per interval in resource tokens over the layer 2.

:class:`UsageMeter` reads each watched VM's running time from the chain (the ``VMStateChanged`` events of
``VMLifecycle`` with their block timestamps: a VM is billed while RUNNING, and while MIGRATING out of RUNNING), cuts
it into fixed intervals of chain time (interval ``k`` is ``[k * interval, (k + 1) * interval)`` in unix seconds),
prices every completed interval with a :class:`PriceSchedule` and pays it to the provider as L2 transfers of the
resource tokens (CPU, MEM, STO, NET; zero charges are not sent), signed as EIP-712 typed data (the rollup's codec)
and submitted to the sequencer through :class:`~novacron_chain.l2.L2Manager`. The transfers are in the batches the
sequencer posts to L1, so the payments settle to L1 with them; :meth:`UsageMeter.refresh` records each payment's
batch, L1 transaction and finality.

Usage of one interval of ``s`` running seconds, from the VM's spec (vCPUs and MB on chain, storage and nominal
network in :class:`UsageSpec`)::

    CPU = ceil(vcpus * s * cpu_per_vcpu_minute / 60)
    MEM = ceil(memory_mb * s * mem_per_gib_minute / (60 * 1024))
    STO = ceil(storage_gib * s * sto_per_gib_minute / 60)
    NET = ceil(network_mb_per_hour * s * net_per_gib / (3600 * 1024))

**Rounding favours the provider**: each charge is rounded up to a whole base unit, then up to the next amount the
rollup can carry (L2 amounts are packed as a 35-bit mantissa times a power of ten: any amount below 2**35 base units
is exact, above it the rounding adds less than 1 part in 3.4e9). The owner never pays less than the usage, and at
most one base unit plus that fraction more per charge.

**Who signs.** The payer is a :class:`~novacron_chain.chain.Signer` with an L2 account: the owner's own key, or a
*metering key* — a key the owner funds on L2 with a capped balance (:meth:`UsageMeter.fund_metering_key`, a plain
L2 transfer). The rollup has no allowance primitive; a funded key is a real on-L2 allowance without any contract
change: the metering service can never spend more than the balance the owner moved to it, the owner tops it up or
takes it back (a withdrawal signed by the key) whenever they like, and the owner's own key never leaves the owner.

**Exactly once.** A payment is keyed by ``(vm_id, interval)`` in the meter's ledger (SQLite, ``path``). The signed
transfers are written to the ledger *before* they are submitted; a meter that restarts (or lost the sequencer's
answer) looks each of them up at the sequencer and re-submits only the missing ones, byte for byte: the L2 nonce
makes a transfer apply at most once, the sequencer answers ``known`` for one it has. A transfer whose nonce was used by
something else is re-signed with a fresh nonce; an interval is never signed twice while a signature may still land.

**Unpaid intervals.** A payer without an L2 account or balance leaves the interval ``unpaid`` in the ledger with
the reason, and :meth:`UsageMeter.pay` raises :class:`UnpaidUsageError` (how much of which token is missing, and how
to deposit it); the next :meth:`~UsageMeter.pay` retries the unpaid intervals first, oldest first.

::

    meter = UsageMeter(nova.orchestrator, nova.l2, PriceSchedule(cpu_per_vcpu_minute=10**15, ...), path="meter.db")
    key = meter.fund_metering_key(owner, {"CPU": 10**18, "MEM": 10**18})   # optional: an allowance on L2
    meter.watch("vm-12345", owner=owner.address, payer=key, provider=provider.address, spec=UsageSpec(storage_gib=50))
    meter.pay("vm-12345")            # every completed interval not paid yet; or meter.tick() for every watched VM
    meter.refresh()                  # batch, L1 transaction, finality of each payment
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..chain import Signer, checksum
from ._errors import OrchestratorValueError, UnpaidUsageError
from ._types import VMState

if TYPE_CHECKING:
    from ..l2 import L2Manager
    from ._manager import ContractOrchestrator

__all__ = [
    "METER_TOKENS",
    "IntervalUsage",
    "MeterSummary",
    "PriceSchedule",
    "UnpaidUsageError",
    "UsageMeter",
    "UsagePayment",
    "UsageSpec",
    "round_up_packable",
]

#: the resource tokens usage is paid in, in the order of :attr:`IntervalUsage.charges`
METER_TOKENS = ("CPU", "MEM", "STO", "NET")
_MANTISSA = 1 << 35  # the rollup's packed amounts: 35-bit mantissa x 10**exponent (l2-spec "Ops")
_MAX_EXPONENT = 31
_U128 = 2**128 - 1


def round_up_packable(value: int) -> int:
    """The smallest amount the rollup can carry (35-bit mantissa x 10**e) that is not below ``value``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OrchestratorValueError(f"amount {value!r} must be a non-negative integer of base units")
    exponent = 0
    while -(-value // 10**exponent) >= _MANTISSA:
        exponent += 1
    if exponent > _MAX_EXPONENT:
        raise OrchestratorValueError(f"amount {value} is too large for an L2 transfer")
    unit: int = 10**exponent
    return -(-value // unit) * unit


def _amount(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U128:
        raise OrchestratorValueError(
            f"{what} must be a whole number of base units from 0 to 2**128 - 1, not {value!r}",
            hint="prices are integers of the token's base units (10**18 per whole token)",
        )
    return value


@dataclass(frozen=True)
class PriceSchedule:
    """What a provider charges, in base units of each resource token (10**18 per whole token): per vCPU-minute
    (CPU), per GiB-minute of memory (MEM), per GiB-minute of storage (STO) and per GiB of network traffic (NET)."""

    cpu_per_vcpu_minute: int = 0
    mem_per_gib_minute: int = 0
    sto_per_gib_minute: int = 0
    net_per_gib: int = 0

    def __post_init__(self) -> None:
        for name in ("cpu_per_vcpu_minute", "mem_per_gib_minute", "sto_per_gib_minute", "net_per_gib"):
            _amount(getattr(self, name), f"price {name}")

    @classmethod
    def from_mapping(cls, prices: Mapping[str, int]) -> PriceSchedule:
        """From a config-style mapping (``{"cpu_per_vcpu_minute": 10**15, ...}``); unknown keys are refused."""
        known = {"cpu_per_vcpu_minute", "mem_per_gib_minute", "sto_per_gib_minute", "net_per_gib"}
        unknown = sorted(set(prices) - known)
        if unknown:
            raise OrchestratorValueError(
                f"unknown price keys {unknown}", hint=f"use {', '.join(sorted(known))} (base units)"
            )
        return cls(**{k: int(v) for k, v in prices.items()})

    def to_dict(self) -> dict[str, str]:
        """JSON form (decimal strings)."""
        return {
            "cpu_per_vcpu_minute": str(self.cpu_per_vcpu_minute),
            "mem_per_gib_minute": str(self.mem_per_gib_minute),
            "sto_per_gib_minute": str(self.sto_per_gib_minute),
            "net_per_gib": str(self.net_per_gib),
        }


@dataclass(frozen=True)
class UsageSpec:
    """What the chain does not record about a VM: its storage (GiB) and nominal network traffic (MB per hour)."""

    storage_gib: int = 0
    network_mb_per_hour: int = 0

    def __post_init__(self) -> None:
        for name in ("storage_gib", "network_mb_per_hour"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**32:
                raise OrchestratorValueError(f"{name} must be a whole number from 0 to 2**32, not {value!r}")


@dataclass(frozen=True)
class IntervalUsage:
    """One metered interval of a VM: ``[start, end)`` in chain seconds, ``seconds`` of it running, the usage in
    unit-seconds and the charges per token (CPU, MEM, STO, NET) in base units."""

    vm_id: int
    interval: int
    start: int
    end: int
    seconds: int
    vcpu_seconds: int
    memory_mb_seconds: int
    storage_gib_seconds: int
    network_mb: Fraction  # exact: network_mb_per_hour * seconds / 3600
    charges: tuple[int, int, int, int]

    @property
    def total(self) -> int:
        """Sum of the charges (base units over the four tokens)."""
        return sum(self.charges)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "interval": self.interval,
            "start": self.start,
            "end": self.end,
            "seconds": self.seconds,
            "vcpu_seconds": self.vcpu_seconds,
            "memory_mb_seconds": self.memory_mb_seconds,
            "storage_gib_seconds": self.storage_gib_seconds,
            "charges": dict(zip(METER_TOKENS, (str(c) for c in self.charges), strict=True)),
        }


@dataclass(frozen=True)
class UsagePayment:
    """The ledger's record of one ``(vm, interval)``: the charges, ``status`` (``paid``, ``unpaid`` with its
    ``reason``, or ``signed``: submitted, outcome being checked), the L2 transfers (token, amount, nonce, tx hash) and
    where they settled (``settlement``: ``soft-confirmed``, ``posted``, ``final``; ``batch`` and ``l1_tx`` of the
    batch that carries the last of them)."""

    vm_id: int
    interval: int
    start: int
    end: int
    seconds: int
    charges: tuple[int, int, int, int]
    status: str
    reason: str | None
    payer: str
    provider: str
    transfers: tuple[dict[str, Any], ...] = field(default=())
    settlement: str | None = None
    batch: int | None = None
    l1_tx: str | None = None

    @property
    def tx_hashes(self) -> list[str]:
        """L2 transaction hashes of the transfers (EIP-712 digests)."""
        return [str(t["hash"]) for t in self.transfers]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "vm_id": hex(self.vm_id),
            "interval": self.interval,
            "start": self.start,
            "end": self.end,
            "seconds": self.seconds,
            "charges": dict(zip(METER_TOKENS, (str(c) for c in self.charges), strict=True)),
            "status": self.status,
            "reason": self.reason,
            "payer": self.payer,
            "provider": self.provider,
            "transfers": [
                {k: t[k] for k in ("token", "amount", "nonce", "hash", "state") if k in t} for t in self.transfers
            ],
            "settlement": self.settlement,
            "batch": self.batch,
            "l1_tx": self.l1_tx,
        }


@dataclass(frozen=True)
class MeterSummary:
    """A VM's meter: intervals paid and unpaid, what was paid and what is owed per token (CPU, MEM, STO, NET)."""

    vm_id: int
    paid_intervals: int
    unpaid_intervals: tuple[int, ...]
    paid: tuple[int, int, int, int]
    owed: tuple[int, int, int, int]
    last_metered: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "vm_id": hex(self.vm_id),
            "paid_intervals": self.paid_intervals,
            "unpaid_intervals": list(self.unpaid_intervals),
            "paid": dict(zip(METER_TOKENS, (str(c) for c in self.paid), strict=True)),
            "owed": dict(zip(METER_TOKENS, (str(c) for c in self.owed), strict=True)),
            "last_metered": self.last_metered,
        }


@dataclass
class _Watch:
    vm_id: int
    name: str
    payer: Signer
    provider: str
    spec: UsageSpec


_SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    vm_id TEXT NOT NULL, interval INTEGER NOT NULL, start INTEGER NOT NULL, end_ INTEGER NOT NULL,
    seconds INTEGER NOT NULL, charges TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, payer TEXT NOT NULL,
    provider TEXT NOT NULL, transfers TEXT NOT NULL DEFAULT '[]', settlement TEXT, batch INTEGER, l1_tx TEXT,
    PRIMARY KEY (vm_id, interval)
);
"""


class UsageMeter:
    """Meters the VMs it watches and pays their usage over the layer 2 (see the module docstring).

    ``orchestrator`` reads the VMs (spec and state changes) from the chain, ``l2`` is the rollup's manager (the
    sequencer's HTTP API), ``prices`` the provider's :class:`PriceSchedule`, ``path`` the ledger file (SQLite;
    ``":memory:"`` keeps it in memory: no exactly-once across restarts), ``interval`` the metering interval in
    seconds of chain time (default one minute), ``fee`` the L2 fee paid per transfer (same token).
    """

    def __init__(
        self,
        orchestrator: ContractOrchestrator,
        l2: L2Manager,
        prices: PriceSchedule,
        *,
        path: str | Path = ":memory:",
        interval: int = 60,
        fee: int = 0,
        max_per_submission: int = 1024,
    ) -> None:
        if not isinstance(prices, PriceSchedule):
            raise OrchestratorValueError(f"prices must be a PriceSchedule, not {type(prices).__name__}")
        if isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= 86400:
            raise OrchestratorValueError(f"the metering interval {interval!r} must be 1 to 86400 seconds")
        self.orchestrator = orchestrator
        self.chain = orchestrator.chain
        self.l2 = l2
        self.prices = prices
        self.interval = interval
        self.fee = _amount(fee, "fee")
        self.max_per_submission = max_per_submission
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._watches: dict[int, _Watch] = {}
        self._token_ids: tuple[int, ...] | None = None

    def close(self) -> None:
        """Close the ledger."""
        self._db.close()

    def __enter__(self) -> UsageMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what is metered ------------------------------------------------------------------------------------------

    def watch(
        self,
        vm: str | int,
        *,
        payer: Signer,
        provider: str,
        owner: str | None = None,
        spec: UsageSpec | None = None,
    ) -> int:
        """Meter ``vm`` (named as :meth:`ContractOrchestrator.vm_id` does; ``owner`` picks among same-named VMs),
        paid by ``payer`` (the owner's key or a metering key it funded on L2) to ``provider``. Watching again
        replaces the payer, provider and spec (after a restart: the ledger keeps what was paid). Returns the VM id."""
        if not isinstance(payer, Signer):
            raise OrchestratorValueError(f"the payer must be a Signer (a key), not {type(payer).__name__}")
        vm_id = self.orchestrator.vm_id(vm, owner=owner)
        info = self.orchestrator.get_vm(vm_id)  # VMNotFoundError when it does not exist
        name = vm if isinstance(vm, str) else info.name
        self._watches[vm_id] = _Watch(vm_id, name, payer, checksum(provider, "provider"), spec or UsageSpec())
        return vm_id

    def watched(self) -> list[int]:
        """Ids of the VMs being metered."""
        return list(self._watches)

    def _watch(self, vm: str | int) -> _Watch:
        found = self._watches.get(self._vm_id(vm))
        if found is None:
            raise OrchestratorValueError(f"VM {vm!r} is not metered", hint="start metering it with meter.watch(...)")
        return found

    def running_windows(self, vm: str | int) -> list[tuple[int, int | None]]:
        """``[start, end)`` chain-time windows in which the VM was billable (RUNNING, or MIGRATING out of RUNNING);
        ``end`` is None while it still is."""
        vm_id = self._vm_id(vm)
        windows: list[tuple[int, int | None]] = []
        start: int | None = None
        for ev in self.orchestrator.state_changes(vm_id):
            billable = ev.to_state is VMState.RUNNING or (
                ev.to_state is VMState.MIGRATING and ev.from_state is VMState.RUNNING
            )
            if billable and start is None:
                start = ev.timestamp
            elif not billable and start is not None:
                windows.append((start, ev.timestamp))
                start = None
        if start is not None:
            windows.append((start, None))
        return windows

    def usage(self, vm: str | int, *, until: int | None = None, since: int = 0) -> list[IntervalUsage]:
        """Every completed interval (ending at or before ``until``, default: the latest block's time; from interval
        ``since`` on) in which the VM ran, with its usage and charges."""
        w = self._watch(vm)
        info = self.orchestrator.get_vm(w.vm_id)
        now = self.chain.timestamp() if until is None else until
        windows = self.running_windows(w.vm_id)
        if not windows:
            return []
        step = self.interval
        first = max(windows[0][0] // step, since)
        last = now // step  # intervals < last are complete
        out = []
        for k in range(first, last):
            lo, hi = k * step, (k + 1) * step
            seconds = sum(max(0, min(hi, end if end is not None else now) - max(lo, begin)) for begin, end in windows)
            if seconds:
                out.append(self._priced(w, info.cpu, info.memory_mb, k, lo, hi, seconds))
        return out

    def _priced(self, w: _Watch, cpu: int, memory_mb: int, k: int, lo: int, hi: int, s: int) -> IntervalUsage:
        p = self.prices

        def ceil_div(num: int, den: int) -> int:
            return round_up_packable(-(-num // den))

        charges = (
            ceil_div(cpu * s * p.cpu_per_vcpu_minute, 60),
            ceil_div(memory_mb * s * p.mem_per_gib_minute, 60 * 1024),
            ceil_div(w.spec.storage_gib * s * p.sto_per_gib_minute, 60),
            ceil_div(w.spec.network_mb_per_hour * s * p.net_per_gib, 3600 * 1024),
        )
        net = Fraction(w.spec.network_mb_per_hour * s, 3600)
        return IntervalUsage(
            w.vm_id,
            k,
            lo,
            hi,
            s,
            cpu * s,
            memory_mb * s,
            w.spec.storage_gib * s,
            net,
            charges,
        )

    # -- the ledger -----------------------------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _row(r: tuple[Any, ...]) -> UsagePayment:
        vm_id, k, start, end, seconds, charges, status, reason, payer, provider, transfers, settle, batch, l1 = r
        return UsagePayment(
            vm_id=int(vm_id, 16),
            interval=int(k),
            start=int(start),
            end=int(end),
            seconds=int(seconds),
            charges=tuple(int(c) for c in json.loads(charges)),  # type: ignore[arg-type]
            status=str(status),
            reason=reason,
            payer=str(payer),
            provider=str(provider),
            transfers=tuple(json.loads(transfers)),
            settlement=settle,
            batch=batch,
            l1_tx=l1,
        )

    def payments(self, vm: str | int | None = None, *, status: str | None = None) -> list[UsagePayment]:
        """The ledger's records (of ``vm``, of one ``status``), by VM and interval."""
        sql, args = "SELECT * FROM payments", []
        where = []
        if vm is not None:
            where.append("vm_id = ?")
            args.append(hex(self._vm_id(vm)))
        if status is not None:
            where.append("status = ?")
            args.append(status)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY vm_id, interval", args).fetchall()
        return [self._row(r) for r in rows]

    def _vm_id(self, vm: str | int) -> int:
        if isinstance(vm, int):
            return vm
        for w in self._watches.values():
            if w.name == vm:
                return w.vm_id
        return self.orchestrator.vm_id(vm)

    def summary(self, vm: str | int) -> MeterSummary:
        """The VM's meter: paid and unpaid intervals, totals paid and owed per token."""
        rows = self.payments(vm)
        paid = [r for r in rows if r.status == "paid"]
        unpaid = [r for r in rows if r.status != "paid"]

        def total(rs: list[UsagePayment]) -> tuple[int, int, int, int]:
            return tuple(sum(r.charges[i] for r in rs) for i in range(4))  # type: ignore[return-value]

        return MeterSummary(
            self._vm_id(vm),
            len(paid),
            tuple(r.interval for r in unpaid),
            total(paid),
            total(unpaid),
            max((r.end for r in rows), default=None),
        )

    def _store(self, db: sqlite3.Connection, u: IntervalUsage | UsagePayment, w: _Watch, status: str,
               reason: str | None, transfers: list[dict[str, Any]]) -> None:  # fmt: skip
        db.execute(
            "INSERT INTO payments (vm_id, interval, start, end_, seconds, charges, status, reason, payer, provider,"
            " transfers) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (vm_id, interval) DO UPDATE SET"
            " status = excluded.status, reason = excluded.reason, payer = excluded.payer,"
            " provider = excluded.provider, transfers = excluded.transfers",
            (
                hex(u.vm_id),
                u.interval,
                u.start,
                u.end,
                u.seconds,
                json.dumps([str(c) for c in u.charges]),
                status,
                reason,
                w.payer.address,
                w.provider,
                json.dumps(transfers),
            ),
        )

    # -- paying ---------------------------------------------------------------------------------------------------

    def _tokens(self) -> tuple[int, ...]:
        if self._token_ids is None:
            self._token_ids = tuple(self.l2.token_id(name) for name in METER_TOKENS)
        return self._token_ids

    def tick(self) -> dict[int, UnpaidUsageError | None]:
        """:meth:`pay` every watched VM; per VM id the error that left intervals unpaid (None: all paid)."""
        out: dict[int, UnpaidUsageError | None] = {}
        for vm_id in list(self._watches):
            try:
                self.pay(vm_id)
                out[vm_id] = None
            except UnpaidUsageError as exc:
                out[vm_id] = exc
        return out

    def pay(self, vm: str | int, *, until: int | None = None) -> list[UsagePayment]:
        """Pay every completed interval of ``vm`` not paid yet (unpaid ones first, oldest first); returns the
        payments made now. :class:`UnpaidUsageError` when the payer cannot pay some (they stay ``unpaid``)."""
        w = self._watch(vm)
        with self._lock:
            self._resolve(w)
            done = {
                int(k)
                for (k,) in self._db.execute(
                    "SELECT interval FROM payments WHERE vm_id = ? AND status IN ('paid', 'signed')", (hex(w.vm_id),)
                )
            }
            unpaid = self._db.execute(
                "SELECT MIN(interval) FROM payments WHERE vm_id = ? AND status = 'unpaid'", (hex(w.vm_id),)
            ).fetchone()[0]
            since = min(unpaid if unpaid is not None else max(done, default=-1) + 1, max(done, default=-1) + 1)
            due = [u for u in self.usage(w.vm_id, until=until, since=since) if u.interval not in done]
            if not due:
                return []
            return self._pay(w, due)

    def _pay(self, w: _Watch, due: list[IntervalUsage]) -> list[UsagePayment]:
        tokens = self._tokens()
        earlier = {p.interval: p for p in self.payments(w.vm_id, status="unpaid")}
        payer = self.l2.account(w.payer.address)
        if payer is None:
            self._mark_unpaid(w, due, "the payer has no L2 account", earlier)
            raise UnpaidUsageError(
                w.name,
                [u.interval for u in due],
                f"the payer {w.payer.address} has no account on the L2",
                hint="deposit resource tokens to it on L2 (`novacron-chain l2 deposit`, L2Manager.deposit) or fund a "
                "metering key (UsageMeter.fund_metering_key); the meter pays the unpaid intervals on its next run",
            )
        balances = [int(payer["balances"][t]) for t in tokens]
        nonce, index = int(payer["nonce"]), int(payer["index"])
        payable: list[IntervalUsage] = []
        short: list[IntervalUsage] = []
        for u in due:
            need = [c + self.fee if c else 0 for c in self._remaining(u, earlier)]
            if not short and all(b >= n for b, n in zip(balances, need, strict=True)):
                balances = [b - n for b, n in zip(balances, need, strict=True)]
                payable.append(u)
            else:
                short.append(u)
        made = self._sign_and_submit(w, payable, index, nonce, earlier) if payable else []
        if short:
            self._mark_unpaid(w, short, "insufficient balance", earlier)
            missing = []
            for i, name in enumerate(METER_TOKENS):
                lacking = sum(c + self.fee if c else 0 for c in (self._remaining(u, earlier)[i] for u in short))
                if lacking > balances[i]:
                    missing.append(f"{lacking - balances[i]} {name}")
            raise UnpaidUsageError(
                w.name,
                [u.interval for u in short],
                f"the payer {w.payer.address} lacks {', '.join(missing)} (base units) on the L2",
                hint="deposit that much to the payer's L2 account (L2Manager.deposit / `novacron-chain l2 deposit`) "
                "or top up the metering key; the meter pays the unpaid intervals on its next run",
            )
        return made

    @staticmethod
    def _kept(u: IntervalUsage, earlier: Mapping[int, UsagePayment]) -> list[dict[str, Any]]:
        """Transfers of an earlier, partly paid attempt at this interval that the L2 has (never paid again)."""
        row = earlier.get(u.interval)
        return [dict(t) for t in row.transfers if t.get("state") == "paid"] if row is not None else []

    def _remaining(self, u: IntervalUsage, earlier: Mapping[int, UsagePayment]) -> tuple[int, ...]:
        paid = {t["token"] for t in self._kept(u, earlier)}
        return tuple(0 if METER_TOKENS[i] in paid else c for i, c in enumerate(u.charges))

    def _mark_unpaid(
        self, w: _Watch, us: Sequence[IntervalUsage], reason: str, earlier: Mapping[int, UsagePayment]
    ) -> None:
        with self._tx() as db:
            for u in us:
                self._store(db, u, w, "unpaid", reason, self._kept(u, earlier))

    def _provider_index(self, w: _Watch) -> int | None:
        acct = self.l2.account(w.provider)
        return int(acct["index"]) if acct is not None else None

    def _sign_and_submit(
        self, w: _Watch, payable: list[IntervalUsage], index: int, nonce: int, earlier: Mapping[int, UsagePayment]
    ) -> list[UsagePayment]:
        from ..l2._codec import encode_op, op_digest, sign_transfer
        from ..l2._pool import wire_bytes

        domain, l1_tokens, tokens = self.l2.domain(), self.l2.tokens(), self._tokens()
        to_address = bytes.fromhex(w.provider[2:])
        to = self._provider_index(w)
        key = w.payer.private_key
        done: list[tuple[IntervalUsage, list[dict[str, Any]]]] = []
        pending: list[tuple[IntervalUsage, list[dict[str, Any]]]] = []
        for u in payable:
            transfers = self._kept(u, earlier)
            for i, amount in enumerate(self._remaining(u, earlier)):
                if amount == 0:
                    continue
                op = sign_transfer(
                    key,
                    domain,
                    l1_tokens,
                    account=index,
                    to=to,
                    to_address=to_address,
                    token=tokens[i],
                    amount=amount,
                    fee=self.fee,
                    nonce=nonce,
                )
                wire = wire_bytes(encode_op(op), nonce, to_address if to is not None else None)
                transfers.append(
                    {
                        "token": METER_TOKENS[i],
                        "amount": str(amount),
                        "nonce": nonce,
                        "hash": "0x" + op_digest(op, domain, l1_tokens).hex(),
                        "wire": wire.hex(),
                        "state": "signed",
                    }
                )
                nonce += 1
                if to is None:  # this transfer creates the provider's L2 account: send it first, learn the index
                    self._submit_signed(w, [*pending, (u, transfers)])
                    to = self._provider_index(w)
            pending.append((u, transfers))
            if sum(len(ts) for _, ts in pending) >= self.max_per_submission:
                self._submit_signed(w, pending)
                done += pending
                pending = []
        if pending:
            self._submit_signed(w, pending)
            done += pending
        with self._tx() as db:
            for u, transfers in done:
                ok = all(t["state"] == "paid" for t in transfers)
                self._store(db, u, w, "paid" if ok else "signed", None, transfers)
        wanted = {u.interval for u, _ in done}
        return [p for p in self.payments(w.vm_id) if p.interval in wanted]

    def _submit_signed(self, w: _Watch, batch: list[tuple[IntervalUsage, list[dict[str, Any]]]]) -> None:
        """Write-ahead (status ``signed``, the signed bytes in the ledger), then submit the transfers the sequencer
        has not confirmed yet, in one request."""
        from ..l2 import InvalidTransactionError

        with self._tx() as db:
            for u, transfers in batch:
                self._store(db, u, w, "signed", None, transfers)
        todo = [t for _, ts in batch for t in ts if t["state"] == "signed"]
        if not todo:
            return
        try:
            confirmations = self.l2.submit_wire(b"".join(bytes.fromhex(t["wire"]) for t in todo))
        except InvalidTransactionError:
            self._settle_refused(w, batch)
            raise
        confirmed = {c.tx_hash for c in confirmations}
        for t in todo:
            if t["hash"] in confirmed:
                t["state"] = "paid"

    def _settle_refused(self, w: _Watch, batch: list[tuple[IntervalUsage, list[dict[str, Any]]]]) -> None:
        """After a refusal: keep what the sequencer has, mark the rest unpaid (their signatures are dropped: their
        nonces were not used, a new signature replaces them)."""
        with self._tx() as db:
            for u, transfers in batch:
                for t in transfers:
                    if t["state"] == "signed":
                        r = self.l2.get_receipt(t["hash"])
                        t["state"] = "paid" if r is not None and r.get("status") != "dropped" else "void"
                kept = [t for t in transfers if t["state"] == "paid"]
                if len(kept) == len(transfers):
                    self._store(db, u, w, "paid", None, kept)
                else:
                    self._store(db, u, w, "unpaid", "refused by the sequencer", kept)

    def _resolve(self, w: _Watch) -> None:
        """Finish what a crash (or a lost answer) left ``signed``: transfers the sequencer has count as paid, the
        others are re-submitted byte for byte (their nonce lets them apply at most once); one the sequencer refuses
        now (its nonce was used meanwhile) is void, and the interval is re-signed for what is left."""
        from ..l2 import InvalidTransactionError

        for row in self.payments(w.vm_id, status="signed"):
            transfers = [dict(t) for t in row.transfers]
            for t in transfers:
                if t["state"] == "signed":
                    r = self.l2.get_receipt(t["hash"])
                    if r is not None and r.get("status") != "dropped":
                        t["state"] = "paid"
            missing = [t for t in transfers if t["state"] == "signed"]
            if missing:
                try:
                    answers = self.l2.submit_wire(b"".join(bytes.fromhex(t["wire"]) for t in missing))
                    confirmed = {c.tx_hash for c in answers}
                except InvalidTransactionError:
                    confirmed = set()
                for t in missing:
                    if t["hash"] in confirmed:
                        t["state"] = "paid"
                    else:
                        r = self.l2.get_receipt(t["hash"])
                        t["state"] = "paid" if r is not None and r.get("status") != "dropped" else "void"
            kept = [t for t in transfers if t["state"] == "paid"]
            paid_tokens = {t["token"] for t in kept}
            complete = all(c == 0 or METER_TOKENS[i] in paid_tokens for i, c in enumerate(row.charges))
            with self._tx() as db:
                if complete:
                    self._store(db, row, w, "paid", None, kept)
                else:
                    self._store(db, row, w, "unpaid", "not applied before a restart: re-signed", kept)

    # -- settlement -----------------------------------------------------------------------------------------------

    def refresh(self, vm: str | int | None = None) -> list[UsagePayment]:
        """Ask the sequencer where every paid transfer is (``soft-confirmed``, ``posted`` in batch N by L1
        transaction T, ``final``) and record it; returns the refreshed payments."""
        rows = [r for r in self.payments(vm, status="paid") if r.settlement != "final"]
        order = {"soft-confirmed": 0, "posted": 1, "final": 2}
        for row in rows:
            worst: tuple[int, str, int | None, str | None] | None = None
            for t in row.transfers:
                r = self.l2.get_receipt(str(t["hash"]))
                if r is None:
                    continue
                status = str(r.get("status"))
                rank = order.get(status, -1)
                if worst is None or rank < worst[0] or (rank == worst[0] and (r.get("batch") or 0) > (worst[2] or 0)):
                    worst = (rank, status, r.get("batch"), r.get("l1_tx"))
            if worst is not None:
                with self._tx() as db:
                    db.execute(
                        "UPDATE payments SET settlement = ?, batch = ?, l1_tx = ? WHERE vm_id = ? AND interval = ?",
                        (worst[1], worst[2], worst[3], hex(row.vm_id), row.interval),
                    )
        return self.payments(vm, status="paid")

    # -- the allowance ----------------------------------------------------------------------------------------------

    def fund_metering_key(self, owner: Signer, amounts: Mapping[str, int], *, key: Signer | None = None) -> Signer:
        """Give the meter a spending allowance on L2: move ``amounts`` (token name -> base units, e.g.
        ``{"CPU": 10**18}``) from ``owner``'s L2 account to ``key`` (default: a new random key), which the meter then
        pays with (``watch(..., payer=key)``). The allowance is the key's balance: it can never pay out more; top it
        up by funding again, take it back with a withdrawal or transfer signed by the key."""
        import secrets

        from ..errors import NovaValueError

        if key is None:
            key = Signer(secrets.token_bytes(32), label="metering key")
        for name, amount in amounts.items():
            if name.upper() not in METER_TOKENS:
                raise NovaValueError(f"unknown resource token {name!r}", hint=f"use {', '.join(METER_TOKENS)}")
            if _amount(amount, f"{name} allowance"):
                self.l2.transfer(key.address, name.upper(), amount, self.fee, signer=owner)
        return key
