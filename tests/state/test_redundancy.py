"""Cross-chain redundancy (``anchor_redundancy``): the same roots on a second chain, verified against either.

Two embedded chains in one process: the primary (chain 1001) and ``b`` (chain 1002) from the cross-chain config,
each with a StateAnchor; state reverted on both around every test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import Chain
from novacron_chain.errors import ChainConnectionError, ChainError, ConfigError
from novacron_chain.state import (
    IntegrityStatus,
    MirrorTarget,
    StateManager,
    StateValueError,
    deploy_steps,
    restore_from_mirror,
)
from novacron_chain.storage import EmbeddedStore

from .conftest import make_record

CROSS: dict[str, Any] = {
    "enable_cross_chain": True,
    "supported_chains": ["b"],
    "chains": {"b": {"network": "embedded:memory", "chain_id": 1002}},
    "anchor_redundancy": ["b"],
}


class Pair(NamedTuple):
    a: NovaChain
    b: NovaChain


def _open_pair() -> Pair:
    """A primary with ``anchor_redundancy: [b]``; its ``deploy()`` (the plan cut to the state layer) deploys the
    StateAnchor on both."""
    a = NovaChain.embedded(chain_id=1001, **CROSS)
    a.plan = lambda: deploy_steps(a.config.blockchain)  # type: ignore[method-assign]  # the state layer only
    outcomes = a.deploy()
    assert [o.name for o in outcomes] == ["StateAnchor", "StateAnchor@b"]
    return Pair(a, a.chains["b"])


@pytest.fixture(scope="module")
def pair_session() -> Iterator[Pair]:
    pair = _open_pair()
    yield pair
    pair.a.close()


@pytest.fixture
def pair(pair_session: Pair) -> Iterator[Pair]:
    snaps = [nc.chain.snapshot() for nc in pair_session]
    try:
        yield pair_session
    finally:
        for nc, snap in zip(pair_session, snaps, strict=True):
            nc.chain.revert(snap)


def _target(pair: Pair) -> MirrorTarget:
    return MirrorTarget("b", pair.b.chain, pair.b.contract("StateAnchor"))


@pytest.fixture
def open_mirrored(tmp_path: Path, pair: Pair) -> Iterator[Callable[..., StateManager]]:
    """Managers on one state dir and store, anchoring on the primary with redundancy on ``b``."""
    opened: list[StateManager] = []

    def _open(resolve: Callable[[str], MirrorTarget] | None = None) -> StateManager:
        store = EmbeddedStore(tmp_path / "ipfs", durable=False)
        sm = StateManager(
            pair.a.chain, pair.a.contract("StateAnchor"), store, data_dir=tmp_path / "state", batch_size=16,
            batch_max_wait=3600,
        )  # fmt: skip
        sm._closers.append(store.close)
        sm.enable_redundancy(["b"], resolve or (lambda _name: _target(pair)))
        opened.append(sm)
        return sm

    yield _open
    for sm in opened:
        sm.close()


def _batch_count(nc: NovaChain) -> int:
    return int(nc.chain.call(nc.contract("StateAnchor").functions.batchCount()))


def _roots(nc: NovaChain) -> list[bytes]:
    anchor = nc.contract("StateAnchor")
    return [bytes(nc.chain.call(anchor.functions.batchRoot(i))) for i in range(1, _batch_count(nc) + 1)]


def test_roots_on_both_chains_and_verified_on_either(pair: Pair, open_mirrored: Callable[..., StateManager]) -> None:
    sm = open_mirrored()
    for i in range(40):
        sm.record_vm_state(make_record(i))
    results = sm.flush()
    assert len(results) == 3
    # the same roots, in the same order, under the same batch ids
    assert _roots(pair.b) == _roots(pair.a) == [bytes.fromhex(r.root[2:]) for r in results]
    (status,) = sm.summary().redundancy
    assert (status.chain, status.chain_id, status.anchored, status.lag, status.last_error) == ("b", 1002, 3, 0, None)
    assert sm.summary().to_dict()["redundancy"][0]["anchored"] == 3

    for chain in (None, "b", pair.a.config.blockchain.network):
        report = sm.verify_state_integrity("vm-0003", chain=chain)
        assert report.status is IntegrityStatus.VALID, report.reason
    assert "on b (chain 1002)" in sm.verify_state_integrity("vm-0003", chain="b").records[0].reason
    assert sm.flush() == []  # nothing new: nothing sent again
    assert _batch_count(pair.b) == 3

    with pytest.raises(StateValueError, match=r"'polygon' is not a redundancy chain") as info:
        sm.verify_state_integrity("vm-0003", chain="polygon")
    assert info.value.hint


def _tamper(store_dir: Path, data: bytes) -> None:
    """Change one stored record in place, wherever the store's layout keeps its bytes (a block file or a pack)."""
    changed = data.replace(b"us-east-1", b"us-west-2")
    for path in store_dir.rglob("*"):
        if path.is_file() and data in (content := path.read_bytes()):
            path.write_bytes(content.replace(data, changed))
            return
    raise AssertionError(f"record not found under {store_dir}")


def test_tampered_record_is_invalid_on_both(tmp_path: Path, open_mirrored: Callable[..., StateManager]) -> None:
    sm = open_mirrored()
    receipts = [sm.record_vm_state(make_record(i)) for i in range(20)]
    sm.flush()
    _tamper(tmp_path / "ipfs", make_record(4).canonical_bytes())
    for chain in (None, "b"):
        report = sm.verify_state_integrity(receipts[4].vm_id, chain=chain)
        assert report.status is IntegrityStatus.TAMPERED, (chain, report.reason)
        assert report.records[0].seq == receipts[4].seq
    # the other VMs stay valid on both
    assert sm.verify_state_integrity("vm-0001", chain="b").valid


def test_secondary_down_then_catches_up_without_duplicates(
    pair: Pair, tmp_path: Path, open_mirrored: Callable[..., StateManager]
) -> None:
    anchor_b = pair.b.contract("StateAnchor")
    pair.b.chain.transact(anchor_b.functions.pause())  # b refuses every anchoring, as a chain that is down
    sm = open_mirrored()
    for i in range(40):
        sm.record_vm_state(make_record(i))
    assert len(sm.flush()) == 3  # the primary anchors regardless
    assert _batch_count(pair.a) == 3
    assert _batch_count(pair.b) == 0
    (status,) = sm.summary().redundancy
    assert status.lag == 3
    assert status.anchored == 0
    assert status.last_error
    assert "pause" in status.last_error.lower()
    # verify against b while it lags: missing there (with why), valid on the primary
    lagging = sm.verify_state_integrity("vm-0002", chain="b")
    assert lagging.status is IntegrityStatus.MISSING
    assert "is not anchored on b (chain 1002) yet" in lagging.reason
    assert sm.verify_state_integrity("vm-0002").valid

    # a second, unreachable: b cannot even be opened; the primary goes on
    sm.close()

    def unreachable(_name: str) -> MirrorTarget:
        raise ChainError("b is unreachable", hint="start it")

    sm = open_mirrored(unreachable)
    for i in range(40, 50):
        sm.record_vm_state(make_record(i))
    assert len(sm.flush()) == 1
    (status,) = sm.summary().redundancy
    assert status.lag == 4
    assert status.last_error == "b is unreachable"
    sm.close()

    # b is back: a restart catches up in the primary's order, once
    pair.b.chain.transact(anchor_b.functions.unpause())
    sm = open_mirrored()
    assert sm.flush() == []
    assert _roots(pair.b) == _roots(pair.a)
    assert sm.summary().redundancy[0].lag == 0
    assert sm.verify_state_integrity("vm-0002", chain="b").valid
    sm.close()

    # the mirror's own file lost: every root is looked up again, nothing anchored twice
    (tmp_path / "state" / "mirror.sqlite").unlink()
    sm = open_mirrored()
    assert sm.redundancy is not None
    assert sm.redundancy.sync() == {"b": 4}  # four batches found on b, none sent
    assert _batch_count(pair.b) == 4
    assert sm.summary().redundancy[0].anchored == 4


def test_a_root_a_reorg_removed_on_the_secondary_is_anchored_again(
    pair: Pair, open_mirrored: Callable[..., StateManager]
) -> None:
    sm = open_mirrored()
    before = pair.b.chain.snapshot()
    for i in range(10):
        sm.record_vm_state(make_record(i))
    sm.flush()
    assert _batch_count(pair.b) == 1
    pair.b.chain.revert(before)  # a reorg on b drops the anchoring
    assert _batch_count(pair.b) == 0
    assert sm.redundancy is not None
    assert sm.redundancy.sync() == {"b": 1}
    assert _roots(pair.b) == _roots(pair.a)
    assert sm.verify_state_integrity("vm-0001", chain="b").valid
    assert sm.redundancy.sync() == {"b": 0}  # still there: nothing sent again
    assert _batch_count(pair.b) == 1


def test_background_mirror_runs_with_the_batcher(pair: Pair, open_mirrored: Callable[..., StateManager]) -> None:
    import time

    sm = open_mirrored()
    sm.batch_max_wait = 0.05
    assert sm.redundancy is not None
    sm.redundancy.start(interval=0.05)
    sm.start()
    for i in range(5):
        sm.record_vm_state(make_record(i))
    deadline = time.monotonic() + 10
    while _batch_count(pair.b) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    sm.stop()
    assert _roots(pair.b) == _roots(pair.a)
    assert _batch_count(pair.a) == 1


def _kill(chain: Chain) -> None:
    chain.close()

    def dead(*_args: object, **_kw: object) -> NoReturn:
        raise ChainConnectionError("the primary chain is gone", endpoint="embedded")

    for name in ("call", "call_many", "transact", "block_number", "send"):
        setattr(chain, name, dead)


def test_primary_gone_verify_and_restore_against_the_secondary(tmp_path: Path) -> None:
    a, b = _open_pair()
    try:
        sm = a.state  # anchor_redundancy in the config: the mirror comes with the manager
        assert sm.redundancy is not None
        assert sm.redundancy.names == ("b",)
        for i in range(30):
            sm.record_vm_state(make_record(i))
        sm.flush()
        car = tmp_path / "backup.car"
        sm.backup(car)
        primary = (a.chain.chain_id, str(a.contract("StateAnchor").address))
        target = MirrorTarget("b", b.chain, b.contract("StateAnchor"))

        _kill(a.chain)  # the primary chain is gone: every read or write through its handle fails
        report = sm.verify_state_integrity("vm-0001", chain="b")
        assert report.valid, report.reason

        # restore on a fresh data dir, every root checked on b
        store = EmbeddedStore(tmp_path / "ipfs2", durable=False)
        try:
            result = restore_from_mirror(
                target, store, primary_chain_id=primary[0], primary_anchor=primary[1], data_dir=tmp_path / "restored",
                car=car,
            )  # fmt: skip
            assert (result.records, result.batches) == (30, 1)
            restored = StateManager(a.chain, a.contract("StateAnchor"), store, data_dir=tmp_path / "restored")
            with restored:
                restored.enable_redundancy(["b"], lambda _n: target)
                with pytest.raises(ChainConnectionError):  # the primary's roots cannot be read: not "valid"
                    restored.verify_state_integrity("vm-0000")
                for vm in ("vm-0000", "vm-0009"):
                    assert restored.verify_state_integrity(vm, chain="b").valid
                assert restored.get_history("vm-0000")[0].batch_id == 1
        finally:
            store.close()
    finally:
        a.close()


def test_restore_refused_when_a_root_is_not_on_the_secondary(
    pair: Pair, tmp_path: Path, open_mirrored: Callable[..., StateManager]
) -> None:
    from novacron_chain.state import StateBackupError

    anchor_b = pair.b.contract("StateAnchor")
    pair.b.chain.transact(anchor_b.functions.pause())
    sm = open_mirrored()
    for i in range(20):
        sm.record_vm_state(make_record(i))
    sm.flush()  # batch 1 mirrored? no: b is paused; batch 2 neither
    car = tmp_path / "backup.car"
    sm.backup(car)
    store = EmbeddedStore(tmp_path / "ipfs2", durable=False)
    try:
        with pytest.raises(StateBackupError, match="batch 1") as info:
            restore_from_mirror(
                _target(pair), store, primary_chain_id=pair.a.chain.chain_id,
                primary_anchor=str(pair.a.contract("StateAnchor").address), data_dir=tmp_path / "restored", car=car,
            )  # fmt: skip
        assert "nothing was restored" in str(info.value)
        assert not (tmp_path / "restored").exists()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"anchor_redundancy": ["b"]}, "needs enable_cross_chain"),
        ({**CROSS, "anchor_redundancy": ["polygon"]}, "is not in supported_chains"),
        ({**CROSS, "supported_chains": ["b", "polygon"], "anchor_redundancy": ["polygon"]}, "has no endpoint"),
        ({**CROSS, "anchor_redundancy": ["embedded:memory"]}, "is the primary network itself"),
        ({**CROSS, "anchor_redundancy": ["b", "b"]}, "is named twice"),
    ],
)
def test_bad_redundancy_names_are_refused_naming_the_key(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match="anchor_redundancy") as info:
        load_config(overrides={"network": "embedded:memory", **overrides})
    assert problem in str(info.value)


def test_verify_on_a_chain_without_redundancy(tmp_path: Path, pair: Pair) -> None:
    store = EmbeddedStore(tmp_path / "ipfs", durable=False)
    with StateManager(pair.a.chain, pair.a.contract("StateAnchor"), store, data_dir=tmp_path / "s") as sm:
        with pytest.raises(StateValueError, match="no redundancy chain is configured") as info:
            sm.verify_state_integrity("vm-0001", chain="b")
        assert "anchor_redundancy" in (info.value.hint or "")
        assert sm.summary().redundancy == ()
    store.close()


def test_cli_flush_status_verify_and_restore_with_chain(tmp_path: Path) -> None:
    from novacron_chain.cli import _state_cmds
    from tests._support import Cli

    config = tmp_path / "novacron.yaml"
    config.write_text(
        "blockchain:\n  chain_id: 1337\n  enable_cross_chain: true\n  supported_chains: [b]\n  anchor_redundancy: [b]\n"
        "  chains:\n    b: {network: embedded, chain_id: 1002}\n"
    )
    with NovaChain.connect(load_config(config, overrides={"data_dir": tmp_path})) as nc:
        nc.plan = lambda: deploy_steps(nc.config.blockchain)  # type: ignore[method-assign]
        assert [o.name for o in nc.deploy()] == ["StateAnchor", "StateAnchor@b"]
    cli = Cli(tmp_path, _state_cmds.register)
    opt = ("--config", str(config))
    for state in ("running", "stopped"):
        cli.json(*opt, "state", "record", "--vm-id", "vm-7", "--state", state, "--region", "eu-1", "--cpu", "2",
                 "--memory", "1024")  # fmt: skip
    flushed = cli.json(*opt, "state", "flush")
    assert flushed["records"] == 2
    assert flushed["redundancy"][0]["anchored"] == 1
    assert "on b (chain 1002): 1 batches anchored, 0 waiting" in cli.text(*opt, "state", "status")
    assert cli.json(*opt, "state", "status")["redundancy"][0]["lag"] == 0
    assert cli.json(*opt, "state", "verify", "vm-7", "--chain", "b")["status"] == "valid"
    bad = cli.json(*opt, "state", "verify", "vm-7", "--chain", "polygon", code=2)
    assert "anchor_redundancy" in str(bad)

    car = tmp_path / "backup.car"
    cli.json(*opt, "state", "backup", "--out", str(car))
    (tmp_path / "state").rename(tmp_path / "state.lost")  # the audit log is gone
    restored = cli.json(*opt, "state", "restore", str(car), "--chain", "b")
    assert (restored["records"], restored["chain"]) == (2, "b")
    assert cli.json(*opt, "state", "verify", "vm-7", "--chain", "b")["status"] == "valid"
    assert cli.json(*opt, "state", "verify", "vm-7")["status"] == "valid"
    # the primary unreachable (an endpoint nothing listens on): verify --chain b never contacts it
    gone = ("--network", "http://127.0.0.1:9")
    assert cli.json(*opt, *gone, "state", "verify", "vm-7", "--chain", "b")["status"] == "valid"
