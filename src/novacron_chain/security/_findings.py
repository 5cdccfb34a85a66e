"""The Slither findings recorded at build time (``slither-findings.json`` beside this module, written by
``scripts/slither_findings.py`` and checked against a fresh Slither run in CI), so that audits and ``deploy`` need
no Slither at run time.

A contract's findings are those in the files its artifact's build compiles (its source and its imports within
``contracts/``); a finding is justified by a ``slither-disable`` comment at the code or by the project's Slither
config.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from ._errors import UnjustifiedFindingsError
from ._types import SlitherFinding

__all__ = ["FINDINGS_FILE", "blocking_findings", "check_build_findings", "findings_summary", "recorded_findings"]

FINDINGS_FILE = "slither-findings.json"  #: the shipped record, a resource of this package
_IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")


@cache
def _record() -> dict[str, Any]:
    try:
        text = resources.files(__package__).joinpath(FINDINGS_FILE).read_text()
    except FileNotFoundError:  # a build without the record: every contract reads as "not recorded"
        return {"contracts": {}}
    data: dict[str, Any] = json.loads(text)
    return data


def slither_version() -> str:
    """The Slither version the record was made with."""
    return str(_record().get("slither", "unknown"))


@cache
def recorded_findings(artifact: str) -> tuple[SlitherFinding, ...] | None:
    """The findings recorded for ``artifact``'s sources (every severity, most severe first); None when the record
    has no entry for it (an artifact newer than the record)."""
    entry = _record()["contracts"].get(artifact)
    if entry is None:
        return None
    return tuple(
        SlitherFinding(
            detector=f["detector"],
            impact=f["impact"],
            confidence=f["confidence"],
            description=f["description"],
            file=f["file"],
            lines=tuple(f["lines"]),
            justified=bool(f["justified"]),
            justification=f.get("justification"),
        )
        for f in entry["findings"]
    )


def blocking_findings(artifact: str) -> tuple[SlitherFinding, ...] | None:
    """The unjustified medium and high findings of ``artifact``; None when nothing is recorded for it."""
    found = recorded_findings(artifact)
    return None if found is None else tuple(f for f in found if f.blocking)


def findings_summary(artifact: str) -> str:
    """One line for a report: ``slither 0.11.6: 1 medium (1 justified), 3 informational``."""
    found = recorded_findings(artifact)
    if found is None:
        return f"not recorded: no Slither findings ship for {artifact} (run `make slither-findings`)"
    if not found:
        return f"slither {slither_version()}: no findings"
    parts = []
    for impact in _IMPACTS:
        of = [f for f in found if f.impact == impact]
        if of:
            justified = sum(1 for f in of if f.justified)
            parts.append(f"{len(of)} {impact.lower()}" + (f" ({justified} justified)" if justified else ""))
    return f"slither {slither_version()}: " + ", ".join(parts)


def check_build_findings(artifacts: Iterable[str]) -> None:
    """Refuse (raise :class:`UnjustifiedFindingsError`) when any of ``artifacts`` has unjustified medium or high
    findings, or no findings recorded at all: what ``deploy`` runs first when ``require_audit`` is set."""
    blocking: dict[str, list[str]] = {}
    unrecorded: list[str] = []
    for artifact in dict.fromkeys(artifacts):
        found = blocking_findings(artifact)
        if found is None:
            unrecorded.append(artifact)
        elif found:
            blocking[artifact] = [f.describe() for f in found]
    if blocking or unrecorded:
        raise UnjustifiedFindingsError(blocking, unrecorded)
