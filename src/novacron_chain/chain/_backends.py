"""Chain backends: what differs between the embedded chain and a JSON-RPC node.

:class:`Chain` does everything else (signing, nonces, fees, receipts, errors) the same way on both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_utils import to_hex
from web3 import Web3

from ..errors import ChainConnectionError, DevOnlyError
from ._rpc import JsonRpcClient, RpcError, make_web3

__all__ = ["ChainBackend", "EmbeddedBackend", "RpcBackend"]

DEV_CLIENTS = ("anvil", "hardhat", "ganache")


class ChainBackend(ABC):
    """How to reach one chain, and which dev powers it has."""

    #: short description for messages: "embedded (/home/u/.novacron)", "rpc http://127.0.0.1:8545"
    description: str
    #: whether dev accounts, time travel and snapshots are allowed
    is_dev: bool
    w3: Web3

    @abstractmethod
    def send_raw_batch(self, raws: Sequence[bytes]) -> list[Any]:
        """Send signed transactions in order; each item is the tx hash or an exception (not raised)."""

    @abstractmethod
    def get_receipts(self, tx_hashes: Sequence[str]) -> list[Any]:
        """Receipts as the node sent them (JSON-RPC or web3 form), or ``None`` for those not mined yet."""

    @abstractmethod
    def time_travel(self, seconds: int, blocks: int) -> None:
        """Advance the clock by ``seconds`` and mine ``blocks`` blocks. :class:`Chain` allows it on dev chains only."""

    @abstractmethod
    def snapshot(self) -> Any:
        """Remember the chain state. :class:`Chain` allows it on dev chains only."""

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None:
        """Return to a snapshot. :class:`Chain` allows it on dev chains only."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""


class EmbeddedBackend(ChainBackend):
    """py-evm in this process; ``path=None`` for memory only."""

    is_dev = True

    def __init__(self, chain_id: int, path: Path | None) -> None:
        from ._embedded import EmbeddedNode  # py-evm is heavy: import only when the embedded chain is used

        self.node = EmbeddedNode(chain_id, path)
        self.description = f"embedded ({path})" if path else "embedded:memory"
        self.w3 = self.node.web3()

    def send_raw_batch(self, raws: Sequence[bytes]) -> list[Any]:
        out: list[Any] = []
        for raw in raws:
            try:
                out.append(to_hex(self.w3.eth.send_raw_transaction(raw)))
            except Exception as exc:
                out.append(exc)
        return out

    def get_receipts(self, tx_hashes: Sequence[str]) -> list[Any]:
        out: list[Any] = []
        for h in tx_hashes:
            try:
                out.append(self.w3.eth.get_transaction_receipt(h))  # type: ignore[arg-type]
            except Exception:
                out.append(None)
        return out

    def time_travel(self, seconds: int, blocks: int) -> None:
        self.node.time_travel(seconds, blocks)

    def snapshot(self) -> Any:
        return self.node.snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.node.revert(int(snapshot_id))

    def close(self) -> None:
        self.node.close()


class RpcBackend(ChainBackend):
    """Any HTTP(S) JSON-RPC node: anvil, Polygon, Ethereum, Avalanche C-Chain, an L2."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.client = JsonRpcClient(url, timeout=timeout)
        self.description = f"rpc {self.client.shown_url}"
        self.w3 = make_web3(self.client)
        try:
            version = str(self.client.call("web3_clientVersion"))
        except RpcError:
            version = ""
        self.client_version = version
        self.is_dev = version.lower().startswith(DEV_CLIENTS)

    def send_raw_batch(self, raws: Sequence[bytes]) -> list[Any]:
        return self.client.send_raw_transactions(raws)

    def get_receipts(self, tx_hashes: Sequence[str]) -> list[Any]:
        results = self.client.batch([("eth_getTransactionReceipt", [h]) for h in tx_hashes])
        out: list[Any] = []
        for r in results:
            if isinstance(r, RpcError):
                raise ChainConnectionError(
                    f"the node failed to return a receipt: {r.message}", endpoint=self.client.shown_url
                )
            out.append(r)
        return out

    def time_travel(self, seconds: int, blocks: int) -> None:
        if seconds > 0:
            self.client.call("evm_increaseTime", seconds)
        if blocks > 0:
            self.client.call("anvil_mine", hex(blocks))

    def snapshot(self) -> Any:
        return self.client.call("evm_snapshot")

    def revert(self, snapshot_id: Any) -> None:
        if not self.client.call("evm_revert", snapshot_id):
            raise DevOnlyError(f"snapshot {snapshot_id} is unknown to the node (anvil forgets one once used)")

    def close(self) -> None:
        self.client.close()
