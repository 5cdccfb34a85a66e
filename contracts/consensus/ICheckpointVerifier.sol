// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ICheckpointVerifier
/// @notice Finality for NovaCron's roots: a checkpoint `(domain, height, root)` is final once validators holding more
///         than 2/3 of an epoch's stake signed it. One verifier serves every user: the L2 checkpoints its state roots
///         (domain `keccak256("l2")`), the bridge its message roots (`keccak256("bridge:<source chain id>")`, one
///         domain per source chain), the state layer its anchor roots (`keccak256("state")`); other contracts ask
///         `isFinal(domain, height, root)`.
///
///         Each validator signs the 32-byte `checkpointDigest(domain, height, root, epoch) = keccak256(abi.encode(
///         CHECKPOINT_TYPEHASH, block.chainid, address(this), domain, height, root, epoch))` with
///         `CHECKPOINT_TYPEHASH = keccak256("NovaCronCheckpoint(bytes32 domain,uint64 height,bytes32 root,uint64
///         epoch)")`, by BLS with DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (a G2 signature, 256 bytes in the
///         EIP-2537 encoding). Anyone aggregates the signatures (G2 point sum) and submits them with the list of the
///         epoch's validators that did not sign; the contract subtracts their keys from the epoch's aggregate key and
///         checks the aggregate signature with one pairing, whatever the number of signers.
///
///         Rules: the epoch is the current or the previous one of the StakeManager; heights per domain strictly
///         increase (the first checkpoint of a domain may have any height); the signers' weight `signedStake`
///         satisfies `3 * signedStake > 2 * totalStake`. A validator must never sign two different roots for one
///         (domain, height), in any epochs: that is slashable double signing (IStakeManager.reportDoubleSign).
interface ICheckpointVerifier {
    /// @notice A finalized checkpoint.
    /// @param root The root.
    /// @param epoch The epoch whose validator set signed it.
    /// @param seq Its position among its domain's checkpoints (0 for the first).
    /// @param submittedAt When it was accepted (unix seconds; 0 when there is no such checkpoint).
    /// @param signedStake Weight of its signers.
    /// @param totalStake The epoch's total weight.
    /// @param nonSignersHash `keccak256(abi.encodePacked(nonSigners))` of its non-signer list; zero when all signed.
    struct Checkpoint {
        bytes32 root;
        uint64 epoch;
        uint64 seq;
        uint64 submittedAt;
        uint256 signedStake;
        uint256 totalStake;
        bytes32 nonSignersHash;
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice A checkpoint became final.
    /// @param domain Its domain.
    /// @param height Its height.
    /// @param root Its root.
    /// @param epoch The epoch whose validator set signed it.
    /// @param seq Its position among the domain's checkpoints.
    /// @param signedStake Weight of its signers.
    /// @param totalStake The epoch's total weight.
    /// @param nonSigners The epoch's validators that did not sign (strictly increasing indices).
    event CheckpointFinalized(
        bytes32 indexed domain,
        uint64 indexed height,
        bytes32 root,
        uint64 epoch,
        uint64 seq,
        uint256 signedStake,
        uint256 totalStake,
        uint256[] nonSigners
    );

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice The stake manager address is zero.
    error CheckpointZeroAddress();

    /// @notice The root is zero (no checkpoint can be final with a zero root).
    error CheckpointZeroRoot();

    /// @notice The height is not above the domain's latest height.
    /// @param domain The domain.
    /// @param height The height given.
    /// @param latestHeight The domain's latest finalized height.
    error CheckpointHeightNotIncreasing(bytes32 domain, uint64 height, uint64 latestHeight);

    /// @notice The epoch is neither the current nor the previous one.
    /// @param epoch The epoch given.
    /// @param currentEpoch The current epoch.
    error CheckpointEpochNotRecent(uint64 epoch, uint64 currentEpoch);

    /// @notice The signers hold no more than 2/3 of the epoch's stake.
    /// @param signedStake Their weight.
    /// @param totalStake The epoch's total weight.
    error CheckpointInsufficientStake(uint256 signedStake, uint256 totalStake);

    /// @notice The aggregate signature is not the signers' over the checkpoint digest.
    error CheckpointBadSignature();

    // -- writes ------------------------------------------------------------------------------------------------

    /// @notice Finalizes `(domain, height, root)` with the aggregate signature of the epoch's validators other than
    ///         `nonSigners`. Anyone may submit; refused while paused.
    /// @param domain The domain (keccak256 of its name).
    /// @param height Its height (above the domain's latest).
    /// @param root Its root (not zero).
    /// @param epoch The epoch the signers signed for (current or previous).
    /// @param nonSigners The epoch's validators (with weight) that did not sign, strictly increasing.
    /// @param signature Sum of the signers' G2 signatures over `checkpointDigest(domain, height, root, epoch)`.
    function submitCheckpoint(
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch,
        uint256[] calldata nonSigners,
        bytes calldata signature
    ) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice Whether `(domain, height, root)` was finalized.
    /// @param domain The domain.
    /// @param height The height.
    /// @param root The root.
    /// @return True when final.
    function isFinal(bytes32 domain, uint64 height, bytes32 root) external view returns (bool);

    /// @notice The domain's latest finalized height (0 when it has none: see `checkpointCount`).
    /// @param domain The domain.
    /// @return The height.
    function latestHeight(bytes32 domain) external view returns (uint64);

    /// @notice How many checkpoints the domain has.
    /// @param domain The domain.
    /// @return The count.
    function checkpointCount(bytes32 domain) external view returns (uint64);

    /// @notice The checkpoint at `(domain, height)` (all zero when none was finalized).
    /// @param domain The domain.
    /// @param height The height.
    /// @return The checkpoint.
    function checkpoint(bytes32 domain, uint64 height) external view returns (Checkpoint memory);

    /// @notice The 32-byte message validators sign for `(domain, height, root)` in `epoch`.
    /// @param domain The domain.
    /// @param height The height.
    /// @param root The root.
    /// @param epoch The epoch.
    /// @return The digest.
    function checkpointDigest(
        bytes32 domain,
        uint64 height,
        bytes32 root,
        uint64 epoch
    ) external view returns (bytes32);

    /// @notice The StakeManager whose validator sets sign.
    /// @return Its address.
    function stakeManager() external view returns (address);
}
