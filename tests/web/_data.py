"""The dashboard tests' chain: an embedded chain with the demo's data (the scenes of ``novacron-chain demo`` named in
:data:`SCENES`), an audit trail for two VMs, and two more proposals, one queued in the timelock (a countdown) and one
open for votes (the browser votes on it)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from novacron_chain import NovaChain

#: the demo's scenes played (by name: a scene added to the demo later joins only when listed here)
SCENES: tuple[str, ...] = (
    "chain",
    "deploy",
    "transactions",
    "time",
    "state",
    "did",
    "tokens",
    "vm",
    "l2",
    "governance",
    "pos",
)
#: the demo's VM (its orchestration scene creates it) and one more, created here
DEMO_VM = "vm-12345"
SECOND_VM = "vm-web-2"


def demo_chain(*, scenes: Sequence[str] = SCENES) -> NovaChain:
    """A new embedded chain (the caller closes it) after the demo's scenes, plus a queued and an open proposal."""
    from rich.console import Console

    from novacron_chain.demo import SCENES as DEMO_SCENES
    from novacron_chain.demo._context import DemoContext
    from novacron_chain.governance import ProposalAction

    nova = NovaChain.embedded(enable_cross_chain=True, supported_chains=[])  # the bridge over this chain only
    try:
        d = DemoContext(nova=nova, console=Console(file=io.StringIO(), width=120))
        by_name = {scene.name: scene for scene in DEMO_SCENES}
        for name in scenes:
            by_name[name].play(d)
        _vm_states(nova)
        gm, chain = nova.governance, nova.chain
        cpu = nova.contract("CPUToken")
        treasury = gm.timelock.address

        def mint(amount: int, what: str) -> list[ProposalAction]:
            call = ProposalAction.call(cpu.address, "mint(address,uint256)", [treasury, amount], description=what)
            return [call]

        queued = gm.create_proposal("Raise the EU CPU reserve", "Mint 10 CPU for eu-west-1", mint(10**19, "10 CPU"))
        chain.advance(gm.voting_delay + 1)
        gm.cast_vote(queued.id, "for", "capacity for eu-west-1")
        chain.advance(gm.voting_period)
        gm.run_keeper()  # queues it: executable after the timelock's delay
        gm.create_proposal("Auto-scale limit for us-east-1", "Mint 1 CPU for the autoscaler", mint(10**18, "1 CPU"))
        chain.advance(gm.voting_delay + 1)  # open for votes
    except BaseException:
        nova.close()
        raise
    return nova


def _vm_states(nova: NovaChain) -> None:
    """A second VM, and an audit trail for both VMs in the chain's own state journal (the demo's state scene writes
    to a throw-away journal of its own), anchored."""
    from novacron_chain.orchestrator import VMLifecycleOperation
    from novacron_chain.state import VMState, VMStateRecord

    nova.orchestrator.create_vm(VMLifecycleOperation(SECOND_VM, "ap-south-1", 1, 1024), reserve=True)
    me = nova.chain.signer.address
    t0 = nova.chain.timestamp() * 1000
    trail = [
        (DEMO_VM, "us-east-1", VMState.STARTING),
        (DEMO_VM, "us-east-1", VMState.RUNNING),
        (DEMO_VM, "eu-west-1", VMState.MIGRATING),
        (DEMO_VM, "eu-west-1", VMState.RUNNING),
        (SECOND_VM, "ap-south-1", VMState.STOPPED),
    ]
    for i, (vm, region, state) in enumerate(trail):
        nova.state.record_vm_state(VMStateRecord(vm, me, region, state, 4, 8192, t0 + i))
    nova.state.flush()
