"""``novacron-chain l2``: the layer 2 (optimistic rollup for resource-token payments, or an existing L2 by RPC).

Long-running: ``l2 run`` (the sequencer: HTTP API on ``l2_rpc_endpoint``'s port, loopback unless ``--allow-remote``)
and ``l2 verify`` (rebuilds the state from L1 alone, proves wrong roots wrong, ``--force-include`` includes queue
items the sequencer ignores). Both log to stderr and run until Ctrl-C or SIGTERM (or ``--seconds``); with ``--json``
they write one JSON line when ready and one per event / when they stop.

One-shot: ``l2 deposit AMOUNT`` (L1 -> L2), ``l2 transfer TO AMOUNT``, ``l2 balance [ADDRESS]``, ``l2 withdraw
AMOUNT`` (burn on L2), ``l2 prove INDEX`` (Merkle proof of a withdrawal against a posted root, checked against L1),
``l2 finalize INDEX`` (release on L1 once final), ``l2 exit AMOUNT`` (forced withdrawal requested on L1),
``l2 receipt HASH``, ``l2 status``, ``l2 proof ADDRESS``. Amounts are whole tokens with up to 18 decimals;
``--token`` is CPU, MEM, STO, NET or NOVA. Each takes ``--json``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from ._params import address, whole_units
from ._state import CliState

if TYPE_CHECKING:
    from ..l2 import L2Manager

l2_app = typer.Typer(
    help="Layer 2 (optimistic rollup): run the sequencer or a verifier; deposit, transfer, withdraw, prove, finalize.",
    no_args_is_help=True,
)

_TOKEN = typer.Option("--token", "-t", help="CPU, MEM, STO, NET or NOVA (or a token id / L1 address).")


def _manager(state: CliState) -> L2Manager:
    return state.nova().l2


def _line(state: CliState, data: dict[str, Any], human: str) -> None:
    if state.json:
        sys.stdout.write(json.dumps(data, default=str) + "\n")
        sys.stdout.flush()
    else:
        state.console.print(human)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for noisy in ("httpx", "httpcore", "web3", "urllib3", "aiohttp.access"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _stop_on_sigterm(stop: threading.Event) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())


def _amount(text: str, what: str = "AMOUNT") -> int:
    return whole_units(text, what)


def _fee(text: str) -> int:
    if text.strip() in ("0", "0.0", ""):
        return 0
    return whole_units(text, "--fee")


def _fmt(value: int | str) -> str:
    from ..units import format_amount

    return format_amount(int(value), "", 18)


# -- long-running ---------------------------------------------------------------------------------------------------


def _rollup_l1(state: CliState) -> Any:
    from ..l2 import RollupL1

    nova = state.nova()
    record = nova.deployments.get(nova.chain.chain_id, "L2Portal")
    return RollupL1(
        nova.chain,
        nova.contract("L2Rollup"),
        nova.contract("L2Portal"),
        from_block=record.block if record else 0,
        beacon_url=nova.config.blockchain.l2_beacon_url,
    )


def _blobs_chosen(value: str) -> bool:
    if value not in ("calldata", "blobs"):
        from ..l2 import L2ValueError

        raise L2ValueError(f"data availability {value!r} is not known", hint="use calldata or blobs")
    return value == "blobs"


@l2_app.command("run")
def run(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: l2_rpc_endpoint's host).")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: l2_rpc_endpoint's; 0: any free port).", min=0, max=65535)
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow listening on an address other than loopback.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="Signature-recovery processes (default: l2_workers, else one per core).", min=0)
    ] = None,
    batch_max_ops: Annotated[
        int | None, typer.Option(help="Ops per batch (default: l2_batch_max_ops).", min=32)
    ] = None,
    batch_interval: Annotated[
        float | None, typer.Option(help="Seconds an op waits for its batch at most (default: l2_batch_interval).")
    ] = None,
    no_post: Annotated[
        bool, typer.Option("--no-post", help="Execute and soft-confirm, but post no batch (a read-only replica).")
    ] = False,
    data_availability: Annotated[
        str | None,
        typer.Option(help="Post batch data as 'calldata' or 'blobs' (default: l2_data_availability)."),
    ] = None,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).", min=0)] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run the sequencer: HTTP API, signatures on every core, soft confirmations, batches posted to L1."""
    from ..l2 import Sequencer, SequencerServer
    from ..l2._sequencer import sequencer_dir
    from ..metrics import BlockchainMetrics, L2Metrics

    state: CliState = ctx.obj
    _setup_logging(verbose)
    cfg = state.config().blockchain
    nova = state.nova()
    if not cfg.is_rollup_l2:
        from ..l2 import L2ValueError

        raise L2ValueError(
            f"l2_network is {cfg.l2_network!r}: the sequencer runs this project's rollup only",
            hint="set l2_network: novacron",
        )
    signer = None if no_post else nova.chain.signer  # fails here, with its hint, when no key is configured
    l1 = _rollup_l1(state)
    url = urlsplit(cfg.l2_endpoint)
    bind_host = host or url.hostname or "127.0.0.1"
    bind_port = port if port is not None else (url.port or 8547)
    data_dir = sequencer_dir(cfg.resolved_data_dir, nova.chain.chain_id, l1.address)
    metrics = BlockchainMetrics(network=cfg.l2_network)
    l2_metrics = L2Metrics(cfg.l2_network)
    sequencer = Sequencer(
        l1,
        signer,
        data_dir,
        batch_max_ops=batch_max_ops or cfg.l2_batch_max_ops,
        batch_interval=batch_interval or cfg.l2_batch_interval,
        workers=workers if workers is not None else cfg.l2_workers,
        bond=cfg.l2_sequencer_bond,
        receipt_limit=cfg.l2_receipt_window,
        wal_compact_bytes=cfg.l2_wal_compact_bytes,
        snapshot_every=cfg.l2_snapshot_every,
        blobs=_blobs_chosen(data_availability or cfg.l2_data_availability),
        metrics=metrics,
        l2_metrics=l2_metrics,
    )
    server = SequencerServer(
        sequencer,
        bind_host,
        bind_port,
        allow_remote=allow_remote,
        chain_metrics=[nova.metrics, metrics],
        l2_metrics=l2_metrics,
    )
    stop = threading.Event()
    _stop_on_sigterm(stop)
    sequencer.start()
    try:
        server.start()
        status = sequencer.call(_async_status(sequencer))
        _line(
            state,
            {
                "event": "started",
                "pid": os.getpid(),
                "url": server.url,
                "rollup": l1.address,
                "sequencer": signer.address if signer else None,
                "wal": str(sequencer.wal.path),
                "state_root": status["state_root"],
                "batches": status["batches"],
            },
            f"sequencer on {server.url} for rollup {l1.address} (log {sequencer.wal.path}); Ctrl-C stops it",
        )
        deadline = time.monotonic() + seconds if seconds else None
        try:
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                stop.wait(0.2)
        except KeyboardInterrupt:
            pass
        status = sequencer.call(_async_status(sequencer))
    finally:
        server.stop()
        sequencer.stop()
    _line(
        state,
        {"event": "stopped", **status},
        f"sequencer stopped: {status['accepted']} accepted, {status['refused']} refused, "
        f"{status['batches_posted']} batches posted",
    )


async def _async_status(sequencer: Any) -> dict[str, Any]:
    out: dict[str, Any] = sequencer.status()
    return out


@l2_app.command("verify")
def verify(
    ctx: typer.Context,
    force_include: Annotated[
        bool,
        typer.Option(
            "--force-include", help="Post a batch of queue items the sequencer ignored past the force-inclusion delay."
        ),
    ] = False,
    poll_interval: Annotated[float, typer.Option(help="Seconds between looks at L1.", min=0.05)] = 1.0,
    report_only: Annotated[
        bool, typer.Option("--report-only", help="Report wrong roots without sending fraud proofs.")
    ] = False,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).", min=0)] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run a verifier: rebuild the L2 state from L1 alone and prove every wrong root wrong."""
    from ..l2 import Verifier
    from ..l2._verifier import verifier_dir
    from ..metrics import L2Metrics

    state: CliState = ctx.obj
    _setup_logging(verbose)
    cfg = state.config().blockchain
    nova = state.nova()
    signer = None if report_only else nova.chain.signer
    l1 = _rollup_l1(state)

    def on_event(event: Any) -> None:
        data = event.to_dict()
        _line(state, data, f"{data['event']}: batch {data.get('batch')} {json.dumps(event.detail, default=str)}")

    verifier = Verifier(
        l1,
        signer,
        force_include=force_include,
        bond=cfg.l2_sequencer_bond,
        metrics=L2Metrics(cfg.l2_network),
        on_event=on_event,
        workers=cfg.l2_workers,
        data_dir=verifier_dir(cfg.resolved_data_dir, nova.chain.chain_id, l1.address),
        snapshot_every=cfg.l2_snapshot_every,
    )
    stop = threading.Event()
    _stop_on_sigterm(stop)
    _line(
        state,
        {"event": "started", "pid": os.getpid(), "rollup": l1.address, "account": signer.address if signer else None},
        f"verifier of rollup {l1.address}; Ctrl-C stops it",
    )
    with contextlib.suppress(KeyboardInterrupt):
        verifier.run(stop, poll_interval=poll_interval, seconds=seconds or None)
    status = verifier.status()
    _line(
        state,
        {"event": "stopped", **status},
        f"verifier stopped: {status['verified_batches']} batches verified, {len(status['fraud_proofs'])} fraud proofs",
    )


# -- one-shot -------------------------------------------------------------------------------------------------------


@l2_app.command("deposit")
def deposit(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="Whole tokens, e.g. 100 or 1.5.")],
    token: Annotated[str, _TOKEN] = "CPU",
    to: Annotated[str | None, typer.Option("--to", help="L2 recipient (default: you).", parser=address)] = None,
) -> None:
    """Deposit tokens from L1 into the L2 (credited once the sequencer includes it)."""
    state: CliState = ctx.obj
    out = _manager(state).deposit(token, _amount(amount), l2_recipient=to)
    _line(
        state, out, f"deposited {amount} {token} for {out['to']}: queue item {out['queue_index']}, L1 tx {out['l1_tx']}"
    )


@l2_app.command("transfer")
def transfer(
    ctx: typer.Context,
    to: Annotated[str, typer.Argument(help="Recipient address.", parser=address)],
    amount: Annotated[str, typer.Argument(help="Whole tokens, e.g. 2.5.")],
    token: Annotated[str, _TOKEN] = "CPU",
    fee: Annotated[str, typer.Option(help="Fee to the operator, whole tokens of the same token.")] = "0",
) -> None:
    """Send tokens on the L2 (EIP-712 signed; soft-confirmed in milliseconds)."""
    state: CliState = ctx.obj
    c = _manager(state).transfer(to, token, _amount(amount), _fee(fee))
    _line(state, c.to_dict(), f"{c.status}: {c.tx_hash} ({c.latency * 1000:.1f} ms)")


@l2_app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="Whole tokens.")],
    token: Annotated[str, _TOKEN] = "CPU",
    fee: Annotated[str, typer.Option(help="Fee to the operator, whole tokens of the same token.")] = "0",
) -> None:
    """Withdraw tokens from the L2 to your L1 address (released by `l2 finalize` once its batch is final)."""
    state: CliState = ctx.obj
    m = _manager(state)
    c = m.withdraw(token, _amount(amount), _fee(fee))
    r = m.get_receipt(c.tx_hash) or {}
    out = {**c.to_dict(), "withdrawal_index": r.get("withdrawal_index")}
    _line(
        state,
        out,
        f"{c.status}: {c.tx_hash}, withdrawal {out['withdrawal_index']}; once its batch is final run "
        f"`novacron-chain l2 finalize {out['withdrawal_index']}`",
    )


@l2_app.command("exit")
def force_exit(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="Whole tokens.")],
    token: Annotated[str, _TOKEN] = "CPU",
) -> None:
    """Request a withdrawal on L1 (censorship resistance: it must be included within l2_force_inclusion_blocks)."""
    state: CliState = ctx.obj
    out = _manager(state).request_withdrawal(token, _amount(amount))
    _line(state, out, f"withdrawal requested on L1: queue item {out['queue_index']}, tx {out['l1_tx']}")


@l2_app.command("balance")
def balance(
    ctx: typer.Context,
    who: Annotated[str | None, typer.Argument(help="Address (default: you).", parser=address)] = None,
    token: Annotated[str | None, typer.Option("--token", "-t", help="Only this token.")] = None,
) -> None:
    """L2 balances, nonce and account index of an address."""
    from rich.table import Table

    state: CliState = ctx.obj
    m = _manager(state)
    owner = who or m.chain.signer.address
    if not m.is_rollup:
        if token is None:
            from ..l2 import L2ValueError

            raise L2ValueError("an existing L2 needs --token", hint="pass --token NAME (from l2_tokens) or ADDRESS")
        value = m.get_balance(owner, token)
        _line(state, {"address": owner, "token": token, "balance": str(value)}, f"{owner}: {_fmt(value)} {token}")
        return
    acct = m.account(owner)
    if acct is None:
        from ..l2 import UnknownAccountError

        raise UnknownAccountError(f"for {owner}")
    names = ["CPU", "MEM", "STO", "NET", "NOVA", "5", "6", "7"]
    if token is not None:
        tid = m.token_id(token)
        acct = {**acct, "balance": acct["balances"][tid], "token": tid}
    if state.json:
        state.emit(acct)
        return
    t = Table(title=f"L2 account {acct['index']} of {owner} (nonce {acct['nonce']})")
    t.add_column("token")
    t.add_column("balance", justify="right")
    for i, b in enumerate(acct["balances"]):
        if (token is None and (int(b) or i < 4)) or (token is not None and i == acct.get("token")):
            t.add_row(names[i], _fmt(b))
    state.console.print(t)


@l2_app.command("receipt")
def receipt(
    ctx: typer.Context,
    tx_hash: Annotated[str, typer.Argument(help="The L2 transaction hash.")],
) -> None:
    """Where an L2 transaction is: soft-confirmed, posted (batch, L1 tx), final, dropped."""
    state: CliState = ctx.obj
    r = _manager(state).get_receipt(tx_hash)
    if r is None:
        from ..l2 import L2ValueError

        raise L2ValueError(f"unknown L2 transaction {tx_hash}", hint="check the hash; it was never soft-confirmed")
    _line(state, r, json.dumps(r, indent=2, default=str))


@l2_app.command("prove")
def prove(
    ctx: typer.Context,
    index: Annotated[
        int, typer.Argument(help="The withdrawal's index (`l2 status` / the withdrawal's receipt).", min=0)
    ],
    batch: Annotated[int | None, typer.Option(help="Prove against this batch (default: the latest final).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the proof to this JSON file.")] = None,
    from_l1: Annotated[
        bool, typer.Option("--from-l1", help="Rebuild the state from L1 data here instead of asking the sequencer.")
    ] = False,
) -> None:
    """Merkle proof of a withdrawal against a posted root (checked against L1)."""
    state: CliState = ctx.obj
    manager = _manager(state)
    note = ""
    if from_l1:
        proof, batch_index, snapshot = manager.prove_withdrawal_from_l1(index, batch=batch)
        note = "; rebuilt from L1" if snapshot is None else f"; rebuilt from L1 after the snapshot of batch {snapshot}"
    else:
        proof, batch_index = manager.prove_withdrawal(index, batch=batch)
    data = {**proof.to_dict(), "batch": batch_index, "root": "0x" + proof.root.hex()}
    if out is not None:
        out.write_text(json.dumps(data, indent=2))
    if from_l1:
        data["rebuilt_from_snapshot_of_batch"] = snapshot
    _line(
        state,
        data,
        f"withdrawal {index} is in batch {batch_index}'s root 0x{proof.root.hex()}"
        + (f"; proof in {out}" if out else "")
        + note,
    )


@l2_app.command("finalize")
def finalize(
    ctx: typer.Context,
    index: Annotated[int, typer.Argument(help="The withdrawal's index.", min=0)],
    batch: Annotated[
        int | None, typer.Option(help="The final batch to prove against (default: the latest final).")
    ] = None,
    proof_file: Annotated[
        Path | None, typer.Option("--proof", help="A proof written by `l2 prove --out` (default: prove now).")
    ] = None,
) -> None:
    """Release a withdrawal on L1 once the batch holding it is final (each exactly once)."""
    state: CliState = ctx.obj
    m = _manager(state)
    if proof_file is not None:
        from ..l2 import L2ValueError, StateHeader, WithdrawalProof, WithdrawalRecord
        from ..l2._codec import address_bytes

        try:
            data = json.loads(proof_file.read_text())
            w, h = data["withdrawal"], data["header"]
            proof = WithdrawalProof(
                WithdrawalRecord(int(w["index"]), address_bytes(w["recipient"]), int(w["token"]), int(w["amount"])),
                tuple(bytes.fromhex(s[2:]) for s in data["siblings"]),
                StateHeader(
                    bytes.fromhex(h["accounts_root"][2:]),
                    int(h["account_count"]),
                    bytes.fromhex(h["withdrawals_root"][2:]),
                    int(h["withdrawal_count"]),
                    int(h["queue_processed"]),
                ),
            )
            batch_index = int(data["batch"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise L2ValueError(f"{proof_file} is not a proof written by `l2 prove --out`: {exc}") from None
    else:
        proof, batch_index = m.prove_withdrawal(index, batch=batch)
    r = m.finalize_withdrawal(proof, batch_index)
    w = proof.withdrawal
    out = {
        "index": w.index,
        "batch": batch_index,
        "recipient": "0x" + w.recipient.hex(),
        "token": w.token,
        "amount": str(w.amount),
        "l1_tx": r.tx_hash,
        "gas_used": r.gas_used,
    }
    _line(state, out, f"withdrawal {w.index} released on L1 to {out['recipient']} (tx {r.tx_hash}, {r.gas_used} gas)")


@l2_app.command("status")
def status(ctx: typer.Context) -> None:
    """The layer 2: the rollup's L1 view and the sequencer's counters (or the existing L2's head and TPS)."""
    state: CliState = ctx.obj
    s = _manager(state).status()
    _line(state, s, json.dumps(s, indent=2, default=str))


@l2_app.command("proof")
def proof(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="Address.", parser=address)],
) -> None:
    """A Merkle proof of an address's L2 account, checked here (and whether its root is on L1)."""
    state: CliState = ctx.obj
    p = _manager(state).proof(who)
    ok = "verified" if p["verified"] else "DOES NOT VERIFY"
    _line(
        state,
        p,
        f"account {p['account']['index']} of {who}: proof {ok} against root {p['root']} "
        f"({'the latest root on L1' if p['root_on_l1'] else 'not posted to L1 yet'})",
    )


def register(app: typer.Typer) -> None:
    """Attach ``l2`` to the main app."""
    app.add_typer(l2_app, name="l2")
