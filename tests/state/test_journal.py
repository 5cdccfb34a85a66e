"""The journal: replay after restarts, a torn last write cut away, damage elsewhere refused, segments released."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from novacron_chain.state import StateDataError
from novacron_chain.state._journal import Journal


def _open(path: Path, after: int = 0, **kw: object) -> tuple[Journal, list[tuple[int, bytes]]]:
    journal = Journal(path, **kw)  # type: ignore[arg-type]
    return journal, list(journal.replay(after))


def _fill(path: Path, n: int, pad: int = 0, **kw: object) -> None:
    journal, _ = _open(path, **kw)
    start = journal.last_seq + 1
    for seq in range(start, start + n):
        journal.append(seq, b"record %d" % seq + b"." * pad)
    journal.close()


def test_replay_returns_what_was_appended_after_the_mark(tmp_path: Path) -> None:
    _fill(tmp_path, 10)
    _fill(tmp_path, 5)
    journal, replayed = _open(tmp_path, after=12)
    assert replayed == [(13, b"record 13"), (14, b"record 14"), (15, b"record 15")]
    assert journal.last_seq == 15
    journal.close()


TAILS = [b"\x07", b"\x20\x00\x00\x00\x01\x02\x03\x04" + b"\x00" * 8 + b"cut off", b"\xff" * 64]


@pytest.mark.parametrize("tail", TAILS)
def test_a_torn_last_write_is_zeroed_away(tmp_path: Path, tail: bytes) -> None:
    _fill(tmp_path, 3)
    (segment,) = tmp_path.glob("*.journal")
    end = 8 + sum(16 + len(b"record %d" % i) for i in (1, 2, 3))
    assert not any(segment.read_bytes()[end:])  # preallocated: zeros after the data
    with open(segment, "r+b") as fh:
        fh.seek(end)
        fh.write(tail)
    journal, replayed = _open(tmp_path)
    assert [s for s, _ in replayed] == [1, 2, 3]
    assert not any(segment.read_bytes()[end:])
    journal.append(4, b"record 4")  # appends continue on a clean tail
    journal.close()
    journal, replayed = _open(tmp_path)
    assert [s for s, _ in replayed] == [1, 2, 3, 4]
    journal.close()


def test_a_kill_between_data_and_header_leaves_nothing(tmp_path: Path) -> None:
    """append writes a frame's data before its header: a process killed in between leaves a zero header."""
    _fill(tmp_path, 2)
    (segment,) = tmp_path.glob("*.journal")
    end = 8 + sum(16 + len(b"record %d" % i) for i in (1, 2))
    with open(segment, "r+b") as fh:
        fh.seek(end + 16)
        fh.write(b"record 3")  # the data of record 3, its header still zero
    journal, replayed = _open(tmp_path)
    assert [s for s, _ in replayed] == [1, 2]
    journal.append(3, b"record 3 again")
    journal.close()
    journal, replayed = _open(tmp_path)
    assert replayed[-1] == (3, b"record 3 again")
    journal.close()


def test_damage_inside_an_older_segment_is_refused(tmp_path: Path) -> None:
    _fill(tmp_path, 40, pad=300, segment_bytes=4096)
    segments = sorted(tmp_path.glob("*.journal"))
    assert len(segments) > 2
    data = bytearray(segments[0].read_bytes())
    data[40] ^= 0xFF
    segments[0].write_bytes(bytes(data))
    with pytest.raises(StateDataError, match="damaged"):
        _open(tmp_path)


def test_a_missing_segment_is_refused(tmp_path: Path) -> None:
    _fill(tmp_path, 40, pad=300, segment_bytes=4096)
    segments = sorted(tmp_path.glob("*.journal"))
    segments[1].unlink()
    with pytest.raises(StateDataError, match="misses records"):
        _open(tmp_path)


def test_release_deletes_only_fully_anchored_segments(tmp_path: Path) -> None:
    _fill(tmp_path, 400, pad=100, segment_bytes=4096)
    journal, replayed = _open(tmp_path, segment_bytes=4096)
    segments = sorted(tmp_path.glob("*.journal"))
    second_first = int(segments[1].name.split(".")[0])
    assert journal.release(second_first - 2) == 0
    assert journal.release(second_first - 1) == 1
    assert journal.release(10**9) == len(segments) - 2  # never the active segment
    journal.close()
    journal, replayed = _open(tmp_path, after=400)
    assert replayed == []
    journal.append(401, b"record 401")
    journal.close()
    journal, replayed = _open(tmp_path, after=400)
    assert replayed == [(401, b"record 401")]
    journal.close()


def test_a_journal_behind_the_index_starts_a_new_segment(tmp_path: Path) -> None:
    """After a power cut the index may hold records whose journal frames were lost: seqs go on after the index."""
    _fill(tmp_path, 3)
    journal, replayed = _open(tmp_path, after=10)
    assert replayed == []
    assert journal.last_seq == 10
    journal.append(11, b"record 11")
    journal.close()
    journal, replayed = _open(tmp_path, after=10)
    assert replayed == [(11, b"record 11")]
    journal.close()


def test_wait_durable_is_group_commit(tmp_path: Path) -> None:
    journal, _ = _open(tmp_path, fsync_interval=30.0)
    lock = threading.Lock()
    seqs = iter(range(1, 10**6))

    def writer() -> None:
        for _ in range(20):
            with lock:
                seq = next(seqs)
                journal.append(seq, b"x" * 100)
            journal.wait_durable(seq)
            assert journal.synced_seq >= seq

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert journal.synced_seq == 160
    journal.close()
