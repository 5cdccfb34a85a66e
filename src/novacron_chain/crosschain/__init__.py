"""Cross-chain: several chains at once and atomic swaps between them (hashed-timelock contracts).

A ``HashedTimelock`` on each chain locks the native coin or an ERC-20 under ``sha256(secret)`` until a deadline:
claimed with the secret before it (paying the recipient), refunded after it (paying the sender back), each exactly
once. :class:`AtomicSwapManager` makes, claims, refunds and reads locks on one chain; :class:`SwapDriver` runs the
two-lock swap protocol between two chains by name, with a watcher that claims and refunds by itself and resumes from
the chains' state after a crash (:class:`SwapStore` keeps only the secret and the planned locks, fsynced).

::

    from novacron_chain import NovaChain
    nc = NovaChain.connect(config)                    # enable_cross_chain: true, supported_chains, chains: {...}
    status = nc.swaps.initiate("polygon", "avalanche", participant, 10**18, want_amount=5 * 10**17)
    for action in nc.swaps.watch(until_done=True):    # claims on avalanche, refunds if it must
        print(action)

Errors are :class:`SwapError` subclasses under :class:`~novacron_chain.errors.BridgeError` (the tree is drawn in
:mod:`novacron_chain.crosschain._errors`); :data:`ERROR_HINTS` covers ``HashedTimelock``'s custom errors. Modules:
``_manager`` (one chain's locks), ``_swap`` (the driver, the watcher and the swap files), ``_types``, ``_errors``,
``_deploy``. The attested bridge: :class:`CrossChainBridge` (``nc.bridge``) locks or burns on the source and
mints or releases on the target once the message is attested: by a guardian quorum (EIP-712, k-of-n ECDSA, signers
ascending), or, where the target runs the proof-of-stake contracts and its bridge names their checkpoint verifier, by
a final checkpoint of the validator set over the source's message roots (domain ``bridge:<source chain id>``,
:class:`MessageRoots`, which validators recompute before signing: ``consensus.BridgeSource``) and a Merkle proof.
:class:`Relayer` delivers each message once by the path its target takes, :class:`BridgeGuardian` signs,
:class:`AttestationStore` holds the signatures (``_bridge``, ``_relayer``, ``_roots``). Solana
(``_solana``): :class:`SolanaBridge` locks on an EVM chain and mints an SPL token whose mint authority is an SPL Token
multisig of the guardians' ed25519 keys (no custom program), and releases on EVM what is burned on Solana, attested by
the guardians' ECDSA quorum; :class:`LiteSVMCluster` runs it in process. Cosmos/IBC cannot run on this machine
(``docs/cosmos-ibc.md`` says what it would take).
"""

from __future__ import annotations

from ._bridge import BridgeEndpoint, CrossChainBridge, parse_transfer_id
from ._deploy import checkpoint_wiring, deploy_steps
from ._errors import (
    ERROR_HINTS,
    AttestationError,
    BridgeTransferError,
    BridgeValueError,
    CheckpointPendingError,
    MessageRootMismatchError,
    RefundTooEarlyError,
    SwapClosedError,
    SwapError,
    SwapExpiredError,
    SwapUnsafeError,
    SwapValueError,
    TransferNotReadyError,
    UnknownSwapError,
    UnknownTransferError,
    WrongSecretError,
)
from ._manager import AtomicSwapManager, new_secret, parse_bytes32
from ._relayer import AttestationStore, BridgeGuardian, RelayAction, Relayer, dev_guardians, recover_signer
from ._roots import (
    MESSAGE_ABI_TYPE,
    MessageRoots,
    RoutedMessage,
    bridge_domain,
    bridge_domain_name,
    message_leaf,
)
from ._solana import (
    SOLANA_CHAIN_IDS,
    LiteSVMCluster,
    SolanaBridge,
    SolanaBurn,
    SolanaGuardian,
    SolanaRoute,
    derive_solana_keypair,
    load_solana_keypair,
    solana_recipient_address,
)
from ._swap import SwapAction, SwapDriver, SwapRecord, SwapStore, SwapTimeouts
from ._types import (
    Attestation,
    BridgeMessage,
    BridgeTransfer,
    HtlcLock,
    LockState,
    LockStatus,
    SwapPhase,
    SwapRole,
    SwapStatus,
    TransferState,
    hash_secret,
)

__all__ = [
    "ERROR_HINTS",
    "MESSAGE_ABI_TYPE",
    "SOLANA_CHAIN_IDS",
    "AtomicSwapManager",
    "Attestation",
    "AttestationError",
    "AttestationStore",
    "BridgeEndpoint",
    "BridgeGuardian",
    "BridgeMessage",
    "BridgeTransfer",
    "BridgeTransferError",
    "BridgeValueError",
    "CheckpointPendingError",
    "CrossChainBridge",
    "HtlcLock",
    "LiteSVMCluster",
    "LockState",
    "LockStatus",
    "MessageRootMismatchError",
    "MessageRoots",
    "RefundTooEarlyError",
    "RelayAction",
    "Relayer",
    "RoutedMessage",
    "SolanaBridge",
    "SolanaBurn",
    "SolanaGuardian",
    "SolanaRoute",
    "SwapAction",
    "SwapClosedError",
    "SwapDriver",
    "SwapError",
    "SwapExpiredError",
    "SwapPhase",
    "SwapRecord",
    "SwapRole",
    "SwapStatus",
    "SwapStore",
    "SwapTimeouts",
    "SwapUnsafeError",
    "SwapValueError",
    "TransferNotReadyError",
    "TransferState",
    "UnknownSwapError",
    "UnknownTransferError",
    "WrongSecretError",
    "bridge_domain",
    "bridge_domain_name",
    "checkpoint_wiring",
    "deploy_steps",
    "derive_solana_keypair",
    "dev_guardians",
    "hash_secret",
    "load_solana_keypair",
    "message_leaf",
    "new_secret",
    "parse_bytes32",
    "parse_transfer_id",
    "recover_signer",
    "solana_recipient_address",
]
