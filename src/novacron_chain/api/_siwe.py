"""Sign-In with Ethereum (EIP-4361): one-use nonces, message parsing and checking, short-lived session tokens.

The flow: ``GET /auth/siwe/nonce`` gives a nonce; the wallet signs (EIP-191 ``personal_sign``) a message naming this
server's domain, the chain id, the nonce and, as a resource, the scope it asks for
(``urn:novacron-chain:scope:write``); ``POST /auth/siwe/verify`` checks the message and recovers the signer with
eth-account, then returns a session token (``Authorization: Bearer ncs_...``) valid for at most
:data:`SESSION_SECONDS`. An address gets the scope it asks for only up to what the allow-list in the key file gives
it (``api-key allow ADDRESS --scope write``); anyone may sign in for ``read``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..units import is_digits
from ._errors import ApiValueError, AuthenticationError, InsufficientScopeError
from ._keys import Scope

__all__ = [
    "NONCE_SECONDS",
    "SCOPE_RESOURCE",
    "SESSION_SECONDS",
    "Session",
    "SessionAuthority",
    "SiweMessage",
    "recover_signer",
]

SESSION_SECONDS = 900  # a session lives 15 minutes at most
NONCE_SECONDS = 300  # a nonce must be used within 5 minutes
CLOCK_SKEW = 60  # seconds of clock difference tolerated on Issued At / Not Before
SCOPE_RESOURCE = "urn:novacron-chain:scope:"
_HEADER = " wants you to sign in with your Ethereum account:"
_FIELDS = {
    "URI": "uri",
    "Version": "version",
    "Chain ID": "chain_id",
    "Nonce": "nonce",
    "Issued At": "issued_at",
    "Expiration Time": "expiration_time",
    "Not Before": "not_before",
    "Request ID": "request_id",
}
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")


def _bad(message: str) -> ApiValueError:
    return ApiValueError(f"not an EIP-4361 sign-in message: {message}", hint="build it as GET /auth/siwe/nonce shows")


def _timestamp(value: str, name: str) -> float:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{name} {value!r} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:
        raise _bad(f"{name} {value!r} has no time zone")
    return parsed.timestamp()


def rfc3339(seconds: float) -> str:
    """``seconds`` since the epoch as an RFC 3339 UTC date-time (what the message's times look like)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SiweMessage:
    """An EIP-4361 message: build one with the constructor and :meth:`text`, or read one with :meth:`parse`."""

    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: str
    statement: str | None = None
    version: str = "1"
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """The message as the wallet signs it."""
        lines = [f"{self.domain}{_HEADER}", self.address, ""]
        if self.statement is not None:
            lines += [self.statement, ""]
        lines += [
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {self.issued_at}",
        ]
        for label, attr in (("Expiration Time", "expiration_time"), ("Not Before", "not_before")):
            if getattr(self, attr) is not None:
                lines.append(f"{label}: {getattr(self, attr)}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources:
            lines.append("Resources:")
            lines += [f"- {r}" for r in self.resources]
        return "\n".join(lines)

    @property
    def scope(self) -> Scope:
        """The scope the message asks for: its ``urn:novacron-chain:scope:<name>`` resource (default read)."""
        asked = [r[len(SCOPE_RESOURCE) :] for r in self.resources if r.startswith(SCOPE_RESOURCE)]
        if len(asked) > 1:
            raise _bad("it asks for more than one scope")
        return Scope.parse(asked[0]) if asked else Scope.READ

    @classmethod
    def parse(cls, text: str) -> SiweMessage:
        """Read a message (raises :class:`ApiValueError` saying what is malformed)."""
        lines = text.replace("\r\n", "\n").split("\n")
        if len(lines) < 4 or not lines[0].endswith(_HEADER):
            raise _bad(f"the first line must end with {_HEADER.strip()!r}")
        domain = lines[0][: -len(_HEADER)]
        if not domain or any(c in domain for c in " /"):
            raise _bad(f"domain {domain!r} is not an authority (host[:port])")
        address = lines[1]
        if not _ADDRESS.match(address):
            raise _bad(f"address {address!r} is not 0x + 40 hex digits")
        if lines[2] != "":
            raise _bad("an empty line must follow the address")
        i = 3
        statement = None
        if i < len(lines) and not lines[i].startswith("URI: "):
            if lines[i] != "":
                statement = lines[i]
                i += 1
            if i >= len(lines) or lines[i] != "":
                raise _bad("an empty line must follow the statement")
            i += 1
        values: dict[str, Any] = {}
        resources: list[str] = []
        while i < len(lines):
            line = lines[i]
            i += 1
            if line == "Resources:":
                while i < len(lines) and lines[i].startswith("- "):
                    resources.append(lines[i][2:])
                    i += 1
                if i != len(lines):
                    raise _bad(f"unexpected line after the resources: {lines[i]!r}")
                break
            label, sep, value = line.partition(": ")
            if not sep or label not in _FIELDS:
                raise _bad(f"unexpected line {line!r}")
            if _FIELDS[label] in values:
                raise _bad(f"{label} appears twice")
            values[_FIELDS[label]] = value
        for required in ("uri", "version", "chain_id", "nonce", "issued_at"):
            if required not in values:
                raise _bad(f"the {next(k for k, v in _FIELDS.items() if v == required)} field is missing")
        if values["version"] != "1":
            raise _bad(f"version {values['version']!r} (only 1 exists)")
        if not is_digits(values["chain_id"]):
            raise _bad(f"chain id {values['chain_id']!r} is not a number")
        if not _NONCE.match(values["nonce"]):
            raise _bad("the nonce must be at least 8 letters or digits")
        for name in ("issued_at", "expiration_time", "not_before"):
            if name in values:
                _timestamp(values[name], name.replace("_", " "))
        return cls(
            domain=domain,
            address=address,
            statement=statement,
            uri=values["uri"],
            version=values["version"],
            chain_id=int(values["chain_id"]),
            nonce=values["nonce"],
            issued_at=values["issued_at"],
            expiration_time=values.get("expiration_time"),
            not_before=values.get("not_before"),
            request_id=values.get("request_id"),
            resources=tuple(resources),
        )


@dataclass(frozen=True)
class Session:
    """A signed-in caller: its address, scope and when the session ends (seconds since the epoch); ``did`` is the
    DID it signed in as (``POST /auth/did/verify``; ``None`` for Sign-In with Ethereum)."""

    address: str
    scope: Scope
    expires_at: int
    did: str | None = None


@dataclass
class _Nonce:
    expires: float
    bound: str | None  # what the nonce was issued for (a DID), None for Sign-In with Ethereum
    payload: str = ""  # the text the nonce's holder must sign, when the server wrote it
    used: bool = False


class SessionAuthority:
    """Issues one-use nonces, checks signed sign-in messages and keeps the sessions they open (in memory).

    One nonce store and one session store serve both sign-ins: Sign-In with Ethereum (:meth:`sign_in`) and the
    DID-signed challenge (:mod:`._did_auth`, through :meth:`check_nonce` and :meth:`open_session`). A nonce is
    remembered for a while after it expired or was used, so a late or replayed one is refused saying which.
    """

    def __init__(self, *, session_seconds: int = SESSION_SECONDS, clock: Any = time.time) -> None:
        self.session_seconds = session_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._nonces: dict[str, _Nonce] = {}
        self._sessions: dict[str, Session] = {}

    def now(self) -> float:
        """This authority's clock (seconds since the epoch)."""
        return float(self._clock())

    def _purge(self, now: float) -> None:
        self._nonces = {n: e for n, e in self._nonces.items() if e.expires + NONCE_SECONDS > now}
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > now}

    def issue_nonce(self) -> tuple[str, int]:
        """A fresh nonce for Sign-In with Ethereum and when it stops being accepted."""
        nonce, expires, _ = self.issue_challenge(None)
        return nonce, expires

    def issue_challenge(
        self, bound: str | None, render: Callable[[str, int], str] | None = None
    ) -> tuple[str, int, str]:
        """A fresh nonce, when it stops being accepted, and the text to sign: ``render(nonce, expires)``, kept with
        the nonce (``""`` without ``render``: the signer writes the text). ``bound``: what only this nonce may sign
        in (a DID)."""
        alphabet = string.ascii_letters + string.digits
        nonce = "".join(secrets.choice(alphabet) for _ in range(17))
        now = self._clock()
        expires = int(now + NONCE_SECONDS)
        payload = render(nonce, expires) if render is not None else ""
        with self._lock:
            self._purge(now)
            self._nonces[nonce] = _Nonce(float(expires), bound, payload)
        return nonce, expires, payload

    def check_nonce(self, nonce: str, bound: str | None, *, consume: bool, again: str) -> str:
        """The text issued with ``nonce`` to sign (see :meth:`issue_challenge`). Refuses (:class:`AuthenticationError`)
        a nonce that is unknown, used already, expired or issued for something other than ``bound``; with
        ``consume``, marks it used (atomically with the check). ``again`` says where to get a fresh one (the
        hint)."""
        hint = f"get a fresh one from {again} and sign again"
        now = self._clock()
        with self._lock:
            self._purge(now)
            entry = self._nonces.get(nonce)
            if entry is None:
                raise AuthenticationError("the nonce is unknown, used already or expired", hint=hint)
            if entry.used:
                raise AuthenticationError("the nonce was used already: a sign-in cannot be replayed", hint=hint)
            if entry.expires <= now:
                raise AuthenticationError(
                    f"the challenge expired {int(now - entry.expires)} s ago (a nonce is valid {NONCE_SECONDS} s)",
                    hint=hint,
                )
            if entry.bound != bound:
                what = f"for {entry.bound}" if entry.bound else "for Sign-In with Ethereum"
                raise AuthenticationError(
                    f"the nonce was issued {what}, not {'for ' + bound if bound else 'for Sign-In with Ethereum'}",
                    hint=hint,
                )
            if consume:
                entry.used = True
            return entry.payload

    def open_session(
        self, address: str, scope: Scope, allowed: Scope, *, did: str | None = None, until: float | None = None
    ) -> tuple[str, Session]:
        """A new session for ``address`` (signed in as ``did``, if given) with ``scope``: its token and the session.
        :class:`InsufficientScopeError` when ``scope`` is more than ``allowed``. It ends after
        :attr:`session_seconds`, or at ``until`` if sooner."""
        if not allowed.allows(scope):
            raise InsufficientScopeError(scope.label, allowed.label)
        now = self._clock()
        end = now + self.session_seconds if until is None else min(until, now + self.session_seconds)
        session = Session(address, scope, int(end), did)
        token = "ncs_" + secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[_digest(token)] = session
        return token, session

    def sign_in(
        self, text: str, signature: str, *, domain: str | None, chain_id: int, allowed: Scope
    ) -> tuple[str, Session, SiweMessage]:
        """Check ``text`` signed by ``signature`` and open a session: returns its token, the session and the message.

        ``domain`` is this server's authority (``None``: any), ``allowed`` the highest scope the message's address
        may receive (the allow-list's); :class:`AuthenticationError` for a message that is stale, for another
        server or chain, replayed, or not signed by its address; :class:`InsufficientScopeError` when it asks for
        more than ``allowed``.
        """
        message = SiweMessage.parse(text)
        if not message.address == _checksummed(message.address):
            raise _bad("the address must be in EIP-55 checksum case")
        scope = message.scope
        now = self._clock()
        if domain is not None and message.domain != domain:
            raise AuthenticationError(
                f"the message signs in to {message.domain!r}, not to this server ({domain!r})",
                hint="put this server's host:port as the message's domain",
            )
        if message.chain_id != chain_id:
            raise AuthenticationError(
                f"the message is for chain {message.chain_id}; this server serves chain {chain_id}",
                hint=f"sign a message with Chain ID: {chain_id}",
            )
        expires = _timestamp(message.expiration_time, "expiration time") if message.expiration_time else None
        if expires is not None and expires <= now:
            raise AuthenticationError("the sign-in message has expired", hint="sign a new one")
        if message.not_before and _timestamp(message.not_before, "not before") > now + CLOCK_SKEW:
            raise AuthenticationError("the sign-in message is not valid yet (Not Before)", hint="check the clock")
        if _timestamp(message.issued_at, "issued at") > now + CLOCK_SKEW:
            raise AuthenticationError("the sign-in message is issued in the future", hint="check the clock")
        signer = recover_signer(text, signature)
        if signer != message.address:
            raise AuthenticationError(
                f"the message is signed by {signer}, not by {message.address}",
                hint="sign the exact message text with the key of the address it names",
            )
        self.check_nonce(message.nonce, None, consume=True, again="GET /auth/siwe/nonce")
        token, session = self.open_session(message.address, scope, allowed, until=expires)
        return token, session, message

    def session(self, token: str) -> Session | None:
        """The live session of ``token``, or ``None``."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(_digest(token))
        return session if session is not None and session.expires_at > now else None


def recover_signer(text: str, signature: str) -> str:
    """The address whose key signed ``text`` (EIP-191 ``personal_sign``) as ``signature``;
    :class:`AuthenticationError` when the signature is malformed."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    try:
        return str(Account.recover_message(encode_defunct(text=text), signature=signature))
    except Exception as exc:  # eth-account raises several types for a malformed signature
        raise AuthenticationError(
            "the signature is malformed", hint="send the 65-byte personal_sign signature as 0x + 130 hex digits"
        ) from exc


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _checksummed(address: str) -> str:
    from eth_utils import to_checksum_address

    return str(to_checksum_address(address))
