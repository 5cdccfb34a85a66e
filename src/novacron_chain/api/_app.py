"""The FastAPI application: a thin shell over :class:`~novacron_chain.NovaChain` and its domain managers.

Every endpoint calls the library and returns the domain type's ``to_dict()`` (the same JSON as the CLI's ``--json``);
every error goes through :mod:`._problems`. The domain endpoints are in :mod:`._routes`; here are the service ones
(health, readiness, metrics, status), sign-in, jobs and the block event stream.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import NovaChainError, NovaValueError
from ..units import is_digits
from ._auth import AdminPrincipal, Authenticator, OptionalPrincipal, WritePrincipal
from ._context import ApiContext
from ._did_auth import add_did_auth_routes
from ._errors import AuthenticationError
from ._jobs import JobRunner
from ._keys import ApiKeyStore
from ._models import SiweVerifyIn
from ._policy_routes import add_policy_routes
from ._problems import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA, log, problem_body, problem_status, unexpected_problem
from ._routes import add_domain_routes
from ._siwe import SCOPE_RESOURCE, SessionAuthority, SiweMessage, rfc3339
from ._web_routes import add_web_routes

if TYPE_CHECKING:
    from .. import NovaChain

__all__ = ["create_app", "default_key_file"]

_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# declared on every operation: FastAPI then adds no 422 of its own (request validation errors are 400 problems here)
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "Bad input, a missing or insufficient credential, or what the request names does not exist "
        "(RFC 9457 problem).",
        "content": _PROBLEM_CONTENT,
    },
    "5XX": {
        "description": "The chain, the store or the server failed (RFC 9457 problem).",
        "content": _PROBLEM_CONTENT,
    },
}
_JOB_ACCEPTED: dict[int | str, dict[str, Any]] = {202: {"description": "Accepted: poll the job at Location."}}
_SSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "A text/event-stream of new blocks.", "content": {"text/event-stream": {}}}
}
_EMPTY_DIR_CID = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"  # the empty UnixFS directory: a cheap store probe


def _problem_response(body: dict[str, Any]) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="novacron-chain"'} if body["status"] == 401 else None
    return JSONResponse(body, status_code=int(body["status"]), media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def default_key_file(nova: NovaChain) -> ApiKeyStore:
    """The API key file of ``nova``'s data dir (``<data_dir>/api-keys.json``), as ``novacron-chain api-key`` uses."""
    return ApiKeyStore(nova.config.blockchain.resolved_data_dir / "api-keys.json")


def create_app(
    nova: NovaChain,
    *,
    title: str = "NovaCron Chain API",
    keys: ApiKeyStore | None = None,
    sessions: SessionAuthority | None = None,
    siwe_domain: str | None = None,
) -> FastAPI:
    """The HTTP API over ``nova`` (deployed already; the caller keeps it open while the app serves and closes it).

    Reads are open; writes need a credential with the ``write`` scope (pausing and deploying: ``admin``): an API
    key from ``keys`` (default: ``api-keys.json`` in the data dir) or a Sign-In-with-Ethereum session from
    ``sessions``. ``siwe_domain`` is the authority sign-in messages must name (default: the request's ``Host``).
    The server signs every write with ``nova``'s account. OpenAPI at ``/openapi.json``, docs at ``/docs``,
    Prometheus metrics at ``/metrics``.
    """
    from ..metrics import make_registry
    from ._collector import DomainCollector, RequestMetrics

    ctx = ApiContext(nova, JobRunner(unexpected_problem))
    call = ctx.call
    auth = Authenticator(keys if keys is not None else default_key_file(nova), sessions or SessionAuthority())
    registry = make_registry(nova.metrics)
    registry.register(DomainCollector(nova))
    request_metrics = RequestMetrics(registry, nova.metrics.network)

    app = FastAPI(
        title=title,
        version=_version(),
        description="The blockchain layer of the NovaCron VM platform over HTTP: VM state records and their "
        "anchors, VM lifecycle, resource tokens, identity, governance, consensus, bridge and security. Reads are "
        "open; writes need an API key (`X-API-Key`) or a session from Sign-In with Ethereum or a DID-signed "
        "challenge (`Authorization: Bearer`) "
        "with the `write` scope. Errors are RFC 9457 problem details.",
        responses=_ERROR_RESPONSES,
    )
    app.state.auth = auth
    app.state.context = ctx
    _install_error_handlers(app)
    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original_openapi()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema

    @app.middleware("http")
    async def _count(request: Request, call_next: Any) -> Any:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        request_metrics.observe(request.method, template, response.status_code, started)
        return response

    # -- service ------------------------------------------------------------------------------------------------

    @app.get("/healthz", tags=["service"], summary="Liveness: the chain answers")
    def healthz() -> Any:
        """The chain id and latest block (the chain answered)."""
        return call(lambda: {"ok": True, "chain_id": nova.chain.chain_id, "block": nova.chain.block_number()})

    @app.get(
        "/readyz",
        tags=["service"],
        summary="Readiness: chain, contracts and store",
        responses={503: {"description": "Not ready: the body says which check failed."}},
    )
    def readyz() -> Any:
        """Ready to serve: the chain answers, the contract set is deployed with the expected code, the state
        journal and the content store (IPFS) answer. 503 with the same body when a check fails."""
        checks = call(lambda: _readiness(nova))
        ready = all(c["ok"] for c in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/status", tags=["service"], summary="Chain, account and deployed contracts")
    def status() -> Any:
        """Chain id, block, account, balance and each deployed contract with a code check (``novacron-chain
        status``)."""
        return ctx.json(call(nova.status).to_dict())

    @app.get("/metrics", tags=["service"], include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics: the chain's exporter, domain gauges read now, and this server's request counters."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return Response(call(lambda: generate_latest(registry)), media_type=CONTENT_TYPE_LATEST)

    @app.get("/events/blocks", tags=["service"], summary="New blocks as server-sent events", responses=_SSE)
    async def block_stream(
        request: Request,
        from_block: Annotated[
            int | None, Query(description="Send blocks after this one (default: the latest).", ge=0, le=2**62)
        ] = None,
        limit: Annotated[int | None, Query(description="Close after this many events.", ge=1, le=10_000)] = None,
        timeout: Annotated[float | None, Query(description="Close after this many seconds.", gt=0, le=86_400)] = None,
        last_event_id: Annotated[
            str | None, Header(description="Resume after this block (set by EventSource on reconnect).")
        ] = None,
        kinds: Annotated[
            str | None,
            Query(
                description="Only blocks with an event of these kinds, comma-separated: anchor, vote, transfer, "
                "bridge, policy.",
                max_length=200,
            ),
        ] = None,
    ) -> StreamingResponse:
        """One ``block`` event per new block (id = its number): hash, timestamp, transactions, gas used, the
        deployment's contracts it called, and ``events``: the anchors, votes, transfers, bridge messages and policy
        changes in it, decoded and typed (``kind``)."""
        from ._events import KINDS, block_events

        wanted = None
        if kinds is not None:
            wanted = frozenset(k.strip() for k in kinds.split(",") if k.strip())
            unknown = sorted(wanted - set(KINDS.values()))
            if unknown or not wanted:
                raise NovaValueError(
                    f"kinds: unknown kind(s) {', '.join(unknown) or '(none given)'}",
                    hint=f"use some of: {', '.join(sorted(set(KINDS.values())))}",
                )
        start = from_block
        if start is None and last_event_id is not None and is_digits(last_event_id):
            start = int(last_event_id)
        return StreamingResponse(
            block_events(ctx, request, start, limit, timeout, wanted),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # -- sign-in ------------------------------------------------------------------------------------------------

    @app.get("/auth/siwe/nonce", tags=["auth"], summary="A nonce to sign in with Ethereum")
    def siwe_nonce(request: Request) -> Any:
        """A one-use nonce (valid 5 minutes) and a message template: fill in the address, sign it (EIP-191
        personal_sign) and POST it to ``/auth/siwe/verify``. Ask for a scope with a
        ``urn:novacron-chain:scope:<read|write|admin>`` resource."""
        nonce, expires = auth.sessions.issue_nonce()
        domain = siwe_domain or request.headers.get("host", "localhost")
        template = SiweMessage(
            domain=domain,
            address="0x0000000000000000000000000000000000000000",
            statement="Sign in to the NovaCron Chain API.",
            uri=str(request.base_url).rstrip("/"),
            chain_id=call(lambda: nova.chain.chain_id),
            nonce=nonce,
            issued_at=rfc3339(time.time()),
            resources=(SCOPE_RESOURCE + "write",),
        )
        return {
            "nonce": nonce,
            "expires_at": expires,
            "domain": domain,
            "chain_id": template.chain_id,
            "message_template": template.text(),
        }

    @app.post("/auth/siwe/verify", tags=["auth"], summary="Sign in with a signed EIP-4361 message")
    def siwe_verify(request: Request, body: Annotated[SiweVerifyIn, Body()]) -> Any:
        """Check the signed message (domain, chain, nonce, times, signer) and open a session: the token to send as
        ``Authorization: Bearer``. The scope is what the message asks for, if the key file allows the address that
        much (``novacron-chain api-key allow ADDRESS --scope write``); anyone may sign in for ``read``."""
        domain = siwe_domain or request.headers.get("host")
        text = body.message
        address = SiweMessage.parse(text).address
        allowed = auth.allowed_scope(address, nova.chain.signer.address)  # the DID sign-in maps scopes the same way
        token, session, _ = auth.sessions.sign_in(
            text, body.signature, domain=domain, chain_id=call(lambda: nova.chain.chain_id), allowed=allowed
        )
        return {
            "token": token,
            "token_type": "Bearer",
            "address": session.address,
            "scope": session.scope.label,
            "expires_at": session.expires_at,
        }

    @app.get("/auth/whoami", tags=["auth"], summary="The caller's credential")
    def whoami(principal: OptionalPrincipal) -> Any:
        """Who the credential sent is and its scope (401 without one)."""
        if principal is None:
            raise AuthenticationError(
                "no credential sent", hint="send X-API-Key: nck_... or Authorization: Bearer <key or session token>"
            )
        return principal.to_dict()

    # -- jobs -----------------------------------------------------------------------------------------------------

    def accepted(kind: str, fn: Any, who: Any) -> JSONResponse:
        job = ctx.jobs.submit(kind, lambda: ctx.json(call(fn)), f"{who.kind}:{who.subject}")
        return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/jobs/{job.job_id}"})

    @app.post(
        "/jobs/flush",
        tags=["jobs"],
        status_code=202,
        summary="Anchor pending states, as a job",
        responses=_JOB_ACCEPTED,
    )
    def job_flush(who: WritePrincipal) -> JSONResponse:
        """Anchor every pending VM state record (``state flush``) in the background. Needs ``write``."""
        return accepted("flush", ctx.flush, who)

    @app.post(
        "/jobs/keeper",
        tags=["jobs"],
        status_code=202,
        summary="Run the governance keeper, as a job",
        responses=_JOB_ACCEPTED,
    )
    def job_keeper(who: WritePrincipal) -> JSONResponse:
        """Queue every succeeded proposal and execute every ripe one (``gov keeper``). Needs ``write``."""
        return accepted("keeper", lambda: {"actions": [a.to_dict() for a in nova.governance.run_keeper()]}, who)

    @app.post(
        "/jobs/deploy",
        tags=["jobs"],
        status_code=202,
        summary="Deploy the contract set, as a job",
        responses=_JOB_ACCEPTED,
    )
    def job_deploy(who: AdminPrincipal) -> JSONResponse:
        """Deploy what is missing or changed of the contract set (idempotent; ``deploy``). Needs ``admin``."""

        def run() -> Any:
            outcomes = nova.deploy()
            return {"contracts": [{"name": o.name, "address": o.address, "action": o.action} for o in outcomes]}

        return accepted("deploy", run, who)

    @app.get("/jobs", tags=["jobs"], summary="Recent jobs")
    def jobs() -> Any:
        """The jobs this server ran since it started, newest first."""
        return ctx.json({"jobs": [j.to_dict() for j in ctx.jobs.list()]})

    @app.get("/jobs/{job_id}", tags=["jobs"], summary="One job")
    def job(job_id: Annotated[str, Path(description="The job id from the 202 answer.")]) -> Any:
        """A job's status (queued, running, succeeded, failed) and its result or problem."""
        return ctx.json(ctx.jobs.get(job_id).to_dict())

    add_did_auth_routes(app, ctx, siwe_domain)  # POST /auth/did/challenge and /auth/did/verify
    add_domain_routes(app, ctx)
    add_policy_routes(app, ctx)  # zero-ops automation policies and their pending approvals
    add_web_routes(app, ctx)  # the dashboard at /ui/ and its read endpoints
    return app


def _readiness(nova: NovaChain) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}

    def check(name: str, fn: Any) -> None:
        try:
            checks[name] = {"ok": True, **fn()}
        except NovaChainError as exc:
            checks[name] = {"ok": False, "error": type(exc).__name__, "message": exc.message, "hint": exc.hint}

    check("chain", lambda: {"chain_id": nova.chain.chain_id, "block": nova.chain.block_number()})

    def contracts() -> dict[str, Any]:
        listed = nova.status().contracts
        bad = [c.name for c in listed if not c.code_matches]
        if not listed or bad:
            from ..errors import ContractError

            raise ContractError(
                "no contract is deployed" if not listed else f"code differs from the artifacts: {', '.join(bad)}",
                hint="run `novacron-chain deploy`",
            )
        return {"deployed": len(listed)}

    check("contracts", contracts)
    check("state", lambda: {"pending": nova.state.summary().pending})
    check("store", lambda: {"answers": nova.state.store.has(_EMPTY_DIR_CID) in (True, False)})
    return checks


def _version() -> str:
    from .. import __version__

    return str(__version__)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error response is a problem: library errors as :func:`problem_status` says, request validation
    errors as 400, routing errors (404, 405) with their status, anything else as a logged 500."""

    @app.exception_handler(NovaChainError)
    async def _nova_error(request: Request, exc: NovaChainError) -> JSONResponse:
        status = problem_status(exc)
        if status >= 500:  # the operator should see it; a known condition needs no traceback
            log.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, type(exc).__name__, exc)
        return _problem_response(problem_body(exc, status))

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        message = f"{'.'.join(first['loc']) or 'request'}: {first['msg']}"
        return _problem_response(
            {
                "type": "urn:novacron-chain:error:RequestValidationError",
                "title": "Bad Request",
                "status": 400,
                "detail": message,
                "error": "RequestValidationError",
                "message": message,
                "hint": "see the operation's schema at /docs (or /openapi.json)",
                "errors": errors,
            }
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        from http import HTTPStatus

        phrase = HTTPStatus(exc.status_code).phrase
        detail = f"{request.method} {request.url.path}: {exc.detail or phrase}"
        error = phrase.replace(" ", "")
        response = _problem_response(
            {
                "type": f"urn:novacron-chain:error:{error}",
                "title": phrase,
                "status": exc.status_code,
                "detail": detail,
                "error": error,
                "message": detail,
            }
        )
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _problem_response(unexpected_problem(exc, f"{request.method} {request.url.path}"))
