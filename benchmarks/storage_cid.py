"""CID throughput: novacron_chain.storage.compute_cid beside Debian's ipfs_cid (Rust) on the same files.

python benchmarks/storage_cid.py [--sizes-mb 1 16 64] [--runs 5]

Both read the file from the page cache (it is written just before). ipfs_cid is timed as a process, so its figure
includes process start-up (the 0 MB row shows that cost alone). compute_cid is timed in-process for CIDv0 (dag-pb
leaves, what ipfs_cid computes) and CIDv1 with raw leaves (Kubo's CIDv1 default); the CIDs are checked to agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path

from novacron_chain.storage import compute_cid

from _common import best_of, save

MB = 1_000_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes-mb", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    oracle = shutil.which("ipfs_cid")
    if oracle is None:
        print("ipfs_cid not found (apt-get install -y ipfs-cid): measuring compute_cid alone")
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size_mb in [0, *args.sizes_mb]:
            path = Path(tmp) / f"{size_mb}.bin"
            path.write_bytes(hashlib.shake_256(b"bench" + size_mb.to_bytes(4, "big")).digest(size_mb * MB))
            row = {
                "size_mb": size_mb,
                "compute_cid_v0_s": best_of(partial(compute_cid, path), args.runs)[0],
                "compute_cid_v1_raw_s": best_of(partial(compute_cid, path, cid_version=1), args.runs)[0],
            }
            if oracle is not None:
                out = subprocess.run([oracle, str(path)], capture_output=True, text=True, check=True).stdout
                assert json.loads(out)["CIDv0"] == compute_cid(path), "compute_cid and ipfs_cid disagree"
                run_oracle = partial(subprocess.run, [oracle, str(path)], capture_output=True, check=True)
                row["ipfs_cid_s"] = best_of(run_oracle, args.runs)[0]
            rows.append(row)

    def cell(row: dict[str, float], key: str) -> str:
        if key not in row:
            return "-"
        if row["size_mb"] == 0:
            return f"{row[key] * 1e3:.2f} ms"
        return f"{row['size_mb'] / row[key]:.0f} MB/s"

    print(f"\n{'size':>7} {'compute_cid v0':>16} {'compute_cid v1':>16} {'ipfs_cid':>14} {'v0 vs ipfs_cid':>15}")
    for row in rows:
        ratio = f"{row['ipfs_cid_s'] / row['compute_cid_v0_s']:.2f}x" if "ipfs_cid_s" in row and row["size_mb"] else ""
        print(
            f"{row['size_mb']:>4.0f} MB {cell(row, 'compute_cid_v0_s'):>16} {cell(row, 'compute_cid_v1_raw_s'):>16} "
            f"{cell(row, 'ipfs_cid_s'):>14} {ratio:>15}"
        )
    print()
    for row in rows:
        if row["size_mb"]:
            for key in [k for k in list(row) if k.endswith("_s")]:
                row[key.removesuffix("_s") + "_mb_s"] = round(row["size_mb"] / row[key], 1)
    save("storage_cid", {"runs": args.runs, "statistic": "median wall time", "rows": rows})


if __name__ == "__main__":
    main()
