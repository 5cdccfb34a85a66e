"""An existing layer 2 (Polygon PoS, Arbitrum One, OP Mainnet, Base, or any EVM L2) reached by JSON-RPC: what
:class:`~novacron_chain.l2.L2Manager` does when ``l2_network`` names one instead of this project's rollup.

There a "transaction" is an ordinary signed ERC-20 ``transfer`` sent by the configured key, its receipt the chain's
receipt, and the throughput the network's own: transactions per second over its recent blocks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..chain import TxRequest, checksum, connect
from ..config import BlockchainConfig
from ..errors import NovaValueError

if TYPE_CHECKING:
    from ..chain import Chain
    from ..metrics import BlockchainMetrics

__all__ = ["ExternalL2", "ExternalSubmission"]

_TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
_BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
#: gas of an ERC-20 transfer with headroom (OpenZeppelin: 51,625 to a fresh holder)
_TRANSFER_GAS = 90_000


@dataclass(frozen=True)
class ExternalSubmission:
    """A transfer sent to an existing L2: its hash, and when the L2 node accepted it (its soft confirmation)."""

    tx_hash: str
    network: str
    accepted_after: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"tx_hash": self.tx_hash, "network": self.network, "status": "sent", "latency": self.accepted_after}


class ExternalL2:
    """One existing L2 by JSON-RPC (``l2_rpc_endpoint``, its chain id checked against ``l2_chain_id`` or the known
    id of ``l2_network``), signing with the same key as L1 (``BLOCKCHAIN_PRIVATE_KEY`` or the keystore)."""

    def __init__(self, config: BlockchainConfig, *, metrics: BlockchainMetrics | None = None) -> None:
        self.config = config
        self.network = config.l2_network
        l2 = config.model_copy(
            update={
                "network": "rpc",
                "rpc_endpoint": config.l2_endpoint,
                "chain_id": config.l2_expected_chain_id,
                "use_layer2": False,
            }
        )
        self.chain: Chain = connect(l2, observers=[metrics] if metrics is not None else [])

    def token_address(self, token: str) -> str:
        """An ERC-20 on the L2: an address, or a name from ``l2_tokens``."""
        if token.startswith("0x"):
            return checksum(token, "token")
        for name, address in self.config.l2_tokens.items():
            if name.lower() == token.lower():
                return checksum(address, f"l2_tokens.{name}")
        raise NovaValueError(
            f"token {token!r} is not an address and not named in l2_tokens",
            hint=f"give the token's address on {self.network}, or map names to addresses under blockchain.l2_tokens",
        )

    def submit_transfer(self, token: str, to: str, amount: int) -> ExternalSubmission:
        """Send ``amount`` base units of ``token`` to ``to`` (an ERC-20 ``transfer``); returns once the L2 node
        accepted it."""
        if amount <= 0:
            raise NovaValueError(f"amount {amount} must be positive", hint="send a positive number of base units")
        recipient = checksum(to, "recipient")
        data = _TRANSFER + bytes(12) + bytes.fromhex(recipient[2:]) + amount.to_bytes(32, "big")
        started = time.monotonic()
        pending = self.chain.send(TxRequest(to=self.token_address(token), data=data, gas=_TRANSFER_GAS))
        return ExternalSubmission(pending.tx_hash, self.network, time.monotonic() - started)

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        """The L2 receipt of ``tx_hash`` (status, block, gas), or None while it is pending."""
        with self.chain.mapped("reading a receipt"):
            try:
                raw = self.chain.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except Exception as exc:
                if type(exc).__name__ == "TransactionNotFound":
                    return None
                raise
        return {
            "tx_hash": tx_hash,
            "status": "success" if int(raw["status"]) == 1 else "reverted",
            "block": int(raw["blockNumber"]),
            "gas_used": int(raw["gasUsed"]),
        }

    def balance(self, token: str, owner: str) -> int:
        """``token.balanceOf(owner)`` on the L2."""
        data = _BALANCE_OF + bytes(12) + bytes.fromhex(checksum(owner, "address")[2:])
        with self.chain.mapped("reading a token balance"):
            raw = self.chain.w3.eth.call({"to": self.token_address(token), "data": data})
        return int.from_bytes(bytes(raw)[-32:] or b"\0", "big")

    def tps(self, blocks: int = 20) -> float:
        """Transactions per second over the last ``blocks`` blocks (their transaction counts over the time between
        the first and the last)."""
        with self.chain.mapped("reading recent blocks"):
            head = int(self.chain.w3.eth.block_number)
            first = max(0, head - blocks)
            if head == first:
                return 0.0
            client = getattr(self.chain.backend, "client", None)
            numbers = list(range(first, head + 1))
            if client is not None:  # one JSON-RPC batch instead of a round trip per block
                got_raw = client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
                raw = [b for b in got_raw if isinstance(b, dict)]
                if len(raw) < 2:
                    return 0.0
                stamps = [int(b["timestamp"], 16) for b in raw]
                counts = [len(b["transactions"]) for b in raw]
            else:
                got = [self.chain.w3.eth.get_block(n) for n in numbers]
                stamps = [int(b["timestamp"]) for b in got]
                counts = [len(b["transactions"]) for b in got]
        span = stamps[-1] - stamps[0]
        return sum(counts[1:]) / span if span > 0 else float(sum(counts[1:]))

    def status(self) -> dict[str, Any]:
        """Network, endpoint, chain id, head block and recent TPS."""
        return {
            "network": self.network,
            "kind": "external",
            "endpoint": self.chain.backend.description,
            "chain_id": self.chain.chain_id,
            "block": self.chain.block_number(),
            "tps": self.tps(),
        }

    def close(self) -> None:
        """Close the connection."""
        self.chain.close()
