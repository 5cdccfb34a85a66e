"""Sustained simple transfers through the chain layer on anvil, as a ratio to raw batched JSON-RPC in the same run.

Each side runs on a fresh anvil each round (anvil slows as its chain grows); best round of each side counts.
Baseline: transfers signed ahead of time (not timed), sent as JSON-RPC batches of --chunk with httpx, receipts
fetched in batches: the least work a client can do. Ours: ``Chain.send_batch``, which also picks fees, assigns
nonces, signs (overlapped with the node's work), sends the next chunk before collecting the current one's receipts,
checks every receipt and feeds the metrics. Goal: ratio >= 0.8. ``anvil_automine_stalls_flushed`` counts the waits
in which anvil's automine left ready transactions in its pool (foundry-rs/foundry#10122) until the chain layer mined
a block to free them: each costs the chain layer about a second.

    python benchmarks/transfers.py [--count 6000] [--chunks 100,200,400] [--rounds 2]

Both sides run at every chunk size; the ratio is best against best (each side at its own best chunk size), so
no chunk size that happens to slow the baseline can flatter the ratio.
"""

from __future__ import annotations

import argparse
import json
import time

import httpx

from novacron_chain import load_config
from novacron_chain.chain import AnvilNode, TxRequest, UnsignedTx, connect, dev_signers

from _common import save


def raw_batched(url: str, count: int, chunk: int, sender_index: int) -> float:
    signer = dev_signers()[sender_index]
    client = httpx.Client(timeout=60, headers={"content-type": "application/json"})

    def rpc(method: str, *params: object) -> object:
        r = client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()
        return r["result"]

    nonce = int(str(rpc("eth_getTransactionCount", signer.address, "pending")), 16)
    base = int(str(rpc("eth_gasPrice")), 16)
    to = bytes.fromhex(dev_signers()[9].address[2:])
    raws = [
        signer.sign_transaction(UnsignedTx(31337, nonce + i, 10**9, base * 2 + 10**9, 21_000, to, 1, b""))
        for i in range(count)
    ]
    t0 = time.perf_counter()
    for i in range(0, count, chunk):
        part = raws[i : i + chunk]
        body = [
            {"jsonrpc": "2.0", "id": j, "method": "eth_sendRawTransaction", "params": ["0x" + s.raw.hex()]}
            for j, s in enumerate(part)
        ]
        sent = client.post(url, content=json.dumps(body)).json()
        if not isinstance(sent, list) or any("result" not in x for x in sent):
            raise SystemExit(f"the node refused the raw batch: {str(sent)[:300]}")
        pending = [s.hash_hex for s in part]
        while pending:
            body = [
                {"jsonrpc": "2.0", "id": j, "method": "eth_getTransactionReceipt", "params": [h]}
                for j, h in enumerate(pending)
            ]
            got = {x["id"]: x.get("result") for x in client.post(url, content=json.dumps(body)).json()}
            pending = [h for j, h in enumerate(pending) if got.get(j) is None]
    return time.perf_counter() - t0


def chain_layer(url: str, count: int, chunk: int, sender_index: int) -> tuple[float, int]:
    chain = connect(load_config(overrides={"network": url}).blockchain, account=sender_index)
    to = dev_signers()[9].address
    reqs = [TxRequest(to=to, value=1, gas=21_000) for _ in range(count)]
    t0 = time.perf_counter()
    receipts = chain.send_batch(reqs, chunk=chunk)
    dt = time.perf_counter() - t0
    if len(receipts) != count or not all(r.succeeded for r in receipts):
        raise SystemExit("the chain layer lost or failed transfers")
    chain.close()
    return dt, chain.stalls_flushed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--chunks", default="100,200,400")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    chunks = [int(c) for c in args.chunks.split(",")]
    raw: dict[int, float] = {}
    ours: dict[int, float] = {}
    stalls = 0
    # anvil slows down as its chain grows, so every measurement gets a fresh node (started outside the timing)
    with AnvilNode() as node:
        chain_layer(node.url, 200, 200, 2)  # warm up imports
    for r in range(args.rounds):
        for chunk in chunks:
            with AnvilNode() as node:
                raw_tps = args.count / raw_batched(node.url, args.count, chunk, 0)
            with AnvilNode() as node:
                seconds, stalled = chain_layer(node.url, args.count, chunk, 1)
            ours_tps = args.count / seconds
            stalls += stalled
            raw[chunk] = max(raw.get(chunk, 0.0), raw_tps)
            ours[chunk] = max(ours.get(chunk, 0.0), ours_tps)
            print(f"round {r + 1}, chunk {chunk}: raw {raw_tps:,.0f} tx/s, chain layer {ours_tps:,.0f} tx/s", end="")
            print(f" ({stalled} stalls flushed)")
    best_raw, best_ours = max(raw.values()), max(ours.values())
    save(
        "transfers",
        {
            "count": args.count,
            "raw_batched_tps_by_chunk": {c: round(v) for c, v in raw.items()},
            "chain_layer_tps_by_chunk": {c: round(v) for c, v in ours.items()},
            "raw_batched_tps": round(best_raw),
            "chain_layer_tps": round(best_ours),
            "ratio": round(best_ours / best_raw, 3),
            "anvil_automine_stalls_flushed": stalls,
            "goal_ratio": 0.8,
        },
    )


if __name__ == "__main__":
    main()
