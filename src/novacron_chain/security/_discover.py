"""Which contracts a deployment has, and what each one is: found from the records and the ABIs, never a hand list.

* every recorded contract, plus every instance a factory created (a contract whose ABI has ``allPoolsLength()`` and
  ``allPools(uint256)``: the LiquidityPoolFactory's pools), each identified by its code;
* an unknown address is identified by comparing its code with every artifact's (immutables masked);
* a contract is pausable when its ABI has ``pause()`` and ``paused()``; its roles are its ABI's ``*_ROLE``
  constants (``keccak256("NAME")`` by the OpenZeppelin convention) and ``DEFAULT_ADMIN_ROLE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from eth_hash.auto import keccak

from ..artifacts import artifact_names, load_artifact
from ..chain import Chain, DeploymentsFile, code_matches
from ._types import KnownContract

__all__ = [
    "DEFAULT_ADMIN_ROLE",
    "GUARDIAN_ROLE",
    "find_artifact",
    "functions",
    "is_pausable",
    "known_contracts",
    "role_names",
]

DEFAULT_ADMIN_ROLE = bytes(32)
GUARDIAN_ROLE = keccak(b"GUARDIAN_ROLE")


def functions(artifact: str) -> dict[str, dict[str, Any]]:
    """The ABI's functions by signature, e.g. ``"pause()"``."""
    return _functions(artifact)


@cache
def _functions(artifact: str) -> dict[str, dict[str, Any]]:
    out = {}
    for item in load_artifact(artifact).abi:
        if item.get("type") == "function":
            out[f"{item['name']}({','.join(_type(i) for i in item['inputs'])})"] = item
    return out


def _type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def is_pausable(artifact: str) -> bool:
    """Whether the ABI has ``pause()`` and ``paused()`` (OpenZeppelin Pausable behind a guardian)."""
    fns = _functions(artifact)
    return "pause()" in fns and "paused()" in fns


@cache
def role_names(artifact: str) -> dict[bytes, str]:
    """Role id -> name for the ``*_ROLE`` constants of the ABI (empty when it has no ``hasRole``)."""
    fns = _functions(artifact)
    if "hasRole(bytes32,address)" not in fns:
        return {}
    names = {DEFAULT_ADMIN_ROLE: "DEFAULT_ADMIN_ROLE"}
    for sig in fns:
        name = sig[: -len("()")]
        if sig.endswith("_ROLE()") and name != "DEFAULT_ADMIN_ROLE":
            names[keccak(name.encode())] = name
    return names


@cache
def _runtime_lengths() -> dict[int, tuple[str, ...]]:
    by_len: dict[int, list[str]] = {}
    for name in artifact_names():
        code = load_artifact(name).deployed_bytecode
        by_len.setdefault((len(code) - 2) // 2, []).append(name)
    return {k: tuple(v) for k, v in by_len.items()}


def find_artifact(code: bytes, candidates: Iterable[str] | None = None) -> str | None:
    """The artifact whose runtime code ``code`` is (immutables masked), searching ``candidates`` first, then every
    artifact of the same code length; None when none matches."""
    for name in candidates or ():
        if code_matches(load_artifact(name), code):
            return name
    for name in _runtime_lengths().get(len(code), ()):
        if code_matches(load_artifact(name), code):
            return name
    return None


def _is_factory(artifact: str) -> bool:
    fns = _functions(artifact)
    return "allPoolsLength()" in fns and "allPools(uint256)" in fns


def known_contracts(chain: Chain, deployments: DeploymentsFile) -> list[KnownContract]:
    """Every contract of the deployment on ``chain``: the records, then each factory's instances in creation
    order (named ``<artifact> #<i>``, their artifact identified by their code)."""
    out: list[KnownContract] = []
    children: list[KnownContract] = []
    for record in deployments.all(chain.chain_id):
        out.append(KnownContract(record.name, record.address, record.artifact))
        if not _is_factory(record.artifact):
            continue
        factory = chain.contract(record.artifact, record.address)
        count = int(chain.call(factory.functions.allPoolsLength()))
        guess: list[str] = []
        for i in range(count):
            address = str(chain.call(factory.functions.allPools(i)))
            artifact = find_artifact(chain.code(address), guess)
            if artifact is None:  # code of no artifact: audited as unknown code, never paused blindly
                continue
            guess = [artifact]
            children.append(KnownContract(f"{artifact} #{i}", address, artifact, created_by=record.name))
    return out + children
