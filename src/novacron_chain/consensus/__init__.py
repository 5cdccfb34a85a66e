"""Proof of stake (seed §7): staked validators sign checkpoints ``(domain, height, root)`` with BLS12-381, and a
checkpoint is final on chain once validators holding more than 2/3 of the epoch's stake signed it.

The chain side, :class:`BlockchainConsensus` (``NovaChain.consensus``), over the StakeManager and the
CheckpointVerifier (:func:`deploy_steps`):

* the validator registry: :meth:`~BlockchainConsensus.register_validator` (the seed's ``RegisterValidator``: NOVA
  stake, a BLS key with its proof of possession), ``top_up``, ``unbond``, ``withdraw`` after the unbonding period,
  :meth:`~BlockchainConsensus.get_validator_count` (the seed's; active in the current epoch), ``get_validator``,
  ``list_validators``, ``status`` (under-decentralised below ``min_validators``);
* checkpoints: :meth:`~BlockchainConsensus.sign_checkpoint` (after the slashing-protection record agrees),
  :meth:`~BlockchainConsensus.aggregate` (non-signers from the epoch's active set, > 2/3 of stake checked),
  :meth:`~BlockchainConsensus.submit_checkpoint`, :meth:`~BlockchainConsensus.is_final`, ``get_checkpoint``,
  ``list_checkpoints``; domains by name (:data:`CHECKPOINT_DOMAINS`: ``state``, ``l2``, ``bridge``);
* penalties: :meth:`~BlockchainConsensus.report_double_sign` (slashing, a reporter reward, a tombstone) and
  :meth:`~BlockchainConsensus.jail` (downtime, proved from the checkpoints' non-signer lists), ``unjail``.

::

    nc = NovaChain.connect(config)
    key = BlsSecretKey.generate()
    nc.consensus.register_validator(validator_address, 1_500_000 * 10**18, bls_key=key)
    # one epoch later, in each validator (after checking the root from public data):
    sig = nc.consensus.sign_checkpoint("state", height, root, key, protection)
    # in the aggregator, with the signatures it received:
    nc.consensus.submit_checkpoint(nc.consensus.aggregate(signatures))
    nc.consensus.is_final("state", height, root)

The cryptography layer:

* :class:`BlsSecretKey`, :class:`BlsPublicKey` (G1), :class:`BlsSignature` (G2): the Ethereum consensus
  ciphersuite (``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_``), compressed bytes and the EIP-2537 layouts the
  contracts' precompile calls read; :func:`aggregate_signatures`, :func:`aggregate_public_keys`, :func:`verify`,
  :func:`fast_aggregate_verify`, :func:`batch_verify`;
* the signed messages, byte for byte as the contracts compute them: :func:`checkpoint_digest`, :func:`pop_message`
  (proof of possession, signed with :data:`POP_DST`), :func:`domain_id`;
* :class:`BlsKeystore`: EIP-2335 encrypted keystores, the only form a validator key is kept in on disk;
* :class:`SlashingProtection`: the validator's durable record of what it signed, which refuses a second root for a
  ``(domain, height)`` across restarts and ``kill -9``, with an EIP-3076-style interchange file.

::

    from novacron_chain.consensus import BlsKeystore, BlsSecretKey, SlashingProtection, checkpoint_digest, domain_id

    sk = BlsSecretKey.generate()
    BlsKeystore.encrypt(sk, passphrase).save("validator-keystore.json")
    with SlashingProtection.open("protection", sk.public_key()) as guard:
        guard.check_and_record(domain_id("state"), height, root)
        signature = sk.sign(checkpoint_digest(chain_id, verifier, domain_id("state"), height, root, epoch))

Errors are :class:`ConsensusError` subclasses (the tree is in :mod:`novacron_chain.consensus._errors`);
:data:`ERROR_HINTS` holds the hints for the contracts' custom errors.
"""

from __future__ import annotations

from ._aggregator import SIGNATURES_PATH, Aggregator, AggregatorServer, ReceiveResult, signature_message
from ._bls import (
    CHECKPOINT_TYPEHASH,
    CURVE_ORDER,
    POP_DST,
    POP_TYPEHASH,
    SIG_DST,
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
    aggregate_public_keys,
    aggregate_signatures,
    batch_verify,
    checkpoint_digest,
    domain_id,
    fast_aggregate_verify,
    pop_message,
    verify,
)
from ._deploy import STAKE_TOKEN_UNIT, deploy_steps, stake_manager_parameters
from ._domains import CHECKPOINT_DOMAINS, domain_label, parse_domain
from ._errors import (
    ERROR_HINTS,
    AlreadyJailedError,
    AlreadyRegisteredError,
    BadCheckpointSignatureError,
    BelowWatermarkError,
    BlsEncodingError,
    BlsKeystoreError,
    CheckpointEpochError,
    CheckpointError,
    CheckpointHeightError,
    ConsensusError,
    ConsensusValueError,
    DoubleSignRefusedError,
    DowntimeProofError,
    EnoughSignedError,
    InsufficientSignedStakeError,
    InsufficientStakeTokensError,
    InvalidEvidenceError,
    InvalidProofOfPossessionError,
    JailNotOverError,
    NotActiveError,
    NothingToWithdrawError,
    NotJailedError,
    NotRegisteredError,
    ProtectionLockedError,
    ProtectionRecordError,
    PubkeyTakenError,
    SlashingProtectionError,
    StakeBelowMinimumError,
    TombstonedError,
    UnbondExceedsBondedError,
    UnknownCheckpointError,
    UnknownValidatorError,
    ValidatorSetFullError,
    ValidatorStateError,
    WithdrawTooEarlyError,
    WrongPassphraseError,
)
from ._keystore import SCRYPT_N, BlsKeystore, normalize_passphrase
from ._l2source import L2RootSource
from ._manager import BlockchainConsensus
from ._node import EQUIVOCATE_ENV, NodeStatus, ValidatorNode
from ._protection import INTERCHANGE_FORMAT, ImportSummary, SlashingProtection
from ._sources import BridgeSource, RootCandidate, RootCheck, RootSource, StateAnchorSource
from ._types import (
    Checkpoint,
    CheckpointSignature,
    CheckpointSubmission,
    ConsensusParameters,
    ConsensusStatus,
    DoubleSignEvidence,
    JailResult,
    Registration,
    SlashResult,
    Validator,
    ValidatorStatus,
    ValidatorUpdate,
)

__all__ = [
    "CHECKPOINT_DOMAINS",
    "CHECKPOINT_TYPEHASH",
    "CURVE_ORDER",
    "EQUIVOCATE_ENV",
    "ERROR_HINTS",
    "INTERCHANGE_FORMAT",
    "POP_DST",
    "POP_TYPEHASH",
    "SCRYPT_N",
    "SIGNATURES_PATH",
    "SIG_DST",
    "STAKE_TOKEN_UNIT",
    "Aggregator",
    "AggregatorServer",
    "AlreadyJailedError",
    "AlreadyRegisteredError",
    "BadCheckpointSignatureError",
    "BelowWatermarkError",
    "BlockchainConsensus",
    "BlsEncodingError",
    "BlsKeystore",
    "BlsKeystoreError",
    "BlsPublicKey",
    "BlsSecretKey",
    "BlsSignature",
    "BridgeSource",
    "Checkpoint",
    "CheckpointEpochError",
    "CheckpointError",
    "CheckpointHeightError",
    "CheckpointSignature",
    "CheckpointSubmission",
    "ConsensusError",
    "ConsensusParameters",
    "ConsensusStatus",
    "ConsensusValueError",
    "DoubleSignEvidence",
    "DoubleSignRefusedError",
    "DowntimeProofError",
    "EnoughSignedError",
    "ImportSummary",
    "InsufficientSignedStakeError",
    "InsufficientStakeTokensError",
    "InvalidEvidenceError",
    "InvalidProofOfPossessionError",
    "JailNotOverError",
    "JailResult",
    "L2RootSource",
    "NodeStatus",
    "NotActiveError",
    "NotJailedError",
    "NotRegisteredError",
    "NothingToWithdrawError",
    "ProtectionLockedError",
    "ProtectionRecordError",
    "PubkeyTakenError",
    "ReceiveResult",
    "Registration",
    "RootCandidate",
    "RootCheck",
    "RootSource",
    "SlashResult",
    "SlashingProtection",
    "SlashingProtectionError",
    "StakeBelowMinimumError",
    "StateAnchorSource",
    "TombstonedError",
    "UnbondExceedsBondedError",
    "UnknownCheckpointError",
    "UnknownValidatorError",
    "Validator",
    "ValidatorNode",
    "ValidatorSetFullError",
    "ValidatorStateError",
    "ValidatorStatus",
    "ValidatorUpdate",
    "WithdrawTooEarlyError",
    "WrongPassphraseError",
    "aggregate_public_keys",
    "aggregate_signatures",
    "batch_verify",
    "checkpoint_digest",
    "deploy_steps",
    "domain_id",
    "domain_label",
    "fast_aggregate_verify",
    "normalize_passphrase",
    "parse_domain",
    "pop_message",
    "signature_message",
    "stake_manager_parameters",
    "verify",
]
