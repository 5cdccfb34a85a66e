"""Running the API on uvicorn: bind first (so the caller learns the real port), serve until told to stop."""

from __future__ import annotations

import errno
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import NovaValueError

if TYPE_CHECKING:
    from .. import NovaChain

__all__ = ["serve_api"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections of a socket that says it is TCP, and
    # without it Nagle's algorithm and the client's delayed ACK add ~40 ms to every keep-alive response
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise NovaValueError(
                f"port {port} on {host} is in use", hint="choose another --port (0 picks a free one)"
            ) from exc
        raise NovaValueError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint="check --host and --port"
        ) from exc
    sock.set_inheritable(True)
    return sock


def _on_term(signum: int, frame: FrameType | None) -> None:
    """SIGTERM while serving: uvicorn has shut down gracefully already and re-raises the signal to this handler."""


def serve_api(
    nova: NovaChain,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    seconds: float = 0,
    on_started: Callable[[str], None] | None = None,
) -> None:
    """Serve the HTTP API over ``nova`` with uvicorn on ``host:port`` (port 0: a free one) until SIGTERM, Ctrl-C
    (``KeyboardInterrupt`` after the server has stopped) or ``seconds`` (0: no limit); returns once every request
    has finished. ``on_started`` gets the base URL once the socket listens. ``nova`` stays open (the caller's)."""
    import uvicorn

    from ._app import create_app

    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(create_app(nova), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    timer = threading.Timer(seconds, lambda: setattr(server, "should_exit", True)) if seconds > 0 else None
    # uvicorn stops gracefully on SIGTERM, then re-raises it to the handler it found: without one of ours that is
    # the default action, which kills the process before the caller can close the chain (and its data dir lock)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_term) if main_thread else None
    try:
        if on_started is not None:
            on_started(f"http://{shown}:{bound}")
        if timer is not None:
            timer.start()
        server.run(sockets=[sock])
    finally:
        if timer is not None:
            timer.cancel()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        sock.close()
