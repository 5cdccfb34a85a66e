"""The rollup end to end with real processes on a real anvil: ``novacron-chain l2 run`` (the sequencer) and
``novacron-chain l2 verify`` (a verifier, dev account 5) as separate Python processes; this test process is the user
(deposits and withdrawals on L1, signed transfers over the sequencer's HTTP API, CLI commands as subprocesses).

Scenario: deposit on L1 -> credited on L2; 300 signed transfers (9 to new accounts) soft-confirmed, batched, posted
with their roots, every batch re-executed by the verifier from L1 data alone; account proofs check against the root
on L1; refusals name their reason (bad signature, wrong nonce, insufficient balance, unknown token); a withdrawal is
refused on L1 before its batch is final, released after, and refused the second time.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from novacron_chain.errors import ContractCustomError
from novacron_chain.l2 import InvalidTransactionError, L2ValueError

from .conftest import CHALLENGE, DEV, WAIT, WHOLE, Rollup, fund_l1, signed_transfers, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def cli(rollup: Rollup, *args: str, account: int = 0) -> tuple[int, dict[str, object]]:
    """Run a one-shot CLI command as its own process; (exit code, the JSON it printed)."""
    env = rollup.env("cli")
    out = subprocess.run(
        [sys.executable, "-m", "novacron_chain.cli", "--json", "--account", str(account), *args],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    text = out.stdout.decode().strip()
    data = json.loads(text) if text.startswith("{") else {"raw": text, "stderr": out.stderr.decode()}
    return out.returncode, data


def test_deposit_transfers_batches_and_withdrawal_after_finality(rollup: Rollup) -> None:
    nc, l2 = rollup.nc, rollup.l2
    alice = DEV[0]  # the deployer: its L2 account is the fee account, index 0
    fund_l1(nc, alice.address, 10_000 * WHOLE)
    rollup.sequencer()
    verifier = rollup.verifier()

    dep = l2.deposit("CPU", 5_000 * WHOLE)
    assert dep["queue_index"] == 0
    acct = wait_until(
        "the deposit to be credited on L2",
        lambda: (a := l2.account(alice.address)) is not None and int(a["balances"][0]) == 5_000 * WHOLE and a,
        WAIT,
        rollup.logs,
    )
    index, nonce = int(acct["index"]), int(acct["nonce"])
    assert index == 0

    # 9 transfers creating accounts, then 291 to existing ones: 300 signed transfers
    blob, _ = signed_transfers(l2, alice, index, nonce, [(None, DEV[i].address) for i in range(1, 10)], WHOLE)
    confirmations = l2.submit_wire(blob)
    indices = {DEV[i].address: int(l2.account(DEV[i].address)["index"]) for i in range(1, 10)}  # type: ignore[index]
    assert sorted(indices.values()) == list(range(1, 10))
    targets = [DEV[1 + i % 9].address for i in range(291)]
    for start in range(0, 291, 97):
        part = [(indices[a], a) for a in targets[start : start + 97]]
        blob, _ = signed_transfers(l2, alice, index, nonce + 9 + start, part, WHOLE // 10)
        confirmations += l2.submit_wire(blob)
    assert len(confirmations) == 300
    assert all(c.status == "soft-confirmed" for c in confirmations)
    assert len({c.tx_hash for c in confirmations}) == 300
    positions = [c.position for c in confirmations if c.position is not None]
    assert len(positions) == 300
    assert positions == sorted(positions)  # applied in submission order

    last = confirmations[-1].tx_hash
    receipt = wait_until(
        "the last transfer to be posted to L1",
        lambda: (r := l2.get_receipt(last)) is not None and r["status"] in ("posted", "final") and r,
        WAIT,
        rollup.logs,
    )
    wait_until(
        "the verifier to check the batch holding it",
        lambda: verifier.find("verified", batch=receipt["batch"]),
        WAIT,
        rollup.logs,
    )
    for c in confirmations[::50]:
        r = l2.get_receipt(c.tx_hash)
        assert r is not None
        assert r["status"] in ("posted", "final")

    # balances: each new account got 1 token plus its share of 291 * 0.1; the fees went to the fee account (alice)
    got = {a: l2.get_balance(a, "CPU") for a in indices}
    for a in indices:
        share = sum(1 for t in targets if t == a)
        assert got[a] == WHOLE + share * (WHOLE // 10), a
    assert l2.get_balance(alice.address, "CPU") == 5_000 * WHOLE - 9 * WHOLE - 291 * (WHOLE // 10)  # fees to self

    # an account proof checks against the root L1 holds once nothing is pending
    proof = wait_until(
        "a proof against the root on L1",
        lambda: (p := l2.proof(DEV[3].address))["root_on_l1"] and p,
        WAIT,
        rollup.logs,
    )
    assert proof["verified"]

    # refusals, each with its reason, and nothing changes
    bob = DEV[1]
    bob_index = indices[bob.address]
    good = l2.sign_transfer(DEV[2].address, "CPU", WHOLE, signer=bob)
    with pytest.raises(InvalidTransactionError, match="wrong nonce"):
        l2.submit_transaction(dataclasses.replace(good, nonce=good.nonce + 5))  # type: ignore[operator]
    forged = l2.sign_transfer(DEV[2].address, "CPU", WHOLE, signer=DEV[4])  # DEV[4] signs bob's transfer
    with pytest.raises(InvalidTransactionError, match="bad signature"):
        l2.submit_transaction(dataclasses.replace(forged, account=bob_index, nonce=good.nonce))
    with pytest.raises(InvalidTransactionError, match="insufficient balance"):
        l2.transfer(DEV[2].address, "CPU", 1_000_000 * WHOLE, signer=bob)
    with pytest.raises(L2ValueError, match="unknown token"):
        l2.transfer(DEV[2].address, "GOLD", WHOLE, signer=bob)
    assert l2.get_balance(bob.address, "CPU") == got[bob.address]

    # the same refusals through the CLI: exit codes and JSON errors
    code, out = cli(rollup, "l2", "transfer", DEV[2].address, "1000000", account=1)
    assert code == 1
    assert out["reason"] == "insufficient balance", out
    code, out = cli(rollup, "l2", "transfer", DEV[2].address, "1", "--token", "GOLD", account=1)
    assert code == 2, out
    code, out = cli(rollup, "l2", "balance", bob.address)
    assert code == 0
    assert out["balances"][0] == str(got[bob.address])  # type: ignore[index]

    # a forced exit requested on L1 (censorship resistance), a withdrawal, a proof and a receipt through the CLI
    code, out = cli(rollup, "l2", "exit", "0.1", account=1)
    assert code == 0, out
    assert out["queue_index"] == 1
    wait_until(
        "the forced exit to be included",
        lambda: l2.get_balance(bob.address, "CPU") == got[bob.address] - WHOLE // 10,
        WAIT,
        rollup.logs,
    )
    code, out = cli(rollup, "l2", "withdraw", "0.25", account=1)
    assert code == 0, out
    cli_windex = int(out["withdrawal_index"])  # type: ignore[call-overload]
    assert cli_windex == 1  # the forced exit is withdrawal 0
    code, out = cli(rollup, "l2", "proof", DEV[2].address)
    assert code == 0, out
    assert out["verified"] is True
    code, out = cli(rollup, "l2", "receipt", confirmations[0].tx_hash)
    assert code == 0, out
    assert out["status"] in ("posted", "final")

    # a withdrawal: refused on L1 before its batch is final, released after, refused the second time
    cpu = nc.contract("CPUToken")
    c = l2.withdraw("CPU", WHOLE // 2, signer=bob)
    r = wait_until(
        "the withdrawal to be posted",
        lambda: (x := l2.get_receipt(c.tx_hash)) is not None and x["status"] == "posted" and x,
        WAIT,
        rollup.logs,
    )
    windex = int(r["withdrawal_index"])
    proof, batch = l2.prove_withdrawal(windex)
    assert proof.verify()
    code, out = cli(rollup, "l2", "finalize", str(windex), account=7)  # anyone may send it
    assert code == 1
    assert out["error_name"] == "PortalNotFinal", out
    with pytest.raises(ContractCustomError, match="PortalNotFinal"):
        l2.finalize_withdrawal(proof, batch)
    rollup.mine(seconds=CHALLENGE + 1)
    before = int(nc.chain.call(cpu.functions.balanceOf(bob.address)))
    l2.finalize_withdrawal(proof, batch, signer=DEV[7])
    assert int(nc.chain.call(cpu.functions.balanceOf(bob.address))) == before + WHOLE // 2
    with pytest.raises(ContractCustomError, match="PortalAlreadyClaimed"):
        l2.finalize_withdrawal(proof, batch)
    # the CLI's withdrawal: proved to a file, released from it by someone else; the forced exit released too
    proof_file = rollup.tmp / "proof.json"
    code, out = cli(rollup, "l2", "prove", str(cli_windex), "--out", str(proof_file))
    assert code == 0, out
    # the same proof from L1 data alone (the operator's help not needed)
    from_l1, batch_l1 = l2.prove_withdrawal(cli_windex, from_l1=True)
    assert from_l1.to_dict() == {k: v for k, v in out.items() if k in ("withdrawal", "siblings", "header")}
    assert batch_l1 == out["batch"]
    before = int(nc.chain.call(cpu.functions.balanceOf(bob.address)))
    code, out = cli(rollup, "l2", "finalize", str(cli_windex), "--proof", str(proof_file), account=7)
    assert code == 0, out
    code, out = cli(rollup, "l2", "finalize", "0", account=7)
    assert code == 0, out
    assert int(nc.chain.call(cpu.functions.balanceOf(bob.address))) == before + WHOLE // 4 + WHOLE // 10
    code, out = cli(rollup, "l2", "finalize", "0", account=7)
    assert code == 1
    assert out["error_name"] == "PortalAlreadyClaimed", out
    code, out = cli(rollup, "l2", "status")
    assert code == 0
    assert out["l1"]["batches"] >= 2  # type: ignore[index]

    # the verifier re-executed every batch from L1 and found nothing to prove
    assert not verifier.find("fraud-proven")
    assert verifier.find("verified", batch=batch)
