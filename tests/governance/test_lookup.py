"""``GovernanceManager.resolve_proposal_id``: proposal ids as people type them (full, hex, #N, a unique prefix)."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_hash.auto import keccak

from novacron_chain import NovaChain
from novacron_chain.governance import GovernanceManager, GovernanceValueError, ProposalAction
from novacron_chain.governance._manager import render_description


def _action(nova: NovaChain, gm: GovernanceManager) -> ProposalAction:
    cpu = nova.contract("CPUToken").address
    return ProposalAction.call(cpu, "mint(address,uint256)", [gm.timelock.address, 1])


def _propose(nova: NovaChain, gm: GovernanceManager, title: str) -> int:
    return gm.create_proposal(title, "lookup", [_action(nova, gm)]).id


def _proposal_id(title: str, action: ProposalAction) -> int:
    """The id the governor gives a proposal (OpenZeppelin Governor.hashProposal)."""
    text = render_description(title, "lookup", [action])
    types = ["address[]", "uint256[]", "bytes[]", "bytes32"]
    return int.from_bytes(
        keccak(encode(types, [[action.target], [action.value], [action.data], keccak(text.encode())]))
    )


def test_every_form_names_the_same_proposal(gnova: NovaChain, gm: GovernanceManager) -> None:
    first = _propose(gnova, gm, "first")
    second = _propose(gnova, gm, "second")
    listed = [p.id for p in gm.list_proposals()]
    n = listed.index(second) + 1
    assert gm.resolve_proposal_id(str(second)) == second
    assert gm.resolve_proposal_id(f"  {second} ") == second
    assert gm.resolve_proposal_id(hex(second)) == second
    assert gm.resolve_proposal_id(second) == second
    assert gm.resolve_proposal_id(f"#{n}") == second
    assert gm.resolve_proposal_id(f"#{listed.index(first) + 1}") == first
    assert gm.resolve_proposal_id(str(second)[:12]) == second
    assert gm.resolve_proposal_id(str(first)[:6]) == first


def test_an_ambiguous_prefix_asks_for_more_digits(gnova: NovaChain, gm: GovernanceManager) -> None:
    action = _action(gnova, gm)
    seen: dict[str, str] = {}
    for i in range(50_000):  # two titles whose ids share their first 6 digits (a birthday search: ~1,300 tries)
        title = f"twin {i}"
        prefix = str(_proposal_id(title, action))[:6]
        if prefix in seen:
            break
        seen[prefix] = title
    ids = {_propose(gnova, gm, seen[prefix]), _propose(gnova, gm, title)}
    assert {str(i)[:6] for i in ids} == {prefix}
    with pytest.raises(GovernanceValueError, match=f"{prefix} is the start of 2 proposal ids; give more digits"):
        gm.resolve_proposal_id(prefix)
    for pid in ids:  # more digits tell them apart
        assert gm.resolve_proposal_id(str(pid)[:20]) == pid


def test_an_unknown_full_id_is_returned_for_the_operation_to_refuse(gm: GovernanceManager) -> None:
    assert gm.resolve_proposal_id("12345") == 12345  # short: never a prefix
    assert gm.resolve_proposal_id("1234567") == 1234567  # the start of no proposal id


@pytest.mark.parametrize(
    ("ref", "match"),
    [
        ("not-a-number", "is not a proposal id"),
        ("-1", "is not a proposal id"),
        (str(2**256), "is not a proposal id"),
        (-1, "is not a proposal id"),
        (True, "text or an integer"),
        ("#0", "there is no proposal #0"),
        ("#999", "there is no proposal #999"),
    ],
)
def test_text_that_names_no_proposal_is_refused(gm: GovernanceManager, ref: object, match: str) -> None:
    with pytest.raises(GovernanceValueError, match=match):
        gm.resolve_proposal_id(ref)  # type: ignore[arg-type]
