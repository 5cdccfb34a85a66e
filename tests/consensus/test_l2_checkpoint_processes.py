"""Fast L2 finality with real processes on a real anvil: four ``novacron-chain validator run --domain l2``, one
``novacron-chain validator aggregate`` and one ``novacron-chain l2 verify``, each a separate Python process; this test
process posts batches built the sequencer's way (deposits on L1, queue ops and transfers in a :class:`BatchBuilder`).

1. an honest batch becomes final on the rollup by checkpoint, an hour before its challenge period ends: every
   validator re-executed it from L1 data, the aggregator submitted ``("l2", 0, root)``, the verifier confirmed it;
2. a batch whose middle segment root is wrong (its post root is right) is refused by every validator (``MISMATCH
   l2#1`` in each log) and never checkpointed; the verifier proves it wrong, and its honest replacement at the same
   index becomes final by checkpoint.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_hash.auto import keccak

from novacron_chain import NovaChain, consensus, l2, load_config, tokens
from novacron_chain.chain import AnvilNode, dev_signers
from novacron_chain.consensus import BlsKeystore, BlsSecretKey
from novacron_chain.l2 import Batch, BatchBuilder, L2State, QueueOp, RollupL1, encode_op, sign_transfer
from novacron_chain.l2._codec import address_of, checksum
from tests._procs import Proc
from tests._support import nova_and_timelock, wait_until

from .test_processes import PASSPHRASE

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOVA = 10**18
STAKE = 1000 * NOVA
DEV = {"validator_stake": 1000, "epoch_length": 3600, "min_validators": 4}
OWNERS = dev_signers()[1:5]
KEYS_SEEDS = [bytes([0xE0 + i]) * 32 for i in range(4)]
AGGREGATOR_ACCOUNT = 9
VERIFIER_ACCOUNT = 5
CHALLENGE = 3600
BOND = 10**18
MINTER_ROLE = keccak(b"MINTER_ROLE")
USER_KEYS = [bytes([0x61 + i]) * 32 for i in range(3)]
USERS = [address_of(k) for k in USER_KEYS]
TIMEOUT = 60.0


@dataclass
class Net:
    anvil: AnvilNode
    nc: NovaChain
    procs: list[Proc]

    @property
    def l1(self) -> RollupL1:
        return RollupL1(self.nc.chain, self.nc.contract("L2Rollup"), self.nc.contract("L2Portal"))

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.procs)

    def is_final(self, index: int) -> bool:
        return bool(self.nc.chain.call(self.nc.contract("L2Rollup").functions.isFinal(index)))


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    tmp = tmp_path_factory.mktemp("l2-checkpoint-processes")
    procs: list[Proc] = []
    with AnvilNode() as anvil:
        overrides: dict[str, Any] = {
            "network": anvil.url,
            "data_dir": tmp / "deployer",
            "use_layer2": True,
            "l2_challenge_period": CHALLENGE,
            **DEV,
        }
        nc = NovaChain.connect(load_config(overrides=overrides, env={}))
        try:
            bc = nc.config.blockchain
            sm, cv = consensus.deploy_steps(bc)
            nc.deploy(steps=[*tokens.deploy_steps(bc)[:4], *nova_and_timelock(bc), sm, cv, *l2.deploy_steps(bc)])
            cm, chain = nc.consensus, nc.chain
            for i, (owner, seed) in enumerate(zip(OWNERS, KEYS_SEEDS, strict=True)):
                key = BlsSecretKey.from_seed(seed)
                cm.register_validator(owner.address, STAKE, bls_key=key, sender=owner)
                BlsKeystore.encrypt(key, PASSPHRASE, kdf="pbkdf2", pbkdf2_c=1024).save(tmp / f"keystore-{i}.json")
            while cm.get_validator_count() < 4:
                chain.advance(max(int(chain.call(cm.stake_manager.functions.nextEpochAt())) - chain.timestamp(), 1))
            me = chain.signer.address
            for name in ("CPUToken", "MEMToken"):
                t = nc.contract(name)
                chain.transact(t.functions.grantRole(MINTER_ROLE, me))
                chain.transact(t.functions.mint(me, 10**24))
            chain.transact(nc.contract("L2Rollup").functions.depositBond(), value=BOND * 4)

            def env(name: str) -> dict[str, str]:
                """Its own data dir with a copy of the deployments record (no IPFS: the l2 domain's data is L1
                calldata), the shared anvil, the BLS passphrase."""
                data_dir = tmp / name
                data_dir.mkdir()
                shutil.copy(tmp / "deployer" / "deployments.json", data_dir / "deployments.json")
                e = {k: v for k, v in os.environ.items() if not k.startswith("NOVACRON_")}
                e.pop("BLOCKCHAIN_PRIVATE_KEY", None)
                e.update(
                    {
                        "NOVACRON_NETWORK": anvil.url,
                        "NOVACRON_DATA_DIR": str(data_dir),
                        "NOVACRON_BLS_PASSPHRASE": PASSPHRASE,
                        "NOVACRON_USE_LAYER2": "true",
                        "NOVACRON_L2_WORKERS": "1",
                        "PYTHONUNBUFFERED": "1",
                    }
                )
                return e

            aggregator = Proc(
                "aggregator",
                ["--account", str(AGGREGATOR_ACCOUNT), "validator", "aggregate", "--port", "0"],
                env("aggregator"),
                tmp / "aggregator.log",
            )
            procs.append(aggregator)
            aggregator.start()
            url = str(aggregator.started["url"])
            verifier = Proc(
                "verifier",
                ["--account", str(VERIFIER_ACCOUNT), "l2", "verify", "--poll-interval", "0.25"],
                env("verifier"),
                tmp / "verifier.log",
            )
            procs.append(verifier)
            verifier.spawn()
            validators = []
            for i in range(4):
                args = ["validator", "run", "--domain", "l2", "--bls-keystore", str(tmp / f"keystore-{i}.json")]
                args += ["--aggregator", url, "--poll-interval", "0.25"]
                v = Proc(f"validator-{i}", args, env(f"validator-{i}"), tmp / f"v{i}.log")
                procs.append(v)
                validators.append(v.spawn())
            for p in [verifier, *validators]:
                p.ready(timeout=60)
            yield Net(anvil, nc, procs)
        finally:
            running = [p for p in procs if p.running]
            for proc in procs:
                proc.stop(grace=10)
            nc.close()
            codes = {p.name: p.popen.returncode for p in running if p.popen is not None}
            assert set(codes.values()) <= {0}, f"not a clean stop on SIGTERM: {codes}"


def _transfer(st: L2State, frm: int, to: int, amount: int) -> Any:
    return sign_transfer(
        USER_KEYS[frm - 1],
        st.domain,
        st.tokens,
        account=frm,
        to=to,
        to_address=st.address(to),
        token=0,
        amount=amount,
        fee=10**12,
        nonce=st.nonce(frm),
    )


def test_validator_processes_finalize_l2_batches_and_refuse_a_wrong_one(net: Net) -> None:
    nc, chain, l1 = net.nc, net.nc.chain, net.l1
    rollup, portal, cpu = nc.contract("L2Rollup"), nc.contract("L2Portal"), nc.contract("CPUToken")
    st = L2State.genesis(l1.fee_recipient(), l1.domain(), l1.tokens())
    b = BatchBuilder(st, max_segment_ops=2)
    for who in USERS:
        chain.transact(cpu.functions.approve(portal.address, 10**21))
        chain.transact(portal.functions.deposit(cpu.address, 10**21, checksum(who)))
        for item in l1.queue_items(len(st.queue)):
            st.add_queue_item(item)
        op = QueueOp(st.account_count)
        assert st.apply(op) is None
        b.add(encode_op(op))
    first = b.finish()

    # 1. an honest batch: final on the rollup by checkpoint, long before the challenge period
    posted_at = chain.timestamp()
    chain.transact(rollup.functions.proposeBatch(*first.propose_args()))
    posted = time.monotonic()
    wait_until("batch 0 final by checkpoint", lambda: net.is_final(0), TIMEOUT, net.logs)
    seconds = time.monotonic() - posted
    assert nc.consensus.is_final("l2", 0, first.post_root)
    assert chain.timestamp() - posted_at < CHALLENGE

    # 2. a wrong middle segment root (the post root is right): refused by every validator, proven wrong by the
    # verifier, and the honest batch at the same index final by checkpoint
    start = st.copy()
    b = BatchBuilder(st, max_segment_ops=2)
    for i in range(6):
        op = _transfer(st, 1 + i % 3, 1 + (i + 1) % 3, 10**18 * (i + 1))
        assert st.apply(op) is None
        b.add(encode_op(op))
    honest = b.finish()
    roots = list(honest.roots)
    roots[1] = b"\x13" * 32
    bad = Batch(honest.ops, honest.ends, tuple(roots), honest.queue_end, honest.prev_root)
    chain.transact(rollup.functions.proposeBatch(*bad.propose_args()))
    validators = [p for p in net.procs if p.name.startswith("validator-")]
    wait_until(
        "every validator to refuse l2#1",
        lambda: all("MISMATCH l2#1" in p.log.read_text() for p in validators),
        TIMEOUT,
        net.logs,
    )
    wait_until("the verifier's fraud proof", lambda: l1.batch_count() == 1, TIMEOUT, net.logs)
    assert not nc.consensus.is_final("l2", 1, bad.post_root)
    chain.transact(rollup.functions.depositBond(), value=BOND)
    replacement = Batch(honest.ops, honest.ends, honest.roots, honest.queue_end, start.root)
    chain.transact(rollup.functions.proposeBatch(*replacement.propose_args()))
    posted = time.monotonic()
    wait_until("the replacement final by checkpoint", lambda: net.is_final(1), TIMEOUT, net.logs)
    replaced = time.monotonic() - posted
    assert nc.consensus.is_final("l2", 1, honest.post_root)
    print(
        f"\nl2 checkpoint finality with processes on anvil (4 `validator run --domain l2`, `validator aggregate`, "
        f"`l2 verify`, polls 0.25 s): batch posted -> final on the rollup {seconds:.2f} s, replacement after a fraud "
        f"proof {replaced:.2f} s; challenge period {CHALLENGE} s"
    )
