"""Upgradeable contracts: what the UUPS proxy costs, and what an upgrade through governance costs (gas, embedded
chain; py-evm and anvil agree on gas).

* deployment: the SLAContract's implementation plus its ``UUPSProxy`` (initializer run in the proxy's constructor);
* per call: the same SLA operations sent to the proxy and to the implementation directly (the implementation's
  initializers are locked, but its public functions run on its own storage), so the difference is the proxy's
  delegatecall and its ERC-1967 slot read;
* upgrade: ``upgradeToAndCall`` sent by the admin (dev chain: the deployer is still admin), and the governance
  execution of an upgrade proposal (governor -> timelock -> proxy), each with the implementation deployment.

    python benchmarks/upgrades.py
"""

from __future__ import annotations

from typing import Any

from eth_hash.auto import keccak

from novacron_chain import NovaChain
from novacron_chain.chain import deploy_behind_proxy
from novacron_chain.governance import VoteType

from _common import save


def _sla_calls(nc: NovaChain, sla: Any, token: Any) -> dict[str, int]:
    chain = nc.chain
    provider, customer = chain.dev_signer(1), chain.dev_signer(2)
    guarantees = [(keccak(b"uptime"), 99_900, 1000, False), (keccak(b"latency"), 100_000, 500, True)]
    chain.transact(token.functions.transfer(provider.address, 10**21))
    chain.transact(token.functions.transfer(customer.address, 10**21))
    chain.transact(token.functions.approve(sla.address, 2**256 - 1), sender=provider)
    chain.transact(token.functions.approve(sla.address, 2**256 - 1), sender=customer)
    fn = sla.functions.createSLA(customer.address, token.address, guarantees, 10_000, 300, 86_400, 3600)
    first = chain.transact(fn, sender=provider).gas_used
    second = chain.transact(fn, sender=provider).gas_used
    accept = chain.transact(sla.functions.acceptSLA(1), sender=customer).gas_used
    cancel = chain.transact(sla.functions.cancelSLA(2), sender=provider).gas_used
    # the first createSLA on a bare implementation also writes its slot 0 from zero (the proxy's already holds the
    # oracle quorum and window): the later calls compare like with like
    return {"createSLA (first)": first, "createSLA": second, "acceptSLA": accept, "cancelSLA": cancel}


def main() -> None:
    out: dict[str, Any] = {}
    with NovaChain.embedded() as nc:
        nc.deploy()
        chain, me = nc.chain, nc.chain.signer.address
        token, _ = chain.deploy("PlainERC20", me, 10**24)
        oracles = [chain.dev_signer(i).address for i in (5, 6, 7)]
        sla, impl_receipt, proxy_receipt = deploy_behind_proxy(chain, "SLAContract", me, me, oracles, 2, 86_400)
        out["deploy: implementation"] = impl_receipt.gas_used
        out["deploy: UUPSProxy (with initialize)"] = proxy_receipt.gas_used
        direct = chain.contract("SLAContract", str(impl_receipt.contract_address))
        through, plain = _sla_calls(nc, sla, token), _sla_calls(nc, direct, token)
        out["per call"] = {
            k: {"proxy": through[k], "implementation": plain[k], "overhead": through[k] - plain[k]} for k in through
        }
        v2, v2_receipt = chain.deploy("SLAContractV2")
        out["deploy: SLAContractV2 implementation"] = v2_receipt.gas_used
        out["upgradeToAndCall (admin, direct)"] = chain.transact(
            sla.functions.upgradeToAndCall(v2.address, b"")
        ).gas_used
        # through governance: the deployed SLAContract, its proxy administered by the timelock
        gm = nc.governance
        up = nc.security.propose_upgrade("SLAContract", "SLAContractV2")
        chain.advance(gm.voting_delay + 1)
        gm.cast_vote(up.proposal_id, VoteType.FOR)
        chain.advance(gm.voting_period)
        gm.queue_proposal(up.proposal_id)
        chain.advance(gm.timelock_delay)
        out["governance: execute upgrade proposal (governor -> timelock -> proxy)"] = gm.execute_proposal(
            up.proposal_id
        ).gas_used
        back = nc.security.propose_rollback("SLAContract")
        chain.advance(gm.voting_delay + 1)
        gm.cast_vote(back.proposal_id, VoteType.FOR)
        chain.advance(gm.voting_period)
        gm.queue_proposal(back.proposal_id)
        chain.advance(gm.timelock_delay)
        out["governance: execute rollback proposal"] = gm.execute_proposal(back.proposal_id).gas_used
    save("upgrades", {"gas": out})


if __name__ == "__main__":
    main()
