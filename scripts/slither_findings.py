"""Record Slither's findings for every shipped contract, so that an audit needs no Slither at run time.

    python scripts/slither_findings.py [--check] [--slither PATH] [--from-json SLITHER.json]

Runs Slither once over ``contracts/`` (every detector, every severity; only ``filter_paths`` of slither.config.json
applies) with ``--show-ignored-findings --json``, and writes src/novacron_chain/security/slither-findings.json:
for each artifact of src/novacron_chain/artifacts/, every finding in the files its build compiles (its source and
what that imports, transitively, within contracts/), with detector, impact, confidence, description and source
lines, and whether it is justified (findings in files no artifact compiles, such as test helpers, are kept under
``unattributed_findings`` and held to the same bar):

* at the code: a ``// slither-disable-next-line DETECTOR[,...]`` comment on the line above (Slither hides those by
  default); the justification is the comment text right above that line (and any text after the detector list);
* project-wide: a detector listed in slither.config.json's ``detectors_to_exclude``.

``--check`` writes nothing and exits 1 when the committed file differs from this run (CI: like
``node scripts/compile.js --check``). Either way it exits 1 when a finding of medium or high impact is not justified
(the bar CI holds; ``--fail-medium`` before). The output is deterministic: sorted, relative paths only.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "src" / "novacron_chain" / "artifacts"
OUT = ROOT / "src" / "novacron_chain" / "security" / "slither-findings.json"
CONFIG = ROOT / "slither.config.json"
IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")  # most severe first
BLOCKING = ("High", "Medium")

_IMPORT = re.compile(r"""^\s*import\s+[^;]*?["']([^"']+)["']\s*;""", re.MULTILINE)
# Slither's own matcher (slither_core.has_ignore_comment): the directive alone on the line above an element
_DISABLE = re.compile(r"^\s*//\s*slither-disable-(next-line|start|end)\s*([a-zA-Z0-9_,-]*)(.*)$")
_DIRECTIVE = re.compile(r"slither-disable|forge-lint:|solhint-|forgefmt:")
_COMMENT = re.compile(r"^\s*//+\s?(.*)$")


def run_slither(slither: str, filter_paths: str) -> dict[str, Any]:
    """Slither's JSON over the repository (built through forge with the solc shim, as the Makefile does)."""
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["HOME"] = os.environ.get("TMPDIR", "/tmp")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "slither.json"
        # a config of our own: Slither reads ./slither.config.json by default, whose exclusions are CI's bar
        # (medium and high), not what this record keeps (everything)
        config = Path(tmp) / "slither.config.json"
        config.write_text(json.dumps({"filter_paths": filter_paths}))
        cmd = [slither, ".", "--config-file", str(config), "--show-ignored-findings", "--json", str(out)]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if not out.exists():
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"slither failed (exit {proc.returncode}) and wrote no JSON")
        data: dict[str, Any] = json.loads(out.read_text())
    if not data.get("success"):
        raise SystemExit(f"slither failed: {data.get('error')}")
    return data


def _relative(path: str) -> str:
    p = Path(path)
    return p.relative_to(ROOT).as_posix() if p.is_absolute() else p.as_posix()


def import_closure(source: str) -> list[str]:
    """The files under contracts/ that compiling ``source`` reads: itself and its imports, transitively."""
    seen: set[str] = set()
    todo = [source]
    while todo:
        rel = todo.pop()
        if rel in seen or not (ROOT / rel).is_file():
            continue
        seen.add(rel)
        for target in _IMPORT.findall((ROOT / rel).read_text()):
            if target.startswith("."):  # package imports (@openzeppelin/...) are not ours to analyse
                todo.append(os.path.normpath(Path(rel).parent / target).replace(os.sep, "/"))
    return sorted(seen)


@dataclass(frozen=True)
class Justification:
    """One directive at the code: it covers ``detectors`` on line ``first`` (next-line) or strictly between the
    start and end directives (``first`` to ``last``)."""

    file: str
    line: int  # the directive's own line (a range: its start directive)
    first: int
    last: int
    detectors: tuple[str, ...]
    reason: str

    def covers(self, file: str, lines: list[int], check: str) -> bool:
        """Whether Slither ignores a finding element at ``lines`` of ``file`` for ``check`` by this directive."""
        if file != self.file or not ({check, "all"} & set(self.detectors)):
            return False
        return (
            self.first <= min(lines) and max(lines) <= self.last if self.last > self.first else min(lines) == self.first
        )


def _reason(lines: list[str], i: int, extra: str) -> str:
    """The comment block right above line ``i`` (up to another directive: a ``forge-lint:`` line has a reason of
    its own) and ``extra`` (text after the directive, a trailing comment on the covered line)."""
    above: list[str] = []
    j = i - 1
    while j >= 0 and (c := _COMMENT.match(lines[j])) and not _DIRECTIVE.search(lines[j]):
        above.insert(0, c.group(1).strip())
        j -= 1
    return " ".join(part for part in [*above, extra] if part) or "(no reason given at the code)"


def justifications() -> list[Justification]:
    """The ``slither-disable-next-line`` and ``slither-disable-start``/``-end`` directives under contracts/."""
    out: list[Justification] = []
    for path in sorted((ROOT / "contracts").rglob("*.sol")):
        rel = path.relative_to(ROOT).as_posix()
        lines = path.read_text().splitlines()
        open_ranges: dict[str, tuple[int, str]] = {}
        for i, text in enumerate(lines):
            m = _DISABLE.match(text)
            if not m:
                continue
            kind, dets, rest = m.group(1), tuple(d for d in m.group(2).split(",") if d), m.group(3).strip()
            if kind == "next-line":
                covered = lines[i + 1] if i + 1 < len(lines) else ""
                trailing = covered.split("//", 1)[1].strip() if "//" in covered else ""
                extra = " ".join(t for t in (rest, trailing) if t)
                out.append(Justification(rel, i + 1, i + 2, i + 2, dets, _reason(lines, i, extra)))
            elif kind == "start":
                for d in dets:
                    open_ranges[d] = (i, _reason(lines, i, rest))
            else:  # end: Slither ignores what lies strictly between the two directives
                for d in dets:
                    if d in open_ranges:
                        start, why = open_ranges.pop(d)
                        out.append(Justification(rel, start + 1, start + 2, i, (d,), why))
    return out


def _lines(element: dict[str, Any]) -> tuple[str, list[int]]:
    sm = element.get("source_mapping") or {}
    return _relative(sm.get("filename_relative", "")), list(sm.get("lines") or [])


def findings(data: dict[str, Any], excluded: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The findings (each with its file, justified or not), and the code justifications that matched none."""
    directives = justifications()
    used: set[Justification] = set()
    out = []
    for d in data["results"].get("detectors", []):
        elements = [e for e in d.get("elements", []) if e.get("source_mapping")]
        file, lines = _lines(elements[0]) if elements else ("", [])
        check = d["check"]
        reasons: list[str] = []
        for e in elements:  # Slither ignores a finding when a directive covers any one of its elements
            efile, elines = _lines(e)
            for j in directives:
                if elines and j.covers(efile, elines, check):
                    used.add(j)
                    if j.reason not in reasons:
                        reasons.append(j.reason)
        reason = " / ".join(reasons) if reasons else None
        if reason is None and check in excluded:
            reason = "excluded project-wide: slither.config.json lists the detector in detectors_to_exclude"
        out.append(
            {
                "detector": check,
                "impact": d["impact"],
                "confidence": d["confidence"],
                "description": "\n".join(s.rstrip() for s in d["description"].strip().splitlines()).replace(
                    str(ROOT) + "/", ""
                ),
                "file": file,
                "lines": [min(lines), max(lines)] if lines else [],
                "justified": reason is not None,
                "justification": reason,
            }
        )
    out.sort(key=lambda f: (IMPACTS.index(f["impact"]), f["file"], f["lines"], f["detector"], f["description"]))
    unused = [
        {"file": j.file, "line": j.line, "detectors": list(j.detectors), "justification": j.reason}
        for j in directives
        if j not in used
    ]
    return out, unused


def build(data: dict[str, Any], version: str, config: dict[str, Any]) -> dict[str, Any]:
    """The findings file's content: per artifact, the findings in the files its build compiles."""
    excluded = {d.strip() for d in str(config.get("detectors_to_exclude", "")).split(",") if d.strip()}
    all_findings, unused = findings(data, excluded)
    contracts: dict[str, Any] = {}
    for path in sorted(ARTIFACTS.glob("*.json")):
        artifact = json.loads(path.read_text())
        sources = import_closure(artifact["sourceName"])
        mine = [f for f in all_findings if f["file"] in sources]
        contracts[path.stem] = {
            "source": artifact["sourceName"],
            "sources": sources,
            "counts": {i: sum(1 for f in mine if f["impact"] == i) for i in IMPACTS},
            "unjustified_medium_high": sum(1 for f in mine if f["impact"] in BLOCKING and not f["justified"]),
            "findings": mine,
        }
    covered = {file for c in contracts.values() for file in c["sources"]}
    return {
        "unattributed_findings": [f for f in all_findings if f["file"] not in covered],
        "generated_by": "scripts/slither_findings.py (make slither-findings); do not edit by hand",
        "slither": version,
        "filter_paths": config.get("filter_paths", ""),
        "contracts": contracts,
        "unmatched_justifications": unused,
    }


def render(content: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, one space indent (as the artifacts), trailing newline."""
    return json.dumps(content, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file; write nothing")
    parser.add_argument("--slither", default=str(ROOT / ".slither-venv" / "bin" / "slither"))
    parser.add_argument("--from-json", type=Path, help="use this Slither --json output instead of running Slither")
    args = parser.parse_args(argv)
    config = json.loads(CONFIG.read_text())
    filter_paths = str(config.get("filter_paths", "node_modules"))
    data = json.loads(args.from_json.read_text()) if args.from_json else run_slither(args.slither, filter_paths)
    version_cmd = [
        str(Path(args.slither).parent / "python"),
        "-c",
        "import importlib.metadata as m;print(m.version('slither-analyzer'))",
    ]
    try:
        version = subprocess.run(version_cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        version = "unknown"
    text = render(build(data, version, config))
    content = json.loads(text)
    rel = OUT.relative_to(ROOT).as_posix()
    status = 0
    if args.check:
        old = OUT.read_text() if OUT.exists() else ""
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), rel, "fresh run", lineterm="", n=1)
            sys.stderr.write("\n".join(list(diff)[:60]) + "\n")
            sys.stderr.write(f"{rel} differs from a fresh Slither run: run `make slither-findings` and commit it\n")
            status = 1
        else:
            print(f"{rel} reproducible: {len(content['contracts'])} contracts, slither {version}")
    else:
        OUT.write_text(text)
        print(f"wrote {rel}: {len(content['contracts'])} contracts, slither {version}")
    blocking = sorted(
        {
            (f["impact"], f["detector"], f["file"], tuple(f["lines"]))
            for fs in [*(c["findings"] for c in content["contracts"].values()), content["unattributed_findings"]]
            for f in fs
            if f["impact"] in BLOCKING and not f["justified"]
        }
    )
    for impact, det, file, lines in blocking:
        sys.stderr.write(f"unjustified {impact.lower()} finding: {det} at {file}#{'-'.join(map(str, lines))}\n")
    if blocking:
        sys.stderr.write("fix them, or justify each with `// slither-disable-next-line DETECTOR` and a reason above\n")
        status = 1
    for u in content["unmatched_justifications"]:
        print(
            f"note: {u['file']}:{u['line']} justifies {','.join(u['detectors'])}, which Slither no longer reports there"
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
