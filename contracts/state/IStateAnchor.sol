// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IStateAnchor
/// @notice Anchors batches of NovaCron VM state records: one Merkle root per batch, the records themselves in IPFS.
///
///         The VM platform records states off chain (canonical JSON in IPFS); an anchorer groups them into a batch,
///         builds a Merkle tree over their leaves and anchors the root here. A leaf is
///         `keccak256(bytes.concat(keccak256(record)))` (see `leafOf`); inner nodes hash their two children in sorted
///         order, as OpenZeppelin's `MerkleProof` expects, so `verifyRecord` proves that a record was part of a batch
///         without the batch being stored on chain ("off-chain computation, verified on-chain").
///
///         Each root can be anchored once: a second `anchor` of the same root reverts with `StateAnchorRootExists`,
///         which makes resending after a crash safe. The batch manifest's CID is only emitted in `BatchAnchored`
///         (never stored), which keeps anchoring at about 80 gas per record for a batch of 1,000.
interface IStateAnchor {
    // -- events ------------------------------------------------------------------------------------------------

    /// @notice A batch of VM state records was anchored.
    /// @param batchId The batch's id: 1 for the first batch, then one more for each.
    /// @param root The Merkle root over the batch's record leaves.
    /// @param leafCount How many records the batch holds.
    /// @param manifestCid CID of the batch in IPFS: a UnixFS directory with `manifest.json` (leaves, record CIDs,
    ///        VM ids, in tree order) and `records/` (the records, linked, so one pin keeps them all).
    event BatchAnchored(uint256 indexed batchId, bytes32 indexed root, uint32 leafCount, string manifestCid);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice The root is zero: no Merkle tree has that root.
    error StateAnchorZeroRoot();

    /// @notice The batch has no records (`leafCount` is 0).
    error StateAnchorEmptyBatch();

    /// @notice The manifest CID is empty or longer than `maxLength` bytes.
    /// @param length The length given.
    /// @param maxLength The longest accepted.
    error StateAnchorBadManifestCid(uint256 length, uint256 maxLength);

    /// @notice `root` was already anchored, as batch `batchId`. Nothing is anchored twice.
    /// @param root The root.
    /// @param batchId The batch that anchored it.
    error StateAnchorRootExists(bytes32 root, uint256 batchId);

    /// @notice No batch `batchId` was anchored.
    /// @param batchId The batch id asked for.
    error StateAnchorUnknownBatch(uint256 batchId);

    // -- writes ------------------------------------------------------------------------------------------------

    /// @notice Anchors a batch: stores its root and time and emits `BatchAnchored`. Needs ANCHORER_ROLE; refused
    ///         while paused.
    /// @param root The Merkle root over the batch's leaves (not zero, not anchored before).
    /// @param leafCount How many records the batch holds (at least 1).
    /// @param manifestCid The CID of the batch in IPFS (1 to 128 bytes); emitted, not stored.
    /// @return batchId The new batch's id.
    function anchor(bytes32 root, uint32 leafCount, string calldata manifestCid) external returns (uint256 batchId);

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice Whether `leaf` is in batch `batchId`, by an OpenZeppelin `MerkleProof` (sorted-pair hashing).
    /// @param batchId The batch; reverts with `StateAnchorUnknownBatch` when it does not exist.
    /// @param leaf The record's leaf, `leafOf(record)`.
    /// @param proof The sibling hashes from the leaf up to the root.
    /// @return True when the proof leads from `leaf` to the batch's root.
    function verifyRecord(uint256 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);

    /// @notice The leaf of a record: `keccak256(bytes.concat(keccak256(record)))` (double hashing, as
    ///         OpenZeppelin's StandardMerkleTree, so no leaf can pass for an inner node).
    /// @param record The record's canonical bytes.
    /// @return The leaf.
    function leafOf(bytes calldata record) external pure returns (bytes32);

    /// @notice The root of batch `batchId` (zero when there is no such batch).
    /// @param batchId The batch.
    /// @return The root.
    function batchRoot(uint256 batchId) external view returns (bytes32);

    /// @notice The batch that anchored `root` (all zero when none did).
    /// @param root The root.
    /// @return batchId The batch's id.
    /// @return anchoredAt Block time of the anchoring (unix seconds).
    /// @return leafCount How many records the batch holds.
    function batchOf(bytes32 root) external view returns (uint256 batchId, uint64 anchoredAt, uint32 leafCount);

    /// @notice How many batches were anchored; the latest batch's id.
    /// @return The count.
    function batchCount() external view returns (uint256);
}
