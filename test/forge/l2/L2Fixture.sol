// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICheckpointVerifier} from "../../../contracts/consensus/ICheckpointVerifier.sol";
import {IL2Rollup} from "../../../contracts/l2/IL2Rollup.sol";
import {L2Portal} from "../../../contracts/l2/L2Portal.sol";
import {L2Rollup} from "../../../contracts/l2/L2Rollup.sol";
import {PlainERC20} from "../../../contracts/reference/PlainERC20.sol";
import {Test} from "../utils/Test.sol";
import {L2Model} from "./L2Model.sol";

/// @notice A checkpoint verifier whose final checkpoints the test sets.
contract MockCheckpointVerifier is ICheckpointVerifier {
    mapping(bytes32 domain => mapping(uint64 height => bytes32 root)) internal _final;

    function setFinal(bytes32 domain, uint64 height, bytes32 root) external {
        _final[domain][height] = root;
    }

    function submitCheckpoint(bytes32, uint64, bytes32, uint64, uint256[] calldata, bytes calldata) external pure {
        revert CheckpointBadSignature();
    }

    function isFinal(bytes32 domain, uint64 height, bytes32 root) external view returns (bool) {
        return root != bytes32(0) && _final[domain][height] == root;
    }

    function latestHeight(bytes32) external pure returns (uint64) {
        return 0;
    }

    function checkpointCount(bytes32) external pure returns (uint64) {
        return 0;
    }

    function checkpoint(bytes32, uint64) external pure returns (Checkpoint memory c) {
        return c;
    }

    function checkpointDigest(bytes32, uint64, bytes32, uint64) external pure returns (bytes32) {
        return bytes32(0);
    }

    function stakeManager() external pure returns (address) {
        return address(0);
    }
}

/// @notice forge's lastCallGas cheatcode (transaction gas under --isolate).
interface VmGasL2 {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory);
}

/// @notice Deploys the rollup the way production does (portal, five registered tokens, rollup with a sequencer,
///         portal.setRollup) with a mock checkpoint verifier, an honest Solidity model of the L2, and batch-building
///         helpers: segments are built on the model, then posted with their roots.
abstract contract L2Fixture is Test {
    event log_named_uint(string key, uint256 val);

    VmGasL2 internal constant vmg = VmGasL2(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    address internal constant GUARD = address(0x6AAD);
    address internal constant SEQ = address(0x5E0);
    uint32 internal constant NEW = type(uint32).max; // a queue hint that names no account
    address internal constant FEE = address(0xFEE);
    uint64 internal constant L2_CHAIN_ID = 42069;
    uint64 internal constant CHALLENGE = 1 hours;
    uint64 internal constant FORCE_DELAY = 50;
    uint256 internal constant MIN_BOND = 1 ether;

    L2Portal internal portal;
    L2Rollup internal rollup;
    MockCheckpointVerifier internal verifier;
    L2Model internal model;
    PlainERC20[5] internal tokens;

    // the batch being built
    bytes[] internal segs;
    bytes[] internal wits;
    bytes32[] internal roots;
    IL2Rollup.StateHeader[] internal pres;

    function _deployL2() internal {
        vm.warp(1_000_000);
        vm.roll(1000);
        portal = new L2Portal(address(this), GUARD);
        for (uint256 i = 0; i < 5; ++i) {
            tokens[i] = new PlainERC20(address(this), 1e30);
            portal.registerToken(address(tokens[i]));
        }
        verifier = new MockCheckpointVerifier();
        rollup = new L2Rollup(
            address(this),
            GUARD,
            SEQ,
            address(portal),
            FEE,
            L2_CHAIN_ID,
            CHALLENGE,
            FORCE_DELAY,
            MIN_BOND,
            address(verifier)
        );
        portal.setRollup(address(rollup));
        model = new L2Model(rollup, portal, FEE);
        vm.deal(SEQ, 100 ether);
        vm.prank(SEQ);
        rollup.depositBond{value: 10 ether}();
    }

    function _gas() internal view returns (uint256) {
        return vmg.lastCallGas().gasTotalUsed;
    }

    /// @dev A key of the model and its funded L1 address.
    function _user(uint256 seed) internal returns (address a) {
        a = model.addKey(uint256(keccak256(abi.encode("l2 user", seed))));
    }

    function _key(uint256 seed) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("l2 user", seed)));
    }

    function _deposit(address from, uint8 token, uint256 amount, address l2Recipient) internal returns (uint64 q) {
        tokens[token].transfer(from, amount);
        vm.startPrank(from);
        tokens[token].approve(address(portal), amount);
        q = portal.deposit(address(tokens[token]), amount, l2Recipient);
        vm.stopPrank();
        model.enqueued(1, l2Recipient, token, amount);
    }

    function _requestWithdrawal(address from, uint8 token, uint256 amount) internal returns (uint64 q) {
        vm.prank(from);
        q = portal.requestWithdrawal(address(tokens[token]), amount);
        model.enqueued(2, from, token, amount);
    }

    // -- batches --------------------------------------------------------------------------------------------

    function _clearBatch() internal {
        delete segs;
        delete wits;
        delete roots;
        delete pres;
    }

    function _endSegment() internal {
        (bytes memory s, bytes memory w, IL2Rollup.StateHeader memory pre, bytes32 post) = model.endSegment();
        segs.push(s);
        wits.push(w);
        pres.push(pre);
        roots.push(post);
    }

    /// @dev The gas tests' state: 40 funded accounts in batch 0 (proposed), then in a tree that holds 2**20 accounts
    ///      (the model's "filled" mode: every account proof carries 20 non-default siblings, as in a million-account
    ///      state) segment 0 (one transfer) and segment 1 (32 transfers among the 40, three account touches each),
    ///      each closed by `close` (a calldata or a blob segment).
    function _millionAccountSegments(function() internal close) internal {
        for (uint256 u = 10; u < 50; ++u) _deposit(_user(u), 0, 100e18, vm.addr(_key(u)));
        model.beginSegment();
        for (uint256 n = 0; n < 40; ++n) model.queueOp(NEW, 40);
        _endSegment();
        _propose(SEQ, 40);
        _clearBatch();
        model.fill();
        model.beginSegment();
        model.transfer(_key(10), 1, 2, 0, uint40(model.pack(1, 18)), 0);
        close();
        model.beginSegment();
        for (uint256 n = 0; n < 32; ++n) {
            uint32 from = uint32(1 + n);
            uint32 to = uint32(1 + ((n * 7 + 3) % 40));
            model.transfer(_key(10 + n), from, to, 0, uint40(model.pack(12345, 14)), uint16(model.pack(7, 15)));
        }
        close();
    }

    function _ops() internal view returns (bytes memory ops, uint32[] memory ends) {
        ends = new uint32[](segs.length);
        for (uint256 k = 0; k < segs.length; ++k) {
            ops = abi.encodePacked(ops, segs[k]);
            ends[k] = uint32(ops.length);
        }
    }

    function _propose(address proposer, uint64 queueEnd) internal returns (uint64 index) {
        (bytes memory ops, uint32[] memory ends) = _ops();
        bytes32 prev = _head();
        vm.prank(proposer);
        index = rollup.proposeBatch(ops, ends, roots, queueEnd, prev);
    }

    /// @dev Scratch for the `prevRoot` argument (set right before a `vm.prank`: a view call would consume it).
    bytes32 internal head;

    /// @dev The root a new batch must start from: the head's postRoot, or genesis (the `prevRoot` argument).
    function _head() internal view returns (bytes32) {
        uint64 count = rollup.batchCount();
        return count == 0 ? rollup.genesisRoot() : rollup.stateRoot(count - 1);
    }

    function _segmentLeaves() internal view returns (bytes32[] memory leaves) {
        leaves = new bytes32[](segs.length);
        for (uint256 k = 0; k < segs.length; ++k) leaves[k] = keccak256(abi.encode(keccak256(segs[k]), roots[k]));
    }

    function _segmentsRoot() internal view returns (bytes32) {
        (bytes32 r, ) = _segProof(_segmentLeaves(), 0);
        return r;
    }

    /// @dev Root and siblings of leaf k in the segments tree (padded with zero leaves to a power of two).
    function _segProof(bytes32[] memory leaves, uint256 k) internal pure returns (bytes32, bytes32[] memory sibs) {
        uint256 width = 1;
        uint256 depth = 0;
        while (width < leaves.length) {
            width <<= 1;
            ++depth;
        }
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < leaves.length; ++i) level[i] = leaves[i];
        sibs = new bytes32[](depth);
        for (uint256 d = 0; d < depth; ++d) {
            sibs[d] = level[k ^ 1];
            for (uint256 j = 0; j < width / 2; ++j) {
                level[j] = keccak256(abi.encodePacked(level[2 * j], level[2 * j + 1]));
            }
            width >>= 1;
            k >>= 1;
        }
        return (level[0], sibs);
    }

    /// @dev The fraud proof of segment k of the batch just built (with its honest witness and pre state).
    function _fraudProof(
        uint64 batchIndex,
        uint64 queueEnd,
        uint64 k
    ) internal view returns (IL2Rollup.FraudProof memory f) {
        bytes32[] memory leaves = _segmentLeaves();
        (bytes32 sr, bytes32[] memory sibs) = _segProof(leaves, k);
        f.batchIndex = batchIndex;
        f.segmentsRoot = sr;
        f.segmentCount = uint64(segs.length);
        f.queueEnd = queueEnd;
        f.segmentIndex = k;
        f.segment = segs[k];
        f.postRoot = roots[k];
        f.siblings = sibs;
        if (k > 0) {
            f.prevSegmentHash = keccak256(segs[k - 1]);
            f.preRoot = roots[k - 1];
            (, f.prevSiblings) = _segProof(leaves, k - 1);
        }
        f.pre = pres[k];
        f.witness = wits[k];
    }
}
