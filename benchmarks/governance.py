"""DAO governance: gas of propose, castVote, queue and execute, NovaGovernor beside OpenZeppelin's CountingSimple.

Both governors are compiled by ``scripts/compile.js`` with the same settings (solc 0.8.37, optimizer 200, cancun)
and the same extensions (Settings, Votes, QuorumFraction, TimelockControl); the reference (``ReferenceGovernor`` in
contracts/reference/) counts with GovernorCountingSimple, ours quadratically for credentialed members (a membership
record read and a DIDRegistry revocation check on every vote). They share one NOVA token and run the same
proposal ("mint 1,000 CPU" through the timelock) side by side in the same run on the embedded chain, with the same
voters in the same order, so token checkpoint reads cost the same on both:

* castVote ``first``: the first vote on the proposal, For (the tally slot goes from zero to non-zero; for ours also
  the "has voted" bitmap slot its 256 members share, for the reference the voter's own boolean slot, as always);
* castVote ``steady``: a later vote For (the tally slot is already non-zero; ours: so is the bitmap slot);
* castVote ``against``: the first vote Against (a zero tally slot again).

Goal: quadratic castVote at most 1.2x of CountingSimple.

    python benchmarks/governance.py
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from novacron_chain import NovaChain
from novacron_chain.governance import NOVA

from _common import save

DELAY, PERIOD, TIMELOCK = 24 * 3600, 7 * 24 * 3600, 48 * 3600
THRESHOLD = 100_000 * NOVA
SUPPLY = 10_000_000 * NOVA
MINTER_ROLE = bytes.fromhex("9f2df0fed2c77648de5860a4cc508cd0818c85b8b8a1ab4ceeef8d981c8956a6")
PROPOSER_ROLE = bytes.fromhex("b09aa5aeb3702cfd50b6b62bc4532604938f21248a27a1d5ca736082b6819cc1")


def measure() -> dict[str, Any]:
    with NovaChain.embedded() as nc:
        chain = nc.chain
        me = chain.signer.address
        voters = [chain.dev_signer(i) for i in (1, 2, 3)]
        registry, _ = chain.deploy("DIDRegistry", me, me)
        token, _ = chain.deploy("NovaToken", [me], [SUPPLY])
        cpu, _ = chain.deploy("ResourceToken", "NovaCron CPU Token", "CPU", 10**6 * NOVA, me, me)
        zero = "0x" + "00" * 20
        governors: dict[str, Any] = {}
        for label in ("reference", "ours"):
            timelock, _ = chain.deploy("NovaTimelock", TIMELOCK, [], [zero], me)
            if label == "ours":
                gov, _ = chain.deploy(
                    "NovaGovernor",
                    token.address,
                    timelock.address,
                    registry.address,
                    [me],
                    DELAY,
                    PERIOD,
                    THRESHOLD,
                    4000,
                )
            else:
                gov, _ = chain.deploy(
                    "ReferenceGovernor", token.address, timelock.address, DELAY, PERIOD, THRESHOLD, 40
                )
            chain.transact(timelock.functions.grantRole(PROPOSER_ROLE, gov.address))
            chain.transact(cpu.functions.grantRole(MINTER_ROLE, timelock.address))
            governors[label] = (gov, timelock)
        # the proposals mint to an account that already holds CPU, so neither execution pays for the first
        # non-zero supply or balance slot
        chain.transact(cpu.functions.grantRole(MINTER_ROLE, me))
        chain.transact(cpu.functions.mint(me, NOVA))
        # voters: 5.5M (proposer), 2M, 1.5M, 1M NOVA, all self-delegated; memberships for ours
        for v, amount in zip(voters, (2_000_000, 1_500_000, 1_000_000), strict=True):
            chain.transact(token.functions.transfer(v.address, amount * NOVA))
            chain.transact(token.functions.delegate(v.address), sender=v)
        ours = governors["ours"][0]
        expires = chain.timestamp() + 365 * 24 * 3600
        for i, addr in enumerate([me, *(v.address for v in voters)]):
            chain.transact(ours.functions.recordMembership(me, addr, bytes([i + 1]) * 32, expires))
        chain.advance(1)

        out: dict[str, dict[str, int]] = {label: {} for label in governors}
        desc = "Mint 1,000 CPU tokens"
        action = cpu.functions.mint(me, 1000 * NOVA)._encode_transaction_data()
        args = ([cpu.address], [0], [bytes.fromhex(action[2:])])
        ids = {}
        for label, (gov, _) in governors.items():
            out[label]["propose"] = chain.transact(gov.functions.propose(*args, desc)).gas_used
            ids[label] = chain.call(gov.functions.getProposalId(*args, nc.chain.w3.keccak(text=desc)))
        chain.advance(DELAY + 1)
        for label, (gov, _) in governors.items():
            pid = ids[label]
            out[label]["castVote_first"] = chain.transact(gov.functions.castVote(pid, 1), sender=voters[0]).gas_used
            out[label]["castVote_steady"] = chain.transact(gov.functions.castVote(pid, 1), sender=voters[1]).gas_used
            out[label]["castVote_against"] = chain.transact(gov.functions.castVote(pid, 0), sender=voters[2]).gas_used
            out[label]["castVoteWithReason_steady"] = chain.transact(
                gov.functions.castVoteWithReason(pid, 1, "This will help with scaling")
            ).gas_used
        chain.advance(PERIOD)
        for label, (gov, _) in governors.items():
            out[label]["queue"] = chain.transact(gov.functions.queue(*args, nc.chain.w3.keccak(text=desc))).gas_used
        chain.advance(TIMELOCK)
        for label, (gov, _) in governors.items():
            out[label]["execute"] = chain.transact(gov.functions.execute(*args, nc.chain.w3.keccak(text=desc))).gas_used
        assert chain.call(cpu.functions.totalSupply()) == 2 * 1000 * NOVA + NOVA, "both proposals executed"
        sizes = {}
        for label, _name in (("reference", "ReferenceGovernor"), ("ours", "NovaGovernor")):
            sizes[label] = len(chain.code(governors[label][0].address))
    ratios = {k: round(out["ours"][k] / out["reference"][k], 3) for k in out["ours"]}
    return {"gas": out, "ratio_ours_to_reference": ratios, "runtime_bytes": sizes, "goal_castVote_ratio": 1.2}


def main() -> None:
    data = measure()
    table = Table(title="governance gas: NovaGovernor (quadratic, members) vs OZ CountingSimple, same run")
    for col in ("operation", "CountingSimple", "NovaGovernor", "ratio"):
        table.add_column(col, justify="right" if col != "operation" else "left")
    for op, ref in data["gas"]["reference"].items():
        table.add_row(op, f"{ref:,}", f"{data['gas']['ours'][op]:,}", f"{data['ratio_ours_to_reference'][op]:.3f}")
    Console().print(table)
    Console().print(
        f"runtime size: ours {data['runtime_bytes']['ours']:,} B, reference {data['runtime_bytes']['reference']:,} B"
    )
    save("governance", data)


if __name__ == "__main__":
    main()
