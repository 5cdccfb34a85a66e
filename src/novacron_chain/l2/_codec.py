"""Byte formats of the L2: packed amounts, ops in batch calldata, EIP-712 digests, EIP-2098 signatures.

Packed amount (u40): mantissa = top 35 bits, exponent = low 5 bits, value = mantissa * 10**exponent; packed fee
(u16): an 11-bit mantissa and the same 5-bit exponent. Encoders pick the smallest exponent, so every packable value
has one canonical encoding; a value that cannot be packed exactly raises :class:`UnpackableAmountError` naming the
nearest packable values.

Ops (big-endian, packed, type byte first): ``0x01`` transfer (81 bytes), ``0x02`` transfer to a new account (97),
``0x03`` withdraw (77), ``0x04`` queue item (5). A segment parses left to right and stops (the rest ignored) at an
unknown type byte, a truncated op, or after 32 ops: every byte string is a valid segment.

Signatures: secp256k1 via coincurve (libsecp256k1; about ten times faster than eth-account), 64-byte EIP-2098
compact form ``r ‖ (yParity << 255 | s)``. :func:`recover` refuses what OpenZeppelin's ``ECDSA.tryRecover`` refuses
(s above n/2, r or s out of range, no point), so Python and the contract agree on which ops are valid.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from coincurve import PrivateKey, PublicKey
from eth_utils import to_checksum_address

from ._errors import L2ValueError, MalformedOpError, UnpackableAmountError
from ._tree import keccak
from ._types import Eip712Domain, Op, QueueOp, Transfer, Withdrawal

__all__ = [
    "AMOUNT_MAX",
    "BODY_SIZES",
    "FEE_MAX",
    "MAX_SEGMENT_OPS",
    "OP_SIZES",
    "TRANSFER_TYPEHASH",
    "WITHDRAWAL_TYPEHASH",
    "address_bytes",
    "address_of",
    "body_op_count",
    "checksum",
    "decode_ops",
    "decode_segment",
    "domain_separator",
    "encode_op",
    "from_compact",
    "is_packable_amount",
    "is_packable_fee",
    "join_signatures",
    "op_digest",
    "pack_amount",
    "pack_fee",
    "recover",
    "recover_sender",
    "round_amount_down",
    "sign_digest",
    "sign_transfer",
    "sign_withdrawal",
    "split_signatures",
    "to_compact",
    "transfer_digest",
    "unpack_amount",
    "unpack_fee",
    "withdrawal_digest",
]

MAX_SEGMENT_OPS = 32
"""Ops per segment at most; the parser of a segment stops after this many."""

OP_SIZES = {1: 81, 2: 97, 3: 77, 4: 5}
"""Encoded size of each op type, type byte included."""

BODY_SIZES = {1: 17, 2: 33, 3: 13, 4: 5}
"""Size of each op type in a blob batch's calldata: the op without its trailing 64-byte signature (docs/l2-blobs.md)."""

_MANT_AMOUNT = 1 << 35
_MANT_FEE = 1 << 11
_EXP_MAX = 31
_POW10: list[int] = [10**e for e in range(_EXP_MAX + 1)]
AMOUNT_MAX = (_MANT_AMOUNT - 1) * _POW10[_EXP_MAX]
"""Largest amount a transfer or withdrawal can carry."""
FEE_MAX = (_MANT_FEE - 1) * _POW10[_EXP_MAX]
"""Largest fee an op can carry."""

_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = _N // 2
_S_MASK = (1 << 255) - 1

TRANSFER_TYPEHASH = keccak(b"Transfer(uint32 account,address to,address token,uint256 amount,uint256 fee,uint64 nonce)")
"""EIP-712 type hash of a transfer."""
WITHDRAWAL_TYPEHASH = keccak(b"Withdrawal(uint32 account,address token,uint256 amount,uint256 fee,uint64 nonce)")
"""EIP-712 type hash of a withdrawal."""

_Z12 = bytes(12)


# -- addresses ------------------------------------------------------------------------------------------------------


def address_bytes(value: str | bytes, what: str = "address") -> bytes:
    """A 20-byte address from ``0x`` hex (any case) or raw bytes; :class:`L2ValueError` otherwise."""
    if isinstance(value, bytes | bytearray):
        if len(value) == 20:
            return bytes(value)
        raise L2ValueError(f"{what} has {len(value)} bytes, not 20", hint="pass a 20-byte address")
    text = str(value).strip()
    body = text[2:] if text[:2].lower() == "0x" else text
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise L2ValueError(f"{what} {value!r} is not an address", hint="write it as 0x followed by 40 hex digits")
    return raw


def checksum(address: bytes) -> str:
    """The EIP-55 checksummed ``0x`` form of a 20-byte address."""
    return str(to_checksum_address(address))


# -- packed amounts -------------------------------------------------------------------------------------------------


def _pack(value: int, mant: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UnpackableAmountError(value if isinstance(value, int) else -1, what=what, below=None, above=None)
    if value < mant:
        return value << 5
    for e in range(1, _EXP_MAX + 1):
        q, r = divmod(value, _POW10[e])
        if r:
            break
        if q < mant:
            return (q << 5) | e
    below, above = _nearest(value, mant)
    raise UnpackableAmountError(value, what=what, below=below, above=above)


def _nearest(value: int, mant: int) -> tuple[int | None, int | None]:
    for e in range(_EXP_MAX + 1):
        if value // _POW10[e] < mant:
            below = (value // _POW10[e]) * _POW10[e]
            up = -(-value // _POW10[e])
            if up < mant:
                return below, up * _POW10[e]
            if e < _EXP_MAX:
                return below, -(-value // _POW10[e + 1]) * _POW10[e + 1]
            return below, None
    return (mant - 1) * _POW10[_EXP_MAX], None


def pack_amount(value: int) -> int:
    """The u40 packed form of an amount (smallest exponent); :class:`UnpackableAmountError` if not exact."""
    return _pack(value, _MANT_AMOUNT, "amount")


def pack_fee(value: int) -> int:
    """The u16 packed form of a fee (smallest exponent); :class:`UnpackableAmountError` if not exact."""
    return _pack(value, _MANT_FEE, "fee")


def unpack_amount(packed: int) -> int:
    """The value of a u40 packed amount (any encoding, canonical or not)."""
    return (packed >> 5) * _POW10[packed & 31]


def unpack_fee(packed: int) -> int:
    """The value of a u16 packed fee."""
    return (packed >> 5) * _POW10[packed & 31]


def is_packable_amount(value: int) -> bool:
    """Whether ``value`` can be a transfer or withdrawal amount exactly."""
    try:
        pack_amount(value)
    except UnpackableAmountError:
        return False
    return True


def is_packable_fee(value: int) -> bool:
    """Whether ``value`` can be a fee exactly."""
    try:
        pack_fee(value)
    except UnpackableAmountError:
        return False
    return True


def round_amount_down(value: int) -> int:
    """The largest packable amount not above ``value`` (``value`` itself when packable)."""
    if value < 0:
        raise L2ValueError(f"amount {value} is negative", hint="amounts are non-negative base units")
    if is_packable_amount(value):
        return value
    below, _ = _nearest(value, _MANT_AMOUNT)
    assert below is not None
    return below


# -- ops ------------------------------------------------------------------------------------------------------------


def _check_sig(sig: bytes) -> None:
    if len(sig) != 64:
        raise MalformedOpError(
            f"signature has {len(sig)} bytes, not 64", hint="L2 ops carry EIP-2098 compact signatures (r ‖ vs)"
        )


def _u(value: int, bits: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >> bits:
        raise L2ValueError(f"{what} {value!r} does not fit in {bits} bits", hint=f"{what} must be 0..{(1 << bits) - 1}")
    return value


def encode_op(op: Op) -> bytes:
    """The calldata bytes of one op."""
    if isinstance(op, Transfer):
        _check_sig(op.signature)
        head = _u(op.account, 32, "account index").to_bytes(4, "big")
        tail = (
            _u(op.token, 8, "token id").to_bytes(1, "big")
            + pack_amount(op.amount).to_bytes(5, "big")
            + pack_fee(op.fee).to_bytes(2, "big")
            + op.signature
        )
        if op.to is not None:
            return b"\x01" + head + _u(op.to, 32, "recipient index").to_bytes(4, "big") + tail
        if op.to_address is None or len(op.to_address) != 20:
            raise L2ValueError("a transfer to a new account needs a 20-byte to_address", hint="name the recipient")
        return b"\x02" + head + op.to_address + tail
    if isinstance(op, Withdrawal):
        _check_sig(op.signature)
        return (
            b"\x03"
            + _u(op.account, 32, "account index").to_bytes(4, "big")
            + _u(op.token, 8, "token id").to_bytes(1, "big")
            + pack_amount(op.amount).to_bytes(5, "big")
            + pack_fee(op.fee).to_bytes(2, "big")
            + op.signature
        )
    if isinstance(op, QueueOp):
        return b"\x04" + _u(op.hint, 32, "queue hint").to_bytes(4, "big")
    raise L2ValueError(f"not an L2 op: {type(op).__name__}", hint="pass a Transfer, Withdrawal or QueueOp")


def _fb(b: bytes) -> int:
    return int.from_bytes(b, "big")


def _decode_at(data: bytes, pos: int) -> tuple[Op | None, int]:
    """Decode the op at ``pos``; ``(None, pos)`` at an unknown type or a truncated op."""
    if pos >= len(data):
        return None, pos
    kind = data[pos]
    size = OP_SIZES.get(kind)
    if size is None or pos + size > len(data):
        return None, pos
    b = data[pos : pos + size]
    op: Op
    if kind == 1:
        op = Transfer(
            account=_fb(b[1:5]),
            to=_fb(b[5:9]),
            to_address=None,
            token=b[9],
            amount=unpack_amount(_fb(b[10:15])),
            fee=unpack_fee(_fb(b[15:17])),
            nonce=None,
            signature=bytes(b[17:81]),
        )
    elif kind == 2:
        op = Transfer(
            account=_fb(b[1:5]),
            to=None,
            to_address=bytes(b[5:25]),
            token=b[25],
            amount=unpack_amount(_fb(b[26:31])),
            fee=unpack_fee(_fb(b[31:33])),
            nonce=None,
            signature=bytes(b[33:97]),
        )
    elif kind == 3:
        op = Withdrawal(
            account=_fb(b[1:5]),
            token=b[5],
            amount=unpack_amount(_fb(b[6:11])),
            fee=unpack_fee(_fb(b[11:13])),
            nonce=None,
            signature=bytes(b[13:77]),
        )
    else:
        op = QueueOp(hint=_fb(b[1:5]))
    return op, pos + size


def decode_segment(data: bytes, max_ops: int = MAX_SEGMENT_OPS) -> tuple[list[Op], int]:
    """The ops of a segment as the contract parses them (stop at an unknown type, a truncated op or after
    ``max_ops``), and the number of bytes they use."""
    ops: list[Op] = []
    pos = 0
    while len(ops) < max_ops:
        op, pos2 = _decode_at(data, pos)
        if op is None:
            break
        ops.append(op)
        pos = pos2
    return ops, pos


def decode_ops(data: bytes) -> list[Op]:
    """Every op of ``data``, which must consist of whole ops only (:class:`MalformedOpError` otherwise)."""
    ops: list[Op] = []
    pos = 0
    while pos < len(data):
        op, pos2 = _decode_at(data, pos)
        if op is None:
            kind = data[pos]
            why = "an unknown op type" if kind not in OP_SIZES else f"a truncated op of type {kind}"
            raise MalformedOpError(
                f"byte {pos} of the ops starts {why} (0x{kind:02x})",
                hint="ops are 0x01 transfer (81 bytes), 0x02 transfer to new (97), 0x03 withdraw (77), 0x04 queue (5)",
            )
        ops.append(op)
        pos = pos2
    return ops


def split_signatures(segment: bytes) -> tuple[bytes, list[bytes | None]]:
    """A segment in blob-batch form: the bodies of the ops the contract executes (each op without its trailing
    signature) and, per op, its 64-byte signature (None for a queue op). Bytes after those ops are dropped."""
    bodies: list[bytes] = []
    sigs: list[bytes | None] = []
    pos, n = 0, len(segment)
    while len(sigs) < MAX_SEGMENT_OPS and pos < n:
        size = OP_SIZES.get(segment[pos])
        if size is None or pos + size > n:
            break
        if segment[pos] == 4:
            bodies.append(segment[pos : pos + size])
            sigs.append(None)
        else:
            bodies.append(segment[pos : pos + size - 64])
            sigs.append(segment[pos + size - 64 : pos + size])
        pos += size
    return b"".join(bodies), sigs


def body_op_count(bodies: bytes) -> int:
    """How many ops the contract executes in a blob-batch segment ``bodies``."""
    pos, n, j = 0, len(bodies), 0
    while j < MAX_SEGMENT_OPS and pos < n:
        size = BODY_SIZES.get(bodies[pos])
        if size is None or pos + size > n:
            break
        pos += size
        j += 1
    return j


def join_signatures(bodies: bytes, sigs: Sequence[bytes | None]) -> bytes:
    """The calldata-form segment of a blob-batch segment: each op body the contract executes (stop at an unknown
    type, a truncated body or after 32 ops) followed by its signature ``sigs[j]`` (ignored for queue ops). The
    replay of the result is the contract's replay of ``bodies`` with those signatures."""
    out: list[bytes] = []
    pos, n, j = 0, len(bodies), 0
    while j < MAX_SEGMENT_OPS and pos < n:
        size = BODY_SIZES.get(bodies[pos])
        if size is None or pos + size > n:
            break
        out.append(bodies[pos : pos + size])
        if bodies[pos] != 4:
            sig = sigs[j] if j < len(sigs) else None
            out.append(sig if sig is not None and len(sig) == 64 else bytes(64))
        pos += size
        j += 1
    return b"".join(out)


# -- EIP-712 --------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def domain_separator(domain: Eip712Domain) -> bytes:
    """The EIP-712 domain separator of ``domain`` (cached)."""
    return domain.separator


def _w(value: int) -> bytes:
    return value.to_bytes(32, "big")


def transfer_digest(
    domain: Eip712Domain, account: int, to_address: bytes, token_address: bytes, amount: int, fee: int, nonce: int
) -> bytes:
    """The EIP-712 digest a transfer's sender signs."""
    struct = keccak(
        TRANSFER_TYPEHASH + _w(account) + _Z12 + to_address + _Z12 + token_address + _w(amount) + _w(fee) + _w(nonce)
    )
    return keccak(b"\x19\x01" + domain_separator(domain) + struct)


def withdrawal_digest(
    domain: Eip712Domain, account: int, token_address: bytes, amount: int, fee: int, nonce: int
) -> bytes:
    """The EIP-712 digest a withdrawal's sender signs."""
    struct = keccak(WITHDRAWAL_TYPEHASH + _w(account) + _Z12 + token_address + _w(amount) + _w(fee) + _w(nonce))
    return keccak(b"\x19\x01" + domain_separator(domain) + struct)


def op_digest(
    op: Transfer | Withdrawal,
    domain: Eip712Domain,
    tokens: Sequence[bytes],
    *,
    to_address: bytes | None = None,
    nonce: int | None = None,
) -> bytes:
    """The digest of a signed op, from its own ``nonce``/``to_address`` unless given (the tx hash)."""
    n = op.nonce if nonce is None else nonce
    if n is None:
        raise L2ValueError("the op carries no nonce", hint="pass the sender's nonce")
    if not 0 <= op.token < len(tokens):
        raise L2ValueError(f"token id {op.token} is out of range", hint="token ids are 0..7")
    if isinstance(op, Transfer):
        to = op.to_address if to_address is None else to_address
        if to is None:
            raise L2ValueError("the transfer carries no recipient address", hint="pass the recipient's address")
        return transfer_digest(domain, op.account, to, tokens[op.token], op.amount, op.fee, n)
    return withdrawal_digest(domain, op.account, tokens[op.token], op.amount, op.fee, n)


# -- signatures -----------------------------------------------------------------------------------------------------


def to_compact(sig65: bytes) -> bytes:
    """EIP-2098 compact form of ``r ‖ s ‖ v`` (v 0/1 or 27/28)."""
    if len(sig65) != 65:
        raise L2ValueError(f"signature has {len(sig65)} bytes, not 65", hint="pass r ‖ s ‖ v")
    v = sig65[64]
    y = v - 27 if v >= 27 else v
    if y not in (0, 1):
        raise L2ValueError(f"signature v {v} is not 0, 1, 27 or 28", hint="pass a secp256k1 recoverable signature")
    return sig65[:32] + ((y << 255) | _fb(sig65[32:64])).to_bytes(32, "big")


def from_compact(sig64: bytes) -> tuple[int, int, int]:
    """``(r, s, y_parity)`` of a 64-byte compact signature."""
    if len(sig64) != 64:
        raise L2ValueError(f"signature has {len(sig64)} bytes, not 64", hint="pass an EIP-2098 signature")
    vs = _fb(sig64[32:])
    return _fb(sig64[:32]), vs & _S_MASK, vs >> 255


def sign_digest(private_key: bytes, digest: bytes) -> bytes:
    """Sign a 32-byte digest; the 64-byte EIP-2098 signature (low s)."""
    sig = PrivateKey(private_key).sign_recoverable(digest, hasher=None)
    return sig[:32] + ((sig[64] << 255) | _fb(sig[32:64])).to_bytes(32, "big")


def recover(digest: bytes, sig64: bytes) -> bytes | None:
    """The address that signed ``digest``, or None where the contract's ``ECDSA.tryRecover`` fails."""
    if len(sig64) != 64:
        return None
    vs = _fb(sig64[32:])
    s = vs & _S_MASK
    r = _fb(sig64[:32])
    if not (0 < r < _N and 0 < s <= _HALF_N):
        return None
    try:
        pub = PublicKey.from_signature_and_message(
            sig64[:32] + s.to_bytes(32, "big") + bytes((vs >> 255,)), digest, hasher=None
        )
    except Exception:  # libsecp256k1 refuses: no curve point for r
        return None
    return keccak(pub.format(compressed=False)[1:])[12:]


def address_of(private_key: bytes) -> bytes:
    """The 20-byte address of a private key."""
    return keccak(PrivateKey(private_key).public_key.format(compressed=False)[1:])[12:]


def recover_sender(
    op: Transfer | Withdrawal, domain: Eip712Domain, tokens: Sequence[bytes]
) -> tuple[bytes | None, bytes | None]:
    """``(tx_hash, sender)`` from the op's own signed fields (for worker processes); ``(None, None)`` when the op
    lacks them (nonce, recipient address) or names a token id out of range; sender None when recovery fails."""
    if op.nonce is None or not 0 <= op.token < len(tokens):
        return None, None
    if isinstance(op, Transfer) and op.to_address is None:
        return None, None
    digest = op_digest(op, domain, tokens)
    return digest, recover(digest, op.signature)


def sign_transfer(
    private_key: bytes,
    domain: Eip712Domain,
    tokens: Sequence[bytes],
    *,
    account: int,
    to: int | None,
    to_address: bytes,
    token: int,
    amount: int,
    fee: int,
    nonce: int,
) -> Transfer:
    """A signed :class:`Transfer` (``to=None``: to a new account for ``to_address``); checks packability."""
    pack_amount(amount)
    pack_fee(fee)
    if not 0 <= token < len(tokens):
        raise L2ValueError(f"token id {token} is out of range", hint="token ids are 0..7")
    digest = transfer_digest(domain, account, to_address, tokens[token], amount, fee, nonce)
    return Transfer(account, to, to_address, token, amount, fee, nonce, sign_digest(private_key, digest))


def sign_withdrawal(
    private_key: bytes,
    domain: Eip712Domain,
    tokens: Sequence[bytes],
    *,
    account: int,
    token: int,
    amount: int,
    fee: int,
    nonce: int,
) -> Withdrawal:
    """A signed :class:`Withdrawal`; checks packability."""
    pack_amount(amount)
    pack_fee(fee)
    if not 0 <= token < len(tokens):
        raise L2ValueError(f"token id {token} is out of range", hint="token ids are 0..7")
    digest = withdrawal_digest(domain, account, tokens[token], amount, fee, nonce)
    return Withdrawal(account, token, amount, fee, nonce, sign_digest(private_key, digest))
