"""Actions, descriptions, vote types and the quorum conversion: no chain needed."""

from __future__ import annotations

import pytest
from eth_abi import decode

from novacron_chain.errors import ConfigError
from novacron_chain.governance import GovernanceValueError, ProposalAction, VoteType, quorum_bps
from novacron_chain.governance._manager import parse_description, render_description

CPU = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_action_call_encodes_like_governor_bravo() -> None:
    a = ProposalAction.call(CPU, "mint(address,uint256)", [TO, 10**24], description="Mint 1M CPU tokens")
    assert a.data[:4] == bytes.fromhex("40c10f19")  # mint(address,uint256)
    assert a.calldata == a.data[4:]
    assert decode(["address", "uint256"], a.calldata) == (TO.lower(), 10**24)


@pytest.mark.parametrize(
    ("signature", "args"),
    [("mint(address,uint256)", [TO]), ("mint(address uint256", [TO, 1]), ("mint(address,uint256)", ["nope", 1])],
)
def test_bad_actions_are_refused_with_a_clear_error(signature: str, args: list[object]) -> None:
    with pytest.raises(GovernanceValueError):
        ProposalAction.call(CPU, signature, args)


def test_description_round_trip_restores_title_text_and_actions() -> None:
    actions = [
        ProposalAction.call(CPU, "mint(address,uint256)", [TO, 5], description="Mint 5 units"),
        ProposalAction(TO, 7, "", b"\x12\x34", ""),
    ]
    text = render_description("Increase CPU Token Supply", "Proposal to mint 1M CPU tokens", actions)
    title, body, back = parse_description(
        text, [a.target for a in actions], [a.value for a in actions], [a.data for a in actions]
    )
    assert title == "Increase CPU Token Supply"
    assert body == "Proposal to mint 1M CPU tokens"
    assert back[0] == actions[0]
    assert back[1].calldata == b"\x12\x34"
    assert back[1].signature == ""
    assert back[1].value == 7


def test_foreign_descriptions_are_kept_whole() -> None:
    title, body, back = parse_description("Proposal #1: do things", [CPU], [0], [b"\xaa\xbb\xcc\xdd"])
    assert (title, body) == ("", "Proposal #1: do things")
    assert back[0].calldata == b"\xaa\xbb\xcc\xdd"


def test_vote_type_parse() -> None:
    assert VoteType.parse("for") is VoteType.FOR
    assert VoteType.parse(" Against ") is VoteType.AGAINST
    assert VoteType.parse(2) is VoteType.ABSTAIN
    for bad in ("yes", 3, True, -1):
        with pytest.raises(GovernanceValueError):
            VoteType.parse(bad)  # type: ignore[arg-type]


def test_quorum_is_converted_exactly() -> None:
    assert quorum_bps(0.4) == 4000
    assert quorum_bps(1.0) == 10_000
    assert quorum_bps(0.0001) == 1
    with pytest.raises(ConfigError):
        quorum_bps(0.40005)
