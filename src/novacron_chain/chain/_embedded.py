"""The embedded chain: py-evm (through eth-tester) in this process, persisted in the data dir.

eth-tester always builds a chain from genesis and hard-codes its chain id; ``_PersistentBackend`` overrides
``reset_to_genesis`` to resume the chain stored under ``<data dir>/chain`` (or create it from genesis the first time)
with the chain id from config, and the web3 provider's ``eth_chainId`` is replaced to answer the same id.
"""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path
from typing import Any

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.exceptions import TransactionNotFound
from eth.vm.forks import PragueVM
from eth_abi import encode as abi_encode
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import (
    _get_transaction_by_hash,
    generate_genesis_state_for_keys,
    get_account_keys_from_mnemonic,
    get_default_genesis_params,
)
from eth_tester.backends.pyevm.serializers import serialize_transaction, serialize_transaction_receipt
from eth_tester.exceptions import TransactionFailed
from eth_typing import BlockNumber, Hash32
from eth_utils import to_wei
from toolz import assoc
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

from ._db import LevelAtomicDB
from ._keys import DEV_ACCOUNT_COUNT, DEV_HD_PATH, DEV_MNEMONIC

DEV_ACCOUNT_BALANCE = to_wei(10_000, "ether")
GAS_LIMIT = 30_000_000

__all__ = ["EmbeddedNode"]


def _chain_class(chain_id: int) -> type[MiningChain]:
    class NovaEmbeddedChain(MiningChain):
        vm_configuration = ((BlockNumber(0), PragueVM),)

        def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
            # keep the gas limit constant, like a dev node
            return super().create_header_from_parent(
                parent_header, **assoc(header_params, "gas_limit", parent_header.gas_limit)
            )

        def get_transaction_builder(self) -> Any:
            return super().get_vm().get_transaction_builder()

    NovaEmbeddedChain.chain_id = chain_id
    return NovaEmbeddedChain


class _PersistentBackend(PyEVMBackend):  # type: ignore[misc]
    def __init__(self, chain_id: int, db: AtomicDB) -> None:
        self._chain_id = chain_id
        self._db = db
        super().__init__()

    def reset_to_genesis(self, *args: Any, **kwargs: Any) -> None:
        keys = get_account_keys_from_mnemonic(DEV_MNEMONIC, quantity=DEV_ACCOUNT_COUNT, hd_path=DEV_HD_PATH)
        chain_class = _chain_class(self._chain_id)
        self.account_keys = keys
        try:
            chain_class.chaindb_class(self._db).get_canonical_head()
        except Exception:
            state = generate_genesis_state_for_keys(keys, overrides={"balance": DEV_ACCOUNT_BALANCE})
            params = get_default_genesis_params({"gas_limit": GAS_LIMIT, "timestamp": int(time.time())})
            self.chain = chain_class.from_genesis(self._db, params, state)
        else:
            self.chain = chain_class(self._db)

    # eth-tester finds a transaction by scanning every block back from the head, so a receipt (and eth_getLogs,
    # which reads one per transaction) cost grows with the chain's length; py-evm keeps a hash -> (block, index)
    # lookup of canonical transactions: use it, and scan only for the pending block's

    def _find_transaction(self, transaction_hash: bytes) -> tuple[Any, Any, int]:
        try:
            number, index = self.chain.chaindb.get_transaction_index(Hash32(transaction_hash))
        except TransactionNotFound:
            return _get_transaction_by_hash(self.chain, transaction_hash)  # type: ignore[no-any-return]
        block = self.chain.get_canonical_block_by_number(number)
        return block, block.transactions[index], index

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        block, transaction, index = self._find_transaction(transaction_hash)
        is_pending = block.number == self.chain.get_block().number
        return serialize_transaction(block, transaction, index, is_pending)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        block, transaction, index = self._find_transaction(transaction_hash)
        is_pending = block.number == self.chain.get_block().number
        receipts = block.get_receipts(self.chain.chaindb)
        return serialize_transaction_receipt(block, receipts, transaction, index, is_pending, self.chain.get_vm())


_REVERT_PREFIX = "execution reverted: "
_ERROR_STRING = bytes.fromhex("08c379a0")


class _Provider(EthereumTesterProvider):
    """Answers reverts like a real node: a JSON-RPC error with code 3 and the raw revert data.

    web3's eth-tester provider turns revert data into a message string; this restores the bytes, so the embedded
    chain and anvil reach the same decoding path (custom errors with their arguments included). Requests are
    serialised, so concurrent senders in one process are safe.
    """

    _lock = threading.RLock()  # eth-tester is not thread-safe; one request at a time

    def make_request(self, method: Any, params: Any) -> Any:
        try:
            with self._lock:
                return super().make_request(method, params)
        except TransactionFailed as exc:
            return {
                "jsonrpc": "2.0",
                "id": 0,
                "error": {"code": 3, "message": "execution reverted", "data": "0x" + _raw_revert(exc).hex()},
            }


def _raw_revert(exc: TransactionFailed) -> bytes:
    arg = exc.args[0] if exc.args else b""
    if isinstance(arg, bytes):
        return arg
    text = str(arg).removeprefix(_REVERT_PREFIX)
    if text[:2] in ("b'", 'b"'):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, bytes):
            return value
    return _ERROR_STRING + abi_encode(["string"], [text])  # eth-tester already decoded an Error(string)


class EmbeddedNode:
    """An in-process py-evm chain. ``path=None`` keeps it in memory only (``embedded:memory``)."""

    def __init__(self, chain_id: int, path: Path | None = None) -> None:
        self.path = path
        self._db: LevelAtomicDB | AtomicDB = LevelAtomicDB(path) if path is not None else AtomicDB()
        try:
            self.tester = EthereumTester(backend=_PersistentBackend(chain_id, self._db))
        except BaseException:
            self.close()
            raise
        endpoints = {ns: dict(methods) for ns, methods in API_ENDPOINTS.items()}
        endpoints["eth"]["chainId"] = static_return(chain_id)
        self.provider = _Provider(ethereum_tester=self.tester, api_endpoints=endpoints)

    def web3(self) -> Web3:
        """A Web3 bound to this node."""
        return Web3(self.provider)

    def time_travel(self, seconds: int, blocks: int) -> None:
        """Mine one block ``seconds`` later than the pending block, then ``blocks - 1`` more."""
        if seconds > 0:
            pending = self.tester.get_block_by_number("pending")["timestamp"]
            self.tester.time_travel(pending + seconds)
            blocks -= 1
        if blocks > 0:
            self.tester.mine_blocks(blocks)

    def snapshot(self) -> int:
        """Remember the current head; :meth:`revert` returns to it."""
        return int(self.tester.take_snapshot())

    def revert(self, snapshot_id: int) -> None:
        """Return to a snapshot taken by :meth:`snapshot`."""
        self.tester.revert_to_snapshot(snapshot_id)

    def close(self) -> None:
        """Release the data dir. Safe to call twice."""
        if isinstance(self._db, LevelAtomicDB):
            self._db.close()
