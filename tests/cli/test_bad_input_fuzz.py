"""Hypothesis over the real entry point: every command, arbitrary and hostile values for every argument and option.

What must hold, whatever the input: no internal error ("this is a bug"), no traceback, exit 0, 1 or 2 only, a
usage error (exit 2) names the argument or option it is about, and a long bad value is not echoed back whole.

Every command of :data:`COMMANDS` and its sub-commands is walked from the app itself, so a command added later is
fuzzed without touching this file; a command whose module does not import (another change under way) is skipped.
Long-running commands (they serve or watch until stopped) are left out: their options are the same kinds as the
fuzzed ones. The default run tries a few inputs per command (``NOVACRON_FUZZ_EXAMPLES`` raises it); the ``slow``
variant tries many more. One more test feeds arbitrary config files and ``NOVACRON_*`` variables.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novacron_chain.cli._app import app
from novacron_chain.config import BlockchainConfig
from tests._support import Cli, deploy_in

#: commands that run until stopped (tested for SIGTERM in test_signals.py), or that walk a whole flow (demo)
LONG_RUNNING = {
    ("devnet",),
    ("serve",),
    ("demo",),
    ("ipfs", "serve"),
    ("gov", "keeper"),
    ("validator", "run"),
    ("validator", "aggregate"),
    ("swap", "watch"),
    ("bridge", "relay"),
    ("l2", "run"),
    ("l2", "verify"),
    ("l2", "sequencer"),
    ("l2", "watch"),
}
LONG_WORDS = {"run", "serve", "watch", "devnet", "keeper", "relay", "aggregate", "sequencer", "demo"}
EXAMPLES = int(os.environ.get("NOVACRON_FUZZ_EXAMPLES", "3"))

ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"
HOSTILE = [
    "",
    " ",
    "-1",
    "0",
    "1",
    "1.5",
    "0x",
    ADDRESS,
    ADDRESS.lower(),
    ADDRESS.replace("E0F", "e0F"),  # one digit mis-cased: a wrong checksum
    "2**300",
    str(2**300),
    str(2**256),
    "1e400",
    "nan",
    "inf",
    "9" * 120,
    "99999999999d",
    "0s",
    "CPU",
    "native",
    "all",
    "/dev/null",
    "/",
    "did:novacron:1337:" + ADDRESS,
    "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    "\x00",
    "é" * 3,
    "--help",
]
HOSTILE_PATHS = ["", "/dev/null", "/", "missing-parent/x/y", "a-dir", "a-file", "binary-file", "/proc/version"]


@dataclass(frozen=True)
class Param:
    opt: str | None  # None: a positional argument
    kind: Any  # annotation: int, float, bool, str, Path, list
    required: bool
    multiple: bool
    is_flag: bool


def _leaf_commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    root = typer.main.get_command(app)

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        subs = getattr(command, "commands", None)
        if subs is None:
            yield path, command
            return
        for name in list(subs):
            here = (*path, name)
            if here in LONG_RUNNING or name in LONG_WORDS:
                continue
            try:
                sub = subs[name]
            except Exception:  # a module under construction by another change: not this test's business
                continue
            yield from walk(sub, here)

    yield from walk(root, ())


def _params(command: Any) -> list[Param]:
    out = []
    for p in command.params:
        if p.name == "help":
            continue
        kind = getattr(getattr(p, "type_descriptor", None), "annotation", str)
        origin = getattr(kind, "__origin__", None)
        out.append(
            Param(
                opt=p.opts[0] if p.param_type_name == "option" else None,
                kind=list if origin is list else kind,
                required=bool(p.required),
                multiple=bool(p.multiple),
                is_flag=bool(getattr(p, "is_flag", False)),
            )
        )
    return out


COMMANDS_UNDER_TEST = {" ".join(path): _params(command) for path, command in _leaf_commands()}


def _value(kind: Any) -> st.SearchStrategy[str]:
    text = st.text(max_size=24)
    if kind is int:
        return st.one_of(
            st.integers(-(2**300), 2**300).map(str),
            st.integers(0, 1000).map(str),
            st.sampled_from(HOSTILE),
            text,
        )
    if kind is float:
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str), st.sampled_from(HOSTILE), text)
    if kind is Path:
        return st.sampled_from(HOSTILE_PATHS)
    # never arbitrary absolute paths: the test may run as root
    return st.one_of(st.sampled_from(HOSTILE), text.filter(lambda t: not t.startswith("/")))


@st.composite
def _argv(draw: st.DrawFn, params: list[Param]) -> list[str]:
    options: list[str] = []
    positional: list[str] = []
    for p in params:
        if p.is_flag or p.kind is bool:
            if p.opt is not None and draw(st.booleans()):
                options.append(p.opt)
            continue
        if not p.required and not draw(st.booleans()):
            continue
        count = draw(st.integers(1, 2)) if p.multiple or p.kind is list else 1
        for _ in range(count):
            value = draw(_value(Path if p.kind is Path else (str if p.kind is list else p.kind)))
            if p.opt is None:
                positional.append(value)
            else:
                options += [p.opt, value]
    if positional and draw(st.booleans()):
        return [*options, "--", *positional]
    return [*options, *positional]


#: values of the global options (never a reachable remote node: the fuzz stays on this machine)
NETWORKS = ["embedded:memory", "polgon", "", "rpc", "http://127.0.0.1:1", "http://[::1", "http://h:99999", "sepolia"]


@st.composite
def _global_options(draw: st.DrawFn) -> list[str]:
    """Global options (before the command), drawn now and then: --account, --network, --config."""
    out: list[str] = []
    if draw(st.integers(0, 5)) == 0:
        out += ["--account", draw(_value(int))]
    if draw(st.integers(0, 5)) == 0:
        out += ["--network", draw(st.sampled_from(NETWORKS))]
    if draw(st.integers(0, 7)) == 0:
        out += ["--config", draw(st.sampled_from(HOSTILE_PATHS))]
    return out


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployed data dir, and files and dirs the hostile paths name (the command runs with this as its cwd)."""
    root = tmp_path_factory.mktemp("fuzz")
    deploy_in(root / "data")
    (root / "a-dir").mkdir()
    (root / "a-file").write_text("blockchain: {}\n")
    (root / "binary-file").write_bytes(bytes(range(256)))
    return root


class Hung(BaseException):  # not an Exception: the entry point must not report it as its own error
    """A command ran past :data:`HANG_SECONDS`: a loop the fuzz must not start, or a hang on bad input."""


HANG_SECONDS = 60


def _hung(_signum: int, _frame: object) -> None:
    raise Hung


def _check(cli: Cli, argv: list[str]) -> None:
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        outcome = cli.invoke(*argv)
    except Hung:
        raise AssertionError(f"still running after {HANG_SECONDS} s: {argv}") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    said = outcome.stdout + outcome.stderr
    assert "this is a bug" not in said, (argv, said)
    assert "internal error" not in said, (argv, said)
    assert outcome.code in (0, 1, 2), (argv, outcome.code, said)
    if outcome.code == 2:
        assert outcome.stderr.strip(), (argv, "exit 2 without a message")
    if "Invalid value for" in said:
        # click's usage errors name the parameter: "Invalid value for '--to'" / "for 'AMOUNT'"
        assert "Invalid value for '" in said, said
    for value in argv:
        if len(value) > 100:
            assert value not in outcome.stderr, ("echoed whole", argv, outcome.stderr[:300])


def _run(fuzz_dir: Path, command: str, examples: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fuzz_dir)  # relative paths a command writes land here
    monkeypatch.setenv("NOVACRON_KEYSTORE_PASSPHRASE", "fuzz")
    cli = Cli(fuzz_dir / "data")
    params = COMMANDS_UNDER_TEST[command]

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_global_options(), _argv(params))
    def check(global_options: list[str], argv: list[str]) -> None:
        _check(cli, [*global_options, *command.split(), *argv])

    check()


@pytest.mark.fuzz
@pytest.mark.parametrize("command", sorted(COMMANDS_UNDER_TEST))
def test_no_command_has_an_internal_error_on_bad_input(
    fuzz_dir: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(fuzz_dir, command, EXAMPLES, monkeypatch)


#: commands whose every accepted input audits the whole deployment (~30 contracts, seconds each): fewer examples,
#: the parsing they share with every other command is fuzzed 40 times there
_MANY = {"security status": 10, "security audit": 10}


@pytest.mark.slow
@pytest.mark.fuzz
@pytest.mark.parametrize("command", sorted(COMMANDS_UNDER_TEST))
def test_no_command_has_an_internal_error_on_many_bad_inputs(
    fuzz_dir: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(fuzz_dir, command, _MANY.get(command, 40), monkeypatch)


def test_the_walk_finds_every_command() -> None:
    assert len(COMMANDS_UNDER_TEST) > 80
    assert "market buy" in COMMANDS_UNDER_TEST
    assert "vm create" in COMMANDS_UNDER_TEST


# -- configuration files and environment variables -----------------------------------------------------------------

# not the path keys: a fuzzed path could point anywhere (the test may run as root)
_KEYS = sorted(k for k in BlockchainConfig.model_fields if k not in {"data_dir", "keystore_path", "bls_keystore_path"})
_YAML_SCALARS = st.one_of(
    st.sampled_from(["", "~", "true", "-1", "0", "1e400", "nan", str(2**300), "99999999999d", "[", "{a: 1}", ADDRESS]),
    st.text(max_size=20),
    st.integers(-(2**300), 2**300).map(str),
)


@st.composite
def _config_text(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["yaml", "bytes", "top"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "top":
        return draw(st.text(max_size=60)).encode()
    keys = draw(st.lists(st.sampled_from(_KEYS), max_size=4))
    lines = [
        f"  {k}: {draw(_YAML_SCALARS)!r}" if draw(st.booleans()) else f"  {k}: {draw(_YAML_SCALARS)}" for k in keys
    ]
    return ("blockchain:\n" + "\n".join(lines) + "\n").encode()


@pytest.mark.fuzz
def test_config_files_and_variables_never_cause_an_internal_error(
    fuzz_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fuzz_dir)
    config = fuzz_dir / "fuzzed-config.yaml"
    cli = Cli(fuzz_dir / "config-data")  # --data-dir: never a fuzzed place

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        content=_config_text(),
        env=st.dictionaries(st.sampled_from(_KEYS), _YAML_SCALARS.filter(lambda v: "\x00" not in v), max_size=3),
    )
    def check(content: bytes, env: dict[str, str]) -> None:
        config.write_bytes(content)
        with monkeypatch.context() as m:
            for k, v in env.items():
                m.setenv(f"NOVACRON_{k.upper()}", v)
            outcome = cli.invoke("--config", str(config), "--json", "chain", "info")
        said = outcome.stdout + outcome.stderr
        assert "this is a bug" not in said, (content, env, said)
        assert "internal error" not in said, (content, env, said)
        assert outcome.code in (0, 1, 2), (content, env, outcome.code, said)
        for line in outcome.stderr.splitlines():
            # a value a variable set is blamed on that variable
            name = line.strip().removeprefix("- ").split("=")[0]
            if name.startswith("NOVACRON_") and "=" in line:
                assert name[len("NOVACRON_") :].lower() in env, line

    check()
