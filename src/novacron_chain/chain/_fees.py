"""EIP-1559 fees by ``gas_strategy``, capped by ``gas_price_limit``.

The tip comes from the node's suggestion (``eth_maxPriorityFeePerGas``) raised to a percentile of recent tips
(``eth_feeHistory``): slow takes the 10th, medium the 50th, fast the 90th. The fee cap leaves headroom for base-fee
rises: slow one full block (+12.5%), medium 2x, fast 3x. If even the next block's base fee plus the tip is above
``gas_price_limit``, sending is refused with :class:`FeeLimitError` instead of silently overpaying.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import FeeLimitError

__all__ = ["FeePolicy", "Fees", "GasStrategy"]

GasStrategy = Literal["slow", "medium", "fast"]

_PERCENTILE = {"slow": 10, "medium": 50, "fast": 90}
# base-fee headroom as a fraction num/den
_HEADROOM = {"slow": (9, 8), "medium": (2, 1), "fast": (3, 1)}
_GWEI = 10**9


@dataclass(frozen=True, slots=True)
class Fees:
    """The two EIP-1559 fee fields, in wei per gas."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


class FeePolicy:
    """Chooses fees and reuses them for ``ttl`` seconds (three RPC calls per lookup; the fee cap's headroom covers
    at least one block of base-fee rise, so a second-old answer is still a safe one)."""

    def __init__(self, strategy: GasStrategy, gas_price_limit: int, *, ttl: float = 1.0) -> None:
        self.strategy = strategy
        self.gas_price_limit = gas_price_limit
        self.ttl = ttl
        self._cache: tuple[float, Fees] | None = None
        self._lock = threading.Lock()

    def fees(self, w3: Any) -> Fees:
        """Fees for a transaction sent now."""
        with self._lock:
            if self._cache and time.monotonic() - self._cache[0] < self.ttl:
                return self._cache[1]
        block = w3.eth.get_block("latest")
        base = int(block.get("baseFeePerGas") or 0)
        tip = self._tip(w3)
        num, den = _HEADROOM[self.strategy]
        next_base = base * 9 // 8 + 1 if base else 0  # the most the base fee can rise in one block
        if next_base + tip > self.gas_price_limit:
            raise FeeLimitError(
                f"the network needs about {(base + tip) / _GWEI:.3f} gwei per gas "
                f"(base fee {base / _GWEI:.3f} + tip {tip / _GWEI:.3f}), above gas_price_limit "
                f"{self.gas_price_limit / _GWEI:.3f} gwei",
                hint="raise blockchain.gas_price_limit, choose gas_strategy slow, or wait for lower fees",
            )
        max_fee = min(base * num // den + tip, self.gas_price_limit)
        fees = Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))
        with self._lock:
            self._cache = (time.monotonic(), fees)
        return fees

    def _tip(self, w3: Any) -> int:
        try:
            suggested = int(w3.eth.max_priority_fee)
        except Exception:
            suggested = 0
        try:
            history = w3.eth.fee_history(10, "latest", [_PERCENTILE[self.strategy]])
            rewards = [int(r[0]) for r in history.get("reward", []) if r]
        except Exception:
            rewards = []
        observed = int(statistics.median(rewards)) if rewards else 0
        if self.strategy == "slow":
            return suggested if suggested else observed
        return max(suggested, observed)
