"""Errors of decentralized identity, all under :class:`~novacron_chain.errors.IdentityError`.

::

    IdentityError
    ├── DIDValueError (NovaValueError)   exit 2: bad input (claims, validity, kind, key, credential id, document)
    │   └── InvalidDIDError              the text is not a did:novacron DID (or DID URL)
    ├── DIDNetworkMismatchError          exit 2: the DID names another network than the connected chain
    ├── DIDKeyNotAuthorizedError         exit 2: the key given does not control the identity
    ├── DIDDeactivatedError              the identity was deactivated: it cannot change or issue any more
    └── CredentialInvalidError           a credential or presentation failed verification (``raise_for_invalid``)

Verifying a credential does not raise for a bad credential: it returns a result whose ``problem`` and ``reason``
say what is wrong. :class:`CredentialInvalidError` is for callers that prefer an exception
(``result.raise_for_invalid()``).
"""

from __future__ import annotations

from typing import Any

from ..errors import IdentityError, NovaValueError

__all__ = [
    "ERROR_HINTS",
    "CredentialInvalidError",
    "DIDDeactivatedError",
    "DIDKeyNotAuthorizedError",
    "DIDNetworkMismatchError",
    "DIDValueError",
    "InvalidDIDError",
]

#: hints for the DIDRegistry contract's custom errors, by error name: shown with a revert
ERROR_HINTS: dict[str, str] = {
    "DIDRegistryUnauthorized": "only the identity's current owner may change it; after a rotation use the new key",
    "DIDRegistryBadSignature": "the change must be signed by the identity's current owner key with the current "
    "nonce; re-read the nonce and sign again",
    "DIDRegistryDeactivated": "the identity was deactivated; that is final, create a new DID",
    "DIDRegistryZeroDelegate": "name a delegate address other than 0x0",
    "DIDRegistryInvalidValidity": "give a validity between 1 second and 100 years",
    "DIDRegistryAlreadyRevoked": "the credential is already revoked; nothing more to do",
}


class DIDValueError(IdentityError, NovaValueError):
    """Bad input to an identity operation: claims, a validity period, a kind, a key, a credential id, a document."""


class InvalidDIDError(DIDValueError):
    """The text is not a did:novacron DID (``did:novacron:<network>:0x<40 hex digits>``), or not a DID URL."""

    def __init__(self, value: object, reason: str) -> None:
        shown = value if isinstance(value, str) else repr(value)
        super().__init__(
            f"{shown!r} is not a did:novacron DID: {reason}",
            hint="a DID looks like did:novacron:<network>:0x<40 hex digits>, e.g. "
            "did:novacron:polygon:0x71C7656EC7ab88b098defB751B7401B5f6d8976F; key ids add #<fragment>",
        )
        self.value = value
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["value"] = str(self.value)
        return out


class DIDNetworkMismatchError(IdentityError):
    """The DID names a network other than the one this manager is connected to."""

    exit_code = 2

    def __init__(self, did: str, network: str, connected: str) -> None:
        super().__init__(
            f"{did} lives on network {network!r}, but this manager is connected to {connected!r}",
            hint=f"connect to {network} (e.g. --network {network}) to resolve it, or use a DID of {connected}",
        )
        self.did = did
        self.network = network
        self.connected = connected


class DIDKeyNotAuthorizedError(IdentityError):
    """The key given does not control the identity (it is not the owner, nor a valid signing delegate)."""

    exit_code = 2

    def __init__(self, did: str, key_address: str, owner: str | None, *, action: str) -> None:
        super().__init__(
            f"the key of {key_address} cannot {action} for {did}: its owner is {owner or 'nobody (deactivated)'}",
            hint="use the identity's current owner key (after a rotation, the new key); "
            "`novacron-chain did resolve` shows the owner",
        )
        self.did = did
        self.key_address = key_address
        self.owner = owner


class DIDDeactivatedError(IdentityError):
    """The identity was deactivated (its owner set to the zero address): it cannot change or issue any more."""

    def __init__(self, did: str, *, action: str) -> None:
        super().__init__(
            f"{did} is deactivated: cannot {action}",
            hint="deactivation is final; create a new DID",
        )
        self.did = did


class CredentialInvalidError(IdentityError):
    """A credential or presentation failed verification; ``problem`` is the machine-readable reason, ``result``
    the whole verification result (JSON form) when raised by ``raise_for_invalid``."""

    def __init__(self, problem: str, reason: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(f"invalid credential ({problem}): {reason}")
        self.problem = problem
        self.reason = reason
        self.result = result

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["problem"] = self.problem
        if self.result is not None:
            out["result"] = self.result
        return out
