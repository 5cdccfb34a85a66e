"""Groth16 over BLS12-381: our prover and verifier (the keys come from the snarkjs ceremony, the code is ours).

Proving follows snarkjs's algorithm so that its keys (and its ``groth16 verify``) work unchanged: the constraint
matrices times the witness give ``A``, ``B`` on the evaluation domain and ``C = A * B``; one inverse and one forward
NTT per polynomial move them to the odd coset, where ``A * B - C`` is a multiple of the vanishing polynomial and the
key's H points turn it into ``H(tau) Z(tau) / delta`` by a multi-scalar multiplication. The five MSMs run natively in
py-arkworks; the field arithmetic is Python integers (the circuits have a few hundred constraints).

Verification is one product of four pairings:
``e(A, B) * e(-alpha, beta) * e(-IC(x), gamma) * e(-C, delta) == 1`` with ``IC(x) = IC_0 + sum x_i IC_i``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from ._field import FIELD_MODULUS as R
from ._field import coset_evaluations
from ._keys import (
    ProvingKey,
    VerifyingKey,
    g1_from_eip2537,
    g1_to_eip2537,
    g1_to_snarkjs,
    g2_from_eip2537,
    g2_to_eip2537,
    g2_to_snarkjs,
)

__all__ = ["Groth16Proof", "prove", "verify"]


@dataclass(frozen=True)
class Groth16Proof:
    """The three points of a Groth16 proof: ``a`` and ``c`` in G1, ``b`` in G2."""

    a: G1Point
    b: G2Point
    c: G1Point

    def to_eip2537(self) -> bytes:
        """512 bytes, ``a (128) | b (256) | c (128)`` in the EIP-2537 layout: what the contracts take."""
        return g1_to_eip2537(self.a) + g2_to_eip2537(self.b) + g1_to_eip2537(self.c)

    def to_compressed(self) -> bytes:
        """192 bytes, ``a (48) | b (96) | c (48)`` compressed (ZCash / arkworks flags): the compact form."""
        return (
            bytes(self.a.to_compressed_bytes())
            + bytes(self.b.to_compressed_bytes())
            + bytes(self.c.to_compressed_bytes())
        )

    def to_snarkjs(self) -> dict[str, object]:
        """snarkjs's ``proof.json`` shape (decimal strings), which ``snarkjs groth16 verify`` reads."""
        return {
            "protocol": "groth16",
            "curve": "bls12381",
            "pi_a": g1_to_snarkjs(self.a),
            "pi_b": g2_to_snarkjs(self.b),
            "pi_c": g1_to_snarkjs(self.c),
        }

    @classmethod
    def from_eip2537(cls, data: bytes) -> Groth16Proof:
        """Parse the 512-byte form; every point is checked (on the curve, in the subgroup); ValueError if not."""
        if len(data) != 512:
            raise ValueError(f"a proof is 512 bytes in the EIP-2537 layout, got {len(data)}")
        return cls(
            a=g1_from_eip2537(data[:128], "proof point a"),
            b=g2_from_eip2537(data[128:384], "proof point b"),
            c=g1_from_eip2537(data[384:], "proof point c"),
        )


def _scalars(values: Sequence[int]) -> list[Scalar]:
    # from bytes: ~50x faster than Scalar(int) for 255-bit values (every value is already below r)
    from_be = Scalar.from_be_bytes
    return [from_be(v.to_bytes(32, "big")) for v in values]


def _msm_g1(points: Sequence[G1Point], ones: list[int], rest: list[int], scalars: list[Scalar]) -> G1Point:
    acc = G1Point.identity()
    for i in ones:
        acc = acc + points[i]
    return acc + G1Point.multiexp_unchecked([points[i] for i in rest], scalars) if rest else acc


def _msm_g2(points: Sequence[G2Point], ones: list[int], rest: list[int], scalars: list[Scalar]) -> G2Point:
    acc = G2Point.identity()
    for i in ones:
        acc = acc + points[i]
    return acc + G2Point.multiexp_unchecked([points[i] for i in rest], scalars) if rest else acc


def prove(pk: ProvingKey, witness: Sequence[int]) -> Groth16Proof:
    """A proof for ``witness`` (the full witness, wire 0 = 1). The witness must satisfy the circuit (the witness
    generator checks that); the caller verifies the result before using it."""
    if len(witness) != pk.n_vars:
        raise ValueError(f"the witness has {len(witness)} wires, the key expects {pk.n_vars}")
    n = 1 << pk.log_domain
    a_t = [0] * n
    b_t = [0] * n
    for m, row, wire, value in pk.coefs:
        if m == 0:
            a_t[row] += value * witness[wire]
        else:
            b_t[row] += value * witness[wire]
    a_t = [x % R for x in a_t]
    b_t = [x % R for x in b_t]
    c_t = [x * y % R for x, y in zip(a_t, b_t, strict=True)]
    a_odd = coset_evaluations(a_t, pk.log_domain)
    b_odd = coset_evaluations(b_t, pk.log_domain)
    c_odd = coset_evaluations(c_t, pk.log_domain)
    h = [(x * y - z) % R for x, y, z in zip(a_odd, b_odd, c_odd, strict=True)]

    # about half of a witness is bits (0 or 1): zeros drop out, ones are plain additions, the MSMs take the rest
    ones = [i for i, x in enumerate(witness) if x == 1]
    rest = [i for i, x in enumerate(witness) if x > 1]
    w_rest = _scalars([witness[i] for i in rest])
    private = pk.n_public + 1
    rest_c = [k for k, i in enumerate(rest) if i >= private]
    r = Scalar(secrets.randbelow(R - 1) + 1)
    s = Scalar(secrets.randbelow(R - 1) + 1)
    pi_a = _msm_g1(pk.a, ones, rest, w_rest) + pk.alpha1 + pk.delta1 * r
    pi_b = _msm_g2(pk.b2, ones, rest, w_rest) + pk.beta2 + pk.delta2 * s
    pib1 = _msm_g1(pk.b1, ones, rest, w_rest) + pk.beta1 + pk.delta1 * s
    c_points = pk.c
    c_sum = G1Point.identity()
    for i in ones:
        if i >= private:
            c_sum = c_sum + c_points[i - private]
    if rest_c:
        c_sum = c_sum + G1Point.multiexp_unchecked(
            [c_points[rest[k] - private] for k in rest_c], [w_rest[k] for k in rest_c]
        )
    pi_c = c_sum + G1Point.multiexp_unchecked(list(pk.h), _scalars(h)) + pi_a * s + pib1 * r - pk.delta1 * (r * s)
    return Groth16Proof(a=pi_a, b=pi_b, c=pi_c)


def verify(vk: VerifyingKey, proof: Groth16Proof, public_inputs: Sequence[int]) -> bool:
    """Whether ``proof`` proves the circuit of ``vk`` for ``public_inputs`` (each below r, as many as the key
    has); False for a wrong count or an input out of range."""
    if len(public_inputs) != vk.n_public or any(not 0 <= x < R for x in public_inputs):
        return False
    ic = vk.ic[0]
    if public_inputs:
        ic = ic + G1Point.multiexp_unchecked(list(vk.ic[1:]), _scalars(public_inputs))
    return bool(
        GT.pairing_check(
            [proof.a, -vk.alpha1, -ic, -proof.c],
            [proof.b, vk.beta2, vk.gamma2, vk.delta2],
        )
    )
