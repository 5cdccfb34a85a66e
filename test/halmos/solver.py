"""SMT solver portfolio for `make halmos` (halmos's `--solver-command`; test-time only, runs in .halmos-venv).

Halmos writes each query as an SMT-LIB file and reads `unsat` / `sat` + model from this script's stdout. The
queries of test/halmos are 256-bit bit-vector arithmetic; no one solver answers all of them in time:

1. cvc5 solving bit-vectors as integers (`solve-bv-as-int=iand`) proves in milliseconds the queries that are linear
   once the widths are gone (a product by a constant, a division by 10,000, a 512-bit remainder);
2. Bitwuzla (bit-blasting) proves the ones with a symbolic divisor or a product of two symbolic values over narrow
   effective widths.

Each runs in this process with its own time limit (no child process outlives a halmos timeout); the first definite
answer is printed. `unknown` is printed when neither answers, which halmos reports as a timeout, never as a proof.
Both solvers come from PyPI (cvc5: BSD-3-Clause, bitwuzla: MIT).
"""

from __future__ import annotations

import os
import sys

# per-solver limits in milliseconds; halmos's --solver-timeout-assertion bounds the whole script
CVC5_MS = int(os.environ.get("HALMOS_CVC5_MS", "4000"))
BITWUZLA_MS = int(os.environ.get("HALMOS_BITWUZLA_MS", "150000"))


def _cvc5(path: str) -> str:
    import cvc5

    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    solver.setOption("produce-models", "true")
    solver.setOption("solve-bv-as-int", "iand")
    solver.setOption("iand-mode", "bitwise")
    solver.setOption("tlimit-per", str(CVC5_MS))
    symbols = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, symbols)
    parser.setFileInput(cvc5.InputLanguage.SMT_LIB_2_6, path)
    out: list[str] = []
    status = "unknown"
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        text = str(cmd)
        if text.startswith("(get-model"):
            if status == "sat":
                out.append(cmd.invoke(solver, symbols))
            continue
        result = cmd.invoke(solver, symbols)
        if text.startswith("(check-sat"):
            status = result.strip()
            if status not in ("sat", "unsat"):
                return "unknown"
            out.append(status + "\n")
    return "".join(out) if status in ("sat", "unsat") else "unknown"


def _bitwuzla(path: str) -> str:
    import io
    import tempfile

    import bitwuzla

    tm = bitwuzla.TermManager()
    opts = bitwuzla.Options()
    opts.set(bitwuzla.Option.PRODUCE_MODELS, True)
    opts.set(bitwuzla.Option.TIME_LIMIT_PER, BITWUZLA_MS)
    # the parser prints to the process's stdout (C++ side): capture it through the file descriptor
    with tempfile.TemporaryFile(mode="w+") as tmp:
        sys.stdout.flush()
        saved = os.dup(1)
        os.dup2(tmp.fileno(), 1)
        try:
            bitwuzla.Parser(tm, opts).parse(path)
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read()
    first = io.StringIO(text).readline().strip()
    return text if first in ("sat", "unsat") else "unknown"


def main() -> None:
    path = sys.argv[-1]
    answer = "unknown"
    for solve in (_cvc5, _bitwuzla):
        try:
            answer = solve(path)
        except Exception:  # a solver that cannot read the query just passes it on
            answer = "unknown"
        if answer != "unknown":
            break
    sys.stdout.write(answer if answer.endswith("\n") else answer + "\n")


if __name__ == "__main__":
    main()
