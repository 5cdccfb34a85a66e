"""Server-sent events for new blocks: ``GET /events/blocks``.

Each new block is one ``event: block`` whose ``id`` is the block number (a client that reconnects with
``Last-Event-ID`` resumes after it) and whose ``data`` is JSON: number, hash, timestamp, transaction count, gas used,
the deployment's contracts the block's transactions called, and ``events``: what happened in the deployment's
contracts, decoded from the block's logs and typed by :data:`KINDS` (``anchor`` a VM-state root anchored, ``vote`` a
vote cast, ``transfer`` a token transfer, ``bridge`` a bridge message published or delivered, ``policy`` an
automation policy change), each ``{kind, contract, event, tx, args}``; ``?kinds=anchor,vote`` keeps only blocks with
those kinds. A comment line every :data:`KEEPALIVE` seconds keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, cast

import anyio

from ..errors import NovaChainError

if TYPE_CHECKING:
    from eth_typing import ABIEvent
    from fastapi import Request

    from ._context import ApiContext

__all__ = ["KINDS", "block_events"]

POLL = 0.25
KEEPALIVE = 15.0
#: the typed updates a block carries: event name -> kind (events of the deployment's contracts only)
KINDS: dict[str, str] = {
    "BatchAnchored": "anchor",
    "VoteCast": "vote",
    "VoteCastWithParams": "vote",
    "Transfer": "transfer",
    "MessagePublished": "bridge",
    "MessageDelivered": "bridge",
    "PolicyChangeProposed": "policy",
    "PolicyChangeApproved": "policy",
    "PolicyApplied": "policy",
}


class _Deployment:
    """The deployment's contracts by address, and the ABI of each event :data:`KINDS` names by (address, topic)."""

    def __init__(self, ctx: ApiContext) -> None:
        from eth_utils import event_abi_to_log_topic

        nova = ctx.nova
        self.names: dict[str, str] = {}
        self.abis: dict[tuple[str, bytes], dict[str, Any]] = {}
        for record in nova.deployments.all(nova.chain.chain_id):
            address = record.address.lower()
            self.names[address] = record.name
            try:
                abi = nova.contract(record.name).abi
            except NovaChainError:  # a record without a loadable artifact: named, not decoded
                continue
            for item in abi:
                if item.get("type") == "event" and item.get("name") in KINDS:
                    self.abis[(address, event_abi_to_log_topic(cast("ABIEvent", item)))] = dict(item)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)  # JSON numbers lose precision above 2**53
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _typed_events(ctx: ApiContext, number: int, deployment: _Deployment) -> list[dict[str, Any]]:
    from web3._utils.events import get_event_data

    if not deployment.abis:
        return []
    w3 = ctx.nova.chain.w3
    out = []
    for log in w3.eth.get_logs({"fromBlock": number, "toBlock": number}):
        topics = log.get("topics") or []
        if not topics:
            continue
        address = str(log["address"]).lower()
        abi = deployment.abis.get((address, bytes(topics[0])))
        if abi is None:
            continue
        data = get_event_data(w3.codec, cast("ABIEvent", abi), log)
        out.append(
            {
                "kind": KINDS[abi["name"]],
                "contract": deployment.names[address],
                "event": abi["name"],
                "tx": "0x" + bytes(log["transactionHash"]).hex(),
                "args": _jsonable(dict(data["args"])),
            }
        )
    return out


def _block(ctx: ApiContext, number: int, deployment: _Deployment) -> dict[str, Any]:
    block = ctx.nova.chain.w3.eth.get_block(number, full_transactions=True)
    called = []
    for tx in block["transactions"]:
        to = tx.get("to") if isinstance(tx, dict) else getattr(tx, "to", None)
        name = deployment.names.get(str(to).lower()) if to else None
        if name and name not in called:
            called.append(name)
    return {
        "number": int(block["number"]),
        "hash": "0x" + bytes(block["hash"]).hex(),
        "timestamp": int(block["timestamp"]),
        "transactions": len(block["transactions"]),
        "gas_used": int(block["gasUsed"]),
        "contracts": called,
        "events": _typed_events(ctx, number, deployment),
    }


async def block_events(
    ctx: ApiContext,
    request: Request,
    start: int | None,
    limit: int | None,
    timeout: float | None,
    kinds: frozenset[str] | None = None,
) -> AsyncIterator[str]:
    """The SSE stream: blocks after ``start`` (default: the latest), at most ``limit`` events, for at most
    ``timeout`` seconds (``None``: until the client goes away); with ``kinds``, only blocks holding an event of one
    of those kinds."""

    def run(fn: Any) -> Any:
        return anyio.to_thread.run_sync(lambda: ctx.call(fn))

    deployment: _Deployment = await run(lambda: _Deployment(ctx))
    last = await run(ctx.nova.chain.block_number) if start is None else start
    sent = 0
    began = idle_since = time.monotonic()
    yield "retry: 1000\n\n"
    while True:
        if await request.is_disconnected():
            return
        latest = await run(ctx.nova.chain.block_number)
        for number in range(last + 1, latest + 1):
            block = await run(lambda n=number: _block(ctx, n, deployment))
            if kinds is not None and not kinds & {e["kind"] for e in block["events"]}:
                continue
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
