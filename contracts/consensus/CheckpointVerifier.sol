// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Guarded} from "../security/Guarded.sol";
import {BLS} from "./BLS.sol";
import {ICheckpointVerifier} from "./ICheckpointVerifier.sol";
import {IStakeManager} from "./IStakeManager.sol";

/// @title CheckpointVerifier
/// @notice Accepts a checkpoint `(domain, height, root)` with an aggregate BLS signature of more than 2/3 of an
///         epoch's stake and answers `isFinal` (see {ICheckpointVerifier}). Pausable by a guardian (see {Guarded});
///         reads work while paused.
/// @dev Two new slots per checkpoint (root; weight, epoch, sequence number and time), a third when some validators
///      did not sign (their list's hash, for downtime proofs), and the domain's head. Verification is one pairing
///      check whatever the number of signers; each non-signer costs the StakeManager one cold slot, one cold
///      EXTCODECOPY and one G1ADD (see {StakeManager-signingSet}).
contract CheckpointVerifier is ICheckpointVerifier, Guarded {
    /// @notice Type hash of the checkpoint digest (see `checkpointDigest`).
    bytes32 public constant CHECKPOINT_TYPEHASH =
        keccak256("NovaCronCheckpoint(bytes32 domain,uint64 height,bytes32 root,uint64 epoch)");

    /// @dev A domain's latest height and number of checkpoints.
    struct Head {
        uint64 latestHeight;
        uint64 count;
    }

    /// @dev A checkpoint's record besides its root, in one slot.
    struct Record {
        uint128 signedStake;
        uint48 epoch;
        uint40 seq;
        uint40 submittedAt;
    }

    IStakeManager private immutable _stakeManager;

    mapping(bytes32 domain => Head) private _heads;
    mapping(bytes32 domain => mapping(uint64 height => bytes32 root)) private _roots;
    mapping(bytes32 domain => mapping(uint64 height => Record)) private _records;
    mapping(bytes32 domain => mapping(uint64 height => bytes32 nonSignersHash)) private _nonSignersHashes;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (unpauses): the timelock in production.
    /// @param guardian Holder of GUARDIAN_ROLE (may pause); the zero address for none yet.
    /// @param stakeManager_ The StakeManager whose validator sets sign.
    constructor(address admin, address guardian, address stakeManager_) Guarded(admin, guardian) {
        if (stakeManager_ == address(0)) revert CheckpointZeroAddress();
        _stakeManager = IStakeManager(stakeManager_);
    }

    // -- writes ------------------------------------------------------------------------------------------------

    /// @inheritdoc ICheckpointVerifier
    function submitCheckpoint(
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch,
        uint256[] calldata nonSigners,
        bytes calldata signature
    ) external whenNotPaused {
        if (root == bytes32(0)) revert CheckpointZeroRoot();
        Head memory head = _heads[domain];
        if (head.count != 0 && height <= head.latestHeight) {
            revert CheckpointHeightNotIncreasing(domain, height, head.latestHeight);
        }
        uint64 current = _stakeManager.currentEpoch();
        if (epoch > current || epoch + 1 < current) revert CheckpointEpochNotRecent(epoch, current);
        (uint256 signedStake, uint256 totalStake) = _verify(domain, height, root, epoch, nonSigners, signature);

        _roots[domain][height] = root;
        _records[domain][height] = Record({
            signedStake: SafeCast.toUint128(signedStake),
            epoch: SafeCast.toUint48(epoch),
            seq: SafeCast.toUint40(head.count),
            submittedAt: SafeCast.toUint40(block.timestamp)
        });
        if (nonSigners.length != 0) _nonSignersHashes[domain][height] = keccak256(abi.encodePacked(nonSigners));
        _heads[domain] = Head({latestHeight: height, count: head.count + 1});
        emit CheckpointFinalized(domain, height, root, epoch, head.count, signedStake, totalStake, nonSigners);
    }

    // -- reads -------------------------------------------------------------------------------------------------

    /// @inheritdoc ICheckpointVerifier
    function isFinal(bytes32 domain, uint64 height, bytes32 root) external view returns (bool) {
        return root != bytes32(0) && _roots[domain][height] == root;
    }

    /// @inheritdoc ICheckpointVerifier
    function latestHeight(bytes32 domain) external view returns (uint64) {
        return _heads[domain].latestHeight;
    }

    /// @inheritdoc ICheckpointVerifier
    function checkpointCount(bytes32 domain) external view returns (uint64) {
        return _heads[domain].count;
    }

    /// @inheritdoc ICheckpointVerifier
    function checkpoint(bytes32 domain, uint64 height) external view returns (Checkpoint memory c) {
        Record memory r = _records[domain][height];
        if (r.submittedAt == 0) return c;
        c.root = _roots[domain][height];
        c.epoch = r.epoch;
        c.seq = r.seq;
        c.submittedAt = r.submittedAt;
        c.signedStake = r.signedStake;
        c.totalStake = _stakeManager.totalStakeAt(r.epoch);
        c.nonSignersHash = _nonSignersHashes[domain][height];
    }

    /// @inheritdoc ICheckpointVerifier
    function checkpointDigest(
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch
    ) public view returns (bytes32) {
        return keccak256(abi.encode(CHECKPOINT_TYPEHASH, block.chainid, address(this), domain, height, root, epoch));
    }

    /// @inheritdoc ICheckpointVerifier
    function stakeManager() external view returns (address) {
        return address(_stakeManager);
    }

    // -- private -----------------------------------------------------------------------------------------------

    /// @dev Checks the stake and the aggregate signature; returns the signers' weight and the epoch's total.
    function _verify(
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch,
        uint256[] calldata nonSigners,
        bytes calldata signature
    ) private view returns (uint256 signedStake, uint256 totalStake) {
        bytes memory pubkey;
        (pubkey, signedStake, totalStake) = _stakeManager.signingSet(epoch, nonSigners);
        // strictly more than 2/3; weights are token amounts far below 2^254
        if (signedStake * 3 <= totalStake * 2) revert CheckpointInsufficientStake(signedStake, totalStake);
        if (!BLS.verify(pubkey, checkpointDigest(domain, height, root, epoch), signature, BLS.DST_SIG)) {
            revert CheckpointBadSignature();
        }
    }
}
