"""The HTTP API: a thin shell over :class:`~novacron_chain.NovaChain`, the HTTP twin of the CLI.

>>> from novacron_chain import NovaChain
>>> from novacron_chain.api import create_app
>>> nc = NovaChain.embedded(); nc.deploy()
>>> app = create_app(nc)                 # a FastAPI app; serve_api(nc, port=8000) runs it on uvicorn

Endpoints return the domain types' ``to_dict()`` (the JSON the CLI prints with ``--json``). Errors are RFC 9457
problem details mapped from the :class:`~novacron_chain.errors.NovaChainError` tree in ONE place
(:func:`problem_status`): 404 when what the request names does not exist, 400 for other bad input, 409 when a contract
or rule refuses, 5xx only when the chain, the store or the server itself failed. No response carries a traceback.
FastAPI and uvicorn are imported with this package only (``novacron-chain --help`` never imports it).

Reads are open; writes need a credential with the ``write`` scope (pausing and deploying: ``admin``): an API key
stored hashed in ``<data_dir>/api-keys.json`` (``novacron-chain api-key create --scope write``), sent as
``X-API-Key``, or a Sign-In-with-Ethereum (EIP-4361) session token sent as ``Authorization: Bearer``. The server
signs every write with its configured account, and only for callers whose scope allows it. Long operations (flush,
keeper, deploy) run as jobs (``/jobs``); new blocks stream as server-sent events (``/events/blocks``);
``/healthz``, ``/readyz`` and ``/metrics`` serve operators.
"""

from __future__ import annotations

from ._app import create_app, default_key_file
from ._auth import Principal
from ._errors import (
    ApiError,
    ApiValueError,
    AuthenticationError,
    InsufficientScopeError,
    UnknownApiKeyError,
    UnknownJobError,
)
from ._keys import ApiKey, ApiKeyStore, Scope
from ._problems import problem_body, problem_status
from ._server import serve_api
from ._siwe import Session, SessionAuthority, SiweMessage

__all__ = [
    "ApiError",
    "ApiKey",
    "ApiKeyStore",
    "ApiValueError",
    "AuthenticationError",
    "InsufficientScopeError",
    "Principal",
    "Scope",
    "Session",
    "SessionAuthority",
    "SiweMessage",
    "UnknownApiKeyError",
    "UnknownJobError",
    "create_app",
    "default_key_file",
    "problem_body",
    "problem_status",
    "serve_api",
]
