"""CI's storage-layout guard: each upgradeable contract (SLAContract, VMLifecycle, StateAnchor, Bridge) built now
must be an upgrade any deployed proxy of it can take (the Python check; scripts/check_layouts.js runs OpenZeppelin's).

``layouts/`` holds the layout of every released upgradeable version (``<artifact>-<n>.json``, the ``storageLayout``
its artifact shipped). A change to ``contracts/`` that moves, retypes or drops a variable of any of them fails
here, before anyone deploys or proposes it; appending is fine. Releasing a new version that changes the layout (by
appending) means adding its file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from novacron_chain.security import check_layout, storage_layout

RELEASED = sorted((Path(__file__).parent / "layouts").glob("*.json"))


@pytest.mark.parametrize("artifact", ["Bridge", "SLAContract", "StateAnchor", "VMLifecycle"])
def test_every_upgradeable_contract_has_a_released_layout(artifact: str) -> None:
    assert [p.name for p in RELEASED if p.name.startswith(f"{artifact}-")]


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.stem)
def test_the_current_build_can_upgrade_every_released_version(path: Path) -> None:
    released = json.loads(path.read_text())
    current = storage_layout(released["artifact"])
    assert current is not None, f"{released['artifact']} ships no storage layout: is it still UUPS?"
    result = check_layout(path.stem, released["artifact"], released["storageLayout"], current)
    assert result.problems == ()
