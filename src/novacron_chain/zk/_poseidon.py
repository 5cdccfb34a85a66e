"""Poseidon over the BLS12-381 scalar field, two inputs: the commitment hash of the circuits.

Same permutation as the circuits' ``Poseidon2`` (circuits/poseidon.circom): circomlib's reference ordering with
parameters generated for this field (t = 3, x^5, 8 full and 57 partial rounds; scripts/zk/poseidon_params.py).
"""

from __future__ import annotations

from ._field import FIELD_MODULUS as R
from ._poseidon_constants import MDS, ROUND_CONSTANTS, ROUNDS_FULL, ROUNDS_PARTIAL

__all__ = ["poseidon2"]

_HALF = ROUNDS_FULL // 2
_M = tuple(tuple(row) for row in MDS)


def poseidon2(a: int, b: int) -> int:
    """``Poseidon(a, b)`` as a field element (the inputs are reduced modulo r)."""
    s0, s1, s2 = 0, a % R, b % R
    c = ROUND_CONSTANTS
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = _M
    for r in range(ROUNDS_FULL + ROUNDS_PARTIAL):
        s0 = pow(s0 + c[3 * r], 5, R)
        if r < _HALF or r >= _HALF + ROUNDS_PARTIAL:
            s1 = pow(s1 + c[3 * r + 1], 5, R)
            s2 = pow(s2 + c[3 * r + 2], 5, R)
        else:
            s1 += c[3 * r + 1]
            s2 += c[3 * r + 2]
        s0, s1, s2 = (
            (m00 * s0 + m01 * s1 + m02 * s2) % R,
            (m10 * s0 + m11 * s1 + m12 * s2) % R,
            (m20 * s0 + m21 * s1 + m22 * s2) % R,
        )
    return s0
