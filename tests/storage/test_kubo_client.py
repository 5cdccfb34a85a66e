"""KuboStore against replies shaped as Kubo's RPC reference documents them (httpx.MockTransport).

Shapes from https://docs.ipfs.tech/reference/kubo/rpc/ and Kubo's behaviour across versions: ``add`` streams
NDJSON (progress lines carry ``Bytes``, the final line ``Name``/``Hash``/``Size`` with Size as a string),
errors are ``{"Message", "Code", "Type": "error"}`` with HTTP 500 (400 for bad arguments), ``pin/ls`` answers
``{"Keys": {...}}`` or, with ``stream=true``, NDJSON ``{"Cid", "Type", "Name"}``; ``repo/gc`` streams
``{"Key": {"/": cid}}`` (older nodes: ``{"Key": "cid"}``) and ``{"Error": ...}``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from novacron_chain.storage import (
    CidMismatchError,
    ContentNotFoundError,
    CorruptBlockError,
    IpfsApiError,
    IpfsTimeoutError,
    IpfsUnreachableError,
    KuboStore,
    NotPinnedError,
    StorageValueError,
    compute_cid,
)
from novacron_chain.storage._cid import Cid
from novacron_chain.storage._kubo import normalize_endpoint

from ._vectors import FULL, KIB256, content

HELLO = b"hello world\n"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
ENDPOINT = "http://127.0.0.1:5001"


@dataclass
class FakeKubo:
    """Routes ``/api/v0/<command>`` to canned replies and records every request."""

    routes: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        command = request.url.path.removeprefix("/api/v0/")
        if command not in self.routes:
            return httpx.Response(404, text="404 page not found")
        return self.routes[command](request)

    def store(self, **kwargs: object) -> KuboStore:
        return KuboStore(ENDPOINT, transport=httpx.MockTransport(self), **kwargs)  # type: ignore[arg-type]


def ndjson(*objs: object) -> httpx.Response:
    body = "".join(json.dumps(o) + "\n" for o in objs)
    return httpx.Response(200, text=body, headers={"Content-Type": "application/json", "X-Chunked-Output": "1"})


def kubo_error(message: str, status: int = 500, code: int = 0) -> httpx.Response:
    return httpx.Response(status, json={"Message": message, "Code": code, "Type": "error"})


@pytest.fixture
def kubo() -> FakeKubo:
    return FakeKubo()


def test_version_ignores_unknown_fields(kubo: FakeKubo) -> None:
    kubo.routes["version"] = lambda r: httpx.Response(
        200,
        json={"Version": "0.32.1", "Commit": "", "Repo": "16", "System": "amd64/linux", "Golang": "go1.23.3",
              "SomethingNew": {"x": 1}},
    )  # fmt: skip
    with kubo.store() as store:
        assert store.version() == "0.32.1"
    assert kubo.requests[0].method == "POST"


def test_add_sends_kubos_options_and_reads_the_ndjson_stream(kubo: FakeKubo) -> None:
    data = content(KIB256 + 1)
    cid, dag_size = FULL[(0, False)][KIB256 + 1]
    kubo.routes["add"] = lambda r: ndjson(
        {"Name": "data", "Bytes": 262144},
        {"Name": "data", "Bytes": 262145},
        {"Name": "data", "Hash": cid, "Size": str(dag_size), "Mode": "", "NewField": True},
    )
    with kubo.store() as store:
        result = store.add(data)
    assert (result.cid, result.size, result.dag_size) == (cid, len(data), dag_size)
    request = kubo.requests[0]
    assert request.method == "POST"
    assert request.url.params["cid-version"] == "0"
    assert request.url.params["raw-leaves"] == "false"
    assert request.url.params["chunker"] == "size-262144"
    assert request.url.params["pin"] == "true"
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert data in request.content  # the file travels as a multipart part


def test_add_cidv1_defaults_to_raw_leaves_like_kubo(kubo: FakeKubo) -> None:
    cid = FULL[(1, True)][1][0]
    kubo.routes["add"] = lambda r: ndjson({"Name": "data", "Hash": cid, "Size": "1"})
    with kubo.store() as store:
        assert store.add(content(1), cid_version=1, pin=False).cid == cid
    params = kubo.requests[0].url.params
    assert (params["cid-version"], params["raw-leaves"], params["pin"]) == ("1", "true", "false")


def test_add_accepts_the_cid_link_shape(kubo: FakeKubo) -> None:
    kubo.routes["add"] = lambda r: ndjson({"Name": "data", "Cid": {"/": HELLO_V0}, "Size": 20})
    with kubo.store() as store:
        assert store.add(HELLO).cid == HELLO_V0


def test_add_detects_a_node_with_other_import_settings(kubo: FakeKubo) -> None:
    # e.g. a node with Import.UnixFSChunker = size-1048576 gives another CID for the same bytes
    other = compute_cid(b"something else")
    kubo.routes["add"] = lambda r: ndjson({"Name": "data", "Hash": other, "Size": "22"})
    with kubo.store() as store, pytest.raises(CidMismatchError) as exc:
        store.add(HELLO)
    assert exc.value.returned == other
    assert exc.value.expected == HELLO_V0
    assert "Import.UnixFSChunker" in str(exc.value)
    with kubo.store(check_cids=False) as store:
        assert store.add(HELLO).cid == other


def test_add_error_inside_the_stream(kubo: FakeKubo) -> None:
    kubo.routes["add"] = lambda r: ndjson({"Message": "add: disk full", "Code": 0, "Type": "error"})
    with kubo.store() as store, pytest.raises(IpfsApiError, match="disk full"):
        store.add(HELLO)


def test_block_get_is_rehashed(kubo: FakeKubo) -> None:
    cid = compute_cid(b"block", cid_version=1)
    kubo.routes["block/get"] = lambda r: httpx.Response(200, content=b"blocK")
    with kubo.store() as store, pytest.raises(CorruptBlockError) as exc:
        store.get_block(cid)
    assert exc.value.cid == cid
    assert ENDPOINT in str(exc.value)
    kubo.routes["block/get"] = lambda r: httpx.Response(200, content=b"block")
    with kubo.store() as store:
        assert store.get_block(cid) == b"block"
        assert store.get(cid) == b"block"


@pytest.mark.parametrize(
    "message",
    [
        "block was not found locally (offline): ipld: could not find bafkreih",  # Kubo >= 0.20
        "blockservice: key not found",  # older Kubo
        "merkledag: not found",
    ],
)
def test_not_found_messages_map_to_content_not_found(kubo: FakeKubo, message: str) -> None:
    kubo.routes["block/get"] = lambda r: kubo_error(message)
    kubo.routes["block/stat"] = lambda r: kubo_error(message)
    cid = compute_cid(b"absent", cid_version=1)
    with kubo.store() as store:
        with pytest.raises(ContentNotFoundError) as exc:
            store.get_block(cid)
        assert exc.value.cid == cid
        assert not store.has(cid)
    assert kubo.requests[-1].url.params["offline"] == "true"  # has() judges the node's local copy


def test_has_true(kubo: FakeKubo) -> None:
    kubo.routes["block/stat"] = lambda r: httpx.Response(200, json={"Key": HELLO_V0, "Size": 20})
    with kubo.store() as store:
        assert store.has(HELLO_V0)


def test_unpin_of_an_unpinned_cid(kubo: FakeKubo) -> None:
    kubo.routes["pin/rm"] = lambda r: kubo_error("not pinned or pinned indirectly")
    with kubo.store() as store, pytest.raises(NotPinnedError) as exc:
        store.unpin(HELLO_V0)
    assert exc.value.cid == HELLO_V0
    assert kubo.requests[0].url.params["recursive"] == "true"


def test_pin_add(kubo: FakeKubo) -> None:
    kubo.routes["pin/add"] = lambda r: httpx.Response(200, json={"Pins": [HELLO_V0]})
    with kubo.store() as store:
        store.pin(HELLO_V0)
    assert kubo.requests[0].url.params["arg"] == HELLO_V0


@pytest.mark.parametrize(
    "reply",
    [
        ndjson({"Cid": HELLO_V0, "Type": "recursive", "Name": ""}, {"Cid": "QmOther", "Type": "direct"}),
        httpx.Response(200, json={"Keys": {HELLO_V0: {"Type": "recursive"}, "QmOther": {"Type": "indirect"}}}),
        httpx.Response(200, json={"PinLsList": {"Keys": {HELLO_V0: {"Type": "recursive", "Name": ""}}}}),
    ],
    ids=["stream", "keys", "wrapped-keys"],
)
def test_pin_ls_shapes(kubo: FakeKubo, reply: httpx.Response) -> None:
    kubo.routes["pin/ls"] = lambda r: reply
    with kubo.store() as store:
        assert store.pins() == [HELLO_V0]
    assert kubo.requests[0].url.params["type"] == "recursive"


def test_repo_gc_shapes(kubo: FakeKubo) -> None:
    raw = compute_cid(b"a", cid_version=1)
    kubo.routes["repo/gc"] = lambda r: ndjson({"Key": {"/": raw}}, {"Key": HELLO_V0})
    with kubo.store() as store:
        assert store.gc() == [raw, HELLO_V0]
    kubo.routes["repo/gc"] = lambda r: httpx.Response(200, content=b"")
    with kubo.store() as store:
        assert store.gc() == []
    kubo.routes["repo/gc"] = lambda r: ndjson({"Key": {"/": raw}}, {"Error": "could not remove block"})
    with kubo.store() as store, pytest.raises(IpfsApiError, match="after removing 1 blocks: could not remove"):
        store.gc()


def test_put_block_returns_the_requested_cid_version(kubo: FakeKubo) -> None:
    node = b"\x0a\x02\x08\x01"
    v0 = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
    # Kubo >= 0.13 answers block/put with a CIDv1 whatever the codec
    kubo.routes["block/put"] = lambda r: ndjson({"Key": str(Cid.parse(v0).to_v1()), "Size": 4})
    with kubo.store() as store:
        assert store.put_block(node, codec="dag-pb", cid_version=0) == v0
    params = kubo.requests[0].url.params
    assert (params["cid-codec"], params["mhtype"]) == ("dag-pb", "sha2-256")


def test_put_block_checks_the_nodes_hash(kubo: FakeKubo) -> None:
    kubo.routes["block/put"] = lambda r: ndjson({"Key": compute_cid(b"other", cid_version=1), "Size": 5})
    with kubo.store() as store, pytest.raises(IpfsApiError, match="stored a block as"):
        store.put_block(b"mine")


@pytest.mark.parametrize(
    ("reply", "status", "hint"),
    [
        (httpx.Response(404, text="404 page not found"), 404, "not a gateway"),
        (httpx.Response(405, text="405 - Method Not Allowed"), 405, "POST"),
        (httpx.Response(403, text="403 - Forbidden"), 403, "API.Authorizations"),
        (httpx.Response(401, text="Unauthorized"), 401, "auth=(user, password)"),
        (kubo_error('unrecognized option "cid-codec"', 400, 1), 400, "Kubo >= 0.13"),
        (kubo_error("something broke"), 500, "ipfs log tail"),
    ],
)
def test_http_errors_become_actionable_errors(kubo: FakeKubo, reply: httpx.Response, status: int, hint: str) -> None:
    kubo.routes["version"] = lambda r: reply
    with kubo.store() as store, pytest.raises(IpfsApiError) as exc:
        store.version()
    assert exc.value.status_code == status
    assert hint in str(exc.value)
    assert exc.value.endpoint == ENDPOINT


def test_error_message_of_the_node_is_kept(kubo: FakeKubo) -> None:
    kubo.routes["version"] = lambda r: kubo_error("something broke")
    with kubo.store() as store, pytest.raises(IpfsApiError) as exc:
        store.version()
    assert exc.value.node_message == "something broke"
    assert exc.value.to_dict()["node_message"] == "something broke"


def test_garbage_replies(kubo: FakeKubo) -> None:
    kubo.routes["version"] = lambda r: httpx.Response(200, text="<html>gateway</html>")
    with kubo.store() as store, pytest.raises(IpfsApiError, match="not JSON"):
        store.version()
    kubo.routes["add"] = lambda r: ndjson({"Name": "data", "Bytes": 12})
    with kubo.store() as store, pytest.raises(IpfsApiError, match="no CID"):
        store.add(HELLO)


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        (httpx.ReadTimeout("timed out"), IpfsTimeoutError),
        (httpx.ConnectTimeout("timed out"), IpfsUnreachableError),
        (httpx.ConnectError("[Errno 111] Connection refused"), IpfsUnreachableError),
        (httpx.RemoteProtocolError("peer closed connection"), IpfsApiError),
    ],
)
def test_transport_failures(exception: Exception, expected: type[Exception]) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception

    with KuboStore(ENDPOINT, transport=httpx.MockTransport(fail), timeout=5) as store, pytest.raises(expected):
        store.get(HELLO_V0)


def test_deadline_exceeded_from_kubo_is_a_timeout(kubo: FakeKubo) -> None:
    kubo.routes["block/get"] = lambda r: kubo_error("context deadline exceeded")
    with kubo.store() as store, pytest.raises(IpfsTimeoutError, match="did not answer"):
        store.get(HELLO_V0)


def test_a_dead_node_says_how_to_start_one() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with KuboStore(f"http://127.0.0.1:{port}", timeout=5) as store, pytest.raises(IpfsUnreachableError) as exc:
        store.version()
    text = str(exc.value)
    assert f"IPFS node at http://127.0.0.1:{port} is not reachable" in text
    assert "ipfs daemon" in text
    assert "novacron-chain ipfs serve" in text
    assert "blockchain.ipfs_endpoint" in text


def test_credentials_are_sent(kubo: FakeKubo) -> None:
    kubo.routes["version"] = lambda r: httpx.Response(200, json={"Version": "0.30.0"})
    with kubo.store(auth=("project", "secret")) as store:
        store.version()
    assert kubo.requests[0].headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("http://127.0.0.1:5001/", "http://127.0.0.1:5001"),
        ("http://127.0.0.1:5001/api/v0/", "http://127.0.0.1:5001"),
        ("localhost:5001", "http://localhost:5001"),
        ("https://ipfs.example.com:5001", "https://ipfs.example.com:5001"),
        ("/ip4/127.0.0.1/tcp/5001", "http://127.0.0.1:5001"),
        ("/ip6/::1/tcp/5001/http", "http://[::1]:5001"),
        ("/dns4/ipfs.example.com/tcp/443/https", "https://ipfs.example.com:443"),
    ],
)
def test_endpoint_forms(given: str, expected: str) -> None:
    assert normalize_endpoint(given) == expected


@pytest.mark.parametrize("bad", ["ftp://example.com", "http://", "::::"])
def test_bad_endpoint(bad: str) -> None:
    with pytest.raises(StorageValueError, match="not an IPFS RPC endpoint"):
        KuboStore(bad)


def test_every_call_is_a_post(kubo: FakeKubo) -> None:
    cid = compute_cid(HELLO, cid_version=1)
    kubo.routes.update(
        {
            "version": lambda r: httpx.Response(200, json={"Version": "0.30.0"}),
            "add": lambda r: ndjson({"Name": "data", "Hash": HELLO_V0, "Size": "20"}),
            "block/get": lambda r: httpx.Response(200, content=HELLO),
            "block/put": lambda r: ndjson({"Key": cid, "Size": 12}),
            "block/stat": lambda r: httpx.Response(200, json={"Key": cid, "Size": 12}),
            "pin/add": lambda r: httpx.Response(200, json={"Pins": [cid]}),
            "pin/rm": lambda r: httpx.Response(200, json={"Pins": [cid]}),
            "pin/ls": lambda r: ndjson({"Cid": cid, "Type": "recursive"}),
            "repo/gc": lambda r: ndjson(),
        }
    )
    with kubo.store() as store:
        store.version()
        store.add(HELLO)
        store.get(cid)
        store.put_block(HELLO)
        store.has(cid)
        store.pin(cid)
        store.unpin(cid)
        store.pins()
        store.gc()
        assert store.verify(cid).ok
    assert {r.method for r in kubo.requests} == {"POST"}
    assert len(kubo.requests) == 10
