"""The parts of the validator and aggregator processes that need no running validator set (fast, no anvil):

* the ``state`` root source checks a batch from the content store alone: a right root passes, a root the manifest
  does not rebuild is refused for good, data that is not reachable (or damaged here) is retried;
* the test-only equivocation switch is refused on a production chain;
* the aggregator's HTTP surface answers malformed requests with the right codes, without touching the chain.

The processes themselves, against anvil, are in ``test_processes.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain, load_config
from novacron_chain import state as state_domain
from novacron_chain.chain import dev_signers
from novacron_chain.consensus import (
    SIGNATURES_PATH,
    Aggregator,
    AggregatorServer,
    BlockchainConsensus,
    BlsSecretKey,
    ConsensusValueError,
    SlashingProtection,
    StateAnchorSource,
    ValidatorNode,
    domain_id,
)
from novacron_chain.errors import DevOnlyError
from novacron_chain.state import StateManager, VMState, VMStateRecord
from novacron_chain.storage import EmbeddedStore
from tests._support import block_path
from tests.fakenode import FakeNode

KEY = BlsSecretKey.from_seed(b"\x5a" * 32)
ZERO = "0x" + "00" * 20


@pytest.fixture
def anchored(tmp_path: Path) -> Iterator[tuple[NovaChain, StateAnchorSource, EmbeddedStore]]:
    """An embedded chain with a StateAnchor, one batch of three VM states anchored, its data in an embedded store."""
    nc = NovaChain.embedded()
    store = EmbeddedStore(tmp_path / "ipfs")
    try:
        nc.deploy(steps=state_domain.deploy_steps(nc.config.blockchain))
        anchor = nc.contract("StateAnchor")
        with StateManager(nc.chain, anchor, store, data_dir=tmp_path / "state") as sm:
            owner = dev_signers()[0].address
            for i in range(3):
                sm.record_vm_state(VMStateRecord(f"vm-{i}", owner, "eu-west-1", VMState.RUNNING, 2, 2048))
            sm.flush()
        yield nc, StateAnchorSource(nc.chain, anchor, store), store
    finally:
        store.close()
        nc.close()


def test_state_source_rebuilds_the_anchored_root(
    anchored: tuple[NovaChain, StateAnchorSource, EmbeddedStore], tmp_path: Path
) -> None:
    nc, source, store = anchored
    (candidate,) = source.poll()
    assert source.poll() == []  # read once
    assert candidate.domain == domain_id("state")
    assert candidate.height == 1
    assert candidate.root == bytes(nc.chain.call(nc.contract("StateAnchor").functions.batchRoot(1)))
    verdict = source.check(candidate)
    assert verdict.ok, verdict.reason
    assert "3 records and leaves" in verdict.reason

    wrong = source.check(dataclasses.replace(candidate, root=keccak(b"not this batch")))
    assert not wrong.ok
    assert not wrong.retry  # wrong for good: never signed
    assert "manifest names root" in wrong.reason

    elsewhere = source.check(dataclasses.replace(candidate, reference=state_domain.raw_cid(b"not stored here")))
    assert not elsewhere.ok
    assert elsewhere.retry  # not reachable yet: checked again later
    assert "not reachable" in elsewhere.reason

    # a record damaged in this store: not signed, retried (the network may hold an intact copy)
    manifest = state_domain.read_manifest(store, candidate.reference)
    record_cid = manifest.records[1][0]
    block_path(tmp_path / "ipfs", record_cid).write_bytes(b"tampered")
    damaged = source.check(candidate)
    assert not damaged.ok
    assert damaged.retry
    assert "record 1" in damaged.reason
    roots_only = StateAnchorSource(nc.chain, nc.contract("StateAnchor"), store, check_records=False)
    assert roots_only.check(candidate).ok  # the manifest's leaves alone still rebuild the root


def test_equivocation_switch_is_refused_on_a_production_chain(tmp_path: Path) -> None:
    with FakeNode() as node:
        nc = NovaChain.connect(
            load_config(overrides={"network": "polygon", "rpc_endpoint": node.url, "data_dir": tmp_path})
        )
        try:
            consensus = BlockchainConsensus(
                nc.chain, nc.chain.contract("StakeManager", ZERO), nc.chain.contract("CheckpointVerifier", ZERO)
            )
            with SlashingProtection.open(tmp_path / "protection", KEY.public_key()) as guard:
                with pytest.raises(DevOnlyError, match="not a dev chain"):
                    ValidatorNode(consensus, KEY, guard, [], ["http://127.0.0.1:1"], equivocate=True)
                ValidatorNode(consensus, KEY, guard, [], ["http://127.0.0.1:1"]).close()  # without it: fine
        finally:
            nc.close()


def test_aggregator_http_surface(tmp_path: Path) -> None:
    with FakeNode() as node:
        nc = NovaChain.connect(
            load_config(overrides={"network": "polygon", "rpc_endpoint": node.url, "data_dir": tmp_path})
        )
        try:
            consensus = BlockchainConsensus(
                nc.chain, nc.chain.contract("StakeManager", ZERO), nc.chain.contract("CheckpointVerifier", ZERO)
            )
            with pytest.raises(ConsensusValueError, match="allow_remote"):
                AggregatorServer(Aggregator(consensus), "0.0.0.0")
            with AggregatorServer(Aggregator(consensus), port=0) as server, httpx.Client(timeout=5) as http:
                url = server.url
                assert http.get(url + "/healthz").text == "ok\n"
                assert http.get(url + "/nowhere").status_code == 404
                assert http.get(url + SIGNATURES_PATH).status_code == 405
                assert http.post(url + "/v1/other", json={}).status_code == 404
                assert http.post(url + SIGNATURES_PATH, content=b"x" * 20_000).status_code == 413
                bad = http.post(url + SIGNATURES_PATH, json=[1, 2])
                assert bad.status_code == 400
                assert bad.json()["error"] == "BadSignatureMessage"
                missing = http.post(url + SIGNATURES_PATH, json={"domain": "state", "height": 1, "signed_at": 1.0})
                assert missing.status_code == 400
                assert "root" in missing.json()["message"]
                status = http.get(url + "/v1/status").json()
                assert status["chain_id"] == 137
                assert status["pending"] == []
                assert status["received"] == 0
        finally:
            nc.close()
