"""``novacron-chain api-key``: the HTTP API's keys, stored hashed in ``<data_dir>/api-keys.json``.

``api-key create --scope write [--name NAME]`` prints the key once (only its SHA-256 is kept); ``api-key list`` shows
ids, names, scopes and whether each is revoked; ``api-key revoke ID`` refuses the key from the server's next request
(a running ``serve --api`` re-reads the file). ``api-key allow ADDRESS --scope write`` lets an address receive that
scope when it signs in with Ethereum (``--scope read`` takes it back). Each takes ``--json``. No chain is contacted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ._state import CliState

if TYPE_CHECKING:
    from ..api import ApiKeyStore

apikey_app = typer.Typer(
    help="HTTP API keys (stored hashed, with scopes read/write/admin) and the sign-in allow-list.",
    no_args_is_help=True,
)

ScopeOption = Annotated[str, typer.Option("--scope", help="read, write (the server signs for it) or admin.")]


def _store(state: CliState) -> ApiKeyStore:
    from ..api import ApiKeyStore

    return ApiKeyStore(state.config().blockchain.resolved_data_dir / "api-keys.json")


@apikey_app.command("create")
def create(
    ctx: typer.Context,
    scope: ScopeOption = "read",
    name: Annotated[str, typer.Option(help="What the key is for, e.g. scheduler.")] = "",
) -> None:
    """Make a key with --scope and print it once (only its hash is stored)."""
    state: CliState = ctx.obj
    store = _store(state)
    key, secret = store.create(scope, name=name)
    state.emit(
        {**key.to_dict(), "key": secret, "file": str(store.path)},
        f"API key {key.key_id} ({key.scope.label}{', ' + name if name else ''}):\n{secret}\n"
        "[dim]shown once: only its SHA-256 is stored; send it as X-API-Key[/]",
    )


@apikey_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every key: id, name, scope, created, revoked; and the sign-in allow-list."""
    from datetime import UTC, datetime

    from rich.console import Group
    from rich.table import Table

    state: CliState = ctx.obj
    store = _store(state)
    keys = store.list()
    addresses = store.addresses()
    table = Table(title=f"API keys in {store.path}")
    for col in ("id", "name", "scope", "created", "status"):
        table.add_column(col)
    for k in keys:
        created = datetime.fromtimestamp(k.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        table.add_row(k.key_id, k.name or "-", k.scope.label, created, "active" if k.active else "revoked")
    allow = Table(title="sign-in allow-list")
    allow.add_column("address")
    allow.add_column("scope")
    for address, scope in addresses.items():
        allow.add_row(address, scope.label)
    state.emit(
        {"keys": [k.to_dict() for k in keys], "addresses": {a: s.label for a, s in addresses.items()}},
        Group(table, allow) if addresses else table,
    )


@apikey_app.command("revoke")
def revoke(ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The key's id (api-key list).")]) -> None:
    """Revoke a key; a running server refuses it from its next request."""
    state: CliState = ctx.obj
    key = _store(state).revoke(key_id)
    state.emit(key.to_dict(), f"API key {key.key_id} revoked")


@apikey_app.command("allow")
def allow(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The address (0x + 40 hex digits).")],
    scope: ScopeOption = "write",
) -> None:
    """Let ADDRESS receive up to --scope by signing in with Ethereum (read: back to the default)."""
    state: CliState = ctx.obj
    addr, granted = _store(state).allow_address(address, scope)
    state.emit({"address": addr, "scope": granted.label}, f"{addr} may sign in for {granted.label}")


def register(app: typer.Typer) -> None:
    """Attach the ``api-key`` group to the main app."""
    app.add_typer(apikey_app, name="api-key")
