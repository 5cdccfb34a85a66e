"""Slashing protection: a key never signs two roots for one (domain, height), across restarts and kill -9."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from novacron_chain.consensus import (
    INTERCHANGE_FORMAT,
    BelowWatermarkError,
    BlsSecretKey,
    ConsensusValueError,
    DoubleSignRefusedError,
    ProtectionLockedError,
    ProtectionRecordError,
    SlashingProtection,
    domain_id,
)

KEY = BlsSecretKey.from_seed(b"\x11" * 32).public_key()
OTHER_KEY = BlsSecretKey.from_seed(b"\x22" * 32).public_key()
STATE, L2 = domain_id("state"), domain_id("l2")


def root(tag: str, height: int) -> bytes:
    return hashlib.sha256(f"{tag}/{height}".encode()).digest()


def test_same_root_again_is_allowed_another_root_is_refused(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path, KEY) as guard:
        assert guard.check_and_record(STATE, 1, root("a", 1)) is True
        assert guard.check_and_record(STATE, 1, root("a", 1)) is False  # re-signing the same root: harmless
        with pytest.raises(DoubleSignRefusedError) as err:
            guard.check_and_record(STATE, 1, root("b", 1))
        assert err.value.height == 1
        assert err.value.signed_root == root("a", 1)
        assert err.value.to_dict()["requested_root"] == "0x" + root("b", 1).hex()
        # other heights and other domains are independent; a lower height is not an offence
        assert guard.check_and_record(L2, 1, root("b", 1))
        assert guard.check_and_record(STATE, 3, root("a", 3))
        assert guard.check_and_record(STATE, 2, root("a", 2))
        assert guard.signed_root(STATE, 2) == root("a", 2)
        assert guard.signed_root(STATE, 9) is None
        assert len(list(guard.entries())) == 4
        for bad in ((b"\x01" * 31, 1, root("a", 1)), (STATE, -1, root("a", 1)), (STATE, 2**64, root("a", 1))):
            with pytest.raises(ConsensusValueError):
                guard.check_and_record(*bad)


def test_the_record_survives_a_restart(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path, KEY) as guard:
        for h in range(5):
            guard.check_and_record(STATE, h, root("a", h))
    path = tmp_path / f"{KEY.to_bytes().hex()}.jsonl"
    assert path.read_text().count("\n") == 6  # header + 5
    with SlashingProtection.open(tmp_path, KEY) as guard:
        for h in range(5):
            with pytest.raises(DoubleSignRefusedError):
                guard.check_and_record(STATE, h, root("b", h))
            assert guard.check_and_record(STATE, h, root("a", h)) is False


def test_one_signer_per_key(tmp_path: Path) -> None:
    guard = SlashingProtection.open(tmp_path, KEY)
    try:
        with pytest.raises(ProtectionLockedError) as err:
            SlashingProtection.open(tmp_path, KEY)
        assert err.value.exit_code == 2
        other_process = subprocess.run(
            [sys.executable, "-c", CHILD, str(tmp_path), KEY.hex(), "0", "0"], capture_output=True, text=True
        )
        assert "ProtectionLockedError" in other_process.stderr
        SlashingProtection.open(tmp_path, OTHER_KEY).close()  # another key is another record
    finally:
        guard.close()
    SlashingProtection.open(tmp_path, KEY).close()  # free again after close
    with pytest.raises(ProtectionRecordError, match="closed"):
        guard.check_and_record(STATE, 1, root("a", 1))


def test_a_torn_last_line_is_dropped_and_cut_off(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path, KEY) as guard:
        guard.check_and_record(STATE, 1, root("a", 1))
        path = guard.path
    with path.open("ab") as fh:  # what a crash in the middle of a write leaves
        fh.write(f'{{"d":"{STATE.hex()}","h":2,"r":"{root("a", 2).hex()[:20]}'.encode())
    with SlashingProtection.open(tmp_path, KEY) as guard:
        assert guard.signed_root(STATE, 2) is None  # never released: check_and_record had not returned
        assert guard.check_and_record(STATE, 2, root("b", 2))
        assert guard.check_and_record(STATE, 3, root("b", 3))
    with SlashingProtection.open(tmp_path, KEY) as guard:
        assert [h for _, h, _ in guard.entries()] == [1, 2, 3]
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_crash_while_creating_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / f"{KEY.to_bytes().hex()}.jsonl"
    path.write_bytes(b'{"novacron_slash')  # header torn: nothing was ever recorded, so nothing was signed
    with SlashingProtection.open(tmp_path, KEY) as guard:
        assert guard.check_and_record(STATE, 1, root("a", 1))
    with SlashingProtection.open(tmp_path, KEY) as guard:
        assert guard.signed_root(STATE, 1) == root("a", 1)


def test_corruption_or_another_keys_record_refuses_to_sign(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path, KEY) as guard:
        guard.check_and_record(STATE, 1, root("a", 1))
        guard.check_and_record(STATE, 2, root("a", 2))
        path = guard.path
    good = path.read_bytes()
    lines = good.split(b"\n")
    path.write_bytes(b"\n".join([lines[0], b"garbage", *lines[2:]]))
    with pytest.raises(ProtectionRecordError, match="corrupt at line 2") as err:
        SlashingProtection.open(tmp_path, KEY)
    assert "deleting it would forget" in str(err.value)
    path.write_bytes(b"\n".join([lines[0], lines[1], lines[1].replace(b'"r":"', b'"r":"ff'[:6]), *lines[2:]]))
    with pytest.raises(ProtectionRecordError):
        SlashingProtection.open(tmp_path, KEY)
    two_roots = lines[1].replace(root("a", 1).hex().encode(), root("b", 1).hex().encode())
    path.write_bytes(b"\n".join([lines[0], lines[1], two_roots, b""]))
    with pytest.raises(ProtectionRecordError, match="holds two roots"):
        SlashingProtection.open(tmp_path, KEY)
    path.write_bytes(good)
    path.rename(tmp_path / f"{OTHER_KEY.to_bytes().hex()}.jsonl")
    with pytest.raises(ProtectionRecordError, match="is the record of key"):
        SlashingProtection.open(tmp_path, OTHER_KEY)


def test_compaction_keeps_recent_heights_and_refuses_below_the_watermark(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path, KEY) as guard:
        for h in range(1, 11):
            guard.check_and_record(STATE, h, root("a", h))
        guard.check_and_record(L2, 5, root("a", 5))
        assert guard.compact(keep=3) == {STATE: 7}
        assert guard.watermark(STATE) == 7
        assert guard.watermark(L2) is None
        with pytest.raises(BelowWatermarkError) as err:
            guard.check_and_record(STATE, 2, root("a", 2))  # forgotten: refused even with the old root
        assert err.value.watermark == 7
        with pytest.raises(DoubleSignRefusedError):
            guard.check_and_record(STATE, 9, root("b", 9))
        assert guard.check_and_record(STATE, 11, root("a", 11))
        with pytest.raises(ConsensusValueError):
            guard.compact(keep=0)
    with SlashingProtection.open(tmp_path, KEY) as guard:  # the compacted file reloads the same
        assert guard.watermark(STATE) == 7
        assert [h for d, h, _ in guard.entries() if d == STATE] == [8, 9, 10, 11]
        with pytest.raises(BelowWatermarkError):
            guard.check_and_record(STATE, 7, root("a", 7))


def test_export_and_import_move_the_history_with_the_key(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path / "old", KEY) as guard:
        for h in range(1, 6):
            guard.check_and_record(STATE, h, root("a", h))
        guard.compact(keep=4)
        exported = guard.export_file(tmp_path / "history.json")
    data = json.loads(exported.read_text())
    assert data["metadata"]["interchange_format"] == INTERCHANGE_FORMAT
    assert data["data"][0]["signed_checkpoints"][0] == {
        "domain": "0x" + STATE.hex(),
        "height": "2",
        "root": "0x" + root("a", 2).hex(),
    }
    with SlashingProtection.open(tmp_path / "new", KEY) as guard:
        guard.check_and_record(STATE, 5, root("a", 5))  # already signed on both machines: known
        guard.check_and_record(STATE, 3, root("x", 3))  # signed differently here: a conflict
        summary = guard.import_interchange(exported)
        assert (summary.imported, summary.known) == (2, 1)  # heights 2 and 4
        assert summary.conflicts == [(STATE, 3)]
        assert guard.watermark(STATE) == 3  # the conflict's height; the exported watermark was 1
        for h in (2, 4, 5):
            with pytest.raises(DoubleSignRefusedError):
                guard.check_and_record(STATE, h, root("b", h))
        with pytest.raises(BelowWatermarkError):
            guard.check_and_record(STATE, 1, root("b", 1))
        assert guard.import_interchange(data).imported == 0  # idempotent
    with SlashingProtection.open(tmp_path / "new", KEY) as guard:  # and durable
        assert guard.signed_root(STATE, 4) == root("a", 4)
        assert guard.watermark(STATE) == 3


def test_bad_interchange_files_are_refused(tmp_path: Path) -> None:
    with SlashingProtection.open(tmp_path, KEY) as guard:
        exported = guard.export_interchange()
    with SlashingProtection.open(tmp_path, OTHER_KEY) as guard:
        with pytest.raises(ProtectionRecordError, match="holds no history of key"):
            guard.import_interchange(exported)
        with pytest.raises(ProtectionRecordError, match="interchange_format"):
            guard.import_interchange({"metadata": {}, "data": []})
        bad = json.loads(json.dumps(exported))
        bad["data"][0]["pubkey"] = OTHER_KEY.hex()
        bad["data"][0]["signed_checkpoints"] = [{"domain": "0x12", "height": "1", "root": "0x00"}]
        with pytest.raises(ProtectionRecordError, match="malformed"):
            guard.import_interchange(bad)
        with pytest.raises(ProtectionRecordError, match="does not exist"):
            guard.import_interchange(tmp_path / "missing.json")
        (tmp_path / "junk.json").write_text("{")
        with pytest.raises(ProtectionRecordError, match="not readable JSON"):
            guard.import_interchange(tmp_path / "junk.json")


# A validator that signs heights as fast as it can, printing each height only after check_and_record returned:
# a printed height is a released signature. argv: directory, pubkey, first height, last height.
CHILD = textwrap.dedent(
    """
    import hashlib, sys
    from novacron_chain.consensus import BlsPublicKey, SlashingProtection, domain_id
    directory, key, first, last = sys.argv[1], BlsPublicKey.from_bytes(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    domain = domain_id("state")
    with SlashingProtection.open(directory, key) as guard:
        for h in range(first, last + 1):
            guard.check_and_record(domain, h, hashlib.sha256(f"a/{h}".encode()).digest())
            sys.stdout.write(f"{h}\\n")
            sys.stdout.flush()
    """
)


def _kill_loop(tmp_path: Path, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    released: set[int] = set()
    next_height = 0
    for _ in range(kills):
        first = max(0, next_height - rng.randint(0, 3))  # sometimes re-sign a few heights: same root, allowed
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path), KEY.hex(), str(first), str(first + 1_000_000)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first release: the child is mid-loop
        assert line, proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0, 0.03))
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        rest = proc.stdout.read()  # everything printed before the kill was released too (same buffered reader)
        proc.stdout.close()
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL, err
        heights = [int(x) for x in (line + rest).split()]
        assert heights == list(range(first, first + len(heights)))
        released.update(heights)
        next_height = max(released) + 1
        # after the restart: every released height refuses another root and still allows its own
        with SlashingProtection.open(tmp_path, KEY) as guard:
            for h in sorted(released):
                with pytest.raises(DoubleSignRefusedError):
                    guard.check_and_record(STATE, h, root("b", h))
            assert all(guard.signed_root(STATE, h) == root("a", h) for h in released)
    assert len(released) > kills


def test_kill_9_mid_signing_never_allows_a_second_root(tmp_path: Path) -> None:
    _kill_loop(tmp_path, kills=6, seed=1)


@pytest.mark.slow
def test_kill_9_mid_signing_many_times(tmp_path: Path) -> None:
    _kill_loop(tmp_path, kills=40, seed=int(os.environ.get("NOVACRON_CRASH_SEED", "3")))
