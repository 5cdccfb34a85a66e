"""``DIDManager``: create and resolve did:novacron identities, issue, verify and revoke credentials."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from eth_hash.auto import keccak

from ..chain import ZERO_ADDRESS, Receipt, Signer, checksum
from ..errors import IdentityError, KeyManagementError
from ._credentials import (
    VC_CONTEXT,
    PresentationResult,
    Problem,
    VerificationResult,
    check_credential_id,
    check_types,
    normalize_claims,
    parse_time,
    to_timestamp,
)
from ._did import _NETWORK, ParsedDID, parse_did
from ._document import DIDResolution, iso_time, make_resolution
from ._errors import (
    DIDDeactivatedError,
    DIDKeyNotAuthorizedError,
    DIDNetworkMismatchError,
    DIDValueError,
    InvalidDIDError,
)
from ._jose import JwsParts, JwsSyntaxError, sign_jws
from ._registry import (
    KIND_ATTRIBUTE,
    PUBKEY_ATTRIBUTE,
    HistoryEvent,
    IdentityState,
    KeyInfo,
    RegistryClient,
    bytes32_text,
    replay,
)

if TYPE_CHECKING:
    from pathlib import Path

    from web3.contract import Contract

    from ..chain import Chain
    from ..zk import ZkCredential, ZkProof, ZkVerificationResult

__all__ = ["DID_KINDS", "DIDManager", "credential_hash"]

#: the kinds of identity NovaCron creates
DID_KINDS = ("vm", "host", "provider", "user")
#: longest validity the registry accepts for a delegate or attribute (100 years)
MAX_VALIDITY = 100 * 365 * 24 * 3600
DEFAULT_KEY_VALIDITY = 10 * 365 * 24 * 3600
DEFAULT_DELEGATE_VALIDITY = 365 * 24 * 3600
STATUS_TYPE = "NovaCronRevocationRegistry"
_ENVELOPE_PREFIX = "data:application/vc+jwt,"


def credential_hash(credential_id: str) -> bytes:
    """The 32-byte id under which the registry keeps a credential's status: keccak256 of its ``id`` (UTF-8)."""
    return keccak(check_credential_id(credential_id).encode())


def _as_signer(key: Signer | bytes | str, what: str = "key") -> Signer:
    if isinstance(key, Signer):
        return key
    if isinstance(key, str):
        body = key.strip().removeprefix("0x").removeprefix("0X")
        try:
            raw = bytes.fromhex(body)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise KeyManagementError(
                f"{what} is not a private key (expected 64 hex digits)",
                hint="pass the 32-byte key create_did returned, as bytes or hex",
            )
        return Signer(raw, label=what)
    if isinstance(key, bytes | bytearray):
        return Signer(bytes(key), label=what)
    raise DIDValueError(f"{what} must be a Signer, 32 bytes or hex text, not {type(key).__name__}")


class _Invalid(Exception):
    """Internal: stops a verification with a problem and a reason."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem
        self.reason = reason


def _fail(problem: Problem, reason: str) -> NoReturn:
    raise _Invalid(problem, reason)


class DIDManager:
    """did:novacron identities on one chain, backed by a deployed ``DIDRegistry``.

    ``network`` is the DID network segment of this chain (see :func:`did_network`); DIDs naming another
    network are refused with :class:`DIDNetworkMismatchError`. Resolutions are cached per identity (up to
    ``cache_size`` identities; 0 turns the cache off) and re-validated on every use against the registry's
    ``changed(identity)``, so a cached document is never stale: caching saves reading the history, not the check.
    A verifier that can accept a bounded delay may set ``max_staleness`` (seconds): verifications then reuse what
    the chain said (the issuer's latest change and the credential's revocation) for that long, with no chain call
    at all; a rotation or revocation in that window is seen only when it ends.

    Every time is chain time (the latest block's timestamp); ``clock_skew`` seconds are tolerated on the not-before
    side (an issuer's clock slightly ahead), never on expiry.

    Changes on chain (publishing keys, rotation, delegates, revocation) are signed by the identity's key and sent
    by the chain's configured account, which pays the gas: identity keys never need native coins.
    """

    def __init__(
        self,
        chain: Chain,
        registry: Contract,
        network: str,
        *,
        cache_size: int = 1024,
        clock_skew: int = 60,
        max_staleness: float = 0.0,
    ) -> None:
        if not isinstance(network, str) or not _NETWORK.match(network):
            raise DIDValueError(
                f"network {network!r} cannot be a DID network segment",
                hint="use a lowercase name (polygon, embedded) or the hex chain id (0x89); see did_network()",
            )
        if network.startswith("0x") and int(network, 16) != chain.chain_id:
            raise IdentityError(f"network {network} is chain {int(network, 16)}, but the chain is {chain.chain_id}")
        from ..config import KNOWN_CHAIN_IDS

        if KNOWN_CHAIN_IDS.get(network, chain.chain_id) != chain.chain_id:
            raise IdentityError(
                f"network {network!r} is chain {KNOWN_CHAIN_IDS[network]}, but the connected chain is {chain.chain_id}",
                hint="name the network the chain really is (did_network(config.network, chain.chain_id))",
            )
        if cache_size < 0 or clock_skew < 0 or max_staleness < 0:
            raise DIDValueError("cache_size, clock_skew and max_staleness must not be negative")
        self.chain = chain
        self.registry = registry
        self.network = network
        self.cache_size = cache_size
        self.clock_skew = clock_skew
        self.max_staleness = max_staleness
        self._client = RegistryClient(chain, registry)
        self._history: OrderedDict[str, tuple[int, list[HistoryEvent]]] = OrderedDict()
        self._recent: OrderedDict[tuple[str, bytes], tuple[int, int, int, float]] = OrderedDict()
        self._lock = threading.Lock()  # the caches are shared by threads verifying at once

    @property
    def registry_id(self) -> str:
        """The registry as a CAIP-10 account id: ``eip155:<chain id>:<address>``."""
        return f"eip155:{self.chain.chain_id}:{self._client.address}"

    def did_of(self, address: str) -> str:
        """The DID of ``address`` on this network."""
        return f"did:novacron:{self.network}:{checksum(address)}"

    # -- DIDs -----------------------------------------------------------------------------------------------------

    def parse(self, did: object, *, allow_fragment: bool = False) -> ParsedDID:
        """Parse ``did`` and check that it lives on this network (:class:`DIDNetworkMismatchError` if not)."""
        parsed = parse_did(did, allow_fragment=allow_fragment)
        if parsed.network not in (self.network, hex(self.chain.chain_id)):
            raise DIDNetworkMismatchError(parsed.did, parsed.network, self.network)
        return parsed

    def create_did(self, kind: str, *, publish: bool = False) -> tuple[dict[str, Any], bytes]:
        """A new identity of ``kind`` (vm, host, provider, user): its DID document and its private key.

        With ``publish=False`` (the default) nothing is written and no gas is spent: every address is an identity
        already, owned by its own key; the document names the key by its address
        (``EcdsaSecp256k1RecoveryMethod2020``). ``publish=True`` records the public key and the kind on chain
        (two relayed transactions, paid by the chain's account), and the document then carries the key itself
        (``EcdsaSecp256k1VerificationKey2019`` with ``publicKeyMultibase``), which any JOSE library can verify with.
        The private key is returned once; keep it (e.g. in an encrypted keystore).
        """
        if kind not in DID_KINDS:
            raise DIDValueError(f"unknown identity kind {kind!r}", hint=f"use one of {', '.join(DID_KINDS)}")
        while True:
            try:
                signer = Signer(secrets.token_bytes(32), label=f"{kind} identity key")
                break
            except KeyManagementError:  # a random 32 bytes above the curve order: about 1 in 2^128
                continue
        did = self.did_of(signer.address)
        if publish:
            self.publish_key(did, signer)
            self.set_attribute(did, signer, KIND_ATTRIBUTE, kind.encode())
            return self.resolve(did).document, signer.private_key
        state = replay(signer.address, [], 0, 0)  # a fresh key has no history: no need to ask the chain
        document = make_resolution(did, self.network, state, self.chain.chain_id, self._client.address).document
        return document, signer.private_key

    def resolve(self, did: str) -> DIDResolution:
        """The DID document of ``did`` now, with metadata (created, updated, deactivated, versionId, kind)."""
        parsed = self.parse(did)
        changed, _, now = self._client.state_of(parsed.address)
        state = self._state(parsed.address, changed, now)
        return make_resolution(parsed.did, parsed.network, state, self.chain.chain_id, self._client.address)

    def _state(self, address: str, changed: int, now: int) -> IdentityState:
        with self._lock:
            cached = self._history.get(address)
            if cached is not None:
                self._history.move_to_end(address)
        if cached is not None and cached[0] == changed:
            events = cached[1]
        else:
            events = self._client.history(address, changed)
            if self.cache_size:
                with self._lock:
                    self._history[address] = (changed, events)
                    self._history.move_to_end(address)
                    while len(self._history) > self.cache_size:
                        self._history.popitem(last=False)
        return replay(address, events, now, changed)

    def clear_cache(self) -> None:
        """Forget cached histories and chain reads (after reverting a dev chain to a snapshot, say)."""
        with self._lock:
            self._history.clear()
            self._recent.clear()

    def _chain_state(self, address: str, cred_hash: bytes = bytes(32)) -> tuple[int, int, int]:
        """``(changed, revoked_at, now)`` from the registry, or from a read at most ``max_staleness`` old."""
        if self.max_staleness <= 0:
            return self._client.state_of(address, cred_hash)
        key = (address, cred_hash)
        with self._lock:
            hit = self._recent.get(key)
        if hit is not None:
            age = time.monotonic() - hit[3]
            if age <= self.max_staleness:
                return hit[0], hit[1], hit[2] + int(age)
        changed, revoked_at, now = self._client.state_of(address, cred_hash)
        with self._lock:
            self._recent[key] = (changed, revoked_at, now, time.monotonic())
            self._recent.move_to_end(key)
            while len(self._recent) > max(self.cache_size, 1):
                self._recent.popitem(last=False)
        return changed, revoked_at, now

    # -- identity changes -----------------------------------------------------------------------------------------

    def _owned(self, did: str, key: Signer | bytes | str, action: str) -> tuple[ParsedDID, Signer]:
        parsed = self.parse(did)
        signer = _as_signer(key)
        owner = str(self.chain.call(self.registry.functions.identityOwner(parsed.address)))
        if owner == ZERO_ADDRESS:
            raise DIDDeactivatedError(parsed.did, action=action)
        if owner != signer.address:
            raise DIDKeyNotAuthorizedError(parsed.did, signer.address, owner, action=action)
        with self._lock:
            self._recent.clear()  # this manager sees its own changes at once
        return parsed, signer

    def publish_key(self, did: str, key: Signer | bytes | str, *, validity: int = DEFAULT_KEY_VALIDITY) -> Receipt:
        """Record the owner's public key on chain, so documents carry it (``publicKeyMultibase``). Costs gas."""
        signer = _as_signer(key)
        return self.set_attribute(did, signer, PUBKEY_ATTRIBUTE, signer.public_key_compressed, validity=validity)

    def set_attribute(
        self,
        did: str,
        key: Signer | bytes | str,
        name: str,
        value: bytes,
        *,
        validity: int = DEFAULT_KEY_VALIDITY,
    ) -> Receipt:
        """Publish the attribute ``name`` = ``value`` for ``validity`` seconds (``did/svc/<type>``: a service)."""
        parsed, signer = self._owned(did, key, "set attributes")
        name32 = bytes32_text(name)
        self._check_validity(validity)
        if not isinstance(value, bytes):
            raise DIDValueError(f"attribute value must be bytes, not {type(value).__name__}")
        return self._client.send(
            "setAttribute",
            parsed.address,
            signer,
            (name32, value, validity),
            (("bytes32", name32), ("bytes32", keccak(value)), ("uint256", validity)),
        )

    def revoke_attribute(self, did: str, key: Signer | bytes | str, name: str, value: bytes) -> Receipt:
        """Revoke the attribute ``name`` = ``value``."""
        parsed, signer = self._owned(did, key, "revoke attributes")
        name32 = bytes32_text(name)
        return self._client.send(
            "revokeAttribute",
            parsed.address,
            signer,
            (name32, value),
            (("bytes32", name32), ("bytes32", keccak(value))),
        )

    def add_delegate(
        self,
        did: str,
        key: Signer | bytes | str,
        delegate: str,
        *,
        delegate_type: str = "veriKey",
        validity: int = DEFAULT_DELEGATE_VALIDITY,
    ) -> Receipt:
        """Let ``delegate`` (an address) sign for the identity for ``validity`` seconds.

        ``veriKey`` delegates may sign credentials (assertionMethod); ``sigAuth`` delegates may also authenticate
        (sign presentations).
        """
        parsed, signer = self._owned(did, key, "add delegates")
        if delegate_type not in ("veriKey", "sigAuth"):
            raise DIDValueError(f"delegate type {delegate_type!r} is not veriKey or sigAuth")
        self._check_validity(validity)
        addr = checksum(delegate, "delegate")
        dtype = bytes32_text(delegate_type)
        return self._client.send(
            "addDelegate",
            parsed.address,
            signer,
            (dtype, addr, validity),
            (("bytes32", dtype), ("address", addr), ("uint256", validity)),
        )

    def revoke_delegate(
        self, did: str, key: Signer | bytes | str, delegate: str, *, delegate_type: str = "veriKey"
    ) -> Receipt:
        """End ``delegate``'s delegation now."""
        parsed, signer = self._owned(did, key, "revoke delegates")
        addr = checksum(delegate, "delegate")
        dtype = bytes32_text(delegate_type)
        return self._client.send(
            "revokeDelegate", parsed.address, signer, (dtype, addr), (("bytes32", dtype), ("address", addr))
        )

    def change_owner(self, did: str, key: Signer | bytes | str, new_owner: str) -> Receipt:
        """Hand the identity to ``new_owner`` (an address). The zero address deactivates it: see :meth:`deactivate`."""
        parsed, signer = self._owned(did, key, "change the owner")
        addr = checksum(new_owner, "new owner")
        return self._client.send("changeOwner", parsed.address, signer, (addr,), (("address", addr),))

    def rotate_key(
        self,
        did: str,
        key: Signer | bytes | str,
        *,
        new_key: Signer | bytes | str | None = None,
        publish: bool = True,
    ) -> tuple[bytes, list[Receipt]]:
        """Replace the identity's owner key: ``key`` (the current owner) hands it to ``new_key`` (default: fresh).

        Returns the new private key and the receipts. The old key is retired at once: credentials it signed (and
        its published public key) are no longer accepted, see :meth:`verify_credential`. ``publish`` also records
        the new public key (a second transaction).
        """
        new = _as_signer(new_key, "new key") if new_key is not None else Signer(secrets.token_bytes(32))
        receipts = [self.change_owner(did, key, new.address)]
        if publish:
            receipts.append(self.publish_key(did, new))
        return new.private_key, receipts

    def deactivate(self, did: str, key: Signer | bytes | str) -> Receipt:
        """Deactivate the identity for good (owner set to the zero address). Its credentials stop verifying."""
        parsed, signer = self._owned(did, key, "deactivate")
        return self._client.send("changeOwner", parsed.address, signer, (ZERO_ADDRESS,), (("address", ZERO_ADDRESS),))

    @staticmethod
    def _check_validity(validity: int) -> None:
        if isinstance(validity, bool) or not isinstance(validity, int) or not 0 < validity <= MAX_VALIDITY:
            raise DIDValueError(f"validity {validity!r} must be 1 to {MAX_VALIDITY} seconds (100 years)")

    # -- credentials ----------------------------------------------------------------------------------------------

    def issue_credential(
        self,
        issuer_did: str,
        subject_did: str,
        claims: Mapping[str, object],
        key: Signer | bytes | str,
        *,
        valid_from: datetime | int | None = None,
        valid_until: datetime | int | None = None,
        credential_id: str | None = None,
        types: Sequence[str] = (),
    ) -> str:
        """Issue a credential about ``subject_did`` and return it as a compact JWS (``vc+jwt``, ES256K).

        ``key`` must be the issuer's owner key or a valid ``veriKey`` delegate's; the header's ``kid`` names it.
        ``valid_from`` defaults to now (chain time), ``valid_until`` to none; ``credential_id`` to a fresh
        ``urn:uuid:``. The credential carries a ``credentialStatus`` entry naming this registry, where
        :meth:`revoke_credential` revokes it.
        """
        issuer = self.parse(issuer_did)
        subject = parse_did(subject_did)
        signer = _as_signer(key)
        normalized = normalize_claims(claims)
        extra_types = check_types(list(types))
        cred_id = check_credential_id(credential_id) if credential_id is not None else f"urn:uuid:{uuid.uuid4()}"
        changed, _, now = self._client.state_of(issuer.address)
        state = self._state(issuer.address, changed, now)
        if state.deactivated:
            raise DIDDeactivatedError(issuer.did, action="issue credentials")
        signing = state.key_of_address(signer.address, "assertionMethod")
        if signing is None:
            raise DIDKeyNotAuthorizedError(issuer.did, signer.address, state.owner, action="issue credentials")
        nbf = to_timestamp(valid_from, "valid_from") if valid_from is not None else now
        exp = to_timestamp(valid_until, "valid_until") if valid_until is not None else None
        if exp is not None and exp <= max(nbf, now):
            raise DIDValueError(
                f"valid_until {iso_time(exp)} is not after valid_from {iso_time(nbf)} and now {iso_time(now)}",
                hint="a credential must be valid for some time in the future",
            )
        payload: dict[str, Any] = {
            "@context": [VC_CONTEXT],
            "type": ["VerifiableCredential", *extra_types],
            "id": cred_id,
            "issuer": issuer.did,
            "validFrom": iso_time(nbf),
            "credentialSubject": {"id": subject.did, **normalized},
            "credentialStatus": {
                "type": STATUS_TYPE,
                "statusPurpose": "revocation",
                "statusRegistry": self.registry_id,
                "credentialHash": "0x" + credential_hash(cred_id).hex(),
            },
            "iss": issuer.did,
            "sub": subject.did,
            "jti": cred_id,
            "iat": now,
            "nbf": nbf,
        }
        if exp is not None:
            payload["validUntil"] = iso_time(exp)
            payload["exp"] = exp
        header = {"alg": "ES256K", "typ": "vc+jwt", "kid": f"{issuer.did}#{signing.fragment}"}
        return sign_jws(header, payload, signer)

    def verify_credential(self, jwt: str) -> VerificationResult:
        """Check a ``vc+jwt`` credential; the result says whether it is valid and, if not, why.

        Checks, in order: the JWS and credential syntax; the issuer's DID (this network, not deactivated); that
        the ``kid`` names a key that is valid for the issuer *now* (the owner key of the current generation, or a
        ``veriKey``/``sigAuth`` delegate not expired or revoked) and that the credential's ``iat`` is not before
        the key was authorised (no backdating); the ES256K signature with that key (by public key when published,
        else by recovering the signer's address); the status registry's revocation entry; ``validFrom`` /
        ``validUntil``. A rotated-out or revoked key therefore signs nothing that verifies, including credentials
        it signed while it was valid: rotate deliberately, re-issue what matters.

        Bad credentials never raise: only a chain failure (:class:`~novacron_chain.errors.ChainError`) or a
        non-text argument does.
        """
        if not isinstance(jwt, str):
            raise DIDValueError(f"a credential is compact JWS text, not {type(jwt).__name__}")
        ctx: dict[str, Any] = {}
        try:
            return self._verify_credential(jwt.strip(), ctx)
        except _Invalid as inv:
            return VerificationResult(valid=False, reason=inv.reason, problem=inv.problem, **ctx)

    def _verify_credential(self, jwt: str, ctx: dict[str, Any]) -> VerificationResult:
        parts = self._parse_jws(jwt, "vc+jwt", "credential")
        p = parts.payload
        ctx["credential"] = p
        context = p.get("@context")
        if not isinstance(context, list) or not context or context[0] != VC_CONTEXT:
            _fail(Problem.MALFORMED, f"@context must be a list starting with {VC_CONTEXT}")
        types = p.get("type")
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            _fail(Problem.MALFORMED, "type must be a list containing VerifiableCredential")
        issuer_value = p.get("issuer")
        issuer_text = issuer_value.get("id") if isinstance(issuer_value, dict) else issuer_value
        issuer = self._parse_party(issuer_text, "issuer")
        ctx["issuer"] = issuer.did
        subject = p.get("credentialSubject")
        if not isinstance(subject, dict):
            _fail(Problem.MALFORMED, "credentialSubject must be an object")
        subject_id = subject.get("id")
        if not isinstance(subject_id, str):
            _fail(Problem.MALFORMED, "credentialSubject.id (the subject's DID) is missing")
        ctx["subject"] = subject_id
        cred_id = p.get("id")
        if not isinstance(cred_id, str):
            _fail(Problem.MALFORMED, "the credential has no id, so its revocation status cannot be checked")
        try:
            cred_hash = credential_hash(cred_id)
        except DIDValueError:
            _fail(Problem.MALFORMED, f"the credential id {cred_id!r} is not a URI")
        iat, nbf, exp = self._check_claims_agree(p, issuer.did, subject_id, cred_id)
        status = p.get("credentialStatus")
        if status is not None:
            if not isinstance(status, dict) or status.get("type") != STATUS_TYPE:
                _fail(Problem.STATUS_UNAVAILABLE, f"credentialStatus is not a {STATUS_TYPE} entry this verifier reads")
            if status.get("statusRegistry") != self.registry_id:
                _fail(
                    Problem.STATUS_UNAVAILABLE,
                    f"the status is kept in {status.get('statusRegistry')}, this verifier reads {self.registry_id}",
                )
            if status.get("credentialHash", "0x" + cred_hash.hex()) != "0x" + cred_hash.hex():
                _fail(Problem.MALFORMED, "credentialStatus.credentialHash is not the keccak256 of the credential id")
        changed, revoked_at, now = self._chain_state(issuer.address, cred_hash)
        ctx["checked_at"] = now
        state = self._state(issuer.address, changed, now)
        key = self._signing_key(parts, issuer, state, "assertionMethod", ctx)
        if iat < key.since - self.clock_skew:
            _fail(
                Problem.ISSUED_BEFORE_KEY,
                f"the credential claims issuance at {iso_time(iat)}, before its key #{key.fragment} was authorised "
                f"at {iso_time(key.since)}: backdated",
            )
        if revoked_at:
            _fail(Problem.REVOKED, f"the issuer revoked the credential at {iso_time(revoked_at)}")
        if exp is not None and exp <= now:
            _fail(Problem.EXPIRED, f"the credential expired at {iso_time(exp)} (chain time is {iso_time(now)})")
        if max(nbf, iat) > now + self.clock_skew:
            _fail(
                Problem.NOT_YET_VALID,
                f"the credential is valid from {iso_time(max(nbf, iat))} (chain time is {iso_time(now)})",
            )
        return VerificationResult(valid=True, **ctx)

    def _parse_jws(self, token: str, typ: str, what: str) -> JwsParts:
        try:
            parts = JwsParts.parse(token)
        except JwsSyntaxError as exc:
            _fail(Problem.MALFORMED, f"the {what} is not a compact JWS: {exc}")
        h = parts.header
        if h.get("alg") != "ES256K":
            _fail(Problem.UNSUPPORTED, f"alg {h.get('alg')!r} is not supported; did:novacron keys sign ES256K")
        if h.get("typ") != typ:
            _fail(Problem.UNSUPPORTED, f"typ {h.get('typ')!r} is not {typ}")
        if "crit" in h:
            _fail(Problem.UNSUPPORTED, f"critical header parameters {h['crit']!r} are not understood")
        if not isinstance(h.get("kid"), str):
            _fail(Problem.MALFORMED, "the header has no kid (the DID URL of the signing key)")
        return parts

    def _parse_party(self, did: object, role: str) -> ParsedDID:
        try:
            return self.parse(did)
        except DIDNetworkMismatchError as exc:
            _fail(
                Problem.WRONG_NETWORK,
                f"the {role} {exc.did} lives on {exc.network}; this verifier is on {exc.connected}",
            )
        except InvalidDIDError as exc:
            _fail(Problem.MALFORMED, f"the {role} is not a did:novacron DID: {exc.reason}")

    @staticmethod
    def _check_claims_agree(p: dict[str, Any], issuer: str, subject: str, cred_id: str) -> tuple[int, int, int | None]:
        def intclaim(name: str) -> int | None:
            value = p.get(name)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int):
                _fail(Problem.MALFORMED, f"JWT claim {name} must be an integer (unix seconds)")
            return value

        def timeprop(name: str) -> int | None:
            value = p.get(name)
            if value is None:
                return None
            try:
                return parse_time(value)
            except ValueError:
                _fail(Problem.MALFORMED, f"{name} {value!r} is not a date-time with a timezone")

        for claim, expected in (("iss", issuer), ("sub", subject), ("jti", cred_id)):
            value = p.get(claim)
            if value is not None and value != expected:
                _fail(Problem.MALFORMED, f"JWT claim {claim} {value!r} disagrees with the credential's {expected!r}")
        iat, nbf, exp = intclaim("iat"), intclaim("nbf"), intclaim("exp")
        valid_from, valid_until = timeprop("validFrom"), timeprop("validUntil")
        if nbf is not None and valid_from is not None and nbf != valid_from:
            _fail(Problem.MALFORMED, f"nbf {nbf} disagrees with validFrom {p['validFrom']}")
        if exp is not None and valid_until is not None and exp != valid_until:
            _fail(Problem.MALFORMED, f"exp {exp} disagrees with validUntil {p['validUntil']}")
        start = nbf if nbf is not None else valid_from
        end = exp if exp is not None else valid_until
        issued = iat if iat is not None else start
        if issued is None:
            _fail(Problem.MALFORMED, "the credential has neither iat, nbf nor validFrom: its issuance time is unknown")
        return issued, start if start is not None else issued, end

    def _signing_key(
        self, parts: JwsParts, party: ParsedDID, state: IdentityState, purpose: str, ctx: dict[str, Any]
    ) -> KeyInfo:
        kid = parts.header["kid"]
        ctx["key_id"] = kid
        try:
            kid_did = parse_did(kid, allow_fragment=True)
        except InvalidDIDError as exc:
            _fail(Problem.MALFORMED, f"kid {kid!r} is not a did:novacron key id: {exc.reason}")
        if kid_did.address != party.address or kid_did.fragment is None:
            _fail(Problem.MALFORMED, f"kid {kid!r} is not a key of {party.did}")
        if state.deactivated:
            _fail(Problem.ISSUER_DEACTIVATED, f"{party.did} was deactivated; nothing it signed is accepted any more")
        key = state.key(kid_did.fragment)
        if key is None or purpose not in key.purposes:
            retired = state.retired.get(kid_did.fragment)
            if retired is not None and retired.is_owner:
                _fail(Problem.KEY_ROTATED, f"the key #{kid_did.fragment} was {retired.retired}: it no longer signs")
            if retired is not None:
                _fail(Problem.KEY_RETIRED, f"the key #{kid_did.fragment} {retired.retired}")
            _fail(Problem.UNKNOWN_KEY, f"{party.did} has no key #{kid_did.fragment} for {purpose}")
        ok = parts.verify_key(key.public_key) if key.public_key is not None else parts.verify_address(key.address)
        if not ok:
            _fail(Problem.BAD_SIGNATURE, f"the signature does not verify with #{key.fragment} ({key.address})")
        return key

    @staticmethod
    def _same_identity(did: object, party: ParsedDID) -> bool:
        try:
            return parse_did(did).address == party.address
        except InvalidDIDError:
            return False

    def revoke_credential(
        self, jwt_or_id: str, issuer_key: Signer | bytes | str, *, issuer_did: str | None = None
    ) -> Receipt:
        """Revoke a credential (given as its JWS, its ``id``, or its 32-byte hash as 0x-hex) on chain.

        ``issuer_key`` must be the issuer's current owner key. The issuer is read from the credential; with a bare
        id it is ``issuer_did``, or the DID of ``issuer_key``'s address. Revocation is permanent.
        """
        if not isinstance(jwt_or_id, str):
            raise DIDValueError(f"give the credential as its JWS or id text, not {type(jwt_or_id).__name__}")
        text = jwt_or_id.strip()
        signer = _as_signer(issuer_key, "issuer key")
        if text.count(".") == 2 and not text.startswith(("urn:", "http")):
            try:
                payload = JwsParts.parse(text).payload
            except JwsSyntaxError as exc:
                raise DIDValueError(f"the credential is not a compact JWS: {exc}") from exc
            issuer_value = payload.get("issuer")
            issuer_text = issuer_value.get("id") if isinstance(issuer_value, dict) else issuer_value
            if not isinstance(issuer_text, str) or not isinstance(payload.get("id"), str):
                raise DIDValueError("the credential names no issuer or no id; cannot revoke it")
            issuer_did, cred_hash = issuer_text, credential_hash(payload["id"])
        elif text.startswith("0x") and len(text) == 66:
            try:
                cred_hash = bytes.fromhex(text[2:])
            except ValueError as exc:
                raise DIDValueError(f"{text!r} is not a 32-byte hex credential hash") from exc
        else:
            cred_hash = credential_hash(text)
        did = issuer_did if issuer_did is not None else self.did_of(signer.address)
        parsed, signer = self._owned(did, signer, "revoke credentials")
        return self._client.send("revokeCredential", parsed.address, signer, (cred_hash,), (("bytes32", cred_hash),))

    def is_revoked(self, issuer_did: str, credential_id: str) -> bool:
        """Whether ``issuer_did`` revoked the credential ``credential_id``."""
        parsed = self.parse(issuer_did)
        return bool(self.chain.call(self.registry.functions.isRevoked(parsed.address, credential_hash(credential_id))))

    # -- presentations --------------------------------------------------------------------------------------------

    def create_presentation(
        self,
        holder_did: str,
        credentials: Sequence[str],
        key: Signer | bytes | str,
        *,
        nonce: str,
        audience: str,
        valid_for: int = 300,
    ) -> str:
        """A verifiable presentation (``vp+jwt``) of ``credentials`` by their subject, bound to the verifier's
        ``nonce`` and ``audience`` (so it cannot be replayed elsewhere), valid for ``valid_for`` seconds.

        ``key`` must be an authentication key of the holder (its owner key or a ``sigAuth`` delegate).
        """
        holder = self.parse(holder_did)
        signer = _as_signer(key)
        for name, value in (("nonce", nonce), ("audience", audience)):
            if not isinstance(value, str) or not value:
                raise DIDValueError(f"{name} must be non-empty text (the verifier chooses it)")
        if isinstance(credentials, str) or not credentials:
            raise DIDValueError("credentials must be a non-empty list of vc+jwt texts")
        if isinstance(valid_for, bool) or not isinstance(valid_for, int) or not 0 < valid_for <= 86400:
            raise DIDValueError(f"valid_for {valid_for!r} must be 1 to 86400 seconds")
        envelopes = []
        for n, cred in enumerate(credentials, 1):
            try:
                parts = JwsParts.parse(cred) if isinstance(cred, str) else None
            except JwsSyntaxError as exc:
                raise DIDValueError(f"credential {n} is not a compact JWS: {exc}") from exc
            if parts is None or parts.header.get("typ") != "vc+jwt":
                raise DIDValueError(f"credential {n} is not a vc+jwt credential")
            subject = parts.payload.get("credentialSubject")
            subject_id = subject.get("id") if isinstance(subject, dict) else None
            if not isinstance(subject_id, str) or parse_did(subject_id).address != holder.address:
                raise DIDValueError(
                    f"credential {n} is about {subject_id}, not the holder {holder.did}",
                    hint="a holder presents credentials about itself",
                )
            envelopes.append(
                {"@context": VC_CONTEXT, "id": _ENVELOPE_PREFIX + cred.strip(), "type": "EnvelopedVerifiableCredential"}
            )
        changed, _, now = self._client.state_of(holder.address)
        state = self._state(holder.address, changed, now)
        if state.deactivated:
            raise DIDDeactivatedError(holder.did, action="present credentials")
        signing = state.key_of_address(signer.address, "authentication")
        if signing is None:
            raise DIDKeyNotAuthorizedError(holder.did, signer.address, state.owner, action="authenticate")
        vp_id = f"urn:uuid:{uuid.uuid4()}"
        payload = {
            "@context": [VC_CONTEXT],
            "type": ["VerifiablePresentation"],
            "id": vp_id,
            "holder": holder.did,
            "verifiableCredential": envelopes,
            "iss": holder.did,
            "aud": audience,
            "nonce": nonce,
            "jti": vp_id,
            "iat": now,
            "exp": now + valid_for,
        }
        header = {"alg": "ES256K", "typ": "vp+jwt", "kid": f"{holder.did}#{signing.fragment}"}
        return sign_jws(header, payload, signer)

    def verify_presentation(self, vp: str, *, nonce: str, audience: str) -> PresentationResult:
        """Check a ``vp+jwt`` presentation: the holder's signature with a current authentication key, the
        ``nonce`` and ``audience`` the verifier expects, its time window, and every enclosed credential (each must
        verify and be about the holder). Bad presentations never raise.
        """
        if not isinstance(vp, str):
            raise DIDValueError(f"a presentation is compact JWS text, not {type(vp).__name__}")
        ctx: dict[str, Any] = {}
        try:
            return self._verify_presentation(vp.strip(), nonce, audience, ctx)
        except _Invalid as inv:
            return PresentationResult(valid=False, reason=inv.reason, problem=inv.problem, **ctx)

    def verify(
        self, token: str, *, nonce: str | None = None, audience: str | None = None
    ) -> VerificationResult | PresentationResult:
        """Check a token of either kind, told apart by its JWS header's ``typ``: a ``vp+jwt`` presentation
        (:meth:`verify_presentation`, which needs the ``nonce`` and ``audience`` the verifier expects) or else a
        credential (:meth:`verify_credential`; text that is no JWS at all gives its ``malformed`` result).

        Bad tokens never raise; a presentation given without ``nonce`` and ``audience`` raises
        :class:`DIDValueError` (it cannot be checked without them).
        """
        if not isinstance(token, str):
            raise DIDValueError(f"a credential or presentation is compact JWS text, not {type(token).__name__}")
        try:
            typ = JwsParts.parse(token.strip()).header.get("typ")
        except JwsSyntaxError:
            typ = None
        if typ != "vp+jwt":
            return self.verify_credential(token)
        if nonce is None or audience is None:
            raise DIDValueError(
                "a presentation is checked against the nonce and the audience its verifier expects",
                hint="pass both the nonce and the audience",
            )
        return self.verify_presentation(token, nonce=nonce, audience=audience)

    def _verify_presentation(self, vp: str, nonce: str, audience: str, ctx: dict[str, Any]) -> PresentationResult:
        parts = self._parse_jws(vp, "vp+jwt", "presentation")
        p = parts.payload
        ctx["presentation"] = p
        types = p.get("type")
        if not isinstance(types, list) or "VerifiablePresentation" not in types:
            _fail(Problem.MALFORMED, "type must be a list containing VerifiablePresentation")
        holder = self._parse_party(p.get("holder"), "holder")
        ctx["holder"] = holder.did
        if p.get("iss") not in (None, p.get("holder")):
            _fail(Problem.MALFORMED, "JWT claim iss disagrees with holder")
        if p.get("nonce") != nonce:
            _fail(Problem.NONCE_MISMATCH, "the presentation was made for another nonce (a replay?)")
        aud = p.get("aud")
        if not (aud == audience or (isinstance(aud, list) and audience in aud)):
            _fail(Problem.AUDIENCE_MISMATCH, f"the presentation is addressed to {aud!r}, not {audience!r}")
        iat, exp = p.get("iat"), p.get("exp")
        if not all(isinstance(t, int) and not isinstance(t, bool) for t in (iat, exp)):
            _fail(Problem.MALFORMED, "a presentation needs integer iat and exp")
        assert isinstance(iat, int)
        assert isinstance(exp, int)
        changed, _, now = self._chain_state(holder.address)
        state = self._state(holder.address, changed, now)
        self._signing_key(parts, holder, state, "authentication", {})
        if exp <= now:
            _fail(Problem.EXPIRED, f"the presentation expired at {iso_time(exp)}")
        if iat > now + self.clock_skew:
            _fail(Problem.NOT_YET_VALID, f"the presentation is dated {iso_time(iat)}, in the future")
        envelopes = p.get("verifiableCredential")
        if not isinstance(envelopes, list) or not envelopes:
            _fail(Problem.MALFORMED, "verifiableCredential must be a non-empty list")
        results = []
        for n, env in enumerate(envelopes, 1):
            cid = env.get("id") if isinstance(env, dict) else None
            if not isinstance(cid, str) or not cid.startswith(_ENVELOPE_PREFIX):
                _fail(Problem.MALFORMED, f"credential {n} is not an EnvelopedVerifiableCredential with a vc+jwt")
            result = self.verify_credential(cid[len(_ENVELOPE_PREFIX) :])
            results.append(result)
            ctx["credentials"] = tuple(results)
            if not result.valid:
                _fail(Problem.CREDENTIAL_INVALID, f"credential {n}: {result.problem}: {result.reason}")
            if not self._same_identity(result.subject, holder):
                _fail(Problem.HOLDER_NOT_SUBJECT, f"credential {n} is about {result.subject}, not {holder.did}")
        return PresentationResult(valid=True, **ctx)

    # -- zero-knowledge proofs (novacron_chain.zk) ----------------------------------------------------------------

    def issue_zk_credential(
        self,
        issuer_did: str,
        subject_did: str,
        claims: Mapping[str, object],
        key: Signer | bytes | str,
        *,
        valid_from: datetime | int | None = None,
        valid_until: datetime | int | None = None,
        credential_id: str | None = None,
    ) -> ZkCredential:
        """Issue a credential whose claims are committed (Poseidon), for zero-knowledge proofs: the returned
        record holds the ``vc+jwt`` (commitments only) and the openings its subject proves with. See
        :meth:`novacron_chain.zk.ZkManager.issue_zk_credential`."""
        from ..zk import ZkManager

        return ZkManager(self).issue_zk_credential(
            issuer_did,
            subject_did,
            claims,
            key,
            valid_from=valid_from,
            valid_until=valid_until,
            credential_id=credential_id,
        )

    def create_zk_proof(
        self,
        statement: str,
        credential: ZkCredential | Mapping[str, Any] | str | Path,
        *,
        nonce: str,
        verifier: str,
        predicate: str | None = None,
        holder_key: Signer | bytes | str | None = None,
    ) -> ZkProof:
        """The seed's ``CreateZKProof``: prove ``statement`` (``"cpu > 2"``, or prose with ``predicate=``) about a
        committed credential without revealing the value, bound to ``verifier`` and its ``nonce`` (and signed
        with ``holder_key`` when given). See
        :meth:`novacron_chain.zk.ZkManager.create_zk_proof`."""
        from ..zk import ZkManager

        return ZkManager(self).create_zk_proof(
            statement, credential, nonce=nonce, verifier=verifier, predicate=predicate, holder_key=holder_key
        )

    def verify_zk_proof(
        self,
        proof: ZkProof | Mapping[str, Any] | str | Path,
        *,
        nonce: str | None = None,
        verifier: str | None = None,
        holder: str | None = None,
        trusted_issuers: list[str] | None = None,
        require_holder_signature: bool = False,
    ) -> ZkVerificationResult:
        """The seed's ``VerifyZKProof``: the result's ``valid`` and, if not, ``problem`` and ``reason``. Pass the
        ``nonce`` and ``verifier`` you expect. See :meth:`novacron_chain.zk.ZkManager.verify_zk_proof`."""
        from ..zk import ZkManager

        return ZkManager(self).verify_zk_proof(
            proof,
            nonce=nonce,
            verifier=verifier,
            holder=holder,
            trusted_issuers=trusted_issuers,
            require_holder_signature=require_holder_signature,
        )
