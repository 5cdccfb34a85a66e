"""Throughput and latency of the whole sequencer pipeline, measured: ``python -m tests.l2_node.bench_pipeline``.

A real anvil with the rollup deployed; ``novacron-chain l2 run`` as its own process (workers on both cores); this
process pre-signs N transfers, then sends them as binary batches of B over C concurrent HTTP connections and waits
until every one is soft-confirmed, then until every one is in a batch posted to L1. Baselines in the same run:
secp256k1 public-key recovery with coincurve on every core, and anvil's own batched L1 ERC-20 transfer rate is left
to benchmarks/.

Prints one JSON line: tps_soft (receive, verify, execute, log, answer), tps_posted (through posting to anvil),
p50/p99 soft-confirmation latency per transaction (its request's round trip), L1 gas and calldata bytes per
transfer, the recovery baseline and the ratio.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

N = int(os.environ.get("BENCH_N", "40000"))
B = int(os.environ.get("BENCH_B", "512"))
C = int(os.environ.get("BENCH_C", "8"))


def _recover_rate(seconds: float = 2.0) -> float:
    from coincurve import PrivateKey, PublicKey

    key = PrivateKey(os.urandom(32))
    msgs = [os.urandom(32) for _ in range(256)]
    sigs = [key.sign_recoverable(m, hasher=None) for m in msgs]
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        for m, s in zip(msgs, sigs, strict=True):
            PublicKey.from_signature_and_message(s, m, hasher=None)
        n += len(msgs)
    return n / seconds


def recovery_baseline() -> float:
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        return float(sum(pool.map(_recover_rate, [2.0] * cores)))


def main() -> None:
    import aiohttp

    from novacron_chain import NovaChain, load_config, tokens
    from novacron_chain.chain import AnvilNode, dev_signers
    from novacron_chain.l2 import deploy_steps
    from tests.l2_node.conftest import Proc, free_port, fund_l1, signed_transfers, wait_until

    baseline = recovery_baseline()
    tmp = Path(tempfile.mkdtemp(prefix="l2bench-"))
    endpoint = f"http://127.0.0.1:{free_port()}"
    dev = dev_signers()
    hardfork = os.environ.get("BENCH_HARDFORK", "")  # e.g. cancun: calldata at 16 gas/byte, no EIP-7623 floor
    with AnvilNode(extra_args=("--hardfork", hardfork) if hardfork else ()) as anvil:
        overrides = {
            "network": anvil.url,
            "data_dir": tmp / "deployer",
            "use_layer2": True,
            "l2_rpc_endpoint": endpoint,
            "l2_sequencer": dev[9].address,
        }
        nc = NovaChain.connect(load_config(overrides=overrides, env={}))
        bc = nc.config.blockchain
        nc.deploy(steps=[*tokens.deploy_steps(bc)[:4], *deploy_steps(bc)])
        (tmp / "sequencer").mkdir()
        (tmp / "sequencer" / "deployments.json").write_text((tmp / "deployer" / "deployments.json").read_text())
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOVACRON_")}
        env.update(
            NOVACRON_NETWORK=anvil.url,
            NOVACRON_DATA_DIR=str(tmp / "sequencer"),
            NOVACRON_USE_LAYER2="true",
            NOVACRON_L2_RPC_ENDPOINT=endpoint,
            NOVACRON_L2_BATCH_MAX_OPS=os.environ.get("BENCH_BATCH", "4096"),
            NOVACRON_L2_BATCH_INTERVAL="1s",
            PYTHONUNBUFFERED="1",
        )
        seq = Proc("sequencer", ["--account", "9", "l2", "run"], env, tmp / "sequencer.log").start()
        try:
            l2 = nc.l2
            alice = dev[0]
            fund_l1(nc, alice.address, 10**24)
            l2.deposit("CPU", 10**24)
            wait_until("deposit", lambda: int((l2.account(alice.address) or {"balances": [0]})["balances"][0]) > 0, 30)
            blob, _ = signed_transfers(l2, alice, 0, 0, [(None, dev[1].address)], 10**18)
            l2.submit_wire(blob)
            t0 = time.monotonic()
            bodies = []
            for start in range(0, N, B):
                blob, _ = signed_transfers(l2, alice, 0, 1 + start, [(1, dev[1].address)] * min(B, N - start), 10**9)
                bodies.append(blob)
            sign_seconds = time.monotonic() - t0
            latencies: list[tuple[float, int]] = []

            async def client() -> float:
                queue: asyncio.Queue[bytes] = asyncio.Queue()
                for b in bodies:
                    queue.put_nowait(b)
                headers = {"Content-Type": "application/octet-stream", "Accept": "application/octet-stream"}
                async with aiohttp.ClientSession() as session:

                    async def worker() -> None:
                        while not queue.empty():
                            body = queue.get_nowait()
                            started = time.monotonic()
                            async with session.post(f"{endpoint}/v1/txs", data=body, headers=headers) as r:
                                data = await r.read()
                            assert r.status == 200
                            assert all(data[i] == 0 for i in range(0, len(data), 41)), "a transfer was refused"
                            latencies.append((time.monotonic() - started, len(data) // 41))

                    started = time.monotonic()
                    await asyncio.gather(*(worker() for _ in range(C)))
                    return time.monotonic() - started

            elapsed = asyncio.run(client())
            t_sent = time.monotonic()
            last = l2.account(alice.address)
            assert last is not None
            assert int(last["nonce"]) == N + 1

            def posted() -> bool:
                s = l2._get("/v1/status")
                assert s is not None
                return s["pending_ops"] == 0 and s["batches_posted"] == s["batches"]

            wait_until("everything posted", posted, 300)
            post_elapsed = elapsed + (time.monotonic() - t_sent)
            from novacron_chain.l2 import RollupL1, decode_segment

            l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))
            batches = l1.live_batches()[1:]  # batch 0: the deposit and the first transfer
            gas = sum(int(nc.chain.w3.eth.get_transaction_receipt(b.tx_hash)["gasUsed"]) for b in batches)  # type: ignore[arg-type]
            ops = sum(len(decode_segment(seg)[0]) for b in batches for seg in b.segments)
            calldata = sum(len(b.ops) for b in batches)
            per_tx = sorted(lat for lat, n in latencies for _ in range(n))
            out = {
                "n": N,
                "request_size": B,
                "connections": C,
                "sign_seconds": round(sign_seconds, 2),
                "tps_soft": round(N / elapsed),
                "tps_posted": round(N / post_elapsed),
                "soft_p50_ms": round(statistics.median(per_tx) * 1000, 1),
                "soft_p99_ms": round(per_tx[int(len(per_tx) * 0.99) - 1] * 1000, 1),
                "batches": len(batches),
                "l1_gas_per_tx": round(gas / ops, 1) if ops else None,
                "calldata_bytes_per_tx": round(calldata / ops, 1) if ops else None,
                "hardfork": hardfork or "anvil default (prague)",
                "recover_per_s_all_cores": round(baseline),
                "ratio_to_recovery": round(N / elapsed / baseline, 3),
            }
            print(json.dumps(out))
        finally:
            seq.stop()
            nc.close()


if __name__ == "__main__":
    sys.exit(main())
