"""Schemathesis over the OpenAPI schema against the app on a real embedded chain: whatever a client sends, within
the schema (positive) or not (negative), with a write key, the answer is never a 5xx and conforms to the schema
(status codes, content types, bodies). The event stream is left out: it does not end by itself.

Bounded: a few examples per operation and mode (the chain is real; a write costs a transaction).
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
from novacron_chain.api import ApiKeyStore, Scope, create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 5  # ~15 s for ~50 operations on an idle 2-core machine (~45 s when it is shared and loaded)


@pytest.mark.fuzz
def test_no_server_errors(api_nova: NovaChain, key_store: ApiKeyStore, api_keys: dict[Scope, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(api_nova, keys=key_store))
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema FastAPI generates is valid OpenAPI
        operations.append(result.ok())
    assert len(operations) >= 45
    headers = {"X-API-Key": api_keys[Scope.WRITE]}
    for operation in operations:
        if operation.path == "/events/blocks":
            continue
        for mode in GenerationMode:

            @given(case=operation.as_strategy(mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case: Any) -> None:
                case.call_and_validate(checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                # an operation without parameters or body has no input that breaks its schema
                assert mode is GenerationMode.NEGATIVE, operation.label
