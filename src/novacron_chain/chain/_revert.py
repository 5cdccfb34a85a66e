"""Turn EVM revert data into typed exceptions.

Revert data is one of: ``Error(string)``, ``Panic(uint256)``, a Solidity custom error of any contract we compiled
(looked up by selector across every artifact's ABI), or nothing. Each becomes a :class:`TransactionRevertedError`
or :class:`ContractCustomError` carrying the decoded name and arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector

from ..artifacts import artifact_names, load_artifact
from ..errors import ContractCustomError, TransactionRevertedError

_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")
_PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "conversion to an invalid enum value",
    0x22: "incorrectly encoded storage byte array",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to a zero-initialized internal function",
}


#: Hints for the OpenZeppelin errors any of our contracts can raise. Each domain keeps the table of its own
#: contracts' errors (``<domain>.ERROR_HINTS``); :class:`~novacron_chain.NovaChain` merges them into
#: :attr:`Chain.error_hints`, which :func:`decode_revert` reads.
CHAIN_ERROR_HINTS: dict[str, str] = {
    "EnforcedPause": "the contract is paused by a guardian; the admin (the timelock in production) must unpause it",
    "ExpectedPause": "the contract is not paused",
    "AccessControlUnauthorizedAccount": "the sender lacks the role named by neededRole; use an account that has it "
    "or have the admin grant it",
    "ERC20InsufficientBalance": "the sender holds fewer tokens than the amount; lower the amount or fund the account",
    "ERC20InsufficientAllowance": "approve the spender for at least the amount first",
    "ERC20ExceededCap": "minting this much would exceed the token's cap",
    "ReentrancyGuardReentrantCall": "a call re-entered a protected function; this is refused by design",
    "SafeERC20FailedOperation": "a token transfer failed; check the token address and balances",
}


def _abi_type(param: dict[str, Any]) -> str:
    t: str = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t


@cache
def _error_index() -> dict[bytes, tuple[str | None, str, list[str], list[str]]]:
    """selector -> (contract, error name, parameter names, parameter types), over every artifact."""
    index: dict[bytes, tuple[str | None, str, list[str], list[str]]] = {}
    for name in artifact_names():
        for item in load_artifact(name).abi:
            if item.get("type") != "error":
                continue
            types = [_abi_type(i) for i in item["inputs"]]
            sig = f"{item['name']}({','.join(types)})"
            names = [i["name"] or f"arg{n}" for n, i in enumerate(item["inputs"])]
            selector = function_signature_to_4byte_selector(sig)
            seen = index.get(selector)
            # an error many contracts share (OpenZeppelin's, the BLS library's) names none of them: the first
            # artifact in alphabetical order would be a guess, and often a wrong one
            owner = name if seen is None or seen[0] == name else None
            index[selector] = (owner, item["name"], names, types)
    return index


def decode_revert(
    data: bytes | None,
    *,
    tx_hash: str | None = None,
    address: str | None = None,
    fallback: str | None = None,
    hints: Mapping[str, str] = CHAIN_ERROR_HINTS,
) -> TransactionRevertedError:
    """The exception that describes revert ``data`` (the exception is returned, not raised); a custom error gets
    its hint from ``hints`` (error name -> what to do about it)."""
    data = data or b""
    selector, body = data[:4], data[4:]
    try:
        if selector == _ERROR_STRING:
            (reason,) = decode(["string"], body)
            return TransactionRevertedError(f"reverted: {reason}", reason=reason, tx_hash=tx_hash, address=address)
        if selector == _PANIC:
            (code,) = decode(["uint256"], body)
            what = _PANIC_CODES.get(code, "unknown panic")
            return TransactionRevertedError(
                f"reverted with panic 0x{code:02x}: {what}",
                reason=f"panic 0x{code:02x}: {what}",
                tx_hash=tx_hash,
                address=address,
                hint="a panic is a bug in the contract or a value it cannot handle; check the arguments",
            )
        if selector in _error_index():
            contract, name, names, types = _error_index()[selector]
            values = decode(types, body)
            return ContractCustomError(
                name,
                dict(zip(names, values, strict=True)),
                contract=contract,
                tx_hash=tx_hash,
                address=address,
                hint=hints.get(name),
            )
    except DecodingError:
        pass
    if data:
        return TransactionRevertedError(
            f"reverted with unrecognised data 0x{data.hex()}",
            reason=None,
            tx_hash=tx_hash,
            address=address,
            hint="the contract is not one of ours or its artifact is out of date (`npm run build`)",
        )
    return TransactionRevertedError(
        f"reverted without a reason{': ' + fallback if fallback else ''}",
        tx_hash=tx_hash,
        address=address,
        hint="the call failed a check without saying which (a require without message, a bad call target, "
        "or out of gas)",
    )
