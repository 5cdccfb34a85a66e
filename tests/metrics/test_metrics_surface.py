"""The public surface of novacron_chain.metrics does not drift unnoticed."""

from __future__ import annotations

import novacron_chain.metrics as metrics

EXPECTED = [
    "BlockchainCollector",
    "BlockchainMetrics",
    "MetricsServer",
    "MetricsSnapshot",
    "make_registry",
    "render_text",
]


def test_all_is_sorted_and_exact() -> None:
    assert metrics.__all__ == EXPECTED
    assert sorted(metrics.__all__) == metrics.__all__


def test_public_names_are_documented() -> None:
    assert metrics.__doc__
    for name in metrics.__all__:
        obj = getattr(metrics, name)
        if callable(obj):
            assert obj.__doc__, name
            assert obj.__module__.startswith("novacron_chain.metrics._"), name
