"""Worker of the crash test: records VM states 0..N-1 into a persistent embedded chain's data dir, resuming where the
journal ends, with the background batcher anchoring them; prints ``ready <resume index>``, then each index once
``record_vm_state`` returned for it, then ``done`` after everything is anchored.

    python -m tests.state._recorder DATA_DIR N RATE
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from novacron_chain import NovaChain, load_config
from novacron_chain.state import StateManager
from novacron_chain.storage import EmbeddedStore

from .conftest import make_record


def main() -> None:
    data_dir, n, rate = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    nc = NovaChain.connect(load_config(overrides={"data_dir": data_dir}))
    store = EmbeddedStore(data_dir / "ipfs")
    sm = StateManager(
        nc.chain, nc.contract("StateAnchor"), store, data_dir=data_dir / "state", batch_size=1000, batch_max_wait=1
    )
    start = sm.summary().next_seq - 1  # one seq per record: this many are in the journal already
    out = sys.stdout
    out.write(f"ready {start}\n")
    out.flush()
    sm.start()
    t0 = time.monotonic()
    for i in range(start, n):
        if i % 50 == 0:  # the VM platform records at `rate` per second, not all at once
            time.sleep(max(0.0, t0 + (i - start) / rate - time.monotonic()))
        sm.record_vm_state(make_record(i))
        out.write(f"{i}\n")
        out.flush()
    sm.stop(flush=True)
    summary = sm.summary()
    sm.close()
    store.close()
    nc.close()
    out.write(f"done {summary.anchored} {summary.pending} {summary.intended}\n")
    out.flush()


if __name__ == "__main__":
    main()
