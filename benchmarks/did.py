"""Decentralized identity: credential verifications per second, and the gas of identity writes beside ERC-1056.

Verification throughput, on the embedded chain and on anvil, for three verifiers:

* uncached: every verification resolves the issuer from scratch (reads ``changed``, walks the event history);
* cached: the issuer's history is cached and re-validated with ONE eth_call per verification (the default: never
  stale, a rotation or revocation is seen by the next verification);
* max_staleness=60s, verifying the same credentials again: chain reads are reused for up to a minute (no chain
  call at all), which is what a service that sees the same credential on every request gains.

Gas, in the same run on the embedded chain: our DIDRegistry beside the reference ERC-1056 registry (the bytecode
npm ``ethr-did-registry@1.3.0`` ships; found in node_modules or given with --ethr-artifact). Without it, the
reference numbers measured in DESIGN.md stand in, and the table says so. Creating a DID is shown to cost no gas
(no transaction: the relayer's nonce and the block number stay put).

    python benchmarks/did.py [--count 200] [--no-anvil] [--ethr-artifact PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from novacron_chain import NovaChain, load_config
from novacron_chain.artifacts import Artifact
from novacron_chain.chain import AnvilNode, Signer
from novacron_chain.did import DIDManager, deploy_steps, did_network
from novacron_chain.did._jose import JwsParts

from _common import save

ROOT = Path(__file__).resolve().parent.parent
ETHR_PATHS = [
    ROOT / "node_modules/ethr-did-registry/artifacts/contracts/EthereumDIDRegistry.sol/EthereumDIDRegistry.json",
]
#: measured in DESIGN.md on this kind of machine (anvil 1.7.1 and py-evm agree)
ETHR_REFERENCE = {"setAttribute": 34_309, "setAttribute_first": 51_805, "addDelegate": 55_113, "changeOwner": 34_633}
NAME = b"did/pub/Secp256k1/veriKey/hex".ljust(32, b"\0")
VERI_KEY = b"veriKey".ljust(32, b"\0")


def manager(nc: NovaChain, **kwargs: Any) -> DIDManager:
    nc.deploy(steps=deploy_steps(nc.config.blockchain))
    network = did_network(nc.config.blockchain.network, nc.chain.chain_id)
    return DIDManager(nc.chain, nc.contract("DIDRegistry"), network, **kwargs)


def throughput(nc: NovaChain, count: int) -> dict[str, float]:
    """Verifications per second for the three verifiers, plus issuing and the bare signature check."""
    dm = manager(nc)
    issuer_doc, issuer_key = dm.create_did("provider", publish=True)
    # a realistic issuer history: a delegate added and revoked, a service endpoint
    delegate = Signer(bytes.fromhex("77" * 32)).address
    dm.add_delegate(issuer_doc["id"], issuer_key, delegate)
    dm.revoke_delegate(issuer_doc["id"], issuer_key, delegate)
    dm.set_attribute(issuer_doc["id"], issuer_key, "did/svc/ProviderAPI", b"https://provider.example/api")
    subjects = [dm.create_did("vm")[0]["id"] for _ in range(count)]
    t0 = time.perf_counter()
    tokens = [dm.issue_credential(issuer_doc["id"], s, {"cpuAllocation": 4}, issuer_key) for s in subjects]
    issue = count / (time.perf_counter() - t0)
    out = {"issue_per_s": issue}
    verifiers = {
        "uncached": DIDManager(nc.chain, dm.registry, dm.network, cache_size=0),
        "cached": DIDManager(nc.chain, dm.registry, dm.network),
        "stale_60s": DIDManager(nc.chain, dm.registry, dm.network, max_staleness=60.0),
    }
    for name, verifier in verifiers.items():
        if name == "stale_60s":  # what it saves is repeated checks: a first pass reads the chain
            assert all(verifier.verify_credential(t).valid for t in tokens)
        verifier.verify_credential(tokens[0])  # warm the cache (and imports)
        t0 = time.perf_counter()
        ok = sum(verifier.verify_credential(t).valid for t in tokens)
        out[f"verify_{name}_per_s"] = count / (time.perf_counter() - t0)
        if ok != count:
            raise SystemExit(f"{name}: only {ok} of {count} credentials verified")
    key = dm.resolve(issuer_doc["id"]).state.keys[0].public_key
    assert key is not None
    parts = [JwsParts.parse(t) for t in tokens]
    t0 = time.perf_counter()
    for _ in range(5):
        assert all(p.verify_key(key) for p in parts)
    out["signature_only_per_s"] = 5 * count / (time.perf_counter() - t0)
    return out


def gas(ethr_artifact: Path | None) -> dict[str, Any]:
    """Gas of identity writes, ours beside ERC-1056 (when its bytecode is at hand) in the same run."""
    with NovaChain.embedded() as nc:
        chain = nc.chain
        dm = manager(nc)
        ours = dm.registry
        out: dict[str, Any] = {}
        # creating a DID: no transaction at all
        block, nonce = chain.block_number(), chain.w3.eth.get_transaction_count(chain.signer.address)
        t0 = time.perf_counter()
        for _ in range(1000):
            dm.create_did("vm")
        out["create_did_per_s"] = 1000 / (time.perf_counter() - t0)
        out["create_did_gas"] = 0
        out["create_did_transactions"] = chain.w3.eth.get_transaction_count(chain.signer.address) - nonce
        out["create_did_blocks"] = chain.block_number() - block
        contracts = {"ours": ours}
        if ethr_artifact is not None:
            raw = json.loads(ethr_artifact.read_text())
            art = Artifact(
                name="EthereumDIDRegistry",
                source_name=str(raw.get("sourceName")),
                abi=raw["abi"],
                bytecode=raw["bytecode"],
                deployed_bytecode=raw["deployedBytecode"],
                source_hash="",
                compiler_version="",
                test_only=True,
            )
            contracts["erc1056"], _ = chain.deploy(art)
        for label, c in contracts.items():
            s = chain.dev_signer(3 if label == "ours" else 4)  # a fresh identity each: "first" means first
            me = s.address
            first = chain.transact(c.functions.setAttribute(me, NAME, b"\x02" * 33, 86400), sender=s).gas_used
            steady = chain.transact(c.functions.setAttribute(me, NAME, b"\x02" * 33, 86400), sender=s).gas_used
            delegate = chain.transact(
                c.functions.addDelegate(me, VERI_KEY, chain.dev_signer(5).address, 86400), sender=s
            ).gas_used
            first_owner = chain.transact(c.functions.changeOwner(me, me), sender=s).gas_used
            steady_owner = chain.transact(c.functions.changeOwner(me, me), sender=s).gas_used
            out[label] = {
                "setAttribute_first": first,
                "setAttribute": steady,
                "addDelegate": delegate,
                "changeOwner_first": first_owner,
                "changeOwner": steady_owner,
            }
        # the relayed (EIP-712 signed) forms DIDManager uses for keys without coins
        doc, key = dm.create_did("vm")
        r_pub = dm.publish_key(doc["id"], key)
        r_attr = dm.set_attribute(doc["id"], key, "did/svc/VMAgent", b"https://vm.example/agent")
        new_key, receipts = dm.rotate_key(doc["id"], key)
        vc = dm.issue_credential(doc["id"], doc["id"], {"cpuAllocation": 4}, new_key)
        r_revoke = dm.revoke_credential(vc, new_key)
        out["ours_signed"] = {
            "setAttribute_first (publish key)": r_pub.gas_used,
            "setAttribute": r_attr.gas_used,
            "changeOwner (rotation)": receipts[0].gas_used,
            "rotation incl. publishing the new key": sum(r.gas_used for r in receipts),
            "revokeCredential": r_revoke.gas_used,
        }
    if ethr_artifact is None:
        out["erc1056"] = {
            "setAttribute_first": ETHR_REFERENCE["setAttribute_first"],
            "setAttribute": ETHR_REFERENCE["setAttribute"],
            "addDelegate": ETHR_REFERENCE["addDelegate"],
            "changeOwner": ETHR_REFERENCE["changeOwner"],
            "source": "DESIGN.md reference numbers (ethr-did-registry bytecode not found)",
        }
    else:
        out["erc1056"]["source"] = f"measured in this run ({ethr_artifact})"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=200, help="credentials verified per verifier and chain")
    ap.add_argument("--no-anvil", action="store_true", help="skip the anvil runs")
    ap.add_argument("--ethr-artifact", type=Path, default=None, help="EthereumDIDRegistry.json of ethr-did-registry")
    args = ap.parse_args()
    ethr = args.ethr_artifact or next((p for p in ETHR_PATHS if p.exists()), None)

    console = Console()
    results: dict[str, Any] = {"count": args.count}
    with NovaChain.embedded() as nc:
        results["embedded"] = throughput(nc, args.count)
    if not args.no_anvil:
        with AnvilNode() as node:
            cfg = load_config(overrides={"network": node.url, "data_dir": "/nonexistent-novacron"})
            with NovaChain.connect(cfg) as nc:
                nc.deployments.path = None
                results["anvil"] = throughput(nc, args.count)
    results["gas"] = gas(ethr)

    table = Table(title=f"credential verification, {args.count} credentials per row (per second)")
    table.add_column("verifier")
    for chain in ("embedded", "anvil"):
        if chain in results:
            table.add_column(chain, justify="right")
    rows = [
        ("issue (sign, one eth_call)", "issue_per_s"),
        ("verify, uncached resolution", "verify_uncached_per_s"),
        ("verify, cached resolution (1 eth_call)", "verify_cached_per_s"),
        ("re-verify within max_staleness 60 s (no call)", "verify_stale_60s_per_s"),
        ("ES256K signature check only", "signature_only_per_s"),
    ]
    for label, key in rows:
        table.add_row(label, *(f"{results[c][key]:,.0f}" for c in ("embedded", "anvil") if c in results))
    console.print(table)

    g = results["gas"]
    gt = Table(title=f"gas (embedded chain); ERC-1056: {g['erc1056']['source']}")
    gt.add_column("operation")
    gt.add_column("DIDRegistry", justify="right")
    gt.add_column("ERC-1056", justify="right")
    gt.add_column("ratio", justify="right")
    for op in ("setAttribute_first", "setAttribute", "addDelegate", "changeOwner"):
        ours, ref = g["ours"][op], g["erc1056"].get(op)
        gt.add_row(op, f"{ours:,}", f"{ref:,}" if ref else "-", f"{ours / ref:.3f}" if ref else "-")
    for op, value in g["ours_signed"].items():
        gt.add_row(f"{op}, EIP-712 relayed", f"{value:,}", "-", "-")
    gt.add_row(
        "create_did",
        f"{g['create_did_gas']} ({g['create_did_transactions']} tx, {g['create_did_blocks']} blocks)",
        "-",
        "-",
    )
    console.print(gt)
    console.print(f"create_did: {g['create_did_per_s']:,.0f} DIDs/s (key generation only)")
    rounded = json.loads(json.dumps(results), parse_float=lambda v: round(float(v), 1))
    save("did", rounded)


if __name__ == "__main__":
    main()
