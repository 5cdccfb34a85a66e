"""``novacron-chain validator run`` and ``validator aggregate``: the long-running proof-of-stake processes.

``validator run`` is a validator: it watches the domains it serves (``state``: the StateAnchor's batch roots; ``l2``:
the rollup's batch roots; ``bridge:<chain>``: a source bridge's message roots), checks each new root from public data
(the batch manifest in IPFS and the Merkle root rebuilt; every L2 batch re-executed from L1 calldata), signs it
with the BLS key of ``--bls-keystore`` after its slashing-protection record (``<data_dir>/slashing_protection/``)
agrees, and sends the signature to the aggregator(s) of ``--aggregator`` (or ``aggregator_url``). It sends no
transaction.

``validator aggregate`` is an aggregator: an HTTP server that takes signatures, checks each against its validator's
registered key, submits a checkpoint as soon as more than 2/3 of the epoch's stake signed it, and reports (and so
slashes) validators that sign two roots for one height. The configured account pays and gets the reporter's reward.

Both log to stderr and run until Ctrl-C or SIGTERM (or ``--seconds``). With ``--json`` each writes one JSON line to
stdout when it is ready (the aggregator's includes its URL, so ``--port 0`` works) and one when it stops.

``NOVACRON_TEST_EQUIVOCATE=1`` (TEST ONLY, refused on any chain but a dev chain) makes ``validator run`` sign a
second, made-up root for the first height it signs, so that tests can watch it get slashed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from ..units import is_digits
from ._state import CliState

__all__ = ["PROTECTION_DIR", "add_process_commands"]

#: where ``validator run`` keeps its slashing-protection records, under the data dir
PROTECTION_DIR = "slashing_protection"
_SUPPORTED_DOMAINS = ("state", "l2")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for noisy in ("httpx", "httpcore", "web3", "urllib3"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _line(state: CliState, data: dict[str, Any], human: str) -> None:
    """One JSON line on stdout with --json (flushed: a supervisor reads it while the process runs), else text."""
    if state.json:
        sys.stdout.write(json.dumps(data, default=str) + "\n")
        sys.stdout.flush()
    else:
        state.console.print(human)


def _stop_on_sigterm(stop: threading.Event) -> None:
    from ._signals import on_sigterm

    on_sigterm(stop.set)  # the loop ends between two checks; the entry point restores its handler at exit


def _bridge_source(nova: Any, source: str) -> Any:
    """The root source of domain ``bridge:<source>`` (a chain name of ``supported_chains``, or its chain id) on
    this chain."""
    from ..consensus import BridgeSource

    ends = nova.bridge
    endpoint = ends.endpoint_by_id(int(source)) if is_digits(source) else ends.endpoint(source)
    return BridgeSource.from_endpoint(endpoint, nova.chain.chain_id)


def _l2_source(nova: Any) -> Any:
    """The root source of domain ``l2``: the rollup recorded on this chain, whose batches finalize early by this
    chain's checkpoints."""
    from ..consensus import ConsensusValueError, L2RootSource
    from ..l2 import RollupL1

    record = nova.deployments.get(nova.chain.chain_id, "L2Portal")
    l1 = RollupL1(
        nova.chain,
        nova.contract("L2Rollup"),
        nova.contract("L2Portal"),
        from_block=record.block if record else 0,
        beacon_url=nova.config.blockchain.l2_beacon_url,
    )
    verifier = str(nova.chain.call(l1.rollup.functions.checkpointVerifier()))
    if verifier.lower() != str(nova.consensus.verifier.address).lower():
        raise ConsensusValueError(
            f"the L2Rollup at {l1.address} takes checkpoints from {verifier}, not from this chain's CheckpointVerifier "
            f"{nova.consensus.verifier.address}: l2 checkpoints would finalize nothing",
            hint="deploy the rollup after the consensus contracts (`novacron-chain deploy`), or do not serve l2",
        )
    return L2RootSource(l1)


def run_validator(
    ctx: typer.Context,
    bls_keystore: Annotated[
        Path | None,
        typer.Option(
            "--bls-keystore", help="EIP-2335 keystore of the validator's BLS key (default: bls_keystore_path)."
        ),
    ] = None,
    aggregator: Annotated[
        list[str] | None,
        typer.Option(
            "--aggregator", help="Aggregator URL to send signatures to (repeatable; default: aggregator_url)."
        ),
    ] = None,
    domain: Annotated[
        list[str] | None,
        typer.Option(
            "--domain",
            help="Domain to serve (repeatable; default: state): state, l2 (the rollup's batch roots, each batch "
            "re-executed from L1 data), or bridge:<source chain name or id> (the source bridge's message roots, "
            "checkpointed on this chain).",
        ),
    ] = None,
    poll_interval: Annotated[float, typer.Option(help="Seconds between looks at the chain.", min=0.05)] = 1.0,
    resend_interval: Annotated[
        float, typer.Option(help="Seconds between re-sends of a signature not final yet.", min=0.5)
    ] = 5.0,
    check_records: Annotated[
        bool,
        typer.Option(
            "--check-records/--root-only",
            help="Also fetch every record of a batch and check it against its leaf (default), or only rebuild the "
            "root from the manifest's leaves.",
        ),
    ] = True,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).", min=0)] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run a validator: check each new root of its domains from public data, sign it, send it to the aggregator."""
    from ..consensus import EQUIVOCATE_ENV, ConsensusValueError, SlashingProtection, StateAnchorSource, ValidatorNode
    from ..storage import open_store
    from ._validator_cmds import _load_key

    state: CliState = ctx.obj
    _setup_logging(verbose)
    cfg = state.config().blockchain
    domains = domain or ["state"]
    unknown = [d for d in domains if d not in _SUPPORTED_DOMAINS and not d.startswith("bridge:")]
    if unknown:
        raise ConsensusValueError(
            f"no root source for domain(s) {', '.join(unknown)} yet: a validator can check "
            f"{', '.join(_SUPPORTED_DOMAINS)} and bridge:<source chain>",
            hint="pass --domain state, --domain l2 or --domain bridge:<chain>",
        )
    urls = list(aggregator or ([cfg.aggregator_url] if cfg.aggregator_url else []))
    if not urls:
        raise ConsensusValueError(
            "no aggregator to send signatures to", hint="pass --aggregator http://HOST:PORT or set aggregator_url"
        )
    keystore = bls_keystore or cfg.bls_keystore_path
    if keystore is None:
        raise ConsensusValueError(
            "no BLS keystore", hint="pass --bls-keystore FILE (the EIP-2335 keystore `validator register` used)"
        )
    key = _load_key(Path(keystore).expanduser())
    equivocate = os.environ.get(EQUIVOCATE_ENV, "") not in ("", "0")
    nova = state.nova()
    consensus = nova.consensus
    bridge_sources = [_bridge_source(nova, d.removeprefix("bridge:")) for d in domains if d.startswith("bridge:")]
    if "l2" in domains:
        bridge_sources.insert(0, _l2_source(nova))
    anchor = nova.contract("StateAnchor") if "state" in domains else None
    record = nova.deployments.get(nova.chain.chain_id, "StateAnchor")
    store = open_store(cfg)
    try:
        protection = SlashingProtection.open(cfg.resolved_data_dir / PROTECTION_DIR, key.public_key())
    except BaseException:
        store.close()
        raise
    stop = threading.Event()
    _stop_on_sigterm(stop)
    try:
        sources: list[Any] = list(bridge_sources)
        if anchor is not None:
            source = StateAnchorSource(
                nova.chain, anchor, store, from_block=record.block if record else 0, check_records=check_records
            )
            sources.insert(0, source)
        node = ValidatorNode(
            consensus,
            key,
            protection,
            sources,
            urls,
            poll_interval=poll_interval,
            resend_interval=resend_interval,
            equivocate=equivocate,
        )
        _line(
            state,
            {
                "event": "started",
                "pid": os.getpid(),
                "public_key": key.public_key().hex(),
                "aggregators": urls,
                "domains": domains,
                "protection": str(protection.path),
            },
            f"validator with BLS key {key.public_key().hex()} serving {', '.join(domains)}; signatures to "
            f"{', '.join(urls)}; Ctrl-C stops it",
        )
        try:
            status = node.run(stop, seconds=seconds or None)
        except KeyboardInterrupt:
            status = node.status()
        finally:
            node.close()
    finally:
        protection.close()
        store.close()
    _line(state, {"event": "stopped", **status.to_dict()}, status.line())


def aggregate(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port; --json prints it).", min=0, max=65535)] = 9650,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow listening on an address other than loopback.")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Also serve Prometheus metrics on this port (0: any free port).", min=0)
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Submit double-sign evidence (slashing) when seen.")
    ] = True,
    max_gas: Annotated[int | None, typer.Option(help="Gas cap of one checkpoint submission.", min=21_000)] = None,
    linger: Annotated[
        float,
        typer.Option(
            help="Once > 2/3 signed, seconds to wait for the other validators (non-signers count toward downtime "
            "jailing); 0 submits at once.",
            min=0,
        ),
    ] = 0.5,
    seconds: Annotated[float, typer.Option(help="Stop after this many seconds (0: until Ctrl-C).", min=0)] = 0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Run an aggregator: take validators' signatures over HTTP, submit checkpoints once > 2/3 of stake signed."""
    import time

    from ..consensus import Aggregator, AggregatorServer
    from ..metrics import MetricsServer

    state: CliState = ctx.obj
    _setup_logging(verbose)
    nova = state.nova()
    sender = nova.chain.signer  # fails here, with its hint, when no key is configured
    consensus = nova.consensus
    consensus.refresh_metrics()
    aggregator = Aggregator(consensus, sender=sender, report_double_signs=report, max_gas=max_gas, linger=linger)
    server = AggregatorServer(aggregator, host, port, allow_remote=allow_remote)
    metrics = MetricsServer(nova.metrics, host=host, port=metrics_port) if metrics_port is not None else None
    stop = threading.Event()
    _stop_on_sigterm(stop)
    try:
        if metrics is not None:
            metrics.start()
        server.start()
        info: dict[str, Any] = {
            "event": "started",
            "pid": os.getpid(),
            "url": server.url,
            "account": sender.address,
            "checkpoint_verifier": consensus.verifier.address,
            "metrics_url": f"{metrics.url}/metrics" if metrics is not None else None,
        }
        more = f"; metrics on {metrics.url}/metrics" if metrics is not None else ""
        _line(state, info, f"aggregator on {server.url} (submitting as {sender.address}){more}; Ctrl-C stops it")
        deadline = time.monotonic() + seconds if seconds else None
        try:
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                stop.wait(0.2)
        except KeyboardInterrupt:
            pass
    finally:
        server.stop()
        if metrics is not None:
            metrics.stop()
    summary = aggregator.status()
    _line(
        state,
        {"event": "stopped", **summary},
        f"aggregator stopped: {len(summary['submitted'])} checkpoints submitted, {len(summary['slashed'])} "
        "validators slashed",
    )


def add_process_commands(validator_app: typer.Typer) -> None:
    """Add ``run`` and ``aggregate`` to the ``validator`` group (once: ``register`` may run more than once)."""
    present = {c.callback for c in validator_app.registered_commands}
    if run_validator not in present:
        validator_app.command("run")(run_validator)
    if aggregate not in present:
        validator_app.command("aggregate")(aggregate)
