"""Two embedded chains in one process (chain ids 1001 and 1002), each with a HashedTimelock and a plain ERC-20,
state reverted on both around every test; and the swap drivers of two parties, each with its own swap files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from web3.contract import Contract

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.crosschain import AtomicSwapManager, SwapDriver, SwapStore, SwapTimeouts, deploy_steps

#: test timeouts: the initiator's lock lives an hour, the participant's 20 minutes, ending 10 minutes before
TIMEOUTS = SwapTimeouts(initiator=3600, participant=1200, margin=600)
SUPPLY = 10**24


class TwoChains(NamedTuple):
    a: NovaChain
    b: NovaChain
    token_a: Contract
    token_b: Contract

    def nova(self, name: str) -> NovaChain:
        return {"A": self.a, "B": self.b}[name]


@pytest.fixture(scope="session")
def two_chains_session() -> Iterator[TwoChains]:
    chains = []
    tokens = []
    for chain_id in (1001, 1002):
        nc = NovaChain.embedded(chain_id=chain_id, enable_cross_chain=True)
        nc.deploy(steps=deploy_steps(nc.config.blockchain))
        # dev accounts 1 and 2 (alice, bob) hold the token on both chains
        token, _ = nc.chain.deploy("PlainERC20", nc.chain.signer.address, SUPPLY)
        for i in (1, 2):
            nc.chain.transact(token.functions.transfer(nc.chain.dev_signer(i).address, SUPPLY // 4))
        chains.append(nc)
        tokens.append(token)
    yield TwoChains(chains[0], chains[1], tokens[0], tokens[1])
    for nc in chains:
        nc.close()


@pytest.fixture
def two_chains(two_chains_session: TwoChains) -> Iterator[TwoChains]:
    snaps = [nc.chain.snapshot() for nc in (two_chains_session.a, two_chains_session.b)]
    try:
        yield two_chains_session
    finally:
        for nc, snap in zip((two_chains_session.a, two_chains_session.b), snaps, strict=True):
            nc.chain.revert(snap)


@pytest.fixture
def alice(two_chains: TwoChains) -> Signer:
    return two_chains.a.chain.dev_signer(1)


@pytest.fixture
def bob(two_chains: TwoChains) -> Signer:
    return two_chains.a.chain.dev_signer(2)


def manager(nc: NovaChain, signer: Signer) -> AtomicSwapManager:
    return AtomicSwapManager(nc.chain, nc.contract("HashedTimelock"), signer=signer)


@pytest.fixture
def driver_of(two_chains: TwoChains, tmp_path: Path) -> Callable[[Signer], SwapDriver]:
    """``driver_of(signer)``: that party's swap driver over chains "A" and "B", with its own swap files."""

    def make(signer: Signer) -> SwapDriver:
        def managers(name: str) -> AtomicSwapManager:
            return manager(two_chains.nova(name), signer)

        return SwapDriver(managers, SwapStore(tmp_path / signer.address), TIMEOUTS)

    return make
