"""NovaCron Chain: the blockchain layer of the NovaCron VM platform.

>>> from novacron_chain import NovaChain, load_config
>>> nc = NovaChain.connect(load_config("novacron.yaml"))   # or NovaChain.embedded() for a throw-away chain

Names load on first use (PEP 562), so importing this package and running ``novacron-chain --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._nova import NovaChain
    from .config import BlockchainConfig, NovaConfig, load_config
    from .errors import NovaChainError

__all__ = ["BlockchainConfig", "NovaChain", "NovaChainError", "NovaConfig", "__version__", "load_config"]
__version__ = "0.1.0"

_LAZY = {
    "BlockchainConfig": ".config",
    "NovaChain": "._nova",
    "NovaChainError": ".errors",
    "NovaConfig": ".config",
    "load_config": ".config",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
