"""Build a :class:`Chain` from configuration."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..config import BlockchainConfig
from ..errors import ChainConnectionError, ChainError, ChainIdMismatchError, DevOnlyError
from ._backends import ChainBackend, EmbeddedBackend, RpcBackend
from ._chain import Chain, TxObserver
from ._events import attach_indexer
from ._fees import FeePolicy
from ._keys import load_signer
from ._rpc import RpcError

__all__ = ["connect"]


def connect(
    config: BlockchainConfig,
    *,
    account: int | None = None,
    observers: Sequence[TxObserver] = (),
    passphrase_prompt: Callable[[str], str] | None = None,
) -> Chain:
    """Connect to the chain ``config`` names and choose the signer.

    The signer is the configured key (``BLOCKCHAIN_PRIVATE_KEY`` or the keystore); on dev chains without one, dev
    account ``account`` (default 0). Asking for a dev account on a non-dev chain raises :class:`DevOnlyError`;
    an endpoint serving another chain than expected raises :class:`ChainIdMismatchError`.
    """
    if not config.enable_blockchain:
        raise ChainError(
            "the blockchain layer is disabled (enable_blockchain: false)",
            hint="set blockchain.enable_blockchain to true",
        )
    backend: ChainBackend
    if config.is_embedded:
        chain_id = config.expected_chain_id or 1337
        path = None if config.network == "embedded:memory" else config.resolved_data_dir / "chain"
        backend = EmbeddedBackend(chain_id, path)
    else:
        url = config.endpoint
        assert url is not None  # the config validator guarantees it
        backend = RpcBackend(url, timeout=config.rpc_timeout)
        for obs in observers:  # observers that count retries (BlockchainMetrics.record_retry) hear of each one
            record_retry = getattr(obs, "record_retry", None)
            if callable(record_retry):
                backend.client.retry_listeners.append(record_retry)
        try:
            try:
                served = int(backend.client.call("eth_chainId"), 16)
            except RpcError as exc:
                raise ChainConnectionError(
                    f"{backend.description} does not answer eth_chainId: {exc}",
                    endpoint=backend.client.shown_url,
                    hint="is this an Ethereum JSON-RPC endpoint?",
                ) from exc
            expected = config.expected_chain_id
            if expected is not None and served != expected:
                raise ChainIdMismatchError(endpoint=backend.client.shown_url, expected=expected, actual=served)
            chain_id = served
        except BaseException:
            backend.close()
            raise
    try:
        signer = load_signer(keystore_path=config.keystore_path, passphrase_prompt=passphrase_prompt)
        chain = Chain(
            backend,
            network=config.network,
            chain_id=chain_id,
            fees=FeePolicy(config.gas_strategy, config.gas_price_limit),
            max_gas_per_tx=config.max_gas_per_tx,
            max_gas_per_deploy=config.max_gas_per_deploy,
            signer=signer,
            receipt_timeout=config.receipt_timeout,
            observers=observers,
        )
        if account is not None and not backend.is_dev:
            raise DevOnlyError(
                f"--account {account} selects a dev account, but {backend.description} is not a dev chain",
                hint="drop --account and configure a real key (BLOCKCHAIN_PRIVATE_KEY or keystore_path)",
            )
        if backend.is_dev and (signer is None or account is not None):
            chain.use_signer(chain.dev_signer(account or 0))
        attach_indexer(
            chain,
            data_dir=None if config.network == "embedded:memory" else config.resolved_data_dir,
            confirmations=config.event_confirmations,
        )
    except BaseException:
        backend.close()
        raise
    return chain
