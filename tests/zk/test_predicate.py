"""The predicate language: what it reads, and a clear error for everything else."""

from __future__ import annotations

import pytest

from novacron_chain.zk import PredicateSyntaxError, parse_predicate, text_code


@pytest.mark.parametrize(
    ("text", "canonical", "public"),
    [
        ("cpu > 2", "cpu > 2", {"claim": "cpu", "op": ">", "threshold": 2}),
        ("memory>=8192", "memory >= 8192", {"claim": "memory", "op": ">=", "threshold": 8192}),
        ("  disk.gb <  1_000 ", "disk.gb < 1000", {"claim": "disk.gb", "op": "<", "threshold": 1000}),
        ("cpu <= 18446744073709551615", "cpu <= 18446744073709551615",
         {"claim": "cpu", "op": "<=", "threshold": 2**64 - 1}),
        ("cpu == 0", "cpu == 0", {"claim": "cpu", "op": "==", "threshold": 0}),
        ("region in {us-east-1, eu-west-1}", "region in {us-east-1, eu-west-1}",
         {"claim": "region", "op": "in", "members": ["us-east-1", "eu-west-1"]}),
        ('tier in {"gold", 3, 3}', "tier in {gold, 3}", {"claim": "tier", "op": "in", "members": ["gold", 3]}),
    ],
)  # fmt: skip
def test_reads(text: str, canonical: str, public: dict[str, object]) -> None:
    p = parse_predicate(text)
    assert str(p) == canonical
    assert p.to_json() == public
    assert parse_predicate(str(p)) == p


def test_circuit_inputs() -> None:
    p = parse_predicate("region in {us-east-1, eu-west-1}")
    codes = [text_code("us-east-1"), text_code("eu-west-1")]
    assert p.circuit == "member"
    assert p.member_codes() == [*codes, *[codes[0]] * 6]
    assert p.public_inputs(11, 12) == [11, *codes, *[codes[0]] * 6, 12]
    assert p.holds(codes[1])
    assert not p.holds(text_code("ap-south-1"))
    c = parse_predicate("cpu >= 4")
    assert c.circuit == "compare"
    assert c.public_inputs(11, 12) == [11, 1, 4, 12]
    assert c.holds(4)
    assert not c.holds(3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I have more than 2 CPUs", "expected <claim> <op> <integer>"),
        ("cpu != 2", "'!=' is not supported"),
        ("cpu = 2", "'=' is not supported"),
        ("cpu => 2", "'=>' is not supported"),
        ("cpu > -1", "negative threshold"),
        ("cpu > 2.5", "'2.5' is not a non-negative integer"),
        ("cpu > two", "'two' is not a non-negative integer"),
        ("cpu > 18446744073709551616", "above 2^64 - 1"),
        ("region in us-east-1", "braces"),
        ("region in {}", "the set is empty"),
        ("region in {a,,b}", "a set member is empty"),
        ("region in {a, b, c, d, e, f, g, h, i}", "at most 8"),
        ("region not in {a}", "'not in' is not supported"),
        ("", "expected"),
        ("> 2", "expected"),
    ],
)
def test_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(PredicateSyntaxError, match="cannot read") as info:
        parse_predicate(text)
    assert reason in info.value.reason
    assert info.value.hint
    assert "cpu > 2" in info.value.hint
    assert info.value.exit_code == 2


def test_refuses_non_text() -> None:
    with pytest.raises(PredicateSyntaxError, match="not int"):
        parse_predicate(4)
