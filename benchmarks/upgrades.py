"""Upgradeable contracts: what the UUPS proxy costs each upgradeable contract (SLAContract, VMLifecycle,
StateAnchor, Bridge), against OpenZeppelin's own minimal UUPS measured the same way in the same run, and what an upgrade
through governance costs. Gas, on anvil (one dev deployment, as ``novacron-chain deploy`` makes it).

* deployment: each implementation, and its ``UUPSProxy`` (OpenZeppelin's ``ERC1967Proxy``, runtime code unchanged)
  whose constructor runs ``initialize``; the reference is ``contracts/reference/ReferenceUUPS.sol`` (OpenZeppelin's
  Wizard UUPS: Ownable, one value) behind the same proxy;
* per call, "same state, same calls": the operations are sent to the proxy; then the chain is reverted to the
  same snapshot, the proxy's code is replaced by its implementation's (``anvil_setCode``; the storage, initialized
  through the proxy, stays) and the same operations are sent again. Both runs see exactly the same storage and the
  same warm/cold accesses, so the difference is the proxy alone: its ERC-1967 slot read, the delegatecall (a cold
  account access to the implementation) and the calldata/returndata copies;
* upgrade: ``upgradeToAndCall`` sent by an admin, and the governance execution of an upgrade and of a rollback
  proposal (governor -> timelock -> proxy).

    python benchmarks/upgrades.py
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from eth_hash.auto import keccak

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode, deploy_behind_proxy, implementation_of
from novacron_chain.governance import VoteType
from novacron_chain.orchestrator import VMLifecycleOperation

from _common import save

CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
MANIFEST = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"


def _same_state(nc: NovaChain, proxy: str, ops: Callable[[], dict[str, int]]) -> dict[str, dict[str, int]]:
    """``ops`` through the proxy, then from the same snapshot with the implementation's code at the proxy's address."""
    chain = nc.chain
    implementation = implementation_of(chain, proxy)
    assert implementation is not None, f"{proxy} is not a proxy"
    code = chain.code(implementation)
    snap = chain.snapshot()
    through = ops()
    chain.revert(snap)
    snap = chain.snapshot()
    chain.backend.client.call("anvil_setCode", proxy, "0x" + code.hex())  # type: ignore[attr-defined]
    direct = ops()
    chain.revert(snap)
    return {k: {"proxy": through[k], "implementation": direct[k], "overhead": through[k] - direct[k]} for k in through}


def _vm_ops(nc: NovaChain) -> dict[str, int]:
    co, dev = nc.orchestrator, nc.chain.dev_signer
    out = {"createVM": co.create_vm(VMLifecycleOperation("vm-12345", "us-east-1", 4, 8192)).gas_used}
    out["startVM"] = co.start_vm("vm-12345").gas_used
    out["confirmRunning"] = co.confirm_running("vm-12345").gas_used
    out["stopVM"] = co.stop_vm("vm-12345").gas_used
    out["migrateVM"] = co.migrate_vm("vm-12345", "eu-west-1", CID).gas_used
    out["approveMigration"] = co.approve_migration("vm-12345", sender=dev(1)).gas_used
    return out


def _anchor_ops(nc: NovaChain) -> dict[str, int]:
    chain, anchor = nc.chain, nc.contract("StateAnchor")
    return {
        "anchor (first)": chain.transact(anchor.functions.anchor(keccak(b"root-1"), 100, MANIFEST)).gas_used,
        "anchor": chain.transact(anchor.functions.anchor(keccak(b"root-2"), 100, MANIFEST)).gas_used,
    }


def _sla_ops(nc: NovaChain, token: Any) -> dict[str, int]:
    chain, sla = nc.chain, nc.contract("SLAContract")
    provider, customer = chain.dev_signer(1), chain.dev_signer(2)
    guarantees = [(keccak(b"uptime"), 99_900, 1000, False), (keccak(b"latency"), 100_000, 500, True)]
    fn = sla.functions.createSLA(customer.address, token.address, guarantees, 10_000, 300, 86_400, 3600)
    return {
        "createSLA": chain.transact(fn, sender=provider).gas_used,
        "acceptSLA": chain.transact(sla.functions.acceptSLA(1), sender=customer).gas_used,
        "createSLA (second)": chain.transact(fn, sender=provider).gas_used,
        "cancelSLA": chain.transact(sla.functions.cancelSLA(2), sender=provider).gas_used,
    }


def _bridge_ops(nc: NovaChain, bridge: Any, token: Any) -> dict[str, int]:
    chain = nc.chain
    fn = bridge.functions.send(token.address, 10**18, 1002, chain.dev_signer(2).address)
    return {"send (lock, first)": chain.transact(fn).gas_used, "send (lock)": chain.transact(fn).gas_used}


def _reference_ops(nc: NovaChain, ref: Any) -> dict[str, int]:
    chain = nc.chain
    return {
        "set (zero to non-zero)": chain.transact(ref.functions.set(1)).gas_used,
        "set (non-zero to non-zero)": chain.transact(ref.functions.set(2)).gas_used,
    }


def _deploy_gas(nc: NovaChain, name: str) -> dict[str, int]:
    """Implementation and proxy deployment gas, from the records' transactions."""
    record = nc.deployments.get(nc.chain.chain_id, name)
    assert record is not None
    assert record.implementation
    w3 = nc.chain.w3
    impl_block_tx = _creation_gas(nc, record.implementation, record.block)
    proxy_gas = int(w3.eth.get_transaction_receipt(record.tx_hash)["gasUsed"])  # type: ignore[arg-type]
    return {"implementation": impl_block_tx, "proxy (with initialize)": proxy_gas, "total": impl_block_tx + proxy_gas}


def _creation_gas(nc: NovaChain, address: str, up_to_block: int) -> int:
    w3 = nc.chain.w3
    for number in range(up_to_block, -1, -1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            receipt = w3.eth.get_transaction_receipt(tx["hash"])  # type: ignore[index]
            if receipt["contractAddress"] == address:
                return int(receipt["gasUsed"])
    raise LookupError(f"no creation of {address}")


def _governed_upgrade(nc: NovaChain, out: dict[str, Any]) -> None:
    chain, gm = nc.chain, nc.governance
    for label, propose in (
        ("governance: execute upgrade proposal (governor -> timelock -> proxy)", nc.security.propose_upgrade),
        ("governance: execute rollback proposal", None),
    ):
        up = (
            propose("SLAContract", "SLAContractV2")
            if propose is not None
            else nc.security.propose_rollback("SLAContract")
        )
        chain.advance(gm.voting_delay + 1)
        gm.cast_vote(up.proposal_id, VoteType.FOR)
        chain.advance(gm.voting_period)
        gm.queue_proposal(up.proposal_id)
        chain.advance(gm.timelock_delay)
        out[label] = gm.execute_proposal(up.proposal_id).gas_used


def main() -> None:
    out: dict[str, Any] = {}
    with AnvilNode() as node, tempfile.TemporaryDirectory(prefix="novacron-bench-") as tmp:
        nc = NovaChain.connect(load_config(overrides={"network": node.url, "data_dir": tmp}))
        try:
            nc.deploy()
            chain, me = nc.chain, nc.chain.signer.address
            nc.tokens.fund_staking_rewards(200 * 10**18)
            nc.orchestrator.reserve_capacity(8, 16384)
            token, _ = chain.deploy("PlainERC20", me, 10**24)
            sla = nc.contract("SLAContract")
            for who in (chain.dev_signer(1), chain.dev_signer(2)):
                chain.transact(token.functions.transfer(who.address, 10**21))
                chain.transact(token.functions.approve(sla.address, 2**256 - 1), sender=who)
            ref, ref_impl, ref_proxy = deploy_behind_proxy(chain, "ReferenceUUPS", me)
            # a Bridge as the cross-chain deploy step makes it (enable_cross_chain), 5 of 7 dev guardians
            guardians = sorted((chain.dev_signer(i).address for i in range(3, 10)), key=lambda a: int(a, 16))
            bridge, bridge_impl, bridge_proxy = deploy_behind_proxy(
                chain, "Bridge", me, me, guardians, 5, 86_400, 10**30, 10**30
            )
            chain.transact(token.functions.approve(bridge.address, 2**256 - 1))

            out["deploy"] = {n: _deploy_gas(nc, n) for n in ("SLAContract", "VMLifecycle", "StateAnchor")}
            out["deploy"]["Bridge"] = {
                "implementation": bridge_impl.gas_used,
                "proxy (with initialize)": bridge_proxy.gas_used,
                "total": bridge_impl.gas_used + bridge_proxy.gas_used,
            }
            out["deploy"]["ReferenceUUPS (OpenZeppelin)"] = {
                "implementation": ref_impl.gas_used,
                "proxy (with initialize)": ref_proxy.gas_used,
                "total": ref_impl.gas_used + ref_proxy.gas_used,
            }
            per_call = {
                "VMLifecycle": _same_state(nc, nc.contract("VMLifecycle").address, lambda: _vm_ops(nc)),
                "StateAnchor": _same_state(nc, nc.contract("StateAnchor").address, lambda: _anchor_ops(nc)),
                "SLAContract": _same_state(nc, sla.address, lambda: _sla_ops(nc, token)),
                "Bridge": _same_state(nc, bridge.address, lambda: _bridge_ops(nc, bridge, token)),
                "ReferenceUUPS (OpenZeppelin)": _same_state(nc, ref.address, lambda: _reference_ops(nc, ref)),
            }
            out["per call"] = per_call
            out["overhead per call (min-max)"] = {
                name: [min(v["overhead"] for v in ops.values()), max(v["overhead"] for v in ops.values())]
                for name, ops in per_call.items()
            }

            _, v2_receipt = chain.deploy("SLAContractV2")
            out["deploy: SLAContractV2 implementation"] = v2_receipt.gas_used
            snap = chain.snapshot()
            out["upgradeToAndCall (owner, direct): ReferenceUUPS"] = chain.transact(
                ref.functions.upgradeToAndCall(ref_impl.contract_address, b"")
            ).gas_used
            chain.revert(snap)
            _governed_upgrade(nc, out)
            out["node"] = str(getattr(chain.backend, "client_version", "anvil"))
        finally:
            nc.close()
    save("upgrades", {"gas": out})


if __name__ == "__main__":
    main()
