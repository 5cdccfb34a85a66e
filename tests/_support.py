"""Scaffolding shared by the whole test suite, written once.

* :func:`reverting`: everything a test does on a session chain is undone after it (snapshot, then revert).
* :func:`deployed_fixtures`: the fixture factory every domain conftest uses to deploy its contracts once per session
  (or package) on the session chains and revert around every test.
* :class:`Cli`: the one CLI runner, in-process, against one data dir; :func:`deploy_in` readies that data dir.
* :func:`block_path`: where an embedded store keeps a block (to damage it on purpose).
"""

from __future__ import annotations

import base64
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pytest
from multiformats import CID

from novacron_chain import NovaChain, load_config
from novacron_chain.errors import NovaChainError

if TYPE_CHECKING:
    import typer

    from novacron_chain.chain import DeployStep
    from novacron_chain.config import BlockchainConfig

__all__ = [
    "Cli",
    "DeployedFixtures",
    "Outcome",
    "block_path",
    "deploy_in",
    "deployed_fixtures",
    "make_app",
    "reverting",
    "wait_until",
]


# -- waiting on processes ------------------------------------------------------------------------------------------


def nova_and_timelock(config: BlockchainConfig) -> list[DeployStep]:
    """Governance's steps before the governor: NOVA and the timelock, the stake token and treasury that proof of
    stake, the rollup and the bridge need, without the governor and what follows it."""
    from novacron_chain import governance

    steps = governance.deploy_steps(config)
    return steps[: next(i for i, s in enumerate(steps) if s.name == "NovaGovernor")]


def wait_until(
    what: str, predicate: Callable[[], Any], timeout: float, logs: Callable[[], str] = lambda: "", poll: float = 0.2
) -> Any:
    """``predicate()``'s first truthy value, polled every ``poll`` seconds; the test fails after ``timeout`` seconds
    naming ``what`` and showing ``logs()`` (the processes' logs, say)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{logs()}")
        time.sleep(poll)


# -- chain state ----------------------------------------------------------------------------------------------------


def reverting(nc: NovaChain) -> Iterator[NovaChain]:
    """Yield ``nc``; afterwards revert its chain to where it was and restore its signer."""
    snap = nc.chain.snapshot()
    signer = nc.chain.signer
    try:
        yield nc
    finally:
        nc.chain.revert(snap)
        nc.chain.use_signer(signer)


class DeployedFixtures(NamedTuple):
    """The four fixtures :func:`deployed_fixtures` makes; assign them to module-level names in a conftest."""

    embedded_session: Any
    """``embedded_<stem>_session``: the session's embedded chain with the contracts deployed (kept)."""
    anvil_session: Any
    """``anvil_<stem>_session``: the same on the session's anvil (integration runs)."""
    nova: Any
    """Per test, parametrised: the embedded chain, and anvil for tests marked ``integration``; reverted after."""
    embedded: Any
    """Per test: the embedded chain only; reverted after."""


def deployed_fixtures(
    stem: str,
    steps: Callable[[BlockchainConfig], list[DeployStep]] | None = None,
    *,
    scope: Literal["session", "package"] = "session",
    setup: Callable[[NovaChain], object] | None = None,
) -> DeployedFixtures:
    """Fixtures of a chain with ``steps`` deployed once per ``scope`` and state reverted around every test.

    ``steps`` (default: the whole contract set) is deployed on the session chains outside any snapshot: the
    contracts stay for the rest of the session (deploying is idempotent, so domains share what they both
    deploy). ``setup`` runs after that (funding, time travel) and is undone when ``scope`` ends, so later
    packages do not see it. The two chain fixtures are named ``embedded_<stem>_session`` and
    ``anvil_<stem>_session``; the per-test ones take the names they are assigned to::

        embedded_tokens_session, anvil_tokens_session, tnova, tembedded = deployed_fixtures("tokens", deploy_steps)
    """

    def _deployed(nc: NovaChain) -> Iterator[NovaChain]:
        nc.deploy(steps=None if steps is None else steps(nc.config.blockchain))
        if setup is None:
            yield nc
            return
        before_setup = nc.chain.snapshot()
        setup(nc)
        yield nc
        nc.chain.revert(before_setup)

    embedded_name, anvil_name = f"embedded_{stem}_session", f"anvil_{stem}_session"

    @pytest.fixture(scope=scope, name=embedded_name)
    def _embedded_session(embedded_session: NovaChain) -> Iterator[NovaChain]:
        yield from _deployed(embedded_session)

    @pytest.fixture(scope=scope, name=anvil_name)
    def _anvil_session(anvil_session: NovaChain) -> Iterator[NovaChain]:
        yield from _deployed(anvil_session)

    @pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.integration)])
    def nova(request: pytest.FixtureRequest) -> Iterator[NovaChain]:
        yield from reverting(request.getfixturevalue(f"{request.param}_{stem}_session"))

    def embedded(**chains: NovaChain) -> Iterator[NovaChain]:
        yield from reverting(chains[embedded_name])

    # a declared (not getfixturevalue) dependency, so that pytest sets the session fixture up before any function
    # fixture's snapshot: deployed inside one, the contracts would vanish when that test's snapshot is reverted
    embedded.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(embedded_name, inspect.Parameter.KEYWORD_ONLY)]
    )
    nova.__doc__ = f"The {stem} contracts on the embedded chain and on anvil; reverted after each test."
    embedded.__doc__ = f"The {stem} contracts on the embedded chain only; reverted after each test."
    return DeployedFixtures(_embedded_session, _anvil_session, nova, pytest.fixture(embedded))


def deploy_in(
    data_dir: Path,
    steps: Callable[[BlockchainConfig], list[DeployStep]] | None = None,
    *,
    setup: Callable[[NovaChain], object] | None = None,
) -> Path:
    """Deploy ``steps`` (default: the whole contract set), then run ``setup``, on the persistent embedded chain in
    ``data_dir``, as ``novacron-chain deploy`` would: for CLI tests, whose every command opens that chain anew."""
    with NovaChain.connect(load_config(overrides={"network": "embedded", "data_dir": data_dir})) as nc:
        nc.deploy(steps=None if steps is None else steps(nc.config.blockchain))
        if setup is not None:
            setup(nc)
    return data_dir


def block_path(store_dir: Path, cid: str) -> Path:
    """Where EmbeddedStore's documented layout puts a block: blocks/<next-to-last 2 of KEY>/<KEY>.data."""
    key = base64.b32encode(bytes(CID.decode(cid).digest)).decode().rstrip("=")
    path = store_dir / "blocks" / key[-3:-1] / f"{key}.data"
    if not path.exists() and (store_dir / "packs").is_dir():  # written in a batch (put_blocks): give it its file
        from novacron_chain.errors import StorageError
        from novacron_chain.storage import EmbeddedStore

        store = EmbeddedStore(store_dir)
        try:
            store.unpack(cid)
        except StorageError:
            pass  # not in the store: the path of where it would be
        finally:
            store.close()
    return path


# -- the CLI --------------------------------------------------------------------------------------------------------

Register = Callable[["typer.Typer"], None]


def make_app(*commands: Register) -> typer.Typer:
    """A ``novacron-chain`` app with the real global options and only ``commands`` (command modules' ``register``)."""
    import typer

    from novacron_chain.cli._app import _global

    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    app.callback()(_global)
    for register in commands:
        register(app)
    return app


@dataclass(frozen=True)
class Outcome:
    """One command's exit code, output and (local-app runs only) the exception it raised."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None


class Cli:
    """``novacron-chain`` against one data dir, in-process.

    With no ``commands`` it runs the real entry point (``cli._app.main``: the one error handler), so a failure is
    what a user sees: an exit code and, with ``--json``, the error as JSON on stdout. With ``commands`` (command
    modules' ``register``) it runs a local app of those commands through typer's CliRunner, so a failing command
    leaves its exception object for the test to inspect.
    """

    def __init__(self, data_dir: Path, *commands: Register, network: str | None = "embedded") -> None:
        from typer.testing import CliRunner

        self.runner = CliRunner()
        self.app = make_app(*commands) if commands else None
        self.data_dir = data_dir
        self.base = ["--data-dir", str(data_dir), *(["--network", network] if network else [])]

    def invoke(self, *args: str, account: int | None = None) -> Outcome:
        """Run one command after the base options (and ``--account``); never raises for a failing command."""
        argv = [*self.base, *(["--account", str(account)] if account is not None else []), *args]
        if self.app is not None:
            result = self.runner.invoke(self.app, argv)
            return Outcome(result.exit_code, result.stdout, result.stderr, result.exception)
        from novacron_chain.cli._app import main

        with self.runner.isolation() as (stdout, stderr, _):
            code = main(argv)
            sys.stdout.flush()
            sys.stderr.flush()
            out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
        assert "Traceback" not in out + err, out + err
        return Outcome(code, out, err, None)

    def __call__(self, *args: str, code: int = 0, account: int | None = None) -> Any:
        """Run with ``--json`` and expect exit ``code``. Returns the JSON printed (None if nothing), or when the
        command failed: the exception (local app) or the JSON error (real entry point; the output if not JSON)."""
        outcome = self.invoke("--json", *args, account=account)
        if isinstance(outcome.exception, NovaChainError):
            assert outcome.exception.exit_code == code, str(outcome.exception)
            return outcome.exception
        assert outcome.code == code, (outcome.stdout, outcome.stderr, outcome.exception)
        if code == 0:
            return json.loads(outcome.stdout) if outcome.stdout.strip() else None
        try:
            return json.loads(outcome.stdout)
        except json.JSONDecodeError:  # a usage error: click's message, not JSON
            return outcome.stdout + outcome.stderr

    json = __call__  # the state tests' name
    run = __call__  # the orchestrator tests' name

    def text(self, *args: str, code: int = 0, account: int | None = None) -> str:
        """Run without ``--json``, expect exit ``code``, return stdout (what a person reads)."""
        outcome = self.invoke(*args, account=account)
        assert outcome.code == code, (outcome.stdout, outcome.stderr, outcome.exception)
        return outcome.stdout

    def fails(self, *args: str) -> BaseException:
        """Run a command that must raise (local app only); returns the exception."""
        outcome = self.invoke(*args)
        assert outcome.exception is not None, (outcome.stdout, outcome.stderr)
        return outcome.exception
