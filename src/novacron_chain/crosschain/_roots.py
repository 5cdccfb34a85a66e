"""Message roots: what the proof-of-stake validator set checkpoints so that a bridge delivers without guardians.

Where the proof-of-stake contracts run on a target chain and its ``Bridge`` names their ``CheckpointVerifier``
(``setCheckpointVerifier``), a message is delivered with a Merkle proof against a final checkpoint
``(bridge_domain(source chain id), height, root)`` instead of guardian signatures. Everything here is computed from
public data, identically by the validators (before signing), the relayer (to build a proof) and anyone checking:

* the domain of source chain ``s`` is ``keccak256("bridge:<s>")`` (:func:`bridge_domain`; the consensus layer parses
  the name ``bridge:<s>`` to the same id), so each source chain's heights are apart;
* ``height`` is a block number of the source chain, and ``root(height)`` the Merkle root (sorted-pair keccak256,
  OpenZeppelin's ``MerkleProof``, the tree of :class:`~novacron_chain.state.MerkleTree`) over
  :func:`message_leaf` ``= keccak256(abi.encode(message))`` of every message the source ``Bridge`` published
  (``MessagePublished``; a delayed message counts once released) for the target chain in blocks up to ``height``, in
  publication order (block, then log index).

Roots are cumulative: any later final root proves every earlier message, so a checkpoint superseded before it is
final loses nothing, and a delayed message published out of nonce order is in the next root. Candidate heights are
the blocks ``h`` with ``h % batch_blocks == 0`` at or after a block that published a message (``batch_blocks`` 1:
every such block), so every validator derives the same candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from ..state import MerkleTree
from ._errors import BridgeValueError
from ._types import BridgeMessage

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain

__all__ = ["MESSAGE_ABI_TYPE", "MessageRoots", "RoutedMessage", "bridge_domain", "bridge_domain_name", "message_leaf"]

#: the ABI type of ``IBridge.Message`` (all fields static: ``abi.encode(message)`` is this tuple's encoding)
MESSAGE_ABI_TYPE = "(uint64,uint64,uint64,uint64,address,uint256,address,address)"
_MAX_LOG_RANGE = 5_000  # blocks per eth_getLogs request: public RPCs refuse wide ranges


def bridge_domain_name(source_chain_id: int) -> str:
    """The checkpoint domain name of messages from ``source_chain_id``: ``"bridge:<id>"``."""
    if not 0 < source_chain_id < 2**64:
        raise BridgeValueError(f"chain id {source_chain_id} is not a uint64 above 0", hint="give a real chain id")
    return f"bridge:{source_chain_id}"


def bridge_domain(source_chain_id: int) -> bytes:
    """The bytes32 checkpoint domain of messages from ``source_chain_id``: ``keccak256("bridge:<id>")``, as
    ``Bridge.checkpointDomain`` computes it."""
    return keccak(bridge_domain_name(source_chain_id).encode())


def message_leaf(message: BridgeMessage) -> bytes:
    """The Merkle leaf of ``message`` in a message root: ``keccak256(abi.encode(message))`` (``Bridge.messageLeaf``)."""
    return keccak(abi_encode([MESSAGE_ABI_TYPE], [message.as_tuple()]))


@dataclass(frozen=True, slots=True)
class RoutedMessage:
    """A message the source bridge published, with where: its ``block`` and ``log_index``."""

    message: BridgeMessage
    block: int
    log_index: int


class MessageRoots:
    """The messages ``bridge`` (a ``Bridge`` on ``chain``, the source) published for ``target_chain_id``, and the
    message roots over them.

    ``from_block``: where to start reading (the bridge's deployment block; any earlier block gives the same roots).
    ``batch_blocks``: candidate heights are multiples of it (see the module docstring).
    """

    def __init__(
        self,
        chain: Chain,
        bridge: Contract,
        target_chain_id: int,
        *,
        from_block: int = 0,
        batch_blocks: int = 1,
    ) -> None:
        if batch_blocks < 1:
            raise BridgeValueError(f"batch_blocks {batch_blocks} is below 1", hint="use 1 (a root per block) or more")
        self.chain = chain
        self.bridge = bridge
        self.target_chain_id = target_chain_id
        self.from_block = max(0, from_block)
        self.batch_blocks = batch_blocks

    @property
    def source_chain_id(self) -> int:
        """The source chain's id."""
        return self.chain.chain_id

    @property
    def domain(self) -> bytes:
        """The checkpoint domain of this source chain's messages."""
        return bridge_domain(self.source_chain_id)

    def read(self, from_block: int, to_block: int) -> list[RoutedMessage]:
        """The messages for the target published in blocks ``from_block`` to ``to_block``, in publication order."""
        out: list[RoutedMessage] = []
        start = max(from_block, self.from_block)
        event = self.bridge.events.MessagePublished
        while start <= to_block:
            end = min(to_block, start + _MAX_LOG_RANGE - 1)
            with self.chain.mapped("reading bridge messages", address=self.bridge.address):
                logs = event.get_logs(
                    from_block=start, to_block=end, argument_filters={"targetChainId": self.target_chain_id}
                )
            for log in logs:
                message = BridgeMessage.from_event(log["args"])
                if message.target_chain_id == self.target_chain_id:
                    out.append(RoutedMessage(message, int(log["blockNumber"]), int(log["logIndex"])))
            start = end + 1
        out.sort(key=lambda r: (r.block, r.log_index))
        return out

    def messages(self, height: int) -> list[RoutedMessage]:
        """Every message a root at ``height`` covers (published up to block ``height``)."""
        return self.read(self.from_block, height)

    def candidate_height(self, block: int) -> int:
        """The first candidate height at or after ``block`` (the height whose root first holds a message of it)."""
        return -(-block // self.batch_blocks) * self.batch_blocks

    @staticmethod
    def tree(messages: Sequence[RoutedMessage | BridgeMessage]) -> MerkleTree:
        """The Merkle tree over ``messages``' leaves, in the order given (not empty)."""
        leaves = [message_leaf(m.message if isinstance(m, RoutedMessage) else m) for m in messages]
        return MerkleTree(leaves)

    def root(self, height: int) -> bytes | None:
        """The message root at ``height`` (None while no message is covered)."""
        covered = self.messages(height)
        return self.tree(covered).root if covered else None

    def proof(self, message: BridgeMessage, height: int) -> tuple[bytes, list[bytes]]:
        """``(root, proof)`` of ``message`` in the root at ``height``; :class:`BridgeValueError` when the root does
        not cover it."""
        return self.prove(self.messages(height), message, height)

    @classmethod
    def prove(cls, covered: Sequence[RoutedMessage], message: BridgeMessage, height: int) -> tuple[bytes, list[bytes]]:
        """``(root, proof)`` of ``message`` among ``covered`` (the messages of the root at ``height``, in order)."""
        for i, r in enumerate(covered):
            if r.message == message:
                tree = cls.tree(covered)
                return tree.root, tree.proof(i)
        raise BridgeValueError(
            f"transfer {message.transfer_id} is not among the {len(covered)} messages the root at source block "
            f"{height} covers",
            hint="wait for a checkpoint at or after the block that published it",
        )

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary (route, domain, batching)."""
        return {
            "source_chain_id": self.source_chain_id,
            "target_chain_id": self.target_chain_id,
            "domain": "0x" + self.domain.hex(),
            "domain_name": bridge_domain_name(self.source_chain_id),
            "bridge": str(self.bridge.address),
            "from_block": self.from_block,
            "batch_blocks": self.batch_blocks,
        }
