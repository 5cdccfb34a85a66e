"""The attested bridge between two embedded chains (ids 1001 and 1002) in one process: lock and mint, burn and
release, guardian attestations (replayed, short, forged), exactly-once delivery by a restarted relayer, rate limits
(a large transfer delayed, then released or cancelled by the guardians), pause and resume; and the gas of each step.
"""

from __future__ import annotations

import pytest

from novacron_chain.chain import Signer, deploy_behind_proxy
from novacron_chain.crosschain import (
    ERROR_HINTS,
    AttestationError,
    AttestationStore,
    BridgeEndpoint,
    BridgeGuardian,
    BridgeMessage,
    BridgeValueError,
    CrossChainBridge,
    Relayer,
    TransferNotReadyError,
    TransferState,
    UnknownTransferError,
    dev_guardians,
    recover_signer,
)
from novacron_chain.errors import ContractCustomError

from .conftest import TwoChains

ETH = 10**18
LARGE = 100_000 * ETH  # the config default bridge_large_transfer


@pytest.fixture
def bridge(two_chains: TwoChains) -> CrossChainBridge:
    ends = {
        "A": BridgeEndpoint("A", two_chains.a.chain, two_chains.a.contract("Bridge")),
        "B": BridgeEndpoint("B", two_chains.b.chain, two_chains.b.contract("Bridge")),
    }
    return CrossChainBridge(ends.__getitem__, lambda: list(ends), AttestationStore())


@pytest.fixture
def guardians(bridge: CrossChainBridge, two_chains: TwoChains) -> list[BridgeGuardian]:
    assert bridge.store is not None
    return [BridgeGuardian(s, bridge, bridge.store) for s in dev_guardians(two_chains.a.chain)]


@pytest.fixture
def relayer(bridge: CrossChainBridge, guardians: list[BridgeGuardian]) -> Relayer:
    assert bridge.store is not None
    return Relayer(bridge, bridge.store, guardians=guardians)


def _balance(two_chains: TwoChains, side: str, token: str, who: str) -> int:
    nc = two_chains.nova(side)
    erc20 = nc.chain.contract("PlainERC20", token)
    return int(nc.chain.call(erc20.functions.balanceOf(who)))


def _sorted_sigs(guardians: list[BridgeGuardian], digest: bytes, k: int) -> list[bytes]:
    chosen = sorted(guardians, key=lambda g: int(g.address, 16))[:k]
    return [g._sign(digest) for g in chosen]


def test_round_trip_lock_mint_burn_release(
    two_chains: TwoChains, bridge: CrossChainBridge, relayer: Relayer, alice: Signer, bob: Signer
) -> None:
    token = two_chains.token_a.address
    start = _balance(two_chains, "A", token, alice.address)
    t = bridge.initiate_bridge("A", "B", alice, bob.address, 10 * ETH, token)
    assert (t.id, t.state, t.threshold) == ("1001-1", TransferState.INITIATED, 5)
    assert bridge.get_transfer(t.id).state is TransferState.INITIATED
    assert bridge.locked("A", 1002, token) == 10 * ETH
    actions = relayer.run_once()
    assert [a.action for a in actions].count("attested") == 7
    assert [a.action for a in actions][-1] == "delivered"
    got = bridge.get_transfer(t.id)
    assert (got.state, got.signatures) == (TransferState.DELIVERED, 7)
    wrapped = bridge.wrapped_of("B", 1001, token)
    assert wrapped is not None
    assert _balance(two_chains, "B", wrapped, bob.address) == 10 * ETH
    # a restarted relayer finds nothing to do: delivered messages are skipped, never sent again
    assert Relayer(bridge, relayer.store).run_once() == []
    # the way back: burn on B, release on A
    back = bridge.initiate_bridge("B", "A", bob, alice.address, 4 * ETH, wrapped)
    assert back.message.token_chain_id == 1001
    assert back.message.token == token
    assert _balance(two_chains, "B", wrapped, bob.address) == 6 * ETH
    relayer.run_once()
    assert bridge.get_transfer(back.id).state is TransferState.DELIVERED
    assert _balance(two_chains, "A", token, alice.address) == start - 6 * ETH
    assert bridge.locked("A", 1002, token) == 6 * ETH
    assert [x.id for x in bridge.list_transfers()] == ["1001-1", "1002-1"]


class _Crash(BaseException):
    """The relayer's process dying (kill -9): nothing after the point it is raised at runs."""


def test_a_relayer_killed_at_any_step_delivers_each_message_once_after_restart(
    two_chains: TwoChains,
    bridge: CrossChainBridge,
    guardians: list[BridgeGuardian],
    alice: Signer,
    bob: Signer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert bridge.store is not None
    token = two_chains.token_a.address
    b = two_chains.b

    def delivered_events() -> list[int]:
        logs = b.contract("Bridge").events.MessageDelivered.get_logs(from_block=0)
        return sorted(int(log["args"]["nonce"]) for log in logs)

    # killed while attesting (after the third guardian signed): the restarted relayer signs the rest and delivers
    first = bridge.initiate_bridge("A", "B", alice, bob.address, ETH, token)
    calls = {"n": 0}
    real_attest = BridgeGuardian.attest

    def attest_then_die(self: BridgeGuardian, message: BridgeMessage) -> bytes:
        calls["n"] += 1
        if calls["n"] == 4:
            raise _Crash
        return real_attest(self, message)

    monkeypatch.setattr(BridgeGuardian, "attest", attest_then_die)
    with pytest.raises(_Crash):
        Relayer(bridge, bridge.store, guardians=guardians).run_once()
    monkeypatch.setattr(BridgeGuardian, "attest", real_attest)
    assert len(bridge.store.signatures(first.message)) == 3
    assert delivered_events() == []

    # killed after sending two deliveries, before their receipts: both are on chain; the restart sends nothing
    second = bridge.initiate_bridge("A", "B", alice, bob.address, 2 * ETH, token)
    third = bridge.initiate_bridge("A", "B", alice, bob.address, 3 * ETH, token)

    def die(*_: object, **__: object) -> None:
        raise _Crash

    monkeypatch.setattr(b.chain, "wait", die)
    with pytest.raises(_Crash):
        Relayer(bridge, bridge.store, guardians=guardians).run_once()
    monkeypatch.undo()
    assert delivered_events() == [1, 2, 3]  # sent in one pass, before any receipt was awaited

    restarted = Relayer(bridge, bridge.store, guardians=guardians)
    assert restarted.run_once() == []
    assert restarted.run_once() == []
    assert delivered_events() == [1, 2, 3]
    wrapped = bridge.wrapped_of("B", 1001, token)
    assert wrapped is not None
    assert _balance(two_chains, "B", wrapped, bob.address) == 6 * ETH
    assert bridge.locked("A", 1002, token) == 6 * ETH
    assert [bridge.get_transfer(t.id).state for t in (first, second, third)] == [TransferState.DELIVERED] * 3


def test_replayed_attestation_is_refused(
    two_chains: TwoChains, bridge: CrossChainBridge, relayer: Relayer, alice: Signer, bob: Signer
) -> None:
    t = bridge.initiate_bridge("A", "B", alice, bob.address, ETH, two_chains.token_a.address)
    relayer.run_once()
    sigs = relayer.quorum(t.message)
    # the relayer's library call sees it delivered and sends nothing; the contract itself refuses a second time
    assert bridge.deliver(t.message, sigs) is None
    b = two_chains.b
    with pytest.raises(ContractCustomError) as info:
        b.chain.transact(b.contract("Bridge").functions.deliver(t.message.as_tuple(), sigs))
    assert info.value.error_name == "BridgeAlreadyDelivered"
    # the same message on chain A: refused, its target is B
    a = two_chains.a
    with pytest.raises(ContractCustomError) as info:
        a.chain.transact(a.contract("Bridge").functions.deliver(t.message.as_tuple(), sigs))
    assert info.value.error_name == "BridgeWrongChain"
    # rerouted to A: the signatures were over another route and domain, so they recover strangers
    rerouted = BridgeMessage(1002, 1001, 1, 1001, t.message.token, ETH, alice.address, bob.address)
    with pytest.raises(ContractCustomError) as info:
        a.chain.transact(a.contract("Bridge").functions.deliver(rerouted.as_tuple(), sigs))
    assert info.value.error_name == "BridgeNotGuardian"
    # a signature for chain B's bridge recovers a stranger under chain A's domain
    digest_a = bytes(a.chain.call(a.contract("Bridge").functions.deliveryDigest(t.message.as_tuple())))
    assert recover_signer(digest_a, sigs[0]) not in bridge.guardians("A")[0]


def test_short_or_forged_quorum_is_refused(
    two_chains: TwoChains, bridge: CrossChainBridge, guardians: list[BridgeGuardian], alice: Signer, bob: Signer
) -> None:
    t = bridge.initiate_bridge("A", "B", alice, bob.address, ETH, two_chains.token_a.address)
    digest = bridge.delivery_digest(t.message)
    b = two_chains.b.contract("Bridge")
    short = _sorted_sigs(guardians, digest, 4)
    with pytest.raises(ContractCustomError) as info:
        bridge.deliver(t.message, short)
    assert info.value.error_name == "BridgeQuorumNotMet"
    assert "guardian" in ERROR_HINTS["BridgeQuorumNotMet"]
    stranger = two_chains.b.chain.dev_signer(1)
    forged = BridgeGuardian(stranger, bridge, AttestationStore())._sign(digest)
    sigs = [*_sorted_sigs(guardians, digest, 4), forged]
    with pytest.raises(ContractCustomError) as info:
        two_chains.b.chain.transact(b.functions.deliver(t.message.as_tuple(), sigs))
    assert info.value.error_name in ("BridgeNotGuardian", "BridgeSignersNotSorted")
    unsorted = list(reversed(_sorted_sigs(guardians, digest, 5)))
    with pytest.raises(ContractCustomError) as info:
        bridge.deliver(t.message, unsorted)
    assert info.value.error_name == "BridgeSignersNotSorted"
    # a relayer with only forged and too few signatures in its store waits; it never sends
    store = AttestationStore()
    store.add(t.message, stranger.address, forged)
    for g in guardians[:4]:
        store.add(t.message, g.address, g._sign(digest))
    with pytest.raises(AttestationError, match="4 of the 5"):
        Relayer(bridge, store).quorum(t.message)
    assert [a.action for a in Relayer(bridge, store).run_once()] == ["waiting"]
    # a guardian refuses to sign a message its source bridge never published
    fake = BridgeMessage(1001, 1002, 1, 1001, t.message.token, 1000 * ETH, alice.address, bob.address)
    with pytest.raises(BridgeValueError, match="not published"):
        guardians[0].attest(fake)


def test_large_transfer_delayed_then_released(
    two_chains: TwoChains, bridge: CrossChainBridge, relayer: Relayer, alice: Signer, bob: Signer
) -> None:
    t = bridge.initiate_bridge("A", "B", alice, bob.address, LARGE, two_chains.token_a.address)
    assert t.state is TransferState.DELAYED
    assert t.release_at is not None
    assert [a.action for a in relayer.run_once()] == []  # nothing to attest while delayed
    with pytest.raises(TransferNotReadyError, match="delayed for"):
        bridge.release_delayed(t.id)
    two_chains.a.chain.advance(24 * 3600)
    actions = [a.action for a in relayer.run_once()]
    assert actions[0] == "released"
    assert actions[-1] == "delivered"
    assert bridge.get_transfer(t.id).state is TransferState.DELIVERED


def test_large_transfer_cancelled_by_the_guardians(
    two_chains: TwoChains, bridge: CrossChainBridge, guardians: list[BridgeGuardian], alice: Signer, bob: Signer
) -> None:
    token = two_chains.token_a.address
    start = _balance(two_chains, "A", token, alice.address)
    t = bridge.initiate_bridge("A", "B", alice, bob.address, LARGE, token)
    cancel = bridge.cancel_digest(t.message)
    with pytest.raises(ContractCustomError) as info:
        bridge.cancel_delayed(t.id, _sorted_sigs(guardians, cancel, 4))
    assert info.value.error_name == "BridgeQuorumNotMet"
    bridge.cancel_delayed(t.id, _sorted_sigs(guardians, cancel, 5))
    assert bridge.get_transfer(t.id).state is TransferState.REFUNDED
    assert _balance(two_chains, "A", token, alice.address) == start
    assert bridge.locked("A", 1002, token) == 0
    with pytest.raises(TransferNotReadyError, match="not delayed"):
        bridge.release_delayed(t.id)


def test_pause_by_a_guardian_resume_by_the_admin(
    two_chains: TwoChains, bridge: CrossChainBridge, guardians: list[BridgeGuardian], alice: Signer, bob: Signer
) -> None:
    bridge.guardian_pause("A", guardians[0].signer)
    with pytest.raises(ContractCustomError) as info:
        bridge.initiate_bridge("A", "B", alice, bob.address, ETH, two_chains.token_a.address)
    assert info.value.error_name == "EnforcedPause"
    with pytest.raises(ContractCustomError):
        bridge.resume("A", admin=guardians[0].signer)
    bridge.resume("A")  # the deployer is the admin until governance takes over
    assert bridge.initiate_bridge("A", "B", alice, bob.address, ETH, two_chains.token_a.address).state is (
        TransferState.INITIATED
    )


def test_bad_input_is_refused_before_any_transaction(
    two_chains: TwoChains, bridge: CrossChainBridge, alice: Signer, bob: Signer
) -> None:
    token = two_chains.token_a.address
    with pytest.raises(BridgeValueError, match="not positive"):
        bridge.initiate_bridge("A", "B", alice, bob.address, 0, token)
    with pytest.raises(BridgeValueError, match="both"):
        bridge.initiate_bridge("A", "A", alice, bob.address, 1, token)
    with pytest.raises(BridgeValueError, match="less than"):
        bridge.initiate_bridge("A", "B", alice, bob.address, 10**30, token)
    with pytest.raises(BridgeValueError, match="not the account"):
        bridge.initiate_bridge("A", "B", bob.address, bob.address, 1, token)
    with pytest.raises(BridgeValueError, match="not a bridge transfer id"):
        bridge.get_transfer("nonsense")
    with pytest.raises(UnknownTransferError):
        bridge.get_transfer("1001-99")
    with pytest.raises(BridgeValueError, match="no bridged chain"):
        bridge.get_transfer("7-1")


def test_every_bridge_error_has_a_hint() -> None:
    from novacron_chain.artifacts import load_artifact

    for name in ("Bridge", "WrappedResourceToken"):
        errors = [e["name"] for e in load_artifact(name).abi if e.get("type") == "error"]
        ours = [e for e in errors if e.startswith(("Bridge", "WrappedResourceToken"))]
        assert ours
        assert set(ours) <= set(ERROR_HINTS), set(ours) - set(ERROR_HINTS)


def test_gas_of_lock_delivery_burn_release(
    two_chains: TwoChains, bridge: CrossChainBridge, relayer: Relayer, alice: Signer, bob: Signer
) -> None:
    """Whole-transaction gas in the steady state (wrapped token exists, balances non-zero); printed with -s."""
    token = two_chains.token_a.address
    bridge.initiate_bridge("A", "B", alice, bob.address, ETH, token)
    relayer.run_once()  # first delivery creates the wrapped token
    a, b = two_chains.a, two_chains.b
    a.chain.transact(two_chains.token_a.functions.approve(a.contract("Bridge").address, 2**256 - 1), sender=alice)
    fn = a.contract("Bridge").functions.send(token, ETH, 1002, bob.address)
    lock = a.chain.transact(fn, sender=alice)
    deliver = next(x for x in relayer.run_once() if x.action == "delivered")
    wrapped = bridge.wrapped_of("B", 1001, token)
    burn = b.chain.transact(b.contract("Bridge").functions.send(wrapped, ETH, 1001, alice.address), sender=bob)
    release = next(x for x in relayer.run_once() if x.action == "delivered")
    figures = {"lock": lock.gas_used, "deliver 5-of-7": deliver.gas_used or 0, "burn": burn.gas_used}
    figures["release 5-of-7"] = release.gas_used or 0
    print("bridge gas:", figures)
    assert lock.gas_used < 120_000
    assert burn.gas_used < 100_000
    assert figures["deliver 5-of-7"] < 150_000
    assert figures["release 5-of-7"] < 150_000


def test_gas_of_a_13_of_19_delivery(two_chains: TwoChains, bob: Signer) -> None:
    """Wormhole's quorum: 19 guardians, 13 sign. A delivery in the steady state (the wrapped token exists)."""
    import secrets

    b = two_chains.b
    keys = sorted((Signer(secrets.token_bytes(32)) for _ in range(19)), key=lambda s: int(s.address, 16))
    deployer = b.chain.signer.address
    guardians = [k.address for k in keys]
    contract, _, _ = deploy_behind_proxy(b.chain, "Bridge", deployer, deployer, guardians, 13, 86400, 10**30, 10**30)
    token = two_chains.token_a.address
    gas = []
    for nonce in (1, 2):
        m = BridgeMessage(1001, 1002, nonce, 1001, token, ETH, bob.address, bob.address)
        digest = bytes(b.chain.call(contract.functions.deliveryDigest(m.as_tuple())))
        sigs = []
        for k in keys[:13]:
            v, r, s = k.sign_hash(digest)
            sigs.append(r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v if v >= 27 else v + 27]))
        gas.append(b.chain.transact(contract.functions.deliver(m.as_tuple(), sigs)).gas_used)
    print("bridge gas: deliver 13-of-19 first (creates the wrapped token)", gas[0], "steady", gas[1])
    assert gas[1] < 200_000
