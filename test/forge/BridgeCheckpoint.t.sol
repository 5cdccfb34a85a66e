// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IBridge} from "../../contracts/crosschain/IBridge.sol";
import {Bridge} from "../../contracts/crosschain/Bridge.sol";
import {WrappedResourceToken} from "../../contracts/crosschain/WrappedResourceToken.sol";
import {PlainERC20} from "../../contracts/reference/PlainERC20.sol";
import {TwoBridgeHandler, TwoBridgeInvariants, TwoBridges} from "./Bridge.t.sol";

/// @notice A stand-in for the CheckpointVerifier: `isFinal` answers what the test finalized (the real verifier and its
///         BLS checkpoints are in BridgeCheckpointGas.t.sol and the Python tests).
contract FinalRoots {
    mapping(bytes32 domain => mapping(uint64 height => bytes32 root)) public roots;

    function finalize(bytes32 domain, uint64 height, bytes32 root) external {
        roots[domain][height] = root;
    }

    function isFinal(bytes32 domain, uint64 height, bytes32 root) external view returns (bool) {
        return root != bytes32(0) && roots[domain][height] == root;
    }
}

/// @notice Message roots as anyone computes them: sorted-pair keccak256 (OpenZeppelin MerkleProof), built level by
///         level (an odd node moves up unpaired).
library MessageTree {
    function leaf(IBridge.Message memory m) internal pure returns (bytes32) {
        return keccak256(abi.encode(m));
    }

    function _pair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < next.length; ++i) {
            next[i] = 2 * i + 1 < level.length ? _pair(level[2 * i], level[2 * i + 1]) : level[2 * i];
        }
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        bytes32[] memory level = leaves;
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](64);
        uint256 n;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) out[n++] = level[sibling];
            level = _up(level);
            index /= 2;
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }
}

/// @notice The checkpoint attestation path: a message is delivered with a Merkle proof against a final checkpoint of
///         its source's message roots; every other root, domain, height, proof, route and second delivery refused.
contract BridgeCheckpointTest is TwoBridges {
    FinalRoots internal verifierA;
    FinalRoots internal verifierB;
    uint64 internal constant CHAIN_C = 1003;

    function setUp() public {
        _deployBridges(PAUSER, ALICE, 1_000e18, 500e18);
        verifierA = new FinalRoots();
        verifierB = new FinalRoots();
        a.setCheckpointVerifier(address(verifierA));
        b.setCheckpointVerifier(address(verifierB));
        vm.prank(ALICE);
        token.approve(address(a), type(uint256).max);
    }

    /// @dev a copy (a memory struct assigned to another variable is the same struct)
    function _copy(IBridge.Message memory m) internal pure returns (IBridge.Message memory) {
        return IBridge.Message(
            m.sourceChainId, m.targetChainId, m.nonce, m.tokenChainId, m.token, m.amount, m.sender, m.recipient
        );
    }

    /// @dev three messages A -> B in one root, finalized on B at `height`
    function _threeInARoot(uint64 height) internal returns (IBridge.Message[] memory ms, bytes32[] memory leaves) {
        ms = new IBridge.Message[](3);
        leaves = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) {
            ms[i] = _send(CHAIN_B, (i + 1) * 1e18);
            leaves[i] = MessageTree.leaf(ms[i]);
        }
        verifierB.finalize(b.checkpointDomain(CHAIN_A), height, MessageTree.root(leaves));
    }

    function test_domainAndLeafAreThePublishedOnes() public view {
        assertTrue(a.checkpointDomain(1001) == keccak256("bridge:1001"), "bridge:<source chain id>");
        assertTrue(
            a.checkpointDomain(type(uint64).max) == keccak256("bridge:18446744073709551615"),
            "uint64 max"
        );
        IBridge.Message memory m = IBridge.Message(1, 2, 3, 1, address(token), 5, ALICE, BOB);
        assertTrue(a.messageLeaf(m) == keccak256(abi.encode(m)), "leaf");
        assertEq(a.checkpointVerifier(), address(verifierA), "verifier");
    }

    function test_deliveredByCheckpointBothWays() public {
        (IBridge.Message[] memory ms, bytes32[] memory leaves) = _threeInARoot(100);
        bytes32 root = MessageTree.root(leaves);
        vmc.chainId(CHAIN_B);
        for (uint256 i = 0; i < 3; ++i) b.deliverWithCheckpoint(ms[i], 100, root, MessageTree.proof(leaves, i));
        WrappedResourceToken w = WrappedResourceToken(b.wrappedOf(CHAIN_A, address(token)));
        assertEq(w.balanceOf(BOB), 6e18, "minted 1 + 2 + 3");
        assertTrue(b.isDelivered(CHAIN_A, 2), "delivered");
        // back: burn on B, released on A by a checkpoint of B's roots on A's verifier
        vm.prank(BOB);
        uint64 nonce = b.send(address(w), 4e18, CHAIN_A, ALICE);
        IBridge.Message memory back = IBridge.Message(CHAIN_B, CHAIN_A, nonce, CHAIN_A, address(token), 4e18, BOB, ALICE);
        bytes32 leaf = MessageTree.leaf(back);
        verifierA.finalize(keccak256("bridge:1002"), 7, leaf); // a root of one leaf is the leaf
        vmc.chainId(CHAIN_A);
        uint256 before = token.balanceOf(ALICE);
        a.deliverWithCheckpoint(back, 7, leaf, new bytes32[](0));
        assertEq(token.balanceOf(ALICE) - before, 4e18, "released");
        assertEq(a.locked(CHAIN_B, address(token)), 2e18, "lock follows the supply");
    }

    function test_wrongDomainHeightRootOrProofRefused() public {
        (IBridge.Message[] memory ms, bytes32[] memory leaves) = _threeInARoot(100);
        bytes32 root = MessageTree.root(leaves);
        bytes32[] memory proof = MessageTree.proof(leaves, 1);
        bytes32 domain = b.checkpointDomain(CHAIN_A);
        vmc.chainId(CHAIN_B);
        // the same root final under another domain (the plain "bridge", another source) proves nothing here
        FinalRoots elsewhere = new FinalRoots();
        elsewhere.finalize(keccak256("bridge"), 100, root);
        elsewhere.finalize(keccak256("bridge:1003"), 100, root);
        elsewhere.finalize(keccak256("state"), 100, root);
        b.setCheckpointVerifier(address(elsewhere));
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, domain, 100, root));
        b.deliverWithCheckpoint(ms[1], 100, root, proof);
        b.setCheckpointVerifier(address(verifierB));
        // another height, a root that is not final
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, domain, 101, root));
        b.deliverWithCheckpoint(ms[1], 101, root, proof);
        bytes32 other = keccak256("not final");
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, domain, 100, other));
        b.deliverWithCheckpoint(ms[1], 100, other, proof);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, domain, 100, bytes32(0)));
        b.deliverWithCheckpoint(ms[1], 100, bytes32(0), proof);
        // the proof of another leaf, a tampered amount or recipient, a truncated proof
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotInCheckpoint.selector, leaves[1], root));
        b.deliverWithCheckpoint(ms[1], 100, root, MessageTree.proof(leaves, 0));
        IBridge.Message memory more = _copy(ms[1]);
        more.amount = 1_000e18;
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotInCheckpoint.selector, MessageTree.leaf(more), root));
        b.deliverWithCheckpoint(more, 100, root, proof);
        IBridge.Message memory thief = _copy(ms[1]);
        thief.recipient = address(0xBAD);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotInCheckpoint.selector, MessageTree.leaf(thief), root));
        b.deliverWithCheckpoint(thief, 100, root, proof);
        bytes32[] memory shorter = new bytes32[](1);
        shorter[0] = proof[0];
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotInCheckpoint.selector, leaves[1], root));
        b.deliverWithCheckpoint(ms[1], 100, root, shorter);
        assertTrue(!b.isDelivered(CHAIN_A, ms[1].nonce), "nothing delivered");
        b.deliverWithCheckpoint(ms[1], 100, root, proof);
        assertTrue(b.isDelivered(CHAIN_A, ms[1].nonce), "the right proof delivers");
    }

    function test_otherRouteAndReplayRefused() public {
        // one root holding a message A -> C (another route) and one A -> B
        IBridge.Message memory toC = _send(CHAIN_C, 1e18);
        IBridge.Message memory toB = _send(CHAIN_B, 2e18);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = MessageTree.leaf(toC);
        leaves[1] = MessageTree.leaf(toB);
        bytes32 root = MessageTree.root(leaves);
        verifierB.finalize(b.checkpointDomain(CHAIN_A), 50, root);
        vmc.chainId(CHAIN_B);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeWrongChain.selector, CHAIN_C));
        b.deliverWithCheckpoint(toC, 50, root, MessageTree.proof(leaves, 0));
        // the A -> B message claimed as coming from C (another route into B): C's domain has no such root
        IBridge.Message memory fromC = _copy(toB);
        fromC.sourceChainId = CHAIN_C;
        fromC.tokenChainId = CHAIN_C;
        vm.expectRevert(
            abi.encodeWithSelector(IBridge.BridgeCheckpointNotFinal.selector, keccak256("bridge:1003"), 50, root)
        );
        b.deliverWithCheckpoint(fromC, 50, root, MessageTree.proof(leaves, 1));
        // the root final on chain B's verifier is not final on chain A's (the digest binds the chain)
        b.deliverWithCheckpoint(toB, 50, root, MessageTree.proof(leaves, 1));
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeAlreadyDelivered.selector, CHAIN_A, toB.nonce));
        b.deliverWithCheckpoint(toB, 50, root, MessageTree.proof(leaves, 1));
        // a later (cumulative) root holding it again: still once
        verifierB.finalize(b.checkpointDomain(CHAIN_A), 60, leaves[1]);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeAlreadyDelivered.selector, CHAIN_A, toB.nonce));
        b.deliverWithCheckpoint(toB, 60, leaves[1], new bytes32[](0));
        // back to guardians (the admin's fallback): a guardian quorum cannot deliver it a second time either
        b.setCheckpointVerifier(address(0));
        bytes[] memory sigs = _sigs(b.deliveryDigest(toB), THRESHOLD);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeAlreadyDelivered.selector, CHAIN_A, toB.nonce));
        b.deliver(toB, sigs);
    }

    function test_onePathAtATime() public {
        IBridge.Message memory m = _send(CHAIN_B, 1e18);
        bytes32 leaf = MessageTree.leaf(m);
        vmc.chainId(CHAIN_B);
        bytes[] memory sigs = _sigs(b.deliveryDigest(m), THRESHOLD);
        // the validator set attests on B: a guardian quorum does not
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeCheckpointRequired.selector, address(verifierB)));
        b.deliver(m, sigs);
        // only the admin changes the verifier
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, BOB, bytes32(0))
        );
        vm.prank(BOB);
        b.setCheckpointVerifier(address(0));
        // without a verifier the checkpoint path is closed and guardians deliver
        b.setCheckpointVerifier(address(0));
        verifierB.finalize(b.checkpointDomain(CHAIN_A), 1, leaf);
        vm.expectRevert(IBridge.BridgeNoCheckpointVerifier.selector);
        b.deliverWithCheckpoint(m, 1, leaf, new bytes32[](0));
        b.deliver(m, sigs);
        assertTrue(b.isDelivered(CHAIN_A, m.nonce), "guardians delivered");
    }

    function test_pausedRefusesCheckpointDelivery() public {
        IBridge.Message memory m = _send(CHAIN_B, 1e18);
        bytes32 leaf = MessageTree.leaf(m);
        verifierB.finalize(b.checkpointDomain(CHAIN_A), 1, leaf);
        vmc.chainId(CHAIN_B);
        vm.prank(guardians[0]);
        b.guardianPause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        b.deliverWithCheckpoint(m, 1, leaf, new bytes32[](0));
        b.unpause();
        b.deliverWithCheckpoint(m, 1, leaf, new bytes32[](0));
    }

    function test_delayedMessageOnlyOnceReleased() public {
        // a large transfer is delayed on A: nothing is published, so no honest root holds it; released, the next root does
        IBridge.Message memory m = _send(CHAIN_B, 600e18);
        (IBridge.Outbound st, uint64 releaseAt) = a.outbound(m.nonce);
        assertTrue(st == IBridge.Outbound.Delayed, "delayed");
        vm.warp(releaseAt);
        a.releaseDelayed(m);
        bytes32 leaf = MessageTree.leaf(m);
        verifierB.finalize(b.checkpointDomain(CHAIN_A), 9, leaf);
        vmc.chainId(CHAIN_B);
        b.deliverWithCheckpoint(m, 9, leaf, new bytes32[](0));
        assertEq(WrappedResourceToken(b.wrappedOf(CHAIN_A, address(token))).balanceOf(BOB), 600e18, "minted");
    }
}

/// @notice Random sends both ways, delayed releases and cancellations, and deliveries by checkpoint: each delivery
///         finalizes a new cumulative root of everything published on that route so far and proves one pending
///         message against it, then tries the same delivery again (and again against the previous root).
contract CheckpointBridgeHandler is TwoBridgeHandler {
    FinalRoots internal immutable verifierA;
    FinalRoots internal immutable verifierB;

    mapping(bytes32 leaf => bool) internal done;
    uint64 internal height;

    constructor(
        Bridge a_,
        Bridge b_,
        FinalRoots va,
        FinalRoots vb,
        PlainERC20 token_,
        uint256[] memory keys_,
        address[] memory guardians_
    ) TwoBridgeHandler(a_, b_, token_, keys_, guardians_) {
        verifierA = va;
        verifierB = vb;
    }

    function deliver(uint256 index, bool toB) external {
        IBridge.Message[] storage q = toB ? publishedAB : publishedBA;
        if (q.length == 0) return;
        index %= q.length;
        bytes32[] memory leaves = new bytes32[](q.length);
        for (uint256 i = 0; i < q.length; ++i) leaves[i] = MessageTree.leaf(q[i]);
        if (done[leaves[index]]) return;
        bytes32 root = MessageTree.root(leaves);
        bytes32[] memory proof = MessageTree.proof(leaves, index);
        Bridge target = toB ? b : a;
        FinalRoots verifier = toB ? verifierB : verifierA;
        ++height;
        verifier.finalize(target.checkpointDomain(toB ? CHAIN_A : CHAIN_B), height, root);
        vmc.chainId(toB ? CHAIN_B : CHAIN_A);
        target.deliverWithCheckpoint(q[index], height, root, proof);
        done[leaves[index]] = true;
        ++deliveries;
        try target.deliverWithCheckpoint(q[index], height, root, proof) {
            ++doubleDeliveries;
        } catch {}
        // the message proven with the other direction's domain, or with a flipped route, is refused too
        IBridge.Message memory flipped = q[index];
        (flipped.sourceChainId, flipped.targetChainId) = (flipped.targetChainId, flipped.sourceChainId);
        try target.deliverWithCheckpoint(flipped, height, root, proof) {
            ++doubleDeliveries;
        } catch {}
    }
}

/// @notice The bridge's invariants hold on the checkpoint path: what B minted never exceeds what A locked for the
///         route, A holds exactly what it locked, no message is delivered twice.
contract BridgeCheckpointInvariantTest is TwoBridgeInvariants {
    function setUp() public {
        _deployBridges(address(0), address(this), 1_000e18, 250e18);
        FinalRoots va = new FinalRoots();
        FinalRoots vb = new FinalRoots();
        a.setCheckpointVerifier(address(va));
        b.setCheckpointVerifier(address(vb));
        _useHandler(new CheckpointBridgeHandler(a, b, va, vb, token, keys, guardians));
    }
}
