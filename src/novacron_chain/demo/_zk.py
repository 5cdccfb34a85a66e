"""Zero-knowledge proofs' scene: a provider certifies a host's CPUs and region as committed claims, the host proves
"more than 2 CPUs" and "in an allowed region" to a scheduler without revealing either, a replay and a false
statement are refused."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["zk_proofs"]


def zk_proofs(d: DemoContext) -> None:
    """A committed credential, two proofs (a comparison and a set membership) verified, a proof for another nonce
    refused, a false statement that cannot be proven."""
    from rich.table import Table

    from ..zk import StatementFalseError

    dm = d.nova.did
    provider_doc, provider_key = dm.create_did("provider", publish=True)
    host_doc, _ = dm.create_did("vm")
    claims = {"cpu": 4, "region": "us-east-1"}
    credential = dm.issue_zk_credential(provider_doc["id"], host_doc["id"], claims, provider_key)
    d.console.print(
        f"  provider certified host {host_doc['id']} with committed claims {sorted(claims)} "
        "(the credential carries Poseidon commitments only)"
    )
    table = Table(title="zero-knowledge proofs for the scheduler (nonce n-1)")
    for column in ("statement", "predicate", "prove", "verify", "valid", "reason"):
        table.add_column(column)
    figures: dict[str, object] = {}
    for label, predicate in (("I have more than 2 CPUs", "cpu > 2"), ("I run in an allowed region", None)):
        statement = predicate or "region in {us-east-1, eu-west-1}"
        start = time.perf_counter()
        proof = dm.create_zk_proof(label, credential, nonce="n-1", verifier="scheduler", predicate=statement)
        proved = time.perf_counter() - start
        start = time.perf_counter()
        result = dm.verify_zk_proof(proof, nonce="n-1", verifier="scheduler")
        verified = time.perf_counter() - start
        table.add_row(
            label,
            statement,
            f"{proved * 1000:.0f} ms",
            f"{verified * 1000:.0f} ms",
            "[green]yes[/]" if result.valid else "[red]no[/]",
            result.reason or "",
        )
        figures[statement] = {"valid": result.valid, "prove_ms": round(proved * 1000, 1)}
        if predicate:
            replay = dm.verify_zk_proof(proof, nonce="n-2", verifier="scheduler")
            table.add_row(
                f"{label} (replayed for nonce n-2)",
                statement,
                "",
                "",
                "[green]yes[/]" if replay.valid else "[red]no[/]",
                replay.reason or "",
            )
            figures["replayed_valid"] = replay.valid
    d.console.print(table)
    try:
        dm.create_zk_proof("more than 8 CPUs", credential, nonce="n-3", verifier="scheduler", predicate="cpu > 8")
        refused = "proved (unexpected)"
    except StatementFalseError as exc:
        refused = str(exc)
    d.console.print(f"  a false statement cannot be proven: {refused}")
    figures["false_statement"] = refused
    d.report["zk"] = figures
