"""The overlapped batcher: batch N is anchored by the sender thread while batch N+1 is stored; records recorded
during an in-flight anchor are anchored later, each exactly once; a failed send is reconciled; memory stays bounded
(at most ``max_in_flight`` batches wait behind the one being sent)."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ChainError
from novacron_chain.state import StateManager
from novacron_chain.state._index import BatchRow
from novacron_chain.state._types import BatchResult

from .conftest import make_record

Open = Callable[..., StateManager]


def _wait(cond: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


Gate = Callable[[StateManager], tuple[threading.Event, threading.Event]]


@pytest.fixture
def gate() -> Iterator[Gate]:
    """``gate(sm)`` holds every send of ``sm`` until ``release`` is set; ``sending`` is set once the first send
    waits. Released at teardown whatever happened (before the manager closes: this fixture comes last)."""
    released: list[threading.Event] = []

    def _gate(sm: StateManager) -> tuple[threading.Event, threading.Event]:
        release, sending = threading.Event(), threading.Event()
        released.append(release)
        original = sm._anchorer.send

        def gated(batch: BatchRow) -> BatchResult:
            sending.set()
            release.wait(30)
            return original(batch)

        sm._anchorer.send = gated  # type: ignore[method-assign]
        return release, sending

    yield _gate
    for release in released:
        release.set()


def _check_exactly_once(sm: StateManager, n: int) -> None:
    seqs: collections.Counter[int] = collections.Counter()
    batches = sm._index.batches()
    assert batches
    assert all(b.status == "anchored" for b in batches)
    for batch in batches:
        seqs.update(r.seq for r in sm._index.records_in(batch.id))
    assert sorted(seqs) == list(range(1, n + 1))
    assert set(seqs.values()) == {1}
    ids = [b.chain_batch_id for b in batches]
    assert len(set(ids)) == len(ids)
    on_chain = [sm.chain.call(sm.contract.functions.batchOf(b.root)) for b in batches]
    assert [(int(i), int(c)) for i, _at, c in on_chain] == [(b.chain_batch_id, b.leaf_count) for b in batches]


def test_records_recorded_while_an_anchor_is_in_flight_are_anchored_later_once(
    sembedded: NovaChain, open_manager: Open, gate: Gate
) -> None:
    sm = open_manager(sembedded, batch_size=10, batch_max_wait=3600)
    release, sending = gate(sm)
    sm.start()
    for i in range(10):
        sm.record_vm_state(make_record(i))
    assert sending.wait(30)  # batch 1 is being anchored, held
    for i in range(10, 35):  # recorded while batch 1 is in flight
        sm.record_vm_state(make_record(i))
    # batches 2 and 3 are stored meanwhile (intended in the index with their proofs), the 5 left wait
    _wait(
        lambda: sm.summary().intended == 30 and sm.pending_count == 5,
        "batches 2 and 3 stored during the anchoring of batch 1",
    )
    assert sm.summary().anchored == 0
    release.set()
    _wait(lambda: sm.summary().anchored == 30, "the three batches anchored")
    assert [r.first_seq for r in sm.stop()] == [31]  # the last 5, anchored by the final flush
    assert sm.last_error is None
    _check_exactly_once(sm, 35)


def test_memory_stays_bounded_while_the_chain_is_slow(sembedded: NovaChain, open_manager: Open, gate: Gate) -> None:
    sm = open_manager(sembedded, batch_size=5, batch_max_wait=0.05)
    release, sending = gate(sm)
    sm.start()
    for i in range(30):
        sm.record_vm_state(make_record(i))
    assert sending.wait(30)
    # one batch in send, max_in_flight (2) queued, one more stored and waiting to be queued: no more
    _wait(lambda: sm.summary().intended == 20 and sm.pending_count == 10, "the pipeline to fill")
    time.sleep(0.3)
    assert sm.summary().intended == 20  # the rest waits in the queue (bounded by max_pending)
    assert sm.pending_count == 10
    release.set()
    _wait(lambda: sm.summary().anchored == 30, "everything anchored")
    sm.stop()
    _check_exactly_once(sm, 30)


def test_a_failed_send_is_reconciled_and_nothing_is_anchored_twice(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded, batch_size=8, batch_max_wait=0.05)
    original = sm._anchorer.send
    failures = [1]

    def flaky(batch: BatchRow) -> BatchResult:
        if failures and batch.first_seq > 8:  # the second batch fails once, as a node that went away would
            failures.pop()
            raise ChainError("node unreachable (test)")
        return original(batch)

    sm._anchorer.send = flaky  # type: ignore[method-assign]
    sm.start()
    for i in range(40):
        sm.record_vm_state(make_record(i))
    _wait(lambda: sm.summary().anchored == 40, "everything anchored after the retry", timeout=60)
    sm.stop()
    assert not failures
    _check_exactly_once(sm, 40)


def test_flush_pipelines_and_returns_every_batch_in_order(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded, batch_size=7)
    for i in range(30):
        sm.record_vm_state(make_record(i))
    results = sm.flush()
    assert [(r.first_seq, r.last_seq) for r in results] == [(1, 7), (8, 14), (15, 21), (22, 28), (29, 30)]
    assert [r.batch_id for r in results] == sorted(r.batch_id for r in results)
    assert sm.flush() == []
    _check_exactly_once(sm, 30)


def test_a_crash_with_batches_in_flight_loses_nothing(sembedded: NovaChain, open_manager: Open, gate: Gate) -> None:
    sm = open_manager(sembedded, batch_size=6, batch_max_wait=0.05)
    release, sending = gate(sm)
    sm.start()
    for i in range(30):
        sm.record_vm_state(make_record(i))
    assert sending.wait(30)
    _wait(lambda: sm.summary().intended >= 12, "batches stored while one is in flight")
    # the process dies here: stored batches are intended in the index, the rest is in the journal. The sender is
    # let go only once the manager is closed (a killed process sends nothing more; the test closes it cleanly).
    sm._anchorer.send = lambda batch: (_ for _ in ()).throw(ChainError("killed (test)"))  # type: ignore[method-assign]
    release.set()
    sm.close()
    again = open_manager(sembedded, batch_size=6)
    again.flush()
    _check_exactly_once(again, 30)
