"""The sequencer's write-ahead log: records come back as written; a torn or corrupt tail is cut at open and never
hides a later record."""

from __future__ import annotations

from pathlib import Path

from novacron_chain.l2 import WriteAheadLog
from novacron_chain.l2._tree import keccak
from novacron_chain.l2._wal import (
    Posted,
    Posting,
    WalKind,
    dropped_record,
    op_record,
    posted_record,
    posting_record,
    queue_record,
)


def test_records_round_trip_and_survive_reopening(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path / "wal.log")
    wal.append(op_record(b"\x01" * 109) + queue_record(7, b"\x04\x00\x00\x00\x02"))
    wal.append(posting_record(Posting(3, 11, 0, 2, b"raw tx")))
    wal.append(posted_record(Posted(3, 99, b"\xaa" * 32, True)) + dropped_record(b"\xbb" * 32, "wrong nonce"))
    wal.close()
    again = WriteAheadLog(tmp_path / "wal.log")
    kinds = [r.kind for r in again.records()]
    assert kinds == [WalKind.OP, WalKind.QUEUE, WalKind.POSTING, WalKind.POSTED, WalKind.DROPPED]
    op, queue, posting, posted, dropped = again.records()
    assert op.op() == b"\x01" * 109
    assert (queue.queue_index(), queue.op()) == (7, b"\x04\x00\x00\x00\x02")
    assert posting.posting() == Posting(3, 11, 0, 2, b"raw tx")
    assert posted.posted() == Posted(3, 99, b"\xaa" * 32, True)
    assert dropped.dropped() == (b"\xbb" * 32, "wrong nonce")
    assert again.truncated == 0
    again.close()


def test_a_torn_tail_is_cut_and_appends_follow_the_last_whole_record(tmp_path: Path) -> None:
    path = tmp_path / "wal.log"
    wal = WriteAheadLog(path)
    wal.append(op_record(b"\x03" * 85))
    wal.close()
    whole = path.stat().st_size
    with path.open("ab") as f:  # a crash in the middle of the next write
        f.write(op_record(b"\x03" * 85)[:30])
    wal = WriteAheadLog(path)
    assert wal.truncated == 30
    assert path.stat().st_size == whole
    wal.append(op_record(b"\x02" * 105))
    wal.close()
    assert [r.op()[0] for r in WriteAheadLog(path).records()] == [3, 2]


def test_a_corrupt_record_ends_the_log(tmp_path: Path) -> None:
    path = tmp_path / "wal.log"
    wal = WriteAheadLog(path)
    wal.append(op_record(b"\x01" * 109) + op_record(b"\x01" * 109) + op_record(b"\x01" * 109))
    wal.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # flip a byte inside the second record
    path.write_bytes(bytes(data))
    wal = WriteAheadLog(path)
    assert len(wal.records()) == 1  # nothing after a record that fails its CRC is trusted
    wal.close()


def test_compaction_keeps_what_a_restart_needs_and_offsets_stay_valid(tmp_path: Path) -> None:
    path = tmp_path / "wal.log"
    wal = WriteAheadLog(path)
    first = wal.append(op_record(b"\x01" * 109) * 20 + queue_record(0, b"\x04\x00\x00\x00\x01"))
    done = posting_record(Posting(0, 5, 0, 21, b"raw of batch 0"))
    wal.append(done)
    wal.append(dropped_record(b"\xdd" * 32, "wrong nonce"))
    wal.append(posted_record(Posted(0, 40, keccak(b"raw of batch 0"), True)))
    unfinished = wal.append(posting_record(Posting(1, 6, 21, 30, b"raw of batch 1")))  # no receipt logged (a crash)
    cut = wal.append(op_record(b"\x02" * 105) * 9) + 9 * len(op_record(b"\x02" * 105))  # batch 1 ends here
    after = wal.append(op_record(b"\x03" * 85))
    assert first == 0
    assert wal.end == path.stat().st_size
    before = wal.size

    assert wal.compact(cut, minimum=10**9) == 0  # below the threshold: untouched
    freed = wal.compact(cut)
    assert freed > 0
    assert wal.size == before - freed == path.stat().st_size
    assert wal.end == after + len(op_record(b"\x03" * 85))  # logical offsets keep counting
    kinds = [r.kind for r in wal.records()]
    assert kinds == [WalKind.DROPPED, WalKind.POSTING, WalKind.OP]
    assert wal.records()[1].posting().batch_index == 1
    assert unfinished < cut

    # appends go on at logical offsets; a second compaction up to a later cut drops the rest but keeps the drop
    # record and the unfinished proposal
    later = wal.append(op_record(b"\x01" * 109)) + len(op_record(b"\x01" * 109))
    assert later == wal.end
    assert wal.compact(later) > 0
    assert [r.kind for r in wal.records()] == [WalKind.DROPPED, WalKind.POSTING]
    wal.append(op_record(b"\x02" * 105))
    wal.close()
    again = WriteAheadLog(path)  # reopened: whole, nothing torn, the compaction's temporary file gone
    assert [r.kind for r in again.records()] == [WalKind.DROPPED, WalKind.POSTING, WalKind.OP]
    assert again.truncated == 0
    assert not (tmp_path / "wal.log.compact").exists()
    again.close()
