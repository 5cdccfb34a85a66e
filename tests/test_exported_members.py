"""The public surface of every package, in one test (httpx's tests/test_exported_members.py, for all of them).

Every public module of ``novacron_chain`` (the top level, ``chain``, ``config``, ``errors``, every domain ...) follows
the same rules, checked here for all at once:

* its ``__all__`` is exactly the list frozen in :data:`SURFACE`, sorted isort-style (constants, classes, functions:
  ruff's RUF022), and every name in it resolves;
* nothing private leaks out: no ``_name`` is exported, no module object, and every exported class or function is
  defined in the package itself (its ``__init__`` or its private modules), not borrowed from another package;
* the module, every exported class and function, and every public method and property of those classes has a
  docstring;
* every exported exception (warnings aside) belongs to the one tree (``NovaChainError``), under its domain's root;
* a domain's ``ERROR_HINTS`` has a hint for every custom error its contracts (``contracts/<domain>/``) declare, and
  none for an error no contract has.

Adding or dropping a public name means changing :data:`SURFACE` (the failure prints the new list to paste); a new
public package means adding its entry.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import types
from pathlib import Path
from typing import Any

import pytest

import novacron_chain
from novacron_chain.artifacts import artifact_names, load_artifact
from novacron_chain.errors import NovaChainError, NovaValueError

#: the one place the public names are frozen: module -> its ``__all__``
SURFACE: dict[str, list[str]] = {
    "novacron_chain": ["BlockchainConfig", "NovaChain", "NovaChainError", "NovaConfig", "__version__", "load_config"],
    "novacron_chain.api": [
        "ApiError",
        "ApiKey",
        "ApiKeyStore",
        "ApiValueError",
        "AuthenticationError",
        "InsufficientScopeError",
        "Principal",
        "Scope",
        "Session",
        "SessionAuthority",
        "SiweMessage",
        "UnknownApiKeyError",
        "UnknownJobError",
        "create_app",
        "default_key_file",
        "problem_body",
        "problem_status",
        "serve_api",
    ],
    "novacron_chain.artifacts": ["Artifact", "artifact_names", "load_artifact"],
    "novacron_chain.chain": [
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
    ],
    "novacron_chain.cli": ["main"],
    "novacron_chain.config": [
        "KNOWN_CHAIN_IDS",
        "UNSERVED_CHAINS",
        "BlockchainConfig",
        "ChainEndpoint",
        "NovaConfig",
        "UnsupportedConfigWarning",
        "load_config",
        "parse_duration",
    ],
    "novacron_chain.consensus": [
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
    ],
    "novacron_chain.crosschain": [
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
    ],
    "novacron_chain.demo": ["SCENES", "DemoContext", "Scene", "run"],
    "novacron_chain.did": [
        "DID_KINDS",
        "DID_METHOD",
        "ERROR_HINTS",
        "KIND_ATTRIBUTE",
        "PUBKEY_ATTRIBUTE",
        "VC_CONTEXT",
        "CredentialInvalidError",
        "DIDDeactivatedError",
        "DIDKeyNotAuthorizedError",
        "DIDManager",
        "DIDNetworkMismatchError",
        "DIDResolution",
        "DIDValueError",
        "IdentityState",
        "InvalidDIDError",
        "KeyInfo",
        "ParsedDID",
        "PresentationResult",
        "Problem",
        "VerificationResult",
        "address_of_public_key",
        "credential_hash",
        "decode_public_key_multibase",
        "deploy_steps",
        "did_network",
        "encode_public_key_multibase",
        "normalize_claims",
        "parse_did",
        "public_key_jwk",
    ],
    "novacron_chain.errors": [
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
    ],
    "novacron_chain.governance": [
        "CONTRACT_NAMES",
        "ELIGIBILITY",
        "ERROR_HINTS",
        "MEMBERSHIP_TYPE",
        "NOVA",
        "NOVA_SUPPLY",
        "AlreadyVotedError",
        "ExecutionTooEarlyError",
        "ExpiredPolicyChangeError",
        "GovernanceManager",
        "GovernanceValueError",
        "IneligibleVoterError",
        "KeeperAction",
        "Membership",
        "Policy",
        "PolicyApprovalError",
        "PolicyChange",
        "PolicyChangeStateError",
        "PolicyChangeStatus",
        "PolicyPermissionError",
        "Proposal",
        "ProposalAction",
        "ProposalState",
        "ProposalStateError",
        "ProposalThresholdError",
        "StalePolicyChangeError",
        "Tally",
        "UnknownPolicyChangeError",
        "UnknownProposalError",
        "VoteReceipt",
        "VoteType",
        "VotingClosedError",
        "deploy_steps",
        "dev_credential_id",
        "format_nova",
        "quorum_bps",
        "signature_types",
    ],
    "novacron_chain.l2": [
        "ERROR_HINTS",
        "Account",
        "AccountProof",
        "Batch",
        "BatchBuilder",
        "Eip712Domain",
        "FraudProof",
        "InvalidTransactionError",
        "L1Batch",
        "L2Error",
        "L2Manager",
        "L2State",
        "L2StateError",
        "L2Transaction",
        "L2ValueError",
        "MalformedOpError",
        "MerkleTree",
        "QueueItem",
        "QueueOp",
        "Receipt",
        "RecoveryPool",
        "RollupL1",
        "Sequencer",
        "SequencerServer",
        "SoftConfirmation",
        "StateHeader",
        "Transfer",
        "UnknownAccountError",
        "UnknownTokenError",
        "UnpackableAmountError",
        "Verifier",
        "VerifierEvent",
        "Withdrawal",
        "WithdrawalProof",
        "WithdrawalRecord",
        "WriteAheadLog",
        "address_of",
        "decode_ops",
        "decode_segment",
        "deploy_steps",
        "encode_op",
        "find_fraud",
        "fraud_proof",
        "pack_amount",
        "pack_fee",
        "rebuild_state",
        "recover",
        "recover_sender",
        "replay_batch",
        "sign_transfer",
        "sign_withdrawal",
        "unpack_amount",
        "unpack_fee",
    ],
    "novacron_chain.metrics": [
        "BlockchainCollector",
        "BlockchainMetrics",
        "L2Collector",
        "L2Metrics",
        "L2Snapshot",
        "MetricsServer",
        "MetricsSnapshot",
        "l2_registry",
        "make_registry",
        "render_text",
    ],
    "novacron_chain.security": [
        "ERROR_HINTS",
        "PAUSE_GAS",
        "AuditReport",
        "ContractSecurity",
        "ContractSecurityStatus",
        "DeploymentAudit",
        "KnownContract",
        "LayoutCheck",
        "NotGuardianError",
        "NotPausableError",
        "NotUpgradeableError",
        "PauseResult",
        "QueuedOperation",
        "Reason",
        "RoleHolder",
        "RoleHolding",
        "SecurityError",
        "SecurityValueError",
        "SlitherFinding",
        "StorageLayoutError",
        "UnjustifiedFindingsError",
        "UnknownContractError",
        "UpgradeError",
        "UpgradeProposal",
        "Verdict",
        "check_build_findings",
        "check_layout",
        "deploy_steps",
        "recorded_findings",
        "storage_layout",
    ],
    "novacron_chain.orchestrator": [
        "CEILING_METRICS",
        "CPU_UNIT",
        "DEFAULT_RESERVATION",
        "DEV_APPROVERS",
        "DEV_ORACLES",
        "ERROR_HINTS",
        "FLOOR_METRICS",
        "MEM_UNIT_PER_GIB",
        "METER_TOKENS",
        "ClaimOutcome",
        "ContractOrchestrator",
        "Guarantee",
        "IntervalUsage",
        "MeterSummary",
        "MigrationInfo",
        "OrchestratorValueError",
        "PriceSchedule",
        "SLAInfo",
        "SLANotFoundError",
        "SLAOracle",
        "SLAStatus",
        "SLATerms",
        "UnpaidUsageError",
        "UsageMeter",
        "UsagePayment",
        "UsageSpec",
        "VMEvent",
        "VMInfo",
        "VMLifecycleOperation",
        "VMNotFoundError",
        "VMState",
        "ViolationReport",
        "deploy_steps",
        "from_milli",
        "migration_approval_digest",
        "recover_signer",
        "report_digest",
        "required_reservation",
        "round_up_packable",
        "to_milli",
        "vm_id_of",
    ],
    "novacron_chain.state": [
        "ANCHORER_ROLE",
        "BACKUP_SCHEMA",
        "ERROR_HINTS",
        "MANIFEST_SCHEMA",
        "MAX_ALLOCATION",
        "RECORD_SCHEMA",
        "REPORT_SCHEMA",
        "REPORT_TYPE",
        "AnchorMirror",
        "BackupResult",
        "BatchIntegrity",
        "BatchResult",
        "ComplianceReport",
        "HistoryEntry",
        "IntegrityReport",
        "IntegrityStatus",
        "Manifest",
        "MerkleTree",
        "MirrorTarget",
        "MirrorVerifier",
        "RecordIntegrity",
        "RecordReceipt",
        "RecordValueError",
        "RedundancyStatus",
        "ReportCheck",
        "ReportCheckStatus",
        "ReportInvalidError",
        "ReportVerification",
        "RestoreResult",
        "StateBackpressureError",
        "StateBackupError",
        "StateDataError",
        "StateDirLockedError",
        "StateError",
        "StateIntegrityError",
        "StateManager",
        "StateSummary",
        "StateValueError",
        "VMState",
        "VMStateRecord",
        "check_report",
        "connect_rpc",
        "deploy_steps",
        "hash_pair",
        "issue_report",
        "leaf_hash",
        "nova_mirror",
        "open_state",
        "process_proof",
        "raw_cid",
        "read_manifest",
        "read_report",
        "restore_from_mirror",
        "restore_state",
        "uncontacted_chain",
        "verify_proof",
    ],
    "novacron_chain.storage": [
        "CHUNK_SIZE",
        "MAX_LINKS",
        "AddResult",
        "CarFormatError",
        "CarReader",
        "CarSummary",
        "CarWriter",
        "Cid",
        "CidMismatchError",
        "ContentNotFoundError",
        "ContentStore",
        "CorruptBlockError",
        "DamagedContentError",
        "EmbeddedStore",
        "InvalidCidError",
        "IpfsApiError",
        "IpfsApiServer",
        "IpfsTimeoutError",
        "IpfsUnreachableError",
        "KuboStore",
        "NotPinnedError",
        "Source",
        "StorageValueError",
        "UnsupportedContentError",
        "VerifyReport",
        "compute_cid",
        "export_car",
        "import_car",
        "iter_dag",
        "open_store",
        "serve_api",
    ],
    "novacron_chain.units": ["format_amount", "is_digits", "to_bps"],
    "novacron_chain.tokens": [
        "CONTRACT_NAMES",
        "DEFAULT_DEADLINE",
        "ERROR_HINTS",
        "MAX_LOCK_DURATION",
        "MINTER_ROLE",
        "MIN_LOCK_DURATION",
        "NATIVE",
        "NATIVE_ASSET",
        "RESOURCES",
        "Asset",
        "Balances",
        "CapExceededError",
        "ContractPausedError",
        "DeadlineExpiredError",
        "InsufficientTokensError",
        "LiquidityChange",
        "LiquidityQuote",
        "MarketQuote",
        "NoLiquidityError",
        "Order",
        "OrderCancel",
        "OrderFill",
        "PoolInfo",
        "Resource",
        "ResourceSpec",
        "RewardReserveError",
        "SlippageError",
        "Stake",
        "StakeQuote",
        "SwapQuote",
        "SwapResult",
        "TokenManager",
        "TokenValueError",
        "Trade",
        "TxInfo",
        "UnknownPositionError",
        "Unstake",
        "base_price_wei",
        "deploy_steps",
        "format_units",
        "parse_asset",
        "parse_units",
    ],
    "novacron_chain.zk": [
        "BASE_FIELD",
        "CAPACITY_CONTEXT_TAG",
        "CIRCUITS",
        "CLAIM_DOMAIN_SEPARATOR",
        "CLAIM_NAMES",
        "COMMITTED_CLAIM_TYPEHASH",
        "COMMITTED_CREDENTIAL_TYPE",
        "ERROR_HINTS",
        "FIELD_MODULUS",
        "MAX_AMOUNT",
        "OPS",
        "OP_GE",
        "PROOF_LENGTH",
        "REGISTER_GAS",
        "SCALAR_FIELD",
        "CapacityRecord",
        "CapacityRegistration",
        "CapacityRegistryClient",
        "ClaimNotCommittedError",
        "ClaimOpening",
        "CommittedClaim",
        "CredentialNotUsableError",
        "Groth16Proof",
        "Predicate",
        "PredicateSyntaxError",
        "ProofFormatError",
        "SignedClaim",
        "StatementFalseError",
        "VerifyingKey",
        "ZkArtifactError",
        "ZkCredential",
        "ZkError",
        "ZkManager",
        "ZkProblem",
        "ZkProof",
        "ZkProofInvalidError",
        "ZkValueError",
        "ZkVerificationResult",
        "capacity_context",
        "check_verifying_key",
        "commit",
        "committed_claim_digest",
        "deploy_steps",
        "encode_g1",
        "encode_g2",
        "encode_proof",
        "encode_value",
        "encode_verifying_key",
        "holder_digest",
        "parse_predicate",
        "poseidon2",
        "proof_context",
        "prove_predicate",
        "sign_committed_claim",
        "text_code",
        "verify_predicate",
        "verifying_key",
    ],
}

#: public methods and properties frozen per class (the seed's manager API in snake_case, plus what issues add)
MEMBERS: dict[str, list[str]] = {
    "novacron_chain.tokens.TokenManager": [
        "add_liquidity",
        "approve",
        "balance",
        "balances",
        "buy",
        "cancel_order",
        "create_order",
        "curve",
        "factory",
        "fill_order",
        "fund_rewards",
        "fund_staking_rewards",
        "get_order",
        "get_spot_price",
        "get_stake",
        "list_orders",
        "market",
        "mint_tokens",
        "order_book",
        "pool",
        "pool_info",
        "quote_add_liquidity",
        "quote_buy",
        "quote_fill",
        "quote_remove_liquidity",
        "quote_sell",
        "quote_stake",
        "quote_swap",
        "redeemable",
        "remove_liquidity",
        "reserved_capacity",
        "resource_of",
        "reward_reserve",
        "sell",
        "stake_tokens",
        "stakes",
        "staking",
        "swap_tokens",
        "token",
        "transfer_redeemable",
        "unstake_tokens",
        "with_sender",
    ],
}

#: the exception every error a package exports derives from
ERROR_ROOTS = {
    "novacron_chain.consensus": "novacron_chain.consensus.ConsensusError",
    "novacron_chain.crosschain": "novacron_chain.errors.BridgeError",
    "novacron_chain.did": "novacron_chain.errors.IdentityError",
    "novacron_chain.governance": "novacron_chain.errors.GovernanceError",
    "novacron_chain.orchestrator": "novacron_chain.errors.OrchestratorError",
    "novacron_chain.security": "novacron_chain.security.SecurityError",
    "novacron_chain.state": "novacron_chain.state.StateError",
    "novacron_chain.storage": "novacron_chain.errors.StorageError",
    "novacron_chain.tokens": "novacron_chain.errors.TokenError",
    "novacron_chain.zk": "novacron_chain.zk.ZkError",
}

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"
#: domains whose contracts live in contracts/<domain>/ (their custom errors need hints in <domain>.ERROR_HINTS)
PACKAGE = Path(novacron_chain.__path__[0])
CONTRACT_DOMAINS = sorted(p.name for p in CONTRACTS.iterdir() if p.is_dir() and (PACKAGE / p.name).is_dir())

MODULES = sorted(SURFACE)


def _object(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _isort_key(name: str) -> tuple[int, str]:
    # RUF022's isort-style order: SCREAMING_CASE constants, then CamelCase classes, then everything else
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _exported(module: str) -> list[tuple[str, object]]:
    mod = importlib.import_module(module)
    return [(name, getattr(mod, name)) for name in mod.__all__]


def test_every_public_module_has_a_frozen_surface() -> None:
    public = {"novacron_chain"} | {
        f"novacron_chain.{m.name}" for m in pkgutil.iter_modules(novacron_chain.__path__) if not m.name.startswith("_")
    }
    assert sorted(public - set(SURFACE)) == [], "add these modules to SURFACE in tests/test_exported_members.py"
    assert sorted(set(SURFACE) - public) == [], "these modules are gone: drop them from SURFACE"


@pytest.mark.parametrize("module", MODULES)
def test_all_is_as_frozen_and_sorted(module: str) -> None:
    actual = list(importlib.import_module(module).__all__)
    assert actual == sorted(actual, key=_isort_key), f"{module}.__all__ is not sorted (ruff --select RUF022 --fix)"
    added, dropped = sorted(set(actual) - set(SURFACE[module])), sorted(set(SURFACE[module]) - set(actual))
    assert actual == SURFACE[module], (
        f"{module}'s public surface changed (added {added}, dropped {dropped}); if that is intended, set\n"
        f'    "{module}": {actual!r},\nin SURFACE (tests/test_exported_members.py)'
    )


@pytest.mark.parametrize("module", MODULES)
def test_exports_resolve_and_nothing_private_leaks(module: str) -> None:
    for name, obj in _exported(module):
        assert obj is not None, f"{module}.{name} does not resolve"
        assert not name.startswith("_") or name == "__version__", f"{module} exports the private name {name}"
        assert not isinstance(obj, types.ModuleType), f"{module} exports the module {name}"
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert _defined_in_place(module, obj.__module__), (
                f"{module}.{name} is defined in {obj.__module__}: export it from there, not from {module}"
            )


def _defined_in_place(module: str, defined_in: str) -> bool:
    if module == "novacron_chain":  # the top level re-exports from its public modules
        return defined_in.startswith("novacron_chain.")
    return defined_in == module or defined_in.startswith(f"{module}._")  # its __init__ or its private modules


@pytest.mark.parametrize("module", MODULES)
def test_public_names_are_documented(module: str) -> None:
    assert importlib.import_module(module).__doc__, f"{module} has no module docstring"
    for name, obj in _exported(module):
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{module}.{name} has no docstring"
        if inspect.isclass(obj):
            fields = {f.name for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else set()
            for attr, value in vars(obj).items():
                if attr.startswith("_") or attr in fields:  # a dataclass field's default is not a method
                    continue
                if isinstance(value, (property, classmethod, staticmethod)) or inspect.isfunction(value):
                    assert inspect.getdoc(getattr(obj, attr)), f"{module}.{name}.{attr} has no docstring"


@pytest.mark.parametrize("module", MODULES)
def test_exported_errors_belong_to_the_tree(module: str) -> None:
    root = _object(ERROR_ROOTS[module]) if module in ERROR_ROOTS else NovaChainError
    for name, obj in _exported(module):
        if inspect.isclass(obj) and issubclass(obj, BaseException) and not issubclass(obj, Warning):
            assert issubclass(obj, root), f"{module}.{name} is not a {root.__name__}"
            assert obj.__doc__, f"{module}.{name} needs a docstring"


@pytest.mark.parametrize("domain", CONTRACT_DOMAINS)
def test_every_contract_error_has_a_hint(domain: str) -> None:
    declared = {
        m.group(1)
        for sol in (CONTRACTS / domain).glob("*.sol")
        for m in re.finditer(r"^\s*error\s+(\w+)\s*\(", sol.read_text(), re.MULTILINE)
    }
    assert declared, f"no custom errors found in contracts/{domain}"
    hints = importlib.import_module(f"novacron_chain.{domain}").ERROR_HINTS
    assert sorted(declared - set(hints)) == [], f"add hints for these to novacron_chain.{domain}.ERROR_HINTS"
    assert all(isinstance(h, str) and h.strip() for h in hints.values())
    # and no stale entry: each names an error some contract we ship can revert with (ours or OpenZeppelin's)
    known = {i["name"] for n in artifact_names() for i in load_artifact(n).abi if i["type"] == "error"}
    assert sorted(set(hints) - known) == [], f"hints in novacron_chain.{domain}.ERROR_HINTS for no contract error"


@pytest.mark.parametrize("cls", sorted(MEMBERS))
def test_class_members_are_as_frozen(cls: str) -> None:
    public = sorted(n for n in vars(_object(cls)) if not n.startswith("_"))
    assert public == MEMBERS[cls], f'if intended, set\n    "{cls}": {public!r},\nin MEMBERS'


# -- what the per-domain copies of this file asserted about particular errors and classes ----------------------------


def test_did_errors() -> None:
    import novacron_chain.did as did

    assert issubclass(did.InvalidDIDError, NovaValueError)
    assert did.InvalidDIDError("x", "bad").exit_code == 2
    assert did.DIDNetworkMismatchError("d", "a", "b").exit_code == 2
    assert did.DIDDeactivatedError("d", action="x").exit_code == 1
    assert did.CredentialInvalidError("revoked", "why").to_dict()["problem"] == "revoked"


def test_governance_errors() -> None:
    import novacron_chain.governance as governance

    assert issubclass(governance.GovernanceValueError, NovaValueError)
    assert governance.GovernanceValueError("x").exit_code == 2
    assert governance.UnknownProposalError(5).exit_code == 2
    assert governance.ProposalThresholdError("0xa", 1, 2).exit_code == 1
    assert issubclass(governance.VotingClosedError, governance.ProposalStateError)
    assert issubclass(governance.ExecutionTooEarlyError, governance.ProposalStateError)


def test_orchestrator_errors() -> None:
    import novacron_chain.orchestrator as orchestrator

    assert issubclass(orchestrator.OrchestratorValueError, NovaValueError)
    assert orchestrator.VMNotFoundError("vm-1").exit_code == 2
    assert orchestrator.VMNotFoundError("vm-1").to_dict()["vm"] == "vm-1"
    assert orchestrator.SLANotFoundError(3).to_dict()["sla_id"] == 3


def test_state_errors() -> None:
    import novacron_chain.state as state

    assert issubclass(state.StateError, NovaChainError)
    assert issubclass(state.RecordValueError, NovaValueError)
    assert state.RecordValueError("cpu_allocation", -1, "is negative").exit_code == 2
    assert state.StateBackpressureError(10, 10).exit_code == 1
    err = state.StateIntegrityError("vm-1", {"status": "tampered", "reason": "changed", "records": []})
    assert err.exit_code == 1
    assert err.to_dict()["status"] == "tampered"
    assert err.to_dict()["error"] == "StateIntegrityError"


def test_storage_errors_and_backends() -> None:
    import novacron_chain.storage as storage

    assert issubclass(storage.InvalidCidError, NovaValueError)
    assert storage.InvalidCidError("x", "bad").exit_code == 2
    assert storage.ContentNotFoundError("Qm").exit_code == 1
    for backend in (storage.EmbeddedStore, storage.KuboStore):
        assert issubclass(backend, storage.ContentStore)
        assert not inspect.isabstract(backend)


def test_token_errors() -> None:
    import novacron_chain.tokens as tokens

    assert issubclass(tokens.TokenValueError, NovaValueError)
    assert tokens.TokenValueError("x").exit_code == 2
    assert tokens.DeadlineExpiredError(1, 2).exit_code == 2
    assert tokens.SlippageError("cost", 2, 1).exit_code == 1
    assert tokens.ContractPausedError("ResourceMarket").exit_code == 1
    assert tokens.SlippageError("cost", 2, 1).to_dict()["error"] == "SlippageError"
