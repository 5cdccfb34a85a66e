"""Disaster recovery: back up the audit log as one DAG and a CAR file, delete everything, restore, verify."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import StorageError
from novacron_chain.state import (
    IntegrityStatus,
    StateBackupError,
    StateManager,
    StateValueError,
    restore_state,
)
from novacron_chain.storage import CarReader, CarWriter, Cid, EmbeddedStore

from .conftest import make_record

Open = Callable[..., StateManager]
VMS = [f"vm-{i:04d}" for i in range(10)]


def _record_and_backup(nc: NovaChain, open_manager: Open, tmp_path: Path) -> tuple[Path, str, dict[str, object]]:
    sm = open_manager(nc, batch_size=16)
    sm.record_vm_state(make_record(0), config=b'{"vcpus": 1}', logs=b"booted\n")
    for i in range(1, 40):
        sm.record_vm_state(make_record(i))
    sm.flush()
    sm.record_vm_state(make_record(40))  # not anchored: left out, and said so
    history = {vm: sm.get_history(vm) for vm in VMS}
    result = sm.backup(tmp_path / "backup.car")
    assert (result.records, result.batches, result.unanchored) == (40, 3, 1)
    assert result.path == str(tmp_path / "backup.car")
    assert result.size == (tmp_path / "backup.car").stat().st_size
    assert sm.backup().root == result.root  # deterministic
    sm.close()
    return tmp_path / "backup.car", result.root, history


def _wipe(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "state")
    shutil.rmtree(tmp_path / "ipfs")


def test_backup_delete_restore_verify(snova: NovaChain, open_manager: Open, tmp_path: Path) -> None:
    car, root, history = _record_and_backup(snova, open_manager, tmp_path)
    _wipe(tmp_path)
    anchor = snova.contract("StateAnchor")
    with EmbeddedStore(tmp_path / "ipfs", durable=False) as store:
        result = restore_state(snova.chain, anchor, store, data_dir=tmp_path / "state", car=car)
        assert (result.root, result.batches, result.records, result.vms) == (root, 3, 40, 10)
        assert root in store.pins()
    sm = open_manager(snova)
    for vm in VMS:
        report = sm.verify_state_integrity(vm)
        assert report.status is IntegrityStatus.VALID, report.reason
        assert len(report.records) == 4
        assert sm.get_history(vm) == history[vm]
    for batch in {h.batch_id for entries in history.values() for h in entries}:
        assert sm.verify_batch(batch).status is IntegrityStatus.VALID
    # the restored manager carries on: new records after the restored seqs, anchored as usual
    assert sm.record_vm_state(make_record(99)).seq == 41
    assert sm.flush()[0].leaf_count == 1
    assert sm.verify_state_integrity("vm-0009").valid


def test_restore_by_cid_from_another_store(snova: NovaChain, open_manager: Open, tmp_path: Path) -> None:
    _car, root, _history = _record_and_backup(snova, open_manager, tmp_path)
    shutil.rmtree(tmp_path / "state")
    (tmp_path / "ipfs").rename(tmp_path / "remote")  # e.g. a Kubo node where the backup was pinned
    with EmbeddedStore(tmp_path / "remote") as remote, EmbeddedStore(tmp_path / "ipfs", durable=False) as store:
        anchor = snova.contract("StateAnchor")
        result = restore_state(snova.chain, anchor, store, data_dir=tmp_path / "state", cid=root, source=remote)
        assert result.records == 40
    sm = open_manager(snova)
    assert all(sm.verify_state_integrity(vm).valid for vm in VMS)


def _rewrite(car: Path, keep: Callable[[Cid, bytes], bytes | None]) -> bytes:
    with CarReader(car) as reader:
        blocks = list(reader)
        out = io.BytesIO()
        writer = CarWriter(out, reader.roots)
    for cid, data in blocks:
        new = keep(cid, data)
        if new is not None:
            writer.add(cid, new)
    return out.getvalue()


def _refused(nc: NovaChain, tmp_path: Path, raw: bytes, error: type[Exception], match: str) -> None:
    damaged = tmp_path / "damaged.car"
    damaged.write_bytes(raw)
    with EmbeddedStore(tmp_path / "ipfs", durable=False) as store:
        with pytest.raises(error, match=match):
            restore_state(nc.chain, nc.contract("StateAnchor"), store, data_dir=tmp_path / "state", car=damaged)
        assert store.pins() == []
    assert not (tmp_path / "state").exists()
    assert not list(tmp_path.glob(".restore-*"))


def test_tampered_or_incomplete_backups_are_refused(snova: NovaChain, open_manager: Open, tmp_path: Path) -> None:
    car, _root, _history = _record_and_backup(snova, open_manager, tmp_path)
    _wipe(tmp_path)
    raw = car.read_bytes()
    record = make_record(17).canonical_bytes()
    at = raw.index(record)

    flipped = bytearray(raw)
    flipped[at + 5] ^= 0x01  # one byte of one record
    _refused(snova, tmp_path, bytes(flipped), StorageError, "corrupted")

    without = _rewrite(car, lambda _cid, data: None if data == record else data)
    _refused(snova, tmp_path, without, StateBackupError, "incomplete: 1 linked blocks are missing")

    # a record swapped for another under its own CID: the block hash-checks, the leaf does not match the chain
    other = make_record(18).canonical_bytes()
    swapped = _rewrite(car, lambda _cid, data: other if data == record else data)
    _refused(snova, tmp_path, swapped, StorageError, "corrupted")


def test_restore_refuses_an_existing_state_dir_another_anchor_and_a_reset_chain(
    snova: NovaChain, open_manager: Open, tmp_path: Path
) -> None:
    before = snova.chain.snapshot()
    car, _root, _history = _record_and_backup(snova, open_manager, tmp_path)
    anchor = snova.contract("StateAnchor")
    with EmbeddedStore(tmp_path / "ipfs", durable=False) as store:
        with pytest.raises(StateValueError, match="already holds VM state"):
            restore_state(snova.chain, anchor, store, data_dir=tmp_path / "state", car=car)
        with pytest.raises(StateValueError, match="exactly one of car"):
            restore_state(snova.chain, anchor, store, data_dir=tmp_path / "fresh")
        elsewhere = snova.chain.w3.eth.contract(address="0x" + "11" * 20, abi=anchor.abi)
        with pytest.raises(StateBackupError, match="was made for StateAnchor") as info:
            restore_state(snova.chain, elsewhere, store, data_dir=tmp_path / "fresh", car=car)
        assert "--network" in (info.value.hint or "")
    snova.chain.revert(before)  # the anchoring blocks are gone, as after a chain reset
    _wipe(tmp_path)
    _refused(snova, tmp_path, car.read_bytes(), StateBackupError, "is not on chain")


def test_cli_backup_delete_restore_verify(tmp_path: Path) -> None:
    from novacron_chain import load_config
    from novacron_chain.cli import _state_cmds
    from novacron_chain.state import deploy_steps
    from tests._support import Cli

    with NovaChain.connect(load_config(overrides={"data_dir": tmp_path})) as nc:
        nc.deploy(steps=deploy_steps(nc.config.blockchain))
    cli = Cli(tmp_path, _state_cmds.register)
    for vm in ("vm-1", "vm-2"):
        cli.json("state", "record", "--vm-id", vm, "--state", "running", "--region", "us-east-1", "--cpu", "2",
                 "--memory", "1024")  # fmt: skip
    cli.json("state", "flush")
    made = cli.json("state", "backup", "--out", str(tmp_path / "audit.car"))
    assert made["records"] == 2
    assert made["root"].startswith("bafy")
    assert made["unanchored"] == 0
    assert "exported to" in cli.text("state", "backup", "-o", str(tmp_path / "again.car"))
    assert (tmp_path / "again.car").read_bytes() == (tmp_path / "audit.car").read_bytes()

    shutil.rmtree(tmp_path / "state")
    shutil.rmtree(tmp_path / "ipfs")
    assert cli.json("state", "verify", "vm-1", code=1).status == "missing"
    shutil.rmtree(tmp_path / "state")  # the failed verify opened a fresh one
    restored = cli.json("state", "restore", str(tmp_path / "audit.car"))
    assert (restored["root"], restored["records"], restored["vms"]) == (made["root"], 2, 2)
    for vm in ("vm-1", "vm-2"):
        assert cli.json("state", "verify", vm)["status"] == "valid"
    again = cli.json("state", "restore", str(tmp_path / "audit.car"), code=2)
    assert "already holds VM state" in str(again)
    assert "not both or neither" in str(cli.json("state", "restore", code=2))
