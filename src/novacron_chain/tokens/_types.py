"""Typed results of the token operations: quotes (nothing sent) and outcomes (mined), all amounts in base units.

Every amount is an exact integer: base units of a resource token (18 decimals: one token is ``10**18``) or wei of
the native coin. ``to_dict()`` gives the JSON form, with amounts as decimal strings (JSON numbers lose precision
above 2**53 in most readers).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from ._economics import Resource

__all__ = [
    "NATIVE_ASSET",
    "Asset",
    "Balances",
    "LiquidityChange",
    "LiquidityQuote",
    "MarketQuote",
    "Order",
    "OrderCancel",
    "OrderFill",
    "PoolInfo",
    "Stake",
    "StakeQuote",
    "SwapQuote",
    "SwapResult",
    "Trade",
    "TxInfo",
    "Unstake",
]

#: the native coin (ETH, POL, AVAX) as a pool asset
NATIVE_ASSET: Literal["native"] = "native"
#: a pool asset: a resource token or the chain's native coin
Asset = Resource | Literal["native"]


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Resource):
        return value.name
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {(k.name if isinstance(k, Resource) else str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _Jsonable:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: amounts as decimal strings, resources by name."""
        out = _plain(self)
        assert isinstance(out, dict)
        return out


@dataclass(frozen=True)
class TxInfo(_Jsonable):
    """The mined transaction that made a change (the last one, when an approval went first)."""

    tx_hash: str
    block: int
    gas_used: int
    fee_wei: int


@dataclass(frozen=True)
class MarketQuote(_Jsonable):
    """What buying or selling ``amount`` on the bonding curve costs or pays now (nothing is sent).

    ``wei`` is the exact cost (a buy, rounded up) or payout (a sale, rounded down); ``spot_before`` and
    ``spot_after`` are the curve's marginal price in wei per whole token before and after; ``reserve_after`` is the
    resource's outstanding reserve after the trade, in base units.
    """

    side: Literal["buy", "sell"]
    resource: Resource
    amount: int
    wei: int
    spot_before: int
    spot_after: int
    reserve_after: int


@dataclass(frozen=True)
class Trade(_Jsonable):
    """A buy or sale on the bonding curve, as the market's event reports it."""

    side: Literal["buy", "sell"]
    resource: Resource
    amount: int
    wei: int
    reserve_after: int
    to: str
    tx: TxInfo


@dataclass(frozen=True)
class SwapQuote(_Jsonable):
    """What a swap of ``amount_in`` gives out of the pool now (0.30% fee on the input, rounded down)."""

    pool: str
    asset_in: Asset
    asset_out: Asset
    amount_in: int
    amount_out: int
    reserve_in: int
    reserve_out: int


@dataclass(frozen=True)
class SwapResult(_Jsonable):
    """A mined swap."""

    pool: str
    asset_in: Asset
    asset_out: Asset
    amount_in: int
    amount_out: int
    to: str
    tx: TxInfo


@dataclass(frozen=True)
class LiquidityQuote(_Jsonable):
    """What a deposit takes of each asset and the pool shares it mints, or what burning shares pays (no send).

    ``amount`` is of ``asset`` (always a resource), ``other_amount`` of ``other``; the first deposit of a pool takes
    both in full and locks 1,000 shares forever.
    """

    pool: str
    asset: Resource
    other: Asset
    amount: int
    other_amount: int
    shares: int


@dataclass(frozen=True)
class LiquidityChange(_Jsonable):
    """A mined deposit (``kind="add"``) or withdrawal (``kind="remove"``)."""

    kind: Literal["add", "remove"]
    pool: str
    asset: Resource
    other: Asset
    amount: int
    other_amount: int
    shares: int
    tx: TxInfo


@dataclass(frozen=True)
class PoolInfo(_Jsonable):
    """A pool's reserves and shares, oriented as asked (``asset`` first)."""

    pool: str
    asset: Resource
    other: Asset
    reserve: int
    other_reserve: int
    total_shares: int
    shares_of_account: int


@dataclass(frozen=True)
class StakeQuote(_Jsonable):
    """The reward a stake made now earns if held to its end, and whether the reward reserve can cover it."""

    resource: Resource
    amount: int
    duration: int
    reward: int
    reserve_available: int

    @property
    def covered(self) -> bool:
        """Whether the reward reserve can cover the reward (else the stake is refused)."""
        return self.reward <= self.reserve_available


@dataclass(frozen=True)
class Stake(_Jsonable):
    """An open stake: ``amount`` locked until ``end`` (unix seconds), earning ``reward`` if held to the end.

    ``tx`` is set when the stake was just made.
    """

    stake_id: int
    owner: str
    resource: Resource
    amount: int
    reward: int
    end: int
    tx: TxInfo | None = None


@dataclass(frozen=True)
class Unstake(_Jsonable):
    """A closed stake: ``paid`` sent to the owner (principal + reward, or principal - penalty when early)."""

    stake_id: int
    owner: str
    resource: Resource
    amount: int
    paid: int
    reward_paid: int
    penalty: int
    early: bool
    tx: TxInfo


@dataclass(frozen=True)
class Order(_Jsonable):
    """An open sell order: ``amount`` base units escrowed at ``price`` wei per whole token."""

    order_id: int
    seller: str
    resource: Resource
    amount: int
    price: int
    tx: TxInfo | None = None


@dataclass(frozen=True)
class OrderFill(_Jsonable):
    """A mined fill: ``cost`` wei went to the seller (rounded up), ``remaining`` base units stay for sale."""

    order_id: int
    seller: str
    amount: int
    cost: int
    remaining: int
    to: str
    tx: TxInfo


@dataclass(frozen=True)
class OrderCancel(_Jsonable):
    """A cancelled order: ``returned`` base units went back to the seller."""

    order_id: int
    seller: str
    returned: int
    tx: TxInfo


@dataclass(frozen=True)
class Balances(_Jsonable):
    """An account's native coins (wei) and resource tokens (base units)."""

    address: str
    native: int
    tokens: dict[Resource, int]
