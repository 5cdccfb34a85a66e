// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IL2Rollup
/// @notice The batch inbox, state roots, finality and one-transaction fraud proofs of NovaCron's optimistic rollup for
///         resource-token payments (Fuel v1 / original optimistic-rollup shape). The format is fixed by
///         notes/l2-spec.md (issue 13); this NatSpec repeats what a client needs.
///
///         State: accounts in a depth-24 binary Merkle tree (leaf = keccak256(abi.encode(address addr, uint64 nonce,
///         uint256[8] balances)), empty leaf 0, node = keccak256(left ‖ right), Z[i+1] = keccak256(Z[i] ‖ Z[i])),
///         withdrawals in an append-only depth-32 tree (leaf = keccak256(abi.encode(address recipient, uint8 token,
///         uint256 amount))), and `stateRoot = keccak256(abi.encode(StateHeader))`. Account 0 is the fee account.
///
///         Batches: `proposeBatch(ops, ends, roots, queueEnd, prevRoot)` (prevRoot: the head's postRoot the batch
///         was built on, else `RollupWrongHead`) posts the packed ops as calldata, cut into segments
///         `ops[ends[k-1]:ends[k]]` with the state root after each; the contract stores
///         `commitment = keccak256(abi.encode(segmentsRoot, uint64 segmentCount, prevRoot, uint64 queueEnd))` where
///         `segmentsRoot` is the Merkle root (padded with zero leaves to a power of two) of
///         `keccak256(abi.encode(keccak256(segment_k), roots[k]))`, plus `postRoot = roots[last]`. A batch is final
///         `challengePeriod` seconds after it was posted, or earlier once `confirmByCheckpoint(i)` saw the
///         proof-of-stake checkpoint `(keccak256("l2"), i, postRoot)` final (then every batch <= i is final).
///
///         Ops (big-endian, packed; type byte first): 0x01 transfer `from u32, to u32, token u8, amount u40, fee u16,
///         sig 64` (81 bytes); 0x02 transfer to a new account `from u32, toAddr 20, token u8, amount u40, fee u16,
///         sig 64` (97); 0x03 withdraw `from u32, token u8, amount u40, fee u16, sig 64` (77); 0x04 queue item
///         `hint u32` (5). Packed u40 = mantissa (35 bits) ‖ exponent (5 bits), u16 = mantissa (11) ‖ exponent (5),
///         value = mantissa * 10**exponent. sig = EIP-2098 `r ‖ vs`, OpenZeppelin ECDSA rules (s <= n/2). A segment
///         stops at an unknown type byte, a truncated op, or after 32 ops; an invalid op is a no-op. A 0x04 op is a
///         no-op when `queueProcessed >= queueEnd` of its batch.
///
///         Fraud proof witness (`FraudProof.witness`, consumed left to right, big-endian, packed):
///         - `Siblings(depth)`: a mask (3 bytes for depth 24, 4 bytes for depth 32); bit i (`1 << i`) set: the
///           level-i sibling follows as 32 bytes, clear: it is Z[i]; present siblings level 0 first.
///         - `Account` item: `addr` 20, `nonce` 8, `balMask` 1 (bit t set: balance[t] follows as 32 bytes, else 0),
///           the set balances in increasing t, then Siblings(24); checked against the accounts root current then.
///         - `Slot` item (empty leaf being filled: a new account at `accountCount`, a withdrawal at
///           `withdrawalCount`): Siblings(24) resp. Siblings(32) only.
///         - `Queue` item: `kind` 1, `account` 20, `tokenId` 1, `amount` 32, hashing to the portal's item
///           `queueProcessed`.
///         Per op ("registered": token id < 8 with a portal address != 0):
///         - 0x01: if from and to < accountCount and the token registered: Account(from), Account(to); if the op
///           is valid, Account(from) is against the current root, Account(to) against the root after from's update,
///           then Account(0) (fee) after to's update; if invalid both are against the current root and nothing
///           follows. Otherwise nothing.
///         - 0x02: if from < accountCount, token registered, toAddr != 0, accountCount < 2**24: Account(from); if
///           valid then Slot(24) at accountCount and Account(0). Otherwise nothing.
///         - 0x03: if from < accountCount and token registered: Account(from); if valid then Slot(32) at
///           withdrawalCount and Account(0). Otherwise nothing.
///         - 0x04: if queueProcessed < queueEnd: Queue; kind 1: Account(hint) if hint < accountCount, then Slot(24)
///           at accountCount if not credited at hint and accountCount < 2**24; kind 2: Account(hint) if
///           hint < accountCount, then Slot(32) at withdrawalCount if its addr is the item's account and it holds
///           the amount.
///         A short or forged witness reverts the proof (`RollupBadWitness`); it never counts as fraud.
///
///         Blob batches (docs/l2-blobs.md): `proposeBlobBatch` takes the same arguments, but every signed op is its
///         body without the 64-byte signature (0x01 17 bytes, 0x02 33, 0x03 13, 0x04 5); the signature of op j of
///         segment k sits in EIP-4844 blob slot `s = 32k + j` (blob `s / 1984`, payload offset `64 (s % 1984)`,
///         31 payload bytes per field element, in its bytes 1..31). The batch carries exactly `ceil(n / 62)` blobs
///         and its commitment gains a fifth field:
///         `keccak256(abi.encode(segmentsRoot, uint64 n, prevRoot, uint64 queueEnd, blobsHash))` with
///         `blobsHash = keccak256(abi.encodePacked(blobhash(0), ..., blobhash(m - 1)))`, so a proof of one kind never
///         checks against a batch of the other. Its state transition is the bodies' with every signature valid; the
///         batch is fraudulent also when a signed op reaching its signature check has a slot that does not recover
///         its sender, proven by `proveBlobFraud` with KZG openings of that slot (point-evaluation precompile).
interface IL2Rollup {
    /// @notice The five fields whose abi encoding hashes to a state root.
    /// @param accountsRoot Root of the depth-24 accounts tree.
    /// @param accountCount Accounts created (indices 0 .. accountCount-1 are in use).
    /// @param withdrawalsRoot Root of the depth-32 withdrawals tree.
    /// @param withdrawalCount Withdrawals appended.
    /// @param queueProcessed L1 queue items consumed.
    struct StateHeader {
        bytes32 accountsRoot;
        uint32 accountCount;
        bytes32 withdrawalsRoot;
        uint64 withdrawalCount;
        uint64 queueProcessed;
    }

    /// @notice A posted batch.
    /// @param postRoot The state root after its last segment.
    /// @param commitment keccak256(abi.encode(segmentsRoot, uint64 segmentCount, prevRoot, uint64 queueEnd)), with a
    ///        fifth field `blobsHash` for a blob batch.
    /// @param proposer Who posted it (its bond answers for it).
    /// @param timestamp When it was posted (unix seconds).
    /// @param l1Block The L1 block it was posted in.
    /// @param queueEnd The portal queue items consumed once it is applied.
    struct Batch {
        bytes32 postRoot;
        bytes32 commitment;
        address proposer;
        uint32 timestamp;
        uint32 l1Block;
        uint32 queueEnd;
    }

    /// @notice A fraud proof of one segment of one batch.
    /// @param batchIndex The batch disputed (not final).
    /// @param segmentsRoot Its segments root (from its BatchProposed event).
    /// @param segmentCount Its segment count.
    /// @param queueEnd Its queueEnd.
    /// @param segmentIndex k, the segment re-executed.
    /// @param segment The segment's bytes.
    /// @param postRoot roots[k], the root the proposer claimed after it.
    /// @param siblings Proof of leaf k in the segments tree (ceil(log2(segmentCount)) siblings, leaf level first).
    /// @param prevSegmentHash keccak256 of segment k-1 (ignored when k == 0).
    /// @param preRoot roots[k-1] (ignored when k == 0: the previous batch's root, or genesis, is used).
    /// @param prevSiblings Proof of leaf k-1 (empty when k == 0).
    /// @param pre The header hashing to the pre root.
    /// @param witness The witness (see the contract NatSpec).
    struct FraudProof {
        uint64 batchIndex;
        bytes32 segmentsRoot;
        uint64 segmentCount;
        uint64 queueEnd;
        uint64 segmentIndex;
        bytes segment;
        bytes32 postRoot;
        bytes32[] siblings;
        bytes32 prevSegmentHash;
        bytes32 preRoot;
        bytes32[] prevSiblings;
        StateHeader pre;
        bytes witness;
    }

    /// @notice The blob part of a fraud proof of a blob batch (docs/l2-blobs.md).
    /// @param blobHashes The batch's blob versioned hashes, in order (checked against its commitment).
    /// @param op Position j (0-based, every op of the segment counted) of the op whose signature is checked, or
    ///        `type(uint64).max` for none (every signature taken as valid: a wrong root or queueEnd).
    /// @param openings For each field element e from `o / 31` to `(o + 63) / 31` of slot `s = 32 k + j`
    ///        (`o = 64 (s % 1984)`): `y 32 ‖ commitment 48 ‖ proof 48`, the element's KZG opening in blob
    ///        `s / 1984` at `z = ω^bitrev12(e)` (empty when `op` is none).
    struct BlobSignature {
        bytes32[] blobHashes;
        uint64 op;
        bytes openings;
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice A batch was posted.
    /// @param batchIndex Its index.
    /// @param postRoot The state root after it.
    /// @param segmentsRoot Merkle root of its segment leaves.
    /// @param segmentCount Its number of segments.
    /// @param queueEnd Queue items consumed after it.
    /// @param proposer Who posted it.
    event BatchProposed(
        uint64 indexed batchIndex,
        bytes32 postRoot,
        bytes32 segmentsRoot,
        uint64 segmentCount,
        uint64 queueEnd,
        address proposer
    );

    /// @notice A blob batch was posted (right after its BatchProposed): the versioned hashes of its blobs.
    /// @param batchIndex Its index.
    /// @param blobHashes `blobhash(0) .. blobhash(m - 1)`, m = ceil(segmentCount / 62).
    event BlobsPosted(uint64 indexed batchIndex, bytes32[] blobHashes);

    /// @notice Batch `batchIndex` (and every earlier one) is final by a proof-of-stake checkpoint.
    /// @param batchIndex The batch.
    /// @param postRoot Its root.
    event BatchConfirmed(uint64 indexed batchIndex, bytes32 postRoot);

    /// @notice A fraud proof deleted batch `fromIndex` and every later one.
    /// @param fromIndex The first batch deleted (the new batch count).
    /// @param count How many batches were deleted.
    /// @param proposer The proposer of the fraudulent batch (its bond is slashed).
    /// @param challenger Who proved it.
    /// @param reward Paid to the challenger (half the proposer's bond, in wei).
    event BatchesDeleted(
        uint64 indexed fromIndex,
        uint64 count,
        address indexed proposer,
        address indexed challenger,
        uint256 reward
    );

    /// @notice A proposer's bond changed.
    /// @param proposer The proposer.
    /// @param bond The new bond (wei).
    event BondChanged(address indexed proposer, uint256 bond);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice A constructor address (portal, fee recipient) is zero, or the challenge period is zero.
    error RollupBadConfig();

    /// @notice The segments are malformed: no segment, `ends`/`roots` lengths differ, `ends` not strictly increasing
    ///         from above 0, or the last end is not the ops length.
    error RollupBadSegments();

    /// @notice The proposer's bond is below the minimum.
    /// @param bond The bond.
    /// @param minBond The minimum.
    error RollupBondTooLow(uint256 bond, uint256 minBond);

    /// @notice The sender lacks PROPOSER_ROLE and no queue item is overdue.
    /// @param sender The sender.
    error RollupNotProposer(address sender);

    /// @notice queueEnd is below the previous batch's or above the portal queue length.
    /// @param queueEnd The queueEnd given.
    /// @param previous The previous batch's queueEnd.
    /// @param length The portal queue length.
    error RollupBadQueueEnd(uint64 queueEnd, uint64 previous, uint64 length);

    /// @notice The batch leaves a queue item uncovered that is older than the force-inclusion delay.
    /// @param index The item.
    /// @param enqueuedAt The L1 block it was enqueued in.
    error RollupQueueOverdue(uint64 index, uint64 enqueuedAt);

    /// @notice No batch with this index.
    /// @param batchIndex The index.
    error RollupNoBatch(uint64 batchIndex);

    /// @notice The batch is final: it can no longer be challenged.
    /// @param batchIndex The batch.
    error RollupBatchFinal(uint64 batchIndex);

    /// @notice The proof's batch data, segment index or segment Merkle proofs do not match the batch commitment.
    error RollupBadProof();

    /// @notice The pre-state header does not hash to the pre root.
    error RollupBadPreState();

    /// @notice The witness is short or does not match the state (a Merkle proof or queue item preimage failed).
    error RollupBadWitness();

    /// @notice Re-execution reproduced the claimed root (and queueEnd): no fraud.
    error RollupNoFraud();

    /// @notice No checkpoint verifier is configured.
    error RollupNoCheckpointVerifier();

    /// @notice The checkpoint `(keccak256("l2"), batchIndex, postRoot)` is not final.
    /// @param batchIndex The batch.
    error RollupNotCheckpointed(uint64 batchIndex);

    /// @notice The proposer has a batch that is not final yet: the bond stays.
    /// @param batchIndex Its latest batch.
    error RollupBondLocked(uint64 batchIndex);

    /// @notice More than the bond was asked.
    /// @param bond The bond.
    /// @param amount The amount asked.
    error RollupInsufficientBond(uint256 bond, uint256 amount);

    /// @notice The batch was built on another head than L1 holds (double-post guard): `prevRoot` must be the
    ///         current head's postRoot (`genesisRoot` before the first batch). A proposal signed for an older head
    ///         (a crashed sequencer's re-broadcast, a proposer racing a forced-inclusion batch, a head moved back by
    ///         a fraud proof) would otherwise land with roots computed from the wrong pre-state: self-inflicted fraud.
    /// @param expected The current head's postRoot (or genesisRoot).
    /// @param actual The `prevRoot` the proposer gave.
    error RollupWrongHead(bytes32 expected, bytes32 actual);

    /// @notice A value does not fit its storage field (ops longer than 2**32-1 bytes, queueEnd above 2**32-1).
    error RollupOverflow();

    /// @notice A blob batch of n segments must carry exactly ceil(n / 62) blobs: one of `blobhash(0 .. expected-1)`
    ///         is zero, or `blobhash(expected)` is not.
    /// @param expected The number of blobs required.
    error RollupBadBlobs(uint256 expected);

    /// @notice The point-evaluation precompile refused the KZG opening of a field element (wrong y, commitment,
    ///         proof, or a commitment that is not the blob's versioned hash).
    /// @param element The field element index e in its blob.
    error RollupBadOpening(uint256 element);

    // -- writes ------------------------------------------------------------------------------------------------

    /// @notice Adds `msg.value` to the sender's bond. Refused while paused.
    function depositBond() external payable;

    /// @notice Withdraws `amount` wei of the sender's bond; only when its latest batch (or, if that was deleted,
    ///         the latest batch) is final.
    /// @param amount Wei.
    function withdrawBond(uint256 amount) external;

    /// @notice Posts a batch (PROPOSER_ROLE, or anyone while a queue item is overdue; a bond >= minBond). Refused
    ///         while paused. Queue item q is overdue when `block.number > l1Block(q) + forceDelay`: the batch must
    ///         cover it (`queueEnd > q`), and while the first item the previous batch left is overdue, proposing
    ///         needs no role (forced inclusion).
    /// @param ops The packed ops.
    /// @param ends Segment ends in `ops` (strictly increasing, last == ops.length).
    /// @param roots State root after each segment.
    /// @param queueEnd Portal queue items consumed after the batch (>= the previous batch's, <= the queue length,
    ///        covering every item older than `forceDelay` blocks).
    /// @param prevRoot The root the batch starts from: must be the current head's postRoot (`genesisRoot` for the
    ///        first batch), else `RollupWrongHead` (the double-post guard).
    /// @return batchIndex The new batch's index.
    function proposeBatch(
        bytes calldata ops,
        uint32[] calldata ends,
        bytes32[] calldata roots,
        uint64 queueEnd,
        bytes32 prevRoot
    ) external returns (uint64 batchIndex);

    /// @notice Posts a blob batch (docs/l2-blobs.md): as `proposeBatch`, with the ops' bodies (no signatures) in
    ///         calldata and their signatures in the transaction's ceil(n / 62) blobs (else `RollupBadBlobs`). Emits
    ///         BatchProposed, then BlobsPosted.
    /// @param ops The packed op bodies.
    /// @param ends Segment ends in `ops`.
    /// @param roots State root after each segment.
    /// @param queueEnd Portal queue items consumed after the batch.
    /// @param prevRoot The root the batch starts from (the double-post guard).
    /// @return batchIndex The new batch's index.
    function proposeBlobBatch(
        bytes calldata ops,
        uint32[] calldata ends,
        bytes32[] calldata roots,
        uint64 queueEnd,
        bytes32 prevRoot
    ) external returns (uint64 batchIndex);

    /// @notice Makes batch `batchIndex` and every earlier one final with the proof-of-stake checkpoint of its root.
    /// @param batchIndex The batch.
    function confirmByCheckpoint(uint64 batchIndex) external;

    /// @notice Re-executes one segment; when the result differs from the claimed root (or, for the last segment, its
    ///         queueProcessed differs from queueEnd), deletes the batch and every later one and pays half of the
    ///         proposer's bond to the sender. Anyone may call; never paused.
    /// @param proof The proof.
    function proveFraud(FraudProof calldata proof) external;

    /// @notice The fraud proof of a blob batch: `proof` as for `proveFraud` over the body segment; `sig` its blob
    ///         hashes and, unless `sig.op` is none, the KZG openings of op `sig.op`'s signature slot (each checked by
    ///         the point-evaluation precompile, else `RollupBadOpening`; a slot outside the blobs, an op position
    ///         >= 32 or openings of the wrong length: `RollupBadProof`). The segment is replayed with every signature
    ///         valid except op `sig.op`'s, checked against the opened one where a calldata op's would be; fraud when
    ///         it does not recover the sender (the replay stops there), or when the root or queueEnd differs. The
    ///         witness is the calldata format for the ops as replayed: op `sig.op` with a failing signature is an
    ///         invalid op (Account(from), Account(to) for 0x01, both against the current root); nothing after it is
    ///         read. Anyone may call; never paused.
    /// @param proof The proof (segment: the body segment).
    /// @param sig The blob hashes, the disputed op and its openings.
    function proveBlobFraud(FraudProof calldata proof, BlobSignature calldata sig) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice Batch `batchIndex` (reverts when there is none).
    function batch(uint64 batchIndex) external view returns (Batch memory);

    /// @notice Number of live batches.
    function batchCount() external view returns (uint64);

    /// @notice Whether batch `batchIndex` exists and is final.
    function isFinal(uint64 batchIndex) external view returns (bool);

    /// @notice The root after batch `batchIndex` (reverts when there is none).
    function stateRoot(uint64 batchIndex) external view returns (bytes32);

    /// @notice The genesis state root (fee account only).
    function genesisRoot() external view returns (bytes32);

    /// @notice The EIP-712 domain separator of L2 signatures (name "NovaCron L2", version "1", l2ChainId, this).
    function domainSeparator() external view returns (bytes32);

    /// @notice EIP-712 digest of a transfer.
    function transferDigest(
        uint32 account,
        address to,
        address token,
        uint256 amount,
        uint256 fee,
        uint64 nonce
    ) external view returns (bytes32);

    /// @notice EIP-712 digest of a withdrawal.
    function withdrawalDigest(
        uint32 account,
        address token,
        uint256 amount,
        uint256 fee,
        uint64 nonce
    ) external view returns (bytes32);

    /// @notice The state after applying `segment` to `pre` with `witness` (as a fraud proof does), for cross-checks.
    /// @param pre The pre state.
    /// @param segment The segment.
    /// @param witness The witness.
    /// @param queueEnd The batch's queueEnd (bound of 0x04 ops).
    /// @return post The post state.
    function replaySegment(
        StateHeader calldata pre,
        bytes calldata segment,
        bytes calldata witness,
        uint64 queueEnd
    ) external view returns (StateHeader memory post);

    /// @notice The state after applying the body segment `segment` of a blob batch to `pre` with `witness`, every
    ///         signature taken as valid (as `proveBlobFraud` with no signature checked), for cross-checks.
    /// @param pre The pre state.
    /// @param segment The body segment.
    /// @param witness The witness.
    /// @param queueEnd The batch's queueEnd.
    /// @return post The post state.
    function replayBlobSegment(
        StateHeader calldata pre,
        bytes calldata segment,
        bytes calldata witness,
        uint64 queueEnd
    ) external view returns (StateHeader memory post);

    /// @notice The bond of `proposer` (wei) and its latest batch index + 1 (0: none).
    function bondOf(address proposer) external view returns (uint256 bond, uint64 lastBatchPlusOne);
}
