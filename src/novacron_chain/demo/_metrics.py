"""The metrics scene: what every transaction of the demo fed into BlockchainMetrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._context import DemoContext

__all__ = ["metrics"]


def metrics(d: DemoContext) -> None:
    """The metrics snapshot after the other scenes: transactions, failures, gas, time to receipt, cost."""
    snap = d.nova.metrics.get_snapshot()
    d.console.print(
        f"  {snap.total_transactions} transactions, {snap.failed_transactions} failed, "
        f"average gas {snap.average_gas_used:,.0f}, "
        f"average time to receipt {snap.average_finality_time * 1000:.1f} ms, "
        f"gas cost ${snap.total_gas_cost_usd:.6f} at the configured native price"
    )
    d.report["metrics"] = {
        "total_transactions": snap.total_transactions,
        "average_gas_used": snap.average_gas_used,
        "total_gas_cost_wei": str(snap.total_gas_cost_wei),
    }
