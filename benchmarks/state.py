"""VM state records: recording throughput, gas per anchored record, proof verification, record-to-anchor latency.

    python benchmarks/state.py [--records 20000] [--skip-anvil]

Figures (each the median of its rounds unless said otherwise):

* ``record``: ``StateManager.record_vm_state`` per second from one thread, records built ahead of time, with the
  background batcher running on the embedded chain and the embedded (fsyncing) IPFS store; also with the record
  built in the loop, with the batcher stopped, and with ``wait_for_disk`` (from 1 and from 32 threads: group
  commit). Baseline in the same run: one ``os.write`` per prebuilt frame (a durable queue's least work when it
  makes one system call per record; ours copies into a shared file mapping instead and makes none).
  A cost breakdown per record (encode, CID, leaf, journal) says what bounds it.
* ``sustained``: records per second from the first record until every record is anchored (store writes included).
  The load test against anvil (1,000,000 records, peak RSS, exactly-once check, restore rate) is
  ``state_load.py``.
* ``gas``: gas of one anchoring transaction per record at the default batch size (1,000), first and steady batch,
  on the embedded chain and on anvil.
* ``verify``: off-chain Merkle proof checks per second (1,000-leaf tree), with and without rehashing the record;
  ``verify_state_integrity`` records per second (store read + rehash + proof). Baseline: one keccak256.
* ``latency``: record -> anchored, for a batch of one (``flush`` right away), a full batch of 1,000, and the
  background batcher with ``batch_max_wait`` = 1 s; on the embedded chain and on anvil.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode
from novacron_chain.state import (
    MerkleTree,
    StateManager,
    VMState,
    VMStateRecord,
    deploy_steps,
    leaf_hash,
    raw_cid,
    verify_proof,
)
from novacron_chain.state._hashing import KECCAK_BACKEND, keccak, raw_cid_bytes
from novacron_chain.storage import EmbeddedStore

from _common import save

OWNER = "0x" + "ab" * 20
T0 = 1_700_000_000_000


def records(n: int, start: int = 0) -> list[VMStateRecord]:
    states = list(VMState)
    return [
        VMStateRecord(f"vm-{i % 1000:05d}", OWNER, "us-east-1", states[i % 5], 1 + i % 16, 1024 * (1 + i % 8), T0 + i)
        for i in range(start, start + n)
    ]


def per_second(n: int, seconds: float) -> int:
    return round(n / seconds) if seconds else 0


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


class Setup:
    """A chain with StateAnchor deployed and a fresh state dir + embedded store per manager."""

    def __init__(self, nova: NovaChain, root: Path) -> None:
        self.nova = nova
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.n = 0
        nova.deploy(steps=deploy_steps(nova.config.blockchain))

    def manager(self, **kw: Any) -> StateManager:
        self.n += 1
        store = EmbeddedStore(self.root / f"ipfs-{self.n}")
        sm = StateManager(
            self.nova.chain, self.nova.contract("StateAnchor"), store, data_dir=self.root / f"state-{self.n}", **kw
        )
        sm._closers.append(store.close)
        return sm


def bench_record(s: Setup, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {"keccak_backend": KECCAK_BACKEND, "records": n}
    batch = records(n)

    # baseline: one write(2) per prebuilt frame, no encoding or hashing
    frames = [b.canonical_bytes() for b in batch]
    path = s.root / "baseline.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    head = struct.Struct("<IIQ")
    t = time.perf_counter()
    for i, data in enumerate(frames):
        os.write(fd, head.pack(len(data), zlib.crc32(data), i) + data)
    out["baseline_os_write_per_s"] = per_second(n, time.perf_counter() - t)
    os.close(fd)

    # cost breakdown per record, microseconds
    k = 20_000
    sample, sample_bytes = batch[:k], frames[:k]
    out["us_per_record"] = {
        "build_record": timed(lambda: records(k)) / k * 1e6,
        "canonical_bytes": timed(lambda: [r.canonical_bytes() for r in sample]) / k * 1e6,
        "cid_bytes_sha256": timed(lambda: [raw_cid_bytes(d) for d in sample_bytes]) / k * 1e6,
        "cid_string_base32_when_read": timed(lambda: [raw_cid(d) for d in sample_bytes]) / k * 1e6,
        "leaf_double_keccak": timed(lambda: [leaf_hash(d) for d in sample_bytes]) / k * 1e6,
    }
    from Crypto.Hash import keccak as pycryptodome

    out["us_per_record"]["leaf_double_keccak_pycryptodome"] = (
        timed(
            lambda: [
                pycryptodome.new(data=pycryptodome.new(data=d, digest_bits=256).digest(), digest_bits=256).digest()
                for d in sample_bytes
            ]
        )
        / k
        * 1e6
    )

    # with the background batcher anchoring on the embedded chain meanwhile
    with s.manager(batch_size=1000, batch_max_wait=1) as sm:
        sm.start()
        t = time.perf_counter()
        for r in batch:
            sm.record_vm_state(r)
        dt = time.perf_counter() - t
        out["record_per_s_batcher_running"] = per_second(n, dt)
        out["ratio_to_baseline"] = round(out["record_per_s_batcher_running"] / out["baseline_os_write_per_s"], 3)
        while sm.summary().anchored < n:
            time.sleep(0.05)
            if sm.last_error:
                raise SystemExit(f"anchoring failed: {sm.last_error}")
        total = time.perf_counter() - t
        sm.stop(flush=False)
        out["sustained_anchored_per_s"] = per_second(n, total)
        out["sustained_seconds"] = round(total, 2)

    # record built inside the loop, batcher stopped
    with s.manager(batch_size=1000, batch_max_wait=3600) as sm:
        t = time.perf_counter()
        for i in range(n):
            sm.record_vm_state(
                VMStateRecord(f"vm-{i % 1000:05d}", OWNER, "us-east-1", VMState.RUNNING, 2, 2048, T0 + i)
            )
        out["record_per_s_including_construction"] = per_second(n, time.perf_counter() - t)
    with s.manager(batch_size=1000, batch_max_wait=3600) as sm:
        dt = timed(lambda: [sm.record_vm_state(r) for r in batch])
        out["record_per_s_batcher_stopped"] = per_second(n, dt)
        t = time.perf_counter()
        j = 0
        while time.perf_counter() - t < 1.0:  # write rate of the embedded store: one put_blocks (a pack) per 1,000
            sm._anchorer.upload(list(sm._pending)[j : j + 1000])
            j += 1000
        out["store_blocks_per_s_put_blocks_1000"] = per_second(j, time.perf_counter() - t)

    # wait_for_disk: one thread (each record waits for its fsync), then 32 threads (group commit)
    with s.manager(batch_size=1000, batch_max_wait=3600, wait_for_disk=True) as sm:
        m = 300
        out["record_per_s_wait_for_disk_1_thread"] = per_second(
            m, timed(lambda: [sm.record_vm_state(r) for r in batch[:m]])
        )
        threads = 32
        per = 400
        chunks = [batch[i * per : (i + 1) * per] for i in range(threads)]

        def work(chunk: list[VMStateRecord]) -> None:
            for r in chunk:
                sm.record_vm_state(r)

        workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
        t = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        out["record_per_s_wait_for_disk_32_threads"] = per_second(threads * per, time.perf_counter() - t)
    fd = os.open(s.root / "fsync.probe", os.O_WRONLY | os.O_CREAT)
    lat = []
    for _ in range(20):
        os.write(fd, b"x" * 300)
        lat.append(timed(lambda: os.fsync(fd)))
    os.close(fd)
    out["fsync_ms_median"] = round(statistics.median(lat) * 1000, 2)
    out["us_per_record"] = {key: round(v, 2) for key, v in out["us_per_record"].items()}
    return out


def bench_gas(s: Setup) -> dict[str, Any]:
    with s.manager(batch_size=1000) as sm:
        for r in records(2000, start=10**6):
            sm.record_vm_state(r)
        first, second = sm.flush()
    if not (first.gas_used and second.gas_used):
        raise SystemExit("an anchoring transaction reported no gas")
    return {
        "batch_size": 1000,
        "first_batch_gas": first.gas_used,
        "steady_batch_gas": second.gas_used,
        "gas_per_record_first": round(first.gas_used / 1000, 1),
        "gas_per_record_steady": round(second.gas_used / 1000, 1),
    }


def bench_verify(s: Setup) -> dict[str, Any]:
    data = [r.canonical_bytes() for r in records(1000, start=2 * 10**6)]
    leaves = [leaf_hash(d) for d in data]
    tree = MerkleTree(leaves)
    root = tree.root
    proofs = [tree.proof(i) for i in range(1000)]
    rounds = 20

    def proofs_only() -> None:
        for i in range(1000):
            if not verify_proof(root, leaves[i], proofs[i]):
                raise SystemExit("proof failed")

    def with_rehash() -> None:
        for i in range(1000):
            if not verify_proof(root, leaf_hash(data[i]), proofs[i]):
                raise SystemExit("proof failed")

    one = timed(lambda: [keccak(leaves[i % 1000] + leaves[(i + 1) % 1000]) for i in range(100_000)])
    out = {
        "tree_leaves": 1000,
        "proof_depth": len(proofs[0]),
        "baseline_keccak64_per_s": per_second(100_000, one),
        "proofs_per_s": per_second(1000 * rounds, sum(timed(proofs_only) for _ in range(rounds))),
        "rehash_and_proof_per_s": per_second(1000 * rounds, sum(timed(with_rehash) for _ in range(rounds))),
        "tree_build_ms_1000": round(statistics.median(timed(lambda: MerkleTree(leaves)) for _ in range(10)) * 1000, 2),
    }
    with s.manager(batch_size=1000) as sm:
        for r in records(1000, start=3 * 10**6):
            sm.record_vm_state(r)
        sm.flush()
        t = time.perf_counter()
        checked = sum(len(sm.verify_state_integrity(f"vm-{v:05d}").records) for v in range(1000))
        out["verify_state_integrity_records_per_s"] = per_second(checked, time.perf_counter() - t)
    return out


def bench_latency(s: Setup, rounds: int = 5) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with s.manager(batch_size=1000, batch_max_wait=3600) as sm:
        base = 4 * 10**6
        one = []
        for i in range(rounds):
            t = time.perf_counter()
            sm.record_vm_state(records(1, start=base + i)[0])
            sm.flush()
            one.append(time.perf_counter() - t)
        out["batch_of_1_flush_ms"] = round(statistics.median(one) * 1000, 1)
        full = []
        for i in range(2):
            batch = records(1000, start=base + 1000 * (i + 1))
            t = time.perf_counter()
            for r in batch:
                sm.record_vm_state(r)
            sm.flush()
            full.append(time.perf_counter() - t)
        out["batch_of_1000_first_record_to_anchored_s"] = round(statistics.median(full), 2)
    with s.manager(batch_size=1000, batch_max_wait=1) as sm:
        sm.start()
        waits = []
        for i in range(3):
            t = time.perf_counter()
            sm.record_vm_state(records(1, start=base + 10_000 + i)[0])
            target = sm.summary().anchored + 1
            while sm.summary().anchored < target:
                time.sleep(0.005)
            waits.append(time.perf_counter() - t)
        sm.stop(flush=False)
        out["batcher_max_wait_1s_record_to_anchored_s"] = round(statistics.median(waits), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--skip-anvil", action="store_true")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="novacron-bench-state-") as tmp:
        root = Path(tmp)
        with NovaChain.connect(load_config(overrides={"data_dir": root / "embedded"})) as nc:
            s = Setup(nc, root / "embedded-state")
            results["record"] = bench_record(s, args.records)
            results["gas_embedded"] = bench_gas(s)
            results["verify"] = bench_verify(s)
            results["latency_embedded"] = bench_latency(s)
        if not args.skip_anvil:
            with AnvilNode() as node:
                config = load_config(overrides={"network": node.url, "data_dir": root / "anvil"})
                with NovaChain.connect(config) as nc:
                    s = Setup(nc, root / "anvil-state")
                    results["gas_anvil"] = bench_gas(s)
                    results["latency_anvil"] = bench_latency(s)
    save("state", results)


if __name__ == "__main__":
    main()
