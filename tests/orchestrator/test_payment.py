"""The orchestrator pays through the TokenManager it is given: VM reservations are bought and staked by it, SLA
stakes and fees (in a resource token or any ERC-20) are bought and approved by it, for the sending account."""

from __future__ import annotations

import copy

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import OrchestratorError
from novacron_chain.orchestrator import ContractOrchestrator, OrchestratorValueError, SLAStatus, VMLifecycleOperation
from novacron_chain.tokens import Resource, Stake, Trade

from .conftest import dev, seed_terms

W = 10**18


def test_the_orchestrator_is_given_the_chains_token_manager(orch_nova: NovaChain) -> None:
    co = orch_nova.orchestrator
    assert co.tokens is orch_nova.tokens
    assert co.default_token() == orch_nova.tokens.token(Resource.CPU).address
    mine = ContractOrchestrator(orch_nova.chain, orch_nova.contract, tokens=orch_nova.tokens)
    assert mine.tokens is orch_nova.tokens
    with pytest.raises(OrchestratorValueError, match="orchestrator's chain"):
        ContractOrchestrator(copy.copy(orch_nova.chain), orch_nova.contract, tokens=orch_nova.tokens)


def test_a_reservation_for_another_sender_is_bought_and_staked_by_them(
    co: ContractOrchestrator, orch_nova: NovaChain
) -> None:
    owner = dev(orch_nova, 3)
    tm = orch_nova.tokens
    deployer_cpu = tm.balance(Resource.CPU)
    made = co.reserve_capacity(2, 3000, sender=owner)  # 2 CPU, ceil(3000 / 1024) GiB of MEM
    assert [type(m) for m in made] == [Trade, Stake, Trade, Stake]
    buys, stakes = made[0::2], made[1::2]
    assert all(isinstance(b, Trade) and b.to == owner.address for b in buys)
    assert all(isinstance(s, Stake) and s.owner == owner.address for s in stakes)
    assert [(s.resource, s.amount) for s in stakes if isinstance(s, Stake)] == [
        (Resource.CPU, 2 * W),
        (Resource.MEM, -(-3000 * W // 1024)),
    ]
    assert tm.reserved_capacity(Resource.CPU, owner.address) == 2 * W
    assert tm.balance(Resource.CPU) == deployer_cpu  # the signer paid nothing
    co.create_vm(VMLifecycleOperation("vm-3", "us-east-1", 2, 3000), sender=owner)
    assert co.reserve_capacity(2, 3000, sender=owner) != []  # a second VM needs a second reservation
    assert co.reserve_capacity(1, 1, sender=dev(orch_nova, 4)) != []
    assert co.allocation(owner.address) == (2, 3000)


def test_tokens_already_held_are_staked_without_buying(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    owner = dev(orch_nova, 3)
    tm = orch_nova.tokens.with_sender(owner)
    tm.buy(Resource.CPU, 5 * W)
    made = co.reserve_capacity(4, 1024, sender=owner)
    assert [(type(m), m.resource) for m in made] == [
        (Stake, Resource.CPU),
        (Trade, Resource.MEM),
        (Stake, Resource.MEM),
    ]
    assert tm.balance(Resource.CPU) == W


def test_an_sla_in_any_erc20_is_approved_through_the_tokens(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    provider, customer = dev(orch_nova, 1), dev(orch_nova, 2)
    plain, _ = orch_nova.chain.deploy("PlainERC20", provider.address, 50_000, sender=provider)
    terms = seed_terms(orch_nova, token=plain.address, fee=0)
    sla = co.create_sla_contract(terms, sender=provider, customer=customer)
    assert sla.status is SLAStatus.ACTIVE
    assert sla.token == plain.address
    assert orch_nova.tokens.balance(plain.address, co.sla.address) == terms.stake
    assert orch_nova.tokens.balance(plain.address, provider.address) == 50_000 - terms.stake


def test_an_sla_token_that_cannot_be_bought_is_refused_clearly(co: ContractOrchestrator, orch_nova: NovaChain) -> None:
    provider = dev(orch_nova, 1)
    plain, _ = orch_nova.chain.deploy("PlainERC20", dev(orch_nova, 4).address, 50_000)
    block = orch_nova.chain.block_number()
    with pytest.raises(OrchestratorError, match="holds 0 base units") as exc:
        co.create_sla_contract(seed_terms(orch_nova, token=plain.address), sender=provider, buy=True)
    assert exc.value.hint == "acquire the tokens first"  # not a resource token: --buy cannot help
    assert orch_nova.chain.block_number() == block
