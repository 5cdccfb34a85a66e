"""The HTTP API's overhead: latency p50/p99 and requests per second of a read and a write over real HTTP on
loopback, against the same library calls made directly, in the same run.

    python benchmarks/api.py [--n 1000] [--threads 4]

On one persistent embedded chain (a temp data dir, the contract set deployed, one VM created with a history of
anchored states):

* ``direct``: the library in this process: ``orchestrator.get_vm`` (read: a VM's state on chain),
  ``state.verify_state_integrity`` (read: a VM's records checked against the anchors) and ``state.record_vm_state``
  (write: record a VM state).
* ``http``: the API app on uvicorn (as ``serve --api`` runs it) in a thread of this process over the same
  NovaChain, driven by an httpx client with keep-alive on 127.0.0.1: ``GET /vms/{name}``,
  ``GET /state/vms/{id}/verify``, ``POST /state/records`` with a write API key. Sequential requests (one at a time:
  p50, p99, req/s) and ``--threads`` clients at once (req/s; the server runs library calls one at a time under its
  lock). Direct and HTTP samples alternate in ``--rounds`` so that both see the same (shared, noisy) machine; the
  client shares this process's CPU and GIL with the server, as a co-located caller would.
* ``overhead``: HTTP p50 / direct p50 per operation (the framework, the server, the client and the loopback).

The machine is shared (2 cores): absolute figures move by tens of percent between runs; the ratios less.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from novacron_chain import NovaChain, load_config
from novacron_chain.api import ApiKeyStore, Scope, create_app
from novacron_chain.orchestrator import VMLifecycleOperation
from novacron_chain.state import VMState, VMStateRecord

from _common import save

VM = "vm-bench"


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "req_per_s": round(len(samples) / sum(samples), 1),
    }


def timed_loop(fn: Callable[[int], Any], n: int, warmup: int = 20) -> list[float]:
    for i in range(warmup):
        fn(-1 - i)
    samples = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t)
    return samples


def concurrent(fn: Callable[[httpx.Client, int], Any], threads: int, per_thread: int, url: str, key: str) -> float:
    """Requests per second with ``threads`` clients at once."""
    clients = [httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def work(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            fn(clients[t], t * 1_000_000 + i)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return round(threads * per_thread / elapsed, 1)


WRITE_VM = "vm-bench-writes"  # writes go to another VM, so the read VM's history (what verify reads) stays the same


def record(i: int) -> dict[str, Any]:
    return {
        "vm_id": WRITE_VM,
        "state": "Running",
        "region": "us-east-1",
        "cpu_allocation": 2,
        "memory_allocation": 2048,
        "timestamp": 1_800_000_000_000 + i,
    }


def prepare(nova: NovaChain) -> None:
    nova.deploy()
    nova.tokens.fund_staking_rewards()
    nova.orchestrator.create_vm(VMLifecycleOperation(VM, "us-east-1", 2, 2048), reserve=True)
    me = nova.chain.signer.address
    for i in range(5):
        nova.state.record_vm_state(VMStateRecord(VM, me, "us-east-1", VMState.RUNNING, 2, 2048, 1_700_000_000_000 + i))
    nova.state.flush()


class Server:
    """The API on uvicorn in a thread of this process, on a free loopback port (as ``serve --api`` runs it)."""

    def __init__(self, nova: NovaChain, keys: ApiKeyStore) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(nova, keys=keys), log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


def run(nova: NovaChain, url: str, key: str, n: int, rounds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Direct and HTTP samples of each operation, interleaved in ``rounds`` so that both see the same machine."""
    me = nova.chain.signer.address
    counter = iter(range(10**9))

    def ok(response: httpx.Response) -> None:
        if response.status_code >= 300:
            raise RuntimeError(f"{response.status_code} {response.text}")

    def direct_write(i: int) -> None:
        ts = record(next(counter))["timestamp"]
        nova.state.record_vm_state(VMStateRecord(WRITE_VM, me, "us-east-1", VMState.RUNNING, 2, 2048, ts))

    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as c:
        ops: dict[str, tuple[Callable[[int], Any], Callable[[int], Any], int]] = {
            "read_vm": (lambda i: nova.orchestrator.get_vm(VM), lambda i: ok(c.get(f"/vms/{VM}")), n),
            "read_verify": (
                lambda i: nova.state.verify_state_integrity(VM),
                lambda i: ok(c.get(f"/state/vms/{VM}/verify")),
                n,
            ),
            "write_record": (direct_write, lambda i: ok(c.post("/state/records", json=record(next(counter)))), n),
        }
        lib: dict[str, list[float]] = {op: [] for op in ops}
        web: dict[str, list[float]] = {op: [] for op in ops}
        per_round = max(1, n // rounds)
        for _ in range(rounds):
            for op, (direct_fn, http_fn, _n) in ops.items():
                lib[op] += timed_loop(direct_fn, per_round, warmup=2)
                web[op] += timed_loop(http_fn, per_round, warmup=2)
            ok(c.post("/state/flush"))
    return {op: stats(s) for op, s in lib.items()}, {op: stats(s) for op, s in web.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="requests per operation and side")
    parser.add_argument("--rounds", type=int, default=10, help="direct and HTTP alternate this many times")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients for the req/s figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(overrides={"network": "embedded", "data_dir": Path(tmp) / "chain"})
        keys = ApiKeyStore(Path(tmp) / "api-keys.json")
        _, key = keys.create(Scope.WRITE, name="bench")
        with NovaChain.connect(config) as nova:
            prepare(nova)
            with Server(nova, keys) as server:
                lib, web = run(nova, server.url, key, args.n, args.rounds)
                per = max(20, args.n // (2 * args.threads))
                counter = iter(range(2 * 10**9, 3 * 10**9))
                web[f"read_vm_{args.threads}_clients_req_per_s"] = concurrent(
                    lambda cl, i: cl.get(f"/vms/{VM}").raise_for_status(), args.threads, per, server.url, key
                )
                web[f"write_record_{args.threads}_clients_req_per_s"] = concurrent(
                    lambda cl, i: cl.post("/state/records", json=record(next(counter))).raise_for_status(),
                    args.threads,
                    per,
                    server.url,
                    key,
                )
            nova.state.flush()
    overhead = {
        op: {
            "direct_p50_ms": lib[op]["p50_ms"],
            "http_p50_ms": web[op]["p50_ms"],
            "added_p50_ms": round(web[op]["p50_ms"] - lib[op]["p50_ms"], 3),
            "ratio_p50": round(web[op]["p50_ms"] / lib[op]["p50_ms"], 2),
            "direct_req_per_s": lib[op]["req_per_s"],
            "http_req_per_s": web[op]["req_per_s"],
        }
        for op in ("read_vm", "read_verify", "write_record")
    }
    save(
        "api",
        {"n": args.n, "rounds": args.rounds, "threads": args.threads, "direct": lib, "http": web, "overhead": overhead},
    )


if __name__ == "__main__":
    main()
