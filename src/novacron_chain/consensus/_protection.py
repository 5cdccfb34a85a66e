"""Slashing protection: a validator's durable record of every checkpoint root it signed, in the spirit of EIP-3076.

Signing two different roots for one ``(domain, height)`` is the offence ``StakeManager.reportDoubleSign`` slashes
(10% of stake and a tombstone). A validator process therefore asks :meth:`SlashingProtection.check_and_record`
before every signature, and releases the signature only after it returns: the answer is "no" for a second root at a
height already signed, and "yes" only once the new ``(domain, height, root)`` is on disk.

Durability, so that ``kill -9`` (or a power cut) at any instant never allows a double sign:

* the record is an append-only file of JSON lines, one per signed checkpoint, after a header naming the key;
* each new line is written with one ``write`` and ``fsync``-ed BEFORE :meth:`~SlashingProtection.check_and_record`
  returns, and the directory is ``fsync``-ed when the file is created, so a released signature is always on disk;
* a crash can only tear the LAST line (the one whose signature was never released): on load a final line without
  its newline is dropped and cut off the file; any other unreadable line is corruption and the record refuses to
  sign (:class:`ProtectionRecordError`) rather than guess;
* an exclusive ``flock`` on a lock file beside the record stops a second process (or a second open in this one)
  from signing with the same key: two signers with one key is how validators really get slashed. The kernel drops
  the lock when its holder dies, ``kill -9`` included.

Watermarks: re-signing the SAME root at a height is allowed (an aggregator may ask again, a restart may repeat
work), and so is signing a lower height than the last one (not an offence; the chain simply rejects stale heights).
What the record cannot allow is signing where it has forgotten what was signed. It forgets on purpose in two cases,
and then keeps a per-domain watermark and refuses every height at or below it (:class:`BelowWatermarkError`),
unless it still holds that exact root there:

* :meth:`~SlashingProtection.compact` drops old heights (so the file does not grow forever) and raises the
  watermark to the highest height dropped;
* :meth:`~SlashingProtection.import_interchange` takes watermarks from the other record, and where the imported
  history conflicts with this one (the key already signed two roots there) raises the watermark over that height.

The interchange file (``export_interchange`` / ``import_interchange``), like EIP-3076's, moves a key's history
between machines with the key, numbers as decimal strings::

    {"metadata": {"interchange_format": "novacron-checkpoint-protection", "interchange_format_version": "1"},
     "data": [{"pubkey": "0x…", "signed_checkpoints": [{"domain": "0x…", "height": "7", "root": "0x…"}],
               "watermarks": [{"domain": "0x…", "height": "3"}]}]}
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from ..units import is_digits
from ._bls import BlsPublicKey
from ._errors import (
    BelowWatermarkError,
    BlsEncodingError,
    ConsensusValueError,
    DoubleSignRefusedError,
    ProtectionLockedError,
    ProtectionRecordError,
)

__all__ = ["INTERCHANGE_FORMAT", "ImportSummary", "SlashingProtection"]

#: the ``metadata.interchange_format`` of exported files
INTERCHANGE_FORMAT = "novacron-checkpoint-protection"
_INTERCHANGE_VERSION = "1"
_HEADER_KEY = "novacron_slashing_protection"
_RECORD_VERSION = 1
_UINT64_MAX = 2**64 - 1


@dataclass(frozen=True)
class ImportSummary:
    """What :meth:`SlashingProtection.import_interchange` did.

    ``imported``: new ``(domain, height, root)`` entries; ``known``: entries the record already held;
    ``conflicts``: ``(domain, height)`` where the import names another root than this record (the key has signed
    both: each such height is now under the domain's watermark, so neither root is signed again there);
    ``watermarks``: domains whose watermark rose.
    """

    imported: int
    known: int
    conflicts: list[tuple[bytes, int]] = field(default_factory=list)
    watermarks: dict[bytes, int] = field(default_factory=dict)


class SlashingProtection:
    """The signing record of one BLS key, open for signing (one holder at a time).

    ::

        with SlashingProtection.open(data_dir / "protection", keystore.pubkey) as guard:
            guard.check_and_record(domain, height, root)   # raises rather than allow a second root; durable
            send(secret_key.sign(checkpoint_digest(chain_id, verifier, domain, height, root, epoch)))

    Thread-safe. Use it as a context manager or call :meth:`close`.
    """

    def __init__(self, path: Path, pubkey: BlsPublicKey, lock_fd: int, fd: int) -> None:
        # use SlashingProtection.open(...)
        self.path = path
        self.pubkey = pubkey
        self._lock_fd = lock_fd
        self._fd = fd
        self._mutex = threading.Lock()
        self._signed: dict[bytes, dict[int, bytes]] = {}
        self._watermarks: dict[bytes, int] = {}
        self._broken: str | None = None

    # --- opening ------------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: str | os.PathLike[str], pubkey: BlsPublicKey) -> SlashingProtection:
        """Open (creating if needed) the record of ``pubkey`` in ``directory``: the file
        ``<directory>/<pubkey hex>.jsonl``, locked for this process until :meth:`close`."""
        folder = Path(directory)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ProtectionRecordError(
                f"cannot create the slashing-protection directory {folder}: {exc}", path=str(folder)
            ) from exc
        path = folder / f"{pubkey.to_bytes().hex()}.jsonl"
        lock_fd = _open_lock(path.with_suffix(".lock"))
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            os.close(lock_fd)
            raise ProtectionRecordError(
                f"cannot open slashing-protection record {path}: {exc}", path=str(path)
            ) from exc
        guard = cls(path, pubkey, lock_fd, fd)
        try:
            guard._load()
        except BaseException:
            guard.close()
            raise
        return guard

    def _load(self) -> None:
        with open(self._fd, "rb", closefd=False) as fh:
            fh.seek(0)
            data = fh.read()
        complete = data.rfind(b"\n") + 1  # bytes up to the last newline: whole lines
        if complete == 0:
            # nothing whole, not even the header: a crash while creating. No signature was ever released from a
            # record without a durable header line (a record is appended only after it), so start afresh.
            os.ftruncate(self._fd, 0)
            header = {_HEADER_KEY: _RECORD_VERSION, "pubkey": self.pubkey.hex()}
            self._append([json.dumps(header, separators=(",", ":"))])
            _fsync_dir(self.path.parent)
            return
        if complete < len(data):
            # a torn last line: its signature was never released (check_and_record had not returned). Cut it off,
            # or the next append would glue a valid line onto it.
            os.ftruncate(self._fd, complete)
            os.fsync(self._fd)
        lines = data[:complete].split(b"\n")[:-1]
        self._check_header(lines[0])
        for number, line in enumerate(lines[1:], start=2):
            try:
                entry = json.loads(line)
                domain = bytes.fromhex(entry["d"])
                if "w" in entry:
                    self._raise_watermark(domain, _height(entry["w"]))
                else:
                    self._remember(domain, _height(entry["h"]), bytes.fromhex(entry["r"]), number)
            except ProtectionRecordError:
                raise
            except (ValueError, KeyError, TypeError) as exc:
                raise ProtectionRecordError(
                    f"slashing-protection record {self.path} is corrupt at line {number}: {line[:80]!r}",
                    path=str(self.path),
                    hint="do not sign with this key until the record is repaired from a backup or an export "
                    "(deleting it would forget what the key signed)",
                ) from exc

    def _check_header(self, line: bytes) -> None:
        try:
            header = json.loads(line)
            version, pubkey = header[_HEADER_KEY], header["pubkey"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtectionRecordError(
                f"{self.path} is not a slashing-protection record (no header line)", path=str(self.path)
            ) from exc
        if version != _RECORD_VERSION:
            raise ProtectionRecordError(f"{self.path} has record version {version!r}, not 1", path=str(self.path))
        if pubkey != self.pubkey.hex():
            raise ProtectionRecordError(
                f"{self.path} is the record of key {pubkey}, not of {self.pubkey.hex()}",
                path=str(self.path),
                hint="each key has its own record file named after it; do not rename or copy records",
            )

    def _remember(self, domain: bytes, height: int, root: bytes, line: int) -> None:
        if len(domain) != 32 or len(root) != 32:
            raise ValueError("domain and root must be 32 bytes")
        by_height = self._signed.setdefault(domain, {})
        known = by_height.get(height)
        if known is not None and known != root:
            raise ProtectionRecordError(
                f"slashing-protection record {self.path} holds two roots for domain 0x{domain.hex()} at height "
                f"{height} (line {line}): the key has signed both",
                path=str(self.path),
                hint="the record was edited by hand; restore it from a backup or an export",
            )
        by_height[height] = root

    def _raise_watermark(self, domain: bytes, height: int) -> None:
        if len(domain) != 32:
            raise ValueError("domain must be 32 bytes")
        self._watermarks[domain] = max(height, self._watermarks.get(domain, 0))

    # --- signing ------------------------------------------------------------------------------------------------

    def check_and_record(self, domain: bytes, height: int, root: bytes) -> bool:
        """Allow signing ``root`` at ``(domain, height)``, durably, or refuse.

        Returns ``True`` when the entry is new (now on disk), ``False`` when this exact root was signed there
        before (signing it again is harmless). Raises :class:`DoubleSignRefusedError` when another root was
        signed there, :class:`BelowWatermarkError` when the height is at or below the domain's watermark, and
        :class:`ProtectionRecordError` when the record cannot be written (then nothing may be signed).
        """
        domain, root = _bytes32(domain, "domain"), _bytes32(root, "root")
        height = _height(height)
        with self._mutex:
            if self._fd < 0:
                raise ProtectionRecordError(f"slashing-protection record {self.path} is closed", path=str(self.path))
            if self._broken:
                raise ProtectionRecordError(
                    f"slashing-protection record {self.path} failed to write ({self._broken}); refusing to sign",
                    path=str(self.path),
                    hint="fix the disk (space, permissions), then restart the validator",
                )
            signed = self._signed.get(domain, {}).get(height)
            if signed is not None:
                if signed == root:
                    return False
                raise DoubleSignRefusedError(domain=domain, height=height, signed_root=signed, requested_root=root)
            watermark = self._watermarks.get(domain)
            if watermark is not None and height <= watermark:
                raise BelowWatermarkError(domain=domain, height=height, watermark=watermark)
            self._append([_record_line(domain, height, root)])
            self._signed.setdefault(domain, {})[height] = root
            return True

    def signed_root(self, domain: bytes, height: int) -> bytes | None:
        """The root this key signed at ``(domain, height)``, if the record holds one."""
        return self._signed.get(bytes(domain), {}).get(height)

    def watermark(self, domain: bytes) -> int | None:
        """The domain's watermark (heights at or below it are refused), or ``None`` if it has none."""
        return self._watermarks.get(bytes(domain))

    def entries(self) -> Iterator[tuple[bytes, int, bytes]]:
        """Every ``(domain, height, root)`` in the record, by domain, then height."""
        for domain in sorted(self._signed):
            for height in sorted(self._signed[domain]):
                yield domain, height, self._signed[domain][height]

    def _append(self, lines: list[str]) -> None:
        payload = "".join(line + "\n" for line in lines).encode()
        try:
            written = os.write(self._fd, payload)
            if written != len(payload):
                raise OSError(f"short write: {written} of {len(payload)} bytes")
            os.fsync(self._fd)
        except OSError as exc:
            # the file may now end in a partial line; never append after it (reopening cuts it off)
            self._broken = str(exc)
            raise ProtectionRecordError(
                f"cannot write slashing-protection record {self.path}: {exc}",
                path=str(self.path),
                hint="nothing was signed; fix the disk (space, permissions), then restart the validator",
            ) from exc

    # --- compaction ---------------------------------------------------------------------------------------------

    def compact(self, keep: int = 10_000) -> dict[bytes, int]:
        """Keep only the ``keep`` highest heights of each domain, raising each domain's watermark to the highest
        height dropped; returns the new watermarks. The file is rewritten atomically (temp file, fsync, rename,
        fsync of the directory), so a crash leaves either the old record or the new one."""
        if keep < 1:
            raise ConsensusValueError(f"compact must keep at least 1 height per domain, not {keep}")
        with self._mutex:
            signed: dict[bytes, dict[int, bytes]] = {}
            watermarks = dict(self._watermarks)
            for domain, by_height in self._signed.items():
                heights = sorted(by_height)
                dropped, kept = heights[:-keep], heights[-keep:]
                if dropped:
                    watermarks[domain] = max(dropped[-1], watermarks.get(domain, 0))
                signed[domain] = {h: by_height[h] for h in kept}
            header = {_HEADER_KEY: _RECORD_VERSION, "pubkey": self.pubkey.hex()}
            lines = [json.dumps(header, separators=(",", ":"))]
            lines += [_watermark_line(d, w) for d, w in sorted(watermarks.items())]
            lines += [_record_line(d, h, r) for d in sorted(signed) for h, r in sorted(signed[d].items())]
            tmp = self.path.with_name(self.path.name + ".compact")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                try:
                    payload = "".join(line + "\n" for line in lines).encode()
                    if os.write(fd, payload) != len(payload):
                        raise OSError(f"short write to {tmp}")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, self.path)
                _fsync_dir(self.path.parent)
                new_fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
            except OSError as exc:
                raise ProtectionRecordError(
                    f"cannot compact slashing-protection record {self.path}: {exc}", path=str(self.path)
                ) from exc
            os.close(self._fd)
            self._fd = new_fd
            self._signed = signed
            self._watermarks = watermarks
            return dict(watermarks)

    # --- interchange --------------------------------------------------------------------------------------------

    def export_interchange(self) -> dict[str, Any]:
        """This key's whole history (entries and watermarks) as an interchange object."""
        with self._mutex:
            signed = [
                {"domain": "0x" + d.hex(), "height": str(h), "root": "0x" + r.hex()}
                for d in sorted(self._signed)
                for h, r in sorted(self._signed[d].items())
            ]
            marks = [{"domain": "0x" + d.hex(), "height": str(w)} for d, w in sorted(self._watermarks.items())]
        return {
            "metadata": {"interchange_format": INTERCHANGE_FORMAT, "interchange_format_version": _INTERCHANGE_VERSION},
            "data": [{"pubkey": self.pubkey.hex(), "signed_checkpoints": signed, "watermarks": marks}],
        }

    def export_file(self, file: str | os.PathLike[str]) -> Path:
        """Write :meth:`export_interchange` to ``file`` (atomically); returns the path."""
        path = Path(file)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self.export_interchange(), indent=1) + "\n")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ProtectionRecordError(f"cannot write interchange file {path}: {exc}", path=str(path)) from exc
        return path

    def import_interchange(self, source: Mapping[str, Any] | str | os.PathLike[str]) -> ImportSummary:
        """Merge another record's history of THIS key (an object, or a path to an interchange file).

        Entries of other keys are ignored; a file with none of this key's is an error (the wrong file). Conflicts
        (another root at a height this record holds) are not errors: the key has already signed both, so the height
        goes under the domain's watermark and neither root is signed there again. Durable when it returns.
        """
        data, where = _read_interchange(source)
        meta = data.get("metadata")
        if not isinstance(meta, Mapping) or meta.get("interchange_format") != INTERCHANGE_FORMAT:
            raise _bad_interchange(where, f"has no metadata.interchange_format {INTERCHANGE_FORMAT!r}")
        if meta.get("interchange_format_version") != _INTERCHANGE_VERSION:
            raise _bad_interchange(where, f"has version {meta.get('interchange_format_version')!r}, not '1'")
        items = data.get("data")
        if not isinstance(items, list):
            raise _bad_interchange(where, "has no data list")
        entries: list[tuple[bytes, int, bytes]] = []
        marks: list[tuple[bytes, int]] = []
        matched = False
        try:
            for item in items:
                try:
                    key = BlsPublicKey.from_bytes(str(item["pubkey"]))
                except BlsEncodingError as exc:
                    raise ValueError(f"bad pubkey {item.get('pubkey')!r}") from exc
                if key != self.pubkey:
                    continue
                matched = True
                for e in item.get("signed_checkpoints", []):
                    entries.append((_hex32(e["domain"]), _height(e["height"]), _hex32(e["root"])))
                for w in item.get("watermarks", []):
                    marks.append((_hex32(w["domain"]), _height(w["height"])))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _bad_interchange(where, f"is malformed ({exc})") from exc
        if not matched:
            raise _bad_interchange(
                where, f"holds no history of key {self.pubkey.hex()}", hint="export from the record of this key"
            )
        with self._mutex:
            new: dict[tuple[bytes, int], bytes] = {}
            known = 0
            conflicts: list[tuple[bytes, int]] = []
            for domain, height, root in entries:
                mine = self._signed.get(domain, {}).get(height, new.get((domain, height)))
                if mine is None:
                    new[(domain, height)] = root
                elif mine == root:
                    known += 1
                else:
                    conflicts.append((domain, height))
            rises: dict[bytes, int] = {}
            for domain, height in [*marks, *conflicts]:
                if height > max(self._watermarks.get(domain, -1), rises.get(domain, -1)):
                    rises[domain] = height
            lines = [_watermark_line(d, w) for d, w in sorted(rises.items())]
            lines += [_record_line(d, h, r) for (d, h), r in sorted(new.items())]
            if lines:
                self._append(lines)
            for (domain, height), root in new.items():
                self._signed.setdefault(domain, {})[height] = root
            for domain, height in rises.items():
                self._raise_watermark(domain, height)
        return ImportSummary(imported=len(new), known=known, conflicts=sorted(set(conflicts)), watermarks=rises)

    # --- closing ------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the file and the lock (another process may then sign with this key)."""
        with self._mutex:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
            if self._lock_fd >= 0:
                os.close(self._lock_fd)  # closing the only descriptor releases the flock
                self._lock_fd = -1

    def __enter__(self) -> SlashingProtection:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        count = sum(len(v) for v in self._signed.values())
        return f"SlashingProtection({self.path}, {count} entries)"


def _open_lock(path: Path) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ProtectionRecordError(f"cannot open lock file {path}: {exc}", path=str(path)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise ProtectionLockedError(str(path.with_suffix(".jsonl"))) from exc
    except OSError as exc:
        os.close(fd)
        raise ProtectionRecordError(f"cannot lock {path}: {exc}", path=str(path)) from exc
    return fd


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _record_line(domain: bytes, height: int, root: bytes) -> str:
    return f'{{"d":"{domain.hex()}","h":{height},"r":"{root.hex()}"}}'


def _watermark_line(domain: bytes, height: int) -> str:
    return f'{{"d":"{domain.hex()}","w":{height}}}'


def _height(value: Any) -> int:
    if isinstance(value, str) and is_digits(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT64_MAX:
        raise ConsensusValueError(f"a height is an integer from 0 to 2**64 - 1, got {value!r}")
    return value


def _bytes32(value: bytes, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
        raise ConsensusValueError(f"{what} must be 32 bytes, got {value!r}")
    return bytes(value)


def _hex32(value: Any) -> bytes:
    text = str(value)
    raw = bytes.fromhex(text[2:] if text.startswith("0x") else text)
    if len(raw) != 32:
        raise ValueError(f"{value!r} is not 32 bytes")
    return raw


def _read_interchange(source: Mapping[str, Any] | str | os.PathLike[str]) -> tuple[Mapping[str, Any], str]:
    if isinstance(source, Mapping):
        return source, "the interchange data"
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProtectionRecordError(f"interchange file {path} does not exist", path=str(path)) from exc
    except (OSError, ValueError) as exc:
        raise ProtectionRecordError(f"interchange file {path} is not readable JSON: {exc}", path=str(path)) from exc
    if not isinstance(data, Mapping):
        raise _bad_interchange(f"interchange file {path}", "is not a JSON object")
    return data, f"interchange file {path}"


def _bad_interchange(where: str, problem: str, *, hint: str | None = None) -> ProtectionRecordError:
    return ProtectionRecordError(
        f"{where} {problem}",
        hint=hint or "use a file written by `SlashingProtection.export_file` (novacron-checkpoint-protection v1)",
    )
