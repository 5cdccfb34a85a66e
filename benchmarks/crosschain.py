"""Atomic swaps: HTLC gas against BEP3 and dcrdex, and a whole swap between two anvils; the bridge's attested
delivery by a guardian quorum and by a validator checkpoint, side by side.

    cd benchmarks && ../.venv/bin/python crosschain.py [--runs 3] [--block-time 1] [--parts gas,bridge,swap]

* ``gas``: whole-transaction gasUsed (receipts; 21,000 intrinsic and calldata included, as the anchors are) of
  ``HashedTimelock`` lock, claim and refund on anvil, for an ERC-20 (OpenZeppelin ERC20, ``PlainERC20``) and the
  native coin. Steady state: the contract holds other open locks of the token and the recipient already holds it
  (the figures for the contract's first lock of a token and a claim to a fresh recipient are reported beside). The
  ERC-20 lock's separate ``approve`` is reported on its own (BEP3 needs it too). Anchors, quoted not measured:
  Binance BEP3 ERC-20 swap contract initiate 162,127, claim 36,405, refund 34,336, against our ERC-20 figures;
  dcrdex's v0 ETH swap contract (``dex/networks/eth/params.go``: init 135,000, redeem 63,000, refund 43,000, the
  gas it budgets per swap), against our native-coin figures. Goal: at or below each.
* ``swap``: a whole atomic swap of the native coin between two anvils (``--block-time`` seconds per block, 1 by
  default; 0: automine), every step a separate ``novacron-chain`` process as the two parties would run it:
  ``swap initiate`` (alice), ``swap participate`` (bob), then both ``swap watch --until-done`` at once (alice's
  claims on B, revealing the secret; bob's reads it and claims on A). Time from the first command's start to both
  watchers exiting (``--runs`` times, median), and total gas of the four transactions. Process start-up (~1 s of
  imports per command) is included: it is what a user waits for.

* ``bridge``: whole-transaction gasUsed on anvil of an attested delivery on the target chain, both ways the bridge
  takes one. Guardians: Wormhole's quorum, 19 guardians of which 13 sign (ECDSA, signers ascending; ``deliver``).
  Checkpoint: the proof-of-stake contracts (NOVA, StakeManager, CheckpointVerifier) with ``--validators`` BLS
  validators (dev accounts as owners) on the same chain, and a Bridge that takes their checkpoints; a root over
  ``k`` messages of a source chain is signed by every validator (and by just over 2/3), aggregated and submitted
  once (``submitCheckpoint``: one pairing whatever the number of signers, plus one G1 addition per non-signer),
  then each message is delivered with its Merkle proof (``deliverWithCheckpoint``: one ``isFinal`` read and
  ``log2 k`` hashes). Steady state on both sides (the wrapped token exists, the recipient holds it). The per-message
  figure of the checkpoint path is ``deliverWithCheckpoint + submitCheckpoint / k`` (one checkpoint covers every
  message published up to its height), reported for k = 1, 16 and 1,024.

Parts run alone (``--parts bridge``) are merged into the existing results file. Writes ``results/crosschain.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from novacron_chain import NovaChain, consensus, governance, load_config
from novacron_chain.chain import AnvilNode, Signer, checksum, dev_signers
from novacron_chain.consensus import BlsSecretKey, CheckpointSignature
from novacron_chain.crosschain import (
    AtomicSwapManager,
    BridgeMessage,
    MessageRoots,
    bridge_domain,
    deploy_steps,
    hash_secret,
    new_secret,
)

from _common import RESULTS, save

BEP3 = {"lock": 162_127, "claim": 36_405, "refund": 34_336}
DCRDEX = {"lock": 135_000, "claim": 63_000, "refund": 43_000}
ETH = 10**18


def gas_figures() -> dict[str, Any]:
    with AnvilNode() as node:
        config = load_config(env={}, overrides={"network": node.url, "enable_cross_chain": True})
        with NovaChain.connect(config) as nc:
            nc.deploy(steps=deploy_steps(nc.config.blockchain))
            chain = nc.chain
            alice, bob, carol = chain.dev_signer(1), chain.dev_signer(2), chain.dev_signer(3)
            token, _ = chain.deploy("PlainERC20", alice.address, 10**27)
            m = AtomicSwapManager(chain, nc.contract("HashedTimelock"), signer=alice)
            htlc = m.htlc
            approve = chain.transact(token.functions.approve(htlc.address, 10**26), sender=alice).gas_used
            chain.transact(token.functions.transfer(bob.address, 1), sender=alice)  # bob holds the token

            def lock(token_address: str | None, recipient: str, amount: int) -> tuple[Any, bytes, int]:
                secret = new_secret()
                deadline = m.now() + 3600
                fn = htlc.functions.lock(
                    hash_secret(secret), deadline, recipient, token_address or "0x" + "00" * 20, amount
                )
                r = chain.transact(fn, value=0 if token_address else amount, sender=alice)
                status = m.get_lock(m.events_of(r, "Locked")[0]["args"]["id"])
                return status, secret, r.gas_used

            out: dict[str, Any] = {"approve_erc20": approve}
            dave = chain.dev_signer(4)
            for kind, tok in (("erc20", token.address), ("native", None)):
                # the contract's first lock of the asset stays open (a live contract holds other open locks)
                _, _, first_gas = lock(tok, carol.address, 5)
                steady, s2, lock_gas = lock(tok, bob.address, 5)
                claim_gas = chain.transact(htlc.functions.claim(steady.lock.as_tuple(), s2), sender=bob).gas_used
                fresh, s3, _ = lock(tok, dave.address, 5)
                fresh_claim = chain.transact(htlc.functions.claim(fresh.lock.as_tuple(), s3), sender=bob).gas_used
                refundable, _, _ = lock(tok, bob.address, 7)
                chain.advance(3601)
                refund_gas = chain.transact(htlc.functions.refund(refundable.lock.as_tuple()), sender=alice).gas_used
                out[kind] = {
                    "lock": lock_gas,
                    "claim": claim_gas,
                    "refund": refund_gas,
                    "first_lock": first_gas,
                    "claim_to_fresh_recipient": fresh_claim,
                }
            # BEP3's figures are its ERC-20 contract's; dcrdex's are its v0 ETH contract's (dex/networks/eth/params.go
            # v0Gases): each is compared with the same kind of lock
            out["vs_anchors"] = {
                f"{op} ({kind} vs {name})": {
                    "ours": out[kind][op],
                    name: anchor[op],
                    "ratio": round(out[kind][op] / anchor[op], 3),
                    "at_or_below": out[kind][op] <= anchor[op],
                }
                for kind, name, anchor in (("erc20", "bep3", BEP3), ("native", "dcrdex", DCRDEX))
                for op in ("lock", "claim", "refund")
            }
            return out


def _guardian_sig(key: Signer, digest: bytes) -> bytes:
    v, r, s = key.sign_hash(digest)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v if v >= 27 else v + 27])


def bridge_figures(validators: int = 9) -> dict[str, Any]:
    """Attested delivery gas: a 13-of-19 guardian quorum against a BLS checkpoint of ``validators`` validators."""
    import secrets

    overrides = {
        "network": "",
        "enable_cross_chain": True,
        "validator_stake": 1000,
        "epoch_length": 3600,
        "min_validators": validators,
        "data_dir": "/nonexistent-novacron",
    }
    source_chain = 1001  # the messages' source; delivery on the target does not read it
    with AnvilNode() as node:
        overrides["network"] = node.url
        nc = NovaChain.connect(load_config(env={}, overrides=overrides))
        nc.deployments.path = None  # records in memory
        try:
            chain = nc.chain
            token, timelock, _governor = governance.deploy_steps(nc.config.blockchain)
            nc.deploy(steps=[token, timelock, *consensus.deploy_steps(nc.config.blockchain)])
            cm = nc.consensus
            keys = [BlsSecretKey.from_seed(bytes([0xC0 + i]) * 32) for i in range(validators)]
            owners = dev_signers()[1 : validators + 1]
            effective = max(
                cm.register_validator(o.address, 1000 * 10**18, bls_key=k, sender=o).effective_epoch
                for o, k in zip(owners, keys, strict=True)
            )
            while cm.current_epoch() < effective:
                chain.advance(max(int(chain.call(cm.stake_manager.functions.nextEpochAt())) - chain.timestamp(), 1))
            deployer = chain.signer.address
            recipient = chain.dev_signer(2).address
            home_token = checksum("0x" + "7e" * 20)

            def message(nonce: int) -> BridgeMessage:
                return BridgeMessage(
                    source_chain, chain.chain_id, nonce, source_chain, home_token, 10**18, recipient, recipient
                )

            # guardians: 19 keys, 13 sign
            gkeys = sorted((Signer(secrets.token_bytes(32)) for _ in range(19)), key=lambda s: int(s.address, 16))
            gbridge, _ = chain.deploy(
                "Bridge", deployer, deployer, [k.address for k in gkeys], 13, 86400, 10**30, 10**30
            )
            guardian_gas = []
            for nonce in (1, 2):
                m = message(nonce)
                digest = bytes(chain.call(gbridge.functions.deliveryDigest(m.as_tuple())))
                sigs = [_guardian_sig(k, digest) for k in gkeys[:13]]
                guardian_gas.append(chain.transact(gbridge.functions.deliver(m.as_tuple(), sigs)).gas_used)

            # checkpoints: the same kind of bridge taking the validators' checkpoints of source 1001's message roots
            cbridge, _ = chain.deploy(
                "Bridge", deployer, deployer, [k.address for k in gkeys], 13, 86400, 10**30, 10**30
            )
            chain.transact(cbridge.functions.setCheckpointVerifier(cm.verifier.address))
            domain = bridge_domain(source_chain)
            height = 0
            nonce = 0

            def checkpoint(count: int, signers: int) -> tuple[list[BridgeMessage], bytes, int, int]:
                """A root over ``count`` new messages, finalized by ``signers`` validators: (messages, root, height,
                gas)."""
                nonlocal height, nonce
                msgs = [message(nonce + 1 + i) for i in range(count)]
                nonce += count
                height += 1
                root = MessageRoots.tree(msgs).root
                epoch = cm.current_epoch()
                digest = cm.checkpoint_digest(domain, height, root, epoch)
                sigs = [
                    CheckpointSignature(domain, height, root, epoch, i, keys[i].public_key(), keys[i].sign(digest), 0.0)
                    for i in range(signers)
                ]
                receipt = cm.submit_checkpoint(cm.aggregate(sigs))
                return msgs, root, height, int(receipt.gas_used or 0)

            def deliver(msgs: list[BridgeMessage], root: bytes, at: int, index: int) -> int:
                proof = MessageRoots.tree(msgs).proof(index)
                fn = cbridge.functions.deliverWithCheckpoint(msgs[index].as_tuple(), at, root, proof)
                return chain.transact(fn).gas_used

            first_msgs, first_root, first_h, first_cp = checkpoint(1, validators)  # the domain's first checkpoint
            first_delivery = deliver(first_msgs, first_root, first_h, 0)  # creates the wrapped token
            rows: dict[str, Any] = {}
            quorum = validators * 2 // 3 + 1
            for k in (1, 16, 1024):
                msgs, root, at, cp_all = checkpoint(k, validators)
                delivery = deliver(msgs, root, at, k // 2)
                rows[f"k={k}"] = {
                    "messages_in_root": k,
                    "proof_hashes": len(MessageRoots.tree(msgs).proof(k // 2)),
                    "deliver_with_checkpoint": delivery,
                    "submit_checkpoint_all_signing": cp_all,
                    "per_message": delivery + cp_all // k,
                }
            _, _, _, cp_quorum = checkpoint(1, quorum)
            steady_guardian = guardian_gas[1]
            return {
                "guardian_13_of_19": {"deliver_first": guardian_gas[0], "deliver": steady_guardian},
                "checkpoint_bls": {
                    "validators": validators,
                    "deliver_first": first_delivery,
                    "submit_checkpoint_first_of_domain": first_cp,
                    f"submit_checkpoint_{quorum}_of_{validators}": cp_quorum,
                    "by_root_size": rows,
                },
                "side_by_side_per_message": {
                    "guardian_13_of_19": steady_guardian,
                    **{f"checkpoint_k={k}": rows[f"k={k}"]["per_message"] for k in (1, 16, 1024)},
                },
                "note": "whole-transaction gasUsed on anvil; submitCheckpoint is paid once per root (any relayer or "
                "aggregator), deliverWithCheckpoint once per message",
            }
        finally:
            nc.close()


def _cli(config: Path, account: int, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "novacron_chain.cli",
            "--config",
            str(config),
            "--account",
            str(account),
            "--json",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stdout}{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _watch(config: Path, account: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "novacron_chain.cli",
            "--config",
            str(config),
            "--account",
            str(account),
            "--json",
            "swap",
            "watch",
            "--poll",
            "0.2",
            "--until-done",
            "--seconds",
            "120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def one_swap(block_time: float) -> dict[str, Any]:
    bob, alice = dev_signers()[2].address, dev_signers()[1].address
    with (
        tempfile.TemporaryDirectory() as tmp,
        AnvilNode(chain_id=31337, block_time=block_time or None) as a,
        AnvilNode(chain_id=31338, block_time=block_time or None) as b,
    ):
        config = Path(tmp) / "novacron.yaml"
        config.write_text(
            f"blockchain:\n  network: anvil\n  rpc_endpoint: {a.url}\n  data_dir: {tmp}/data\n"
            "  enable_cross_chain: true\n  supported_chains: [b]\n"
            f"  chains: {{b: {{rpc_endpoint: '{b.url}', chain_id: 31338}}}}\n"
        )
        with NovaChain.connect(load_config(config, env={})) as nc:
            for name in ("anvil", "b"):
                nc.chains[name].deploy(steps=deploy_steps(nc.chains[name].config.blockchain))
        t0 = time.perf_counter()
        started = _cli(
            config,
            1,
            "swap",
            "initiate",
            "1",
            "--from",
            "anvil",
            "--to",
            "b",
            "--participant",
            bob,
            "--want-amount",
            "0.5",
        )
        t_init = time.perf_counter() - t0
        _cli(
            config,
            2,
            "swap",
            "participate",
            "0.5",
            "--from",
            "anvil",
            "--to",
            "b",
            "--lock-id",
            started["initiator_lock"]["id"],
            "--initiator",
            alice,
            "--want-amount",
            "1",
        )
        t_part = time.perf_counter() - t0
        watchers = [_watch(config, 1), _watch(config, 2)]
        for w in watchers:
            out, err = w.communicate(timeout=180)
            if w.returncode != 0:
                raise SystemExit(f"watcher failed: {out}{err}")
        elapsed = time.perf_counter() - t0
        status = _cli(config, 1, "swap", "status", started["swap_id"])
        if status["phase"] != "completed":
            raise SystemExit(f"swap not completed: {status}")
        with NovaChain.connect(load_config(config, env={})) as nc:
            gas = 0
            for name in ("anvil", "b"):
                chain = nc.chains[name]
                htlc = chain.contract("HashedTimelock")
                for event in ("Locked", "Claimed"):
                    for log in htlc.events[event].get_logs(from_block=0):
                        gas += int(chain.chain.w3.eth.get_transaction_receipt(log["transactionHash"])["gasUsed"])
        return {
            "seconds": round(elapsed, 2),
            "initiated_at_s": round(t_init, 2),
            "participated_at_s": round(t_part, 2),
            "total_gas": gas,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="whole swaps timed")
    ap.add_argument("--block-time", type=float, default=1.0, help="anvil block time in seconds (0: automine)")
    ap.add_argument("--parts", default="gas,bridge,swap", help="which parts to run (comma-separated)")
    ap.add_argument("--validators", type=int, default=9, help="BLS validators of the bridge checkpoint part")
    args = ap.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    load_before = os.getloadavg()[0]
    data: dict[str, Any] = {}
    previous = RESULTS / "crosschain.json"
    if parts != {"gas", "bridge", "swap"} and previous.exists():
        old = json.loads(previous.read_text())
        data = {k: v for k, v in old.items() if k not in ("benchmark", "machine")}
    if "gas" in parts:
        data["gas"] = gas_figures()
    if "bridge" in parts:
        data["bridge"] = bridge_figures(args.validators)
    if "swap" in parts:
        runs = [one_swap(args.block_time) for _ in range(args.runs)]
        data["swap"] = {
            "block_time_s": args.block_time,
            "runs": runs,
            "median_seconds": round(statistics.median(r["seconds"] for r in runs), 2),
            "total_gas": runs[0]["total_gas"],
            "processes": "initiate, participate, then both watchers at once (each a separate novacron-chain process)",
        }
    data["load_average_1m"] = {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)}
    data["anchors"] = {"bep3_erc20": BEP3, "dcrdex_v0": DCRDEX}
    save("crosschain", data)


if __name__ == "__main__":
    main()
