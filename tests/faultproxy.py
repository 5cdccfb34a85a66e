"""A fault-injecting HTTP proxy on loopback, in front of a JSON-RPC node (anvil), for the fault tests.

Every request is forwarded to ``upstream`` unless a fault is drawn for it. Faults are drawn at random from a
seeded generator, each with its own probability:

``drop``
    the connection is closed before the request is forwarded (the node never sees it);
``lost``
    the request is forwarded, then the connection is closed without an answer (the node acted, the client
    does not know): the fault that tempts a client to send a transaction twice;
``delay``
    the answer is held back up to ``max_delay`` seconds;
``429`` / ``5xx``
    a rate-limit or gateway error (502, 503 or 504) instead of the node's answer; ``5xx`` after forwarding half of
    the time (a gateway that timed out while the node worked);
``truncate``
    the node's answer cut in half: with its full ``content-length`` (the connection closes early) or with the
    shortened one (a body that is not JSON).

``counts`` tells how many of each were injected, ``forwarded`` how many requests reached the node;
``enabled = False`` passes everything through untouched.
"""

from __future__ import annotations

import collections
import contextlib
import random
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FAULTS = ("drop", "lost", "delay", "429", "5xx", "truncate")


class FaultProxy:
    """A proxy on ``127.0.0.1`` forwarding JSON-RPC POSTs to ``upstream`` with faults drawn from ``seed``."""

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        drop: float = 0.0,
        lost: float = 0.0,
        delay: float = 0.0,
        rate_limit: float = 0.0,
        server_error: float = 0.0,
        truncate: float = 0.0,
        max_delay: float = 0.3,
    ) -> None:
        self.upstream = upstream
        self.rates = {
            "drop": drop,
            "lost": lost,
            "delay": delay,
            "429": rate_limit,
            "5xx": server_error,
            "truncate": truncate,
        }
        if sum(self.rates.values()) > 1:
            raise ValueError("fault probabilities add up to more than 1")
        self.max_delay = max_delay
        self.enabled = True
        self.counts: collections.Counter[str] = collections.Counter()
        self.forwarded = 0
        self.methods: collections.Counter[str] = collections.Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=60.0)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as web clients use it: a drop hits a reused connection

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                proxy._count_methods(body)
                fault, detail = proxy._draw()
                if fault == "drop":
                    self._abort()
                    return
                if fault == "429":
                    self._send(429, b"rate limited", "text/plain", extra={"retry-after": "0"})
                    return
                if fault == "5xx" and not detail["after"]:
                    self._send(detail["status"], b"<html>bad gateway</html>", "text/html")
                    return
                if fault == "delay":
                    time.sleep(detail["seconds"])
                try:
                    status, payload, ctype = proxy._forward(body)
                except httpx.HTTPError:
                    self._send(502, b"upstream unreachable", "text/plain")
                    return
                if fault == "lost":
                    self._abort()
                elif fault == "5xx":
                    self._send(detail["status"], b"<html>gateway timeout</html>", "text/html")
                elif fault == "truncate":
                    cut = payload[: max(1, len(payload) // 2)]
                    if detail["early_close"]:
                        self.send_response(status)
                        self.send_header("content-type", ctype)
                        self.send_header("content-length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(cut)
                        self.wfile.flush()
                        self._abort()
                    else:
                        self._send(status, cut, ctype)
                else:
                    self._send(status, payload, ctype)

            def _send(self, code: int, payload: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
                self.send_response(code)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def _abort(self) -> None:
                # a reset, not a polite close: what a crashing gateway or a dropped NAT entry looks like
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="faultproxy", daemon=True)

    def _count_methods(self, body: bytes) -> None:
        import json

        try:
            parsed = json.loads(body)
        except ValueError:
            return
        calls = parsed if isinstance(parsed, list) else [parsed]
        with self._lock:
            for c in calls:
                if isinstance(c, dict):
                    self.methods[str(c.get("method"))] += 1

    def _draw(self) -> tuple[str | None, dict[str, Any]]:
        with self._lock:
            if not self.enabled:
                return None, {}
            x = self._rng.random()
            detail = {
                "after": self._rng.random() < 0.5,
                "status": self._rng.choice((502, 503, 504)),
                "seconds": self._rng.uniform(0.0, self.max_delay),
                "early_close": self._rng.random() < 0.5,
            }
            for name in FAULTS:
                x -= self.rates[name]
                if x < 0:
                    self.counts[name] += 1
                    return name, detail
            return None, detail

    def _forward(self, body: bytes) -> tuple[int, bytes, str]:
        resp = self._http.post(self.upstream, content=body, headers={"content-type": "application/json"})
        with self._lock:
            self.forwarded += 1
        return resp.status_code, resp.content, resp.headers.get("content-type", "application/json")

    @property
    def injected(self) -> int:
        """Faults injected so far (delays included)."""
        with self._lock:
            return sum(self.counts.values())

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._http.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
