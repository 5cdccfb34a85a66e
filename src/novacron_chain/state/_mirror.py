"""Cross-chain redundancy: the batch roots anchored on the primary chain, anchored again on other chains.

With ``anchor_redundancy: [polygon]`` every batch the :class:`StateManager` anchored on its chain is anchored on
each redundancy chain's ``StateAnchor`` too: the same root, leaf count and manifest CID, in the primary's order.
The mirror reads what to do from the manager's index (batches marked *anchored*) and needs no hook in the
batcher::

    primary: StateAnchor.anchor(root, n, manifest)   the batcher, as without redundancy
    mirror.sync()          for each redundancy chain, in the primary's batch order:
                           done (mirror.sqlite)? skip | batchOf(root) there? record it | else anchor(root, n, manifest)

Nothing is anchored twice: a root is looked up on the redundancy chain before it is sent (and the contract refuses
a root twice anyway), so a restart (the mirror's own file lost, even) only looks up again what it did not record.
A redundancy chain that is down or refuses never blocks or loses the primary: its batches wait (``lag`` in
:meth:`StateManager.summary`) and are sent by the next sync (each flush, and every second in the background while
the batcher runs); later batches wait behind the first that failed, so the order stays the primary's.

Verification against a redundancy chain (``verify_state_integrity(vm_id, chain="polygon")``) checks each record's
Merkle proof against its batch root and that root's anchoring on that chain (``batchOf(root)``): it works with the
primary unreachable. :func:`restore_from_mirror` restores a backup checking every root on a redundancy chain, for
when the primary chain is gone.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from web3 import Web3
from web3.datastructures import AttributeDict
from web3.providers.base import BaseProvider

from ..chain import Chain, ChainBackend, FeePolicy, event_indexer
from ..errors import ChainConnectionError, ContractCustomError, NovaChainError
from ..storage import Cid, ContentStore
from ._anchorer import BATCH_ANCHORED_TOPIC
from ._batchdag import directory_links
from ._errors import StateDataError, StateError, StateValueError
from ._hashing import cid_string
from ._index import BatchRow, StateIndex
from ._types import RedundancyStatus
from ._verify import Verifier

if TYPE_CHECKING:
    import os

    from web3.contract import Contract

    from .._nova import NovaChain
    from ..config import BlockchainConfig
    from ._backup import RestoreResult
    from ._manager import StateManager

__all__ = [
    "AnchorMirror",
    "MirrorTarget",
    "MirrorVerifier",
    "nova_mirror",
    "restore_from_mirror",
    "uncontacted_chain",
]

_log = logging.getLogger("novacron_chain.state")

_ZERO32 = bytes(32)
SYNC_INTERVAL = 1.0
"""Seconds between two background syncs of the mirror (longer, up to a minute, after failures)."""
RECHECK_BLOCKS = 64
"""A root seen on a redundancy chain in its last this many blocks is looked up again at each sync: one a reorg
removed there is anchored again."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mirrored (
    target TEXT NOT NULL,
    name TEXT NOT NULL,
    root BLOB NOT NULL,
    batch_id INTEGER NOT NULL,
    primary_batch_id INTEGER,
    tx_hash TEXT,
    block INTEGER, -- the block the anchoring was seen in (or the head when it was found there)
    PRIMARY KEY (target, root)
);
"""


@dataclass(frozen=True, slots=True)
class MirrorTarget:
    """A redundancy chain: its name (as in ``supported_chains``), a connected chain whose signer holds
    ANCHORER_ROLE there, and its deployed ``StateAnchor``."""

    name: str
    chain: Chain
    contract: Contract

    @property
    def key(self) -> str:
        """``<chain id>-<anchor address>``: what the mirror's file records this target's batches under."""
        return f"{self.chain.chain_id}-{str(self.contract.address).lower()}"


class MirrorVerifier(Verifier):
    """Checks records against the roots anchored on a redundancy chain: a record is ``valid`` when its Merkle proof
    leads to its batch's root and that root is anchored on ``target``'s StateAnchor (looked up by root, so the
    redundancy chain's batch ids need not be the primary's)."""

    def __init__(self, target: MirrorTarget, store: ContentStore, index: StateIndex) -> None:
        super().__init__(target.chain, target.contract, store, index)
        self.name = target.name
        self._ids: dict[bytes, int] = {}

    def batch_id_there(self, root: bytes) -> int:
        """The id of the batch that anchored ``root`` on the redundancy chain; 0 when it is not there."""
        found = self._ids.get(root)
        if found is None:
            found = int(self.chain.call(self.contract.functions.batchOf(root))[0])
            if found:
                self._ids[root] = found  # an anchored root stays anchored
        return found

    def root_of(self, batch: BatchRow) -> bytes:
        return batch.root if self.batch_id_there(batch.root) else _ZERO32

    def not_on_chain(self, batch: BatchRow) -> str:
        return (
            f"the root of batch {batch.chain_batch_id} is not anchored on {self.name} (chain {self.chain.chain_id}) "
            "yet: the mirror sends it with the next sync (`novacron-chain state status` shows the lag)"
        )

    def anchored_where(self, batch: BatchRow) -> str:
        return f"batch {self.batch_id_there(batch.root)} on {self.name} (chain {self.chain.chain_id})"


class AnchorMirror:
    """Anchors the batches ``index`` holds as anchored on the primary again on each chain of ``names``.

    ``resolve(name)`` opens a redundancy chain (called when first needed, again after it failed); ``data_dir`` is
    the manager's state dir, where ``mirror.sqlite`` records what each target holds. See the module docstring.
    """

    def __init__(
        self,
        names: Sequence[str],
        resolve: Callable[[str], MirrorTarget],
        *,
        index: StateIndex,
        store: ContentStore,
        data_dir: Path,
    ) -> None:
        if len(set(names)) != len(names):
            raise StateValueError(f"anchor_redundancy {list(names)} names a chain twice")
        self.names = tuple(names)
        self._resolve = resolve
        self._index = index
        self._store = store
        self.path = data_dir / "mirror.sqlite"
        self._targets: dict[str, MirrorTarget] = {}
        self._verifiers: dict[str, MirrorVerifier] = {}
        self._done: dict[str, set[bytes]] = {}
        self._errors: dict[str, BaseException | None] = dict.fromkeys(self.names)
        self._lock = threading.RLock()  # one sync at a time; targets and verifiers
        self._small = threading.Lock()  # the file and the thread handle: never held across the network
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StateDataError(
                f"cannot open the redundancy file {self.path}: {exc}",
                path=str(self.path),
                hint="move the file aside: the mirror looks every root up on the redundancy chains again",
            ) from exc

    # -- targets --------------------------------------------------------------------------------------------------

    def target(self, name: str) -> MirrorTarget:
        """The redundancy chain ``name``, opened on first use."""
        if name not in self.names:
            raise StateValueError(
                f"chain {name!r} is not a redundancy chain of this state (anchor_redundancy: {list(self.names)})",
                hint="verify against the primary (no --chain) or a chain named in blockchain.anchor_redundancy",
            )
        with self._lock:
            found = self._targets.get(name)
            if found is None:
                found = self._resolve(name)
                self._targets[name] = found
            return found

    def verifier(self, name: str) -> MirrorVerifier:
        """The verifier of records against the roots on redundancy chain ``name``."""
        with self._lock:
            found = self._verifiers.get(name)
            if found is None:
                found = MirrorVerifier(self.target(name), self._store, self._index)
                self._verifiers[name] = found
            return found

    # -- syncing --------------------------------------------------------------------------------------------------

    def _done_roots(self, target: MirrorTarget) -> set[bytes]:
        done = self._done.get(target.key)
        if done is None:
            with self._small:
                rows = self._db.execute("SELECT root FROM mirrored WHERE target = ?", (target.key,)).fetchall()
            done = {bytes(r[0]) for r in rows}
            self._done[target.key] = done
        return done

    def _record(self, target: MirrorTarget, root: bytes, batch_id: int, primary: int | None, tx: str | None,
                block: int | None) -> None:  # fmt: skip
        with self._small:
            self._db.execute(
                "INSERT OR REPLACE INTO mirrored (target, name, root, batch_id, primary_batch_id, tx_hash, block) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (target.key, target.name, root, batch_id, primary, tx, block),
            )
        self._done_roots(target).add(root)

    def _primary_batches(self) -> list[BatchRow]:
        batches = [b for b in self._index.batches(status="anchored") if b.chain_batch_id is not None]
        batches.sort(key=lambda b: cast(int, b.chain_batch_id))
        return batches

    def sync(self) -> dict[str, int]:
        """Anchor on every redundancy chain what is anchored on the primary and not there yet; per chain, how many
        batches were newly recorded as there (sent now, or found there by root after a restart). A chain that fails
        keeps its error (:meth:`status`) and its batches wait for the next sync; the others go on. Never raises for a
        chain's failure."""
        out: dict[str, int] = {}
        with self._lock:
            batches = self._primary_batches()
            for name in self.names:
                try:
                    out[name] = self._sync_one(name, batches)
                    self._errors[name] = None
                except Exception as exc:  # a redundancy chain's failure is reported, never the primary's problem
                    self._errors[name] = exc
                    self._targets.pop(name, None)  # opened again next time (a node restarted, a handle closed)
                    self._verifiers.pop(name, None)
                    out[name] = 0
                    if isinstance(exc, NovaChainError):
                        _log.warning("mirroring the state roots on %s failed (retried later): %s", name, exc)
                    else:
                        _log.exception("mirroring the state roots on %s failed unexpectedly (retried later)", name)
        return out

    def _recheck(self, target: MirrorTarget, done: set[bytes], head: int) -> None:
        """Roots seen on ``target`` in its last :data:`RECHECK_BLOCKS` blocks that a reorg removed: forgotten, so
        that this sync anchors them again."""
        with self._small:
            rows = self._db.execute(
                "SELECT root FROM mirrored WHERE target = ? AND block >= ?", (target.key, head - RECHECK_BLOCKS)
            ).fetchall()
        recent = [bytes(r[0]) for r in rows]
        if not recent:
            return
        found = target.chain.call_many([target.contract.functions.batchOf(root) for root in recent])
        gone = [root for root, (there, _at, _count) in zip(recent, found, strict=True) if int(there) == 0]
        if gone:
            _log.warning("%d state roots are no longer on %s (a reorg?): anchoring them again", len(gone), target.name)
            with self._small:
                self._db.executemany(
                    "DELETE FROM mirrored WHERE target = ? AND root = ?", [(target.key, root) for root in gone]
                )
            done.difference_update(gone)
            self._verifiers.pop(target.name, None)  # its cache of roots found there is stale

    def _sync_one(self, name: str, batches: list[BatchRow]) -> int:
        target = self.target(name)
        done = self._done_roots(target)
        head = target.chain.block_number()
        self._recheck(target, done, head)
        todo = [b for b in batches if b.root not in done]
        if not todo:
            return 0
        # restart-safe: what a crash (or a lost mirror file) left unrecorded is looked up before anything is sent
        found = target.chain.call_many([target.contract.functions.batchOf(b.root) for b in todo])
        sent = 0
        for batch, (there, _at, _count) in zip(todo, found, strict=True):
            tx: str | None = None
            block: int | None = head  # found there: seen at the head (rechecked for a while, as a root sent)
            batch_id = int(there)
            if batch_id == 0:
                batch_id, tx, block = self._send(target, batch)
                sent += 1
            self._record(target, batch.root, batch_id, batch.chain_batch_id, tx, block)
            if batch_id != batch.chain_batch_id:
                _log.debug("batch %s is batch %d on %s", batch.chain_batch_id, batch_id, name)
        if sent:
            _log.info("mirrored %d state batches on %s (chain %d)", sent, name, target.chain.chain_id)
        return len(todo)

    def _send(self, target: MirrorTarget, batch: BatchRow) -> tuple[int, str | None, int | None]:
        fn = target.contract.functions.anchor(batch.root, batch.leaf_count, batch.manifest_cid)
        try:
            receipt = target.chain.transact(fn)
        except ContractCustomError as exc:
            if exc.error_name != "StateAnchorRootExists":
                raise
            there = int(target.chain.call(target.contract.functions.batchOf(batch.root))[0])
            return there, None, None
        address = str(target.contract.address).lower()
        for log in receipt.raw["logs"]:
            topics = log["topics"]
            if str(log["address"]).lower() == address and topics and bytes(topics[0]) == BATCH_ANCHORED_TOPIC:
                return int.from_bytes(bytes(topics[1]), "big"), receipt.tx_hash, receipt.block_number
        raise StateError(
            f"the anchoring transaction {receipt.tx_hash} on {target.name} emitted no BatchAnchored event",
            hint=f"is the StateAnchor recorded for {target.name} a StateAnchor?",
        )

    # -- status ---------------------------------------------------------------------------------------------------

    def status(self) -> tuple[RedundancyStatus, ...]:
        """Per redundancy chain: batches anchored there, batches waiting (lag), the last error. Opens no chain."""
        batches = self._primary_batches()
        out = []
        for name in self.names:
            target = self._targets.get(name)
            if target is not None:
                done = self._done_roots(target)
                chain_id: int | None = target.chain.chain_id
                anchor: str | None = str(target.contract.address)
            else:  # not opened yet: what the file says of the last target under this name
                done, chain_id, anchor = self._recorded(name)
            there = sum(1 for b in batches if b.root in done)
            error = self._errors.get(name)
            out.append(RedundancyStatus(name, chain_id, anchor, there, len(batches) - there, _describe(error)))
        return tuple(out)

    def _recorded(self, name: str) -> tuple[set[bytes], int | None, str | None]:
        with self._small:
            row = self._db.execute(
                "SELECT target FROM mirrored WHERE name = ? ORDER BY rowid DESC LIMIT 1", (name,)
            ).fetchone()
            if row is None:
                return set(), None, None
            roots = self._db.execute("SELECT root FROM mirrored WHERE target = ?", (row[0],)).fetchall()
        chain_id, _, anchor = str(row[0]).partition("-")
        return {bytes(r[0]) for r in roots}, int(chain_id), anchor

    @property
    def lag(self) -> int:
        """The most batches any redundancy chain is behind the primary."""
        return max((s.lag for s in self.status()), default=0)

    # -- background -----------------------------------------------------------------------------------------------

    def start(self, interval: float = SYNC_INTERVAL) -> None:
        """Sync every ``interval`` seconds in a background thread (backing off after failures), until :meth:`stop`."""
        with self._small:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, args=(interval,), name="novacron-state-mirror", daemon=True
            )
            self._thread.start()

    def _run(self, interval: float) -> None:
        wait = 0.0  # at once: what an outage or a restart left behind goes first
        while not self._stop.wait(wait):
            self.sync()
            failing = any(self._errors.values())
            wait = min(max(interval, wait * 2), 60.0) if failing else interval

    def stop(self) -> None:
        """Stop the background thread (a sync under way finishes first)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join()
        self._thread = None

    def close(self) -> None:
        """Stop, and close the mirror's file (the redundancy chains belong to whoever resolved them)."""
        self.stop()
        with self._lock, self._small:
            self._db.close()


def _describe(error: BaseException | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, NovaChainError):
        return error.message
    return str(error) or type(error).__name__


def nova_mirror(nova: NovaChain, manager: StateManager) -> AnchorMirror | None:
    """Enable on ``manager`` the redundancy ``nova``'s config asks for (``anchor_redundancy``): its chains opened
    through ``nova.chains`` (on first use) with the StateAnchor recorded on each (``novacron-chain deploy`` deploys
    it there). The mirror, or ``None`` without the key."""
    names = list(nova.config.blockchain.anchor_redundancy)
    if not names:
        return None

    def resolve(name: str) -> MirrorTarget:
        other = nova.chains[name]
        return MirrorTarget(name, other.chain, other.contract("StateAnchor"))

    return manager.enable_redundancy(names, resolve)


# -- restore against a redundancy chain ------------------------------------------------------------------------------


class _ViewCall:
    """A read of the primary's StateAnchor, answered from the redundancy chain (see :class:`_PrimaryView`)."""

    def __init__(self, name: str, arg: Any) -> None:
        self.fn_name = name
        self.arg = arg


class _ViewFunctions:
    def batchRoot(self, batch_id: int) -> _ViewCall:  # the contract's names
        return _ViewCall("batchRoot", int(batch_id))

    def batchOf(self, root: bytes) -> _ViewCall:
        return _ViewCall("batchOf", bytes(root))


class _ViewContract:
    def __init__(self, address: str) -> None:
        self.address = address
        self.functions = _ViewFunctions()


class _ViewEvents:
    """``BatchAnchored`` of a primary batch id: the redundancy chain's event of the same root (its manifest CID is
    checked by the restore), with the transaction and block of the primary as the backup lists them."""

    def __init__(self, view: _PrimaryView) -> None:
        self._view = view

    def logs(self, address: str, topic: bytes | str, *, from_block: int = 0, topics: Sequence[Any] = (),
             unconfirmed: bool = True) -> list[AttributeDict[str, Any]]:  # fmt: skip
        del address, from_block, unconfirmed
        if not topics or topics[0] is None:
            return []
        primary_id = int.from_bytes(bytes(topics[0]), "big")
        entry = self._view.listing().get(primary_id)
        if entry is None:
            return []
        target = self._view.target
        found = event_indexer(target.chain).logs(str(target.contract.address), topic, topics=[None, entry["root"]])
        if not found or not entry.get("tx") or entry.get("block") is None:
            return []
        return [
            AttributeDict(
                {
                    "data": found[0]["data"],
                    "transactionHash": bytes.fromhex(str(entry["tx"]).removeprefix("0x")),
                    "blockNumber": int(entry["block"]),
                }
            )
        ]


class _PrimaryView:
    """The primary chain's StateAnchor as a restore reads it (``chain_id``, ``call``, ``batchRoot``, ``batchOf``,
    ``BatchAnchored``), answered from a redundancy chain: primary batch ids are translated through the backup's own
    listing into roots, and every root is looked up on the redundancy chain's StateAnchor."""

    def __init__(self, target: MirrorTarget, store: ContentStore, backup_root: str, chain_id: int) -> None:
        self.target = target
        self.chain_id = chain_id
        self._store = store
        self._root = backup_root
        self._listing: dict[int, dict[str, Any]] | None = None
        self._novacron_event_indexer = _ViewEvents(self)  # what chain.event_indexer(view) returns

    def listing(self) -> dict[int, dict[str, Any]]:
        """``{primary batch id: {root, tx, block, anchored_at}}`` from the backup's backup.json (read once the
        restore imported the blocks and checked that file)."""
        if self._listing is None:
            top = directory_links(self._store.get_block(self._root))
            info = json.loads(self._store.get(cid_string(top["backup.json"])))
            listing: dict[int, dict[str, Any]] = {}
            for entry in info["batches"]:
                listing[int(entry["batch_id"])] = {
                    "root": bytes.fromhex(str(entry["root"]).removeprefix("0x")),
                    "tx": entry.get("tx"),
                    "block": entry.get("block"),
                    "anchored_at": entry.get("anchored_at"),
                }
            self._listing = listing
        return self._listing

    def _there(self, root: bytes) -> tuple[int, int, int]:
        batch_id, at, count = self.target.chain.call(self.target.contract.functions.batchOf(root))
        return int(batch_id), int(at), int(count)

    def call(self, fn: _ViewCall, **_: Any) -> Any:
        if fn.fn_name == "batchRoot":
            entry = self.listing().get(fn.arg)
            if entry is None or self._there(entry["root"])[0] == 0:
                return _ZERO32
            return entry["root"]
        if fn.fn_name == "batchOf":
            there, at, count = self._there(fn.arg)
            if there == 0:
                return (0, 0, 0)
            primary = next((i for i, e in self.listing().items() if e["root"] == fn.arg), 0)
            entry = self.listing().get(primary, {})
            return (primary, int(entry.get("anchored_at") or at), count)
        raise StateError(f"a restore against {self.target.name} cannot read {fn.fn_name}")  # pragma: no cover

    def call_many(self, fns: Sequence[_ViewCall], **_: Any) -> list[Any]:
        return [self.call(fn) for fn in fns]

    def block_number(self) -> int:
        return self.target.chain.block_number()


def restore_from_mirror(
    target: MirrorTarget,
    store: ContentStore,
    *,
    primary_chain_id: int,
    primary_anchor: str,
    data_dir: str | os.PathLike[str] | None = None,
    config: BlockchainConfig | None = None,
    car: str | os.PathLike[str] | None = None,
    cid: str | None = None,
    source: ContentStore | None = None,
) -> RestoreResult:
    """Restore a backup as :func:`~novacron_chain.state.restore_state` does, checking every batch root, record and
    proof against the roots anchored on the redundancy chain ``target`` instead of the primary (which may be gone).

    The backup must be of the primary's StateAnchor ``primary_anchor`` on chain ``primary_chain_id`` (the state dir
    restored is the primary's, as :func:`open_state` opens it once the primary is back); the batch ids, transactions
    and blocks restored are the primary's, as the backup lists them; every root must be anchored on ``target``
    with the manifest CID the backup holds. Raises :class:`~novacron_chain.state.StateBackupError` as the restore
    does (a root missing on ``target`` names the batch)."""
    from ._backup import restore_state  # _backup imports the storage layer: only when restoring

    if (car is None) == (cid is None):
        raise StateValueError("pass exactly one of car (a CAR file) and cid (a backup's root CID)")
    if car is not None:
        from ..storage import CarReader

        with CarReader(car) as reader:
            roots = [str(r) for r in reader.roots]
        root = roots[0] if len(roots) == 1 else ""
    else:
        assert cid is not None
        root = str(Cid.parse(cid))
    view = _PrimaryView(target, store, root, primary_chain_id)
    contract = _ViewContract(primary_anchor)
    return restore_state(
        cast("Chain", view),
        cast("Contract", contract),
        store,
        data_dir=data_dir,
        config=config,
        car=car,
        cid=cid,
        source=source,
    )


# -- the primary, not contacted --------------------------------------------------------------------------------------


class _RefusingProvider(BaseProvider):
    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def make_request(self, method: Any, params: Any) -> NoReturn:
        raise ChainConnectionError(
            f"{self.description} is not contacted by this command ({method})",
            endpoint=self.description,
            hint="run it without --chain to use the primary chain",
        )


class _NotContacted(ChainBackend):
    """A backend that reaches nothing: every use raises :class:`ChainConnectionError`."""

    is_dev = False

    def __init__(self, network: str) -> None:
        self.description = f"{network} (not contacted)"
        self._provider = _RefusingProvider(self.description)
        self.w3 = Web3(self._provider)

    def _refuse(self) -> NoReturn:
        self._provider.make_request("send", None)

    def send_raw_batch(self, raws: Sequence[bytes]) -> list[Any]:
        self._refuse()

    def get_receipts(self, tx_hashes: Sequence[str]) -> list[Any]:
        self._refuse()

    def time_travel(self, seconds: int, blocks: int) -> None:
        self._refuse()

    def snapshot(self) -> Any:
        self._refuse()

    def revert(self, snapshot_id: Any) -> None:
        self._refuse()


def uncontacted_chain(config: BlockchainConfig) -> Chain:
    """A handle on the primary chain ``config`` names that never contacts it (every read or write raises
    :class:`~novacron_chain.errors.ChainConnectionError`): enough to open the state dir of the primary's
    StateAnchor and verify against a redundancy chain while the primary is unreachable. Needs the primary's chain
    id in the config (``chain_id``, or a known network)."""
    chain_id = config.expected_chain_id
    if chain_id is None:
        raise StateValueError(
            f"the chain id of {config.network} is not known without reaching it",
            hint="set blockchain.chain_id to the id of the primary chain",
        )
    return Chain(
        _NotContacted(config.network),
        network=config.network,
        chain_id=chain_id,
        fees=FeePolicy(config.gas_strategy, config.gas_price_limit),
        max_gas_per_tx=config.max_gas_per_tx,
    )
