"""Fast finality of L2 batches by proof-of-stake checkpoints, on the embedded chain with real BLS validators.

One embedded chain runs NOVA, the StakeManager and the CheckpointVerifier with four registered validators, and an
L2Portal + L2Rollup (challenge period one hour) that takes the verifier's ``l2`` checkpoints. Batches are built the
sequencer's way (an :class:`L2State`, :class:`BatchBuilder`, signed transfers and withdrawals) and proposed on L1.
Four :class:`ValidatorNode` s, each with its own :class:`L2RootSource` (the L2 state rebuilt from L1 data alone) and
slashing-protection record, sign the newest verified batch; an in-process :class:`Aggregator` submits the checkpoint;
the L2 :class:`Verifier` (with a key) sends ``confirmByCheckpoint``; the batch and every earlier one are final long
before the challenge period ends, and a withdrawal is released at once. A batch with a wrong root (even one whose
post root is right and only an inner segment root is wrong) is never signed, and after the fraud proof deletes it,
its honest replacement is checkpointed.

Slow: py-evm's BLS precompiles are pure Python (a checkpoint's pairing takes seconds).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_hash.auto import keccak
from web3.contract import Contract

from novacron_chain import NovaChain, consensus, l2, load_config, tokens
from novacron_chain.chain import AnvilNode, dev_signers
from novacron_chain.consensus import (
    Aggregator,
    AggregatorServer,
    BlsSecretKey,
    Checkpoint,
    CheckpointSignature,
    L2RootSource,
    SlashingProtection,
    ValidatorNode,
    domain_id,
)
from novacron_chain.errors import TransactionRevertedError
from novacron_chain.l2 import (
    Batch,
    BatchBuilder,
    L2State,
    QueueOp,
    RollupL1,
    Verifier,
    address_of,
    encode_op,
    sign_transfer,
    sign_withdrawal,
)
from novacron_chain.l2._codec import checksum
from tests._support import nova_and_timelock, reverting

pytestmark = pytest.mark.slow

NOVA = 10**18
STAKE = 1000 * NOVA
DEV = {"validator_stake": 1000, "epoch_length": 3600, "min_validators": 4}
OWNERS = dev_signers()[1:5]
KEYS = [BlsSecretKey.from_seed(bytes([0xD0 + i]) * 32) for i in range(4)]
AGGREGATOR = "http://aggregator.invalid"
CHALLENGE = 3600  # seconds: the checkpoint must beat it by far
BOND = 10**18
MINTER_ROLE = keccak(b"MINTER_ROLE")
USER_KEYS = [bytes([0x51 + i]) * 32 for i in range(3)]
USERS = [address_of(k) for k in USER_KEYS]
L2 = domain_id("l2")
VERIFIER_ACCOUNT = 6  # the L2 verifier's key: RollupL1 sends at the node's pending nonce, apart from the test's


@dataclass
class World:
    nc: NovaChain
    rollup: Contract
    portal: Contract
    tokens: list[Contract]
    backend: str

    @property
    def l1(self) -> RollupL1:
        return RollupL1(self.nc.chain, self.rollup, self.portal)

    def genesis(self) -> L2State:
        l1 = self.l1
        return L2State.genesis(l1.fee_recipient(), l1.domain(), l1.tokens())

    def deposit(self, state: L2State, who: bytes, amount: int, token: int = 0) -> None:
        chain = self.nc.chain
        chain.transact(self.tokens[token].functions.approve(self.portal.address, amount))
        chain.transact(self.portal.functions.deposit(self.tokens[token].address, amount, checksum(who)))
        for item in self.l1.queue_items(len(state.queue)):
            state.add_queue_item(item)

    def propose(self, batch: Batch) -> tuple[int, float]:
        """Post ``batch``; its index and the wall-clock time it was mined."""
        self.nc.chain.transact(self.rollup.functions.proposeBatch(*batch.propose_args()))
        return int(self.nc.chain.call(self.rollup.functions.batchCount())) - 1, time.time()

    def is_final(self, index: int) -> bool:
        return bool(self.nc.chain.call(self.rollup.functions.isFinal(index)))


@pytest.fixture(scope="module", params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
def world_session(request: pytest.FixtureRequest) -> Iterator[World]:
    """The project's deploy steps: CPU..NET, NOVA and its timelock, the StakeManager and CheckpointVerifier, then
    the L2Portal and the L2Rollup (wired to the CheckpointVerifier by its deploy step); four validators registered
    and active; the deployer holds CPU and MEM and a proposer bond."""
    overrides: dict[str, Any] = {**DEV, "use_layer2": True, "l2_challenge_period": CHALLENGE}
    anvil = AnvilNode() if request.param == "anvil" else None
    if anvil is not None:
        anvil.start()
        nc = NovaChain.connect(load_config(overrides={"network": anvil.url, "data_dir": "/nonexistent", **overrides}))
        nc.deployments.path = None
    else:
        nc = NovaChain.embedded(**overrides)
    try:
        chain, bc = nc.chain, nc.config.blockchain
        stake_manager, verifier = consensus.deploy_steps(bc)
        nc.deploy(
            steps=[*tokens.deploy_steps(bc)[:4], *nova_and_timelock(bc), stake_manager, verifier, *l2.deploy_steps(bc)]
        )
        cm = nc.consensus
        effective = max(
            cm.register_validator(owner.address, STAKE, bls_key=key, sender=owner).effective_epoch
            for owner, key in zip(OWNERS, KEYS, strict=True)
        )
        while cm.current_epoch() < effective:
            chain.advance(max(int(chain.call(cm.stake_manager.functions.nextEpochAt())) - chain.timestamp(), 1))
        me = chain.signer.address
        resource = [nc.contract("CPUToken"), nc.contract("MEMToken")]
        for t in resource:
            chain.transact(t.functions.grantRole(MINTER_ROLE, me))
            chain.transact(t.functions.mint(me, 10**24))
        rollup, portal = nc.contract("L2Rollup"), nc.contract("L2Portal")
        assert str(chain.call(rollup.functions.checkpointVerifier())) == cm.verifier.address
        chain.transact(rollup.functions.depositBond(), value=BOND * 4)
        yield World(nc, rollup, portal, resource, request.param)
    finally:
        nc.close()
        if anvil is not None:
            anvil.stop()


@pytest.fixture
def world(world_session: World) -> Iterator[World]:
    for _ in reverting(world_session.nc):
        yield world_session


def aggregator_client(agg: Aggregator) -> httpx.Client:
    """An HTTP client whose requests the aggregator answers in this thread (no socket)."""

    def handle(request: httpx.Request) -> httpx.Response:
        data = json.loads(request.content)
        result = agg.receive(CheckpointSignature.from_dict(data), available_at=data.get("available_at"))
        return httpx.Response(result.http_status, json=result.to_dict())

    return httpx.Client(transport=httpx.MockTransport(handle))


@dataclass
class Validators:
    nodes: list[ValidatorNode]
    sources: list[L2RootSource]
    guards: list[SlashingProtection]
    agg: Aggregator

    def step(self) -> list[Any]:
        return [node.step() for node in self.nodes]

    def finalize(self) -> list[Checkpoint]:
        return [d for d in self.agg.step() if isinstance(d, Checkpoint)]


@pytest.fixture
def validators(world: World, tmp_path: Path) -> Iterator[Validators]:
    cm = world.nc.consensus
    agg = Aggregator(cm, linger=0)
    http = aggregator_client(agg)
    guards = [SlashingProtection.open(tmp_path / f"protection-{i}", k.public_key()) for i, k in enumerate(KEYS)]
    sources = [L2RootSource(world.l1) for _ in KEYS]
    nodes = [
        ValidatorNode(cm, key, guard, [src], [AGGREGATOR], http=http)
        for key, guard, src in zip(KEYS, guards, sources, strict=True)
    ]
    yield Validators(nodes, sources, guards, agg)
    http.close()
    for g in guards:
        g.close()


def funded(world: World) -> tuple[L2State, Batch]:
    """Batch 0: deposits of both tokens for the three users (accounts 1..3), built the sequencer's way."""
    st = world.genesis()
    b = BatchBuilder(st, max_segment_ops=2)
    for who in USERS:
        for token in (0, 1):
            world.deposit(st, who, 10**21, token)
            hint = st.index_of(who)
            op = QueueOp(st.account_count if hint is None else hint)
            assert st.apply(op) is None
            b.add(encode_op(op))
    return st, b.finish()


def transfer(st: L2State, frm: int, to: int, amount: int, token: int = 0) -> Any:
    return sign_transfer(
        USER_KEYS[frm - 1],
        st.domain,
        st.tokens,
        account=frm,
        to=to,
        to_address=st.address(to),
        token=token,
        amount=amount,
        fee=10**12,
        nonce=st.nonce(frm),
    )


def kinds(verifier: Verifier) -> list[tuple[str, int | None]]:
    """What one verifier pass did (its start from genesis aside)."""
    return [(e.kind, e.batch) for e in verifier.step() if e.kind != "rebuilt"]


def build(st: L2State, ops: list[Any], segment: int = 2) -> Batch:
    b = BatchBuilder(st, max_segment_ops=segment)
    for make in ops:
        op = make()
        assert st.apply(op) is None, op
        b.add(encode_op(op))
    return b.finish()


def test_checkpointed_batches_are_final_long_before_the_challenge_period(world: World, validators: Validators) -> None:
    chain = world.nc.chain
    verifier = Verifier(world.l1, chain.dev_signer(VERIFIER_ACCOUNT), workers=0)
    try:
        st, first = funded(world)
        index, posted = world.propose(first)
        assert index == 0
        posted_at = chain.timestamp()
        assert not world.is_final(0)

        # height 0 is a valid first checkpoint of the domain (its latestHeight reads 0 before it, too)
        statuses = validators.step()
        assert [(s.seen, s.signed, s.refused) for s in statuses] == [(1, 1, 0)] * 4
        assert all(g.signed_root(L2, 0) == first.post_root for g in validators.guards)
        (cp0,) = validators.finalize()
        assert (cp0.height, cp0.root) == (0, first.post_root)
        assert kinds(verifier) == [("verified", 0), ("confirmed", 0)]
        assert world.is_final(0)
        first_seconds = time.time() - posted
        first_chain_seconds = chain.timestamp() - posted_at

        # batch 1 (transfers and a withdrawal), batch 2 (more transfers): only the newest is checkpointed, and
        # confirming it finalizes both
        second = build(
            st,
            [
                lambda: transfer(st, 1, 2, 10**18),
                lambda: transfer(st, 2, 3, 5 * 10**17, token=1),
                lambda: sign_withdrawal(
                    USER_KEYS[2], st.domain, st.tokens, account=3, token=1, amount=10**20, fee=0, nonce=st.nonce(3)
                ),
            ],
        )
        proof = st.withdrawal_proof(0)
        third = build(st, [lambda: transfer(st, 3, 1, 7), lambda: transfer(st, 1, 3, 9)])
        assert world.propose(second)[0] == 1
        index, posted = world.propose(third)
        assert index == 2
        posted_at = chain.timestamp()
        args = (1, proof.header.as_tuple(), checksum(USERS[2]), 1, 10**20, 0, list(proof.siblings))
        with pytest.raises(TransactionRevertedError):  # not final yet
            chain.transact(world.portal.functions.finalizeWithdrawal(*args), gas=1_000_000)

        statuses = validators.step()
        assert [(s.seen, s.signed) for s in statuses] == [(2, 2)] * 4
        assert all(g.signed_root(L2, 1) is None for g in validators.guards)  # superseded by 2: never signed
        assert all(g.signed_root(L2, 2) == third.post_root for g in validators.guards)
        (cp2,) = validators.finalize()
        assert (cp2.height, cp2.root) == (2, third.post_root)
        assert world.nc.consensus.is_final("l2", 2, third.post_root)
        events = [e for e in verifier.step() if e.kind != "rebuilt"]
        assert [(e.kind, e.batch) for e in events] == [("verified", 1), ("verified", 2), ("confirmed", 2)]
        confirm_gas = int(events[-1].detail["gas_used"])
        seconds = time.time() - posted
        chain_seconds = chain.timestamp() - posted_at
        assert world.is_final(1)
        assert world.is_final(2)
        assert chain_seconds < CHALLENGE
        assert int(chain.call(world.rollup.functions.confirmedCount())) == 3

        # the withdrawal of batch 1 is released now, an hour before its challenge period ends
        chain.transact(world.portal.functions.finalizeWithdrawal(*args))
        assert chain.call(world.tokens[1].functions.balanceOf(checksum(USERS[2]))) == 10**20
        assert kinds(verifier) == []  # nothing more to confirm
        print(
            f"\nl2 checkpoint finality ({world.backend}, 4 BLS validators): batch 0 posted -> final "
            f"{first_seconds:.1f} s wall ({first_chain_seconds} s of L1 time); batch 2 posted -> batches 1-2 final "
            f"{seconds:.1f} s wall ({chain_seconds} s of L1 time); challenge period {CHALLENGE} s; checkpoint gas "
            f"{cp2.gas_used:,}, confirmByCheckpoint gas {confirm_gas:,}"
        )
    finally:
        verifier.close()


def test_a_wrong_segment_root_is_never_signed_and_its_replacement_is(world: World, validators: Validators) -> None:
    chain = world.nc.chain
    st, first = funded(world)
    world.propose(first)
    for s in validators.step():
        assert s.signed == 1
    validators.finalize()

    # an honest batch of 3 segments, posted with a wrong MIDDLE root: its post root is the honest one
    start = st.copy()
    honest = build(st, [lambda i=i: transfer(st, 1 + i % 3, 1 + (i + 1) % 3, 10**18 * (i + 1)) for i in range(6)])
    roots = list(honest.roots)
    roots[1] = b"\x13" * 32
    bad = Batch(honest.ops, honest.ends, tuple(roots), honest.queue_end, honest.prev_root)
    assert bad.post_root == honest.post_root
    assert world.propose(bad)[0] == 1
    after = st.copy()
    later = build(after, [lambda: transfer(after, 1, 2, 1)])  # builds on it
    world.propose(later)

    statuses = validators.step()
    assert [(s.seen, s.signed) for s in statuses] == [(1, 1)] * 4  # nothing new offered
    for src in validators.sources:
        assert [r["batch"] for r in src.refused] == [1]
        assert "segment 1 of 3 rebuilds root" in src.refused[0]["reason"]
        assert src.verified_count == 1
    src = validators.sources[0]
    candidate = replace(
        src._candidate(src._verified[0]), height=1, root=bad.post_root, reference=world.l1.live_batches(1)[0].tx_hash
    )
    verdict = src.check(candidate)
    assert (verdict.ok, verdict.retry) == (False, False)
    assert "wrong root" in verdict.reason
    verdict = src.check(replace(candidate, height=2, root=later.post_root))
    assert (verdict.ok, verdict.retry) == (False, False)
    assert "builds on batch 1" in verdict.reason
    assert all(g.signed_root(L2, h) is None for g in validators.guards for h in (1, 2))
    assert validators.finalize() == []
    assert not world.nc.consensus.is_final("l2", 1, bad.post_root)

    # the rollup's verifier proves it wrong (batches 1 and 2 deleted); the honest batch takes index 1 and is signed
    verifier = Verifier(world.l1, chain.dev_signer(VERIFIER_ACCOUNT), workers=0)
    try:
        assert ("fraud-proven", 1) in kinds(verifier)
        assert int(chain.call(world.rollup.functions.batchCount())) == 1
        deleted = src.check(candidate)
        assert (deleted.ok, deleted.retry) == (False, False)
        assert "deleted by a fraud proof" in deleted.reason
        chain.transact(world.rollup.functions.depositBond(), value=BOND)
        assert world.propose(Batch(honest.ops, honest.ends, honest.roots, honest.queue_end, start.root))[0] == 1
        statuses = validators.step()
        assert [(s.seen, s.signed, s.refused) for s in statuses] == [(2, 2, 0)] * 4
        (cp,) = validators.finalize()
        assert (cp.height, cp.root) == (1, honest.post_root)
        assert kinds(verifier)[-1] == ("confirmed", 1)
        assert world.is_final(1)
    finally:
        verifier.close()


def test_the_source_waits_for_confirmations_and_notices_a_reorganisation(world: World) -> None:
    chain = world.nc.chain
    _, first = funded(world)
    src = L2RootSource(world.l1, confirmations=2)
    snap = chain.snapshot()
    world.propose(first)
    assert src.poll() == []  # not 2 blocks deep yet
    early = L2RootSource(world.l1).poll()[0]
    verdict = src.check(early)
    assert (verdict.ok, verdict.retry) == (False, True)
    chain.advance(1)
    chain.advance(1)
    (c,) = src.poll()
    assert (c.height, c.root) == (0, first.post_root)
    assert src.check(c).ok
    forged = src.check(replace(c, root=bytes(32)))
    assert (forged.ok, forged.retry) == (False, False)

    # L1 reorganises: batch 0 is replaced by another one (different deposits order: another root)
    chain.revert(snap)
    st2 = world.genesis()
    b = BatchBuilder(st2)
    world.deposit(st2, USERS[1], 5)
    op = QueueOp(st2.account_count)
    assert st2.apply(op) is None
    b.add(encode_op(op))
    other = b.finish()
    world.propose(other)
    chain.advance(1)
    chain.advance(1)
    assert src.poll() == []  # height 0 was offered already; its new root is not offered again
    assert src.rebuilds == 1
    stale = src.check(c)
    assert (stale.ok, stale.retry) == (False, False)
    assert src.check(replace(c, root=other.post_root, reference=world.l1.live_batches(0)[0].tx_hash)).ok


def test_validator_run_builds_the_l2_source_of_the_recorded_rollup(world: World) -> None:
    from novacron_chain.cli._validator_run_cmds import _l2_source

    src = _l2_source(world.nc)
    assert isinstance(src, L2RootSource)
    assert src.domain == L2 == domain_id("l2")
    assert src.l1.address == world.rollup.address
    _, first = funded(world)
    world.propose(first)
    (c,) = src.poll()
    assert (c.height, c.root) == (0, first.post_root)
    assert src.check(c).ok


def test_threaded_validators_aggregator_and_verifier_finalize_a_batch(world: World, tmp_path: Path) -> None:
    """The processes' loops in threads (validators every 0.5 s, the aggregator's HTTP server and worker, the
    verifier every 0.5 s): the wall-clock time from a batch posted to final on the rollup."""
    cm = world.nc.consensus
    agg = Aggregator(cm, linger=0.5)
    guards = [SlashingProtection.open(tmp_path / f"protection-{i}", k.public_key()) for i, k in enumerate(KEYS)]
    stop = threading.Event()
    with AggregatorServer(agg) as server:
        nodes = [
            ValidatorNode(cm, key, guard, [L2RootSource(world.l1)], [server.url], poll_interval=0.5)
            for key, guard in zip(KEYS, guards, strict=True)
        ]
        verifier = Verifier(world.l1, world.nc.chain.dev_signer(VERIFIER_ACCOUNT), workers=0)
        threads = [threading.Thread(target=n.run, args=(stop,), daemon=True) for n in nodes]
        threads.append(threading.Thread(target=verifier.run, args=(stop,), kwargs={"poll_interval": 0.5}, daemon=True))
        try:
            for t in threads:
                t.start()
            _, first = funded(world)
            _, posted = world.propose(first)
            deadline = time.monotonic() + 120
            while not world.is_final(0):
                assert time.monotonic() < deadline, "batch 0 not final by checkpoint within 120 s"
                time.sleep(0.05)
            seconds = time.time() - posted
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
            for n in nodes:
                n.close()
            for g in guards:
                g.close()
    assert world.nc.consensus.is_final("l2", 0, first.post_root)
    (cp,) = [c for c in agg.finalized if c.height == 0]
    print(
        f"\nl2 checkpoint finality with running loops ({world.backend}; validators and verifier polling every 0.5 s, "
        f"aggregator linger 0.5 s): batch posted -> final on the rollup {seconds:.2f} s; root seen -> checkpoint "
        f"final {cp.finality_seconds:.2f} s; challenge period {CHALLENGE} s"
    )
    assert seconds < CHALLENGE
