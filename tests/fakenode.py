"""A minimal JSON-RPC server standing in for a production node (Polygon, geth) that cannot run here.

It answers as a non-dev client (``Geth/...``) with a configurable chain id, and can misbehave on purpose:
answer HTTP 503 a number of times first, or answer HTML instead of JSON.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeNode:
    def __init__(self, *, chain_id: int = 137, fail_first: int = 0, html: bool = False) -> None:
        self.chain_id = chain_id
        self.fail_first = fail_first
        self.html = html
        self.requests: list[str] = []
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

    def answer(self, call: dict[str, Any]) -> dict[str, Any]:
        method = call["method"]
        self.requests.append(method)
        results = {
            "eth_chainId": hex(self.chain_id),
            "web3_clientVersion": "Geth/v1.14.0-stable/linux-amd64/go1.22",
            "eth_blockNumber": "0x10",
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
