"""Atomic swaps between two embedded chains in one process: the whole protocol, its refunds, every refusal, and
resuming from the chains' state after a crash at each step."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import Signer
from novacron_chain.crosschain import (
    AtomicSwapManager,
    LockState,
    RefundTooEarlyError,
    SwapDriver,
    SwapExpiredError,
    SwapPhase,
    SwapRole,
    SwapUnsafeError,
    SwapValueError,
    UnknownSwapError,
    WrongSecretError,
    hash_secret,
)

from .conftest import TIMEOUTS, TwoChains

ETH = 10**18
Drivers = Callable[[Signer], SwapDriver]


def _start(two: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer) -> tuple[SwapDriver, SwapDriver, bytes]:
    initiator, participant = driver_of(alice), driver_of(bob)
    s = initiator.initiate("A", "B", bob.address, 2 * ETH, want_amount=ETH)
    assert s.initiator_lock is not None
    participant.participate("A", s.initiator_lock.lock.id, "B", alice.address, ETH, want_amount=2 * ETH)
    return initiator, participant, s.hash


def test_full_swap_native_coin(two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer) -> None:
    a, b = two_chains.a, two_chains.b
    bob_a, alice_b = a.chain.balance(bob.address), b.chain.balance(alice.address)
    initiator, participant, hash_ = _start(two_chains, driver_of, alice, bob)
    s = participant.status(hash_)
    assert s.phase is SwapPhase.PARTICIPATED
    assert s.initiator_lock is not None
    assert s.participant_lock is not None
    # the participant's lock ends at least swap_margin before the initiator's
    assert s.initiator_lock.lock.deadline - s.participant_lock.lock.deadline >= TIMEOUTS.margin
    assert [x.what for x in participant.step(hash_)] == []  # nothing due for bob until the secret is out
    (claim_b,) = initiator.step(hash_)
    assert (claim_b.what, claim_b.chain) == ("claimed", "B")
    assert participant.status(hash_).phase is SwapPhase.REDEEMED
    (claim_a,) = participant.step(hash_)
    assert (claim_a.what, claim_a.chain) == ("claimed", "A")
    assert initiator.status(hash_).phase is SwapPhase.COMPLETED
    assert participant.status(hash_).phase is SwapPhase.COMPLETED
    assert initiator.step(hash_) == []
    assert participant.step(hash_) == []
    assert a.chain.balance(bob.address) - bob_a == 2 * ETH - _fee(a, claim_a.tx_hash)
    assert b.chain.balance(alice.address) - alice_b == ETH - _fee(b, claim_b.tx_hash)
    assert participant.store.load(hash_).secret == initiator.store.load(hash_).secret  # learnt from chain B


def _fee(nc: NovaChain, tx_hash: str | None) -> int:
    receipt = nc.chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    return int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])


def test_full_swap_of_tokens_with_the_watch_loop(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer
) -> None:
    a, b, ta, tb = two_chains
    initiator, participant = driver_of(alice), driver_of(bob)
    s = initiator.initiate("A", "B", bob.address, 7 * ETH, token=ta.address, want_amount=3 * ETH, want_token=tb.address)
    assert s.initiator_lock is not None
    participant.participate(
        "A",
        s.initiator_lock.lock.id,
        "B",
        alice.address,
        3 * ETH,
        token=tb.address,
        want_amount=7 * ETH,
        want_token=ta.address,
    )
    bob_a, alice_b = (
        a.chain.call(ta.functions.balanceOf(bob.address)),
        b.chain.call(tb.functions.balanceOf(alice.address)),
    )
    done = list(initiator.watch(poll=0, until_done=False, timeout=0))
    assert [(x.what, x.chain) for x in done] == [("claimed", "B")]
    assert [(x.what, x.chain) for x in participant.watch(poll=0, until_done=True, timeout=5)] == [("claimed", "A")]
    assert a.chain.call(ta.functions.balanceOf(bob.address)) - bob_a == 7 * ETH
    assert b.chain.call(tb.functions.balanceOf(alice.address)) - alice_b == 3 * ETH


def test_participant_never_locks_the_initiator_refunds_by_itself(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer
) -> None:
    a = two_chains.a
    initiator = driver_of(alice)
    s = initiator.initiate("A", "B", bob.address, ETH, want_amount=ETH)
    with pytest.raises(RefundTooEarlyError):
        initiator.refund(s.hash)
    assert initiator.step(s.hash) == []
    a.chain.advance(TIMEOUTS.initiator)
    assert initiator.status(s.hash).phase is SwapPhase.EXPIRED
    assert [(x.what, x.chain) for x in initiator.step(s.hash)] == [("refunded", "A")]
    assert initiator.status(s.hash).phase is SwapPhase.REFUNDED


def test_initiator_never_claims_both_refund_and_the_participant_first(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer
) -> None:
    a, b = two_chains.a, two_chains.b
    initiator, participant, hash_ = _start(two_chains, driver_of, alice, bob)
    b.chain.advance(TIMEOUTS.participant)
    assert [(x.what, x.chain) for x in participant.step(hash_)] == [("refunded", "B")]
    # the initiator sees the participant's lock refunded: it must not claim; its own lock refunds later
    assert initiator.step(hash_) == []
    a.chain.advance(TIMEOUTS.initiator)
    assert [(x.what, x.chain) for x in initiator.step(hash_)] == [("refunded", "A")]
    assert participant.status(hash_).phase is SwapPhase.REFUNDED


def test_the_initiator_never_claims_less_than_it_wants(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer
) -> None:
    initiator, participant = driver_of(alice), driver_of(bob)
    s = initiator.initiate("A", "B", bob.address, 2 * ETH, want_amount=ETH)
    assert s.initiator_lock is not None
    # bob locks 1 wei under the hash: claiming it would reveal the secret and hand him alice's 2 ETH for nothing
    participant.participate("A", s.initiator_lock.lock.id, "B", alice.address, 1, want_amount=2 * ETH)
    assert initiator.step(s.hash) == []
    assert initiator.status(s.hash).secret_known  # alice's own file knows it; the chains do not
    assert participant.manager("B").find_preimage(s.hash) is None
    other = driver_of(two_chains.a.chain.dev_signer(4))  # an honest lock of the wanted amount is claimed
    other.manager("B").lock(s.hash, other.manager("B").now() + 600, alice.address, ETH)
    assert [(x.what, x.chain) for x in initiator.step(s.hash)] == [("claimed", "B")]


def test_participation_refusals(two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer) -> None:
    a = two_chains.a
    initiator, participant = driver_of(alice), driver_of(bob)
    s = initiator.initiate("A", "B", bob.address, ETH, want_amount=ETH)
    assert s.initiator_lock is not None
    lock_id = s.initiator_lock.lock.id
    carol = driver_of(a.chain.dev_signer(3))
    with pytest.raises(SwapUnsafeError, match="not this account"):
        carol.participate("A", lock_id, "B", alice.address, ETH, want_amount=ETH)
    with pytest.raises(SwapUnsafeError, match="not 5000000000000000000 of the native coin"):
        participant.participate("A", lock_id, "B", alice.address, ETH, want_amount=5 * ETH)
    with pytest.raises(SwapValueError, match="two different chains"):
        participant.participate("A", lock_id, "A", alice.address, ETH, want_amount=ETH)
    with pytest.raises(UnknownSwapError):
        participant.participate("A", b"\x02" * 32, "B", alice.address, ETH, want_amount=ETH)
    a.chain.advance(TIMEOUTS.initiator - TIMEOUTS.participant - TIMEOUTS.margin + 5)
    with pytest.raises(SwapUnsafeError, match="locking needs 1800 s"):
        participant.participate("A", lock_id, "B", alice.address, ETH, want_amount=ETH)
    assert participant.store.get(s.hash) is None  # nothing planned, nothing locked


def test_manual_claims_say_why_not(two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer) -> None:
    b = two_chains.b
    initiator, participant, hash_ = _start(two_chains, driver_of, alice, bob)
    with pytest.raises(SwapValueError, match="secret is not known yet"):
        participant.claim(hash_)
    with pytest.raises(WrongSecretError):
        initiator.claim(hash_, b"\x07" * 32)
    with pytest.raises(UnknownSwapError, match="swap 0x"):
        initiator.status(b"\x03" * 32)
    b.chain.advance(TIMEOUTS.participant)
    with pytest.raises(SwapExpiredError):
        initiator.claim(hash_)  # too late: the participant's lock can only be refunded now
    assert participant.refund(hash_).what == "refunded"


def test_the_secret_is_durable_and_private_before_the_lock(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer
) -> None:
    initiator = driver_of(alice)
    s = initiator.initiate("A", "B", bob.address, ETH, want_amount=ETH)
    path = initiator.store.path / f"{s.swap_id}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["role"] == "initiator"
    assert hash_secret(bytes.fromhex(data["secret"][2:])) == s.hash


class Killed(Exception):
    """Stands for the process dying at that point (the same swap files are then opened by a new driver)."""


def _die(*args: object, **kwargs: object) -> None:
    raise Killed


def test_initiator_crash_before_its_lock_resumes(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = two_chains.a
    initiator = driver_of(alice)
    with monkeypatch.context() as patch:
        patch.setattr(AtomicSwapManager, "lock", _die)
        with pytest.raises(Killed):
            initiator.initiate("A", "B", bob.address, ETH, want_amount=ETH)
    (record,) = initiator.store.all()  # the secret was kept before the crash
    assert record.role is SwapRole.INITIATOR
    assert record.secret is not None
    assert a.chain.balance(initiator.manager("A").htlc.address) == 0
    restarted = driver_of(alice)  # a new process over the same swap files
    assert restarted.status(record.hash).phase is SwapPhase.NEW
    assert [x.what for x in restarted.step(record.hash)] == ["locked"]
    assert restarted.status(record.hash).phase is SwapPhase.INITIATED
    assert restarted.step(record.hash) == []  # locked once
    assert a.chain.balance(initiator.manager("A").htlc.address) == ETH


def test_participant_crash_before_its_lock_and_watcher_restart_complete_the_swap(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    initiator, participant = driver_of(alice), driver_of(bob)
    s = initiator.initiate("A", "B", bob.address, ETH, want_amount=ETH)
    assert s.initiator_lock is not None
    # the participant planned its lock (the swap file) and died before sending it
    with monkeypatch.context() as patch:
        patch.setattr(AtomicSwapManager, "lock", _die)
        with pytest.raises(Killed):
            participant.participate("A", s.initiator_lock.lock.id, "B", alice.address, ETH, want_amount=ETH)
    record = participant.store.load(s.hash)
    assert record.participant_lock is not None
    restarted = driver_of(bob)
    assert restarted.status(s.hash).phase is SwapPhase.INITIATED
    assert [x.what for x in restarted.step(s.hash)] == ["locked"]
    assert [x.what for x in initiator.step(s.hash)] == ["claimed"]
    # the participant's watcher died after the initiator's claim: a fresh one finds the secret on chain B
    again = driver_of(bob)
    assert [x.what for x in again.step(s.hash)] == ["claimed"]
    assert again.status(s.hash).phase is SwapPhase.COMPLETED
    assert again.manager("A").get_lock(s.initiator_lock.lock.id).state is LockState.CLAIMED


def test_a_claim_lost_in_flight_is_not_sent_twice(
    two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    initiator, participant, hash_ = _start(two_chains, driver_of, alice, bob)
    real_claim = AtomicSwapManager.claim

    def claim_then_die(self: AtomicSwapManager, *args: Any, **kwargs: Any) -> None:
        real_claim(self, *args, **kwargs)  # mined, but the process died before it knew
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(AtomicSwapManager, "claim", claim_then_die)
        with pytest.raises(Killed):
            initiator.step(hash_)
    assert driver_of(alice).step(hash_) == []  # the chain says claimed: nothing to resend
    assert [x.what for x in participant.step(hash_)] == ["claimed"]


def test_a_swap_record_round_trips(two_chains: TwoChains, driver_of: Drivers, alice: Signer, bob: Signer) -> None:
    initiator = driver_of(alice)
    s = initiator.initiate("A", "B", bob.address, ETH, want_amount=3)
    record = initiator.store.load(s.hash)
    assert type(record).from_dict(record.to_dict()) == record
    assert replace(record, secret=None).to_dict()["secret"] is None
