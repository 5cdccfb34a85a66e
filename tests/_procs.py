"""A ``novacron-chain`` CLI command run as a real separate process, as the multi-process tests run their nodes
(validators, aggregators, L2 sequencers and verifiers): ``python -m novacron_chain.cli --json ARGS`` with its own
environment, its JSON lines on stdout, its logs in a file, in its own process group."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests._support import wait_until

__all__ = ["Proc"]


@dataclass
class Proc:
    """One CLI process: JSON lines on stdout (read by a pump into :attr:`lines`), logs in a file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    _partial: bytes = b""

    def spawn(self, extra_env: dict[str, str] | None = None) -> Proc:
        """Start the process without waiting for it (several can start in parallel); :meth:`ready` waits."""
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "novacron_chain.cli", "--json", *self.args],
                env={**self.env, **(extra_env or {})},
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: its workers are killed with it at teardown
            )
        self.lines = []
        self._partial = b""
        return self

    def ready(self, timeout: float = 60.0) -> Proc:
        """Wait for the process's ``started`` line; the test fails if the process exits first or none comes."""
        started = wait_until(f"{self.name} to start", lambda: self.find("started") or self._dead(), timeout, self.tail)
        assert started is not True, f"{self.name} exited at start:\n{self.tail()}"
        return self

    def start(self, extra_env: dict[str, str] | None = None, timeout: float = 60.0) -> Proc:
        """:meth:`spawn`, then :meth:`ready`."""
        return self.spawn(extra_env).ready(timeout)

    @property
    def started(self) -> dict[str, Any]:
        """The process's ``started`` line (its URLs, say); empty until it came."""
        return self.find("started") or {}

    def _dead(self) -> bool:
        self.pump()
        return self.popen is not None and self.popen.poll() is not None and not self.find("started")

    def pump(self) -> None:
        """Read every complete JSON line available now (raw reads: a buffered ``readline`` would keep lines that
        arrived together in its buffer, out of ``select``'s sight)."""
        if self.popen is None or self.popen.stdout is None or self.popen.stdout.closed:
            return
        fd = self.popen.stdout.fileno()
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self._partial += chunk
        *complete, self._partial = self._partial.split(b"\n")
        for line in complete:
            try:
                self.lines.append(dict(json.loads(line)))
            except ValueError:
                continue

    def find(self, event: str, **match: Any) -> dict[str, Any] | None:
        self.pump()
        for line in self.lines:
            if line.get("event") == event and all(line.get(k) == v for k, v in match.items()):
                return line
        return None

    def all(self, event: str) -> list[dict[str, Any]]:
        self.pump()
        return [line for line in self.lines if line.get("event") == event]

    def kill9(self) -> None:
        """SIGKILL the CLI process only (a crash of the node process; its recovery workers must notice)."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)
        if self.popen.stdout is not None:
            self.popen.stdout.close()

    def stop(self, grace: float = 60.0) -> int | None:
        """SIGTERM (the commands treat it as Ctrl-C), then SIGKILL after ``grace`` seconds; the exit code."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self.pump()
        if self.popen.stdout is not None and not self.popen.stdout.closed:
            self.popen.stdout.close()
        return self.popen.returncode

    def group(self) -> list[int]:
        """PIDs still alive in the process's group (the group outlives its leader while a worker lives)."""
        if self.popen is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.popen.pid and fields[0] != "Z":  # pgrp; zombies are dead already
                    pids.append(int(stat.parent.name))
        return pids

    def reap(self) -> None:
        """SIGKILL whatever is left of the process's group; never raises."""
        if self.popen is None:
            return
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            if self.popen.poll() is None:
                self.popen.kill()
                self.popen.wait(timeout=10)
        if self.group():
            with contextlib.suppress(OSError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        if self.popen.stdout is not None and not self.popen.stdout.closed:
            self.popen.stdout.close()

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])
