"""Anchoring: a batch of taken records becomes blocks and a batch directory in IPFS, then one root on chain.

::

    upload(items)          record blocks into the content store (in parallel, ahead of time by the batcher)
    prepare(items)         Merkle tree, manifest + batch directory (pinned); the index keeps the batch as *intended*
                           with every record's proof
    send(batch)            StateAnchor.anchor(root, count, manifest CID); the index marks the batch *anchored*
                           (batch id, block, tx, time) and the journal releases its segments
    confirm(batch)         a root already on chain (a resend after a crash) is marked anchored, not sent twice

The contract refuses a root twice (``StateAnchorRootExists``), so resending an intended batch is always safe.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ..chain import event_indexer
from ..errors import ContractCustomError
from ..storage import ContentNotFoundError, ContentStore
from ._batchdag import BatchEntry, write_batch
from ._errors import StateError
from ._hashing import hex0x, keccak
from ._index import BatchRow, StateIndex
from ._journal import Journal
from ._merkle import MerkleTree
from ._types import BatchResult, Pending

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.types import LogReceipt

    from ..chain import Chain, Receipt

__all__ = ["BATCH_ANCHORED_TOPIC", "Anchorer", "batch_anchored_logs"]

_log = logging.getLogger("novacron_chain.state")

BATCH_ANCHORED_TOPIC = keccak(b"BatchAnchored(uint256,bytes32,uint32,string)")
"""topic0 of ``StateAnchor.BatchAnchored``."""


def batch_anchored_logs(chain: Chain, contract: Contract, batch_id: int, *, from_block: int) -> list[LogReceipt]:
    """The ``BatchAnchored`` events of batch ``batch_id`` (one, or none when the node pruned its logs).

    Read through the chain's event indexer: the anchor's whole ``BatchAnchored`` stream is cached (paged, rolled
    back on a reorg), so auditing many batches reads each block once."""
    return event_indexer(chain).logs(  # type: ignore[return-value]  # web3's log form, as get_logs returns it
        str(contract.address), BATCH_ANCHORED_TOPIC, from_block=from_block, topics=[batch_id.to_bytes(32, "big")]
    )


class Anchorer:
    """Anchors batches on ``contract`` (a ``StateAnchor``) with ``chain``'s signer, keeping ``index`` and
    ``journal`` in step: a batch is written to the index as intended before it is sent, and the journal segments
    of anchored records are released. ``upload_workers`` threads write record blocks."""

    def __init__(
        self,
        chain: Chain,
        contract: Contract,
        store: ContentStore,
        index: StateIndex,
        journal: Journal,
        *,
        upload_workers: int,
    ) -> None:
        self.chain = chain
        self.contract = contract
        self.store = store
        self.upload_workers = upload_workers
        self.uploaded_upto = 0
        """The highest seq up to which every record's block is written."""
        self._index = index
        self._journal = journal
        self._pool: ThreadPoolExecutor | None = None

    def upload(self, items: Sequence[Pending]) -> None:
        """Write the records' blocks to the content store (idempotent), in seq order of completion."""
        todo = [p for p in items if p.seq > self.uploaded_upto]
        if not todo:
            return

        def put(p: Pending) -> None:
            stored = self.store.put_block(p.data, codec="raw", cid_version=1)
            if stored != p.cid:  # the store's own CID, checked against ours
                raise StateError(
                    f"the content store stored record {p.seq} as {stored}, but its CID is {p.cid}",
                    hint="the store does not hash like IPFS (sha2-256, CIDv1 raw); use a Kubo node or the embedded "
                    "store",
                )

        if len(todo) == 1 or self.upload_workers == 1:
            for p in todo:
                put(p)
        else:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.upload_workers, thread_name_prefix="novacron-state-upload")
            list(self._pool.map(put, todo))
        self.uploaded_upto = max(self.uploaded_upto, todo[-1].seq)

    def prepare(self, items: Sequence[Pending]) -> BatchRow:
        """Store ``items`` and their batch directory, and write the batch to the index as intended (with every
        record's proof); the batch as the index holds it, ready for :meth:`send`."""
        self.upload(items)
        tree = MerkleTree([p.leaf for p in items])
        root = tree.root
        entries = [BatchEntry(p.cid, p.cid_bytes, len(p.data), p.leaf, p.vm_id) for p in items]
        try:
            manifest_cid = write_batch(self.store, root, entries)
        except ContentNotFoundError:
            # a block written ahead was collected (gc) before the batch pinned it: write the batch's blocks again
            self.uploaded_upto = min(self.uploaded_upto, items[0].seq - 1)
            self.upload(items)
            manifest_cid = write_batch(self.store, root, entries)
        from_block = self.chain.block_number()
        rows = [
            (p.seq, p.vm_id, entry.cid, p.leaf, i, b"".join(tree.proof(i)), p.data)
            for i, (p, entry) in enumerate(zip(items, entries, strict=True))
        ]
        local = self._index.add_intended(
            first_seq=items[0].seq,
            last_seq=items[-1].seq,
            root=root,
            manifest_cid=manifest_cid,
            from_block=from_block,
            records=rows,
        )
        batch = self._index.batch(local)
        assert batch is not None
        return batch

    def send(self, batch: BatchRow) -> BatchResult:
        """Anchor an intended batch; a root already on chain (a resend after a crash) is confirmed instead."""
        fn = self.contract.functions.anchor(batch.root, batch.leaf_count, batch.manifest_cid)
        _log.info(
            "anchoring %d records (seq %d-%d), root %s",
            batch.leaf_count,
            batch.first_seq,
            batch.last_seq,
            hex0x(batch.root),
        )
        try:
            receipt = self.chain.transact(fn)
        except ContractCustomError as exc:
            if exc.error_name != "StateAnchorRootExists":
                raise
            found = self.confirm(batch)
            if found is None:  # cannot happen: the contract just said the root is there
                raise
            return found
        batch_id = self._batch_id_from(receipt)
        _id, anchored_at, _count = self.chain.call(self.contract.functions.batchOf(batch.root))
        self._index.mark_anchored(
            batch.id,
            chain_batch_id=batch_id,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            anchored_at=int(anchored_at),
            gas_used=receipt.gas_used,
        )
        self._journal.release(self._index.anchored_upto())
        return BatchResult(
            batch_id=batch_id,
            root=hex0x(batch.root),
            leaf_count=batch.leaf_count,
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            manifest_cid=batch.manifest_cid,
            tx_hash=receipt.tx_hash,
            block=receipt.block_number,
            anchored_at=int(anchored_at),
            gas_used=receipt.gas_used,
        )

    def _batch_id_from(self, receipt: Receipt) -> int:
        address = str(self.contract.address).lower()
        for log in receipt.raw["logs"]:
            topics = log["topics"]
            if str(log["address"]).lower() == address and topics and bytes(topics[0]) == BATCH_ANCHORED_TOPIC:
                return int.from_bytes(bytes(topics[1]), "big")
        raise StateError(
            f"the anchoring transaction {receipt.tx_hash} emitted no BatchAnchored event",
            hint="is the anchor address a StateAnchor?",
        )

    def confirm(self, batch: BatchRow) -> BatchResult | None:
        """If ``batch``'s root is on chain, mark it anchored (with the event's tx and block) and return it."""
        batch_id, anchored_at, _count = self.chain.call(self.contract.functions.batchOf(batch.root))
        if batch_id == 0:
            return None
        tx_hash: str | None = None
        block: int | None = None
        logs = batch_anchored_logs(self.chain, self.contract, int(batch_id), from_block=batch.from_block)
        if logs:
            tx_hash = hex0x(bytes(logs[0]["transactionHash"]))
            block = int(logs[0]["blockNumber"])
        else:
            _log.warning("batch %d is on chain but its BatchAnchored event was not found (pruned logs?)", batch_id)
        self._index.mark_anchored(
            batch.id,
            chain_batch_id=int(batch_id),
            tx_hash=tx_hash,
            block=block,
            anchored_at=int(anchored_at),
            gas_used=None,
        )
        self._journal.release(self._index.anchored_upto())
        _log.info("batch %d (root %s) was already on chain: confirmed", batch_id, hex0x(batch.root))
        return BatchResult(
            batch_id=int(batch_id),
            root=hex0x(batch.root),
            leaf_count=batch.leaf_count,
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            manifest_cid=batch.manifest_cid,
            tx_hash=tx_hash,
            block=block,
            anchored_at=int(anchored_at),
            gas_used=None,
            recovered=True,
        )

    def recheck(self, depth: int) -> int:
        """Look again at the batches anchored in the last ``depth`` blocks: one whose root is no longer on chain
        (a reorg dropped its anchoring transaction) goes back to intended, for :meth:`reconcile` to anchor again
        under the same local batch (its records appear once in the audit trail); one the chain re-included
        elsewhere (another batch id or time) gets its new block and transaction. Returns how many went back."""
        head = self.chain.block_number()
        recent = self._index.anchored_since(head - depth)
        if not recent:
            return 0
        found = self.chain.call_many([self.contract.functions.batchOf(b.root) for b in recent])
        dropped = 0
        for batch, (batch_id, anchored_at, _count) in zip(recent, found, strict=True):
            if int(batch_id) == 0:
                _log.warning(
                    "batch %s (root %s, block %s) is no longer on chain (a reorg?): anchoring it again",
                    batch.chain_batch_id,
                    hex0x(batch.root),
                    batch.block,
                )
                self._index.mark_unanchored(batch.id)
                dropped += 1
            elif (int(batch_id), int(anchored_at)) != (batch.chain_batch_id, batch.anchored_at):
                self.confirm(batch)  # re-included by the chain in another block: take its new place
        return dropped

    def reconcile(self) -> list[BatchResult]:
        """Finish every intended batch: confirm it when its root is on chain, else send it."""
        return [self.confirm(batch) or self.send(batch) for batch in self._index.batches(status="intended")]

    def close(self) -> None:
        """Stop the upload threads."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
