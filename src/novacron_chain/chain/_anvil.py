"""A real local node: anvil (npm ``@foundry-rs/anvil-linux-amd64``) on a free loopback port.

Always with ``--prune-history 128`` (without it anvil 1.7.1 stalled after ~4k blocks, then leaked memory; with no count
it keeps only the latest state, and calls racing a new block fail) and a
temporary ``HOME`` (anvil writes state snapshots under ``$HOME/.foundry``). Stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from ..errors import ChainError

__all__ = ["AnvilNode", "find_anvil"]

ANVIL_ENV = "NOVACRON_ANVIL"
_NPM_BIN = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")


def find_anvil() -> str:
    """Path of the anvil binary: ``$NOVACRON_ANVIL``, ``node_modules`` here or above, the package's checkout, PATH."""
    if env := os.environ.get(ANVIL_ENV):
        return env
    starts = [Path.cwd(), Path(__file__).resolve()]
    for start in starts:
        for d in [start, *start.parents]:
            if (d / _NPM_BIN).is_file():
                return str(d / _NPM_BIN)
    if found := shutil.which("anvil"):
        return found
    raise ChainError(
        "anvil is not installed",
        hint=f"run `npm ci` in the project checkout, or set {ANVIL_ENV} to an anvil binary",
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AnvilNode:
    """An anvil process; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        *,
        port: int | None = None,
        chain_id: int = 31337,
        block_time: float | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.port = port or _free_port()
        self.chain_id = chain_id
        self.block_time = block_time
        self.extra_args = extra_args
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._home: tempfile.TemporaryDirectory[str] | None = None

    @property
    def pid(self) -> int | None:
        """PID of the running process, or None."""
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 20.0) -> AnvilNode:
        """Start anvil and wait until it answers JSON-RPC."""
        binary = find_anvil()
        self._home = tempfile.TemporaryDirectory(prefix="novacron-anvil-")
        args = [
            binary,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--prune-history",
            "128",  # states kept in memory: bounded memory, yet recent blocks stay queryable
            "--silent",
        ]
        if self.block_time:
            args += ["--block-time", str(self.block_time)]
        args += list(self.extra_args)
        env = {**os.environ, "HOME": self._home.name}
        self._proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = (self._proc.stderr.read() if self._proc.stderr else b"").decode(errors="replace")
                self.stop()
                raise ChainError(f"anvil exited at start (code {self._proc.returncode}): {err.strip()[:500]}")
            try:
                if httpx.post(self.url, json=body, timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise ChainError(f"anvil did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the process (terminate, then kill) and remove its temporary HOME."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc is not None and self._proc.stderr:
            self._proc.stderr.close()
        if self._home is not None:
            self._home.cleanup()
            self._home = None

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
