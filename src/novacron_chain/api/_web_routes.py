"""The web dashboard (``/ui``) and the few read endpoints it needs that the domain routes lack: every VM created on
chain, the market's price history, the identities the DID registry has seen, the staking reserves, and the layer 2's
status.

The dashboard itself is static: HTML, CSS and ES modules in ``api/web`` with a chart library vendored at build time
(``node scripts/vendor_web.js``), so no node runs at run time. Its pages call the JSON API as any client does and
subscribe to ``/events/blocks`` for live updates; writes send the API key the user types in (kept in the browser's
local storage), so the dashboard has no credentials of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from ._context import ApiContext

__all__ = ["WEB_DIR", "add_web_routes"]

#: the dashboard's static files (shipped as package data)
WEB_DIR = Path(__file__).with_name("web")
_UNIT = 10**18
#: what the dashboard's pages may load and call: only this server (no inline script, no third-party origin)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

Limit = Annotated[int, Query(description="At most this many entries (the newest).", ge=1, le=10_000)]


class _DashboardFiles(StaticFiles):
    """The static files with a content security policy and no caching of the HTML (modules are revalidated)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"cache-control", b"no-cache"))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def add_web_routes(app: FastAPI, ctx: ApiContext) -> None:
    """Serve the dashboard at ``/ui/`` (``/`` redirects there) and add its read endpoints to ``app``."""
    _read_routes(app, ctx)

    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/ui/", status_code=307)

    app.mount("/ui", _DashboardFiles(directory=WEB_DIR, html=True), name="ui")


def _block_times(ctx: ApiContext, blocks: set[int]) -> dict[int, int]:
    w3 = ctx.nova.chain.w3
    with ctx.nova.chain.mapped("reading block timestamps"):
        return {b: int(w3.eth.get_block(b)["timestamp"]) for b in sorted(blocks)}


def _read_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.get("/vms", tags=["vms"], summary="Every VM created on chain")
    def list_vms(limit: Limit = 500) -> Any:
        """Every VM the lifecycle contract created (its ``VMCreated`` events), the newest ``limit``, oldest first,
        each with its state, region and resources now (as ``GET /vms/{name}``)."""
        from ..chain import event_indexer

        def run() -> Any:
            co = nova.orchestrator
            with nova.chain.mapped("reading VMCreated events"):
                created = event_indexer(nova.chain).events(co.lifecycle, "VMCreated", from_block=co.from_block)
            out = []
            for ev in created[-limit:]:
                info = co.get_vm(int(ev["args"]["vmId"])).to_dict()
                out.append({**info, "name": str(ev["args"]["name"]), "created_block": int(ev["blockNumber"])})
            return {"vms": out}

        return js(call(run))

    @app.get("/market/history", tags=["tokens"], summary="Spot prices over time")
    def market_history(
        resource: Annotated[str | None, Query(description="Only this resource (CPU, MEM, STO or NET).")] = None,
        limit: Limit = 1000,
    ) -> Any:
        """Every buy and sell on the bonding curve (the market's events), the newest ``limit``, oldest first, each
        with the resource's reserve after it and the spot price that reserve gives (wei per whole token, exactly as
        the contract's ``getSpotPrice`` rounds it, with the curve in force at that block); then one point per
        resource for now."""
        from ..chain import event_indexer
        from ..tokens import Resource

        def run() -> Any:
            only = Resource.parse(resource) if resource is not None else None
            tm = nova.tokens
            indexer = event_indexer(nova.chain)
            logs: list[tuple[int, int, str, Any]] = []
            with nova.chain.mapped("reading market events"):
                for name in ("CurveConfigured", "ResourceBought", "ResourceSold"):
                    for ev in indexer.events(tm.market, name, from_block=tm.from_block):
                        logs.append((int(ev["blockNumber"]), int(ev["logIndex"]), name, ev))
            logs.sort(key=lambda x: (x[0], x[1]))
            curves: dict[Resource, tuple[int, int]] = {}
            points: list[dict[str, Any]] = []
            for block, _index, name, ev in logs:
                args = ev["args"]
                r = Resource(int(args["resource"]))
                if name == "CurveConfigured":
                    curves[r] = (int(args["basePrice"]), int(args["steepness"]))
                    continue
                if only is not None and r != only:
                    continue
                base, steep = curves.get(r) or tm.curve(r)[:2]
                reserve = int(args["reserve"])
                bought = name == "ResourceBought"
                points.append(
                    {
                        "resource": r.name,
                        "block": block,
                        "side": "buy" if bought else "sell",
                        "amount": str(int(args["amount"])),
                        "value_wei": str(int(args["cost"] if bought else args["payout"])),
                        "reserve": str(reserve),
                        "spot_price_wei": str(_spot(base, steep, reserve)),
                        "tx_hash": "0x" + bytes(ev["transactionHash"]).hex(),
                    }
                )
            points = points[-limit:]
            times = _block_times(ctx, {p["block"] for p in points})
            for p in points:
                p["timestamp"] = times[p["block"]]
            now = {"block": nova.chain.block_number(), "timestamp": nova.chain.timestamp()}
            current = [
                {"resource": r.name, "spot_price_wei": str(tm.get_spot_price(r)), "reserve": str(tm.curve(r)[2])}
                for r in Resource
                if only is None or r == only
            ]
            return {"points": points, "now": {**now, "prices": current}}

        return js(call(run))

    @app.get("/identities", tags=["identity"], summary="Identities the DID registry has seen")
    def identities(limit: Limit = 500) -> Any:
        """Every identity with a change on the DID registry (owner, delegate or attribute events), its DID, owner
        now and how many changes, the newest ``limit``; and every revoked credential (issuer DID, credential id
        hash, block). Credentials themselves are off chain (vc+jwt): check one with ``POST /credentials/verify``."""
        from ..chain import event_indexer

        def run() -> Any:
            dm = nova.did
            indexer = event_indexer(nova.chain)
            seen: dict[str, dict[str, Any]] = {}
            revoked = []
            with nova.chain.mapped("reading DID registry events"):
                for name in ("DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged"):
                    for ev in indexer.events(dm.registry, name):
                        who = str(ev["args"]["identity"])
                        entry = seen.setdefault(
                            who, {"address": who, "changes": 0, "attributes": 0, "delegates": 0, "last_block": 0}
                        )
                        entry["changes"] += 1
                        if name == "DIDAttributeChanged":
                            entry["attributes"] += 1
                        elif name == "DIDDelegateChanged":
                            entry["delegates"] += 1
                        entry["last_block"] = max(entry["last_block"], int(ev["blockNumber"]))
                for ev in indexer.events(dm.registry, "CredentialRevoked"):
                    issuer = str(ev["args"]["issuer"])
                    revoked.append(
                        {
                            "issuer": dm.did_of(issuer),
                            "credential_id_hash": "0x" + bytes(ev["args"]["credentialId"]).hex(),
                            "block": int(ev["blockNumber"]),
                        }
                    )
                out = sorted(seen.values(), key=lambda e: e["last_block"])[-limit:]
                for e in out:
                    e["did"] = dm.did_of(e["address"])
                    e["owner"] = str(nova.chain.call(dm.registry.functions.identityOwner(e["address"])))
            return {"identities": out, "revoked_credentials": revoked[-limit:]}

        return js(call(run))

    @app.get("/staking", tags=["tokens"], summary="Staking reserves and APRs")
    def staking() -> Any:
        """Per resource: the APR (basis points), the reward reserve available and committed (base units); and how
        many stakes were ever opened."""
        from ..tokens import Resource

        def run() -> Any:
            tm = nova.tokens
            out = []
            for r in Resource:
                available, committed = tm.reward_reserve(r)
                apr = int(nova.chain.call(tm.staking.functions.aprBps(int(r))))
                out.append(
                    {
                        "resource": r.name,
                        "apr_bps": apr,
                        "reward_available": str(available),
                        "reward_committed": str(committed),
                    }
                )
            count = int(nova.chain.call(tm.staking.functions.stakeCount()))
            return {"resources": out, "stake_count": count, "account": nova.chain.signer.address}

        return js(call(run))

    @app.get("/l2/status", tags=["l2"], summary="The layer 2: TPS and batches")
    def l2_status() -> Any:
        """Whether layer 2 is on; if so the sequencer's status (TPS, soft confirmations) and the rollup's view on
        L1 (batches posted, challenge period), as ``novacron-chain l2 status`` shows them. A sequencer that does
        not answer is reported in ``sequencer.error``, not as an error of this request."""

        def run() -> Any:
            bc = nova.config.blockchain
            if not bc.use_layer2:
                return {
                    "enabled": False,
                    "message": "layer 2 is off (use_layer2: false)",
                    "hint": "set blockchain.use_layer2: true (l2_network: novacron for this project's rollup)",
                }
            return {"enabled": True, **nova.l2.status()}

        return js(call(run))

    @app.get("/l2/batches", tags=["l2"], summary="The rollup's newest batches on L1")
    def l2_batches(limit: Limit = 20) -> Any:
        """The newest live batches of the rollup deployed on this chain, read from L1 (no sequencer needed),
        newest first: post root, proposer, L1 block and transaction, time posted, and whether final (past the
        challenge period or checkpointed by the validators). ``deployed`` is false where the rollup is not."""

        def run() -> Any:
            from ..l2 import RollupL1

            l1 = RollupL1.for_nova(nova)
            if l1 is None:
                return {"deployed": False, "batches": []}
            return {"deployed": True, "rollup": l1.address, "batches": l1.recent_batches(limit)}

        return js(call(run))


def _spot(base: int, steepness: int, reserve: int) -> int:
    """The contract's ``getSpotPrice``: ``base * (k + reserve) / k`` with ``k = steepness * 1e18``, rounded down."""
    k = steepness * _UNIT
    return base * (k + reserve) // k if k else base
