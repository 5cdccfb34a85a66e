"""did:novacron syntax, network names, and public keys as multibase text.

A DID is ``did:novacron:<network>:<address>``: ``network`` is a lowercase name (``polygon``, ``embedded``,
``anvil``) or the chain id in hex (``0x89``), ``address`` the identity's Ethereum address. The canonical form
(what this package prints and compares) has the address in EIP-55 checksum case; input may also be all lowercase.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import coincurve
from eth_hash.auto import keccak
from eth_utils import is_checksum_address, to_checksum_address

from ._errors import DIDValueError, InvalidDIDError

__all__ = [
    "DID_METHOD",
    "ParsedDID",
    "address_of_public_key",
    "decode_public_key_multibase",
    "did_network",
    "encode_public_key_multibase",
    "parse_did",
]

DID_METHOD = "novacron"
_NETWORK = re.compile(r"^(?:[a-z][a-z0-9-]{0,31}|0x[0-9a-f]{1,16})$")
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_FRAGMENT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@/?%-]+$")
_SECP256K1_PUB = b"\xe7\x01"  # multicodec secp256k1-pub, varint-encoded
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {c: i for i, c in enumerate(_BASE58)}


@dataclass(frozen=True, slots=True)
class ParsedDID:
    """A did:novacron DID (or DID URL) taken apart: ``network``, checksum ``address``, optional ``fragment``."""

    network: str
    address: str
    fragment: str | None = None

    @property
    def did(self) -> str:
        """The canonical DID, without fragment."""
        return f"did:{DID_METHOD}:{self.network}:{self.address}"

    @property
    def url(self) -> str:
        """The canonical DID URL (with ``#fragment`` when there is one)."""
        return self.did + (f"#{self.fragment}" if self.fragment else "")


def parse_did(text: object, *, allow_fragment: bool = False) -> ParsedDID:
    """Parse a did:novacron DID (or DID URL with ``#fragment`` when ``allow_fragment``).

    Raises :class:`InvalidDIDError` saying exactly which part is wrong.

    >>> parse_did("did:novacron:polygon:0x71c7656ec7ab88b098defb751b7401b5f6d8976f").address
    '0x71C7656EC7ab88b098defB751B7401B5f6d8976F'
    """
    if not isinstance(text, str):
        raise InvalidDIDError(text, f"expected text, got {type(text).__name__}")
    body, sep, fragment = text.partition("#")
    if sep and not allow_fragment:
        raise InvalidDIDError(text, "a DID has no #fragment here (that is a key id, a DID URL)")
    if sep and not _FRAGMENT.match(fragment):
        raise InvalidDIDError(text, f"the fragment {fragment!r} is empty or has characters a DID URL cannot carry")
    if "?" in body or "/" in body[4:]:
        raise InvalidDIDError(text, "DID URL paths and queries are not supported")
    parts = body.split(":")
    if len(parts) < 2 or parts[0] != "did":
        raise InvalidDIDError(text, "it does not start with 'did:'")
    if parts[1] != DID_METHOD:
        raise InvalidDIDError(text, f"the method is {parts[1]!r}, not {DID_METHOD!r}")
    if len(parts) != 4:
        raise InvalidDIDError(
            text, f"expected 4 colon-separated parts (did:{DID_METHOD}:<network>:<address>), got {len(parts)}"
        )
    network, address = parts[2], parts[3]
    if not _NETWORK.match(network):
        raise InvalidDIDError(
            text, f"the network {network!r} is not a lowercase name (like polygon) or a hex chain id (like 0x89)"
        )
    if not _HEX_ADDRESS.match(address):
        raise InvalidDIDError(text, f"the identity {address!r} is not 0x followed by 40 hex digits")
    lower, upper = address[2:] == address[2:].lower(), address[2:] == address[2:].upper()
    if not (lower or upper or is_checksum_address(address)):
        raise InvalidDIDError(text, "the address has mixed case but a wrong EIP-55 checksum (a typo?)")
    return ParsedDID(network, _checksummed(address.lower()), fragment if sep else None)


@lru_cache(maxsize=4096)
def _checksummed(address: str) -> str:
    return str(to_checksum_address(address))  # EIP-55 costs a keccak and ~40 us: verifications repeat addresses


def did_network(network: str, chain_id: int, known: Mapping[str, int] | None = None) -> str:
    """The network segment of DIDs on a chain: a known name or ``0x<chain id in hex>``.

    ``network`` is the configured network (``polygon``, ``embedded``, ``embedded:memory``, ``rpc`` or a URL);
    ``known`` maps names to chain ids (default: :data:`novacron_chain.config.KNOWN_CHAIN_IDS`). A known name is
    used when it serves ``chain_id``; the embedded chain is ``embedded``; any other chain is its hex chain id
    (an anvil at a URL with chain id 31337 is ``anvil``).
    """
    if known is None:
        from ..config import KNOWN_CHAIN_IDS

        known = KNOWN_CHAIN_IDS
    if network in known and known[network] == chain_id:
        return network
    if network.startswith("embedded"):
        return "embedded"
    for name, cid in sorted(known.items()):
        if cid == chain_id:
            return name
    return hex(chain_id)


def encode_public_key_multibase(public_key: bytes) -> str:
    """``publicKeyMultibase`` of a secp256k1 key: ``z`` + base58btc(0xe7 0x01 + 33-byte compressed key).

    Accepts the compressed (33-byte) or uncompressed (65-byte) form; the result starts with ``zQ3s``.
    """
    compressed = _compressed(public_key, "public key")
    data = _SECP256K1_PUB + compressed
    return "z" + _b58encode(data)


def decode_public_key_multibase(text: object) -> bytes:
    """The 33-byte compressed secp256k1 key in a ``publicKeyMultibase`` value; :class:`DIDValueError` if not one."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise DIDValueError(
            f"publicKeyMultibase {text!r} is not base58btc multibase text",
            hint="it starts with z (base58btc); secp256k1 keys start with zQ3s",
        )
    try:
        data = _b58decode(text[1:])
    except ValueError as exc:
        raise DIDValueError(f"publicKeyMultibase {text!r} is not valid base58btc: {exc}") from exc
    if not data.startswith(_SECP256K1_PUB):
        raise DIDValueError(
            f"publicKeyMultibase {text!r} does not hold a secp256k1-pub key (multicodec 0xe7)",
            hint="EcdsaSecp256k1VerificationKey2019 keys are multicodec 0xe7 0x01 + the 33-byte compressed key",
        )
    return _compressed(data[2:], "publicKeyMultibase key")


@lru_cache(maxsize=4096)
def address_of_public_key(public_key: bytes) -> str:
    """The checksum Ethereum address of a secp256k1 public key (compressed or not)."""
    uncompressed = coincurve.PublicKey(_compressed(public_key, "public key")).format(compressed=False)
    return _checksummed("0x" + keccak(uncompressed[1:])[-20:].hex())


def _compressed(public_key: bytes, what: str) -> bytes:
    if len(public_key) not in (33, 65):
        raise DIDValueError(f"{what} has {len(public_key)} bytes; a secp256k1 key has 33 (compressed) or 65")
    try:
        return bytes(coincurve.PublicKey(public_key).format(compressed=True))
    except ValueError as exc:
        raise DIDValueError(f"{what} is not a point on secp256k1") from exc


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_BASE58[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def _b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        if c not in _BASE58_INDEX:
            raise ValueError(f"{c!r} is not a base58btc character")
        n = n * 58 + _BASE58_INDEX[c]
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body
