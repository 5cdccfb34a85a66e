"""``novacron-chain serve --api`` as a real process: uvicorn on a free loopback port, problems over real HTTP, a clean
stop on SIGTERM; and ``--help`` never imports the web stack."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest


def _cli(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "novacron_chain.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _json_document(proc: subprocess.Popen[str], timeout: float) -> dict[str, str]:
    """The JSON object ``--json`` prints (indented: up to its closing brace), or fail after ``timeout``."""
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.rstrip() == "}":
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines or lines[-1].rstrip() != "}":
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"serve --api printed no URL within {timeout}s; stdout {lines!r}; stderr:\n{err}")
    out: dict[str, str] = json.loads("".join(lines))
    return out


@pytest.mark.slow
def test_serve_api_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "chain")  # a persistent embedded chain: its data dir lock must be released at exit
    made = _cli("--data-dir", data_dir, "--json", "api-key", "create", "--scope", "write")
    key = json.loads(made.communicate(timeout=60)[0])["key"]
    proc = _cli("--data-dir", data_dir, "--json", "serve", "--api", "--port", "0")
    try:
        info = _json_document(proc, 60)
        url = info["api_url"]
        assert url.startswith("http://127.0.0.1:")  # loopback by default
        assert info["docs_url"] == f"{url}/docs"
        health = httpx.get(f"{url}/healthz", timeout=10)
        assert health.status_code == 200
        assert health.json()["ok"] is True
        assert httpx.get(f"{url}/openapi.json", timeout=10).json()["info"]["title"] == "NovaCron Chain API"
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 200
        # nothing is deployed on this fresh chain: the server's state, not the request, is at fault
        missing = httpx.get(f"{url}/vms/vm-1", timeout=10)
        assert missing.status_code == 503
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["error"] == "ContractError"
        assert missing.json()["hint"] == "run `novacron-chain deploy` first"
        bad = httpx.get(f"{url}/accounts/0xnope/balances", timeout=10)
        assert bad.status_code == 400
        # writes: refused without the key the CLI made for this data dir; with it, the chain's state answers
        record = {"vm_id": "vm-1", "state": "Running", "region": "r", "cpu_allocation": 1, "memory_allocation": 1}
        assert httpx.post(f"{url}/state/records", json=record, timeout=10).status_code == 401
        keyed = httpx.post(f"{url}/state/records", json=record, headers={"X-API-Key": key}, timeout=10)
        assert keyed.status_code == 503, keyed.text
        assert keyed.json()["hint"] == "run `novacron-chain deploy` first"
        assert httpx.get(f"{url}/readyz", timeout=10).status_code == 503
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert out == ""
    after = _cli("--data-dir", data_dir, "--json", "status")
    status_out, status_err = after.communicate(timeout=60)
    assert after.returncode == 0, status_err  # the chain was closed: nothing holds its data dir
    assert json.loads(status_out)["network"] == "embedded"


def test_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _cli("--network", "embedded:memory", "serve", "--api", "--port", str(port))
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in err
    assert "Traceback" not in err


def test_help_does_not_import_the_web_stack() -> None:
    code = (
        "import sys\n"
        "from novacron_chain.cli._app import main\n"
        "assert main(['--help']) == 0\n"
        "assert main(['serve', '--help']) == 0\n"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'novacron_chain.api') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "--api" in result.stdout


def test_keep_alive_responses_are_not_delayed(api_nova: object) -> None:
    """The listening socket says it is TCP, so asyncio sets TCP_NODELAY on each connection: without it a keep-alive
    response waited ~40 ms for the client's delayed ACK (Nagle)."""
    import statistics
    import time

    from novacron_chain.api import serve_api
    from novacron_chain.api._server import _bind

    sock = _bind("127.0.0.1", 0)
    assert sock.proto == socket.IPPROTO_TCP
    sock.close()
    started = threading.Event()
    urls: list[str] = []

    def on_started(url: str) -> None:
        urls.append(url)
        started.set()

    server = threading.Thread(
        target=serve_api, args=(api_nova,), kwargs={"port": 0, "seconds": 8, "on_started": on_started}, daemon=True
    )
    server.start()
    assert started.wait(30)
    samples = []
    with httpx.Client(base_url=urls[0], timeout=10) as c:
        for _ in range(30):
            t = time.perf_counter()
            assert c.get("/healthz").status_code == 200
            samples.append(time.perf_counter() - t)
    assert statistics.median(samples) < 0.03, samples
