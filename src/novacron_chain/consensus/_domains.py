"""Checkpoint domains: the bytes32 ids the contracts use and the names people type.

A domain is ``keccak256(name)``: ``"state"`` (the VM state anchors), ``"l2"`` (the rollup's state roots) and
``"bridge"`` (the bridge's message roots) are the known ones; any other name works the same way, and a 32-byte id
(``0x`` + 64 hex digits) can be given directly.
"""

from __future__ import annotations

from ._bls import domain_id
from ._errors import ConsensusValueError

__all__ = ["CHECKPOINT_DOMAINS", "domain_label", "parse_domain"]

#: the domains NovaCron checkpoints: name -> bytes32 id
CHECKPOINT_DOMAINS: dict[str, bytes] = {name: domain_id(name) for name in ("state", "l2", "bridge")}
_NAMES = {v: k for k, v in CHECKPOINT_DOMAINS.items()}


def parse_domain(value: str | bytes) -> bytes:
    """The bytes32 id of a checkpoint domain given as a name (``"state"``: ``keccak256("state")``), as ``0x`` + 64
    hex digits, or as 32 bytes."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise ConsensusValueError(f"a domain id is 32 bytes, got {len(value)}")
        return bytes(value)
    if not isinstance(value, str) or not value.strip():
        raise ConsensusValueError(
            f"{value!r} is not a checkpoint domain", hint='name one ("state", "l2", "bridge") or give its 0x id'
        )
    text = value.strip()
    if text[:2].lower() == "0x" and len(text) == 66:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    return domain_id(text)


def domain_label(domain: bytes) -> str:
    """A known domain's name (``"state"``), else its id as ``0x`` hex."""
    return _NAMES.get(bytes(domain), "0x" + bytes(domain).hex())
