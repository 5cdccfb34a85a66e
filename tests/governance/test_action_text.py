"""``ProposalAction.from_strings``: actions from command-line text, converted by ABI type. No chain needed."""

from __future__ import annotations

import pytest

from novacron_chain.errors import NovaValueError
from novacron_chain.governance import GovernanceValueError, ProposalAction

CPU = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
NAMES = {"CPUToken": CPU, "NovaTimelock": TO}


def test_text_arguments_encode_as_the_typed_call() -> None:
    a = ProposalAction.from_strings(
        "CPUToken",
        "mint(address,uint256)",
        ["NovaTimelock", "1_000_000_000000000000000000"],
        description="Mint 1M CPU tokens",
        address_of=NAMES.__getitem__,
    )
    assert a == ProposalAction.call(CPU, "mint(address,uint256)", [TO, 10**24], description="Mint 1M CPU tokens")


@pytest.mark.parametrize(
    ("signature", "text", "value"),
    [
        ("f(uint256)", "0x10", 16),
        ("f(int8)", "-5", -5),
        ("f(bool)", "TRUE", True),
        ("f(bool)", "false", False),
        ("f(bytes)", "0xdeadbeef", bytes.fromhex("deadbeef")),
        ("f(bytes32)", "11" * 32, bytes.fromhex("11" * 32)),
        ("f(string)", " spaced text ", " spaced text "),
        ("f(address)", TO.lower(), TO),
    ],
)
def test_each_abi_type_from_text(signature: str, text: str, value: object) -> None:
    assert ProposalAction.from_strings(CPU, signature, [text]) == ProposalAction.call(CPU, signature, [value])


def test_raw_calldata_instead_of_a_signature() -> None:
    a = ProposalAction.from_strings(CPU, calldata="0x40c10f19", value=7, description="raw")
    assert (a.signature, a.data, a.value, a.description) == ("", bytes.fromhex("40c10f19"), 7, "raw")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"signature": "f(uint256)", "args": ["ten"]}, "'ten' is not a uint256"),
        ({"signature": "f(int256)", "args": ["x"]}, "'x' is not an int256"),
        ({"signature": "f(bool)", "args": ["yes"]}, "'yes' is not a bool"),
        ({"signature": "f(bytes)", "args": ["0xzz"]}, "is not a bytes"),
        ({"signature": "f(address)", "args": ["0x1234"]}, "'0x1234' is not an address"),
        ({"signature": "f(uint256[])", "args": ["[1]"]}, "not supported as text"),
        ({"signature": "f(uint256,uint256)", "args": ["1"]}, "takes 2 arguments; 1 given"),
        ({"signature": "f(uint256)", "args": ["1"], "calldata": "0x00"}, "not both"),
        ({"calldata": "0xnothex"}, "is not hex"),
        ({}, "needs a function signature"),
    ],
)
def test_bad_text_is_a_clear_governance_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(GovernanceValueError, match=match):
        ProposalAction.from_strings(CPU, **kwargs)  # type: ignore[arg-type]


def test_a_name_needs_a_resolver() -> None:
    with pytest.raises(NovaValueError, match="'CPUToken' is not an Ethereum address"):
        ProposalAction.from_strings("CPUToken", "f(uint256)", ["1"])
    with pytest.raises(GovernanceValueError, match="'NovaTimelock' is not an address"):
        ProposalAction.from_strings(CPU, "f(address)", ["NovaTimelock"])
    resolved = ProposalAction.from_strings(CPU, "f(address)", ["NovaTimelock"], address_of=NAMES.__getitem__)
    assert resolved == ProposalAction.call(CPU, "f(address)", [TO])
