"""The committed circuits and their keys, loaded once per process, and the proving / verifying entry points.

``artifacts/manifest.json`` records the SHA-256 of every artifact; loading checks it, so an altered proving key,
verification key or witness generator is refused (:class:`ZkArtifactError`) instead of producing odd proofs.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ._errors import StatementFalseError, ZkArtifactError, ZkError, ZkValueError
from ._field import FIELD_MODULUS
from ._groth16 import Groth16Proof, prove, verify
from ._keys import ProvingKey, VerifyingKey
from ._witness import WitnessCalculator, WitnessError

__all__ = ["CIRCUITS", "Circuit", "circuit", "prove_predicate", "verify_predicate", "verifying_key"]

#: the circuits, by name, with their public inputs in order
CIRCUITS: dict[str, tuple[str, ...]] = {
    "compare": ("commitment", "op", "threshold", "context"),
    "member": ("commitment", *(f"set[{i}]" for i in range(8)), "context"),
}
_lock = threading.Lock()
_loaded: dict[str, Circuit] = {}
_vks: dict[str, VerifyingKey] = {}


def _artifact(name: str) -> bytes:
    try:
        return resources.files("novacron_chain.zk").joinpath("artifacts", name).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise ZkArtifactError(name, "missing from the installed package") from exc


def _manifest() -> dict[str, Any]:
    try:
        data = json.loads(_artifact("manifest.json"))
    except ValueError as exc:
        raise ZkArtifactError("manifest.json", "is not JSON") from exc
    if not isinstance(data, dict):
        raise ZkArtifactError("manifest.json", "is not a JSON object")
    return data


def _checked(circuit_name: str, kind: str, filename: str) -> bytes:
    data = _artifact(filename)
    entry = _manifest().get(circuit_name)
    expected = entry.get(kind) if isinstance(entry, dict) else None
    if expected != hashlib.sha256(data).hexdigest():
        raise ZkArtifactError(filename, "its SHA-256 differs from artifacts/manifest.json (altered or stale)")
    return data


def _known(name: str) -> None:
    if name not in CIRCUITS:
        raise ZkValueError(f"no circuit named {name!r}", hint=f"the circuits are {', '.join(CIRCUITS)}")


def verifying_key(name: str) -> VerifyingKey:
    """The verification key of circuit ``name`` (``compare`` or ``member``), from ``artifacts/<name>.vk.json``."""
    _known(name)
    with _lock:
        vk = _vks.get(name)
        if vk is None:
            try:
                vk = VerifyingKey.from_snarkjs(json.loads(_checked(name, "vk", f"{name}.vk.json")))
            except ValueError as exc:
                raise ZkArtifactError(f"{name}.vk.json", str(exc)) from exc
            _vks[name] = vk
    return vk


@dataclass(frozen=True)
class Circuit:
    """A loaded circuit: witness generator, proving key, verification key."""

    name: str
    public_inputs: tuple[str, ...]
    witness: WitnessCalculator
    pk: ProvingKey
    vk: VerifyingKey


def circuit(name: str) -> Circuit:
    """Circuit ``name``, loaded (and checked against the manifest) on first use."""
    _known(name)
    vk = verifying_key(name)
    with _lock:
        loaded = _loaded.get(name)
        if loaded is None:
            try:
                pk = ProvingKey.from_bytes(_checked(name, "pk", f"{name}.pk"))
                wc = WitnessCalculator(_checked(name, "wasm", f"{name}.wasm"))
            except ValueError as exc:
                raise ZkArtifactError(name, str(exc)) from exc
            if pk.n_public != len(CIRCUITS[name]) or vk.n_public != pk.n_public or wc.witness_size != pk.n_vars:
                raise ZkArtifactError(name, "the witness generator, proving key and verification key disagree")
            loaded = Circuit(name, CIRCUITS[name], wc, pk, vk)
            _loaded[name] = loaded
    return loaded


def prove_predicate(
    name: str,
    *,
    value: int,
    salt: int,
    context: int,
    commitment: int | None = None,
    op: int | None = None,
    threshold: int | None = None,
    members: Sequence[int] | None = None,
) -> tuple[Groth16Proof, list[int]]:
    """A proof that the value committed with ``salt`` satisfies the predicate, and its public inputs.

    ``compare``: ``op`` (0 ">", 1 ">=", 2 "<", 3 "<=", 4 "==") and ``threshold``; ``member``: up to 8 ``members``
    (padded by repeating the first). ``commitment`` defaults to ``Poseidon2(value, salt)``; ``context`` is the
    binding the verifier chose (a field element). Raises :class:`StatementFalseError` when the predicate does not
    hold (the witness generator's constraint fails); the proof is verified before it is returned.
    """
    from ._commit import commit

    c = circuit(name)
    if commitment is None:
        commitment = commit(value, salt)
    for what, x in (("value", value), ("salt", salt), ("context", context), ("commitment", commitment)):
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < FIELD_MODULUS:
            raise ZkValueError(f"{what} must be an integer from 0 to r - 1")
    inputs: dict[str, int | list[int]] = {"commitment": commitment}
    label = ""
    if name == "compare":
        if op not in (0, 1, 2, 3, 4) or threshold is None or not 0 <= threshold < 2**64:
            raise ZkValueError("the compare circuit takes op 0..4 and a threshold from 0 to 2^64 - 1")
        inputs |= {"op": op, "threshold": threshold, "context": context}
        label = f"value {('>', '>=', '<', '<=', '==')[op]} {threshold}"
    else:
        if not members or len(members) > 8 or any(not 0 <= m < 2**64 for m in members):
            raise ZkValueError("the member circuit takes 1 to 8 members, each from 0 to 2^64 - 1")
        padded = [*members, *([members[0]] * (8 - len(members)))]
        inputs |= {"set": padded, "context": context}
        label = "value in the set"
    inputs |= {"value": value, "salt": salt}
    try:
        witness = c.witness.calculate(inputs)
    except WitnessError as exc:
        if exc.code == 4:
            raise StatementFalseError(label, "value") from None
        raise ZkError(f"the {name} witness generator refused the inputs: {exc}") from None
    publics = witness[1 : 1 + c.pk.n_public]
    proof = prove(c.pk, witness)
    if not verify(c.vk, proof, publics):
        raise ZkError(f"the {name} prover made a proof that does not verify", hint="report this as a bug")
    return proof, publics


def verify_predicate(name: str, proof: Groth16Proof, public_inputs: Sequence[int]) -> bool:
    """Whether ``proof`` verifies for ``public_inputs`` under circuit ``name``'s key."""
    return verify(verifying_key(name), proof, public_inputs)
