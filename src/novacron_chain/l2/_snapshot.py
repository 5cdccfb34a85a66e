"""Local state snapshots: a restarted sequencer replays only the batches after its newest snapshot that L1 still
holds, not L1's whole history.

A snapshot is the L2 state right after one batch (``batch_index``), with the sequencer's record of batches up to it.
It is a node-local cache, never a source of truth: it is used only when L1 holds that batch with the same post
root (so L1's state after it *is* the snapshot's, by the root's collision resistance) and the state it rebuilds
hashes to that root; anything else (a batch deleted by a fraud proof, another deployment, a damaged file) makes the
node fall back to an older snapshot or to L1's whole history.

File ``snapshot-<batch index>.bin`` in the node's data dir, written to a temporary name, synced and renamed (a
crash leaves the previous snapshots whole); the newest :data:`KEEP` are kept. Layout: ``b"NCL2SNAP"``, u32 version,
u32 length + metadata (JSON: deployment, batch, root, op position, batch records), u64 length + the state (Python
``marshal`` version 2 of plain lists: this is a cache of one node, not an interchange format), and the keccak256 of
everything before it (checked before anything is decoded). Version 2 keeps no object references, so it never
writes to the objects it reads: version 4 takes a reference to every object something else also holds (each
address, which the state's index holds too), and in a forked writer each such write copies a page.

The sequencer's writer is a forked child (:func:`fork_writer`, where ``os.fork`` exists): the fork is the copy, a
copy-on-write image of the process (measured for a million accounts: the loop pauses 14 ms, against 0.33 s to copy
the lists on it), and the child serialises and writes the live lists and exits; a thread reaps it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import marshal
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import L2StateError
from ._tree import keccak
from ._types import StateHeader

if TYPE_CHECKING:
    from ._l1 import RollupL1
    from ._state import L2State
    from ._types import Eip712Domain

__all__ = [
    "FORK_WRITER",
    "KEEP",
    "Snapshot",
    "StateImage",
    "clean_partial",
    "fork_writer",
    "header_of",
    "header_row",
    "load_latest",
    "paused_gc",
    "read_snapshots",
    "reap_writer",
    "snapshot_meta",
    "write_snapshot",
]

_log = logging.getLogger("novacron_chain.l2.snapshot")

KEEP = 2
"""Snapshots kept per data dir: the newest may name a batch L1 does not hold (yet, or any more)."""

_MAGIC = b"NCL2SNAP"
_VERSION = 1
_MARSHAL = 2  # see the module's docstring; marshal.loads reads every version
_NAME = re.compile(r"^snapshot-(\d+)\.bin$")

FORK_WRITER = hasattr(os, "fork") and os.environ.get("NOVACRON_SNAPSHOT_THREAD") != "1"
"""Whether the sequencer writes snapshots from a forked child (see the module's docstring); without ``os.fork``, or
with ``NOVACRON_SNAPSHOT_THREAD=1``, it copies the state on its loop and writes on a thread."""


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: copying a million accounts' balance lists otherwise triggers collections
    that walk every object of the process (measured: 1.3 s instead of 0.11 s for an image of 1M accounts)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class StateImage:
    """What a snapshot holds of an :class:`~novacron_chain.l2.L2State`: plain copies of its accounts (address,
    nonce, balance per token slot), withdrawals and queue position. Taken on the loop, written on another thread."""

    addresses: list[bytes]
    nonces: list[int]
    balances: list[list[int]]
    withdrawals: list[tuple[bytes, int, int]]
    queue_processed: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot read back: its metadata (``batch_index``, ``post_root`` hex, ``position``, ``batches``, the
    deployment's ``rollup`` and ``domain_separator``) and the state image."""

    path: Path
    meta: dict[str, Any]
    image: StateImage

    @property
    def batch_index(self) -> int:
        """The batch the state is the post-state of."""
        return int(self.meta["batch_index"])

    @property
    def post_root(self) -> bytes:
        """The state root after that batch (what L1 must hold for it)."""
        return bytes.fromhex(str(self.meta["post_root"])[2:])


def header_row(h: StateHeader) -> list[Any]:
    """A batch's state header as snapshot metadata keeps it (JSON)."""
    return [
        "0x" + h.accounts_root.hex(),
        h.account_count,
        "0x" + h.withdrawals_root.hex(),
        h.withdrawal_count,
        h.queue_processed,
    ]


def header_of(row: Sequence[Any]) -> StateHeader:
    """The header of a :func:`header_row`."""
    a, ac, w, wc, q = row
    return StateHeader(bytes.fromhex(a[2:]), int(ac), bytes.fromhex(w[2:]), int(wc), int(q))


def snapshot_meta(l1: RollupL1, index: int, root: bytes, **node: Any) -> dict[str, Any]:
    """The metadata every snapshot carries (the deployment, the batch and its post root), plus the node's own."""
    return {
        "rollup": l1.address.lower(),
        "domain_separator": "0x" + l1.domain().separator.hex(),
        "batch_index": index,
        "post_root": "0x" + root.hex(),
        **node,
    }


def load_latest(
    directory: Path, l1: RollupL1, domain: Eip712Domain, tokens: Sequence[bytes]
) -> tuple[Snapshot, L2State] | None:
    """The newest snapshot in ``directory`` that L1 agrees with (its batch live with the same post root, its state
    hashing to that root), and that state; None (replay all of L1) when there is none. Each one passed over is
    logged with the reason."""
    from ._state import L2State

    count: int | None = None
    separator = "0x" + domain.separator.hex()
    for snap in read_snapshots(directory):
        if not isinstance(snap, Snapshot):
            _log.warning("ignoring the state snapshot %s: %s", snap[0].name, snap[1])
            continue
        meta, index = snap.meta, snap.batch_index
        if meta.get("rollup") != l1.address.lower() or meta.get("domain_separator") != separator:
            _log.warning("ignoring the state snapshot %s: it is of another rollup deployment", snap.path.name)
            continue
        count = l1.batch_count() if count is None else count
        if index >= count or l1.batch_record(index)["post_root"] != snap.post_root:
            _log.info("the state snapshot of batch %d is not on L1 (not yet, or no more)", index)
            continue
        try:
            state = L2State.from_image(domain, tokens, snap.image)
        except L2StateError as exc:
            _log.warning("ignoring the state snapshot %s: %s", snap.path.name, exc.message)
            continue
        if state.root != snap.post_root:
            _log.warning("ignoring the state snapshot %s: its state does not hash to its root", snap.path.name)
            continue
        _log.info("starting from the state snapshot of batch %d (%d accounts)", index, state.account_count)
        return snap, state
    return None


def write_snapshot(directory: Path, meta: dict[str, Any], image: StateImage) -> Path:
    """Write ``snapshot-<meta batch_index>.bin`` atomically into ``directory``; drop all but the newest
    :data:`KEEP`. Returns the path."""
    index = int(meta["batch_index"])
    directory.mkdir(parents=True, exist_ok=True)
    head = json.dumps(meta, separators=(",", ":")).encode()
    body = marshal.dumps(
        (image.addresses, image.nonces, image.balances, image.withdrawals, image.queue_processed), _MARSHAL
    )
    data = b"".join(
        (_MAGIC, _VERSION.to_bytes(4, "big"), len(head).to_bytes(4, "big"), head, len(body).to_bytes(8, "big"), body)
    )
    del body
    path = directory / f"snapshot-{index}.bin"
    tmp = directory / f".snapshot-{index}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for part in (data, keccak(data)):
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    for old in _indices(directory)[KEEP:]:
        (directory / f"snapshot-{old}.bin").unlink(missing_ok=True)
    return path


def fork_writer(directory: Path, meta: dict[str, Any], image: StateImage) -> tuple[int, int]:
    """:func:`write_snapshot` in a forked child: ``image`` may hold the live state's own lists (``L2State.image(
    copy=False)``), since the child's memory is the process as it was at the fork. Returns ``(pid, fd)``: pass them
    to :func:`reap_writer` (on any thread). The child runs only this thread and takes no lock another thread may hold
    (no logging, no printing: a failure's text goes back through the pipe ``fd`` reads), closes every descriptor it
    inherited but stdio (so it never holds the node's listening socket or connections: a node restarted while an
    orphaned writer finishes can bind its port), and leaves by ``os._exit``."""
    directory.mkdir(parents=True, exist_ok=True)
    r, w = os.pipe()
    with warnings.catch_warnings():
        if sys.version_info >= (3, 12):  # "fork() may lead to deadlocks in the child": see the docstring
            warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover (the child; its work is checked by the file it leaves)
        code = 1
        try:
            os.closerange(3, w)
            os.closerange(w + 1, os.sysconf("SC_OPEN_MAX"))
            gc.disable()  # a collection would walk (and write to) every object's page
            write_snapshot(directory, meta, image)
            code = 0
        except BaseException as exc:  # the child reports everything, then exits
            with contextlib.suppress(OSError):
                os.write(w, (str(exc) or type(exc).__name__).encode()[:4000])
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def reap_writer(pid: int, fd: int) -> str | None:
    """Wait for a :func:`fork_writer` child; None when it wrote its snapshot, else why it did not."""
    chunks = []
    try:
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return None
    said = b"".join(chunks).decode(errors="replace")
    return said or (f"the writer process exited with {code}" if code > 0 else f"the writer died of signal {-code}")


def clean_partial(directory: Path) -> int:
    """Remove the temporary files of snapshots whose writing a crash cut short (call it before any writer starts);
    how many."""
    removed = 0
    for p in directory.glob(".snapshot-*.tmp") if directory.is_dir() else ():
        p.unlink(missing_ok=True)
        removed += 1
    return removed


def _indices(directory: Path) -> list[int]:
    """Batch indices of the snapshots in ``directory``, newest first."""
    found = []
    for p in directory.iterdir() if directory.is_dir() else ():
        m = _NAME.match(p.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found, reverse=True)


def read_snapshots(directory: Path) -> list[Snapshot | tuple[Path, str]]:
    """Every snapshot in ``directory``, newest first: a :class:`Snapshot`, or ``(path, why it is unreadable)``."""
    out: list[Snapshot | tuple[Path, str]] = []
    for index in _indices(directory):
        path = directory / f"snapshot-{index}.bin"
        try:
            out.append(_read(path))
        except (OSError, ValueError, EOFError, TypeError, KeyError) as exc:
            out.append((path, str(exc) or type(exc).__name__))
    return out


def _read(path: Path) -> Snapshot:
    data = path.read_bytes()
    if len(data) < 56 or data[:8] != _MAGIC:
        raise ValueError("not a snapshot file")
    if keccak(data[:-32]) != data[-32:]:
        raise ValueError("its checksum does not match (a damaged or cut file)")
    version = int.from_bytes(data[8:12], "big")
    if version != _VERSION:
        raise ValueError(f"format version {version}, this node reads {_VERSION}")
    n = int.from_bytes(data[12:16], "big")
    meta = json.loads(data[16 : 16 + n])
    at = 16 + n
    size = int.from_bytes(data[at : at + 8], "big")
    with paused_gc():
        addresses, nonces, balances, withdrawals, queue_processed = marshal.loads(data[at + 8 : at + 8 + size])
    image = StateImage(addresses, nonces, balances, [tuple(w) for w in withdrawals], queue_processed)
    if not (len(addresses) == len(nonces) == len(balances)) or not isinstance(meta, dict):
        raise ValueError("its account lists differ in length")
    return Snapshot(path, meta, image)
