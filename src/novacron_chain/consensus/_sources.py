"""Where a validator finds the roots it signs, and how it checks each one from public data before signing.

A :class:`RootSource` watches one checkpoint domain: :meth:`~RootSource.poll` returns the roots that appeared on
chain since the last call, :meth:`~RootSource.check` recomputes or checks one of them from public data and says
whether a validator may sign it. Sources never sign and never write: they read the chain and a content store.

:class:`StateAnchorSource` is the VM state domain (``"state"``): each ``StateAnchor.BatchAnchored(batchId, root,
leafCount, manifestCid)`` event is a candidate checkpoint ``("state", batchId, root)``. The check fetches the batch
directory named by the event from the content store (IPFS), reads its manifest, rebuilds the Merkle tree from the
manifest's leaves and compares that root with the anchored one, and (by default) fetches every record and checks
that it hashes to its leaf. A root that does not match is refused for good; content not reachable yet is retried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from ..chain import event_indexer
from ..errors import NovaChainError, StorageError
from ..state import MerkleTree, StateError, leaf_hash, read_manifest
from ..storage import ContentNotFoundError, CorruptBlockError, IpfsApiError
from ._bls import domain_id

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ..storage import ContentStore

__all__ = ["BATCH_ANCHORED_TOPIC", "RootCandidate", "RootCheck", "RootSource", "StateAnchorSource"]

_log = logging.getLogger("novacron_chain.consensus.validator")

#: topic0 of ``StateAnchor.BatchAnchored(uint256 indexed batchId, bytes32 indexed root, uint32 leafCount,
#: string manifestCid)``
BATCH_ANCHORED_TOPIC = keccak(b"BatchAnchored(uint256,bytes32,uint32,string)")
_MAX_LOG_RANGE = 5_000  # blocks per eth_getLogs request: public RPCs refuse wide ranges


@dataclass(frozen=True)
class RootCandidate:
    """A root that appeared on chain and may become checkpoint ``(domain, height, root)``.

    ``available_at`` is the unix time (wall clock) the source first saw it: the start of the finality measurement.
    ``reference`` is what the check reads (for the state domain, the batch directory's CID); ``block`` the block
    the root appeared in.
    """

    domain: bytes
    height: int
    root: bytes
    available_at: float
    reference: str
    block: int

    @property
    def label(self) -> str:
        """``state#7``-style name for logs."""
        from ._domains import domain_label

        return f"{domain_label(self.domain)}#{self.height}"


@dataclass(frozen=True)
class RootCheck:
    """The verdict on a candidate: ``ok`` (sign it), else ``reason``; ``retry`` when the data was not reachable
    (check again later) rather than wrong (never sign)."""

    ok: bool
    reason: str
    retry: bool = False


class RootSource(Protocol):
    """One checkpoint domain a validator serves: new roots from the chain, each checked from public data."""

    @property
    def domain(self) -> bytes:
        """The bytes32 domain id."""
        ...

    def poll(self) -> list[RootCandidate]:
        """The roots that appeared since the last call (in height order)."""
        ...

    def check(self, candidate: RootCandidate) -> RootCheck:
        """Whether ``candidate`` is right, recomputed from public data."""
        ...


class StateAnchorSource:
    """The ``"state"`` domain: batch roots anchored on ``anchor`` (a ``StateAnchor``), checked against their
    manifests in ``store``.

    ``from_block``: where to start reading ``BatchAnchored`` events (the anchor's deployment block).
    ``check_records``: also fetch every record of a batch and check it hashes to its leaf (else only the
    manifest's leaves are rebuilt into the root). ``clock``: wall-clock seconds, injectable for tests.
    """

    def __init__(
        self,
        chain: Chain,
        anchor: Contract,
        store: ContentStore,
        *,
        from_block: int = 0,
        check_records: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chain = chain
        self.anchor = anchor
        self.store = store
        self.check_records = check_records
        self._next_block = max(0, from_block)
        self._clock = clock
        self._domain = domain_id("state")

    @property
    def domain(self) -> bytes:
        """``keccak256("state")``."""
        return self._domain

    def poll(self) -> list[RootCandidate]:
        """``BatchAnchored`` events from the last block read to the latest, as candidates ``(state, batchId,
        root)``."""
        latest = self.chain.block_number()
        out: list[RootCandidate] = []
        while self._next_block <= latest:
            # the indexer pages further to the endpoint's limits; the cursor here only bounds one poll's work
            to_block = min(latest, self._next_block + _MAX_LOG_RANGE - 1)
            logs = event_indexer(self.chain).read(
                str(self.anchor.address), [BATCH_ANCHORED_TOPIC], self._next_block, to_block
            )
            seen = self._clock()
            for log in logs:
                topics = log["topics"]
                if len(topics) != 3:
                    continue
                try:
                    _count, manifest_cid = abi_decode(["uint32", "string"], bytes(log["data"]))
                except Exception as exc:  # a malformed log is skipped, not fatal
                    _log.warning("skipping an undecodable BatchAnchored log in block %s: %s", log["blockNumber"], exc)
                    continue
                out.append(
                    RootCandidate(
                        domain=self._domain,
                        height=int.from_bytes(bytes(topics[1]), "big"),
                        root=bytes(topics[2]),
                        available_at=seen,
                        reference=str(manifest_cid),
                        block=int(log["blockNumber"]),
                    )
                )
            self._next_block = to_block + 1
        out.sort(key=lambda c: c.height)
        return out

    def check(self, candidate: RootCandidate) -> RootCheck:
        """Rebuild the batch's root from its manifest (and, with ``check_records``, every record) and compare it with
        the anchored root."""
        batch_cid = candidate.reference
        try:
            manifest = read_manifest(self.store, batch_cid)
        except (ContentNotFoundError, IpfsApiError) as exc:
            return RootCheck(False, f"the batch directory {batch_cid} is not reachable yet ({exc.message})", retry=True)
        except CorruptBlockError as exc:
            return RootCheck(False, f"the batch directory {batch_cid} is corrupt ({exc.message})", retry=True)
        except (StateError, StorageError) as exc:
            return RootCheck(False, f"{batch_cid} is not a batch directory with a manifest: {exc.message}")
        leaves = [leaf for _cid, leaf, _vm in manifest.records]
        if not leaves:
            return RootCheck(False, f"the manifest of {batch_cid} lists no records")
        if manifest.root != candidate.root:
            return RootCheck(
                False, f"the manifest names root 0x{manifest.root.hex()}, the chain 0x{candidate.root.hex()}"
            )
        try:
            rebuilt = MerkleTree(leaves).root
        except NovaChainError as exc:
            return RootCheck(False, f"the manifest's leaves do not make a tree: {exc.message}")
        if rebuilt != candidate.root:
            return RootCheck(
                False,
                f"the manifest's {len(leaves)} leaves rebuild root 0x{rebuilt.hex()}, not the anchored "
                f"0x{candidate.root.hex()}",
            )
        if self.check_records:
            for i, (cid, leaf, vm_id) in enumerate(manifest.records):
                try:
                    data = self.store.get_block(cid)
                except (ContentNotFoundError, IpfsApiError) as exc:
                    return RootCheck(False, f"record {i} ({cid}, {vm_id}) is not reachable yet ({exc.message})", True)
                except CorruptBlockError as exc:
                    return RootCheck(False, f"record {i} ({cid}, {vm_id}) is corrupt here ({exc.message})", True)
                except StorageError as exc:
                    return RootCheck(False, f"record {i} ({cid}, {vm_id}) cannot be read: {exc.message}")
                if leaf_hash(data) != leaf:
                    return RootCheck(False, f"record {i} ({cid}, {vm_id}) does not hash to its leaf in the manifest")
        what = "records and leaves" if self.check_records else "leaves"
        return RootCheck(True, f"{len(leaves)} {what} rebuild the anchored root")
