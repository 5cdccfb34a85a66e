"""The chain layer's one interface: :class:`Chain`.

Every transaction NovaCron sends goes through here: local signing, a nonce that stays right with concurrent senders
in one process, EIP-1559 fees by strategy under the configured caps, gas estimated before sending (so a revert is
reported without paying for it), receipts with a timeout, revert data decoded into typed exceptions, and every
outcome reported to the metrics observers.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from eth_utils import is_hex_address, to_bytes, to_checksum_address

from ..artifacts import Artifact, load_artifact
from ..errors import (
    ChainConnectionError,
    ChainError,
    ContractError,
    DevOnlyError,
    FeeLimitError,
    InsufficientFundsError,
    KeyManagementError,
    NovaChainError,
    NovaValueError,
    TransactionError,
    TransactionRevertedError,
    TransactionTimeoutError,
)
from ._backends import ChainBackend, RpcBackend
from ._fees import FeePolicy
from ._keys import SignedTx, Signer, UnsignedTx, dev_signers
from ._revert import CHAIN_ERROR_HINTS, decode_revert
from ._rpc import RpcError

if TYPE_CHECKING:
    from web3 import Web3
    from web3.contract import Contract
    from web3.contract.contract import ContractFunction

__all__ = ["Chain", "PendingTx", "Receipt", "TxObserver", "TxRequest", "checksum"]

_log = logging.getLogger("novacron_chain.chain")

GAS_BUFFER = (6, 5)  # estimate x 1.2: state can change between estimate and inclusion
# An estimate runs against the pending block, which on a dev node often has the last block's timestamp; the
# transaction may land in a later second, where contracts that write once per timestamp (ERC20Votes checkpoints,
# Uniswap-style price accumulators) write fresh slots the estimate never saw. Contract calls get room for two cold
# zero-to-non-zero writes on top of the buffer: unused gas is not charged, so the headroom costs nothing.
TIMESTAMP_WRITES_GAS = 2 * 22_100
INTRINSIC_GAS = 21_000


class TxObserver(Protocol):
    """Told about every transaction outcome (``BlockchainMetrics`` implements it). An observer that also has a
    ``record_retry(reason: str)`` method is told by :func:`~novacron_chain.chain.connect` of every JSON-RPC retry."""

    def record_transaction(self, success: bool, gas_used: int, latency: float, *, fee_wei: int = 0) -> None:
        """One transaction finished: ``latency`` is seconds from submission to receipt."""


@dataclass(frozen=True, slots=True)
class TxRequest:
    """What to send. ``to=None`` deploys ``data`` as init code; ``gas=None`` estimates.

    ``max_gas`` overrides the configured cap (``max_gas_per_tx``, or ``max_gas_per_deploy`` for deployments) for
    this one transaction, e.g. for a setup call that deploys a contract.
    """

    to: str | None
    data: bytes = b""
    value: int = 0
    gas: int | None = None
    max_gas: int | None = None


@dataclass(frozen=True, slots=True)
class PendingTx:
    """A transaction the node accepted; :meth:`Chain.wait` turns it into a :class:`Receipt`."""

    tx_hash: str
    sender: str
    request: TxRequest
    signed: SignedTx = field(repr=False)
    sent_at: float
    gas: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """A mined transaction."""

    tx_hash: str
    block_number: int
    status: int
    gas_used: int
    effective_gas_price: int
    contract_address: str | None
    latency: float
    node_receipt: Any = field(repr=False, compare=False)

    @property
    def raw(self) -> Any:
        """The receipt in web3.py's form (an AttributeDict with decoded logs), e.g. for ``process_receipt``."""
        r = self.node_receipt
        if isinstance(r, dict) and isinstance(r.get("blockNumber"), str):  # JSON-RPC form: format on demand
            from web3._utils.method_formatters import receipt_formatter
            from web3.datastructures import AttributeDict

            return AttributeDict.recursive(receipt_formatter(r))
        return r

    @property
    def succeeded(self) -> bool:
        """True when the EVM did not revert."""
        return self.status == 1

    @property
    def fee_wei(self) -> int:
        """What the sender paid for gas."""
        return self.gas_used * self.effective_gas_price


def checksum(address: str, what: str = "address") -> str:
    """``address`` in checksum form; :class:`NovaValueError` naming ``what`` when it is not an address.

    The one address check of every entry point (library and CLI): an empty string is an error (never a default
    account), and an address written in mixed case must carry its EIP-55 checksum, so that a typo in one digit is
    refused instead of sending to an address nobody holds; all lower or all upper case is accepted unchecked."""
    if isinstance(address, str) and not address.strip():
        raise NovaValueError(f"{what} is empty", hint="an address is 0x followed by 40 hex digits")
    if not isinstance(address, str) or not is_hex_address(address):
        shown = repr(address) if len(repr(address)) <= 60 else repr(address)[:55] + "…" + repr(address)[-4:]
        raise NovaValueError(
            f"{what} {shown} is not an Ethereum address",
            hint="an address is 0x followed by 40 hex digits",
        )
    body = address[2:] if address[:2] in ("0x", "0X") else address
    result = _checksummed(body.lower())
    if body not in (body.lower(), body.upper()) and body != result[2:]:
        raise NovaValueError(
            f"{what} {address} has mixed case but a wrong EIP-55 checksum (a mistyped digit?)",
            hint="check the address where you copied it from; its checksummed form is not this one",
        )
    return result


@lru_cache(maxsize=8192)
def _checksummed(lower_hex: str) -> str:
    return str(to_checksum_address("0x" + lower_hex))  # a keccak each: callers repeat the same few addresses


class Chain:
    """A connection to one chain with a default signer.

    Build it with :func:`novacron_chain.chain.connect` (from config) rather than directly.
    """

    def __init__(
        self,
        backend: ChainBackend,
        *,
        network: str,
        chain_id: int,
        fees: FeePolicy,
        max_gas_per_tx: int,
        max_gas_per_deploy: int = 10_000_000,
        signer: Signer | None = None,
        receipt_timeout: float = 120.0,
        observers: Sequence[TxObserver] = (),
    ) -> None:
        self.backend = backend
        self.network = network
        self.chain_id = chain_id
        self.fees = fees
        self.max_gas_per_tx = max_gas_per_tx
        self.max_gas_per_deploy = max_gas_per_deploy
        self.receipt_timeout = receipt_timeout
        self.observers: list[TxObserver] = list(observers)
        self._error_hints: dict[str, str] = dict(CHAIN_ERROR_HINTS)
        self._hint_sources: list[Callable[[], Mapping[str, str]]] = []
        self._signer = signer
        self._nonces: dict[str, int] = {}
        self._nonce_lock = threading.Lock()
        # held from nonce reservation until the node accepted the transaction: nonces reach the node in order,
        # which nodes without a mempool for future nonces (the embedded chain) require
        self._send_locks: dict[str, threading.RLock] = {}
        # signed bytes of the transactions the node accepted and no receipt came for yet, by sender and nonce: when
        # the node lost them (restarted from an older state dump, a reorg) they are sent again, byte for byte
        self._in_flight: dict[str, dict[int, bytes]] = {}
        self.stalls_flushed = 0
        """How often a wait for receipts on a dev chain stalled and mined a block to flush the node's pool."""

    @property
    def error_hints(self) -> dict[str, str]:
        """Custom error name -> what to do about it; reverts decoded by this chain carry the matching hint.

        Starts with OpenZeppelin's errors; :meth:`add_error_hints` adds tables (every domain's, through
        :class:`~novacron_chain.NovaChain`), read on the first revert so that commands that never revert do not
        import every domain."""
        while self._hint_sources:
            self._error_hints.update(self._hint_sources.pop(0)())
        return self._error_hints

    def add_error_hints(self, source: Mapping[str, str] | Callable[[], Mapping[str, str]]) -> None:
        """Add hints for custom errors: a table, or a function returning one (called when first needed)."""
        self._hint_sources.append(source if callable(source) else lambda: source)

    # -- identity -------------------------------------------------------------------------------------------------

    @property
    def w3(self) -> Web3:
        """The underlying web3.py instance (reads only: send through this class)."""
        return self.backend.w3

    @property
    def is_dev(self) -> bool:
        """Whether dev accounts, time travel and snapshots are allowed."""
        return self.backend.is_dev

    @property
    def signer(self) -> Signer:
        """The default signer; :class:`KeyManagementError` when none is configured."""
        if self._signer is None:
            raise KeyManagementError(
                f"no signing key is configured for {self.backend.description}",
                hint="export BLOCKCHAIN_PRIVATE_KEY, or set keystore_path (passphrase in "
                "NOVACRON_KEYSTORE_PASSPHRASE); dev accounts exist only on dev chains",
            )
        return self._signer

    @property
    def has_signer(self) -> bool:
        """Whether a default signer is configured."""
        return self._signer is not None

    def use_signer(self, signer: Signer) -> None:
        """Make ``signer`` the default sender."""
        self._signer = signer

    def dev_signer(self, index: int) -> Signer:
        """Dev account ``index`` (0-9): dev chains only."""
        if not self.is_dev:
            raise DevOnlyError(
                f"dev accounts are refused on {self.backend.description}: their keys are public",
                hint="configure a real key (BLOCKCHAIN_PRIVATE_KEY or keystore_path) for this chain",
            )
        signers = dev_signers()
        if not 0 <= index < len(signers):
            raise NovaValueError(f"dev account {index} does not exist", hint=f"choose 0 to {len(signers) - 1}")
        return signers[index]

    # -- reads ----------------------------------------------------------------------------------------------------

    def block_number(self) -> int:
        """The latest block number."""
        with self.mapped("reading the block number"):
            return int(self.w3.eth.block_number)

    def timestamp(self) -> int:
        """The latest block's timestamp (chain time, which dev chains can move)."""
        with self.mapped("reading the latest block"):
            return int(self.w3.eth.get_block("latest")["timestamp"])

    def balance(self, address: str) -> int:
        """Native balance of ``address`` in wei."""
        addr = checksum(address)
        with self.mapped("reading a balance"):
            return int(self.w3.eth.get_balance(addr))  # type: ignore[arg-type]

    def code(self, address: str) -> bytes:
        """Runtime code at ``address`` (empty for accounts without code)."""
        addr = checksum(address)
        with self.mapped("reading contract code"):
            return bytes(self.w3.eth.get_code(addr))  # type: ignore[arg-type]

    def contract(self, artifact: str | Artifact, address: str) -> Contract:
        """A web3 contract object for ``artifact`` at ``address``."""
        art = load_artifact(artifact) if isinstance(artifact, str) else artifact
        return self.w3.eth.contract(address=checksum(address), abi=art.abi)  # type: ignore[call-overload,no-any-return]

    def call(self, fn: ContractFunction, *, sender: str | None = None) -> Any:
        """Run a view (or a state-changing function without sending it) and return its result.

        On a JSON-RPC node the ``eth_call`` goes out as plain JSON-RPC, encoded and decoded as :meth:`call_many`
        does it: web3's own call path re-validates the ABI on every call (~4 ms of CPU against ~0.9 ms); a node
        process polling L1 (the sequencer's watcher) spent ~1 µs of CPU per L2 transfer on it."""
        params: dict[str, Any] = {}
        if sender is not None:
            params["from"] = checksum(sender)
        elif self._signer is not None:
            params["from"] = self._signer.address
        with self.mapped(f"calling {fn.fn_name}", address=fn.address):
            if isinstance(self.backend, RpcBackend):
                tx = {**params, "to": fn.address, "data": _call_data(self.w3, fn)}
                return _call_result(self.w3, fn, self.backend.client.call("eth_call", tx, "latest"))
            return fn.call(params)  # type: ignore[arg-type]

    def call_many(self, fns: Sequence[ContractFunction], *, sender: str | None = None, chunk: int = 256) -> list[Any]:
        """Run many views and return their results in order, each as :meth:`call` returns it.

        On a JSON-RPC node the ``eth_call`` requests go out as batches of ``chunk`` (one HTTP request each), all
        against the block that was the latest when the first batch left, so that they read one state: a thousand
        reads cost a few round trips instead of a thousand. The embedded chain runs them one by one. The first call
        that fails raises, mapped as :meth:`call` maps it.
        """
        if not isinstance(self.backend, RpcBackend):
            return [self.call(fn, sender=sender) for fn in fns]
        if not fns:
            return []
        origin = checksum(sender) if sender is not None else self._signer.address if self._signer else None
        block = hex(self.block_number())
        out: list[Any] = []
        for start in range(0, len(fns), max(chunk, 1)):
            part = fns[start : start + max(chunk, 1)]
            calls = []
            for fn in part:
                tx = {"to": fn.address, "data": _call_data(self.w3, fn)}
                if origin is not None:
                    tx["from"] = origin
                calls.append(("eth_call", [tx, block]))
            with self.mapped(f"calling {part[0].fn_name} ({len(part)} calls in one batch)"):
                results = self.backend.client.batch(calls)
            for fn, result in zip(part, results, strict=True):
                with self.mapped(f"calling {fn.fn_name}", address=fn.address):
                    if isinstance(result, BaseException):
                        raise result
                    out.append(_call_result(self.w3, fn, result))
        return out

    # -- sending --------------------------------------------------------------------------------------------------

    def transact(
        self,
        fn: ContractFunction,
        *,
        value: int = 0,
        gas: int | None = None,
        max_gas: int | None = None,
        sender: Signer | None = None,
    ) -> Receipt:
        """Send a contract call, wait for it, and return the receipt; reverts raise typed errors."""
        data = to_bytes(hexstr=fn._encode_transaction_data())
        request = TxRequest(to=fn.address, data=data, value=value, gas=gas, max_gas=max_gas)
        return self.wait(self.send(request, sender=sender))

    def transfer(self, to: str, value: int, *, sender: Signer | None = None) -> Receipt:
        """Send ``value`` wei of the native currency to ``to``."""
        if value < 0:
            raise NovaValueError(f"amount {value} is negative", hint="send a positive amount of wei")
        return self.wait(self.send(TxRequest(to=checksum(to, "recipient"), value=value), sender=sender))

    def deploy(
        self, artifact: str | Artifact, *args: Any, sender: Signer | None = None, gas: int | None = None
    ) -> tuple[Contract, Receipt]:
        """Deploy ``artifact`` with constructor ``args``; returns the contract object and the receipt."""
        art = load_artifact(artifact) if isinstance(artifact, str) else artifact
        factory = self.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
        try:
            init = factory.constructor(*args).data_in_transaction
        except (TypeError, ValueError) as exc:
            raise NovaValueError(f"bad constructor arguments for {art.name}: {exc}") from exc
        receipt = self.wait(self.send(TxRequest(to=None, data=to_bytes(hexstr=init), gas=gas), sender=sender))
        if receipt.contract_address is None:
            raise ContractError(f"deploying {art.name} produced no contract address (tx {receipt.tx_hash})")
        return self.contract(art, receipt.contract_address), receipt

    def send(self, request: TxRequest, *, sender: Signer | None = None) -> PendingTx:
        """Estimate, sign and send one transaction; returns once the node accepted it."""
        signer = sender or self.signer
        gas = self._gas_for(request, signer.address)
        with self._send_lock(signer.address):
            (signed,) = self._sign_chunk(signer, [replace(request, gas=gas)], verify_nonce=True)
            try:
                (result,) = self.backend.send_raw_batch([signed.raw])
            except BaseException:
                self._forget_nonce(signer.address)  # the node may or may not have it: ask it next time
                raise
            return self._accepted(signer, request, signed, result, time.monotonic())

    def send_batch(
        self,
        requests: Iterable[TxRequest],
        *,
        sender: Signer | None = None,
        chunk: int = 200,
        progress: Callable[[int], None] | None = None,
    ) -> list[Receipt]:
        """Send many transactions from one sender as JSON-RPC batches and wait for all receipts.

        Each request must carry ``gas`` (batches skip per-transaction estimation). The work is pipelined: the next
        chunk is signed while the node processes the current one, and sent before the current one's receipts are
        collected, so the node is never idle while we poll. Fees are chosen once per chunk. Raises on the first
        failed transaction once every receipt of its chunk and of the one chunk sent after it is in (both are
        mined by then: nonces stay in step and no receipt goes unrecorded).
        """
        signer = sender or self.signer
        reqs = list(requests)
        if any(r.gas is None for r in reqs):
            raise NovaValueError("send_batch needs gas on every request", hint="set TxRequest.gas")
        chunks = [reqs[i : i + chunk] for i in range(0, len(reqs), chunk)]
        receipts: list[Receipt] = []
        with self._send_lock(signer.address), ThreadPoolExecutor(max_workers=1) as pool:
            signing: Future[list[SignedTx]] | None = (
                pool.submit(self._sign_chunk, signer, chunks[0], verify_nonce=True) if chunks else None
            )
            in_flight: list[PendingTx] = []  # sent, receipts not collected yet
            for i, part in enumerate(chunks):
                assert signing is not None
                signed = signing.result()
                signing = pool.submit(self._sign_chunk, signer, chunks[i + 1]) if i + 1 < len(chunks) else None
                sent_at = time.monotonic()
                try:
                    results = self.backend.send_raw_batch([s.raw for s in signed])
                    pending = [
                        self._accepted(signer, r, s, res, sent_at)
                        for r, s, res in zip(part, signed, results, strict=True)
                    ]
                except BaseException:
                    if signing is not None:  # the next chunk's nonces follow this one's: never send them
                        signing.cancel()
                        with suppress(BaseException):
                            signing.result()
                    self._forget_nonce(signer.address)
                    self._collect(in_flight, receipts, progress)  # an earlier failure is reported first
                    raise
                try:
                    self._collect(in_flight, receipts, progress)
                except TransactionError:
                    with suppress(TransactionError):  # mined anyway: let the metrics see them
                        self._wait_many(pending, raise_reverts=False)
                    raise
                in_flight = pending
            self._collect(in_flight, receipts, progress)
        return receipts

    def _collect(
        self, pending: list[PendingTx], receipts: list[Receipt], progress: Callable[[int], None] | None
    ) -> None:
        if pending:
            receipts.extend(self._wait_many(pending))
            if progress:
                progress(len(receipts))

    def wait(self, pending: PendingTx, *, timeout: float | None = None) -> Receipt:
        """Wait for ``pending`` to be mined; raise :class:`TransactionRevertedError` if it reverted."""
        return self._wait_many([pending], timeout=timeout)[0]

    # -- dev powers -----------------------------------------------------------------------------------------------

    def _require_dev(self, what: str) -> None:
        if not self.is_dev:
            raise DevOnlyError(
                f"{what} is only possible on a dev chain (embedded or anvil); {self.backend.description} is not one",
                hint="use --network embedded, --network embedded:memory or a local anvil (`novacron-chain devnet`)",
            )

    def advance(self, seconds: int = 0, blocks: int = 1) -> None:
        """Move chain time forward by ``seconds`` and mine ``blocks`` blocks (dev chains only)."""
        self._require_dev("moving time")
        if seconds < 0 or blocks < 0:
            raise NovaValueError("time only moves forward", hint="pass --seconds and --blocks >= 0")
        with self.mapped("moving time"):
            self.backend.time_travel(seconds, max(blocks, 1 if seconds else 0))

    def snapshot(self) -> Any:
        """Remember the chain state; :meth:`revert` returns to it (dev chains only)."""
        self._require_dev("taking a snapshot")
        with self.mapped("taking a snapshot"):
            return self.backend.snapshot()

    def revert(self, snapshot_id: Any) -> None:
        """Return to a snapshot (dev chains only). Forgets cached nonces."""
        self._require_dev("reverting to a snapshot")
        with self.mapped("reverting"):
            self.backend.revert(snapshot_id)
        with self._nonce_lock:
            self._nonces.clear()

    def close(self) -> None:
        """Release the backend (and the embedded chain's data dir)."""
        self.backend.close()

    # -- internals ------------------------------------------------------------------------------------------------

    def _gas_for(self, request: TxRequest, sender: str) -> int:
        limit, key = (
            (self.max_gas_per_tx, "max_gas_per_tx") if request.to else (self.max_gas_per_deploy, "max_gas_per_deploy")
        )
        if request.max_gas is not None:
            limit, key = request.max_gas, "the cap set for this transaction"
        if request.value < 0:
            raise NovaValueError(f"value {request.value} is negative", hint="send a non-negative amount of wei")
        if request.gas is not None:
            gas = request.gas
        else:
            tx: dict[str, Any] = {"from": sender, "value": request.value, "data": request.data}
            if request.to is not None:
                tx["to"] = request.to
            with self.mapped("estimating gas", address=request.to):
                estimate = int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
            num, den = GAS_BUFFER
            headroom = TIMESTAMP_WRITES_GAS if request.data else 0
            gas = max(INTRINSIC_GAS, min(math.ceil(estimate * num / den) + headroom, max(estimate, limit)))
        if gas > limit:
            raise FeeLimitError(
                f"the transaction needs {gas:,} gas, above {key} {limit:,}",
                address=request.to,
                hint=f"raise blockchain.{key} if this is expected" if key.startswith("max_") else None,
            )
        return gas

    def _send_lock(self, address: str) -> threading.RLock:
        with self._nonce_lock:
            return self._send_locks.setdefault(address, threading.RLock())

    def _reserve_nonce(self, address: str, count: int = 1, *, verify: bool = False) -> int:
        """The first of ``count`` consecutive nonces reserved for ``address``.

        ``verify`` (callers holding the sender's send lock, with nothing of theirs signed but unsent) checks the
        cached nonce against the node's pending count on a JSON-RPC node: a higher count (another process sent
        from this account) is taken; on a dev node a lower one too, since its pool shows every accepted
        transaction at once, so a lower count means transactions were dropped (a reorg, a node restarted from an
        older state): continuing from the cache would leave a nonce gap that no block ever fills."""
        with self._nonce_lock:
            nonce = self._nonces.get(address)
            if nonce is None or (verify and isinstance(self.backend, RpcBackend)):
                node = self._node_nonce(address)
                lost = sorted((n, raw) for n, raw in self._in_flight.get(address, {}).items() if n >= node)
                if nonce is not None and node < nonce and lost:
                    # transactions still awaited that the node no longer has: the same bytes again, never a new
                    # signature over their nonces (a reused nonce would leave their waiters hanging)
                    _log.warning("the node lost %d transactions of %s: sending them again", len(lost), address)
                    with suppress(NovaChainError), self.mapped("sending lost transactions again"):
                        self.backend.send_raw_batch([raw for _, raw in lost])
                    node = self._node_nonce(address)
                chosen = node if nonce is None or node > nonce or self.is_dev else nonce
                if nonce is not None and chosen != nonce:
                    _log.warning(
                        "nonce of %s: %d cached, %d on the node; going on from %d", address, nonce, node, chosen
                    )
                nonce = chosen
            self._nonces[address] = nonce + count
            return nonce

    def _node_nonce(self, address: str) -> int:
        with self.mapped("reading the nonce"):
            return int(self.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]

    def _forget_nonce(self, address: str) -> None:
        """Drop the cached nonce of ``address``: the next transaction asks the node."""
        with self._nonce_lock:
            self._nonces.pop(address, None)

    def _sign_chunk(self, signer: Signer, part: Sequence[TxRequest], *, verify_nonce: bool = False) -> list[SignedTx]:
        with self.mapped("choosing fees"):
            fees = self.fees.fees(self.w3)  # one lookup serves the chunk
        first = self._reserve_nonce(signer.address, len(part), verify=verify_nonce)
        targets: dict[str | None, bytes | None] = {None: None}
        out = []
        for i, r in enumerate(part):
            if r.to is not None and r.to not in targets:
                targets[r.to] = to_bytes(hexstr=checksum(r.to, "recipient"))
            tx = UnsignedTx(
                chain_id=self.chain_id,
                nonce=first + i,
                max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
                max_fee_per_gas=fees.max_fee_per_gas,
                gas=r.gas or 0,
                to=targets[r.to],
                value=r.value,
                data=r.data,
            )
            out.append(signer.sign_transaction(tx))
        return out

    def _accepted(self, signer: Signer, request: TxRequest, signed: SignedTx, result: Any, sent_at: float) -> PendingTx:
        if isinstance(result, BaseException):
            message = str(result.message if isinstance(result, RpcError) else result)
            low = message.lower()
            known = any(w in low for w in ("already known", "known transaction", "already imported"))
            # a re-send after a lost answer: the node took the first copy, and may have mined it already
            # ("nonce too low" for its own transaction); it is ours when the node knows its hash
            if not known and "nonce too low" in low:
                known = self._node_has(signed.hash_hex)
            if not known:
                self._forget_nonce(signer.address)  # resync from the node next time
                raise self._send_error(message, request, signed) from result
        with self._nonce_lock:
            self._in_flight.setdefault(signer.address, {})[signed.nonce] = signed.raw
        return PendingTx(signed.hash_hex, signer.address, request, signed, sent_at, signed.gas)

    def _node_has(self, tx_hash: str) -> bool:
        """Whether the node knows transaction ``tx_hash`` (pending or mined)."""
        try:
            with self.mapped("looking up a transaction"):
                return self.w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
        except Exception:  # not found (web3 raises), or the node is unreachable: not known to be there
            return False

    def _send_error(self, message: str, request: TxRequest, signed: SignedTx) -> TransactionError:
        low = message.lower()
        if "insufficient funds" in low or "enough balance" in low or "insufficient balance" in low:
            return InsufficientFundsError(
                f"the sender cannot pay value + gas: {message}",
                tx_hash=signed.hash_hex,
                address=request.to,
                hint="fund the sending account or lower the amount",
            )
        return TransactionError(
            f"the node refused the transaction: {message}", tx_hash=signed.hash_hex, address=request.to
        )

    def _wait_many(
        self, pending: Sequence[PendingTx], *, timeout: float | None = None, raise_reverts: bool = True
    ) -> list[Receipt]:
        try:
            return self._wait_receipts(pending, timeout=timeout, raise_reverts=raise_reverts)
        finally:
            with self._nonce_lock:
                for p in pending:
                    mine = self._in_flight.get(p.sender)
                    if mine is not None and mine.get(p.signed.nonce) == p.signed.raw:
                        del mine[p.signed.nonce]

    def _wait_receipts(
        self, pending: Sequence[PendingTx], *, timeout: float | None, raise_reverts: bool
    ) -> list[Receipt]:
        deadline = time.monotonic() + (self.receipt_timeout if timeout is None else timeout)
        found: dict[str, Receipt] = {}
        # a local dev node has receipts within milliseconds: poll fast; a public chain within seconds (and rate-limits
        # its RPC): poll gently
        delay, growth, cap = (0.002, 1.2, 0.25) if self.is_dev else (0.5, 1.5, 2.0)
        # anvil's automine can leave ready transactions in its pool when a batch arrives while it is still mining
        # the previous one (foundry-rs/foundry#10122): on a dev chain, a wait that stalls for a second resends the
        # missing transactions' same signed bytes (a node that has them answers "already known"; nothing is ever
        # sent twice) and mines a block to flush the pool
        nudge_at = time.monotonic() + 1.0 if self.is_dev else math.inf
        while True:
            missing = [p for p in pending if p.tx_hash not in found]
            if not missing:
                break
            try:
                with self.mapped("waiting for receipts"):
                    raws = self.backend.get_receipts([p.tx_hash for p in missing])
            except ChainConnectionError as exc:
                # the node is out of reach for a moment (restarting, rate-limiting past the client's retries): the
                # transactions are sent, so keep waiting for them until the receipt timeout
                if time.monotonic() > deadline:
                    raise
                _log.warning("waiting for %d receipts: %s; still waiting", len(missing), exc.message)
                time.sleep(min(max(delay, 0.1), 1.0))
                continue
            now = time.monotonic()
            for p, raw in zip(missing, raws, strict=True):
                if raw is not None:
                    found[p.tx_hash] = self._receipt(p, raw, now)
            if len(found) < len(pending):
                if now > deadline:
                    late = next(p for p in pending if p.tx_hash not in found)
                    raise TransactionTimeoutError(
                        f"no receipt for {late.tx_hash} after {self.receipt_timeout:.0f} s",
                        tx_hash=late.tx_hash,
                        address=late.request.to,
                        hint="the transaction may still be mined; it was not resent. Check it later "
                        "or raise receipt_timeout",
                    )
                if now > nudge_at:
                    nudge_at = now + 1.0
                    self.stalls_flushed += 1
                    waiting = [p for p in pending if p.tx_hash not in found]
                    answers: list[Any] = []
                    with suppress(ChainConnectionError), self.mapped("flushing the dev node's pool"):
                        answers = self.backend.send_raw_batch([p.signed.raw for p in waiting])
                        self.backend.time_travel(0, 1)
                    with suppress(ChainConnectionError):
                        self._check_dropped(waiting, answers, found)
                time.sleep(delay)
                delay = min(delay * growth, cap)
        receipts = [found[p.tx_hash] for p in pending]
        for p, r in zip(pending, receipts, strict=True):
            if raise_reverts and not r.succeeded:
                raise self._revert_error(p, r)
        return receipts

    def _check_dropped(self, waiting: Sequence[PendingTx], answers: Sequence[Any], found: Mapping[str, Any]) -> None:
        """Raise for a transaction the node no longer has although its nonce is used ("nonce too low" to the same
        bytes, hash unknown): it will never be mined, so waiting for it to the timeout would only delay the news.
        Seen on anvil restarted from a dump it wrote in the middle of mining a block (the dump's state has the
        block's transactions, its blocks do not), or when another process replaced the transaction."""
        for p, answer in zip(waiting, answers, strict=False):
            if not isinstance(answer, RpcError) or "nonce too low" not in answer.message.lower():
                continue
            if p.tx_hash in found or self._node_has(p.tx_hash):
                continue
            raw = self.backend.get_receipts([p.tx_hash])[0]
            if raw is not None:  # mined since the last poll
                continue
            with self._nonce_lock:
                self._nonces.pop(p.sender, None)
            raise TransactionError(
                f"the node dropped transaction {p.tx_hash} and its nonce {p.signed.nonce} is used: it will never be "
                "mined",
                tx_hash=p.tx_hash,
                address=p.request.to,
                hint="the node restarted from an older or inconsistent state, or another process sent from this "
                "account; check the account's state before sending again (its effect may be there)",
            )

    def _receipt(self, p: PendingTx, raw: Any, now: float) -> Receipt:
        created = raw.get("contractAddress")
        receipt = Receipt(
            tx_hash=p.tx_hash,
            block_number=_quantity(raw["blockNumber"]),
            status=_quantity(raw["status"]),
            gas_used=_quantity(raw["gasUsed"]),
            effective_gas_price=_quantity(raw.get("effectiveGasPrice") or 0),
            contract_address=str(to_checksum_address(created)) if created else None,
            latency=now - p.sent_at,
            node_receipt=raw,
        )
        for obs in self.observers:
            obs.record_transaction(receipt.succeeded, receipt.gas_used, receipt.latency, fee_wei=receipt.fee_wei)
        return receipt

    def _revert_error(self, p: PendingTx, r: Receipt) -> TransactionRevertedError:
        """Replay a reverted transaction as a call to recover its revert data.

        First at its block's parent state; nodes that prune history (anvil ``--prune-history``, many hosted RPCs)
        refuse that, and then the latest state stands in, which gives the same answer unless state moved since.
        """
        tx: dict[str, Any] = {
            "from": p.sender,
            "value": p.request.value,
            "data": p.request.data,
            "gas": p.gas,
        }
        if p.request.to is not None:
            tx["to"] = p.request.to
        for block in (r.block_number - 1, "latest"):
            try:
                self.w3.eth.call(tx, block)  # type: ignore[arg-type]
            except Exception as exc:
                data = _revert_data(exc)
                if data is not None:
                    return decode_revert(data, tx_hash=p.tx_hash, address=p.request.to, hints=self.error_hints)
        return decode_revert(
            None, tx_hash=p.tx_hash, address=p.request.to, fallback=f"used {r.gas_used:,} of its gas limit"
        )

    @contextmanager
    def mapped(self, doing: str, *, address: str | None = None) -> Iterator[None]:
        """Map foreign exceptions (web3, JSON-RPC, eth-tester) raised while ``doing`` into the NovaChainError tree:
        reverts are decoded, funding failures become InsufficientFundsError, the rest ChainError. Domains wrap their
        own direct web3 reads in it (``with chain.mapped("reading events"): ...``)."""
        try:
            yield
        except NovaChainError:
            raise
        except Exception as exc:
            data = _revert_data(exc)
            if data is not None:
                raise decode_revert(data, address=address, hints=self.error_hints) from exc
            message = str(exc.message if isinstance(exc, RpcError) else exc)
            low = message.lower()
            if "insufficient funds" in low or "enough balance" in low:
                raise InsufficientFundsError(
                    f"{doing}: the sender cannot pay value + gas ({message})",
                    address=address,
                    hint="fund the sending account or lower the amount",
                ) from exc
            if "revert" in low or "execution reverted" in low:
                raise decode_revert(None, address=address, fallback=message) from exc
            raise ChainError(f"{doing} failed on {self.backend.description}: {message}") from exc


def _call_data(w3: Web3, fn: ContractFunction) -> str:
    """The calldata of ``fn``. web3's own encoding re-validates the arguments against the ABI (~0.2 ms a call);
    plain values encode to the same bytes through the codec ten times faster. What the codec refuses (hex strings
    for bytes, ENS names, keyword arguments) takes web3's way, which normalises it first."""
    from eth_abi.exceptions import EncodingError
    from eth_utils.abi import get_abi_input_types

    if not fn.kwargs:
        try:
            args = w3.codec.encode(get_abi_input_types(fn.abi), fn.args or ())
        except (EncodingError, TypeError, ValueError, OverflowError):
            pass
        else:
            return str(fn.selector) + args.hex()
    return str(fn._encode_transaction_data())


def _call_result(w3: Web3, fn: ContractFunction, raw: Any) -> Any:
    """``eth_call`` return data decoded and normalised as ``fn.call()`` returns it."""
    from eth_utils.abi import abi_to_signature, get_abi_output_types
    from hexbytes import HexBytes
    from web3.contract.utils import format_contract_call_return_data_curried

    data, types = HexBytes(raw), get_abi_output_types(fn.abi)
    if not data and types:  # what an address without code answers
        raise ChainError(
            f"{fn.fn_name} at {fn.address} returned nothing: no contract is deployed there on this chain",
            hint="check the network (NOVACRON_NETWORK) and that deployments.json belongs to it, or deploy first",
        )
    return format_contract_call_return_data_curried(
        w3, fn.decode_tuples, fn.abi, abi_to_signature(fn.abi), fn._return_data_normalizers, types, data
    )


def _quantity(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a") or an int, as int."""
    return int(value, 16) if isinstance(value, str) else int(value)


def _revert_data(exc: BaseException) -> bytes | None:
    """Revert data carried by a web3 or JSON-RPC exception (both backends answer reverts as JSON-RPC code 3)."""
    from web3.exceptions import ContractLogicError

    if isinstance(exc, RpcError):
        data = exc.data
    elif isinstance(exc, ContractLogicError):
        data = exc.data if exc.data is not None else "0x"
    else:
        return None
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..."}
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None
