"""The bridge attested by the validator set instead of guardians, on two embedded chains with real BLS validators.

Chain A (1001) runs a Bridge; chain B (1002) runs a Bridge and the proof-of-stake contracts (NOVA, StakeManager,
CheckpointVerifier) with four registered validators, and B's bridge takes the checkpoints of B's verifier. A
transfer A -> B is delivered this way: four :class:`ValidatorNode` s (real BLS keys, slashing-protection records)
each derive the message roots of A's bridge through a :class:`BridgeSource`, check them against A's events and sign;
an :class:`Aggregator` (reached in-process, no socket) submits the checkpoint ``("bridge:1001", block, root)`` with
one pairing on B; the :class:`Relayer` then proves the message against it and delivers. Guardian signatures are
refused on B; a root the source's events do not rebuild, or a reorganised block, is never signed.

Slow: py-evm's BLS precompiles are pure Python (a pairing takes seconds).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from web3.contract import Contract

from novacron_chain import NovaChain, consensus, crosschain
from novacron_chain.chain import DeployStep, dev_signers
from novacron_chain.config import BlockchainConfig
from novacron_chain.consensus import (
    Aggregator,
    BlsSecretKey,
    BridgeSource,
    Checkpoint,
    CheckpointSignature,
    SlashingProtection,
    ValidatorNode,
    parse_domain,
)
from novacron_chain.crosschain import (
    ERROR_HINTS,
    Attestation,
    AttestationStore,
    BridgeEndpoint,
    BridgeGuardian,
    CheckpointPendingError,
    CrossChainBridge,
    Relayer,
    TransferState,
    bridge_domain,
    checkpoint_wiring,
    dev_guardians,
    message_leaf,
)
from novacron_chain.errors import ContractCustomError
from tests._support import nova_and_timelock

pytestmark = pytest.mark.slow

ETH = 10**18
NOVA = 10**18
STAKE = 1000 * NOVA
DEV = {"validator_stake": 1000, "epoch_length": 3600, "min_validators": 4}
OWNERS = dev_signers()[1:5]
KEYS = [BlsSecretKey.from_seed(bytes([0xB0 + i]) * 32) for i in range(4)]
AGGREGATOR = "http://aggregator.invalid"


class Route(NamedTuple):
    a: NovaChain
    b: NovaChain
    token: Contract
    bridge: CrossChainBridge


def pos_steps(config: BlockchainConfig) -> list[DeployStep]:
    """The cross-chain contracts, NOVA, the timelock, the StakeManager and the CheckpointVerifier, whose setup also
    makes the Bridge take its checkpoints (:func:`checkpoint_wiring`)."""
    # NOVA and the timelock, in governance's order (not the governor or what else governance deploys)
    stake_manager, verifier = consensus.deploy_steps(config)
    wired = replace(verifier, setup=lambda ctx, c: [*verifier.setup(ctx, c), *checkpoint_wiring(ctx, c.address)])
    return [*crosschain.deploy_steps(config), *nova_and_timelock(config), stake_manager, wired]


@pytest.fixture(scope="module")
def route() -> Iterator[Route]:
    a = NovaChain.embedded(chain_id=1001, enable_cross_chain=True)
    b = NovaChain.embedded(chain_id=1002, enable_cross_chain=True, **DEV)
    try:
        a.deploy(steps=crosschain.deploy_steps(a.config.blockchain))
        token, _ = a.chain.deploy("PlainERC20", a.chain.signer.address, 10**24)
        a.chain.transact(token.functions.transfer(a.chain.dev_signer(1).address, 10**23))
        b.deploy(steps=pos_steps(b.config.blockchain))
        cm = b.consensus
        effective = max(
            cm.register_validator(owner.address, STAKE, bls_key=key, sender=owner).effective_epoch
            for owner, key in zip(OWNERS, KEYS, strict=True)
        )
        while cm.current_epoch() < effective:
            b.chain.advance(max(int(b.chain.call(cm.stake_manager.functions.nextEpochAt())) - b.chain.timestamp(), 1))
        ends = {
            "A": BridgeEndpoint("A", a.chain, a.contract("Bridge")),
            "B": BridgeEndpoint("B", b.chain, b.contract("Bridge")),
        }
        bridge = CrossChainBridge(ends.__getitem__, lambda: list(ends), AttestationStore())
        assert bridge.attestation("B") is Attestation.CHECKPOINT  # wired at deployment
        bridge.set_checkpoint_verifier("B", None)  # the admin's fallback to the guardians, and back
        assert bridge.attestation("B") is Attestation.GUARDIANS
        bridge.set_checkpoint_verifier("B", b.contract("CheckpointVerifier").address)
        yield Route(a, b, token, bridge)
    finally:
        a.close()
        b.close()


def aggregator_client(agg: Aggregator) -> httpx.Client:
    """An HTTP client whose requests the aggregator answers in this thread (what its server does, without a socket)."""

    def handle(request: httpx.Request) -> httpx.Response:
        data = json.loads(request.content)
        result = agg.receive(CheckpointSignature.from_dict(data), available_at=data.get("available_at"))
        return httpx.Response(result.http_status, json=result.to_dict())

    return httpx.Client(transport=httpx.MockTransport(handle))


@pytest.fixture
def validators(route: Route, tmp_path: Path) -> Iterator[tuple[list[ValidatorNode], Aggregator]]:
    """Four validator nodes serving domain bridge:1001 on B, and the aggregator they send to."""
    cm = route.b.consensus
    agg = Aggregator(cm, linger=0)
    http = aggregator_client(agg)
    src = route.bridge.endpoint("A")
    guards = [SlashingProtection.open(tmp_path / f"protection-{i}", k.public_key()) for i, k in enumerate(KEYS)]
    nodes = [
        ValidatorNode(cm, key, guard, [BridgeSource(src.chain, src.bridge, 1002)], [AGGREGATOR], http=http)
        for key, guard in zip(KEYS, guards, strict=True)
    ]
    yield nodes, agg
    http.close()
    for g in guards:
        g.close()


def test_a_transfer_is_delivered_by_a_checkpoint_of_the_validator_set(
    route: Route, validators: tuple[list[ValidatorNode], Aggregator]
) -> None:
    bridge, alice, bob = route.bridge, route.a.chain.dev_signer(1), route.a.chain.dev_signer(2)
    nodes, agg = validators
    assert bridge.attestation("B") is Attestation.CHECKPOINT
    assert bridge.attestation("A") is Attestation.GUARDIANS
    token = route.token.address
    first = bridge.initiate_bridge("A", "B", alice, bob.address, 10 * ETH, token)
    second = bridge.initiate_bridge("A", "B", alice, bob.address, 3 * ETH, token)
    assert (first.state, first.attestation) == (TransferState.INITIATED, Attestation.CHECKPOINT)

    # before any checkpoint the relayer waits, and guardian signatures are refused on B
    assert bridge.store is not None
    relayer = Relayer(bridge, bridge.store)
    waiting = relayer.run_once()
    assert [(x.action, x.attestation) for x in waiting] == [("waiting", "checkpoint")] * 2
    with pytest.raises(CheckpointPendingError, match="no final checkpoint of bridge:1001"):
        bridge.deliver_with_checkpoint(first.message)
    guardians = [BridgeGuardian(s, bridge, bridge.store) for s in dev_guardians(route.a.chain)]
    digest = bridge.delivery_digest(first.message)
    sigs = [g._sign(digest) for g in sorted(guardians, key=lambda g: int(g.address, 16))[:5]]
    with pytest.raises(ContractCustomError) as refused:
        bridge.deliver(first.message, sigs)
    assert refused.value.error_name == "BridgeCheckpointRequired"
    assert ERROR_HINTS["BridgeCheckpointRequired"] in str(refused.value.hint)

    # the validators derive, check and sign both candidate roots; the aggregator finalizes them on B
    for node in nodes:
        status = node.step()
        assert (status.seen, status.signed, status.refused) == (2, 2, 0), status
    done = agg.step()
    checkpoints = [d for d in done if isinstance(d, Checkpoint)]
    assert [c.height for c in checkpoints] == [first.block, second.block]
    cp = checkpoints[-1]
    assert cp.domain == bridge_domain(1001) == parse_domain("bridge:1001")
    roots = bridge.message_roots("A", "B")
    assert cp.root == roots.root(second.block)
    assert route.b.consensus.is_final("bridge:1001", second.block, cp.root)
    assert bridge.get_transfer(first.id).state is TransferState.ATTESTED

    # the relayer proves each message against the latest final root (cumulative: both are in it) and delivers
    actions = relayer.run_once()
    assert [(x.action, x.attestation) for x in actions] == [("delivered", "checkpoint")] * 2
    gas = [x.gas_used or 0 for x in actions]
    wrapped = bridge.wrapped_of("B", 1001, token)
    assert wrapped is not None
    balance = route.b.chain.call(
        route.b.chain.contract("WrappedResourceToken", wrapped).functions.balanceOf(bob.address)
    )
    assert balance == 13 * ETH
    got = bridge.get_transfer(second.id)
    assert (got.state, got.attestation, got.checkpoint_height) == (
        TransferState.DELIVERED,
        Attestation.CHECKPOINT,
        second.block,
    )
    assert got.to_dict()["attestation"] == "checkpoint"
    # each message once: a second relayer pass skips them, a direct second delivery is refused by the contract
    assert relayer.run_once() == []
    assert bridge.deliver_with_checkpoint(first.message) is None
    height, root, proof = (second.block, cp.root, roots.proof(first.message, second.block)[1])
    fn = route.b.contract("Bridge").functions.deliverWithCheckpoint(first.message.as_tuple(), height, root, proof)
    with pytest.raises(ContractCustomError) as again:
        route.b.chain.transact(fn)
    assert again.value.error_name == "BridgeAlreadyDelivered"
    print(
        f"\nbridge checkpoint gas: checkpoint (4 of 4 BLS) {cp.gas_used:,}, deliverWithCheckpoint first (creates the "
        f"wrapped token) {gas[0]:,}, steady {gas[1]:,}"
    )
    assert gas[1] < 120_000


def test_the_source_signs_only_what_the_source_chain_rebuilds(route: Route) -> None:
    bridge, alice, bob = route.bridge, route.a.chain.dev_signer(1), route.a.chain.dev_signer(2)
    src = bridge.endpoint("A")
    snap = route.a.chain.snapshot()
    try:
        source = BridgeSource(src.chain, src.bridge, 1002, confirmations=2)
        t = bridge.initiate_bridge("A", "B", alice, bob.address, ETH, route.token.address)
        assert t.block not in [c.height for c in source.poll()]  # not 2 blocks deep yet
        check_early = BridgeSource(src.chain, src.bridge, 1002)
        (candidate,) = [c for c in check_early.poll() if c.height == t.block]
        early = source.check(candidate)
        assert (early.ok, early.retry) == (False, True)
        route.a.chain.advance(1)
        route.a.chain.advance(1)
        (c,) = [c for c in source.poll() if c.height == t.block]
        assert c.root == candidate.root
        covered = bridge.message_roots("A", "B").messages(t.block)
        assert [message_leaf(m.message) for m in covered][-1] == message_leaf(t.message)
        verdict = source.check(c)
        assert verdict.ok, verdict.reason
        forged = source.check(replace(c, root=bytes(32)))
        assert (forged.ok, forged.retry) == (False, False)
        assert "rebuild root" in forged.reason
        reorged = source.check(replace(c, reference="0x" + "11" * 32))
        assert (reorged.ok, reorged.retry) == (False, False)
        assert "reorganised" in reorged.reason
        other = source.check(replace(c, domain=bridge_domain(1003)))
        assert not other.ok
        # a source for another target derives no root from messages to B
        assert BridgeSource(src.chain, src.bridge, 1003).poll() == []
    finally:
        route.a.chain.revert(snap)
