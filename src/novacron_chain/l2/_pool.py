"""Signature recovery on every core: a pool of worker processes that turn submitted L2 transactions into their
EIP-712 digests and recovered signers.

The submission wire format (what ``POST /v1/txs`` takes, concatenated; ``l2 transfer`` and wallets build it) is the
op in its batch calldata form followed by what a verifier of the signature needs and the calldata leaves out:

=============================  ===========================================================
op ``0x01`` transfer (81 B)    then ``u64 nonce`` and ``address to`` (20 B): 109 bytes
op ``0x02`` transfer-new (97)  then ``u64 nonce``: 105 bytes
op ``0x03`` withdraw (77)      then ``u64 nonce``: 85 bytes
=============================  ===========================================================

The workers are stateless: each is given the EIP-712 domain and the token addresses once, and returns per transaction
``digest (32 B) ‖ signer (20 B)`` from the core's :func:`~novacron_chain.l2._codec.recover_sender` (signer all zero
when the signature does not recover or is one OpenZeppelin's ECDSA, and so the fraud proof, refuses). Whether the
signer owns the account and the nonce is the account's next one is for the sequencer to check against its state: the
digest covers the signed nonce, so without it a wrong nonce would look like a bad signature.
"""

from __future__ import annotations

import multiprocessing
import os
import struct
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from ._codec import decode_segment, recover_sender
from ._types import Eip712Domain, Transfer, Withdrawal

__all__ = ["OP_LEN", "WIRE_LEN", "RecoveryPool", "WireTx", "digest_and_recover", "parse_wire", "wire_op"]

OP_TRANSFER, OP_TRANSFER_NEW, OP_WITHDRAW = 1, 2, 3
#: op length (calldata form) and wire length by op type
OP_LEN = {OP_TRANSFER: 81, OP_TRANSFER_NEW: 97, OP_WITHDRAW: 77}
WIRE_LEN = {OP_TRANSFER: 109, OP_TRANSFER_NEW: 105, OP_WITHDRAW: 85}
_ZERO52 = bytes(52)
_U64 = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class WireTx:
    """One submitted transaction, split: the op as it goes into a batch, the signed nonce, the recipient's address
    for a transfer to an existing account (``None`` otherwise), and where it starts in its request."""

    op: bytes
    nonce: int
    to: bytes | None
    offset: int


def parse_wire(blob: bytes) -> tuple[list[WireTx], str | None]:
    """Split a ``POST /v1/txs`` body into transactions; the second value names the first malformed byte (an
    unknown op type or a truncated transaction), after which nothing is read."""
    out: list[WireTx] = []
    pos, n = 0, len(blob)
    while pos < n:
        kind = blob[pos]
        size = WIRE_LEN.get(kind)
        if size is None:
            return (
                out,
                f"byte {pos}: unknown op type 0x{kind:02x} (1 transfer, 2 transfer to a new account, 3 withdraw)",
            )
        if pos + size > n:
            return out, f"byte {pos}: a type 0x{kind:02x} transaction needs {size} bytes, {n - pos} left"
        oplen = OP_LEN[kind]
        op = blob[pos : pos + oplen]
        nonce = _U64.unpack_from(blob, pos + oplen)[0]
        to = blob[pos + oplen + 8 : pos + size] if kind == OP_TRANSFER else None
        out.append(WireTx(op, nonce, to, pos))
        pos += size
    return out, None


def wire_op(tx: WireTx) -> Transfer | Withdrawal:
    """The decoded op of a wire transaction, with its signed nonce and (type 0x01) recipient address attached, as
    :meth:`L2State.apply <novacron_chain.l2._state.L2State.apply>` checks them against the state. Built directly
    (the sequencer's hot path: ``dataclasses.replace`` of a decoded op cost three times as much)."""
    b = tx.op
    kind = b[0]
    if kind == OP_TRANSFER:
        return Transfer(
            int.from_bytes(b[1:5], "big"),
            int.from_bytes(b[5:9], "big"),
            tx.to,
            b[9],
            _unpack(int.from_bytes(b[10:15], "big")),
            _unpack(int.from_bytes(b[15:17], "big")),
            tx.nonce,
            b[17:81],
        )
    if kind == OP_TRANSFER_NEW:
        return Transfer(
            int.from_bytes(b[1:5], "big"),
            None,
            b[5:25],
            b[25],
            _unpack(int.from_bytes(b[26:31], "big")),
            _unpack(int.from_bytes(b[31:33], "big")),
            tx.nonce,
            b[33:97],
        )
    if kind == OP_WITHDRAW:
        return Withdrawal(
            int.from_bytes(b[1:5], "big"),
            b[5],
            _unpack(int.from_bytes(b[6:11], "big")),
            _unpack(int.from_bytes(b[11:13], "big")),
            tx.nonce,
            b[13:77],
        )
    (op,), _ = decode_segment(b, 1)  # pragma: no cover - parse_wire yields the three kinds only
    assert isinstance(op, Transfer | Withdrawal)
    return op


_POW10: list[int] = [10**e for e in range(32)]


def _unpack(packed: int) -> int:
    """A packed amount or fee: mantissa (the high bits) * 10**exponent (the low 5 bits)."""
    return int((packed >> 5) * _POW10[packed & 31])


def wire_bytes(op: bytes, nonce: int, to: bytes | None = None) -> bytes:
    """The wire form of an encoded op (what ``POST /v1/txs`` takes)."""
    return op + _U64.pack(nonce) + (to if op[0] == OP_TRANSFER and to is not None else b"")


# -- in the worker processes --------------------------------------------------------------------------------------
_DOMAIN: Eip712Domain | None = None
_TOKENS: list[bytes] = []


def _init(domain: Eip712Domain, tokens: Sequence[bytes]) -> None:
    global _DOMAIN, _TOKENS
    _DOMAIN, _TOKENS = domain, list(tokens)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="l2-parent-watch", daemon=True).start()


def _exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """End this worker once its parent is gone. A worker of a ``ProcessPoolExecutor`` waits on a queue whose write
    end its sibling workers hold too, so it never sees EOF: after a ``kill -9`` of the sequencer its workers (and the
    resource tracker they keep open) would otherwise live on forever, one set per crash."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(0)


def digest_and_recover(blob: bytes, domain: Eip712Domain | None = None, tokens: Sequence[bytes] | None = None) -> bytes:
    """For each whole wire transaction in ``blob`` (stopping at the first malformed one): ``digest ‖ signer``
    (52 bytes; all zero when the digest cannot be formed, the signer part zero when recovery fails). In a worker
    the domain and tokens come from the pool's initializer."""
    dom = _DOMAIN if domain is None else domain
    assert dom is not None
    toks = _TOKENS if tokens is None else list(tokens)
    txs, _ = parse_wire(blob)
    out = bytearray()
    for tx in txs:
        digest, sender = recover_sender(wire_op(tx), dom, toks)
        if digest is None:
            out += _ZERO52
        else:
            out += digest
            out += sender if sender is not None else bytes(20)
    return bytes(out)


class RecoveryPool:
    """Worker processes (``l2_workers``, default one per core) that run :func:`digest_and_recover`.

    ``workers=0`` runs in the calling thread (tests, tiny nodes)."""

    def __init__(self, domain: Eip712Domain, tokens: Sequence[bytes], workers: int | None = None) -> None:
        self.domain = domain
        self.tokens = list(tokens)
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 0:
            ctx = multiprocessing.get_context("spawn")  # no fork of a threaded process
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_init, initargs=(domain, self.tokens)
            )

    def set_tokens(self, tokens: Sequence[bytes]) -> None:
        """New token registrations: restart the workers with the new list (rare: ids are assigned once)."""
        if list(tokens) == self.tokens:
            return
        self.tokens = list(tokens)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_init, initargs=(self.domain, self.tokens)
            )

    def submit(self, blob: bytes) -> Future[bytes]:
        """Digests and signers of ``blob``'s transactions, computed by a worker."""
        if self._pool is None:
            fut: Future[bytes] = Future()
            try:
                fut.set_result(digest_and_recover(blob, self.domain, self.tokens))
            except BaseException as exc:
                fut.set_exception(exc)
            return fut
        return self._pool.submit(digest_and_recover, blob)

    def recover_ops(
        self, ops: Sequence[Transfer | Withdrawal], chunk: int = 512
    ) -> list[tuple[bytes | None, bytes | None]]:
        """``recover_sender`` of many ops (with their nonce and recipient address set), over the workers; blocks."""
        blobs = []
        for op in ops:
            from ._codec import encode_op

            to = op.to_address if isinstance(op, Transfer) and op.to is not None else None
            assert op.nonce is not None
            blobs.append(wire_bytes(encode_op(op), op.nonce, to))
        futures = [self.submit(b"".join(blobs[i : i + chunk])) for i in range(0, len(blobs), chunk)]
        out: list[tuple[bytes | None, bytes | None]] = []
        for f in futures:
            res = f.result()
            for i in range(0, len(res), 52):
                digest, sender = res[i : i + 32], res[i + 32 : i + 52]
                out.append((None, None) if digest == bytes(32) else (digest, None if sender == bytes(20) else sender))
        return out

    def warm_up(self) -> None:
        """Start every worker now (the first submissions would otherwise wait for process start-up)."""
        if self._pool is not None:
            for f in [self._pool.submit(os.getpid) for _ in range(self.workers * 2)]:
                f.result()

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
