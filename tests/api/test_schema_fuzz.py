"""Schemathesis over the OpenAPI schema against the app on a real embedded chain: whatever a client sends, within
the schema (positive) or not (negative), the answer is never a 5xx and conforms to the schema (status codes,
content types, bodies).

Bounded: 15 examples per operation and mode (the chain is real; a write costs a transaction), ~15 s here.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from novacron_chain import NovaChain
from novacron_chain.api import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.fuzz
def test_no_server_errors(api_nova: NovaChain) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(api_nova))
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema FastAPI generates is valid OpenAPI
        operations.append(result.ok())
    assert len(operations) >= 19
    for operation in operations:
        for mode in GenerationMode:

            @given(case=operation.as_strategy(mode))
            @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case: Any) -> None:
                case.call_and_validate(checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # an operation without parameters or body has no input that breaks its schema
                assert mode is GenerationMode.NEGATIVE, operation.label
