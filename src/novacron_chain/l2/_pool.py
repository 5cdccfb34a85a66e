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

import asyncio
import contextlib
import importlib
import os
import pickle
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from ._codec import (
    TRANSFER_TYPEHASH,
    WITHDRAWAL_TYPEHASH,
    decode_segment,
    recover,
    recover_sender,
    unpack_amount,
)
from ._errors import L2Error
from ._tree import NATIVE, keccak
from ._types import Eip712Domain, Transfer, Withdrawal

__all__ = [
    "OP_LEN",
    "WIRE_LEN",
    "RecoveryPool",
    "WireTx",
    "count_wire",
    "digest_and_recover",
    "digest_and_recover_slow",
    "make_fast_recover",
    "packed_value",
    "parse_wire",
    "split_wire",
    "wire_op",
]

OP_TRANSFER, OP_TRANSFER_NEW, OP_WITHDRAW = 1, 2, 3
#: op length (calldata form) and wire length by op type
OP_LEN = {OP_TRANSFER: 81, OP_TRANSFER_NEW: 97, OP_WITHDRAW: 77}
WIRE_LEN = {OP_TRANSFER: 109, OP_TRANSFER_NEW: 105, OP_WITHDRAW: 85}
_ZERO52 = bytes(52)
_ZERO20 = bytes(20)
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


def count_wire(blob: bytes) -> tuple[int, str | None]:
    """How many whole wire transactions ``blob`` starts with, and :func:`parse_wire`'s description of a malformed
    tail (without building the transactions)."""
    pos, n, count = 0, len(blob), 0
    sizes = WIRE_LEN
    while pos < n:
        size = sizes.get(blob[pos])
        if size is None or pos + size > n:
            return count, parse_wire(blob[pos:])[1]
        pos += size
        count += 1
    return count, None


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
            packed_value(b[10:15]),
            packed_value(b[15:17]),
            tx.nonce,
            b[17:81],
        )
    if kind == OP_TRANSFER_NEW:
        return Transfer(
            int.from_bytes(b[1:5], "big"),
            None,
            b[5:25],
            b[25],
            packed_value(b[26:31]),
            packed_value(b[31:33]),
            tx.nonce,
            b[33:97],
        )
    if kind == OP_WITHDRAW:
        return Withdrawal(
            int.from_bytes(b[1:5], "big"),
            b[5],
            packed_value(b[6:11]),
            packed_value(b[11:13]),
            tx.nonce,
            b[13:77],
        )
    (op,), _ = decode_segment(b, 1)  # pragma: no cover - parse_wire yields the three kinds only
    assert isinstance(op, Transfer | Withdrawal)
    return op


_VALUES: dict[bytes, int] = {}  # packed amount or fee -> its value
_WORDS: dict[bytes, bytes] = {}  # packed amount or fee -> its value as an EIP-712 word
_PACKED_CACHE = 65_536


def packed_value(packed: bytes) -> int:
    """The value of a packed amount (5 bytes) or fee (2 bytes), as :func:`~novacron_chain.l2._codec.unpack_amount`
    gives it. Remembered: payments repeat their amounts (1-3 significant digits), and a lookup costs a third of the
    unpacking on the sequencer's and the workers' hot paths."""
    v = _VALUES.get(packed)
    if v is None:
        if len(_VALUES) >= _PACKED_CACHE:
            _VALUES.clear()
        v = _VALUES[packed] = unpack_amount(int.from_bytes(packed, "big"))
    return v


def _word(packed: bytes) -> bytes:
    """The uint256 word of a packed amount or fee in an EIP-712 struct (remembered like :func:`packed_value`)."""
    w = _WORDS.get(packed)
    if w is None:
        if len(_WORDS) >= _PACKED_CACHE:
            _WORDS.clear()
        w = _WORDS[packed] = packed_value(packed).to_bytes(32, "big")
    return w


def wire_bytes(op: bytes, nonce: int, to: bytes | None = None) -> bytes:
    """The wire form of an encoded op (what ``POST /v1/txs`` takes)."""
    return op + _U64.pack(nonce) + (to if op[0] == OP_TRANSFER and to is not None else b"")


# -- digests and signers (in the worker processes) ----------------------------------------------------------------

_U32 = struct.Struct(">I")
_W28 = bytes(28)
_W24 = bytes(24)
_Z12 = bytes(12)
_PREFIX = b"\x19\x01"


_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = _N // 2
_S_MASK = (1 << 255) - 1


_SIGNER_CACHE = 100_000  # recovered keys remembered per worker (~150 bytes each)


def make_fast_recover() -> Callable[[bytes, bytes], bytes | None]:
    """:func:`~novacron_chain.l2._codec.recover` (same checks, same answers) calling libsecp256k1 through
    coincurve's cffi binding with buffers allocated once. The address of a recovered key is remembered (by the
    key's 64-byte internal form, one per point): senders repeat, and serialising and hashing the key was ~1 µs of
    a worker's ~5 µs per transaction besides the recovery. The buffers are shared: one thread only (a worker
    process's)."""
    try:
        binding = importlib.import_module("coincurve._libsecp256k1")
        ctx = importlib.import_module("coincurve.context").GLOBAL_CONTEXT.ctx
    except (ImportError, AttributeError):  # pragma: no cover - another coincurve layout: the plain path
        return recover
    ffi, lib = binding.ffi, binding.lib
    sig = ffi.new("secp256k1_ecdsa_recoverable_signature *")
    pub = ffi.new("secp256k1_pubkey *")
    out = ffi.new("unsigned char[65]")
    outlen = ffi.new("size_t *")
    uncompressed = lib.SECP256K1_EC_UNCOMPRESSED
    parse = lib.secp256k1_ecdsa_recoverable_signature_parse_compact
    recover_ = lib.secp256k1_ecdsa_recover
    serialize = lib.secp256k1_ec_pubkey_serialize
    buffer = ffi.buffer
    key = ffi.buffer(pub, 64)
    frm = int.from_bytes
    signers: dict[bytes, bytes] = {}

    def fast_recover(digest: bytes, sig64: bytes) -> bytes | None:
        if len(sig64) != 64:
            return None
        vs = frm(sig64[32:], "big")
        s_ = vs & _S_MASK
        if not (0 < frm(sig64[:32], "big") < _N and 0 < s_ <= _HALF_N):
            return None
        if not parse(ctx, sig, sig64[:32] + s_.to_bytes(32, "big"), vs >> 255):
            return None
        if not recover_(ctx, pub, sig, digest):
            return None
        point = key[:]
        address = signers.get(point)
        if address is None:
            outlen[0] = 65
            serialize(ctx, out, outlen, pub, uncompressed)
            address = keccak(buffer(out, 65)[1:])[12:]
            if len(signers) >= _SIGNER_CACHE:
                signers.clear()
            signers[point] = address
        return address

    return fast_recover


_RECOVER: Callable[[bytes, bytes], bytes | None] = recover  # a worker process installs make_fast_recover()'s


def _secp_calls() -> tuple[int, int, int, int, int] | None:
    """For the C loop (``_native.recover_wire``): the addresses of coincurve's libsecp256k1 context and of the three
    calls :func:`make_fast_recover` makes, and the uncompressed-key flag; None without the extension or with
    another coincurve layout (the Python loop then)."""
    if NATIVE is None:
        return None
    try:
        binding = importlib.import_module("coincurve._libsecp256k1")
        ctx = importlib.import_module("coincurve.context").GLOBAL_CONTEXT.ctx
        ffi, lib = binding.ffi, binding.lib
        calls = [
            ffi.addressof(lib, name)
            for name in (
                "secp256k1_ecdsa_recoverable_signature_parse_compact",
                "secp256k1_ecdsa_recover",
                "secp256k1_ec_pubkey_serialize",
            )
        ]
        ctx_, parse, recover_, serialize = (int(ffi.cast("uintptr_t", p)) for p in (ctx, *calls))
        return ctx_, parse, recover_, serialize, int(lib.SECP256K1_EC_UNCOMPRESSED)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another coincurve layout
        return None


_SECP = _secp_calls()


def digest_and_recover(blob: bytes, domain: Eip712Domain | None = None, tokens: Sequence[bytes] | None = None) -> bytes:
    """For each whole wire transaction in ``blob`` (stopping at the first malformed one): ``digest ‖ signer``
    (52 bytes; all zero when the digest cannot be formed, the signer part zero when recovery fails). In a worker
    the domain and tokens come from the pool.

    The same digests as :func:`~novacron_chain.l2._codec.recover_sender` of :func:`wire_op` (the tests compare
    them), computed from the wire bytes directly: no op object per transaction, the fixed-width words (account,
    addresses, nonce) copied rather than converted; this is most of a worker's cost besides the recovery itself."""
    dom = _DOMAIN if domain is None else domain
    assert dom is not None
    toks = _TOKENS if tokens is None else list(tokens)
    sep = _PREFIX + dom.separator
    if _SECP is not None:  # the same loop in C (_native.c), ~4 µs per transaction less; the GIL released
        return NATIVE.recover_wire(blob, sep, b"".join(toks), TRANSFER_TYPEHASH, WITHDRAWAL_TYPEHASH, _SECP)  # type: ignore[no-any-return]
    ntok = len(toks)
    out = bytearray()
    pos, n = 0, len(blob)
    tt, wt = TRANSFER_TYPEHASH, WITHDRAWAL_TYPEHASH
    w28, w24, z12 = _W28, _W24, _Z12
    word = _word
    join = b"".join
    rec = _RECOVER
    while pos < n:
        kind = blob[pos]
        size = WIRE_LEN.get(kind)
        if size is None or pos + size > n:
            break
        if kind == OP_TRANSFER:
            tok = blob[pos + 9]
            if tok >= ntok:
                out += _ZERO52
                pos += size
                continue
            struct_hash = keccak(
                join(
                    (
                        tt,
                        w28,
                        blob[pos + 1 : pos + 5],
                        z12,
                        blob[pos + 89 : pos + 109],
                        z12,
                        toks[tok],
                        word(blob[pos + 10 : pos + 15]),
                        word(blob[pos + 15 : pos + 17]),
                        w24,
                        blob[pos + 81 : pos + 89],
                    )
                )
            )
            sig = blob[pos + 17 : pos + 81]
        elif kind == OP_TRANSFER_NEW:
            tok = blob[pos + 25]
            if tok >= ntok:
                out += _ZERO52
                pos += size
                continue
            struct_hash = keccak(
                join(
                    (
                        tt,
                        w28,
                        blob[pos + 1 : pos + 5],
                        z12,
                        blob[pos + 5 : pos + 25],
                        z12,
                        toks[tok],
                        word(blob[pos + 26 : pos + 31]),
                        word(blob[pos + 31 : pos + 33]),
                        w24,
                        blob[pos + 97 : pos + 105],
                    )
                )
            )
            sig = blob[pos + 33 : pos + 97]
        else:
            tok = blob[pos + 5]
            if tok >= ntok:
                out += _ZERO52
                pos += size
                continue
            struct_hash = keccak(
                join(
                    (
                        wt,
                        w28,
                        blob[pos + 1 : pos + 5],
                        z12,
                        toks[tok],
                        word(blob[pos + 6 : pos + 11]),
                        word(blob[pos + 11 : pos + 13]),
                        w24,
                        blob[pos + 77 : pos + 85],
                    )
                )
            )
            sig = blob[pos + 13 : pos + 77]
        digest = keccak(sep + struct_hash)
        sender = rec(digest, sig)
        out += digest
        out += sender if sender is not None else _ZERO20
        pos += size
    return bytes(out)


def digest_and_recover_slow(blob: bytes, domain: Eip712Domain, tokens: Sequence[bytes]) -> bytes:
    """:func:`digest_and_recover` through :func:`parse_wire`, :func:`wire_op` and ``recover_sender`` (the
    reference the fast path is tested against)."""
    txs, _ = parse_wire(blob)
    out = bytearray()
    for tx in txs:
        digest, sender = recover_sender(wire_op(tx), domain, list(tokens))
        if digest is None:
            out += _ZERO52
        else:
            out += digest
            out += sender if sender is not None else _ZERO20
    return bytes(out)


def split_wire(blob: bytes, parts: int, minimum: int = 32) -> list[tuple[int, int, int]]:
    """Cut a wire blob at transaction boundaries into at most ``parts`` pieces of at least ``minimum``
    transactions: ``(start, end, count)`` each (a malformed tail goes with the last piece: the worker stops there)."""
    bounds = [0]
    pos, n = 0, len(blob)
    while pos < n:
        size = WIRE_LEN.get(blob[pos])
        if size is None or pos + size > n:
            break
        pos += size
        bounds.append(pos)
    count = len(bounds) - 1
    if count == 0:
        return [(0, n, 0)] if n else []
    per = max(minimum, -(-count // max(1, parts)))
    out = []
    for first in range(0, count, per):
        last = min(count, first + per)
        out.append((bounds[first], bounds[last] if last < count else n, last - first))
    return out


_DOMAIN: Eip712Domain | None = None
_TOKENS: list[bytes] = []
_CONFIG = 0xFFFFFFFF  # job id of a frame that (re)configures a worker: pickled (domain, tokens)
_FRAME = struct.Struct(">II")  # payload length, job id


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    return bytes(buf)


def _worker_main(fd: int) -> None:
    """A recovery worker: frames in (job id, wire blob), frames out (job id, digests and signers), until the
    socket closes (its parent stopped, or died: the kernel closes a killed process's end, so no worker outlives a
    ``kill -9`` of its sequencer)."""
    global _DOMAIN, _TOKENS, _RECOVER
    _RECOVER = make_fast_recover()
    sock = socket.socket(fileno=fd)
    try:
        while True:
            header = _read_exact(sock, _FRAME.size)
            if header is None:
                return
            size, job = _FRAME.unpack(header)
            payload = _read_exact(sock, size) if size else b""
            if payload is None:
                return
            if job == _CONFIG:
                domain, tokens = pickle.loads(payload)
                _DOMAIN, _TOKENS = domain, list(tokens)
                continue
            result = digest_and_recover(payload)
            sock.sendall(_FRAME.pack(len(result), job) + result)
    except (BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return
    finally:
        sock.close()


# -- the pool (in the node's process) ------------------------------------------------------------------------------


class _Worker(asyncio.Protocol):
    """The node's end of one worker's socket, served by an event loop: jobs are written without blocking (the
    transport buffers), answers resolve their futures in the order the worker finishes them."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.transport: asyncio.Transport | None = None
        self.pending: dict[int, tuple[asyncio.Future[bytes], int]] = {}
        self.load = 0  # transactions sent and not answered
        self._buf = bytearray()
        self.lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        header = _FRAME.size
        pos = 0
        while len(buf) - pos >= header:
            size, job = _FRAME.unpack_from(buf, pos)
            if len(buf) - pos - header < size:
                break
            payload = bytes(buf[pos + header : pos + header + size])
            pos += header + size
            fut, count = self.pending.pop(job, (None, 0))
            self.load -= count
            if fut is not None and not fut.done():
                fut.set_result(payload)
        if pos:
            del buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or L2Error("a signature recovery worker exited")
        for fut, _ in self.pending.values():
            if not fut.done():
                fut.set_exception(L2Error(f"a signature recovery worker stopped: {self.lost}"))
        self.pending.clear()
        self.load = 0


class RecoveryPool:
    """Worker processes (``l2_workers``, default one per core) that run :func:`digest_and_recover`.

    Each worker is a plain child process talking over its own socket pair, served by an asyncio event loop: the
    sequencer passes its own loop (``loop=``), so sending a job and reading its answer cost it no thread hop, no
    pickling and no lock (a ``ProcessPoolExecutor`` needed a manager and a feeder thread per pool, and their GIL
    hand-offs stalled the sequencer's loop under load); without ``loop`` the pool runs a private loop in a thread.
    :meth:`dispatch` / :meth:`recover` are for that loop's thread, :meth:`submit` for any other thread.
    ``workers=0`` runs in the calling thread (tests, tiny nodes)."""

    def __init__(
        self,
        domain: Eip712Domain,
        tokens: Sequence[bytes],
        workers: int | None = None,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.domain = domain
        self.tokens = list(tokens)
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._workers: list[_Worker] = []
        self._jobs = 0
        self._thread: threading.Thread | None = None
        self._own_loop = False
        self.loop = loop
        if self.workers <= 0:
            return
        if loop is None:
            self.loop = asyncio.new_event_loop()
            self._own_loop = True
            self._thread = threading.Thread(target=self.loop.run_forever, name="l2-recovery-io", daemon=True)
            self._thread.start()
        self._on_loop(self._start(), timeout=60)

    # -- plumbing -----------------------------------------------------------------------------------------------

    def _on_loop(self, coro: Any, timeout: float | None = None) -> Any:
        loop = self.loop
        assert loop is not None
        if loop.is_running():
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=timeout)
        return loop.run_until_complete(coro)

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        config = self._config_frame()
        for _ in range(self.workers):
            ours, theirs = socket.socketpair()
            try:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        "import sys; from novacron_chain.l2._pool import _worker_main; _worker_main(int(sys.argv[1]))",
                        str(theirs.fileno()),
                    ],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                )
            finally:
                theirs.close()
            worker = _Worker(process)
            ours.setblocking(False)
            await loop.create_unix_connection(lambda w=worker: w, sock=ours)  # type: ignore[misc]
            assert worker.transport is not None
            worker.transport.write(config)
            self._workers.append(worker)

    def _config_frame(self) -> bytes:
        payload = pickle.dumps((self.domain, self.tokens))
        return _FRAME.pack(len(payload), _CONFIG) + payload

    # -- on the pool's loop -------------------------------------------------------------------------------------

    def dispatch(self, blob: bytes, parts: int | None = None) -> list[asyncio.Future[bytes]]:
        """Send ``blob``'s transactions to the workers (cut into up to ``parts`` jobs, default one per worker, each
        to the least loaded one); the futures of the jobs' answers, in order. On the pool's loop only."""
        loop = self.loop
        assert loop is not None
        if not self._workers:
            fut: asyncio.Future[bytes] = loop.create_future()
            fut.set_result(digest_and_recover(blob, self.domain, self.tokens))
            return [fut]
        out = []
        for start, end, count in split_wire(blob, parts or len(self._workers)):
            worker = min(self._workers, key=_load)
            if worker.transport is None or worker.lost is not None:
                raise L2Error(
                    "a signature recovery worker is gone",
                    hint="restart the sequencer (its workers exited; see its log)",
                )
            self._jobs = job = (self._jobs + 1) % _CONFIG
            fut = loop.create_future()
            worker.pending[job] = (fut, count)
            worker.load += count
            worker.transport.write(_FRAME.pack(end - start, job) + blob[start:end])
            out.append(fut)
        return out

    async def recover(self, blob: bytes) -> bytes:
        """Digests and signers of ``blob``'s transactions (on the pool's loop)."""
        return b"".join([await f for f in self.dispatch(blob)])

    # -- from any other thread ----------------------------------------------------------------------------------

    def submit(self, blob: bytes) -> Future[bytes]:
        """Digests and signers of ``blob``'s transactions, computed by the workers (any thread but the loop's)."""
        if not self._workers:
            fut: Future[bytes] = Future()
            try:
                fut.set_result(digest_and_recover(blob, self.domain, self.tokens))
            except BaseException as exc:
                fut.set_exception(exc)
            return fut
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(self.recover(blob), self.loop)

    def set_tokens(self, tokens: Sequence[bytes]) -> None:
        """New token registrations: every job sent after this call uses them (rare: ids are assigned once)."""
        if list(tokens) == self.tokens:
            return
        self.tokens = list(tokens)
        if self._workers:
            frame = self._config_frame()

            def send() -> None:
                for w in self._workers:
                    if w.transport is not None:
                        w.transport.write(frame)

            self._call_soon(send)

    def _call_soon(self, fn: Callable[[], None]) -> None:
        loop = self.loop
        assert loop is not None
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop or not loop.is_running():
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def recover_ops(
        self, ops: Sequence[Transfer | Withdrawal], chunk: int = 512
    ) -> list[tuple[bytes | None, bytes | None]]:
        """``recover_sender`` of many ops (with their nonce and recipient address set), over the workers; blocks."""
        from ._codec import encode_op

        blobs = []
        for op in ops:
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
        """Wait until every worker answers (the first submissions would otherwise wait for process start-up)."""
        if self._workers:

            async def ping() -> None:
                loop = asyncio.get_running_loop()
                futs = []
                for w in self._workers:
                    self._jobs = job = (self._jobs + 1) % _CONFIG
                    fut: asyncio.Future[bytes] = loop.create_future()
                    w.pending[job] = (fut, 0)
                    assert w.transport is not None
                    w.transport.write(_FRAME.pack(0, job))
                    futs.append(fut)
                await asyncio.wait_for(asyncio.gather(*futs), 120)

            self._on_loop(ping(), timeout=130)

    def close(self) -> None:
        """Stop the workers (their sockets close: they exit)."""
        if not self._workers:
            return
        workers, self._workers = self._workers, []

        def shut() -> None:
            for w in workers:
                if w.transport is not None:
                    w.transport.close()

        loop = self.loop
        assert loop is not None
        if loop.is_closed():
            pass
        elif loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_run(shut), loop).result(timeout=10)
        else:
            shut()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
        for w in workers:
            try:
                w.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                w.process.kill()
                w.process.wait(timeout=10)
        if self._own_loop and self._thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)
            loop.close()


def _load(worker: _Worker) -> int:
    return worker.load


async def _run(fn: Callable[[], None]) -> None:
    fn()
