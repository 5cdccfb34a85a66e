"""Wall time of `novacron-chain --help` (goal < 300 ms), beside a bare `python -c pass` in the same run.

python benchmarks/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from _common import best_of, save

CLI = str(Path(sys.executable).with_name("novacron-chain"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    base, _ = best_of(lambda: run([sys.executable, "-c", "pass"]), args.runs)
    help_, _ = best_of(lambda: run([CLI, "--help"]), args.runs)
    save(
        "cli_startup",
        {
            "runs": args.runs,
            "python_bare_ms": round(base * 1000, 1),
            "help_ms": round(help_ * 1000, 1),
            "goal_ms": 300,
        },
    )


if __name__ == "__main__":
    main()
