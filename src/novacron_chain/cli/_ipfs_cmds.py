"""``novacron-chain ipfs``: the content store, as the config names it (embedded in the data dir, or a Kubo node).

Mirrors Kubo's commands: ``add``, ``cat``, ``pin``, ``unpin``, ``verify``, and ``serve`` (the embedded store over
Kubo's ``/api/v0`` RPC, loopback by default).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._state import CliState

if TYPE_CHECKING:
    from ..storage import ContentStore


ipfs_app = typer.Typer(
    help="Content-addressed storage (IPFS): the embedded store in the data dir, or the Kubo node of ipfs_endpoint.",
    no_args_is_help=True,
)


def open_cli_store(ctx: typer.Context) -> ContentStore:
    """The configured store for this command; closed when the command ends."""
    from ..storage import open_store

    state: CliState = ctx.obj
    store = open_store(state.config().blockchain)
    ctx.call_on_close(store.close)
    return store


@ipfs_app.command("add")
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="File to add.", exists=True, dir_okay=False, readable=True)],
    cid_version: Annotated[int, typer.Option("--cid-version", min=0, max=1, help="0 (Qm...) or 1 (bafy...).")] = 0,
    raw_leaves: Annotated[
        bool | None, typer.Option("--raw-leaves/--no-raw-leaves", help="Raw leaf blocks (default: as Kubo).")
    ] = None,
    pin: Annotated[bool, typer.Option("--pin/--no-pin", help="Pin the added content.")] = True,
) -> None:
    """Add a file; prints its CID, the same ``ipfs add`` prints."""
    state: CliState = ctx.obj
    result = open_cli_store(ctx).add(file, cid_version=cid_version, raw_leaves=raw_leaves, pin=pin)
    state.emit(
        {"cid": result.cid, "size": result.size, "dag_size": result.dag_size, "name": file.name},
        f"added {result.cid} {file.name}",
    )


@ipfs_app.command("cat")
def cat(
    ctx: typer.Context,
    cid: Annotated[str, typer.Argument(help="CID of a file.")],
    offset: Annotated[int, typer.Option(min=0, help="Byte offset to start at.")] = 0,
    length: Annotated[int | None, typer.Option(min=0, help="Bytes to write (default: to the end).")] = None,
) -> None:
    """Write a file's bytes to stdout (every block is hash-checked first)."""
    out = typer.get_binary_stream("stdout")
    for piece in open_cli_store(ctx).cat(cid, offset=offset, length=length):
        out.write(piece)
    out.flush()


@ipfs_app.command("pin")
def pin(ctx: typer.Context, cid: Annotated[str, typer.Argument(help="CID to pin (with all it links to).")]) -> None:
    """Pin a CID, so garbage collection keeps it."""
    state: CliState = ctx.obj
    open_cli_store(ctx).pin(cid)
    state.emit({"pinned": cid}, f"pinned {cid} recursively")


@ipfs_app.command("unpin")
def unpin(ctx: typer.Context, cid: Annotated[str, typer.Argument(help="Pinned CID.")]) -> None:
    """Remove a pin (blocks stay until garbage collection)."""
    state: CliState = ctx.obj
    open_cli_store(ctx).unpin(cid)
    state.emit({"unpinned": cid}, f"unpinned {cid}")


@ipfs_app.command("verify")
def verify(ctx: typer.Context, cid: Annotated[str, typer.Argument(help="CID to check.")]) -> None:
    """Rehash every block under a CID; exit 1 when one is missing or damaged."""
    state: CliState = ctx.obj
    report = open_cli_store(ctx).verify(cid)
    data = {
        "cid": report.cid,
        "ok": report.ok,
        "blocks": report.blocks,
        "missing": list(report.missing),
        "corrupt": list(report.corrupt),
    }
    if not report.ok:
        from ..storage import DamagedContentError

        raise DamagedContentError(report)  # exit 1; with --json its dict carries the report
    state.emit(data, f"[green]ok[/]: {report.blocks} blocks of {report.cid} present and intact")


@ipfs_app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback unless --allow-remote).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one).")] = 5001,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a non-loopback address: the API has no authentication.")
    ] = False,
    seconds: Annotated[float, typer.Option(min=0, help="Stop after this many seconds (0: until Ctrl-C).")] = 0,
) -> None:
    """Serve the embedded store over Kubo's /api/v0 RPC, so Kubo clients can use it."""
    from ..errors import NovaValueError
    from ..storage import IpfsApiServer

    state: CliState = ctx.obj
    config = state.config().blockchain
    if config.ipfs_endpoint:
        raise NovaValueError(
            f"ipfs_endpoint is set ({config.ipfs_endpoint}): that Kubo node already serves the API",
            hint="unset blockchain.ipfs_endpoint to serve the embedded store",
        )
    server = IpfsApiServer(open_cli_store(ctx), host, port, allow_remote=allow_remote)
    server.start()
    try:
        state.emit({"api": server.url}, f"IPFS API (Kubo /api/v0) on {server.url}; Ctrl-C stops it")
        deadline = time.monotonic() + seconds if seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def register(app: typer.Typer) -> None:
    """Attach ``ipfs`` to the main app."""
    app.add_typer(ipfs_app, name="ipfs")
