"""The optimistic rollup (issue 13): signed-transfer throughput through the whole sequencer pipeline, soft-confirmation
latency, L1 gas per L2 transfer under two hardforks, fraud-proof / deposit / withdrawal gas, sequencer memory with a
million funded accounts. Every ratio is against baselines measured in the same run.

    cd benchmarks && ../.venv/bin/python l2.py [--parts baselines,pipeline,gas,memory,native] [--n 40000]
        [--gas-batches 2] [--batch-ops 4096] [--accounts 1000000] [--erc20 4000] [--data-availability blobs]

* ``baselines``: secp256k1 public-key recovery with coincurve (``PublicKey.from_signature_and_message``, the
  sequencer's verification primitive) on one core and on every core at once (one spawned process per core, 2 s);
  anvil's own batched L1 ERC-20 transfer rate: ``--erc20`` ``transfer`` transactions of an OpenZeppelin ERC-20 to 64
  recipients that already hold it, signed ahead of time, sent as JSON-RPC batches of 400 to a fresh anvil (automine),
  receipts polled in batches; time from the first send to the last receipt.
* ``pipeline``: a fresh anvil (default hardfork) with the tokens and the rollup deployed, ``novacron-chain l2 run``
  as its own process (recovery workers on every core, write-ahead log with fdatasync); this process pre-signs ``--n``
  EIP-712 transfers (not timed) and sends them as binary bodies of ``--request`` transactions over ``--connections``
  concurrent HTTP connections. ``tps_soft``: transfers / time until the last one was soft-confirmed (received,
  signature recovered, executed, logged durably, answered); ``tps_posted``: until every one is in a batch mined on
  anvil. Latency per transfer = its request's round trip (p50/p99). Goals: tps >= 0.6 x the all-core recovery
  rate, >= 5 x anvil's ERC-20 rate; p99 < 100 ms. The client shares the two cores with the sequencer and anvil.
  The load pays one account (bob) unless ``--recipients N``: then N accounts round robin, so each transfer dirties
  another leaf of the state tree and its path (the segment roots are computed on the sequencer's loop); it pays from
  alice unless ``--senders S``: then S accounts round robin (VM owners paying providers: two paths per transfer),
  each connection sending for every connections-th sender so that a sender's nonces arrive in order.
* ``restart`` (with ``pipeline``): after the pipeline, the sequencer is stopped and started twice on the history just
  posted: first with no state snapshot (a replay of every batch on L1; that rebuild writes a snapshot), then from
  that snapshot (nothing to replay). Seconds from the process start to its ``started`` line, each.
* ``gas``: a fresh anvil per hardfork (``--hardfork cancun``: EIP-2028 calldata pricing; anvil's default, Bpo1 =
  Osaka with the EIP-7623 calldata floor), rollup deployed, 64 accounts funded by deposits; ``--gas-batches`` full
  batches of ``--batch-ops`` (the sequencer's ``l2_batch_max_ops``) signed transfers between them (VM-payment
  profile: 1-3 significant digits, a fee) built by the Python core and proposed; gasUsed of the receipts / transfers,
  calldata bytes per transfer; then as many blob batches (``proposeBlobBatch``: bodies in calldata, signatures in
  blobs, docs/l2-blobs.md) with their blob gas and the poster's CPU seconds per batch (packing, KZG, signing).
  On the same chains: ``proveFraud`` of a full 32-transfer segment between 64 accounts and
  (with ``memory``) between 64 accounts spread over the ``--accounts``-account tree (every Merkle proof ~log2 n
  non-default siblings); ``deposit``, ``requestWithdrawal``, ``finalizeWithdrawal``, and the L2 withdrawal's share
  of its batch (a 77-byte op).
* ``native``: the C extension (``l2/_native.c``) against the Python paths it replaces, in this process, fastest of
  30 runs each: keccak256 of 64 bytes; a segment's commit (33 dirty leaves) of a 10,000- and a 1,000,000-account
  tree; an account leaf; a worker's digest + recovery per wire transaction, and coincurve's recovery call alone on
  the same signatures (``results/l2_native.json`` when run alone).
* ``memory``: in a fresh process, the sequencer's state (``L2State``: accounts tree, leaves, address index,
  withdrawals) with ``--accounts`` funded accounts built in-process (not through the running sequencer, which would
  need a million deposits on L1), committed; RSS after the imports and after the build (``/proc/self/status``
  VmRSS, VmHWM peak). Goal: < 2 GB. Then a state snapshot of it: by a forked child (the fork is what pauses the
  sequencer's loop) and by the fallback without fork (a copy on the loop, then a thread that writes it: the longest a
  1 ms timer on another thread waited meanwhile is reported),
  writing, reading back and rebuilding the state from it (seconds each, file size).

Writes ``results/l2.json`` (``l2_gas.json`` without the pipeline, ``..._blobs.json`` with ``--data-availability
blobs``, ``..._recipientsN.json`` with ``--recipients N``); the 1-minute load average at start and end is recorded
(the machine is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from _common import save


def checksum(address: bytes) -> str:
    from novacron_chain.l2._codec import checksum as to_checksum

    return to_checksum(address)


console = Console(width=150)
HERE = Path(__file__).resolve().parent
WHOLE = 10**18
KEYED = 64  # funded accounts with keys in the gas runs
LANES = 32  # senders of the paced latency phase
MINTER_ROLE = bytes.fromhex("9f2df0fed2c77648de5860a4cc508cd0818c85b8b8a1ab4ceeef8d981c8956a6")  # keccak("MINTER_ROLE")


def _load() -> float:
    return round(os.getloadavg()[0], 2)


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _cpu_snapshot(sequencer: int, anvil: int | None) -> dict[str, float]:
    """CPU seconds so far of the sequencer's main process, its recovery workers (its child processes), this
    client process and anvil: the pipeline's cost per transfer, which a shared machine's load does not change the
    way it changes rates."""
    return {
        "sequencer": _proc_cpu(sequencer),
        "workers": sum(_proc_cpu(c) for c in _children(sequencer)),
        "client": time.process_time(),
        "anvil": _proc_cpu(anvil) if anvil else 0.0,
    }


def _machine_cpu() -> list[int]:
    """The machine's CPU time so far, in ticks: user, nice, system, idle, iowait, irq, softirq, steal (/proc/stat)."""
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def _machine_share(before: list[int], after: list[int]) -> dict[str, float]:
    """How the machine's cores spent an interval: busy (anyone's work), idle (+ iowait), steal (the hypervisor gave the
    time to another guest); fractions of all cores' time. A slow run with idle time has a stall of its own to find;
    one with steal ran on a host that was busy elsewhere."""
    d = [a - b for a, b in zip(after, before, strict=True)]
    total = sum(d) or 1
    return {
        "busy": round((d[0] + d[1] + d[2] + d[5] + d[6]) / total, 3),
        "idle": round((d[3] + d[4]) / total, 3),
        "steal": round(d[7] / total, 3),
    }


# -- baselines ----------------------------------------------------------------------------------------------------


def _recover_rate(seconds: float) -> float:
    from coincurve import PrivateKey, PublicKey

    key = PrivateKey(os.urandom(32))
    msgs = [os.urandom(32) for _ in range(256)]
    sigs = [key.sign_recoverable(m, hasher=None) for m in msgs]
    n, start = 0, time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        for m, s in zip(msgs, sigs, strict=True):
            PublicKey.from_signature_and_message(s, m, hasher=None)
        n += len(msgs)
    return n / (time.perf_counter() - start)


def recovery_baseline(seconds: float = 2.0) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    one = _recover_rate(seconds)
    one_cpu = one * (time.perf_counter() - wall0) / max(1e-9, time.process_time() - cpu0)
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        rates = pool.map(_recover_rate, [seconds] * cores)
    return {
        "cores": cores,
        "one_core_per_s": round(one),
        "all_cores_per_s": round(sum(rates)),
        "us_cpu_per_recovery": round(1e6 / one_cpu, 1),  # per CPU second actually given (shared machine)
        "load": _load(),
    }


def anvil_erc20_rate(count: int, chunk: int = 400) -> dict[str, Any]:
    import httpx
    from eth_abi import encode

    from novacron_chain import NovaChain, load_config
    from novacron_chain.chain import AnvilNode, UnsignedTx

    with AnvilNode() as node:
        with NovaChain.connect(load_config(env={}, overrides={"network": node.url})) as nc:
            chain = nc.chain
            alice = chain.dev_signer(1)
            token, _ = chain.deploy("PlainERC20", alice.address, 10**27)
            recipients = [(0x1000 + i).to_bytes(20, "big") for i in range(64)]
            for r in recipients:  # steady state: every recipient already holds the token
                chain.transact(token.functions.transfer(checksum(r), 1), sender=alice)
            nonce = chain.w3.eth.get_transaction_count(alice.address)  # type: ignore[arg-type]
            base = int(chain.w3.eth.gas_price)
            to = bytes.fromhex(str(token.address)[2:])
            selector = bytes.fromhex("a9059cbb")
            raws = [
                alice.sign_transaction(
                    UnsignedTx(
                        chain.chain_id,
                        nonce + i,
                        10**9,
                        base * 2 + 10**9,
                        80_000,
                        to,
                        0,
                        selector + encode(["address", "uint256"], [checksum(recipients[i % 64]), 1 + i]),
                    )
                )
                for i in range(count)
            ]
        client = httpx.Client(timeout=120, headers={"content-type": "application/json"})
        gas: list[int] = []
        t0 = time.perf_counter()
        for i in range(0, count, chunk):
            part = raws[i : i + chunk]
            body = [
                {"jsonrpc": "2.0", "id": j, "method": "eth_sendRawTransaction", "params": ["0x" + s.raw.hex()]}
                for j, s in enumerate(part)
            ]
            sent = client.post(node.url, content=json.dumps(body)).json()
            if not isinstance(sent, list) or any("result" not in x for x in sent):
                raise SystemExit(f"anvil refused the ERC-20 batch: {str(sent)[:300]}")
            pending = [s.hash_hex for s in part]
            while pending:
                body = [
                    {"jsonrpc": "2.0", "id": j, "method": "eth_getTransactionReceipt", "params": [h]}
                    for j, h in enumerate(pending)
                ]
                got = {x["id"]: x.get("result") for x in client.post(node.url, content=json.dumps(body)).json()}
                for rec in got.values():
                    if rec is not None:
                        if int(rec["status"], 16) != 1:
                            raise SystemExit("an ERC-20 transfer failed")
                        gas.append(int(rec["gasUsed"], 16))
                pending = [h for j, h in enumerate(pending) if got.get(j) is None]
        dt = time.perf_counter() - t0
        client.close()
    return {"transfers": count, "chunk": chunk, "tps": round(count / dt), "gas_per_transfer": gas[-1], "load": _load()}


# -- pipeline -----------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, predicate: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def _posting_rate(samples: list[tuple[float, int]], t_start: float, t_sent: float) -> dict[str, Any]:
    """The rate at which ops reached L1 over the second half of the send phase (steady state: the first batches
    only start once the first requests are in), and the backlog (ops not yet on L1) when the last was answered."""
    during = [(t, ops) for t, ops in samples if t_start + (t_sent - t_start) / 2 <= t <= t_sent]
    rate = None
    if len(during) >= 2 and during[-1][0] > during[0][0]:
        rate = round((during[-1][1] - during[0][1]) / (during[-1][0] - during[0][0]))
    at_end = max((ops for t, ops in samples if t <= t_sent), default=0)
    total = max((ops for _, ops in samples), default=0)
    return {"tps_posting_during_load": rate, "backlog_at_last_soft": total - at_end}


class _Sequencer:
    """``novacron-chain --json --account 9 l2 run`` in its own process; stdout drained by a thread."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "novacron_chain.cli", "--json", "--account", "9", "l2", "run"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        self.started = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 90
        while not self.started.wait(0.2):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                raise SystemExit(f"the sequencer did not start:\n{tail}")

    def _drain(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            if b'"started"' in line:
                self.started.set()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def _fund_cpu(nc: Any, who: str, amount: int) -> None:
    cpu = nc.contract("CPUToken")
    me = nc.chain.signer.address
    if not nc.chain.call(cpu.functions.hasRole(MINTER_ROLE, me)):
        nc.chain.transact(cpu.functions.grantRole(MINTER_ROLE, me))
    nc.chain.transact(cpu.functions.mint(who, amount))


def _deploy(nc: Any) -> None:
    from novacron_chain import tokens
    from novacron_chain.l2 import deploy_steps

    bc = nc.config.blockchain
    nc.deploy(steps=[*tokens.deploy_steps(bc)[:4], *deploy_steps(bc)])


def _restarts(seq: _Sequencer, env: dict[str, str], tmp: Path, l2: Any) -> tuple[dict[str, Any], _Sequencer]:
    """Stop the sequencer, remove its snapshots, start it twice: a replay of all of L1, then from the snapshot the
    first start wrote. Seconds to ``started`` each; the last sequencer is the caller's to stop."""
    seq.stop()
    for p in (tmp / "sequencer").rglob("snapshot-*.bin"):
        p.unlink()
    out: dict[str, Any] = {}
    for kind in ("full_replay", "from_snapshot"):
        seq.stop()
        t = time.perf_counter()
        seq = _Sequencer(env, seq.log)
        out[f"{kind}_s"] = round(time.perf_counter() - t, 2)
        status = l2._get("/v1/status")
        out[f"{kind}_started_from_batch"] = status["snapshot"]["started_from_batch"]
        out["batches"], out["ops"] = status["batches_posted"], status["ops_posted"]
    return out, seq


class _Post:
    """A lean HTTP/1.1 keep-alive client for ``POST /v1/txs`` (the load generator): one connection, request bytes
    built by hand, the answer read by its Content-Length. aiohttp's client cost ~300 µs of CPU per request here, which
    at 32-transfer requests took ~10 µs per transfer from the two cores the pipeline shares with its load; this costs
    a fraction of that, as a load generator in C (wrk) would."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> None:
        self._reader, self._writer, self._head = reader, writer, head

    @classmethod
    async def open(cls, endpoint: str) -> _Post:
        host, _, port = endpoint.removeprefix("http://").rstrip("/").rpartition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = (
            f"POST /v1/txs HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/octet-stream\r\n"
            "Accept: application/octet-stream\r\nContent-Length: "
        ).encode()
        return cls(reader, writer, head)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """Send one body; its HTTP status and answer."""
        self._writer.write(self._head + b"%d\r\n\r\n" % len(body) + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = -1
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length < 0:
            raise SystemExit(f"the sequencer answered without a Content-Length: {head[:200]!r}")
        return status, await self._reader.readexactly(length)

    def close(self) -> None:
        self._writer.close()


async def _over_connections(endpoint: str, n: int, run: Any) -> float:
    """Open ``n`` :class:`_Post` connections, then run ``await run(i, connection, started)`` on each at once; the
    seconds from ``started`` (after the connections opened) to the last one's end."""
    conns = [await _Post.open(endpoint) for _ in range(n)]
    started = time.perf_counter()
    try:
        await asyncio.gather(*(run(i, c, started) for i, c in enumerate(conns)))
    finally:
        for c in conns:
            c.close()
    return time.perf_counter() - started


def _refused(status: int, data: bytes) -> bool:
    """Whether a binary ``/v1/txs`` answer refused anything (status byte 0 = soft-confirmed, per 41 bytes)."""
    return status != 200 or any(data[i] != 0 for i in range(0, len(data), 41))


def _pct(sorted_values: list[float], q: float) -> float:
    return round(sorted_values[max(0, int(len(sorted_values) * q) - 1)] * 1000, 1)


def _paced(
    endpoint: str,
    signed: Any,
    lane_keys: list[bytes],
    lane_nonce: list[int],
    fraction: float,
    rate: float,
    paced_n: int,
    paced_request: int,
) -> dict[str, Any]:
    """Latency at a sustained load: requests of ``paced_request`` transfers on a fixed schedule at ``rate``/s,
    round-robin over LANES senders (one account each: a sender's requests go in order, so its nonces do); latency =
    answer - SCHEDULED send time (a lane held up by a slow answer counts the wait: no coordinated omission)."""
    per_lane = -(-paced_n // (paced_request * LANES))
    lanes = []
    for i, k in enumerate(lane_keys):
        lanes.append(
            [signed(lane_nonce[i] + j * paced_request, paced_request, key=k, account=2 + i) for j in range(per_lane)]
        )
        lane_nonce[i] += per_lane * paced_request
    total = per_lane * LANES * paced_request
    paced: list[tuple[float, int]] = []

    async def lane(i: int, conn: _Post, start: float) -> None:
        for j, body in enumerate(lanes[i]):
            scheduled = start + (j * LANES + i) * paced_request / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            status, data = await conn.post(body)
            if _refused(status, data):
                raise SystemExit(f"a paced transfer was refused (HTTP {status})")
            paced.append((time.perf_counter() - scheduled, len(data) // 41))

    load = _load()
    elapsed = asyncio.run(_over_connections(endpoint, LANES, lane))
    per_tx = sorted(lat for lat, k in paced for _ in range(k))
    return {
        "fraction_of_tps_soft": fraction,
        "target_tps": round(rate),
        "achieved_tps": round(total / elapsed),
        "transfers": total,
        "request_size": paced_request,
        "soft_p50_ms": _pct(per_tx, 0.5),
        "soft_p99_ms": _pct(per_tx, 0.99),
        "load": load,
    }


def pipeline(
    n: int,
    request: int,
    connections: int,
    batch_ops: int,
    paced_n: int,
    paced_request: int,
    paced_fractions: list[float],
    data_availability: str = "calldata",
    restart: bool = False,
    recipients: int = 1,
    senders: int = 1,
) -> dict[str, Any]:
    from novacron_chain import NovaChain, load_config
    from novacron_chain.chain import AnvilNode, dev_signers
    from novacron_chain.l2 import L2Error, RollupL1, address_of, decode_segment, sign_transfer
    from novacron_chain.l2._codec import encode_op
    from novacron_chain.l2._pool import wire_bytes

    tmp = Path(tempfile.mkdtemp(prefix="l2bench-"))
    endpoint = f"http://127.0.0.1:{_free_port()}"
    dev = dev_signers()
    with AnvilNode() as anvil:
        overrides = {
            "network": anvil.url,
            "data_dir": tmp / "deployer",
            "use_layer2": True,
            "l2_rpc_endpoint": endpoint,
            "l2_sequencer": dev[9].address,
        }
        nc = NovaChain.connect(load_config(overrides=overrides, env={}))
        _deploy(nc)
        (tmp / "sequencer").mkdir()
        (tmp / "sequencer" / "deployments.json").write_text((tmp / "deployer" / "deployments.json").read_text())
        # the node's settings come from here; NOVACRON_NO_EXTENSIONS (hash without the C extension) passes through
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOVACRON_") or k == "NOVACRON_NO_EXTENSIONS"}
        env.update(
            NOVACRON_NETWORK=anvil.url,
            NOVACRON_DATA_DIR=str(tmp / "sequencer"),
            NOVACRON_USE_LAYER2="true",
            NOVACRON_L2_RPC_ENDPOINT=endpoint,
            NOVACRON_L2_BATCH_MAX_OPS=str(batch_ops),
            NOVACRON_L2_BATCH_INTERVAL="1s",
            NOVACRON_L2_DATA_AVAILABILITY=data_availability,
            PYTHONUNBUFFERED="1",
        )
        seq = _Sequencer(env, tmp / "sequencer.log")
        try:
            l2 = nc.l2
            alice = dev[0]
            _fund_cpu(nc, alice.address, 10**24)
            l2.deposit("CPU", 10**24)
            _wait("the deposit", lambda: int((l2.account(alice.address) or {"balances": [0]})["balances"][0]), 60)
            domain, toks = l2.domain(), l2.tokens()
            bob = bytes.fromhex(dev[1].address[2:])

            def signed(
                start: int,
                count: int,
                *,
                key: bytes = alice.private_key,
                account: int = 0,
                new: bytes | None = None,
                targets: Sequence[tuple[int, bytes]] = ((1, bob),),
                amount: int = 10**9,
            ) -> bytes:
                # alice is account 0: the deployer (dev 0) is the fee account's address, her deposit lands there;
                # transfer ``nonce`` goes to ``new`` (a new account) or to ``targets[nonce % len(targets)]``
                wires = []
                for i in range(count):
                    nonce = start + i
                    to, to_address = (None, new) if new else targets[nonce % len(targets)]
                    op = sign_transfer(
                        key,
                        domain,
                        toks,
                        account=account,
                        to=to,
                        to_address=to_address,
                        token=0,
                        amount=amount,
                        fee=1000,
                        nonce=nonce,
                    )
                    wires.append(wire_bytes(encode_op(op), nonce, None if new else to_address))
                return b"".join(wires)

            # bob (index 1) and the paced phase's senders (indices 2..LANES+1), all created by alice
            lane_keys = [(0x1A7E + i).to_bytes(32, "big") for i in range(LANES)]
            l2.submit_wire(signed(0, 1, new=bob))
            for i, k in enumerate(lane_keys):
                l2.submit_wire(signed(1 + i, 1, new=address_of(k), amount=10**21))
            base_nonce = 1 + LANES
            # more recipients (indices LANES+2 ...): each transfer of the load touches a different account's leaf
            targets = [(1, bob)] + [(LANES + 1 + i, (0xB0B0 + i).to_bytes(20, "big")) for i in range(1, recipients)]
            for s in range(1, recipients, request):
                chunk = targets[s : s + request]
                l2.submit_wire(b"".join(signed(base_nonce + j, 1, new=a) for j, (_, a) in enumerate(chunk)))
                base_nonce += len(chunk)
            if recipients > 1:
                last = l2.account("0x" + targets[-1][1].hex())
                if last is None or int(last["index"]) != targets[-1][0]:
                    raise SystemExit(f"the recipients were not created as expected: {last}")
            # more senders (indices after the recipients), created and funded by alice: each connection owns every
            # connections-th sender, so a sender's transfers arrive in nonce order
            sender_keys = [(0x5E4D + i).to_bytes(32, "big") for i in range(senders if senders > 1 else 0)]
            first_sender = LANES + 1 + recipients
            for s in range(0, len(sender_keys), request):
                keys = sender_keys[s : s + request]
                l2.submit_wire(
                    b"".join(
                        signed(base_nonce + j, 1, new=address_of(k), amount=10**9 * (n // senders + 2) * 2)
                        for j, k in enumerate(keys)
                    )
                )
                base_nonce += len(keys)
            if sender_keys:
                last = l2.account("0x" + address_of(sender_keys[-1]).hex())
                if last is None or int(last["index"]) != first_sender + len(sender_keys) - 1:
                    raise SystemExit(f"the senders were not created as expected: {last}")
            t0 = time.perf_counter()
            if sender_keys:  # transfer g: sender g % senders (its nonce g // senders), recipient g % recipients
                streams: list[list[bytes]] = [[] for _ in range(connections)]
                for g in range(n):
                    i = g % senders
                    streams[i % connections].append(
                        signed(
                            g // senders,
                            1,
                            key=sender_keys[i],
                            account=first_sender + i,
                            targets=[targets[g % len(targets)]],
                        )
                    )
                queues = [[b"".join(st[x : x + request]) for x in range(0, len(st), request)] for st in streams]
            else:
                bodies = [signed(base_nonce + s, min(request, n - s), targets=targets) for s in range(0, n, request)]
                queues = [bodies]  # shared by the connections: one sender, whose requests go in order
            sign_s = time.perf_counter() - t0
            latencies: list[tuple[float, int]] = []
            load_at_send = _load()
            anvil_pid = anvil._proc.pid if anvil._proc is not None else None
            cpu_before = _cpu_snapshot(seq.popen.pid, anvil_pid)
            machine_before = _machine_cpu()

            async def client() -> float:
                qs: list[asyncio.Queue[bytes]] = [asyncio.Queue() for _ in queues]
                for q, bodies in zip(qs, queues, strict=True):
                    for b in bodies:
                        q.put_nowait(b)

                async def worker(c: int, conn: _Post, _start: float) -> None:
                    q = qs[c % len(qs)]
                    while not q.empty():
                        body = q.get_nowait()
                        started = time.perf_counter()
                        status, data = await conn.post(body)
                        if _refused(status, data):
                            raise SystemExit(f"a transfer was refused (HTTP {status})")
                        latencies.append((time.perf_counter() - started, len(data) // 41))

                return await _over_connections(endpoint, connections, worker)

            lag_before = (l2._get("/v1/status") or {}).get("loop_lag")
            # ops on L1 over time (status every 0.1 s, from another thread): the posting rate while the load runs
            samples: list[tuple[float, int]] = []
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.wait(0.1):
                    try:
                        s = l2._get("/v1/status")
                    except L2Error:  # the run failed and stopped the sequencer: the main thread reports why
                        return
                    if s is not None:
                        samples.append((time.perf_counter(), int(s["ops_posted"])))

            sampler = threading.Thread(target=sample, daemon=True)
            t_start = time.perf_counter()
            sampler.start()
            elapsed = asyncio.run(client())
            t_sent = time.perf_counter()
            cpu_soft = _cpu_snapshot(seq.popen.pid, anvil_pid)
            machine = _machine_share(machine_before, _machine_cpu())
            load_after_send = _load()
            expected = [(alice.address, base_nonce + (0 if sender_keys else n))]  # sender i sent ceil((n - i) / S)
            if sender_keys:
                for i in (0, senders - 1):
                    expected.append(("0x" + address_of(sender_keys[i]).hex(), -(-(n - i) // senders)))
            for who, nonce in expected:
                last = l2.account(who)
                if last is None or int(last["nonce"]) != nonce:
                    raise SystemExit(f"the sequencer holds nonce {last and last['nonce']} of {who}, expected {nonce}")

            def posted() -> bool:
                s = l2._get("/v1/status")
                return s is not None and s["pending_ops"] == 0 and s["batches_posted"] == s["batches"]

            _wait("every transfer posted", posted, 600)
            post_elapsed = elapsed + (time.perf_counter() - t_sent)
            sampling.set()
            sampler.join()
            posting = _posting_rate(samples, t_start, t_sent)
            cpu_posted = _cpu_snapshot(seq.popen.pid, anvil_pid)
            cpu_us = {
                "until_soft": {k: round((cpu_soft[k] - cpu_before[k]) * 1e6 / n, 1) for k in cpu_before},
                "until_posted": {k: round((cpu_posted[k] - cpu_before[k]) * 1e6 / n, 1) for k in cpu_before},
            }
            l1 = RollupL1(nc.chain, nc.contract("L2Rollup"), nc.contract("L2Portal"))
            batches = l1.live_batches()[1:]  # batch 0: the deposit and bob's account
            gas = sum(int(nc.chain.w3.eth.get_transaction_receipt(b.tx_hash)["gasUsed"]) for b in batches)  # type: ignore[arg-type, misc]
            ops = sum(len(decode_segment(seg)[0]) for b in batches for seg in b.segments)
            per_tx = sorted(lat for lat, k in latencies for _ in range(k))

            # latency at a sustained load: requests of paced_request transfers on a fixed schedule at paced_fraction
            # of the rate just measured, round-robin over LANES senders (one account each: a sender's requests go
            # in order, so its nonces do); latency = answer - SCHEDULED send time (a lane held up by a slow answer
            # counts the wait: no coordinated omission)
            sweep = []
            lane_nonce = [0] * LANES
            for fraction in paced_fractions:
                sweep.append(
                    _paced(
                        endpoint,
                        signed,
                        lane_keys,
                        lane_nonce,
                        fraction,
                        fraction * n / elapsed,
                        paced_n,
                        paced_request,
                    )
                )
            l2_status = l2._get("/v1/status")
            restarts = None
            if restart:
                restarts, seq = _restarts(seq, env, tmp, l2)
        finally:
            seq.stop()
            nc.close()
    return {
        **({"restart": restarts} if restarts is not None else {}),
        "transfers": n,
        "recipients": recipients,
        "senders": senders,
        "request_size": request,
        "connections": connections,
        "batch_max_ops": batch_ops,
        "sign_s": round(sign_s, 2),
        "data_availability": data_availability,
        "tps_soft": round(n / elapsed),
        "tps_posted": round(n / post_elapsed),
        **posting,
        "saturation_in_flight": connections * request,
        "soft_p50_ms_saturated": _pct(per_tx, 0.5),
        "soft_p99_ms_saturated": _pct(per_tx, 0.99),
        "paced": sweep,
        "batches": len(batches),
        "ops_per_batch": round(ops / max(1, len(batches))),
        "l1_gas_per_tx_these_batches": round(gas / ops, 1) if ops else None,
        "load": {"at_send": load_at_send, "after_send": load_after_send},
        "cpu_us_per_transfer": cpu_us,
        "machine_cpu_until_soft": machine,
        # lateness of the sequencer's 0.1 s ticker (a stalled or starved event loop), before the throughput phase
        # and after the paced phases; None for a sequencer without the probe
        "loop_lag": {"before": lag_before, "after": (l2_status or {}).get("loop_lag")},
    }


# -- memory (and the big tree a fraud proof runs on) ----------------------------------------------------------------


def _rss() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1]) * 1024
    return out


def _stall(fn: Any) -> tuple[float, float]:
    """Run ``fn`` on a thread while this one sleeps 1 ms at a time, as an idle event loop's timer would: ``(fn's
    seconds, the longest this thread waited past its 1 ms)`` -- how long a writer on a thread stalls a loop."""
    done = threading.Event()
    took = [0.0]

    def run() -> None:
        t0 = time.perf_counter()
        try:
            fn()
        finally:
            took[0] = time.perf_counter() - t0
            done.set()

    worst = 0.0
    threading.Thread(target=run).start()
    while not done.is_set():
        t0 = time.perf_counter()
        time.sleep(0.001)
        worst = max(worst, time.perf_counter() - t0 - 0.001)
    return took[0], worst


def _snapshot_times(st: Any) -> dict[str, Any]:
    """A state snapshot of ``st`` (l2._snapshot) both ways the sequencer writes one: a forked child (the loop pauses
    for the fork) and, where there is no fork, a copy on the loop written by a thread (the loop pauses for the copy;
    how long the writing thread stalls a timer is measured too); reading it back and rebuilding the state (its
    trees) from it, as a restart does; seconds each."""
    from novacron_chain.l2 import L2State
    from novacron_chain.l2._snapshot import Snapshot, fork_writer, read_snapshots, reap_writer, write_snapshot

    root = st.commit()
    meta = {"batch_index": 0, "post_root": "0x" + root.hex()}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        pid, fd = fork_writer(Path(d), meta, st.image(copy=False))
        out["fork_pause_s"] = round(time.perf_counter() - t0, 3)
        failure = reap_writer(pid, fd)
        out["fork_write_s"] = round(time.perf_counter() - t0, 2)
        if failure is not None:
            raise SystemExit(f"the forked snapshot writer failed: {failure}")
        (forked,) = read_snapshots(Path(d))
        assert isinstance(forked, Snapshot)
        forked.path.unlink()
        t0 = time.perf_counter()
        image = st.image()
        out["thread_copy_on_loop_s"] = round(time.perf_counter() - t0, 3)
        write_s, stall = _stall(lambda: write_snapshot(Path(d), meta, image))
        out["thread_write_s"] = round(write_s, 2)
        out["thread_write_loop_stall_s"] = round(stall, 3)
        size = next(Path(d).glob("snapshot-*.bin")).stat().st_size
        t0 = time.perf_counter()
        (snap,) = read_snapshots(Path(d))
        out["read_s"] = round(time.perf_counter() - t0, 2)
    assert isinstance(snap, Snapshot)
    if forked.image != snap.image:
        raise SystemExit("the forked writer and the thread wrote different states")
    t0 = time.perf_counter()
    again = L2State.from_image(st.domain, st.tokens, snap.image)
    out["rebuild_s"] = round(time.perf_counter() - t0, 2)
    if again.root != root:
        raise SystemExit("the snapshot rebuilt another state")
    return {**out, "mb": round(size / 1e6, 1)}


def _big_state(accounts: int, genesis: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: L2State with ``accounts`` funded accounts (64 keyed, spread over the tree), RSS; then a
    32-transfer segment between the keyed ones with its fraud-proof witness (the state before it)."""
    import gc

    from novacron_chain.l2 import L2State, QueueItem, QueueOp, address_of, encode_op, sign_transfer
    from novacron_chain.l2._batch import segment_witness
    from novacron_chain.l2._types import DEPOSIT, Eip712Domain

    gc.collect()
    before = _rss()
    domain = Eip712Domain(genesis["chain_id"], genesis["rollup"])
    st = L2State.genesis(genesis["fee_recipient"], domain, genesis["tokens"])
    keys = {1 + (i * 16411) % (accounts - 1): (0xB16 + i).to_bytes(32, "big") for i in range(KEYED)}
    t0 = time.perf_counter()
    sink = QueueOp(2**32 - 1)
    for i in range(1, accounts):
        k = keys.get(i)
        st.add_queue_item(QueueItem(i - 1, DEPOSIT, address_of(k) if k else i.to_bytes(20, "big"), 0, 10**21, 1))
        if st.apply(sink) is not None:
            raise SystemExit(f"account {i} was not created")
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    header = st.header()
    commit_s = time.perf_counter() - t0
    gc.collect()
    after = _rss()
    snapshot = _snapshot_times(st)
    # the fraud-proof segment (kept out of the memory figure)
    idx = sorted(keys)
    start = st.copy()
    ops = b""
    rng = random.Random(7)
    for j in range(32):
        frm, to = idx[j], idx[(j * 7 + 3) % KEYED]
        op = sign_transfer(
            keys[frm],
            domain,
            st.tokens,
            account=frm,
            to=to,
            to_address=st.address(to),
            token=0,
            amount=rng.randint(1, 999) * 10**15,
            fee=10**12,
            nonce=st.nonce(frm),
        )
        if st.apply(op) is not None:
            raise SystemExit("a fraud-segment transfer was refused")
        ops += encode_op(op)
    witness = segment_witness(start, ops, 2**32 - 1)
    return {
        "accounts": accounts,
        "build_s": round(build_s, 1),
        "commit_s": round(commit_s, 1),
        "rss_after_imports_mb": round(before["VmRSS"] / 2**20, 1),
        "rss_with_state_mb": round(after["VmRSS"] / 2**20, 1),
        "peak_rss_mb": round(after["VmHWM"] / 2**20, 1),
        "bytes_per_account": round((after["VmRSS"] - before["VmRSS"]) / accounts),
        "snapshot": snapshot,
        "load": _load(),
        "_fraud": {"pre": header, "ops": ops, "witness": witness},
    }


def memory(accounts: int, genesis: dict[str, Any]) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return dict(pool.apply(_big_state, (accounts, genesis)))


# -- gas ----------------------------------------------------------------------------------------------------------


def _node_hardfork(url: str) -> str:
    """anvil's hardfork name (``anvil_nodeInfo``), lower case."""
    import json
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_nodeInfo", "params": []}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return str(json.loads(r.read())["result"]["hardFork"]).lower()


class _GasChain:
    """A fresh anvil with the tokens and the rollup, 64 funded L2 accounts (batch 0), and the Python state."""

    def __init__(self, hardfork: str | None, tmp: Path) -> None:
        from novacron_chain import NovaChain, load_config
        from novacron_chain.chain import AnvilNode
        from novacron_chain.l2 import L2State, RollupL1

        self.anvil = AnvilNode(extra_args=("--hardfork", hardfork) if hardfork else ())
        self.anvil.__enter__()
        self.key = hardfork or "default"
        self.hardfork = hardfork or f"{_node_hardfork(self.anvil.url)} (anvil default)"
        overrides = {
            "network": self.anvil.url,
            "data_dir": tmp / (hardfork or "default"),
            "use_layer2": True,
            "l2_challenge_period": 30,
        }
        self.nc = NovaChain.connect(load_config(overrides=overrides, env={}))
        _deploy(self.nc)
        self.chain = self.nc.chain
        self.rollup, self.portal = self.nc.contract("L2Rollup"), self.nc.contract("L2Portal")
        self.l1 = RollupL1(self.chain, self.rollup, self.portal)
        self._bond()
        self.state = L2State.genesis(self.l1.fee_recipient(), self.l1.domain(), self.l1.tokens())
        self.keys = [(0xA11CE + i).to_bytes(32, "big") for i in range(KEYED)]
        self.figures: dict[str, Any] = {"hardfork": self.hardfork}

    def _bond(self) -> None:
        self.chain.transact(self.rollup.functions.depositBond(), value=10 * WHOLE)

    def genesis(self) -> dict[str, Any]:
        d = self.state.domain
        return {
            "chain_id": d.chain_id,
            "rollup": d.verifying_contract,
            "fee_recipient": self.l1.fee_recipient(),
            "tokens": self.l1.tokens(),
        }

    def close(self) -> None:
        self.nc.close()
        self.anvil.__exit__(None, None, None)

    def propose(self, batch: Any) -> tuple[int, int]:
        """Propose ``batch``: (gasUsed, calldata bytes)."""
        fn = self.rollup.functions.proposeBatch(*batch.propose_args())
        receipt = self.chain.transact(fn, gas=25_000_000, max_gas=30_000_000)
        return receipt.gas_used, len(bytes.fromhex(fn._encode_transaction_data()[2:]))

    def fund(self) -> None:
        from novacron_chain.l2 import BatchBuilder, QueueOp, address_of, encode_op

        chain, cpu = self.chain, self.nc.contract("CPUToken")
        _fund_cpu(self.nc, chain.signer.address, 10**23)
        chain.transact(cpu.functions.approve(self.portal.address, 2**255))
        gas = []
        for k in self.keys:
            r = chain.transact(self.portal.functions.deposit(cpu.address, 10**21, checksum(address_of(k))))
            gas.append(r.gas_used)
        self.figures["deposit_gas"] = {"first": gas[0], "steady": statistics.median(gas[1:])}
        for item in self.l1.queue_items(0):
            self.state.add_queue_item(item)
        b = BatchBuilder(self.state)
        while self.state.queue_processed < len(self.state.queue):
            op = QueueOp(self.state.account_count)
            if self.state.apply(op) is not None:
                raise SystemExit("a deposit was not credited")
            b.add(encode_op(op))
        self.propose(b.finish(self.state.queue_processed))

    def _transfer(self, rng: random.Random, state: Any) -> Any:
        from novacron_chain.l2 import sign_transfer

        frm = rng.randrange(1, KEYED + 1)
        to = rng.randrange(1, KEYED + 1)
        digits = rng.choice((1, 10, 100))
        return sign_transfer(
            self.keys[frm - 1],
            state.domain,
            state.tokens,
            account=frm,
            to=to,
            to_address=state.address(to),
            token=0,
            amount=rng.randint(digits, digits * 10 - 1) * 10**14,  # 1-3 significant digits (a metered minute)
            fee=rng.randint(1, 99) * 10**10,
            nonce=state.nonce(frm),
        )

    def full_batches(self, count: int, ops: int, *, blobs: bool = False) -> None:
        """``count`` full batches of ``ops`` transfers, as calldata batches or (``blobs``) blob batches."""
        from dataclasses import replace

        from novacron_chain.l2 import BatchBuilder, encode_op
        from novacron_chain.l2._blobs import blob_count

        rng = random.Random(13 + blobs)
        gas, data, opbytes, n, blob_gas, kzg_s = 0, 0, 0, 0, 0, 0.0
        if blobs:
            from novacron_chain.l2._blobs import SLOTS_PER_BLOB, load_trusted_setup

            load_trusted_setup()  # once per process (~2 s): not part of a batch's cost
            ops = max(SLOTS_PER_BLOB, ops // SLOTS_PER_BLOB * SLOTS_PER_BLOB)  # whole blobs, as the sequencer cuts
        rows = []
        for _ in range(count):
            b = BatchBuilder(self.state)
            for _ in range(ops):
                op = self._transfer(rng, self.state)
                if self.state.apply(op) is not None:
                    raise SystemExit("a benchmark transfer was refused")
                b.add(encode_op(op))
            batch = b.finish(self.state.queue_processed)
            if blobs:
                batch = replace(batch, blobs=True)
                t0 = time.process_time()  # this process's CPU: packing, KZG (in process here), signing
                receipt = self.l1.propose(batch, self.chain.signer, before_send=lambda _n, _raw: None)
                kzg_s += time.process_time() - t0
                w3 = self.chain.w3
                raw = w3.eth.get_transaction_receipt(receipt.tx_hash)  # type: ignore[arg-type]
                sent = w3.eth.get_transaction(receipt.tx_hash)  # type: ignore[arg-type]
                used, calldata = receipt.gas_used, len(bytes(sent["input"]))
                blob_gas += int(raw.get("blobGasUsed", 0))  # type: ignore[call-overload]
            else:
                used, calldata = self.propose(batch)
            rows.append(round(used / ops, 1))
            gas, data, opbytes, n = gas + used, data + calldata, opbytes + len(batch.ops), n + ops
        figures = {
            "batches": count,
            "transfers_per_batch": ops,
            "gas_per_transfer": round(gas / n, 1),
            "gas_per_transfer_by_batch": rows,
            "calldata_bytes_per_transfer": round(data / n, 2),
            "op_bytes_per_transfer": round(opbytes / n, 2),
        }
        if blobs:
            figures["blob_gas_per_transfer"] = round(blob_gas / n, 1)
            figures["poster_cpu_s_per_batch"] = round(kzg_s / count, 2)
            figures["blobs_per_batch"] = blob_count(len(batch.ends))
            figures["blob_form"] = self.l1.blob_wrapper()
        self.figures["blob_batches" if blobs else "full_batches"] = figures

    def fraud_small(self) -> None:
        from novacron_chain.l2 import Batch, BatchBuilder, encode_op, fraud_proof

        rng = random.Random(17)
        work = self.state.copy()
        b = BatchBuilder(work)
        for _ in range(32):
            op = self._transfer(rng, work)
            if work.apply(op) is not None:
                raise SystemExit("a fraud-segment transfer was refused")
            b.add(encode_op(op))
        honest = b.finish(work.queue_processed)
        bad = Batch(honest.ops, honest.ends, (b"\x01" * 32,), honest.queue_end, honest.prev_root)
        self.propose(bad)
        index = self.l1.batch_count() - 1
        proof = fraud_proof(self.state, bad, index, 0)
        r = self.chain.transact(self.rollup.functions.proveFraud(proof.as_tuple()), gas=12_000_000, max_gas=12_000_000)
        self.figures["fraud_proof_32_transfers_64_accounts"] = {"gas": r.gas_used, "witness_bytes": len(proof.witness)}
        self._bond()  # slashed whole

    def fraud_big(self, big: dict[str, Any], accounts: int) -> None:
        from novacron_chain.l2 import Batch, FraudProof, QueueOp, encode_op
        from novacron_chain.l2._batch import merkle_proof
        from novacron_chain.l2._tree import keccak

        pre, ops, witness = big["pre"], big["ops"], big["witness"]
        filler = encode_op(QueueOp(0))  # segment 0 claims the big state's root (unchallenged)
        bad = Batch(
            filler + ops, (5, 5 + len(ops)), (pre.root, b"\x02" * 32), self.state.queue_processed, self.state.root
        )
        self.propose(bad)
        index = self.l1.batch_count() - 1
        leaves = bad.leaves
        proof = FraudProof(
            batch_index=index,
            segments_root=bad.segments_root,
            segment_count=2,
            queue_end=bad.queue_end,
            segment_index=1,
            segment=ops,
            post_root=b"\x02" * 32,
            siblings=tuple(merkle_proof(leaves, 1)),
            prev_segment_hash=keccak(filler),
            pre_root=pre.root,
            prev_siblings=tuple(merkle_proof(leaves, 0)),
            pre=pre,
            witness=witness,
        )
        r = self.chain.transact(self.rollup.functions.proveFraud(proof.as_tuple()), gas=12_000_000, max_gas=12_000_000)
        if self.l1.batch_count() != index:
            raise SystemExit("the big-tree fraud proof did not delete the batch")
        self.figures[f"fraud_proof_32_transfers_{accounts}_accounts"] = {
            "gas": r.gas_used,
            "witness_bytes": len(witness),
        }
        self._bond()

    def withdrawals(self) -> None:
        from novacron_chain.l2 import BatchBuilder, encode_op, sign_withdrawal

        st, cpu = self.state, self.nc.contract("CPUToken")
        b = BatchBuilder(st)  # before the op: its prev_root is the head
        op = sign_withdrawal(
            self.keys[0], st.domain, st.tokens, account=1, token=0, amount=5 * WHOLE, fee=10**12, nonce=st.nonce(1)
        )
        if st.apply(op) is not None:
            raise SystemExit("the withdrawal was refused on L2")
        b.add(encode_op(op))
        self.propose(b.finish(st.queue_processed))
        index = self.l1.batch_count() - 1
        self.chain.advance(seconds=31)
        proof = st.withdrawal_proof(st.withdrawal_count - 1)
        w = proof.withdrawal
        fn = self.portal.functions.finalizeWithdrawal(
            index, proof.header.as_tuple(), checksum(w.recipient), w.token, w.amount, w.index, list(proof.siblings)
        )
        r = self.chain.transact(fn)
        self.figures["finalize_withdrawal_gas"] = r.gas_used
        self.figures["l2_withdrawal_op_bytes"] = len(encode_op(op))
        # forced withdrawal request (enqueued last: it would have to be included by every later batch)
        r = self.chain.transact(self.portal.functions.requestWithdrawal(cpu.address, WHOLE))
        self.figures["request_withdrawal_gas"] = r.gas_used


def gas(hardforks: list[str | None], batches: int, ops: int, accounts: int, parts: set[str]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="l2gas-"))
    chains = [_GasChain(h, tmp) for h in hardforks]
    out: dict[str, Any] = {}
    try:
        for c in chains:
            c.fund()
        genesis = chains[0].genesis()
        for c in chains[1:]:
            if c.genesis() != genesis:
                raise SystemExit("the rollups of the gas chains differ (domain, tokens): deploys diverged")
        big = None
        if "memory" in parts:
            t0 = time.perf_counter()
            mem = memory(accounts, genesis)
            big = mem.pop("_fraud")
            mem["wall_s"] = round(time.perf_counter() - t0, 1)
            out["memory"] = mem
        for c in chains:
            c.full_batches(batches, ops)
            c.full_batches(batches, ops, blobs=True)
            c.fraud_small()
            if big is not None:
                c.fraud_big(big, accounts)
            c.withdrawals()
            out[c.key] = {**c.figures, "load": _load()}
    finally:
        for c in chains:
            c.close()
    return out


# -- report -------------------------------------------------------------------------------------------------------


def _best(fn: Any, rounds: int) -> float:
    """Seconds of the fastest of ``rounds`` calls of ``fn`` (the machine is shared: the minimum is the cost)."""
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def native_paths(rounds: int = 30) -> dict[str, Any]:
    """The C extension (``l2/_native.c``) against the Python paths it replaces, in this process, fastest of
    ``rounds`` each: keccak of 64 bytes (a tree node); a segment's commit (33 dirty leaves: 32 recipients and the
    sender) of a 10,000- and a 1,000,000-account tree; an account leaf; a worker's digest + recovery per wire
    transaction against coincurve's ``PublicKey.from_signature_and_message`` on the same signatures."""
    import sha3  # type: ignore[import-untyped]
    from coincurve import PublicKey

    from novacron_chain.chain import dev_signers
    from novacron_chain.l2 import Eip712Domain, _pool, _state, _tree, encode_op, sign_transfer
    from novacron_chain.l2._codec import recover_sender

    native = _tree.NATIVE
    if native is None:
        return {"error": "the C extension is not built (NOVACRON_NO_EXTENSIONS set, or no compiler at install)"}
    out: dict[str, Any] = {}
    rng = random.Random(1)
    nodes = [rng.randbytes(64) for _ in range(20_000)]
    k256 = sha3.keccak_256
    per = 1e6 / len(nodes)
    out["keccak64_us"] = {
        "native": round(_best(lambda: [native.keccak256(x) for x in nodes], rounds // 3) * per, 3),
        "pysha3": round(_best(lambda: [k256(x).digest() for x in nodes], rounds // 3) * per, 3),
    }
    best_isa = native.TIMES4_ISA
    isas = []  # the C paths with each 4-way hashing this CPU has, and one at a time ("scalar")
    for isa in ("avx512vl", "avx2", ""):
        try:
            native.set_times4(isa)
            isas.append(isa)
        except ValueError:
            pass
    native.set_times4(best_isa)
    out["times4_isa"] = best_isa or None

    def variants() -> Any:  # (name, module): each C variant, then Python
        for isa in isas:
            native.set_times4(isa)
            yield f"native_{isa or 'scalar'}", native
        native.set_times4(best_isa)
        yield "python", None

    for accounts in (10_000, 1_000_000):
        tree = _tree.MerkleTree(32)
        for i in range(accounts):
            tree.set_leaf(i, nodes[i % len(nodes)][:32])
        tree.commit()
        row = {}
        for name, mod in variants():
            _tree.NATIVE = mod

            def segment(tree: Any = tree, n: int = accounts) -> None:
                for i in rng.sample(range(n), 33):
                    tree.set_leaf(i, nodes[i % 977][32:])
                tree.commit()

            row[name] = round(_best(segment, rounds) * 1e6, 1)
        _tree.NATIVE = native
        out[f"segment_commit_us_{accounts}"] = row
    addr, nonce, bal = [bytes(20)] * 64, [7] * 64, [[10**21 + i, 5 * 10**18, 0, 0, 0, 0, 0, 0] for i in range(64)]
    st = _state.L2State.__new__(_state.L2State)
    st._addr, st._nonce, st._bal = addr, nonce, bal
    idx = list(range(64))
    row = {}
    for name, mod in variants():
        if mod is None:
            row[name] = round(_best(lambda: [st.leaf_of(i) for i in idx], rounds) * 1e6 / 64, 2)
        else:
            row[name] = round(_best(lambda: native.account_leaves(idx, addr, nonce, bal), rounds) * 1e6 / 64, 2)
    out["account_leaf_us"] = row
    dev = dev_signers()
    domain = Eip712Domain(713713, bytes(19) + b"\x07")
    tokens = [bytes(19) + b"\x10"] + [bytes(20)] * 7
    to = bytes.fromhex(dev[2].address[2:])
    ops = [
        sign_transfer(
            dev[1].private_key,
            domain,
            tokens,
            account=1,
            to=2,
            to_address=to,
            token=0,
            amount=(1 + i % 900) * 10**15,
            fee=1000,
            nonce=i,
        )
        for i in range(256)
    ]
    blob = b"".join(_pool.wire_bytes(encode_op(op), op.nonce or 0, to) for op in ops)
    digests = [recover_sender(op, domain, tokens)[0] or b"" for op in ops]  # all recover: signed above
    sigs = []
    for op in ops:
        vs = int.from_bytes(op.signature[32:], "big")
        sigs.append(op.signature[:32] + (vs & ((1 << 255) - 1)).to_bytes(32, "big") + bytes([vs >> 255]))
    secp = _pool._SECP
    _pool._SECP = None
    _pool._RECOVER = _pool.make_fast_recover()
    py_loop = _best(lambda: _pool.digest_and_recover(blob, domain, tokens), rounds // 3)
    _pool._SECP = secp
    c_loop = _best(lambda: _pool.digest_and_recover(blob, domain, tokens), rounds // 3)
    base = _best(
        lambda: [PublicKey.from_signature_and_message(s, d, hasher=None) for s, d in zip(sigs, digests, strict=True)],
        rounds // 3,
    )
    out["worker_us_per_tx"] = {
        "native": round(c_loop * 1e6 / len(ops), 1),
        "python": round(py_loop * 1e6 / len(ops), 1),
        "coincurve_recovery_alone": round(base * 1e6 / len(ops), 1),
    }
    return out


def report(data: dict[str, Any]) -> None:
    t = Table(
        title="L2 rollup (same run; load average 1 min at start/end: "
        f"{data['load_average_1m']['start']} / {data['load_average_1m']['end']})"
    )
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_column("goal / baseline", justify="left")
    b = data.get("baselines", {})
    p = data.get("pipeline")
    if b:
        a = data.get("baselines_after_pipeline")
        after = f"; after the pipeline {a['one_core_per_s']:,} / {a['all_cores_per_s']:,}" if a else ""
        t.add_row(
            "secp256k1 recovery, 1 core / all cores",
            f"{b['one_core_per_s']:,} / {b['all_cores_per_s']:,} /s",
            f"coincurve{after}",
        )
    if "erc20" in data:
        e = data["erc20"]
        a = data.get("erc20_after_pipeline")
        after = f"; after the pipeline {a['tps']:,}/s" if a else ""
        t.add_row("anvil batched L1 ERC-20 transfers", f"{e['tps']:,} /s", f"{e['gas_per_transfer']:,} gas each{after}")
    if p:
        t.add_row(f"L2 transfers soft-confirmed ({p['data_availability']} batches)", f"{p['tps_soft']:,} /s", "")
        t.add_row("L2 transfers through posting to anvil", f"{p['tps_posted']:,} /s", "until the last is on L1")
        if p.get("tps_posting_during_load"):
            t.add_row(
                "  ops reaching L1 while the load runs (its 2nd half)",
                f"{p['tps_posting_during_load']:,} /s",
                f"backlog when the last was soft-confirmed: {p['backlog_at_last_soft']:,} ops",
            )
        r = data["ratios"]
        if "soft_vs_recovery" in r:
            t.add_row(
                f"  x recovery (all cores, higher of the two: {r['recovery_baseline_per_s']:,}/s), soft / posted",
                f"{r['soft_vs_recovery']} / {r['posted_vs_recovery']}",
                ">= 0.6",
            )
        if "soft_vs_erc20" in r:
            t.add_row(
                f"  x anvil ERC-20 rate (higher of the two: {r['erc20_baseline_per_s']:,}/s), soft / posted",
                f"{r['soft_vs_erc20']} / {r['posted_vs_erc20']}",
                ">= 5",
            )
        c = p.get("cpu_us_per_transfer", {}).get("until_posted")
        if c:
            t.add_row(
                "  CPU per transfer until posted: sequencer / workers / client / anvil",
                f"{c['sequencer']} / {c['workers']} / {c['client']} / {c['anvil']} µs",
                f"recovery {r['recovery_us_cpu']} µs CPU = {r['cpu_recovery_vs_node']} x node, "
                f"{r['cpu_recovery_vs_all']} x all four"
                if "recovery_us_cpu" in r
                else "",
            )
        m = p.get("machine_cpu_until_soft")
        if m:
            t.add_row(
                "  the machine's cores until soft-confirmed: busy / idle / steal",
                f"{m['busy']} / {m['idle']} / {m['steal']}",
                "idle: a stall of the pipeline's own; steal: the host ran another guest",
            )
        t.add_row(
            f"soft-confirmation latency p50 / p99, saturated ({p['saturation_in_flight']:,} in flight)",
            f"{p['soft_p50_ms_saturated']} / {p['soft_p99_ms_saturated']} ms",
            "= in flight / rate (Little)",
        )
        lag = p.get("loop_lag", {}).get("after")
        if lag:
            t.add_row(
                "  sequencer loop lateness (0.1 s ticker), whole run: max / ticks late by >= 20, 50, 100 ms",
                f"{lag['max_ms']} ms / {lag['over_20ms']}, {lag['over_50ms']}, {lag['over_100ms']}",
                "stalls of the loop (or CPU starvation)",
            )
        for q in p["paced"]:
            t.add_row(
                f"  paced at {q['achieved_tps']:,}/s (target {q['target_tps']:,} = {q['fraction_of_tps_soft']} x soft; "
                f"{q['request_size']}-tx requests)",
                f"{q['soft_p50_ms']} / {q['soft_p99_ms']} ms",
                "p99 < 100 ms",
            )
    for key in ("cancun", "default"):
        g = data.get("gas", {}).get(key)
        if not g:
            continue
        hf = g["hardfork"]
        fb = g["full_batches"]
        t.add_row(
            f"L1 gas per L2 transfer, {hf} ({fb['transfers_per_batch']:,}-transfer batches)",
            f"{fb['gas_per_transfer']:,}",
            "<= 1,300" + ("" if key == "cancun" else " (EIP-7623 floor applies)"),
        )
        t.add_row(
            f"  calldata bytes per transfer ({hf})",
            f"{fb['calldata_bytes_per_transfer']}",
            f"op {fb['op_bytes_per_transfer']} B",
        )
        bb = g.get("blob_batches")
        if bb:
            t.add_row(
                f"L1 gas per L2 transfer, {hf}, {bb['transfers_per_batch']:,}-transfer blob batches (signatures in "
                f"blobs, {bb['blob_form']} proofs)",
                f"{bb['gas_per_transfer']:,}",
                f"<= 1,300; + {bb['blob_gas_per_transfer']} blob gas; calldata {bb['calldata_bytes_per_transfer']} B; "
                f"poster CPU {bb['poster_cpu_s_per_batch']} s per batch of {bb['blobs_per_batch']} blobs (KZG)",
            )
        for k, v in g.items():
            if k.startswith("fraud_proof"):
                t.add_row(f"{k.replace('_', ' ')} ({hf})", f"{v['gas']:,}", f"< 3M; witness {v['witness_bytes']:,} B")
        t.add_row(
            f"deposit / requestWithdrawal / finalizeWithdrawal ({hf})",
            f"{g['deposit_gas']['steady']:,} / {g['request_withdrawal_gas']:,} / {g['finalize_withdrawal_gas']:,}",
            "",
        )
    m = data.get("gas", {}).get("memory")
    if m:
        t.add_row(
            f"sequencer state RSS, {m['accounts']:,} funded accounts (in-process L2State)",
            f"{m['rss_with_state_mb']:,} MB",
            f"< 2 GB; peak {m['peak_rss_mb']:,} MB, {m['bytes_per_account']} B/account",
        )
        sn = m.get("snapshot") or {}
        if "fork_pause_s" in sn:
            t.add_row(
                "state snapshot of it: the sequencer loop's pause (forked writer / thread fallback)",
                f"{sn['fork_pause_s']} s / {sn['thread_copy_on_loop_s']} + {sn['thread_write_loop_stall_s']} s",
                f"written in {sn['fork_write_s']} s by the child, {sn['mb']} MB; read {sn['read_s']} s, "
                f"rebuild {sn['rebuild_s']} s",
            )
    nat = data.get("native")
    if nat and "error" not in nat:
        k = nat["keccak64_us"]
        t.add_row("keccak256 of 64 bytes, C / safe-pysha3", f"{k['native']} / {k['pysha3']} µs", "fastest of runs")
        cols = [k for k in nat["account_leaf_us"] if k != "python"] + ["python"]
        names = " / ".join(c.removeprefix("native_") for c in cols)
        for n in (10_000, 1_000_000):
            c = nat[f"segment_commit_us_{n}"]
            t.add_row(f"segment commit, 33 leaves of {n:,}", " / ".join(str(c[k]) for k in cols) + " µs", names)
        a = nat["account_leaf_us"]
        t.add_row("account leaf", " / ".join(str(a[k]) for k in cols) + " µs", names)
        w = nat["worker_us_per_tx"]
        t.add_row(
            "worker digest + recovery per tx, C / Python",
            f"{w['native']} / {w['python']} µs",
            f"coincurve recovery call alone {w['coincurve_recovery_alone']} µs",
        )
    console.print(t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="baselines,pipeline,gas,memory")
    ap.add_argument("--n", type=int, default=40_000, help="transfers through the pipeline")
    ap.add_argument("--request", type=int, default=512, help="transfers per HTTP body")
    ap.add_argument("--connections", type=int, default=8, help="concurrent requests of the throughput phase")
    ap.add_argument("--paced-n", type=int, default=8192, help="transfers per paced latency phase")
    ap.add_argument("--paced-request", type=int, default=32, help="transfers per request of the paced phases")
    ap.add_argument(
        "--paced-fractions", default="0.25,0.5,0.75", help="paced rates as fractions of the measured tps_soft"
    )
    ap.add_argument("--batch-ops", type=int, default=4096, help="ops per batch (l2_batch_max_ops)")
    ap.add_argument(
        "--recipients",
        type=int,
        default=1,
        help="accounts the throughput phase pays round robin (1: all to one; more: a state-tree path per transfer)",
    )
    ap.add_argument(
        "--senders",
        type=int,
        default=1,
        help="accounts the throughput phase pays from, round robin (1: alice; more: two state-tree paths per transfer)",
    )
    ap.add_argument("--gas-batches", type=int, default=2, help="full batches per hardfork")
    ap.add_argument("--accounts", type=int, default=1_000_000, help="funded accounts of the memory/fraud tree")
    ap.add_argument("--erc20", type=int, default=4000, help="ERC-20 transfers of the anvil baseline")
    ap.add_argument(
        "--data-availability",
        choices=("calldata", "blobs"),
        default="calldata",
        help="how the pipeline's sequencer posts batches (l2_data_availability)",
    )
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    t0 = time.perf_counter()
    from novacron_chain.l2._tree import KECCAK_BACKEND

    data: dict[str, Any] = {"load_average_1m": {"start": _load()}, "keccak": KECCAK_BACKEND}
    if "baselines" in parts:
        data["baselines"] = recovery_baseline()
        data["erc20"] = anvil_erc20_rate(args.erc20)
    if "pipeline" in parts:
        data["pipeline"] = pipeline(
            args.n,
            args.request,
            args.connections,
            args.batch_ops,
            args.paced_n,
            args.paced_request,
            [float(f) for f in args.paced_fractions.split(",")],
            args.data_availability,
            restart="restart" in parts,
            recipients=args.recipients,
            senders=args.senders,
        )
        if "baselines" in parts:  # again right after: the machine is shared, the higher rate is the baseline
            data["baselines_after_pipeline"] = recovery_baseline()
            data["erc20_after_pipeline"] = anvil_erc20_rate(args.erc20)
    if "native" in parts:
        data["native"] = native_paths()
    if "gas" in parts or "memory" in parts:
        data["gas"] = gas(["cancun", None], args.gas_batches, args.batch_ops, args.accounts, parts)
    ratios: dict[str, Any] = {}
    p = data.get("pipeline")
    if p and "baselines" in data:
        rec = max(b["all_cores_per_s"] for k, b in data.items() if k.startswith("baselines"))
        erc = max(e["tps"] for k, e in data.items() if k.startswith("erc20"))
        ratios = {
            "recovery_baseline_per_s": rec,
            "erc20_baseline_per_s": erc,
            "soft_vs_recovery": round(p["tps_soft"] / rec, 3),
            "posted_vs_recovery": round(p["tps_posted"] / rec, 3),
            "soft_vs_erc20": round(p["tps_soft"] / erc, 1),
            "posted_vs_erc20": round(p["tps_posted"] / erc, 1),
        }
        if p.get("tps_posting_during_load"):
            ratios["posting_during_load_vs_recovery"] = round(p["tps_posting_during_load"] / rec, 3)
        c = p["cpu_us_per_transfer"]["until_posted"]
        rec_us = min(b["us_cpu_per_recovery"] for k, b in data.items() if k.startswith("baselines"))
        ratios.update(
            recovery_us_cpu=rec_us,
            cpu_recovery_vs_node=round(rec_us / (c["sequencer"] + c["workers"]), 3),
            cpu_recovery_vs_all=round(rec_us / sum(c.values()), 3),
        )
    data["ratios"] = ratios
    data["goals"] = {
        "vs_recovery": 0.6,
        "vs_erc20": 5,
        "p99_ms": 100,
        "gas_per_transfer": 1300,
        "fraud_gas": 3_000_000,
        "memory_mb": 2048,
    }
    data["wall_s"] = round(time.perf_counter() - t0, 1)
    data["load_average_1m"]["end"] = _load()
    report(data)
    name = "l2" if "pipeline" in parts else "l2_" + "_".join(sorted(parts - {"baselines"}))
    name += "_blobs" if args.data_availability == "blobs" else ""
    name += f"_recipients{args.recipients}" if args.recipients > 1 else ""
    save(name + (f"_senders{args.senders}" if args.senders > 1 else ""), data)


if __name__ == "__main__":
    main()
