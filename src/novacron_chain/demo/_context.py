"""What every scene gets: the connected NovaChain, the console, and the report it adds its figures to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from .. import NovaChain

__all__ = ["DemoContext", "Scene"]


@dataclass
class DemoContext:
    """Shared by the scenes: the chain, the console, and what each scene reports for ``--json``."""

    nova: NovaChain
    console: Console
    report: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scene:
    """One step of the demo: ``title`` is printed as its heading, ``play`` runs it, ``name`` keys its time in the
    report's ``act_seconds``."""

    name: str
    title: str
    play: Callable[[DemoContext], None]
