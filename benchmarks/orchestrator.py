"""Contract orchestration: gas of each VM and SLA operation, and VM creations per second on anvil.

Gas (embedded chain; py-evm and anvil agree on gas): createVM (the owner's first VM, which opens their allocation
slot, and a later one; goal <= 150,000), the migration request, each of the three approvals (the third starts the
time-lock), three EIP-712 approvals relayed in one transaction, the execution; the SLA proposal and acceptance, and
an oracle report with k = 1..5 signatures (on an SLAContract deployed with quorum 1 so that every k is accepted;
the deployment's quorum is 3).

Throughput (anvil): createVM sent with ``Chain.send_batch`` (fees, nonces, signing, receipts, metrics), against
plain transfers sent the same way in the same run (before and after; the better counts), as a ratio; also on the
embedded chain.

    python benchmarks/orchestrator.py [--count 1000] [--no-anvil]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from eth_utils import to_bytes
from rich.console import Console
from rich.table import Table

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode, TxRequest, deploy_behind_proxy
from novacron_chain.orchestrator import (
    SLAOracle,
    SLATerms,
    VMLifecycleOperation,
    deploy_steps,
)
from novacron_chain.tokens import deploy_steps as token_steps

from _common import save

CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"


def setup(nc: NovaChain) -> None:
    cfg = nc.config.blockchain
    nc.deploy(steps=[*token_steps(cfg), *deploy_steps(cfg)])
    nc.tokens.fund_staking_rewards(200 * 10**18)


def gas() -> dict[str, Any]:
    """Gas of every operation, on the embedded chain."""
    with NovaChain.embedded() as nc:
        setup(nc)
        chain, co = nc.chain, nc.orchestrator
        dev = chain.dev_signer
        out: dict[str, Any] = {}
        co.reserve_capacity(8, 16384)
        out["createVM_first"] = co.create_vm(VMLifecycleOperation("vm-12345", "us-east-1", 4, 8192)).gas_used
        out["createVM"] = co.create_vm(VMLifecycleOperation("vm-12346", "us-east-1", 4, 8192)).gas_used
        out["startVM"] = co.start_vm("vm-12345").gas_used
        out["confirmRunning"] = co.confirm_running("vm-12345").gas_used
        out["migrateVM"] = co.migrate_vm("vm-12345", "eu-west-1", CID).gas_used
        out["approveMigration"] = [co.approve_migration("vm-12345", sender=dev(i)).gas_used for i in (1, 2, 3)]
        chain.advance(co.migration_delay())
        out["executeMigration"] = co.execute_migration("vm-12345", CID).gas_used
        co.migrate_vm("vm-12346", "eu-west-1", CID)
        sigs = [co.sign_migration_approval("vm-12346", dev(i)) for i in (1, 2, 3)]
        out["approveMigrationWithSignatures_3"] = co.approve_migration_signed("vm-12346", sigs).gas_used
        out["stopVM"] = co.stop_vm("vm-12345").gas_used
        out["terminateVM"] = co.terminate_vm("vm-12345").gas_used

        provider, customer = dev(1), dev(2)
        terms = SLATerms.from_seed(
            provider=provider.address,
            customer=customer.address,
            guarantees={"uptime": 99.9, "latency": 100},
            penalties={"uptime": 1000, "latency": 500},
            stake=10_000,
            fee=300,
        )
        # a quorum-1 SLAContract, so that reports with any k of the 5 oracles are accepted
        oracle_keys = [dev(i) for i in (5, 6, 7, 8, 9)]
        me = chain.signer.address
        sla1, _, _ = deploy_behind_proxy(chain, "SLAContract", me, me, [k.address for k in oracle_keys], 1, 86400)
        reports: dict[str, list[int]] = {}
        for label, contract in (("deployed (quorum 3)", co.sla), ("quorum 1", sla1)):
            co.sla = contract  # the orchestrator drives either contract
            sla = co.create_sla_contract(terms, sender=provider, buy=True)
            accept = co.accept_sla(sla.sla_id, sender=customer, buy=True).gas_used
            if label.startswith("deployed"):
                out["createSLA (2 guarantees)"] = _last_create_gas(chain, co, sla.sla_id)
                out["acceptSLA (fee deposit)"] = accept
            chain.advance(3600)
            ks = range(3, 6) if label.startswith("deployed") else range(1, 6)
            gas_by_k = []
            for k in ks:
                chain.advance(3600)  # the next monitoring window
                r = co.report_violation(sla.sla_id, "latency", 150, oracles=[SLAOracle(s) for s in oracle_keys[:k]])
                gas_by_k.append(r.gas_used)
            reports[label] = gas_by_k
            if label.startswith("deployed"):
                chain.advance(3600)
                out["reportViolation (customer claim)"] = co.report_violation(
                    sla.sla_id, "uptime", "99.0", sender=customer
                ).gas_used
        out["submitReport_by_k"] = reports
    return out


def _last_create_gas(chain: Any, co: Any, sla_id: int) -> int:
    """Gas of the createSLA transaction of ``sla_id`` (from its SLAProposed event)."""
    logs = co.sla.events.SLAProposed.get_logs(from_block=0, argument_filters={"slaId": sla_id})
    receipt = chain.w3.eth.get_transaction_receipt(logs[-1]["transactionHash"])
    return int(receipt["gasUsed"])


def creations(nc: NovaChain, count: int, chunk: int) -> dict[str, float]:
    """createVM per second with send_batch, and plain transfers the same way, in the same run."""
    setup(nc)
    chain, co = nc.chain, nc.orchestrator
    co.reserve_capacity(count, count * 1024)
    fn = co.lifecycle.functions.createVM
    tag = int(time.time())
    reqs = [
        TxRequest(
            to=co.lifecycle.address,
            data=to_bytes(hexstr=fn(f"bench-{tag}-{i}", "us-east-1", 1, 1024)._encode_transaction_data()),
            gas=150_000,
        )
        for i in range(count)
    ]
    to = chain.dev_signer(9).address

    def transfers() -> float:
        t0 = time.perf_counter()
        chain.send_batch([TxRequest(to=to, value=1, gas=21_000) for _ in range(count)], chunk=chunk)
        return count / (time.perf_counter() - t0)

    before = transfers()  # the baseline runs before and after, so that neither side gets the fresher chain
    t0 = time.perf_counter()
    receipts = chain.send_batch(reqs, chunk=chunk)
    vm_rate = count / (time.perf_counter() - t0)
    after = transfers()
    assert all(r.succeeded for r in receipts)
    assert co.allocation()[0] == count
    baseline = max(before, after)
    return {
        "create_vm_per_s": vm_rate,
        "transfers_per_s": baseline,
        "transfers_per_s_before_after": [before, after],
        "ratio": vm_rate / baseline,
        "create_vm_gas_mean": sum(r.gas_used for r in receipts) / count,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=1000, help="VMs created per throughput run")
    ap.add_argument("--chunk", type=int, default=200, help="transactions per JSON-RPC batch")
    ap.add_argument("--no-anvil", action="store_true", help="skip the anvil run")
    args = ap.parse_args()
    console = Console()
    results: dict[str, Any] = {"count": args.count, "chunk": args.chunk}
    results["gas"] = g = gas()
    with NovaChain.embedded() as nc:
        results["embedded"] = creations(nc, min(args.count, 200), args.chunk)
    if not args.no_anvil:
        with AnvilNode() as node:
            cfg = load_config(overrides={"network": node.url, "data_dir": "/nonexistent-novacron"})
            with NovaChain.connect(cfg) as nc:
                nc.deployments.path = None
                results["anvil"] = creations(nc, args.count, args.chunk)

    t = Table(title="gas per operation (embedded chain; anvil agrees)")
    t.add_column("operation")
    t.add_column("gas", justify="right")
    for key, value in g.items():
        if key == "submitReport_by_k":
            continue
        t.add_row(key, ", ".join(f"{v:,}" for v in value) if isinstance(value, list) else f"{value:,}")
    for label, by_k in g["submitReport_by_k"].items():
        first_k = 3 if label.startswith("deployed") else 1
        for k, v in enumerate(by_k, first_k):
            t.add_row(f"oracle report, k = {k} signatures, {label}", f"{v:,}")
    console.print(t)
    tt = Table(title="VM creations per second (send_batch)")
    tt.add_column("chain")
    tt.add_column("createVM/s", justify="right")
    tt.add_column("transfers/s, same run (best of before/after)", justify="right")
    tt.add_column("ratio", justify="right")
    for chain in ("embedded", "anvil"):
        if chain in results:
            r = results[chain]
            tt.add_row(chain, f"{r['create_vm_per_s']:,.0f}", f"{r['transfers_per_s']:,.0f}", f"{r['ratio']:.2f}")
    console.print(tt)
    save("orchestrator", results)


if __name__ == "__main__":
    main()
