"""VM state load: N records through the recorder and the background batcher against anvil, recorded to anchored.

    python benchmarks/state_load.py [--records 1000000] [--batch-size 5000] [--max-pending 50000] [--profile FILE]

One producer thread records N distinct records (built on the fly, never held all at once) as fast as the manager
takes them; when ``max_pending`` records wait for anchoring the manager refuses more
(``StateBackpressureError``) and the producer waits a moment and retries, so memory stays bounded whatever the
anchoring rate. The background batcher stores the record blocks in the embedded (fsyncing) IPFS store and anchors
each batch on a StateAnchor deployed on a fresh anvil.

Figures:

* ``sustained_per_s``: N / (time from the first record to the last one anchored): records recorded to anchored.
* ``recording_per_s``: N / time to record them all (bounded by anchoring once backpressure starts).
* ``cpu_us_per_record``: CPU time of the whole process (all threads) per record, recorded to anchored: what the
  rate would be bounded by on one free core, whatever else the machine runs (anvil's CPU is not counted).
* ``peak_rss_mb``: the process's peak resident set size (``getrusage`` ``ru_maxrss``): recorder, batcher, store,
  index and web3 together.
* ``windows``: records anchored per 10-second window, to show the rate holds over the run.
* exactly-once check: the local index holds seqs 1..N each once, every batch is anchored, the batches' leaf counts
  sum to N, and on chain ``batchCount`` equals the number of batches and each batch's root has its leaf count.
* ``restore``: ``--restore-records`` records (10,000) anchored in a fresh state dir, backed up to a CAR file and
  restored into a fresh data dir and store (records/s restored and verified against the roots on chain): with
  ``put_blocks`` and, as the baseline, with one ``put_block`` (one file, its fsyncs) per block as before; unless
  ``--skip-restore``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import resource
import sqlite3
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode
from novacron_chain.state import StateBackpressureError, StateManager, VMState, VMStateRecord, deploy_steps
from novacron_chain.storage import ContentStore, EmbeddedStore

from _common import save

OWNER = "0x" + "ab" * 20
T0 = 1_700_000_000_000
_STATES = list(VMState)


def record(i: int) -> VMStateRecord:
    """Record ``i`` (distinct for every i: its timestamp is T0 + i)."""
    return VMStateRecord(
        f"vm-{i % 100_000:06d}", OWNER, "us-east-1", _STATES[i % 5], 1 + i % 16, 1024 * (1 + i % 8), T0 + i
    )


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load(sm: StateManager, n: int) -> dict[str, Any]:
    """Record ``n`` records with the batcher running; wait until all are anchored; the figures."""
    waits = 0
    done_recording = threading.Event()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    t_recorded = [0.0]

    def produce() -> None:
        nonlocal waits
        for i in range(n):
            r = record(i)
            while True:
                try:
                    sm.record_vm_state(r)
                    break
                except StateBackpressureError:
                    waits += 1
                    time.sleep(0.005)
        t_recorded[0] = time.perf_counter() - t0
        done_recording.set()

    producer = threading.Thread(target=produce, name="load-producer")
    sm.start()
    producer.start()
    windows: list[int] = []
    last_count, last_t = 0, t0
    while True:
        time.sleep(0.2)
        anchored = sm.summary().anchored
        if sm.last_error is not None:
            print(f"batcher error (retried): {sm.last_error}")
        now = time.perf_counter()
        if now - last_t >= 10.0:
            windows.append(round((anchored - last_count) / (now - last_t)))
            print(
                f"{now - t0:7.1f} s  anchored {anchored:>9,}  ({windows[-1]:,}/s)  rss {peak_rss_mb()} MB", flush=True
            )
            last_count, last_t = anchored, now
        if anchored >= n and done_recording.is_set():
            break
    total = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    producer.join()
    sm.stop(flush=False)
    return {
        "records": n,
        "batch_size": sm.batch_size,
        "max_pending": sm.max_pending,
        "sustained_per_s": round(n / total),
        "sustained_seconds": round(total, 2),
        "cpu_seconds": round(cpu, 2),
        "cpu_us_per_record": round(cpu / n * 1e6, 1),
        "recording_per_s": round(n / t_recorded[0]) if t_recorded[0] else 0,
        "backpressure_waits": waits,
        "windows_per_s": windows,
    }


def check_exactly_once(sm: StateManager, n: int) -> dict[str, Any]:
    """Every seq 1..n is in the index once, in an anchored batch; the chain has the same batches."""
    db = sqlite3.connect(sm.data_dir / "index.sqlite")
    try:
        count, distinct, lo, hi = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM records"
        ).fetchone()
        (not_anchored,) = db.execute(
            "SELECT COUNT(*) FROM records r JOIN batches b ON r.batch = b.id WHERE b.status != 'anchored'"
        ).fetchone()
        batches = db.execute("SELECT root, leaf_count, chain_batch_id FROM batches ORDER BY id").fetchall()
    finally:
        db.close()
    fns = sm.contract.functions
    on_chain = sm.chain.call_many([fns.batchOf(root) for root, _c, _id in batches])
    chain_ok = all(
        int(bid) == cbid and int(cnt) == leaves
        for (bid, _at, cnt), (_r, leaves, cbid) in zip(on_chain, batches, strict=True)
    )
    batch_count = int(sm.chain.call(fns.batchCount()))
    ok = (
        count == distinct == n
        and (lo, hi) == (1, n)
        and not_anchored == 0
        and sum(c for _r, c, _i in batches) == n
        and chain_ok
        and batch_count == len(batches)
    )
    result = {
        "index_records": count,
        "distinct_seqs": distinct,
        "not_anchored": not_anchored,
        "batches": len(batches),
        "chain_batch_count": batch_count,
        "chain_roots_match": chain_ok,
        "exactly_once": ok,
    }
    if not ok:
        raise SystemExit(f"exactly-once check failed: {result}")
    return result


class OneByOneStore(EmbeddedStore):
    """The embedded store with put_blocks as it was before batching: one put_block (one file, fsyncs) per block."""

    def put_blocks(self, blocks: Sequence[bytes], *, codec: str = "raw", cid_version: int = 1) -> list[str]:
        return ContentStore.put_blocks(self, blocks, codec=codec, cid_version=cid_version)


def bench_restore(nova: NovaChain, root: Path, n: int) -> dict[str, Any]:
    """``n`` records anchored in a fresh state dir, backed up to a CAR file, then restored (blocks written and every
    record verified against the roots on chain) into a fresh data dir and store: with put_blocks, and with the
    one-block-at-a-time writes of before as the baseline."""
    from novacron_chain.state import restore_state

    store = EmbeddedStore(root / "backup-ipfs")
    sm = StateManager(nova.chain, nova.contract("StateAnchor"), store, data_dir=root / "backup-state", batch_size=5000)
    sm._closers.append(store.close)
    with sm:
        for i in range(n):
            sm.record_vm_state(record(10**9 + i))
        sm.flush()
        car = root / "backup.car"
        t = time.perf_counter()
        backup = sm.backup(car)
        backup_s = time.perf_counter() - t
    out: dict[str, Any] = {
        "records": n,
        "car_mb": round(car.stat().st_size / 1e6, 1),
        "blocks": backup.blocks,
        "backup_s": round(backup_s, 2),
    }
    for name, kind in (("put_blocks", EmbeddedStore), ("one_by_one_baseline", OneByOneStore)):
        target = kind(root / f"restore-ipfs-{name}")
        try:
            t = time.perf_counter()
            restored = restore_state(
                nova.chain, nova.contract("StateAnchor"), target, car=car, data_dir=root / f"restore-state-{name}"
            )
            seconds = time.perf_counter() - t
        finally:
            target.close()
        if restored.records != n:
            raise SystemExit(f"restore ({name}) restored {restored.records} records, not {n}")
        out[name] = {"seconds": round(seconds, 2), "records_restored_and_verified_per_s": round(n / seconds)}
    out["ratio"] = round(
        out["put_blocks"]["records_restored_and_verified_per_s"]
        / max(1, out["one_by_one_baseline"]["records_restored_and_verified_per_s"]),
        1,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--batch-size", type=int, default=5_000)
    ap.add_argument("--max-pending", type=int, default=50_000)
    ap.add_argument("--batch-max-wait", type=float, default=1.0)
    ap.add_argument("--restore-records", type=int, default=10_000, help="records in the restore benchmark")
    ap.add_argument("--skip-restore", action="store_true")
    ap.add_argument("--profile", help="write a cProfile of the run (all threads' time is the batcher's) here")
    ap.add_argument("--name", default="state_load", help="results file name (benchmarks/results/NAME.json)")
    args = ap.parse_args()
    results: dict[str, Any] = {"load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="novacron-bench-load-") as tmp:
        root = Path(tmp)
        with AnvilNode() as node:
            config = load_config(overrides={"network": node.url, "data_dir": root / "anvil"})
            with NovaChain.connect(config) as nc:
                nc.deploy(steps=deploy_steps(nc.config.blockchain))
                store = EmbeddedStore(root / "ipfs")
                sm = StateManager(
                    nc.chain,
                    nc.contract("StateAnchor"),
                    store,
                    data_dir=root / "state",
                    batch_size=args.batch_size,
                    batch_max_wait=args.batch_max_wait,
                    max_pending=args.max_pending,
                )
                sm._closers.append(store.close)
                with sm:
                    prof = cProfile.Profile() if args.profile else None
                    if prof:
                        prof.enable()
                    results["load"] = load(sm, args.records)
                    if prof:
                        prof.disable()
                        prof.dump_stats(args.profile)
                    results["peak_rss_mb"] = peak_rss_mb()
                    results["check"] = check_exactly_once(sm, args.records)
                if not args.skip_restore:
                    results["restore"] = bench_restore(nc, root, args.restore_records)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    save(args.name, results)


if __name__ == "__main__":
    main()
