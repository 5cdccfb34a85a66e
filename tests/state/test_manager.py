"""StateManager on real chains (embedded, and anvil for integration runs) and a real content store."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import deploy_behind_proxy
from novacron_chain.errors import ChainError, ContractCustomError
from novacron_chain.state import (
    IntegrityStatus,
    RecordValueError,
    StateBackpressureError,
    StateDataError,
    StateDirLockedError,
    StateError,
    StateManager,
    StateValueError,
    VMState,
    deploy_steps,
    open_state,
)
from novacron_chain.state._index import StateIndex
from novacron_chain.storage import EmbeddedStore

from .conftest import block_path, make_record

Open = Callable[..., StateManager]


def _record(sm: StateManager, n: int, start: int = 0) -> list[str]:
    return [sm.record_vm_state(make_record(i)).cid for i in range(start, start + n)]


def test_record_flush_verify_and_history(snova: NovaChain, open_manager: Open) -> None:
    sm = open_manager(snova, batch_size=16)
    receipts = [sm.record_vm_state(make_record(i)) for i in range(40)]
    assert [r.seq for r in receipts] == list(range(1, 41))
    assert sm.verify_state_integrity("vm-0003").status is IntegrityStatus.PENDING

    batches = sm.flush()
    assert [b.leaf_count for b in batches] == [16, 16, 8]
    assert [b.first_seq for b in batches] == [1, 17, 33]
    assert len({b.batch_id for b in batches}) == 3
    assert all(b.tx_hash and b.block and b.gas_used for b in batches)
    assert sm.flush() == []

    report = sm.verify_state_integrity("vm-0003")
    assert report.status is IntegrityStatus.VALID, report.reason
    assert report.valid
    assert [r.seq for r in report.records] == [4, 14, 24, 34]

    history = sm.get_history("vm-0003")
    assert [h.record for h in history] == [make_record(i) for i in (3, 13, 23, 33)]
    assert [h.batch_id for h in history] == [
        batches[0].batch_id,
        batches[0].batch_id,
        batches[1].batch_id,
        batches[2].batch_id,
    ]
    for h, i in zip(history, (3, 13, 23, 33), strict=True):
        assert h.cid == receipts[i].cid
        assert h.leaf == receipts[i].leaf
        assert h.tx_hash == batches[i // 16].tx_hash
        assert h.block == batches[i // 16].block
        assert h.anchored_at == snova.chain.w3.eth.get_block(h.block)["timestamp"]

    # the proof the manager keeps verifies on chain with the contract's MerkleProof
    anchor = snova.contract("StateAnchor")
    batch_id, leaf, proof = sm.proof(receipts[20].seq)
    assert snova.chain.call(anchor.functions.verifyRecord(batch_id, leaf, proof))
    assert sm.verify_record(receipts[20].cid).valid
    assert sm.verify_record(receipts[20].seq).valid
    assert sm.verify_record(999).status is IntegrityStatus.MISSING
    audit = sm.verify_batch(batches[1].batch_id)
    assert audit.status is IntegrityStatus.VALID, audit.reason
    assert audit.records == 16
    assert sm.summary().anchored == 40


def test_unknown_records_are_missing_and_bad_ids_refused(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded)
    assert sm.verify_state_integrity("vm-none").status is IntegrityStatus.MISSING
    assert (
        sm.verify_record("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku").status
        is IntegrityStatus.MISSING
    )
    assert sm.verify_batch(10_000).status is IntegrityStatus.MISSING
    with pytest.raises(StateValueError):
        sm.verify_record("not-a-cid")
    with pytest.raises(RecordValueError):
        sm.verify_state_integrity("")
    with pytest.raises(StateValueError):
        sm.record_vm_state({"vm_id": "vm-1"})  # type: ignore[arg-type]
    assert sm.get_history("vm-none") == []


def test_a_changed_block_is_tampered_never_valid(sembedded: NovaChain, open_manager: Open, store_dir: Path) -> None:
    sm = open_manager(sembedded)
    cids = _record(sm, 20)
    batches = sm.flush()
    # someone edits a stored record: Running -> Stopped (same length would not help: the hash changes)
    path = block_path(store_dir, cids[5])
    path.write_bytes(path.read_bytes().replace(b"Running", b"Stopped"))
    report = sm.verify_state_integrity("vm-0005")
    assert report.status is IntegrityStatus.TAMPERED
    assert "no longer hashes to its CID" in report.reason
    assert [r.status for r in report.records] == [IntegrityStatus.TAMPERED, IntegrityStatus.VALID]
    assert sm.verify_record(cids[5]).status is IntegrityStatus.TAMPERED
    assert sm.verify_batch(batches[0].batch_id).status is IntegrityStatus.TAMPERED
    # a deleted block is missing
    block_path(store_dir, cids[7]).unlink()
    assert sm.verify_state_integrity("vm-0007").status is IntegrityStatus.MISSING
    # VMs whose records are intact stay valid
    assert sm.verify_state_integrity("vm-0001").valid


def test_a_changed_index_is_tampered(sembedded: NovaChain, open_manager: Open, tmp_path: Path) -> None:
    """Pointing the index at another (intact, stored) record, with its leaf, does not pass the proof on chain."""
    sm = open_manager(sembedded)
    _record(sm, 16)
    sm.flush()
    forged = make_record(2, state=VMState.TERMINATED)
    data = forged.canonical_bytes()
    forged_cid = sm.store.put_block(data)
    from novacron_chain.state import leaf_hash

    with sqlite3.connect(tmp_path / "state" / "index.sqlite") as db:
        db.execute("UPDATE records SET cid = ?, record = ? WHERE seq = 3", (forged_cid, data))
    report = sm.verify_state_integrity("vm-0002")
    assert report.status is IntegrityStatus.TAMPERED
    assert "differs from the one anchored" in report.reason
    with sqlite3.connect(tmp_path / "state" / "index.sqlite") as db:
        db.execute("UPDATE records SET leaf = ? WHERE seq = 3", (leaf_hash(data),))
    assert sm.verify_state_integrity("vm-0002").status is IntegrityStatus.TAMPERED
    # and another VM's record is not passed off as this one's
    with sqlite3.connect(tmp_path / "state" / "index.sqlite") as db:
        row = db.execute("SELECT cid, leaf, proof FROM records WHERE seq = 4").fetchone()
        db.execute("UPDATE records SET cid = ?, leaf = ?, proof = ? WHERE seq = 3", row)
    assert sm.verify_state_integrity("vm-0002").status is IntegrityStatus.TAMPERED


def test_restarts_keep_history_and_pending_records(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded)
    _record(sm, 10)
    sm.flush()
    _record(sm, 5, start=10)
    sm.close()
    sm = open_manager(sembedded)
    assert sm.pending_count == 5
    assert len(sm.get_history("vm-0001")) == 1
    statuses = [r.status for r in sm.verify_state_integrity("vm-0001").records]
    assert statuses == [IntegrityStatus.VALID, IntegrityStatus.PENDING]
    assert sm.record_vm_state(make_record(15)).seq == 16
    (batch,) = sm.flush()
    assert (batch.first_seq, batch.last_seq) == (11, 16)
    assert sm.verify_state_integrity("vm-0001").valid


def test_a_crash_after_sending_is_confirmed_not_sent_again(
    snova: NovaChain, open_manager: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    sembedded = snova  # on anvil too: the event is looked up with eth_getLogs
    anchor = sembedded.contract("StateAnchor")
    sm = open_manager(sembedded)
    _record(sm, 7)

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies between the receipt and the index update

    with monkeypatch.context() as m:
        m.setattr(StateIndex, "mark_anchored", crash)
        with pytest.raises(KeyboardInterrupt):
            sm.flush()
    count = sembedded.chain.call(anchor.functions.batchCount())
    sm.close()
    sm = open_manager(sembedded)
    assert sm.pending_count == 0
    assert sm.verify_state_integrity("vm-0001").status is IntegrityStatus.PENDING
    (batch,) = sm.flush()
    assert batch.recovered
    assert batch.batch_id == count
    assert batch.tx_hash is not None
    assert batch.block is not None
    assert sembedded.chain.call(anchor.functions.batchCount()) == count  # not anchored twice
    assert sm.verify_state_integrity("vm-0001").valid
    assert sm.get_history("vm-0001")[0].tx_hash == batch.tx_hash


def test_a_crash_before_sending_is_sent_on_restart(
    sembedded: NovaChain, open_manager: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    anchor = sembedded.contract("StateAnchor")
    count = sembedded.chain.call(anchor.functions.batchCount())
    sm = open_manager(sembedded)
    _record(sm, 7)
    with monkeypatch.context() as m:
        m.setattr(type(sembedded.chain), "transact", lambda *a, **k: (_ for _ in ()).throw(ChainError("node down")))
        with pytest.raises(ChainError):
            sm.flush()
    sm.close()
    sm = open_manager(sembedded)
    (batch,) = sm.flush()
    assert not batch.recovered
    assert batch.batch_id == count + 1
    assert sm.verify_state_integrity("vm-0006").valid


def test_a_paused_anchor_keeps_records_queued(sembedded: NovaChain, open_manager: Open) -> None:
    anchor = sembedded.contract("StateAnchor")
    sembedded.chain.transact(anchor.functions.pause())
    sm = open_manager(sembedded)
    _record(sm, 3)
    with pytest.raises(ContractCustomError) as info:
        sm.flush()
    assert info.value.error_name == "EnforcedPause"
    assert sm.verify_state_integrity("vm-0002").status is IntegrityStatus.PENDING
    sembedded.chain.transact(anchor.functions.unpause())
    (batch,) = sm.flush()
    assert batch.leaf_count == 3
    assert sm.verify_state_integrity("vm-0002").valid


def test_identical_batches_share_one_anchor(sembedded: NovaChain, open_manager: Open) -> None:
    """Recording the very same records again makes the same root: the contract refuses it, the batch maps to the
    first one, and the records verify."""
    sm = open_manager(sembedded)
    _record(sm, 4)
    (first,) = sm.flush()
    _record(sm, 4)
    (second,) = sm.flush()
    assert second.recovered
    assert second.batch_id == first.batch_id
    assert sm.verify_state_integrity("vm-0002").valid
    assert len(sm.get_history("vm-0002")) == 2


def test_the_background_batcher_anchors_full_and_old_batches(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded, batch_size=8, batch_max_wait=0.5)
    sm.start()
    _record(sm, 20)
    deadline = time.monotonic() + 20
    while sm.summary().anchored < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sm.summary().anchored == 20, sm.last_error
    assert sm.summary().batches == 3  # 8 + 8 full, then 4 after half a second
    assert sm.stop() == []
    assert sm.verify_state_integrity("vm-0009").valid


def test_backpressure_refuses_without_losing_anything(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded, max_pending=3)
    _record(sm, 3)
    with pytest.raises(StateBackpressureError):
        sm.record_vm_state(make_record(3))
    sm.flush()
    _record(sm, 1, start=3)
    assert sm.summary().anchored == 3
    assert sm.pending_count == 1


def test_one_process_per_state_dir_and_one_anchor_per_index(
    sembedded: NovaChain, open_manager: Open, tmp_path: Path
) -> None:
    sm = open_manager(sembedded)
    with pytest.raises(StateDirLockedError):
        open_manager(sembedded)
    sm.close()
    me = sembedded.chain.signer.address
    other, _, _ = deploy_behind_proxy(sembedded.chain, "StateAnchor", me, me)  # StateAnchor is UUPS-upgradeable
    with pytest.raises(StateDataError, match="made for anchor"):
        StateManager(sembedded.chain, other, EmbeddedStore(tmp_path / "x"), data_dir=tmp_path / "state")


def test_bad_arguments(sembedded: NovaChain, tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "ipfs")
    anchor = sembedded.contract("StateAnchor")
    for kw in ({"batch_size": 0}, {"batch_size": 100_001}, {"batch_max_wait": -1}, {"fsync_interval": 0}):
        with pytest.raises(StateValueError):
            StateManager(sembedded.chain, anchor, store, data_dir=tmp_path / "s", **kw)  # type: ignore[arg-type]
    probe, _ = sembedded.chain.deploy("ChainProbe", sembedded.chain.signer.address)
    with pytest.raises(StateValueError, match="not a StateAnchor"):
        StateManager(sembedded.chain, probe, store, data_dir=tmp_path / "s")


def test_config_and_log_blobs_are_stored_and_checked(sembedded: NovaChain, open_manager: Open, store_dir: Path) -> None:
    sm = open_manager(sembedded)
    receipt = sm.record_vm_state(make_record(1), config=b'{"vcpus": 2, "disk": "20G"}', logs=b"boot ok\n" * 100)
    sm.record_vm_state(make_record(2), config=b"other config")
    sm.flush()
    (entry,) = sm.get_history("vm-0001")
    assert entry.cid == receipt.cid
    assert entry.record.config_cid
    assert entry.record.logs_cid
    assert sm.store.get(entry.record.logs_cid) == b"boot ok\n" * 100
    assert sm.verify_state_integrity("vm-0001").valid
    path = block_path(store_dir, entry.record.config_cid)
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    report = sm.verify_state_integrity("vm-0001")
    assert report.status is IntegrityStatus.TAMPERED
    assert "config blob" in report.reason
    (entry2,) = sm.get_history("vm-0002")
    assert entry2.record.config_cid is not None
    block_path(store_dir, entry2.record.config_cid).unlink()
    assert sm.verify_state_integrity("vm-0002").status is IntegrityStatus.MISSING


def test_wait_for_disk_returns_after_fsync(sembedded: NovaChain, open_manager: Open) -> None:
    sm = open_manager(sembedded, wait_for_disk=True, fsync_interval=60)
    receipt = sm.record_vm_state(make_record(0))
    assert sm.summary().journal_synced_seq >= receipt.seq


def test_through_the_kubo_rpc_client(sembedded: NovaChain, tmp_path: Path) -> None:
    """The same flow with KuboStore (Kubo's /api/v0, served here by the embedded store) as the content store."""
    from novacron_chain.storage import IpfsApiServer, KuboStore

    disk = EmbeddedStore(tmp_path / "ipfs", durable=False)
    with IpfsApiServer(disk, port=0) as server, KuboStore(server.url, timeout=20) as kubo:
        sm = StateManager(
            sembedded.chain, sembedded.contract("StateAnchor"), kubo, data_dir=tmp_path / "state", batch_size=8
        )
        with sm:
            cids = _record(sm, 12)
            batches = sm.flush()
            assert [b.leaf_count for b in batches] == [8, 4]
            assert sm.verify_state_integrity("vm-0004").valid
            assert sm.verify_batch(batches[1].batch_id).status is IntegrityStatus.VALID
            assert batches[0].manifest_cid in kubo.pins()
            block_path(tmp_path / "ipfs", cids[4]).write_bytes(b"{}")
            assert sm.verify_state_integrity("vm-0004").status is IntegrityStatus.TAMPERED


def test_open_state_takes_chain_contract_and_config(sembedded: NovaChain, tmp_path: Path) -> None:
    """open_state: the config's batch settings, a store and state dir of its own, all released on close; on an
    embedded:memory chain they live in a temporary directory."""
    config = sembedded.config.blockchain.model_copy(update={"batch_size": 7, "batch_max_wait": 3600})
    anchor = sembedded.contract("StateAnchor")
    sm = open_state(sembedded.chain, anchor, config, upload_workers=2)
    try:
        assert (sm.batch_size, sm.batch_max_wait, sm.upload_workers) == (7, 3600.0, 2)
        assert sm.data_dir.name == f"{sembedded.chain.chain_id}-{str(anchor.address).lower()}"
        assert isinstance(sm.store, EmbeddedStore)
        assert sm.store.path.parent == sm.data_dir.parent
        _record(sm, 8)
        assert [b.leaf_count for b in sm.flush()] == [7, 1]
        assert sm.verify_state_integrity("vm-0001").valid
    finally:
        sm.close()
    assert not sm.data_dir.parent.exists()
    disabled = config.model_copy(update={"ipfs_enabled": False})
    with pytest.raises(StateValueError, match="ipfs_enabled is false"):
        open_state(sembedded.chain, anchor, disabled)


def test_open_state_on_a_persistent_data_dir(sembedded: NovaChain, tmp_path: Path) -> None:
    config = sembedded.config.blockchain.model_copy(update={"network": "embedded", "data_dir": tmp_path})
    anchor = sembedded.contract("StateAnchor")
    with open_state(sembedded.chain, anchor, config) as sm:
        assert sm.data_dir.parent == tmp_path / "state"
        sm.record_vm_state(make_record(0))
    with open_state(sembedded.chain, anchor, config) as sm:
        assert sm.pending_count == 1  # the journal in the data dir outlives the manager
        assert isinstance(sm.store, EmbeddedStore)
        assert sm.store.path == tmp_path / "ipfs"


def test_the_nova_chain_opens_its_state_manager_once() -> None:
    with NovaChain.embedded(batch_size=5) as nc:
        nc.deploy(steps=deploy_steps(nc.config.blockchain))
        sm = nc.state
        assert sm is nc.state
        assert sm.contract.address == nc.contract("StateAnchor").address
        assert sm.batch_size == 5
        sm.record_vm_state(make_record(0))
        assert [b.leaf_count for b in sm.flush()] == [1]
    with pytest.raises(StateError, match="closed"):
        sm.record_vm_state(make_record(1))
