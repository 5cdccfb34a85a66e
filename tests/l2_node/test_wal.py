"""The sequencer's write-ahead log: records come back as written; a torn or corrupt tail is cut at open and never
hides a later record."""

from __future__ import annotations

from pathlib import Path

from novacron_chain.l2 import WriteAheadLog
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
