"""Access control, enumerated from the ABIs: every state-changing function of every deployed contract refuses a
caller without any role, unless it is public by design.

Each ``nonpayable``/``payable`` function of every contract of the deployment (the records and the pools the factory
created, found by :meth:`ContractSecurity.known_contracts`) is called (``eth_call``, nothing is sent) from a fresh
account that holds no role, with plausible arguments. The outcome decides its class:

* **restricted**: it reverts with ``AccessControlUnauthorizedAccount(stranger, role)`` or one of the contracts' own
  authorization errors (:data:`AUTH_ERRORS`);
* **public by design**: it is listed in :data:`PUBLIC` with the reason anyone may call it (what it does is bounded
  by the caller's own tokens, stake or objects, or by a proof it carries).

A function in neither class fails the test: a new function is covered without anyone remembering to add it, and
one that lost its role check is caught. A listed function that turns out restricted fails too (the list stays true).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from eth_account import Account
from eth_hash.auto import keccak
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from novacron_chain import NovaChain
from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.security import KnownContract
from tests._support import deployed_fixtures

# the whole contract set, deployed once (shared with the other domains' tests: deploying is idempotent)
embedded_access_session = deployed_fixtures("access").embedded_session

#: the contracts' own "you may not" errors, besides OpenZeppelin's AccessControlUnauthorizedAccount
AUTH_ERRORS = frozenset(
    {
        "AccessControlUnauthorizedAccount",
        "GovernorOnlyExecutor",  # governance settings: only the governor itself (through a proposal)
        "TimelockUnauthorizedCaller",  # the timelock's updateDelay: only the timelock itself
        "DIDRegistryUnauthorized",
        "SLAUnauthorized",
        "VMUnauthorized",
        "VMMigrationNotApprover",
        "EcdsaCheckpointNotAdmin",
        "BridgeNotGuardian",
        "WrappedResourceTokenOnlyBridge",
        "NovaGovernorIssuerNotTrusted",  # recordMembership: only a trusted credential issuer
        "PolicyRegistryNotProposer",  # cancelChange: only the change's proposer or the admin
        "InvalidInitialization",  # an upgradeable contract's initialize: run once by its proxy, locked for anyone
    }
)

_OWN = "acts on the caller's own tokens, allowance or role only"
_SIGNED = "authorised by a signature it carries (of the identity's owner or the voter), not by the caller"
_PROPOSAL = "governance: anyone may vote, queue or execute a passed proposal; propose needs votes; cancel the proposer"
_RECEIVER = "a token-receiver hook: it only accepts (timelock) or refuses (governor) a deposit"
_OBJECT = (
    "acts on one object (VM, migration, SLA, order, stake, validator) and checks the caller against that object's "
    "owner or parties: a stranger's probe of a missing object is refused as unknown; the owner checks are tested in "
    "the domain's tests"
)
_EVIDENCE = "carries its own proof (signatures of > 2/3 of stake, double-sign or non-signing evidence)"
_ERC20 = {
    "transfer(address,uint256)": _OWN,
    "transferFrom(address,address,uint256)": _OWN,
    "approve(address,uint256)": _OWN,
}
_PERMIT = {"permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": _SIGNED}
_ROLES = {"renounceRole(bytes32,address)": _OWN + " (refused for anyone else's account)"}
_RECEIVERS = {
    "onERC721Received(address,address,uint256,bytes)": _RECEIVER,
    "onERC1155Received(address,address,uint256,uint256,bytes)": _RECEIVER,
    "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": _RECEIVER,
}

#: artifact -> {function signature: why a caller without any role may call it}; every entry with its reason
PUBLIC: dict[str, dict[str, str]] = {
    "ResourceToken": {**_ERC20, **_PERMIT, **_ROLES, "burn(uint256)": _OWN, "burnFrom(address,uint256)": _OWN},
    "NovaToken": {
        **_ERC20,
        **_PERMIT,
        "delegate(address)": _OWN,
        "delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)": _SIGNED,
    },
    "LiquidityPool": {
        **_ERC20,
        **_ROLES,
        "addLiquidity(uint256,uint256,uint256,uint256,address,uint256)": "a market: deposits the caller's own tokens",
        "removeLiquidity(uint256,uint256,uint256,address,uint256)": "a market: burns the caller's own shares",
        "swap(address,uint256,uint256,address,uint256)": "a market: trades the caller's own tokens",
        "sync()": "sets the reserves to the balances (Uniswap v2's sync): nobody gains",
    },
    "LiquidityPoolFactory": {**_ROLES},
    "ResourceMarket": {
        **_ROLES,
        "buy(uint8,uint256,uint256,address,uint256)": "a market: pays the curve price from the caller's coins",
        "sell(uint8,uint256,uint256,address,uint256)": "a market: sells the caller's own tokens to the curve",
        "transferRedeemable(uint8,address,uint256)": "moves the caller's own redeemable balance",
    },
    "ResourceStaking": {
        **_ROLES,
        "stake(uint8,uint256,uint256)": "locks the caller's own tokens",
        "unstake(address,uint256)": _OBJECT,
        "fundRewards(uint8,uint256)": "a donation to the reward pool from the caller's own tokens",
    },
    "CapacityRegistry": {
        **_ROLES,
        "registerCapacity(uint8,uint256,(address,bytes32,uint256,uint64,bytes),uint256,bytes)": "registers the "
        "caller's own capacity, backed by a zero-knowledge proof over a trusted issuer's signed claim",
        "withdrawCapacity(uint8)": "withdraws the caller's own registration",
    },
    "ResourceOrderBook": {
        **_ROLES,
        "placeOrder(uint8,uint256,uint256)": "a market: escrows the caller's own tokens",
        "fillOrder(address,uint256,uint256,address,uint256)": "a market: pays an order from the caller's own coins",
        "cancelOrder(uint256)": _OBJECT,
    },
    "VMLifecycle": {
        **_ROLES,
        "createVM(string,string,uint256,uint256)": "backed by the caller's own stake (a reservation)",
        **dict.fromkeys(
            [
                "startVM(uint256)",
                "stopVM(uint256)",
                "terminateVM(uint256)",
                "migrateVM(uint256,string,string)",
                "executeMigration(uint256,string)",
                "vetoMigration(uint256)",
                "approveMigration(uint256)",
                "approveMigrationWithSignatures(uint256,bytes[])",
            ],
            _OBJECT,
        ),
    },
    "SLAContract": {
        **_ROLES,
        "createSLA(address,address,(bytes32,uint256,uint256,bool)[],uint256,uint256,uint256,uint256)": "the "
        "customer's own SLA, funded by the caller; the provider must accept it",
        **dict.fromkeys(
            [
                "acceptSLA(uint256)",
                "cancelSLA(uint256)",
                "disputeClaim(uint256,bytes32,uint256)",
                "finalizeClaim(uint256,bytes32,uint256)",
                "reportViolation(uint256,bytes32,uint256,uint256)",
                "settle(uint256)",
                "submitReport((uint256,bytes32,uint256,uint256),bytes[])",
            ],
            _OBJECT,
        ),
    },
    "StakeManager": {
        **_ROLES,
        "register(address,bytes,bytes,uint256)": "a validator stakes its own tokens (at least the minimum)",
        **dict.fromkeys(["topUp(uint256)", "unbond(uint256)", "unjail()", "withdraw()"], _OBJECT),
        "jail(uint256,bytes32,uint64[],uint256[][])": _EVIDENCE,
        "reportDoubleSign(uint256,bytes32,uint64,bytes32,uint64,bytes,bytes32,uint64,bytes)": _EVIDENCE,
    },
    "CheckpointVerifier": {**_ROLES, "submitCheckpoint(bytes32,uint64,bytes32,uint64,uint256[],bytes)": _EVIDENCE},
    "StateAnchor": {**_ROLES},
    "DIDRegistry": {
        **_ROLES,
        **{
            f"{fn}Signed({args})": _SIGNED
            for fn, args in [
                ("addDelegate", "address,uint8,bytes32,bytes32,bytes32,address,uint256"),
                ("changeOwner", "address,uint8,bytes32,bytes32,address"),
                ("revokeAttribute", "address,uint8,bytes32,bytes32,bytes32,bytes"),
                ("revokeCredential", "address,uint8,bytes32,bytes32,bytes32"),
                ("revokeDelegate", "address,uint8,bytes32,bytes32,bytes32,address"),
                ("setAttribute", "address,uint8,bytes32,bytes32,bytes32,bytes,uint256"),
            ]
        },
    },
    "NovaGovernor": {
        **_RECEIVERS,
        **dict.fromkeys(
            [
                "propose(address[],uint256[],bytes[],string)",
                "queue(address[],uint256[],bytes[],bytes32)",
                "execute(address[],uint256[],bytes[],bytes32)",
                "cancel(address[],uint256[],bytes[],bytes32)",
                "castVote(uint256,uint8)",
                "castVoteWithReason(uint256,uint8,string)",
                "castVoteWithReasonAndParams(uint256,uint8,string,bytes)",
            ],
            _PROPOSAL,
        ),
        "castVoteBySig(uint256,uint8,address,bytes)": _SIGNED,
        "castVoteWithReasonAndParamsBySig(uint256,uint8,address,string,bytes,bytes)": _SIGNED,
        "recordMembershipSigned(address,address,bytes32,uint64,bytes)": "a membership credential signed by a "
        "trusted issuer (recordMembership without a signature is the issuer's own)",
    },
    "PolicyRegistry": {**_ROLES},
    "NovaTimelock": {
        **_ROLES,
        **_RECEIVERS,
        "execute(address,uint256,bytes,bytes32,bytes32)": "EXECUTOR_ROLE is open (the zero address): anyone "
        "executes an operation once its delay passed; scheduling is the governor's",
        "executeBatch(address[],uint256[],bytes[],bytes32,bytes32)": "as execute",
    },
}


def _arg(param: dict[str, Any], other: str) -> Any:
    """A plausible value of a parameter: someone else's address (not the caller's: an identity, an owner, a
    recipient the caller has no say over), 1, a non-zero word, a one-element array."""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        size = kind[kind.rindex("[") + 1 : -1]
        return [_arg(inner, other)] * (int(size) if size else 1)
    if kind == "tuple":
        return tuple(_arg(c, other) for c in param["components"])
    if kind == "address":
        return other
    if kind == "bool":
        return True
    if kind == "string":
        return "x"
    if kind == "bytes":
        return b"\x01"
    if kind.startswith("bytes"):
        return keccak(b"x")[: int(kind[5:])]
    if kind.startswith(("uint", "int")):
        return 1
    raise AssertionError(f"no plausible value for {kind}")


def _signature(item: dict[str, Any]) -> str:
    def typ(p: dict[str, Any]) -> str:
        k = str(p["type"])
        return "(" + ",".join(typ(c) for c in p["components"]) + ")" + k[5:] if k.startswith("tuple") else k

    return f"{item['name']}({','.join(typ(i) for i in item['inputs'])})"


@cache
def _errors() -> dict[bytes, str]:
    """Selector -> name of every custom error of every artifact (a call may revert in a token it calls)."""
    return {
        keccak(_signature(i).encode())[:4]: str(i["name"])
        for name in artifact_names()
        for i in load_artifact(name).abi
        if i.get("type") == "error"
    }


def classify(nc: NovaChain, known: KnownContract, stranger: str, other: str) -> dict[str, str]:
    """``{signature: outcome}`` for every state-changing function of ``known``, called by ``stranger``: the
    custom error's name it reverted with, ``ok`` when the call went through, or ``revert: <message>``."""
    art = load_artifact(known.artifact)
    errors = _errors()
    contract = nc.chain.contract(known.artifact, known.address)
    out = {}
    for item in art.abi:
        if item.get("type") != "function" or item["stateMutability"] in ("view", "pure"):
            continue
        sig = _signature(item)
        args = [_arg(p, other) for p in item["inputs"]]
        call = contract.get_function_by_signature(sig)(*args)
        try:
            call.call({"from": stranger, "value": 0})
            out[sig] = "ok"
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            data = getattr(exc, "data", None)
            raw = bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""
            out[sig] = errors.get(raw[:4], f"revert: {exc}"[:200])
    return out


@pytest.fixture(scope="module")
def outcomes(embedded_access_session: NovaChain) -> Iterator[dict[tuple[str, str], dict[str, str]]]:
    """Every function of every deployed contract, called once from a fresh account (no transaction is sent)."""
    nc = embedded_access_session
    stranger, other = Account.create().address, Account.create().address
    known = nc.security.known_contracts()
    assert {k.artifact for k in known} >= {"ResourceMarket", "LiquidityPool", "NovaGovernor"}
    snap = nc.chain.snapshot()
    try:
        nc.chain.transfer(stranger, 10**18)  # gas money only: an eth_call still checks the sender can pay for gas
        yield {(k.name, k.artifact): classify(nc, k, stranger, other) for k in known}
    finally:
        nc.chain.revert(snap)


def test_every_state_changing_function_refuses_a_caller_without_a_role(
    outcomes: dict[tuple[str, str], dict[str, str]],
) -> None:
    unclassified = []
    for (name, artifact), results in outcomes.items():
        public = PUBLIC.get(artifact, {})
        for sig, outcome in sorted(results.items()):
            if outcome in AUTH_ERRORS:
                continue
            if sig in public:
                continue
            unclassified.append(f"{name}.{sig}: {outcome}")
    assert not unclassified, (
        "state-changing functions a caller without any role was not refused by, and not listed as public by "
        "design (restrict them, or add them to PUBLIC with the reason):\n  " + "\n  ".join(unclassified)
    )


def test_the_public_list_is_true(outcomes: dict[tuple[str, str], dict[str, str]]) -> None:
    """Every listed function exists in its ABI and does not refuse a stranger for lack of a role."""
    seen: dict[str, dict[str, str]] = {}
    for (_, artifact), results in outcomes.items():
        seen.setdefault(artifact, {}).update(results)
    for artifact, listed in PUBLIC.items():
        assert artifact in seen, f"{artifact} is listed in PUBLIC but not deployed"
        for sig in listed:
            assert sig in seen[artifact], f"{artifact}.{sig} is listed in PUBLIC but not in its ABI"
            assert seen[artifact][sig] not in AUTH_ERRORS, f"{artifact}.{sig} is listed as public but is restricted"


def test_every_deployed_contract_with_roles_restricts_something(
    outcomes: dict[tuple[str, str], dict[str, str]],
) -> None:
    """The probe really reaches the role checks: each access-controlled contract refused the stranger somewhere."""
    for (name, artifact), results in outcomes.items():
        abi = {_signature(i) for i in load_artifact(artifact).abi if i.get("type") == "function"}
        if "hasRole(bytes32,address)" in abi:
            assert any(o in AUTH_ERRORS for o in results.values()), (name, results)
