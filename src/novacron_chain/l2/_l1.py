"""The rollup as L1 shows it: the portal's token registry and queue, the live batches with their calldata, finality,
bonds; and the one L1 transaction a node sends often, ``proposeBatch``, signed here so that its raw bytes can be
logged before they leave (a crashed sequencer re-broadcasts the same bytes, it never signs a second proposal).

Everything a verifier needs comes from here and nothing else: ``QueueItemAdded`` events of the portal, and for each
batch its ``BatchProposed`` event (the latest one per index below ``batchCount()``: a fraud proof deletes batches and
their indices are reused) plus the calldata of the transaction that emitted it, whose segments must hash to the
event's ``segmentsRoot``; for a blob batch also its blobs, from the beacon API (``l2_beacon_url``), whose signatures
are joined back to the calldata's op bodies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import httpx
from eth_utils import keccak, to_checksum_address
from web3.exceptions import BlockNotFound

from ..chain import PendingTx, Receipt, RpcBackend, Signer, TxRequest, UnsignedTx, event_indexer
from ..chain._rpc import RawHex, RpcError
from ..errors import ChainError, TransactionError
from ._batch import segments_root
from ._codec import body_op_count, join_signatures
from ._errors import L2Error
from ._tree import keccak_big, remember_keccak
from ._types import Eip712Domain, QueueItem, StateHeader

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ._batch import Batch
    from ._blobs import WrapperKind

__all__ = ["PROPOSE_BLOB_SELECTOR", "PROPOSE_SELECTOR", "L1Batch", "RollupL1", "propose_calldata", "transaction_hash"]

_Proposal = tuple[bytes, tuple[int, ...], tuple[bytes, ...], tuple[bytes, ...]]

_log = logging.getLogger("novacron_chain.l2")
#: gas headroom over the estimate of a proposal (the estimate is exact on a quiet chain; storage refunds vary)
_GAS_NUM, _GAS_DEN, _GAS_EXTRA = 6, 5, 50_000
#: the gas limit a proposal tries first: the last proposal's gas used, scaled up to this one's calldata, x 5/4
_GUESS_NUM, _GUESS_DEN = 5, 4


@dataclass(frozen=True)
class L1Batch:
    """A live batch as posted: its event fields and its calldata (``ops``, ``ends``, ``roots``)."""

    index: int
    post_root: bytes
    segments_root: bytes
    segment_count: int
    queue_end: int
    proposer: str
    tx_hash: str
    block: int
    ops: bytes
    ends: tuple[int, ...]
    roots: tuple[bytes, ...]
    blob_hashes: tuple[bytes, ...] = ()

    @property
    def blobs(self) -> bool:
        """Posted with ``proposeBlobBatch``: ``ops`` are the calldata's op bodies joined with the signatures read
        from the blobs (``blob_hashes``), so the batch replays as a calldata batch does."""
        return bool(self.blob_hashes)

    @property
    def segments(self) -> list[bytes]:
        """The segments' bytes."""
        out, start = [], 0
        for end in self.ends:
            out.append(self.ops[start:end])
            start = end
        return out


def _b(value: Any) -> bytes:
    return bytes(value)


class RollupL1:
    """The L2Rollup and L2Portal on one L1 chain (``from_block``: where to start reading their events)."""

    def __init__(
        self,
        chain: Chain,
        rollup: Contract,
        portal: Contract,
        *,
        from_block: int = 0,
        beacon_url: str | None = None,
    ) -> None:
        self.chain = chain
        self.beacon_url = beacon_url
        self.rollup = rollup
        self.portal = portal
        self.from_block = from_block
        self._calldata: dict[str, _Proposal | None] = {}
        self._domain: Eip712Domain | None = None
        self._wrapper: WrapperKind | None = None
        self._gas_used: dict[bytes, tuple[int, int]] = {}  # selector -> (calldata bytes, gas used) of the last

    @classmethod
    def for_nova(cls, nova: Any) -> RollupL1 | None:
        """The rollup deployed on a :class:`~novacron_chain.NovaChain`'s chain (from its deployments), or None
        when it is not deployed there. Reading L1 needs no sequencer and not ``use_layer2``."""
        chain_id = nova.chain.chain_id
        record = nova.deployments.get(chain_id, "L2Portal")
        if record is None or nova.deployments.get(chain_id, "L2Rollup") is None:
            return None
        return cls(
            nova.chain,
            nova.contract("L2Rollup"),
            nova.contract("L2Portal"),
            from_block=record.block,
            beacon_url=nova.config.blockchain.l2_beacon_url,
        )

    # -- reads ----------------------------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The L2Rollup's address."""
        return str(self.rollup.address)

    def domain(self) -> Eip712Domain:
        """The EIP-712 domain of L2 signatures: the rollup's ``l2ChainId`` and address."""
        if self._domain is None:
            chain_id = int(self.chain.call(self.rollup.functions.l2ChainId()))
            self._domain = Eip712Domain(chain_id, bytes.fromhex(self.address[2:]))
        return self._domain

    def tokens(self) -> list[bytes]:
        """The portal's 8 token slots (20 zero bytes where unregistered)."""
        return [bytes.fromhex(str(a)[2:]) for a in self.chain.call(self.portal.functions.tokens())]

    def fee_recipient(self) -> bytes:
        """The address of account 0."""
        return bytes.fromhex(str(self.chain.call(self.rollup.functions.feeRecipient()))[2:])

    def genesis_root(self) -> bytes:
        """The rollup's genesis state root."""
        return _b(self.chain.call(self.rollup.functions.genesisRoot()))

    def parameters(self) -> dict[str, int]:
        """``challengePeriod`` (s), ``forceDelay`` (blocks), ``minBond`` (wei), ``l2ChainId``."""
        f = self.rollup.functions
        values = self.chain.call_many([f.challengePeriod(), f.forceDelay(), f.minBond(), f.l2ChainId()])
        return dict(zip(("challenge_period", "force_delay", "min_bond", "l2_chain_id"), map(int, values), strict=True))

    def batch_count(self) -> int:
        """Live batches."""
        return int(self.chain.call(self.rollup.functions.batchCount()))

    def batch_record(self, index: int) -> dict[str, Any]:
        """The stored ``Batch`` struct of ``index``: postRoot, commitment, proposer, timestamp, l1Block, queueEnd."""
        raw = self.chain.call(self.rollup.functions.batch(index))
        keys = ("post_root", "commitment", "proposer", "timestamp", "l1_block", "queue_end")
        return dict(zip(keys, raw, strict=True))

    def is_final(self, index: int) -> bool:
        """Whether batch ``index`` exists and is final."""
        return bool(self.chain.call(self.rollup.functions.isFinal(index)))

    def bond_of(self, proposer: str) -> int:
        """The proposer's bond (wei)."""
        bond, _last = self.chain.call(self.rollup.functions.bondOf(to_checksum_address(proposer)))
        return int(bond)

    def watch_reads(self, final_index: int) -> tuple[int, int, bool]:
        """``(batch_count(), queue_length(), is_final(final_index))`` read at one block, in one round trip on a
        JSON-RPC node: what a watcher polls (the queue's events are read only when its length moved)."""
        f = self.rollup.functions
        count, length, final = self.chain.call_many(
            [f.batchCount(), self.portal.functions.queueLength(), f.isFinal(final_index)]
        )
        return int(count), int(length), bool(final)

    def queue_length(self) -> int:
        """Items ever enqueued in the portal."""
        return int(self.chain.call(self.portal.functions.queueLength()))

    def queue_items(self, start: int = 0) -> list[QueueItem]:
        """Queue items from index ``start`` on, from the portal's ``QueueItemAdded`` events, in index order."""
        events = event_indexer(self.chain).events(self.portal, "QueueItemAdded", from_block=self.from_block)
        items = {}
        for e in events:
            a = e["args"]
            index = int(a["index"])
            if index >= start:
                items[index] = QueueItem(
                    index=index,
                    kind=int(a["kind"]),
                    account=bytes.fromhex(str(a["account"])[2:]),
                    token=int(a["tokenId"]),
                    amount=int(a["amount"]),
                    l1_block=int(a["l1Block"]),
                )
        out, i = [], start
        while i in items:  # contiguous only: a gap means the indexer has not seen an item yet
            out.append(items[i])
            i += 1
        return out

    def recent_batches(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest ``limit`` live batches, newest first, from their events and the contract (no calldata read):
        index, post root, segments, queue end, proposer, L1 transaction and block, time posted, and whether final."""
        count = self.batch_count()
        start = max(0, count - max(0, limit))
        if start >= count:
            return []
        events = event_indexer(self.chain).events(self.rollup, "BatchProposed", from_block=self.from_block)
        latest = {int(e["args"]["batchIndex"]): e for e in events if start <= int(e["args"]["batchIndex"]) < count}
        f = self.rollup.functions
        indices = list(range(start, count))
        values = self.chain.call_many([f.batch(i) for i in indices] + [f.isFinal(i) for i in indices])
        records, finals = values[: len(indices)], values[len(indices) :]
        out = []
        for i, record, final in zip(indices, records, finals, strict=True):
            e = latest.get(i)
            out.append(
                {
                    "index": i,
                    "post_root": "0x" + bytes(record[0]).hex(),
                    "proposer": str(record[2]),
                    "timestamp": int(record[3]),
                    "l1_block": int(record[4]),
                    "queue_end": int(record[5]),
                    "segments": int(e["args"]["segmentCount"]) if e is not None else None,
                    "l1_tx": "0x" + bytes(e["transactionHash"]).hex() if e is not None else None,
                    "final": bool(final),
                }
            )
        return out[::-1]

    def live_batches(self, start: int = 0) -> list[L1Batch]:
        """The live batches from index ``start`` on with their calldata, in index order. Raises
        :class:`~novacron_chain.l2.L2Error` when a batch's calldata cannot be read or does not match its event
        (data withheld: nobody can check that batch, which is itself the reason to challenge it)."""
        count = self.batch_count()
        events = event_indexer(self.chain).events(self.rollup, "BatchProposed", from_block=self.from_block)
        latest: dict[int, Any] = {}
        for e in events:  # later events for a reused index (after a fraud proof) replace earlier ones
            index = int(e["args"]["batchIndex"])
            if start <= index < count:
                latest[index] = e
        out = []
        for index in range(start, count):
            found = latest.get(index)
            if found is None:
                raise L2Error(
                    f"batch {index} is live on L1 but its BatchProposed event was not found",
                    hint="the event indexer may lag the node: retry in a moment",
                )
            a = found["args"]
            tx_hash = "0x" + bytes(found["transactionHash"]).hex()
            data = self._proposal(tx_hash, bytes(a["segmentsRoot"]))
            if data is None:
                raise L2Error(
                    f"the calldata of batch {index} (tx {tx_hash}) does not match its BatchProposed event",
                    hint="the batch was not posted by a direct proposeBatch call; its data cannot be checked",
                )
            ops, ends, roots, blob_hashes = data
            out.append(
                L1Batch(
                    index=index,
                    post_root=bytes(a["postRoot"]),
                    segments_root=bytes(a["segmentsRoot"]),
                    segment_count=int(a["segmentCount"]),
                    queue_end=int(a["queueEnd"]),
                    proposer=str(a["proposer"]),
                    tx_hash=tx_hash,
                    block=int(found["blockNumber"]),
                    ops=ops,
                    ends=ends,
                    roots=roots,
                    blob_hashes=blob_hashes,
                )
            )
        return out

    def _proposal(self, tx_hash: str, segments_root_: bytes) -> _Proposal | None:
        """``(ops, ends, roots, blob hashes)`` of the proposal sent in ``tx_hash`` when its L1 data hashes to
        ``segments_root_``; None otherwise. For a blob batch the signatures are read from its blobs and joined to
        the op bodies (a blob that cannot be read raises: the batch cannot be checked yet)."""
        if tx_hash not in self._calldata:
            with self.chain.mapped("reading a batch's calldata"):
                tx = self.chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            self._calldata[tx_hash] = self._decode_proposal(tx, tx_hash, segments_root_)
        return self._calldata[tx_hash]

    def _decode_proposal(self, tx: Any, tx_hash: str, segments_root_: bytes) -> _Proposal | None:
        try:
            fn, params = self.rollup.decode_function_input(tx["input"])
        except ValueError:
            return None
        if fn.fn_name not in ("proposeBatch", "proposeBlobBatch") or str(tx.get("to", "")).lower() != (
            self.address.lower()
        ):
            return None
        ops, ends = bytes(params["ops"]), tuple(int(x) for x in params["ends"])
        roots = tuple(bytes(r) for r in params["roots"])
        if segments_root(_split(ops, ends), list(roots)) != segments_root_:
            return None
        if fn.fn_name == "proposeBatch":
            return ops, ends, roots, ()
        from ._blobs import unpack_signatures

        hashes = tuple(bytes(h) for h in tx.get("blobVersionedHashes") or ())
        bodies = _split(ops, ends)
        sigs = unpack_signatures(self.blobs_of(int(tx["blockNumber"]), hashes), [body_op_count(b) for b in bodies])
        full = [join_signatures(b, sg) for b, sg in zip(bodies, sigs, strict=True)]
        return b"".join(full), tuple(accumulate(map(len, full))), roots, hashes

    def blobs_of(self, block: int, hashes: Sequence[bytes]) -> list[bytes]:
        """The blobs with versioned hashes ``hashes`` (in that order) of L1 block ``block``, from the beacon API's
        ``GET /eth/v1/beacon/blobs/{block_id}`` at ``beacon_url`` (config ``l2_beacon_url``: the L1's consensus
        client; default the L1 RPC URL, where anvil serves that API). The block is named by its beacon block root
        (the next block's ``parentBeaconBlockRoot``, EIP-4788) or, where that is zero (anvil), by its hash. Each
        blob is checked against its versioned hash (its KZG commitment recomputed)."""
        from ._blobs import versioned_hash_of_blob

        backend = self.chain.backend
        if not isinstance(backend, RpcBackend):
            raise L2Error(
                "this L1 cannot serve blobs",
                hint="blob batches need an L1 node that takes blob transactions (anvil, an Ethereum node)",
            )
        base = (self.beacon_url or backend.client.url).rstrip("/")
        block_id = self._beacon_block_id(block)
        query = "&".join("versioned_hashes=0x" + h.hex() for h in hashes)
        url = f"{base}/eth/v1/beacon/blobs/{block_id}?{query}"
        try:
            reply = httpx.get(url, timeout=60)
            reply.raise_for_status()
            found = [bytes.fromhex(str(b)[2:]) for b in reply.json()["data"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise L2Error(
                f"the blobs of L1 block {block} cannot be read from the beacon API at {base}: {exc}",
                hint="set l2_beacon_url to the L1's consensus client (it keeps blobs ~18 days); anvil serves the "
                "beacon API on its RPC port",
            ) from None
        by_hash = {versioned_hash_of_blob(b): b for b in found}
        missing = [h for h in hashes if h not in by_hash]
        if missing:
            raise L2Error(
                f"the beacon API at {base} has no blob 0x{missing[0].hex()} for L1 block {block}",
                hint="the blobs may be pruned (after ~18 days) or the consensus client follows another chain",
            )
        return [by_hash[h] for h in hashes]

    def _beacon_block_id(self, block: int) -> str:
        with self.chain.mapped("reading the beacon block root of a blob batch"):
            w3 = self.chain.w3
            try:
                root = bytes(w3.eth.get_block(block + 1).get("parentBeaconBlockRoot") or b"")
            except BlockNotFound:
                root = b""
            if any(root):
                return "0x" + root.hex()
            return "0x" + bytes(w3.eth.get_block(block)["hash"]).hex()

    def deleted_events(self) -> list[dict[str, Any]]:
        """Every ``BatchesDeleted`` event (fraud proofs that succeeded): fromIndex, count, proposer, challenger,
        reward."""
        events = event_indexer(self.chain).events(self.rollup, "BatchesDeleted", from_block=self.from_block)
        return [{**dict(e["args"]), "tx_hash": "0x" + bytes(e["transactionHash"]).hex()} for e in events]

    # -- writes ---------------------------------------------------------------------------------------------------

    def ensure_bond(self, signer: Signer, amount: int) -> int:
        """Top the proposer's bond up to ``amount`` wei (the rollup's minimum at least); returns the bond."""
        minimum = max(amount, self.parameters()["min_bond"])
        bond = self.bond_of(signer.address)
        if bond < minimum:
            self.send_call(self.rollup.functions.depositBond(), signer, value=minimum - bond)
            bond = self.bond_of(signer.address)
        return bond

    def send_call(
        self,
        fn: Any,
        signer: Signer,
        *,
        value: int = 0,
        before_send: Callable[[int, bytes], None] | None = None,
        max_gas: int = 30_000_000,
    ) -> Receipt:
        """Estimate, sign (at the node's pending nonce: a node process's key sends only through here, so no nonce
        cache can go stale), hand the raw bytes to ``before_send`` (a write-ahead log), send, wait."""
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        return self._send_data(
            str(fn.address), data, fn.fn_name, signer, value=value, before_send=before_send, max_gas=max_gas
        )

    def _send_data(
        self,
        to: str,
        data: bytes,
        what: str,
        signer: Signer,
        *,
        value: int = 0,
        before_send: Callable[[int, bytes], None] | None = None,
        max_gas: int = 30_000_000,
    ) -> Receipt:
        chain = self.chain
        gas, nonce, fees = self._prepare(to, data, what, signer, value=value, max_gas=max_gas)
        unsigned = UnsignedTx(
            chain_id=chain.chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            gas=gas,
            to=bytes.fromhex(to[2:]),
            value=value,
            data=data,
        )
        signed = signer.sign_transaction(unsigned)
        remember_keccak(signed.raw, signed.hash)  # a type-2 transaction's hash is keccak(raw): the log's, the sender's
        if before_send is not None:
            before_send(nonce, signed.raw)
        return self.broadcast(signed.raw, signer.address, gas=gas, known_hash=signed.hash)

    def _prepare(
        self,
        to: str,
        data: bytes,
        what: str,
        signer: Signer,
        *,
        value: int = 0,
        blob_fields: dict[str, Any] | None = None,
        max_gas: int = 30_000_000,
    ) -> tuple[int, int, Any]:
        """``(gas limit, pending nonce, fees)`` of a transaction of ``signer`` to ``to``: the estimate with headroom.
        ``blob_fields``: the blob fields of a type-3 call (an RPC node only).

        A proposal after the first on an RPC node first tries a guessed limit (``_gas_guess``) in one ``eth_call``
        with that much gas: a call that succeeds shows the limit is enough, the same promise an estimate gives for
        the same block, for one run of the transaction instead of the estimate's binary search (anvil runs a
        12M-gas proposal ~7 times: 70% of its CPU in the benchmark). A call that fails in any way (out of gas, over
        a node's cap, a revert) falls back to the estimate, which raises a revert as it always did."""
        chain = self.chain
        backend = chain.backend
        with chain.mapped(f"estimating the gas of {what}", address=to):
            if isinstance(backend, RpcBackend):  # plain JSON-RPC: web3's formatters walk every byte of big calldata
                call = {"from": signer.address, "to": to, "data": RawHex(data), "value": hex(value)}
                call.update(blob_fields or {})
                guess = self._gas_guess(data) if to == self.address else None
                gas = 0
                if guess is not None and guess <= max_gas:
                    try:
                        backend.client.call("eth_call", {**call, "gas": hex(guess)}, "latest")
                        gas = guess
                    except (RpcError, ChainError) as exc:
                        _log.debug("%s: %d gas is not enough or the call failed (%s): estimating", what, guess, exc)
                if not gas:
                    gas = int(backend.client.call("eth_estimateGas", call), 16) * _GAS_NUM // _GAS_DEN + _GAS_EXTRA
                nonce = int(backend.client.call("eth_getTransactionCount", signer.address, "pending"), 16)
            else:
                tx = {"from": signer.address, "to": to, "data": data, "value": value}
                gas = int(chain.w3.eth.estimate_gas(tx)) * _GAS_NUM // _GAS_DEN + _GAS_EXTRA  # type: ignore[arg-type]
                nonce = int(chain.w3.eth.get_transaction_count(signer.address, "pending"))  # type: ignore[arg-type]
            fees = chain.fees.fees(chain.w3)
        return min(gas, max_gas), nonce, fees

    def propose(
        self,
        batch: Batch,
        signer: Signer,
        *,
        before_send: Callable[[int, bytes], None],
        roots: list[bytes] | None = None,
        prev_root: bytes | None = None,
        kzg: Executor | None = None,
    ) -> Receipt:
        """Sign ``proposeBatch`` for ``batch`` (``roots`` overrides its roots: the test-only wrong-root switch;
        ``prev_root`` its ``prev_root``: the batch after such a one), call ``before_send(nonce, raw)`` (the
        write-ahead log), send the raw bytes and wait for the receipt. The batch carries the head root it was built
        on: L1 refuses it (``RollupWrongHead``, at the gas estimate already) when its head is another one, so a
        proposal can never land on a head it was not computed for."""
        ops, ends, batch_roots, queue_end, batch_prev = batch.propose_args()
        selector = PROPOSE_BLOB_SELECTOR if batch.blobs else PROPOSE_SELECTOR
        data = propose_calldata(ops, ends, roots or batch_roots, queue_end, prev_root or batch_prev, selector)
        if batch.blobs:
            receipt = self._send_blobs(data, batch, signer, before_send=before_send, kzg=kzg)
        else:
            receipt = self._send_data(self.address, data, "proposeBatch", signer, before_send=before_send)
        self._gas_used[selector] = (len(data), receipt.gas_used)
        return receipt

    def _gas_guess(self, data: bytes) -> int | None:
        """A gas limit for a proposal of ``data`` from the last one of its kind: its gas used, scaled up to the
        larger calldata and x 5/4 (the fixed part of a proposal's gas only makes it more generous); None before
        the first."""
        seen = self._gas_used.get(data[:4])
        if seen is None:
            return None
        size, used = seen
        return used * max(len(data), size) * _GUESS_NUM // (_GUESS_DEN * max(size, 1)) + _GAS_EXTRA

    def blob_wrapper(self) -> WrapperKind:
        """The network form of blob transactions this L1 takes: ``"cell"`` (EIP-7594 cell proofs, Osaka and later,
        anvil's default) or ``"blob"`` (EIP-4844 blob proofs, Cancun and Prague), from anvil's ``hardFork``; other
        nodes are taken to run Osaka or later (Ethereum mainnet since December 2025)."""
        from ._blobs import wrapper_for_hardfork

        if self._wrapper is None:
            backend = self.chain.backend
            if not isinstance(backend, RpcBackend):
                raise L2Error(
                    "blob batches need an L1 node that takes blob transactions",
                    hint="run the sequencer against anvil or an Ethereum node, or post calldata batches "
                    "(l2_data_availability: calldata)",
                )
            try:
                info = backend.client.call("anvil_nodeInfo")
                self._wrapper = wrapper_for_hardfork(str(info.get("hardFork", "osaka")))
            except (RpcError, ChainError):
                self._wrapper = "cell"
        return self._wrapper

    def _send_blobs(
        self,
        data: bytes,
        batch: Batch,
        signer: Signer,
        *,
        before_send: Callable[[int, bytes], None],
        kzg: Executor | None,
    ) -> Receipt:
        """Sign and send ``proposeBlobBatch`` with the batch's signatures in blobs; their KZG work (~0.1–0.25 s a
        blob) runs in ``kzg`` when given (ckzg holds the GIL), else here."""
        from ._blobs import blob_kzg, build_blob_transaction, pack_signatures, versioned_hash

        wrapper = self.blob_wrapper()
        blobs = pack_signatures(batch.signatures)
        wrappers = [wrapper] * len(blobs)
        proofs = list(kzg.map(blob_kzg, blobs, wrappers) if kzg is not None else map(blob_kzg, blobs, wrappers))
        hashes = ["0x" + versioned_hash(k.commitment).hex() for k in proofs]
        chain = self.chain
        max_blob_fee = 2 * self._blob_base_fee() + 1
        blob_fields = {"blobVersionedHashes": hashes, "maxFeePerBlobGas": hex(max_blob_fee)}
        gas, nonce, fees = self._prepare(self.address, data, "proposeBlobBatch", signer, blob_fields=blob_fields)
        tx = build_blob_transaction(
            chain_id=chain.chain_id,
            nonce=nonce,
            to=self.address,
            data=data,
            gas=gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            max_fee_per_blob_gas=max_blob_fee,
            blobs=blobs,
            signer=signer,
            wrapper=wrapper,
            kzg=proofs,
        )
        before_send(nonce, tx.raw)
        return self.broadcast(tx.raw, signer.address, gas=gas)

    def simulate(self, raw: bytes, sender: str) -> Exception | None:
        """Run signed ``raw`` bytes (a type-2 transaction) as a call on the latest block: None when it would
        succeed, else the decoded revert (e.g. ``RollupWrongHead`` for a proposal whose head is gone)."""
        import rlp

        if raw[:1] not in (b"\x02", b"\x03"):
            raise L2Error("only type-2 and type-3 transactions can be simulated", hint="sign with RollupL1.propose")
        fields = rlp.decode(raw[1:])
        if raw[:1] == b"\x03" and isinstance(fields[0], list):
            fields = fields[0]  # the network wrapper: the transaction is its first item
        to, value, data = bytes(fields[5]), int.from_bytes(bytes(fields[6]), "big"), bytes(fields[7])
        call: dict[str, Any] = {
            "from": to_checksum_address(sender),
            "to": to_checksum_address(to),
            "data": data,
            "value": value,
        }
        try:
            with self.chain.mapped("simulating a logged proposal", address=self.address):
                if raw[:1] == b"\x03":  # web3's call formatters do not take the blob fields: plain JSON-RPC
                    call.update(
                        data="0x" + data.hex(),
                        value=hex(value),
                        blobVersionedHashes=["0x" + bytes(h).hex() for h in fields[10]],
                        maxFeePerBlobGas=hex(int.from_bytes(bytes(fields[9]), "big")),
                    )
                    self.chain.backend.client.call("eth_call", call, "latest")  # type: ignore[attr-defined]
                else:
                    self.chain.w3.eth.call(call)  # type: ignore[arg-type]
        except TransactionError as exc:
            return exc
        return None

    def broadcast(
        self,
        raw: bytes,
        sender: str,
        *,
        gas: int = 0,
        timeout: float | None = None,
        known_hash: bytes | None = None,
    ) -> Receipt:
        """Send signed ``raw`` bytes (again: a node that has them answers "already known") and wait for the
        receipt; reverts raise the decoded custom error. ``known_hash``: the transaction hash when the caller
        signed it (hashing a proposal's hundreds of kB again costs ~1 ms)."""
        tx_hash = "0x" + (known_hash or transaction_hash(raw)).hex()
        sent_at = time.monotonic()
        with self.chain.mapped("sending a batch proposal", address=self.address):
            (result,) = self.chain.backend.send_raw_batch([raw])
        if isinstance(result, BaseException):
            message = str(result.message if isinstance(result, RpcError) else result)
            low = message.lower()
            if "already known" not in low and "known transaction" not in low:
                raise TransactionError(f"the node refused the batch proposal: {message}", tx_hash=tx_hash)
        from ..chain import SignedTx

        signed = SignedTx(raw=raw, hash=bytes.fromhex(tx_hash[2:]), nonce=0, gas=gas)
        pending = PendingTx(tx_hash, sender, TxRequest(to=self.address, data=b"", gas=gas), signed, sent_at, gas)
        return self.chain.wait(pending, timeout=timeout)

    def cancel(self, nonce: int, signer: Signer, stale_raw: bytes) -> Receipt:
        """Use up ``nonce`` with an empty transaction to ``signer`` itself, so that ``stale_raw`` (a logged proposal
        that must never land) cannot: at twice its fees and the current ones. A blob transaction when the stale one
        carries blobs (one zero blob): a node's blob pool replaces a pending blob transaction only by another blob
        transaction paying twice its fees, and refuses a plain one for that sender meanwhile (geth)."""
        import rlp

        chain = self.chain
        fees = chain.fees.fees(chain.w3)
        fields = rlp.decode(stale_raw[1:])
        if stale_raw[:1] == b"\x03" and isinstance(fields[0], list):
            fields = fields[0]  # the network wrapper
        stale = [int.from_bytes(bytes(fields[i]), "big") for i in (2, 3)]
        tx = UnsignedTx(
            chain_id=chain.chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=2 * max(fees.max_priority_fee_per_gas, stale[0]) + 1,
            max_fee_per_gas=2 * max(fees.max_fee_per_gas, stale[1]) + 1,
            gas=21_000,
            to=bytes.fromhex(signer.address[2:]),
            value=0,
            data=b"",
        )
        if stale_raw[:1] != b"\x03":
            return self.broadcast(signer.sign_transaction(tx).raw, signer.address, gas=21_000)
        from ._blobs import BLOB_BYTES, build_blob_transaction

        blob = build_blob_transaction(
            chain_id=tx.chain_id,
            nonce=nonce,
            to=signer.address,
            data=b"",
            gas=tx.gas,
            max_fee_per_gas=tx.max_fee_per_gas,
            max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
            max_fee_per_blob_gas=2 * max(self._blob_base_fee(), int.from_bytes(bytes(fields[9]), "big")) + 1,
            blobs=[bytes(BLOB_BYTES)],
            signer=signer,
            wrapper=self.blob_wrapper(),
        )
        return self.broadcast(blob.raw, signer.address, gas=tx.gas)

    def _blob_base_fee(self) -> int:
        """The L1's current blob base fee (wei per blob gas)."""
        with self.chain.mapped("reading the blob base fee", address=self.address):
            return int(self.chain.backend.client.call("eth_blobBaseFee"), 16)  # type: ignore[attr-defined]

    def transaction_count(self, address: str, block: str = "latest") -> int:
        """The account's nonce at ``block``."""
        with self.chain.mapped("reading a nonce"):
            return int(self.chain.w3.eth.get_transaction_count(to_checksum_address(address), block))  # type: ignore[arg-type]

    def receipt_status(self, tx_hash: str) -> int | None:
        """1 / 0 for a mined transaction, None when it is not mined."""
        try:
            (raw,) = self.chain.backend.get_receipts([tx_hash])
        except ChainError:
            return None
        if raw is None:
            return None
        status = raw["status"]
        return int(status, 16) if isinstance(status, str) else int(status)

    def header_matches(self, index: int, header: StateHeader) -> bool:
        """Whether ``header`` hashes to batch ``index``'s post root."""
        return bool(header.root == _b(self.chain.call(self.rollup.functions.stateRoot(index))))

    # -- fast finality by proof-of-stake checkpoint (domain "l2") --------------------------------------------------

    def checkpointed_batch(self) -> tuple[int, bool] | None:
        """The latest final checkpoint of domain ``"l2"`` on the rollup's CheckpointVerifier, as ``(batch index,
        whether it finalizes the batch now live at that index)``; None when the rollup has no verifier or no ``l2``
        checkpoint is final yet (the verifier's ``latestHeight`` is 0 then too: ``checkpointCount`` tells)."""
        f = self.rollup.functions
        address = str(self.chain.call(f.checkpointVerifier()))
        if int(address, 16) == 0:
            return None
        verifier = self.chain.contract("CheckpointVerifier", address)
        domain = _b(self.chain.call(f.L2_DOMAIN()))
        if not int(self.chain.call(verifier.functions.checkpointCount(domain))):
            return None
        height = int(self.chain.call(verifier.functions.latestHeight(domain)))
        if height >= self.batch_count():
            return height, False
        root = _b(self.chain.call(f.stateRoot(height)))
        return height, bool(self.chain.call(verifier.functions.isFinal(domain, height, root)))

    def confirmed_count(self) -> int:
        """The highest batch index + 1 made final by a checkpoint (0: none)."""
        return int(self.chain.call(self.rollup.functions.confirmedCount()))

    def confirm_by_checkpoint(self, index: int, signer: Signer) -> Receipt:
        """Send ``confirmByCheckpoint(index)``: batch ``index`` and every earlier one become final now, when the
        checkpoint ``("l2", index, postRoot)`` is final (else the rollup refuses: ``RollupNotCheckpointed``)."""
        return self.send_call(self.rollup.functions.confirmByCheckpoint(index), signer)


#: ``proposeBatch(bytes,uint32[],bytes32[],uint64,bytes32)``
PROPOSE_SELECTOR = bytes.fromhex("d1ffb8d8")
#: ``proposeBlobBatch(bytes,uint32[],bytes32[],uint64,bytes32)``
PROPOSE_BLOB_SELECTOR = keccak(b"proposeBlobBatch(bytes,uint32[],bytes32[],uint64,bytes32)")[:4]


def transaction_hash(raw: bytes) -> bytes:
    """The hash nodes report for signed ``raw`` bytes: ``keccak256(raw)``, except for a blob transaction in its
    network wrapper, whose hash is that of ``0x03 ‖ rlp(transaction)`` without the blobs."""
    if raw[:1] == b"\x03":
        import rlp

        fields = rlp.decode(raw[1:])
        if isinstance(fields[0], list):
            return bytes(keccak(b"\x03" + rlp.encode(fields[0])))
    return keccak_big(raw)


def propose_calldata(
    ops: bytes,
    ends: Sequence[int],
    roots: Sequence[bytes],
    queue_end: int,
    prev_root: bytes,
    selector: bytes = PROPOSE_SELECTOR,
) -> bytes:
    """The ABI calldata of ``proposeBatch(ops, ends, roots, queueEnd, prevRoot)``, built directly: web3's encoder
    walks every argument through its formatters (tens of ms of the poster's GIL time per 4,096-op batch, which the
    sequencer's loop waited for)."""
    if len(prev_root) != 32 or any(len(r) != 32 for r in roots):
        raise L2Error("batch roots must be 32 bytes each", hint="build batches with BatchBuilder")
    padded = len(ops) + (-len(ops) % 32)
    ends_at = 160 + 32 + padded
    roots_at = ends_at + 32 + 32 * len(ends)
    return b"".join(
        [
            selector,
            (160).to_bytes(32, "big"),
            ends_at.to_bytes(32, "big"),
            roots_at.to_bytes(32, "big"),
            queue_end.to_bytes(32, "big"),
            prev_root,
            len(ops).to_bytes(32, "big"),
            ops,
            bytes(padded - len(ops)),
            len(ends).to_bytes(32, "big"),
            *(e.to_bytes(32, "big") for e in ends),
            len(roots).to_bytes(32, "big"),
            *roots,
        ]
    )


def _split(ops: bytes, ends: tuple[int, ...]) -> list[bytes]:
    out, start = [], 0
    for end in ends:
        out.append(ops[start:end])
        start = end
    return out
