"""``CrossChainBridge``: the seed's bridge (``InitiateBridge``, ``GetTransfer``) over each chain's ``Bridge``.

A transfer is locked (a token of the source chain) or burned (a wrapped token going home) on the source and
published as a :class:`BridgeMessage`; anyone delivers it on the target with an attestation, where it is minted as
the wrapped token or released. The bridge reads both chains, so :meth:`CrossChainBridge.get_transfer` follows a
transfer from ``initiated`` (or ``delayed``) through ``attested`` to ``delivered`` (or ``refunded``).

Two attestations, chosen by what the target chain runs (:meth:`CrossChainBridge.attestation`): a guardian quorum
signs the message (EIP-712, under the target bridge's domain; :mod:`._relayer` collects the signatures), or, where
the target's ``Bridge`` names a ``CheckpointVerifier`` of the proof-of-stake contracts, a final checkpoint of the
validator set over the source's message roots (domain ``bridge:<source chain id>``, :mod:`._roots`) and a Merkle
proof of the message (:meth:`CrossChainBridge.deliver_with_checkpoint`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from web3.logs import DISCARD

from ..chain import Receipt, Signer, checksum
from ._errors import (
    BridgeValueError,
    CheckpointPendingError,
    MessageRootMismatchError,
    TransferNotReadyError,
    UnknownTransferError,
)
from ._manager import _ERC20_ABI
from ._roots import MessageRoots, RoutedMessage, bridge_domain, bridge_domain_name
from ._types import Attestation, BridgeMessage, BridgeTransfer, TransferState

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ._relayer import AttestationStore

__all__ = ["BridgeEndpoint", "CrossChainBridge", "parse_transfer_id"]

# the contract's Outbound enum
_PUBLISHED, _DELAYED, _CANCELLED = 1, 2, 3
_ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class BridgeEndpoint:
    """One chain's side of the bridge: its name, the connected chain, its ``Bridge`` and the block it was deployed
    at (where event scans start)."""

    name: str
    chain: Chain
    bridge: Contract
    from_block: int = 0

    @property
    def chain_id(self) -> int:
        """The chain's id."""
        return self.chain.chain_id


def parse_transfer_id(transfer_id: str) -> tuple[int, int]:
    """``<source chain id>-<nonce>`` as two integers; :class:`BridgeValueError` otherwise."""
    parts = transfer_id.strip().split("-")
    try:
        if len(parts) != 2:
            raise ValueError
        chain_id, nonce = int(parts[0]), int(parts[1])
    except ValueError:
        raise BridgeValueError(
            f"{transfer_id!r} is not a bridge transfer id",
            hint="an id is <source chain id>-<nonce>, e.g. 1001-3 (`novacron-chain bridge list` shows them)",
        ) from None
    return chain_id, nonce


class CrossChainBridge:
    """Bridge transfers between named chains (the seed's ``CrossChainBridge``).

    >>> bridge = nc.bridge
    >>> t = bridge.initiate_bridge("ethereum", "polygon", None, bob, 10**18, token)   # locks on ethereum
    >>> bridge.get_transfer(t.id).state                                                # initiated ... delivered

    ``endpoints(name)`` gives a chain's :class:`BridgeEndpoint`, ``names()`` the chains bridged; ``store`` holds the
    guardian signatures collected (:class:`~novacron_chain.crosschain.AttestationStore`), from which a transfer
    reads as ``attested``.
    """

    def __init__(
        self,
        endpoints: Callable[[str], BridgeEndpoint],
        names: Callable[[], Sequence[str]],
        store: AttestationStore | None = None,
    ) -> None:
        self._endpoints = endpoints
        self._names = names
        self.store = store
        # route -> (final height, the messages its root covers): a relayer proves many messages against one root
        self._covered: dict[tuple[int, int], tuple[int, list[RoutedMessage]]] = {}

    # -- chains ---------------------------------------------------------------------------------------------------

    def endpoint(self, name: str) -> BridgeEndpoint:
        """Chain ``name``'s side of the bridge."""
        return self._endpoints(name)

    def names(self) -> list[str]:
        """The chains bridged, by name."""
        return list(self._names())

    def endpoint_by_id(self, chain_id: int) -> BridgeEndpoint:
        """The bridged chain whose id is ``chain_id``; :class:`BridgeValueError` when none is."""
        for name in self.names():
            ep = self.endpoint(name)
            if ep.chain_id == chain_id:
                return ep
        raise BridgeValueError(
            f"no bridged chain has chain id {chain_id}",
            hint=f"the chains bridged are {self.names()} (blockchain.supported_chains)",
        )

    # -- the seed's API -------------------------------------------------------------------------------------------

    def initiate_bridge(
        self,
        source: str,
        target: str,
        sender: Signer | str | None,
        recipient: str,
        amount: int,
        token: str,
    ) -> BridgeTransfer:
        """Send ``amount`` of ``token`` (its address on ``source``: a token of that chain, locked; or the bridge's
        wrapped token, burned on its way home) from ``sender`` (a signer; an address must be the source chain's
        signer; None: that signer) to ``recipient`` on ``target``. Approves the bridge first when the allowance is
        short. Returns the transfer, ``initiated`` or, when the rate limits hold it back, ``delayed``."""
        if source == target:
            raise BridgeValueError(f"source and target are both {source!r}", hint="bridge between two chains")
        if amount <= 0:
            raise BridgeValueError(f"amount {amount} is not positive", hint="send a positive amount")
        src, dst = self.endpoint(source), self.endpoint(target)
        signer = self._signer(src, sender)
        token = checksum(token, "token")
        recipient = checksum(recipient, "recipient")
        wrapped_home = self._wrapped_home(src, token)
        if wrapped_home is None:
            erc20 = src.chain.w3.eth.contract(address=token, abi=_ERC20_ABI)  # type: ignore[call-overload]
            balance = int(src.chain.call(erc20.functions.balanceOf(signer.address)))
            if balance < amount:
                raise BridgeValueError(
                    f"{signer.address} holds {balance} of token {token} on {source}, less than {amount}",
                    hint="send at most the balance",
                )
            allowance = int(src.chain.call(erc20.functions.allowance(signer.address, src.bridge.address)))
            if allowance < amount:
                src.chain.transact(erc20.functions.approve(src.bridge.address, amount), sender=signer)
        elif wrapped_home != dst.chain_id:
            raise BridgeValueError(
                f"token {token} is wrapped from chain {wrapped_home}: it goes back there only, not to {target}",
                hint="send it to its home chain first",
            )
        fn = src.bridge.functions.send(token, amount, dst.chain_id, recipient)
        receipt = src.chain.transact(fn, sender=signer)
        message, release_at = self._sent(src, receipt)
        state = TransferState.DELAYED if release_at is not None else TransferState.INITIATED
        threshold = self.threshold(target)
        attestation = self.attestation(target)
        return BridgeTransfer(
            message, source, target, state, 0, threshold, release_at, receipt.block_number, attestation
        )

    def get_transfer(self, transfer_id: str) -> BridgeTransfer:
        """Transfer ``transfer_id`` (``<source chain id>-<nonce>``) as both chains see it now."""
        chain_id, nonce = parse_transfer_id(transfer_id)
        src = self.endpoint_by_id(chain_id)
        found = self._messages(src, nonce=nonce)
        if not found:
            raise UnknownTransferError(transfer_id)
        message, block = found[0]
        return self._status(src, message, block)

    def list_transfers(self, source: str | None = None) -> list[BridgeTransfer]:
        """Every transfer sent from ``source`` (or from every bridged chain) to another bridged EVM chain, oldest
        first per chain (messages to Solana are :class:`SolanaBridge`'s: see its ``transfers()``)."""
        targets = {self.endpoint(n).chain_id for n in self.names()}
        out: list[BridgeTransfer] = []
        for name in [source] if source else self.names():
            src = self.endpoint(name)
            out += [self._status(src, m, b) for m, b in self._messages(src) if m.target_chain_id in targets]
        return out

    # -- delivery and the rate limits -----------------------------------------------------------------------------

    def is_delivered(self, message: BridgeMessage) -> bool:
        """Whether ``message`` was delivered on its target."""
        dst = self.endpoint_by_id(message.target_chain_id)
        return bool(dst.chain.call(dst.bridge.functions.isDelivered(message.source_chain_id, message.nonce)))

    def delivery_digest(self, message: BridgeMessage) -> bytes:
        """The EIP-712 digest guardians sign to deliver ``message`` (under its target bridge's domain)."""
        dst = self.endpoint_by_id(message.target_chain_id)
        return bytes(dst.chain.call(dst.bridge.functions.deliveryDigest(message.as_tuple())))

    def cancel_digest(self, message: BridgeMessage) -> bytes:
        """The EIP-712 digest guardians sign to cancel delayed ``message`` (under its source bridge's domain)."""
        src = self.endpoint_by_id(message.source_chain_id)
        return bytes(src.chain.call(src.bridge.functions.cancelDigest(message.as_tuple())))

    def guardians(self, name: str) -> tuple[list[str], int]:
        """Chain ``name``'s bridge guardians (ascending) and how many must sign."""
        ep = self.endpoint(name)
        guardians, threshold, _ = ep.chain.call(ep.bridge.functions.guardianSet())
        return [str(g) for g in guardians], int(threshold)

    def threshold(self, name: str) -> int:
        """Signatures a delivery on chain ``name`` needs."""
        return self.guardians(name)[1]

    def deliver(
        self, message: BridgeMessage, signatures: Sequence[bytes], *, sender: Signer | None = None
    ) -> Receipt | None:
        """Deliver ``message`` on its target with ``signatures`` (65 bytes each, signers ascending); None when it
        was delivered already (each message is delivered once: the contract refuses a second time)."""
        if self.is_delivered(message):
            return None
        dst = self.endpoint_by_id(message.target_chain_id)
        fn = dst.bridge.functions.deliver(message.as_tuple(), [bytes(s) for s in signatures])
        return dst.chain.transact(fn, sender=sender)

    # -- the checkpoint attestation -------------------------------------------------------------------------------

    def checkpoint_verifier(self, name: str) -> Contract | None:
        """The ``CheckpointVerifier`` whose checkpoints attest deliveries on chain ``name`` (None: guardians do)."""
        ep = self.endpoint(name)
        address = str(ep.chain.call(ep.bridge.functions.checkpointVerifier()))
        return None if int(address, 16) == 0 else ep.chain.contract("CheckpointVerifier", address)

    def attestation(self, name: str) -> Attestation:
        """What attests deliveries on chain ``name``: ``CHECKPOINT`` where its bridge names a checkpoint verifier,
        else ``GUARDIANS``."""
        return Attestation.GUARDIANS if self.checkpoint_verifier(name) is None else Attestation.CHECKPOINT

    def set_checkpoint_verifier(self, name: str, verifier: str | None, *, admin: Signer | None = None) -> Receipt:
        """The admin (the governance timelock in production) makes chain ``name``'s bridge take the checkpoints of
        ``verifier`` (the ``CheckpointVerifier`` on that chain) instead of guardian quorums; None returns deliveries
        to the guardians."""
        ep = self.endpoint(name)
        address = _ZERO if verifier is None else checksum(verifier, "checkpoint verifier")
        if verifier is not None and not ep.chain.code(address):
            raise BridgeValueError(
                f"no contract at checkpoint verifier address {address} on {name}",
                hint="deploy the proof-of-stake contracts there first (`novacron-chain deploy`)",
            )
        return ep.chain.transact(ep.bridge.functions.setCheckpointVerifier(address), sender=admin)

    def message_roots(self, source: str, target: str, *, batch_blocks: int = 1) -> MessageRoots:
        """The message roots of the route ``source`` -> ``target`` (read from ``source``'s bridge)."""
        src, dst = self.endpoint(source), self.endpoint(target)
        return MessageRoots(src.chain, src.bridge, dst.chain_id, from_block=src.from_block, batch_blocks=batch_blocks)

    def final_checkpoint(self, source: str, target: str) -> tuple[int, bytes] | None:
        """The latest final checkpoint ``(height, root)`` of ``source``'s message roots on ``target`` (None when
        there is none, or ``target`` is attested by guardians)."""
        verifier = self.checkpoint_verifier(target)
        if verifier is None:
            return None
        chain = self.endpoint(target).chain
        domain = bridge_domain(self.endpoint(source).chain_id)
        if int(chain.call(verifier.functions.checkpointCount(domain))) == 0:
            return None
        height = int(chain.call(verifier.functions.latestHeight(domain)))
        return height, bytes(chain.call(verifier.functions.checkpoint(domain, height))[0])

    def checkpoint_proof(self, message: BridgeMessage) -> tuple[int, bytes, list[bytes]]:
        """``(height, root, proof)`` delivering ``message`` with the latest final checkpoint of its source's message
        roots on its target: :class:`CheckpointPendingError` while none covers it, :class:`MessageRootMismatchError`
        when the final root is not the one its source's events rebuild."""
        src = self.endpoint_by_id(message.source_chain_id)
        dst = self.endpoint_by_id(message.target_chain_id)
        published = self.published_block(message)
        final = self.final_checkpoint(src.name, dst.name)
        if published is None or final is None or final[0] < published:
            raise CheckpointPendingError(
                message.transfer_id,
                bridge_domain_name(src.chain_id),
                published if published is not None else -1,
                None if final is None else final[0],
            )
        height, final_root = final
        cached = self._covered.get((src.chain_id, dst.chain_id))
        if cached is not None and cached[0] == height:
            covered = cached[1]
        else:
            covered = self.message_roots(src.name, dst.name).messages(height)
            self._covered[(src.chain_id, dst.chain_id)] = (height, covered)
        root, proof = MessageRoots.prove(covered, message, height)
        if root != final_root:
            self._covered.pop((src.chain_id, dst.chain_id), None)
            raise MessageRootMismatchError(bridge_domain_name(src.chain_id), height, final_root, root)
        return height, root, proof

    def deliver_with_checkpoint(self, message: BridgeMessage, *, sender: Signer | None = None) -> Receipt | None:
        """Deliver ``message`` on its target with a proof against the latest final checkpoint of its source's message
        roots; None when it was delivered already."""
        if self.is_delivered(message):
            return None
        height, root, proof = self.checkpoint_proof(message)
        dst = self.endpoint_by_id(message.target_chain_id)
        fn = dst.bridge.functions.deliverWithCheckpoint(message.as_tuple(), height, root, proof)
        return dst.chain.transact(fn, sender=sender)

    def published_block(self, message: BridgeMessage) -> int | None:
        """The source block that published ``message`` (its release block when it was delayed); None before."""
        src = self.endpoint_by_id(message.source_chain_id)
        with src.chain.mapped("reading bridge messages", address=src.bridge.address):
            logs = src.bridge.events.MessagePublished.get_logs(
                from_block=src.from_block, argument_filters={"nonce": message.nonce}
            )
        blocks = [int(log["blockNumber"]) for log in logs if BridgeMessage.from_event(log["args"]) == message]
        return min(blocks) if blocks else None

    def delivered_by(self, message: BridgeMessage) -> tuple[Attestation, int | None] | None:
        """What delivered ``message`` on its target (with the checkpoint height for ``CHECKPOINT``); None when it
        was not delivered."""
        dst = self.endpoint_by_id(message.target_chain_id)
        filters = {"sourceChainId": message.source_chain_id, "nonce": message.nonce}
        with dst.chain.mapped("reading bridge deliveries", address=dst.bridge.address):
            logs = dst.bridge.events.MessageDelivered.get_logs(from_block=dst.from_block, argument_filters=filters)
            if not logs:
                return None
            tx = dst.chain.w3.eth.get_transaction(logs[0]["transactionHash"])
        try:
            fn, args = dst.bridge.decode_function_input(tx["input"])
        except ValueError:  # delivered through another contract (a multicall): the event alone does not say how
            return Attestation.GUARDIANS, None
        if fn.fn_name == "deliverWithCheckpoint":
            return Attestation.CHECKPOINT, int(args["height"])
        return Attestation.GUARDIANS, None

    def release_delayed(self, transfer_id: str, *, sender: Signer | None = None) -> Receipt:
        """Publish delayed transfer ``transfer_id`` once its delay has passed (anyone may)."""
        t = self.get_transfer(transfer_id)
        src = self.endpoint(t.source)
        if t.state is not TransferState.DELAYED or t.release_at is None:
            raise TransferNotReadyError(f"transfer {t.id} is {t.state.value}, not delayed", hint="nothing to release")
        now = src.chain.timestamp()
        if now < t.release_at:
            raise TransferNotReadyError(
                f"transfer {t.id} is delayed for {t.release_at - now} s more (until {t.release_at})",
                hint="the guardians may cancel it until then; release it afterwards",
            )
        return src.chain.transact(src.bridge.functions.releaseDelayed(t.message.as_tuple()), sender=sender)

    def cancel_delayed(self, transfer_id: str, signatures: Sequence[bytes], *, sender: Signer | None = None) -> Receipt:
        """Cancel delayed transfer ``transfer_id`` with a guardian quorum's ``signatures`` over
        :meth:`cancel_digest` (signers ascending): its amount goes back to its sender on the source."""
        t = self.get_transfer(transfer_id)
        src = self.endpoint(t.source)
        if t.state is not TransferState.DELAYED or t.release_at is None:
            raise TransferNotReadyError(f"transfer {t.id} is {t.state.value}, not delayed", hint="nothing to cancel")
        if src.chain.timestamp() >= t.release_at:
            raise TransferNotReadyError(
                f"transfer {t.id}'s delay ended at {t.release_at}: it can no longer be cancelled",
                hint="release it (`novacron-chain bridge relay` does)",
            )
        fn = src.bridge.functions.cancelDelayed(t.message.as_tuple(), [bytes(s) for s in signatures])
        return src.chain.transact(fn, sender=sender)

    def guardian_pause(self, name: str, guardian: Signer) -> Receipt:
        """A guardian pauses chain ``name``'s bridge (sends and deliveries); the admin resumes (:meth:`resume`)."""
        ep = self.endpoint(name)
        return ep.chain.transact(ep.bridge.functions.guardianPause(), sender=guardian)

    def resume(self, name: str, *, admin: Signer | None = None) -> Receipt:
        """The admin (the governance timelock in production) resumes chain ``name``'s bridge."""
        ep = self.endpoint(name)
        return ep.chain.transact(ep.bridge.functions.unpause(), sender=admin)

    def wrapped_of(self, name: str, token_chain_id: int, token: str) -> str | None:
        """The wrapped token on chain ``name`` of ``token`` of chain ``token_chain_id`` (None before the first
        delivery creates it)."""
        ep = self.endpoint(name)
        address = str(ep.chain.call(ep.bridge.functions.wrappedOf(token_chain_id, checksum(token, "token"))))
        return None if int(address, 16) == 0 else address

    def locked(self, name: str, route_chain_id: int, token: str) -> int:
        """How much of ``token`` chain ``name``'s bridge holds locked for the route to ``route_chain_id``."""
        ep = self.endpoint(name)
        return int(ep.chain.call(ep.bridge.functions.locked(route_chain_id, checksum(token, "token"))))

    def published(self, name: str) -> Iterator[BridgeMessage]:
        """The messages chain ``name``'s bridge has published (ready to attest), oldest first."""
        ep = self.endpoint(name)
        with ep.chain.mapped("reading bridge messages", address=ep.bridge.address):
            logs = ep.bridge.events.MessagePublished.get_logs(from_block=ep.from_block)
        for log in logs:
            yield BridgeMessage.from_event(log["args"])

    # -- internals ------------------------------------------------------------------------------------------------

    def _signer(self, src: BridgeEndpoint, sender: Signer | str | None) -> Signer:
        if isinstance(sender, Signer):
            return sender
        signer = src.chain.signer
        if sender is not None and checksum(sender, "sender") != signer.address:
            raise BridgeValueError(
                f"sender {sender} is not the account this process signs with on {src.name} ({signer.address})",
                hint="send as the configured account (--account), or pass its Signer",
            )
        return signer

    def _wrapped_home(self, src: BridgeEndpoint, token: str) -> int | None:
        """The home chain id of ``token`` when it is ``src``'s bridge's wrapped token, else None."""
        abi = [
            {
                "name": "bridge",
                "type": "function",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [{"name": "", "type": "address"}],
            },
            {
                "name": "tokenChainId",
                "type": "function",
                "stateMutability": "view",
                "inputs": [],
                "outputs": [{"name": "", "type": "uint64"}],
            },
        ]
        if not src.chain.code(token):
            raise BridgeValueError(f"no contract at token address {token} on {src.name}", hint="check the address")
        probe = src.chain.w3.eth.contract(address=token, abi=abi)  # type: ignore[call-overload]
        try:
            bridge = str(probe.functions.bridge().call())
            home = int(probe.functions.tokenChainId().call())
        except Exception:  # any token that is not a wrapped token answers by failing
            return None
        return home if bridge == src.bridge.address else None

    def _sent(self, src: BridgeEndpoint, receipt: Receipt) -> tuple[BridgeMessage, int | None]:
        for ev in src.bridge.events.MessagePublished().process_receipt(receipt.raw, errors=DISCARD):
            return BridgeMessage.from_event(ev["args"]), None
        for ev in src.bridge.events.MessageDelayed().process_receipt(receipt.raw, errors=DISCARD):
            return BridgeMessage.from_event(ev["args"]), int(ev["args"]["releaseAt"])
        raise BridgeValueError("the send transaction published no bridge message", hint="check the bridge address")

    def _messages(self, src: BridgeEndpoint, *, nonce: int | None = None) -> list[tuple[BridgeMessage, int]]:
        filters: dict[str, Any] = {} if nonce is None else {"nonce": nonce}
        seen: dict[int, tuple[BridgeMessage, int]] = {}
        with src.chain.mapped("reading bridge messages", address=src.bridge.address):
            for event in (src.bridge.events.MessageDelayed, src.bridge.events.MessagePublished):
                for log in event.get_logs(from_block=src.from_block, argument_filters=filters):
                    m = BridgeMessage.from_event(log["args"])
                    seen.setdefault(m.nonce, (m, int(log["blockNumber"])))
        return [seen[n] for n in sorted(seen)]

    def _status(self, src: BridgeEndpoint, message: BridgeMessage, block: int) -> BridgeTransfer:
        dst = self.endpoint_by_id(message.target_chain_id)
        state_code, release_at = src.chain.call(src.bridge.functions.outbound(message.nonce))
        threshold = self.threshold(dst.name)
        signatures = len(self.store.signatures(message)) if self.store is not None else 0
        attestation = self.attestation(dst.name)
        height: int | None = None
        if dst.chain.call(dst.bridge.functions.isDelivered(message.source_chain_id, message.nonce)):
            state = TransferState.DELIVERED
            how = self.delivered_by(message)
            if how is not None:
                attestation, height = how
        elif state_code == _CANCELLED:
            state = TransferState.REFUNDED
        elif state_code == _DELAYED:
            state = TransferState.DELAYED
        elif attestation is Attestation.CHECKPOINT:
            final = self.final_checkpoint(src.name, dst.name)
            published = self.published_block(message) if final is not None else None
            covered = final is not None and published is not None and final[0] >= published
            height = final[0] if covered and final is not None else None
            state = TransferState.ATTESTED if covered else TransferState.INITIATED
        elif signatures >= threshold:
            state = TransferState.ATTESTED
        else:
            state = TransferState.INITIATED
        return BridgeTransfer(
            message,
            src.name,
            dst.name,
            state,
            signatures,
            threshold,
            int(release_at) or None,
            block,
            attestation,
            height,
        )
