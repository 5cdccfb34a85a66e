"""Wall time of real `novacron-chain` commands against a running anvil, as a ratio to a bare `python -c pass`.

Starts anvil (automine: a write's block is mined at once, so "block time" is zero), deploys the contract set with
`novacron-chain deploy`, then times, one of each in turn after a warm-up round:

- reads: `market price CPU`, `token balances`, `status` (every deployed contract's code checked);
- a write: `market buy CPU 1` (sign, send, wait for the receipt);
- with --embedded (default on), the same read on the embedded chain (py-evm in the process) for comparison.

Goal (issue 11): a read under 1 s and a write under 1 s plus the block time, where bare Python took 25 ms: a ratio
under 40. One extra run of the read records which heavy packages a read command has loaded when it exits.

python benchmarks/cli_commands.py [--runs 5] [--no-embedded] [--pythonpath DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cli_startup import print_table, run_interleaved

from novacron_chain.chain import AnvilNode

from _common import save

CLI = str(Path(sys.executable).with_name("novacron-chain"))
GOAL_RATIO = 40  # 1 s where the issue measured bare Python at 25 ms
# the CLI's entry point, reporting sys.modules at exit (`-X importtime` misses importlib.import_module)
TRACE = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["novacron-chain", *sys.argv[1:]]
from novacron_chain.cli import main
main()
"""
HEAVY = {
    "py_evm": "eth",
    "eth_tester": "eth_tester",
    "py_ecc_bls": "py_ecc.bls",
    "py_ecc_pairing": "py_ecc.optimized_bls12_381",
    "aiohttp": "aiohttp",
    "rich": "rich",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--embedded", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--pythonpath", help="source tree to run the CLI from (default: the installed package)")
    args = ap.parse_args()
    env = {**os.environ, **({"PYTHONPATH": args.pythonpath} if args.pythonpath else {})}
    env.pop("NOVACRON_DEBUG", None)

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLI, *argv], check=True, capture_output=True, text=True, env=env)

    with tempfile.TemporaryDirectory(prefix="novacron-bench-") as tmp, AnvilNode() as node:
        rpc = ["--data-dir", str(Path(tmp) / "rpc"), "--network", node.url]
        cli(*rpc, "deploy")
        cases = {
            "python -c pass": lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
            "read: market price CPU": lambda: cli(*rpc, "market", "price", "CPU"),
            "read: token balances": lambda: cli(*rpc, "token", "balances"),
            "read: status": lambda: cli(*rpc, "status"),
            "write: market buy CPU 1": lambda: cli(*rpc, "market", "buy", "CPU", "1"),
        }
        if args.embedded:
            embedded = ["--data-dir", str(Path(tmp) / "embedded"), "--network", "embedded"]
            cli(*embedded, "deploy")
            cases["embedded read: market price CPU"] = lambda: cli(*embedded, "market", "price", "CPU")
        samples = run_interleaved(cases, args.runs)
        modules_out = Path(tmp) / "modules.json"
        subprocess.run(
            [sys.executable, "-c", TRACE, *rpc, "market", "price", "CPU"],
            check=True,
            capture_output=True,
            env={**env, "MODULES_OUT": str(modules_out)},
        )
        loaded = set(json.loads(modules_out.read_text()))

    imports = {key: module in loaded for key, module in HEAVY.items()}
    print_table(samples, baseline="python -c pass")
    bare, bare_cpu = samples["python -c pass"].median, samples["python -c pass"].cpu_median
    print("a read over RPC loads: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in imports.items()))
    save(
        "cli_commands",
        {
            "runs": args.runs,
            "pythonpath": args.pythonpath,
            "node": "anvil, automine (block time 0)",
            "ms": {name: s.summary() for name, s in samples.items()},
            "ratio_to_bare": {name: round(s.median / bare, 1) for name, s in samples.items()},
            "cpu_ratio_to_bare": {name: round(s.cpu_median / bare_cpu, 1) for name, s in samples.items()},
            "goal_ratio": GOAL_RATIO,
            "rpc_read_imports": imports,
        },
    )


if __name__ == "__main__":
    main()
