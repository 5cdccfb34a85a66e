"""Zero-knowledge proofs over credentials: prove and verify times, proof sizes, circuit sizes, against the issue's
goals (prove < 150 ms, verify in Python < 10 ms, proof <= 1 KB) and anchors.

"ours" is ``novacron_chain.zk``: Groth16 over BLS12-381, witness by the circom wasm in wasmtime, our prover (NTT in
Python ints, MSMs in py-arkworks) and verifier (one 4-pair pairing check). Rows:

* witness: the circom witness generator for one "value > threshold" statement;
* prove (engine): witness + prover + the verification every proof gets before it is returned (``prove_predicate``);
* verify (engine): ``verify_predicate`` (public-input MSM + pairing check);
* create_zk_proof / verify_zk_proof: the DID manager's calls on the embedded chain, including the credential check
  (issuer key, revocation, expiry: chain reads) and, for verify, the issuer's EIP-712 signature;
* baseline, same run: snarkjs ``groth16.fullProve`` / ``groth16.verify`` in one node process (the same circuit,
  witness generator and keys; its curve built once, before timing) when node and snarkjs are installed (``npm ci``).

Anchors (not measured here): Groth16 BN254 with snarkjs ~270 ms prove, 256 B proof, 221,437 gas on chain (issue 18);
Bulletproofs 64-bit range proof 672 B.

    cd benchmarks && ../.venv/bin/python zk.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.did import DIDManager, deploy_steps, did_network
from novacron_chain.zk import commit, prove_predicate, verify_predicate
from novacron_chain.zk._circuits import circuit

from _common import best_of, save

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "src/novacron_chain/zk/artifacts"
SALT = 0x0123456789ABCDEF0123456789ABCDEF
GOALS = {"prove_ms": 150.0, "verify_ms": 10.0, "proof_bytes": 1024}


_SNARKJS_BENCH = """
const snarkjs = require(process.argv[1]);
const fs = require("fs");
const [input, wasm, zkey, vkFile, runs] = [JSON.parse(process.argv[2]), process.argv[3], process.argv[4],
  JSON.parse(fs.readFileSync(process.argv[5])), Number(process.argv[6])];
(async () => {
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  let { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);  // warm-up: builds the curve
  const p = [], v = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    ({ proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey));
    p.push(performance.now() - t);
    t = performance.now();
    if (!(await snarkjs.groth16.verify(vkFile, publicSignals, proof))) throw new Error("snarkjs rejects its proof");
    v.push(performance.now() - t);
  }
  console.log(JSON.stringify({ prove: median(p), verify: median(v) }));
  process.exit(0);
})();
"""


def snarkjs_baseline(runs: int) -> dict[str, float] | None:
    """snarkjs in one node process (curve built once): fullProve (witness + prove) and verify, same circuit and
    keys, median of ``runs``."""
    node, snarkjs = shutil.which("node"), ROOT / "node_modules/snarkjs"
    zkey = ROOT / "circuits/ceremony/compare.zkey"
    if node is None or not snarkjs.exists() or not zkey.exists():
        return None
    inputs = {"commitment": str(commit(8, SALT)), "op": "0", "threshold": "2", "context": "5", "value": "8",
              "salt": str(SALT)}  # fmt: skip
    args = [str(snarkjs), json.dumps(inputs), str(ARTIFACTS / "compare.wasm"), str(zkey)]
    command = [node, "-e", _SNARKJS_BENCH, *args, str(ARTIFACTS / "compare.vk.json"), str(runs)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"snarkjs_prove_ms": float(result["prove"]), "snarkjs_verify_ms": float(result["verify"])}


def did_flow(runs: int) -> dict[str, float]:
    nc = NovaChain.embedded()
    nc.deploy(steps=deploy_steps(nc.config.blockchain))
    dm = DIDManager(nc.chain, nc.contract("DIDRegistry"), did_network(nc.config.blockchain.network, nc.chain.chain_id))
    issuer_key, holder_key = bytes(range(1, 33)), bytes(range(2, 34))
    issuer, holder = dm.did_of(Signer(issuer_key).address), dm.did_of(Signer(holder_key).address)
    dm.publish_key(issuer, issuer_key)
    issue_s, _ = best_of(lambda: dm.issue_zk_credential(issuer, holder, {"cpu": 8}, issuer_key), max(3, runs // 4))
    zc = dm.issue_zk_credential(issuer, holder, {"cpu": 8, "region": "us-east-1"}, issuer_key)
    create_s, _ = best_of(lambda: dm.create_zk_proof("cpu > 2", zc, nonce="n", verifier="v"), runs)
    proof = dm.create_zk_proof("cpu > 2", zc, nonce="n", verifier="v")
    text = json.dumps(proof.to_json())
    assert dm.verify_zk_proof(text, nonce="n", verifier="v").valid
    verify_s, _ = best_of(lambda: dm.verify_zk_proof(text, nonce="n", verifier="v"), runs)
    nc.close()
    return {
        "issue_zk_credential_ms": issue_s * 1e3,
        "create_zk_proof_ms": create_s * 1e3,
        "verify_zk_proof_ms": verify_s * 1e3,
        "proof_json_bytes": len(text),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    runs = ap.parse_args().runs
    manifest = json.loads((ARTIFACTS / "manifest.json").read_text())
    data: dict[str, Any] = {"runs": runs, "load_average_before": os.getloadavg()[0]}
    for name in ("compare", "member"):
        c = circuit(name)  # load once (~0.2 s: decompress the proving key, compile the wasm)
        if name == "compare":
            inputs: dict[str, Any] = {"op": 0, "threshold": 2}
            wit_inputs: dict[str, Any] = {"op": 0, "threshold": 2, "context": 5}
        else:
            inputs = {"members": [8, 9, 10]}
            wit_inputs = {"set": [8, 9, 10, 8, 8, 8, 8, 8], "context": 5}
        proof, publics = prove_predicate(name, value=8, salt=SALT, context=5, **inputs)
        wit = {"commitment": commit(8, SALT), **wit_inputs, "value": 8, "salt": SALT}
        witness_s, _ = best_of(partial(c.witness.calculate, wit), runs)
        prove_s, samples = best_of(partial(prove_predicate, name, value=8, salt=SALT, context=5, **inputs), runs)
        verify_s, verify_samples = best_of(partial(verify_predicate, name, proof, publics), runs * 5)
        data[name] = {
            "constraints": manifest[name]["constraints"],
            "public_inputs": len(publics),
            "domain": 1 << c.pk.log_domain,
            "witness_ms": witness_s * 1e3,
            "prove_ms": prove_s * 1e3,
            "prove_p90_ms": sorted(samples)[int(0.9 * (len(samples) - 1))] * 1e3,
            "prove_min_ms": min(samples) * 1e3,
            "verify_ms": verify_s * 1e3,
            "verify_min_ms": min(verify_samples) * 1e3,
            "proof_bytes_compressed": len(proof.to_compressed()),
            "proof_bytes_eip2537": len(proof.to_eip2537()),
            "proving_key_bytes": (ARTIFACTS / f"{name}.pk").stat().st_size,
            "wasm_bytes": (ARTIFACTS / f"{name}.wasm").stat().st_size,
        }
    data["did"] = did_flow(runs)
    baseline = snarkjs_baseline(runs)
    if baseline is not None:
        data["baseline"] = baseline
    data["load_average_after"] = os.getloadavg()[0]
    save("zk", data)

    load = f"load average {data['load_average_before']:.1f} -> {data['load_average_after']:.1f}"
    t = Table(title=f"ZK proofs over credentials (median of {runs}; Groth16, BLS12-381; {load})")
    t.add_column("measure")
    t.add_column("compare (x > t)", justify="right")
    t.add_column("member (x in set)", justify="right")
    t.add_column("goal / anchor", justify="right")
    cmp_, mem = data["compare"], data["member"]
    rows = [
        ("constraints (circom --O2)", "constraints", "{:,}", "336 (BN254, circomlib Poseidon)"),
        ("witness (wasmtime)", "witness_ms", "{:.1f} ms", ""),
        ("prove (witness + prover + self-verify)", "prove_ms", "{:.1f} ms", "< 150 ms; snarkjs BN254 ~270 ms"),
        ("prove, fastest run (quiet-machine estimate)", "prove_min_ms", "{:.1f} ms", ""),
        ("verify (Python, py-arkworks)", "verify_ms", "{:.2f} ms", "< 10 ms; py_ecc BN254 1.6 s"),
        ("verify, fastest run", "verify_min_ms", "{:.2f} ms", ""),
        ("proof, compressed", "proof_bytes_compressed", "{} B", "<= 1 KB; BN254 256 B; Bulletproofs 672 B"),
        ("proof, EIP-2537 (on chain)", "proof_bytes_eip2537", "{} B", ""),
    ]
    for label, key, fmt, goal in rows:
        t.add_row(label, fmt.format(cmp_[key]), fmt.format(mem[key]), goal)
    d = data["did"]
    t.add_row("create_zk_proof (+ credential check, embedded chain)", f"{d['create_zk_proof_ms']:.1f} ms", "", "")
    t.add_row("verify_zk_proof (+ credential, revocation, signature)", f"{d['verify_zk_proof_ms']:.1f} ms", "", "")
    if baseline is not None:
        t.add_row("baseline: snarkjs fullProve, same circuit (node)", f"{baseline['snarkjs_prove_ms']:.1f} ms", "", "")
        t.add_row("baseline: snarkjs verify (node)", f"{baseline['snarkjs_verify_ms']:.1f} ms", "", "")
    Console().print(t)
    ok = cmp_["prove_ms"] < GOALS["prove_ms"] and cmp_["verify_ms"] < GOALS["verify_ms"]
    print("goals met" if ok and cmp_["proof_bytes_eip2537"] <= GOALS["proof_bytes"] else "goals NOT met")


if __name__ == "__main__":
    main()
