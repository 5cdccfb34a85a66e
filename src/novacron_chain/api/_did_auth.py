"""Sign-in with a DID: the server writes a challenge for a ``did:novacron`` DID, a key the DID document authorises for
``authentication`` signs it, and the server opens the same bearer session Sign-In with Ethereum opens.

The flow: ``POST /auth/did/challenge`` ``{"did": ..., "scope": "write"}`` returns a one-use nonce (bound to that DID,
valid :data:`~._siwe.NONCE_SECONDS`) and the exact text to sign (EIP-191 ``personal_sign``); ``POST
/auth/did/verify`` ``{"did", "nonce", "signature"}`` recovers the signing address and resolves the DID *now* through
the DID registry (:class:`~novacron_chain.did.DIDManager`): the signer must be the current owner key or a ``sigAuth``
delegate still valid (a ``veriKey`` delegate signs credentials, not sign-ins); a key rotated away, a delegate
expired or revoked, a deactivated DID are refused (401, saying which). The session's scope is what the challenge asked
for, up to what the DID's identity address may receive, mapped exactly as Sign-In with Ethereum maps an address
(:meth:`~._auth.Authenticator.allowed_scope`). Nonces and sessions live in the one
:class:`~._siwe.SessionAuthority` both sign-ins share.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field

from ._errors import AuthenticationError
from ._keys import Scope
from ._siwe import SCOPE_RESOURCE, recover_signer, rfc3339

if TYPE_CHECKING:
    from ..did import DIDResolution
    from ._auth import Authenticator
    from ._context import ApiContext

__all__ = ["DidChallengeIn", "DidVerifyIn", "add_did_auth_routes", "challenge_text"]

_HEADER = " wants you to sign in with your DID:"
_AGAIN = "POST /auth/did/challenge"


class DidChallengeIn(BaseModel):
    """The DID to sign in as, and the scope wanted."""

    model_config = ConfigDict(extra="forbid")

    did: str = Field(description="A did:novacron DID of this chain's network.", max_length=300)
    scope: str | None = Field(
        default=None,
        description="read, write or admin (default: the most the DID's identity address may receive).",
        max_length=20,
    )


class DidVerifyIn(BaseModel):
    """A signed DID challenge."""

    model_config = ConfigDict(extra="forbid")

    did: str = Field(description="The DID the challenge was issued for.", max_length=300)
    nonce: str = Field(description="The challenge's nonce.", max_length=100)
    signature: str = Field(
        description="The EIP-191 personal_sign signature of the challenge's message, 0x + 130 hex digits, by a key "
        "the DID document authorises for authentication.",
        max_length=200,
    )


def challenge_text(
    *, domain: str, did: str, uri: str, chain_id: int, nonce: str, issued_at: float, expires: float, scope: Scope
) -> str:
    """The challenge a DID's key signs: laid out like an EIP-4361 message, with the DID where the address goes."""
    return "\n".join(
        [
            f"{domain}{_HEADER}",
            did,
            "",
            "Sign in to the NovaCron Chain API.",
            "",
            f"URI: {uri}",
            "Version: 1",
            f"Chain ID: {chain_id}",
            f"Nonce: {nonce}",
            f"Issued At: {rfc3339(issued_at)}",
            f"Expiration Time: {rfc3339(expires)}",
            "Resources:",
            f"- {SCOPE_RESOURCE}{scope.label}",
        ]
    )


def _asked_scope(text: str) -> Scope:
    for line in text.split("\n"):
        if line.startswith(f"- {SCOPE_RESOURCE}"):
            return Scope.parse(line[len(SCOPE_RESOURCE) + 2 :])
    return Scope.READ


def _authentication_key(resolution: DIDResolution, signer: str) -> str:
    """The fragment of the key of ``signer`` the DID authorises for authentication now, or a 401 saying why not."""
    state = resolution.state
    did = resolution.did
    if state.deactivated:
        raise AuthenticationError(
            f"{did} is deactivated: nothing signs in as it any more", hint="sign in with another DID"
        )
    key = state.key_of_address(signer, "authentication")
    if key is not None:
        return key.fragment
    hint = f"sign with the DID's owner key or a sigAuth delegate (GET /dids/{did} shows its keys)"
    retired = next((k for k in state.retired.values() if k.address == signer), None)
    if retired is not None:
        raise AuthenticationError(
            f"the key {signer} (#{retired.fragment}) no longer acts for {did}: it was {retired.retired}", hint=hint
        )
    if any(k.address == signer for k in state.keys):
        raise AuthenticationError(
            f"the key {signer} may sign credentials for {did} (veriKey delegate) but not sign in: "
            "authentication needs the owner key or a sigAuth delegate",
            hint=hint,
        )
    raise AuthenticationError(
        f"the challenge is signed by {signer}, which is not a key of {did} (its owner is {state.owner})", hint=hint
    )


def add_did_auth_routes(app: FastAPI, ctx: ApiContext, domain: str | None) -> None:
    """Add ``POST /auth/did/challenge`` and ``POST /auth/did/verify`` to ``app`` (whose ``state.auth`` is the
    :class:`~._auth.Authenticator`); ``domain`` is the authority challenges name (default: the request's Host)."""
    nova, call = ctx.nova, ctx.call

    def authenticator(request: Request) -> Authenticator:
        auth: Authenticator = request.app.state.auth
        return auth

    @app.post("/auth/did/challenge", tags=["auth"], summary="A challenge to sign in with a DID")
    def did_challenge(request: Request, body: Annotated[DidChallengeIn, Body()]) -> Any:
        """A one-use nonce bound to the DID (valid 5 minutes) and the exact message to sign with a key the DID
        document authorises for authentication (its owner key or a ``sigAuth`` delegate), EIP-191 personal_sign;
        then ``POST /auth/did/verify``. The scope is what ``scope`` asks (default: the most the DID's identity
        address may receive, as Sign-In with Ethereum grants an address: ``novacron-chain api-key allow``)."""
        auth = authenticator(request)
        parsed = call(lambda: nova.did.parse(body.did))
        allowed = auth.allowed_scope(parsed.address, nova.chain.signer.address)
        scope = Scope.parse(body.scope) if body.scope is not None else allowed
        if not allowed.allows(scope):
            from ._errors import InsufficientScopeError

            raise InsufficientScopeError(scope.label, allowed.label)
        chain_id = call(lambda: nova.chain.chain_id)
        host = domain or request.headers.get("host", "localhost")
        uri = str(request.base_url).rstrip("/")
        issued = time.time()

        def render(nonce: str, expires: int) -> str:
            return challenge_text(
                domain=host,
                did=parsed.did,
                uri=uri,
                chain_id=chain_id,
                nonce=nonce,
                issued_at=issued,
                expires=expires,
                scope=scope,
            )

        nonce, expires, message = auth.sessions.issue_challenge(parsed.did, render)
        return {"did": parsed.did, "nonce": nonce, "message": message, "expires": expires, "scope": scope.label}

    @app.post("/auth/did/verify", tags=["auth"], summary="Sign in with a signed DID challenge")
    def did_verify(request: Request, body: Annotated[DidVerifyIn, Body()]) -> Any:
        """Check the challenge's signature against the DID document now (owner key or valid ``sigAuth``
        delegate; a rotated, expired or revoked key is refused) and open a session: the token to send as
        ``Authorization: Bearer``, as ``POST /auth/siwe/verify`` returns it. 401 for a nonce that is unknown,
        replayed, expired or issued for another DID, and for a signature by a key the DID does not authorise."""
        auth = authenticator(request)
        parsed = call(lambda: nova.did.parse(body.did))
        message = auth.sessions.check_nonce(body.nonce, parsed.did, consume=False, again=_AGAIN)
        signer = recover_signer(message, body.signature)
        resolution = call(lambda: nova.did.resolve(parsed.did))
        fragment = _authentication_key(resolution, signer)
        auth.sessions.check_nonce(body.nonce, parsed.did, consume=True, again=_AGAIN)  # one use, even if racing
        allowed = auth.allowed_scope(parsed.address, nova.chain.signer.address)
        token, session = auth.sessions.open_session(parsed.address, _asked_scope(message), allowed, did=parsed.did)
        return {
            "token": token,
            "token_type": "Bearer",
            "address": session.address,
            "did": parsed.did,
            "key": f"{parsed.did}#{fragment}",
            "scope": session.scope.label,
            "expires_at": session.expires_at,
        }
