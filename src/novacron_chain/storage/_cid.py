"""CIDs: parsing (with ``multiformats``), binary form, string form, and hashing a block against its CID.

Parsing goes through ``multiformats.CID.decode``, so every multibase it knows is accepted. Formatting CIDv1 in
base32 uses the standard library directly: ``multiformats`` takes ~400 µs per CID to print, which adds up in
``gc`` and pin listings over thousands of blocks; tests check both agree.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from multiformats import CID as _MfCID
from multiformats import multihash as _mf_multihash

from ._errors import InvalidCidError, UnsupportedContentError
from ._varint import decode_varint, encode_varint

__all__ = [
    "DAG_PB",
    "IDENTITY",
    "RAW",
    "SHA2_256",
    "Cid",
    "hash_block",
    "sha256_multihash",
]

DAG_PB = 0x70
RAW = 0x55
SHA2_256 = 0x12
IDENTITY = 0x00

_CODEC_NAMES = {DAG_PB: "dag-pb", RAW: "raw"}
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_PAIRS = [a + b for a in _B32 for b in _B32]  # 10 bits -> 2 base32 characters


@dataclass(frozen=True, slots=True)
class Cid:
    """A parsed CID: version, codec and the full multihash (code, length and digest)."""

    version: int
    codec: int
    multihash: bytes

    @classmethod
    def parse(cls, value: str | Cid, *, exact: bool = False) -> Cid:
        """Parse a CID string (any multibase) or return a ``Cid`` as is; :class:`InvalidCidError` when it is not one.

        Typed input is forgiven surrounding whitespace and an ``/ipfs/`` prefix; with ``exact`` the text must be
        the CID and nothing else (for a CID kept as given, e.g. sent on chain). ``str()`` of the result is the
        CID's canonical text (base58 ``Qm...`` for CIDv0, base32 ``b...`` for CIDv1).
        """
        if isinstance(value, Cid):
            return value
        if not isinstance(value, str):
            raise InvalidCidError(value, f"expected a string, got {type(value).__name__}")
        text = value.strip()
        if text.startswith("/ipfs/"):
            text = text[len("/ipfs/") :]
        if exact and text != value:
            raise InvalidCidError(value, "write the CID alone, without spaces or an /ipfs/ prefix")
        if "/" in text:
            raise InvalidCidError(value, "paths inside a DAG are not supported; pass the file's own CID")
        if not text:
            raise InvalidCidError(value, "it is empty")
        fast = _parse_b32_sha256(text)
        if fast is not None:
            return fast
        try:
            parsed = _MfCID.decode(text)
        except Exception as exc:  # multiformats raises KeyError, ValueError and bases' own errors
            raise InvalidCidError(value, str(exc) or type(exc).__name__) from exc
        return cls(int(parsed.version), int(parsed.codec.code), bytes(parsed.digest))

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> Cid:
        """Parse a binary CID (as stored in a dag-pb link). Raises ``ValueError`` when malformed."""
        raw = bytes(data)
        if len(raw) == 34 and raw[0] == SHA2_256 and raw[1] == 32:
            return cls(0, DAG_PB, raw)
        version, pos = decode_varint(raw, 0)
        if version != 1:
            raise ValueError(f"unknown CID version {version}")
        codec, pos = decode_varint(raw, pos)
        mh = raw[pos:]
        _check_multihash(mh)
        return cls(1, codec, mh)

    def to_bytes(self) -> bytes:
        """The binary form: the bare multihash for CIDv0, ``0x01 codec multihash`` for CIDv1."""
        if self.version == 0:
            return self.multihash
        return b"\x01" + encode_varint(self.codec) + self.multihash

    def to_v1(self) -> Cid:
        """The same CID as version 1 (CIDv0 is always dag-pb with sha2-256, so this never fails)."""
        return self if self.version == 1 else Cid(1, self.codec, self.multihash)

    @property
    def hash_code(self) -> int:
        """The multihash function code (0x12 for sha2-256)."""
        return decode_varint(self.multihash, 0)[0]

    @property
    def codec_name(self) -> str:
        """``dag-pb``, ``raw`` or the codec's hex code."""
        return _CODEC_NAMES.get(self.codec, f"0x{self.codec:x}")

    def __str__(self) -> str:
        if self.version == 0:
            return str(_MfCID("base58btc", 0, "dag-pb", self.multihash))
        raw = self.to_bytes()
        if len(raw) == 36:  # sha2-256 CIDv1: 288 bits = 2 bits of padding + 29 pairs of base32 characters
            n = int.from_bytes(raw, "big") << 2
            return "b" + "".join([_B32_PAIRS[(n >> shift) & 1023] for shift in range(280, -1, -10)])
        return "b" + base64.b32encode(raw).decode("ascii").lower().rstrip("=")

    def __repr__(self) -> str:
        return f"Cid({self})"


_FAST_PREFIXES = (b"\x01\x55\x12\x20", b"\x01\x70\x12\x20")  # CIDv1 raw / dag-pb, sha2-256


def _parse_b32_sha256(text: str) -> Cid | None:
    """The common case without multiformats (~600 µs a CID there, ~20 µs here): a canonical base32 CIDv1 of a raw or
    dag-pb block hashed with sha2-256, as this package and Kubo print them; ``None`` for anything else."""
    if len(text) != 59 or text[0] != "b" or not text.islower():
        return None
    try:
        raw = base64.b32decode(text[1:].upper() + "======")
    except ValueError:
        return None
    if raw[:4] not in _FAST_PREFIXES or "b" + base64.b32encode(raw).decode("ascii").lower().rstrip("=") != text:
        return None
    return Cid(1, raw[1], raw[2:])


def _check_multihash(mh: bytes) -> None:
    _code, pos = decode_varint(mh, 0)
    length, pos = decode_varint(mh, pos)
    if len(mh) - pos != length:
        raise ValueError(f"multihash says {length} digest bytes but holds {len(mh) - pos}")


def sha256_multihash(data: bytes | bytearray | memoryview) -> bytes:
    """The sha2-256 multihash of ``data``."""
    return b"\x12\x20" + hashlib.sha256(data).digest()


def hash_block(cid: Cid, data: bytes | bytearray | memoryview) -> bytes:
    """Hash ``data`` with the hash function (and digest length) that ``cid`` names; return the multihash.

    The block is intact exactly when the result equals ``cid.multihash``.
    """
    mh = cid.multihash
    if mh[0] == SHA2_256 and len(mh) == 34:
        return sha256_multihash(data)
    code, pos = decode_varint(mh, 0)
    length, _ = decode_varint(mh, pos)
    if code == IDENTITY:
        return b"\x00" + encode_varint(len(data)) + bytes(data)
    try:
        return bytes(_mf_multihash.digest(bytes(data), code, size=length))
    except Exception as exc:  # unknown or unavailable hash function
        raise UnsupportedContentError(
            str(cid),
            f"its hash function 0x{code:x} is not available here",
            hint="use content hashed with sha2-256 (the IPFS default)",
        ) from exc
