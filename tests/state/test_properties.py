"""Property: whatever the order of recording, flushing, restarting and the background batcher, every record is
anchored exactly once, in order, and verifies (Hypothesis stateful test on the embedded chain; few, long examples)."""

from __future__ import annotations

import collections
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from novacron_chain import NovaChain
from novacron_chain.state import IntegrityStatus, StateManager, leaf_hash, read_manifest
from novacron_chain.storage import EmbeddedStore

from .conftest import make_record


@pytest.mark.fuzz
def test_every_record_is_anchored_exactly_once(embedded_state_session: NovaChain) -> None:
    nova = embedded_state_session

    class Recorder(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = nova.chain.snapshot()
            self.dir = Path(tempfile.mkdtemp(prefix="novacron-state-prop-"))
            self.store = EmbeddedStore(self.dir / "ipfs", durable=False)
            self.recorded: list[bytes] = []
            self.sm = self._open()

        def _open(self) -> StateManager:
            return StateManager(
                nova.chain,
                nova.contract("StateAnchor"),
                self.store,
                data_dir=self.dir / "state",
                batch_size=7,
                batch_max_wait=0.05,
                journal_segment_bytes=4096,  # rotate and release segments often
            )

        @rule(n=st.integers(1, 20))
        def record(self, n: int) -> None:
            for _ in range(n):
                i = len(self.recorded)
                self.sm.record_vm_state(make_record(i))
                self.recorded.append(leaf_hash(make_record(i).canonical_bytes()))

        @rule()
        def flush(self) -> None:
            self.sm.flush()

        @rule()
        def restart(self) -> None:
            self.sm.close()
            self.sm = self._open()

        @rule(seconds=st.sampled_from([0.0, 0.1]))
        def batcher(self, seconds: float) -> None:
            self.sm.start()
            time.sleep(seconds)
            self.sm.stop(flush=False)

        @invariant()
        def nothing_lost(self) -> None:
            summary = self.sm.summary()
            assert summary.pending + summary.intended + summary.anchored == len(self.recorded)

        def teardown(self) -> None:
            try:
                self.sm.flush()
                summary = self.sm.summary()
                assert (summary.anchored, summary.pending, summary.intended) == (len(self.recorded), 0, 0)
                anchor = nova.contract("StateAnchor")
                seen: collections.Counter[bytes] = collections.Counter()
                order: list[bytes] = []
                for batch_id in range(1, nova.chain.call(anchor.functions.batchCount()) + 1):
                    audit = self.sm.verify_batch(batch_id)
                    assert audit.status is IntegrityStatus.VALID, audit.reason
                    leaves = [leaf for _c, leaf, _v in read_manifest(self.store, audit.manifest_cid).records]
                    seen.update(leaves)
                    order.extend(leaves)
                assert seen == collections.Counter(self.recorded)  # each record once
                assert order == self.recorded  # and in the order recorded
                for vm in {f"vm-{i % 10:04d}" for i in range(len(self.recorded))}:
                    assert self.sm.verify_state_integrity(vm).valid
            finally:
                self.sm.close()
                self.store.close()
                shutil.rmtree(self.dir, ignore_errors=True)
                nova.chain.revert(self.snapshot)

    run_state_machine_as_test(
        Recorder,
        settings=settings(
            max_examples=6,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
