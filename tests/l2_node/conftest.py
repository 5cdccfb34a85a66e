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

import os
import random
import shutil
import socket
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
from tests._procs import Proc
from tests._support import wait_until as wait_until  # the tests import it from here

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

    def verifier(self, *args: str, account: int = 5, extra_env: dict[str, str] | None = None) -> Proc:
        proc = Proc(
            "verifier",
            ["--account", str(account), "l2", "verify", "--poll-interval", "0.3", *args],
            self.env("verifier"),
            self.tmp / "verifier.log",
        )
        self.procs.append(proc)
        self.started.append(proc)
        return proc.start(extra_env)

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


def deposit_credited(rollup: Rollup, amount: int) -> dict[str, Any]:
    """Deposit ``amount`` CPU from dev account 0 (the test process's key) and wait until L2 credits it; her L2
    account (index, nonce, balances)."""
    l2 = rollup.l2
    l2.deposit("CPU", amount)
    account: dict[str, Any] = wait_until(
        "the deposit to be credited",
        lambda: (a := l2.account(DEV[0].address)) is not None and int(a["balances"][0]) > 0 and a,
        WAIT,
        rollup.logs,
    )
    return account


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
