"""``novacron-chain serve --api`` as a real process: uvicorn on a free loopback port, problems over real HTTP, a clean
stop on SIGTERM; and ``--help`` never imports the web stack."""

from __future__ import annotations

import json
import os
import signal
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
    import socket

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
