"""Unsigned LEB128 varints, as used by protobuf, multihash and CIDs."""

from __future__ import annotations

__all__ = ["decode_varint", "encode_varint"]

# Varints of small numbers are encoded constantly (tags, lengths); a table saves the loop for them.
_SMALL = [bytes([n]) for n in range(128)]


def encode_varint(value: int) -> bytes:
    """Encode a non-negative integer as an unsigned varint."""
    if value < 128:
        if value < 0:
            raise ValueError(f"varint cannot encode a negative number: {value}")
        return _SMALL[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(buf: bytes | bytearray | memoryview, pos: int = 0) -> tuple[int, int]:
    """Decode an unsigned varint at ``buf[pos:]``; return ``(value, position after it)``.

    Raises ``ValueError`` on a truncated varint or one longer than 9 bytes (over 63 bits).
    """
    end = len(buf)
    if 0 <= pos < end and buf[pos] < 0x80:  # one byte: the common case
        return buf[pos], pos + 1
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            if byte == 0 and shift > 0:
                raise ValueError("varint is not minimally encoded")
            return result, pos
        shift += 7
        if shift > 56:
            raise ValueError("varint longer than 63 bits")
