"""JSON-RPC over HTTP(S): one httpx client for web3 calls and for batches, with retries and error mapping.

web3.py's own HTTPProvider raises ``requests`` exceptions and knows no batching of raw sends; this provider routes
every web3 call through :class:`JsonRpcClient`, so connection faults become :class:`ChainConnectionError` in one
place, transient faults are retried (reads and re-sends of the *same* signed bytes only: never a new signature,
so a retry can never double-spend), and batches go out as one HTTP request.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import random
import threading
import time
from binascii import hexlify
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from web3 import Web3
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from ..errors import ChainConnectionError

__all__ = ["MAX_RETRY_AFTER", "RETRY_REASONS", "JsonRpcClient", "RawHex", "RpcError", "redact_url"]

_TRANSIENT_STATUS = {429, 502, 503, 504}
RETRIES = 5
"""Retries of one request after transient faults; with the backoff from :data:`FIRST_BACKOFF`, doubling each time,
a request gives up after about 3 s of faults (an endpoint down for good is reported as quickly)."""
FIRST_BACKOFF = 0.1
MAX_RETRY_AFTER = 5.0
"""Longest ``Retry-After`` (seconds) a rate-limited request waits before its retry."""
RETRY_REASONS = ("rate_limited", "server_error", "connection", "timeout", "protocol", "bad_body")
"""Why a request was retried: HTTP 429; HTTP 502/503/504; a refused or reset connection; a timeout; an answer
closed early (or no answer); an answer that is JSON cut short."""
# dev methods that move the chain: sent again after the node may have run them, they would run twice
_NOT_REPEATABLE = frozenset(
    {"evm_mine", "anvil_mine", "evm_increaseTime", "evm_revert", "anvil_reorg", "anvil_rollback"}
)
# node errors that mean "state moved under the request" (anvil --prune-history, load-balanced hosted RPCs)
_TRANSIENT_ERRORS = ("blockoutofrange", "header not found", "missing trie node", "unknown block")


class RawHex:
    """A params value :meth:`JsonRpcClient.request_raw` sends as ``"0x<hex>"`` written straight into the body: hex is
    JSON-safe, and ``json.dumps`` would scan a rollup proposal's ~860,000 hex characters one by one (~5 ms)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)

    def __repr__(self) -> str:
        return f"RawHex({len(self.data)} bytes)"


def _encode_request(obj: Any) -> bytes:
    """``json.dumps(obj).encode()``, with every :class:`RawHex` inside written as its 0x-hex string."""
    raws: list[bytes] = []
    tag = random.getrandbits(64)

    def placeholder(o: Any) -> str:
        if not isinstance(o, RawHex):
            raise TypeError(f"{type(o).__name__} is not JSON serialisable")
        raws.append(o.data)
        return f"rawhex:{tag:016x}:{len(raws) - 1}"

    body = json.dumps(obj, default=placeholder).encode()
    for i, data in enumerate(raws):
        body = body.replace(b'"rawhex:%016x:%d"' % (tag, i), b'"0x' + hexlify(data) + b'"', 1)
    return body


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol"
    return "connection"


def _jitter(seconds: float) -> float:
    """``seconds`` give or take half: clients that failed together do not retry together."""
    return seconds * random.uniform(0.5, 1.5)


def _retry_after(resp: httpx.Response, backoff: float) -> float:
    """Seconds to wait before retrying ``resp``: its ``Retry-After`` (in seconds, capped), else ``backoff``."""
    value = resp.headers.get("retry-after")
    if resp.status_code == 429 and value is not None:
        try:
            return min(max(float(value), 0.0), MAX_RETRY_AFTER)
        except ValueError:
            pass
    return backoff


def redact_url(url: str) -> str:
    """The URL without credentials or path secrets (API keys often sit in the path of hosted RPC URLs)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    path = "/…" if parts.path not in ("", "/") else ""
    return f"{parts.scheme}://{host}{port}{path}"


def _may_use_tls(url: str) -> bool:
    """Whether a client for ``url`` could open a TLS connection: an https endpoint, or any through a proxy.

    A plain-http endpoint reached directly never does (redirects are not followed), so its client can skip loading
    the CA bundle, ~40 ms of every command's start-up; every other client verifies certificates as always.
    """
    import urllib.request  # already loaded by web3 (through requests)

    proxies = urllib.request.getproxies()
    return urlsplit(url).scheme != "http" or "http" in proxies or "all" in proxies


class RpcError(Exception):
    """A JSON-RPC error object returned by the node (not a transport fault)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
        self.message = message
        self.data = data


class JsonRpcClient:
    """A small JSON-RPC 2.0 client with bounded retries on transient transport faults.

    Retried, with exponential backoff (a ``Retry-After`` of a 429 is honoured up to :data:`MAX_RETRY_AFTER`): a
    refused or reset connection, a timeout, an answer cut short, HTTP 429/502/503/504. A request that may have
    reached the node is repeated only when repeating it is harmless: reads, and re-sends of the same signed bytes
    (the node answers "already known", or the transaction is found mined); the dev methods that move the chain
    (``evm_mine``, ``evm_increaseTime``, ``evm_revert``...) are repeated only when the node surely never saw them.
    Every retry is counted in :attr:`retry_counts` by reason and told to the :attr:`retry_listeners` (the
    chain's metrics observers: ``blockchain_rpc_retries_total{reason}``).
    """

    def __init__(self, url: str, *, timeout: float = 30.0, retries: int = RETRIES) -> None:
        self.url = url
        self.shown_url = redact_url(url)
        self._retries = retries
        self._ids = itertools.count(1)
        self._id_lock = threading.Lock()
        tls: dict[str, Any] = {} if _may_use_tls(url) else {"verify": False}  # nothing to verify: skip the CA bundle
        self._http = httpx.Client(timeout=timeout, headers={"content-type": "application/json"}, **tls)
        self.retry_counts: collections.Counter[str] = collections.Counter()
        """Retries so far by reason (see :data:`RETRY_REASONS`)."""
        self.retry_listeners: list[Callable[[str], None]] = []
        """Called with the reason of every retry, before its backoff."""

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def _next_id(self) -> int:
        with self._id_lock:
            return next(self._ids)

    def _retrying(self, reason: str) -> None:
        with self._id_lock:
            self.retry_counts[reason] += 1
        for listener in list(self.retry_listeners):
            with contextlib.suppress(Exception):  # a metrics observer must never break a request
                listener(reason)

    def _post(self, body: bytes, *, repeatable: bool = True) -> Any:
        """POST ``body``; ``repeatable=False``: retry only faults that prove the node never saw the request."""
        delay = FIRST_BACKOFF
        for attempt in range(self._retries + 1):
            last = attempt >= self._retries
            try:
                resp = self._http.post(self.url, content=body)
                if resp.status_code in _TRANSIENT_STATUS and not last and (repeatable or resp.status_code == 429):
                    reason = "rate_limited" if resp.status_code == 429 else "server_error"
                    self._retrying(reason)
                    time.sleep(_retry_after(resp, _jitter(delay)))
                    delay *= 2
                    continue
                if resp.status_code >= 400 and not resp.content.lstrip().startswith((b"{", b"[")):
                    raise ChainConnectionError(
                        f"the RPC endpoint {self.shown_url} answered HTTP {resp.status_code}",
                        endpoint=self.shown_url,
                        hint="check the URL (and API key) in rpc_endpoint, or the node's health",
                    )
                try:
                    return json.loads(resp.content)
                except ValueError:
                    # JSON cut short (a proxy or the connection gave up mid-answer) is transient; a web page is not
                    if last or not repeatable or not resp.content.lstrip().startswith((b"{", b"[")):
                        raise
                    self._retrying("bad_body")
                    time.sleep(_jitter(delay))
                    delay *= 2
                    continue
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if not last and (repeatable or unsent):
                    self._retrying(_reason(exc))
                    time.sleep(_jitter(delay))
                    delay *= 2
                    continue
                raise ChainConnectionError(
                    f"cannot reach the RPC endpoint {self.shown_url}: {type(exc).__name__}: {exc}",
                    endpoint=self.shown_url,
                    hint="check that the node is running and the URL in rpc_endpoint / --network is right",
                ) from exc
            except httpx.HTTPError as exc:
                raise ChainConnectionError(
                    f"bad RPC endpoint {self.shown_url}: {exc}",
                    endpoint=self.shown_url,
                    hint="rpc_endpoint must be an http(s):// URL of a JSON-RPC node",
                ) from exc
            except ValueError as exc:
                raise ChainConnectionError(
                    f"the RPC endpoint {self.shown_url} did not answer JSON-RPC",
                    endpoint=self.shown_url,
                    hint="is this the node's JSON-RPC URL (not its web page or websocket URL)?",
                ) from exc
        raise AssertionError("unreachable")

    def request_raw(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        """One call; returns the whole JSON-RPC response object (``result`` or ``error``)."""
        body = _encode_request({"jsonrpc": "2.0", "id": self._next_id(), "method": method, "params": list(params)})
        out = self._post(body, repeatable=method not in _NOT_REPEATABLE)
        if not isinstance(out, dict):
            raise ChainConnectionError(
                f"the RPC endpoint {self.shown_url} answered a non-object to {method}",
                endpoint=self.shown_url,
            )
        return out

    def call(self, method: str, *params: Any) -> Any:
        """One call; returns ``result`` or raises :class:`RpcError`."""
        out = self.request_raw(method, params)
        if "error" in out:
            err = out["error"]
            raise RpcError(int(err.get("code", 0)), str(err.get("message", "")), err.get("data"))
        return out.get("result")

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Many calls in one HTTP request; each item is its ``result`` or an :class:`RpcError` (not raised)."""
        if not calls:
            return []
        first = self._reserve_ids(len(calls))
        body = json.dumps(
            [{"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)} for i, (m, p) in enumerate(calls)]
        )
        return self._batch_results(first, len(calls), self._post(body.encode()))

    def send_raw_transactions(self, raws: Sequence[bytes]) -> list[Any]:
        """``eth_sendRawTransaction`` of each signed transaction in one batch, as :meth:`batch` answers. The body
        is written directly (hex is JSON-safe): a rollup batch's transaction is hundreds of kB, which ``json.dumps``
        would scan character by character and copy twice."""
        if not raws:
            return []
        first = self._reserve_ids(len(raws))
        body = (
            b"["
            + b",".join(
                b'{"jsonrpc":"2.0","id":%d,"method":"eth_sendRawTransaction","params":["0x%s"]}'
                % (first + i, hexlify(r))
                for i, r in enumerate(raws)
            )
            + b"]"
        )
        return self._batch_results(first, len(raws), self._post(body))

    def _reserve_ids(self, count: int) -> int:
        with self._id_lock:  # one step: a request from another thread never takes an id of the batch
            first = next(self._ids)
            self._ids = itertools.count(first + count)
        return first

    def _batch_results(self, first: int, count: int, out: Any) -> list[Any]:
        if isinstance(out, dict):  # the node rejected the whole batch
            err = out.get("error", {})
            raise ChainConnectionError(
                f"the RPC endpoint {self.shown_url} rejected a batch: {err.get('message', out)}",
                endpoint=self.shown_url,
                hint="this node may not support JSON-RPC batches or limits their size",
            )
        by_id = {item.get("id"): item for item in out}
        results: list[Any] = []
        for i in range(count):
            item = by_id.get(first + i, {"error": {"code": -1, "message": "missing from batch response"}})
            if "error" in item:
                e = item["error"]
                results.append(RpcError(int(e.get("code", 0)), str(e.get("message", "")), e.get("data")))
            else:
                results.append(item.get("result"))
        return results


class NovaHTTPProvider(JSONBaseProvider):
    """web3 provider on :class:`JsonRpcClient`."""

    def __init__(self, client: JsonRpcClient) -> None:
        super().__init__()
        self.client = client

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return self.client.request_raw(str(method), params or [])  # type: ignore[return-value]

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            self.client.call("eth_chainId")
        except (ChainConnectionError, RpcError):
            return False
        return True


def make_web3(client: JsonRpcClient) -> Web3:
    """A Web3 whose every call goes through ``client``."""
    return Web3(NovaHTTPProvider(client))
