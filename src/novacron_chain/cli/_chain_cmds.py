"""Foundation commands: deploy, status, chain advance, devnet, serve, account."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ._params import MAX_SECONDS, address
from ._state import CliState

chain_app = typer.Typer(help="Dev-chain controls (embedded and anvil only).", no_args_is_help=True)
account_app = typer.Typer(help="Signing keys.", no_args_is_help=True)


def _eth(wei: int) -> str:
    from decimal import Decimal

    return f"{Decimal(wei) / Decimal(10**18):,.6f}"


def deploy(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Redeploy contracts whose code changed on a non-dev chain.")] = False,
    export: Annotated[Path | None, typer.Option(help="Also write the deployments of this chain to FILE.")] = None,
) -> None:
    """Deploy the contract set (idempotent) and record it per chain id."""
    from rich.progress import Progress

    state: CliState = ctx.obj
    nova = state.nova()
    plan = nova.plan()
    with Progress(console=state.console, transient=True) as bar:
        task = bar.add_task("deploying", total=len(plan))
        outcomes = nova.deploy(force=force, progress=lambda s, i: bar.update(task, completed=i, description=s.name))
    if export is not None:
        nova.deployments.export(export, nova.chain.chain_id)
    data = {
        "chain_id": nova.chain.chain_id,
        "contracts": [
            {"name": o.name, "address": o.address, "action": o.action, "gas_used": o.gas_used} for o in outcomes
        ],
    }
    from rich.table import Table

    table = Table(title=f"contracts on chain {nova.chain.chain_id}")
    for col in ("contract", "address", "action", "gas"):
        table.add_column(col)
    for o in outcomes:
        table.add_row(o.name, o.address, o.action, f"{o.gas_used:,}")
    state.emit(data, table if outcomes else "no contracts in the plan (nothing enabled in config)")


def status(ctx: typer.Context) -> None:
    """Chain id, block, account, balance, and each deployed contract with a code check."""
    from rich.table import Table

    state: CliState = ctx.obj
    report = state.nova().status()
    table = Table(title=f"{report.endpoint}: chain {report.chain_id}, block {report.block}")
    table.add_column("contract")
    table.add_column("address")
    table.add_column("code")
    for c in report.contracts:
        table.add_row(c.name, c.address, "[green]matches[/]" if c.code_matches else "[red]MISMATCH / missing[/]")
    lines = [
        f"network   {report.network} ({'dev' if report.is_dev else 'production'})",
        f"account   {report.account or '(no signing key)'}",
    ]
    if report.balance_wei is not None:
        lines.append(f"balance   {_eth(report.balance_wei)}")
    from rich.console import Group

    state.emit(report.to_dict(), Group("\n".join(lines), table if report.contracts else "no contracts deployed"))


@chain_app.command("advance")
def advance(
    ctx: typer.Context,
    seconds: Annotated[int, typer.Option(min=0, max=MAX_SECONDS, help="Seconds to move the clock forward.")] = 0,
    blocks: Annotated[int, typer.Option(min=0, max=10_000, help="Blocks to mine (at least one when seconds > 0).")] = 1,
) -> None:
    """Move chain time forward and mine blocks (dev chains only)."""
    state: CliState = ctx.obj
    chain = state.nova().chain
    chain.advance(seconds, blocks)
    data = {"block": chain.block_number(), "timestamp": chain.timestamp()}
    state.emit(data, f"block {data['block']}, time {data['timestamp']}")


@chain_app.command("send")
def send(
    ctx: typer.Context,
    to: Annotated[str, typer.Option(help="Recipient or contract address.", parser=address)],
    value: Annotated[int, typer.Option(help="Wei to send.")] = 0,
    data: Annotated[str, typer.Option(help="Calldata as 0x-hex.")] = "0x",
    gas: Annotated[int | None, typer.Option(help="Gas limit (default: estimated).", min=21_000)] = None,
) -> None:
    """Send one raw transaction (value and/or calldata) and wait for its receipt."""
    from ..chain import TxRequest, checksum
    from ..errors import NovaValueError

    state: CliState = ctx.obj
    chain = state.nova().chain
    try:
        payload = bytes.fromhex(data.removeprefix("0x"))
    except ValueError as exc:
        raise NovaValueError(f"--data {data!r} is not hex", hint="pass calldata as 0x followed by hex digits") from exc
    receipt = chain.wait(chain.send(TxRequest(to=checksum(to, "--to"), data=payload, value=value, gas=gas)))
    out = {"tx_hash": receipt.tx_hash, "block": receipt.block_number, "gas_used": receipt.gas_used}
    state.emit(out, f"{receipt.tx_hash} in block {receipt.block_number}, {receipt.gas_used:,} gas")


@chain_app.command("info")
def info(ctx: typer.Context) -> None:
    """Chain id, block and time."""
    state: CliState = ctx.obj
    chain = state.nova().chain
    data = {"chain_id": chain.chain_id, "block": chain.block_number(), "timestamp": chain.timestamp()}
    state.emit(data, f"chain {data['chain_id']}, block {data['block']}, time {data['timestamp']}")


def devnet(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (with --chains N: the first of N ports).")] = 8545,
    chain_id: Annotated[int, typer.Option(help="Chain id (with --chains N: the first of N ids).")] = 31337,
    chains: Annotated[
        int, typer.Option("--chains", min=1, max=8, help="How many anvils, with distinct ports and chain ids.")
    ] = 1,
    deploy_set: Annotated[bool, typer.Option("--deploy", help="Deploy the contract set once it runs.")] = False,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).")] = 0,
) -> None:
    """Run a local anvil node with the dev accounts until Ctrl-C.

    With --chains N, N nodes with distinct ports and chain ids (for cross-chain swaps); --deploy then deploys the
    contract set with the HashedTimelock on each.
    """
    from ..chain import AnvilNode, dev_signers

    state: CliState = ctx.obj
    nodes: list[AnvilNode] = []
    try:
        for i in range(chains):
            nodes.append(AnvilNode(port=port + i, chain_id=chain_id + i).start())
        infos = []
        for node in nodes:
            info: dict[str, Any] = {
                "url": node.url,
                "chain_id": node.chain_id,
                "pid": node.pid,
                "accounts": [s.address for s in dev_signers()],
            }
            if deploy_set:
                state.close()
                state.network = node.url
                extra = {"enable_cross_chain": True} if chains > 1 else {}
                state.config(**extra)
                outcomes = state.nova().deploy()
                info["contracts"] = {o.name: o.address for o in outcomes}
            infos.append(info)
        lines = [f"anvil on {n.url} (chain {n.chain_id}, pid {n.pid})" for n in nodes]
        stops = "; Ctrl-C stops " + ("it" if chains == 1 else "them")
        state.emit(infos[0] if chains == 1 else infos, "\n".join(lines) + stops)
        deadline = time.monotonic() + seconds if seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        state.close()
        for node in nodes:
            node.stop()


def serve(
    ctx: typer.Context,
    metrics: Annotated[bool, typer.Option("--metrics", help="Serve Prometheus metrics.")] = True,
    api: Annotated[
        bool, typer.Option("--api", help="Serve the HTTP API on --port instead (docs at /docs, metrics at /metrics).")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Metrics port (with --api: the API's; 0 picks a free one).")] = 9464,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).")] = 0,
    interval: Annotated[float, typer.Option(help="Seconds between samples of the chain's TPS.")] = 5.0,
) -> None:
    """Serve Prometheus metrics (``/metrics``) for the configured chain, sampling network TPS from new blocks.

    With --api, the HTTP API over the configured chain instead (OpenAPI at /openapi.json, docs at /docs, metrics at
    /metrics on the same port) until SIGTERM or Ctrl-C. Reads are open; writes need an API key or a
    Sign-In-with-Ethereum session with the write scope.
    """
    from ..metrics import MetricsServer

    state: CliState = ctx.obj
    nova = state.nova()
    if api:
        _serve_api(state, host, port, seconds)
        return
    if not metrics:
        raise typer.BadParameter("nothing to serve: pass --metrics")
    server = MetricsServer(nova.metrics, host=host, port=port)
    server.start()
    try:  # from here on, Ctrl-C or SIGTERM (an interrupt too, see _signals) stops the server and exits 0
        state.emit(
            {"metrics_url": f"http://{host}:{server.port}/metrics"},
            f"metrics on http://{host}:{server.port}/metrics",
        )
        deadline = time.monotonic() + seconds if seconds else None
        last_block, last_t = nova.chain.block_number(), time.monotonic()
        while deadline is None or time.monotonic() < deadline:
            time.sleep(min(interval, max(0.05, (deadline - time.monotonic()) if deadline else interval)))
            block, now = nova.chain.block_number(), time.monotonic()
            txs = sum(len(nova.chain.w3.eth.get_block(n)["transactions"]) for n in range(last_block + 1, block + 1))
            if now > last_t:
                nova.metrics.update_tps(txs / (now - last_t))
            last_block, last_t = block, now
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _serve_api(state: CliState, host: str, port: int, seconds: float) -> None:
    import contextlib
    import sys

    from ..api import serve_api

    def started(url: str) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            state.console.print(
                f"[yellow]warning: serving on {host}: reads are open to anyone who can reach it; writes need an "
                f"API key (novacron-chain api-key create --scope write) or a sign-in session[/]"
            )
        state.emit(
            {"api_url": url, "docs_url": f"{url}/docs", "metrics_url": f"{url}/metrics"},
            f"API on {url} (docs {url}/docs, metrics {url}/metrics); Ctrl-C or SIGTERM stops it",
        )
        sys.stdout.flush()  # a supervisor reading --json learns the URL now, not at exit

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn has finished its requests and stopped
        serve_api(state.nova(), host=host, port=port, seconds=seconds, on_started=started)


@account_app.command("new")
def account_new(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Where to write the encrypted keystore v3 JSON.")],
) -> None:
    """Create a new key in an encrypted keystore (passphrase from NOVACRON_KEYSTORE_PASSPHRASE or a prompt)."""
    import json
    import os
    import secrets

    from ..chain import Signer, encrypt_keystore
    from ..errors import NovaValueError
    from ._state import _prompt

    state: CliState = ctx.obj
    if out.exists():
        raise NovaValueError(f"{out} exists; refusing to overwrite a keystore", hint="choose another --out path")
    passphrase = os.environ.get("NOVACRON_KEYSTORE_PASSPHRASE") or _prompt("passphrase for the new keystore")
    signer = Signer(secrets.token_bytes(32))
    out.write_text(json.dumps(encrypt_keystore(signer, passphrase)))
    out.chmod(0o600)
    state.emit({"address": signer.address, "keystore": str(out)}, f"{signer.address} -> {out}")


@account_app.command("show")
def account_show(ctx: typer.Context) -> None:
    """The signing account and its balance."""
    state: CliState = ctx.obj
    chain = state.nova().chain
    addr = chain.signer.address
    bal = chain.balance(addr)
    state.emit({"address": addr, "balance_wei": str(bal)}, f"{addr}  {_eth(bal)}")


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command()(deploy)
    app.command()(status)
    app.command()(devnet)
    app.command()(serve)
    app.add_typer(chain_app, name="chain")
    app.add_typer(account_app, name="account")
