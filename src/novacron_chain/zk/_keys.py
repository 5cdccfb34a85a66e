"""Groth16 keys: the compact proving-key format of our own, the verification key, and snarkjs's ``.zkey`` reader.

Proving key file (``<circuit>.pk``, all integers little-endian, points compressed as arkworks / ZCash write them)::

    magic      8 bytes  b"NCZKPK\\x00\\x01"
    header     5 x u32  n_vars, n_public, log2(domain size), n_values, n_coefs
    alpha1 beta1 (G1, 48 B each), beta2 (G2, 96 B), delta1 (G1), delta2 (G2)
    values     n_values x 32 B big-endian field elements (the distinct coefficients)
    coefs      n_coefs x (u8 matrix 0=A 1=B, u32 constraint, u32 wire, u16 index into values)
    A, B1      n_vars G1 each
    B2         n_vars G2
    C          n_vars - n_public - 1 G1 (the private wires)
    H          domain size G1 (snarkjs's points for the odd coset of the domain)

It is converted once, at build time, from the ``.zkey`` the snarkjs ceremony produced (:func:`read_zkey`; snarkjs
stores field elements little-endian in Montgomery form). The proving key is trusted as committed (its SHA-256 is in
the verification key file), so points are decompressed without the subgroup check; a wrong key can only produce a
proof that fails the verification every proof gets before it is returned.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from py_arkworks_bls12381 import G1Point, G2Point

from ..units import is_digits
from ._field import FIELD_MODULUS as R

__all__ = [
    "ProvingKey",
    "VerifyingKey",
    "g1_from_eip2537",
    "g1_from_snarkjs",
    "g1_to_eip2537",
    "g1_to_snarkjs",
    "g2_from_eip2537",
    "g2_from_snarkjs",
    "g2_to_eip2537",
    "g2_to_snarkjs",
    "read_zkey",
]

Q = int("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16)
MAGIC = b"NCZKPK\x00\x01"
_PAD = bytes(16)
_G1_ID = G1Point.identity()
_G2_ID = G2Point.identity()


# --- EIP-2537 encodings -------------------------------------------------------------------------------------------


def g1_to_eip2537(p: G1Point) -> bytes:
    """128 bytes: ``x | y``, each 16 zero bytes + 48 big-endian; the identity as 128 zero bytes."""
    if p == _G1_ID:
        return bytes(128)
    xy = p.to_xy_bytes_be()
    return _PAD + xy[:48] + _PAD + xy[48:]


def g2_to_eip2537(p: G2Point) -> bytes:
    """256 bytes: ``x.c0 | x.c1 | y.c0 | y.c1``, each 16 zero bytes + 48 big-endian; the identity as zeros."""
    if p == _G2_ID:
        return bytes(256)
    xy = p.to_xy_bytes_be()
    return b"".join(_PAD + xy[i : i + 48] for i in range(0, 192, 48))


def _fp_chunks(data: bytes, count: int, what: str) -> bytes:
    if len(data) != 64 * count:
        raise ValueError(f"{what}: expected {64 * count} bytes, got {len(data)}")
    out = []
    for i in range(count):
        chunk = data[64 * i : 64 * i + 64]
        if chunk[:16] != _PAD or int.from_bytes(chunk[16:], "big") >= Q:
            raise ValueError(f"{what}: coordinate {i} is not a base-field element in the EIP-2537 layout")
        out.append(chunk[16:])
    return b"".join(out)


def g1_from_eip2537(data: bytes, what: str = "G1 point") -> G1Point:
    """Parse 128 bytes; checks the point is on the curve and in the prime-order subgroup (ValueError if not)."""
    if data == bytes(128):
        return G1Point.identity()
    try:
        return G1Point.from_xy_bytes_be(_fp_chunks(data, 2, what))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} is not a point of G1's prime-order subgroup") from exc


def g2_from_eip2537(data: bytes, what: str = "G2 point") -> G2Point:
    """Parse 256 bytes with the same checks."""
    if data == bytes(256):
        return G2Point.identity()
    try:
        return G2Point.from_xy_bytes_be(_fp_chunks(data, 4, what))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} is not a point of G2's prime-order subgroup") from exc


# --- keys ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyingKey:
    """A Groth16 verification key: ``e(A, B) = e(alpha, beta) e(sum x_i IC_i, gamma) e(C, delta)``."""

    alpha1: G1Point
    beta2: G2Point
    gamma2: G2Point
    delta2: G2Point
    ic: tuple[G1Point, ...]

    @property
    def n_public(self) -> int:
        """The number of public inputs."""
        return len(self.ic) - 1

    def to_eip2537(self) -> bytes:
        """``alpha1 || beta2 || gamma2 || delta2 || IC[0..n]`` in the EIP-2537 layout (896 + 128 (n + 1) bytes):
        what the on-chain verifier's constructor takes."""
        return (
            g1_to_eip2537(self.alpha1)
            + g2_to_eip2537(self.beta2)
            + g2_to_eip2537(self.gamma2)
            + g2_to_eip2537(self.delta2)
            + b"".join(g1_to_eip2537(p) for p in self.ic)
        )

    @classmethod
    def from_snarkjs(cls, data: dict[str, Any]) -> VerifyingKey:
        """Parse snarkjs's ``verification_key.json`` shape (decimal strings; G2 as ``[[x.c0, x.c1], [y.c0, y.c1],
        ["1", "0"]]``); every point is checked. ValueError if anything is off."""
        if data.get("protocol") != "groth16" or data.get("curve") != "bls12381":
            raise ValueError("not a Groth16 BLS12-381 verification key")
        ic = data.get("IC")
        if not isinstance(ic, list) or not ic or data.get("nPublic") != len(ic) - 1:
            raise ValueError("IC must list nPublic + 1 G1 points")
        return cls(
            alpha1=g1_from_snarkjs(data.get("vk_alpha_1"), "vk_alpha_1"),
            beta2=g2_from_snarkjs(data.get("vk_beta_2"), "vk_beta_2"),
            gamma2=g2_from_snarkjs(data.get("vk_gamma_2"), "vk_gamma_2"),
            delta2=g2_from_snarkjs(data.get("vk_delta_2"), "vk_delta_2"),
            ic=tuple(g1_from_snarkjs(p, f"IC[{i}]") for i, p in enumerate(ic)),
        )


def _decimal(value: object, what: str) -> int:
    if not isinstance(value, str) or not is_digits(value) or int(value) >= Q:
        raise ValueError(f"{what}: coordinates are decimal strings below p")
    return int(value)


def g1_from_snarkjs(value: object, what: str = "G1 point") -> G1Point:
    """A G1 point from snarkjs's ``[x, y, "1"]`` (``["0", "1", "0"]`` is the identity); checked."""
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError(f"{what} must be [x, y, z]")
    if value[2] == "0":
        return G1Point.identity()
    if value[2] != "1":
        raise ValueError(f"{what} must be affine (z = 1)")
    x, y = _decimal(value[0], what), _decimal(value[1], what)
    return g1_from_eip2537(_PAD + x.to_bytes(48, "big") + _PAD + y.to_bytes(48, "big"), what)


def g2_from_snarkjs(value: object, what: str = "G2 point") -> G2Point:
    """A G2 point from snarkjs's ``[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]``; checked."""
    if not isinstance(value, list) or len(value) != 3 or not all(isinstance(c, list) and len(c) == 2 for c in value):
        raise ValueError(f"{what} must be [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]")
    if value[2] == ["0", "0"]:
        return G2Point.identity()
    if value[2] != ["1", "0"]:
        raise ValueError(f"{what} must be affine (z = 1)")
    coords = [_decimal(v, what) for v in (*value[0], *value[1])]
    return g2_from_eip2537(b"".join(_PAD + c.to_bytes(48, "big") for c in coords), what)


def g1_to_snarkjs(p: G1Point) -> list[str]:
    """snarkjs's ``[x, y, "1"]`` decimal form."""
    if p == _G1_ID:
        return ["0", "1", "0"]
    xy = p.to_xy_bytes_be()
    return [str(int.from_bytes(xy[:48], "big")), str(int.from_bytes(xy[48:], "big")), "1"]


def g2_to_snarkjs(p: G2Point) -> list[list[str]]:
    """snarkjs's ``[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`` decimal form."""
    if p == _G2_ID:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    xy = p.to_xy_bytes_be()
    c = [str(int.from_bytes(xy[i : i + 48], "big")) for i in range(0, 192, 48)]
    return [[c[0], c[1]], [c[2], c[3]], ["1", "0"]]


@dataclass(frozen=True)
class ProvingKey:
    """A Groth16 proving key in memory (see the module docstring for the file format)."""

    n_vars: int
    n_public: int
    log_domain: int
    alpha1: G1Point
    beta1: G1Point
    beta2: G2Point
    delta1: G1Point
    delta2: G2Point
    coefs: tuple[tuple[int, int, int, int], ...]
    a: tuple[G1Point, ...]
    b1: tuple[G1Point, ...]
    b2: tuple[G2Point, ...]
    c: tuple[G1Point, ...]
    h: tuple[G1Point, ...]

    def to_bytes(self) -> bytes:
        """The file format."""
        g1 = _g1c
        g2 = _g2c
        values = sorted({v for _, _, _, v in self.coefs})
        if len(values) > 0xFFFF:
            raise ValueError("too many distinct coefficients for the format (65,535 at most)")
        index = {v: i for i, v in enumerate(values)}
        parts = [
            MAGIC,
            struct.pack("<5I", self.n_vars, self.n_public, self.log_domain, len(values), len(self.coefs)),
            g1(self.alpha1),
            g1(self.beta1),
            g2(self.beta2),
            g1(self.delta1),
            g2(self.delta2),
        ]
        parts += [v.to_bytes(32, "big") for v in values]
        parts += [struct.pack("<BIIH", m, c, s, index[v]) for m, c, s, v in self.coefs]
        parts += [g1(p) for p in self.a]
        parts += [g1(p) for p in self.b1]
        parts += [g2(p) for p in self.b2]
        parts += [g1(p) for p in self.c]
        parts += [g1(p) for p in self.h]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> ProvingKey:
        """Parse the file format (ValueError when it is not one)."""
        if data[:8] != MAGIC:
            raise ValueError("not a NovaCron proving key (bad magic)")
        n_vars, n_public, log_domain, n_values, n_coefs = struct.unpack_from("<5I", data, 8)
        pos = 28

        def take(size: int) -> bytes:
            nonlocal pos
            if pos + size > len(data):
                raise ValueError("the proving key is truncated")
            chunk = data[pos : pos + size]
            pos += size
            return chunk

        def g1s(count: int) -> tuple[G1Point, ...]:
            return tuple(G1Point.from_compressed_bytes_unchecked(take(48)) for _ in range(count))

        def g2s(count: int) -> tuple[G2Point, ...]:
            return tuple(G2Point.from_compressed_bytes_unchecked(take(96)) for _ in range(count))

        alpha1, beta1 = g1s(2)
        (beta2,) = g2s(1)
        (delta1,) = g1s(1)
        (delta2,) = g2s(1)
        values = [int.from_bytes(take(32), "big") for _ in range(n_values)]
        raw = take(11 * n_coefs)
        try:
            coefs = [(m, c, s, values[i]) for m, c, s, i in struct.iter_unpack("<BIIH", raw)]
        except IndexError as exc:
            raise ValueError("a coefficient index is out of range") from exc
        key = cls(
            n_vars=n_vars,
            n_public=n_public,
            log_domain=log_domain,
            alpha1=alpha1,
            beta1=beta1,
            beta2=beta2,
            delta1=delta1,
            delta2=delta2,
            coefs=tuple(coefs),
            a=g1s(n_vars),
            b1=g1s(n_vars),
            b2=g2s(n_vars),
            c=g1s(n_vars - n_public - 1),
            h=g1s(1 << log_domain),
        )
        if pos != len(data):
            raise ValueError("the proving key has trailing bytes")
        return key


def _g1c(p: G1Point) -> bytes:
    return bytes(p.to_compressed_bytes())


def _g2c(p: G2Point) -> bytes:
    return bytes(p.to_compressed_bytes())


# --- snarkjs .zkey ------------------------------------------------------------------------------------------------


def _sections(data: bytes, magic: bytes) -> dict[int, list[bytes]]:
    if data[:4] != magic:
        raise ValueError(f"not a {magic.decode()} file")
    (n_sections,) = struct.unpack_from("<I", data, 8)
    pos = 12
    out: dict[int, list[bytes]] = {}
    for _ in range(n_sections):
        kind, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        out.setdefault(kind, []).append(data[pos : pos + size])
        pos += size
    return out


_R_INV = pow(2**384, -1, Q)


def _fq(raw: bytes) -> int:
    return int.from_bytes(raw, "little") * _R_INV % Q


def _zkey_g1(raw: bytes) -> G1Point:
    x, y = _fq(raw[:48]), _fq(raw[48:96])
    if x == 0 and y == 0:
        return G1Point.identity()
    return G1Point.from_xy_bytes_unchecked_be(x.to_bytes(48, "big") + y.to_bytes(48, "big"))


def _zkey_g2(raw: bytes) -> G2Point:
    coords = [_fq(raw[i : i + 48]) for i in range(0, 192, 48)]
    if not any(coords):
        return G2Point.identity()
    return G2Point.from_xy_bytes_unchecked_be(b"".join(c.to_bytes(48, "big") for c in coords))


def _points(raw: bytes, size: int, parse: Any) -> tuple[Any, ...]:
    return tuple(parse(raw[i : i + size]) for i in range(0, len(raw), size))


def read_zkey(path: Path) -> tuple[ProvingKey, VerifyingKey]:
    """The proving and verification keys in a snarkjs Groth16 ``.zkey`` (BLS12-381)."""
    sec = _sections(path.read_bytes(), b"zkey")
    (protocol,) = struct.unpack_from("<I", sec[1][0])
    if protocol != 1:
        raise ValueError("the zkey is not a Groth16 key")
    hdr = sec[2][0]
    (n8q,) = struct.unpack_from("<I", hdr, 0)
    q = int.from_bytes(hdr[4 : 4 + n8q], "little")
    pos = 4 + n8q
    (n8r,) = struct.unpack_from("<I", hdr, pos)
    r = int.from_bytes(hdr[pos + 4 : pos + 4 + n8r], "little")
    if q != Q or r != R:
        raise ValueError("the zkey is not over BLS12-381")
    pos += 4 + n8r
    n_vars, n_public, domain = struct.unpack_from("<3I", hdr, pos)
    pos += 12
    g1 = hdr[pos : pos + 96]
    alpha1 = _zkey_g1(g1)
    beta1 = _zkey_g1(hdr[pos + 96 : pos + 192])
    beta2 = _zkey_g2(hdr[pos + 192 : pos + 384])
    gamma2 = _zkey_g2(hdr[pos + 384 : pos + 576])
    delta1 = _zkey_g1(hdr[pos + 576 : pos + 672])
    delta2 = _zkey_g2(hdr[pos + 672 : pos + 864])
    ic = _points(sec[3][0], 96, _zkey_g1)
    raw_coefs = sec[4][0]
    (n_coefs,) = struct.unpack_from("<I", raw_coefs, 0)
    coefs = []
    # snarkjs stores each coefficient c as the Montgomery form of c * R^2: the little-endian integer c * R^2 mod r
    r_inv = pow(2**512, -1, R)
    for i in range(n_coefs):
        off = 4 + i * (12 + n8r)
        m, c, s = struct.unpack_from("<3I", raw_coefs, off)
        v = int.from_bytes(raw_coefs[off + 12 : off + 12 + n8r], "little") * r_inv % R
        coefs.append((m, c, s, v))
    log_domain = domain.bit_length() - 1
    pk = ProvingKey(
        n_vars=n_vars,
        n_public=n_public,
        log_domain=log_domain,
        alpha1=alpha1,
        beta1=beta1,
        beta2=beta2,
        delta1=delta1,
        delta2=delta2,
        coefs=tuple(coefs),
        a=_points(sec[5][0], 96, _zkey_g1),
        b1=_points(sec[6][0], 96, _zkey_g1),
        b2=_points(sec[7][0], 192, _zkey_g2),
        c=_points(sec[8][0], 96, _zkey_g1),
        h=_points(sec[9][0], 96, _zkey_g1),
    )
    vk = VerifyingKey(alpha1=alpha1, beta2=beta2, gamma2=gamma2, delta2=delta2, ic=ic)
    return pk, vk
