"""Decentralized identity's scene: a VM gets a DID, a provider vouches for its allocation, the credential is verified
and revoked."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["identity"]


def identity(d: DemoContext) -> None:
    """A VM's DID (no gas), a provider's published DID, a vc+jwt credential verified before and after revocation."""
    from rich.table import Table

    dm = d.nova.did
    block = d.nova.chain.block_number()
    vm_doc, _ = dm.create_did("vm")
    after = d.nova.chain.block_number()
    d.console.print(f"  VM identity {vm_doc['id']} created ([green]no gas[/]: block {block} -> {after})")
    provider_doc, provider_key = dm.create_did("provider", publish=True)
    d.console.print(f"  provider identity {provider_doc['id']} published its key on chain")
    claims = {"cpuAllocation": 4, "region": "us-east-1"}
    vc = dm.issue_credential(provider_doc["id"], vm_doc["id"], claims, provider_key)
    d.console.print(f"  provider issued a vc+jwt credential ({len(vc)} characters) with {claims}")
    first = dm.verify_credential(vc)
    receipt = dm.revoke_credential(vc, provider_key)
    second = dm.verify_credential(vc)
    table = Table(title="verifying the VM's credential")
    table.add_column("when")
    table.add_column("valid")
    table.add_column("reason")
    table.add_row("issued", "[green]yes[/]" if first.valid else "[red]no[/]", first.reason or "")
    table.add_row(
        f"revoked ({receipt.gas_used:,} gas)", "[green]yes[/]" if second.valid else "[red]no[/]", second.reason or ""
    )
    d.console.print(table)
    d.report["did"] = {
        "vm": vm_doc["id"],
        "provider": provider_doc["id"],
        "valid_after_issue": first.valid,
        "valid_after_revoke": second.valid,
        "reason_after_revoke": second.reason,
        "problem_after_revoke": str(second.problem),
    }
