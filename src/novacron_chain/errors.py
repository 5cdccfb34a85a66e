"""The one exception tree of NovaCron Chain.

Every error the library raises on purpose is a :class:`NovaChainError`. Foreign exceptions (web3, HTTP, plyvel,
eth-tester) are caught at the boundary and re-raised as one of these with ``raise X(...) from exc``, so callers
catch one root and the CLI turns it into a message and an exit code in one place.

::

    NovaChainError                       exit 1 unless said otherwise
    ├── NovaValueError (ValueError)      exit 2: bad input from the caller (address, amount, id, flag)
    │   └── ConfigError                  exit 2: the configuration file or environment is wrong (lists every problem)
    ├── KeyManagementError               exit 2: no signing key, unreadable keystore, wrong passphrase
    ├── ChainError                       talking to a chain failed
    │   ├── ChainConnectionError         RPC endpoint dead, refused, timed out
    │   ├── ChainIdMismatchError         the endpoint serves another chain than the config names
    │   ├── DataDirLockedError           another process has the embedded chain's data dir open
    │   ├── DevOnlyError (exit 2)        a dev-only action (time travel, dev accounts) on a non-dev chain
    │   └── TransactionError             a transaction could not be sent or did not succeed
    │       ├── FeeLimitError (exit 2)   the fee or gas needed is above gas_price_limit / max_gas_per_tx
    │       ├── InsufficientFundsError   the sender cannot pay value + gas
    │       ├── TransactionTimeoutError  no receipt within the timeout (the tx may still be mined)
    │       └── TransactionRevertedError the EVM reverted: carries the reason string or panic code
    │           └── ContractCustomError  ... with a Solidity custom error: its name and decoded arguments
    ├── ContractError                    artifacts and deployments: not compiled, not deployed, code mismatch
    ├── StorageError                     content-addressed storage (IPFS)
    ├── IdentityError                    DIDs and verifiable credentials
    ├── OrchestratorError                VM lifecycle, governed migrations, SLAs and their penalties
    ├── TokenError                       resource tokens, market, pools, staking
    ├── GovernanceError                  DAO governance
    └── BridgeError                      cross-chain transfers and swaps

Each exception writes its own actionable message (what is wrong and how to fix it) and keeps the structured facts
(address, tx hash, error name and arguments) as attributes for programs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

__all__ = [
    "BridgeError",
    "ChainConnectionError",
    "ChainError",
    "ChainIdMismatchError",
    "ConfigError",
    "ContractCustomError",
    "ContractError",
    "DataDirLockedError",
    "DevOnlyError",
    "FeeLimitError",
    "GovernanceError",
    "IdentityError",
    "InsufficientFundsError",
    "KeyManagementError",
    "NovaChainError",
    "NovaValueError",
    "OrchestratorError",
    "StorageError",
    "TokenError",
    "TransactionError",
    "TransactionRevertedError",
    "TransactionTimeoutError",
]


class NovaChainError(Exception):
    """Root of every error NovaCron Chain raises on purpose.

    ``message`` says what is wrong; ``hint`` says how to fix it. ``exit_code`` is what the CLI exits with.
    """

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the error, used by ``--json`` output."""
        out: dict[str, Any] = {"error": type(self).__name__, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


class NovaValueError(NovaChainError, ValueError):
    """Bad input from the caller: a malformed address, a negative amount, an unknown name."""

    exit_code = 2


class ConfigError(NovaValueError):
    """The configuration is wrong. ``problems`` lists every problem found, one line each."""

    def __init__(self, message: str, *, problems: Sequence[str] = (), hint: str | None = None) -> None:
        self.problems = list(problems)
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message, hint=hint)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["problems"] = self.problems
        return out


class KeyManagementError(NovaChainError):
    """No signing key is configured, or the keystore cannot be read or decrypted."""

    exit_code = 2


class ChainError(NovaChainError):
    """Talking to the chain failed."""


class ChainConnectionError(ChainError):
    """The JSON-RPC endpoint could not be reached or answered garbage."""

    def __init__(self, message: str, *, endpoint: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.endpoint = endpoint


class ChainIdMismatchError(ChainError):
    """The endpoint serves a different chain than the configuration expects."""

    exit_code = 2

    def __init__(self, *, endpoint: str, expected: int, actual: int) -> None:
        super().__init__(
            f"chain id mismatch: {endpoint} serves chain {actual}, but the configuration expects {expected}",
            hint="point rpc_endpoint at the right network, or set blockchain.chain_id to the chain you mean to use",
        )
        self.endpoint = endpoint
        self.expected = expected
        self.actual = actual


class DataDirLockedError(ChainError):
    """Another process holds the embedded chain's data dir."""

    def __init__(self, data_dir: str, holder: str | None = None) -> None:
        who = f" (held by {holder})" if holder else ""
        super().__init__(
            f"the embedded chain in {data_dir} is open in another process{who}",
            hint="wait for that process to finish (e.g. stop `novacron-chain serve`), "
            "or use another --data-dir / --network embedded:memory",
        )
        self.data_dir = data_dir


class DevOnlyError(ChainError):
    """A dev-only action (time travel, dev accounts, snapshots) on a chain that is not a dev chain."""

    exit_code = 2


class ContractError(NovaChainError):
    """Contract artifacts and deployments: not compiled, not deployed, code mismatch."""


class TransactionError(ChainError):
    """A transaction could not be sent or did not succeed."""

    def __init__(
        self,
        message: str,
        *,
        tx_hash: str | None = None,
        address: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.tx_hash = tx_hash
        self.address = address

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.tx_hash:
            out["tx_hash"] = self.tx_hash
        if self.address:
            out["address"] = self.address
        return out


class FeeLimitError(TransactionError):
    """The fee or gas a transaction needs is above the configured limit."""

    exit_code = 2


class InsufficientFundsError(TransactionError):
    """The sender's balance cannot pay value plus the maximum gas fee."""


class TransactionTimeoutError(TransactionError):
    """No receipt arrived in time. The transaction may still be mined later; it is not resent."""


class TransactionRevertedError(TransactionError):
    """The EVM reverted the call or transaction.

    ``reason`` is the ``Error(string)`` message or a panic description when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        tx_hash: str | None = None,
        address: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, tx_hash=tx_hash, address=address, hint=hint)
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.reason:
            out["reason"] = self.reason
        return out


class ContractCustomError(TransactionRevertedError):
    """A revert with a Solidity custom error, decoded: ``error_name`` and ``error_args`` (by parameter name).

    ``hint`` comes from the owning domain's ``ERROR_HINTS`` table (merged into ``Chain.error_hints``).
    """

    def __init__(
        self,
        error_name: str,
        error_args: Mapping[str, Any],
        *,
        contract: str | None = None,
        tx_hash: str | None = None,
        address: str | None = None,
        hint: str | None = None,
    ) -> None:
        args = ", ".join(f"{k}={_show(v)}" for k, v in error_args.items())
        where = f" in {contract}" if contract else ""
        super().__init__(
            f"reverted{where}: {error_name}({args})",
            reason=error_name,
            tx_hash=tx_hash,
            address=address,
            hint=hint,
        )
        self.error_name = error_name
        self.error_args = dict(error_args)
        self.contract = contract

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["error_name"] = self.error_name
        out["error_args"] = {k: _show(v) for k, v in self.error_args.items()}
        return out


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


class StorageError(NovaChainError):
    """Content-addressed storage failed: missing content, a corrupted block, an unreachable IPFS node."""


class IdentityError(NovaChainError):
    """DIDs and verifiable credentials: malformed DID, unresolvable document, invalid credential."""


class OrchestratorError(NovaChainError):
    """VM lifecycle, cross-region migrations and SLAs: unknown VMs or SLAs, bad terms, refused transitions."""


class TokenError(NovaChainError):
    """Resource tokens, market, liquidity pools and staking."""


class GovernanceError(NovaChainError):
    """DAO governance: proposals, votes, timelock."""


class BridgeError(NovaChainError):
    """Cross-chain transfers and atomic swaps."""
