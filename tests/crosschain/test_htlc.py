"""HTLC locks on one chain through AtomicSwapManager: the native coin and an ERC-20, each ending exactly once,
every refusal clear and before any transaction, and the contract's own refusals decoded with their hints."""

from __future__ import annotations

import hashlib

import pytest

from novacron_chain.chain import Signer
from novacron_chain.crosschain import (
    ERROR_HINTS,
    LockState,
    RefundTooEarlyError,
    SwapClosedError,
    SwapExpiredError,
    SwapValueError,
    UnknownSwapError,
    WrongSecretError,
    hash_secret,
    new_secret,
)
from novacron_chain.errors import ContractCustomError

from .conftest import TwoChains, manager

ETH = 10**18


def test_hash_is_sha256_of_the_secret_as_bitcoin_and_bep3_use() -> None:
    secret = new_secret()
    assert hash_secret(secret) == hashlib.sha256(secret).digest()
    assert hash_secret(bytes(32)).hex() == "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
    with pytest.raises(ValueError, match="32 bytes"):
        hash_secret(b"short")


def test_native_lock_claim_pays_the_recipient_once(two_chains: TwoChains, alice: Signer, bob: Signer) -> None:
    a = two_chains.a
    m = manager(a, alice)
    secret = new_secret()
    status = m.lock(hash_secret(secret), m.now() + 600, bob.address, ETH)
    assert status.state is LockState.OPEN
    assert status.lock.id == bytes(a.chain.call(m.htlc.functions.idOf(status.lock.as_tuple())))  # same id rule
    assert a.chain.balance(m.htlc.address) == ETH
    before = a.chain.balance(bob.address)
    receipt = manager(a, a.chain.dev_signer(3)).claim(status.lock.id, secret)  # anyone may claim for bob
    assert receipt is not None
    assert a.chain.balance(bob.address) - before == ETH
    claimed = m.get_lock(status.lock.id)
    assert (claimed.state, claimed.preimage) == (LockState.CLAIMED, secret)
    assert m.find_preimage(status.lock.hash) == secret
    assert m.claim(status.lock.id, secret) is None  # already claimed: the goal is reached, nothing sent
    a.chain.advance(601)
    with pytest.raises(SwapClosedError, match="already claimed"):
        m.refund(status.lock.id)


def test_token_lock_approves_and_refunds_after_the_deadline_only(
    two_chains: TwoChains, alice: Signer, bob: Signer
) -> None:
    a, token = two_chains.a, two_chains.token_a
    m = manager(a, alice)
    start = a.chain.call(token.functions.balanceOf(alice.address))
    secret = new_secret()
    status = m.lock(hash_secret(secret), m.now() + 600, bob.address, 5 * ETH, token=token.address)
    assert a.chain.call(token.functions.balanceOf(m.htlc.address)) == 5 * ETH
    with pytest.raises(RefundTooEarlyError, match="can be refunded in") as info:
        m.refund(status.lock.id)
    assert info.value.exit_code == 1
    a.chain.advance(600)
    with pytest.raises(SwapExpiredError, match="can no longer be claimed"):
        m.claim(status.lock.id, secret)
    assert m.refund(status.lock.id) is not None
    assert a.chain.call(token.functions.balanceOf(alice.address)) == start
    assert m.get_lock(status.lock.id).state is LockState.REFUNDED
    assert m.refund(status.lock.id) is None  # already refunded


def test_refusals_come_before_any_transaction(two_chains: TwoChains, alice: Signer, bob: Signer) -> None:
    a = two_chains.a
    m = manager(a, alice)
    secret = new_secret()
    status = m.lock(hash_secret(secret), m.now() + 600, bob.address, ETH)
    block = a.chain.block_number()
    with pytest.raises(WrongSecretError, match="does not open lock") as wrong:
        m.claim(status.lock.id, new_secret())
    assert wrong.value.exit_code == 2
    with pytest.raises(UnknownSwapError, match="is not known on chain 1001"):
        m.get_lock(b"\x01" * 32)
    with pytest.raises(SwapValueError, match="not 32 bytes"):
        m.claim(status.lock.id, "0x1234")
    with pytest.raises(SwapValueError, match="not positive"):
        m.lock(hash_secret(secret), m.now() + 600, bob.address, 0)
    with pytest.raises(SwapValueError, match="not after chain time"):
        m.lock(hash_secret(secret), m.now(), bob.address, ETH)
    with pytest.raises(SwapValueError, match="hash is zero"):
        m.lock(bytes(32), m.now() + 600, bob.address, ETH)
    assert a.chain.block_number() == block  # nothing was sent


def test_a_lock_resent_after_a_crash_is_the_same_lock(two_chains: TwoChains, alice: Signer, bob: Signer) -> None:
    a = two_chains.a
    m = manager(a, alice)
    hash_ = hash_secret(new_secret())
    deadline = m.now() + 600
    first = m.lock(hash_, deadline, bob.address, ETH)
    again = m.lock(hash_, deadline, bob.address, ETH)
    assert again.lock.id == first.lock.id
    assert a.chain.balance(m.htlc.address) == ETH  # locked once
    assert [s.lock.id for s in m.find_locks(hash_, recipient=bob.address)] == [first.lock.id]


def test_the_contract_refuses_a_forged_claim_with_a_hinted_custom_error(
    two_chains: TwoChains, alice: Signer, bob: Signer
) -> None:
    a = two_chains.a
    m = manager(a, alice)
    secret = new_secret()
    status = m.lock(hash_secret(secret), m.now() + 600, bob.address, ETH)
    forged = (*status.lock.as_tuple()[:1], alice.address, *status.lock.as_tuple()[2:])  # pay alice instead
    with pytest.raises(ContractCustomError) as info:
        a.chain.transact(m.htlc.functions.claim(forged, secret), sender=alice)
    assert info.value.error_name == "HashedTimelockUnknown"
    assert info.value.hint == ERROR_HINTS["HashedTimelockUnknown"]
    with pytest.raises(ContractCustomError) as early:
        a.chain.transact(m.htlc.functions.refund(status.lock.as_tuple()), sender=alice)
    assert early.value.error_name == "HashedTimelockNotExpired"
    assert m.get_lock(status.lock.id).state is LockState.OPEN


def test_pause_stops_new_locks_but_never_claims(two_chains: TwoChains, alice: Signer, bob: Signer) -> None:
    a = two_chains.a
    m = manager(a, alice)
    secret = new_secret()
    status = m.lock(hash_secret(secret), m.now() + 600, bob.address, ETH)
    a.chain.transact(m.htlc.functions.pause())  # the deployer is the guardian on dev chains
    with pytest.raises(ContractCustomError) as info:
        m.lock(hash_secret(new_secret()), m.now() + 600, bob.address, ETH)
    assert info.value.error_name == "EnforcedPause"
    assert m.claim(status.lock.id, secret) is not None
