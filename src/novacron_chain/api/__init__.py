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

Writes are not authenticated yet: the server binds loopback by default.
"""

from __future__ import annotations

from ._app import create_app
from ._problems import problem_body, problem_status
from ._server import serve_api

__all__ = ["create_app", "problem_body", "problem_status", "serve_api"]
