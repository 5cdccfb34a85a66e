// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title EcdsaCheckpointVerifier
/// @notice Benchmark reference only (test-only artifact, never deployed by the contract set): the k-of-n ECDSA
///         checkpoint check of Polygon PoS (`StakeManager.checkSignatures`), measured side by side with the BLS
///         {CheckpointVerifier} in benchmarks/consensus.py. Every signer signs the same digest; the submitter sends
///         the 65-byte signatures sorted by signer address; each signer is recovered with `ecrecover`, must be
///         strictly greater than the previous one (no signer counted twice) and must hold stake; the checkpoint is
///         accepted when the signers hold strictly more than 2/3 of the total stake.
/// @dev Kept as cheap as an honest version can be, so that it is a lower bound for the ECDSA approach: the stake is
///      one mapping slot per signer address and a total, set by the admin (Polygon reads a validator id and then the
///      validator's record, and keeps per-epoch sets). It stores what {CheckpointVerifier} stores (the root, one
///      record slot, the domain's head) and emits a comparable event.
contract EcdsaCheckpointVerifier {
    /// @notice Type hash of the checkpoint digest (see `checkpointDigest`).
    bytes32 public constant CHECKPOINT_TYPEHASH =
        keccak256("NovaCronEcdsaCheckpoint(bytes32 domain,uint64 height,bytes32 root)");

    /// @dev Length of one signature: r (32), s (32), v (1).
    uint256 private constant SIGNATURE_LENGTH = 65;

    /// @dev A domain's latest height and number of checkpoints.
    struct Head {
        uint64 latestHeight;
        uint64 count;
    }

    /// @dev A checkpoint's record besides its root, in one slot.
    struct Record {
        uint128 signedStake;
        uint40 seq;
        uint40 submittedAt;
    }

    /// @notice The account that sets stakes.
    address public immutable admin;

    /// @notice Stake of each signer address (0: not a validator).
    mapping(address signer => uint256 stake) public stakeOf;

    /// @notice Sum of all stakes.
    uint256 public totalStake;

    mapping(bytes32 domain => Head) private _heads;
    mapping(bytes32 domain => mapping(uint64 height => bytes32 root)) private _roots;
    mapping(bytes32 domain => mapping(uint64 height => Record)) private _records;

    /// @notice A checkpoint became final.
    /// @param domain The checkpoint's domain.
    /// @param height Its height.
    /// @param root Its root.
    /// @param signedStake The signers' stake.
    /// @param totalStake The total stake.
    event CheckpointFinalized(
        bytes32 indexed domain,
        uint64 indexed height,
        bytes32 root,
        uint256 signedStake,
        uint256 totalStake
    );

    /// @notice The caller is not the admin.
    /// @param caller The caller.
    error EcdsaCheckpointNotAdmin(address caller);

    /// @notice `setStakes` got lists of different lengths.
    /// @param signers Length of the signer list.
    /// @param stakes Length of the stake list.
    error EcdsaCheckpointLengthMismatch(uint256 signers, uint256 stakes);

    /// @notice The signatures are not a whole number of 65-byte signatures.
    /// @param length Their total length.
    error EcdsaCheckpointBadSignaturesLength(uint256 length);

    /// @notice The signer recovered at `position` is not above the previous one.
    /// @param position Index of the signature.
    error EcdsaCheckpointSignersNotSorted(uint256 position);

    /// @notice A recovered signer holds no stake.
    /// @param signer The recovered address.
    error EcdsaCheckpointUnknownSigner(address signer);

    /// @notice The signers hold 2/3 of the stake or less.
    /// @param signedStake The signers' stake.
    /// @param totalStake The total stake.
    error EcdsaCheckpointInsufficientStake(uint256 signedStake, uint256 totalStake);

    /// @notice The height is not above the domain's latest.
    /// @param domain The domain.
    /// @param height The height given.
    /// @param latestHeight The domain's latest height.
    error EcdsaCheckpointHeightNotIncreasing(bytes32 domain, uint64 height, uint64 latestHeight);

    /// @param admin_ The account allowed to set stakes.
    constructor(address admin_) {
        admin = admin_;
    }

    /// @notice Sets the stake of each signer (admin only).
    /// @param signers Signer addresses.
    /// @param stakes Their stakes (0 removes a signer).
    function setStakes(address[] calldata signers, uint256[] calldata stakes) external {
        if (msg.sender != admin) revert EcdsaCheckpointNotAdmin(msg.sender);
        if (signers.length != stakes.length) revert EcdsaCheckpointLengthMismatch(signers.length, stakes.length);
        uint256 total = totalStake;
        for (uint256 i = 0; i < signers.length; ++i) {
            total = total - stakeOf[signers[i]] + stakes[i];
            stakeOf[signers[i]] = stakes[i];
        }
        totalStake = total;
    }

    /// @notice Accepts checkpoint `(domain, height, root)` signed by more than 2/3 of the stake.
    /// @param domain The checkpoint's domain.
    /// @param height Its height, above the domain's latest.
    /// @param root Its root.
    /// @param signatures The signers' 65-byte signatures (r, s, v) over `checkpointDigest`, concatenated, sorted by
    ///        signer address ascending.
    function submitCheckpoint(bytes32 domain, uint64 height, bytes32 root, bytes calldata signatures) external {
        Head memory head = _heads[domain];
        if (head.count != 0 && height <= head.latestHeight) {
            revert EcdsaCheckpointHeightNotIncreasing(domain, height, head.latestHeight);
        }
        if (signatures.length % SIGNATURE_LENGTH != 0) revert EcdsaCheckpointBadSignaturesLength(signatures.length);
        bytes32 digest = checkpointDigest(domain, height, root);
        uint256 count = signatures.length / SIGNATURE_LENGTH;
        uint256 signedStake;
        address previous;
        for (uint256 k = 0; k < count; ++k) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(signatures.offset, mul(k, SIGNATURE_LENGTH))
                r := calldataload(p)
                s := calldataload(add(p, 32))
                v := byte(0, calldataload(add(p, 64)))
            }
            address signer = ECDSA.recover(digest, v, r, s);
            if (signer <= previous) revert EcdsaCheckpointSignersNotSorted(k);
            previous = signer;
            uint256 stake = stakeOf[signer];
            if (stake == 0) revert EcdsaCheckpointUnknownSigner(signer);
            signedStake += stake;
        }
        uint256 total = totalStake;
        if (signedStake * 3 <= total * 2) revert EcdsaCheckpointInsufficientStake(signedStake, total);

        _roots[domain][height] = root;
        _records[domain][height] = Record({
            signedStake: SafeCast.toUint128(signedStake),
            seq: SafeCast.toUint40(head.count),
            submittedAt: SafeCast.toUint40(block.timestamp)
        });
        _heads[domain] = Head({latestHeight: height, count: head.count + 1});
        emit CheckpointFinalized(domain, height, root, signedStake, total);
    }

    /// @notice Whether `root` is the final root of `(domain, height)`.
    /// @param domain The domain.
    /// @param height The height.
    /// @param root The root.
    /// @return final_ True when the checkpoint was accepted with this root.
    function isFinal(bytes32 domain, uint64 height, bytes32 root) external view returns (bool final_) {
        return root != bytes32(0) && _roots[domain][height] == root;
    }

    /// @notice The digest every signer signs: `keccak256(abi.encode(CHECKPOINT_TYPEHASH, chainid, this, domain,
    ///         height, root))`.
    /// @param domain The domain.
    /// @param height The height.
    /// @param root The root.
    /// @return The digest.
    function checkpointDigest(bytes32 domain, uint64 height, bytes32 root) public view returns (bytes32) {
        return keccak256(abi.encode(CHECKPOINT_TYPEHASH, block.chainid, address(this), domain, height, root));
    }
}
