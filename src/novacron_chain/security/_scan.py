"""What the chain's events say: who holds each role (RoleGranted less RoleRevoked, in log order) and which calls
the timelock has scheduled (CallScheduled).

Logs are read through the chain's event indexer (paged to the endpoint's learned limits), one query per event for
all contracts at once, filtered here by address: the embedded chain's log filter is slow per address.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from eth_hash.auto import keccak
from eth_utils import to_checksum_address

from ..chain import Chain, event_indexer

__all__ = ["role_holders", "scheduled_calls"]

ROLE_GRANTED = keccak(b"RoleGranted(bytes32,address,address)")
ROLE_REVOKED = keccak(b"RoleRevoked(bytes32,address,address)")
CALL_SCHEDULED = keccak(b"CallScheduled(bytes32,uint256,address,uint256,bytes,bytes32,uint256)")


def _logs(chain: Chain, topic: bytes, from_block: int, to_block: int, what: str) -> list[Any]:
    with chain.mapped(f"reading {what} events"):
        return event_indexer(chain).read(None, [topic], from_block, to_block)


def role_holders(
    chain: Chain, addresses: set[str] | None, from_block: int, to_block: int
) -> dict[str, dict[bytes, set[str]]]:
    """``{contract: {role id: holders}}`` for the contracts in ``addresses`` (None: every contract with role
    events), from their RoleGranted and RoleRevoked events between the two blocks."""
    events = [(log, True) for log in _logs(chain, ROLE_GRANTED, from_block, to_block, "RoleGranted")]
    events += [(log, False) for log in _logs(chain, ROLE_REVOKED, from_block, to_block, "RoleRevoked")]
    events.sort(key=lambda e: (int(e[0]["blockNumber"]), int(e[0]["logIndex"])))
    held: dict[str, dict[bytes, set[str]]] = defaultdict(lambda: defaultdict(set))
    for log, granted in events:
        contract = to_checksum_address(log["address"])
        if addresses is not None and contract not in addresses:
            continue
        role, account = bytes(log["topics"][1]), to_checksum_address(bytes(log["topics"][2])[-20:])
        if granted:
            held[contract][role].add(account)
        else:
            held[contract][role].discard(account)
    return held


def scheduled_calls(chain: Chain, timelock: str, from_block: int, to_block: int) -> list[dict[str, Any]]:
    """Every call ``timelock`` scheduled (a batch gives one per call): id, index, target, value, data."""
    out = []
    for log in _logs(chain, CALL_SCHEDULED, from_block, to_block, "CallScheduled"):
        if to_checksum_address(log["address"]) != timelock:
            continue
        target, value, data, _, _ = chain.w3.codec.decode(
            ["address", "uint256", "bytes", "bytes32", "uint256"], bytes(log["data"])
        )
        out.append(
            {
                "id": bytes(log["topics"][1]),
                "index": int.from_bytes(bytes(log["topics"][2]), "big"),
                "target": to_checksum_address(target),
                "value": int(value),
                "data": bytes(data),
            }
        )
    return out
