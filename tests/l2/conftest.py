"""Fixtures of the L2 core tests: keys, a domain, a token table and a genesis state with funded accounts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from novacron_chain.l2._codec import address_of, sign_transfer, sign_withdrawal
from novacron_chain.l2._state import L2State
from novacron_chain.l2._types import DEPOSIT, Eip712Domain, QueueItem, QueueOp, Transfer, Withdrawal

DOMAIN = Eip712Domain(chain_id=424242, verifying_contract=bytes.fromhex("5fbdb2315678afecb367f032d93f642f64180aa3"))
TOKENS = [bytes([0xA0 + i]) * 20 for i in range(5)]  # CPU, MEM, STO, NET, NOVA; ids 5..7 unregistered
FEE = bytes.fromhex("feefeefeefeefeefeefeefeefeefeefeefeefee0")


def key(n: int) -> bytes:
    """A deterministic private key."""
    return hashlib.sha256(b"l2-test-key-%d" % n).digest()


@dataclass
class World:
    state: L2State
    keys: list[bytes]
    addrs: list[bytes]

    def transfer(
        self,
        frm: int,
        to: int | None,
        amount: int,
        *,
        fee: int = 0,
        token: int = 0,
        nonce: int | None = None,
        to_address: bytes | None = None,
        signer: int | None = None,
    ) -> Transfer:
        """A transfer signed by account ``frm``'s key (or ``signer``'s)."""
        st = self.state
        k = self.keys[frm if signer is None else signer]
        addr = to_address if to_address is not None else st.address(to) if to is not None else b"\x77" * 20
        return sign_transfer(
            k,
            st.domain,
            st.tokens,
            account=frm,
            to=to,
            to_address=addr,
            token=token,
            amount=amount,
            fee=fee,
            nonce=st.nonce(frm) if nonce is None else nonce,
        )

    def withdrawal(
        self, frm: int, amount: int, *, fee: int = 0, token: int = 0, nonce: int | None = None
    ) -> Withdrawal:
        st = self.state
        return sign_withdrawal(
            self.keys[frm],
            st.domain,
            st.tokens,
            account=frm,
            token=token,
            amount=amount,
            fee=fee,
            nonce=st.nonce(frm) if nonce is None else nonce,
        )

    def deposit(self, address: bytes, amount: int, *, token: int = 0, hint: int | None = None) -> str | None:
        st = self.state
        st.add_queue_item(QueueItem(len(st.queue), DEPOSIT, address, token, amount, 1))
        h = st.index_of(address)
        return st.apply(QueueOp(hint if hint is not None else (h if h is not None else 2**32 - 1)))


def make_world(accounts: int = 4, funds: int = 10**21) -> World:
    """Genesis plus ``accounts`` accounts (indices 1..accounts, key i-1) funded with ``funds`` of tokens 0 and 1."""
    st = L2State.genesis(FEE, DOMAIN, TOKENS)
    keys = [key(i) for i in range(accounts)]
    addrs = [address_of(k) for k in keys]
    w = World(st, [b"", *keys], [FEE, *addrs])
    w.keys = [key(999), *keys]  # index 0: fee account has no test key of ours
    for a in addrs:
        assert w.deposit(a, funds) is None
        assert w.deposit(a, funds, token=1) is None
    st.commit()
    return w


@pytest.fixture
def world() -> World:
    return make_world()
