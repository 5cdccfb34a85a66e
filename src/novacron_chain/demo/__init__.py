"""``novacron-chain demo``: a walk through what exists, one scene per component, on a fresh in-memory chain.

A scene is a titled function of a :class:`DemoContext` (the connected NovaChain, a rich console, and the report the
scene adds its figures to, which ``--json`` prints). :data:`SCENES` lists them in the order they run. A new domain
adds its scene as a module of this package (``_<domain>.py``, one function using the library's public surface,
never the CLI's command modules) and one line in :data:`SCENES`.

::

    from novacron_chain.demo import run

    report = run()      # prints each scene to the terminal; returns what `novacron-chain demo --json` prints
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._chain import deploy, dev_accounts, time_travel, transactions
from ._consensus import proof_of_stake
from ._context import DemoContext, Scene
from ._governance import governance
from ._identity import identity
from ._l2 import l2_payments
from ._metrics import metrics
from ._orchestration import orchestration
from ._security import security
from ._state import vm_state
from ._tokens import tokens
from ._zk import zk_proofs

if TYPE_CHECKING:
    from rich.console import Console

    from ..config import NovaConfig

__all__ = ["SCENES", "DemoContext", "Scene", "run"]

#: the scenes, in the order they run (``name`` keys each scene's time in the report)
SCENES: tuple[Scene, ...] = (
    Scene("chain", "Start a throw-away embedded chain", dev_accounts),
    Scene("deploy", "Deploy the contract set", deploy),
    Scene("transactions", "Sign and send transactions", transactions),
    Scene("time", "Travel in time (dev chains only)", time_travel),
    Scene("state", "VM state: records in IPFS, one Merkle root on chain, integrity checked", vm_state),
    Scene("did", "Decentralized identity: a VM's credential issued, verified, revoked", identity),
    Scene("zk", "Zero-knowledge proofs: 'more than 2 CPUs' and 'an allowed region' proven, not revealed", zk_proofs),
    Scene("tokens", "Resource tokens: buy CPU on the curve, swap for MEM, add liquidity, stake", tokens),
    # before governance: its proposal mints the CPU token up to its cap, after which no CPU can be bought to stake
    Scene(
        "vm",
        "Contract orchestration: a VM created, migrated with 3 of 5 approvals, an SLA penalty enforced",
        orchestration,
    ),
    Scene("l2", "Layer 2: a VM pays every minute of 3 simulated hours over the rollup", l2_payments),
    Scene("governance", "DAO governance: 'mint 1M CPU tokens' proposed, voted, time-locked, executed", governance),
    # after governance: the validators' stake comes from account 0's NOVA, which governance needs for its quorum
    Scene(
        "pos",
        "Proof of stake: validators check a VM state root and make it final with one BLS signature",
        proof_of_stake,
    ),
    Scene(
        "security",
        "Contract security: the deployment audited, one contract paused and resumed, an upgrade rolled back by vote",
        security,
    ),
    Scene("metrics", "Metrics fed by every transaction", metrics),
)


def run(
    config: NovaConfig | None = None, *, console: Console | None = None, scenes: Sequence[Scene] = SCENES
) -> dict[str, Any]:
    """Play ``scenes`` on a fresh NovaChain connected with ``config`` (default: the defaults and ``NOVACRON_*``
    environment with network ``embedded:memory``; pass an ``embedded:memory`` network: the scenes deploy, travel
    in time and use dev accounts). Prints to ``console`` (default: the terminal); returns the report: each scene's
    figures under its name, ``act_seconds`` (each scene's time) and ``seconds`` (the whole run).
    """
    from rich.console import Console

    from .. import NovaChain
    from ..config import load_config

    console = console if console is not None else Console(highlight=False)
    if config is None:
        config = load_config(overrides={"network": "embedded:memory"})
    started = time.perf_counter()
    with NovaChain.connect(config) as nova:
        d = DemoContext(nova=nova, console=console)
        seconds: dict[str, float] = {}
        for n, scene in enumerate(scenes, 1):
            console.rule(f"[bold]{n}. {scene.title}")
            t0 = time.perf_counter()
            scene.play(d)
            seconds[scene.name] = round(time.perf_counter() - t0, 2)
            console.print(f"  [dim]({seconds[scene.name]:.1f} s)[/]")
    d.report["act_seconds"] = seconds
    elapsed = time.perf_counter() - started
    console.rule(f"done in {elapsed:.1f} s")
    return {**d.report, "seconds": round(elapsed, 2)}
