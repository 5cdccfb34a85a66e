"""Writes the Groth16Verifier constructor arguments of a circuit's committed verifying key as JSON.

    .venv/bin/python scripts/zk/verifier_args.py [CIRCUIT] [--out FILE]

CIRCUIT defaults to ``compare`` (the capacity registry's); the key is read from
``src/novacron_chain/zk/artifacts/<circuit>.vk.json`` (snarkjs's shape) and encoded for EIP-2537 (alpha || beta ||
gamma || delta || IC[0..n]). The output ({"contract", "circuit", "args", "verifyingKeyHash"}) is what another tool
(`forge create`, `cast`, a block explorer's verification) needs to deploy or check the verifier; `novacron-chain
deploy` computes the same arguments itself (novacron_chain.zk._deploy). Prints to stdout without --out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from novacron_chain.zk._deploy import verifier_constructor_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("circuit", nargs="?", default="compare")
    parser.add_argument("--out", type=Path)
    ns = parser.parse_args()
    text = json.dumps(verifier_constructor_args(ns.circuit), indent=1) + "\n"
    if ns.out:
        ns.out.write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
