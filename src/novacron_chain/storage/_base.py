"""The one interface of the content-addressed store, and the parts every backend shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from ._cid import DAG_PB, RAW, Cid, sha256_multihash
from ._dagpb import decode_node
from ._errors import ContentNotFoundError, CorruptBlockError, StorageValueError
from ._importer import Source
from ._reader import child_cids, iter_file

__all__ = ["MAX_BLOCK_SIZE", "AddResult", "ContentStore", "VerifyReport"]

MAX_BLOCK_SIZE = 1024 * 1024
"""Largest block ``put_block`` accepts: Kubo's limit, above which bitswap cannot exchange a block."""

_CODECS = {"raw": RAW, "dag-pb": DAG_PB}


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`ContentStore.add` returns.

    ``cid`` is the root CID (what ``ipfs add`` prints), ``size`` the number of content bytes, ``dag_size`` the
    total size of the DAG's blocks (Kubo's ``Size`` in the ``add`` reply, the root link's Tsize; -1 only when a
    node did not report it and ``KuboStore(check_cids=False)`` did not compute it).
    """

    cid: str
    size: int
    dag_size: int


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What :meth:`ContentStore.verify` found: every block of a DAG rehashed.

    ``blocks`` counts the distinct blocks looked at (intact or not); ``missing`` and ``corrupt`` name the bad
    ones. Blocks below a missing or corrupt block cannot be reached and are not counted.
    """

    cid: str
    blocks: int
    missing: tuple[str, ...]
    corrupt: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every block is present and hashes to its CID."""
        return not self.missing and not self.corrupt


class ContentStore(ABC):
    """A content-addressed store of IPFS blocks and UnixFS files, with Kubo-identical CIDs.

    Two backends implement it: :class:`~novacron_chain.storage.EmbeddedStore` (on-disk, in-process) and
    :class:`~novacron_chain.storage.KuboStore` (a Kubo node's RPC API). Both check the hash of every block
    they hand out, so a damaged copy raises :class:`~novacron_chain.storage.CorruptBlockError` instead of
    returning wrong bytes. CIDs are passed and returned as strings (``Qm...`` or ``bafy...``).

    Stores are context managers; :meth:`close` releases what the backend holds (files, HTTP connections).
    """

    # -- the backend's part -------------------------------------------------------------------------------

    @abstractmethod
    def add(
        self,
        source: Source,
        *,
        cid_version: int = 0,
        raw_leaves: bool | None = None,
        pin: bool = True,
    ) -> AddResult:
        """Import a file as ``ipfs add`` does and return its root CID.

        ``source`` is the content as bytes, a path to a file (``str`` or path object) or a binary stream;
        files and streams are read in 256 KiB chunks, never whole. ``cid_version`` 0 gives ``Qm...`` CIDs,
        1 gives ``bafy...``; ``raw_leaves`` defaults like Kubo (``False`` for CIDv0, ``True`` for CIDv1).
        The root is pinned unless ``pin=False``. Adding content already stored costs no extra space.
        """

    @abstractmethod
    def put_block(self, data: bytes, *, codec: str = "raw", cid_version: int = 1, pin: bool = False) -> str:
        """Store one block as is and return its CID.

        ``codec`` is ``"raw"`` or ``"dag-pb"`` (checked to be valid dag-pb); CIDv0 exists only for dag-pb.
        Blocks are at most 1 MiB, as in Kubo. The hash is sha2-256.
        """

    def put_blocks(self, blocks: Sequence[bytes], *, codec: str = "raw", cid_version: int = 1) -> list[str]:
        """Store many blocks as :meth:`put_block` would, one by one, and return their CIDs in order.

        The same blocks and CIDs as ``put_block``; backends batch the writes (the embedded store: one file write
        and one fsync for all of them; Kubo: one ``block/put`` request per 1,000 blocks). Blocks already stored
        are not written again, so putting a batch twice is harmless. Every block is checked before any is written.
        """
        for data in blocks:  # all checked first: a bad block stores none
            prepare_block(data, codec, cid_version)
        return [self.put_block(data, codec=codec, cid_version=cid_version) for data in blocks]

    @abstractmethod
    def has(self, cid: str) -> bool:
        """Whether the block ``cid`` is stored locally (the block only: :meth:`verify` checks a whole DAG)."""

    @abstractmethod
    def pin(self, cid: str) -> None:
        """Pin ``cid`` and everything it links to, so :meth:`gc` keeps them.

        The embedded store needs the whole DAG present (else :class:`ContentNotFoundError`); a Kubo node fetches
        what it lacks from the network, within the client's timeout.
        """

    @abstractmethod
    def unpin(self, cid: str) -> None:
        """Remove the pin of ``cid``; raise :class:`NotPinnedError` when it has none. Blocks stay until gc."""

    @abstractmethod
    def pins(self) -> list[str]:
        """The pinned root CIDs (recursive pins), sorted."""

    @abstractmethod
    def gc(self) -> list[str]:
        """Delete every block not reachable from a pin; return the removed blocks' CIDs.

        Blocks are keyed by multihash, as in Kubo, so removed blocks are reported as CIDv1 ``raw`` CIDs.
        """

    @abstractmethod
    def _read_block(self, cid: Cid, *, local_only: bool) -> bytes:
        """Return the block's bytes after checking its hash.

        Raise :class:`ContentNotFoundError` when it is absent (``local_only``: do not ask the network) and
        :class:`CorruptBlockError` when its bytes do not hash to ``cid``.
        """

    # -- shared behaviour -----------------------------------------------------------------------------------

    def get_block(self, cid: str) -> bytes:
        """The bytes of one block, hash-checked."""
        return self._read_block(Cid.parse(cid), local_only=False)

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream the bytes of the file ``cid`` (a UnixFS file or a raw block), piece by piece.

        ``offset`` and ``length`` select a byte range, as ``ipfs cat --offset --length`` does. Each block is
        hash-checked before any of its bytes are yielded.
        """
        if offset < 0 or (length is not None and length < 0):
            raise StorageValueError(
                f"offset and length must not be negative (got offset={offset}, length={length})",
                hint="pass offset >= 0 and length >= 0, or length=None for the rest of the file",
            )
        root = Cid.parse(cid)

        def read(block_cid: Cid) -> bytes:
            try:
                return self._read_block(block_cid, local_only=False)
            except ContentNotFoundError as exc:
                if block_cid == root or exc.root is not None:
                    raise
                raise ContentNotFoundError(exc.cid, root=str(root), where=exc.where) from None

        return iter_file(read, root, offset=offset, length=length)

    def get(self, cid: str) -> bytes:
        """The whole file ``cid`` in memory; use :meth:`cat` to stream large files."""
        return b"".join(self.cat(cid))

    def verify(self, cid: str) -> VerifyReport:
        """Walk the DAG under ``cid`` in the local store, rehash every block, and report missing or bad ones."""
        root = Cid.parse(cid)
        seen: set[bytes] = set()
        stack = [root]
        missing: list[str] = []
        corrupt: list[str] = []
        while stack:
            current = stack.pop()
            if current.multihash in seen:
                continue
            seen.add(current.multihash)
            try:
                block = self._read_block(current, local_only=True)
            except ContentNotFoundError:
                missing.append(str(current))
                continue
            except CorruptBlockError:
                corrupt.append(str(current))
                continue
            stack.extend(reversed(child_cids(current, block)))
        return VerifyReport(str(root), len(seen), tuple(missing), tuple(corrupt))

    def close(self) -> None:  # noqa: B027 - optional hook; backends that hold nothing need not override
        """Release what the store holds. The base class holds nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def prepare_block(data: bytes, codec: str, cid_version: int) -> Cid:
    """Check a block for ``put_block`` and compute its CID (sha2-256)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise StorageValueError(
            f"a block must be bytes, not {type(data).__name__}",
            hint="encode text first, e.g. text.encode()",
        )
    code = _CODECS.get(codec)
    if code is None:
        raise StorageValueError(
            f"unsupported block codec {codec!r}",
            hint="use codec='raw' for opaque bytes or codec='dag-pb' for a dag-pb node",
        )
    if cid_version not in (0, 1) or (cid_version == 0 and code != DAG_PB):
        raise StorageValueError(
            f"cid_version={cid_version!r} is not possible with codec {codec!r}",
            hint="CIDv0 exists only for dag-pb blocks; use cid_version=1",
        )
    if len(data) > MAX_BLOCK_SIZE:
        raise StorageValueError(
            f"block of {len(data)} bytes is over the 1 MiB block limit",
            hint="use add() for large content: it splits it into 256 KiB blocks",
        )
    if code == DAG_PB:
        try:
            decode_node(bytes(data))
        except ValueError as exc:
            raise StorageValueError(
                f"the block is not valid dag-pb: {exc}",
                hint="store opaque bytes with codec='raw'",
            ) from exc
    return Cid(cid_version, code, sha256_multihash(data))
