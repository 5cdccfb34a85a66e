"""What every fault test checks on the chain itself (read directly from the node, never through the faults)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from eth_abi import decode as abi_decode
from web3 import Web3

from novacron_chain.state import VMStateRecord
from novacron_chain.state._anchorer import BATCH_ANCHORED_TOPIC
from tests.state.conftest import BASE_TIME, make_record


def sent_by(w3: Web3, sender: str, first_block: int, last_block: int | None = None) -> list[Any]:
    """The transactions ``sender`` got mined in ``[first_block, last_block]``, in chain order."""
    last = w3.eth.block_number if last_block is None else last_block
    out = []
    for number in range(first_block, last + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        out += [tx for tx in block["transactions"] if tx["from"] == sender]  # type: ignore[call-overload]
    return out


def assert_nonces_contiguous(txs: list[Any], first_nonce: int, *, dumped_heads: Sequence[int] = ()) -> int:
    """No gap, no nonce used twice: the mined nonces are exactly ``first_nonce, first_nonce + 1, ...``; returns how
    many nonces are missing.

    Except where anvil lost a block's transactions at a restart (``dumped_heads``: the head of each dump it came
    back from): stopped while mining a block, anvil 1.7.1 dumps the state *with* that block's transactions but its
    block list *without* it, so those transactions took effect and used their nonces, yet no block holds them (see
    ``test_node_restart``). A gap is allowed only across such a dump's head, never elsewhere."""
    gaps = [(a, b) for a, b in itertools.pairwise(txs) if int(b["nonce"]) != int(a["nonce"]) + 1]
    shown = [
        f"nonce {a['nonce']} (block {a['blockNumber']}) then {b['nonce']} (block {b['blockNumber']})" for a, b in gaps
    ]
    assert not txs or int(txs[0]["nonce"]) == first_nonce, shown
    for a, b in gaps:
        assert int(b["nonce"]) > int(a["nonce"]), shown  # never twice, never backwards
        assert any(a["blockNumber"] <= h < b["blockNumber"] for h in dumped_heads), shown
    return sum(int(b["nonce"]) - int(a["nonce"]) - 1 for a, b in gaps)


def anchored_roots(w3: Web3, anchor: str, from_block: int) -> list[tuple[int, bytes, int]]:
    """``(batch id, root, leaf count)`` of every ``BatchAnchored`` of ``anchor`` from ``from_block``."""
    query: Any = {"address": anchor, "topics": ["0x" + BATCH_ANCHORED_TOPIC.hex()], "fromBlock": from_block}
    logs = w3.eth.get_logs(query)
    out = []
    for log in logs:
        (count, _cid) = abi_decode(["uint32", "string"], bytes(log["data"]))
        out.append((int.from_bytes(bytes(log["topics"][1]), "big"), bytes(log["topics"][2]), int(count)))
    return out


def assert_each_root_once(roots: list[tuple[int, bytes, int]]) -> None:
    twice = [r.hex() for r, n in Counter(root for _, root, _ in roots).items() if n > 1]
    assert not twice, f"roots anchored twice: {twice}"


def record(i: int, test: int) -> VMStateRecord:
    """Record ``i`` of test number ``test``'s series (10 VMs): every test anchors roots of its own on the shared node
    (the contract refuses a root twice)."""
    return replace(make_record(i), timestamp=BASE_TIME + test * 10_000_000 + i)
