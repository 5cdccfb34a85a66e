"""Start-up work a CLI process can skip: py_ecc's BLS12-381 tables, which eth-keyfile loads and no command uses.

Every command imports web3, web3 imports eth-account, and eth-account 0.14 imports eth-keyfile >= 0.10, whose
``keyfile`` module imports ``py_ecc.bls`` and ``py_ecc.bls12_381`` at import time for EIP-2335 (BLS) keystores.
Those py_ecc modules compute pairing tables and self-checks as they load: about a fifth of a read command's CPU time
(ethereum/py_ecc#135 is the upstream report). No pin avoids it: eth-keyfile 0.9 imports py_ecc too, 0.8 does not but
needs eth-account < 0.14, and eth-tester 0.14 (our embedded chain) needs eth-account >= 0.14. eth-keyfile uses what
it imports in two places: the constant ``curve_order``, and ``bls.SkToPk`` when it *creates* a version-4 (BLS)
keystore, which this project never does.

:func:`defer_keyfile_bls` imports ``eth_keyfile`` with both py_ecc modules stood in for, during that one import
only: ``curve_order`` is the same integer (BLS12-381's group order), and ``G2ProofOfPossession`` is a reference that
imports the real class on first attribute use, so a v4 keystore still works (slower the first time). Right after,
the stand-ins leave ``sys.modules``; whoever imports py_ecc afterwards (py-evm's precompiles on the embedded chain,
the consensus domain) gets the real modules. It does nothing, and the normal import happens, unless the keyfile
module's source imports from py_ecc exactly the names above and uses ``bls`` only as ``bls.<attribute>``, or when
py_ecc's BLS modules or eth_keyfile are already loaded; if the deferred import fails anyway, the module is imported
again the usual way. Only the CLI entry point calls it, before any thread starts (a short-lived process whose imports
are its own); the library leaves its host's imports alone. ``tests/cli/test_startup.py`` runs keystore round trips
and a v4 keystore through the deferred import, and checks the installed eth-keyfile still has the expected shape.
"""

from __future__ import annotations

import ast  # already loaded by typer
import importlib
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

__all__ = ["BLS12_381_ORDER", "defer_keyfile_bls"]

#: the order r of BLS12-381's groups (``py_ecc.bls12_381.curve_order``): x**4 - x**2 + 1 for x = -0xd201000000010000
BLS12_381_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

_STOOD_IN = {"py_ecc.bls": "G2ProofOfPossession", "py_ecc.bls12_381": "curve_order"}


class _Deferred:
    """Stands for ``module.name``; the first attribute lookup imports the real object and answers from it."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def __getattr__(self, attr: str) -> Any:
        module, name = self._where
        return getattr(getattr(importlib.import_module(module), name), attr)

    def __repr__(self) -> str:
        return "<deferred {}.{}>".format(*self._where)


def defer_keyfile_bls() -> None:
    """From now on, the first import of ``eth_keyfile`` skips py_ecc's BLS tables (if the checks above pass).

    Costs nothing until something imports eth_keyfile (``novacron-chain --help`` never does).
    """
    if not any(isinstance(f, _KeyfileFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _KeyfileFinder())


class _KeyfileFinder:
    """Finds ``eth_keyfile`` as usual and hands back its spec with a loader that imports it the deferred way."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "eth_keyfile":
            return None
        sys.meta_path.remove(self)  # one use; the search below must not come back here
        spec = importlib.util.find_spec(fullname)  # finding a top-level package does not run it
        if spec is None or spec.loader is None or any(name in sys.modules for name in _STOOD_IN):
            return spec
        try:
            source = _keyfile_source(spec)
            others = _other_imports(source) if source is not None else None
        except Exception:  # e.g. a source we cannot parse: import the usual way
            others = None
        if others is not None:
            # a loader by duck typing: subclassing importlib.abc.Loader would import importlib.resources (~30 ms)
            spec.loader = cast("Loader", _DeferringLoader(spec.loader, others))
        return spec


class _DeferringLoader:
    """Runs the real loader with the stand-ins in place; everything else the module imports loads for real first."""

    def __init__(self, loader: Loader, others: list[str]) -> None:
        self._loader = loader
        self._others = others

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # the module keeps the real loader, as if imported the usual way
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        for name in self._others:  # what else the keyfile module needs loads for real, outside the window
            importlib.import_module(name)
        try:
            with _stand_ins():
                self._loader.exec_module(module)
        except Exception:
            # not the shape the checks expected after all: import the usual way (the stand-ins are gone again)
            sys.modules.pop("eth_keyfile.keyfile", None)
            self._loader.exec_module(module)


def _keyfile_source(spec: ModuleSpec) -> str | None:
    if not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "keyfile.py"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _other_imports(source: str) -> list[str] | None:
    """The absolute modules the keyfile module imports besides the stood-in ones, or None if it does not have
    exactly the shape this deferral was checked against."""
    tree = ast.parse(source)
    from_py_ecc: dict[str, set[str]] = {}
    others: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            others.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("py_ecc"):
                from_py_ecc.setdefault(node.module, set()).update(a.name for a in node.names)
            elif not node.module.startswith("eth_keyfile"):
                others.append(node.module)
    stood_in = {module: names for module, names in from_py_ecc.items() if module in _STOOD_IN}
    if stood_in != {module: {name} for module, name in _STOOD_IN.items()}:
        return None
    if not _bls_used_by_attribute_only(tree):
        return None
    others.extend(module for module in from_py_ecc if module not in _STOOD_IN)
    return others


def _bls_used_by_attribute_only(tree: ast.Module) -> bool:
    # eth-keyfile binds the class as ``bls``; a stand-in answers attribute lookups only (no calls, no isinstance)
    alias = next(
        (
            a.asname or a.name
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module == "py_ecc.bls"
            for a in node.names
        ),
        None,
    )
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == alias]
    by_attribute = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == alias
    ]
    return alias is not None and len(uses) == len(by_attribute)


@contextmanager
def _stand_ins() -> Iterator[None]:
    bls = ModuleType("py_ecc.bls", "stand-in while eth_keyfile imports (novacron_chain.cli._startup)")
    bls.G2ProofOfPossession = _Deferred("py_ecc.bls", "G2ProofOfPossession")  # type: ignore[attr-defined]
    curve = ModuleType("py_ecc.bls12_381", "stand-in while eth_keyfile imports (novacron_chain.cli._startup)")
    curve.curve_order = BLS12_381_ORDER  # type: ignore[attr-defined]
    sys.modules.update({"py_ecc.bls": bls, "py_ecc.bls12_381": curve})
    try:
        yield
    finally:
        for name, module in (("py_ecc.bls", bls), ("py_ecc.bls12_381", curve)):
            if sys.modules.get(name) is module:
                del sys.modules[name]
