"""Helpers shared by the benchmark scripts: timing and a results file the README table is built from."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def best_of(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    """Median wall time of ``runs`` calls of ``fn`` and all the samples (seconds)."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), samples


def save(name: str, data: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` with machine facts, and print it."""
    RESULTS.mkdir(exist_ok=True)
    import os

    out = {
        "benchmark": name,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(data, indent=2))
    return path
