"""The Python core against the L1 contracts on the embedded chain: digests, genesis root, the contract's state
transition (``replaySegment``) equal to Python's on valid and invalid ops, a Python-built batch proposed, a Python
fraud proof accepted for a wrong root and refused for a right one, a withdrawal finalised with a Python proof."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError, TransactionRevertedError
from novacron_chain.l2._batch import (
    Batch,
    BatchBuilder,
    FraudProof,
    find_fraud,
    fraud_proof,
    merkle_proof,
    replay_batch,
    segment_witness,
)
from novacron_chain.l2._codec import (
    address_of,
    checksum,
    domain_separator,
    encode_op,
    sign_transfer,
    sign_withdrawal,
    transfer_digest,
    withdrawal_digest,
)
from novacron_chain.l2._state import L2State
from novacron_chain.l2._tree import keccak
from novacron_chain.l2._types import (
    DEPOSIT,
    FORCED_WITHDRAWAL,
    Eip712Domain,
    Op,
    QueueItem,
    QueueOp,
    StateHeader,
    Transfer,
)
from tests._support import reverting

from .conftest import FEE, key

CHAIN_ID = 424242
CHALLENGE = 3600
BOND = 10**18
ZERO = "0x" + "00" * 20


@dataclass
class Env:
    nc: NovaChain
    rollup: Any
    portal: Any
    tokens: list[Any]
    domain: Eip712Domain
    token_addrs: list[bytes]

    def genesis(self) -> L2State:
        return L2State.genesis(FEE, self.domain, self.token_addrs)

    def enqueue(self, state: L2State, recipient: bytes, amount: int, token: int = 0) -> QueueItem:
        chain = self.nc.chain
        chain.transact(self.tokens[token].functions.approve(self.portal.address, amount))
        r = chain.transact(self.portal.functions.deposit(self.tokens[token].address, amount, checksum(recipient)))
        item = QueueItem(len(state.queue), DEPOSIT, recipient, token, amount, r.block_number)
        (h, _) = chain.call(self.portal.functions.queueItem(item.index))
        assert h == item.hash
        state.add_queue_item(item)
        return item

    def propose(self, batch: Batch) -> int:
        self.nc.chain.transact(self.rollup.functions.proposeBatch(*batch.propose_args()))
        index = int(self.nc.chain.call(self.rollup.functions.batchCount())) - 1
        assert self.nc.chain.call(self.rollup.functions.batch(index))[1] == batch.commitment
        return index

    def replay(self, pre: StateHeader, segment: bytes, witness: bytes, queue_end: int) -> StateHeader:
        out = self.nc.chain.call(self.rollup.functions.replaySegment(pre.as_tuple(), segment, witness, queue_end))
        return StateHeader(*out)


@pytest.fixture(scope="module")
def l2_session(embedded_session: NovaChain) -> Iterator[Env]:
    nc = embedded_session
    chain = nc.chain
    snap = chain.snapshot()
    me = chain.signer.address
    tokens = [chain.deploy("PlainERC20", me, 10**30)[0] for _ in range(2)]
    portal, _ = chain.deploy("L2Portal", me, me)
    rollup, _ = chain.deploy("L2Rollup", me, me, me, portal.address, checksum(FEE), CHAIN_ID, CHALLENGE, 50, BOND, ZERO)
    chain.transact(portal.functions.setRollup(rollup.address))
    for t in tokens:
        chain.transact(portal.functions.registerToken(t.address))
    chain.transact(rollup.functions.depositBond(), value=BOND * 4)
    token_addrs = [bytes.fromhex(a[2:]) for a in chain.call(portal.functions.tokens())]
    domain = Eip712Domain(CHAIN_ID, bytes.fromhex(rollup.address[2:]))
    yield Env(nc, rollup, portal, tokens, domain, token_addrs)
    chain.revert(snap)


@pytest.fixture
def env(l2_session: Env) -> Iterator[Env]:
    for _ in reverting(l2_session.nc):
        yield l2_session


KEYS = [key(100 + i) for i in range(4)]
ADDRS = [address_of(k) for k in KEYS]


def _funded(env: Env) -> tuple[L2State, Batch]:
    """Genesis + a first batch of deposits (accounts 1..4 = KEYS, tokens 0 and 1), proposed."""
    st = env.genesis()
    b = BatchBuilder(st, max_segment_ops=3)
    for a in ADDRS:
        for token in (0, 1):
            env.enqueue(st, a, 10**21, token)
            op = QueueOp(st.index_of(a) if st.index_of(a) is not None else 2**32 - 1)  # type: ignore[arg-type]
            assert st.apply(op) is None
            b.add(encode_op(op))
    batch = b.finish()
    assert env.propose(batch) == 0
    return st, batch


def _t(st: L2State, frm: int, to: int | None, amount: int, *, fee: int = 0, token: int = 0, **kw: Any) -> Transfer:
    k = kw.pop("signer", KEYS[frm - 1])
    to_address = kw.pop("to_address", st.address(to) if to is not None else b"\x99" * 20)
    nonce = kw.pop("nonce", st.nonce(frm))
    return sign_transfer(
        k,
        st.domain,
        st.tokens,
        account=frm,
        to=to,
        to_address=to_address,
        token=token,
        amount=amount,
        fee=fee,
        nonce=nonce,
    )


def test_digests_and_genesis_match_the_contract(env: Env) -> None:
    chain, r = env.nc.chain, env.rollup
    assert chain.call(r.functions.domainSeparator()) == domain_separator(env.domain)
    to, token = b"\x12" * 20, env.token_addrs[1]
    assert chain.call(r.functions.transferDigest(7, checksum(to), checksum(token), 10**18, 5, 3)) == (
        transfer_digest(env.domain, 7, to, token, 10**18, 5, 3)
    )
    assert chain.call(r.functions.withdrawalDigest(7, checksum(token), 10**18, 5, 3)) == withdrawal_digest(
        env.domain, 7, token, 10**18, 5, 3
    )
    assert chain.call(r.functions.genesisRoot()) == env.genesis().root


def test_python_batches_are_accepted_and_replayed_identically(env: Env) -> None:
    st, first = _funded(env)
    chain, r = env.nc.chain, env.rollup
    assert chain.call(r.functions.stateRoot(0)) == st.root == first.post_root
    # a second batch with every kind of valid op, segments of 4
    b = BatchBuilder(st, max_segment_ops=4)
    start = st.copy()
    makers: list[Any] = [
        lambda: _t(st, 1, 2, 10**18, fee=10**15),
        lambda: _t(st, 2, 2, 5, fee=1),  # to self
        lambda: _t(st, 3, None, 7 * 10**17, fee=3, token=1, to_address=b"\x55" * 20),  # to a new account
        lambda: _t(st, 1, st.account_count - 1, 11),  # to the account just created
        lambda: sign_withdrawal(KEYS[3], st.domain, st.tokens, account=4, token=1, amount=10**20, fee=9, nonce=0),
        lambda: _t(st, 1, 0, 1),  # to the fee account
    ]
    for make in makers:
        op = make()
        assert st.apply(op) is None, op
        b.add(encode_op(op))
    batch = b.finish()
    assert env.propose(batch) == 1
    assert chain.call(r.functions.stateRoot(1)) == st.root
    # the verifier's replay from calldata gives the same roots
    v = start.copy()
    assert replay_batch(v, batch.ops, batch.ends, batch.queue_end) == list(batch.roots)
    # the contract's re-execution of each segment from Python's witness gives Python's header
    w = start.copy()
    for k, seg in enumerate(batch.segments):
        pre = w.header()
        witness = segment_witness(w, seg, batch.queue_end)
        assert env.replay(pre, seg, witness, batch.queue_end) == w.header()
        assert w.root == batch.roots[k]
    # an honest segment cannot be proven wrong
    proof = fraud_proof(start.copy(), batch, 1, 1)
    with pytest.raises(ContractCustomError) as info:
        chain.transact(r.functions.proveFraud(proof.as_tuple()), gas=5_000_000, max_gas=10_000_000)
    assert info.value.error_name == "RollupNoFraud"


def test_fraud_proof_deletes_a_wrong_root(env: Env) -> None:
    st, _ = _funded(env)
    chain, r = env.nc.chain, env.rollup
    start = st.copy()
    b = BatchBuilder(st, max_segment_ops=2)
    for i in range(5):
        op = _t(st, 1 + i % 4, 1 + (i + 1) % 4, 10**18 + i * 10**9, fee=1)
        assert st.apply(op) is None
        b.add(encode_op(op))
    honest = b.finish()
    wrong_roots = list(honest.roots)
    wrong_roots[1] = b"\x13" * 32  # the sequencer lies about segment 1 (and everything after builds on it)
    bad = Batch(honest.ops, honest.ends, tuple(wrong_roots), honest.queue_end, honest.prev_root)
    assert env.propose(bad) == 1
    v = start.copy()
    k = find_fraud(v, bad)
    assert k == 1
    assert v.root == start.root
    proof = fraud_proof(v, bad, 1, k)
    assert v.root == start.root  # fraud_proof leaves the state as it was
    balance_before = chain.w3.eth.get_balance(chain.signer.address)
    receipt = chain.transact(r.functions.proveFraud(proof.as_tuple()), gas=5_000_000, max_gas=10_000_000)
    assert receipt.status == 1
    assert chain.call(r.functions.batchCount()) == 1
    assert chain.w3.eth.get_balance(chain.signer.address) > balance_before - receipt.gas_used * 10**10
    # the honest batch goes through afterwards (with a new bond: the old one was slashed)
    chain.transact(r.functions.depositBond(), value=BOND)
    assert env.propose(honest) == 1
    assert chain.call(r.functions.stateRoot(1)) == st.root


def test_a_batch_built_on_another_head_is_refused(env: Env) -> None:
    """The double-post guard: the same proposal twice (a re-broadcast) lands once; the second names a head L1 no
    longer holds and is refused with RollupWrongHead and its hint."""
    st, _ = _funded(env)
    chain, r = env.nc.chain, env.rollup
    b = BatchBuilder(st)
    op = _t(st, 1, 2, 10**18, fee=1)
    assert st.apply(op) is None
    b.add(encode_op(op))
    batch = b.finish()
    assert env.propose(batch) == 1
    with pytest.raises(ContractCustomError) as info:
        chain.transact(r.functions.proposeBatch(*batch.propose_args()))
    assert info.value.error_name == "RollupWrongHead"
    assert info.value.error_args == {"expected": batch.post_root, "actual": batch.prev_root}
    assert info.value.hint is not None
    assert "head" in info.value.hint
    assert chain.call(r.functions.batchCount()) == 2


def test_queue_mismatch_in_last_segment_is_fraud(env: Env) -> None:
    st, _ = _funded(env)
    chain, r = env.nc.chain, env.rollup
    env.enqueue(st, ADDRS[0], 5)
    start = st.copy()
    b = BatchBuilder(st)
    op = _t(st, 1, 2, 3)
    assert st.apply(op) is None
    b.add(encode_op(op))
    # the queued deposit is left out but queueEnd claims it was taken
    honest = b.finish()
    bad = Batch(honest.ops, honest.ends, honest.roots, honest.queue_end + 1, honest.prev_root)
    env.propose(bad)
    v = start.copy()
    assert find_fraud(v, bad) == 0
    chain.transact(r.functions.proveFraud(fraud_proof(v, bad, 1, 0).as_tuple()), gas=5_000_000, max_gas=10_000_000)
    assert chain.call(r.functions.batchCount()) == 1


def _segment_of(st: L2State, rng: random.Random, n: int) -> list[Op]:
    """Ops of every kind, valid and invalid, in calldata form."""
    out: list[Op] = []
    for _ in range(n):
        frm = rng.randrange(1, 5)
        kind = rng.randrange(10)
        count = st.account_count
        if kind < 3:
            out.append(_t(st, frm, rng.randrange(count), rng.choice([1, 10**18, 10**22]), fee=rng.choice([0, 7])))
        elif kind == 3:
            out.append(_t(st, frm, rng.randrange(count), 1, signer=KEYS[(frm) % 4]))  # bad signature
        elif kind == 4:
            out.append(_t(st, frm, rng.randrange(count), 1, nonce=st.nonce(frm) + 1))  # wrong nonce
        elif kind == 5:
            out.append(_t(st, frm, None, 10**6, to_address=rng.choice([b"\x66" * 20, ADDRS[2]]), token=1))
        elif kind == 6:
            amount = rng.choice([10**19, 10**23])
            out.append(
                sign_withdrawal(
                    KEYS[frm - 1], st.domain, st.tokens, account=frm, token=1, amount=amount, fee=2, nonce=st.nonce(frm)
                )
            )
        elif kind == 7:
            out.append(_t(st, frm, rng.randrange(count), 1, token=rng.choice([1, 3])))  # 3: unregistered
        elif kind == 8:
            out.append(Transfer(frm, count + 3, None, 0, 1, 0, None, b"\x01" * 64))  # unknown recipient
        else:
            out.append(QueueOp(rng.randrange(count + 2)))
        # the op is applied by the caller between draws so that nonces follow; here only build
        st.apply(out[-1])
    return [
        Transfer(
            o.account, o.to, None if o.to is not None else o.to_address, o.token, o.amount, o.fee, None, o.signature
        )
        if isinstance(o, Transfer)
        else o
        for o in out
    ]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_contract_state_transition_equals_python_on_mixed_segments(env: Env, seed: int) -> None:
    st, _ = _funded(env)
    rng = random.Random(seed)
    for _ in range(3):  # queue items: deposits to known and unknown addresses, forced withdrawals
        env.enqueue(st, rng.choice([*ADDRS, b"\x77" * 20]), 10**20, rng.randrange(2))
    chain = env.nc.chain
    chain.transact(env.portal.functions.requestWithdrawal(env.tokens[1].address, 10**19))
    me = bytes.fromhex(chain.signer.address[2:])
    st.add_queue_item(QueueItem(len(st.queue), FORCED_WITHDRAWAL, me, 1, 10**19, 0))
    start = st.copy()
    ops = _segment_of(st.copy(), rng, 24)
    segment = b"".join(encode_op(o) for o in ops) + b"\x07garbage"
    queue_end = len(st.queue)
    pre = start.header()
    w = start.copy()
    witness = segment_witness(w, segment, queue_end)
    post = env.replay(pre, segment, witness, queue_end)
    assert post == w.header()
    assert post.queue_processed > pre.queue_processed or all(not isinstance(o, QueueOp) for o in ops)


def test_withdrawal_finalised_with_a_python_proof(env: Env) -> None:
    st, _ = _funded(env)
    chain, r, portal = env.nc.chain, env.rollup, env.portal
    b = BatchBuilder(st)
    op = sign_withdrawal(KEYS[1], st.domain, st.tokens, account=2, token=1, amount=10**20, fee=0, nonce=0)
    assert st.apply(op) is None
    b.add(encode_op(op))
    index = env.propose(b.finish())
    proof = st.withdrawal_proof(0)
    assert proof.verify()
    assert proof.root == chain.call(r.functions.stateRoot(index))
    args = (index, proof.header.as_tuple(), checksum(ADDRS[1]), 1, 10**20, 0, list(proof.siblings))
    with pytest.raises(TransactionRevertedError):  # not final yet
        chain.transact(portal.functions.finalizeWithdrawal(*args), gas=1_000_000)
    chain.advance(CHALLENGE + 1)
    chain.transact(portal.functions.finalizeWithdrawal(*args))
    assert chain.call(env.tokens[1].functions.balanceOf(checksum(ADDRS[1]))) == 10**20
    with pytest.raises(TransactionRevertedError):  # each withdrawal once
        chain.transact(portal.functions.finalizeWithdrawal(*args), gas=1_000_000)


@pytest.mark.slow
def test_fraud_proof_gas_of_a_full_segment(env: Env, record_property: Any) -> None:
    st, _ = _funded(env)
    chain, r = env.nc.chain, env.rollup
    start = st.copy()
    b = BatchBuilder(st)
    for i in range(32):
        op = _t(st, 1 + i % 4, 1 + (i * 3 + 1) % 4, 10**18 + i * 10**9, fee=10**12)
        assert st.apply(op) is None
        b.add(encode_op(op))
    honest = b.finish()
    bad = Batch(honest.ops, honest.ends, (b"\x01" * 32,), honest.queue_end, honest.prev_root)
    env.propose(bad)
    proof = fraud_proof(start, bad, 1, 0)
    receipt = chain.transact(r.functions.proveFraud(proof.as_tuple()), gas=10_000_000, max_gas=10_000_000)
    record_property("fraud_proof_gas_32_transfers", receipt.gas_used)
    print(f"fraud proof of a 32-transfer segment: {receipt.gas_used} gas, witness {len(proof.witness)} bytes")
    assert receipt.gas_used < 3_000_000


@pytest.mark.slow
def test_fraud_proof_gas_on_a_million_account_tree(env: Env, record_property: Any) -> None:
    """A 32-transfer segment between random accounts of a 2**20-account tree: every proof has ~20 non-zero
    siblings. L1 never saw those accounts: segment 0 of the batch claims the big state's root (unchallenged), and
    segment 1 (the transfers) is proven wrong from there."""
    st = env.genesis()
    n = 1 << 20
    keyed = {1 + (i * 16411) % (n - 1): key(500 + i) for i in range(64)}
    for i in range(1, n):
        k = keyed.get(i)
        st.add_queue_item(QueueItem(i - 1, DEPOSIT, address_of(k) if k else i.to_bytes(20, "big"), 0, 10**21, 1))
        assert st.apply(QueueOp(2**32 - 1)) is None
    big = st.header()
    chain, r = env.nc.chain, env.rollup
    filler = encode_op(QueueOp(0))  # segment 0: anything, with the big state's root claimed after it
    idx = sorted(keyed)
    start = st.copy()
    ops = b""
    for j in range(32):
        frm, to = idx[j], idx[(j * 7 + 3) % 64]
        op = sign_transfer(
            keyed[frm],
            st.domain,
            st.tokens,
            account=frm,
            to=to,
            to_address=st.address(to),
            token=0,
            amount=10**18,
            fee=10**12,
            nonce=st.nonce(frm),
        )
        assert st.apply(op) is None
        ops += encode_op(op)
    bad = Batch(filler + ops, (5, 5 + len(ops)), (big.root, b"\x02" * 32), 0, chain.call(r.functions.genesisRoot()))
    env.propose(bad)
    pre = start.header()
    witness = segment_witness(start, ops, 0)
    leaves = bad.leaves
    proof = FraudProof(
        batch_index=0,
        segments_root=bad.segments_root,
        segment_count=2,
        queue_end=0,
        segment_index=1,
        segment=ops,
        post_root=b"\x02" * 32,
        siblings=tuple(merkle_proof(leaves, 1)),
        prev_segment_hash=keccak(filler),
        pre_root=big.root,
        prev_siblings=tuple(merkle_proof(leaves, 0)),
        pre=pre,
        witness=witness,
    )
    receipt = chain.transact(r.functions.proveFraud(proof.as_tuple()), gas=12_000_000, max_gas=12_000_000)
    record_property("fraud_proof_gas_32_transfers_1M_accounts", receipt.gas_used)
    print(
        f"fraud proof, 32 transfers over 2**20 accounts: {receipt.gas_used} gas, witness {len(witness)} bytes,"
        f" calldata {len(ops) + len(witness)} bytes"
    )
    assert chain.call(r.functions.batchCount()) == 0
    assert receipt.gas_used < 3_000_000  # the goal for a one-transaction fraud proof


def test_ops_after_the_32nd_are_ignored_by_both_sides(env: Env) -> None:
    st, _ = _funded(env)
    pre = st.header()
    junk = encode_op(Transfer(1, 2, None, 0, 1, 0, None, b"\x01" * 64))  # invalid: bad signature
    valid = encode_op(_t(st, 1, 2, 10**18))
    segment = junk * 32 + valid
    w = st.copy()
    witness = segment_witness(w, segment, 0)
    assert w.header() == pre  # the 33rd op (valid) was not executed
    assert env.replay(pre, segment, witness, 0) == pre
    w2 = st.copy()
    witness2 = segment_witness(w2, junk * 31 + valid, 0)
    assert w2.root != pre.root
    assert env.replay(pre, junk * 31 + valid, witness2, 0) == w2.header()
