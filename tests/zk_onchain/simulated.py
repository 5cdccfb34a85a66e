"""Groth16 keys and proofs simulated with the trapdoor, for testing verifiers without a circuit.

Whoever knows the setup's secrets (alpha, beta, gamma, delta and the IC discrete logs) can make a proof that passes
e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta) for ANY public inputs: pick A = a*G1, B = b*G2 and solve
C = c*G1 with c = (a*b - alpha*beta - x*gamma) / delta, where x is the discrete log of vk_x. That is exactly the
equation a verifier checks, so these vectors test the verifier's arithmetic and encodings (the circuit's soundness is
the ZK engine's business, tested with its real keys). Keys and proofs come out in snarkjs's JSON shape (decimal
strings, affine points with a trailing "1", G2 coordinates as [c0, c1]).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from py_arkworks_bls12381 import G1Point, G2Point, Scalar

R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

__all__ = ["R", "Trapdoor", "g1_json", "g2_json", "simulated_proof", "simulated_setup"]


def _scalar(v: int) -> Scalar:
    return Scalar.from_be_bytes_mod_order((v % R).to_bytes(32, "big"))


def _rand(seed: bytes, label: str) -> int:
    return int.from_bytes(hashlib.sha512(seed + label.encode()).digest(), "big") % (R - 1) + 1


def g1_json(k: int) -> list[str]:
    """k * G1 in snarkjs's affine JSON."""
    b = (G1Point() * _scalar(k)).to_xy_bytes_be()
    return [str(int.from_bytes(b[:48], "big")), str(int.from_bytes(b[48:], "big")), "1"]


def g2_json(k: int) -> list[list[str]]:
    """k * G2 in snarkjs's affine JSON ([x.c0, x.c1], [y.c0, y.c1], ["1", "0"])."""
    b = (G2Point() * _scalar(k)).to_xy_bytes_be()
    c = [str(int.from_bytes(b[i : i + 48], "big")) for i in range(0, 192, 48)]
    return [[c[0], c[1]], [c[2], c[3]], ["1", "0"]]


@dataclass(frozen=True)
class Trapdoor:
    """The setup's secrets."""

    alpha: int
    beta: int
    gamma: int
    delta: int
    ic: tuple[int, ...]


def simulated_setup(n_public: int, seed: bytes = b"novacron-zk-simulated") -> tuple[dict[str, Any], Trapdoor]:
    """A verifying key (snarkjs JSON) for ``n_public`` inputs and its trapdoor, derived from ``seed``."""
    t = Trapdoor(
        alpha=_rand(seed, "alpha"),
        beta=_rand(seed, "beta"),
        gamma=_rand(seed, "gamma"),
        delta=_rand(seed, "delta"),
        ic=tuple(_rand(seed, f"ic{i}") for i in range(n_public + 1)),
    )
    vk = {
        "protocol": "groth16",
        "curve": "bls12381",
        "nPublic": n_public,
        "vk_alpha_1": g1_json(t.alpha),
        "vk_beta_2": g2_json(t.beta),
        "vk_gamma_2": g2_json(t.gamma),
        "vk_delta_2": g2_json(t.delta),
        "IC": [g1_json(k) for k in t.ic],
    }
    return vk, t


def simulated_proof(t: Trapdoor, inputs: Sequence[int], seed: bytes = b"proof") -> dict[str, Any]:
    """A proof (snarkjs JSON) that verifies for ``inputs`` under the trapdoor's key."""
    if len(inputs) != len(t.ic) - 1:
        raise ValueError(f"{len(inputs)} inputs for a key of {len(t.ic) - 1}")
    a = _rand(seed + repr(list(inputs)).encode(), "a")
    b = _rand(seed + repr(list(inputs)).encode(), "b")
    x = (t.ic[0] + sum(v * k for v, k in zip(inputs, t.ic[1:], strict=True))) % R
    c = (a * b - t.alpha * t.beta - x * t.gamma) * pow(t.delta, -1, R) % R
    return {"protocol": "groth16", "curve": "bls12381", "pi_a": g1_json(a), "pi_b": g2_json(b), "pi_c": g1_json(c)}
