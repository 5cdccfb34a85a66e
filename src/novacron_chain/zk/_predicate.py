"""The predicate language: ``cpu > 2``, ``memory >= 8192``, ``region in {us-east-1, eu-west-1}``.

Grammar (whitespace free between tokens)::

    predicate  := claim op integer | claim "in" "{" member ("," member)* "}"
    claim      := [A-Za-z_][A-Za-z0-9_.-]*          (a credential claim name)
    op         := ">" | ">=" | "<" | "<=" | "=="
    integer    := decimal digits, 0 .. 2^64 - 1 (an underscore may group digits: 8_192)
    member     := an integer, or text without "{", "}", "," (quotes optional): 1 to 8 distinct members

Comparisons run in the ``compare`` circuit, membership in the ``member`` circuit; text members are compared by
their :func:`~novacron_chain.zk.text_code`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._commit import UINT64_MAX, encode_value
from ._errors import PredicateSyntaxError

__all__ = ["MAX_MEMBERS", "OPS", "Predicate", "parse_predicate"]

#: comparison operators and their codes in the compare circuit (public input ``op``)
OPS: dict[str, int] = {">": 0, ">=": 1, "<": 2, "<=": 3, "==": 4}
MAX_MEMBERS = 8
_CLAIM = r"[A-Za-z_][A-Za-z0-9_.-]{0,63}"
_COMPARE = re.compile(rf"^\s*({_CLAIM})\s*(>=|<=|==|>|<)\s*(\S.*?)\s*$")
_MEMBER = re.compile(rf"^\s*({_CLAIM})\s+in\s*\{{(.*)\}}\s*$", re.DOTALL)
_UNSUPPORTED = re.compile(rf"^\s*({_CLAIM})\s*(!=|<>|=>|=<|=(?!=)|≥|≤|not\s+in)\s*")
_INTEGER = re.compile(r"^[0-9](?:_?[0-9])*$")


@dataclass(frozen=True)
class Predicate:
    """A parsed predicate: ``claim op threshold`` or ``claim in members``. ``str()`` gives its canonical text."""

    claim: str
    op: str
    threshold: int | None = None
    members: tuple[str | int, ...] = ()

    @property
    def circuit(self) -> str:
        """The circuit that proves it: ``compare`` or ``member``."""
        return "member" if self.op == "in" else "compare"

    def member_codes(self) -> list[int]:
        """The members as circuit integers, padded to 8 by repeating the first."""
        codes = [encode_value(self.claim, m) for m in self.members]
        return codes + [codes[0]] * (MAX_MEMBERS - len(codes))

    def public_inputs(self, commitment: int, context: int) -> list[int]:
        """The circuit's public inputs: ``[commitment, op, threshold, context]`` or
        ``[commitment, set[0..7], context]``."""
        if self.op == "in":
            return [commitment, *self.member_codes(), context]
        assert self.threshold is not None
        return [commitment, OPS[self.op], self.threshold, context]

    def holds(self, value: int) -> bool:
        """Whether the circuit integer ``value`` satisfies the predicate (what the circuit checks)."""
        if self.op == "in":
            return value in self.member_codes()
        t = self.threshold
        assert t is not None
        return {">": value > t, ">=": value >= t, "<": value < t, "<=": value <= t, "==": value == t}[self.op]

    def to_json(self) -> dict[str, object]:
        """``{"claim", "op", "threshold"}`` or ``{"claim", "op": "in", "members"}``."""
        if self.op == "in":
            return {"claim": self.claim, "op": "in", "members": list(self.members)}
        return {"claim": self.claim, "op": self.op, "threshold": self.threshold}

    def __str__(self) -> str:
        if self.op == "in":
            return f"{self.claim} in {{{', '.join(str(m) for m in self.members)}}}"
        return f"{self.claim} {self.op} {self.threshold}"


def _member(text: str, statement: str) -> str | int:
    item = text.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'":
        item = item[1:-1]
    elif _INTEGER.match(item):
        value = int(item.replace("_", ""))
        if value > UINT64_MAX:
            raise PredicateSyntaxError(statement, f"member {item} is above 2^64 - 1")
        return value
    if not item:
        raise PredicateSyntaxError(statement, "a set member is empty")
    if any(c in item for c in "{},\"'") or len(item) > 256:
        raise PredicateSyntaxError(statement, f"set member {item!r} is not a plain name")
    return item


def parse_predicate(statement: object) -> Predicate:
    """Parse ``statement``; :class:`PredicateSyntaxError` says what is wrong with anything else."""
    if not isinstance(statement, str):
        raise PredicateSyntaxError(statement, f"a predicate is text, not {type(statement).__name__}")
    if len(statement) > 4096:
        raise PredicateSyntaxError(statement[:40] + "...", "it is longer than 4096 characters")
    m = _MEMBER.match(statement)
    if m:
        claim, body = m.group(1), m.group(2)
        if not body.strip():
            raise PredicateSyntaxError(statement, "the set is empty")
        members: list[str | int] = []
        for part in body.split(","):
            member = _member(part, statement)
            if member not in members:
                members.append(member)
        if len(members) > MAX_MEMBERS:
            raise PredicateSyntaxError(statement, f"the set has {len(members)} members; at most {MAX_MEMBERS}")
        return Predicate(claim=claim, op="in", members=tuple(members))
    m = _COMPARE.match(statement)
    if m:
        claim, op, operand = m.groups()
        if not _INTEGER.match(operand):
            hint = "a negative threshold" if operand.startswith("-") else f"{operand!r}"
            raise PredicateSyntaxError(
                statement, f"{hint} is not a non-negative integer (comparisons are over integers 0 .. 2^64 - 1)"
            )
        threshold = int(operand.replace("_", ""))
        if threshold > UINT64_MAX:
            raise PredicateSyntaxError(statement, f"the threshold {threshold} is above 2^64 - 1")
        return Predicate(claim=claim, op=op, threshold=threshold)
    m = _UNSUPPORTED.match(statement)
    if m:
        raise PredicateSyntaxError(statement, f"the operator {m.group(2)!r} is not supported")
    if re.match(rf"^\s*{_CLAIM}\s+in\b", statement):
        raise PredicateSyntaxError(statement, "a set is written in braces: {a, b, c}")
    raise PredicateSyntaxError(statement, "expected <claim> <op> <integer> or <claim> in {...}")
