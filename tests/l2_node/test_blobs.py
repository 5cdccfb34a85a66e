"""Signatures in EIP-4844 blobs (docs/l2-blobs.md): the slot layout, KZG openings for ``proveBlobFraud``, and signed
type-3 transactions accepted by anvil under Osaka/Bpo1 (EIP-7594 cell proofs) and Prague (EIP-4844 blob proofs).

The KZG trusted setup is loaded once per process (~2 s); each blob costs ~0.1–0.2 s of KZG work, so the tests use
few blobs and share them through module fixtures.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import ckzg  # type: ignore[import-not-found]
import httpx
import pytest
import rlp
from eth_account import Account

from novacron_chain.chain import AnvilNode, dev_signers
from novacron_chain.l2 import _blobs as B
from novacron_chain.l2._errors import L2ValueError

SEGMENTS = 70  # two blobs: 62 segments in the first, 8 in the second


def _sig(k: int, j: int) -> bytes:
    """A distinct, recognisable 64-byte 'signature' for op j of segment k (no zero bytes)."""
    return hashlib.sha512(f"{k}/{j}".encode()).digest()


def _segments() -> list[list[bytes | None]]:
    """70 segments of varying length (0..32 ops), every 5th op a queue op (None)."""
    out: list[list[bytes | None]] = []
    for k in range(SEGMENTS):
        n = 32 if k % 3 == 0 else (k * 7) % 33
        out.append([None if j % 5 == 4 else _sig(k, j) for j in range(n)])
    return out


@pytest.fixture(scope="module")
def segments() -> list[list[bytes | None]]:
    return _segments()


@pytest.fixture(scope="module")
def blobs(segments: list[list[bytes | None]]) -> list[bytes]:
    return B.pack_signatures(segments)


@pytest.fixture(scope="module")
def setup() -> object:
    return B.load_trusted_setup()


def _elements(blob: bytes) -> list[bytes]:
    return [blob[32 * e : 32 * e + 32] for e in range(B.FIELD_ELEMENTS_PER_BLOB)]


# ---------------------------------------------------------------------------------------------------------- layout


def test_constants() -> None:
    assert (B.SLOTS_PER_BLOB, B.SEGMENTS_PER_BLOB, B.SLOT_BYTES) == (1984, 62, 64)
    assert B.SLOTS_PER_BLOB * B.SLOT_BYTES == B.PAYLOAD_BYTES == 126_976
    assert B.ROOT_OF_UNITY == 0x564C0A11A0F704F4FC3E8ACFE0F8245F0AD1347B378FBF96E206DA11A5D36306  # the spec's ω
    assert [B.blob_count(n) for n in (0, 1, 61, 62, 63, 124, 125, 300)] == [0, 1, 1, 1, 2, 2, 3, 5]


def test_pack_layout_follows_the_spec(segments: list[list[bytes | None]], blobs: list[bytes]) -> None:
    assert len(blobs) == 2
    assert all(len(b) == 131_072 for b in blobs)
    # byte 0 of every field element is zero (so every element is below BLS_MODULUS)
    assert all(el[0] == 0 for b in blobs for el in _elements(b))
    # the payload read back by the spec's definition: element e carries payload bytes [31e, 31e + 31)
    payloads = [b"".join(el[1:] for el in _elements(b)) for b in blobs]
    used = set()
    for k, sigs in enumerate(segments):
        for j, sig in enumerate(sigs):
            s = 32 * k + j
            used.add(s)
            at = 64 * (s % 1984)
            assert payloads[s // 1984][at : at + 64] == (sig if sig is not None else bytes(64))
    # every unused slot is zero
    for s in range(2 * 1984):
        if s not in used:
            at = 64 * (s % 1984)
            assert payloads[s // 1984][at : at + 64] == bytes(64)


def test_unpack_inverts_pack(segments: list[list[bytes | None]], blobs: list[bytes]) -> None:
    back = B.unpack_signatures(blobs, [len(s) for s in segments])
    assert back == [[sig if sig is not None else bytes(64) for sig in sigs] for sigs in segments]
    assert B.pack_signatures([]) == []
    assert B.unpack_signatures([], []) == []
    # a full batch of 300 segments: 5 blobs, round trip
    full = [[_sig(k, j) for j in range(32)] for k in range(300)]
    packed = B.pack_signatures(full)
    assert len(packed) == 5
    assert B.unpack_signatures(packed, [32] * 300) == full


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: B.pack_signatures([[bytes(64)] * 33]), "more than 32"),
        (lambda: B.pack_signatures([[bytes(64)], [bytes(65)]]), "op 0 in segment 1 is 65 bytes"),
        (lambda: B.unpack_signatures([bytes(131_072)], [1] * 63), "exactly 2"),
        (lambda: B.unpack_signatures([bytes(131_072)], [33]), "op count 33"),
        (lambda: B.unpack_signatures([bytes(100)], [1]), "blob 0 is 100 bytes"),
        (lambda: B.blob_count(-1), "negative"),
        (lambda: B.signature_from_openings(bytes(128), 0), "spans 3 field elements"),
        (lambda: B.wrapper_for_hardfork("shanghai"), "no known blob transaction form"),
    ],
)
def test_bad_input_is_a_clear_error(call: Any, needle: str) -> None:
    with pytest.raises(L2ValueError, match=needle) as info:
        call()
    assert info.value.hint


def test_wrapper_for_hardfork() -> None:
    assert [B.wrapper_for_hardfork(h) for h in ("Cancun", "prague", "Osaka", "Bpo1", "bpo5")] == [
        "blob",
        "blob",
        "cell",
        "cell",
        "cell",
    ]


# -------------------------------------------------------------------------------------------------------- openings


@pytest.mark.parametrize(
    ("slot", "elements"),
    [
        (15, 4),  # 64·15 = 960 ≡ 30 (mod 31): the 64 bytes start at the last byte of an element and span 4
        (1984 + 7 * 32 + 3, 3),  # second blob, segment 69, op 3
    ],
)
def test_openings_verify_and_give_the_signature(
    blobs: list[bytes], segments: list[list[bytes | None]], setup: object, slot: int, elements: int
) -> None:
    k, j = divmod(slot, 32)
    sig = segments[k][j]
    assert sig is not None
    blob = blobs[slot // 1984]
    openings = B.slot_openings(blob, slot)
    assert len(openings) == 128 * elements == 128 * len(B.slot_elements(slot))
    commitment = ckzg.blob_to_kzg_commitment(blob, setup)
    for i, e in enumerate(B.slot_elements(slot)):
        y, c, proof = (
            openings[128 * i : 128 * i + 32],
            openings[128 * i + 32 : 128 * i + 80],
            openings[128 * i + 80 : 128 * i + 128],
        )
        assert c == commitment
        z = B.evaluation_point(e).to_bytes(32, "big")
        assert ckzg.verify_kzg_proof(c, z, y, proof, setup)
        assert y == blob[32 * e : 32 * e + 32]  # the polynomial at ω^bitrev12(e) is element e
    assert B.signature_from_openings(openings, slot) == sig
    # a wrong y does not verify (the precompile would refuse it too)
    y0 = bytearray(openings[:32])
    y0[31] ^= 1
    z0 = B.evaluation_point(B.slot_elements(slot)[0]).to_bytes(32, "big")
    assert not ckzg.verify_kzg_proof(commitment, z0, bytes(y0), openings[80:128], setup)


# ---------------------------------------------------------------------------------------------------- transactions

SIGNER = dev_signers()[0]
KEY = SIGNER.private_key
TO = "0x" + "11" * 20


def _tx_kwargs(chain_id: int, nonce: int) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "nonce": nonce,
        "to": TO,
        "data": b"\x01\x02\x03",
        "gas": 100_000,
        "max_fee_per_gas": 10 * 10**9,
        "max_priority_fee_per_gas": 10**9,
        "max_fee_per_blob_gas": 10**9,
    }


def test_blob_kzg_proofs_verify(blobs: list[bytes], setup: object) -> None:
    kzg = B.blob_kzg(blobs[1], "blob")
    assert kzg.commitment == ckzg.blob_to_kzg_commitment(blobs[1], setup)
    assert len(kzg.proofs) == 1
    assert ckzg.verify_blob_kzg_proof(blobs[1], kzg.commitment, kzg.proofs[0], setup)
    assert B.versioned_hash(kzg.commitment) == b"\x01" + hashlib.sha256(kzg.commitment).digest()[1:]
    assert B.versioned_hash_of_blob(blobs[1]) == B.versioned_hash(kzg.commitment)


def test_transaction_matches_eth_account(blobs: list[bytes]) -> None:
    """Same signing hash, body and tx hash as eth-account signing the dict with ``blobVersionedHashes``."""
    tx = B.build_blob_transaction(**_tx_kwargs(31337, 5), blobs=blobs[1:], signer=SIGNER, wrapper="blob")
    signed = Account.sign_transaction(
        {
            "type": 3,
            "chainId": 31337,
            "nonce": 5,
            "to": TO,
            "data": "0x010203",
            "gas": 100_000,
            "maxFeePerGas": 10 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "maxFeePerBlobGas": 10**9,
            "value": 0,
            "accessList": [],
            "blobVersionedHashes": ["0x" + h.hex() for h in tx.versioned_hashes],
        },
        KEY,
    )
    assert bytes(signed.hash) == tx.tx_hash
    wrapper = rlp.decode(tx.raw[1:])
    assert tx.raw[0] == 3
    assert len(wrapper) == 4
    assert rlp.encode(wrapper[0]) == bytes(signed.raw_transaction)[1:]
    assert wrapper[1] == blobs[1:]
    assert Account.recover_transaction(bytes(signed.raw_transaction)) == dev_signers()[0].address
    with pytest.raises(L2ValueError, match="other wrapper"):
        B.build_blob_transaction(
            **_tx_kwargs(31337, 5),
            blobs=blobs[1:],
            signer=SIGNER,
            wrapper="cell",
            kzg=[B.BlobKzg(bytes(48), (bytes(48),))],
        )


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    reply = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30).json()
    assert "error" not in reply, (method, reply)
    return reply["result"]


@pytest.fixture(params=["default", "prague"])
def blob_anvil(request: pytest.FixtureRequest) -> Iterator[AnvilNode]:
    """The session's anvil (its default hardfork, Bpo1), reverted afterwards; or a fresh one on Prague."""
    if request.param == "default":
        node: AnvilNode = request.getfixturevalue("anvil_node")
        snap = _rpc(node.url, "evm_snapshot", [])
        try:
            yield node
        finally:
            _rpc(node.url, "evm_revert", [snap])
    else:
        with AnvilNode(extra_args=("--hardfork", "prague")) as node:
            yield node


@pytest.mark.integration
def test_anvil_accepts_the_blob_transaction(blob_anvil: AnvilNode, blobs: list[bytes]) -> None:
    url = blob_anvil.url
    wrapper = B.wrapper_for_hardfork(_rpc(url, "anvil_nodeInfo", [])["hardFork"])
    sender = dev_signers()[0].address
    nonce = int(_rpc(url, "eth_getTransactionCount", [sender, "pending"]), 16)
    tx = B.build_blob_transaction(**_tx_kwargs(blob_anvil.chain_id, nonce), blobs=blobs, signer=SIGNER, wrapper=wrapper)
    assert tx.wrapper == wrapper
    if wrapper == "cell":
        assert len(rlp.decode(tx.raw[1:])) == 5  # EIP-7594: [body, 1, blobs, commitments, cell_proofs]
    assert _rpc(url, "eth_sendRawTransaction", ["0x" + tx.raw.hex()]) == "0x" + tx.tx_hash.hex()
    receipt = None
    for _ in range(100):
        receipt = _rpc(url, "eth_getTransactionReceipt", ["0x" + tx.tx_hash.hex()])
        if receipt:
            break
        httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": []})
    assert receipt
    assert receipt["status"] == "0x1"
    assert int(receipt["blobGasUsed"], 16) == 131_072 * len(blobs)
    onchain = _rpc(url, "eth_getTransactionByHash", ["0x" + tx.tx_hash.hex()])
    assert onchain["blobVersionedHashes"] == ["0x" + h.hex() for h in tx.versioned_hashes]
    assert _rpc(url, "anvil_getBlobsByTransactionHash", ["0x" + tx.tx_hash.hex()]) == ["0x" + b.hex() for b in blobs]
    assert _rpc(url, "anvil_getBlobByHash", ["0x" + tx.versioned_hashes[1].hex()]) == "0x" + blobs[1].hex()
    # a sidecar whose proofs do not match the blobs is refused
    other = B.pack_signatures([[os.urandom(64)]])
    bad = [B.BlobKzg(B.blob_kzg(blobs[0], wrapper).commitment, B.blob_kzg(other[0], wrapper).proofs)]
    forged = B.build_blob_transaction(
        **_tx_kwargs(blob_anvil.chain_id, nonce + 1), blobs=blobs[:1], signer=SIGNER, wrapper=wrapper, kzg=bad
    )
    reply = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": ["0x" + forged.raw.hex()]}
    ).json()
    assert "invalid KZG proof" in reply["error"]["message"]


@pytest.mark.integration
def test_a_logged_blob_proposal_is_simulated_and_rebroadcast(anvil_node: AnvilNode, blobs: list[bytes]) -> None:
    """What a restarted sequencer does with a blob proposal it logged but never saw mined: simulate the raw bytes
    (the blob fields go over plain JSON-RPC: web3's call formatters refused them) and send them again, waiting for
    the receipt under the transaction's own hash (not the hash of the bytes, which include the sidecar)."""
    from novacron_chain import NovaChain, load_config
    from novacron_chain.l2 import RollupL1
    from novacron_chain.l2._l1 import transaction_hash

    snap = _rpc(anvil_node.url, "evm_snapshot", [])
    nc = NovaChain.connect(load_config(overrides={"network": anvil_node.url}, env={}))
    try:
        target = SimpleNamespace(address=TO)
        l1 = RollupL1(nc.chain, target, target)  # type: ignore[arg-type]
        sender = dev_signers()[0].address
        nonce = int(_rpc(anvil_node.url, "eth_getTransactionCount", [sender, "pending"]), 16)
        tx = B.build_blob_transaction(
            **_tx_kwargs(nc.chain.chain_id, nonce), blobs=blobs[:1], signer=SIGNER, wrapper="cell"
        )
        assert transaction_hash(tx.raw) == tx.tx_hash  # the hash of the transaction, not of its sidecar
        assert l1.simulate(tx.raw, sender) is None
        receipt = l1.broadcast(tx.raw, sender, gas=100_000)
        assert receipt.tx_hash == "0x" + tx.tx_hash.hex()
        assert l1.receipt_status(receipt.tx_hash) == 1
    finally:
        nc.close()
        _rpc(anvil_node.url, "evm_revert", [snap])


@pytest.mark.integration
def test_a_pending_blob_proposal_is_cancelled_by_a_blob_transaction(anvil_node: AnvilNode, blobs: list[bytes]) -> None:
    """A stale blob proposal still pending is replaced, not raced: the cancellation of its nonce is itself a blob
    transaction (one zero blob) at twice its fees, what a blob pool accepts as a replacement (geth refuses a plain
    transaction from a sender with a pending blob transaction)."""
    import threading

    from novacron_chain import NovaChain, load_config
    from novacron_chain.l2 import RollupL1

    url = anvil_node.url
    snap = _rpc(url, "evm_snapshot", [])
    nc = NovaChain.connect(load_config(overrides={"network": url}, env={}))
    try:
        target = SimpleNamespace(address=TO)
        l1 = RollupL1(nc.chain, target, target)  # type: ignore[arg-type]
        sender = SIGNER.address
        nonce = int(_rpc(url, "eth_getTransactionCount", [sender, "pending"]), 16)
        wrapper = l1.blob_wrapper()
        stale = B.build_blob_transaction(
            **_tx_kwargs(nc.chain.chain_id, nonce), blobs=blobs[:1], signer=SIGNER, wrapper=wrapper
        )
        _rpc(url, "evm_setAutomine", [False])
        _rpc(url, "eth_sendRawTransaction", ["0x" + stale.raw.hex()])
        done: list[Any] = []
        t = threading.Thread(target=lambda: done.append(l1.cancel(nonce, SIGNER, stale.raw)), daemon=True)
        t.start()
        for _ in range(200):  # the cancellation replaced the proposal in the pool: one pending transaction
            pending = _rpc(url, "txpool_content", [])["pending"].get(sender, {})
            if len(pending) == 1 and next(iter(pending.values()))["hash"] != "0x" + stale.tx_hash.hex():
                break
            t.join(0.05)
        _rpc(url, "evm_mine", [])
        t.join(30)
        (receipt,) = done
        assert l1.receipt_status(receipt.tx_hash) == 1
        assert l1.receipt_status("0x" + stale.tx_hash.hex()) is None  # never mined: its nonce went to the cancellation
        mined = _rpc(url, "eth_getTransactionByHash", [receipt.tx_hash])
        assert int(mined["type"], 16) == 3
        assert int(mined["nonce"], 16) == nonce
        assert len(mined["blobVersionedHashes"]) == 1
        assert int(mined["maxFeePerBlobGas"], 16) > 2 * 10**9  # twice the stale one's
        assert int(mined["maxPriorityFeePerGas"], 16) > 2 * 10**9
    finally:
        _rpc(url, "evm_setAutomine", [True])
        nc.close()
        _rpc(url, "evm_revert", [snap])
