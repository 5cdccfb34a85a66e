"""The ``novacron-chain`` command line: thin shells over the library, one module per domain."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Console-script entry point."""
    from ._startup import defer_keyfile_bls

    # a CLI process owns its imports: skip py_ecc's BLS tables that web3's import would compute (see _startup)
    defer_keyfile_bls()
    from ._app import main as run

    sys.exit(run())
