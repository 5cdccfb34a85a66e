"""Build NovaCron's ZK circuits and keys (node at build time only; nothing here runs in the installed package).

    python scripts/zk/build.py                 compile the circuits, convert the committed ceremony's keys, write
                                               src/novacron_chain/zk/artifacts/ (deterministic)
    python scripts/zk/build.py --check         the same into a temp dir; fail if anything committed differs (CI)
    python scripts/zk/build.py --ceremony      run a NEW trusted-setup ceremony first (invalidates every proof and
                                               every deployed verifier): powers of tau (bls12381, 2^10) with two
                                               contributions and a beacon, then per circuit a phase 2 with two
                                               contributions and a beacon; writes circuits/ceremony/
    python scripts/zk/build.py --verify-setup  check the committed ceremony with snarkjs (powersoftau verify, the
                                               phase-2 preparation, zkey verify against each circuit) and --check

Tools: circom2 (circom 2.2.3 compiled to wasm) and snarkjs from node_modules (GPL-3.0 build tools); the witness
generators they produce contain only our circuits (circuits/*.circom, Apache-2.0: no circomlib code).

Trust: a Groth16 key is sound if at least one contribution of each phase was made honestly and its randomness
destroyed. The contributions of the committed ceremony were made by this script on the build machine
(os.urandom entropy, never stored); the beacon is a public value that only rules out a last contributor choosing
the outcome. Anyone can add a contribution with `snarkjs zkey contribute` and re-run the conversion; a production
deployment should do that with independent parties.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from novacron_chain.zk._keys import read_zkey  # noqa: E402

CIRCUITS = {
    "compare": ["commitment", "op", "threshold", "context"],
    "member": ["commitment", *(f"set[{i}]" for i in range(8)), "context"],
}
CIRCUIT_DIR = ROOT / "circuits"
CEREMONY = CIRCUIT_DIR / "ceremony"
ARTIFACTS = ROOT / "src/novacron_chain/zk/artifacts"
BIN = ROOT / "node_modules/.bin"
POWER = 10
#: the public beacon of the committed ceremony: sha256 of this text (documented, not secret)
BEACON_TEXT = "NovaCron Chain ZK ceremony, 2026-12-02, issue 18"
BEACON_ITERATIONS = 10
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str | Path, log: list[str] | None = None) -> str:
    cmd = [str(a) for a in args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    out = _ANSI.sub("", proc.stdout + proc.stderr)
    if proc.returncode != 0 or "[ERROR]" in out:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out}")
    if log is not None:
        log.append("$ " + " ".join(c if not c.startswith("-e=") else "-e=<secret entropy>" for c in cmd) + "\n" + out)
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compile_circuits(out: Path) -> dict[str, dict[str, object]]:
    info: dict[str, dict[str, object]] = {}
    for name in CIRCUITS:
        text = run(
            BIN / "circom2",
            CIRCUIT_DIR / f"{name}.circom",
            "--r1cs",
            "--wasm",
            "--O2",
            "--prime",
            "bls12381",
            "-o",
            out,
        )
        m = re.search(r"non-linear constraints: (\d+)", text)
        info[name] = {"constraints": int(m.group(1)) if m else None}
    return info


def ceremony(build: Path) -> None:
    CEREMONY.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    beacon = hashlib.sha256(BEACON_TEXT.encode()).hexdigest()
    s = BIN / "snarkjs"
    pot = [build / f"pot_{i}.ptau" for i in range(4)]
    run(s, "powersoftau", "new", "bls12381", str(POWER), pot[0], log=log)
    for i in (1, 2):
        entropy = f"-e={os.urandom(64).hex()}"
        run(s, "powersoftau", "contribute", pot[i - 1], pot[i], f"--name=novacron-build-{i}", entropy, log=log)
    run(s, "powersoftau", "beacon", pot[2], pot[3], beacon, str(BEACON_ITERATIONS), "-n=public beacon", log=log)
    shutil.copy(pot[3], CEREMONY / "pot.ptau")
    final = build / "pot_final.ptau"
    run(s, "powersoftau", "prepare", "phase2", pot[3], final, log=log)
    for name in CIRCUITS:
        r1cs = build / f"{name}.r1cs"
        z = [build / f"{name}_{i}.zkey" for i in range(4)]
        run(s, "groth16", "setup", r1cs, final, z[0], log=log)
        for i in (1, 2):
            entropy = f"-e={os.urandom(64).hex()}"
            run(s, "zkey", "contribute", z[i - 1], z[i], f"--name=novacron-build-{i}", entropy, log=log)
        run(s, "zkey", "beacon", z[2], z[3], beacon, str(BEACON_ITERATIONS), "-n=public beacon", log=log)
        shutil.copy(z[3], CEREMONY / f"{name}.zkey")
        shutil.copy(r1cs, CEREMONY / f"{name}.r1cs")
    (CEREMONY / "ceremony.log").write_text("\n".join(log))
    (CEREMONY / "beacon.json").write_text(
        json.dumps({"text": BEACON_TEXT, "sha256": beacon, "iterations_log2": BEACON_ITERATIONS}, indent=2) + "\n"
    )


def artifacts(build: Path, out: Path, info: dict[str, dict[str, object]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {}
    for name, publics in CIRCUITS.items():
        r1cs = build / f"{name}.r1cs"
        if sha256(r1cs) != sha256(CEREMONY / f"{name}.r1cs"):
            raise SystemExit(f"circuits/{name}.circom no longer compiles to the ceremony's r1cs: run --ceremony")
        shutil.copy(build / f"{name}_js" / f"{name}.wasm", out / f"{name}.wasm")
        pk, _ = read_zkey(CEREMONY / f"{name}.zkey")
        (out / f"{name}.pk").write_bytes(pk.to_bytes())
        with tempfile.TemporaryDirectory() as tmp:
            vk_path = Path(tmp) / "vk.json"
            run(BIN / "snarkjs", "zkey", "export", "verificationkey", CEREMONY / f"{name}.zkey", vk_path)
            vk = json.loads(vk_path.read_text())
        vk["circuit"] = name
        vk["publicInputs"] = publics
        (out / f"{name}.vk.json").write_text(json.dumps(vk, indent=1) + "\n")
        manifest[name] = {
            "constraints": info[name]["constraints"],
            "publicInputs": publics,
            "wasm": sha256(out / f"{name}.wasm"),
            "pk": sha256(out / f"{name}.pk"),
            "vk": sha256(out / f"{name}.vk.json"),
            "r1cs": sha256(CEREMONY / f"{name}.r1cs"),
            "zkey": sha256(CEREMONY / f"{name}.zkey"),
        }
    manifest["ptau"] = sha256(CEREMONY / "pot.ptau")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def verify_setup(build: Path) -> None:
    s = BIN / "snarkjs"
    print("powers of tau:", run(s, "powersoftau", "verify", CEREMONY / "pot.ptau").strip().splitlines()[-1])
    final = build / "pot_final.ptau"
    run(s, "powersoftau", "prepare", "phase2", CEREMONY / "pot.ptau", final)
    for name in CIRCUITS:
        text = run(s, "zkey", "verify", CEREMONY / f"{name}.r1cs", final, CEREMONY / f"{name}.zkey")
        if "ZKey Ok!" not in text:
            raise SystemExit(f"zkey verify failed for {name}:\n{text}")
        print(f"{name}: zkey verifies against its r1cs and the powers of tau (ZKey Ok!)")


def main(argv: list[str]) -> int:
    subprocess.run([sys.executable, str(ROOT / "scripts/zk/poseidon_params.py"), "--check"], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp)
        info = compile_circuits(build)
        if "--ceremony" in argv:
            ceremony(build)
        if "--verify-setup" in argv:
            verify_setup(build)
        if "--check" in argv or "--verify-setup" in argv:
            out = build / "artifacts"
            artifacts(build, out, info)
            stale = [
                f.name
                for f in sorted(out.iterdir())
                if not (ARTIFACTS / f.name).exists() or (ARTIFACTS / f.name).read_bytes() != f.read_bytes()
            ]
            if stale:
                print("stale ZK artifacts:", ", ".join(stale), "- run python scripts/zk/build.py")
                return 1
            print("ZK artifacts up to date:", ", ".join(sorted(f.name for f in out.iterdir())))
            return 0
        artifacts(build, ARTIFACTS, info)
        print("wrote", ", ".join(sorted(f.name for f in ARTIFACTS.iterdir() if f.is_file())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
