"""The public surface of novacron_chain.storage: a test fails when it drifts (httpx tests/test_exported_members)."""

from __future__ import annotations

import inspect

import novacron_chain.storage as storage
from novacron_chain.errors import NovaValueError, StorageError

EXPECTED = [
    "CHUNK_SIZE",
    "MAX_LINKS",
    "AddResult",
    "CidMismatchError",
    "ContentNotFoundError",
    "ContentStore",
    "CorruptBlockError",
    "EmbeddedStore",
    "InvalidCidError",
    "IpfsApiError",
    "IpfsApiServer",
    "IpfsTimeoutError",
    "IpfsUnreachableError",
    "KuboStore",
    "NotPinnedError",
    "Source",
    "StorageValueError",
    "UnsupportedContentError",
    "VerifyReport",
    "compute_cid",
    "serve_api",
]


def test_all_is_sorted_and_as_expected() -> None:
    assert storage.__all__ == EXPECTED
    assert storage.__all__ == sorted(storage.__all__, key=lambda n: (not n.isupper(), n))


def test_public_names_exist_and_are_documented() -> None:
    assert storage.__doc__
    for name in storage.__all__:
        member = getattr(storage, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"{name} has no docstring"
        if inspect.isclass(member):
            for attr, value in vars(member).items():
                if not attr.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(getattr(member, attr)), f"{name}.{attr} has no docstring"


def test_errors_are_storage_errors() -> None:
    errors = [getattr(storage, n) for n in storage.__all__ if n.endswith("Error")]
    assert errors
    for error in errors:
        assert issubclass(error, StorageError)
    assert issubclass(storage.InvalidCidError, NovaValueError)
    assert storage.InvalidCidError("x", "bad").exit_code == 2
    assert storage.ContentNotFoundError("Qm").exit_code == 1


def test_both_backends_implement_the_interface() -> None:
    assert issubclass(storage.EmbeddedStore, storage.ContentStore)
    assert issubclass(storage.KuboStore, storage.ContentStore)
    assert not inspect.isabstract(storage.EmbeddedStore)
    assert not inspect.isabstract(storage.KuboStore)
