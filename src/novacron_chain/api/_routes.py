"""The domain endpoints: every manager's reads, and the writes the platform's services need (record a VM state,
create a VM, buy on the market, vote, pause a contract). Each returns the domain type's ``to_dict()`` (the CLI's
``--json``); writes declare the scope they need, so the server signs with its account only for callers allowed to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response

from ..units import is_digits
from ._auth import AdminPrincipal, WritePrincipal
from ._models import CredentialIn, MarketBuyIn, StateRecordIn, VMCreateIn, VoteIn

if TYPE_CHECKING:
    from ._context import ApiContext

__all__ = ["add_domain_routes"]

INT64_MAX = 2**63 - 1

# path and query parameters used by several operations (module level: FastAPI resolves annotations in these globals)
VmIdPath = Annotated[str, Path(description="The VM's id, e.g. vm-12345.")]
Domain = Annotated[str, Path(description="The checkpoint domain: state, l2, bridge, or 0x + 64 hex digits.")]
Height = Annotated[int, Path(description="The checkpoint's height.", ge=0, le=INT64_MAX)]
ResourcePath = Annotated[str, Path(description="CPU, MEM, STO or NET.")]
AddressPath = Annotated[str, Path(description="The account's address (0x + 40 hex digits).")]
ContractPath = Annotated[str, Path(description="A contract of the deployment by name (e.g. StateAnchor) or address.")]
ProposalRef = Annotated[str, Path(description="The proposal id (decimal or 0x-hex), #N (the N-th), or a prefix.")]


def add_domain_routes(app: FastAPI, ctx: ApiContext) -> None:
    """Add the domain endpoints over ``ctx.nova`` to ``app``."""
    _state_routes(app, ctx)
    _report_routes(app, ctx)
    _vm_routes(app, ctx)
    _identity_routes(app, ctx)
    _token_routes(app, ctx)
    _governance_routes(app, ctx)
    _consensus_routes(app, ctx)
    _crosschain_routes(app, ctx)
    _security_routes(app, ctx)


def _state_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.post("/state/records", tags=["state"], status_code=201, summary="Record a VM state")
    def record_state(body: Annotated[StateRecordIn, Body()], who: WritePrincipal) -> Any:
        """Record a VM state (seed: RecordVMState); it is anchored on chain by the next flush. Needs ``write``."""
        return js(call(lambda: ctx.record_state(body)))

    @app.post("/state/flush", tags=["state"], summary="Anchor every recorded state now")
    def flush_state(who: WritePrincipal) -> Any:
        """Anchor every pending record now, one Merkle root per batch (``novacron-chain state flush``); waits for
        it. ``POST /jobs/flush`` does the same as a job. Needs ``write``."""
        return js(call(ctx.flush))

    @app.get("/state/summary", tags=["state"], summary="Records pending, unconfirmed and anchored")
    def state_summary() -> Any:
        """How many records wait, are being anchored, and are anchored (``novacron-chain state status``)."""
        return js(call(lambda: nova.state.summary()).to_dict())

    @app.get("/state/vms/{vm_id}/verify", tags=["state"], summary="Verify a VM's records against the chain")
    def verify_state(vm_id: VmIdPath) -> Any:
        """Check every record of a VM against the roots on chain (seed: VerifyStateIntegrity). The verdict is the
        report's ``status`` (valid, pending, tampered, missing); a tampered record is an answer, not an error."""
        return js(call(lambda: nova.state.verify_state_integrity(vm_id)).to_dict())

    @app.get("/state/vms/{vm_id}/history", tags=["state"], summary="A VM's audit trail")
    def state_history(vm_id: VmIdPath) -> Any:
        """Every anchored record of a VM, oldest first, with batch, block, transaction and CID."""
        entries = call(lambda: nova.state.get_history(vm_id))
        return js({"vm_id": vm_id, "records": [e.to_dict() for e in entries]})

    @app.get("/state/records/{record}/verify", tags=["state"], summary="Verify one record")
    def verify_record(record: Annotated[str, Path(description="The record's sequence number or its CID.")]) -> Any:
        """One record checked against its batch's root on chain (``novacron-chain state verify --record``)."""
        ref: str | int = int(record) if is_digits(record) and len(record) < 19 else record
        return js(call(lambda: nova.state.verify_record(ref)).to_dict())

    @app.get("/state/batches/{batch_id}/verify", tags=["state"], summary="Verify one anchored batch")
    def verify_batch(batch_id: Annotated[int, Path(description="The batch id on chain.", ge=0, le=INT64_MAX)]) -> Any:
        """Every record of a batch re-hashed and its Merkle root compared with the one on chain."""
        return js(call(lambda: nova.state.verify_batch(batch_id)).to_dict())


JWT_MEDIA_TYPE = "application/jwt"
_REPORT_MAX = 10_000_000  # bytes of a report to check (a VM with tens of thousands of records stays far below)
_REPORT_OUT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: its fields and the vc+jwt as ``report`` (JSON), or the bare vc+jwt when the "
        "Accept header asks for application/jwt.",
        "content": {"application/json": {}, JWT_MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}
_REPORT_IN: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The report: the vc+jwt as text (application/jwt or text/plain), or JSON with the token as "
        "`jwt` or as `report` (what `state report --json` prints).",
        "content": {
            JWT_MEDIA_TYPE: {"schema": {"type": "string", "maxLength": _REPORT_MAX}},
            "text/plain": {"schema": {"type": "string", "maxLength": _REPORT_MAX}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"jwt": {"type": "string"}, "report": {"type": "string"}},
                    "minProperties": 1,
                }
            },
        },
    }
}


async def _raw_body(request: Request) -> bytes:
    """The request's body, read before the (sync) endpoint runs."""
    return await request.body()


def _wants_jwt(accept: str | None) -> bool:
    """Whether ``Accept`` prefers application/jwt to JSON (the first of the two it names; JSON by default)."""
    types = [part.split(";")[0].strip().lower() for part in (accept or "").split(",")]
    ranked = [t for t in types if t in (JWT_MEDIA_TYPE, "application/json")]
    return bool(ranked) and ranked[0] == JWT_MEDIA_TYPE


def _report_token(body: bytes, content_type: str | None) -> str:
    """The vc+jwt in a ``POST /state/reports/check`` body; :class:`StateValueError` (400) for anything else (never
    a path: the library would read a file by that name)."""
    import json

    from ..state import StateValueError

    hint = 'send the vc+jwt (`state report --out` writes it) as the body, or JSON {"jwt": "eyJ..."}'
    if len(body) > _REPORT_MAX:
        raise StateValueError(f"the report is larger than {_REPORT_MAX} bytes", hint=hint)
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise StateValueError("the report is not UTF-8 text", hint=hint) from None
    if text.startswith("{") or "json" in (content_type or "").lower():
        try:
            obj = json.loads(text)
        except ValueError:
            raise StateValueError("the body is not valid JSON", hint=hint) from None
        token = None
        if isinstance(obj, dict):
            token = obj.get("jwt", obj.get("report"))
        elif isinstance(obj, str):
            token = obj
        if not isinstance(token, str):
            raise StateValueError("the JSON body has no `jwt` (or `report`) string", hint=hint)
        text = token.strip()
    if not text:
        raise StateValueError("the body is empty: no report to check", hint=hint)
    if not (text.startswith("eyJ") and text.count(".") == 2 and text.isascii() and " " not in text):
        raise StateValueError("the report is not a vc+jwt (a compact JWS: eyJ....)", hint=hint)
    return text


def _report_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.post(
        "/state/vms/{vm_id}/report",
        tags=["state"],
        summary="A compliance report of a VM's audit trail",
        responses=_REPORT_OUT,
    )
    def state_report(vm_id: VmIdPath, request: Request, who: WritePrincipal) -> Any:
        """A verifiable credential (vc+jwt, ES256K) over every anchored record of the VM with its Merkle proof,
        batch, transaction, chain and ``StateAnchor``, signed by the server's account as the operator's DID
        (``novacron-chain state report``). A third party checks it offline (``state check-report`` or ``POST
        /state/reports/check``). ``Accept: application/jwt`` returns the bare token. A VM whose trail does not
        verify gets no report (409). Needs ``write``: the server signs."""
        from ..errors import ContractError
        from ..state import issue_report

        def run() -> Any:
            try:
                dids = nova.did  # with a DIDRegistry the report can be revoked there, and delegates may sign
            except ContractError:
                dids = None
            return issue_report(nova.state, vm_id, dids=dids)

        report = call(run)
        if _wants_jwt(request.headers.get("accept")):
            return Response(report.token, media_type=JWT_MEDIA_TYPE)
        return js(report.to_dict())

    @app.post(
        "/state/reports/check",
        tags=["state"],
        summary="Verify a compliance report",
        openapi_extra=_REPORT_IN,
    )
    def check_report(
        request: Request,
        body: Annotated[bytes, Depends(_raw_body)],
        chain: Annotated[
            bool, Query(description="Also check the anchors and the issuer's DID on this server's chain.")
        ] = True,
        issuer: Annotated[str | None, Query(description="Fail unless this DID issued it.", max_length=300)] = None,
    ) -> Any:
        """Check a compliance report as ``novacron-chain state check-report`` does: the signature, every record
        against its CID and leaf, every Merkle proof against its root; with ``chain`` (default), each root against
        the named ``StateAnchor`` on this server's chain and the credential against the DID registry. The answer
        is the verification (``valid``, ``status``, ``reason`` and every check naming the record it concerns); an
        invalid report is an answer, not an error. Open: nothing is signed."""
        from ..state import check_report as check

        token = _report_token(body, request.headers.get("content-type"))
        on = nova.chain if chain else None
        return js(call(lambda: check(token, chain=on, issuer=issuer)).to_dict())


def _vm_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.post("/vms", tags=["vms"], status_code=201, summary="Create a VM")
    def create_vm(body: Annotated[VMCreateIn, Body()], who: WritePrincipal) -> Any:
        """Create a VM owned by the server's account, in state STOPPED (seed: CreateVM); ``reserve`` stakes the
        capacity it needs first. Needs ``write``."""
        from ..orchestrator import VMLifecycleOperation

        def run() -> Any:
            co = nova.orchestrator
            op = VMLifecycleOperation(body.name, body.region, body.cpu_allocation, body.memory_allocation)
            receipt = co.create_vm(op, reserve=body.reserve)
            tx = {"tx_hash": receipt.tx_hash, "block": receipt.block_number, "gas_used": receipt.gas_used}
            return {"tx": tx, "vm": co.get_vm(body.name).to_dict()}

        return js(call(run))

    @app.get("/vms/{name}", tags=["vms"], summary="A VM and its migration")
    def get_vm(
        name: Annotated[str, Path(description="The VM's name, e.g. vm-12345.")],
        owner: Annotated[
            str | None, Query(description="The owner, when several accounts have a VM of this name.")
        ] = None,
    ) -> Any:
        """The VM's state, region, resources and latest migration request (``novacron-chain vm show``)."""
        return js(call(lambda: nova.orchestrator.get_vm(name, owner=owner)).to_dict())

    @app.get("/migrations/approvers", tags=["vms"], summary="The migration approver set")
    def approvers() -> Any:
        """The accounts that approve cross-region migrations, how many must, the set's epoch and the time-lock."""

        def run() -> Any:
            co = nova.orchestrator
            members, threshold, epoch = co.approver_set()
            return {"approvers": members, "threshold": threshold, "epoch": epoch, "delay": co.migration_delay()}

        return call(run)

    @app.get("/slas/{sla_id}", tags=["vms"], summary="An SLA")
    def get_sla(sla_id: Annotated[int, Path(description="The SLA's id.", ge=0, le=INT64_MAX)]) -> Any:
        """An SLA: provider, customer, guarantees, penalties, stake and state (``novacron-chain sla show``)."""
        return js(call(lambda: nova.orchestrator.get_sla(sla_id)).to_dict())


def _identity_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.get("/dids/{did}", tags=["identity"], summary="Resolve a DID")
    def resolve_did(did: Annotated[str, Path(description="A did:novacron DID.")]) -> Any:
        """The DID resolution result: document, document metadata and resolution metadata (W3C DID Core)."""
        return js(call(lambda: nova.did.resolve(did)).to_dict())

    @app.get("/accounts/{address}/did", tags=["identity"], summary="The DID of an address")
    def did_of(address: AddressPath) -> Any:
        """The did:novacron DID an address controls on this chain."""
        return {"address": address, "did": call(lambda: nova.did.did_of(address))}

    @app.post("/credentials/verify", tags=["identity"], summary="Verify a credential")
    def verify_credential(body: Annotated[CredentialIn, Body()]) -> Any:
        """Check a vc+jwt credential: signature, issuer DID, validity period, revocation. An invalid credential is
        an answer (``valid: false`` and why), not an error. Signs nothing: open to everyone."""
        return js(call(lambda: nova.did.verify_credential(body.jwt)).to_dict())


def _token_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    def price(resource: str) -> dict[str, Any]:
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

        return {"prices": call(lambda: [price(r.name) for r in Resource])}

    @app.get("/market/prices/{resource}", tags=["tokens"], summary="Spot price of one resource")
    def market_price(resource: ResourcePath) -> Any:
        """The spot price (seed: GetSpotPrice) and curve of one resource (``novacron-chain market price``)."""
        return call(lambda: price(resource))

    @app.get("/market/quote", tags=["tokens"], summary="Quote a buy or a sell")
    def market_quote(
        resource: Annotated[str, Query(description="CPU, MEM, STO or NET.")],
        amount: Annotated[int, Query(description="Base units to buy or sell.", ge=0, le=2**255)],
        side: Annotated[str, Query(description="buy or sell.", pattern="^(buy|sell)$")] = "buy",
    ) -> Any:
        """What buying (or selling) ``amount`` on the curve costs (pays) now (``novacron-chain market quote``)."""
        tm = nova.tokens
        return js(call(lambda: (tm.quote_buy if side == "buy" else tm.quote_sell)(resource, amount)).to_dict())

    @app.post("/market/buy", tags=["tokens"], status_code=201, summary="Buy resource tokens")
    def market_buy(body: Annotated[MarketBuyIn, Body()], who: WritePrincipal) -> Any:
        """Buy on the bonding curve, paid and received by the server's account (seed: PurchaseResources); at most
        ``max_cost`` wei (default: the quote). Needs ``write``."""
        return js(call(lambda: nova.tokens.buy(body.resource, body.amount, max_cost=body.max_cost)).to_dict())

    @app.get("/pools/{resource}", tags=["tokens"], summary="A resource's liquidity pool")
    def pool(resource: ResourcePath) -> Any:
        """The pool of a resource against the native coin: reserves and shares (``novacron-chain pool show``)."""
        return js(call(lambda: nova.tokens.pool_info(resource)).to_dict())

    @app.get("/orders", tags=["tokens"], summary="Open sell orders")
    def orders(
        resource: Annotated[str | None, Query(description="Only this resource (CPU, MEM, STO, NET).")] = None,
        seller: Annotated[str | None, Query(description="Only this seller's orders.")] = None,
    ) -> Any:
        """The order book's open orders (``novacron-chain orders list``)."""
        return js({"orders": [o.to_dict() for o in call(lambda: nova.tokens.list_orders(resource, seller))]})

    @app.get("/accounts/{address}/balances", tags=["tokens"], summary="An account's balances")
    def balances(address: AddressPath) -> Any:
        """Native coins (wei) and the four resource tokens (base units) of an account."""
        return js(call(lambda: nova.tokens.balances(address)).to_dict())

    @app.get("/accounts/{address}/stakes", tags=["tokens"], summary="An account's stakes")
    def stakes(address: AddressPath) -> Any:
        """Every stake of an account: resource, amount, lock, reward (``novacron-chain stake show``)."""
        return js({"stakes": [s.to_dict() for s in call(lambda: nova.tokens.stakes(address))]})


def _governance_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.get("/proposals", tags=["governance"], summary="Every proposal")
    def list_proposals() -> Any:
        """Every proposal on the governor, oldest first, with state, tallies and quorum progress."""
        return js({"proposals": [p.to_dict() for p in call(lambda: nova.governance.list_proposals())]})

    @app.get("/proposals/{ref}", tags=["governance"], summary="One proposal")
    def show_proposal(ref: ProposalRef) -> Any:
        """The proposal: state, timeline, tallies, quorum and its progress, eta (``novacron-chain gov show``)."""

        def run() -> Any:
            gm = nova.governance
            return gm.get_proposal(gm.resolve_proposal_id(ref)).to_dict()

        return js(call(run))

    @app.post("/proposals/{ref}/votes", tags=["governance"], status_code=201, summary="Vote on a proposal")
    def vote(ref: ProposalRef, body: Annotated[VoteIn, Body()], who: WritePrincipal) -> Any:
        """Cast the server account's vote (seed: CastVote): for, against or abstain, with a reason. Needs
        ``write``."""

        def run() -> Any:
            gm = nova.governance
            return gm.cast_vote(gm.resolve_proposal_id(ref), body.support, body.reason).to_dict()

        return js(call(run))

    @app.get("/governance/parameters", tags=["governance"], summary="The DAO's rules")
    def parameters() -> Any:
        """Proposal threshold, voting delay and period, quorum (basis points), timelock delay, the governor's
        clock and the DAO participation so far."""

        def run() -> Any:
            gm = nova.governance
            return {
                "proposal_threshold": str(gm.proposal_threshold),
                "voting_delay": gm.voting_delay,
                "voting_period": gm.voting_period,
                "quorum_bps": gm.quorum_bps,
                "timelock_delay": gm.timelock_delay,
                "clock": gm.clock(),
                "dao_participation": gm.dao_participation(),
            }

        return call(run)

    @app.get("/accounts/{address}/membership", tags=["governance"], summary="An account's DAO membership")
    def membership(address: AddressPath) -> Any:
        """Whether an account may vote (its membership credential), its NOVA and its votes now."""

        def run() -> Any:
            gm = nova.governance
            m = gm.membership(address).to_dict()
            return {**m, "balance": str(gm.balance_of(address)), "votes": str(gm.get_votes(address))}

        return js(call(run))


def _consensus_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.get("/consensus/status", tags=["consensus"], summary="Epoch, validators and stake")
    def consensus_status() -> Any:
        """Epoch, validator counts, the epoch's stake, and an under-decentralisation warning."""
        return js(call(lambda: nova.consensus.status()).to_dict())

    @app.get("/validators", tags=["consensus"], summary="Every validator")
    def list_validators() -> Any:
        """Every validator ever registered, by index, with its weight now and in the next epoch."""
        return js({"validators": [v.to_dict() for v in call(lambda: nova.consensus.list_validators())]})

    @app.get("/validators/{ref}", tags=["consensus"], summary="One validator")
    def get_validator(ref: Annotated[str, Path(description="The validator's index or its owner's address.")]) -> Any:
        """One validator: owner, signer, BLS key, bonded stake, status."""
        return js(call(lambda: nova.consensus.get_validator(ref)).to_dict())

    @app.get("/checkpoints/{domain}", tags=["consensus"], summary="A domain's final checkpoints")
    def list_checkpoints(domain: Domain) -> Any:
        """Every final checkpoint of ``domain``, by height (``novacron-chain checkpoint list``)."""
        return js({"checkpoints": [c.to_dict() for c in call(lambda: nova.consensus.list_checkpoints(domain))]})

    @app.get("/checkpoints/{domain}/{height}", tags=["consensus"], summary="One final checkpoint")
    def get_checkpoint(domain: Domain, height: Height) -> Any:
        """The final checkpoint of ``domain`` at ``height``: root, epoch, stake that signed, non-signers."""
        return js(call(lambda: nova.consensus.get_checkpoint(domain, height)).to_dict())

    @app.get("/checkpoints/{domain}/{height}/final", tags=["consensus"], summary="Is a checkpoint final?")
    def is_final(
        domain: Domain,
        height: Height,
        root: Annotated[str, Query(description="The root to check, 0x + 64 hex digits.")],
    ) -> Any:
        """Whether ``(domain, height, root)`` is final on the CheckpointVerifier (what contracts ask it)."""
        final = call(lambda: nova.consensus.is_final(domain, height, root))
        return {"domain": domain, "height": height, "root": root, "final": final}


def _crosschain_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.get("/bridge/transfers", tags=["crosschain"], summary="Bridge transfers")
    def bridge_transfers(
        source: Annotated[str | None, Query(description="Only transfers sent from this chain (by name).")] = None,
    ) -> Any:
        """Every transfer the bridge carried or carries, with its delivery status (``novacron-chain bridge list``)."""

        def run() -> Any:
            from ..crosschain import BridgeValueError

            names = nova.bridge.names()
            if source is not None and source not in names:
                raise BridgeValueError(f"no bridged chain is named {source!r}", hint=f"one of: {', '.join(names)}")
            return [t.to_dict() for t in nova.bridge.list_transfers(source)]

        return js({"transfers": call(run)})

    @app.get("/bridge/transfers/{transfer_id}", tags=["crosschain"], summary="One bridge transfer")
    def bridge_transfer(
        transfer_id: Annotated[str, Path(description="The transfer id, <source chain id>-<nonce>.")],
    ) -> Any:
        """A transfer as both chains see it (``novacron-chain bridge status``)."""
        return js(call(lambda: nova.bridge.get_transfer(transfer_id)).to_dict())

    @app.get("/swaps", tags=["crosschain"], summary="Atomic swaps")
    def swaps() -> Any:
        """Every atomic swap of the server's account, as both chains see it (``novacron-chain swap status``)."""
        return js({"swaps": [s.to_dict() for s in call(lambda: nova.swaps.list_swaps())]})

    @app.get("/swaps/{swap_id}", tags=["crosschain"], summary="One atomic swap")
    def swap(swap_id: Annotated[str, Path(description="The swap id (0x + 64 hex digits).")]) -> Any:
        """One swap: both locks, their state and what happens next."""
        return js(call(lambda: nova.swaps.status(swap_id)).to_dict())


def _security_routes(app: FastAPI, ctx: ApiContext) -> None:
    nova, call, js = ctx.nova, ctx.call, ctx.json

    @app.get("/security/status", tags=["security"], summary="Every contract's pause state and admins")
    def security_status() -> Any:
        """Each contract of the deployment: pausable, paused, who administers and guards it."""
        return js({"contracts": [s.to_dict() for s in call(lambda: nova.security.security_status())]})

    @app.get("/security/audit/{contract}", tags=["security"], summary="Audit a contract")
    def audit(contract: ContractPath) -> Any:
        """The seed's AuditContract: code check, roles, pause state, queued operations, static-analysis findings,
        and a verdict."""
        return js(call(lambda: nova.security.audit_contract(contract)).to_dict())

    @app.get("/security/contracts/{contract}/paused", tags=["security"], summary="Is a contract paused?")
    def is_paused(contract: ContractPath) -> Any:
        """The seed's IsContractPaused."""
        return {"contract": contract, "paused": call(lambda: nova.security.is_contract_paused(contract))}

    @app.post("/security/contracts/{contract}/pause", tags=["security"], summary="Pause a contract")
    def pause(contract: ContractPath, who: AdminPrincipal) -> Any:
        """Emergency pause (seed: EmergencyPause), sent by the server's account, which must be a guardian of it.
        Needs ``admin``."""
        return js(call(lambda: nova.security.emergency_pause(contract)).to_dict())
