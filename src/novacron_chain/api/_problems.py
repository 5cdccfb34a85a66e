"""The ONE place errors become HTTP status codes: RFC 9457 problem details from the :class:`NovaChainError` tree.

A problem body is the error's own ``to_dict()`` (``error``, ``message``, ``hint`` and its structured fields, as the
CLI prints with ``--json``) plus RFC 9457's ``type``, ``title``, ``status`` and ``detail``. Bad input is always a
4xx; a 5xx says the server or the chain behind it failed, never the request. A response never carries a traceback:
an unexpected exception is logged here and answered with a generic 500.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from ..consensus import NotRegisteredError, UnknownCheckpointError, UnknownValidatorError
from ..crosschain import UnknownSwapError, UnknownTransferError
from ..errors import (
    ChainConnectionError,
    ChainError,
    ChainIdMismatchError,
    ConfigError,
    ContractError,
    DataDirLockedError,
    InsufficientFundsError,
    KeyManagementError,
    NovaChainError,
    TransactionRevertedError,
    TransactionTimeoutError,
)
from ..governance import UnknownProposalError
from ..orchestrator import SLANotFoundError, VMNotFoundError
from ..security import UnknownContractError
from ..state import StateBackpressureError, StateDirLockedError
from ..storage import ContentNotFoundError, IpfsApiError
from ._errors import AuthenticationError, InsufficientScopeError, UnknownJobError

__all__ = ["PROBLEM_MEDIA_TYPE", "PROBLEM_SCHEMA", "problem_body", "problem_status", "unexpected_problem"]

log = logging.getLogger("novacron_chain.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"

# first match wins (isinstance), so subclasses come before their bases
_STATUS: tuple[tuple[type[NovaChainError], int], ...] = (
    # who is calling: no (valid) credential, or one whose scope is too low
    (AuthenticationError, 401),
    (InsufficientScopeError, 403),
    # the thing the request names does not exist
    (VMNotFoundError, 404),
    (SLANotFoundError, 404),
    (UnknownProposalError, 404),
    (UnknownValidatorError, 404),
    (NotRegisteredError, 404),
    (UnknownCheckpointError, 404),
    (UnknownSwapError, 404),
    (UnknownTransferError, 404),
    (UnknownContractError, 404),
    (ContentNotFoundError, 404),
    (UnknownJobError, 404),
    # the server is not in a state to serve (its config, key, data dir or contracts): not the caller's fault,
    # although the CLI calls some of them usage errors (exit 2)
    (ConfigError, 503),  # the caller cannot change the server's configuration
    (ChainIdMismatchError, 503),
    (KeyManagementError, 503),
    (DataDirLockedError, 503),
    (StateDirLockedError, 503),
    (StateBackpressureError, 503),
    (ContractError, 503),
    (InsufficientFundsError, 503),  # the server's account cannot pay for gas
    (ChainConnectionError, 502),
    (IpfsApiError, 502),
    (TransactionTimeoutError, 504),
)


def problem_status(exc: NovaChainError) -> int:
    """The HTTP status of an error: 401 without a valid credential, 403 when its scope is too low, 404 when what
    the request names does not exist, 400 for other bad input
    (``exit_code == 2``), 409 when a contract or domain rule refuses the operation in the current state, 502/503/504
    when the chain, the store or the server's own setup failed."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    if exc.exit_code == 2:
        return 400
    if isinstance(exc, TransactionRevertedError):
        return 409
    if isinstance(exc, ChainError):
        return 502
    return 409


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    # the CLI's --json rendering (default=str), so both shells print the same fields the same way
    out: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return out


def problem_body(exc: NovaChainError, status: int | None = None) -> dict[str, Any]:
    """The RFC 9457 body of ``exc``: its ``to_dict()`` plus ``type``, ``title``, ``status`` and ``detail``."""
    status = problem_status(exc) if status is None else status
    body = _jsonable(exc.to_dict())
    body.update(
        type=f"urn:novacron-chain:error:{type(exc).__name__}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=exc.message,
    )
    return body


def unexpected_problem(exc: BaseException, where: str) -> dict[str, Any]:
    """Log ``exc`` with its traceback (server side only) and return the generic 500 body the client gets."""
    log.error("internal error in %s", where, exc_info=exc)
    return {
        "type": "urn:novacron-chain:error:InternalError",
        "title": HTTPStatus.INTERNAL_SERVER_ERROR.phrase,
        "status": 500,
        "detail": "internal error; the server log has the details",
        "error": "InternalError",
        "message": "internal error; the server log has the details",
        "hint": "this is a bug in novacron-chain; report it with the server log",
    }


#: the JSON schema of a problem body, for the OpenAPI document
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail", "error", "message"],
    "properties": {
        "type": {"type": "string", "description": "urn:novacron-chain:error:<ErrorName>"},
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What is wrong (same as message)."},
        "error": {"type": "string", "description": "The exception's class name."},
        "message": {"type": "string"},
        "hint": {"type": "string", "description": "How to fix it."},
    },
    "additionalProperties": True,
}
