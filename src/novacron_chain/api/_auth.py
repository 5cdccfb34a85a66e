"""Who is calling: API keys (``X-API-Key`` or ``Authorization: Bearer nck_...``) and sign-in sessions, Sign-In with
Ethereum or DID-signed challenge (``Authorization: Bearer ncs_...``), as FastAPI dependencies.

Reads are open. An operation that makes the server sign a transaction with its configured account declares
:data:`WritePrincipal` (or :data:`AdminPrincipal`): without a credential it is a 401, with a credential of a lower
scope a 403, before anything is signed. The server finds its :class:`Authenticator` on ``app.state.auth``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ._errors import AuthenticationError, InsufficientScopeError
from ._keys import KEY_PREFIX, ApiKeyStore, Scope
from ._siwe import SessionAuthority

__all__ = ["AdminPrincipal", "Authenticator", "OptionalPrincipal", "Principal", "WritePrincipal"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: ``kind`` is ``api-key``, ``siwe`` or ``did``; ``subject`` the key id, the address or
    the DID."""

    kind: str
    subject: str
    scope: Scope
    expires_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``GET /auth/whoami``)."""
        return {"kind": self.kind, "subject": self.subject, "scope": self.scope.label, "expires_at": self.expires_at}


class Authenticator:
    """Turns a request's credential into a :class:`Principal`: keys from ``keys`` (``None``: no key file, so only
    sign-in works), sessions from ``sessions``."""

    def __init__(self, keys: ApiKeyStore | None, sessions: SessionAuthority) -> None:
        self.keys = keys
        self.sessions = sessions

    def allowed_scope(self, address: str, server: str) -> Scope:
        """The highest scope ``address`` may receive by signing in (either way): what the key file's allow-list gives
        it (``novacron-chain api-key allow ADDRESS --scope write``; ``read`` by default), and ``admin`` for
        ``server``, the server's own signing address (whoever holds its key may do anything the server does)."""
        if address.lower() == server.lower():
            return Scope.ADMIN
        return self.keys.address_scope(address) if self.keys is not None else Scope.READ

    def principal(self, credential: str) -> Principal:
        """The principal of ``credential`` (an API key or a session token); :class:`AuthenticationError` if none."""
        credential = credential.strip()
        if credential.startswith(KEY_PREFIX):
            key = self.keys.verify(credential) if self.keys is not None else None
            if key is None:
                raise AuthenticationError(
                    "the API key is unknown or revoked",
                    hint="create one with `novacron-chain api-key create --scope write` on the server's data dir",
                )
            return Principal("api-key", key.key_id, key.scope)
        if credential.startswith("ncs_"):
            session = self.sessions.session(credential)
            if session is None:
                raise AuthenticationError(
                    "the session token is unknown or expired",
                    hint="sign in again (GET /auth/siwe/nonce or POST /auth/did/challenge)",
                )
            if session.did is not None:
                return Principal("did", session.did, session.scope, session.expires_at)
            return Principal("siwe", session.address, session.scope, session.expires_at)
        raise AuthenticationError(
            "the credential is neither an API key (nck_...) nor a session token (ncs_...)",
            hint="send X-API-Key: nck_... or Authorization: Bearer <key or session token>",
        )


_bearer = HTTPBearer(auto_error=False, description="An API key (nck_...) or a sign-in session token (ncs_...).")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key (nck_...).")


def _optional(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal | None:
    credential = api_key if api_key else bearer.credentials if bearer is not None else None
    if credential is None:
        if request.headers.get("authorization"):
            raise AuthenticationError(
                "the Authorization header is not a bearer token", hint="send Authorization: Bearer <key or token>"
            )
        return None
    auth: Authenticator = request.app.state.auth
    return auth.principal(credential)


def _need(scope: Scope) -> Any:
    def dependency(principal: Annotated[Principal | None, Depends(_optional)]) -> Principal:
        if principal is None:
            raise AuthenticationError(
                f"this operation needs a credential with the {scope.label!r} scope",
                hint="send X-API-Key: nck_... (`novacron-chain api-key create --scope "
                f"{scope.label}`) or Authorization: Bearer <session token from POST /auth/siwe/verify or "
                "/auth/did/verify>",
            )
        if not principal.scope.allows(scope):
            raise InsufficientScopeError(scope.label, principal.scope.label)
        return principal

    return dependency


#: the caller if it sent a credential (which must then be valid), else ``None``
OptionalPrincipal = Annotated[Principal | None, Depends(_optional)]
#: a caller with the ``write`` scope (or higher): the server signs for it
WritePrincipal = Annotated[Principal, Depends(_need(Scope.WRITE))]
#: a caller with the ``admin`` scope
AdminPrincipal = Annotated[Principal, Depends(_need(Scope.ADMIN))]
