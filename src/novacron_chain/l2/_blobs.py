"""L2 signatures in EIP-4844 blobs: packing, KZG openings for fraud proofs, signed type-3 transactions.

Format (docs/l2-blobs.md, "The format"): the op at position ``j`` of segment ``k`` (queue ops included) has the
64-byte signature slot ``s = 32·k + j``; slot ``s`` is in blob ``s // 1984`` at payload offset ``64 · (s % 1984)``.
A blob's payload is 126,976 bytes: field element ``e`` (32 bytes, big-endian) carries payload bytes
``[31e, 31e + 31)`` in its bytes 1..31, its byte 0 is zero. Unused slots are zero; ``n`` segments take exactly
``ceil(n / 62)`` blobs.

KZG (``ckzg``, the C library eth-account uses): the trusted setup is loaded once per process, lazily and under a
lock (1.6–2.2 s); :func:`blob_kzg` is a pure function of the blob bytes (commitment + proofs) that a process pool
can run, each worker loading its own setup once (pass :func:`load_trusted_setup` as the pool's initializer).

Transactions: :func:`build_blob_transaction` computes the sidecar's KZG commitments and proofs (or takes them from a
process pool) and has :meth:`~novacron_chain.chain.Signer.sign_blob_transaction` sign the type-3 transaction and wrap
it for the network, in one of two forms:

* ``"cell"`` (EIP-7594, Osaka and later, anvil 1.7.1's default ``Bpo1``):
  ``0x03 ‖ rlp([tx_payload_body, 1, blobs, commitments, cell_proofs])`` with 128 cell proofs per blob;
* ``"blob"`` (EIP-4844, Cancun and Prague): ``0x03 ‖ rlp([tx_payload_body, blobs, commitments, proofs])`` with one
  blob proof per blob.

:func:`wrapper_for_hardfork` picks the form from a hardfork name (e.g. anvil's ``anvil_nodeInfo`` ``hardFork``).
eth-account is not used for the sidecar: it reloads the trusted setup on every signature (~5 s).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple, Protocol, cast

from ..chain import BlobSidecar, Signer, UnsignedTx, blob_versioned_hash
from ._codec import MAX_SEGMENT_OPS
from ._errors import L2ValueError

__all__ = [
    "BLOB_BYTES",
    "BLS_MODULUS",
    "CELL_PROOFS_PER_BLOB",
    "FIELD_ELEMENTS_PER_BLOB",
    "OPENING_BYTES",
    "PAYLOAD_BYTES",
    "ROOT_OF_UNITY",
    "SEGMENTS_PER_BLOB",
    "SEGMENT_SLOTS",
    "SETUP_PRECOMPUTE",
    "SLOTS_PER_BLOB",
    "SLOT_BYTES",
    "BlobKzg",
    "BlobTransaction",
    "WrapperKind",
    "blob_count",
    "blob_kzg",
    "build_blob_transaction",
    "evaluation_point",
    "load_trusted_setup",
    "pack_signatures",
    "signature_from_openings",
    "slot_elements",
    "slot_openings",
    "trusted_setup_path",
    "unpack_signatures",
    "versioned_hash",
    "versioned_hash_of_blob",
    "wrapper_for_hardfork",
]

SLOT_BYTES = 64
"""Bytes of one signature slot: ``r ‖ vs`` (EIP-2098)."""
SEGMENT_SLOTS = MAX_SEGMENT_OPS
"""Slots per segment (the most ops a segment holds)."""
SEGMENTS_PER_BLOB = 62
SLOTS_PER_BLOB = SEGMENT_SLOTS * SEGMENTS_PER_BLOB  # 1984
FIELD_ELEMENTS_PER_BLOB = 4096
BLOB_BYTES = 32 * FIELD_ELEMENTS_PER_BLOB  # 131072
PAYLOAD_BYTES = 31 * FIELD_ELEMENTS_PER_BLOB  # 126976 = SLOTS_PER_BLOB * SLOT_BYTES
OPENING_BYTES = 32 + 48 + 48
"""Bytes of one field element's opening: ``y ‖ commitment ‖ proof``."""
BLS_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
ROOT_OF_UNITY = pow(7, (BLS_MODULUS - 1) // FIELD_ELEMENTS_PER_BLOB, BLS_MODULUS)
"""ω: a blob's element ``e`` is its polynomial at ``ω^bitrev12(e)``."""

CELL_PROOFS_PER_BLOB = 128
_ZERO_SLOT = bytes(SLOT_BYTES)
_ZERO_SEGMENT = bytes(SEGMENT_SLOTS * SLOT_BYTES)

assert SLOTS_PER_BLOB * SLOT_BYTES == PAYLOAD_BYTES

WrapperKind = Literal["cell", "blob"]
"""Network form of a blob transaction: ``"cell"`` = EIP-7594 (Osaka+), ``"blob"`` = EIP-4844 (Cancun, Prague)."""


# ---------------------------------------------------------------------------------------------------------- layout


def blob_count(segment_count: int) -> int:
    """Blobs a batch of ``segment_count`` segments carries: ``ceil(segment_count / 62)``."""
    if segment_count < 0:
        raise L2ValueError(f"segment count {segment_count} is negative", hint="count the batch's segments")
    return -(-segment_count // SEGMENTS_PER_BLOB)


def _payload_to_blob(payload: bytes | bytearray) -> bytes:
    """Spread 126,976 payload bytes over 4096 field elements (byte 0 of each zero)."""
    blob = bytearray(BLOB_BYTES)
    for i in range(1, 32):  # byte i of every element = payload byte i - 1 of every 31-byte group (C-speed slices)
        blob[i::32] = payload[i - 1 :: 31]
    return bytes(blob)


def _blob_to_payload(blob: bytes) -> bytes:
    """The 126,976 payload bytes of a blob (byte 0 of each element ignored)."""
    payload = bytearray(blob)
    del payload[::32]  # drop byte 0 of every element
    return bytes(payload)


def _check_blob(blob: bytes, what: str = "blob") -> None:
    if len(blob) != BLOB_BYTES:
        raise L2ValueError(
            f"{what} is {len(blob)} bytes, not {BLOB_BYTES}",
            hint="pass the blob exactly as pack_signatures made it (4096 field elements of 32 bytes)",
        )


def pack_signatures(segment_sigs: Sequence[Sequence[bytes | None]]) -> list[bytes]:
    """Blobs carrying the signatures of a batch's segments.

    ``segment_sigs[k][j]`` is the 64-byte signature of op ``j`` of segment ``k`` (``None`` for a queue op: a zero
    slot); a segment has at most 32 ops. Returns exactly :func:`blob_count` ``(len(segment_sigs))`` blobs of
    131,072 bytes.
    """
    count = blob_count(len(segment_sigs))
    blobs: list[bytes] = []
    for b in range(count):
        payload = bytearray(PAYLOAD_BYTES)
        first = b * SEGMENTS_PER_BLOB
        for i, sigs in enumerate(segment_sigs[first : first + SEGMENTS_PER_BLOB]):
            k = first + i
            if len(sigs) > SEGMENT_SLOTS:
                raise L2ValueError(
                    f"segment {k} has {len(sigs)} ops, more than {SEGMENT_SLOTS}",
                    hint="split the batch into segments of at most 32 ops",
                )
            parts: list[bytes] = []
            for j, sig in enumerate(sigs):
                if sig is None:
                    parts.append(_ZERO_SLOT)
                elif len(sig) != SLOT_BYTES:
                    raise L2ValueError(
                        f"signature of op {j} in segment {k} is {len(sig)} bytes, not {SLOT_BYTES}",
                        hint="use the 64-byte EIP-2098 form r ‖ vs (None for a queue op)",
                    )
                else:
                    parts.append(bytes(sig))
            start = i * SEGMENT_SLOTS * SLOT_BYTES
            chunk = b"".join(parts)
            payload[start : start + len(chunk)] = chunk
        blobs.append(_payload_to_blob(payload))
    return blobs


def unpack_signatures(blobs: Sequence[bytes], op_counts: Sequence[int]) -> list[list[bytes]]:
    """The inverse of :func:`pack_signatures`: per segment ``k``, the first ``op_counts[k]`` slots (64 bytes each;
    a queue op's slot is zero bytes)."""
    want = blob_count(len(op_counts))
    if len(blobs) != want:
        raise L2ValueError(
            f"{len(blobs)} blobs for {len(op_counts)} segments; the format carries exactly {want}",
            hint="pass all blobs of the batch, in order (one per 62 segments)",
        )
    out: list[list[bytes]] = []
    payloads: list[bytes] = []
    for i, blob in enumerate(blobs):
        _check_blob(blob, f"blob {i}")
        payloads.append(_blob_to_payload(blob))
    for k, n in enumerate(op_counts):
        if not 0 <= n <= SEGMENT_SLOTS:
            raise L2ValueError(
                f"segment {k} has op count {n}, outside 0..{SEGMENT_SLOTS}",
                hint="count the ops the contract executes in the segment, queue ops included",
            )
        payload = payloads[k // SEGMENTS_PER_BLOB]
        start = (k % SEGMENTS_PER_BLOB) * SEGMENT_SLOTS * SLOT_BYTES
        out.append([payload[start + SLOT_BYTES * j : start + SLOT_BYTES * (j + 1)] for j in range(n)])
    return out


# ----------------------------------------------------------------------------------------------------------- KZG


class _Ckzg(Protocol):
    """The part of ``ckzg`` (a C extension without type information) this module calls."""

    def load_trusted_setup(self, path: str, precompute: int, /) -> object: ...
    def blob_to_kzg_commitment(self, blob: bytes, settings: object, /) -> bytes: ...
    def compute_blob_kzg_proof(self, blob: bytes, commitment: bytes, settings: object, /) -> bytes: ...
    def compute_kzg_proof(self, blob: bytes, z: bytes, settings: object, /) -> tuple[bytes, bytes]: ...
    def compute_cells_and_kzg_proofs(self, blob: bytes, settings: object, /) -> tuple[list[bytes], list[bytes]]: ...
    def verify_kzg_proof(self, commitment: bytes, z: bytes, y: bytes, proof: bytes, settings: object, /) -> bool: ...


_ckzg = cast(_Ckzg, importlib.import_module("ckzg"))

SETUP_PRECOMPUTE = 8
"""ckzg's precompute level: 0.6 s more to load, 80 ms less per blob for the EIP-7594 cell proofs."""

_setup: object | None = None
_setup_lock = threading.Lock()


def trusted_setup_path() -> Path:
    """The mainnet KZG trusted setup that eth-account ships."""
    import eth_account

    return Path(eth_account.__file__).parent / "typed_transactions" / "blob_transactions" / "kzg_trusted_setup.txt"


def load_trusted_setup() -> object:
    """The process's KZG settings, loaded on first use (1.6–2.2 s) and kept; thread-safe.

    Also usable as a process pool's ``initializer`` so workers load it before their first job.
    """
    global _setup
    if _setup is None:
        with _setup_lock:
            if _setup is None:
                _setup = _ckzg.load_trusted_setup(str(trusted_setup_path()), SETUP_PRECOMPUTE)
    return _setup


class BlobKzg(NamedTuple):
    """A blob's KZG commitment and its proofs: one blob proof (``"blob"``) or 128 cell proofs (``"cell"``)."""

    commitment: bytes
    proofs: tuple[bytes, ...]


def blob_kzg(blob: bytes, wrapper: WrapperKind) -> BlobKzg:
    """Commitment and proofs of one blob for the given network form; a pure function of the bytes (picklable in
    and out), for a process pool. ~90 ms (``"blob"``) or ~210 ms (``"cell"``) on one core."""
    _check_blob(blob)
    ts = load_trusted_setup()
    commitment = _ckzg.blob_to_kzg_commitment(bytes(blob), ts)
    if wrapper == "blob":
        return BlobKzg(commitment, (_ckzg.compute_blob_kzg_proof(bytes(blob), commitment, ts),))
    if wrapper == "cell":
        _cells, proofs = _ckzg.compute_cells_and_kzg_proofs(bytes(blob), ts)
        return BlobKzg(commitment, tuple(proofs))
    raise L2ValueError(f"unknown blob wrapper {wrapper!r}", hint="use 'cell' (Osaka and later) or 'blob' (Prague)")


versioned_hash = blob_versioned_hash
"""EIP-4844 versioned hash of a KZG commitment: ``0x01 ‖ sha256(commitment)[1:]``."""


def versioned_hash_of_blob(blob: bytes) -> bytes:
    """Versioned hash of a blob: of its KZG commitment (~42 ms)."""
    _check_blob(blob)
    return versioned_hash(_ckzg.blob_to_kzg_commitment(bytes(blob), load_trusted_setup()))


def _bitrev12(i: int) -> int:
    return int(f"{i:012b}"[::-1], 2)


def evaluation_point(element: int) -> int:
    """``z = ω^bitrev12(e) mod BLS_MODULUS``: the point where a blob's polynomial equals its field element ``e``."""
    if not 0 <= element < FIELD_ELEMENTS_PER_BLOB:
        raise L2ValueError(f"field element {element} outside 0..4095", hint="a blob has 4096 field elements")
    return pow(ROOT_OF_UNITY, _bitrev12(element), BLS_MODULUS)


def slot_elements(slot: int) -> range:
    """The field elements a slot's 64 bytes span: ``o // 31 .. (o + 63) // 31`` with ``o = 64 · (slot % 1984)``."""
    if slot < 0:
        raise L2ValueError(f"slot {slot} is negative", hint="slot = 32 · segment + op position")
    o = SLOT_BYTES * (slot % SLOTS_PER_BLOB)
    return range(o // 31, (o + SLOT_BYTES - 1) // 31 + 1)


def slot_openings(blob: bytes, slot: int, *, commitment: bytes | None = None) -> bytes:
    """Openings of the field elements holding ``slot`` (in ``blob``, which must be blob ``slot // 1984`` of the
    batch): per element ``y 32 ‖ commitment 48 ‖ proof 48``, as ``proveBlobFraud`` reads them. ~45 ms per element
    (3 or 4), plus ~42 ms for the commitment unless given."""
    _check_blob(blob)
    ts = load_trusted_setup()
    blob = bytes(blob)
    if commitment is None:
        commitment = _ckzg.blob_to_kzg_commitment(blob, ts)
    out = bytearray()
    for e in slot_elements(slot):
        proof, y = _ckzg.compute_kzg_proof(blob, evaluation_point(e).to_bytes(32, "big"), ts)
        out += y + commitment + proof
    return bytes(out)


def signature_from_openings(openings: bytes, slot: int) -> bytes:
    """The 64-byte signature the contract reads from :func:`slot_openings` output for ``slot``."""
    elements = slot_elements(slot)
    if len(openings) != OPENING_BYTES * len(elements):
        raise L2ValueError(
            f"openings are {len(openings)} bytes; slot {slot} spans {len(elements)} field elements "
            f"({OPENING_BYTES * len(elements)} bytes)",
            hint="pass the output of slot_openings for this slot",
        )
    low = b"".join(openings[OPENING_BYTES * i + 1 : OPENING_BYTES * i + 32] for i in range(len(elements)))
    start = (SLOT_BYTES * (slot % SLOTS_PER_BLOB)) % 31
    return low[start : start + SLOT_BYTES]


# --------------------------------------------------------------------------------------------------- transactions

_CELL_HARDFORKS = ("osaka", "bpo", "amsterdam")
_BLOB_HARDFORKS = ("cancun", "prague")


def wrapper_for_hardfork(hardfork: str) -> WrapperKind:
    """The network form a node on ``hardfork`` accepts: ``"blob"`` for Cancun and Prague, ``"cell"`` for Osaka and
    the blob-parameter-only forks after it (``Bpo1``..), anvil 1.7.1's default. Case-insensitive."""
    name = hardfork.strip().lower()
    if name.startswith(_BLOB_HARDFORKS):
        return "blob"
    if name.startswith(_CELL_HARDFORKS):
        return "cell"
    raise L2ValueError(
        f"hardfork {hardfork!r} has no known blob transaction form",
        hint="blob transactions need Cancun or later (cancun, prague: 'blob'; osaka, bpo1..: 'cell')",
    )


@dataclass(frozen=True, slots=True)
class BlobTransaction:
    """A signed type-3 transaction wrapped with its sidecar for ``eth_sendRawTransaction``."""

    raw: bytes
    """``0x03 ‖ rlp(network wrapper)``: what to send."""
    tx_hash: bytes
    """``keccak256(0x03 ‖ rlp(tx_payload_body))``, the hash nodes report."""
    versioned_hashes: tuple[bytes, ...]
    """The blobs' versioned hashes, in order (``blobhash(i)`` in the transaction)."""
    wrapper: WrapperKind


def _uint(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**256:
        raise L2ValueError(f"{name} must be an integer in 0..2**256-1, not {value!r}", hint=f"pass {name} in wei/units")
    return value


def _address(to: str | bytes) -> bytes:
    raw = bytes.fromhex(to.removeprefix("0x")) if isinstance(to, str) else bytes(to)
    if len(raw) != 20:
        raise L2ValueError(
            f"'to' must be a 20-byte address, not {to!r}",
            hint="a blob transaction cannot create a contract: name the rollup's address",
        )
    return raw


def build_blob_transaction(
    *,
    chain_id: int,
    nonce: int,
    to: str | bytes,
    data: bytes,
    gas: int,
    max_fee_per_gas: int,
    max_priority_fee_per_gas: int,
    max_fee_per_blob_gas: int,
    blobs: Sequence[bytes],
    signer: Signer,
    wrapper: WrapperKind,
    value: int = 0,
    kzg: Sequence[BlobKzg] | None = None,
) -> BlobTransaction:
    """Sign a type-3 transaction carrying ``blobs`` and wrap it for the network.

    ``kzg`` may hold the blobs' :func:`blob_kzg` results computed elsewhere (e.g. in a process pool, for the same
    ``wrapper``); otherwise they are computed here (~90 ms per blob for ``"blob"``, ~210 ms for ``"cell"``).
    """
    if not blobs:
        raise L2ValueError("a blob transaction needs at least one blob", hint="send a batch without blobs instead")
    if wrapper not in ("cell", "blob"):
        raise L2ValueError(f"unknown blob wrapper {wrapper!r}", hint="use 'cell' (Osaka and later) or 'blob' (Prague)")
    for i, blob in enumerate(blobs):
        _check_blob(blob, f"blob {i}")
    if kzg is None:
        kzg = [blob_kzg(blob, wrapper) for blob in blobs]
    want_proofs = CELL_PROOFS_PER_BLOB if wrapper == "cell" else 1
    if len(kzg) != len(blobs) or any(len(k.proofs) != want_proofs for k in kzg):
        raise L2ValueError(
            f"kzg holds {len(kzg)} results for {len(blobs)} blobs, or proofs of another wrapper than {wrapper!r}",
            hint="compute them with blob_kzg(blob, wrapper) for each blob, in order",
        )
    tx = UnsignedTx(
        chain_id=_uint(chain_id, "chain_id"),
        nonce=_uint(nonce, "nonce"),
        max_priority_fee_per_gas=_uint(max_priority_fee_per_gas, "max_priority_fee_per_gas"),
        max_fee_per_gas=_uint(max_fee_per_gas, "max_fee_per_gas"),
        gas=_uint(gas, "gas"),
        to=_address(to),
        value=_uint(value, "value"),
        data=bytes(data),
    )
    sidecar = BlobSidecar(
        blobs=tuple(bytes(b) for b in blobs),
        commitments=tuple(k.commitment for k in kzg),
        proofs=tuple(p for k in kzg for p in k.proofs),
        cell_proofs=wrapper == "cell",
    )
    signed = signer.sign_blob_transaction(
        tx, max_fee_per_blob_gas=_uint(max_fee_per_blob_gas, "max_fee_per_blob_gas"), sidecar=sidecar
    )
    return BlobTransaction(signed.raw, signed.hash, sidecar.versioned_hashes, wrapper)
