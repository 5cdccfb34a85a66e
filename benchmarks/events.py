"""Listing many events through the event indexer on anvil, against one unpaged ``eth_getLogs`` in the same run.

Setup (not timed): ``--events`` ``ChainProbe.store`` calls (one ``ValueStored`` event each) sent as JSON-RPC batches.
Baselines: one ``eth_getLogs`` over the whole range, as raw JSON-RPC (httpx, ``json.loads``) and through web3
(``w3.eth.get_logs``, which formats every log). Ours: ``EventIndexer.logs`` with a fresh SQLite cache (first
listing: reads, converts and stores every log), then again after ``--new`` more events (incremental: one request
for the new blocks, the rest from the in-memory cache), then a new indexer on the same cache file (a new process:
everything from SQLite), and the cost of decoding (``EventIndexer.events``) per event.

    python benchmarks/events.py [--events 100000] [--new 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from novacron_chain import load_config
from novacron_chain.chain import AnvilNode, EventIndexer, TxRequest, connect
from novacron_chain.chain._events import _LIMITS

from _common import save


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=1_000)
    args = ap.parse_args()
    with AnvilNode() as node, tempfile.TemporaryDirectory() as tmp:
        chain = connect(load_config(overrides={"network": node.url, "data_dir": tmp}).blockchain)
        probe, deployed = chain.deploy("ChainProbe", chain.signer.address)
        data = [bytes.fromhex(probe.functions.store(i % 1000)._encode_transaction_data()[2:]) for i in range(1000)]

        def emit(n: int, offset: int) -> None:
            reqs = [TxRequest(to=probe.address, data=data[(offset + i) % 1000], gas=60_000) for i in range(n)]
            chain.send_batch(reqs, chunk=400)

        t_setup, _ = timed(lambda: emit(args.events, 0))
        head = chain.block_number()
        topic = "0x" + str(probe.events.ValueStored().topic).removeprefix("0x")
        params = {"address": probe.address, "fromBlock": hex(deployed.block_number), "toBlock": hex(head)}
        params["topics"] = [topic]  # type: ignore[assignment]

        http = httpx.Client(timeout=600)

        def raw() -> int:
            body = {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [params]}
            return len(http.post(node.url, json=body).json()["result"])

        t_raw, n_raw = timed(raw)
        t_web3, got = timed(lambda: chain.w3.eth.get_logs({**params}))  # type: ignore[arg-type]
        assert n_raw == len(got) == args.events, (n_raw, len(got))

        path = Path(tmp) / "bench-events.sqlite"
        ix = EventIndexer(chain, path=path)
        t_first, logs = timed(lambda: ix.logs(probe.address, topic, from_block=deployed.block_number))
        assert len(logs) == args.events
        t_same, logs = timed(lambda: ix.logs(probe.address, topic, from_block=deployed.block_number))
        emit(args.new, args.events)
        requests_before = ix.stats.requests
        t_incr, logs = timed(lambda: ix.logs(probe.address, topic, from_block=deployed.block_number))
        assert len(logs) == args.events + args.new
        incr_requests = ix.stats.requests - requests_before
        ix.close()
        ix2 = EventIndexer(chain, path=path)
        t_reopen, logs = timed(lambda: ix2.logs(probe.address, topic, from_block=deployed.block_number))
        assert len(logs) == args.events + args.new
        # decoding (web3's get_event_data, ~1 ms a log) is measured on the new events only: 100,000 would take minutes
        t_decoded, evs = timed(lambda: ix2.events(probe, "ValueStored", from_block=head + 1))
        assert len(evs) == args.new

        # the same first listing behind a 1,000-block range limit (what hosted endpoints impose): learned, then paged
        _LIMITS.clear()
        limited = EventIndexer(chain, path=None, max_range=1_000)
        t_paged, logs = timed(lambda: limited.logs(probe.address, topic, from_block=deployed.block_number))
        assert len(logs) == args.events + args.new
        chain.close()
    save(
        "events",
        {
            "events": args.events,
            "blocks": head - deployed.block_number + 1,
            "setup_seconds": round(t_setup, 1),
            "baseline_raw_get_logs_s": round(t_raw, 3),
            "baseline_web3_get_logs_s": round(t_web3, 3),
            "indexer_first_listing_s": round(t_first, 3),
            "indexer_first_vs_raw": round(t_first / t_raw, 2),
            "indexer_first_vs_web3": round(t_first / t_web3, 2),
            "indexer_repeat_listing_no_new_blocks_s": round(t_same, 4),
            "new_events": args.new,
            "indexer_incremental_listing_s": round(t_incr, 4),
            "indexer_incremental_requests": incr_requests,
            "indexer_incremental_vs_raw": round(t_incr / t_raw, 4),
            "indexer_reopened_cache_listing_s": round(t_reopen, 3),
            "indexer_decoded_ms_per_event": round(t_decoded / args.new * 1000, 3),
            "indexer_first_listing_1000_block_pages_s": round(t_paged, 3),
            "pages_1000_block": limited.stats.requests,
        },
    )


if __name__ == "__main__":
    main()
