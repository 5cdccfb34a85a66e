"""The chain interface's conformance suite: every backend (embedded py-evm, anvil) must pass all of it."""

from __future__ import annotations

import threading

import pytest

from novacron_chain import NovaChain
from novacron_chain.chain import TxRequest
from novacron_chain.errors import (
    ContractCustomError,
    DevOnlyError,
    FeeLimitError,
    InsufficientFundsError,
    NovaValueError,
    TransactionRevertedError,
)


@pytest.fixture
def probe(nova: NovaChain):  # type: ignore[no-untyped-def]
    contract, _ = nova.chain.deploy("ChainProbe", nova.chain.signer.address)
    return contract


def test_dev_accounts_are_anvils_and_funded(nova: NovaChain) -> None:
    assert nova.chain.signer.address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert nova.chain.balance(nova.chain.dev_signer(9).address) >= 10_000 * 10**18 - 10**18
    assert nova.chain.w3.eth.chain_id == nova.chain.chain_id


def test_transfer_moves_exact_value_and_reports_fee(nova: NovaChain) -> None:
    chain = nova.chain
    a, b = chain.signer.address, chain.dev_signer(1).address
    before_a, before_b = chain.balance(a), chain.balance(b)
    r = chain.transfer(b, 12345)
    assert r.succeeded
    assert r.gas_used == 21_000
    assert chain.balance(b) == before_b + 12345
    assert chain.balance(a) == before_a - 12345 - r.fee_wei


def test_transact_and_call(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    r = nova.chain.transact(probe.functions.store(42))
    assert r.succeeded
    assert nova.chain.call(probe.functions.value()) == 42
    (log,) = probe.events.ValueStored().process_receipt(r.raw)
    assert log.args.value == 42
    assert log.args.who == nova.chain.signer.address


def test_custom_error_decoded_with_arguments(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContractCustomError) as info:
        nova.chain.transact(probe.functions.store(5000))
    assert info.value.error_name == "ProbeAmountTooLarge"
    assert info.value.error_args == {"requested": 5000, "limit": 1000}
    assert info.value.contract == "ChainProbe"


def test_reason_string_panic_and_empty_reverts(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TransactionRevertedError, match="probe: reason string") as info:
        nova.chain.transact(probe.functions.failWithReason())
    assert info.value.reason == "probe: reason string"
    with pytest.raises(TransactionRevertedError, match="division or modulo by zero"):
        nova.chain.call(probe.functions.failWithPanic(0))
    with pytest.raises(TransactionRevertedError, match="without a reason"):
        nova.chain.transact(probe.functions.failEmpty())


def test_mined_revert_is_decoded_from_replay(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    # a fixed gas limit skips estimation, so the transaction is mined and reverts on chain
    with pytest.raises(ContractCustomError) as info:
        nova.chain.transact(probe.functions.store(2000), gas=100_000)
    assert info.value.tx_hash is not None
    assert info.value.error_args == {"requested": 2000, "limit": 1000}
    receipt = nova.chain.w3.eth.get_transaction_receipt(info.value.tx_hash)  # type: ignore[arg-type]
    assert receipt["status"] == 0


def test_access_control_error_names_the_account(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    outsider = nova.chain.dev_signer(3)
    with pytest.raises(ContractCustomError) as info:
        nova.chain.transact(probe.functions.pause(), sender=outsider)
    assert info.value.error_name == "AccessControlUnauthorizedAccount"
    assert info.value.error_args["account"].lower() == outsider.address.lower()


def test_insufficient_funds_refused_before_sending(nova: NovaChain) -> None:
    chain = nova.chain
    block = chain.block_number()
    with pytest.raises(InsufficientFundsError):
        chain.transfer(chain.dev_signer(1).address, 10**30)
    assert chain.block_number() == block


def test_bad_inputs(nova: NovaChain) -> None:
    with pytest.raises(NovaValueError, match="not an Ethereum address"):
        nova.chain.transfer("0x1234", 1)
    with pytest.raises(NovaValueError, match="negative"):
        nova.chain.transfer(nova.chain.dev_signer(1).address, -1)
    with pytest.raises(NovaValueError, match="dev account 12"):
        nova.chain.dev_signer(12)


def test_gas_caps(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    chain = nova.chain
    old = chain.max_gas_per_tx
    chain.max_gas_per_tx = 30_000
    try:
        with pytest.raises(FeeLimitError, match="max_gas_per_tx"):
            chain.transact(probe.functions.store(1))
    finally:
        chain.max_gas_per_tx = old
    old_limit, chain.fees.gas_price_limit = chain.fees.gas_price_limit, 1
    chain.fees._cache = None
    try:
        with pytest.raises(FeeLimitError, match="gas_price_limit"):
            chain.transfer(chain.dev_signer(1).address, 1)
    finally:
        chain.fees.gas_price_limit = old_limit
        chain.fees._cache = None


def test_fees_respect_the_cap(nova: NovaChain) -> None:
    chain = nova.chain
    r = chain.transfer(chain.dev_signer(1).address, 1)
    assert 0 < r.effective_gas_price <= chain.fees.gas_price_limit
    tx = chain.w3.eth.get_transaction(r.tx_hash)  # type: ignore[arg-type]
    assert tx["type"] == 2
    assert tx["maxFeePerGas"] <= chain.fees.gas_price_limit


def test_concurrent_senders_get_distinct_nonces(nova: NovaChain) -> None:
    chain = nova.chain
    to = chain.dev_signer(2).address
    start = chain.w3.eth.get_transaction_count(chain.signer.address)  # type: ignore[arg-type]
    errors: list[BaseException] = []
    receipts = []

    def worker() -> None:
        try:
            for _ in range(5):
                receipts.append(chain.transfer(to, 1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.tx_hash for r in receipts}) == 20
    assert chain.w3.eth.get_transaction_count(chain.signer.address) == start + 20  # type: ignore[arg-type]


def test_batch_send_in_order(nova: NovaChain) -> None:
    chain = nova.chain
    to = chain.dev_signer(4).address
    before = chain.balance(to)
    receipts = chain.send_batch([TxRequest(to=to, value=i, gas=21_000) for i in range(1, 31)], chunk=8)
    assert len(receipts) == 30
    assert all(r.succeeded for r in receipts)
    assert chain.balance(to) == before + sum(range(1, 31))
    with pytest.raises(NovaValueError, match="needs gas"):
        chain.send_batch([TxRequest(to=to, value=1)])


def test_batch_with_a_revert_raises_it_and_records_what_was_mined(nova: NovaChain, probe) -> None:  # type: ignore[no-untyped-def]
    chain = nova.chain
    to = chain.dev_signer(4).address
    fail = probe.functions.failWithReason()
    bad = TxRequest(to=probe.address, data=bytes.fromhex(fail._encode_transaction_data()[2:]), gas=100_000)
    reqs = [TxRequest(to=to, value=1, gas=21_000) for _ in range(12)]
    reqs[5] = bad  # in the first chunk; the second chunk is already sent when its receipts are collected
    nonce = chain.w3.eth.get_transaction_count(chain.signer.address)  # type: ignore[arg-type]
    before = nova.metrics.get_snapshot().total_transactions
    with pytest.raises(TransactionRevertedError, match="probe: reason string"):
        chain.send_batch(reqs, chunk=8)
    # every transaction of both chunks was mined, in nonce order, and the metrics saw each one
    assert chain.w3.eth.get_transaction_count(chain.signer.address) == nonce + 12  # type: ignore[arg-type]
    assert nova.metrics.get_snapshot().total_transactions == before + 12
    assert chain.transfer(to, 1).succeeded  # the nonce bookkeeping is still right


def test_time_travel_and_snapshots(nova: NovaChain) -> None:
    chain = nova.chain
    t0, b0 = chain.timestamp(), chain.block_number()
    chain.advance(48 * 3600, blocks=3)
    assert chain.timestamp() >= t0 + 48 * 3600
    assert chain.block_number() == b0 + 3
    snap = chain.snapshot()
    chain.transfer(chain.dev_signer(1).address, 1)
    chain.revert(snap)
    assert chain.block_number() == b0 + 3
    with pytest.raises(NovaValueError):
        chain.advance(-5)


def test_metrics_observe_every_transaction(nova: NovaChain) -> None:
    before = nova.metrics.get_snapshot()
    r = nova.chain.transfer(nova.chain.dev_signer(1).address, 1)
    after = nova.metrics.get_snapshot()
    assert after.total_transactions == before.total_transactions + 1
    assert after.total_gas_cost_wei == before.total_gas_cost_wei + r.fee_wei


def test_dev_powers_refused_off_dev_chains(nova: NovaChain) -> None:
    backend = nova.chain.backend
    real = backend.is_dev
    backend.is_dev = False  # what a production node looks like to the chain layer
    try:
        with pytest.raises(DevOnlyError):
            nova.chain.dev_signer(1)
        with pytest.raises(DevOnlyError):
            nova.chain.advance(10)
    finally:
        backend.is_dev = real


@pytest.mark.integration
def test_stalled_dev_node_is_flushed(anvil_session: NovaChain) -> None:
    """A dev node that leaves transactions in its pool (anvil automine, foundry-rs/foundry#10122: reproduced here
    by switching automine off) does not stall a batch: the wait resends the same bytes and mines a block."""
    chain = anvil_session.chain
    to = chain.dev_signer(4).address
    before, stalls = chain.balance(to), chain.stalls_flushed
    snap = chain.snapshot()
    chain.backend.client.call("evm_setAutomine", False)  # type: ignore[attr-defined]
    try:
        receipts = chain.send_batch([TxRequest(to=to, value=7, gas=21_000) for _ in range(5)], chunk=2)
        assert [r.succeeded for r in receipts] == [True] * 5
        assert chain.balance(to) == before + 35
        assert chain.stalls_flushed > stalls
    finally:
        chain.backend.client.call("evm_setAutomine", True)  # type: ignore[attr-defined]
        chain.revert(snap)
