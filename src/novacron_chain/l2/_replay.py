"""Re-executing posted batches fast: signatures recovered on every core before the ops are applied in order.

An op in batch calldata carries neither its nonce nor (op ``0x01``) its recipient's address, and both are signed:
the digest, and so the signer, depends on the state the op meets. For an honest batch every op is valid, so the
nonce an op was signed with is the sender's nonce plus the ops of that sender before it, and the recipient of an
index is known (an account created earlier in the batch included). Those predictions go to the worker processes;
the state then applies each op with the recovered signer, which it accepts only when the prediction was right
(:meth:`L2State.apply` refuses a pre-recovered op whose nonce or recipient is not the state's). An op whose
prediction was wrong (an invalid op before it from the same sender, a deposit creating an account the prediction
did not see) is re-run the contract's way, recovering from the state's own fields. The result is the contract's
state transition, at the speed of the workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._codec import decode_segment, encode_op
from ._pool import OP_LEN, RecoveryPool, parse_wire, wire_bytes, wire_op
from ._state import L2State
from ._types import Op, Transfer, Withdrawal

__all__ = ["OpCallback", "replay_segments"]

OpCallback = Callable[[Op, bytes, "bytes | None", "str | None"], None]
"""``callback(op, encoded op, tx hash (None for a queue op), reason (None: applied))`` after each op."""

_ZERO20 = bytes(20)
_RETRY = ("wrong nonce", "recipient mismatch", "bad signature", "unknown recipient")


def replay_segments(
    state: L2State,
    pool: RecoveryPool,
    segments: Sequence[bytes],
    queue_end: int,
    *,
    on_op: OpCallback | None = None,
    stop: Callable[[int, bytes], bool] | None = None,
) -> list[bytes]:
    """Apply ``segments`` (each parsed as the contract parses a segment) to ``state``; the state root after each.
    ``stop(k, root)`` returning True ends the replay after segment ``k`` (a verifier's mismatch)."""
    decoded = [decode_segment(s)[0] for s in segments]
    nonces: dict[int, int] = {}
    created = state.account_count
    addresses: dict[int, bytes] = {}
    wires: list[bytes] = []
    slots: list[int] = []  # per op: its wire index, -1 for a queue op
    for ops in decoded:
        for op in ops:
            if not isinstance(op, Transfer | Withdrawal):
                slots.append(-1)
                continue
            a = op.account
            n = nonces.get(a, state.nonce(a) if a < state.account_count else 0)
            nonces[a] = n + 1
            to_addr = None
            if isinstance(op, Transfer):
                if op.to is None:
                    addresses[created] = op.to_address or _ZERO20
                    created += 1
                else:
                    known = state.address(op.to) if op.to < state.account_count else _ZERO20
                    to_addr = addresses.get(op.to, known)
            slots.append(len(wires))
            wires.append(wire_bytes(encode_op(op), n, to_addr))
    recovered = b""
    if wires:
        chunk = 512
        futures = [pool.submit(b"".join(wires[i : i + chunk])) for i in range(0, len(wires), chunk)]
        recovered = b"".join(f.result() for f in futures)
    roots: list[bytes] = []
    i = 0
    for k, ops in enumerate(decoded):
        for op in ops:
            w = slots[i]
            i += 1
            if w < 0:
                reason = state.apply(op, queue_limit=queue_end)
                if on_op is not None:
                    on_op(op, encode_op(op), None, reason)
                continue
            digest = recovered[52 * w : 52 * w + 32]
            sender = recovered[52 * w + 32 : 52 * w + 52]
            predicted = wire_op(parse_wire(wires[w])[0][0])
            reason = state.apply(predicted, sender=None if sender == _ZERO20 else sender, queue_limit=queue_end)
            if reason in _RETRY:
                digest = state.tx_hash(op)  # before applying: it reads the nonce
                reason = state.apply(op, queue_limit=queue_end)
            if on_op is not None:
                on_op(op, wires[w][: OP_LEN[op.kind]], digest, reason)
        roots.append(state.commit())
        if stop is not None and stop(k, roots[-1]):
            break
    return roots
