"""The FastAPI application: a thin shell over :class:`~novacron_chain.NovaChain` and its domain managers.

Every endpoint calls the library and returns the domain type's ``to_dict()`` (the same JSON as the CLI's ``--json``);
every error goes through :mod:`._problems`. Library calls run one at a time under a lock: a NovaChain (its signer's
nonces, the embedded EVM, the state journal) is not meant to be driven from several threads at once, and FastAPI
runs sync endpoints in a thread pool.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Body, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import NovaChainError
from ._models import StateRecordIn, VMCreateIn
from ._problems import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA, log, problem_body, problem_status, unexpected_problem

if TYPE_CHECKING:
    from .. import NovaChain

__all__ = ["create_app"]

T = TypeVar("T")

_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# declared on every operation: FastAPI then adds no 422 of its own (request validation errors are 400 problems here)
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "Bad input, or what the request names does not exist (RFC 9457 problem).",
        "content": _PROBLEM_CONTENT,
    },
    "5XX": {
        "description": "The chain, the store or the server failed (RFC 9457 problem).",
        "content": _PROBLEM_CONTENT,
    },
}


# path parameters used by several operations (module level: FastAPI resolves the annotations in these globals)
VmIdPath = Annotated[str, Path(description="The VM's id, e.g. vm-12345.")]
Domain = Annotated[str, Path(description="The checkpoint domain: state, l2, bridge, or 0x + 64 hex digits.")]
Height = Annotated[int, Path(description="The checkpoint's height.")]


def _json(data: Any) -> Any:
    # the CLI's --json rendering (default=str): both shells give the same fields the same way
    return json.loads(json.dumps(data, default=str))


def _problem_response(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=int(body["status"]), media_type=PROBLEM_MEDIA_TYPE)


def create_app(nova: NovaChain, *, title: str = "NovaCron Chain API") -> FastAPI:
    """The HTTP API over ``nova`` (deployed already; the caller keeps it open while the app serves and closes it).

    Reads and writes use ``nova``'s signing account; writes are not authenticated yet, so serve on loopback only.
    OpenAPI at ``/openapi.json``, docs at ``/docs``, Prometheus metrics at ``/metrics``.
    """
    from ..metrics import render_text

    lock = threading.RLock()

    def call(fn: Callable[[], T]) -> T:
        with lock:
            return fn()

    app = FastAPI(
        title=title,
        version=_version(),
        description="The blockchain layer of the NovaCron VM platform over HTTP: VM state records and their "
        "anchors, VM lifecycle, resource tokens, governance and consensus. Errors are RFC 9457 problem details.",
        responses=_ERROR_RESPONSES,
    )
    _install_error_handlers(app)
    original_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original_openapi()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema

    # -- service ------------------------------------------------------------------------------------------------

    @app.get("/healthz", tags=["service"], summary="Liveness: the chain answers")
    def healthz() -> Any:
        """The chain id and latest block (the chain answered)."""
        return call(lambda: {"ok": True, "chain_id": nova.chain.chain_id, "block": nova.chain.block_number()})

    @app.get("/status", tags=["service"], summary="Chain, account and deployed contracts")
    def status() -> Any:
        """Chain id, block, account, balance and each deployed contract with a code check (``novacron-chain
        status``)."""
        return _json(call(nova.status).to_dict())

    @app.get("/metrics", tags=["service"], include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics of this chain (the exporter's text format)."""
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(call(lambda: render_text(nova.metrics)), media_type=CONTENT_TYPE_LATEST)

    # -- VM state records ---------------------------------------------------------------------------------------

    @app.post("/state/records", tags=["state"], status_code=201, summary="Record a VM state")
    def record_state(body: Annotated[StateRecordIn, Body()]) -> Any:
        """Record a VM state (seed: RecordVMState); it is anchored on chain by the next flush."""
        from ..state import VMState, VMStateRecord

        def run() -> Any:
            fields: dict[str, Any] = {
                "vm_id": body.vm_id,
                "state": VMState.parse(body.state),
                "region": body.region,
                "cpu_allocation": body.cpu_allocation,
                "memory_allocation": body.memory_allocation,
                "owner": body.owner if body.owner is not None else nova.chain.signer.address,
            }
            if body.timestamp is not None:
                fields["timestamp"] = body.timestamp
            return nova.state.record_vm_state(VMStateRecord(**fields)).to_dict()

        return _json(call(run))

    @app.post("/state/flush", tags=["state"], summary="Anchor every recorded state now")
    def flush_state() -> Any:
        """Anchor every pending record now, one Merkle root per batch (``novacron-chain state flush``)."""
        results = call(nova.state.flush)
        return _json({"records": sum(r.leaf_count for r in results), "batches": [r.to_dict() for r in results]})

    @app.get("/state/summary", tags=["state"], summary="Records pending, unconfirmed and anchored")
    def state_summary() -> Any:
        """How many records wait, are being anchored, and are anchored (``novacron-chain state status``)."""
        return _json(call(lambda: nova.state.summary()).to_dict())

    @app.get("/state/vms/{vm_id}/verify", tags=["state"], summary="Verify a VM's records against the chain")
    def verify_state(vm_id: VmIdPath) -> Any:
        """Check every record of a VM against the roots on chain (seed: VerifyStateIntegrity). The verdict is the
        report's ``status`` (valid, pending, tampered, missing); a tampered record is an answer, not an error."""
        return _json(call(lambda: nova.state.verify_state_integrity(vm_id)).to_dict())

    @app.get("/state/vms/{vm_id}/history", tags=["state"], summary="A VM's audit trail")
    def state_history(vm_id: VmIdPath) -> Any:
        """Every anchored record of a VM, oldest first, with batch, block, transaction and CID."""
        entries = call(lambda: nova.state.get_history(vm_id))
        return _json({"vm_id": vm_id, "records": [e.to_dict() for e in entries]})

    # -- VM lifecycle -------------------------------------------------------------------------------------------

    @app.post("/vms", tags=["vms"], status_code=201, summary="Create a VM")
    def create_vm(body: Annotated[VMCreateIn, Body()]) -> Any:
        """Create a VM owned by the server's account, in state STOPPED (seed: CreateVM); ``reserve`` stakes the
        capacity it needs first."""
        from ..orchestrator import VMLifecycleOperation

        def run() -> Any:
            co = nova.orchestrator
            op = VMLifecycleOperation(body.name, body.region, body.cpu_allocation, body.memory_allocation)
            receipt = co.create_vm(op, reserve=body.reserve)
            tx = {"tx_hash": receipt.tx_hash, "block": receipt.block_number, "gas_used": receipt.gas_used}
            return {"tx": tx, "vm": co.get_vm(body.name).to_dict()}

        return _json(call(run))

    @app.get("/vms/{name}", tags=["vms"], summary="A VM and its migration")
    def get_vm(
        name: Annotated[str, Path(description="The VM's name, e.g. vm-12345.")],
        owner: Annotated[
            str | None, Query(description="The owner, when several accounts have a VM of this name.")
        ] = None,
    ) -> Any:
        """The VM's state, region, resources and latest migration request (``novacron-chain vm show``)."""
        return _json(call(lambda: nova.orchestrator.get_vm(name, owner=owner)).to_dict())

    # -- tokens -------------------------------------------------------------------------------------------------

    def _price(resource: str) -> dict[str, Any]:
        from ..tokens import RESOURCES, Resource

        r = Resource.parse(resource)
        tm = nova.tokens
        base, steep, reserve = tm.curve(r)
        return {
            "resource": r.name,
            "unit": RESOURCES[r].unit,
            "spot_price_wei": str(tm.get_spot_price(r)),
            "base_price_wei": str(base),
            "steepness_tokens": str(steep),
            "reserve": str(reserve),
        }

    @app.get("/market/prices", tags=["tokens"], summary="Spot prices of all four resources")
    def market_prices() -> Any:
        """The bonding curve's spot price (wei per whole token) and curve of CPU, MEM, STO and NET."""
        from ..tokens import Resource

        return {"prices": call(lambda: [_price(r.name) for r in Resource])}

    @app.get("/market/prices/{resource}", tags=["tokens"], summary="Spot price of one resource")
    def market_price(resource: Annotated[str, Path(description="CPU, MEM, STO or NET.")]) -> Any:
        """The spot price (seed: GetSpotPrice) and curve of one resource (``novacron-chain market price``)."""
        return call(lambda: _price(resource))

    @app.get("/accounts/{address}/balances", tags=["tokens"], summary="An account's balances")
    def balances(address: Annotated[str, Path(description="The account's address (0x + 40 hex digits).")]) -> Any:
        """Native coins (wei) and the four resource tokens (base units) of an account."""
        return _json(call(lambda: nova.tokens.balances(address)).to_dict())

    # -- governance ---------------------------------------------------------------------------------------------

    @app.get("/proposals", tags=["governance"], summary="Every proposal")
    def list_proposals() -> Any:
        """Every proposal on the governor, oldest first, with state, tallies and quorum progress."""
        return _json({"proposals": [p.to_dict() for p in call(lambda: nova.governance.list_proposals())]})

    @app.get("/proposals/{ref}", tags=["governance"], summary="One proposal")
    def show_proposal(
        ref: Annotated[str, Path(description="The proposal id (decimal or 0x-hex), #N (the N-th), or a prefix.")],
    ) -> Any:
        """The proposal: state, timeline, tallies, quorum and its progress, eta (``novacron-chain gov show``)."""

        def run() -> Any:
            gm = nova.governance
            return gm.get_proposal(gm.resolve_proposal_id(ref)).to_dict()

        return _json(call(run))

    # -- consensus ----------------------------------------------------------------------------------------------

    @app.get("/consensus/status", tags=["consensus"], summary="Epoch, validators and stake")
    def consensus_status() -> Any:
        """Epoch, validator counts, the epoch's stake, and an under-decentralisation warning."""
        return _json(call(lambda: nova.consensus.status()).to_dict())

    @app.get("/validators", tags=["consensus"], summary="Every validator")
    def list_validators() -> Any:
        """Every validator ever registered, by index, with its weight now and in the next epoch."""
        return _json({"validators": [v.to_dict() for v in call(lambda: nova.consensus.list_validators())]})

    @app.get("/validators/{ref}", tags=["consensus"], summary="One validator")
    def get_validator(ref: Annotated[str, Path(description="The validator's index or its owner's address.")]) -> Any:
        """One validator: owner, signer, BLS key, bonded stake, status."""
        return _json(call(lambda: nova.consensus.get_validator(ref)).to_dict())

    @app.get("/checkpoints/{domain}/{height}", tags=["consensus"], summary="One final checkpoint")
    def get_checkpoint(domain: Domain, height: Height) -> Any:
        """The final checkpoint of ``domain`` at ``height``: root, epoch, stake that signed, non-signers."""
        return _json(call(lambda: nova.consensus.get_checkpoint(domain, height)).to_dict())

    @app.get("/checkpoints/{domain}/{height}/final", tags=["consensus"], summary="Is a checkpoint final?")
    def is_final(
        domain: Domain,
        height: Height,
        root: Annotated[str, Query(description="The root to check, 0x + 64 hex digits.")],
    ) -> Any:
        """Whether ``(domain, height, root)`` is final on the CheckpointVerifier (what contracts ask it)."""
        final = call(lambda: nova.consensus.is_final(domain, height, root))
        return {"domain": domain, "height": height, "root": root, "final": final}

    return app


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
