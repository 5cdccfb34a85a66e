"""Message roots without a validator set (fast): the domain and leaf Python computes are the contract's, roots are
cumulative over what the source published for one target (a delayed message counts from its release), the candidate
heights every validator derives, and a bad verifier address refused before any transaction. The checkpoint path end
to end, with real BLS validators, is in ``test_bridge_checkpoint.py`` (slow)."""

from __future__ import annotations

import pytest

from novacron_chain.chain import Signer
from novacron_chain.consensus import BridgeSource, parse_domain
from novacron_chain.crosschain import (
    Attestation,
    AttestationStore,
    BridgeEndpoint,
    BridgeMessage,
    BridgeValueError,
    CrossChainBridge,
    MessageRoots,
    bridge_domain,
    bridge_domain_name,
    message_leaf,
)

from .conftest import TwoChains

ETH = 10**18
LARGE = 100_000 * ETH  # the config default bridge_large_transfer


@pytest.fixture
def bridge(two_chains: TwoChains) -> CrossChainBridge:
    ends = {
        "A": BridgeEndpoint("A", two_chains.a.chain, two_chains.a.contract("Bridge")),
        "B": BridgeEndpoint("B", two_chains.b.chain, two_chains.b.contract("Bridge")),
    }
    return CrossChainBridge(ends.__getitem__, lambda: list(ends), AttestationStore())


def test_domain_and_leaf_are_the_contracts(two_chains: TwoChains, bridge: CrossChainBridge, bob: Signer) -> None:
    b = bridge.endpoint("B")
    assert bridge_domain_name(1001) == "bridge:1001"
    assert bridge_domain(1001) == bytes(b.chain.call(b.bridge.functions.checkpointDomain(1001)))
    assert bridge_domain(1001) == parse_domain("bridge:1001")
    m = BridgeMessage(1001, 1002, 7, 1001, two_chains.token_a.address, 5 * ETH, bob.address, bob.address)
    assert message_leaf(m) == bytes(b.chain.call(b.bridge.functions.messageLeaf(m.as_tuple())))
    with pytest.raises(BridgeValueError):
        bridge_domain(0)
    assert bridge.attestation("B") is Attestation.GUARDIANS
    assert bridge.final_checkpoint("A", "B") is None


def test_roots_are_cumulative_per_target_and_count_a_delayed_message_from_its_release(
    two_chains: TwoChains, bridge: CrossChainBridge, alice: Signer, bob: Signer
) -> None:
    token = two_chains.token_a.address
    a = bridge.endpoint("A")
    first = bridge.initiate_bridge("A", "B", alice, bob.address, ETH, token)
    late = bridge.initiate_bridge("A", "B", alice, bob.address, LARGE, token)  # delayed: not published
    # a message to a third chain is not in the A -> B roots
    a.chain.transact(two_chains.token_a.functions.approve(a.bridge.address, ETH), sender=alice)
    a.chain.transact(a.bridge.functions.send(token, ETH, 1003, bob.address), sender=alice)
    second = bridge.initiate_bridge("A", "B", alice, bob.address, 2 * ETH, token)
    roots = bridge.message_roots("A", "B")
    assert [r.message for r in roots.messages(second.block)] == [first.message, second.message]
    assert roots.root(first.block - 1) is None
    assert roots.root(first.block) == message_leaf(first.message)  # a tree of one leaf
    assert roots.root(second.block) == MessageRoots.tree([first.message, second.message]).root
    two_chains.a.chain.advance(late.release_at - two_chains.a.chain.timestamp())  # type: ignore[operator]
    bridge.release_delayed(late.id)
    released_at = bridge.published_block(late.message)
    assert released_at is not None
    assert released_at > second.block
    assert [r.message for r in roots.messages(released_at)][-1] == late.message
    root, proof = roots.proof(first.message, released_at)
    assert root == roots.root(released_at)
    assert len(proof) == 2  # three leaves
    with pytest.raises(BridgeValueError, match="not among the 1 messages"):
        roots.proof(second.message, first.block)

    # every validator derives the same candidates: the blocks that published one, roots over all up to each
    source = BridgeSource.from_endpoint(a, 1002)
    candidates = source.poll()
    assert [c.height for c in candidates] == [first.block, second.block, released_at]
    assert [c.root for c in candidates] == [roots.root(h) for h in (first.block, second.block, released_at)]
    assert all(source.check(c).ok for c in candidates)
    assert source.poll() == []  # nothing new
    batched = BridgeSource(a.chain, a.bridge, 1002, batch_blocks=1000)
    assert batched.poll() == []  # block 1000 is not there yet


def test_a_reorganised_source_is_refused_then_read_again(
    two_chains: TwoChains, bridge: CrossChainBridge, alice: Signer, bob: Signer
) -> None:
    token = two_chains.token_a.address
    a = bridge.endpoint("A")
    source = BridgeSource.from_endpoint(a, 1002)
    before = a.chain.snapshot()
    gone = bridge.initiate_bridge("A", "B", alice, bob.address, ETH, token)
    (seen,) = source.poll()
    assert source.check(seen).ok
    a.chain.revert(before)  # the source chain reorganises: another transfer takes the same block and nonce
    kept = bridge.initiate_bridge("A", "B", alice, bob.address, 2 * ETH, token)
    assert (kept.block, kept.message.nonce) == (gone.block, gone.message.nonce)
    verdict = source.check(seen)
    assert (verdict.ok, verdict.retry) == (False, False)
    assert "reorganised" in verdict.reason
    (now,) = source.poll()  # read again from the start
    assert (now.height, now.root) == (kept.block, message_leaf(kept.message))
    assert source.check(now).ok


def test_a_verifier_that_is_not_a_contract_is_refused(bridge: CrossChainBridge) -> None:
    with pytest.raises(BridgeValueError, match="no contract at checkpoint verifier"):
        bridge.set_checkpoint_verifier("B", "0x" + "12" * 20)
