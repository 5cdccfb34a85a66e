"""A minimal JSON-RPC server standing in for a production node (Polygon, geth) that cannot run here.

It answers as a non-dev client (``Geth/...``) with a configurable chain id, and can misbehave on purpose:
answer HTTP 503 a number of times first, or answer HTML instead of JSON.

It also serves ``eth_getLogs`` over a list of logs (:meth:`FakeNode.add_logs`) with the limits of hosted providers:
``max_range`` blocks per request and ``max_results`` logs per answer, refused with the words those providers use
(``limit_style``: ``"infura"``, ``"alchemy"``, ``"quicknode"``, ``"erigon"``, or ``"plain"`` naming no number).
Block hashes follow from the block number and the forks made with :meth:`FakeNode.reorg`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeNode:
    def __init__(
        self,
        *,
        chain_id: int = 137,
        fail_first: int = 0,
        html: bool = False,
        head: int = 0x10,
        max_range: int | None = None,
        max_results: int | None = None,
        limit_style: str = "infura",
    ) -> None:
        self.chain_id = chain_id
        self.fail_first = fail_first
        self.html = html
        self.requests: list[str] = []
        self.head = head
        self.max_range = max_range
        self.max_results = max_results
        self.limit_style = limit_style
        self.logs: list[dict[str, Any]] = []
        self.log_requests: list[tuple[int, int]] = []  # (fromBlock, toBlock) of every eth_getLogs, refused too
        self._forks: list[int] = []  # blocks from which a reorg changed the chain
        self._per_block: dict[int, int] = {}  # logs per block so far (the next log index)
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if node.fail_first > 0:
                    node.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                if node.html:
                    self._send(200, b"<html>not an RPC</html>", "text/html")
                    return
                calls = body if isinstance(body, list) else [body]
                out = [node.answer(c) for c in calls]
                self._send(200, json.dumps(out if isinstance(body, list) else out[0]).encode(), "application/json")

            def _send(self, code: int, payload: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def block_hash(self, number: int) -> str:
        """The hash of block ``number`` on the current fork."""
        fork = sum(1 for at in self._forks if at <= number)
        return "0x" + hashlib.sha256(f"{self.chain_id}:{number}:{fork}".encode()).hexdigest()

    def add_logs(self, address: str, topic0: bytes, blocks: list[int], *, per_block: int = 1) -> None:
        """``per_block`` logs of event ``topic0`` at ``address`` in each of ``blocks`` (data: a running number)."""
        for block in blocks:
            for _ in range(per_block):
                n = len(self.logs)
                self.logs.append(
                    {
                        "address": address.lower(),
                        "topics": ["0x" + topic0.hex(), "0x" + (n % 7).to_bytes(32, "big").hex()],
                        "data": "0x" + n.to_bytes(32, "big").hex(),
                        "blockNumber": hex(block),
                        "transactionHash": "0x" + hashlib.sha256(f"tx{n}".encode()).hexdigest(),
                        "transactionIndex": "0x0",
                        "logIndex": hex(self._per_block.get(block, 0)),
                        "removed": False,
                    }
                )
                self._per_block[block] = self._per_block.get(block, 0) + 1
        self.head = max(self.head, *blocks)

    def reorg(self, at: int, *, drop_logs: bool = True) -> None:
        """Replace the chain from block ``at`` on (new hashes); with ``drop_logs`` its logs vanish."""
        self._forks.append(at)
        if drop_logs:
            self.logs = [x for x in self.logs if int(x["blockNumber"], 16) < at]
            self._per_block = {b: n for b, n in self._per_block.items() if b < at}

    def _get_logs(self, params: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
        lo = int(params.get("fromBlock", "0x0"), 16)
        to = params.get("toBlock", "latest")
        hi = self.head if to == "latest" else int(to, 16)
        self.log_requests.append((lo, hi))
        span = hi - lo + 1
        if self.max_range is not None and span > self.max_range:
            limit = self.max_range
            text = {
                "infura": (-32602, f"range {span} exceeds limit of {limit}"),
                "alchemy": (
                    -32600,
                    f"You can make eth_getLogs requests with up to a {limit} block range. Based on your parameters, "
                    f"this block range should work: [{hex(lo)}, {hex(lo + limit - 1)}]",
                ),
                "quicknode": (-32614, f"eth_getLogs is limited to a {limit:,} range"),
                "erigon": (-32000, f"query block range exceeds server limit, narrow your filter: {limit}"),
                "plain": (-32000, "block range is too large"),
            }[self.limit_style]
            return None, {"code": text[0], "message": text[1]}
        address = str(params.get("address", "")).lower()
        topics = params.get("topics") or []
        out = []
        for log in self.logs:
            if not lo <= int(log["blockNumber"], 16) <= hi or (address and log["address"] != address):
                continue
            ok = True
            for i, want in enumerate(topics):
                if want is None:
                    continue
                wants = want if isinstance(want, list) else [want]
                if i >= len(log["topics"]) or log["topics"][i] not in wants:
                    ok = False
            if ok:
                out.append({**log, "blockHash": self.block_hash(int(log["blockNumber"], 16))})
        if self.max_results is not None and len(out) > self.max_results:
            if self.limit_style == "alchemy":
                message = "Log response size exceeded. Please reduce query block range."
                return None, {"code": -32602, "message": message}
            if self.limit_style == "erigon":
                return None, {"code": -32000, "message": f"query returns too many logs, narrow your filter: {len(out)}"}
            return None, {"code": -32005, "message": f"query returned more than {self.max_results} results"}
        return out, None

    def answer(self, call: dict[str, Any]) -> dict[str, Any]:
        method = call["method"]
        self.requests.append(method)
        if method == "eth_getLogs":
            result, error = self._get_logs(call["params"][0])
            if error is not None:
                return {"jsonrpc": "2.0", "id": call["id"], "error": error}
            return {"jsonrpc": "2.0", "id": call["id"], "result": result}
        if method == "eth_getBlockByNumber":
            tag = call["params"][0]
            number = self.head if tag == "latest" else int(tag, 16)
            block = None
            if number <= self.head:
                block = {
                    "number": hex(number),
                    "hash": self.block_hash(number),
                    "parentHash": self.block_hash(number - 1) if number else "0x" + "00" * 32,
                    "timestamp": hex(1_700_000_000 + number),
                }
            return {"jsonrpc": "2.0", "id": call["id"], "result": block}
        results = {
            "eth_chainId": hex(self.chain_id),
            "web3_clientVersion": "Geth/v1.14.0-stable/linux-amd64/go1.22",
            "eth_blockNumber": hex(self.head),
            "eth_getBalance": "0x0",
            "net_version": str(self.chain_id),
        }
        if method in results:
            return {"jsonrpc": "2.0", "id": call["id"], "result": results[method]}
        return {"jsonrpc": "2.0", "id": call["id"], "error": {"code": -32601, "message": f"{method} not served"}}

    def __enter__(self) -> FakeNode:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
