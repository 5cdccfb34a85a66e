"""Errors of the layer-2 rollup, all under :class:`L2Error`.

::

    L2Error (NovaChainError)
    ├── L2ValueError (NovaValueError)         exit 2: bad input (an address, a token id, an index, an op)
    │   ├── UnpackableAmountError             exit 2: an amount or fee the packed formats cannot carry exactly
    │   ├── UnknownAccountError               exit 2: no L2 account has that index or address
    │   ├── UnknownTokenError                 exit 2: a token id not registered in the portal
    │   └── MalformedOpError                  exit 2: bytes that are not a well-formed op / batch
    ├── InvalidTransactionError               the state transition refused a transaction (carries the reason)
    └── L2StateError                          the local state cannot do what was asked (bad checkpoint, gap in
                                              the queue, a batch that does not start at the current root)

The reasons the state transition gives for an invalid op (``'bad signature'``, ``'wrong nonce'``, ...) are plain
strings in receipts; :class:`InvalidTransactionError` carries one with a hint from :data:`REASON_HINTS`.
"""

from __future__ import annotations

from typing import Any

from ..errors import NovaChainError, NovaValueError

__all__ = [
    "REASON_HINTS",
    "InvalidTransactionError",
    "L2Error",
    "L2StateError",
    "L2ValueError",
    "MalformedOpError",
    "UnknownAccountError",
    "UnknownTokenError",
    "UnpackableAmountError",
]

REASON_HINTS: dict[str, str] = {
    "unknown account": "the sender index has no account on L2: deposit first (`novacron-chain l2 deposit`), or "
    "check the index (`novacron-chain l2 balance ADDRESS` shows it)",
    "bad signature": "sign the EIP-712 message of this L2 (chain id and rollup address of the network you submit "
    "to) with the key of the sending account",
    "wrong nonce": "sign with the account's current nonce (`novacron-chain l2 balance ADDRESS` shows it); a "
    "transaction is accepted once, in nonce order",
    "unknown token": "use a token registered in the L2 portal (CPU=0, MEM=1, STO=2, NET=3, NOVA=4 on a default deploy)",
    "bad amount": "amounts and fees are non-negative integers that L2 calldata can carry exactly (mantissa * "
    "10**exponent with a 35-bit mantissa for amounts, 11-bit for fees): round to a nearby value",
    "insufficient balance": "the account cannot pay amount + fee in that token: deposit more or send less",
    "unknown recipient": "the recipient index has no account: send to the recipient's address instead (a new "
    "account is created)",
    "recipient mismatch": "the signed recipient address is not the account at that index: sign for the address "
    "that holds the index, or send to the address",
    "zero recipient": "name a non-zero recipient address",
    "account tree full": "the L2 holds 2**24 accounts: send to an existing account",
    "queue empty": "no L1 queue item is waiting to be included",
}
"""What to do about each reason the state transition gives for refusing an op (reason -> hint)."""


class L2Error(NovaChainError):
    """Something about the layer-2 rollup failed."""


class L2ValueError(L2Error, NovaValueError):
    """Bad input to the L2: a malformed address, an unknown index, a value out of range."""


class UnpackableAmountError(L2ValueError):
    """An amount (or fee) that the packed format of L2 calldata cannot represent exactly."""

    def __init__(self, value: int, *, what: str, below: int | None, above: int | None) -> None:
        near = [f"{v}" for v in (below, above) if v is not None]
        super().__init__(
            f"{what} {value} cannot be packed exactly (L2 calldata carries {'an' if what == 'amount' else 'a'}"
            f" {what} as mantissa * 10**exponent with a {'35' if what == 'amount' else '11'}-bit mantissa)",
            hint=("use a nearby value: " + " or ".join(near)) if near else f"the {what} must be a non-negative integer",
        )
        self.value = value
        self.below = below
        self.above = above

    def to_dict(self) -> dict[str, Any]:
        """JSON form, with the value and its packable neighbours as decimal strings."""
        out = super().to_dict()
        out.update(value=str(self.value), below=None if self.below is None else str(self.below))
        out["above"] = None if self.above is None else str(self.above)
        return out


class UnknownAccountError(L2ValueError):
    """No L2 account has this index or address."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"no L2 account {what}",
            hint="an account exists once a deposit or a transfer created it; `novacron-chain l2 deposit` funds one",
        )
        self.what = what


class UnknownTokenError(L2ValueError):
    """A token id that is out of range or not registered in the portal."""

    def __init__(self, token: int) -> None:
        super().__init__(f"token id {token} is not registered on this L2", hint=REASON_HINTS["unknown token"])
        self.token = token


class MalformedOpError(L2ValueError):
    """Bytes that do not decode as the op or batch they claim to be."""


class InvalidTransactionError(L2Error):
    """The state transition refused an op; ``reason`` is the receipt's reason string."""

    exit_code = 1

    def __init__(self, reason: str, *, tx_hash: bytes | None = None, detail: str | None = None) -> None:
        text = f"transaction refused: {reason}" + (f" ({detail})" if detail else "")
        super().__init__(text, hint=REASON_HINTS.get(reason))
        self.reason = reason
        self.tx_hash = tx_hash

    def to_dict(self) -> dict[str, Any]:
        """JSON form, with the receipt reason and the transaction hash."""
        out = super().to_dict()
        out["reason"] = self.reason
        if self.tx_hash is not None:
            out["tx_hash"] = "0x" + self.tx_hash.hex()
        return out


class L2StateError(L2Error):
    """The local L2 state cannot do what was asked (a stale checkpoint, a queue gap, a batch from another root)."""
