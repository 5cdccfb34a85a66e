"""What other domains pay through (the orchestrator's VM reservations and SLA stakes): ``approve`` for a resource or
any ERC-20, ``resource_of``, ``with_sender`` (acting for another account) and ``fund_staking_rewards``."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import NovaValueError
from novacron_chain.tokens import Resource, TokenManager, TokenValueError

from .conftest import W


def _allowance(tm: TokenManager, token: str, owner: str, spender: str) -> int:
    erc20 = tm.chain.contract("ResourceToken", token)
    return int(tm.chain.call(erc20.functions.allowance(owner, spender)))


def test_approve_sends_only_what_the_allowance_lacks(tm: TokenManager, tembedded: NovaChain) -> None:
    me, spender = tm.chain.signer.address, tembedded.chain.dev_signer(4).address
    cpu = tm.token(Resource.CPU).address
    first = tm.approve(Resource.CPU, spender, 5 * W)
    assert first is not None
    assert first.gas_used > 0
    assert _allowance(tm, cpu, me, spender) == 5 * W
    block = tm.chain.block_number()
    assert tm.approve("cpu", spender, 3 * W) is None  # covered already: nothing sent
    assert tm.chain.block_number() == block
    assert tm.approve(cpu, spender, 7 * W) is not None  # the token's address works as well as its resource
    assert _allowance(tm, cpu, me, spender) == 7 * W


def test_approve_and_balance_take_any_erc20(tm: TokenManager, tembedded: NovaChain) -> None:
    me, spender = tm.chain.signer.address, tembedded.chain.dev_signer(4).address
    plain, _ = tm.chain.deploy("PlainERC20", me, 1_000)
    assert tm.balance(plain.address) == 1_000
    assert tm.balance(plain.address.lower(), spender) == 0
    assert tm.approve(plain.address, spender, 600) is not None
    assert _allowance(tm, plain.address, me, spender) == 600
    assert tm.resource_of(plain.address) is None


def test_approve_refuses_bad_input(tm: TokenManager) -> None:
    with pytest.raises(NovaValueError, match="spender"):
        tm.approve(Resource.CPU, "0x1234", W)
    with pytest.raises(TokenValueError, match="zero or more"):
        tm.approve(Resource.CPU, tm.chain.signer.address, -1)
    with pytest.raises(TokenValueError, match="unknown resource"):
        tm.approve("GPU", tm.chain.signer.address, W)


def test_resource_of_finds_each_token(tm: TokenManager) -> None:
    for r in Resource:
        assert tm.resource_of(tm.token(r).address) is r
        assert tm.resource_of(tm.token(r).address.lower()) is r
    assert tm.resource_of(tm.market.address) is None
    with pytest.raises(NovaValueError):
        tm.resource_of("CPU")


def test_with_sender_acts_for_that_account(tm: TokenManager, tembedded: NovaChain) -> None:
    me, other = tm.chain.signer, tembedded.chain.dev_signer(3)
    assert tm.with_sender(None) is tm
    view = tm.with_sender(other)
    assert view.sender is other
    assert tm.sender is None  # the original is unchanged
    trade = view.buy(Resource.CPU, 2 * W)
    assert trade.to == other.address
    assert view.balance(Resource.CPU) == 2 * W  # "the signer's" balance is the sender's
    assert tm.balance(Resource.CPU) == 0
    assert tm.balance(Resource.CPU, other.address) == 2 * W
    tm.fund_staking_rewards(10 * W, [Resource.CPU])
    stake = view.stake_tokens(Resource.CPU, W, 86400)
    assert stake.owner == other.address
    assert tm.reserved_capacity(Resource.CPU, other.address) == W
    assert tm.reserved_capacity(Resource.CPU, me.address) == 0
    assert [s.stake_id for s in view.stakes()] == [stake.stake_id]
    assert tm.stakes() == []


def test_fund_staking_rewards_buys_and_funds_each_reserve(tm: TokenManager) -> None:
    before = {r: tm.reward_reserve(r)[0] for r in Resource}
    txs = tm.fund_staking_rewards()  # the default: 100 CPU and 100 MEM
    assert len(txs) == 4
    assert all(tx.gas_used > 0 for tx in txs)
    after = {r: tm.reward_reserve(r)[0] for r in Resource}
    assert after[Resource.CPU] - before[Resource.CPU] == 100 * W
    assert after[Resource.MEM] - before[Resource.MEM] == 100 * W
    assert after[Resource.STO] == before[Resource.STO]
    assert tm.balance(Resource.CPU) == 0  # everything bought went into the reserve
    tm.fund_staking_rewards(3 * W, ["STO"])
    assert tm.reward_reserve(Resource.STO)[0] - before[Resource.STO] == 3 * W
