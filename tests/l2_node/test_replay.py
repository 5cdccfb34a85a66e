"""Fast re-execution (signatures recovered ahead by the workers, predicted nonces and recipients) is the contract's
state transition: the same roots as the core's one-signature-at-a-time replay, invalid ops and mispredictions
included."""

from __future__ import annotations

import pytest

from novacron_chain.chain import dev_signers
from novacron_chain.l2 import (
    Eip712Domain,
    L2State,
    QueueItem,
    QueueOp,
    RecoveryPool,
    encode_op,
    replay_batch,
    sign_transfer,
    sign_withdrawal,
)
from novacron_chain.l2._replay import replay_segments

DEV = dev_signers()
DOMAIN = Eip712Domain(713713, bytes(19) + b"\x07")
TOKENS = [bytes(19) + b"\x10", bytes(19) + b"\x11"]


def _a(i: int) -> bytes:
    return bytes.fromhex(DEV[i].address[2:])


def _genesis() -> L2State:
    state = L2State.genesis(_a(0), DOMAIN, TOKENS)
    for i, (who, amount) in enumerate([(1, 10**21), (2, 10**21), (5, 7)]):
        state.add_queue_item(QueueItem(i, 1, _a(who), 0, amount, 1))
    return state


def _segments() -> tuple[list[bytes], int]:
    k = [d.private_key for d in DEV]
    ops = [
        QueueOp(1),  # deposit: creates account 1 for DEV[1]
        QueueOp(2),  # account 2 for DEV[2]
        sign_transfer(k[1], DOMAIN, TOKENS, account=1, to=2, to_address=_a(2), token=0, amount=10**18, fee=10, nonce=0),
        sign_transfer(k[1], DOMAIN, TOKENS, account=1, to=2, to_address=_a(2), token=0, amount=10**18, fee=10, nonce=5),
        # ^ invalid (wrong nonce): the next op of account 1 was signed with nonce 1, which the prediction misses
        sign_transfer(k[1], DOMAIN, TOKENS, account=1, to=2, to_address=_a(2), token=0, amount=3, fee=0, nonce=1),
        sign_transfer(k[3], DOMAIN, TOKENS, account=2, to=1, to_address=_a(1), token=0, amount=3, fee=0, nonce=0),
        # ^ invalid: signed by DEV[3] for account 2 (bad signature)
        QueueOp(99),  # deposit for DEV[5] with a wrong hint: creates account 3
        sign_transfer(k[2], DOMAIN, TOKENS, account=2, to=3, to_address=_a(5), token=0, amount=11, fee=1, nonce=0),
        # ^ to account 3, created by a deposit the prediction does not see
        sign_transfer(k[2], DOMAIN, TOKENS, account=2, to=None, to_address=_a(6), token=1, amount=1, fee=0, nonce=1),
        # ^ invalid: no balance of token 1
        sign_withdrawal(k[2], DOMAIN, TOKENS, account=2, token=0, amount=10**17, fee=0, nonce=1),
        sign_transfer(k[2], DOMAIN, TOKENS, account=2, to=None, to_address=_a(6), token=0, amount=5, fee=0, nonce=2),
    ]
    encoded = [encode_op(op) for op in ops]  # type: ignore[arg-type]
    return [b"".join(encoded[:4]), b"".join(encoded[4:8]), b"".join(encoded[8:])], 3


@pytest.mark.parametrize("workers", [0, 2])
def test_fast_replay_gives_the_contracts_roots(workers: int) -> None:
    segments, queue_end = _segments()
    reference = _genesis()
    ends, total = [], 0
    for s in segments:
        total += len(s)
        ends.append(total)
    expected = replay_batch(reference, b"".join(segments), ends, queue_end)
    pool = RecoveryPool(DOMAIN, TOKENS + [bytes(20)] * 6, workers)
    try:
        fast = _genesis()
        seen: list[tuple[bytes | None, str | None]] = []
        roots = replay_segments(fast, pool, segments, queue_end, on_op=lambda op, enc, h, r: seen.append((h, r)))
    finally:
        pool.close()
    assert roots == expected
    assert fast.header() == reference.header()
    reasons = [r for _, r in seen]
    assert reasons == [
        None,
        None,
        None,
        "bad signature",  # from L1 data a wrong nonce is a signature over another message
        None,
        "bad signature",
        None,
        None,
        "insufficient balance",
        None,
        None,
    ]
    assert fast.withdrawal_count == 1
    assert fast.account_count == 5


def test_a_mismatch_stops_the_replay() -> None:
    segments, queue_end = _segments()
    pool = RecoveryPool(DOMAIN, TOKENS + [bytes(20)] * 6, 0)
    state = _genesis()
    roots = replay_segments(state, pool, segments, queue_end, stop=lambda k, root: k == 1)
    assert len(roots) == 2
