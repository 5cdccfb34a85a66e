"""The proof-of-stake scene: three validators stake NOVA with BLS keys, check a VM state root from IPFS and make it
final on chain with one aggregate signature."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["proof_of_stake"]

_VALIDATORS = 3


def proof_of_stake(d: DemoContext) -> None:
    """Register validators, anchor a batch of VM states, check its root from IPFS, sign, aggregate, submit."""
    from ..chain import dev_signers
    from ..consensus import BlsSecretKey, SlashingProtection, StateAnchorSource
    from ..state import VMState, VMStateRecord

    nova = d.nova
    chain, c = nova.chain, nova.consensus
    stake = nova.config.blockchain.validator_stake * 10**18
    nova_token = nova.contract("NovaToken")
    owners = dev_signers()[1 : 1 + _VALIDATORS]
    keys = [BlsSecretKey.generate() for _ in owners]
    started = time.perf_counter()
    effective = 0
    for owner, key in zip(owners, keys, strict=True):
        short = stake - int(chain.call(nova_token.functions.balanceOf(owner.address)))
        if short > 0:  # dev accounts hold 500,000 NOVA; top them up from account 0 (after governance voted)
            chain.transact(nova_token.functions.transfer(owner.address, short))
        reg = c.register_validator(owner.address, stake, bls_key=key, sender=owner)
        effective = max(effective, reg.effective_epoch)
        d.console.print(
            f"  validator {reg.index}: {owner.address[:10]}… staked {stake // 10**18:,} NOVA with a BLS key and its "
            f"proof of possession ({reg.gas_used:,} gas; active from epoch {reg.effective_epoch})"
        )
    registered_s = time.perf_counter() - started

    anchor = nova.contract("StateAnchor")
    from_block = chain.block_number()
    me = chain.signer.address
    for i in range(10):
        nova.state.record_vm_state(VMStateRecord(f"vm-pos-{i}", me, "eu-west-1", VMState.RUNNING, 2, 4096))
    (batch,) = nova.state.flush()
    while c.current_epoch() < effective:  # set changes apply from the next epoch
        chain.advance(max(int(chain.call(c.stake_manager.functions.nextEpochAt())) - chain.timestamp(), 1))

    source = StateAnchorSource(chain, anchor, nova.state.store, from_block=from_block)
    (candidate,) = [x for x in source.poll() if x.height == batch.batch_id]
    verdict = source.check(candidate)
    d.console.print(
        f"  batch {batch.batch_id} anchored; each validator rebuilt its Merkle root from the manifest in IPFS: "
        f"{'[green]matches[/]' if verdict.ok else '[red]' + verdict.reason + '[/]'}"
    )
    with tempfile.TemporaryDirectory(prefix="novacron-demo-pos-") as tmp:
        signatures = []
        for i, key in enumerate(keys):
            with SlashingProtection.open(Path(tmp) / f"validator-{i}", key.public_key()) as guard:
                signatures.append(c.sign_checkpoint("state", candidate.height, candidate.root, key, guard))
        submission = c.aggregate(signatures, available_at=candidate.available_at)
        checkpoint = c.submit_checkpoint(submission)
    final = c.is_final("state", candidate.height, candidate.root)
    d.console.print(
        f"  {len(signatures)} BLS signatures aggregated into one; CheckpointVerifier: "
        f"{'[green]final[/]' if final else '[red]not final[/]'} with {checkpoint.signed_stake // 10**18:,} of "
        f"{checkpoint.total_stake // 10**18:,} NOVA signed (> 2/3 needed), {checkpoint.gas_used or 0:,} gas"
    )
    status = c.status()
    if status.warning:
        d.console.print(f"  [yellow]{status.warning}[/]")
    d.report["consensus"] = {
        "validators": _VALIDATORS,
        "register_seconds": round(registered_s, 2),
        "checkpoint_height": candidate.height,
        "final": final,
        "checkpoint_gas": checkpoint.gas_used,
        "signed_stake": str(checkpoint.signed_stake),
        "total_stake": str(checkpoint.total_stake),
    }
