"""Server-sent events for new blocks: ``GET /events/blocks``.

Each new block is one ``event: block`` whose ``id`` is the block number (a client that reconnects with
``Last-Event-ID`` resumes after it) and whose ``data`` is JSON: number, hash, timestamp, transaction count, gas used,
and the deployment's contracts the block's transactions called (so a client sees anchors, votes and transfers land:
``StateAnchor``, ``NovaGovernor``, ``Bridge``). A comment line every :data:`KEEPALIVE` seconds keeps proxies from
closing an idle stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from fastapi import Request

    from ._context import ApiContext

__all__ = ["block_events"]

POLL = 0.25
KEEPALIVE = 15.0


def _contract_names(ctx: ApiContext) -> dict[str, str]:
    nova = ctx.nova
    return {r.address.lower(): r.name for r in nova.deployments.all(nova.chain.chain_id)}


def _block(ctx: ApiContext, number: int, names: dict[str, str]) -> dict[str, Any]:
    block = ctx.nova.chain.w3.eth.get_block(number, full_transactions=True)
    called = []
    for tx in block["transactions"]:
        to = tx.get("to") if isinstance(tx, dict) else getattr(tx, "to", None)
        name = names.get(str(to).lower()) if to else None
        if name and name not in called:
            called.append(name)
    return {
        "number": int(block["number"]),
        "hash": "0x" + bytes(block["hash"]).hex(),
        "timestamp": int(block["timestamp"]),
        "transactions": len(block["transactions"]),
        "gas_used": int(block["gasUsed"]),
        "contracts": called,
    }


async def block_events(
    ctx: ApiContext, request: Request, start: int | None, limit: int | None, timeout: float | None
) -> AsyncIterator[str]:
    """The SSE stream: blocks after ``start`` (default: the latest), at most ``limit`` events, for at most
    ``timeout`` seconds (``None``: until the client goes away)."""

    def run(fn: Any) -> Any:
        return anyio.to_thread.run_sync(lambda: ctx.call(fn))

    names: dict[str, str] = await run(lambda: _contract_names(ctx))
    last = await run(ctx.nova.chain.block_number) if start is None else start
    sent = 0
    began = idle_since = time.monotonic()
    yield "retry: 1000\n\n"
    while True:
        if await request.is_disconnected():
            return
        latest = await run(ctx.nova.chain.block_number)
        for number in range(last + 1, latest + 1):
            block = await run(lambda n=number: _block(ctx, n, names))
            yield f"id: {number}\nevent: block\ndata: {json.dumps(block)}\n\n"
            last, sent, idle_since = number, sent + 1, time.monotonic()
            if limit is not None and sent >= limit:
                return
        now = time.monotonic()
        if timeout is not None and now - began >= timeout:
            return
        if now - idle_since >= KEEPALIVE:
            yield ": keep-alive\n\n"
            idle_since = now
        await anyio.sleep(POLL)
