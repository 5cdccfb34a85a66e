"""API keys stored hashed, with scopes, in one JSON file of the data dir (``api-keys.json``).

A key is ``nck_<id>_<secret>``: an 8-hex-digit id (shown by ``api-key list``, used to revoke) and 32 random bytes
(base64url). Only the SHA-256 of the whole key is stored: the key is high-entropy, so a fast hash suffices (a
password hash such as argon2 guards low-entropy secrets), and a stolen file gives no usable key. The file also holds
the Sign-In-with-Ethereum allow-list: the scope each address may receive (anyone else gets ``read``).

The server re-reads the file when it changes, so a key made or revoked with the CLI takes effect at once.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NovaValueError
from ._errors import ApiValueError, UnknownApiKeyError

__all__ = ["ApiKey", "ApiKeyStore", "Scope"]

KEY_PREFIX = "nck_"


class Scope(enum.IntEnum):
    """What a credential may do: ``read`` < ``write`` (the server signs transactions for it) < ``admin``
    (pause contracts, deploy). A higher scope allows everything a lower one does."""

    READ = 1
    WRITE = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The scope's name as written on the command line and in tokens: read, write or admin."""
        return self.name.lower()

    def allows(self, required: Scope) -> bool:
        """Whether a credential with this scope may run an operation that needs ``required``."""
        return self >= required

    @classmethod
    def parse(cls, value: object) -> Scope:
        """A scope from its name (any case) or an existing :class:`Scope`."""
        if isinstance(value, Scope):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ApiValueError(f"unknown scope {value!r}", hint="a scope is one of: read, write, admin") from None


@dataclass(frozen=True)
class ApiKey:
    """One stored API key (its hash, never the key itself)."""

    key_id: str
    name: str
    scope: Scope
    sha256: str
    created_at: int
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``api-key list --json`` prints; the hash stays in the file)."""
        return {
            "key_id": self.key_id,
            "name": self.name,
            "scope": self.scope.label,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "active": self.active,
        }

    def _stored(self) -> dict[str, Any]:
        return {**self.to_dict(), "sha256": self.sha256}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyStore:
    """The API keys and the sign-in allow-list in ``path`` (a JSON file, written 0600; created on first write).

    >>> store = ApiKeyStore(tmp / "api-keys.json")
    >>> key, secret = store.create(Scope.WRITE, name="scheduler")   # the secret is shown once
    >>> store.verify(secret).scope
    <Scope.WRITE: 2>
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, ApiKey] = {}
        self._addresses: dict[str, Scope] = {}

    # -- file ---------------------------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._keys, self._addresses = None, {}, {}
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            keys = {
                k["key_id"]: ApiKey(
                    k["key_id"], k["name"], Scope.parse(k["scope"]), k["sha256"], k["created_at"], k["revoked_at"]
                )
                for k in data.get("keys", [])
            }
            addresses = {a: Scope.parse(s) for a, s in data.get("addresses", {}).items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NovaValueError(
                f"the API key file {self.path} is unreadable: {exc}",
                hint="restore it from a backup, or move it away and create the keys again",
            ) from exc
        self._stamp, self._keys, self._addresses = stamp, keys, addresses

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": 1,
            "keys": [k._stored() for k in self._keys.values()],
            "addresses": {a: s.label for a, s in sorted(self._addresses.items())},
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, self.path)
        self._stamp = None  # re-read (and re-stamp) on next use

    # -- keys ---------------------------------------------------------------------------------------------------

    def create(self, scope: Scope | str, *, name: str = "") -> tuple[ApiKey, str]:
        """Make a key with ``scope``; returns the stored record and the key itself (shown once, never stored)."""
        scope = Scope.parse(scope)
        with self._lock:
            self._load()
            key_id = secrets.token_hex(4)
            while key_id in self._keys:
                key_id = secrets.token_hex(4)
            secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
            record = ApiKey(key_id, name, scope, _digest(secret), int(time.time()))
            self._keys[key_id] = record
            self._save()
        return record, secret

    def list(self) -> list[ApiKey]:
        """Every key ever made, revoked ones included, oldest first."""
        with self._lock:
            self._load()
            return sorted(self._keys.values(), key=lambda k: (k.created_at, k.key_id))

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id (idempotent); the running server refuses it from its next request."""
        with self._lock:
            self._load()
            record = self._keys.get(key_id.strip())
            if record is None:
                raise UnknownApiKeyError(key_id)
            if record.active:
                record = ApiKey(
                    record.key_id, record.name, record.scope, record.sha256, record.created_at, int(time.time())
                )
                self._keys[record.key_id] = record
                self._save()
            return record

    def verify(self, secret: str) -> ApiKey | None:
        """The active key ``secret`` is, or ``None`` (unknown, malformed, revoked). Constant-time comparison."""
        if not secret.startswith(KEY_PREFIX):
            return None
        key_id = secret[len(KEY_PREFIX) :].split("_", 1)[0]
        with self._lock:
            self._load()
            record = self._keys.get(key_id)
        if record is None or not hmac.compare_digest(record.sha256, _digest(secret)):
            return None
        return record if record.active else None

    # -- sign-in allow-list --------------------------------------------------------------------------------------

    def allow_address(self, address: str, scope: Scope | str) -> tuple[str, Scope]:
        """Let ``address`` receive up to ``scope`` when it signs in with Ethereum (``read``: remove it)."""
        from ..chain import checksum

        addr = checksum(address, "address")
        scope = Scope.parse(scope)
        with self._lock:
            self._load()
            if scope is Scope.READ:
                self._addresses.pop(addr, None)
            else:
                self._addresses[addr] = scope
            self._save()
        return addr, scope

    def addresses(self) -> dict[str, Scope]:
        """The sign-in allow-list: address -> the highest scope it may receive."""
        with self._lock:
            self._load()
            return dict(self._addresses)

    def address_scope(self, address: str) -> Scope:
        """The highest scope ``address`` may receive by signing in (``read`` unless allowed more)."""
        return self.addresses().get(address, Scope.READ)
