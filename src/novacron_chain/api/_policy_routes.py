"""The zero-ops automation policy endpoints: the policies, the changes waiting for approvals (what the VM platform's
automation and its operators look at), and the approver's writes (propose, approve), signed by the server's account,
which must be a policy approver. The DAO path is an ordinary proposal (``gov policy propose --vote``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Body, FastAPI, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..governance import UnknownPolicyChangeError
from ._auth import WritePrincipal
from ._problems import PROBLEM_MEDIA_TYPE, problem_body

if TYPE_CHECKING:
    from ._context import ApiContext

__all__ = ["PolicyChangeIn", "add_policy_routes"]

T = TypeVar("T")

PolicyName = Annotated[str, Path(description="The policy's name, e.g. autoscale.limit.eu-west-1.", max_length=64)]
ChangeIdPath = Annotated[int, Path(description="The policy change's id (1, 2, ...).", ge=1, le=2**63 - 1)]


class PolicyChangeIn(BaseModel):
    """A policy change to propose: the policy's name and its new value."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The policy's name (1 to 64 bytes), e.g. autoscale.limit.eu-west-1.", max_length=64)
    value: str = Field(description="The new value (text, at most 1024 bytes).", max_length=1024)


def add_policy_routes(app: FastAPI, ctx: ApiContext) -> None:
    """Add the policy endpoints over ``ctx.nova`` to ``app``."""
    nova = ctx.nova

    def call(fn: Callable[[], T]) -> T | JSONResponse:
        # an unknown change id is a 404 (what the request names does not exist), as an unknown proposal is
        try:
            return ctx.call(fn)
        except UnknownPolicyChangeError as exc:
            return JSONResponse(problem_body(exc, 404), status_code=404, media_type=PROBLEM_MEDIA_TYPE)

    @app.get("/governance/policies", tags=["governance"], summary="Every zero-ops automation policy")
    def list_policies() -> Any:
        """Every policy ever set, by name, with its value, version and last update (``gov policy list``)."""
        return {"policies": [p.to_dict() for p in ctx.call(lambda: nova.governance.list_policies())]}

    @app.get("/governance/policies/{name}", tags=["governance"], summary="One policy")
    def show_policy(name: PolicyName) -> Any:
        """A policy's value, version (0: never set) and last update (``gov policy show``)."""
        return ctx.call(lambda: nova.governance.get_policy(name)).to_dict()

    @app.get("/governance/policy-changes", tags=["governance"], summary="Policy changes and their approvals")
    def list_changes(
        status: Annotated[
            str | None,
            Query(
                description="Only changes with this status: pending (waiting for approvals), applied, cancelled, "
                "expired or stale.",
                pattern="^(pending|applied|cancelled|expired|stale)$",
            ),
        ] = None,
    ) -> Any:
        """Policy changes, oldest first, with their approvers and the approvals still needed; ``status=pending``
        gives the pending approvals (``gov policy pending``)."""
        changes = ctx.call(lambda: nova.governance.list_policy_changes(status))
        return ctx.json({"changes": [c.to_dict() for c in changes]})

    @app.get("/governance/policy-changes/{change_id}", tags=["governance"], summary="One policy change")
    def show_change(change_id: ChangeIdPath) -> Any:
        """A policy change: what it sets, who approved it, its status now."""
        out = call(lambda: nova.governance.get_policy_change(change_id))
        return out if isinstance(out, JSONResponse) else ctx.json(out.to_dict())

    @app.post("/governance/policy-changes", tags=["governance"], status_code=201, summary="Propose a policy change")
    def propose_change(body: Annotated[PolicyChangeIn, Body()], who: WritePrincipal) -> Any:
        """Propose a change as the server's account, which must be a policy approver; the proposal is its first
        approval (``gov policy propose``). Needs ``write``."""
        return ctx.json(ctx.call(lambda: nova.governance.propose_policy_change(body.name, body.value)).to_dict())

    @app.post("/governance/policy-changes/{change_id}/approve", tags=["governance"], summary="Approve a policy change")
    def approve_change(change_id: ChangeIdPath, who: WritePrincipal) -> Any:
        """Approve a pending change as the server's account (a policy approver); the approval that reaches the
        threshold applies it (``gov policy approve``). Needs ``write``."""
        out = call(lambda: nova.governance.approve_policy_change(change_id))
        return out if isinstance(out, JSONResponse) else ctx.json(out.to_dict())
