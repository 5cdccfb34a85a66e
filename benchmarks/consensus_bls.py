"""BLS12-381 in Python: sign, aggregate, verify and fast-aggregate-verify rates at the seed's 1,247 validators.

"ours" is ``novacron_chain.consensus`` (py-arkworks-bls12381 underneath); the baseline, measured in the same run, is
py_ecc, the consensus-spec reference. Every library signs with the Ethereum consensus ciphersuite, and the run checks
that they produce the same bytes (the signatures and the aggregate) before timing anything.

* sign: a fresh 32-byte message each time (no hash-to-curve cache), compressed signature out;
* sign, same message: what 1,247 in-process signers of one checkpoint do (ours caches hash-to-curve of a message);
* aggregate 1,247: compressed signatures in (each decompressed and subgroup-checked), compressed aggregate out;
* verify: one signature (bytes) against a parsed public key;
* fast-aggregate-verify of 834 (just over 2/3) and 1,247 keys: parsed keys (an aggregator keeps them), the
  aggregate signature as bytes; py_ecc's API takes keys as bytes and decompresses them on every call;
* batch-verify 1,247 (ours): all 1,247 individual signatures checked at once with random weights;
* parse public key: decompression with the subgroup check (ours caches parsed keys; the cache is cleared here).

py_ecc is slow, so by default its aggregate and fast-aggregate-verify are measured on 60 signatures / keys and scaled
linearly to 1,247 (the rows say "~"); ``--full-reference`` measures them at full size (adds about a minute).
The other candidates of the library choice (milagro-bls-binding, blspy, pyblst) join the table when importable:
``pip install --target /tmp/blsx --no-deps milagro-bls-binding blspy pyblst`` then run with
``PYTHONPATH=/tmp/blsx``.

    cd benchmarks && ../.venv/bin/python consensus_bls.py [--full-reference]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import time
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from novacron_chain.consensus import (
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
    _bls,
    aggregate_signatures,
    batch_verify,
    fast_aggregate_verify,
    verify,
)

from _common import save

N_ALL = 1_247
N_QUORUM = 834  # just over 2/3 of 1,247
REF_SUBSET = 60
MSG = hashlib.sha256(b"checkpoint").digest()

ROWS = [
    ("sign_per_s", "sign (fresh message)", "/s"),
    ("sign_same_message_per_s", "sign, same message (1,247 signers)", "/s"),
    ("aggregate_1247_ms", "aggregate 1,247 signatures", "ms"),
    ("verify_per_s", "verify one signature", "/s"),
    ("fav_834_ms", "fast-aggregate-verify, 834 keys", "ms"),
    ("fav_1247_ms", "fast-aggregate-verify, 1,247 keys", "ms"),
    ("batch_verify_1247_ms", "batch-verify 1,247 signatures", "ms"),
    ("parse_pubkey_per_s", "parse a public key", "/s"),
]


def rate(fn: Callable[[int], Any], count: int) -> float:
    """Calls per second of ``fn(i)`` over ``count`` calls."""
    t0 = time.perf_counter()
    for i in range(count):
        fn(i)
    return count / (time.perf_counter() - t0)


def ms(fn: Callable[[], Any], runs: int = 3) -> float:
    """Best wall time of ``runs`` calls, in milliseconds (best: the machine is shared)."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def messages(count: int, tag: bytes = b"m") -> list[bytes]:
    return [hashlib.sha256(tag + i.to_bytes(4, "big")).digest() for i in range(count)]


class Fixture:
    """1,247 keys, their signatures of MSG and the aggregates, made once with ours and shared by every library."""

    def __init__(self) -> None:
        self.sks = [BlsSecretKey.from_seed(hashlib.sha256(b"v" + i.to_bytes(4, "big")).digest()) for i in range(N_ALL)]
        self.secrets = [int.from_bytes(sk.to_bytes(), "big") for sk in self.sks]
        self.pks = [sk.public_key().to_bytes() for sk in self.sks]
        t0 = time.perf_counter()
        self.sigs = [sk.sign(MSG).to_bytes() for sk in self.sks]
        self.sign_same_rate = N_ALL / (time.perf_counter() - t0)
        self.agg_all = aggregate_signatures([BlsSignature.from_bytes(s) for s in self.sigs]).to_bytes()
        self.agg_quorum = aggregate_signatures([BlsSignature.from_bytes(s) for s in self.sigs[:N_QUORUM]]).to_bytes()


def measure_ours(fx: Fixture) -> dict[str, float]:
    sk = fx.sks[0]
    fresh = messages(400)
    out: dict[str, float] = {"sign_per_s": rate(lambda i: sk.sign(fresh[i]).to_bytes(), 400)}
    out["sign_same_message_per_s"] = fx.sign_same_rate
    out["aggregate_1247_ms"] = ms(
        lambda: aggregate_signatures([BlsSignature.from_bytes(s) for s in fx.sigs]).to_bytes()
    )
    pk = BlsPublicKey.from_bytes(fx.pks[0])
    signed = [sk.sign(m).to_bytes() for m in fresh[:200]]
    out["verify_per_s"] = rate(lambda i: verify(pk, fresh[i], BlsSignature.from_bytes(signed[i])), 200)
    keys = [BlsPublicKey.from_bytes(p) for p in fx.pks]
    for n, agg, key in ((N_QUORUM, fx.agg_quorum, "fav_834_ms"), (N_ALL, fx.agg_all, "fav_1247_ms")):
        assert fast_aggregate_verify(keys[:n], MSG, BlsSignature.from_bytes(agg))
        out[key] = ms(lambda n=n, agg=agg: fast_aggregate_verify(keys[:n], MSG, BlsSignature.from_bytes(agg)), 5)
    sigs = [BlsSignature.from_bytes(s) for s in fx.sigs]
    assert batch_verify(keys, MSG, sigs)
    out["batch_verify_1247_ms"] = ms(lambda: batch_verify(keys, MSG, sigs))

    def parse(i: int) -> None:
        _bls._public_key_from_compressed.cache_clear()
        BlsPublicKey.from_bytes(fx.pks[i])

    out["parse_pubkey_per_s"] = rate(parse, N_ALL)
    return out


def measure_py_ecc(fx: Fixture, full: bool) -> tuple[dict[str, float], list[str]]:
    from py_ecc.bls import G2ProofOfPossession as Ref  # type: ignore[attr-defined]

    fresh = messages(3, b"ref")
    sk = fx.secrets[0]
    out: dict[str, float] = {"sign_per_s": rate(lambda i: Ref.Sign(sk, fresh[i]), 3)}
    assert Ref.Sign(sk, MSG) == fx.sigs[0], "py_ecc and ours disagree on a signature"
    signed = [Ref.Sign(sk, m) for m in fresh[:2]]
    out["verify_per_s"] = rate(lambda i: Ref.Verify(fx.pks[0], fresh[i], signed[i]), 2)
    out["parse_pubkey_per_s"] = rate(lambda i: Ref.KeyValidate(fx.pks[i]), 10)  # decompress + subgroup check
    scaled: list[str] = []
    if full:
        assert Ref.Aggregate(fx.sigs) == fx.agg_all, "py_ecc and ours disagree on the aggregate"
        out["aggregate_1247_ms"] = ms(lambda: Ref.Aggregate(fx.sigs), 1)
        out["fav_834_ms"] = ms(lambda: Ref.FastAggregateVerify(fx.pks[:N_QUORUM], MSG, fx.agg_quorum), 1)
        out["fav_1247_ms"] = ms(lambda: Ref.FastAggregateVerify(fx.pks, MSG, fx.agg_all), 1)
        return out, scaled
    sub = fx.sigs[:REF_SUBSET]
    agg_sub = aggregate_signatures([BlsSignature.from_bytes(s) for s in sub]).to_bytes()
    assert Ref.Aggregate(sub) == agg_sub, "py_ecc and ours disagree on the aggregate"
    out["aggregate_1247_ms"] = ms(lambda: Ref.Aggregate(sub), 1) * N_ALL / REF_SUBSET
    t_sub = ms(lambda: Ref.FastAggregateVerify(fx.pks[:REF_SUBSET], MSG, agg_sub), 1)
    per_key = max(t_sub - 1e3 / out["verify_per_s"], 0.0) / (REF_SUBSET - 1)
    for n, key in ((N_QUORUM, "fav_834_ms"), (N_ALL, "fav_1247_ms")):
        out[key] = t_sub + per_key * (n - REF_SUBSET)
    scaled += ["aggregate_1247_ms", "fav_834_ms", "fav_1247_ms"]
    return out, scaled


def measure_milagro(fx: Fixture) -> dict[str, float]:
    import milagro_bls_binding as m

    skb = fx.sks[0].to_bytes()
    fresh = messages(400)
    out = {"sign_per_s": rate(lambda i: m.Sign(skb, fresh[i]), 400)}
    assert m.Aggregate(fx.sigs) == fx.agg_all
    out["aggregate_1247_ms"] = ms(lambda: m.Aggregate(fx.sigs))
    signed = [m.Sign(skb, x) for x in fresh[:200]]
    out["verify_per_s"] = rate(lambda i: m.Verify(fx.pks[0], fresh[i], signed[i]), 200)
    # milagro has no key objects: keys are bytes, decompressed on every call
    out["fav_834_ms"] = ms(lambda: m.FastAggregateVerify(fx.pks[:N_QUORUM], MSG, fx.agg_quorum))
    out["fav_1247_ms"] = ms(lambda: m.FastAggregateVerify(fx.pks, MSG, fx.agg_all))
    return out


def measure_blspy(fx: Fixture) -> dict[str, float]:
    import blspy

    scheme = blspy.PopSchemeMPL
    sk = blspy.PrivateKey.from_bytes(fx.sks[0].to_bytes())
    fresh = messages(400)
    out = {"sign_per_s": rate(lambda i: bytes(scheme.sign(sk, fresh[i])), 400)}
    parse_sigs: Callable[[Sequence[bytes]], list[Any]] = lambda sigs: [blspy.G2Element.from_bytes(s) for s in sigs]  # noqa: E731
    assert bytes(scheme.aggregate(parse_sigs(fx.sigs))) == fx.agg_all
    out["aggregate_1247_ms"] = ms(lambda: bytes(scheme.aggregate(parse_sigs(fx.sigs))))
    pk = blspy.G1Element.from_bytes(fx.pks[0])
    signed = [bytes(scheme.sign(sk, x)) for x in fresh[:200]]
    out["verify_per_s"] = rate(lambda i: scheme.verify(pk, fresh[i], blspy.G2Element.from_bytes(signed[i])), 200)
    keys = [blspy.G1Element.from_bytes(p) for p in fx.pks]
    for n, agg, key in ((N_QUORUM, fx.agg_quorum, "fav_834_ms"), (N_ALL, fx.agg_all, "fav_1247_ms")):
        out[key] = ms(lambda n=n, agg=agg: scheme.fast_aggregate_verify(keys[:n], MSG, blspy.G2Element.from_bytes(agg)))
    out["parse_pubkey_per_s"] = rate(lambda i: blspy.G1Element.from_bytes(fx.pks[i]), N_ALL)
    return out


def measure_pyblst(fx: Fixture) -> dict[str, float]:
    import pyblst

    dst = _bls.SIG_DST
    g1 = pyblst.BlstP1Element().uncompress(_bls._G1_GENERATOR.to_compressed_bytes())
    secret = fx.secrets[0]
    fresh = messages(400)

    def sign(message: bytes) -> bytes:
        return bytes(pyblst.BlstP2Element().hash_to_group(message, dst).scalar_mul(secret).compress())

    def aggregate(sigs: Sequence[bytes]) -> bytes:
        acc = pyblst.BlstP2Element().uncompress(sigs[0])
        for s in sigs[1:]:
            acc = acc + pyblst.BlstP2Element().uncompress(s)
        return bytes(acc.compress())

    def check(pk: Any, message: bytes, sig: bytes) -> bool:
        h = pyblst.BlstP2Element().hash_to_group(message, dst)
        return bool(
            pyblst.final_verify(
                pyblst.miller_loop(pk, h), pyblst.miller_loop(g1, pyblst.BlstP2Element().uncompress(sig))
            )
        )

    out = {"sign_per_s": rate(lambda i: sign(fresh[i]), 400)}
    assert aggregate(fx.sigs) == fx.agg_all
    out["aggregate_1247_ms"] = ms(lambda: aggregate(fx.sigs))
    pk = pyblst.BlstP1Element().uncompress(fx.pks[0])
    signed = [sign(x) for x in fresh[:200]]
    out["verify_per_s"] = rate(lambda i: check(pk, fresh[i], signed[i]), 200)
    keys = [pyblst.BlstP1Element().uncompress(p) for p in fx.pks]

    def fav(n: int, agg: bytes) -> bool:
        acc = keys[0]
        for k in keys[1:n]:
            acc = acc + k
        return check(acc, MSG, agg)

    for n, agg, key in ((N_QUORUM, fx.agg_quorum, "fav_834_ms"), (N_ALL, fx.agg_all, "fav_1247_ms")):
        assert fav(n, agg)
        out[key] = ms(lambda n=n, agg=agg: fav(n, agg))
    out["parse_pubkey_per_s"] = rate(lambda i: pyblst.BlstP1Element().uncompress(fx.pks[i]), N_ALL)
    return out


CANDIDATES = {
    "milagro-bls-binding": ("milagro_bls_binding", measure_milagro),
    "blspy": ("blspy", measure_blspy),
    "pyblst": ("pyblst", measure_pyblst),
}


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def show(value: float | None, unit: str, scaled: bool) -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"
    return ("~" if scaled else "") + text + (" ms" if unit == "ms" else "/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full-reference", action="store_true", help="measure py_ecc at full size (slow)")
    args = ap.parse_args()
    started = time.perf_counter()
    fx = Fixture()
    ours = measure_ours(fx)
    ref, scaled = measure_py_ecc(fx, args.full_reference)
    others = {name: fn(fx) for name, (module, fn) in CANDIDATES.items() if importlib.util.find_spec(module) is not None}

    # speed-up of ours over py_ecc: rates divide one way, times the other
    ratios = {
        key: (ours[key] / ref[key] if unit == "/s" else ref[key] / ours[key])
        for key, _, unit in ROWS
        if key in ours and key in ref
    }
    table = Table(title=f"BLS12-381 in Python, 1 core (ours = py-arkworks-bls12381 {version('py-arkworks-bls12381')})")
    table.add_column("operation")
    table.add_column("ours", justify="right")
    table.add_column(f"py_ecc {version('py_ecc')}", justify="right")
    table.add_column("ours / py_ecc", justify="right")
    for name in others:
        table.add_column(f"{name} {version(name)}", justify="right")
    for key, label, unit in ROWS:
        table.add_row(
            label,
            show(ours.get(key), unit, False),
            show(ref.get(key), unit, key in scaled),
            f"{ratios[key]:,.0f}x" if key in ratios else "-",
            *(show(o.get(key), unit, False) for o in others.values()),
        )
    Console(width=150).print(table)
    print(f"(~: py_ecc measured on {REF_SUBSET} and scaled linearly; --full-reference measures it) ")
    print(f"total {time.perf_counter() - started:.1f} s")
    save(
        "consensus_bls",
        {
            "library": f"py-arkworks-bls12381 {version('py-arkworks-bls12381')}",
            "baseline": f"py_ecc {version('py_ecc')}",
            "validators": N_ALL,
            "quorum": N_QUORUM,
            "ours": {k: round(v, 3) for k, v in ours.items()},
            "py_ecc": {k: round(v, 3) for k, v in ref.items()},
            "py_ecc_scaled_from_subset": scaled,
            "speedup_over_py_ecc": {k: round(v, 1) for k, v in ratios.items()},
            "candidates": {
                f"{name} {version(name)}": {k: round(v, 3) for k, v in o.items()} for name, o in others.items()
            },
        },
    )


if __name__ == "__main__":
    main()
