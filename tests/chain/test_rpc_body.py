"""The JSON-RPC request body: a :class:`RawHex` parameter is written as json.dumps would write its 0x-hex string
(a rollup proposal's calldata, ~860,000 hex characters, skips json's scan), wherever it sits and however many."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.chain._rpc import RawHex, _encode_request


def _plain(obj: object) -> object:
    if isinstance(obj, RawHex):
        return "0x" + obj.data.hex()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.binary(max_size=64).map(RawHex), st.text(max_size=20), st.integers(), st.none()), max_size=5),
    st.text(max_size=20),
)
def test_same_body_as_json_dumps(params: list[object], method: str) -> None:
    obj = {"jsonrpc": "2.0", "id": 7, "method": method, "params": [{"data": p, "x": [p, "rawhex:0:0"]} for p in params]}
    assert _encode_request(obj) == json.dumps(_plain(obj)).encode()


def test_a_proposal_sized_call() -> None:
    data = os.urandom(430_000)
    obj = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"data": RawHex(data)}, "latest"]}
    body = _encode_request(obj)
    assert json.loads(body)["params"][0]["data"] == "0x" + data.hex()


def test_anything_else_unserialisable_is_still_a_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON serialisable"):
        _encode_request({"params": [object()]})
