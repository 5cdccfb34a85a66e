"""CAR files (content archives, CARv1): a DAG's blocks in one file that ``ipfs dag import`` reads.

Format (https://ipld.io/specs/transport/car/carv1/)::

    varint(len(header)) || header                  header: dag-cbor {"roots": [CID, ...], "version": 1}
    varint(len(cid) + len(block)) || cid || block  once per block (binary CID: CIDv0 is the bare multihash)

:func:`export_car` walks a DAG in a :class:`~novacron_chain.storage.ContentStore` depth-first, parents before
children, each block once (the order ``ipfs dag export`` writes); :class:`CarReader` reads an archive back,
rehashing every block against its CID, and after a full read names the blocks the archive links to but lacks;
:func:`import_car` puts a whole archive into a store, and refuses it, before pinning anything, when a block is
damaged or missing.

The header is the only dag-cbor in a CAR: it is encoded and decoded here by hand (a fixed shape, canonical
dag-cbor: map keys sorted by length, CIDs as tag 42 over a byte string with a leading zero), so no CBOR package is
needed. Only definite-length items are accepted, as dag-cbor requires.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Self

from ._cid import DAG_PB, IDENTITY, RAW, SHA2_256, Cid, hash_block
from ._errors import CarFormatError, CorruptBlockError, StorageValueError
from ._reader import child_cids
from ._varint import decode_varint, encode_varint

if TYPE_CHECKING:
    from ._base import ContentStore

__all__ = ["CarReader", "CarSummary", "CarWriter", "export_car", "import_car", "iter_dag"]

MAX_HEADER_SIZE = 1024 * 1024
"""Largest CAR header accepted (a header names roots only; go-car's own limit is larger, but never needed)."""

MAX_SECTION_SIZE = 8 * 1024 * 1024
"""Largest block section accepted (blocks are at most 1 MiB in Kubo, 2 MiB over bitswap; this leaves room)."""

_CID_TAG = 42
_CODEC_NAMES = {RAW: "raw", DAG_PB: "dag-pb"}


@dataclass(frozen=True, slots=True)
class CarSummary:
    """What an export or import did: the archive's ``roots`` (CID strings), the ``blocks`` in it, and its
    ``size`` in bytes; ``path`` is the file, when there was one."""

    roots: tuple[str, ...]
    blocks: int
    size: int
    path: str | None = None


# -- the dag-cbor header --------------------------------------------------------------------------------------------


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for extra, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * width):
            return bytes([major << 5 | extra]) + value.to_bytes(width, "big")
    raise ValueError(f"{value} does not fit a CBOR head")


def encode_header(roots: Iterable[Cid]) -> bytes:
    """The canonical dag-cbor CARv1 header ``{"roots": [...], "version": 1}``."""
    items = [Cid.parse(r).to_bytes() for r in roots]
    out = bytearray(_cbor_head(5, 2))
    out += _cbor_head(3, 5) + b"roots" + _cbor_head(4, len(items))
    for cid in items:
        out += _cbor_head(6, _CID_TAG) + _cbor_head(2, len(cid) + 1) + b"\x00" + cid
    out += _cbor_head(3, 7) + b"version" + _cbor_head(0, 1)
    return bytes(out)


class _Cbor:
    """A decoder for the dag-cbor subset a CAR header can hold (definite lengths, CIDs as tag 42)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("the header ends in the middle of an item")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def item(self, depth: int = 0) -> object:
        if depth > 16:
            raise ValueError("the header nests too deeply")
        first = self._take(1)[0]
        major, info = first >> 5, first & 0x1F
        if major == 7:
            simple: dict[int, object] = {20: False, 21: True, 22: None}
            if info in simple:
                return simple[info]
            raise ValueError(f"unsupported simple value or float (0x{first:02x})")
        if info < 24:
            value = info
        elif info <= 27:
            value = int.from_bytes(self._take(1 << (info - 24)), "big")
        else:
            raise ValueError("indefinite-length items are not dag-cbor")
        if major == 0:
            return value
        if major == 1:
            return -1 - value
        if major == 2:
            return self._take(value)
        if major == 3:
            return self._take(value).decode("utf-8")
        if major == 4:
            return [self.item(depth + 1) for _ in range(value)]
        if major == 5:
            out: dict[object, object] = {}
            for _ in range(value):
                key = self.item(depth + 1)
                if not isinstance(key, str) or key in out:
                    raise ValueError("map keys must be distinct strings")
                out[key] = self.item(depth + 1)
            return out
        # major 6: a tag
        inner = self.item(depth + 1)
        if value != _CID_TAG:
            raise ValueError(f"unsupported tag {value}")
        if not isinstance(inner, bytes) or inner[:1] != b"\x00":
            raise ValueError("a CID (tag 42) must be a byte string starting with 0x00")
        return Cid.from_bytes(inner[1:])


def decode_header(data: bytes) -> tuple[int, tuple[Cid, ...]]:
    """``(version, roots)`` of a dag-cbor CAR header; ``ValueError`` when it is not one."""
    parser = _Cbor(data)
    obj = parser.item()
    if parser.pos != len(data):
        raise ValueError("bytes after the header's map")
    if not isinstance(obj, dict):
        raise ValueError("the header is not a map")
    version = obj.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError("the header has no version")
    if version != 1:
        return version, ()
    roots = obj.get("roots")
    if not isinstance(roots, list) or not all(isinstance(r, Cid) for r in roots):
        raise ValueError("the header's roots are not a list of CIDs")
    return version, tuple(r for r in roots if isinstance(r, Cid))


# -- writing --------------------------------------------------------------------------------------------------------


class CarWriter:
    """Writes a CARv1 archive to a binary ``stream``: the header for ``roots`` at once, then :meth:`add` per block.

    The writer trusts the caller for the pairing of a CID and its bytes (:func:`export_car` reads them from a
    store, which checks every hash)."""

    def __init__(self, stream: IO[bytes], roots: Iterable[Cid | str]) -> None:
        self.stream = stream
        self.roots = tuple(Cid.parse(r) for r in roots)
        header = encode_header(self.roots)
        self.size = 0
        self.blocks = 0
        self._write(encode_varint(len(header)) + header)

    def _write(self, data: bytes) -> None:
        self.stream.write(data)
        self.size += len(data)

    def add(self, cid: Cid | str, data: bytes) -> None:
        """Append one block."""
        raw = Cid.parse(cid).to_bytes()
        self._write(encode_varint(len(raw) + len(data)) + raw)
        self._write(bytes(data))
        self.blocks += 1


def iter_dag(read: Callable[[Cid], bytes], root: Cid | str) -> Iterator[tuple[Cid, bytes]]:
    """Every block of the DAG under ``root``, depth-first, parents before children, each block once (by
    multihash); ``read`` returns a block's hash-checked bytes. Identity CIDs carry their data and are skipped."""
    stack = [Cid.parse(root)]
    seen: set[bytes] = set()
    while stack:
        cid = stack.pop()
        if cid.multihash in seen:
            continue
        seen.add(cid.multihash)
        data = read(cid)
        if cid.hash_code != IDENTITY:
            yield cid, data
        stack.extend(reversed(child_cids(cid, data)))


def export_car(store: ContentStore, root: Cid | str, dest: str | os.PathLike[str] | IO[bytes]) -> CarSummary:
    """Write the DAG under ``root`` from ``store`` to ``dest`` (a path or a binary stream) as a CARv1 archive.

    A path is written to a temporary file beside it and renamed into place when complete, so an interrupted export
    never leaves a partial archive under its name. Blocks missing from the store raise
    :class:`ContentNotFoundError`, damaged ones :class:`CorruptBlockError` (nothing is written under ``dest``).
    """
    parsed = Cid.parse(root)

    def read(cid: Cid) -> bytes:
        return store.get_block(str(cid))

    if not isinstance(dest, str | os.PathLike):
        writer = CarWriter(dest, [parsed])
        for cid, data in iter_dag(read, parsed):
            writer.add(cid, data)
        return CarSummary((str(parsed),), writer.blocks, writer.size)
    target = Path(dest).expanduser()
    if target.is_dir():
        raise StorageValueError(f"{target} is a directory", hint="pass a file name for the archive, e.g. backup.car")
    if target.exists() and not target.is_file():
        # a device or a pipe (/dev/stdout, /dev/null, a FIFO): stream into it; renaming a temp file over it would
        # replace the device itself (as root, /dev/null became a regular file in a test run)
        try:
            with open(target, "wb") as sink:
                writer = CarWriter(sink, [parsed])
                for cid, data in iter_dag(read, parsed):
                    writer.add(cid, data)
        except OSError as exc:
            raise StorageValueError(
                f"cannot write the archive {target}: {exc.strerror or exc}", hint="choose a regular file path"
            ) from exc
        return CarSummary((str(parsed),), writer.blocks, writer.size, str(target))
    tmp = target.with_name(f".tmp-{target.name}.{secrets.token_hex(6)}")
    try:
        with open(tmp, "wb", buffering=1024 * 1024) as fh:
            writer = CarWriter(fh, [parsed])
            for cid, data in iter_dag(read, parsed):
                writer.add(cid, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageValueError(
            f"cannot write the archive {target}: {exc.strerror or exc}",
            hint="choose a path in an existing directory this user can write, with free space",
        ) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return CarSummary((str(parsed),), writer.blocks, writer.size, str(target))


# -- reading --------------------------------------------------------------------------------------------------------


class CarReader:
    """Reads a CARv1 archive from ``source`` (a path or a binary stream).

    The header is read at once (:attr:`roots`); iterating yields ``(cid, bytes)`` per block, each rehashed against
    its CID (:class:`CorruptBlockError` when it does not match), and malformed framing raises
    :class:`CarFormatError`. After a full iteration, :meth:`missing` names the CIDs that the archive's dag-pb
    blocks (or its header) link to but that it does not hold. Use it as a context manager.
    """

    def __init__(self, source: str | os.PathLike[str] | IO[bytes]) -> None:
        self._own = isinstance(source, str | os.PathLike)
        if isinstance(source, str | os.PathLike):
            self.path = str(Path(source).expanduser())
            try:
                self._fh: IO[bytes] = open(self.path, "rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise StorageValueError(
                    f"cannot read the archive {self.path}: {exc.strerror or exc}",
                    hint="pass the path of a .car file (`novacron-chain state backup` or `ipfs dag export` makes one)",
                ) from exc
        else:
            self.path = getattr(source, "name", None) or "the CAR stream"
            self._fh = source
        self._pos = 0
        self._seen: set[bytes] = set()
        self._linked: dict[bytes, Cid] = {}
        self._done = False
        try:
            self.version, self.roots = self._read_header()
        except BaseException:
            self.close()
            raise

    def _fail(self, problem: str, offset: int | None = None) -> CarFormatError:
        return CarFormatError(self.path, problem, offset=self._pos if offset is None else offset)

    def _read(self, n: int) -> bytes:
        data = self._fh.read(n)
        self._pos += len(data)
        return data

    def _varint(self, what: str) -> int | None:
        """A varint from the stream; ``None`` at a clean end of file."""
        start = self._pos
        buf = bytearray()
        while True:
            byte = self._read(1)
            if not byte:
                if not buf:
                    return None
                raise self._fail(f"the file ends inside the length of {what}", start)
            buf += byte
            if byte[0] < 0x80:
                break
            if len(buf) >= 9:
                raise self._fail(f"the length of {what} is not a valid varint", start)
        try:
            return decode_varint(bytes(buf), 0)[0]
        except ValueError as exc:
            raise self._fail(f"the length of {what} is not a valid varint ({exc})", start) from exc

    def _read_header(self) -> tuple[int, tuple[Cid, ...]]:
        length = self._varint("the header")
        if length is None:
            raise self._fail("the file is empty, not a CAR archive", 0)
        if not 0 < length <= MAX_HEADER_SIZE:
            raise self._fail(f"a header of {length:,} bytes is not a CAR header", 0)
        data = self._read(length)
        if len(data) != length:
            raise self._fail("the file ends inside the header")
        try:
            version, roots = decode_header(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self._fail(f"the header is not a CARv1 header ({exc})", 0) from exc
        if version != 1:
            raise CarFormatError(
                self.path,
                f"this is a CAR version {version} archive; only CARv1 is read here",
                offset=0,
                hint="convert it to CARv1 (e.g. `car extract` or `ipfs dag export` from a node that imported it)",
            )
        for root in roots:
            self._linked.setdefault(root.multihash, root)
        return version, roots

    def __iter__(self) -> Iterator[tuple[Cid, bytes]]:
        while True:
            start = self._pos
            length = self._varint("a block section")
            if length is None:
                self._done = True
                return
            if not 0 < length <= MAX_SECTION_SIZE:
                raise self._fail(f"a block section of {length:,} bytes is out of range", start)
            section = self._read(length)
            if len(section) != length:
                raise self._fail(f"the file ends inside a block section ({len(section)} of {length} bytes)", start)
            cid, data = self._split(section, start)
            where = f"{self.path} at byte {start:,}"
            if cid.hash_code != IDENTITY and hash_block(cid, data) != cid.multihash:
                raise CorruptBlockError(str(cid), location=where, actual=None)
            self._seen.add(cid.multihash)
            if cid.codec == DAG_PB:
                try:
                    children = child_cids(cid, data)
                except CarFormatError:
                    raise
                except Exception as exc:
                    raise self._fail(f"block {cid} is not valid dag-pb ({exc})", start) from exc
                for child in children:
                    if child.hash_code != IDENTITY:
                        self._linked.setdefault(child.multihash, child)
            yield cid, data

    def _split(self, section: bytes, start: int) -> tuple[Cid, bytes]:
        try:
            if len(section) >= 34 and section[0] == SHA2_256 and section[1] == 32:
                return Cid(0, DAG_PB, section[:34]), section[34:]
            version, pos = decode_varint(section, 0)
            if version != 1:
                raise ValueError(f"unknown CID version {version}")
            codec, pos = decode_varint(section, pos)
            mh_start = pos
            _code, pos = decode_varint(section, pos)
            size, pos = decode_varint(section, pos)
            if pos + size > len(section):
                raise ValueError("the multihash runs past the section")
            return Cid(1, codec, section[mh_start : pos + size]), section[pos + size :]
        except ValueError as exc:
            raise self._fail(f"the block section does not start with a CID ({exc})", start) from exc

    @property
    def bytes_read(self) -> int:
        """Bytes of the archive read so far (its size, after a full iteration)."""
        return self._pos

    def missing(self) -> list[Cid]:
        """The CIDs linked (or named as roots) but not in the archive; only meaningful after a full iteration."""
        if not self._done:
            raise StorageValueError("read the whole archive before asking what it lacks")
        return [cid for mh, cid in self._linked.items() if mh not in self._seen]

    def close(self) -> None:
        """Close the file (a stream passed in is left open)."""
        if self._own:
            with contextlib.suppress(OSError):
                self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def import_car(store: ContentStore, source: str | os.PathLike[str] | IO[bytes], *, pin: bool = True) -> CarSummary:
    """Put every block of the CARv1 archive ``source`` into ``store``; pin its roots (unless ``pin=False``).

    Every block is rehashed first; the roots are pinned only once the whole archive was read and found complete
    (every root and every dag-pb link present), else :class:`CarFormatError` names the first missing block.
    Blocks written before a failure stay unpinned (content-addressed, they change nothing; ``gc`` reclaims them).
    Blocks must be raw or dag-pb with sha2-256, what this package's stores keep.
    """
    with CarReader(source) as reader:
        if not reader.roots:
            raise CarFormatError(reader.path, "the archive names no root", offset=0)
        count = 0
        for cid, data in reader:
            _put_checked(store, cid, data, where=reader.path)
            count += 1
        lacking = reader.missing()
        if lacking:
            raise CarFormatError(
                reader.path,
                f"the archive is incomplete: {len(lacking):,} linked blocks are not in it (first: {lacking[0]})",
            )
        size = reader.bytes_read
        roots = tuple(str(r) for r in reader.roots)
        if pin:
            for root in roots:
                store.pin(root)
        return CarSummary(roots, count, size, reader.path)


def _put_checked(store: ContentStore, cid: Cid, data: bytes, *, where: str) -> None:
    """Store one block read from an archive under exactly ``cid``; refuse codecs and hashes the store cannot keep."""
    name = _CODEC_NAMES.get(cid.codec)
    if name is None or cid.multihash[:2] != b"\x12\x20":
        raise CarFormatError(
            where,
            f"block {cid} is {cid.codec_name} hashed with 0x{cid.hash_code:x}; the store keeps raw and dag-pb "
            "blocks hashed with sha2-256",
            hint="import this archive into a Kubo node (`ipfs dag import`) instead",
        )
    stored = store.put_block(data, codec=name, cid_version=cid.version)
    if Cid.parse(stored).multihash != cid.multihash:
        raise CarFormatError(where, f"the store keeps block {cid} as {stored}")
