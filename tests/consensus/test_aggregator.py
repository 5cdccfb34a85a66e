"""The library's :class:`Aggregator` against the adversary, with real contracts, keys and signatures.

Signatures are held unchecked and verified together once they could make a checkpoint final; these tests pin down
what that must never allow:

* a forged signature sent first in a validator's name does not shut out the real one (same root, or another root);
* a batch with a forged signature still finalises with the good ones when they hold more than 2/3, and waits when
  they do not;
* a forged signature is never double-sign evidence, while a real double sign still is (reported and slashed);
* the search for bad signatures in a batch finds exactly the bad ones (no chain: many keys, cheap).

Four validators on the embedded chain (py-evm Prague: about two seconds a pairing on chain) and the same on anvil
(``integration``), where the validators' keys and the epoch's weights are read through JSON-RPC batches.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain, consensus, load_config
from novacron_chain.chain import AnvilNode, DeployStep, dev_signers
from novacron_chain.config import BlockchainConfig
from novacron_chain.consensus import (
    Aggregator,
    BlockchainConsensus,
    BlsSecretKey,
    BlsSignature,
    Checkpoint,
    CheckpointSignature,
    SlashResult,
    UnknownValidatorError,
    domain_id,
)
from novacron_chain.consensus._aggregator import _invalid_signatures
from tests._support import nova_and_timelock, reverting

pytestmark = pytest.mark.slow

NOVA = 10**18
STAKE = 1000 * NOVA
DEV = {"validator_stake": 1000, "epoch_length": 3600, "min_validators": 4}
OWNERS = dev_signers()[1:5]
KEYS = [BlsSecretKey.from_seed(bytes([0x90 + i]) * 32) for i in range(4)]
DOMAIN = domain_id("aggregator-test")


def consensus_steps(config: BlockchainConfig) -> list[DeployStep]:
    """NOVA, the timelock (the default treasury), the StakeManager and the CheckpointVerifier."""
    return [*nova_and_timelock(config), *consensus.deploy_steps(config)]


@pytest.fixture(scope="module", params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def pos(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
    """The module's chain: the contracts deployed, four validators registered and active."""
    if request.param == "embedded":
        nc = NovaChain.embedded(**DEV)
    else:
        node: AnvilNode = request.getfixturevalue("anvil_node")
        nc = NovaChain.connect(load_config(overrides={"network": node.url, "data_dir": "/nonexistent-novacron", **DEV}))
        nc.deployments.path = None  # keep records in memory
    try:
        nc.deploy(steps=consensus_steps(nc.config.blockchain))
        c = nc.consensus
        effective = max(
            c.register_validator(owner.address, STAKE, bls_key=key, sender=owner).effective_epoch
            for owner, key in zip(OWNERS, KEYS, strict=True)
        )
        while c.current_epoch() < effective:
            nc.chain.advance(max(int(nc.chain.call(c.stake_manager.functions.nextEpochAt())) - nc.chain.timestamp(), 1))
        yield nc
    finally:
        nc.close()


@pytest.fixture
def cm(pos: NovaChain) -> Iterator[BlockchainConsensus]:
    for nc in reverting(pos):
        yield nc.consensus


def signed(
    cm: BlockchainConsensus, index: int, height: int, root: bytes, *, forged: bool = False
) -> CheckpointSignature:
    """Validator ``index``'s signature of ``(DOMAIN, height, root)`` in the current epoch; ``forged``: one made
    without its key (what anyone can send in its name: the right public key, a signature of something else)."""
    epoch = cm.current_epoch()
    digest = cm.checkpoint_digest(DOMAIN, height, root, epoch)
    sig = KEYS[index].sign(keccak(b"not the checkpoint" + digest)) if forged else KEYS[index].sign(digest)
    return CheckpointSignature(DOMAIN, height, root, epoch, index, KEYS[index].public_key(), sig, 1.0)


def pending(agg: Aggregator, height: int, root: bytes) -> dict[str, list[int]]:
    """The verified signers and unchecked candidates the aggregator holds for ``(DOMAIN, height, root)``."""
    (entry,) = [p for p in agg.status()["pending"] if (p["height"], p["root"]) == (height, "0x" + root.hex())]
    return {"signers": entry["signers"], "candidates": entry["candidates"]}


def only_checkpoint(done: list[Checkpoint | SlashResult]) -> Checkpoint:
    (checkpoint,) = [d for d in done if isinstance(d, Checkpoint)]
    return checkpoint


# -- the chain-free part: finding the bad signatures in a batch ------------------------------------------------------


@pytest.mark.parametrize("bad", [set(), {0}, {17}, {0, 17, 39}, set(range(40))])
def test_the_batch_search_finds_exactly_the_bad_signatures(bad: set[int]) -> None:
    keys = [BlsSecretKey.from_seed(i.to_bytes(32, "big")) for i in range(1, 41)]
    message = keccak(b"checkpoint")
    sigs = [k.sign(keccak(b"something else") if i in bad else message) for i, k in enumerate(keys)]
    assert _invalid_signatures([k.public_key() for k in keys], message, sigs) == sorted(bad)
    # two forged signatures that cancel out in a plain sum are both found (random weights)
    offset = KEYS[0].sign(b"offset")._point
    tricked = list(sigs)
    tricked[3] = BlsSignature._trusted(sigs[3]._point + offset)
    tricked[30] = BlsSignature._trusted(sigs[30]._point + -offset)
    assert _invalid_signatures([k.public_key() for k in keys], message, tricked) == sorted(bad | {3, 30})


# -- the aggregator on a chain ----------------------------------------------------------------------------------------


def test_a_forged_signature_sent_first_does_not_block_the_real_one(cm: BlockchainConsensus) -> None:
    agg = Aggregator(cm, linger=0)
    root = os.urandom(32)
    # anyone can send a signature in validator 0's name with its public key: held, not counted
    assert agg.receive(signed(cm, 0, 1, root, forged=True)).status == "accepted"
    assert pending(agg, 1, root) == {"signers": [], "candidates": [0]}
    # the real one still gets in: verified on arrival, and the forged one is dropped
    real = agg.receive(signed(cm, 0, 1, root))
    assert (real.status, real.http_status) == ("accepted", 202)
    assert "verified" in real.message
    assert pending(agg, 1, root) == {"signers": [0], "candidates": []}
    assert agg.rejected == 1
    # the forged one again: checked at once now, and refused
    again = agg.receive(signed(cm, 0, 1, root, forged=True))
    assert (again.status, again.http_status) == ("rejected", 403)
    assert "does not verify" in again.message
    # a forged signature of ANOTHER root sent first in validator 1's name: its real one still counts, and the
    # forged one is no double sign
    other = os.urandom(32)
    assert agg.receive(signed(cm, 1, 1, other, forged=True)).status == "accepted"
    assert agg.receive(signed(cm, 1, 1, root)).status == "accepted"
    assert pending(agg, 1, root) == {"signers": [0, 1], "candidates": []}
    assert pending(agg, 1, other) == {"signers": [], "candidates": []}
    assert agg.status()["double_signers"] == []
    # validator 2's real signature is held unchecked; with it the three make the checkpoint final
    assert agg.receive(signed(cm, 2, 1, root)).status == "accepted"
    checkpoint = only_checkpoint(agg.step())
    assert (checkpoint.domain, checkpoint.height, checkpoint.root) == (DOMAIN, 1, root)
    assert checkpoint.non_signers == (3,)
    assert cm.is_final(DOMAIN, 1, root)
    assert agg.status()["double_signers"] == []
    assert agg.slashed == []
    assert (agg.received, agg.rejected) == (5, 3)


def test_a_batch_with_a_forged_signature_finalises_with_the_good_ones(cm: BlockchainConsensus) -> None:
    agg = Aggregator(cm, linger=0)
    root = os.urandom(32)
    # two real signatures and a forged one: together they would hold 3/4, so the batch is checked ...
    for sig in (signed(cm, 0, 1, root), signed(cm, 1, 1, root), signed(cm, 3, 1, root, forged=True)):
        assert agg.receive(sig).status == "accepted"
    assert agg.step() == []
    # ... and the forged one dropped: 2/4 is not enough, nothing was submitted, nothing is counted unchecked
    assert pending(agg, 1, root) == {"signers": [0, 1], "candidates": []}
    assert cm.latest_height(DOMAIN) is None
    assert agg.rejected == 1
    # the fourth real signature arrives (the forged one's slot is free again): final with the three good ones
    assert agg.receive(signed(cm, 2, 1, root)).status == "accepted"
    checkpoint = only_checkpoint(agg.step())
    assert checkpoint.non_signers == (3,)
    assert checkpoint.signed_stake == 3 * STAKE
    assert cm.is_final(DOMAIN, 1, root)
    # all four in one batch, one of them forged: final at once with the other three
    root2 = os.urandom(32)
    for sig in (signed(cm, 0, 2, root2), signed(cm, 1, 2, root2, forged=True), signed(cm, 2, 2, root2)):
        assert agg.receive(sig).status == "accepted"
    assert agg.receive(signed(cm, 3, 2, root2)).status == "accepted"
    checkpoint = only_checkpoint(agg.step())
    assert (checkpoint.height, checkpoint.root, checkpoint.non_signers) == (2, root2, (1,))
    assert agg.rejected == 2
    assert agg.status()["double_signers"] == []


def test_only_a_real_double_sign_is_reported(cm: BlockchainConsensus) -> None:
    agg = Aggregator(cm, linger=0)
    root_a, root_b = os.urandom(32), os.urandom(32)
    # validator 1 signed root A; a forgery of root B in its name is refused, not taken for a double sign
    assert agg.receive(signed(cm, 1, 1, root_a)).status == "accepted"
    forged_b = agg.receive(signed(cm, 1, 1, root_b, forged=True))
    assert (forged_b.status, forged_b.http_status) == ("rejected", 403)
    # the same forgery sent BEFORE validator 2's real signature: dropped when the real one arrives, no double sign
    assert agg.receive(signed(cm, 2, 1, root_b, forged=True)).status == "accepted"
    assert agg.receive(signed(cm, 2, 1, root_a)).status == "accepted"
    assert agg.status()["double_signers"] == []
    # validator 3 really signs both: a double sign, reported (and counted for neither root)
    assert agg.receive(signed(cm, 3, 1, root_b)).status == "accepted"
    double = agg.receive(signed(cm, 3, 1, root_a))
    assert (double.status, double.http_status) == ("double-sign", 409)
    assert agg.status()["double_signers"] == [3]
    assert agg.receive(signed(cm, 0, 1, root_a)).status == "accepted"
    done = agg.step()
    (slash,) = [d for d in done if isinstance(d, SlashResult)]
    assert (slash.index, slash.domain, slash.height) == (3, DOMAIN, 1)
    assert {slash.root_a, slash.root_b} == {root_a, root_b}
    assert cm.get_validator(3).tombstoned
    assert not any(cm.get_validator(i).tombstoned for i in (0, 1, 2))
    # root A is final with 0, 1 and 2; the double signer counted for nothing
    checkpoint = only_checkpoint(done)
    assert (checkpoint.root, checkpoint.non_signers) == (root_a, (3,))
    assert agg.slashed == [slash]


def test_keys_and_weights_come_in_batches_and_match_the_single_reads(cm: BlockchainConsensus) -> None:
    sm = cm.stake_manager.functions
    epoch = cm.current_epoch()
    weights = cm.epoch_weights(epoch)
    assert weights == {i: int(cm.chain.call(sm.stakeAt(i, epoch))) for i in range(4)} == dict.fromkeys(range(4), STAKE)
    assert cm.epoch_weights(epoch + 1) == weights  # nothing changes at the next epoch
    for i in range(4):
        assert cm.pubkey_of(i) == KEYS[i].public_key() == cm.pubkey_of(i, fresh=True)
    with pytest.raises(UnknownValidatorError):
        cm.pubkey_of(4)
    # the batched reads return what one call at a time returns
    fns = [sm.pubkeyOf(i) for i in range(4)] + [sm.stakeAt(i, epoch) for i in range(4)] + [sm.validator(1)]
    assert cm.chain.call_many(fns, chunk=3) == [cm.chain.call(fn) for fn in fns]
