"""The /api/v0 server, spoken to as Kubo's clients do (plain HTTP, curl-like and Go-client-like requests)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from novacron_chain.errors import StorageError
from novacron_chain.storage import EmbeddedStore, IpfsApiServer, StorageValueError, compute_cid
from novacron_chain.storage._cid import RAW, Cid

from ._vectors import FULL, KIB256, content
from .conftest import block_path, damage

HELLO = b"hello world\n"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


@pytest.fixture
def server(embedded_store: EmbeddedStore) -> Iterator[IpfsApiServer]:
    with IpfsApiServer(embedded_store, port=0) as srv:
        yield srv


@pytest.fixture
def http(server: IpfsApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v0/", timeout=20) as client:
        yield client


def lines(response: httpx.Response) -> list[dict[str, object]]:
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def test_add_like_curl(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    response = http.post("add", files={"file": ("hello.txt", HELLO)})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert lines(response) == [{"Name": "hello.txt", "Hash": HELLO_V0, "Size": "20"}]
    assert embedded_store.pins() == [HELLO_V0]


def test_add_like_the_go_client_with_a_chunked_body(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    """Kubo's Go client streams the multipart body with chunked encoding and writes an Abspath header."""
    data = content(KIB256 + 1)
    boundary = "8f1c0de5b1b34e7a"
    head = (
        f"--{boundary}\r\n"
        "Abspath: /home/op/vm%2F1.img\r\n"
        'Content-Disposition: form-data; name="file"; filename="vm-1.img"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for i in range(0, len(data), 10_000):  # odd-sized pieces, across chunk boundaries
            yield data[i : i + 10_000]
        yield f"\r\n--{boundary}--\r\n".encode()

    response = http.post(
        "add",
        params={"cid-version": "1", "raw-leaves": "false", "progress": "false", "stream-channels": "true"},
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 200, response.text
    cid, size = FULL[(1, False)][KIB256 + 1]
    assert lines(response) == [{"Name": "vm-1.img", "Hash": cid, "Size": str(size)}]
    assert embedded_store.get(cid) == data


def test_add_several_files_and_output_modes(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    files = [("file", ("a", b"A")), ("file", ("b", b"B"))]
    assert [line["Hash"] for line in lines(http.post("add", files=files))] == [compute_cid(b"A"), compute_cid(b"B")]
    assert [line["Name"] for line in lines(http.post("add", params={"quieter": "true"}, files=files))] == ["b"]
    assert http.post("add", params={"silent": "true"}, files=files).text == ""


def test_add_only_hash_stores_nothing(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    response = http.post("add", params={"only-hash": "true", "cid-version": "1"}, files={"file": ("x", HELLO)})
    assert lines(response)[0]["Hash"] == compute_cid(HELLO, cid_version=1)
    assert not embedded_store.has(compute_cid(HELLO, cid_version=1))
    assert embedded_store.pins() == []


@pytest.mark.parametrize(
    ("params", "files", "message"),
    [
        ({"chunker": "rabin"}, {"file": ("x", b"x")}, "chunker 'rabin' is not supported"),
        ({"trickle": "true"}, {"file": ("x", b"x")}, 'option "trickle" is not supported'),
        ({"wrap-with-directory": "true"}, {"file": ("x", b"x")}, "wrap-with-directory"),
        ({"hash": "blake2b-256"}, {"file": ("x", b"x")}, "sha2-256"),
        ({}, {"file": ("dir%2Fx", b"x")}, "directories are not supported"),
        ({"pin": "maybe"}, {"file": ("x", b"x")}, 'option "pin" must be true or false'),
    ],
)
def test_add_refuses_what_it_does_not_do(
    http: httpx.Client, embedded_store: EmbeddedStore, params: dict[str, str], files: object, message: str
) -> None:
    response = http.post("add", params=params, files=files)  # type: ignore[arg-type]
    assert response.status_code == 400
    body = response.json()
    assert message in body["Message"]
    assert (body["Code"], body["Type"]) == (1, "error")
    assert embedded_store.pins() == []


def test_add_without_multipart(http: httpx.Client) -> None:
    response = http.post("add", content=b"raw body")
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["Message"]


def test_a_truncated_upload_is_a_bad_request(server: IpfsApiServer, embedded_store: EmbeddedStore) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n' + b"x" * 1000
    request = (
        b"POST /api/v0/add HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: %d\r\n\r\n" % (len(body) + 500)
    ) + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)  # the client gives up half way
        reply = b"".join(iter(lambda: sock.recv(65536), b""))
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"bad request body" in reply
    assert embedded_store.pins() == []


def test_cat_streams_with_offset_and_length(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    data = content(3 * KIB256 + 7)
    cid = embedded_store.add(data).cid
    response = http.post("cat", params={"arg": cid})
    assert response.status_code == 200
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert response.content == data
    part = http.post("cat", params={"arg": cid, "offset": str(KIB256 - 2), "length": "5"})
    assert part.content == data[KIB256 - 2 : KIB256 + 3]


def test_cat_of_missing_content(http: httpx.Client) -> None:
    response = http.post("cat", params={"arg": HELLO_V0})
    assert response.status_code == 500
    body = response.json()
    assert body["Type"] == "error"
    assert body["Message"] == f"block was not found locally (offline): ipld: could not find {HELLO_V0}"


def test_cat_cuts_the_stream_at_a_damaged_block(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    data = content(3 * KIB256, b"cut")
    added = embedded_store.add(data, cid_version=1)
    damage(block_path(embedded_store.path, compute_cid(data[KIB256 : 2 * KIB256], cid_version=1)))
    # The first block already went out with status 200: the connection is cut before the closing chunk,
    # so no client can mistake the bytes so far for the file.
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("cat", params={"arg": added.cid})


def test_missing_argument(http: httpx.Client) -> None:
    response = http.post("cat")
    assert response.status_code == 400
    assert response.json() == {"Message": 'argument "ipfs-path" is required', "Code": 1, "Type": "error"}


def test_invalid_cid_is_a_client_error(http: httpx.Client) -> None:
    response = http.post("block/get", params={"arg": "not-a-cid"})
    assert response.status_code == 400
    assert "not a usable CID" in response.json()["Message"]


def test_block_put_get_stat(http: httpx.Client) -> None:
    put = http.post("block/put", files={"data": ("blob", b"abc")})
    assert lines(put) == [{"Key": compute_cid(b"abc", cid_version=1), "Size": 3}]
    key = str(lines(put)[0]["Key"])
    assert http.post("block/get", params={"arg": key}).content == b"abc"
    assert http.post("block/stat", params={"arg": key}).json() == {"Key": key, "Size": 3}
    node = b"\x0a\x02\x08\x01"
    v0 = http.post("block/put", params={"format": "v0"}, files={"data": ("blob", node)})
    assert lines(v0)[0]["Key"] == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
    v1 = http.post("block/put", params={"cid-codec": "dag-pb"}, files={"data": ("blob", node)})
    assert lines(v1)[0]["Key"] == str(Cid.parse("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn").to_v1())
    big = http.post("block/put", files={"data": ("blob", b"\0" * (1024 * 1024 + 1))})
    assert big.status_code == 400
    assert "over 1MiB" in big.json()["Message"]


def test_pins_over_http(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    cid = embedded_store.add(HELLO, pin=False).cid
    assert http.post("pin/add", params={"arg": cid}).json() == {"Pins": [cid]}
    assert http.post("pin/ls", params={"type": "recursive"}).json() == {
        "Keys": {cid: {"Type": "recursive", "Name": ""}}
    }
    assert lines(http.post("pin/ls", params={"stream": "true"})) == [{"Cid": cid, "Type": "recursive", "Name": ""}]
    assert http.post("pin/ls", params={"arg": cid}).json()["Keys"] == {cid: {"Type": "recursive", "Name": ""}}
    assert http.post("pin/ls", params={"type": "direct"}).json() == {"Keys": {}}
    assert http.post("pin/rm", params={"arg": cid}).json() == {"Pins": [cid]}
    again = http.post("pin/rm", params={"arg": cid})
    assert (again.status_code, again.json()["Message"]) == (500, "not pinned or pinned indirectly")
    not_pinned = http.post("pin/ls", params={"arg": cid})
    assert (not_pinned.status_code, not_pinned.json()["Message"]) == (500, f"path '{cid}' is not pinned")
    assert http.post("pin/add", params={"arg": cid, "recursive": "false"}).status_code == 400


def test_repo_gc_over_http(http: httpx.Client, embedded_store: EmbeddedStore) -> None:
    cid = embedded_store.add(HELLO, pin=False).cid
    response = http.post("repo/gc")
    assert response.status_code == 200
    assert lines(response) == [{"Key": {"/": str(Cid(1, RAW, Cid.parse(cid).multihash))}}]
    assert not embedded_store.has(cid)


def test_version(http: httpx.Client) -> None:
    body = http.post("version").json()
    assert set(body) >= {"Version", "Commit", "Repo", "System", "Golang"}


def test_only_post(http: httpx.Client) -> None:
    response = http.get("version")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_unknown_command(http: httpx.Client) -> None:
    response = http.post("swarm/peers")
    assert (response.status_code, response.text) == (404, "404 page not found\n")


def test_browser_origins_are_refused(http: httpx.Client, server: IpfsApiServer) -> None:
    evil = http.post("repo/gc", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    same = http.post("version", headers={"Origin": server.url})
    assert same.status_code == 200


def test_refuses_to_serve_beyond_loopback(embedded_store: EmbeddedStore) -> None:
    with pytest.raises(StorageValueError, match="no authentication"):
        IpfsApiServer(embedded_store, host="0.0.0.0")


def test_port_in_use(embedded_store: EmbeddedStore, server: IpfsApiServer) -> None:
    with pytest.raises(StorageError, match="another IPFS daemon may use this port"):
        IpfsApiServer(embedded_store, port=server.port)


def test_serve_api_runs_until_interrupted(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = (
        "import sys; from novacron_chain.storage import EmbeddedStore, serve_api; "
        f"serve_api(EmbeddedStore(sys.argv[1]), port={port})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "s")], env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                version = httpx.post(f"http://127.0.0.1:{port}/api/v0/version", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        assert version.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_keep_alive_survives_bodies_the_command_does_not_read(server: IpfsApiServer) -> None:
    """Whatever is left of a body (a multipart epilogue, a body sent to `version`) must not be read as the next
    request on the same connection."""
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\nhello\r\n--b--\r\nepilogue'
    add = (
        b"POST /api/v0/add HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    ) + body
    version = b"POST /api/v0/version HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\nignored"
    last = b"POST /api/v0/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(add + version + last)
        reply = b"".join(iter(lambda: sock.recv(65536), b""))
    assert reply.count(b"HTTP/1.1 200 OK") == 3, reply
    assert compute_cid(b"hello").encode() in reply
