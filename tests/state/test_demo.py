"""The demo scene of the state layer runs on an in-memory chain and shows a tampered record being caught."""

from __future__ import annotations

import io

from rich.console import Console

from novacron_chain import NovaChain
from novacron_chain.demo import DemoContext
from novacron_chain.demo._state import vm_state


def test_state_scene(sembedded: NovaChain) -> None:
    out = io.StringIO()
    d = DemoContext(nova=sembedded, console=Console(file=out, width=160))
    vm_state(d)
    report = d.report["state"]
    assert report["records"] == 1000
    assert report["verified"] == "valid"
    assert report["verified_on_chain"] is True
    assert report["tampered_detected"] == "tampered"
    assert 0 < report["gas_per_record"] <= 500
    text = out.getvalue()
    assert "no longer hashes to its CID" in text
    assert "audit trail of vm-00007" in text
