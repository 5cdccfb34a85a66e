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
mints or releases on the target once a guardian quorum signed the message (EIP-712, k-of-n ECDSA, signers ascending);
:class:`Relayer` delivers each message once, :class:`BridgeGuardian` signs, :class:`AttestationStore` holds the
signatures (``_bridge``, ``_relayer``). What is not here yet: attestation by proof-of-stake checkpoints (domain
"bridge", the seam is the signature check), Solana; Cosmos/IBC cannot run on this machine.
"""

from __future__ import annotations

from ._bridge import BridgeEndpoint, CrossChainBridge, parse_transfer_id
from ._deploy import deploy_steps
from ._errors import (
    ERROR_HINTS,
    AttestationError,
    BridgeTransferError,
    BridgeValueError,
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
from ._swap import SwapAction, SwapDriver, SwapRecord, SwapStore, SwapTimeouts
from ._types import (
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
    "AtomicSwapManager",
    "AttestationError",
    "AttestationStore",
    "BridgeEndpoint",
    "BridgeGuardian",
    "BridgeMessage",
    "BridgeTransfer",
    "BridgeTransferError",
    "BridgeValueError",
    "CrossChainBridge",
    "HtlcLock",
    "LockState",
    "LockStatus",
    "RefundTooEarlyError",
    "RelayAction",
    "Relayer",
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
    "deploy_steps",
    "dev_guardians",
    "hash_secret",
    "new_secret",
    "parse_bytes32",
    "parse_transfer_id",
    "recover_signer",
]
