// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICheckpointVerifier} from "../consensus/ICheckpointVerifier.sol";
import {Guarded} from "../security/Guarded.sol";
import {IL2Portal} from "./IL2Portal.sol";
import {IL2Rollup} from "./IL2Rollup.sol";
import {L2StateTransition} from "./L2StateTransition.sol";

/// @title L2Rollup
/// @notice Batch inbox, state roots, finality and fraud proofs of the rollup (see {IL2Rollup} for the formats).
///         The guardian's pause stops `proposeBatch`, `proposeBlobBatch` and `depositBond` only: fraud proofs,
///         checkpoint confirmation and bond withdrawals stay open, so a pause can never let a wrong root finalize
///         unchallenged.
contract L2Rollup is IL2Rollup, ReentrancyGuardTransient, Guarded {
    /// @notice Role allowed to propose batches while no queue item is overdue (the sequencer).
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");

    /// @notice The checkpoint domain of L2 state roots.
    bytes32 public constant L2_DOMAIN = keccak256("l2");

    /// @notice Ops executed per segment at most.
    uint256 public constant MAX_SEGMENT_OPS = 32;

    // blob batches (docs/l2-blobs.md): 62 segments of 32 signature slots of 64 bytes per blob (4,096 field elements
    // of 31 payload bytes), read through the point-evaluation precompile at the blob domain's roots of unity
    uint256 private constant SEGMENTS_PER_BLOB = 62;
    uint256 private constant SLOTS_PER_BLOB = 1984;
    uint256 private constant BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    // 7^((BLS_MODULUS - 1) / 4096): the primitive 4096th root of unity of EIP-4844
    uint256 private constant ROOT_OF_UNITY = 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;

    /// @notice The portal (token registry, L1 queue, withdrawals).
    IL2Portal public immutable portal;

    /// @notice The checkpoint verifier (zero: finality by the challenge period only).
    ICheckpointVerifier public immutable checkpointVerifier;

    /// @notice The chain id in the EIP-712 domain of L2 signatures.
    uint64 public immutable l2ChainId;

    /// @notice Seconds after which a batch is final.
    uint64 public immutable challengePeriod;

    /// @notice L1 blocks after which a queue item is overdue (must be covered; anyone may then propose).
    uint64 public immutable forceDelay;

    /// @notice The bond (wei) a proposer needs.
    uint256 public immutable minBond;

    /// @inheritdoc IL2Rollup
    bytes32 public immutable genesisRoot;

    /// @notice The fee account's address (account 0).
    address public immutable feeRecipient;

    bytes32 private immutable _domainSeparator;

    struct Proposer {
        uint128 bond;
        uint64 lastBatchPlusOne;
    }

    mapping(uint256 index => Batch) private _batches;
    uint64 private _batchCount;
    uint64 private _confirmed; // batches below this index are final by checkpoint
    mapping(address proposer => Proposer) private _proposers;

    /// @notice Slashed bond wei not paid to challengers (locked; the admin may sweep it).
    uint256 public slashed;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (roles, unpause, sweep).
    /// @param guardian Holder of GUARDIAN_ROLE (may pause proposals); zero for none.
    /// @param proposer Granted PROPOSER_ROLE (the sequencer); zero for none.
    /// @param portal_ The L2Portal.
    /// @param feeRecipient_ Address of the fee account (account 0 at genesis).
    /// @param l2ChainId_ The chain id of the EIP-712 domain of L2 signatures.
    /// @param challengePeriod_ Seconds until a batch is final (> 0).
    /// @param forceDelay_ L1 blocks until a queue item is overdue.
    /// @param minBond_ Wei of bond a proposer needs.
    /// @param checkpointVerifier_ The ICheckpointVerifier, or zero.
    constructor(
        address admin,
        address guardian,
        address proposer,
        address portal_,
        address feeRecipient_,
        uint64 l2ChainId_,
        uint64 challengePeriod_,
        uint64 forceDelay_,
        uint256 minBond_,
        address checkpointVerifier_
    ) Guarded(admin, guardian) {
        if (portal_ == address(0) || feeRecipient_ == address(0) || challengePeriod_ == 0) revert RollupBadConfig();
        if (proposer != address(0)) _grantRole(PROPOSER_ROLE, proposer);
        portal = IL2Portal(portal_);
        checkpointVerifier = ICheckpointVerifier(checkpointVerifier_);
        l2ChainId = l2ChainId_;
        challengePeriod = challengePeriod_;
        forceDelay = forceDelay_;
        minBond = minBond_;
        feeRecipient = feeRecipient_;
        _domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("NovaCron L2"),
                keccak256("1"),
                uint256(l2ChainId_),
                address(this)
            )
        );
        bytes32[33] memory z = L2StateTransition.zeroHashes();
        uint256[10] memory fee;
        fee[0] = uint160(feeRecipient_);
        bytes32 node = L2StateTransition.accountLeaf(fee);
        for (uint256 i = 0; i < L2StateTransition.ACCOUNT_DEPTH; ++i) {
            node = L2StateTransition.hashPair(node, z[i]);
        }
        genesisRoot = L2StateTransition.headerRoot(StateHeader(node, 1, z[32], 0, 0));
    }

    // -- bonds ----------------------------------------------------------------------------------------------

    /// @inheritdoc IL2Rollup
    function depositBond() external payable whenNotPaused {
        Proposer storage p = _proposers[msg.sender];
        uint256 bond = p.bond + msg.value;
        if (bond > type(uint128).max) revert RollupOverflow();
        p.bond = uint128(bond);
        emit BondChanged(msg.sender, bond);
    }

    /// @inheritdoc IL2Rollup
    function withdrawBond(uint256 amount) external nonReentrant {
        Proposer storage p = _proposers[msg.sender];
        uint64 last = p.lastBatchPlusOne;
        if (last != 0) {
            // finality is prefix-closed: when the proposer's latest batch (or, if it was deleted, the latest batch)
            // is final, so is every batch of theirs
            uint64 count = _batchCount;
            if (count != 0) {
                uint64 j = last - 1 < count ? last - 1 : count - 1;
                if (!isFinal(j)) revert RollupBondLocked(j);
            }
        }
        uint256 bond = p.bond;
        if (amount > bond) revert RollupInsufficientBond(bond, amount);
        p.bond = uint128(bond - amount);
        emit BondChanged(msg.sender, bond - amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Sends the slashed bonds not paid to challengers to `to` (admin).
    /// @param to The receiver (the treasury).
    function sweepSlashed(address payable to) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        uint256 amount = slashed;
        slashed = 0;
        Address.sendValue(to, amount);
    }

    // -- batches --------------------------------------------------------------------------------------------

    /// @inheritdoc IL2Rollup
    function proposeBatch(
        bytes calldata ops,
        uint32[] calldata ends,
        bytes32[] calldata roots,
        uint64 queueEnd,
        bytes32 prevRoot
    ) external whenNotPaused returns (uint64 batchIndex) {
        return _propose(ops, ends, roots, queueEnd, prevRoot, bytes32(0));
    }

    /// @inheritdoc IL2Rollup
    function proposeBlobBatch(
        bytes calldata ops,
        uint32[] calldata ends,
        bytes32[] calldata roots,
        uint64 queueEnd,
        bytes32 prevRoot
    ) external whenNotPaused returns (uint64 batchIndex) {
        uint256 m = (ends.length + SEGMENTS_PER_BLOB - 1) / SEGMENTS_PER_BLOB;
        bytes32[] memory hashes = new bytes32[](m);
        for (uint256 i = 0; i < m; ++i) {
            bytes32 h = blobhash(i);
            if (h == bytes32(0)) revert RollupBadBlobs(m);
            hashes[i] = h;
        }
        if (blobhash(m) != bytes32(0)) revert RollupBadBlobs(m);
        batchIndex = _propose(ops, ends, roots, queueEnd, prevRoot, keccak256(abi.encodePacked(hashes)));
        emit BlobsPosted(batchIndex, hashes);
    }

    // the checks and effects of a proposal; blobsHash 0: a calldata batch (the 4-field commitment)
    function _propose(
        bytes calldata ops,
        uint32[] calldata ends,
        bytes32[] calldata roots,
        uint64 queueEnd,
        bytes32 prevRoot,
        bytes32 blobsHash
    ) private returns (uint64 batchIndex) {
        uint256 n = ends.length;
        if (n == 0 || roots.length != n || ends[n - 1] != ops.length) revert RollupBadSegments();
        Proposer storage p = _proposers[msg.sender];
        {
            uint256 bond = p.bond;
            if (bond < minBond) revert RollupBondTooLow(bond, minBond);
        }
        batchIndex = _batchCount;
        {
            bytes32 head = genesisRoot;
            uint64 prevQueueEnd = 0;
            if (batchIndex != 0) {
                Batch storage prev = _batches[batchIndex - 1];
                head = prev.postRoot;
                prevQueueEnd = prev.queueEnd;
            }
            if (prevRoot != head) revert RollupWrongHead(head, prevRoot);
            _checkQueue(prevQueueEnd, queueEnd);
        }
        bytes32 segmentsRoot = _segmentsRoot(ops, ends, roots);
        bytes32 postRoot = roots[n - 1];
        _batches[batchIndex] = Batch(
            postRoot,
            _commitment(segmentsRoot, uint64(n), prevRoot, queueEnd, blobsHash),
            msg.sender,
            uint32(block.timestamp),
            uint32(block.number),
            uint32(queueEnd)
        );
        _batchCount = batchIndex + 1;
        p.lastBatchPlusOne = batchIndex + 1;
        emit BatchProposed(batchIndex, postRoot, segmentsRoot, uint64(n), queueEnd, msg.sender);
    }

    /// @inheritdoc IL2Rollup
    function confirmByCheckpoint(uint64 batchIndex) external {
        ICheckpointVerifier v = checkpointVerifier;
        if (address(v) == address(0)) revert RollupNoCheckpointVerifier();
        if (batchIndex >= _batchCount) revert RollupNoBatch(batchIndex);
        bytes32 root = _batches[batchIndex].postRoot;
        if (!v.isFinal(L2_DOMAIN, batchIndex, root)) revert RollupNotCheckpointed(batchIndex);
        if (batchIndex >= _confirmed) _confirmed = batchIndex + 1;
        emit BatchConfirmed(batchIndex, root);
    }

    /// @inheritdoc IL2Rollup
    function proveFraud(FraudProof calldata proof) external nonReentrant {
        uint64 i = proof.batchIndex;
        if (i >= _batchCount) revert RollupNoBatch(i);
        if (isFinal(i)) revert RollupBatchFinal(i);
        bytes32 prevRoot = i == 0 ? genesisRoot : _batches[i - 1].postRoot;
        bytes32 preRoot = _checkSegmentProof(proof, prevRoot, _batches[i].commitment, bytes32(0));
        if (L2StateTransition.headerRoot(proof.pre) != preRoot) revert RollupBadPreState();
        StateHeader memory post = _replay(proof.pre, proof.segment, proof.witness, proof.queueEnd, false);
        bool fraud = L2StateTransition.headerRoot(post) != proof.postRoot ||
            (proof.segmentIndex == proof.segmentCount - 1 && post.queueProcessed != proof.queueEnd);
        if (!fraud) revert RollupNoFraud();
        _deleteFrom(i);
    }

    /// @inheritdoc IL2Rollup
    function proveBlobFraud(FraudProof calldata proof, BlobSignature calldata sig) external nonReentrant {
        uint64 i = proof.batchIndex;
        if (i >= _batchCount) revert RollupNoBatch(i);
        if (isFinal(i)) revert RollupBatchFinal(i);
        bytes32 prevRoot = i == 0 ? genesisRoot : _batches[i - 1].postRoot;
        bytes32 blobsHash = keccak256(abi.encodePacked(sig.blobHashes));
        bytes32 preRoot = _checkSegmentProof(proof, prevRoot, _batches[i].commitment, blobsHash);
        if (L2StateTransition.headerRoot(proof.pre) != preRoot) revert RollupBadPreState();
        L2StateTransition.Context memory c = L2StateTransition.context(_domainSeparator, portal, proof.queueEnd);
        c.blob = true;
        c.sigOp = type(uint256).max;
        if (sig.op != type(uint64).max) {
            (c.sigR, c.sigVs) = _openSignature(proof.segmentIndex, sig);
            c.sigOp = sig.op;
        }
        StateHeader memory post = proof.pre;
        L2StateTransition.applySegment(c, post, proof.segment, proof.witness);
        bool fraud = c.badSig ||
            L2StateTransition.headerRoot(post) != proof.postRoot ||
            (proof.segmentIndex == proof.segmentCount - 1 && post.queueProcessed != proof.queueEnd);
        if (!fraud) revert RollupNoFraud();
        _deleteFrom(i);
    }

    // -- reads ----------------------------------------------------------------------------------------------

    /// @inheritdoc IL2Rollup
    function batch(uint64 batchIndex) external view returns (Batch memory) {
        if (batchIndex >= _batchCount) revert RollupNoBatch(batchIndex);
        return _batches[batchIndex];
    }

    /// @inheritdoc IL2Rollup
    function batchCount() external view returns (uint64) {
        return _batchCount;
    }

    /// @inheritdoc IL2Rollup
    function isFinal(uint64 batchIndex) public view returns (bool) {
        if (batchIndex >= _batchCount) return false;
        if (batchIndex < _confirmed) return true;
        return block.timestamp >= uint256(_batches[batchIndex].timestamp) + challengePeriod;
    }

    /// @inheritdoc IL2Rollup
    function stateRoot(uint64 batchIndex) external view returns (bytes32) {
        if (batchIndex >= _batchCount) revert RollupNoBatch(batchIndex);
        return _batches[batchIndex].postRoot;
    }

    /// @inheritdoc IL2Rollup
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparator;
    }

    /// @inheritdoc IL2Rollup
    function transferDigest(
        uint32 account,
        address to,
        address token,
        uint256 amount,
        uint256 fee,
        uint64 nonce
    ) external view returns (bytes32) {
        return L2StateTransition.transferDigest(_domainSeparator, account, to, token, amount, fee, nonce);
    }

    /// @inheritdoc IL2Rollup
    function withdrawalDigest(
        uint32 account,
        address token,
        uint256 amount,
        uint256 fee,
        uint64 nonce
    ) external view returns (bytes32) {
        return L2StateTransition.withdrawalDigest(_domainSeparator, account, token, amount, fee, nonce);
    }

    /// @inheritdoc IL2Rollup
    function replaySegment(
        StateHeader calldata pre,
        bytes calldata segment,
        bytes calldata witness,
        uint64 queueEnd
    ) external view returns (StateHeader memory post) {
        return _replay(pre, segment, witness, queueEnd, false);
    }

    /// @inheritdoc IL2Rollup
    function replayBlobSegment(
        StateHeader calldata pre,
        bytes calldata segment,
        bytes calldata witness,
        uint64 queueEnd
    ) external view returns (StateHeader memory post) {
        return _replay(pre, segment, witness, queueEnd, true);
    }

    /// @inheritdoc IL2Rollup
    function bondOf(address proposer) external view returns (uint256 bond, uint64 lastBatchPlusOne) {
        Proposer storage p = _proposers[proposer];
        return (p.bond, p.lastBatchPlusOne);
    }

    /// @notice The highest batch index + 1 made final by a checkpoint (0: none).
    function confirmedCount() external view returns (uint64) {
        return _confirmed;
    }

    // -- internals ------------------------------------------------------------------------------------------

    // queueEnd within [previous, length], covering every overdue item; without PROPOSER_ROLE only while an item
    // left by the previous batch is overdue
    function _checkQueue(uint64 prevQueueEnd, uint64 queueEnd) private view {
        IL2Portal q = portal;
        uint64 len = q.queueLength();
        if (queueEnd < prevQueueEnd || queueEnd > len) revert RollupBadQueueEnd(queueEnd, prevQueueEnd, len);
        if (queueEnd > type(uint32).max) revert RollupOverflow();
        if (queueEnd < len) {
            // only the item's L1 block matters here (its hash is for fraud proofs)
            // slither-disable-next-line unused-return
            (, uint64 enqueuedAt) = q.queueItem(queueEnd);
            if (block.number > uint256(enqueuedAt) + forceDelay) revert RollupQueueOverdue(queueEnd, enqueuedAt);
        }
        if (!hasRole(PROPOSER_ROLE, msg.sender)) {
            bool overdue = false;
            if (prevQueueEnd < len) {
                // only the item's L1 block matters here (its hash is for fraud proofs)
                // slither-disable-next-line unused-return
                (, uint64 enqueuedAt) = q.queueItem(prevQueueEnd);
                overdue = block.number > uint256(enqueuedAt) + forceDelay;
            }
            if (!overdue) revert RollupNotProposer(msg.sender);
        }
    }

    // Merkle root over keccak256(abi.encode(keccak256(segment_k), roots[k])), padded with zero leaves to a power of
    // two. Assembly: each segment is hashed in the same scratch memory above the leaves (memory does not grow with
    // the batch) and the levels are folded in place; this loop is most of proposeBatch's per-op execution gas.
    // ends[] needs no range check of its own: strictly increasing to ends[n-1] == ops.length (checked by the caller
    // with the ABI decoder's validation) bounds every entry.
    function _segmentsRoot(
        bytes calldata ops,
        uint32[] calldata ends,
        bytes32[] calldata roots
    ) private pure returns (bytes32 root) {
        if (ops.length > type(uint32).max) revert RollupOverflow();
        uint256 n = ends.length;
        uint256 width = 1;
        while (width < n) width <<= 1;
        uint256 opsOffset;
        uint256 endsOffset;
        uint256 rootsOffset;
        assembly {
            opsOffset := ops.offset
            endsOffset := ends.offset
            rootsOffset := roots.offset
        }
        bool ok;
        (root, ok) = _foldSegments(opsOffset, endsOffset, rootsOffset, n, width);
        if (!ok) revert RollupBadSegments();
    }

    function _foldSegments(
        uint256 opsOffset,
        uint256 endsOffset,
        uint256 rootsOffset,
        uint256 n,
        uint256 width
    ) private pure returns (bytes32 root, bool ok) {
        assembly ("memory-safe") {
            let level := mload(0x40)
            let scratch := add(level, shl(5, width))
            let start := 0
            ok := 1
            for {
                let k := 0
            } lt(k, n) {
                k := add(k, 1)
            } {
                let e := calldataload(add(endsOffset, shl(5, k)))
                if iszero(gt(e, start)) {
                    ok := 0
                    break
                }
                calldatacopy(scratch, add(opsOffset, start), sub(e, start))
                mstore(0x00, keccak256(scratch, sub(e, start)))
                mstore(0x20, calldataload(add(rootsOffset, shl(5, k))))
                mstore(add(level, shl(5, k)), keccak256(0x00, 0x40))
                start := e
            }
            for {
                let k := n
            } lt(k, width) {
                k := add(k, 1)
            } {
                mstore(add(level, shl(5, k)), 0)
            }
            for {
                let w := width
            } gt(w, 1) {
                w := shr(1, w)
            } {
                for {
                    let j := 0
                } lt(j, shr(1, w)) {
                    j := add(j, 1)
                } {
                    mstore(add(level, shl(5, j)), keccak256(add(level, shl(6, j)), 0x40))
                }
            }
            root := mload(level)
        }
    }

    // a batch's commitment: 4 fields for a calldata batch (blobsHash 0), 5 for a blob batch
    function _commitment(
        bytes32 segmentsRoot,
        uint64 segmentCount,
        bytes32 prevRoot,
        uint64 queueEnd,
        bytes32 blobsHash
    ) private pure returns (bytes32) {
        if (blobsHash == bytes32(0)) return keccak256(abi.encode(segmentsRoot, segmentCount, prevRoot, queueEnd));
        return keccak256(abi.encode(segmentsRoot, segmentCount, prevRoot, queueEnd, blobsHash));
    }

    // checks the batch data against its commitment (blobsHash 0: a calldata batch's) and the segment proofs; returns
    // the pre root of the segment
    function _checkSegmentProof(
        FraudProof calldata f,
        bytes32 prevRoot,
        bytes32 commitment,
        bytes32 blobsHash
    ) private pure returns (bytes32 preRoot) {
        if (_commitment(f.segmentsRoot, f.segmentCount, prevRoot, f.queueEnd, blobsHash) != commitment) {
            revert RollupBadProof();
        }
        uint256 k = f.segmentIndex;
        if (k >= f.segmentCount) revert RollupBadProof();
        uint256 depth = 0;
        while ((uint256(1) << depth) < f.segmentCount) ++depth;
        bytes32 leaf = L2StateTransition.hashPair(keccak256(f.segment), f.postRoot);
        if (_merkleRoot(leaf, k, f.siblings, depth) != f.segmentsRoot) revert RollupBadProof();
        if (k == 0) return prevRoot;
        leaf = L2StateTransition.hashPair(f.prevSegmentHash, f.preRoot);
        if (_merkleRoot(leaf, k - 1, f.prevSiblings, depth) != f.segmentsRoot) revert RollupBadProof();
        return f.preRoot;
    }

    function _merkleRoot(
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata siblings,
        uint256 depth
    ) private pure returns (bytes32 node) {
        if (siblings.length != depth) revert RollupBadProof();
        node = leaf;
        for (uint256 i = 0; i < depth; ++i) {
            node = (index >> i) & 1 == 0
                ? L2StateTransition.hashPair(node, siblings[i])
                : L2StateTransition.hashPair(siblings[i], node);
        }
    }

    // a segment applied to `pre`; `blob`: a blob batch's body segment, every signature taken as valid
    function _replay(
        StateHeader calldata pre,
        bytes calldata segment,
        bytes calldata witness,
        uint64 queueEnd,
        bool blob
    ) private view returns (StateHeader memory post) {
        post = pre;
        L2StateTransition.Context memory c = L2StateTransition.context(_domainSeparator, portal, queueEnd);
        c.blob = blob;
        c.sigOp = type(uint256).max;
        L2StateTransition.applySegment(c, post, segment, witness);
    }

    // the signature in slot 32k + sig.op, read from its KZG openings: each field element e of the slot is checked by
    // the point-evaluation precompile against blob s / 1984 at z = ω^bitrev12(e); the signature is bytes
    // o % 31 .. o % 31 + 64 of the elements' low 31 bytes, concatenated
    function _openSignature(
        uint256 k,
        BlobSignature calldata sig
    ) private view returns (bytes32 r, bytes32 vs) {
        uint256 j = sig.op;
        if (j >= MAX_SEGMENT_OPS) revert RollupBadProof();
        uint256 s = 32 * k + j;
        uint256 b = s / SLOTS_PER_BLOB;
        if (b >= sig.blobHashes.length) revert RollupBadProof();
        uint256 o = 64 * (s % SLOTS_PER_BLOB);
        uint256 first = o / 31;
        uint256 count = (o + 63) / 31 - first + 1;
        bytes calldata openings = sig.openings;
        if (openings.length != 128 * count) revert RollupBadProof();
        bytes32 versionedHash = sig.blobHashes[b];
        for (uint256 x = 0; x < count; ++x) {
            uint256 e = first + x;
            uint256 z = _evaluationPoint(e);
            bool ok;
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                mstore(ptr, versionedHash)
                mstore(add(ptr, 0x20), z)
                calldatacopy(add(ptr, 0x40), add(openings.offset, shl(7, x)), 128)
                // the EIP-4844 point-evaluation precompile: 64 bytes (4096, BLS_MODULUS) on success
                ok := staticcall(gas(), 0x0a, ptr, 192, ptr, 64)
                ok := and(ok, eq(returndatasize(), 64))
            }
            if (!ok) revert RollupBadOpening(e);
        }
        // the ys (the elements, byte 0 ignored) laid out in scratch memory 31 bytes apart, last first, so that each
        // one's byte 0 is overwritten by the previous one's last byte: payload bytes from `first * 31` on
        uint256 a = o % 31;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            for {
                let x := count
            } gt(x, 0) {
                x := sub(x, 1)
            } {
                mstore(add(buf, mul(31, sub(x, 1))), calldataload(add(openings.offset, shl(7, sub(x, 1)))))
            }
            r := mload(add(buf, add(1, a)))
            vs := mload(add(buf, add(33, a)))
        }
    }

    // z = ROOT_OF_UNITY ^ bitrev12(e) mod BLS_MODULUS: the point whose value is the blob's field element e
    function _evaluationPoint(uint256 e) private pure returns (uint256 z) {
        uint256 x = 0;
        for (uint256 i = 0; i < 12; ++i) x |= ((e >> i) & 1) << (11 - i);
        z = 1;
        uint256 base = ROOT_OF_UNITY;
        while (x != 0) {
            if (x & 1 == 1) z = mulmod(z, base, BLS_MODULUS);
            base = mulmod(base, base, BLS_MODULUS);
            x >>= 1;
        }
    }

    // deletes batch i and every later one; half the bond of batch i's proposer to the challenger, the rest slashed
    function _deleteFrom(uint64 i) private {
        uint64 count = _batchCount;
        address proposer = _batches[i].proposer;
        Proposer storage p = _proposers[proposer];
        uint256 bond = p.bond;
        uint256 reward = bond / 2;
        p.bond = 0;
        slashed += bond - reward;
        _batchCount = i;
        emit BondChanged(proposer, 0);
        emit BatchesDeleted(i, count - i, proposer, msg.sender, reward);
        if (reward != 0) Address.sendValue(payable(msg.sender), reward);
    }
}
