"""keccak256, the Merkle leaf of a record, the CIDv1 of a raw block (on the hot path), and 0x-hex of a digest.

keccak256 comes from ``safe-pysha3`` when it is installed (about 1.3 µs for a record, five times faster than
pycryptodome's 7 µs, which is the fallback and always present as a dependency of eth-account).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from collections.abc import Callable

__all__ = ["KECCAK_BACKEND", "cid_string", "hex0x", "keccak", "leaf_hash", "raw_cid", "raw_cid_bytes"]


def _keccak_backend() -> tuple[Callable[[bytes], bytes], str]:
    try:
        sha3 = importlib.import_module("sha3")
    except ImportError:
        from Crypto.Hash import keccak as _pycryptodome

        def pycryptodome_keccak(data: bytes) -> bytes:
            return _pycryptodome.new(data=data, digest_bits=256).digest()

        return pycryptodome_keccak, "pycryptodome"
    k256 = sha3.keccak_256

    def pysha3_keccak(data: bytes) -> bytes:
        return k256(data).digest()  # type: ignore[no-any-return]

    return pysha3_keccak, "pysha3"


keccak, KECCAK_BACKEND = _keccak_backend()

_RAW_SHA256_PREFIX = b"\x01\x55\x12\x20"  # CIDv1, codec raw, multihash sha2-256, 32 bytes


def leaf_hash(data: bytes) -> bytes:
    """The Merkle leaf of a record: ``keccak256(keccak256(data))`` (the contract's ``leafOf``)."""
    return keccak(keccak(data))


def raw_cid_bytes(data: bytes) -> bytes:
    """The binary CIDv1 of ``data`` stored as one raw block (sha2-256)."""
    return _RAW_SHA256_PREFIX + hashlib.sha256(data).digest()


_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_PAIRS = [a + b for a in _B32 for b in _B32]  # 10 bits -> 2 characters


def cid_string(cid: bytes) -> str:
    """A binary CIDv1 in base32 (multibase ``b``), as Kubo prints it."""
    if len(cid) == 36:  # sha2-256 CIDs: 288 bits = 29 pairs of characters after 2 bits of padding
        n = int.from_bytes(cid, "big") << 2
        return "b" + "".join([_B32_PAIRS[(n >> shift) & 1023] for shift in range(280, -1, -10)])
    return "b" + base64.b32encode(cid).decode("ascii").rstrip("=").lower()


def raw_cid(data: bytes) -> str:
    """The CIDv1 (base32, ``bafkrei...``) of ``data`` as one raw block: what ``ipfs add --cid-version 1`` prints
    for content of at most 256 KiB, and what ``ContentStore.put_block(data)`` returns."""
    return cid_string(raw_cid_bytes(data))


def hex0x(digest: bytes) -> str:
    """``digest`` as 0x-prefixed lowercase hex (roots, leaves, transaction hashes)."""
    return "0x" + digest.hex()
