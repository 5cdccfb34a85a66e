"""The Kubo backend: a client of Kubo's ``/api/v0`` RPC API over httpx.

Written to keep working across Kubo versions: every call is a POST (Kubo refuses GET since 0.5), replies are read
field by field and unknown fields ignored, CIDs are accepted as ``"Qm..."`` or ``{"/": "Qm..."}`` under either
``Hash``, ``Cid`` or ``Key``, numbers as JSON numbers or strings, and streamed (NDJSON) replies line by line.
The node is not trusted with content: every block read is rehashed here, and ``add`` checks the node's CID
against the one this package computes from the same bytes while they are uploaded.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

from novacron_chain.errors import StorageError

from ..units import is_digits
from ._base import MAX_BLOCK_SIZE, AddResult, ContentStore, prepare_block
from ._cid import Cid, hash_block
from ._errors import (
    CidMismatchError,
    ContentNotFoundError,
    CorruptBlockError,
    InvalidCidError,
    IpfsApiError,
    IpfsTimeoutError,
    IpfsUnreachableError,
    NotPinnedError,
    StorageValueError,
)
from ._importer import CHUNK_SIZE, DagBuilder, ReadableStream, Source, resolve_raw_leaves

__all__ = ["DEFAULT_ENDPOINT", "KuboStore", "normalize_endpoint"]

DEFAULT_ENDPOINT = "http://127.0.0.1:5001"

_MULTIADDR = re.compile(r"^/(ip4|ip6|dns|dns4|dns6)/([^/]+)/tcp/(\d+)(?:/(http|https))?/?$")
_NOT_FOUND = ("not found", "could not find", "no such block", "blockservice: key not found")
_CORRUPT = ("different hash than requested", "corrupt")
_PUT_BLOCKS_MAX = 1000
_PUT_BLOCKS_BYTES = 8 * 1024 * 1024


def normalize_endpoint(endpoint: str) -> str:
    """Turn ``http://host:5001``, ``host:5001``, ``.../api/v0`` or a multiaddr into ``scheme://host:port``."""
    text = endpoint.strip()
    match = _MULTIADDR.match(text)
    if match:
        proto, host, port, scheme = match.groups()
        if proto == "ip6":
            host = f"[{host}]"
        return f"{scheme or 'http'}://{host}:{port}"
    if "://" not in text:
        text = "http://" + text
    text = text.rstrip("/")
    if text.endswith("/api/v0"):
        text = text[: -len("/api/v0")]
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise StorageValueError(
            f"{endpoint!r} is not an IPFS RPC endpoint",
            hint="use a URL like http://127.0.0.1:5001 or a multiaddr like /ip4/127.0.0.1/tcp/5001",
        )
    return text


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _cid_field(obj: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, Mapping) and isinstance(value.get("/"), str):
            return str(value["/"])
    return None


def _int_field(obj: Mapping[str, Any], name: str) -> int | None:
    value = obj.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_digits(value):
        return int(value)
    return None


class _TeeReader:
    """Counts the bytes httpx uploads and feeds them to a DagBuilder, so the CID is computed in the same pass."""

    def __init__(self, source: ReadableStream, builder: DagBuilder | None) -> None:
        self._source = source
        self._builder = builder
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._source.read(size if size > 0 else CHUNK_SIZE)
        except OSError as exc:
            raise StorageValueError(
                f"cannot read the content to add: {exc.strerror or exc}",
                hint="pass a readable file, stream or bytes",
            ) from exc
        if not isinstance(data, bytes | bytearray | memoryview):
            raise StorageValueError(
                f"the stream returned {type(data).__name__}, not bytes", hint="open the file in binary mode ('rb')"
            )
        data = bytes(data)
        if data:
            self.count += len(data)
            if self._builder is not None:
                self._builder.write(data)
        return data


class KuboStore(ContentStore):
    """A :class:`ContentStore` backed by a Kubo (go-ipfs) node's RPC API, or anything that speaks it.

    ``endpoint_url`` is the RPC API address (``http://127.0.0.1:5001``, a multiaddr is accepted too).
    ``timeout`` bounds each call in seconds (``None``: no limit); content that is not on the node is looked
    for on the network until then. ``auth`` / ``headers`` carry credentials for nodes behind authentication
    (Kubo's ``API.Authorizations``, a pinning provider). With ``check_cids`` (the default) ``add`` computes the
    Kubo-default CID locally while uploading and raises :class:`CidMismatchError` when the node disagrees.
    ``transport`` is an httpx transport (tests use ``httpx.MockTransport``).

    ``has``, ``verify`` and the liveness of blocks are judged on the node's local copy (``offline=true``);
    ``get``, ``cat`` and ``pin`` may fetch from the network. ``cat`` walks the DAG block by block
    (``block/get``) rather than trusting the node's ``cat``, so every block is rehashed before use.
    """

    def __init__(
        self,
        endpoint_url: str = DEFAULT_ENDPOINT,
        *,
        timeout: float | None = 60.0,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        check_cids: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = normalize_endpoint(endpoint_url)
        self.timeout = timeout
        self.check_cids = check_cids
        connect = 10.0 if timeout is None else min(timeout, 10.0)
        self._client = httpx.Client(
            base_url=self.endpoint + "/api/v0/",
            timeout=httpx.Timeout(timeout, connect=connect),
            auth=auth,
            headers=headers,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"KuboStore({self.endpoint!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    # -- transport ------------------------------------------------------------------------------------------

    @contextmanager
    def _call(
        self,
        command: str,
        params: Mapping[str, str],
        *,
        files: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        cid: str | None = None,
    ) -> Iterator[httpx.Response]:
        """POST ``/api/v0/<command>``, map every failure to a StorageError, and yield the 200 response."""
        try:
            with self._client.stream("POST", command, params=params, files=files) as response:
                if response.status_code != 200:
                    response.read()
                    raise self._error(response, command, cid)
                yield response
        except httpx.ConnectTimeout as exc:
            raise IpfsUnreachableError(endpoint=self.endpoint, reason="connection timed out") from exc
        except httpx.ConnectError as exc:
            raise IpfsUnreachableError(endpoint=self.endpoint, reason=str(exc) or "connection failed") from exc
        except httpx.TimeoutException as exc:
            raise IpfsTimeoutError(endpoint=self.endpoint, operation=command, timeout=self.timeout) from exc
        except httpx.HTTPError as exc:
            raise IpfsApiError(
                f"the connection to the IPFS node at {self.endpoint} failed during {command}: {exc or type(exc)}",
                endpoint=self.endpoint,
                hint="the node may have stopped or restarted; try again, and check its log",
            ) from exc

    def _error(self, response: httpx.Response, command: str, cid: str | None) -> StorageError:
        status = response.status_code
        message: str | None = None
        try:
            body = response.json()
            if isinstance(body, Mapping) and isinstance(body.get("Message"), str):
                message = body["Message"]
        except ValueError:
            pass
        if message is None:
            message = response.text.strip()[:500] or None
        low = (message or "").lower()
        where = f"the IPFS node at {self.endpoint}"
        if cid is not None and status == 500:
            if "not pinned" in low:
                return NotPinnedError(cid)
            if any(s in low for s in _NOT_FOUND):
                return ContentNotFoundError(cid, where=where)
            if any(s in low for s in _CORRUPT):
                return CorruptBlockError(cid, location=where)
        if "context deadline exceeded" in low:
            return IpfsTimeoutError(endpoint=self.endpoint, operation=command, timeout=self.timeout)
        hints = {
            400: "the node rejected the request; an old Kubo may lack an option used here (Kubo >= 0.13 is needed)",
            401: "pass credentials: KuboStore(..., auth=(user, password)) or headers={'Authorization': ...}",
            403: "the node refused the call: check API.Authorizations and that no browser Origin header is sent",
            404: f"{self.endpoint} has no /api/v0/{command}: is this the RPC API port (5001), not a gateway?",
            405: "the node wants POST requests; is this a Kubo RPC API?",
        }
        return IpfsApiError(
            f"IPFS node at {self.endpoint} failed {command}: {message or f'HTTP {status}'}",
            endpoint=self.endpoint,
            status_code=status,
            node_message=message,
            hint=hints.get(status, "see the node's log (`ipfs log tail`) for details"),
        )

    def _objects(self, response: httpx.Response, command: str) -> Iterator[dict[str, Any]]:
        """The JSON objects of a reply: one object, or one per line (NDJSON); error objects raise."""
        for line in response.iter_lines():
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise self._garbage(command, line) from exc
            if not isinstance(obj, dict):
                raise self._garbage(command, line)
            if obj.get("Type") == "error" and isinstance(obj.get("Message"), str):
                raise IpfsApiError(
                    f"IPFS node at {self.endpoint} failed {command}: {obj['Message']}",
                    endpoint=self.endpoint,
                    status_code=response.status_code,
                    node_message=obj["Message"],
                    hint="see the node's log (`ipfs log tail`) for details",
                )
            yield obj

    def _garbage(self, command: str, sample: str) -> IpfsApiError:
        return IpfsApiError(
            f"IPFS node at {self.endpoint} answered {command} with something that is not JSON: {sample[:200]!r}",
            endpoint=self.endpoint,
            hint="check that the endpoint is a Kubo RPC API (port 5001), not a gateway or another service",
        )

    def _one(self, command: str, params: Mapping[str, str], *, cid: str | None = None, **kw: Any) -> dict[str, Any]:
        with self._call(command, params, cid=cid, **kw) as response:
            objects = list(self._objects(response, command))
        if not objects:
            raise self._garbage(command, "<empty reply>")
        return objects[-1]

    # -- node -------------------------------------------------------------------------------------------------

    def version(self) -> str:
        """The node's version string (``Version`` of ``/api/v0/version``), e.g. ``"0.32.1"``."""
        reply = self._one("version", {})
        version = reply.get("Version")
        if not isinstance(version, str):
            raise self._garbage("version", json.dumps(reply))
        return version

    # -- ContentStore ---------------------------------------------------------------------------------------

    def add(
        self,
        source: Source,
        *,
        cid_version: int = 0,
        raw_leaves: bool | None = None,
        pin: bool = True,
    ) -> AddResult:
        raw = resolve_raw_leaves(cid_version, raw_leaves)
        builder = DagBuilder(cid_version=cid_version, raw_leaves=raw) if self.check_cids else None
        params = {
            "cid-version": str(cid_version),
            "raw-leaves": _flag(raw),
            "chunker": f"size-{CHUNK_SIZE}",
            "hash": "sha2-256",
            "pin": _flag(pin),
            "progress": "false",
            "trickle": "false",
            "wrap-with-directory": "false",
        }
        with ExitStack() as stack:
            stream, name = _open_source(source, stack)
            tee = _TeeReader(stream, builder)
            files = {"file": (name, tee, "application/octet-stream")}
            with self._call("add", params, files=files) as response:
                final: dict[str, Any] | None = None
                for obj in self._objects(response, "add"):
                    if _cid_field(obj, "Hash", "Cid") is not None:
                        final = obj
        if final is None:
            raise self._garbage("add", "<no CID in the reply>")
        returned = _cid_field(final, "Hash", "Cid") or ""
        try:
            root = Cid.parse(returned)
        except InvalidCidError as exc:
            raise self._garbage("add", returned) from exc
        dag_size = _int_field(final, "Size")
        if builder is not None:
            expected = builder.finish()
            if expected.root != root:
                raise CidMismatchError(endpoint=self.endpoint, returned=returned, expected=str(expected.root))
            if dag_size is None:
                dag_size = expected.dag_size
        return AddResult(returned, tee.count, dag_size if dag_size is not None else -1)

    def put_block(self, data: bytes, *, codec: str = "raw", cid_version: int = 1, pin: bool = False) -> str:
        cid = prepare_block(data, codec, cid_version)
        # Pinned separately below: block/put would pin the CIDv1 it returns, whatever version was asked for.
        params = {"cid-codec": codec, "mhtype": "sha2-256", "mhlen": "-1", "pin": "false"}
        files = {"data": ("block", bytes(data), "application/octet-stream")}
        self._check_stored(cid, self._one("block/put", params, files=files))
        if pin:
            self.pin(str(cid))
        return str(cid)

    def put_blocks(self, blocks: Sequence[bytes], *, codec: str = "raw", cid_version: int = 1) -> list[str]:
        """Store many blocks in few requests: one ``block/put`` with a part per block (Kubo takes several and
        answers a line per block) for every 1,000 blocks or 8 MiB; their CIDs, in order, each checked."""
        cids = [prepare_block(data, codec, cid_version) for data in blocks]
        params = {"cid-codec": codec, "mhtype": "sha2-256", "mhlen": "-1", "pin": "false"}
        start = 0
        while start < len(cids):
            end, size = start, 0
            while end < len(cids) and end - start < _PUT_BLOCKS_MAX and (end == start or size < _PUT_BLOCKS_BYTES):
                size += len(blocks[end])
                end += 1
            files = [("data", ("block", bytes(blocks[i]), "application/octet-stream")) for i in range(start, end)]
            with self._call("block/put", params, files=files) as response:
                replies = list(self._objects(response, "block/put"))
            if len(replies) != end - start:
                raise self._garbage("block/put", f"<{len(replies)} replies for {end - start} blocks>")
            for cid, reply in zip(cids[start:end], replies, strict=True):
                self._check_stored(cid, reply)
            start = end
        return [str(cid) for cid in cids]

    def _check_stored(self, cid: Cid, reply: Any) -> None:
        """A ``block/put`` reply names the block we computed (same multihash), or the node is not what we need."""
        key = _cid_field(reply, "Key", "Cid", "Hash")
        try:
            stored = Cid.parse(key or "")
        except InvalidCidError as exc:
            raise self._garbage("block/put", json.dumps(reply)) from exc
        if stored.multihash != cid.multihash:
            raise IpfsApiError(
                f"IPFS node at {self.endpoint} stored a block as {stored}, but its sha2-256 CID is {cid}",
                endpoint=self.endpoint,
                hint="the node hashed with another function, or answered out of order: check that it honours "
                "mhtype=sha2-256",
            )

    def _read_block(self, cid: Cid, *, local_only: bool) -> bytes:
        params = {"arg": str(cid)}
        if local_only:
            params["offline"] = "true"
        chunks: list[bytes] = []
        total = 0
        with self._call("block/get", params, cid=str(cid)) as response:
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > 4 * MAX_BLOCK_SIZE:
                    raise IpfsApiError(
                        f"IPFS node at {self.endpoint} sent over {4 * MAX_BLOCK_SIZE} bytes for block {cid}",
                        endpoint=self.endpoint,
                        hint="IPFS blocks are at most a few MiB; check what answers at this endpoint",
                    )
                chunks.append(chunk)
        data = b"".join(chunks)
        actual = hash_block(cid, data)
        if actual != cid.multihash:
            raise CorruptBlockError(
                str(cid), location=f"the IPFS node at {self.endpoint}", actual=str(Cid(cid.version, cid.codec, actual))
            )
        return data

    def has(self, cid: str) -> bool:
        parsed = Cid.parse(cid)
        try:
            self._one("block/stat", {"arg": str(parsed), "offline": "true"}, cid=str(parsed))
        except ContentNotFoundError:
            return False
        return True

    def pin(self, cid: str) -> None:
        parsed = Cid.parse(cid)
        self._one("pin/add", {"arg": str(parsed), "recursive": "true"}, cid=str(parsed))

    def unpin(self, cid: str) -> None:
        parsed = Cid.parse(cid)
        self._one("pin/rm", {"arg": str(parsed), "recursive": "true"}, cid=str(parsed))

    def pins(self) -> list[str]:
        found: list[str] = []
        with self._call("pin/ls", {"type": "recursive", "stream": "true"}) as response:
            for obj in self._objects(response, "pin/ls"):
                keys = obj.get("Keys")
                if isinstance(obj.get("PinLsList"), Mapping):
                    keys = obj["PinLsList"].get("Keys")
                if isinstance(keys, Mapping):
                    found.extend(str(k) for k, v in keys.items() if _pin_type(v) in ("recursive", None))
                    continue
                cid = _cid_field(obj, "Cid", "Hash", "Key")
                if cid is not None and _pin_type(obj) in ("recursive", None):
                    found.append(cid)
        return sorted(found)

    def gc(self) -> list[str]:
        removed: list[str] = []
        errors: list[str] = []
        with self._call("repo/gc", {}) as response:
            for obj in self._objects(response, "repo/gc"):
                if isinstance(obj.get("Error"), str) and obj["Error"]:
                    errors.append(obj["Error"])
                    continue
                key = _cid_field(obj, "Key", "Cid")
                if key is not None:
                    removed.append(key)
        if errors:
            raise IpfsApiError(
                f"gc on the IPFS node at {self.endpoint} failed after removing {len(removed)} blocks: "
                + "; ".join(errors),
                endpoint=self.endpoint,
                node_message=errors[0],
                hint="see the node's log (`ipfs log tail`); gc can be run again",
            )
        return removed


def _pin_type(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("Type"), str):
        return str(value["Type"])
    return None


def _open_source(source: Source, stack: ExitStack) -> tuple[ReadableStream, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), "data"
    if isinstance(source, str | os.PathLike):
        name = os.fspath(source)
        try:
            fh = stack.enter_context(open(source, "rb"))  # noqa: SIM115 - the ExitStack closes it
        except OSError as exc:
            raise StorageValueError(
                f"cannot read {name}: {exc.strerror or exc}",
                hint="pass the path of a readable file, or the content itself as bytes",
            ) from exc
        return fh, os.path.basename(name) or "data"
    if not callable(getattr(source, "read", None)):
        raise StorageValueError(
            f"cannot add a {type(source).__name__}",
            hint="pass bytes, a file path, or a binary stream (open(path, 'rb'), io.BytesIO)",
        )
    return source, os.path.basename(str(getattr(source, "name", ""))) or "data"
