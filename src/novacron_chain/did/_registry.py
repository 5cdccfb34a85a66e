"""The DIDRegistry on chain: reading an identity's history, replaying it into a state, and sending changes.

Reading follows ERC-1056: ``changed(identity)`` names the block of the latest change, every event carries
``previousChange``, so the history is the logs of those blocks only, read newest first (one ``eth_getLogs`` of one
block per step, however long the chain). Replaying the history at a point in time gives the identity's owner, its
valid delegates and published keys, and the keys that were valid once but are not any more (and why).

Changes are EIP-712-signed by the identity's owner key and relayed by the chain's configured account, so identity
keys never need native coins; when the owner key is the chain's own account, the plain (unsigned) function is
called instead (no signature to check: cheaper).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from web3._utils.events import get_event_data

from ..chain import ZERO_ADDRESS, Receipt, Signer, event_indexer
from ..errors import NovaChainError
from ._did import address_of_public_key

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

    from ..chain import Chain

__all__ = [
    "DELEGATE_TYPES",
    "KIND_ATTRIBUTE",
    "PUBKEY_ATTRIBUTE",
    "HistoryEvent",
    "IdentityState",
    "KeyInfo",
    "RegistryClient",
    "replay",
]

#: delegate types a DID document shows: veriKey delegates may sign credentials, sigAuth ones may also authenticate
DELEGATE_TYPES = ("veriKey", "sigAuth")
#: attribute under which an identity publishes a secp256k1 public key (ERC-1056 resolvers read the same name)
PUBKEY_ATTRIBUTE = "did/pub/Secp256k1/veriKey/hex"
#: attribute naming the kind of identity (vm, host, provider, user), published only on request
KIND_ATTRIBUTE = "novacron/kind"
_IDENTITY_EVENTS = ("DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged")
_EIP712_NAME, _EIP712_VERSION = b"NovaCronDIDRegistry", b"1"

_TYPEHASH = {
    "changeOwner": keccak(b"ChangeOwner(address identity,address newOwner,uint256 nonce)"),
    "addDelegate": keccak(
        b"AddDelegate(address identity,bytes32 delegateType,address delegate,uint256 validity,uint256 nonce)"
    ),
    "revokeDelegate": keccak(b"RevokeDelegate(address identity,bytes32 delegateType,address delegate,uint256 nonce)"),
    "setAttribute": keccak(b"SetAttribute(address identity,bytes32 name,bytes value,uint256 validity,uint256 nonce)"),
    "revokeAttribute": keccak(b"RevokeAttribute(address identity,bytes32 name,bytes value,uint256 nonce)"),
    "revokeCredential": keccak(b"RevokeCredential(address issuer,bytes32 credentialId,uint256 nonce)"),
}


def bytes32_text(text: str) -> bytes:
    """``text`` as a right-padded bytes32 (ERC-1056 names and delegate types)."""
    raw = text.encode()
    if len(raw) > 32:
        from ._errors import DIDValueError

        raise DIDValueError(f"{text!r} is {len(raw)} bytes; names and delegate types are at most 32 bytes")
    return raw.ljust(32, b"\0")


def text_of_bytes32(raw: bytes) -> str | None:
    """The text in a right-padded bytes32, or None when it is not UTF-8."""
    try:
        return raw.rstrip(b"\0").decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One change of an identity, as the registry logged it."""

    block: int
    timestamp: int
    log_index: int
    tx_hash: str
    event: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key that may act for an identity: the owner's or a delegate's.

    ``fragment`` is its id in the DID document (``keys-<generation>`` for owner keys, ``delegate-<n>`` for
    delegates); ``public_key`` is known when published on chain, else only ``address``. ``since`` and
    ``valid_to`` are unix times (``valid_to`` None: until the owner changes); ``retired`` says why a key that was
    valid once is not any more (None while it is valid).
    """

    fragment: str
    address: str
    public_key: bytes | None
    purposes: tuple[str, ...]
    since: int
    valid_to: int | None
    is_owner: bool
    retired: str | None = None


@dataclass
class IdentityState:
    """An identity at one point of chain time, from its replayed history."""

    address: str
    now: int
    changed: int
    owner: str | None
    generation: int
    keys: list[KeyInfo] = field(default_factory=list)
    retired: dict[str, KeyInfo] = field(default_factory=dict)
    services: list[tuple[str, str, str]] = field(default_factory=list)
    kind: str | None = None
    created: int | None = None
    updated: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def deactivated(self) -> bool:
        """Whether the owner was set to the zero address."""
        return self.owner is None

    def key(self, fragment: str) -> KeyInfo | None:
        """The currently valid key with this fragment, if any."""
        return next((k for k in self.keys if k.fragment == fragment), None)

    def keys_for(self, purpose: str) -> list[KeyInfo]:
        """Currently valid keys usable for ``purpose`` (``assertionMethod`` or ``authentication``)."""
        return [k for k in self.keys if purpose in k.purposes]

    def key_of_address(self, address: str, purpose: str) -> KeyInfo | None:
        """The first valid key of ``address`` usable for ``purpose`` (the owner key before delegates)."""
        return next((k for k in self.keys_for(purpose) if k.address == address), None)


def _parse_pub_name(name: str) -> str | None:
    """The purpose in ``did/pub/Secp256k1/<purpose>[/hex]``, or None for other attributes."""
    parts = name.split("/")
    if len(parts) in (4, 5) and parts[:3] == ["did", "pub", "Secp256k1"] and (len(parts) == 4 or parts[4] == "hex"):
        return parts[3]
    return None


def replay(address: str, events: list[HistoryEvent], now: int, changed: int) -> IdentityState:
    """The identity ``address`` at chain time ``now``, from its ``events`` (oldest first).

    Owner keys: the owner of generation ``g`` (1 + owner changes so far) is ``keys-g``; its public key is known
    when a valid ``did/pub/Secp256k1/*`` attribute holds a key of the owner's address. A published key of a former
    owner dies with the rotation (it does not linger as a delegate). Delegates and other published keys are
    ``delegate-<n>``, numbered in the order they were added (stable: history only grows); a key published by its
    own owner is not numbered.
    """
    owner: str | None = address
    generation, owner_since = 1, 0
    former: list[tuple[str, str, int, int]] = []  # (address, fragment, block, timestamp) of rotated-out owners
    # (type, address) or (purpose, public key) -> (ordinal, valid_to, since, revoked at or None)
    delegates: dict[tuple[str, str], tuple[int, int, int, int | None]] = {}
    pubkeys: dict[tuple[str, bytes], tuple[int, int, int, int | None]] = {}
    services: dict[tuple[str, str], tuple[int, int]] = {}  # (type, endpoint) -> (ordinal, valid_to)
    kind: tuple[str, int] | None = None
    ordinal = service_ordinal = 0
    warnings: list[str] = []
    for ev in events:
        a = ev.args
        if ev.event == "DIDOwnerChanged":
            if owner is not None:
                former.append((owner, f"keys-{generation}", ev.block, ev.timestamp))
            new = str(a["owner"])
            owner = None if new == ZERO_ADDRESS else new
            generation += 1
            owner_since = ev.timestamp
        elif ev.event == "DIDDelegateChanged":
            dtype = text_of_bytes32(a["delegateType"])
            if dtype not in DELEGATE_TYPES:
                continue  # other delegate types are not verification relationships
            dkey = (dtype, str(a["delegate"]))
            valid_to = int(a["validTo"])
            if valid_to > ev.timestamp:
                ordinal += 1
                delegates[dkey] = (ordinal, valid_to, ev.timestamp, None)
            elif dkey in delegates:
                n, _, since, _ = delegates[dkey]
                delegates[dkey] = (n, valid_to, since, ev.timestamp)
        elif ev.event == "DIDAttributeChanged":
            name = text_of_bytes32(a["name"])
            value: bytes = a["value"]
            valid_to = int(a["validTo"])
            if name is None:
                warnings.append(f"block {ev.block}: an attribute name that is not UTF-8 was ignored")
                continue
            purpose = _parse_pub_name(name)
            if purpose is not None:
                if purpose not in DELEGATE_TYPES:
                    warnings.append(f"block {ev.block}: key purpose {purpose!r} is unknown; the key was ignored")
                    continue
                try:
                    key = bytes(value)
                    address_of_public_key(key)
                except NovaChainError:
                    warnings.append(f"block {ev.block}: {name} holds {len(value)} bytes that are not a secp256k1 key")
                    continue
                pkey = (purpose, key)
                if valid_to > ev.timestamp:
                    # the owner's own key is described by keys-<generation>, not numbered as a delegate
                    if _addr(key) != owner:
                        ordinal += 1
                    pubkeys[pkey] = (ordinal if _addr(key) != owner else 0, valid_to, ev.timestamp, None)
                elif pkey in pubkeys:
                    n, _, since, _ = pubkeys[pkey]
                    pubkeys[pkey] = (n, 0, since, ev.timestamp)
            elif name.startswith("did/svc/"):
                try:
                    endpoint = bytes(value).decode("utf-8")
                except UnicodeDecodeError:
                    warnings.append(f"block {ev.block}: service endpoint of {name} is not UTF-8; ignored")
                    continue
                skey = (name[len("did/svc/") :], endpoint)
                if valid_to > ev.timestamp:
                    service_ordinal += 1
                    services[skey] = (service_ordinal, valid_to)
                elif skey in services:
                    services[skey] = (services[skey][0], valid_to)
            elif name == KIND_ATTRIBUTE:
                text = text_of_bytes32(bytes(value)) if len(value) <= 32 else None
                if not text:
                    warnings.append(f"block {ev.block}: {KIND_ATTRIBUTE} is not short UTF-8 text; ignored")
                elif valid_to > ev.timestamp:
                    kind = (text, valid_to)
                elif kind is not None and kind[0] == text:
                    kind = None

    state = IdentityState(
        address=address,
        now=now,
        changed=changed,
        owner=owner,
        generation=generation,
        created=events[0].timestamp if events else None,
        updated=events[-1].timestamp if events else None,
        warnings=warnings,
    )
    former_owner = {addr: fragment for addr, fragment, _, _ in former}
    for addr, fragment, block, ts in former:
        state.retired[fragment] = KeyInfo(
            fragment, addr, None, (), 0, ts, True, retired=f"rotated out at block {block} (time {ts})"
        )
    if owner is None:
        return state

    both = ("assertionMethod", "authentication")
    owner_pub = next(
        (
            k
            for (_, k), (_, vt, _, _) in sorted(pubkeys.items(), key=lambda i: i[1][0])
            if vt > now and _addr(k) == owner
        ),
        None,
    )
    state.keys.append(KeyInfo(f"keys-{generation}", owner, owner_pub, both, owner_since, None, True))
    entries: list[tuple[int, KeyInfo, int | None]] = []
    for (dtype, daddr), (n, valid_to, since, revoked) in delegates.items():
        purposes = both if dtype == "sigAuth" else ("assertionMethod",)
        entries.append((n, KeyInfo(f"delegate-{n}", daddr, None, purposes, since, valid_to, False), revoked))
    for (purpose, key), (n, valid_to, since, revoked) in pubkeys.items():
        kaddr = _addr(key)
        if kaddr == owner:
            continue
        purposes = both if purpose == "sigAuth" else ("assertionMethod",)
        info = KeyInfo(f"delegate-{n}", kaddr, key, purposes, since, valid_to, False)
        if kaddr in former_owner:
            state.retired[info.fragment] = _retire(info, f"the key of {former_owner[kaddr]}, rotated out")
            continue
        entries.append((n, info, revoked))
    for _, info, revoked in sorted(entries, key=lambda e: e[0]):
        assert info.valid_to is not None
        if revoked is not None:
            state.retired[info.fragment] = _retire(info, f"revoked at time {revoked}")
        elif info.valid_to > now:
            state.keys.append(info)
        else:
            state.retired[info.fragment] = _retire(info, f"expired at time {info.valid_to}")
    state.services = [
        (f"service-{n}", stype, endpoint)
        for (stype, endpoint), (n, valid_to) in sorted(services.items(), key=lambda i: i[1][0])
        if valid_to > now
    ]
    state.kind = kind[0] if kind is not None and kind[1] > now else None
    return state


def _retire(info: KeyInfo, why: str) -> KeyInfo:
    return KeyInfo(info.fragment, info.address, info.public_key, info.purposes, info.since, info.valid_to, False, why)


def _addr(key: bytes) -> str:
    return address_of_public_key(key)


class RegistryClient:
    """Reads and writes one DIDRegistry deployment through a :class:`~novacron_chain.chain.Chain`."""

    def __init__(self, chain: Chain, registry: Contract) -> None:
        self.chain = chain
        self.registry = registry
        self.address = str(registry.address)
        self._state_selector = keccak(b"credentialState(address,bytes32)")[:4]
        self._events = {name: getattr(registry.events, name)().abi for name in _IDENTITY_EVENTS}
        self._topics = {
            "0x" + keccak(f"{name}({','.join(i['type'] for i in abi['inputs'])})".encode()).hex(): abi
            for name, abi in self._events.items()
        }
        domain_typehash = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
        self.domain_separator = keccak(
            abi_encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [domain_typehash, keccak(_EIP712_NAME), keccak(_EIP712_VERSION), chain.chain_id, self.address],
            )
        )

    # -- reads ----------------------------------------------------------------------------------------------------

    def state_of(self, issuer: str, credential_id: bytes = bytes(32)) -> tuple[int, int, int]:
        """``(issuer's changed block, the credential's revocation time or 0, chain time)`` in one call.

        The hot path of every verification: one raw ``eth_call`` straight to the provider (web3's middleware
        would add two ``eth_chainId`` requests per call); anything unexpected falls back to the ordinary path.
        """
        data = "0x" + (self._state_selector + abi_encode(["address", "bytes32"], [issuer, credential_id])).hex()
        try:
            response = self.chain.w3.provider.make_request(
                "eth_call",  # type: ignore[arg-type]
                [{"to": self.address, "data": data}, "latest"],
            )
            result: Any = response.get("result")
            raw = bytes.fromhex(result[2:]) if isinstance(result, str) else bytes(result)
        except Exception:  # an error answer or an unusual provider: the ordinary path maps it
            raw = b""
        if len(raw) != 96:
            changed, revoked_at, now = self.chain.call(self.registry.functions.credentialState(issuer, credential_id))
            return int(changed), int(revoked_at), int(now)
        return (
            int.from_bytes(raw[:32], "big"),
            int.from_bytes(raw[32:64], "big"),
            int.from_bytes(raw[64:], "big"),
        )

    def nonce(self, identity: str) -> int:
        """The nonce the next signed change of ``identity`` must use."""
        return int(self.chain.call(self.registry.functions.nonce(identity)))

    def history(self, identity: str, changed: int) -> list[HistoryEvent]:
        """Every change of ``identity``, oldest first, walking ``previousChange`` back from block ``changed``."""
        topic = "0x" + bytes(12).hex() + identity[2:].lower()
        events: list[HistoryEvent] = []
        block, seen = changed, set()
        with self.chain.mapped("reading the identity's history"):
            while block and block not in seen:
                seen.add(block)
                # one block per step: the walk reads only the blocks that changed the identity, and its start
                # (``changed`` now) is always on the current chain, so it needs no cache to be reorg-safe
                logs = event_indexer(self.chain).read(self.registry.address, [list(self._topics), topic], block, block)
                timestamp = int(self.chain.w3.eth.get_block(block)["timestamp"])
                previous = []
                step: list[HistoryEvent] = []
                for log in logs:
                    abi = self._topics["0x" + bytes(log["topics"][0]).hex().removeprefix("0x")]
                    data = get_event_data(self.chain.w3.codec, abi, log)
                    args = dict(data["args"])
                    previous.append(int(args["previousChange"]))
                    step.append(
                        HistoryEvent(
                            block=block,
                            timestamp=timestamp,
                            log_index=int(log["logIndex"]),
                            tx_hash="0x" + bytes(log["transactionHash"]).hex().removeprefix("0x"),
                            event=str(data["event"]),
                            args=args,
                        )
                    )
                events.extend(sorted(step, key=lambda e: e.log_index, reverse=True))
                earlier = [p for p in previous if p < block]
                block = min(earlier) if earlier else 0
        events.reverse()
        return events

    # -- writes ---------------------------------------------------------------------------------------------------

    def digest(self, operation: str, identity: str, *values: tuple[str, Any]) -> bytes:
        """The EIP-712 digest the owner signs for ``operation`` on ``identity`` with the current nonce."""
        types = ["bytes32", "address", *(t for t, _ in values), "uint256"]
        args = [_TYPEHASH[operation], identity, *(v for _, v in values), self.nonce(identity)]
        struct_hash = keccak(abi_encode(types, args))
        return keccak(b"\x19\x01" + self.domain_separator + struct_hash)

    def send(
        self,
        operation: str,
        identity: str,
        key: Signer,
        args: tuple[Any, ...],
        typed: tuple[tuple[str, Any], ...],
    ) -> Receipt:
        """Send ``operation(identity, *args)`` as ``key``: relayed with an EIP-712 signature, or directly.

        Directly when ``key`` is the chain's own account (cheaper) or when the chain has no account to relay
        with (then ``key`` pays its own gas).
        """
        fn: Callable[..., ContractFunction]
        if not self.chain.has_signer or self.chain.signer.address == key.address:
            fn = getattr(self.registry.functions, operation)
            sender = None if self.chain.has_signer else key
            return self.chain.transact(fn(identity, *args), sender=sender)
        v, r, s = key.sign_hash(self.digest(operation, identity, *typed))
        fn = getattr(self.registry.functions, operation + "Signed")
        return self.chain.transact(fn(identity, v, r.to_bytes(32, "big"), s.to_bytes(32, "big"), *args))
