"""Integer lemmas of the money math, proven by cvc5 (`make halmos` runs this after halmos; test-time only).

Halmos proves what the contracts compute, bit for bit: the halmos test named in a lemma file's header shows that a
contract's result is exactly a formula over its inputs, evaluated unchecked (a wrap-around cannot hide behind a
revert). Some properties of those formulas (a product of two symbolic values, a division by a symbolic divisor) are
beyond bit-vector solvers at full width; over the unbounded integers they are small nonlinear problems. Each file in
`lemmas/` states one such property over the integers, with the formula copied from the contract (the halmos test
named in its header is the link), proves that no step of it reaches 2**256 within the input types, and asserts its
negation: the lemma holds when cvc5 answers `unsat`.

A file may check several goals, each inside `(push 1)` ... `(pop 1)` after shared declarations: every
`(check-sat)` must answer `unsat`. `sat` is a counterexample (printed with its model); `unknown` or a timeout is
reported as not proven, never as proven.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def prove(path: pathlib.Path, limit_ms: int) -> tuple[str, float, str]:
    """Every check-sat in `path` must answer unsat: (verdict, seconds, detail)."""
    import cvc5

    tm = cvc5.TermManager()
    started = time.perf_counter()
    solver = cvc5.Solver(tm)
    solver.setOption("produce-models", "true")
    solver.setOption("incremental", "true")
    solver.setOption("tlimit-per", str(limit_ms))
    symbols = cvc5.SymbolManager(tm)
    parser = cvc5.InputParser(solver, symbols)
    parser.setFileInput(cvc5.InputLanguage.SMT_LIB_2_6, str(path))
    checks = 0
    while True:
        cmd = parser.nextCommand()
        if cmd.isNull():
            break
        text = str(cmd)
        if text.startswith("(get-model"):
            continue
        result = cmd.invoke(solver, symbols).strip()
        if text.startswith("(check-sat"):
            checks += 1
            if result == "sat":
                model = _model(solver, symbols)
                return "COUNTEREXAMPLE", time.perf_counter() - started, f"goal {checks}: {model}"
            if result != "unsat":
                return "NOT PROVEN", time.perf_counter() - started, f"goal {checks}: {result}"
    if checks == 0:
        return "NOT PROVEN", time.perf_counter() - started, "no (check-sat) in the file"
    return "PROVEN", time.perf_counter() - started, f"{checks} goal(s) unsat"


def _model(solver: object, symbols: object) -> str:
    terms = symbols.getDeclaredTerms()  # type: ignore[attr-defined]
    return ", ".join(f"{t} = {solver.getValue(t)}" for t in terms)  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=pathlib.Path, help="lemma files (default: lemmas/*.smt2)")
    parser.add_argument("--limit-ms", type=int, default=60_000, help="time limit per check-sat (default 60 s)")
    args = parser.parse_args()
    files = args.files or sorted((HERE / "lemmas").glob("*.smt2"))
    failed = 0
    for path in files:
        verdict, seconds, detail = prove(path, args.limit_ms)
        print(f"[{verdict}] {path.name} ({seconds:.2f}s) {detail}")
        failed += verdict != "PROVEN"
    print(f"lemmas: {len(files) - failed} proven, {failed} not")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
