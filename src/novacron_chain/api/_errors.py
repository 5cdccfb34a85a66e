"""The API's own errors: authentication, scopes, sign-in messages, API keys and jobs.

::

    ApiError (NovaChainError)
    ├── ApiValueError (NovaValueError)    400 / exit 2: a malformed scope, key id or sign-in message
    │   └── UnknownApiKeyError           no API key has this id (``api-key revoke``)
    ├── AuthenticationError               401: no credential, or one that is unknown, revoked, expired or forged
    ├── InsufficientScopeError            403: the credential is valid but its scope does not allow the operation
    └── UnknownJobError                   404: no job has this id
"""

from __future__ import annotations

from typing import Any

from ..errors import NovaChainError, NovaValueError

__all__ = [
    "ApiError",
    "ApiValueError",
    "AuthenticationError",
    "InsufficientScopeError",
    "UnknownApiKeyError",
    "UnknownJobError",
]


class ApiError(NovaChainError):
    """Root of the HTTP API's own errors."""


class ApiValueError(ApiError, NovaValueError):
    """Bad input to the API's own machinery: a scope name, a key id, a sign-in message."""


class UnknownApiKeyError(ApiValueError):
    """No API key has this id."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"no API key {key_id!r}", hint="`novacron-chain api-key list` shows the keys and their ids")
        self.key_id = key_id

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "key_id": self.key_id}


class AuthenticationError(ApiError):
    """The request carries no credential, or one that is unknown, revoked, expired or forged (HTTP 401)."""

    exit_code = 2


class InsufficientScopeError(ApiError):
    """The credential is valid but its scope does not allow the operation (HTTP 403)."""

    exit_code = 2

    def __init__(self, required: str, granted: str) -> None:
        super().__init__(
            f"this operation needs the {required!r} scope; the credential has {granted!r}",
            hint=f"use a key made with `novacron-chain api-key create --scope {required}` "
            f"(or sign in with an address allowed {required!r})",
        )
        self.required = required
        self.granted = granted

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "required_scope": self.required, "granted_scope": self.granted}


class UnknownJobError(ApiError):
    """No job has this id (jobs live in the server's memory: a restart forgets them)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"no job {job_id!r} on this server", hint="GET /jobs lists the jobs this server ran since it started"
        )
        self.job_id = job_id

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "job_id": self.job_id}
