"""Signing keys: the configured key (env or encrypted keystore), dev accounts, and fast local signing.

Transactions are always signed here, never by the node, so the embedded chain, anvil and Polygon see the same bytes.
Signing uses libsecp256k1 through coincurve directly (about 10x eth-account's speed), which is what lets batched
sends keep up with a local node. Two transaction types: EIP-1559 (type 2, :meth:`Signer.sign_transaction`) and
EIP-4844 (type 3, :meth:`Signer.sign_blob_transaction`), the latter sent in its network form with a
:class:`BlobSidecar` whose KZG commitments and proofs the caller computed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, overload

import coincurve
from eth_account import Account
from eth_account.hdaccount import key_from_seed, seed_from_mnemonic
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from ..errors import KeyManagementError, NovaValueError

__all__ = [
    "DEV_ACCOUNT_COUNT",
    "DEV_HD_PATH",
    "DEV_MNEMONIC",
    "PRIVATE_KEY_ENV",
    "BlobSidecar",
    "SignedTx",
    "Signer",
    "UnsignedTx",
    "blob_versioned_hash",
    "dev_signers",
    "load_signer",
]

#: anvil's and hardhat's well-known dev mnemonic: the dev accounts are the same on the embedded chain and on anvil.
#: These keys are public knowledge. They fund nothing real and are refused on any non-dev chain.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNT_COUNT = 10
PRIVATE_KEY_ENV = "BLOCKCHAIN_PRIVATE_KEY"
PASSPHRASE_ENV = "NOVACRON_KEYSTORE_PASSPHRASE"

_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True, slots=True)
class UnsignedTx:
    """An EIP-1559 (type 2) transaction before signing. ``to=None`` deploys a contract."""

    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas: int
    to: bytes | None
    value: int
    data: bytes


@dataclass(frozen=True, slots=True)
class SignedTx:
    """Raw signed bytes ready for ``eth_sendRawTransaction``, and the transaction hash they hash to."""

    raw: bytes
    hash: bytes
    nonce: int
    gas: int

    @property
    def hash_hex(self) -> str:
        """The transaction hash as 0x-prefixed hex."""
        return "0x" + self.hash.hex()


@dataclass(frozen=True, slots=True)
class BlobSidecar:
    """What a type-3 transaction carries beside itself on the network (blocks hold only the blobs' versioned hashes):
    the blobs and their KZG commitments and proofs, one proof per blob (EIP-4844, Cancun and Prague) or, with
    ``cell_proofs``, 128 cell proofs per blob (EIP-7594, Osaka and later)."""

    blobs: tuple[bytes, ...]
    commitments: tuple[bytes, ...]
    proofs: tuple[bytes, ...]
    cell_proofs: bool

    @property
    def versioned_hashes(self) -> tuple[bytes, ...]:
        """The blobs' versioned hashes, in order (``blobhash(i)`` in the transaction)."""
        return tuple(blob_versioned_hash(c) for c in self.commitments)


def blob_versioned_hash(commitment: bytes) -> bytes:
    """EIP-4844's ``kzg_to_versioned_hash``: ``0x01 ‖ sha256(commitment)[1:]``."""
    return b"\x01" + hashlib.sha256(commitment).digest()[1:]


class Signer:
    """A private key that signs transactions, EIP-712 digests and raw hashes."""

    __slots__ = ("_key", "address", "label")

    def __init__(self, private_key: bytes, *, label: str = "key") -> None:
        if len(private_key) != 32 or not 0 < int.from_bytes(private_key, "big") < _SECP256K1_N:
            raise KeyManagementError(
                f"{label} is not a valid secp256k1 private key",
                hint="a private key is 32 bytes: 64 hex digits, optionally prefixed with 0x",
            )
        self._key = coincurve.PrivateKey(private_key)
        pub = self._key.public_key.format(compressed=False)[1:]
        self.address: str = to_checksum_address(keccak(pub)[-20:])
        self.label = label

    def __repr__(self) -> str:
        return f"Signer({self.address}, {self.label})"

    @property
    def private_key(self) -> bytes:
        """The raw 32-byte key. Handle with care: never log or persist it unencrypted."""
        return bytes(self._key.secret)

    @property
    def public_key_compressed(self) -> bytes:
        """33-byte compressed secp256k1 public key."""
        return bytes(self._key.public_key.format(compressed=True))

    def sign_hash(self, digest: bytes) -> tuple[int, int, int]:
        """Sign a 32-byte digest; returns ``(v, r, s)`` with v in {27, 28} as Solidity's ``ecrecover`` expects."""
        sig = self._key.sign_recoverable(digest, hasher=None)
        return sig[64] + 27, int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")

    def sign_transaction(self, tx: UnsignedTx) -> SignedTx:
        """Sign an EIP-1559 transaction (empty access list)."""
        raw = b"\x02" + self._signed(b"\x02", _fee_market_fields(tx))
        return SignedTx(raw=raw, hash=keccak(raw), nonce=tx.nonce, gas=tx.gas)

    def _signed(self, tx_type: bytes, fields: bytes) -> bytes:
        """``rlp([*fields, yParity, r, s])`` of a typed transaction, signed over ``tx_type ‖ rlp(fields)``."""
        sig = self._key.sign_recoverable(keccak(tx_type + _rlp_list(fields)), hasher=None)
        signature = (
            _rlp_int(sig[64]) + _rlp_int(int.from_bytes(sig[:32], "big")) + _rlp_int(int.from_bytes(sig[32:64], "big"))
        )
        return _rlp_list(fields + signature)

    def sign_blob_transaction(self, tx: UnsignedTx, *, max_fee_per_blob_gas: int, sidecar: BlobSidecar) -> SignedTx:
        """Sign an EIP-4844 transaction (empty access list) carrying ``sidecar``'s blobs. ``raw`` is the network form
        (``0x03 ‖ rlp([tx, blobs, commitments, proofs])``, or ``rlp([tx, 1, blobs, commitments, cell_proofs])`` with
        cell proofs), what ``eth_sendRawTransaction`` takes; ``hash`` is the transaction's (without the sidecar)."""
        if tx.to is None:
            raise NovaValueError(
                "a blob transaction cannot create a contract", hint="name the contract the blobs are for in 'to'"
            )
        per_blob = 128 if sidecar.cell_proofs else 1
        if not sidecar.blobs or not (
            len(sidecar.commitments) == len(sidecar.blobs) and len(sidecar.proofs) == per_blob * len(sidecar.blobs)
        ):
            raise NovaValueError(
                f"a blob sidecar of {len(sidecar.blobs)} blobs holds {len(sidecar.commitments)} commitments and "
                f"{len(sidecar.proofs)} proofs",
                hint=f"give at least one blob, a commitment per blob and {per_blob} proof(s) per blob",
            )
        hashes = _rlp_list(b"".join(_rlp_bytes(h) for h in sidecar.versioned_hashes))
        signed = self._signed(b"\x03", _fee_market_fields(tx) + _rlp_int(max_fee_per_blob_gas) + hashes)
        version = _rlp_int(1) if sidecar.cell_proofs else b""  # EIP-7594's wrapper version
        network = (
            signed
            + version
            + b"".join(
                _rlp_list(b"".join(map(_rlp_bytes, items)))
                for items in (sidecar.blobs, sidecar.commitments, sidecar.proofs)
            )
        )
        return SignedTx(raw=b"\x03" + _rlp_list(network), hash=keccak(b"\x03" + signed), nonce=tx.nonce, gas=tx.gas)


def _fee_market_fields(tx: UnsignedTx) -> bytes:
    """The RLP items EIP-1559 and EIP-4844 transactions share: chain id .. data, and an empty access list."""
    return b"".join(
        (
            _rlp_int(tx.chain_id),
            _rlp_int(tx.nonce),
            _rlp_int(tx.max_priority_fee_per_gas),
            _rlp_int(tx.max_fee_per_gas),
            _rlp_int(tx.gas),
            _rlp_bytes(tx.to or b""),
            _rlp_int(tx.value),
            _rlp_bytes(tx.data),
            b"\xc0",  # empty access list
        )
    )


# RLP for the two shapes a transaction has (byte strings and unsigned ints); pyrlp's generic encoder was most of
# the signing time. Checked byte for byte against eth-account in tests/chain/test_keys.py.
def _rlp_bytes(b: bytes) -> bytes:
    n = len(b)
    if n == 1 and b[0] < 0x80:
        return b
    if n < 56:
        return bytes((0x80 + n,)) + b
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xB7 + len(ln),)) + ln + b


def _rlp_int(i: int) -> bytes:
    return _rlp_bytes(i.to_bytes((i.bit_length() + 7) // 8, "big")) if i else b"\x80"


def _rlp_list(payload: bytes) -> bytes:
    n = len(payload)
    if n < 56:
        return bytes((0xC0 + n,)) + payload
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(ln),)) + ln + payload


@cache
def dev_signers() -> tuple[Signer, ...]:
    """The ten dev accounts (anvil's defaults). Dev chains only: the chain layer refuses them elsewhere."""
    seed = seed_from_mnemonic(DEV_MNEMONIC, "")
    return tuple(
        Signer(key_from_seed(seed, f"{DEV_HD_PATH}/{i}"), label=f"dev account {i}") for i in range(DEV_ACCOUNT_COUNT)
    )


def _parse_hex_key(text: str, source: str) -> bytes:
    text = text.strip()
    body = text[2:] if text[:2].lower() == "0x" else text
    try:
        key = bytes.fromhex(body)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KeyManagementError(
            f"{source} is not a private key (expected 64 hex digits, got {len(body)} characters)",
            hint="export the key as 0x followed by 64 hex digits, or use an encrypted keystore (keystore_path)",
        )
    return key


@overload
def load_signer(
    *,
    keystore_path: Path | None = None,
    passphrase_prompt: Callable[[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    key_env: str | None = PRIVATE_KEY_ENV,
    required: Literal[True],
) -> Signer: ...


@overload
def load_signer(
    *,
    keystore_path: Path | None = None,
    passphrase_prompt: Callable[[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    key_env: str | None = PRIVATE_KEY_ENV,
    required: bool = False,
) -> Signer | None: ...


def load_signer(
    *,
    keystore_path: Path | None = None,
    passphrase_prompt: Callable[[str], str] | None = None,
    env: Mapping[str, str] | None = None,
    key_env: str | None = PRIVATE_KEY_ENV,
    required: bool = False,
) -> Signer | None:
    """The configured signing key, or ``None`` when none is configured.

    Order: the hex key in the environment variable ``key_env`` (default ``BLOCKCHAIN_PRIVATE_KEY``; ``None`` reads
    no variable, e.g. when a keystore is asked for explicitly), then the encrypted keystore v3 file at
    ``keystore_path`` (passphrase from ``NOVACRON_KEYSTORE_PASSPHRASE`` or ``passphrase_prompt``). ``env`` replaces
    ``os.environ`` (tests). With ``required=True`` a missing key raises :class:`KeyManagementError` saying what to
    set, instead of returning ``None``.
    """
    environ = os.environ if env is None else env
    if key_env is not None and (raw := environ.get(key_env)):
        return Signer(_parse_hex_key(raw, key_env), label=key_env)
    if keystore_path is None:
        if not required:
            return None
        if key_env is None:
            raise KeyManagementError("no key given", hint="name an encrypted keystore v3 file")
        raise KeyManagementError(f"environment variable {key_env} is not set", hint=f"export {key_env}=0x<64 hex>")
    try:
        keystore = json.loads(Path(keystore_path).read_text())
    except FileNotFoundError as exc:
        raise KeyManagementError(
            f"keystore file {keystore_path} does not exist",
            hint="set keystore_path to an existing keystore v3 JSON file, "
            "or create one with `novacron-chain account new`",
        ) from exc
    except (OSError, ValueError) as exc:
        raise KeyManagementError(f"keystore file {keystore_path} is not readable JSON: {exc}") from exc
    passphrase = environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        if passphrase_prompt is None:
            raise KeyManagementError(
                f"the keystore {keystore_path} needs a passphrase",
                hint=f"set {PASSPHRASE_ENV}, or run interactively to be prompted",
            )
        passphrase = passphrase_prompt(f"passphrase for {keystore_path}")
    if not isinstance(keystore, dict) or not isinstance(keystore.get("crypto", keystore.get("Crypto")), dict):
        raise KeyManagementError(
            f"{keystore_path} is JSON but not a keystore v3 file (it has no crypto section)",
            hint="name a keystore written by `novacron-chain account new` (or any keystore v3 JSON)",
        )
    try:
        key = Account.decrypt(keystore, passphrase)
    except (ValueError, KeyError, TypeError) as exc:  # a damaged keystore fails in any of these
        raise KeyManagementError(
            f"cannot decrypt keystore {keystore_path}: {exc}",
            hint=f"check the passphrase ({PASSPHRASE_ENV}) and that the file is a keystore v3 JSON",
        ) from exc
    return Signer(bytes(key), label=f"keystore {keystore_path}")


def encrypt_keystore(signer: Signer, passphrase: str) -> dict[str, Any]:
    """Keystore v3 JSON of ``signer``'s key, encrypted with ``passphrase`` (scrypt)."""
    if not passphrase:
        raise NovaValueError("an empty passphrase does not protect a keystore", hint="choose a passphrase")
    return dict(Account.encrypt(signer.private_key, passphrase))
