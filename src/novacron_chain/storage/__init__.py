"""Content-addressed storage with CIDs identical to Kubo's ``ipfs add``.

Content is split into 256 KiB chunks and built into a balanced UnixFS dag-pb DAG of at most 174 links per node,
exactly as Kubo does by default, so a CID computed here is the one ``ipfs add`` prints for the same bytes
(CIDv0 ``Qm...`` by default; CIDv1 ``bafy...`` with raw or dag-pb leaves).

Two backends share one interface, :class:`ContentStore`:

* :class:`EmbeddedStore` keeps blocks and pins in a local directory; no service to run.
* :class:`KuboStore` talks to a Kubo node's ``/api/v0`` RPC API (any version since 0.13).

:class:`IpfsApiServer` / :func:`serve_api` expose any store over that same RPC subset, so Kubo clients (and
:class:`KuboStore`) can use an embedded store. Every block read by either backend is rehashed; damaged data
raises :class:`CorruptBlockError` and is never returned.

::

    from novacron_chain.storage import EmbeddedStore, compute_cid

    with EmbeddedStore("~/.novacron/ipfs") as store:
        added = store.add("vm-12345.json")           # pinned, like `ipfs add`
        assert added.cid == compute_cid("vm-12345.json")
        data = store.get(added.cid)

:func:`open_store` opens the store a NovaCron config names. :meth:`Cid.parse` is the project's one CID parser:
other packages check the CIDs they are given with it. :func:`export_car` and :func:`import_car` move a DAG in
and out of a CARv1 archive (the format of ``ipfs dag export`` / ``ipfs dag import``); :class:`CarReader` reads one
block by block, rehashing each. Errors are :class:`~novacron_chain.errors.StorageError`
subclasses (see :mod:`novacron_chain.storage._errors` for the tree).
"""

from __future__ import annotations

from ._base import AddResult, ContentStore, VerifyReport
from ._car import CarReader, CarSummary, CarWriter, export_car, import_car, iter_dag
from ._cid import Cid
from ._embedded import EmbeddedStore
from ._errors import (
    CarFormatError,
    CidMismatchError,
    ContentNotFoundError,
    CorruptBlockError,
    DamagedContentError,
    InvalidCidError,
    IpfsApiError,
    IpfsTimeoutError,
    IpfsUnreachableError,
    NotPinnedError,
    StorageValueError,
    UnsupportedContentError,
)
from ._importer import CHUNK_SIZE, MAX_LINKS, DagBuilder, Source, import_source
from ._kubo import KuboStore
from ._open import open_store
from ._server import IpfsApiServer, serve_api

__all__ = [
    "CHUNK_SIZE",
    "MAX_LINKS",
    "AddResult",
    "CarFormatError",
    "CarReader",
    "CarSummary",
    "CarWriter",
    "Cid",
    "CidMismatchError",
    "ContentNotFoundError",
    "ContentStore",
    "CorruptBlockError",
    "DamagedContentError",
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
    "export_car",
    "import_car",
    "iter_dag",
    "open_store",
    "serve_api",
]


def compute_cid(data_or_path: Source, *, cid_version: int = 0, raw_leaves: bool | None = None) -> str:
    """The CID ``ipfs add`` gives the content, computed locally without storing anything.

    ``data_or_path`` is the content as bytes, a file path (``str`` or path object) or a binary stream; files
    and streams are read one 256 KiB chunk at a time. ``cid_version=0`` (the default, like Kubo) gives
    ``Qm...``; ``cid_version=1`` gives ``bafy...`` (``bafk...`` for a file of one chunk). ``raw_leaves``
    defaults like Kubo: ``False`` with CIDv0, ``True`` with CIDv1; pass it to match ``ipfs add --raw-leaves=...``.

    >>> compute_cid(b"hello world\\n")
    'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    """
    return str(import_source(data_or_path, DagBuilder(cid_version=cid_version, raw_leaves=raw_leaves)).root)
