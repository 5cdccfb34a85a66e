"""The BLS12-381 scalar field: its modulus, the roots of unity snarkjs uses, and a radix-2 NTT in Python ints.

The proving key's H points are Lagrange points of the odd coset ``w_2n^(2i+1)`` of snarkjs's evaluation domain, so
the roots must be exactly ffjavascript's: ``w_(2^s) = nqr^t`` with ``nqr`` the smallest quadratic non-residue and
``r - 1 = 2^s * t``, and ``w_(2^k) = w_(2^(k+1))^2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

__all__ = ["FIELD_MODULUS", "coset_evaluations", "root_of_unity"]

#: r, the order of BLS12-381's G1 and G2: every circuit value lives modulo r
FIELD_MODULUS = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
R = FIELD_MODULUS


def _two_adicity() -> tuple[int, int]:
    s, t = 0, R - 1
    while t % 2 == 0:
        s, t = s + 1, t // 2
    return s, t


_S, _T = _two_adicity()


def _smallest_non_residue() -> int:
    n = 2
    while pow(n, (R - 1) // 2, R) != R - 1:
        n += 1
    return n


_NQR = _smallest_non_residue()


@lru_cache(maxsize=64)
def root_of_unity(log_n: int) -> int:
    """ffjavascript's primitive ``2^log_n``-th root of unity."""
    if not 0 <= log_n <= _S:
        raise ValueError(f"the field has no 2^{log_n}-th roots of unity")
    w = pow(_NQR, _T, R)
    for _ in range(_S - log_n):
        w = w * w % R
    return w


@lru_cache(maxsize=64)
def _twiddles(log_n: int, inverse: bool) -> tuple[int, ...]:
    n = 1 << log_n
    w = root_of_unity(log_n)
    if inverse:
        w = pow(w, -1, R)
    out = [1] * (n // 2)
    for i in range(1, n // 2):
        out[i] = out[i - 1] * w % R
    return tuple(out)


@lru_cache(maxsize=64)
def _bit_reverse(log_n: int) -> tuple[int, ...]:
    n = 1 << log_n
    return tuple(int(format(i, f"0{log_n}b")[::-1], 2) if log_n else 0 for i in range(n))


def _ntt(values: Sequence[int], log_n: int, inverse: bool) -> list[int]:
    """Evaluations at ``w^i`` of the polynomial with coefficients ``values`` (or the inverse transform)."""
    n = 1 << log_n
    rev = _bit_reverse(log_n)
    a = [values[rev[i]] for i in range(n)]
    tw = _twiddles(log_n, inverse)
    half = 1
    while half < n:
        step = n // (2 * half)
        for start in range(0, n, 2 * half):
            k = 0
            for j in range(start, start + half):
                u = a[j]
                v = a[j + half] * tw[k] % R
                a[j] = (u + v) % R
                a[j + half] = (u - v) % R
                k += step
        half *= 2
    if inverse:
        n_inv = pow(n, -1, R)
        a = [x * n_inv % R for x in a]
    return a


def coset_evaluations(evaluations: Sequence[int], log_n: int) -> list[int]:
    """From a polynomial's evaluations on the domain ``w_n^i``, its evaluations on the odd coset ``w_2n * w_n^i``
    (snarkjs's ``ifft``, ``batchApplyKey(1, w_2n)``, ``fft``)."""
    coefficients = _ntt(evaluations, log_n, inverse=True)
    shift = root_of_unity(log_n + 1)
    factor = 1
    for i in range(len(coefficients)):
        coefficients[i] = coefficients[i] * factor % R
        factor = factor * shift % R
    return _ntt(coefficients, log_n, inverse=False)
