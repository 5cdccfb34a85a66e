"""A pause stops every state-changing function of every pausable contract, enumerated from the ABIs, and reads
still work.

For each pausable artifact of the deployment (one deployed instance each: what a pause guards is in the code), with
the caller holding every role the ABI declares (so that role checks do not hide the pause check):

* every non-view function except pause/unpause and the role administration, called with plausible arguments
  (1 for numbers, the caller for addresses, empty arrays, ...), reverts with ``EnforcedPause`` while that contract
  alone is paused; unpaused, the same call does not (so it is the pause that stops it);
* the exceptions stay open on purpose: functions only the admin may call (checked, not listed: a stranger is
  refused with ``DEFAULT_ADMIN_ROLE``), so governance can fix parameters during an incident, and the short list
  :data:`OPEN` with a reason each; an entry that a pause does stop fails the test (the list never goes stale);
* every argument-free view returns what it returned before the pause (``paused()`` aside).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pytest

from novacron_chain import NovaChain
from novacron_chain.errors import ContractCustomError, NovaChainError
from novacron_chain.security import ContractSecurity, KnownContract

#: state-changing functions a pause leaves open, and why
OPEN = {
    "ResourceToken.approve(address,uint256)": "an allowance moves no tokens; every transfer it allows is paused",
    "ResourceToken.permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": "as approve, by signature",
    "LiquidityPool.approve(address,uint256)": "an allowance on pool shares moves nothing",
    "LiquidityPool.transfer(address,uint256)": "pool shares are claims: moving one touches no reserve, and "
    "redeeming it (removeLiquidity) is paused",
    "LiquidityPool.transferFrom(address,address,uint256)": "as transfer: moving a share touches no reserve",
    "ResourceStaking.releaseLien(address,uint8,uint256)": "releasing a lien only frees what was locked, and stopping "
    "a VM (which releases its lien) must work while paused",
    "VMLifecycle.stopVM(uint256)": "a VM must always be stoppable: stopping takes no value and releases capacity",
    "VMLifecycle.vetoMigration(uint256)": "a veto only blocks a pending migration: the safe direction in an incident",
    "CapacityRegistry.withdrawCapacity(uint8)": "withdrawing one's own capacity offer only removes it from "
    "matching: the safe direction in an incident",
    "PolicyRegistry.cancelChange(uint256)": "cancelling only withdraws a pending policy change: the safe direction "
    "in an incident",
    "SLAContract.initialize(address,address,address[],uint256,uint256)": "runs once, in the proxy's constructor: "
    "every later call reverts with InvalidInitialization, paused or not",
    "VMLifecycle.initialize(address,address,address,address,address[],uint256,uint256)": "as SLAContract's: runs "
    "once, in the proxy's constructor",
    "StateAnchor.initialize(address,address)": "as SLAContract's: runs once, in the proxy's constructor",
}
#: argument-free views that revert by design where the test reads them: UUPS's proxiableUUID answers only on the
#: implementation itself (through the proxy it reverts, so that a proxy can never be set as an implementation)
NOT_READ = {"proxiableUUID"}
SKIP = {"pause()", "unpause()", "grantRole(bytes32,address)", "revokeRole(bytes32,address)",
        "renounceRole(bytes32,address)"}  # fmt: skip
STRANGER = 9  # a dev account holding no role anywhere


def _value(param: dict[str, Any], me: str) -> Any:
    kind: str = param["type"]
    if kind.endswith("[]"):
        return []
    if kind.endswith("]"):
        inner, _, n = kind[:-1].rpartition("[")
        return [_value({**param, "type": inner}, me) for _ in range(int(n))]
    if kind == "tuple":
        return tuple(_value(c, me) for c in param["components"])
    if kind == "address":
        return me
    if kind == "bool":
        return True
    if kind == "string":
        return "x"
    if kind == "bytes":
        return b"\x01"
    if kind.startswith("bytes"):
        return b"\x01" * int(kind[5:])
    return 1  # uint*, int*: small enough for every enum (ResourceType 1 = MEM)


def _sig(item: dict[str, Any]) -> str:
    def t(p: dict[str, Any]) -> str:
        k: str = p["type"]
        return "(" + ",".join(t(c) for c in p["components"]) + ")" + k[5:] if k.startswith("tuple") else k

    return f"{item['name']}({','.join(t(i) for i in item['inputs'])})"


def _refusal(nc: NovaChain, contract: Any, item: dict[str, Any], sender: str) -> str | None:
    """The custom error the call reverts with (as an eth_call), "" for another revert, None when it succeeds."""
    fn = contract.get_function_by_signature(_sig(item))(*(_value(p, sender) for p in item["inputs"]))
    params: dict[str, Any] = {"from": sender}
    if item["stateMutability"] == "payable":
        params["value"] = 1
    try:
        with nc.chain.mapped(f"calling {_sig(item)}", address=contract.address):
            fn.call(params)
    except ContractCustomError as exc:
        return exc.error_name
    except NovaChainError:
        return ""
    return None


def _targets(sec: ContractSecurity) -> list[KnownContract]:
    seen: dict[str, KnownContract] = {}
    for k in sec.pausable_contracts():
        seen.setdefault(k.artifact, k)
    return list(seen.values())


def test_a_pause_stops_every_state_changing_function(snova: NovaChain, sec: ContractSecurity) -> None:
    chain = snova.chain
    me, stranger = chain.signer.address, chain.dev_signer(STRANGER).address
    open_seen: set[str] = set()
    stopped: list[str] = []
    problems: list[str] = []
    for k in _targets(sec):
        contract = chain.contract(k.artifact, k.address)
        abi = [i for i in contract.abi if i.get("type") == "function"]
        views = [
            i
            for i in abi
            if i["stateMutability"] in ("view", "pure")
            and not i["inputs"]
            and i["name"] != "paused"
            and i["name"] not in NOT_READ
        ]
        changing = [i for i in abi if i["stateMutability"] not in ("view", "pure") and _sig(i) not in SKIP]
        snap = chain.snapshot()
        try:
            for role in (i for i in views if i["name"].endswith("_ROLE") and i["name"] != "DEFAULT_ADMIN_ROLE"):
                # every role to the caller, so role checks do not hide the pause check (a role the admin cannot
                # grant leaves its functions to the checks below)
                with suppress(NovaChainError):
                    chain.transact(contract.functions.grantRole(chain.call(contract.functions[role["name"]]()), me))
            if any(_sig(i) == "approve(address,uint256)" for i in abi):  # so transferFrom/burnFrom reach the token
                chain.transact(contract.functions.approve(me, 2**256 - 1))
            unpaused = {_sig(i): _refusal(snova, contract, i, me) for i in changing}
            earlier = _reads(chain, contract, views)
            # an empty block a second later: reads that change with it (time-weighted prices) are time's (a block
            # in the same second would hide them, and the pause's block may fall in the next one)
            chain.advance(1, 1)
            before = _reads(chain, contract, views)
            timely = {n for n in before if before[n] != earlier[n]}
            chain.transact(contract.functions.pause())
            after = _reads(chain, contract, views)
            assert {n: v for n, v in after.items() if n not in timely} == {
                n: v for n, v in before.items() if n not in timely
            }, f"{k.name}: a read changed or failed under the pause"
            for item in changing:
                name = f"{k.artifact}.{_sig(item)}"
                refusal = _refusal(snova, contract, item, me)
                if name in OPEN:
                    open_seen.add(name)
                    if refusal == "EnforcedPause":
                        problems.append(f"{name} is in OPEN but a pause stops it: drop it from the list")
                elif refusal == "EnforcedPause":
                    if unpaused[_sig(item)] == "EnforcedPause":
                        problems.append(f"{name} reverts with EnforcedPause even unpaused")
                    stopped.append(name)
                elif _refusal(snova, contract, item, stranger) == "AccessControlUnauthorizedAccount" and _admin_only(
                    snova, contract, item, stranger
                ):
                    continue  # the admin's (the timelock's in production): parameters stay fixable in an incident
                else:
                    problems.append(f"{name} is not stopped by a pause (got {refusal!r})")
        finally:
            chain.revert(snap)
    assert problems == [], "\n".join(problems)
    assert sorted(set(OPEN) - open_seen) == [], "OPEN names functions no pausable contract has"
    assert len(stopped) >= 50  # the enumeration really ran over the contract set


def _reads(chain: Any, contract: Any, views: list[dict[str, Any]]) -> dict[str, Any]:
    return {i["name"]: chain.call(contract.functions[i["name"]]()) for i in views}


def _admin_only(nc: NovaChain, contract: Any, item: dict[str, Any], stranger: str) -> bool:
    """Whether a stranger is refused for lack of DEFAULT_ADMIN_ROLE (not some other role)."""
    fn = contract.get_function_by_signature(_sig(item))(*(_value(p, stranger) for p in item["inputs"]))
    try:
        with nc.chain.mapped("calling", address=contract.address):
            fn.call({"from": stranger, "value": 1 if item["stateMutability"] == "payable" else 0})
    except ContractCustomError as exc:
        return exc.error_args.get("neededRole") == bytes(32)
    return False


@pytest.mark.parametrize("name", sorted(OPEN))
def test_every_open_function_has_a_reason(name: str) -> None:
    assert len(OPEN[name]) > 20
