"""Packed amounts, op encoding, EIP-712 digests and EIP-2098 signatures."""

from __future__ import annotations

import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data
from hypothesis import given
from hypothesis import strategies as st

from novacron_chain.l2._codec import (
    AMOUNT_MAX,
    FEE_MAX,
    address_bytes,
    address_of,
    decode_ops,
    decode_segment,
    encode_op,
    from_compact,
    is_packable_amount,
    pack_amount,
    pack_fee,
    recover,
    recover_sender,
    round_amount_down,
    sign_digest,
    sign_transfer,
    to_compact,
    transfer_digest,
    unpack_amount,
    unpack_fee,
    withdrawal_digest,
)
from novacron_chain.l2._errors import L2ValueError, MalformedOpError, UnpackableAmountError
from novacron_chain.l2._tree import keccak
from novacron_chain.l2._types import QueueOp, Transfer, Withdrawal

from .conftest import DOMAIN, TOKENS, key

_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.mark.parametrize(
    ("value", "packed"),
    [
        (0, 0),
        (1, 1 << 5),
        (2**35 - 1, (2**35 - 1) << 5),
        (10**11, (10**10 << 5) | 1),  # 10**11 > 2**35: the smallest exponent whose mantissa fits
        (10**18, (10**10 << 5) | 8),
        (3 * 10**40, (3 * 10**10 << 5) | 30),  # 3e10 < 2**35: exponent 30, not 31
        (AMOUNT_MAX, ((2**35 - 1) << 5) | 31),
    ],
)
def test_pack_amount_canonical(value: int, packed: int) -> None:
    assert pack_amount(value) == packed
    assert unpack_amount(packed) == value


def test_pack_amount_smallest_exponent() -> None:
    # 30 fits the mantissa as is: exponent 0, not 3 * 10**1
    assert pack_amount(30) == 30 << 5
    # 10**18 / 10**8 = 10**10 < 2**35 while 10**18 / 10**7 does not fit
    p = pack_amount(10**18)
    assert p & 31 == 8
    assert p >> 5 == 10**10


@pytest.mark.parametrize("value", [2**35 + 1, 10**18 + 1, AMOUNT_MAX + 1, 123456789012345678901])
def test_unpackable_amount_is_refused_with_neighbours(value: int) -> None:
    with pytest.raises(UnpackableAmountError) as info:
        pack_amount(value)
    err = info.value
    assert err.below is not None
    assert err.below < value
    assert is_packable_amount(err.below)
    if err.above is not None:
        assert err.above > value
        assert is_packable_amount(err.above)
    assert "hint" in str(err)
    assert err.exit_code == 2
    assert round_amount_down(value) == err.below


@pytest.mark.parametrize("value", [-1, True])
def test_negative_or_bool_amount_refused(value: int) -> None:
    with pytest.raises(UnpackableAmountError):
        pack_amount(value)


def test_fee_packing() -> None:
    assert pack_fee(2047) == 2047 << 5
    assert pack_fee(2050) == (205 << 5) | 1
    assert unpack_fee(pack_fee(10**15)) == 10**15
    assert unpack_fee(pack_fee(FEE_MAX)) == FEE_MAX
    with pytest.raises(UnpackableAmountError):
        pack_fee(2049)


@given(st.integers(min_value=0, max_value=2**35 - 1), st.integers(min_value=0, max_value=31))
def test_every_representable_amount_round_trips(mantissa: int, exponent: int) -> None:
    value = mantissa * 10**exponent
    packed = pack_amount(value)
    assert unpack_amount(packed) == value
    assert packed < 2**40
    # canonical: the smallest exponent
    assert packed & 31 <= exponent or mantissa == 0


@given(st.integers(min_value=0, max_value=2**40 - 1))
def test_any_u40_decodes(packed: int) -> None:
    value = unpack_amount(packed)
    assert unpack_amount(pack_amount(value)) == value


def _sig(n: int = 7) -> bytes:
    return bytes([n]) * 64


@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(0, 255),
    st.integers(0, 2**35 - 1),
    st.integers(0, 2047),
    st.binary(min_size=64, max_size=64),
    st.binary(min_size=20, max_size=20),
)
def test_op_round_trip(frm: int, to: int, token: int, amount: int, fee: int, sig: bytes, addr: bytes) -> None:
    ops = [
        Transfer(frm, to, None, token, amount, fee, None, sig),
        Transfer(frm, None, addr, token, amount * 1000, fee, None, sig),
        Withdrawal(frm, token, amount, fee * 10**6, None, sig),
        QueueOp(to),
    ]
    data = b"".join(encode_op(op) for op in ops)
    assert len(data) == 81 + 97 + 77 + 5
    assert decode_ops(data) == ops
    assert decode_segment(data) == (ops, len(data))


def test_segment_parse_is_total() -> None:
    t = encode_op(Transfer(1, 2, None, 0, 5, 0, None, _sig()))
    q = encode_op(QueueOp(3))
    # stops at an unknown type, the rest ignored
    ops, used = decode_segment(t + b"\x09" + t)
    assert len(ops) == 1
    assert used == 81
    # stops at a truncated op
    ops, used = decode_segment(t + t[:40])
    assert len(ops) == 1
    assert used == 81
    # stops after 32 ops
    ops, used = decode_segment(q * 40)
    assert len(ops) == 32
    assert used == 160
    assert decode_segment(b"") == ([], 0)
    with pytest.raises(MalformedOpError):
        decode_ops(t + b"\x09")
    with pytest.raises(MalformedOpError):
        decode_ops(t[:80])


def test_encode_refuses_bad_fields() -> None:
    with pytest.raises(UnpackableAmountError):
        encode_op(Transfer(1, 2, None, 0, 2**35 + 1, 0, None, _sig()))
    with pytest.raises(L2ValueError):
        encode_op(Transfer(2**32, 2, None, 0, 1, 0, None, _sig()))
    with pytest.raises(MalformedOpError):
        encode_op(Transfer(1, 2, None, 0, 1, 0, None, b"\x01" * 65))
    with pytest.raises(L2ValueError):
        encode_op(Transfer(1, None, None, 0, 1, 0, None, _sig()))


def test_transfer_digest_matches_eth_account_typed_data() -> None:
    to = b"\x11" * 20
    digest = transfer_digest(DOMAIN, 5, to, TOKENS[2], 10**18, 10**15, 9)
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Transfer": [
                {"name": "account", "type": "uint32"},
                {"name": "to", "type": "address"},
                {"name": "token", "type": "address"},
                {"name": "amount", "type": "uint256"},
                {"name": "fee", "type": "uint256"},
                {"name": "nonce", "type": "uint64"},
            ],
        },
        "primaryType": "Transfer",
        "domain": {
            "name": "NovaCron L2",
            "version": "1",
            "chainId": DOMAIN.chain_id,
            "verifyingContract": "0x" + DOMAIN.verifying_contract.hex(),
        },
        "message": {
            "account": 5,
            "to": "0x" + to.hex(),
            "token": "0x" + TOKENS[2].hex(),
            "amount": 10**18,
            "fee": 10**15,
            "nonce": 9,
        },
    }
    signable = encode_typed_data(full_message=typed)
    assert keccak(b"\x19" + signable.version + signable.header + signable.body) == digest
    # a wallet (eth-account) signature over the typed data is accepted in compact form
    signed = EthAccount.sign_typed_data(key(1), full_message=typed)
    assert recover(digest, to_compact(signed.signature)) == address_of(key(1))


def test_withdrawal_digest_differs_by_type_and_fields() -> None:
    d = withdrawal_digest(DOMAIN, 5, TOKENS[0], 100, 1, 0)
    assert d != withdrawal_digest(DOMAIN, 6, TOKENS[0], 100, 1, 0)
    assert d != withdrawal_digest(DOMAIN, 5, TOKENS[0], 100, 1, 1)
    assert d != transfer_digest(DOMAIN, 5, b"\0" * 20, TOKENS[0], 100, 1, 0)


def test_sign_and_recover_compact() -> None:
    digest = keccak(b"hello")
    sig = sign_digest(key(3), digest)
    assert len(sig) == 64
    _r, s, y = from_compact(sig)
    assert s <= _N // 2
    assert y in (0, 1)
    assert recover(digest, sig) == address_of(key(3))
    assert recover(keccak(b"other"), sig) != address_of(key(3))


def test_recover_refuses_what_tryrecover_refuses() -> None:
    digest = keccak(b"x")
    sig = sign_digest(key(3), digest)
    r, s, y = from_compact(sig)
    # the malleable twin (n - s) does not fit the 255 bits of compact s: it never recovers the signer
    twin = r.to_bytes(32, "big") + (((1 - y) << 255) ^ (_N - s)).to_bytes(32, "big")
    assert recover(digest, twin) != address_of(key(3))
    # an s above n/2 that fits is refused outright, as OpenZeppelin's tryRecover does
    high_s = r.to_bytes(32, "big") + ((y << 255) | (_N // 2 + 1)).to_bytes(32, "big")
    assert recover(digest, high_s) is None
    assert recover(digest, bytes(32) + sig[32:]) is None  # r = 0
    assert recover(digest, sig[:32] + bytes(32)) is None  # s = 0
    assert recover(digest, _N.to_bytes(32, "big") + sig[32:]) is None  # r >= n
    assert recover(digest, b"\x05" * 32 + sig[32:]) in (None, recover(digest, b"\x05" * 32 + sig[32:]))
    assert recover(digest, sig[:63]) is None


def test_recover_sender_for_workers() -> None:
    t = sign_transfer(
        key(2), DOMAIN, TOKENS, account=3, to=4, to_address=b"\x22" * 20, token=1, amount=10, fee=1, nonce=0
    )
    tx_hash, sender = recover_sender(t, DOMAIN, TOKENS)
    assert sender == address_of(key(2))
    assert tx_hash == transfer_digest(DOMAIN, 3, b"\x22" * 20, TOKENS[1], 10, 1, 0)
    assert recover_sender(Transfer(3, 4, None, 1, 10, 1, None, t.signature), DOMAIN, TOKENS) == (None, None)


def test_address_bytes() -> None:
    assert address_bytes("0x" + "ab" * 20) == b"\xab" * 20
    assert address_bytes(b"\x01" * 20) == b"\x01" * 20
    for bad in ("0x1234", "zz" * 20, b"\x01" * 19):
        with pytest.raises(L2ValueError):
            address_bytes(bad)
