"""``SLATerms.parse_guarantee``: the written form of an SLA guarantee (``uptime>=99.9:1000``), as ``sla create
--guarantee`` takes it. No chain needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from novacron_chain.errors import NovaValueError
from novacron_chain.orchestrator import Guarantee, OrchestratorValueError, SLATerms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uptime>=99.9:1000", Guarantee("uptime", Decimal("99.9"), 1000, upper_bound=False)),
        ("latency<=100:500", Guarantee("latency", Decimal("100"), 500, upper_bound=True)),
        # '=': floor or ceiling by the metric's name
        ("uptime=99.9:1000", Guarantee("uptime", Decimal("99.9"), 1000, upper_bound=False)),
        ("error_rate=0.5:7", Guarantee("error_rate", Decimal("0.5"), 7, upper_bound=True)),
        # an explicit comparison works for any metric; blanks around the parts are ignored
        (" jitterness <= 2.125 : 7 ", Guarantee("jitterness", Decimal("2.125"), 7, upper_bound=True)),
        ("throughput>=0:1", Guarantee("throughput", Decimal("0"), 1, upper_bound=False)),
        (f"uptime>=99:{2**128 - 1}", Guarantee("uptime", Decimal("99"), 2**128 - 1, upper_bound=False)),
    ],
)
def test_good_guarantees(text: str, expected: Guarantee) -> None:
    parsed = SLATerms.parse_guarantee(text)
    assert parsed == expected
    assert parsed.to_chain()[1] == int(expected.target * 1000)  # what the contract receives, in thousandths


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("uptime~99.9", "is not NAME>=TARGET:PENALTY"),
        ("uptime>=99.9", "is not NAME>=TARGET:PENALTY"),  # no penalty
        ("uptime>=99.9:", "is not NAME>=TARGET:PENALTY"),
        (">=99.9:1000", "is not NAME>=TARGET:PENALTY"),  # no name
        ("uptime>=:1000", "is not NAME>=TARGET:PENALTY"),  # no target
        ("a<=b>=1:2", "is not NAME>=TARGET:PENALTY"),  # two comparisons
        ("", "is not NAME>=TARGET:PENALTY"),
        ("wobble=3:1", "a floor (higher is better) or a ceiling"),  # '=' with a metric of neither kind
        ("uptime>=abc:1000", "'abc' is not a number"),
        ("uptime>=-1:1000", "must be a finite number >= 0"),
        ("uptime>=inf:1000", "must be a finite number >= 0"),
        ("uptime>=99.9999:1000", "more than three decimals"),
        ("uptime>=99.9:0", "not a positive whole number"),
        ("uptime>=99.9:-5", "not a positive whole number"),
        ("uptime>=99.9:1.5", "not a positive whole number"),
        ("uptime>=99.9:ten", "not a positive whole number"),
        (f"uptime>=99.9:{2**128}", "above 2**128 - 1"),
        ("u" * 33 + ">=99:1", "must be 1 to 32 bytes"),
    ],
)
def test_bad_guarantees_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(OrchestratorValueError) as exc:
        SLATerms.parse_guarantee(text)
    assert words in str(exc.value)
    assert isinstance(exc.value, NovaValueError)
    assert exc.value.exit_code == 2


def test_the_syntax_error_shows_an_example() -> None:
    with pytest.raises(OrchestratorValueError) as exc:
        SLATerms.parse_guarantee("uptime 99.9")
    assert exc.value.hint is not None
    assert "uptime>=99.9:1000" in exc.value.hint


def test_not_text_is_refused() -> None:
    with pytest.raises(OrchestratorValueError, match="is text"):
        SLATerms.parse_guarantee(99.9)  # type: ignore[arg-type]
