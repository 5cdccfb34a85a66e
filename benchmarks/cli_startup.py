"""Wall time of `novacron-chain --help` (and of one group's help) as a ratio to a bare `python -c pass`.

The runs alternate (bare, --help, group help, bare, ...) so that both sides see the same machine load; the ratio of
the medians is the figure that carries from one machine to another. Goal (issue 11): --help under 150 ms where bare
Python took 23 ms, i.e. a ratio under 6.5.

python benchmarks/cli_startup.py [--runs 15] [--pythonpath DIR]

--pythonpath runs the CLI from another source tree, e.g. a `git archive HEAD~3 src | tar -x -C /tmp/old` checkout's
`/tmp/old/src`, to measure before and after on one machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import save

CLI = str(Path(sys.executable).with_name("novacron-chain"))
GOAL_MS = 150
GOAL_RATIO = round(150 / 23, 1)  # the goal against the bare Python it measured on its machine


@dataclass
class Samples:
    """Wall times of one case, and the CPU time (user + system) its child processes used (seconds)."""

    seconds: list[float]
    cpu_seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_ms(self) -> float:
        return self.median * 1000

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)

    def summary(self) -> dict[str, float]:
        """Wall time's median, quartiles and extremes, and CPU time's median, in ms (quartiles need 4 runs)."""
        ms = sorted(s * 1000 for s in self.seconds)
        q1, _, q3 = statistics.quantiles(ms, n=4) if len(ms) >= 4 else (ms[0], 0.0, ms[-1])
        out = {"median": self.median_ms, "q1": q1, "q3": q3, "min": ms[0], "max": ms[-1]}
        out["cpu_median"] = self.cpu_median * 1000
        return {k: round(v, 1) for k, v in out.items()}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished children only: a running node is not counted
    return usage.ru_utime + usage.ru_stime


def run_interleaved(cases: dict[str, Callable[[], Any]], runs: int, *, warmup: int = 1) -> dict[str, Samples]:
    """Time every case ``runs`` times, one of each in turn (after ``warmup`` untimed rounds), so that a change in
    machine load hits all cases alike. Each case runs one child process to completion."""
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(warmup + runs):
        for name, fn in cases.items():
            c0, t0 = _children_cpu(), time.perf_counter()
            fn()
            if i >= warmup:
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(_children_cpu() - c0)
    return {name: Samples(wall[name], cpu[name]) for name in cases}


def print_table(samples: dict[str, Samples], *, baseline: str) -> None:
    """A small table: wall time's median, quartiles and extremes and its multiple of the baseline's median, then the
    same for CPU time (steadier than wall time on a busy machine)."""
    base, base_cpu = samples[baseline].median, samples[baseline].cpu_median
    width = max(len(name) for name in samples)
    runs = len(samples[baseline].seconds)
    head = f"{'wall median':>11}  {'q1-q3':>11}  {'min-max':>11}  {'x bare':>6}  {'cpu median':>10}  {'x bare':>6}"
    print(f"{'':{width}}  {head}")
    for name, s in samples.items():
        d = s.summary()
        print(
            f"{name:{width}}  {d['median']:11.0f}  {d['q1']:5.0f}-{d['q3']:<5.0f}  {d['min']:5.0f}-{d['max']:<5.0f}"
            f"  {s.median / base:6.1f}  {d['cpu_median']:10.0f}  {s.cpu_median / base_cpu:6.1f}"
        )
    print(f"(ms, {runs} runs each, interleaved)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--pythonpath", help="source tree to run the CLI from (default: the installed package)")
    args = ap.parse_args()
    env = {**os.environ, **({"PYTHONPATH": args.pythonpath} if args.pythonpath else {})}

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)

    samples = run_interleaved(
        {
            "python -c pass": lambda: run([sys.executable, "-c", "pass"]),
            "novacron-chain --help": lambda: run([CLI, "--help"]),
            "novacron-chain market --help": lambda: run([CLI, "market", "--help"]),
        },
        args.runs,
    )
    bare = samples["python -c pass"]
    print_table(samples, baseline="python -c pass")
    help_ = samples["novacron-chain --help"]
    ratio = help_.median / bare.median
    print(f"--help: {help_.median_ms:.0f} ms, {ratio:.1f}x bare Python (goal: under {GOAL_RATIO}x, {GOAL_MS} ms)")
    save(
        "cli_startup",
        {
            "runs": args.runs,
            "pythonpath": args.pythonpath,
            "python_bare_ms": bare.summary(),
            "help_ms": help_.summary(),
            "group_help_ms": samples["novacron-chain market --help"].summary(),
            "help_ratio": round(ratio, 2),
            "help_cpu_ratio": round(help_.cpu_median / bare.cpu_median, 2),
            "goal_ms": GOAL_MS,
            "goal_ratio": GOAL_RATIO,
        },
    )


if __name__ == "__main__":
    main()
