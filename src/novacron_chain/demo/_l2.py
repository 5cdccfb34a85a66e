"""The layer 2's scene: a VM runs for three simulated hours and pays its provider every minute in resource tokens
over the rollup; the payments are batched, their roots posted to L1, and the provider's earnings leave the rollup
with a withdrawal proof."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..chain import Signer
    from ..l2 import L2Manager, Sequencer
    from ._context import DemoContext

__all__ = ["l2_payments"]

_OWNER, _PROVIDER, _SEQUENCER = 7, 8, 9  # dev accounts: the VM's owner, its provider, the sequencer's key
_HOURS = 3
_TICK = 15 * 60  # the meter pays what is due every 15 simulated minutes (one-minute intervals)


def _wait(what: str, predicate: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            from ..l2 import L2Error

            raise L2Error(f"the demo's sequencer did not {what} within {timeout:.0f} s")
        time.sleep(0.02)


def _settled(l2: L2Manager, sequencer: Sequencer) -> None:
    """Cut the open batch and wait until every batch is posted to L1."""
    sequencer.loop.call_soon_threadsafe(sequencer.flush_batch)

    def done() -> bool:
        s = l2.status()["sequencer"]
        latest = s.get("latest_batch") or {}
        return bool(s.get("pending_ops") == 0 and latest.get("status") in (None, "posted", "final"))

    _wait("post its batches to L1", done)


def l2_payments(d: DemoContext) -> None:
    """The rollup is deployed and its sequencer started in this process (HTTP on loopback, batches posted to the
    embedded chain); the owner deposits CPU/MEM/STO/NET to L2, funds a metering key (its allowance), and the meter
    pays each minute of the VM's three hours to the provider; the provider withdraws with a Merkle proof."""
    from eth_utils import keccak

    from ..l2 import L2Manager, RollupL1, Sequencer, SequencerServer
    from ..l2 import deploy_steps as l2_steps
    from ..tokens import Resource

    nova = d.nova
    chain = nova.chain
    whole = 10**18
    owner, provider, poster = (chain.dev_signer(i) for i in (_OWNER, _PROVIDER, _SEQUENCER))
    deployer = chain.signer

    # the rollup, with dev account 9 as its proposer (a node's key sends only through the node)
    bc = nova.config.blockchain
    nova.deploy(steps=l2_steps(bc))
    rollup, portal = nova.contract("L2Rollup"), nova.contract("L2Portal")
    chain.transact(rollup.functions.grantRole(keccak(b"PROPOSER_ROLE"), poster.address))
    if not any(int(a, 16) for a in chain.call(portal.functions.tokens())):
        # deployed alone after the token set, the portal's setup saw no token addresses: register them here, in
        # the token-id order of a full deployment (CPU=0, MEM=1, STO=2, NET=3, NOVA=4)
        for name in ("CPUToken", "MEMToken", "STOToken", "NETToken", "NovaToken"):
            if nova.deployments.get(chain.chain_id, name) is not None:
                chain.transact(portal.functions.registerToken(nova.contract(name).address))
    record = nova.deployments.get(chain.chain_id, "L2Portal")
    l1 = RollupL1(chain, rollup, portal, from_block=record.block if record else 0)

    # the owner's L1 tokens: CPU and MEM from the provider's inventory (no new supply), STO and NET bought
    tm = nova.tokens
    for resource, amount in ((Resource.CPU, 40 * whole), (Resource.MEM, 40 * whole)):
        chain.transact(tm.token(resource).functions.transfer(owner.address, amount), sender=deployer)
    for resource in (Resource.STO, Resource.NET):
        tm.with_sender(owner).buy(resource, 20 * whole)

    with tempfile.TemporaryDirectory(prefix="novacron-demo-l2-") as tmp:
        sequencer = Sequencer(
            l1, poster, Path(tmp), batch_interval=0.3, workers=0, bond=bc.l2_sequencer_bond, poll_interval=0.05
        ).start()
        server = SequencerServer(sequencer, "127.0.0.1", 0).start()
        try:
            l2 = L2Manager(
                bc.model_copy(update={"use_layer2": True, "l2_rpc_endpoint": server.url}),
                chain,
                rollup=rollup,
                portal=portal,
                token_addresses={n: str(nova.contract(f"{n}Token").address) for n in ("CPU", "MEM", "STO", "NET")},
                from_block=record.block if record else 0,
            )
            try:
                _play(d, l2, sequencer, owner, provider)
            finally:
                l2.close()
        finally:
            server.stop()
            sequencer.stop()
            sequencer.loop.close()  # Sequencer.stop leaves its event loop open (asked in notes/l2-requests.md)


def _play(d: DemoContext, l2: L2Manager, sequencer: Sequencer, owner: Signer, provider: Signer) -> None:
    from rich.table import Table

    from ..l2._codec import round_amount_down
    from ..orchestrator import (
        METER_TOKENS,
        PriceSchedule,
        UnpaidUsageError,
        UsageMeter,
        UsageSpec,
        VMLifecycleOperation,
    )
    from ..tokens import format_units

    nova, console = d.nova, d.console
    chain, co = nova.chain, nova.orchestrator
    whole = 10**18

    # deposits: locked in the portal on L1, credited on L2 once the sequencer includes them
    deposits = {"CPU": 20 * whole, "MEM": 20 * whole, "STO": 10 * whole, "NET": 10 * whole}
    for name, amount in deposits.items():
        l2.deposit(name, amount, signer=owner)

    def credited() -> bool:
        acct = l2.account(owner.address)
        return acct is not None and all(int(acct["balances"][l2.token_id(n)]) == a for n, a in deposits.items())

    _wait("credit the deposits", credited)
    console.print(
        f"  owner {owner.address[:10]}… deposited 20 CPU, 20 MEM, 10 STO, 10 NET into the L2 portal on L1; "
        "credited on L2 by the sequencer"
    )

    prices = PriceSchedule(
        cpu_per_vcpu_minute=10**15,  # 0.001 CPU per vCPU-minute
        mem_per_gib_minute=5 * 10**14,  # 0.0005 MEM per GiB-minute
        sto_per_gib_minute=10**12,  # 0.000001 STO per GiB-minute
        net_per_gib=2 * 10**16,  # 0.02 NET per GiB
    )
    spec = UsageSpec(storage_gib=100, network_mb_per_hour=2048)
    meter = UsageMeter(co, l2, prices, path=":memory:", interval=60)
    # the allowance: a metering key the owner funds on L2 with a capped balance; the meter signs with it
    cap = {"CPU": 2 * whole, "MEM": 2 * whole, "STO": whole // 10, "NET": whole // 10}
    key = meter.fund_metering_key(owner, cap)
    co.create_vm(VMLifecycleOperation("vm-l2-pay", "us-east-1", 2, 4096), sender=owner, reserve=True)
    co.start_vm("vm-l2-pay", sender=owner)
    co.confirm_running("vm-l2-pay")
    vm_id = meter.watch("vm-l2-pay", owner=owner.address, payer=key, provider=provider.address, spec=spec)
    console.print(
        f"  vm-l2-pay (2 vCPU, 4 GiB, 100 GiB disk, ~2 GiB/h network) running; metering key {key.address[:10]}… "
        "funded on L2 with an allowance of 2 CPU, 2 MEM, 0.1 STO, 0.1 NET"
    )

    started = time.perf_counter()
    ticks = 0
    shortfall = None
    for _ in range(_HOURS * 3600 // _TICK):
        chain.advance(_TICK)
        ticks += 1
        try:
            meter.pay(vm_id)
        except UnpaidUsageError as exc:  # the allowance ran out: the intervals wait, unpaid, in the meter
            shortfall = (exc, len(meter.summary(vm_id).unpaid_intervals))
            meter.fund_metering_key(owner, {"NET": whole // 10}, key=key)  # the owner tops the allowance up
        _settled(l2, sequencer)  # the batch is on L1 before time moves on (one writer of the embedded chain)
    pay_s = time.perf_counter() - started
    first = meter.usage(vm_id)[0].interval
    if shortfall is not None:
        refused, unpaid = shortfall
        console.print(
            f"  after {refused.intervals[0] - first} minutes the NET allowance ran out: "
            f"[yellow]{refused.message.split(': ', 1)[1]}[/]; {unpaid} intervals unpaid until the owner topped the "
            "key up with 0.1 NET; paid at the next run"
        )
    chain.advance(30)
    co.stop_vm("vm-l2-pay", sender=owner)
    chain.advance(60)
    meter.pay(vm_id)
    _settled(l2, sequencer)
    meter.refresh(vm_id)
    payments = meter.payments(vm_id)
    usage = meter.usage(vm_id)
    summary = meter.summary(vm_id)
    transfers = sum(len(p.transfers) for p in payments)
    assert [p.interval for p in payments] == [u.interval for u in usage]

    table = Table(title=f"vm-l2-pay: {len(payments)} one-minute intervals paid over L2 ({transfers} signed transfers)")
    for col in ("min", "sec", "CPU", "MEM", "STO", "NET", "batch", "L2 tx"):
        table.add_column(col, justify="left" if col == "L2 tx" else "right", no_wrap=True)
    shown = [*payments[:3], *payments[-2:]] if len(payments) > 5 else payments
    for p in shown:
        table.add_row(
            str(p.interval - first),
            str(p.seconds),
            *(f"{c / whole:.6f}" for c in p.charges),
            str(p.batch),
            p.tx_hashes[0][:10] + "…",
        )
    console.print(table)
    paid = dict(zip(METER_TOKENS, summary.paid, strict=True))
    provider_l2 = l2.account(provider.address)
    assert provider_l2 is not None
    earned = {n: int(provider_l2["balances"][l2.token_id(n)]) for n in METER_TOKENS}
    exact = all(earned[n] == paid[n] == sum(u.charges[i] for u in usage) for i, n in enumerate(METER_TOKENS))
    console.print(
        f"  {_HOURS} h 0.5 min of chain time (no sleeping) paid in {ticks + 1} meter runs ({pay_s:.1f} s); "
        f"metered = paid = received on L2: {'[green]exact[/]' if exact else '[red]MISMATCH[/]'} "
        f"({', '.join(f'{format_units(paid[n])} {n}' for n in METER_TOKENS)}); unpaid intervals: "
        f"{len(summary.unpaid_intervals)}"
    )

    rollup = nova.contract("L2Rollup")
    count = int(chain.call(rollup.functions.batchCount()))
    batches = sorted({p.batch for p in payments if p.batch is not None})
    last = batches[-1]
    root = bytes(chain.call(rollup.functions.stateRoot(last))).hex()
    info = [b for b in sequencer.batches() if b["index"] in batches]
    gas = sum(int(b["gas_used"] or 0) for b in info)
    ops = sum(b["ops"][1] - b["ops"][0] for b in info)
    console.print(
        f"  settled to L1 in {len(batches)} batches (of {count} posted): batch {last} root 0x{root[:16]}… on L1; "
        f"{gas:,} L1 gas for {ops:,} L2 ops = {gas // max(1, ops):,} gas per payment (an L1 ERC-20 transfer: ~35,000)"
    )

    history = co.vm_history("vm-l2-pay", owner=owner.address, meter=meter)
    states = " -> ".join(e.to_state.name for e in history if e.kind == "state" and e.to_state is not None)
    console.print(
        f"  vm-l2-pay's history: {states}, with {sum(e.kind == 'payment' for e in history)} payments "
        "(each with its L2 tx hashes, batch and L1 tx)"
    )

    # the provider takes its CPU earnings back to L1: withdrawal on L2, proof against the posted root, release
    amount = round_amount_down(earned["CPU"])  # L2 amounts are packed: the largest carriable amount
    cpu = nova.contract("CPUToken")
    before = int(chain.call(cpu.functions.balanceOf(provider.address)))
    sent = l2.withdraw("CPU", amount, signer=provider)
    receipt = l2.get_receipt(sent.tx_hash) or {}
    index = int(receipt.get("withdrawal_index", 0))
    _settled(l2, sequencer)
    proof, batch = l2.prove_withdrawal(index)
    try:
        l2.finalize_withdrawal(proof, batch, signer=provider)
        early = "[red]released before finality[/]"
    except Exception as exc:  # PortalNotFinal: the challenge period is running
        early = f"refused: [yellow]{getattr(exc, 'error_name', type(exc).__name__)}[/]"
    period = int(chain.call(rollup.functions.challengePeriod()))
    chain.advance(period + 1)
    released = l2.finalize_withdrawal(proof, batch, signer=provider)
    after = int(chain.call(cpu.functions.balanceOf(provider.address)))
    console.print(
        f"  provider withdraws {format_units(amount)} CPU: withdrawal {index} in batch {batch}, Merkle proof of "
        f"{len(proof.siblings)} siblings checks against the root on L1 ({proof.verify()}); releasing at once is "
        f"{early}; after the {period} s challenge period (time travel) released on L1 ({released.gas_used:,} gas): "
        f"+{format_units(after - before)} CPU"
    )
    d.report["l2"] = {
        "intervals_paid": len(payments),
        "transfers": transfers,
        "unpaid_intervals": len(summary.unpaid_intervals),
        "paid": {n: str(v) for n, v in paid.items()},
        "exact": exact,
        "batches": batches,
        "batch_root": "0x" + root,
        "l1_gas_per_payment": gas // max(1, ops),
        "withdrawal": {"index": index, "batch": batch, "amount": str(amount), "released": after - before == amount},
    }
