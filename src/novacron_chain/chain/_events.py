"""One event indexer for every domain: paged ``eth_getLogs`` that adapts to provider limits, an incremental cache
per ``(contract, event)``, confirmation depth, and reorg detection by block hash.

Hosted endpoints cap ``eth_getLogs``: Infura refuses ranges over 10,000 blocks ("range 1000000 exceeds limit of
10000") and answers more than 10,000 logs with "query returned more than 10000 results", Alchemy's free tier allows
500 blocks ("You can make eth_getLogs requests with up to a 500 block range. Based on your parameters, this block
range should work: [0x.., 0x..]"), QuickNode and Erigon have their own words. :class:`EventIndexer` reads the whole
range at once until the endpoint objects; a *range* error teaches it the endpoint's limit (from the message when it
names one, else by halving), kept per endpoint for the process and in the cache file; a *result-count* error splits
only the range at hand (density varies along the chain, so it teaches nothing lasting).

Each ``(contract address, topic0)`` stream is cached, in SQLite in the data dir (``events/<chain id>.sqlite``) or in
memory for ``embedded:memory``, up to the *safe head*: the latest block minus ``event_confirmations``. Blocks above
it are read fresh on every listing and never cached, so a shallow reorg cannot poison the cache. The hash of the
last cached block is kept; when it no longer matches the chain (a reorg deeper than the confirmation depth, a dev
chain reverted to a snapshot, a node restarted from scratch), the fork point is found by binary search over the
cached blocks' hashes (a block whose hash still matches commits to all its ancestors), the cache is rolled back to
it and the rest re-read.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from web3.datastructures import AttributeDict

from ..errors import ChainError
from ._backends import RpcBackend
from ._rpc import RpcError

if TYPE_CHECKING:
    from web3.contract import Contract
    from web3.types import EventData

    from ._chain import Chain

__all__ = ["DEFAULT_CONFIRMATIONS", "EventIndexer", "IndexerStats", "attach_indexer", "event_indexer"]

_log = logging.getLogger("novacron_chain.chain.events")

#: confirmation depth by chain id when ``event_confirmations`` is not set (dev chains: always 0). Ethereum and
#: Sepolia: a dozen blocks (reorgs past 2 are rare since the merge); Polygon PoS: 32 (it reorganised dozens of
#: blocks before Heimdall v2); Avalanche: 0 (Snowman finalises a block when it is accepted).
DEFAULT_CONFIRMATIONS: dict[int, int] = {1: 12, 11155111: 12, 137: 32, 80002: 32, 43114: 0, 43113: 0}
FALLBACK_CONFIRMATIONS = 12
"""Confirmation depth of a non-dev chain not in :data:`DEFAULT_CONFIRMATIONS`."""

# provider texts for "the block range is too wide" and "too many results" (lower case)
_RANGE_WORDS = (
    "block range",
    "range is too",
    "range too large",
    "exceeds limit of",
    "bigger than range limit",
    "too many blocks",
    "exceed maximum block range",
    "blocks range",
    "limited to a",
    "range limit",
    "requested range",
)
_COUNT_WORDS = (
    "more than",
    "too many logs",
    "too many results",
    "response size exceeded",
    "response size",
    "query timeout",
    "timeout exceeded",
    "context deadline exceeded",
)
_RANGE_NUMBER = (
    re.compile(r"up to a ([\d,]+) block range"),
    re.compile(r"exceeds limit of ([\d,]+)"),
    re.compile(r"range limit(?: of)? ([\d,]+)"),
    re.compile(r"maximum block range:? ([\d,]+)"),
    re.compile(r"maximum is set to ([\d,]+)"),
    re.compile(r"limited to an? ([\d,]+)"),
    re.compile(r"narrow your filter:? ([\d,]+)"),
    re.compile(r"max(?:imum)? (?:block )?range (?:is |of )?([\d,]+)"),
)
_SUGGESTED = re.compile(r"\[(0x[0-9a-f]+),\s*(0x[0-9a-f]+)\]")

# learned range limits by endpoint, shared by every indexer of the process
_LIMITS: dict[str, int] = {}
_LIMITS_LOCK = threading.Lock()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    key TEXT PRIMARY KEY, start INTEGER NOT NULL, upto INTEGER NOT NULL, upto_hash BLOB
);
CREATE TABLE IF NOT EXISTS logs (
    key TEXT NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_index INTEGER NOT NULL,
    tx_hash BLOB NOT NULL, block_hash BLOB NOT NULL, topics BLOB NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (key, block, log_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limits (endpoint TEXT PRIMARY KEY, max_range INTEGER NOT NULL);
"""


class _RangeTooWide(Exception):
    def __init__(self, message: str, limit: int | None) -> None:
        super().__init__(message)
        self.limit = limit


class _TooManyResults(Exception):
    pass


@dataclass
class IndexerStats:
    """What an :class:`EventIndexer` did, for tests, benchmarks and metrics."""

    requests: int = 0
    """``eth_getLogs`` requests sent (refused ones included)."""
    refused: int = 0
    """Requests the endpoint refused for its range or result-count limits (each was split and retried)."""
    blocks_read: int = 0
    """Blocks covered by successful ``eth_getLogs`` requests (cached and unconfirmed reads)."""
    logs_read: int = 0
    """Logs those requests returned."""
    rollbacks: int = 0
    """Reorgs detected (the cache was rolled back to the fork point)."""
    rolled_back_logs: int = 0
    """Cached logs dropped by those rollbacks."""


@dataclass
class _Stream:
    key: str
    start: int
    upto: int
    upto_hash: bytes | None
    logs: list[AttributeDict[str, Any]] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)  # logs[i]'s block, for bisect


def _hex_int(v: Any) -> int:
    return int(v, 16) if isinstance(v, str) else int(v)


def _raw(v: Any) -> bytes:
    return bytes.fromhex(v[2:]) if isinstance(v, str) else bytes(v)


def _log_entry(
    address: str,
    block: int,
    block_hash: bytes,
    tx_hash: bytes,
    tx_index: int,
    log_index: int,
    topics: Sequence[bytes],
    data: bytes,
) -> AttributeDict[str, Any]:
    """A log in web3.py's form (what ``w3.eth.get_logs`` returns), so ``process_log`` and ``get_event_data`` take it."""
    return AttributeDict(
        {
            "address": address,
            "blockHash": HexBytes(block_hash),
            "blockNumber": block,
            "data": HexBytes(data),
            "logIndex": log_index,
            "removed": False,
            "topics": [HexBytes(t) for t in topics],
            "transactionHash": HexBytes(tx_hash),
            "transactionIndex": tx_index,
        }
    )


def _topic(value: bytes | str) -> bytes:
    raw = _raw(value) if isinstance(value, str) else bytes(value)
    if len(raw) != 32:
        raise ValueError(f"a topic is 32 bytes, not {len(raw)}")
    return raw


def _matches(log: Mapping[str, Any], filters: Sequence[bytes | Sequence[bytes] | None]) -> bool:
    """Whether ``log``'s topics 1.. match ``filters`` (None: any; a sequence: any of them), as eth_getLogs does."""
    topics = log["topics"]
    for i, want in enumerate(filters, 1):
        if want is None:
            continue
        if i >= len(topics):
            return False
        got = bytes(topics[i])
        if isinstance(want, (bytes, bytearray)):
            if got != want:
                return False
        elif got not in want:
            return False
    return True


class EventIndexer:
    """Event logs of one :class:`Chain`, paged, cached per ``(address, topic0)`` and reorg-safe.

    Get the chain's indexer with :func:`event_indexer` (``connect`` attaches one configured from the data dir and
    ``event_confirmations``); build one directly only for a chain of your own. ``path=None`` keeps the cache in
    memory. ``confirmations=None`` takes the default for the chain: 0 on dev chains, else
    :data:`DEFAULT_CONFIRMATIONS` (or :data:`FALLBACK_CONFIRMATIONS`). ``max_range`` starts from a known range
    limit instead of learning it. Thread-safe.
    """

    def __init__(
        self,
        chain: Chain,
        *,
        path: Path | None = None,
        confirmations: int | None = None,
        max_range: int | None = None,
    ) -> None:
        if confirmations is not None and confirmations < 0:
            raise ValueError("confirmations must be >= 0")
        self.chain = chain
        """The chain read."""
        self.chain_id = chain.chain_id
        self.confirmations = (
            confirmations
            if confirmations is not None
            else 0
            if chain.is_dev
            else DEFAULT_CONFIRMATIONS.get(chain.chain_id, FALLBACK_CONFIRMATIONS)
        )
        backend = chain.backend
        self._client = backend.client if isinstance(backend, RpcBackend) else None
        self.endpoint = self._client.shown_url if self._client is not None else backend.description
        self.stats = IndexerStats()
        self._lock = threading.RLock()
        self._streams: dict[str, _Stream] = {}
        self._db = self._open(path)
        if max_range is not None:
            self._learn(max_range)
        else:
            row = self._db.execute("SELECT max_range FROM limits WHERE endpoint = ?", (self.endpoint,)).fetchone()
            if row is not None:
                with _LIMITS_LOCK:
                    _LIMITS.setdefault(self.endpoint, int(row[0]))

    # -- public ---------------------------------------------------------------------------------------------------

    @property
    def max_range(self) -> int | None:
        """The block-range limit learned (or given) for this endpoint; None while the endpoint refused no range."""
        with _LIMITS_LOCK:
            return _LIMITS.get(self.endpoint)

    def logs(
        self,
        address: str,
        topic: bytes | str,
        *,
        from_block: int = 0,
        topics: Sequence[bytes | str | Sequence[bytes | str] | None] = (),
        unconfirmed: bool = True,
    ) -> list[AttributeDict[str, Any]]:
        """Every log of event ``topic`` (topic0) emitted by ``address`` from ``from_block`` on, oldest first, in
        web3.py's form.

        ``topics`` filters topics 1, 2, 3 as ``eth_getLogs`` does (None: any; a list: any of them). The blocks up to
        the safe head come from the cache (only blocks not read before are fetched); ``unconfirmed=False`` leaves
        out the blocks above it (those a reorg could still remove). Node faults raise
        :class:`~novacron_chain.errors.ChainError` subclasses.
        """
        addr = str(to_checksum_address(address))
        t0 = _topic(topic)
        filters = [
            None if f is None else _topic(f) if isinstance(f, (bytes, bytearray, str)) else [_topic(x) for x in f]
            for f in topics
        ]
        from_block = max(0, int(from_block))
        with self._lock, self.chain.mapped(f"reading events of {addr}", address=addr):
            head, _head_hash = self._block("latest")  # type: ignore[misc]
            safe = head - self.confirmations
            stream = self._sync(addr, t0, from_block, safe)
            cached = stream.logs[bisect_left(stream.blocks, from_block) :]
            tail: list[AttributeDict[str, Any]] = []
            if unconfirmed and head > stream.upto:
                tail = self._read(addr, [t0], max(stream.upto + 1, from_block), head)
        out = cached + tail
        if any(f is not None for f in filters):
            out = [log for log in out if _matches(log, filters)]
        return out

    def events(
        self,
        contract: Contract,
        event: str,
        *,
        from_block: int = 0,
        argument_filters: Mapping[str, Any] | None = None,
        unconfirmed: bool = True,
    ) -> list[EventData]:
        """The ``event`` logs of ``contract`` from ``from_block`` on, decoded as web3's ``process_log`` does, oldest
        first; ``argument_filters`` keeps those whose arguments equal the given values."""
        ev = contract.events[event]()
        topic = event_abi_to_log_topic(ev.abi)
        logs = self.logs(str(contract.address), topic, from_block=from_block, unconfirmed=unconfirmed)
        # what ``ev.process_log`` does, without its per-call ABI lookups (~1.5 ms a log, ten times this)
        from web3._utils.events import get_event_data

        codec, abi = self.chain.w3.codec, ev.abi
        out = [get_event_data(codec, abi, log) for log in logs]
        if argument_filters:
            out = [e for e in out if all(e["args"].get(k) == v for k, v in argument_filters.items())]
        return out

    def read(
        self,
        address: str | None,
        topics: Sequence[bytes | str | Sequence[bytes | str] | None],
        from_block: int,
        to_block: int | None = None,
    ) -> list[AttributeDict[str, Any]]:
        """Logs of ``address`` (None: of every contract) matching ``topics`` in ``[from_block, to_block]``
        (default: the latest block), paged to the endpoint's limits but not cached: for one-off reads (a single
        block, a cursor of one's own, a scan of every contract's role events)."""
        addr = None if address is None else str(to_checksum_address(address))
        norm: list[Any] = [
            None if f is None else _topic(f) if isinstance(f, (bytes, bytearray, str)) else [_topic(x) for x in f]
            for f in topics
        ]
        with self._lock, self.chain.mapped(f"reading events of {addr or 'every contract'}", address=addr):
            if to_block is None:
                to_block = self._block("latest")[0]  # type: ignore[index]
            return self._read(addr, norm, max(0, from_block), to_block)

    def forget(self) -> None:
        """Drop every cached stream (memory and file); the next listing reads from the start again."""
        with self._lock:
            self._streams.clear()
            with self._db:
                self._db.execute("DELETE FROM logs")
                self._db.execute("DELETE FROM streams")

    def close(self) -> None:
        """Close the cache file."""
        with self._lock:
            self._db.close()

    # -- cache ----------------------------------------------------------------------------------------------------

    def _open(self, path: Path | None) -> sqlite3.Connection:
        db: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                # a cache that cannot be written is not an error: it is rebuilt from the chain, in memory
                _log.warning("event cache %s unusable (%s): keeping events in memory", path, exc)
                if db is not None:
                    db.close()
                db = None
        if db is None:
            db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
            db.executescript(_SCHEMA)
        db.isolation_level = "DEFERRED"
        return db

    def _stream(self, address: str, topic: bytes, from_block: int) -> _Stream:
        key = f"{self.chain_id}:{address.lower()}:{topic.hex()}"
        stream = self._streams.get(key)
        if stream is not None:
            return stream
        row = self._db.execute("SELECT start, upto, upto_hash FROM streams WHERE key = ?", (key,)).fetchone()
        if row is None:
            stream = _Stream(key, from_block, from_block - 1, None)
            with self._db:
                self._db.execute(
                    "INSERT INTO streams (key, start, upto, upto_hash) VALUES (?, ?, ?, NULL)",
                    (key, stream.start, stream.upto),
                )
        else:
            stream = _Stream(key, int(row[0]), int(row[1]), None if row[2] is None else bytes(row[2]))
            rows = self._db.execute(
                "SELECT block, log_index, tx_index, tx_hash, block_hash, topics, data FROM logs WHERE key = ? "
                "ORDER BY block, log_index",
                (key,),
            )
            for block, log_index, tx_index, tx_hash, block_hash, topics, data in rows:
                t = bytes(topics)
                stream.logs.append(
                    _log_entry(
                        address,
                        block,
                        block_hash,
                        tx_hash,
                        tx_index,
                        log_index,
                        [t[i : i + 32] for i in range(0, len(t), 32)],
                        data,
                    )
                )
                stream.blocks.append(block)
        self._streams[key] = stream
        return stream

    def _sync(self, address: str, topic: bytes, from_block: int, safe: int) -> _Stream:
        """Bring the stream's cache to the safe head: backfill, detect a reorg and roll back, read new blocks."""
        stream = self._stream(address, topic, from_block)
        if from_block < stream.start:  # an earlier start than any reader asked before: read the blocks before it
            if stream.upto < stream.start:
                stream.start, stream.upto = from_block, from_block - 1
            else:
                end = min(stream.start - 1, safe)
                older = self._read(address, [topic], from_block, end) if end >= from_block else []
                stream.logs[:0] = older
                stream.blocks[:0] = [int(log["blockNumber"]) for log in older]
                stream.start = from_block
                self._store(stream, older)
        if stream.upto >= stream.start:
            found = self._block(stream.upto)
            if found is None or found[1] != stream.upto_hash:
                self._rollback(stream)
        for _attempt in range(4):
            if safe <= stream.upto:
                break
            _n, safe_hash = self._block(safe)  # type: ignore[misc]
            new = self._read(address, [topic], stream.upto + 1, safe)
            if self._block(safe) != (safe, safe_hash):  # the chain moved under the read: read again
                continue
            stream.logs += new
            stream.blocks += [int(log["blockNumber"]) for log in new]
            stream.upto, stream.upto_hash = safe, safe_hash
            self._store(stream, new)
        return stream

    def _rollback(self, stream: _Stream) -> None:
        """The last cached block is gone: find the fork point, drop the cached logs above it."""
        hashes: list[tuple[int, bytes]] = []  # distinct cached blocks, ascending, with the hash seen then
        for log in stream.logs:
            b = int(log["blockNumber"])
            if not hashes or hashes[-1][0] != b:
                hashes.append((b, bytes(log["blockHash"])))
        lo, hi = 0, len(hashes)  # invariant: hashes[:lo] still canonical, hashes[hi:] not
        while lo < hi:
            mid = (lo + hi) // 2
            number, h = hashes[mid]
            found = self._block(number)
            if found is not None and found[1] == h:
                lo = mid + 1
            else:
                hi = mid
        fork, fork_hash = hashes[lo - 1] if lo else (stream.start - 1, None)
        keep = bisect_left(stream.blocks, fork + 1)
        dropped = len(stream.logs) - keep
        _log.warning(
            "reorg: block %d of %s is not on the chain any more; rolled back to block %d (%d cached logs dropped)",
            stream.upto,
            stream.key,
            fork,
            dropped,
        )
        del stream.logs[keep:], stream.blocks[keep:]
        stream.upto, stream.upto_hash = fork, fork_hash
        self.stats.rollbacks += 1
        self.stats.rolled_back_logs += dropped
        with self._db:
            self._db.execute("DELETE FROM logs WHERE key = ? AND block > ?", (stream.key, fork))
            self._db.execute("UPDATE streams SET upto = ?, upto_hash = ? WHERE key = ?", (fork, fork_hash, stream.key))

    def _store(self, stream: _Stream, new: Sequence[AttributeDict[str, Any]]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO logs (key, block, log_index, tx_index, tx_hash, block_hash, topics, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        stream.key,
                        int(log["blockNumber"]),
                        int(log["logIndex"]),
                        int(log["transactionIndex"]),
                        bytes(log["transactionHash"]),
                        bytes(log["blockHash"]),
                        b"".join(bytes(t) for t in log["topics"]),
                        bytes(log["data"]),
                    )
                    for log in new
                ],
            )
            self._db.execute(
                "UPDATE streams SET start = ?, upto = ?, upto_hash = ? WHERE key = ?",
                (stream.start, stream.upto, stream.upto_hash, stream.key),
            )

    # -- node -----------------------------------------------------------------------------------------------------

    def _block(self, number: int | str) -> tuple[int, bytes] | None:
        """``(number, hash)`` of a block (``"latest"`` or a number), or None when the chain has no such block."""
        if self._client is not None:
            raw = self._client.call("eth_getBlockByNumber", number if isinstance(number, str) else hex(number), False)
            return None if raw is None else (_hex_int(raw["number"]), _raw(raw["hash"]))
        from web3.exceptions import BlockNotFound

        try:
            block = self.chain.w3.eth.get_block(number)  # type: ignore[arg-type]
        except BlockNotFound:
            return None
        return int(block["number"]), bytes(block["hash"])

    def _read(self, address: str | None, topics: Sequence[Any], start: int, end: int) -> list[AttributeDict[str, Any]]:
        """Logs in ``[start, end]``, in pages of the endpoint's range limit."""
        out: list[AttributeDict[str, Any]] = []
        lo = start
        while lo <= end:
            limit = self.max_range
            hi = end if limit is None else min(end, lo + limit - 1)
            out += self._read_split(address, topics, lo, hi)
            lo = hi + 1
        return out

    def _read_split(
        self, address: str | None, topics: Sequence[Any], lo: int, hi: int
    ) -> list[AttributeDict[str, Any]]:
        try:
            return self._get_logs(address, topics, lo, hi)
        except _RangeTooWide as exc:
            span = hi - lo + 1
            if span <= 1:
                raise ChainError(f"{self.endpoint} refuses eth_getLogs even for one block: {exc}") from exc
            self._learn(min(exc.limit or span // 2, span - 1))
            return self._read(address, topics, lo, hi)
        except _TooManyResults as exc:
            if lo >= hi:
                raise ChainError(
                    f"{self.endpoint} refuses the logs of block {lo}: too many results ({exc})",
                    hint="use an endpoint with a higher eth_getLogs result limit",
                ) from exc
            mid = (lo + hi) // 2
            return self._read_split(address, topics, lo, mid) + self._read_split(address, topics, mid + 1, hi)

    def _learn(self, limit: int) -> None:
        limit = max(1, int(limit))
        with _LIMITS_LOCK:
            old = _LIMITS.get(self.endpoint)
            if old is not None and old <= limit:
                return
            _LIMITS[self.endpoint] = limit
        _log.info("%s limits eth_getLogs to %d blocks", self.endpoint, limit)
        try:
            with self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO limits (endpoint, max_range) VALUES (?, ?)", (self.endpoint, limit)
                )
        except sqlite3.Error:  # a read-only cache only forgets the limit: it is learned again next run
            pass

    def _get_logs(self, address: str | None, topics: Sequence[Any], lo: int, hi: int) -> list[AttributeDict[str, Any]]:
        wire_topics = [
            None if t is None else "0x" + t.hex() if isinstance(t, bytes) else ["0x" + x.hex() for x in t]
            for t in topics
        ]
        params: dict[str, Any] = {"fromBlock": hex(lo), "toBlock": hex(hi), "topics": wire_topics}
        if address is not None:
            params["address"] = address
        self.stats.requests += 1
        if self._client is not None:
            try:
                raw = self._client.call("eth_getLogs", params)
            except RpcError as exc:
                self._classify(exc.message + " " + str(exc.data or ""), exc)
                raise
            out = [
                _log_entry(
                    address or str(to_checksum_address(r["address"])),
                    _hex_int(r["blockNumber"]),
                    _raw(r["blockHash"]),
                    _raw(r["transactionHash"]),
                    _hex_int(r["transactionIndex"]),
                    _hex_int(r["logIndex"]),
                    [_raw(t) for t in r["topics"]],
                    _raw(r["data"]),
                )
                for r in raw
                if not r.get("removed")
            ]
        else:
            query: dict[str, Any] = {"fromBlock": lo, "toBlock": hi, "topics": wire_topics}
            if address is not None:
                query["address"] = address
            got = self.chain.w3.eth.get_logs(query)  # type: ignore[arg-type]
            out = [
                _log_entry(
                    address or str(to_checksum_address(r["address"])),
                    int(r["blockNumber"]),
                    bytes(r["blockHash"]),
                    bytes(r["transactionHash"]),
                    int(r["transactionIndex"]),
                    int(r["logIndex"]),
                    [bytes(t) for t in r["topics"]],
                    bytes(r["data"]),
                )
                for r in got
            ]
        self.stats.blocks_read += hi - lo + 1
        self.stats.logs_read += len(out)
        return out

    def _classify(self, message: str, exc: Exception) -> None:
        """Raise :class:`_RangeTooWide` or :class:`_TooManyResults` when ``message`` is a provider limit."""
        low = message.lower()
        if any(w in low for w in _RANGE_WORDS) and not any(w in low for w in ("response size", "more than")):
            limit: int | None = None
            suggested = _SUGGESTED.search(low)
            if suggested:
                limit = int(suggested.group(2), 16) - int(suggested.group(1), 16) + 1
            else:
                for pattern in _RANGE_NUMBER:
                    m = pattern.search(low)
                    if m:
                        limit = int(m.group(1).replace(",", ""))
                        break
            self.stats.refused += 1
            raise _RangeTooWide(message.strip(), limit) from exc
        if any(w in low for w in _COUNT_WORDS):
            self.stats.refused += 1
            raise _TooManyResults(message.strip()) from exc


_INDEXERS_LOCK = threading.Lock()
_ATTRIBUTE = "_novacron_event_indexer"  # on the Chain: the indexer lives (and dies) with its chain


def attach_indexer(
    chain: Chain, *, data_dir: Path | None, confirmations: int | None = None, max_range: int | None = None
) -> EventIndexer:
    """Give ``chain`` an :class:`EventIndexer` caching in ``data_dir/events/<chain id>.sqlite`` (``None``: in
    memory), replacing any it had; :func:`event_indexer` returns it from then on."""
    path = None if data_dir is None else data_dir / "events" / f"{chain.chain_id}.sqlite"
    indexer = EventIndexer(chain, path=path, confirmations=confirmations, max_range=max_range)
    with _INDEXERS_LOCK:
        old: EventIndexer | None = getattr(chain, _ATTRIBUTE, None)
        setattr(chain, _ATTRIBUTE, indexer)
    if old is not None:
        old.close()
    return indexer


def event_indexer(chain: Chain) -> EventIndexer:
    """The :class:`EventIndexer` of ``chain``: the one :func:`~novacron_chain.chain.connect` attached, or (for a
    chain built by hand) one caching in memory with the chain's default confirmation depth."""
    with _INDEXERS_LOCK:
        indexer: EventIndexer | None = getattr(chain, _ATTRIBUTE, None)
        if indexer is None:
            indexer = EventIndexer(chain)
            setattr(chain, _ATTRIBUTE, indexer)
        return indexer
