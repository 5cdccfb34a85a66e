"""The contract orchestrator's scene: a VM paid by a staking reservation, a governed migration, an SLA penalty."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["orchestration"]


def orchestration(d: DemoContext) -> None:
    """vm-12345 is created (paid by a staking reservation), migrated from us-east-1 to eu-west-1 with 3 of 5
    approvals after its time-lock, and an SLA penalty is enforced by an oracle-quorum report."""
    from rich.table import Table

    from ..orchestrator import SLAOracle, SLATerms, VMLifecycleOperation
    from ..storage import compute_cid

    nova = d.nova
    chain = nova.chain
    co = nova.orchestrator
    nova.tokens.fund_staking_rewards()
    created = co.create_vm(VMLifecycleOperation("vm-12345", "us-east-1", 4, 8192), reserve=True)
    co.start_vm("vm-12345")
    co.confirm_running("vm-12345")
    d.console.print(
        f"  vm-12345 created in us-east-1 with 4 vCPU / 8192 MB ({created.gas_used:,} gas), paid by a staking "
        "reservation of 4 CPU + 8 MEM tokens; started and confirmed running"
    )
    snapshot = compute_cid(b"vm-12345 memory and disk snapshot")
    co.migrate_vm("vm-12345", "eu-west-1", snapshot)
    approvers, threshold, _ = co.approver_set()
    gas = []
    for i in range(1, threshold + 1):
        gas.append(co.approve_migration("vm-12345", sender=chain.dev_signer(i)).gas_used)
    vm = co.get_vm("vm-12345")
    assert vm.migration is not None
    try:
        co.execute_migration("vm-12345", snapshot)
        early = "[red]executed before its lock[/]"
    except Exception as exc:  # the contract refuses: VMMigrationLocked
        early = f"refused: [yellow]{getattr(exc, 'error_name', type(exc).__name__)}[/]"
    delay = co.migration_delay()
    chain.advance(delay)
    executed = co.execute_migration("vm-12345", snapshot)
    after = co.get_vm("vm-12345")
    d.console.print(
        f"  migration to eu-west-1 (snapshot {snapshot}): {threshold} of {len(approvers)} approvals "
        f"({', '.join(f'{g:,}' for g in gas)} gas); executing at once is {early}; after the {delay // 3600} h "
        f"lock (time travel) it completed: vm-12345 is {after.state.name} in {after.region}"
    )

    provider, customer = chain.dev_signer(1), chain.dev_signer(2)
    terms = SLATerms.from_seed(
        provider=provider.address,
        customer=customer.address,
        guarantees={"uptime": 99.9, "latency": 100},
        penalties={"uptime": 1000, "latency": 500},
        stake=10000,
    )
    sla = co.create_sla_contract(terms, sender=provider, customer=customer, buy=True)
    chain.advance(3600)
    oracles = [SLAOracle(chain.dev_signer(i)) for i in (5, 6, 7)]
    report = co.report_violation(sla.sla_id, "uptime", "99.5", oracles=oracles)
    enforced = co.get_sla(sla.sla_id)
    table = Table(title=f"SLA {sla.sla_id}: uptime 99.5 < 99.9 reported by 3 of 5 oracles ({report.gas_used:,} gas)")
    table.add_column("guarantee")
    table.add_column("target", justify="right")
    table.add_column("penalty", justify="right")
    for g in enforced.guarantees:
        table.add_row(g.name, f"{'<=' if g.upper_bound else '>='} {g.target}", f"{g.penalty:,}")
    d.console.print(table)
    d.console.print(
        f"  penalty paid automatically from the stake to the customer: stake {enforced.stake:,} -> "
        f"{enforced.stake_left:,}, penalties paid {enforced.penalties_paid:,}"
    )
    d.report["orchestrator"] = {
        "vm": after.to_dict(),
        "create_vm_gas": created.gas_used,
        "approval_gas": gas,
        "execute_gas": executed.gas_used,
        "sla": enforced.to_dict(),
        "report_gas": report.gas_used,
    }
