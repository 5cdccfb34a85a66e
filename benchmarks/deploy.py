"""Deploy time (and gas) of the full contract set on the embedded chain and on anvil.

python benchmarks/deploy.py [--runs 3]
"""

from __future__ import annotations

import argparse
import time

from novacron_chain import NovaChain, load_config
from novacron_chain._deploy import system_plan
from novacron_chain.chain import AnvilNode

from _common import save


def once(config_overrides: dict[str, object]) -> tuple[float, int, int]:
    with NovaChain.connect(load_config(overrides=config_overrides)) as nc:
        nc.deployments.path = None  # measure the chain, not our file writes
        t0 = time.perf_counter()
        outcomes = nc.deploy()
        return time.perf_counter() - t0, len(outcomes), sum(o.gas_used for o in outcomes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    n_steps = len(system_plan(load_config().blockchain))
    embedded = [once({"network": "embedded:memory"}) for _ in range(args.runs)]
    anvil = []
    for _ in range(args.runs):
        with AnvilNode() as node:
            anvil.append(once({"network": node.url, "data_dir": "/nonexistent-novacron"}))
    save(
        "deploy",
        {
            "contracts": n_steps,
            "total_gas": embedded[0][2],
            "embedded_s": round(min(e[0] for e in embedded), 3),
            "anvil_s": round(min(a[0] for a in anvil), 3),
        },
    )


if __name__ == "__main__":
    main()
