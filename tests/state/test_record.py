"""VMStateRecord: validation with clear errors, and one canonical encoding (hence one CID and one leaf) per record."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from novacron_chain.state import (
    MAX_ALLOCATION,
    RECORD_SCHEMA,
    RecordValueError,
    VMState,
    VMStateRecord,
    leaf_hash,
    raw_cid,
)
from novacron_chain.storage import compute_cid

from .conftest import OWNER, make_record

CHECKSUMMED = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
CID_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
CID_V1 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"

ident = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,40}", fullmatch=True)
cids = st.sampled_from(
    [
        None,
        CID_V0,
        CID_V1,
    ]
)
records = st.builds(
    VMStateRecord,
    vm_id=ident,
    owner=st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
    region=ident,
    state=st.sampled_from(list(VMState)),
    cpu_allocation=st.integers(0, MAX_ALLOCATION),
    memory_allocation=st.integers(0, MAX_ALLOCATION),
    timestamp=st.integers(0, 2**53 - 1),
    config_cid=cids,
    logs_cid=cids,
)


@given(records)
@settings(max_examples=300, deadline=None)
def test_canonical_encoding_is_sorted_compact_json_and_round_trips(record: VMStateRecord) -> None:
    data = record.canonical_bytes()
    obj = json.loads(data)
    assert obj.pop("schema") == RECORD_SCHEMA
    assert obj == record.to_dict()
    reference = json.dumps({**obj, "schema": RECORD_SCHEMA}, sort_keys=True, separators=(",", ":")).encode()
    assert data == reference
    assert VMStateRecord.from_bytes(data) == record


def test_the_seed_example() -> None:
    r = VMStateRecord("vm-12345", OWNER, "us-east-1", "running", 4, 8192, timestamp=1_712_345_678_901)
    assert r.state is VMState.RUNNING
    assert r.owner == CHECKSUMMED  # EIP-55
    assert r.canonical_bytes() == (
        b'{"cpu_allocation":4,"memory_allocation":8192,"owner":"0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB",'
        b'"region":"us-east-1","schema":"novacron.vm-state/1","state":"Running","timestamp":1712345678901,'
        b'"vm_id":"vm-12345"}'
    )


def test_the_cid_is_kubos_and_the_leaf_is_double_keccak() -> None:
    # compute_cid is checked against Kubo's CIDs (and Debian's ipfs_cid) by the storage tests
    data = make_record(3).canonical_bytes()
    assert raw_cid(data) == compute_cid(data, cid_version=1)
    from eth_utils import keccak

    assert leaf_hash(data) == keccak(keccak(data))


@given(st.binary(min_size=36, max_size=36) | st.binary(min_size=1, max_size=80))
def test_the_fast_base32_is_base32(cid: bytes) -> None:
    import base64

    from novacron_chain.state._hashing import cid_string

    assert cid_string(cid) == "b" + base64.b32encode(cid).decode().rstrip("=").lower()


def test_datetime_timestamps_and_the_default_now() -> None:
    at = datetime(2024, 4, 5, 12, 0, 1, 500_000, tzinfo=UTC)
    assert make_record(0).timestamp == 1_700_000_000_000
    r = VMStateRecord("vm-1", OWNER, "eu-west-1", VMState.STOPPED, 1, 512, timestamp=at)  # type: ignore[arg-type]
    assert r.timestamp == 1_712_318_401_500
    assert (
        abs(VMStateRecord("vm-1", OWNER, "eu", "Stopped", 0, 0).timestamp - datetime.now(UTC).timestamp() * 1000) < 5000
    )


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("vm_id", {"vm_id": ""}, "is empty"),
        ("vm_id", {"vm_id": "vm 1"}, "not a valid identifier"),
        ("vm_id", {"vm_id": 'vm"1'}, "not a valid identifier"),
        ("vm_id", {"vm_id": "x" * 129}, "not a valid identifier"),
        ("vm_id", {"vm_id": 12}, "not a string"),
        ("owner", {"owner": "0x1234"}, "not an Ethereum address"),
        ("owner", {"owner": None}, "not an Ethereum address"),
        ("region", {"region": ""}, "is empty"),
        ("state", {"state": "Paused"}, "is not a VM state"),
        ("state", {"state": 3}, "is not a VM state"),
        ("cpu_allocation", {"cpu_allocation": -1}, "is negative"),
        ("cpu_allocation", {"cpu_allocation": 2.5}, "not a whole number"),
        ("cpu_allocation", {"cpu_allocation": True}, "not a whole number"),
        ("memory_allocation", {"memory_allocation": MAX_ALLOCATION + 1}, "too large"),
        ("timestamp", {"timestamp": -5}, "out of range"),
        ("timestamp", {"timestamp": 1.5}, "not an integer"),
        ("timestamp", {"timestamp": datetime(2024, 1, 1)}, "no time zone"),
        ("config_cid", {"config_cid": "not-a-cid"}, "is not a CID"),
        ("logs_cid", {"logs_cid": "b" + "a" * 58}, "is not a CID"),
        # CIDs only in the text `ipfs add` prints: one record, one encoding
        ("config_cid", {"config_cid": " " + CID_V0}, "without spaces"),
        ("config_cid", {"config_cid": "/ipfs/" + CID_V0}, "without spaces or an /ipfs/ prefix"),
        ("config_cid", {"config_cid": CID_V1.upper()}, "as `ipfs add` prints it"),
        ("config_cid", {"config_cid": "zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7"}, "as `ipfs add` prints it"),
        ("config_cid", {"config_cid": "b" + "a" * 201}, "is not a CID"),
        ("logs_cid", {"logs_cid": 5}, "is not a CID"),
    ],
)
def test_bad_fields_raise_a_clear_value_error(field: str, changes: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "vm_id": "vm-1",
        "owner": OWNER,
        "region": "us-east-1",
        "state": "Running",
        "cpu_allocation": 2,
        "memory_allocation": 2048,
        **changes,
    }
    with pytest.raises(RecordValueError) as info:
        VMStateRecord(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert message in str(info.value)
    assert info.value.hint
    assert info.value.exit_code == 2
    assert isinstance(info.value, ValueError)


def test_unknown_state_lists_the_states() -> None:
    with pytest.raises(RecordValueError) as info:
        VMState.parse("Paused")
    assert "Stopped, Starting, Running, Migrating, Terminated" in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[1, 2]",
        b'{"schema":"other/1"}',
        # valid fields, but whitespace: not the canonical bytes
        b'{"cpu_allocation": 4,"memory_allocation":8192,"owner":"0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB",'
        b'"region":"us-east-1","schema":"novacron.vm-state/1","state":"Running","timestamp":1,"vm_id":"vm-1"}',
        # lower-case owner: a valid address, but not the canonical (checksummed) form
        b'{"cpu_allocation":4,"memory_allocation":8192,"owner":"0xabababababababababababababababababababab",'
        b'"region":"us-east-1","schema":"novacron.vm-state/1","state":"Running","timestamp":1,"vm_id":"vm-1"}',
        # an extra field
        b'{"cpu_allocation":4,"extra":1,"memory_allocation":8192,"owner":"0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB",'
        b'"region":"us-east-1","schema":"novacron.vm-state/1","state":"Running","timestamp":1,"vm_id":"vm-1"}',
    ],
)
def test_decoding_refuses_anything_but_the_canonical_bytes(data: bytes) -> None:
    with pytest.raises(RecordValueError):
        VMStateRecord.from_bytes(data)
