"""The ``novacron-chain`` command line: thin shells over the library, one module per domain."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Console-script entry point."""
    from ._app import main as run

    sys.exit(run())
