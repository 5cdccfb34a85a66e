"""Proof of stake with real processes on a real anvil: four ``novacron-chain validator run`` processes and one
``novacron-chain validator aggregate``, each a separate Python process talking to anvil over JSON-RPC and to each
other over HTTP on loopback; the VM state batches they check come from an IPFS API server (the embedded store behind
Kubo's RPC) that this test process writes through.

The scenario (one test, in order, every wait bounded):

1. checkpoints of the ``state`` domain become final with all four validators;
2. a batch anchored with a root its manifest does not rebuild is refused by every validator and never final;
3. ``kill -9`` one validator: checkpoints continue (3 of 4 hold more than 2/3 of the stake);
4. ``kill -9`` a second: checkpoints stall, and the chain refuses a submission of the two live validators' signatures
   (exactly 1/2 of the stake);
5. restart one: the stalled checkpoint and the next become final;
6. restart the other with ``NOVACRON_TEST_EQUIVOCATE=1``: it signs two roots for one height, the aggregator reports
   it, the StakeManager slashes 10% of its stake and tombstones it; the tombstone holds (no weight from the next
   epoch, checkpoints go on without it, a second report is refused).

Anvil mines a block every second during the scenario (``evm_setIntervalMining``), as a live chain does: epochs are
counted in block time, and an automining anvil makes no block while nobody sends a transaction.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain, consensus, load_config
from novacron_chain import state as state_domain
from novacron_chain.chain import AnvilNode, dev_signers
from novacron_chain.consensus import (
    SIGNATURES_PATH,
    BlsKeystore,
    BlsSecretKey,
    CheckpointSignature,
    DoubleSignEvidence,
    TombstonedError,
    aggregate_signatures,
    domain_id,
    signature_message,
)
from novacron_chain.errors import ContractCustomError
from novacron_chain.state import VMState, VMStateRecord
from novacron_chain.storage import EmbeddedStore, IpfsApiServer
from tests._procs import Proc
from tests._support import nova_and_timelock, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOVA = 10**18
STAKE = 1000 * NOVA
EPOCH = 4  # seconds: set changes take effect at the next epoch, signatures are good for this epoch and the next
DEV = {
    "validator_stake": 1000,
    "epoch_length": EPOCH,
    "unbonding_period": 60,
    "min_validators": 4,
    "batch_size": 1000,
}
PASSPHRASE = "validator passphrase"
OWNERS = dev_signers()[1:5]
AGGREGATOR_ACCOUNT = 9
KEYS = [BlsSecretKey.from_seed(bytes([0x70 + i]) * 32) for i in range(4)]
STATE = domain_id("state")
FINAL_TIMEOUT = 25.0  # seconds for a checkpoint to become final (a few blocks, a few polls, maybe an epoch)


@dataclass
class Net:
    """The module's network: anvil, the deployer's NovaChain, the IPFS API, the aggregator, four validators."""

    anvil: AnvilNode
    nc: NovaChain
    ipfs: IpfsApiServer
    aggregator: Proc
    validators: list[Proc]
    tmp: Path

    @property
    def aggregator_url(self) -> str:
        return str(self.aggregator.started["url"])

    def logs(self) -> str:
        return "\n".join(p.tail() for p in [self.aggregator, *self.validators])


def _env(tmp: Path, anvil: AnvilNode, ipfs: IpfsApiServer, name: str) -> dict[str, str]:
    """A process's environment: its own data dir holding a copy of the deployments record, the shared chain and
    IPFS API, the BLS passphrase."""
    data_dir = tmp / name
    data_dir.mkdir()
    shutil.copy(tmp / "deployer" / "deployments.json", data_dir / "deployments.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOVACRON_") and k != "BLOCKCHAIN_PRIVATE_KEY"}
    env.update(
        {
            "NOVACRON_NETWORK": anvil.url,
            "NOVACRON_DATA_DIR": str(data_dir),
            "NOVACRON_IPFS_ENDPOINT": ipfs.url,
            "NOVACRON_BLS_PASSPHRASE": PASSPHRASE,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    tmp = tmp_path_factory.mktemp("pos-processes")
    procs: list[Proc] = []
    with AnvilNode() as anvil, EmbeddedStore(tmp / "ipfs") as store, IpfsApiServer(store, port=0) as ipfs:
        config = load_config(
            overrides={"network": anvil.url, "data_dir": tmp / "deployer", "ipfs_endpoint": ipfs.url, **DEV}
        )
        nc = NovaChain.connect(config)
        try:
            steps = [*state_domain.deploy_steps(config.blockchain), *nova_and_timelock(config.blockchain)]
            nc.deploy(steps=[*steps, *consensus.deploy_steps(config.blockchain)])
            c = nc.consensus
            for i, (owner, key) in enumerate(zip(OWNERS, KEYS, strict=True)):
                assert c.register_validator(owner.address, STAKE, bls_key=key, sender=owner).index == i
                BlsKeystore.encrypt(key, PASSPHRASE, kdf="pbkdf2", pbkdf2_c=1024).save(tmp / f"keystore-{i}.json")
            # from here on a block every second, as on a live chain: epochs follow block time
            httpx.post(anvil.url, json={"jsonrpc": "2.0", "id": 1, "method": "evm_setIntervalMining", "params": [1]})
            aggregator = Proc(
                "aggregator",
                ["--account", str(AGGREGATOR_ACCOUNT), "validator", "aggregate", "--port", "0", "--metrics-port", "0"],
                _env(tmp, anvil, ipfs, "aggregator"),
                tmp / "aggregator.log",
            )
            procs.append(aggregator)
            aggregator.start()
            validators = []
            for i in range(4):
                args = ["validator", "run", "--bls-keystore", str(tmp / f"keystore-{i}.json")]
                args += ["--aggregator", str(aggregator.started["url"]), "--poll-interval", "0.25"]
                validator = Proc(f"validator-{i}", args, _env(tmp, anvil, ipfs, f"validator-{i}"), tmp / f"v{i}.log")
                procs.append(validator)
                validators.append(validator.spawn())  # all four import in parallel
            for validator in validators:
                validator.ready()
            yield Net(anvil, nc, ipfs, aggregator, validators, tmp)
        finally:
            running = [p for p in procs if p.running]
            for proc in procs:
                proc.stop(grace=10)
            nc.close()
            assert not [p.name for p in procs if p.running], "a process outlived the test"
            codes = {p.name: p.popen.returncode for p in running if p.popen is not None}
            assert set(codes.values()) <= {0}, f"not a clean stop on SIGTERM: {codes}"


def anchor_batch(nc: NovaChain, n: int, tag: str) -> tuple[int, bytes, str]:
    """Record ``n`` VM states and anchor them: (batch id, root, manifest CID)."""
    owner = dev_signers()[0].address
    for i in range(n):
        nc.state.record_vm_state(VMStateRecord(f"vm-{tag}-{i}", owner, "us-east-1", VMState.RUNNING, 2, 4096))
    (batch,) = nc.state.flush()
    return batch.batch_id, bytes.fromhex(batch.root[2:]), batch.manifest_cid


def is_final(nc: NovaChain, height: int, root: bytes) -> bool:
    return nc.consensus.is_final("state", height, root)


def post(url: str, body: Any) -> httpx.Response:
    return httpx.post(url + SIGNATURES_PATH, json=body, timeout=5)


def test_aggregator_refuses_what_does_not_verify(net: Net) -> None:
    """Malformed bodies, a key that is not the validator's and a signature that does not verify are refused and
    never counted."""
    c = net.nc.consensus
    url = net.aggregator_url
    assert post(url, {"domain": "state"}).status_code == 400
    assert httpx.post(url + SIGNATURES_PATH, content=b"not json", timeout=5).status_code == 400
    root = keccak(b"never anchored")
    epoch = c.current_epoch()
    good = KEYS[0].sign(c.checkpoint_digest("state", 10**9, root, epoch))
    wrong_key = CheckpointSignature(STATE, 10**9, root, epoch, 1, KEYS[0].public_key(), good, time.time())
    reply = post(url, signature_message(wrong_key))
    assert reply.status_code == 403
    assert "registered with key" in reply.json()["message"]
    forged = CheckpointSignature(
        STATE, 10**9, root, epoch, 0, KEYS[0].public_key(), KEYS[0].sign(b"something else"), time.time()
    )
    # held unchecked (signatures are verified in batches, once they could count); the real one is not shut out:
    # verified on arrival, the forgery dropped, and the forgery sent again refused at once
    assert post(url, signature_message(forged)).status_code == 202
    real = CheckpointSignature(STATE, 10**9, root, epoch, 0, KEYS[0].public_key(), good, time.time())
    assert post(url, signature_message(real)).status_code == 202
    reply = post(url, signature_message(forged))
    assert reply.status_code == 403
    assert "does not verify" in reply.json()["message"]
    status = httpx.get(url + "/v1/status", timeout=5).json()
    assert [(p["height"], p["signers"], p["candidates"]) for p in status["pending"]] == [(10**9, [0], [])]
    assert status["rejected"] >= 3


def test_checkpoints_survive_crashes_and_slash_an_equivocator(net: Net) -> None:
    nc, c, logs = net.nc, net.nc.consensus, net.logs
    v = net.validators
    started = time.monotonic()

    # 1. all four up: a batch of VM states becomes a final checkpoint
    h1, r1, manifest1 = anchor_batch(nc, 5, "a")
    wait_until(f"state#{h1} final with 4 validators", lambda: is_final(nc, h1, r1), FINAL_TIMEOUT, logs)
    first = c.get_checkpoint("state", h1)
    assert first.root == r1
    assert first.total_stake == 4 * STAKE
    t_first = time.monotonic() - started

    # 2. a root its manifest does not rebuild: refused by every validator, never final; the next batch is
    bogus = keccak(b"a root nobody can rebuild")
    anchor = nc.contract("StateAnchor")
    receipt = nc.chain.transact(anchor.functions.anchor(bogus, 5, manifest1))
    h_bogus = int(anchor.events.BatchAnchored().process_receipt(receipt.raw)[0]["args"]["batchId"])
    wait_until(
        "every validator to refuse the bogus root",
        lambda: all(f"MISMATCH state#{h_bogus}" in p.log.read_text() for p in v),
        FINAL_TIMEOUT,
        logs,
    )
    h2, r2, _ = anchor_batch(nc, 3, "b")
    assert h2 == h_bogus + 1
    wait_until(f"state#{h2} final", lambda: is_final(nc, h2, r2), FINAL_TIMEOUT, logs)
    assert not is_final(nc, h_bogus, bogus)

    # 3. kill -9 one validator: 3 of 4 still hold more than 2/3
    v[3].kill9()
    h3, r3, _ = anchor_batch(nc, 4, "c")
    wait_until(f"state#{h3} final with 3 of 4", lambda: is_final(nc, h3, r3), FINAL_TIMEOUT, logs)
    assert c.get_checkpoint("state", h3).non_signers == (3,)

    # 4. kill -9 a second: exactly half the stake is left, and checkpoints stall
    v[2].kill9()
    h4, r4, _ = anchor_batch(nc, 2, "d")
    stall_until = time.monotonic() + 2 * EPOCH
    while time.monotonic() < stall_until:
        assert not is_final(nc, h4, r4), "final with half the stake"
        assert c.latest_height("state") == h3
        time.sleep(0.5)
    # the chain itself refuses the two live validators' signatures (the manager would refuse before sending)
    epoch = c.current_epoch()
    digest = c.checkpoint_digest("state", h4, r4, epoch)
    half = aggregate_signatures([KEYS[0].sign(digest), KEYS[1].sign(digest)])
    with pytest.raises(ContractCustomError) as refused:
        nc.chain.transact(c.verifier.functions.submitCheckpoint(STATE, h4, r4, epoch, [2, 3], half.to_eip2537()))
    assert refused.value.error_name == "CheckpointInsufficientStake"
    assert c.latest_height("state") == h3

    # 5. restart one: the stalled checkpoint becomes final, and so does the next
    v[2].start()
    wait_until(f"stalled state#{h4} final after a restart", lambda: is_final(nc, h4, r4), FINAL_TIMEOUT, logs)
    h5, r5, _ = anchor_batch(nc, 3, "e")
    wait_until(f"state#{h5} final", lambda: is_final(nc, h5, r5), FINAL_TIMEOUT, logs)

    # 6. the last one comes back forced to equivocate: reported by the aggregator, slashed, tombstoned
    bonded_before = int(c.get_validator(3).bonded)
    v[3].start(extra_env={"NOVACRON_TEST_EQUIVOCATE": "1"})
    h6, r6, _ = anchor_batch(nc, 2, "f")
    slashed = wait_until("validator 3 to be slashed", lambda: c.get_validator(3).tombstoned, FINAL_TIMEOUT, logs)
    assert slashed
    wait_until(f"state#{h6} final without the equivocator", lambda: is_final(nc, h6, r6), FINAL_TIMEOUT, logs)
    assert "TEST EQUIVOCATION" in v[3].log.read_text()
    status = httpx.get(net.aggregator_url + "/v1/status", timeout=5).json()
    (report,) = status["slashed"]
    assert (report["index"], report["height"]) == (3, h6)
    assert int(report["slashed"]) == STAKE // 10  # slashing_rate 0.1 of its stake
    assert int(report["reward"]) == STAKE // 100  # reporter_reward 0.1 of the slashed amount
    assert report["reporter"] == dev_signers()[AGGREGATOR_ACCOUNT].address
    assert status["double_signers"] == [3]
    after = c.get_validator(3)
    assert after.bonded + after.unbonding == bonded_before - STAKE // 10  # the rest: unbonding, withdrawable later
    assert after.next_weight == 0

    # the tombstone holds: no weight from the next epoch on, checkpoints go on with the other three, and the
    # same validator cannot be slashed twice
    slash_epoch = c.current_epoch()
    wait_until("the epoch after the slash", lambda: c.current_epoch() > slash_epoch, 3 * EPOCH, logs)
    h7, r7, _ = anchor_batch(nc, 2, "g")
    wait_until(f"state#{h7} final after the tombstone", lambda: is_final(nc, h7, r7), FINAL_TIMEOUT, logs)
    last = c.get_checkpoint("state", h7)
    assert last.total_stake == 3 * STAKE
    assert 3 not in (last.non_signers or ())
    assert int(nc.chain.call(c.stake_manager.functions.stakeAt(3, last.epoch))) == 0
    epoch = c.current_epoch()
    evidence = DoubleSignEvidence(
        3,
        STATE,
        10**6,
        keccak(b"x"),
        epoch,
        KEYS[3].sign(c.checkpoint_digest("state", 10**6, keccak(b"x"), epoch)),
        keccak(b"y"),
        epoch,
        KEYS[3].sign(c.checkpoint_digest("state", 10**6, keccak(b"y"), epoch)),
    )
    with pytest.raises(TombstonedError):
        c.report_double_sign(evidence)
    with pytest.raises(ContractCustomError) as again:
        nc.chain.transact(
            c.stake_manager.functions.reportDoubleSign(
                3,
                STATE,
                10**6,
                evidence.root_a,
                epoch,
                evidence.signature_a.to_eip2537(),
                evidence.root_b,
                epoch,
                evidence.signature_b.to_eip2537(),
            )
        )
    assert again.value.error_name == "StakeManagerTombstoned"

    # the finality times reached the aggregator's metrics
    metrics = httpx.get(str(net.aggregator.started["metrics_url"]), timeout=5).text
    count = next(
        float(line.split()[-1])
        for line in metrics.splitlines()
        if line.startswith("blockchain_checkpoint_finality_seconds_count")
    )
    assert count >= 6
    assert all(p.running for p in [net.aggregator, *v])
    print(f"\nfirst checkpoint final {t_first:.1f} s after the test began; scenario {time.monotonic() - started:.1f} s")
