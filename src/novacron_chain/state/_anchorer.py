"""Anchoring: a batch of taken records becomes blocks and a batch directory in IPFS, then one root on chain.

::

    prepare(items)         Merkle tree, manifest + batch directory (pinned); the index keeps the batch as *intended*
                           with every record's proof. Embedded store: records, manifest and directory as one pack
                           (one write, one fsync) and the pin, by a helper thread while the index rows are made
    upload(items)          (other stores) record blocks into the content store: one put_blocks, by a helper thread
                           while prepare makes and stores the manifest and directory
    submit(batch)          hands the intended batch to the sender thread, which anchors it while the batcher stores
                           the next batch (at most ``max_in_flight`` wait: submit blocks beyond, so memory is bounded)
    send(batch)            StateAnchor.anchor(root, count, manifest CID); the index marks the batch *anchored*
                           (batch id, block, tx, time) and the journal releases its segments
    confirm(batch)         a root already on chain (a resend after a crash) is marked anchored, not sent twice

A batch is in the index as intended before it is submitted, so a crash (or a chain error) with batches in flight
loses nothing: :meth:`Anchorer.reconcile` (run on the next start, and after a sender error) waits for the sender,
then confirms or sends every intended batch. The contract refuses a root twice (``StateAnchorRootExists``), so
resending an intended batch is always safe. One thread sends at a time: the sender, or the reconcile once the sender
is idle.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from ..chain import event_indexer
from ..errors import ContractCustomError
from ..storage import ContentNotFoundError, ContentStore, EmbeddedStore
from ._batchdag import BatchEntry, batch_blocks, write_batch
from ._errors import StateError
from ._hashing import cid_strings, hex0x, keccak
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
    of anchored records are released. Record blocks go to the store with one ``put_blocks`` per batch
    (``upload_workers`` is kept for compatibility); a sender thread anchors up to ``max_in_flight`` submitted
    batches while the next one is stored."""

    def __init__(
        self,
        chain: Chain,
        contract: Contract,
        store: ContentStore,
        index: StateIndex,
        journal: Journal,
        *,
        upload_workers: int,
        max_in_flight: int = 2,
    ) -> None:
        self.chain = chain
        self.contract = contract
        self.store = store
        self.upload_workers = upload_workers
        self.uploaded_upto = 0
        """The highest seq up to which every record's block is written."""
        self._index = index
        self._journal = journal
        self._io: ThreadPoolExecutor | None = None
        self._queue: queue.Queue[tuple[BatchRow, bool] | None] = queue.Queue(maxsize=max_in_flight)
        self._sender: threading.Thread | None = None
        self._idle = threading.Condition()
        self._outstanding = 0  # submitted and not finished
        self._results: list[BatchResult] = []
        self._error: BaseException | None = None

    def upload(self, items: Sequence[Pending], *, cids: Sequence[str] | None = None) -> None:
        """Write the records' blocks (in seq order; ``cids``: their CIDs, when known) to the content store in one
        ``put_blocks`` (idempotent)."""
        start = next((i for i, p in enumerate(items) if p.seq > self.uploaded_upto), len(items))
        todo = items[start:]
        if not todo:
            return
        expected = cids[start:] if cids is not None else [p.cid for p in todo]
        stored = self.store.put_blocks([p.data for p in todo], codec="raw", cid_version=1)
        for p, cid, want in zip(todo, stored, expected, strict=True):
            if cid != want:  # the store's own CID, checked against ours
                raise StateError(
                    f"the content store stored record {p.seq} as {cid}, but its CID is {want}",
                    hint="the store does not hash like IPFS (sha2-256, CIDv1 raw); use a Kubo node or the embedded "
                    "store",
                )
        self.uploaded_upto = max(self.uploaded_upto, todo[-1].seq)

    def prepare(self, items: Sequence[Pending]) -> BatchRow:
        """Store ``items`` and their batch directory, and write the batch to the index as intended (with every
        record's proof); the batch as the index holds it, ready for :meth:`send`.

        With the embedded store, the records, the manifest and the directory go to the store as one pack and the
        directory is pinned (:meth:`EmbeddedStore.put_dag`), by a helper thread while the index rows are made;
        with another store, the records' blocks are written by the helper thread while the manifest and the
        directory are made and stored, and the directory is pinned once both are done."""
        seqs, vm_ids, cid_bytes, leaves, datas, _since = zip(*items, strict=True)  # the batch's columns
        cids = cid_strings(cid_bytes)
        entries = list(map(BatchEntry, cids, cid_bytes, map(len, datas), leaves, vm_ids))
        tree = MerkleTree(leaves)
        root = tree.root
        if self._io is None:
            self._io = ThreadPoolExecutor(1, thread_name_prefix="novacron-state-store")
        if isinstance(self.store, EmbeddedStore):
            top, dag = batch_blocks(root, entries)
            blocks = list(zip(cid_bytes, datas, strict=True))
            blocks += dag
            stored = self._io.submit(self.store.put_dag, blocks, top)
            try:
                rows = list(zip(seqs, vm_ids, cids, leaves, range(len(items)), tree.proofs(), datas, strict=True))
                from_block = self.chain.block_number()
            finally:
                manifest_cid = stored.result()
            self.uploaded_upto = max(self.uploaded_upto, items[-1].seq)
        else:
            manifest_cid = self._store_apart(items, cids, entries, root)
            rows = list(zip(seqs, vm_ids, cids, leaves, range(len(items)), tree.proofs(), datas, strict=True))
            from_block = self.chain.block_number()
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

    def _store_apart(
        self, items: Sequence[Pending], cids: Sequence[str], entries: Sequence[BatchEntry], root: bytes
    ) -> str:
        # the records' blocks are written by a helper thread while the manifest and the directory are made and
        # stored here; the directory is pinned once both are done
        assert self._io is not None
        stored = self._io.submit(self.upload, items, cids=cids)
        try:
            manifest_cid = write_batch(self.store, root, entries, pin=False)
        finally:
            stored.result()
        try:
            self.store.pin(manifest_cid)
        except ContentNotFoundError:
            # a block written ahead was collected (gc) before the batch pinned it: write the batch's blocks again
            self.uploaded_upto = min(self.uploaded_upto, items[0].seq - 1)
            self.upload(items, cids=cids)
            manifest_cid = write_batch(self.store, root, entries)
        return manifest_cid

    # -- the sender thread: anchoring batch N while batch N+1 is stored ------------------------------------------

    @property
    def failed(self) -> bool:
        """Whether the sender failed a batch since the last :meth:`reconcile` or :meth:`drain` (the batch and those
        queued after it stay intended in the index)."""
        return self._error is not None

    def submit(self, batch: BatchRow, *, keep: bool = False) -> None:
        """Queue an intended batch for the sender thread; blocks while ``max_in_flight`` batches wait. ``keep``:
        keep its :class:`BatchResult` for :meth:`drain`."""
        if self._sender is None or not self._sender.is_alive():
            self._sender = threading.Thread(target=self._send_loop, name="novacron-state-sender", daemon=True)
            self._sender.start()
        with self._idle:
            self._outstanding += 1
        self._queue.put((batch, keep))

    def _send_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch, keep = item
            try:
                if self._error is None:  # after a failure the rest stay intended: reconcile sends them in order
                    result = self.send(batch)
                    if keep:
                        self._results.append(result)
            except BaseException as exc:  # reported by drain / seen through failed; the batch stays intended
                _log.warning("anchoring batch of seq %d-%d failed: %s", batch.first_seq, batch.last_seq, exc)
                self._error = exc
            finally:
                with self._idle:
                    self._outstanding -= 1
                    self._idle.notify_all()

    def _wait_idle(self) -> None:
        with self._idle:
            while self._outstanding:
                self._idle.wait()

    def drain(self) -> list[BatchResult]:
        """Wait until every submitted batch is anchored (or failed); the kept results. A sender error is raised
        (its batch and the ones after it stay intended, for :meth:`reconcile`)."""
        self._wait_idle()
        results, self._results = self._results, []
        error, self._error = self._error, None
        if error is not None:
            raise error
        return results

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
        """Wait for the sender, then finish every intended batch: confirm it when its root is on chain, else send
        it."""
        self._wait_idle()
        self._results.clear()
        self._error = None  # the failed batches are intended in the index: sent here
        return [self.confirm(batch) or self.send(batch) for batch in self._index.batches(status="intended")]

    def close(self) -> None:
        """Let the sender finish what was submitted (a batch it cannot send stays intended), then stop it."""
        sender, self._sender = self._sender, None
        if sender is not None and sender.is_alive():
            self._queue.put(None)
            sender.join()
        if self._io is not None:
            self._io.shutdown()
            self._io = None
