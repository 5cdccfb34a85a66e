"""A Kubo-compatible ``/api/v0`` server over any :class:`ContentStore` (the embedded one, typically).

It answers the subset :class:`KuboStore` uses, with the request and reply shapes of Kubo's RPC reference
(https://docs.ipfs.tech/reference/kubo/rpc/), so ``curl -X POST -F file=@f .../api/v0/add``, Kubo's own client
libraries and :class:`KuboStore` can use the embedded store:

==============  ==========================================================================================
``add``         multipart files; ``cid-version``, ``raw-leaves``, ``pin``, ``only-hash``, ``quiet[er]``,
                ``silent``, ``chunker=size-262144``; NDJSON ``{"Name","Hash","Size"}`` per file
``cat``         ``arg``, ``offset``, ``length``; the bytes, streamed (chunked)
``block/get``   ``arg``; the block's bytes
``block/put``   multipart blocks; ``cid-codec`` (raw, dag-pb) or legacy ``format``, ``pin``; ``{"Key","Size"}``
``block/stat``  ``arg``; ``{"Key","Size"}``
``pin/add``     ``arg`` (repeatable), recursive only; ``{"Pins": [...]}``
``pin/rm``      ``arg`` (repeatable); ``{"Pins": [...]}``
``pin/ls``      ``type``, ``arg``, ``stream``; ``{"Keys": {cid: {"Type": "recursive"}}}`` or NDJSON ``{"Cid",...}``
``repo/gc``     NDJSON ``{"Key": {"/": cid}}`` per removed block
``version``     ``{"Version", "Commit", "Repo", "System", "Golang"}``
==============  ==========================================================================================

As in Kubo: only POST (405 otherwise), errors are ``{"Message", "Code", "Type": "error"}`` with 400 for bad
arguments and 500 for failures, unknown commands get 404, and a request carrying a browser ``Origin`` other than
the server's own is refused with 403 (a web page must not drive the node). It binds to loopback unless told
otherwise, because the API has no authentication. Not supported (answered with 400): directories, trickle
layout, other chunkers or hashes, inline CIDs, direct and indirect pins.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import platform
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

from novacron_chain.errors import StorageError

from ._base import MAX_BLOCK_SIZE, ContentStore
from ._cid import Cid
from ._errors import (
    ContentNotFoundError,
    CorruptBlockError,
    NotPinnedError,
    StorageValueError,
)
from ._importer import CHUNK_SIZE, DagBuilder, import_source
from ._multipart import BodyError, ChunkedReader, LengthReader, MultipartReader, Part, boundary_of

__all__ = ["IpfsApiServer", "serve_api"]

_log = logging.getLogger("novacron_chain.storage.server")

_POLL = 0.05  # how often serve_forever looks for stop(): the delay of stopping
_ERR_NORMAL = 0
_ERR_CLIENT = 1


class _ApiError(Exception):
    def __init__(self, status: int, message: str, code: int = _ERR_CLIENT) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


Params = dict[str, list[str]]


def _one(params: Params, name: str, default: str | None = None) -> str | None:
    values = params.get(name)
    return values[-1] if values else default


def _arg(params: Params, what: str) -> str:
    values = params.get("arg")
    if not values:
        raise _ApiError(400, f'argument "{what}" is required')
    return values[0]


def _bool(params: Params, name: str, default: bool) -> bool:
    value = _one(params, name)
    if value is None:
        return default
    low = value.lower()
    if low in ("", "1", "t", "true"):
        return True
    if low in ("0", "f", "false"):
        return False
    raise _ApiError(400, f'option "{name}" must be true or false, not {value!r}')


def _int(params: Params, name: str, default: int | None) -> int | None:
    value = _one(params, name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise _ApiError(400, f'option "{name}" must be an integer, not {value!r}') from None


def _unsupported(params: Params, *names: str) -> None:
    for name in names:
        if _bool(params, name, False):
            raise _ApiError(400, f'option "{name}" is not supported by this server')


def _version() -> str:
    try:
        return metadata.version("novacron-chain")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "novacron-chain-ipfs"
    # Headers and body go out in separate writes; with Nagle on, the client's delayed ACK stalls each reply 40 ms.
    disable_nagle_algorithm = True
    timeout = 300  # seconds a connection may sit idle (or an upload stall) before its thread gives up
    _reader: LengthReader | ChunkedReader | None = None
    store: ClassVar[ContentStore]
    allowed_origins: ClassVar[frozenset[str]]

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("%s " + format, self.address_string(), *args)

    # -- plumbing -------------------------------------------------------------------------------------------

    def _body(self) -> LengthReader | ChunkedReader:
        if self._reader is None:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self._reader = ChunkedReader(self.rfile)
            else:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    raise _ApiError(400, "bad Content-Length") from None
                self._reader = LengthReader(self.rfile, max(length, 0))
        return self._reader

    def _drain(self) -> None:
        """Read what is left of the request body (a multipart epilogue, an ignored body), so the next request
        on this keep-alive connection starts at its request line; give up and close past 1 MiB."""
        left = 1024 * 1024
        try:
            reader = self._body()
            while left > 0 and (data := reader.read(64 * 1024)):
                left -= len(data)
        except (BodyError, _ApiError, OSError):
            left = 0  # the reply is out already: just do not reuse this connection
        if left <= 0:
            self.close_connection = True

    def _multipart(self) -> MultipartReader:
        boundary = boundary_of(self.headers.get("Content-Type", ""))
        if boundary is None:
            raise _ApiError(400, "expected a multipart/form-data body with the file(s) (curl -F file=@PATH)")
        return MultipartReader(self._body(), boundary)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Origin")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, obj: Any) -> None:
        self._send(200, json.dumps(obj, separators=(",", ":")).encode() + b"\n", "application/json")

    def _send_ndjson(self, objs: list[dict[str, Any]]) -> None:
        body = b"".join(json.dumps(o, separators=(",", ":")).encode() + b"\n" for o in objs)
        self._send(200, body, "application/json", {"X-Chunked-Output": "1"})

    def _send_error(self, status: int, message: str, code: int) -> None:
        body = json.dumps({"Message": message, "Code": code, "Type": "error"}).encode() + b"\n"
        self._send(status, body, "application/json")

    def _send_stream(self, pieces: Iterator[bytes]) -> None:
        # The first piece is read before the status line, so a missing or damaged root still gets a real error.
        first = next(pieces, b"")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Stream-Output", "1")
        self.end_headers()
        try:
            for piece in _chain(first, pieces):
                if piece:
                    self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            raise
        except Exception as exc:
            # The status is sent: cut the connection before the last chunk, so no client takes the bytes so
            # far for the whole file (Kubo's X-Stream-Error trailer is ignored by most clients).
            _log.warning("cat failed mid-stream, closing the connection: %s", exc)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    def _origin_allowed(self) -> bool:
        origin = self.headers.get("Origin")
        return origin is None or origin.rstrip("/") in self.allowed_origins

    # -- dispatch -------------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        try:
            self._dispatch()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _dispatch(self) -> None:
        self._reader = None
        url = urlsplit(self.path)
        command = url.path[len("/api/v0/") :].strip("/") if url.path.startswith("/api/v0/") else None
        route = _ROUTES.get(command) if command is not None else None
        length = self.headers.get("Content-Length", "0").strip()
        has_body = length not in ("", "0") or bool(self.headers.get("Transfer-Encoding"))
        try:
            if not self._origin_allowed():
                self.close_connection = has_body
                self._send(403, b"403 - Forbidden\n", "text/plain; charset=utf-8")
                return
            if route is None:
                self.close_connection = has_body
                self._send(404, b"404 page not found\n", "text/plain; charset=utf-8")
                return
            route(self, parse_qs(url.query, keep_blank_values=True))
            self._drain()
        except (BrokenPipeError, ConnectionResetError):
            raise
        except _ApiError as exc:
            self.close_connection = has_body
            self._send_error(exc.status, exc.message, exc.code)
        except BodyError as exc:
            self.close_connection = True
            self._send_error(400, f"bad request body: {exc}", _ERR_CLIENT)
        except StorageValueError as exc:
            self.close_connection = has_body
            self._send_error(400, exc.message, _ERR_CLIENT)
        except ContentNotFoundError as exc:
            self.close_connection = has_body
            self._send_error(500, f"block was not found locally (offline): ipld: could not find {exc.cid}", 0)
        except NotPinnedError:
            self.close_connection = has_body
            self._send_error(500, "not pinned or pinned indirectly", _ERR_NORMAL)
        except CorruptBlockError as exc:
            self.close_connection = has_body
            self._send_error(500, f"block in storage has different hash than requested: {exc.message}", 0)
        except StorageError as exc:
            self.close_connection = has_body
            self._send_error(500, exc.message, _ERR_NORMAL)
        except Exception as exc:
            _log.exception("internal error in /api/v0/%s", command)
            self.close_connection = True
            self._send_error(500, f"internal error: {type(exc).__name__}: {exc}", _ERR_NORMAL)

    def _method_not_allowed(self) -> None:
        self.close_connection = True
        self._send(405, b"405 - Method Not Allowed\n", "text/plain; charset=utf-8", {"Allow": "POST"})

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _method_not_allowed

    # -- commands -------------------------------------------------------------------------------------------

    def cmd_version(self, params: Params) -> None:
        self._send_json(
            {
                "Version": _version(),
                "Commit": "",
                "Repo": "novacron-store-1",
                "System": f"{platform.machine()}/{platform.system().lower()}",
                "Golang": "",
                "Implementation": "novacron-chain",
            }
        )

    def cmd_add(self, params: Params) -> None:
        _unsupported(params, "trickle", "wrap-with-directory", "nocopy", "inline", "fscache")
        chunker = _one(params, "chunker") or f"size-{CHUNK_SIZE}"
        if chunker != f"size-{CHUNK_SIZE}":
            raise _ApiError(400, f"chunker {chunker!r} is not supported by this server; use size-{CHUNK_SIZE}")
        if (_one(params, "hash") or "sha2-256") != "sha2-256":
            raise _ApiError(400, "only hash=sha2-256 is supported by this server")
        if _one(params, "to-files"):
            raise _ApiError(400, 'option "to-files" is not supported by this server')
        cid_version = _int(params, "cid-version", 0) or 0
        raw_leaves = _bool(params, "raw-leaves", False) if "raw-leaves" in params else None
        pin = _bool(params, "pin", True)
        only_hash = _bool(params, "only-hash", False)
        parts = self._multipart()
        lines: list[dict[str, Any]] = []
        while (part := parts.next_part()) is not None:
            name = part.filename
            if part.content_type == "application/x-directory" or "/" in name:
                raise _ApiError(400, "directories are not supported by this server: add files one by one")
            if only_hash:
                result = import_source(part, DagBuilder(cid_version=cid_version, raw_leaves=raw_leaves))
                cid, dag_size = str(result.root), result.dag_size
            else:
                added = self.store.add(part, cid_version=cid_version, raw_leaves=raw_leaves, pin=pin)
                cid, dag_size = added.cid, added.dag_size
            lines.append({"Name": name or cid, "Hash": cid, "Size": str(dag_size)})
        if not lines:
            raise _ApiError(400, "add needs at least one file in the multipart body")
        if _bool(params, "silent", False):
            lines = []
        elif _bool(params, "quieter", False):
            lines = lines[-1:]
        self._send_ndjson(lines)

    def cmd_cat(self, params: Params) -> None:
        cid = _arg(params, "ipfs-path")
        offset = _int(params, "offset", 0) or 0
        length = _int(params, "length", None)
        if offset < 0 or (length is not None and length < 0):
            raise _ApiError(400, "offset and length must not be negative")
        self._send_stream(self.store.cat(cid, offset=offset, length=length))

    def cmd_block_get(self, params: Params) -> None:
        data = self.store.get_block(_arg(params, "cid"))
        self._send(200, data, "text/plain")

    def cmd_block_put(self, params: Params) -> None:
        _unsupported(params, "allow-big-block")
        if (_one(params, "mhtype") or "sha2-256") != "sha2-256" or _one(params, "mhlen", "-1") not in ("-1", "32"):
            raise _ApiError(400, "only mhtype=sha2-256 (mhlen 32) is supported by this server")
        legacy = _one(params, "format")
        if legacy:
            formats = {"v0": ("dag-pb", 0), "protobuf": ("dag-pb", 0), "raw": ("raw", 1)}
            if legacy not in formats:
                raise _ApiError(400, f"format {legacy!r} is not supported by this server; use raw or v0")
            codec, version = formats[legacy]
        else:
            codec, version = _one(params, "cid-codec") or "raw", 1
        pin = _bool(params, "pin", False)
        parts = self._multipart()
        blocks: list[bytes] = []
        while (part := parts.next_part()) is not None:
            blocks.append(_read_limited(part, MAX_BLOCK_SIZE))
        if not blocks:
            raise _ApiError(400, "block/put needs a block in the multipart body")
        if pin or len(blocks) == 1:
            cids = [self.store.put_block(data, codec=codec, cid_version=version, pin=pin) for data in blocks]
        else:  # several blocks: one batched write (the embedded store's put_blocks: one fsync for all)
            cids = self.store.put_blocks(blocks, codec=codec, cid_version=version)
        self._send_ndjson([{"Key": cid, "Size": len(data)} for cid, data in zip(cids, blocks, strict=True)])

    def cmd_block_stat(self, params: Params) -> None:
        cid = Cid.parse(_arg(params, "cid"))
        data = self.store.get_block(str(cid))
        self._send_json({"Key": str(cid), "Size": len(data)})

    def cmd_pin_add(self, params: Params) -> None:
        if not _bool(params, "recursive", True):
            raise _ApiError(400, "direct pins are not supported by this server; pin recursively")
        args = params.get("arg") or []
        if not args:
            raise _ApiError(400, 'argument "ipfs-path" is required')
        pinned = []
        for arg in args:
            self.store.pin(arg)
            pinned.append(str(Cid.parse(arg)))
        self._send_json({"Pins": pinned})

    def cmd_pin_rm(self, params: Params) -> None:
        args = params.get("arg") or []
        if not args:
            raise _ApiError(400, 'argument "ipfs-path" is required')
        removed = []
        for arg in args:
            self.store.unpin(arg)
            removed.append(str(Cid.parse(arg)))
        self._send_json({"Pins": removed})

    def cmd_pin_ls(self, params: Params) -> None:
        kind = _one(params, "type") or "all"
        if kind not in ("all", "recursive", "direct", "indirect"):
            raise _ApiError(400, f"invalid type {kind!r}, must be one of {{direct, indirect, recursive, all}}")
        if kind == "indirect":
            raise _ApiError(400, "type=indirect is not supported by this server")
        pinned = self.store.pins() if kind != "direct" else []
        args = params.get("arg") or []
        if args:
            by_cid = {Cid.parse(p).to_v1(): p for p in pinned}
            selected = []
            for arg in args:
                match = by_cid.get(Cid.parse(arg).to_v1())
                if match is None:
                    raise _ApiError(500, f"path '{arg}' is not pinned", _ERR_NORMAL)
                selected.append(match)
            pinned = selected
        if _bool(params, "stream", False):
            self._send_ndjson([{"Cid": p, "Type": "recursive", "Name": ""} for p in pinned])
        else:
            self._send_json({"Keys": {p: {"Type": "recursive", "Name": ""} for p in pinned}})

    def cmd_repo_gc(self, params: Params) -> None:
        removed = self.store.gc()
        lines = [] if _bool(params, "silent", False) else [{"Key": {"/": cid}} for cid in removed]
        self._send_ndjson(lines)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _read_limited(part: Part, limit: int) -> bytes:
    chunks = []
    total = 0
    while data := part.read(64 * 1024):
        total += len(data)
        if total > limit:
            raise _ApiError(
                400,
                "produced block is over 1MiB: big blocks can't be exchanged with other peers. consider using "
                "UnixFS for automatic chunking of bigger files",
            )
        chunks.append(data)
    return b"".join(chunks)


_ROUTES: dict[str, Callable[[_Handler, Params], None]] = {
    "add": _Handler.cmd_add,
    "cat": _Handler.cmd_cat,
    "block/get": _Handler.cmd_block_get,
    "block/put": _Handler.cmd_block_put,
    "block/stat": _Handler.cmd_block_stat,
    "pin/add": _Handler.cmd_pin_add,
    "pin/rm": _Handler.cmd_pin_rm,
    "pin/ls": _Handler.cmd_pin_ls,
    "repo/gc": _Handler.cmd_repo_gc,
    "version": _Handler.cmd_version,
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class IpfsApiServer:
    """Serves a :class:`ContentStore` over Kubo's ``/api/v0`` RPC subset (see the module doc for the list).

    The socket is bound when the object is made (``port=0`` picks a free port; read :attr:`port`), then
    :meth:`start` serves from a background thread or :meth:`serve_forever` in the caller's. Use it as a
    context manager to start and stop it. Binding to an address other than loopback needs
    ``allow_remote=True``: the API has no authentication and can delete content (``repo/gc``).
    """

    def __init__(
        self,
        store: ContentStore,
        host: str = "127.0.0.1",
        port: int = 5001,
        *,
        allow_remote: bool = False,
    ) -> None:
        if not _is_loopback(host) and not allow_remote:
            raise StorageValueError(
                f"refusing to serve the IPFS API on {host}: it has no authentication",
                hint="serve on 127.0.0.1 (the default) and put an authenticating proxy in front, "
                "or pass allow_remote=True if the network is trusted",
            )
        self.store = store
        server_cls = _Server6 if ":" in host else _Server
        bound_host = host.strip("[]")
        handler = _handler_for(store)
        try:
            self._httpd = server_cls((bound_host, port), handler)
        except OSError as exc:
            raise StorageError(
                f"cannot serve the IPFS API on {host}:{port}: {exc.strerror or exc}",
                hint="another IPFS daemon may use this port: stop it, or choose another port (port=0 picks one)",
            ) from exc
        self.host = bound_host
        self.port = int(self._httpd.server_address[1])
        handler.allowed_origins = _origins(bound_host, self.port)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to give :class:`KuboStore`, e.g. ``http://127.0.0.1:5001``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        """Serve from a daemon thread; returns at once."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(_POLL,), name=f"ipfs-api-{self.port}", daemon=True
            )
            self._thread.start()
            _log.info("IPFS API serving %s on %s", self.store, self.url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` is called from another thread (or Ctrl-C)."""
        _log.info("IPFS API serving %s on %s", self.store, self.url)
        self._httpd.serve_forever(_POLL)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _origins(host: str, port: int) -> frozenset[str]:
    hosts = {host, "127.0.0.1", "localhost", "[::1]"} if _is_loopback(host) else {host}
    return frozenset(f"{scheme}://{h}:{port}" for h in hosts for scheme in ("http", "https"))


def _handler_for(store: ContentStore) -> type[_Handler]:
    return type("_StoreHandler", (_Handler,), {"store": store, "allowed_origins": frozenset()})


def serve_api(
    store: ContentStore,
    host: str = "127.0.0.1",
    port: int = 5001,
    *,
    allow_remote: bool = False,
) -> None:
    """Serve ``store`` over Kubo's ``/api/v0`` RPC subset until interrupted (Ctrl-C). Loopback by default."""
    server = IpfsApiServer(store, host, port, allow_remote=allow_remote)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
