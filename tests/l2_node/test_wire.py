"""The submission wire format and signature recovery in worker processes: the digest and signer the workers return
are the core's (``recover_sender``), so the sequencer's checks are the contract's."""

from __future__ import annotations

import dataclasses
import random

import pytest

from novacron_chain.chain import dev_signers
from novacron_chain.l2 import Eip712Domain, RecoveryPool, decode_segment, encode_op, recover_sender, sign_transfer
from novacron_chain.l2._codec import recover, sign_digest, sign_withdrawal
from novacron_chain.l2._pool import (
    digest_and_recover,
    digest_and_recover_slow,
    make_fast_recover,
    parse_wire,
    split_wire,
    wire_bytes,
    wire_op,
)
from novacron_chain.l2._sequencer import TxResult
from novacron_chain.l2._server import decode_results, encode_results

DEV = dev_signers()
DOMAIN = Eip712Domain(713713, bytes(19) + b"\x07")
TOKENS = [bytes(19) + b"\x10", bytes(19) + b"\x11"] + [bytes(20)] * 6


def _addr(i: int) -> bytes:
    return bytes.fromhex(DEV[i].address[2:])


def _wires() -> tuple[bytes, list[tuple[bytes, bytes]]]:
    ops = [
        sign_transfer(
            DEV[1].private_key,
            DOMAIN,
            TOKENS,
            account=1,
            to=2,
            to_address=_addr(2),
            token=0,
            amount=10**18,
            fee=1000,
            nonce=7,
        ),
        sign_transfer(
            DEV[1].private_key,
            DOMAIN,
            TOKENS,
            account=1,
            to=None,
            to_address=_addr(3),
            token=1,
            amount=5,
            fee=0,
            nonce=8,
        ),
        sign_withdrawal(DEV[2].private_key, DOMAIN, TOKENS, account=2, token=0, amount=3 * 10**17, fee=20, nonce=0),
    ]
    blob = b"".join(
        wire_bytes(
            encode_op(op),
            op.nonce or 0,
            getattr(op, "to_address", None) if getattr(op, "to", None) is not None else None,
        )
        for op in ops
    )
    return blob, [recover_sender(op, DOMAIN, TOKENS) for op in ops]  # type: ignore[misc]


def test_wire_transactions_decode_to_the_signed_ops() -> None:
    blob, _expected = _wires()
    txs, error = parse_wire(blob)
    assert error is None
    assert [len(t.op) for t in txs] == [81, 97, 77]
    for tx in txs:
        (decoded,), _ = decode_segment(tx.op, 1)
        fields = {"nonce": tx.nonce} | ({"to_address": tx.to} if tx.op[0] == 1 else {})
        assert wire_op(tx) == dataclasses.replace(decoded, **fields)


@pytest.mark.parametrize("workers", [0, 2])
def test_workers_return_the_cores_digest_and_signer(workers: int) -> None:
    blob, expected = _wires()
    pool = RecoveryPool(DOMAIN, TOKENS, workers)
    try:
        out = pool.submit(blob).result(timeout=60)
    finally:
        pool.close()
    got = [(out[i : i + 32], out[i + 32 : i + 52]) for i in range(0, len(out), 52)]
    assert got == expected
    assert [s for _, s in got] == [_addr(1), _addr(1), _addr(2)]
    assert digest_and_recover(blob, DOMAIN, TOKENS) == out


def test_a_tampered_transaction_recovers_someone_else() -> None:
    blob, expected = _wires()
    tampered = bytearray(blob)
    tampered[12] ^= 1  # the amount of the first transfer
    out = digest_and_recover(bytes(tampered), DOMAIN, TOKENS)
    assert out[32:52] != expected[0][1]
    assert out[52:] == b"".join(d + s for d, s in expected[1:])


@pytest.mark.parametrize(
    ("blob", "message"),
    [(b"\x09" + bytes(80), "unknown op type 0x09"), (b"\x01" + bytes(50), "needs 109 bytes, 51 left")],
)
def test_malformed_submissions_are_named(blob: bytes, message: str) -> None:
    txs, error = parse_wire(blob)
    assert txs == []
    assert error is not None
    assert message in error


def test_binary_results_round_trip() -> None:
    results = [
        TxResult(b"\x01" * 32, 5, None),
        TxResult(b"\x02" * 32, 6, None, duplicate=True),
        TxResult(b"\x03" * 32, None, "wrong nonce"),
    ]
    assert decode_results(encode_results(results)) == [
        ("soft-confirmed", b"\x01" * 32, 5),
        ("known", b"\x02" * 32, 6),
        ("wrong nonce", b"\x03" * 32, 0),
    ]


@pytest.mark.parametrize("loop", ["c", "python"])
def test_the_fast_digest_path_is_the_reference_path(loop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers compute digests from the wire bytes directly (in C, or in Python where the extension was not
    built); every byte of a transaction counts as the core's ``recover_sender`` of the decoded op counts it (tampered
    bytes, unknown token ids, a malformed tail)."""
    from novacron_chain.l2 import _pool

    if loop == "python":
        monkeypatch.setattr(_pool, "_SECP", None)
    else:
        assert _pool._SECP is not None, "the C extension was not built"
    rng = random.Random(11)
    blob, _ = _wires()
    wires = [blob] * 3
    for i in range(40):
        op = sign_transfer(
            DEV[3].private_key,
            DOMAIN,
            TOKENS,
            account=3,
            to=None if i % 3 == 0 else 4,
            to_address=_addr(4),
            token=rng.choice((0, 1, 5)),
            amount=rng.randrange(1, 10**6) * 10 ** rng.randrange(0, 25),
            fee=rng.randrange(0, 2000),
            nonce=rng.randrange(0, 2**64),
        )
        wires.append(wire_bytes(encode_op(op), op.nonce or 0, _addr(4) if op.to is not None else None))
    whole = b"".join(wires)
    tampered = bytearray(whole)
    for _ in range(30):
        tampered[rng.randrange(len(tampered))] ^= 1 << rng.randrange(8)
    for b in (whole, bytes(tampered), whole + b"\x01" + bytes(40)):
        for tokens in (TOKENS, TOKENS[:1]):
            assert digest_and_recover(b, DOMAIN, tokens) == digest_and_recover_slow(b, DOMAIN, tokens)
    fast = make_fast_recover()  # what the worker processes recover with
    digest = bytes(range(32))
    for i in range(0, len(tampered) - 64, 37):
        sig = bytes(tampered[i : i + 64])
        assert fast(digest, sig) == recover(digest, sig)
    for sig in (bytes(64), b"\xff" * 64, sign_digest(DEV[3].private_key, digest)):
        assert fast(digest, sig) == recover(digest, sig)
    pieces = split_wire(whole, 2, 10)
    assert [p[2] for p in pieces] == [25, 24]
    assert b"".join(whole[s:e] for s, e, _ in pieces) == whole


def test_remembered_signers_and_amounts_answer_as_the_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker remembers the address of each recovered key and the value of each packed amount: with the caches
    made tiny (cleared every few entries) and with them warm, every answer is the core's."""
    from novacron_chain.l2 import _pool
    from novacron_chain.l2._codec import pack_amount, unpack_amount

    monkeypatch.setattr(_pool, "_SIGNER_CACHE", 3)
    monkeypatch.setattr(_pool, "_PACKED_CACHE", 5)
    rng = random.Random(5)
    fast = make_fast_recover()
    for i in range(60):
        key = DEV[i % 6].private_key
        digest = rng.randbytes(32)
        sig = sign_digest(key, digest)
        assert fast(digest, sig) == recover(digest, sig) == _addr(i % 6)
        forged = sig[:63] + bytes([sig[63] ^ 1])
        assert fast(digest, forged) == recover(digest, forged) != _addr(i % 6)
        value = rng.randrange(1, 1000) * 10 ** rng.randrange(0, 30)
        packed = pack_amount(value).to_bytes(5, "big")
        assert _pool.packed_value(packed) == unpack_amount(int.from_bytes(packed, "big")) == value
        assert _pool._word(packed) == value.to_bytes(32, "big")
    assert len(_pool._VALUES) <= 5
    assert len(_pool._WORDS) <= 5
