"""Guardians and the untrusted relayer of the bridge.

The relayer delivers by whatever the target chain's bridge takes (:meth:`CrossChainBridge.attestation`): guardian
signatures, or, where the target runs the proof-of-stake contracts and its bridge names their checkpoint verifier, a
Merkle proof against the latest final checkpoint of the source's message roots (the validators sign those; the
relayer only rebuilds the proof from the source's public events, :mod:`._roots`).

A :class:`BridgeGuardian` holds one guardian key: it checks that a message was really published by the source
chain's bridge, then signs its EIP-712 delivery digest and puts the signature in the :class:`AttestationStore`
(the shared place where attestations meet: a directory, fsynced, or memory). The :class:`Relayer` holds no trust
and no key the bridge cares about: it scans every bridged chain's published messages, skips the delivered ones
(so a restarted relayer carries on where the chains are), keeps only the signatures that recover to current
guardians, and delivers once a quorum is in; the contract refuses any second delivery, so two relayers racing
cannot deliver twice. It also publishes delayed transfers whose delay has passed.

Dev chains only: a relayer may hold the dev guardian keys itself (``dev_guardians``, the CLI's ``--dev-guardians``),
which :meth:`Chain.dev_signer` refuses on any other chain. Real guardians run :class:`BridgeGuardian` with their
own keys and share the store.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import coincurve
from eth_utils import keccak, to_bytes, to_checksum_address

from ..chain import Chain, PendingTx, Receipt, Signer, TxRequest
from ..errors import ContractCustomError
from ._bridge import BridgeEndpoint, CrossChainBridge
from ._errors import AttestationError, BridgeValueError, CheckpointPendingError
from ._types import Attestation, BridgeMessage, BridgeTransfer, TransferState

__all__ = ["AttestationStore", "BridgeGuardian", "RelayAction", "Relayer", "dev_guardians", "recover_signer"]


def recover_signer(digest: bytes, signature: bytes) -> str | None:
    """The address that signed ``digest`` (65 bytes r, s, v), or None for a malformed signature."""
    if len(signature) != 65:
        return None
    v = signature[64]
    recid = v - 27 if v >= 27 else v
    if recid not in (0, 1):
        return None
    try:
        pub = coincurve.PublicKey.from_signature_and_message(signature[:64] + bytes([recid]), digest, hasher=None)
    except (ValueError, TypeError):
        return None
    return to_checksum_address(keccak(pub.format(compressed=False)[1:])[-20:])


def dev_guardians(chain: Chain) -> list[Signer]:
    """The dev guardian keys (dev accounts 3-9, the dev deployment's guardian set). Dev chains only: refused with
    :class:`~novacron_chain.errors.DevOnlyError` elsewhere, since their keys are public."""
    from ._deploy import DEV_GUARDIANS

    return [chain.dev_signer(i) for i in DEV_GUARDIANS]


class AttestationStore:
    """Guardian signatures per transfer: ``<transfer id>.json`` files in ``path`` (written atomically, fsynced),
    or memory when ``path`` is None. Anyone may write here; the relayer keeps only what recovers to a guardian."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._memory: dict[str, dict[str, Any]] = {}
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)

    def _load(self, message: BridgeMessage) -> dict[str, Any]:
        key = message.transfer_id
        if self.path is None:
            return self._memory.get(key, {"message": message.to_dict(), "signatures": {}})
        f = self.path / f"{key}.json"
        if not f.exists():
            return {"message": message.to_dict(), "signatures": {}}
        data: dict[str, Any] = json.loads(f.read_text())
        if data.get("message") != message.to_dict():
            # attestations of another message under the same id (another bridge, a reset chain): not ours
            return {"message": message.to_dict(), "signatures": {}}
        return data

    def add(self, message: BridgeMessage, signer: str, signature: bytes) -> None:
        """Record ``signer``'s ``signature`` over ``message``'s delivery digest."""
        data = self._load(message)
        data["signatures"][signer] = "0x" + signature.hex()
        if self.path is None:
            self._memory[message.transfer_id] = data
            return
        target = self.path / f"{message.transfer_id}.json"
        tmp = target.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def signatures(self, message: BridgeMessage) -> dict[str, bytes]:
        """The signatures recorded for ``message``, by the signer they claim (unverified)."""
        raw = self._load(message)["signatures"]
        return {str(k): bytes.fromhex(str(v).removeprefix("0x")) for k, v in raw.items()}


class BridgeGuardian:
    """One guardian: signs messages its bridge really published, with its own key."""

    def __init__(self, signer: Signer, bridge: CrossChainBridge, store: AttestationStore) -> None:
        self.signer = signer
        self.bridge = bridge
        self.store = store

    @property
    def address(self) -> str:
        """The guardian's address."""
        return self.signer.address

    def _sign(self, digest: bytes) -> bytes:
        v, r, s = self.signer.sign_hash(digest)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v if v >= 27 else v + 27])

    def attest(self, message: BridgeMessage) -> bytes:
        """Sign ``message`` for delivery, after checking that its source bridge published exactly it; the
        signature goes into the store and is returned."""
        src = self.bridge.endpoint_by_id(message.source_chain_id)
        published = self._published(src.name, message.nonce)
        if published != [message]:
            raise BridgeValueError(
                f"transfer {message.transfer_id} was not published as given by {src.name}'s bridge",
                hint="guardians sign only what the source bridge published (a delayed one after its release)",
            )
        signature = self._sign(self.bridge.delivery_digest(message))
        self.store.add(message, self.address, signature)
        return signature

    def sign_cancel(self, message: BridgeMessage) -> bytes:
        """Sign the cancellation of delayed ``message`` (under its source bridge's domain)."""
        return self._sign(self.bridge.cancel_digest(message))

    def _published(self, name: str, nonce: int) -> list[BridgeMessage]:
        """What chain ``name``'s bridge published under ``nonce`` (its ``MessagePublished`` events filtered by their
        indexed nonce: one short query, whatever the bridge's history)."""
        ep = self.bridge.endpoint(name)
        with ep.chain.mapped("reading bridge messages", address=ep.bridge.address):
            logs = ep.bridge.events.MessagePublished.get_logs(
                from_block=ep.from_block, argument_filters={"nonce": nonce}
            )
        return [m for m in (BridgeMessage.from_event(log["args"]) for log in logs) if m.nonce == nonce]


@dataclass(frozen=True)
class RelayAction:
    """One thing the relayer did: ``attested`` (a local dev guardian signed), ``delivered``, ``released`` (a
    delayed transfer published), ``waiting`` (too few signatures, or no final checkpoint covering it, yet) or
    ``skipped`` (delivered by someone else). ``attestation``: the path of ``delivered``/``waiting``/``skipped``."""

    action: str
    transfer_id: str
    source: str
    target: str
    tx_hash: str | None = None
    gas_used: int | None = None
    detail: str = ""
    attestation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


#: seconds a relayer keeps a chain's bridge endpoint before looking it up again (a redeployed bridge is seen then)
ENDPOINT_TTL = 30.0
#: seconds between reads of the chains' heads in :meth:`Relayer.run`: dev chains, and any other
DEV_POLL, PUBLIC_POLL = 0.05, 0.5


class Relayer:
    """Delivers every published message exactly once: with the guardian signatures in ``store``, or, on a target
    attested by the validator set, with a proof against its latest final checkpoint.

    ``guardians`` are guardians run in this process (dev chains: :func:`dev_guardians`); without them the relayer
    only delivers what real guardians have put into the store. They do not sign for targets attested by checkpoints.

    It follows the chains by block number: its first pass reads every message the bridges ever published and keeps
    those not yet delivered (so a restarted relayer carries on where the chains are); later passes read only the
    blocks mined since, and look again only at the transfers still open. The deliveries a pass has ready are all
    sent before their receipts are awaited (one block for all, not one each). Exactly once holds whatever happens to
    the process: the target bridge refuses a second delivery of a message, and a delivery this relayer finds done
    (by itself before a crash, or by another relayer) is reported as ``skipped``.
    """

    def __init__(
        self,
        bridge: CrossChainBridge,
        store: AttestationStore,
        *,
        guardians: Sequence[BridgeGuardian] = (),
        sender: Signer | None = None,
    ) -> None:
        # the bridge seen through endpoints kept for ENDPOINT_TTL seconds: building one (a web3 contract object,
        # the deployments file read) costs tens of ms, and a pass asks for them dozens of times
        self._source = bridge
        self._endpoints: dict[str, tuple[float, BridgeEndpoint]] = {}
        self.bridge = CrossChainBridge(self._endpoint, bridge.names, store)
        self.store = store
        # local guardians of the same bridge sign through that view too (they still check the source chain each)
        self.guardians = [
            BridgeGuardian(g.signer, self.bridge, g.store) if g.bridge is bridge else g for g in guardians
        ]
        self.sender = sender
        self._scanned: dict[str, int] = {}  # chain name -> last block whose messages were read
        self._open: dict[str, tuple[str, BridgeMessage, int]] = {}  # transfer id -> (source, message, block)

    def _endpoint(self, name: str) -> BridgeEndpoint:
        now = time.monotonic()
        kept = self._endpoints.get(name)
        if kept is None or now - kept[0] > ENDPOINT_TTL:
            kept = (now, self._source.endpoint(name))
            self._endpoints[name] = kept
        return kept[1]

    def quorum(self, message: BridgeMessage) -> list[bytes]:
        """The valid signatures over ``message`` from current guardians of its target, signers ascending; raises
        :class:`AttestationError` when fewer than the threshold."""
        dst = self.bridge.endpoint_by_id(message.target_chain_id)
        guardians, threshold = self.bridge.guardians(dst.name)
        members = set(guardians)
        digest = self.bridge.delivery_digest(message)
        valid: dict[str, bytes] = {}
        for signature in self.store.signatures(message).values():
            signer = recover_signer(digest, signature)
            if signer is not None and signer in members:
                valid[signer] = signature
        if len(valid) < threshold:
            raise AttestationError(message.transfer_id, len(valid), threshold)
        ordered = sorted(valid, key=lambda a: int(a, 16))[:threshold]
        return [valid[a] for a in ordered]

    def heads(self) -> tuple[int, ...]:
        """The latest block number of every bridged chain (what :meth:`run` watches to start a pass)."""
        return tuple(self.bridge.endpoint(name).chain.block_number() for name in self.bridge.names())

    def _scan(self, name: str) -> None:
        """Add the messages chain ``name``'s bridge published (or delayed) since the last scan to the open set."""
        ep = self.bridge.endpoint(name)
        latest = ep.chain.block_number()
        start = max(self._scanned.get(name, ep.from_block - 1) + 1, ep.from_block)
        if latest < start:
            return
        targets = {self.bridge.endpoint(n).chain_id for n in self.bridge.names()}
        with ep.chain.mapped("reading bridge messages", address=ep.bridge.address):
            # delayed first: a delayed message published on release keeps the block it was sent in
            for event in (ep.bridge.events.MessageDelayed, ep.bridge.events.MessagePublished):
                for log in event.get_logs(from_block=start, to_block=latest):
                    m = BridgeMessage.from_event(log["args"])
                    if m.target_chain_id in targets:  # messages to Solana are SolanaBridge's
                        self._open.setdefault(m.transfer_id, (name, m, int(log["blockNumber"])))
        self._scanned[name] = latest

    def _open_transfers(self, name: str) -> Iterator[BridgeTransfer]:
        """The transfers from chain ``name`` still to deliver, as the chains see them now (a delivered or refunded
        one leaves the open set for good: both are final)."""
        self._scan(name)
        ep = self.bridge.endpoint(name)
        for tid, (source, message, block) in sorted(self._open.items(), key=lambda kv: kv[1][1].nonce):
            if source != name:
                continue
            t = self.bridge._status(ep, message, block)
            if t.state in (TransferState.DELIVERED, TransferState.REFUNDED):
                del self._open[tid]
                continue
            yield t

    def run_once(self) -> list[RelayAction]:
        """One pass over every bridged chain: release delayed transfers that are due, attest with local guardians,
        deliver what has a quorum and is not delivered yet."""
        actions: list[RelayAction] = []
        ready: list[tuple[BridgeMessage, str, str, list[bytes]]] = []
        for name in self.bridge.names():
            for t in self._open_transfers(name):
                due = t.release_at is not None and self.bridge.endpoint(name).chain.timestamp() >= t.release_at
                if t.state is TransferState.DELAYED and due:
                    r = self.bridge.release_delayed(t.id, sender=self.sender)
                    actions.append(RelayAction("released", t.id, t.source, t.target, r.tx_hash, r.gas_used))
                    t = self.bridge.get_transfer(t.id)
                if t.state not in (TransferState.INITIATED, TransferState.ATTESTED):
                    continue
                if t.attestation is Attestation.CHECKPOINT:
                    actions += self._relay_checkpoint(t.message, t.source, t.target)
                    continue
                signatures = self._attest(t.message, t.source, t.target, actions)
                if signatures is not None:
                    ready.append((t.message, t.source, t.target, signatures))
        actions += self._deliver(ready)
        return actions

    def _relay_checkpoint(self, message: BridgeMessage, source: str, target: str) -> Iterator[RelayAction]:
        how = Attestation.CHECKPOINT.value
        try:
            receipt = self.bridge.deliver_with_checkpoint(message, sender=self.sender)
        except CheckpointPendingError as exc:
            yield RelayAction("waiting", message.transfer_id, source, target, detail=exc.message, attestation=how)
            return
        except ContractCustomError as exc:
            if exc.error_name != "BridgeAlreadyDelivered":
                raise
            receipt = None
        if receipt is None:
            yield RelayAction(
                "skipped", message.transfer_id, source, target, detail="delivered already", attestation=how
            )
        else:
            yield RelayAction(
                "delivered", message.transfer_id, source, target, receipt.tx_hash, receipt.gas_used, attestation=how
            )

    def _attest(
        self, message: BridgeMessage, source: str, target: str, actions: list[RelayAction]
    ) -> list[bytes] | None:
        """Sign ``message`` with the local guardians that have not yet; its quorum, or None (a ``waiting`` action)."""
        have = self.store.signatures(message)
        for g in self.guardians:
            if g.address not in have:
                g.attest(message)
                actions.append(RelayAction("attested", message.transfer_id, source, target, detail=g.address))
        try:
            return self.quorum(message)
        except AttestationError as exc:
            how = Attestation.GUARDIANS.value
            actions.append(
                RelayAction("waiting", message.transfer_id, source, target, detail=str(exc), attestation=how)
            )
            return None

    def _deliver(self, ready: Sequence[tuple[BridgeMessage, str, str, list[bytes]]]) -> list[RelayAction]:
        """Send every ready delivery, then wait for their receipts (all mined in the next block or so)."""
        how = Attestation.GUARDIANS.value
        sent: list[tuple[BridgeMessage, str, str, Chain, PendingTx | None]] = []
        for message, source, target, signatures in ready:
            dst = self.bridge.endpoint(target)
            pending: PendingTx | None = None
            if not self.bridge.is_delivered(message):
                fn = dst.bridge.functions.deliver(message.as_tuple(), [bytes(s) for s in signatures])
                request = TxRequest(to=fn.address, data=to_bytes(hexstr=fn._encode_transaction_data()))
                try:
                    pending = dst.chain.send(request, sender=self.sender)
                except ContractCustomError as exc:  # refused when estimated: another relayer delivered it
                    if exc.error_name != "BridgeAlreadyDelivered":
                        raise
            sent.append((message, source, target, dst.chain, pending))
        actions: list[RelayAction] = []
        for message, source, target, chain, pending in sent:
            receipt: Receipt | None = None
            if pending is not None:
                try:
                    receipt = chain.wait(pending)
                except ContractCustomError as exc:  # mined after another relayer's: refused, delivered once
                    if exc.error_name != "BridgeAlreadyDelivered":
                        raise
            if receipt is None:
                actions.append(
                    RelayAction(
                        "skipped", message.transfer_id, source, target, detail="delivered already", attestation=how
                    )
                )
            else:
                actions.append(
                    RelayAction(
                        "delivered",
                        message.transfer_id,
                        source,
                        target,
                        receipt.tx_hash,
                        receipt.gas_used,
                        attestation=how,
                    )
                )
        return actions

    def run(
        self,
        *,
        interval: float = 1.0,
        until: Callable[[], bool] | None = None,
        on_action: Callable[[RelayAction], None] | None = None,
        poll: float | None = None,
    ) -> None:
        """Relay until ``until()`` is true (forever when None): a pass as soon as any bridged chain has a new block,
        and at least every ``interval`` seconds (delayed transfers come due by time, signatures arrive in the store
        between blocks). The chains' heads are read every ``poll`` seconds, one ``eth_blockNumber`` each: by default
        every 0.05 s when every bridged chain is a dev chain, every 0.5 s otherwise (public RPC endpoints
        rate-limit), never less often than ``interval``."""
        if poll is None:
            dev = all(self.bridge.endpoint(name).chain.is_dev for name in self.bridge.names())
            poll = DEV_POLL if dev else PUBLIC_POLL
        heads: tuple[int, ...] | None = None
        next_pass = 0.0
        step = max(min(poll, interval), 0.0)
        while until is None or not until():
            now = time.monotonic()
            current = self.heads()
            if current != heads or now >= next_pass:
                heads = current
                for action in self.run_once():
                    if on_action is not None:
                        on_action(action)
                next_pass = time.monotonic() + interval
            time.sleep(step)
