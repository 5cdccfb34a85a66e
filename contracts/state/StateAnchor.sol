// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {GuardedUpgradeable} from "../security/GuardedUpgradeable.sol";
import {IStateAnchor} from "./IStateAnchor.sol";

/// @title StateAnchor
/// @notice Merkle roots of batches of VM state records (see {IStateAnchor}). Two storage slots per batch: the root
///         by batch id, and the batch's id, time and size by root (which also refuses a root anchored before).
///         Pausable by a guardian (see {GuardedUpgradeable}); reads and proofs work while paused.
/// @dev Upgradeable (UUPS behind a `UUPSProxy`, like SLAContract): the anchored roots are what every state proof
///      a user keeps is checked against, at this address, for as long as the records matter; a bug (say in proof
///      checking) must be fixable without moving the roots to a new address that proofs and clients do not know.
///      Only the admin upgrades (the timelock in production: every upgrade is a governance proposal with its
///      delay). Storage: OpenZeppelin's bases keep theirs in ERC-7201 namespaces; this contract's own variables
///      start at slot 0 and a later version may only append (checked before an upgrade is proposed and in CI).
contract StateAnchor is IStateAnchor, GuardedUpgradeable {
    /// @notice Role allowed to anchor batches (the NovaCron state manager's account).
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @notice Longest manifest CID accepted, in bytes (a CIDv1 in base32 is 59, a CIDv0 46).
    uint256 public constant MAX_MANIFEST_CID_LENGTH = 128;

    /// @dev One slot per root: 8 + 8 + 4 bytes.
    struct Batch {
        uint64 id;
        uint64 anchoredAt;
        uint32 leafCount;
    }

    mapping(uint256 batchId => bytes32 root) private _roots;
    mapping(bytes32 root => Batch) private _batches;
    uint256 private _batchCount;

    /// @dev The implementation is never used directly: its initializers are locked.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy's state; run once, by the proxy's constructor (`UUPSProxy(impl, data)`).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (grants ANCHORER_ROLE, unpauses, upgrades): the timelock in
    ///        production.
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none yet.
    function initialize(address admin, address guardian) external initializer {
        __Guarded_init(admin, guardian);
    }

    /// @inheritdoc IStateAnchor
    function anchor(
        bytes32 root,
        uint32 leafCount,
        string calldata manifestCid
    ) external onlyRole(ANCHORER_ROLE) whenNotPaused returns (uint256 batchId) {
        if (root == bytes32(0)) revert StateAnchorZeroRoot();
        if (leafCount == 0) revert StateAnchorEmptyBatch();
        uint256 cidLength = bytes(manifestCid).length;
        if (cidLength == 0 || cidLength > MAX_MANIFEST_CID_LENGTH) {
            revert StateAnchorBadManifestCid(cidLength, MAX_MANIFEST_CID_LENGTH);
        }
        uint64 existing = _batches[root].id;
        if (existing != 0) revert StateAnchorRootExists(root, existing);

        batchId = ++_batchCount;
        _roots[batchId] = root;
        _batches[root] = Batch({
            id: SafeCast.toUint64(batchId),
            anchoredAt: SafeCast.toUint64(block.timestamp),
            leafCount: leafCount
        });
        emit BatchAnchored(batchId, root, leafCount, manifestCid);
    }

    /// @inheritdoc IStateAnchor
    function verifyRecord(uint256 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        bytes32 root = _roots[batchId];
        if (root == bytes32(0)) revert StateAnchorUnknownBatch(batchId);
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IStateAnchor
    function leafOf(bytes calldata record) external pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(record)));
    }

    /// @inheritdoc IStateAnchor
    function batchRoot(uint256 batchId) external view returns (bytes32) {
        return _roots[batchId];
    }

    /// @inheritdoc IStateAnchor
    function batchOf(bytes32 root) external view returns (uint256 batchId, uint64 anchoredAt, uint32 leafCount) {
        Batch memory batch = _batches[root];
        return (batch.id, batch.anchoredAt, batch.leafCount);
    }

    /// @inheritdoc IStateAnchor
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }
}
