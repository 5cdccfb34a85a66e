"""State snapshots (a restart's starting point): an image rebuilds the same state and root; the file is written
atomically, keeps the newest two, and a damaged, cut or foreign-format file is named and never decoded; a forked
writer writes the state as it was at the fork, whatever the parent does next, and a failed one says why."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.l2._errors import L2StateError
from novacron_chain.l2._snapshot import (
    KEEP,
    Snapshot,
    StateImage,
    clean_partial,
    fork_writer,
    read_snapshots,
    reap_writer,
    write_snapshot,
)
from novacron_chain.l2._state import L2State

from .conftest import DOMAIN, TOKENS, make_world
from .test_state import _random_ops


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 30))
def test_an_image_rebuilds_the_same_state(seed: int, n: int) -> None:
    w = make_world(3)
    for op in _random_ops(w, random.Random(seed), n):
        w.state.apply(op)  # type: ignore[arg-type]
    state = w.state
    root = state.commit()
    again = L2State.from_image(DOMAIN, TOKENS, state.image())
    assert again.root == root == again.full_root()
    assert [again.account(i) for i in range(again.account_count)] == [
        state.account(i) for i in range(state.account_count)
    ]
    assert [again.withdrawal(i) for i in range(again.withdrawal_count)] == [
        state.withdrawal(i) for i in range(state.withdrawal_count)
    ]
    assert all(again.index_of(a) == state.index_of(a) for a in w.addrs)
    assert again.queue_processed == state.queue_processed
    image = state.image()
    short = StateImage(image.addresses, image.nonces[:-1], image.balances, [], 0)
    with pytest.raises(L2StateError, match="malformed"):
        L2State.from_image(DOMAIN, TOKENS, short)


def _meta(index: int) -> dict[str, object]:
    return {"batch_index": index, "post_root": "0x" + bytes(32).hex(), "position": 3 * index, "batches": []}


def test_snapshot_files_round_trip_keep_the_newest_and_name_damage(tmp_path: Path) -> None:
    w = make_world(4)
    image = w.state.image()
    for index in (3, 11, 7):
        write_snapshot(tmp_path, _meta(index), image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot-11.bin", "snapshot-7.bin"][:KEEP]
    found = read_snapshots(tmp_path)
    assert [s.batch_index for s in found if isinstance(s, Snapshot)] == [11, 7]
    first = found[0]
    assert isinstance(first, Snapshot)
    assert first.image == image
    assert first.meta == _meta(11)

    # a flipped byte, a cut file, another format: named, never decoded
    path = tmp_path / "snapshot-11.bin"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    (tmp_path / "snapshot-7.bin").write_bytes(path.read_bytes()[:40])
    (tmp_path / "snapshot-5.bin").write_bytes(b"PK\x03\x04 not ours")
    why = {p.name: reason for p, reason in (s for s in read_snapshots(tmp_path) if isinstance(s, tuple))}
    assert "checksum" in why["snapshot-11.bin"]
    assert "not a snapshot file" in why["snapshot-7.bin"]
    assert "not a snapshot file" in why["snapshot-5.bin"]
    assert read_snapshots(tmp_path / "missing") == []

    # a write a crash cut short leaves only its temporary file, removed before the next writer starts
    (tmp_path / ".snapshot-12.tmp").write_bytes(b"half")
    assert clean_partial(tmp_path) == 1
    assert not list(tmp_path.glob(".snapshot-*"))
    assert clean_partial(tmp_path / "missing") == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here: the sequencer copies and writes on a thread")
def test_a_forked_writer_writes_the_state_as_it_was_at_the_fork(tmp_path: Path) -> None:
    w = make_world(4)
    rng = random.Random(7)
    for op in _random_ops(w, rng, 20):
        w.state.apply(op)  # type: ignore[arg-type]
    state = w.state
    root = state.commit()
    before = state.image()  # a copy, to compare with
    pid, fd = fork_writer(tmp_path, _meta(5), state.image(copy=False))  # the live lists
    for op in _random_ops(w, rng, 20):  # the parent goes on at once: the child must not see it
        state.apply(op)  # type: ignore[arg-type]
    assert state.commit() != root
    assert reap_writer(pid, fd) is None
    (snap,) = read_snapshots(tmp_path)
    assert isinstance(snap, Snapshot)
    assert snap.image == before
    assert snap.meta == _meta(5)
    assert L2State.from_image(DOMAIN, TOKENS, snap.image).root == root

    # a writer that cannot write says why (here its temporary file's name is taken by a directory)
    (tmp_path / ".snapshot-6.tmp").mkdir()
    pid, fd = fork_writer(tmp_path, _meta(6), state.image(copy=False))
    why = reap_writer(pid, fd)
    assert why is not None
    assert "Is a directory" in why
    assert ".snapshot-6.tmp" in why
    assert [s.batch_index for s in read_snapshots(tmp_path) if isinstance(s, Snapshot)] == [5]


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/fd").is_dir(), reason="needs fork and /proc")
def test_a_forked_writer_holds_none_of_the_nodes_sockets(tmp_path: Path) -> None:
    """A node killed while its writer runs must be able to bind its port again at once: the child keeps no socket."""
    import signal
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    os.mkfifo(tmp_path / ".snapshot-8.tmp")  # the child blocks opening its temporary file: no reader yet
    pid, fd = fork_writer(tmp_path, _meta(8), make_world(2).state.image(copy=False))
    try:
        deadline = time.monotonic() + 10
        held: list[str] = []
        while time.monotonic() < deadline:  # until the child has closed what it inherited
            held = [t for t in (_fd_target(pid, name) for name in os.listdir(f"/proc/{pid}/fd")) if "socket:" in t]
            if not held:
                break
            time.sleep(0.01)
        assert held == []
        listener.close()
        socket.create_server(("127.0.0.1", port)).close()  # the port is free while the child still runs
    finally:
        listener.close()
        os.kill(pid, signal.SIGKILL)
    assert reap_writer(pid, fd) == "the writer died of signal 9"


def _fd_target(pid: int, name: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/fd/{name}")
    except OSError:
        return ""
