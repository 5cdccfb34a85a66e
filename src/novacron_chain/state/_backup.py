"""Disaster recovery: the whole audit log as one IPFS DAG and a CAR file, and a verified restore from either.

A backup is one UnixFS directory (dag-pb, CIDv1) that links everything the audit log is made of::

    <backup CID>/
      backup.json            what the backup holds: chain id, anchor, and per batch its chain facts (see below)
      batches/00000001 ->    each anchored batch's own directory (manifest.json + records/, as _batchdag writes it),
      batches/00000002 ->    named by its batch id on chain
      proofs/00000001        per batch, the records' seqs and Merkle proofs (binary, tree order; see _proofs_bytes)
      blobs/<CID> ->         the config and log files the records name (only when there are any)

A directory of more than 1,000 entries is split into ``~000``, ``~001`` ... subdirectories of 1,000 (a block
stays far below IPFS's 1 MiB). ``backup.json`` is canonical JSON::

    {"anchor":"0x…","batches":[{"anchored_at":…,"batch_id":1,"block":…,"count":16,"first_seq":1,"from_block":…,
      "gas_used":…,"last_seq":16,"root":"0x…","tx":"0x…"},…],"chain_id":…,"records":N,
     "schema":"novacron.state-backup/1"}

:func:`backup_state` writes that DAG into the manager's store (pinned), and with a path exports it as a CARv1 file
(``ipfs dag import`` reads it). :func:`restore_state` reads a CAR file (or walks the DAG by its CID in a store, e.g.
a Kubo node), writes the blocks into the target store, and checks everything before it writes any local state:
each block against its CID, that no linked block is missing, each batch's root against ``StateAnchor`` on *this*
chain (and its manifest CID against the ``BatchAnchored`` event), each record against its leaf and each proof
against the root, each config/log blob. Only then is the index built, in a temporary directory beside the target,
and renamed into place; pins are set last. Anything wrong raises :class:`StateBackupError` (or the storage layer's
:class:`~novacron_chain.storage.CorruptBlockError` / :class:`~novacron_chain.storage.CarFormatError` for a damaged
archive) and leaves the state dir untouched. Blocks written before a failure are unpinned: content-addressed, they
change nothing, and ``gc`` reclaims them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from eth_abi import decode as abi_decode

from ..errors import StorageError
from ..storage import (
    CarReader,
    Cid,
    ContentNotFoundError,
    ContentStore,
    CorruptBlockError,
    InvalidCidError,
    export_car,
    iter_dag,
)
from ._anchorer import batch_anchored_logs
from ._batchdag import directory_links, directory_node, read_manifest
from ._errors import RecordValueError, StateBackupError, StateValueError
from ._hashing import cid_string, hex0x, leaf_hash
from ._index import StateIndex
from ._merkle import MerkleTree, verify_proof
from ._record import VMStateRecord

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain
    from ..config import BlockchainConfig
    from ._manager import StateManager

__all__ = ["BACKUP_SCHEMA", "BackupResult", "RestoreResult", "backup_state", "restore_state"]

_log = logging.getLogger("novacron_chain.state")

BACKUP_SCHEMA = "novacron.state-backup/1"
_FANOUT = 1000
_SHARD = "~"
_RESTORE_GROUP_BYTES = 8 * 1024 * 1024
"""A restore writes the archive's blocks to the store in groups of about this many bytes (one put_blocks each)."""
_DAG_PB_SHA256_PREFIX = b"\x01\x70\x12\x20"
_ZERO32 = bytes(32)


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What :func:`backup_state` made: the backup's ``root`` CID, the ``batches`` and ``records`` in it, the
    ``blocks`` and ``size`` of its CAR file at ``path`` (0 and ``None`` without one), and how many records were
    left out because they are not anchored yet (``unanchored``: flush first to include them)."""

    root: str
    batches: int
    records: int
    blocks: int
    size: int
    path: str | None
    unanchored: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "root": self.root,
            "batches": self.batches,
            "records": self.records,
            "blocks": self.blocks,
            "size": self.size,
            "path": self.path,
            "unanchored": self.unanchored,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What :func:`restore_state` restored: the backup's ``root``, its ``batches``, ``records`` and distinct
    ``vms``, the ``blocks`` written to the store, and the state dir it made (``data_dir``)."""

    root: str
    batches: int
    records: int
    vms: int
    blocks: int
    data_dir: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "root": self.root,
            "batches": self.batches,
            "records": self.records,
            "vms": self.vms,
            "blocks": self.blocks,
            "data_dir": self.data_dir,
            "seconds": round(self.seconds, 3),
        }


# -- the DAG ---------------------------------------------------------------------------------------------------------


def _batch_name(batch_id: int) -> str:
    return f"{batch_id:08d}"


def _proofs_bytes(rows: list[tuple[int, list[bytes]]]) -> bytes:
    """Per record in tree order: ``varint(seq) varint(n) n × 32-byte sibling hash``."""
    out = bytearray()
    for seq, proof in rows:
        out += _varint(seq) + _varint(len(proof)) + b"".join(proof)
    return bytes(out)


def _parse_proofs(data: bytes) -> list[tuple[int, list[bytes]]]:
    out: list[tuple[int, list[bytes]]] = []
    pos = 0
    while pos < len(data):
        seq, pos = _read_varint(data, pos)
        n, pos = _read_varint(data, pos)
        end = pos + 32 * n
        if n > 64 or end > len(data):
            raise ValueError("a proof runs past the end of the file")
        out.append((seq, [data[i : i + 32] for i in range(pos, end, 32)]))
        pos = end
    return out


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _put_dir(store: ContentStore, links: list[tuple[str, bytes, int]], *, pin: bool = False) -> tuple[bytes, int]:
    """Store a directory of ``(name, binary CID, Tsize)`` links, sharded by :data:`_FANOUT`; (binary CID, Tsize)."""
    if len(links) > _FANOUT:
        links = sorted(links, key=lambda link: link[0].encode("utf-8"))
        shards = [
            (f"{_SHARD}{k // _FANOUT:03d}", *_put_dir(store, links[k : k + _FANOUT]))
            for k in range(0, len(links), _FANOUT)
        ]
        return _put_dir(store, shards, pin=pin)
    node = directory_node(links)
    stored = store.put_block(node, codec="dag-pb", cid_version=1, pin=pin)
    return Cid.parse(stored).to_bytes(), len(node) + sum(size for _name, _cid, size in links)


def _dag_size(store: ContentStore, cid: str) -> int:
    """The DAG's cumulative size (a link's Tsize): the root block's size plus its links' Tsizes, read from the
    root alone (Kubo and :func:`_put_dir` write every link's Tsize)."""
    block = store.get_block(cid)
    if Cid.parse(cid).codec != 0x70:
        return len(block)
    total, pos = len(block), 0
    try:
        while pos < len(block):
            key, pos = _read_varint(block, pos)
            length, pos = _read_varint(block, pos)
            if key == 0x12:  # a PBLink: add its Tsize (field 3)
                end, fpos = pos + length, pos
                while fpos < end:
                    fkey, fpos = _read_varint(block, fpos)
                    if fkey == 0x18:
                        tsize, fpos = _read_varint(block, fpos)
                        total += tsize
                    else:
                        flen, fpos = _read_varint(block, fpos)
                        fpos += flen
            pos += length
    except ValueError:
        return len(block)
    return total


def backup_state(manager: StateManager, path: str | os.PathLike[str] | IO[bytes] | None = None) -> BackupResult:
    """Write every anchored batch of ``manager`` (records, manifests, proofs, config/log blobs) as one IPFS DAG
    in its store, pinned; with ``path``, export that DAG as a CARv1 file (or to a binary stream). Deterministic:
    the same audit log gives the same root CID."""
    started = time.perf_counter()
    store = manager.store
    index = manager._index
    batches = []
    batch_links: list[tuple[str, bytes, int]] = []
    proof_links: list[tuple[str, bytes, int]] = []
    blobs: dict[str, str] = {}
    records = 0
    for batch in index.batches(status="anchored"):
        if batch.chain_batch_id is None:  # anchored batches always carry their id; guard the type
            continue
        rows = index.records_in(batch.id)
        name = _batch_name(batch.chain_batch_id)
        for row in rows:
            if b'"config_cid"' in row.record or b'"logs_cid"' in row.record:
                record = VMStateRecord.from_bytes(row.record)
                for blob in (record.config_cid, record.logs_cid):
                    if blob is not None:
                        blobs.setdefault(str(Cid.parse(blob)), blob)
        proofs = store.add(_proofs_bytes([(r.seq, r.proof_hashes()) for r in rows]), cid_version=1, pin=False)
        proof_links.append((name, Cid.parse(proofs.cid).to_bytes(), proofs.dag_size))
        batch_links.append((name, Cid.parse(batch.manifest_cid).to_bytes(), _dag_size(store, batch.manifest_cid)))
        records += len(rows)
        batches.append(
            {
                "batch_id": batch.chain_batch_id,
                "root": hex0x(batch.root),
                "count": batch.leaf_count,
                "first_seq": batch.first_seq,
                "last_seq": batch.last_seq,
                "from_block": batch.from_block,
                "block": batch.block,
                "tx": batch.tx_hash,
                "anchored_at": batch.anchored_at,
                "gas_used": batch.gas_used,
            }
        )
    info = {
        "schema": BACKUP_SCHEMA,
        "chain_id": manager.chain.chain_id,
        "anchor": str(manager.contract.address).lower(),
        "records": records,
        "batches": batches,
    }
    meta = store.add(json.dumps(info, sort_keys=True, separators=(",", ":")).encode(), cid_version=1, pin=False)
    top: list[tuple[str, bytes, int]] = [
        ("backup.json", Cid.parse(meta.cid).to_bytes(), meta.dag_size),
        ("batches", *_put_dir(store, batch_links)),
        ("proofs", *_put_dir(store, proof_links)),
    ]
    if blobs:
        top.append(
            ("blobs", *_put_dir(store, [(k, Cid.parse(v).to_bytes(), _dag_size(store, v)) for k, v in blobs.items()]))
        )
    root_bytes, _size = _put_dir(store, top, pin=True)
    root = cid_string(root_bytes)
    blocks = size = 0
    shown: str | None = None
    if path is not None:
        summary = export_car(store, root, path)
        blocks, size, shown = summary.blocks, summary.size, summary.path
    summary_counts = manager.summary()
    return BackupResult(
        root=root,
        batches=len(batches),
        records=records,
        blocks=blocks,
        size=size,
        path=shown,
        unanchored=summary_counts.pending + summary_counts.intended,
        seconds=time.perf_counter() - started,
    )


# -- restore ---------------------------------------------------------------------------------------------------------


class _Restore:
    """One restore: the blocks into ``store``, then every check, then the index beside ``data_dir``."""

    def __init__(self, chain: Chain, contract: Contract, store: ContentStore, data_dir: Path, label: str) -> None:
        self.chain = chain
        self.contract = contract
        self.store = store
        self.data_dir = data_dir
        self.label = label

    def fail(self, problem: str, *, batch_id: int | None = None, seq: int | None = None) -> StateBackupError:
        return StateBackupError(self.label, problem, batch_id=batch_id, seq=seq)

    def read(self, cid: str, what: str, *, batch_id: int | None = None) -> bytes:
        try:
            return self.store.get(cid)
        except ContentNotFoundError as exc:
            raise self.fail(f"{what} ({cid}) is not in the backup", batch_id=batch_id) from exc
        except StorageError as exc:
            raise self.fail(f"{what} ({cid}) cannot be read: {exc.message}", batch_id=batch_id) from exc

    def links(self, cid: bytes | str, what: str) -> dict[str, bytes]:
        """A directory's links, shards flattened."""
        text = cid if isinstance(cid, str) else cid_string(cid)
        try:
            links = directory_links(self.store.get_block(text))
        except ValueError as exc:
            raise self.fail(f"{what} ({text}) is not a UnixFS directory: {exc}") from exc
        except StorageError as exc:
            raise self.fail(f"{what} ({text}) cannot be read: {exc.message}") from exc
        if links and all(name.startswith(_SHARD) for name in links):
            flat: dict[str, bytes] = {}
            for name, sub in sorted(links.items()):
                flat.update(self.links(sub, f"{what}/{name}"))
            return flat
        return links

    def check(self, root: str, sink: Callable[[dict[str, Any], list[tuple[Any, ...]]], None]) -> dict[str, Any]:
        """Every check; each batch's facts and index rows go to ``sink`` once checked; the backup's info."""
        top = self.links(root, "the backup's root")
        for needed in ("backup.json", "batches", "proofs"):
            if needed not in top:
                raise self.fail(f"its root directory has no {needed}; is it a novacron-chain state backup?")
        try:
            info = json.loads(self.read(cid_string(top["backup.json"]), "backup.json"))
            if info["schema"] != BACKUP_SCHEMA:
                raise ValueError(f"schema {info['schema']!r}, expected {BACKUP_SCHEMA}")
            chain_id, anchor, listed = int(info["chain_id"]), str(info["anchor"]), list(info["batches"])
        except (ValueError, KeyError, TypeError) as exc:
            raise self.fail(f"backup.json is not a {BACKUP_SCHEMA} description: {exc}") from exc
        if chain_id != self.chain.chain_id or anchor != str(self.contract.address).lower():
            raise StateBackupError(
                self.label,
                f"it was made for StateAnchor {anchor} on chain {chain_id}, not {str(self.contract.address).lower()} "
                f"on chain {self.chain.chain_id}",
                hint="connect to the chain the backup was made on (--network / config), with its deployment",
            )
        batch_dirs = self.links(top["batches"], "batches/")
        proof_files = self.links(top["proofs"], "proofs/")
        if len(batch_dirs) != len(listed) or len(proof_files) != len(listed):
            raise self.fail(
                f"backup.json lists {len(listed)} batches, but batches/ holds {len(batch_dirs)} and proofs/ "
                f"{len(proof_files)}"
            )
        last_seq = 0
        for entry in listed:
            facts, rows = self.check_batch(entry, batch_dirs, proof_files, last_seq)
            last_seq = facts["last_seq"]
            sink(facts, rows)
        return dict(info)

    def check_batch(
        self, entry: Any, batch_dirs: dict[str, bytes], proof_files: dict[str, bytes], after: int
    ) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
        try:
            batch_id = int(entry["batch_id"])
            listed_root = bytes.fromhex(str(entry["root"])[2:])
            from_block = int(entry.get("from_block") or 0)
        except (ValueError, KeyError, TypeError) as exc:
            raise self.fail(f"a batch entry of backup.json is malformed: {exc}") from exc
        name = _batch_name(batch_id)
        if name not in batch_dirs or name not in proof_files:
            raise self.fail("batches/ or proofs/ has no entry for it", batch_id=batch_id)
        batch_cid = cid_string(batch_dirs[name])
        try:
            manifest = read_manifest(self.store, batch_cid)
        except StateValueError as exc:
            raise self.fail(f"its directory is not a batch: {exc.message}", batch_id=batch_id) from exc
        except StorageError as exc:
            raise self.fail(f"its manifest cannot be read: {exc.message}", batch_id=batch_id) from exc
        on_chain = bytes(self.chain.call(self.contract.functions.batchRoot(batch_id)))
        if on_chain == _ZERO32:
            raise StateBackupError(
                self.label,
                f"batch {batch_id} is not on chain {self.chain.chain_id} (was the chain reset or the contract "
                "redeployed?)",
                batch_id=batch_id,
                hint="restore onto the chain and deployment the backup was made from",
            )
        leaves = [leaf for _cid, leaf, _vm in manifest.records]
        if listed_root != on_chain or manifest.root != on_chain or MerkleTree(leaves).root != on_chain:
            raise self.fail("its manifest's leaves do not rebuild the root on chain", batch_id=batch_id)
        chain_id_of_root, anchored_at, count = self.chain.call(self.contract.functions.batchOf(on_chain))
        if int(chain_id_of_root) != batch_id or int(count) != len(leaves):
            raise self.fail(f"the chain holds {count} records under this root, the manifest {len(leaves)}")
        tx: str | None = entry.get("tx")
        block: int | None = entry.get("block")
        logs = batch_anchored_logs(self.chain, self.contract, batch_id, from_block=from_block)
        if logs:
            _count, event_cid = abi_decode(["uint32", "string"], bytes(logs[0]["data"]))
            if event_cid != batch_cid:
                raise self.fail(
                    f"its directory is {batch_cid}, but the chain anchored the batch with {event_cid}",
                    batch_id=batch_id,
                )
            tx, block = hex0x(bytes(logs[0]["transactionHash"])), int(logs[0]["blockNumber"])
        else:
            _log.warning("batch %d: BatchAnchored event not found (pruned logs?); keeping the backup's tx", batch_id)
        try:
            proofs = _parse_proofs(self.read(cid_string(proof_files[name]), "its proofs", batch_id=batch_id))
        except ValueError as exc:
            raise self.fail(f"its proofs file is malformed: {exc}", batch_id=batch_id) from exc
        if len(proofs) != len(leaves):
            raise self.fail(f"{len(proofs)} proofs for {len(leaves)} records", batch_id=batch_id)
        rows: list[tuple[Any, ...]] = []
        for i, ((cid, leaf, vm_id), (seq, proof)) in enumerate(zip(manifest.records, proofs, strict=True)):
            if seq <= after:
                raise self.fail(f"record seqs do not increase ({seq} after {after})", batch_id=batch_id, seq=seq)
            after = seq
            if not verify_proof(on_chain, leaf, proof):
                raise self.fail("its Merkle proof does not lead to the root on chain", batch_id=batch_id, seq=seq)
            try:
                data = self.store.get_block(cid)
            except ContentNotFoundError as exc:
                raise self.fail(f"its block {cid} is not in the backup", batch_id=batch_id, seq=seq) from exc
            except (CorruptBlockError, InvalidCidError) as exc:
                raise self.fail(f"its block {cid}: {exc.message}", batch_id=batch_id, seq=seq) from exc
            if leaf_hash(data) != leaf:
                raise self.fail("the record does not hash to its leaf", batch_id=batch_id, seq=seq)
            try:
                record = VMStateRecord.from_bytes(data)
            except RecordValueError as exc:
                raise self.fail(f"not a VM state record: {exc.message}", batch_id=batch_id, seq=seq) from exc
            if record.vm_id != vm_id:
                raise self.fail(f"the record is of {record.vm_id}, the manifest says {vm_id}", batch_id=batch_id)
            for what, blob in (("config", record.config_cid), ("logs", record.logs_cid)):
                if blob is not None and not self.store.verify(blob).ok:
                    raise self.fail(f"its {what} file {blob} is missing or damaged", batch_id=batch_id, seq=seq)
            rows.append((seq, vm_id, cid, leaf, i, b"".join(proof), data))
        facts = {
            "batch_id": batch_id,
            "root": on_chain,
            "manifest_cid": batch_cid,
            "first_seq": rows[0][0],
            "last_seq": rows[-1][0],
            "from_block": from_block,
            "tx": tx,
            "block": block,
            "anchored_at": int(anchored_at),
            "gas_used": entry.get("gas_used"),
        }
        return facts, rows


def _blocks_of(
    label: str, car: str | os.PathLike[str] | IO[bytes] | None, cid: str | None, source: ContentStore
) -> tuple[str, Iterator[tuple[Cid, bytes]], Callable[[], None]]:
    """The backup's root, its blocks (hash-checked), and a check to run after the last one (completeness)."""
    if car is not None:
        reader = CarReader(car)
        if len(reader.roots) != 1:
            reader.close()
            raise StateBackupError(label, f"the archive names {len(reader.roots)} roots; a backup has one")

        def blocks() -> Iterator[tuple[Cid, bytes]]:
            with reader:
                yield from reader

        def complete() -> None:
            lacking = reader.missing()
            if lacking:
                raise StateBackupError(
                    label,
                    f"the archive is incomplete: {len(lacking):,} linked blocks are missing (first: {lacking[0]})",
                )

        return str(reader.roots[0]), blocks(), complete
    assert cid is not None
    root = str(Cid.parse(cid))
    return root, iter_dag(lambda c: source.get_block(str(c)), root), lambda: None


def restore_state(
    chain: Chain,
    contract: Contract,
    store: ContentStore,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    config: BlockchainConfig | None = None,
    car: str | os.PathLike[str] | IO[bytes] | None = None,
    cid: str | None = None,
    source: ContentStore | None = None,
) -> RestoreResult:
    """Restore the audit log from a backup into a fresh state dir ``data_dir`` and the content store ``store``.

    ``data_dir`` defaults to the state dir :func:`open_state` uses for ``config``. The backup is the CAR file
    ``car`` (a path or binary stream), or the DAG ``cid`` read from ``source`` (a Kubo node, say; default ``store``
    itself). ``chain`` and ``contract`` are the chain and ``StateAnchor`` the backup
    was anchored on: every batch root, record and proof is checked against them, and the index (what
    :class:`StateManager` reads for history and integrity checks) is built only when all pass, then moved into
    place. Raises :class:`StateBackupError` for a backup that is malformed, incomplete, tampered with or of
    another chain, storage errors for a damaged archive; ``data_dir`` is then left as it was.
    """
    if (car is None) == (cid is None):
        raise StateValueError("pass exactly one of car (a CAR file) and cid (a backup's root CID)")
    started = time.perf_counter()
    if data_dir is None:
        if config is None:
            raise StateValueError("pass data_dir, or config to restore into the state dir open_state uses")
        from ._manager import state_dir_for  # _manager imports this module

        target = state_dir_for(chain, contract, config)
    else:
        target = Path(data_dir).expanduser()
    label = str(car) if car is not None and isinstance(car, str | os.PathLike) else (cid or "stream")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise StateValueError(
            f"{target} already holds VM state; a restore builds a fresh state dir",
            hint="move that directory aside (or restore with another --data-dir), then run the restore again",
        )
    source = source or store
    root, blocks, complete = _blocks_of(label, car, cid, source)
    count = 0
    # blocks go to the store in groups (put_blocks: one write and one fsync per group), bounded in memory
    groups: dict[tuple[str, int], list[bytes]] = {}
    buffered = 0

    def put_groups() -> None:
        nonlocal buffered
        for (codec, version), datas in groups.items():
            if datas:
                store.put_blocks(datas, codec=codec, cid_version=version)
        groups.clear()
        buffered = 0

    for block_cid, data in blocks:
        if source is not store or car is not None:
            codec = {0x55: "raw", 0x70: "dag-pb"}.get(block_cid.codec)
            if codec is None or block_cid.hash_code != 0x12:
                raise StateBackupError(label, f"block {block_cid} is not raw or dag-pb with sha2-256")
            groups.setdefault((codec, block_cid.version), []).append(data)
            buffered += len(data)
            if buffered >= _RESTORE_GROUP_BYTES:
                put_groups()
        count += 1
    put_groups()
    complete()
    job = _Restore(chain, contract, store, target, label)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".restore-{target.name}-{secrets.token_hex(4)}")
    staging.mkdir()
    records = 0
    vms: set[str] = set()
    pins: list[str] = []
    try:
        index = StateIndex(staging / "index.sqlite", chain_id=chain.chain_id, anchor=str(contract.address))
        try:

            def write(facts: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
                # one batch at a time into the staging index: memory stays bounded by a batch
                nonlocal records
                local = index.add_intended(
                    first_seq=facts["first_seq"],
                    last_seq=facts["last_seq"],
                    root=facts["root"],
                    manifest_cid=facts["manifest_cid"],
                    from_block=facts["from_block"],
                    records=rows,
                )
                index.mark_anchored(
                    local,
                    chain_batch_id=facts["batch_id"],
                    tx_hash=facts["tx"],
                    block=facts["block"],
                    anchored_at=facts["anchored_at"],
                    gas_used=facts["gas_used"],
                )
                records += len(rows)
                vms.update(row[1] for row in rows)
                pins.append(facts["manifest_cid"])

            info = job.check(root, write)
        finally:
            index.close()
        if info.get("records") != records:
            raise StateBackupError(
                label, f"backup.json counts {info.get('records')} records, its batches hold {records}"
            )
        for batch_cid in pins:  # the store keeps what the original did: each batch pinned
            store.pin(batch_cid)
        store.pin(root)
        if target.exists():
            target.rmdir()
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RestoreResult(
        root=root,
        batches=len(pins),
        records=records,
        vms=len(vms),
        blocks=count,
        data_dir=str(target),
        seconds=time.perf_counter() - started,
    )
