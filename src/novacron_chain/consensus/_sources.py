"""Where a validator finds the roots it signs, and how it checks each one from public data before signing.

A :class:`RootSource` watches one checkpoint domain: :meth:`~RootSource.poll` returns the roots that appeared on
chain since the last call, :meth:`~RootSource.check` recomputes or checks one of them from public data and says
whether a validator may sign it. Sources never sign and never write: they read the chain and a content store.

:class:`StateAnchorSource` is the VM state domain (``"state"``): each ``StateAnchor.BatchAnchored(batchId, root,
leafCount, manifestCid)`` event is a candidate checkpoint ``("state", batchId, root)``. The check fetches the batch
directory named by the event from the content store (IPFS), reads its manifest, rebuilds the Merkle tree from the
manifest's leaves and compares that root with the anchored one, and (by default) fetches every record and checks
that it hashes to its leaf. A root that does not match is refused for good; content not reachable yet is retried.

:class:`BridgeSource` is the bridge domain of one source chain (``"bridge:<source chain id>"``) on the chain the
validators' StakeManager runs on (the bridge's target): no contract publishes these roots, the source derives them.
Each root is the Merkle root over every message the source chain's ``Bridge`` published for this chain up to a
source block (:class:`~novacron_chain.crosschain.MessageRoots`: cumulative, so a later root supersedes an earlier
one without losing a message), and the candidate heights are the source blocks where one appeared (or the multiples
of ``batch_blocks`` after them), so every validator derives the same ``(height, root)`` pairs. The check reads the
source chain again: the block is ``confirmations`` deep and still the one seen (no reorganisation), and the
messages up to it rebuild the root.

The rollup's domain (``"l2"``) is :class:`~novacron_chain.consensus.L2RootSource` (``_l2source``): each batch
re-executed from L1 data, every segment root compared, before its post root is offered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eth_abi import decode as abi_decode
from eth_hash.auto import keccak

from ..chain import event_indexer
from ..crosschain import MessageRoots, RoutedMessage, bridge_domain
from ..errors import NovaChainError, StorageError
from ..state import MerkleTree, StateError, leaf_hash, read_manifest
from ..storage import ContentNotFoundError, CorruptBlockError, IpfsApiError
from ._bls import domain_id

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ..crosschain import BridgeEndpoint
    from ..storage import ContentStore

__all__ = ["BATCH_ANCHORED_TOPIC", "BridgeSource", "RootCandidate", "RootCheck", "RootSource", "StateAnchorSource"]

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


class BridgeSource:
    """The ``"bridge:<source chain id>"`` domain: the message roots of the route from ``bridge`` (a ``Bridge`` on
    ``source_chain``) to ``target_chain_id`` (the chain whose CheckpointVerifier the validators sign for), derived
    from the source's ``MessagePublished`` events and checked against them again before signing. A check that finds
    the source changed (a reorganisation deeper than the confirmations) refuses that candidate for good, and the
    next poll reads the source again from the start.

    ``from_block``: the source bridge's deployment block. ``confirmations``: how deep a source block must be before
    its root is a candidate (reorganisations above it would change the root; default: the source chain's event
    confirmation depth, ``event_confirmations``: 0 on dev chains, 12 on Ethereum, 32 on Polygon). ``batch_blocks``:
    candidate heights are multiples of it (1: every source block that published a message). ``max_candidates``:
    the most candidates one poll returns, the latest ones (after a restart over a long history: each root covers
    everything before it, so the older candidates are superseded anyway). ``clock``: wall-clock seconds, injectable
    for tests.
    """

    def __init__(
        self,
        source_chain: Chain,
        bridge: Contract,
        target_chain_id: int,
        *,
        from_block: int = 0,
        confirmations: int | None = None,
        batch_blocks: int = 1,
        max_candidates: int = 64,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if confirmations is None:
            confirmations = event_indexer(source_chain).confirmations
        self.roots = MessageRoots(
            source_chain, bridge, target_chain_id, from_block=from_block, batch_blocks=batch_blocks
        )
        self.chain = source_chain
        self.confirmations = max(0, confirmations)
        self.max_candidates = max(1, max_candidates)
        self._clock = clock
        self._domain = bridge_domain(source_chain.chain_id)
        self._next_block = self.roots.from_block
        self._messages: list[RoutedMessage] = []
        self._emitted = -1  # the highest candidate height returned so far
        self._stale = False  # a check saw the source differ from what poll read: read it again from the start

    @classmethod
    def from_endpoint(cls, endpoint: BridgeEndpoint, target_chain_id: int, **options: Any) -> BridgeSource:
        """The source of the route from ``endpoint`` (a chain's side of the bridge: ``nc.bridge.endpoint(name)``)
        to ``target_chain_id``; ``options`` as for the constructor."""
        options.setdefault("from_block", endpoint.from_block)
        return cls(endpoint.chain, endpoint.bridge, target_chain_id, **options)

    @property
    def domain(self) -> bytes:
        """``keccak256("bridge:<source chain id>")``."""
        return self._domain

    def _confirmed(self) -> int:
        return self.chain.block_number() - self.confirmations

    def _block_hash(self, height: int) -> str:
        return "0x" + bytes(self.chain.w3.eth.get_block(height)["hash"]).hex()

    def poll(self) -> list[RootCandidate]:
        """The candidate roots completed since the last call: for each new candidate height (a confirmed source
        block at or after a newly published message), the root over every message up to it."""
        latest = self._confirmed()
        if self._stale:  # a reorganisation deeper than the confirmations: what was read is not the chain any more
            self._stale, self._messages, self._next_block, self._emitted = False, [], self.roots.from_block, -1
        if latest >= self._next_block:
            self._messages += self.roots.read(self._next_block, latest)
            self._next_block = latest + 1
        heights = sorted(
            {h for h in (self.roots.candidate_height(m.block) for m in self._messages) if self._emitted < h <= latest}
        )
        out: list[RootCandidate] = []
        seen = self._clock()
        for height in heights[-self.max_candidates :]:
            covered = [m for m in self._messages if m.block <= height]
            out.append(
                RootCandidate(
                    domain=self._domain,
                    height=height,
                    root=MessageRoots.tree(covered).root,
                    available_at=seen,
                    reference=self._block_hash(height),
                    block=height,
                )
            )
        if heights:
            self._emitted = heights[-1]
        return out

    def check(self, candidate: RootCandidate) -> RootCheck:
        """Read the source chain again: the candidate's block is confirmed and unchanged, and the messages published
        up to it rebuild its root."""
        if candidate.domain != self._domain:
            return RootCheck(False, "the candidate is of another domain than this source chain's")
        latest = self._confirmed()
        if candidate.height > latest:
            return RootCheck(
                False, f"source block {candidate.height} is not {self.confirmations} blocks deep yet", retry=True
            )
        now_hash = self._block_hash(candidate.height)
        if now_hash != candidate.reference:
            self._stale = True
            return RootCheck(
                False,
                f"source block {candidate.height} is now {now_hash}, not {candidate.reference}: the source chain "
                "reorganised",
            )
        covered = self.roots.messages(candidate.height)
        if not covered:
            return RootCheck(False, f"the source bridge published no message for this chain up to {candidate.height}")
        rebuilt = MessageRoots.tree(covered).root
        if rebuilt != candidate.root:
            self._stale = True
            return RootCheck(
                False,
                f"the {len(covered)} messages published up to source block {candidate.height} rebuild root "
                f"0x{rebuilt.hex()}, not 0x{candidate.root.hex()}",
            )
        return RootCheck(
            True,
            f"{len(covered)} messages of bridge {self.roots.bridge.address} on chain {self.roots.source_chain_id} up "
            f"to block {candidate.height} rebuild the root",
        )
