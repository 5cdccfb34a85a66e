"""Crash safety with real process kills: a recorder killed with SIGKILL at random moments loses no record it
acknowledged, and at the end every record is anchored exactly once (checked on chain and in IPFS)."""

from __future__ import annotations

import collections
import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from eth_abi import decode as abi_decode

from novacron_chain import NovaChain, load_config
from novacron_chain.state import MerkleTree, StateManager, deploy_steps, leaf_hash, read_manifest, verify_proof
from novacron_chain.state._anchorer import BATCH_ANCHORED_TOPIC
from novacron_chain.storage import EmbeddedStore

from .conftest import make_record

N = 10_000
KILLS = int(os.environ.get("NOVACRON_CRASH_KILLS", "6"))
RATE = int(os.environ.get("NOVACRON_CRASH_RATE", "2000"))  # records per second while recording
ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """One recorder process and the lines it printed."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.state._recorder", str(data_dir), str(N), str(RATE)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.stderr = ""
        self.ready = threading.Event()
        self.anchoring = threading.Event()
        self._out = threading.Thread(target=self._read, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.startswith("ready"):
                self.ready.set()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr += line
            if line.startswith("anchoring "):
                self.anchoring.set()

    def finish(self) -> None:
        self.proc.wait(timeout=120)
        self._out.join(timeout=10)
        self._err.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    @property
    def start(self) -> int:
        return int(self.lines[0].split()[1])

    @property
    def acked(self) -> list[int]:
        return [int(x) for x in self.lines[1:] if x.isdigit()]


@pytest.mark.slow
def test_kill_9_loses_nothing_and_anchors_nothing_twice(tmp_path: Path) -> None:
    with NovaChain.connect(load_config(overrides={"data_dir": tmp_path})) as nc:
        nc.deploy(steps=deploy_steps(nc.config.blockchain))
    rng = random.Random(int(os.environ.get("NOVACRON_CRASH_SEED", "7")))
    max_acked = -1
    recovered = unconfirmed = 0
    started = time.monotonic()
    kills = 0
    while True:
        worker = Worker(tmp_path)
        assert worker.ready.wait(60), worker.stderr
        # nothing acknowledged is lost; at most the one record in flight when killed was journaled unacknowledged
        assert max_acked + 1 <= worker.start <= max_acked + 2, (kills, worker.start, max_acked)
        if kills < KILLS:
            if kills % 2 and worker.anchoring.wait(10):
                time.sleep(rng.uniform(0, 0.2))  # around sending an anchoring transaction
            else:
                time.sleep(rng.uniform(0.2, 2.5))
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.proc.pid, signal.SIGKILL)
        worker.finish()
        acked = worker.acked
        assert acked == list(range(worker.start, worker.start + len(acked)))
        if acked:
            max_acked = acked[-1]
        recovered += worker.stderr.count("was already on chain: confirmed")
        unconfirmed += worker.stderr.count("an unconfirmed batch to reconcile")
        if worker.proc.returncode == 0:
            assert worker.lines[-1] == f"done {N} 0 0"
            break
        assert worker.proc.returncode == -signal.SIGKILL, worker.stderr
        kills += 1
    assert kills >= min(KILLS, 4)
    print(
        f"\n{kills} kills; {unconfirmed} restarts found a batch written but unconfirmed, {recovered} of them on chain "
        f"(confirmed, not resent), the others sent again; {time.monotonic() - started:.1f} s"
    )

    expected = collections.Counter(leaf_hash(make_record(i).canonical_bytes()) for i in range(N))
    with (
        NovaChain.connect(load_config(overrides={"data_dir": tmp_path})) as nc,
        EmbeddedStore(tmp_path / "ipfs") as store,
    ):
        anchor = nc.contract("StateAnchor")
        logs = nc.chain.w3.eth.get_logs(
            {"address": anchor.address, "topics": ["0x" + BATCH_ANCHORED_TOPIC.hex()], "fromBlock": 0}
        )
        assert len(logs) == nc.chain.call(anchor.functions.batchCount())
        seen: collections.Counter[bytes] = collections.Counter()
        sample = []
        for log in logs:
            batch_id = int.from_bytes(bytes(log["topics"][1]), "big")
            root = bytes(log["topics"][2])
            count, manifest_cid = abi_decode(["uint32", "string"], bytes(log["data"]))
            manifest = read_manifest(store, manifest_cid)
            leaves = [leaf for _cid, leaf, _vm in manifest.records]
            assert len(leaves) == count
            tree = MerkleTree(leaves)
            assert tree.root == root
            for i, (cid, leaf, _vm) in enumerate(manifest.records):
                assert leaf_hash(store.get_block(cid)) == leaf  # the record in IPFS is the one anchored
                assert verify_proof(root, leaf, tree.proof(i))
            seen.update(leaves)
            sample.append((batch_id, leaves[len(leaves) // 2], tree.proof(len(leaves) // 2)))
        assert seen == expected  # every record anchored, none twice
        for batch_id, leaf, proof in sample:
            assert nc.chain.call(anchor.functions.verifyRecord(batch_id, leaf, proof))
        with StateManager(nc.chain, anchor, store, data_dir=tmp_path / "state") as sm:
            summary = sm.summary()
            assert (summary.anchored, summary.pending, summary.intended) == (N, 0, 0)
            history = sm.get_history("vm-0003")
            assert [h.record for h in history] == [make_record(i) for i in range(3, N, 10)]
            assert sm.verify_state_integrity("vm-0007").valid
