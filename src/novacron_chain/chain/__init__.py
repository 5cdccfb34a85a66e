"""Connect to a chain, sign and send, deploy, wait for receipts, travel in time on dev chains.

One interface, :class:`Chain`, over two backends chosen by config ``network``: the embedded py-evm chain
(persistent in the data dir, or in memory) and any JSON-RPC node (anvil, Polygon, Ethereum, Avalanche C-Chain).
:class:`AnvilNode` starts a real local anvil for tests and ``novacron-chain devnet``.
"""

from ._anvil import AnvilNode
from ._backends import ChainBackend, EmbeddedBackend, RpcBackend
from ._chain import Chain, PendingTx, Receipt, TxObserver, TxRequest, checksum
from ._connect import connect
from ._deployments import (
    ZERO_ADDRESS,
    ContractRecord,
    DeployContext,
    DeploymentsFile,
    DeployOutcome,
    DeployStep,
    code_matches,
    deploy_plan,
)
from ._events import DEFAULT_CONFIRMATIONS, EventIndexer, IndexerStats, attach_indexer, event_indexer
from ._fees import FeePolicy, Fees, GasStrategy
from ._keys import (
    DEV_MNEMONIC,
    BlobSidecar,
    SignedTx,
    Signer,
    UnsignedTx,
    blob_versioned_hash,
    dev_signers,
    encrypt_keystore,
    load_signer,
)
from ._proxies import (
    PROXY_ARTIFACT,
    deploy_behind_proxy,
    implementation_history,
    implementation_of,
    record_code_matches,
    sync_proxy_record,
)

__all__ = [
    "DEFAULT_CONFIRMATIONS",
    "DEV_MNEMONIC",
    "PROXY_ARTIFACT",
    "ZERO_ADDRESS",
    "AnvilNode",
    "BlobSidecar",
    "Chain",
    "ChainBackend",
    "ContractRecord",
    "DeployContext",
    "DeployOutcome",
    "DeployStep",
    "DeploymentsFile",
    "EmbeddedBackend",
    "EventIndexer",
    "FeePolicy",
    "Fees",
    "GasStrategy",
    "IndexerStats",
    "PendingTx",
    "Receipt",
    "RpcBackend",
    "SignedTx",
    "Signer",
    "TxObserver",
    "TxRequest",
    "UnsignedTx",
    "attach_indexer",
    "blob_versioned_hash",
    "checksum",
    "code_matches",
    "connect",
    "deploy_behind_proxy",
    "deploy_plan",
    "dev_signers",
    "encrypt_keystore",
    "event_indexer",
    "implementation_history",
    "implementation_of",
    "load_signer",
    "record_code_matches",
    "sync_proxy_record",
]
