"""StateAnchor.sol on a real EVM: roles, the guardian rule, pause, input checks, one anchoring per root, events, gas,
the hints of its errors."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.artifacts import load_artifact
from novacron_chain.chain import ZERO_ADDRESS, DeploymentsFile, deploy_plan
from novacron_chain.errors import ContractCustomError
from novacron_chain.state import ANCHORER_ROLE, ERROR_HINTS, deploy_steps, leaf_hash

CID = "bafybeie4haeus7nosagzxg5qsfdh2ddjelsse447po6owfyeaijweqtpgu"  # 59 characters, like every batch CID


def _root(n: int) -> bytes:
    return leaf_hash(f"root {n}".encode())


def test_deploy_step_grants_the_roles(snova: NovaChain) -> None:
    anchor = snova.contract("StateAnchor")
    me = snova.chain.signer.address
    assert snova.chain.call(anchor.functions.hasRole(ANCHORER_ROLE, me))
    assert snova.chain.call(anchor.functions.hasRole(anchor.functions.GUARDIAN_ROLE().call(), me))
    assert snova.chain.call(anchor.functions.ANCHORER_ROLE()) == ANCHORER_ROLE


def test_anchor_stores_the_root_and_emits_the_event(snova: NovaChain) -> None:
    anchor = snova.contract("StateAnchor")
    chain = snova.chain
    before = chain.call(anchor.functions.batchCount())
    receipt = chain.transact(anchor.functions.anchor(_root(1), 1000, CID))
    (event,) = anchor.events.BatchAnchored().process_receipt(receipt.raw)
    batch_id = before + 1
    assert event.args.batchId == batch_id
    assert event.args.root == _root(1)
    assert event.args.leafCount == 1000
    assert event.args.manifestCid == CID
    assert chain.call(anchor.functions.batchRoot(batch_id)) == _root(1)
    block_time = chain.w3.eth.get_block(receipt.block_number)["timestamp"]
    assert chain.call(anchor.functions.batchOf(_root(1))) == [batch_id, block_time, 1000]
    assert chain.call(anchor.functions.batchOf(_root(2))) == [0, 0, 0]


@pytest.mark.parametrize(
    ("args", "error", "error_args"),
    [
        ((bytes(32), 1, CID), "StateAnchorZeroRoot", {}),
        ((_root(1), 0, CID), "StateAnchorEmptyBatch", {}),
        ((_root(1), 1, ""), "StateAnchorBadManifestCid", {"length": 0, "maxLength": 128}),
        ((_root(1), 1, "x" * 129), "StateAnchorBadManifestCid", {"length": 129, "maxLength": 128}),
    ],
)
def test_bad_batches_are_refused(snova: NovaChain, args: tuple[object, ...], error: str, error_args: dict) -> None:
    anchor = snova.contract("StateAnchor")
    with pytest.raises(ContractCustomError) as info:
        snova.chain.transact(anchor.functions.anchor(*args))
    assert info.value.error_name == error
    assert info.value.error_args == error_args


def test_a_root_is_anchored_once(snova: NovaChain) -> None:
    anchor = snova.contract("StateAnchor")
    snova.chain.transact(anchor.functions.anchor(_root(3), 5, CID))
    batch_id = snova.chain.call(anchor.functions.batchCount())
    with pytest.raises(ContractCustomError) as info:
        snova.chain.transact(anchor.functions.anchor(_root(3), 5, CID))
    assert info.value.error_name == "StateAnchorRootExists"
    assert info.value.error_args == {"root": _root(3), "batchId": batch_id}


def test_only_anchorers_anchor_and_a_guardian_pauses(snova: NovaChain) -> None:
    anchor = snova.contract("StateAnchor")
    chain = snova.chain
    stranger = chain.dev_signer(1)
    with pytest.raises(ContractCustomError) as info:
        chain.transact(anchor.functions.anchor(_root(4), 1, CID), sender=stranger)
    assert info.value.error_name == "AccessControlUnauthorizedAccount"
    chain.transact(anchor.functions.anchor(_root(4), 1, CID))
    batch_id = chain.call(anchor.functions.batchCount())
    chain.transact(anchor.functions.pause())
    with pytest.raises(ContractCustomError) as info:
        chain.transact(anchor.functions.anchor(_root(5), 1, CID))
    assert info.value.error_name == "EnforcedPause"
    # reads and proofs work while paused
    assert chain.call(anchor.functions.verifyRecord(batch_id, _root(4), []))
    chain.transact(anchor.functions.unpause())
    chain.transact(anchor.functions.anchor(_root(5), 1, CID))


def test_gas_per_record_at_the_default_batch_size(snova: NovaChain) -> None:
    """The goal is at most 500 gas per anchored record in batches of 1,000; a batch costs about 81k in steady state."""
    anchor = snova.contract("StateAnchor")
    snova.chain.transact(anchor.functions.anchor(_root(6), 1000, CID))  # the batch counter's first write is dearer
    gas = snova.chain.transact(anchor.functions.anchor(_root(7), 1000, CID)).gas_used
    assert gas / 1000 <= 500
    assert 70_000 < gas < 90_000, gas


def test_no_guardian_when_emergency_pause_is_disabled(sembedded: NovaChain) -> None:
    """The deploy context's guardian rule: with emergency_pause_enabled off, StateAnchor has no guardian."""
    config = sembedded.config.blockchain.model_copy(update={"emergency_pause_enabled": False})
    (outcome,) = deploy_plan(sembedded.chain, DeploymentsFile(None), config, deploy_steps(config))
    anchor = sembedded.chain.contract("StateAnchor", outcome.address)
    me = sembedded.chain.signer.address
    guardian = sembedded.chain.call(anchor.functions.GUARDIAN_ROLE())
    assert not sembedded.chain.call(anchor.functions.hasRole(guardian, me))
    assert not sembedded.chain.call(anchor.functions.hasRole(guardian, ZERO_ADDRESS))
    assert sembedded.chain.call(anchor.functions.hasRole(ANCHORER_ROLE, me))
    with pytest.raises(ContractCustomError) as info:
        sembedded.chain.transact(anchor.functions.pause())
    assert info.value.error_name == "AccessControlUnauthorizedAccount"


def test_state_anchor_errors_carry_their_hints(snova: NovaChain) -> None:
    abi = load_artifact("StateAnchor").abi
    assert set(ERROR_HINTS) == {e["name"] for e in abi if e["type"] == "error" and e["name"].startswith("StateAnchor")}
    anchor = snova.contract("StateAnchor")
    with pytest.raises(ContractCustomError) as info:
        snova.chain.call(anchor.functions.verifyRecord(10**6, _root(1), []))
    assert info.value.error_name == "StateAnchorUnknownBatch"
    assert info.value.hint == ERROR_HINTS["StateAnchorUnknownBatch"]
