"""Fixtures of the L2 node tests: a fresh anvil with the resource tokens and the rollup deployed, and the CLI
processes (``novacron-chain l2 run`` / ``l2 verify``) as real separate Python processes talking to anvil over
JSON-RPC and to each other over HTTP on loopback.

Each process gets its own data dir with a copy of the deployments record (no shared event cache) and reads the same
configuration from ``NOVACRON_*`` variables: a short force-inclusion delay, a challenge period the tests pass with
``evm_increaseTime`` (never by waiting).

Determinism on a loaded 2-core CI machine (these tests once failed 4 at a time right after a benchmark run):

* ports come from below the kernel's ephemeral range (:func:`free_port`): a port taken from that range is free when
  chosen, but any outgoing connection on the machine may take it as its local port before the sequencer binds it
  seconds later, and then the bind fails (``EADDRINUSE``, ``SO_REUSEADDR`` or not);
* every process runs in its own process group, killed as a whole at teardown, so nothing (recovery workers of a
  ``kill -9``-ed sequencer included) outlives its test;
* no wall-clock race with the rollup's clock: the challenge period is long enough that a batch never turns final
  while a slow machine is still looking at it as "posted" (the tests move L1 time instead);
* every wait has a deadline (:func:`wait_until`) and fails with the processes' logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from novacron_chain import NovaChain, load_config, tokens
from novacron_chain.chain import AnvilNode, Signer, dev_signers
from novacron_chain.l2 import L2Manager, deploy_steps, sign_transfer
from novacron_chain.l2._codec import encode_op
from novacron_chain.l2._pool import wire_bytes
from tests._support import wait_until

CHALLENGE = 120  # seconds: only ever passed with `rollup.mine(seconds=...)`; see the module docstring
SEQUENCER_ACCOUNT = 9  # dev account posting batches (PROPOSER_ROLE); the test process sends as dev account 0
FORCE_BLOCKS = 8
WAIT = 90.0  # bound of one wait for the nodes: generous for a loaded 2-core machine; a passing test never waits it out
WHOLE = 10**18
MINTER_ROLE = Web3.keccak(text="MINTER_ROLE")


_HANDED_OUT: set[int] = set()  # never the same port twice in a session (the endpoint is not bound when anvil starts)


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def free_port() -> int:
    """A loopback port free now, outside the ephemeral range when possible.

    ``bind(0)`` returns a port of the ephemeral range, which the kernel also hands out as the local port of every
    outgoing connection (and of every other process's ``bind(0)``): in the seconds between choosing the sequencer's
    port and its process binding it, a connection to anvil (or a benchmark's churn of connections) may take it, and
    a client socket holding a port, even in TIME_WAIT, makes a server's bind on it fail. Below the range only
    explicit binds compete; the bind here checks that none holds it now."""
    low = _ephemeral_low()
    rng = random.SystemRandom()
    if low > 11024:
        for _ in range(100):
            port = rng.randrange(low - 10000, low)
            if port in _HANDED_OUT:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _HANDED_OUT.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    _HANDED_OUT.add(port)
    return port


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

    def start(self, extra_env: dict[str, str] | None = None, timeout: float = 60.0) -> Proc:
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
        started = wait_until(f"{self.name} to start", lambda: self.find("started") or self._dead(), timeout, self.tail)
        assert started is not True, f"{self.name} exited at start:\n{self.tail()}"
        return self

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


@dataclass
class Rollup:
    """A fresh anvil with the rollup deployed, the deployer's NovaChain and L2 manager, and a way to start the
    node processes."""

    anvil: AnvilNode
    nc: NovaChain
    tmp: Path
    endpoint: str
    procs: list[Proc] = field(default_factory=list)
    started: list[Proc] = field(default_factory=list)  # every process ever started (reaped at teardown)

    @property
    def l2(self) -> L2Manager:
        return self.nc.l2

    def env(self, name: str) -> dict[str, str]:
        data_dir = self.tmp / name
        data_dir.mkdir(exist_ok=True)
        shutil.copy(self.tmp / "deployer" / "deployments.json", data_dir / "deployments.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOVACRON_") and k != "BLOCKCHAIN_PRIVATE_KEY"}
        env.update(
            {
                "NOVACRON_NETWORK": self.anvil.url,
                "NOVACRON_DATA_DIR": str(data_dir),
                "NOVACRON_USE_LAYER2": "true",
                "NOVACRON_L2_RPC_ENDPOINT": self.endpoint,
                "NOVACRON_L2_BATCH_INTERVAL": "0.5",
                "NOVACRON_L2_WORKERS": "2",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def sequencer(self, extra_env: dict[str, str] | None = None, name: str = "sequencer") -> Proc:
        args = ["--account", str(SEQUENCER_ACCOUNT), "l2", "run"]
        proc = Proc(name, args, self.env("sequencer"), self.tmp / "sequencer.log")
        self.procs.append(proc)
        self.started.append(proc)
        return proc.start(extra_env)

    def verifier(self, *args: str, account: int = 5) -> Proc:
        proc = Proc(
            "verifier",
            ["--account", str(account), "l2", "verify", "--poll-interval", "0.3", *args],
            self.env("verifier"),
            self.tmp / "verifier.log",
        )
        self.procs.append(proc)
        self.started.append(proc)
        return proc.start()

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.procs)

    def mine(self, blocks: int = 1, seconds: int = 0) -> None:
        self.nc.chain.advance(seconds=seconds, blocks=blocks)


def fund_l1(nc: NovaChain, who: str, amount: int) -> None:
    """Mint CPU to ``who`` on L1 (the deployer is the token's admin on a dev chain)."""
    cpu = nc.contract("CPUToken")
    me = nc.chain.signer.address
    if not nc.chain.call(cpu.functions.hasRole(MINTER_ROLE, me)):
        nc.chain.transact(cpu.functions.grantRole(MINTER_ROLE, me))
    nc.chain.transact(cpu.functions.mint(who, amount))


@pytest.fixture
def rollup(tmp_path: Path) -> Iterator[Rollup]:
    """A fresh anvil on a free port, the four resource tokens and the rollup deployed (challenge period 120 s, force
    delay 8 blocks); at teardown every process is stopped (SIGTERM, then SIGKILL) and its process group killed."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    anvil = AnvilNode(port=free_port())
    try:
        anvil.start(timeout=60)
        overrides = {
            "network": anvil.url,
            "data_dir": tmp_path / "deployer",
            "use_layer2": True,
            "l2_rpc_endpoint": endpoint,
            "l2_challenge_period": CHALLENGE,
            "l2_force_inclusion_blocks": FORCE_BLOCKS,
            "l2_sequencer": dev_signers()[SEQUENCER_ACCOUNT].address,
        }
        nc = NovaChain.connect(load_config(overrides=overrides, env={}))
        r = Rollup(anvil, nc, tmp_path, endpoint)
        codes: dict[str, int | None] = {}
        try:
            bc = nc.config.blockchain
            nc.deploy(steps=[*tokens.deploy_steps(bc)[:4], *deploy_steps(bc)])
            # the sequencer's process reads the challenge period and force delay from the contracts, not the config
            yield r
        finally:
            try:
                for p in r.procs:
                    codes[p.name] = p.stop()  # SIGTERM, SIGKILL after 60 s
            finally:
                for p in r.started:
                    p.reap()
                nc.close()
        bad = {n: c for n, c in codes.items() if c not in (0, None, -9)}
        assert not bad, f"not a clean stop on SIGTERM: {bad}\n{r.logs()}"
    finally:
        anvil.stop()


def signed_transfers(
    l2: L2Manager,
    sender: Signer,
    account: int,
    start_nonce: int,
    recipients: Sequence[tuple[int | None, str]],
    amount: int,
) -> tuple[bytes, list[bytes]]:
    """Wire bytes of transfers from ``account`` to each recipient (index or None for a new account, address), with
    consecutive nonces, and each transfer's op bytes."""
    domain, toks = l2.domain(), l2.tokens()
    wires, ops = [], []
    for i, (to, to_address) in enumerate(recipients):
        op = sign_transfer(
            sender.private_key,
            domain,
            toks,
            account=account,
            to=to,
            to_address=bytes.fromhex(to_address[2:]),
            token=0,
            amount=amount,
            fee=1000,
            nonce=start_nonce + i,
        )
        encoded = encode_op(op)
        ops.append(encoded)
        wires.append(wire_bytes(encoded, start_nonce + i, op.to_address if to is not None else None))
    return b"".join(wires), ops


DEV = dev_signers()
