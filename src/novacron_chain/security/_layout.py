"""Storage-layout compatibility of an upgrade: the new implementation must keep every variable the proxy's storage
holds where it is, with a compatible type, and may only add after them.

The layouts come from solc (``storageLayout``), written by ``scripts/compile.js`` into the artifact of every UUPS
contract (``proxiableUUID()`` in its ABI) in a canonical form without solc's AST ids: each variable's slot, offset,
label and type, types expanded (struct members, mapping key and value, array base). OpenZeppelin's upgradeable bases
keep their state in ERC-7201 namespaces, outside these layouts: a new OpenZeppelin version is their concern.

The rules are OpenZeppelin's (upgrades-core) as far as a layout shows them:

* every variable of the old layout is in the new one at the same slot and offset, in the same order, with a
  compatible type (same encoding and size; same value type, ``contract X`` counting as ``address``; a struct's
  members likewise, recursively; an enum of the same size);
* new variables only after the old ones; a struct may grow (members appended) only where nothing follows it in
  storage: as a mapping's value or a dynamic array's element;
* a renamed variable is compatible (storage does not know names) and is reported as a note;
* a removed trailing variable is refused for an upgrade; for a rollback to an implementation that ran before, the
  variables a later version appended are left in storage unread (``allow_removed_tail``), reported as a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LayoutCheck", "check_layout", "storage_layout"]


@cache
def storage_layout(artifact: str) -> tuple[dict[str, Any], ...] | None:
    """The canonical storage layout shipped in ``artifact``'s JSON; None for an artifact without one (not UUPS)."""
    try:
        text = resources.files("novacron_chain.artifacts").joinpath(f"{artifact}.json").read_text()
    except FileNotFoundError:
        return None
    layout = json.loads(text).get("storageLayout")
    return None if layout is None else tuple(layout)


@dataclass(frozen=True)
class LayoutCheck:
    """The result of comparing two layouts: ``problems`` make the upgrade unsafe; ``notes`` do not."""

    old: str
    new: str
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def compatible(self) -> bool:
        """Whether the new layout keeps every old variable where it was (no problem found)."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "old": self.old,
            "new": self.new,
            "compatible": self.compatible,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


def _value_label(t: dict[str, Any]) -> str:
    label = str(t.get("label", ""))
    return "address" if label.startswith("contract ") else label


def _type_problems(old: dict[str, Any], new: dict[str, Any], where: str, growable: bool) -> list[str]:
    """Why ``new`` cannot take ``old``'s place in storage (empty: it can). ``growable``: nothing follows the value
    in storage, so a struct may have members appended."""
    if old.get("encoding") != new.get("encoding"):
        return [f"{where}: {old.get('label')} became {new.get('label')} (stored differently)"]
    old_label, new_label = _value_label(old), _value_label(new)
    if "members" in old or "members" in new:
        return _struct_problems(old, new, where, growable)
    if "key" in old:  # mapping
        problems = []
        if _value_label(old["key"]) != _value_label(new.get("key", {})):
            problems.append(f"{where}: mapping key {old['key'].get('label')} became {new.get('key', {}).get('label')}")
        return problems + _type_problems(old["value"], new.get("value", {}), f"{where}[value]", True)
    if "base" in old:  # array: a dynamic one's elements live apart, a static one's in place
        problems = []
        if old.get("encoding") == "inplace" and old.get("bytes") != new.get("bytes"):
            problems.append(f"{where}: {old_label} became {new_label} (a fixed array changed length)")
        dynamic = old.get("encoding") == "dynamic_array"
        return problems + _type_problems(old["base"], new.get("base", {}), f"{where}[]", dynamic)
    if old.get("bytes") != new.get("bytes"):
        return [f"{where}: {old_label} became {new_label} ({old.get('bytes')} bytes to {new.get('bytes')})"]
    if old_label.startswith("enum ") and new_label.startswith("enum "):
        return []  # same size: values keep their meaning if the enum only grew (not visible in a layout)
    if old_label != new_label:
        return [f"{where}: {old_label} became {new_label}"]
    return []


def _struct_problems(old: dict[str, Any], new: dict[str, Any], where: str, growable: bool) -> list[str]:
    if "members" not in old or "members" not in new:
        return [f"{where}: {old.get('label')} became {new.get('label')}"]
    olds, news = old["members"], new["members"]
    problems = []
    if len(news) < len(olds):
        gone = ", ".join(m["label"] for m in olds[len(news) :])
        problems.append(f"{where}: {old.get('label')} lost its members {gone}")
    for o, n in zip(olds, news, strict=False):
        at = f"{where}.{o['label']}"
        if (o["slot"], o["offset"]) != (n["slot"], n["offset"]):
            problems.append(f"{at}: moved from slot {o['slot']}+{o['offset']} to {n['slot']}+{n['offset']}")
            continue
        problems += _type_problems(o["type"], n["type"], at, False)
    if len(news) > len(olds) and not growable:
        problems.append(f"{where}: {old.get('label')} grew, but other variables follow it in storage")
    elif not problems and old.get("bytes") != new.get("bytes") and not growable:
        problems.append(f"{where}: {old.get('label')} changed size")
    return problems


def check_layout(
    old_artifact: str,
    new_artifact: str,
    old: tuple[dict[str, Any], ...] | list[dict[str, Any]],
    new: tuple[dict[str, Any], ...] | list[dict[str, Any]],
    *,
    allow_removed_tail: bool = False,
) -> LayoutCheck:
    """Compare the layout ``old`` (what the proxy runs) with ``new`` (what it would run); see the module docstring."""
    problems: list[str] = []
    notes: list[str] = []
    for i, o in enumerate(old):
        where = f"{o['label']} (slot {o['slot']}, offset {o['offset']})"
        if i >= len(new):
            gone = ", ".join(v["label"] for v in old[i:])
            if allow_removed_tail:
                notes.append(f"{gone}: appended by the later version, left in storage unread")
            else:
                problems.append(f"{gone}: removed (the proxy's storage still holds them; only appending is safe)")
            break
        n = new[i]
        if (o["slot"], o["offset"]) != (n["slot"], n["offset"]):
            problems.append(
                f"{where}: {new_artifact} has {n['label']} there and {o['label']} elsewhere or not at all "
                f"(a variable inserted, removed or reordered before it)"
            )
            continue
        if o["label"] != n["label"]:
            notes.append(f"{where}: renamed to {n['label']}")
        problems += _type_problems(o["type"], n["type"], where, False)
    for n in new[len(old) :]:
        notes.append(f"{n['label']} (slot {n['slot']}, offset {n['offset']}): appended by {new_artifact}")
    return LayoutCheck(old_artifact, new_artifact, tuple(problems), tuple(notes))
