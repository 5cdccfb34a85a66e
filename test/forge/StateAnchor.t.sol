// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IStateAnchor} from "../../contracts/state/IStateAnchor.sol";
import {StateAnchor} from "../../contracts/state/StateAnchor.sol";
import {UUPSProxy} from "../../contracts/security/UUPSProxy.sol";
import {Test} from "./utils/Test.sol";

/// @notice The log-recording cheatcodes these tests use beyond test/forge/utils/Test.sol's.
interface VmAnchorLogs {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}

/// @notice Merkle trees built the way the state manager builds them, written independently of the contract's
///         OpenZeppelin `MerkleProof`: leaves are `keccak256(bytes.concat(keccak256(record)))`, inner nodes hash
///         their two children in sorted order, an odd node at the end of a level moves up unchanged.
library Trees {
    /// @notice The leaf of `record`.
    function leaf(bytes memory record) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(record)));
    }

    /// @notice The records of tree `seed` with `n` leaves: the same seed gives the same first leaves, so trees
    ///         of one seed share leaves (and a repeated (seed, n) repeats the root).
    function leaves(uint256 seed, uint256 n) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            out[i] = leaf(abi.encode("vm-state", seed, i));
        }
    }

    /// @notice The root over `leaves_` and each leaf's proof (sibling hashes from the leaf up).
    function build(bytes32[] memory leaves_) internal pure returns (bytes32 root, bytes32[][] memory proofs) {
        uint256 n = leaves_.length;
        proofs = new bytes32[][](n);
        uint256[] memory pos = new uint256[](n);
        uint256[] memory len = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            proofs[i] = new bytes32[](8); // at most 2^8 leaves here
            pos[i] = i;
        }
        bytes32[] memory level = leaves_;
        while (level.length > 1) {
            bytes32[] memory next = new bytes32[]((level.length + 1) / 2);
            for (uint256 j = 0; j < next.length; ++j) {
                next[j] = 2 * j + 1 < level.length ? hashPair(level[2 * j], level[2 * j + 1]) : level[2 * j];
            }
            for (uint256 i = 0; i < n; ++i) {
                uint256 sibling = pos[i] ^ 1;
                if (sibling < level.length) proofs[i][len[i]++] = level[sibling];
                pos[i] /= 2;
            }
            level = next;
        }
        root = level[0];
        for (uint256 i = 0; i < n; ++i) {
            bytes32[] memory p = proofs[i];
            uint256 l = len[i];
            // shortens the array in place: l never exceeds the 8 slots allocated
            assembly ("memory-safe") {
                mstore(p, l)
            }
        }
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}

/// @notice Deploys a StateAnchor the way production does: the admin (the timelock there) is not an anchorer, a
///         separate guardian may pause, one operator account holds ANCHORER_ROLE.
abstract contract AnchorFixture is Test {
    StateAnchor internal anchor;
    address internal admin = address(0xAD);
    address internal guardian = address(0x6A2D);
    address internal anchorer = address(0xA2C);
    address internal stranger = address(0x5757);
    string internal constant CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    function _deployAnchor() internal {
        // as deployed: behind a UUPS proxy, initialized in the proxy's constructor
        bytes memory init = abi.encodeCall(StateAnchor.initialize, (admin, guardian));
        anchor = StateAnchor(address(new UUPSProxy(address(new StateAnchor()), init)));
        bytes32 role = anchor.ANCHORER_ROLE();
        vm.prank(admin);
        anchor.grantRole(role, anchorer);
    }
}

contract StateAnchorTest is AnchorFixture {
    VmAnchorLogs internal constant logs = VmAnchorLogs(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    function setUp() public {
        _deployAnchor();
    }

    function _anchor(bytes32 root, uint32 n) internal returns (uint256) {
        vm.prank(anchorer);
        return anchor.anchor(root, n, CID);
    }

    function test_anchorStoresTheBatchAndEmitsItsEvent() public {
        (bytes32 root,) = Trees.build(Trees.leaves(1, 5));
        vm.warp(1_700_000_000);
        logs.recordLogs();
        uint256 id = _anchor(root, 5);
        VmAnchorLogs.Log[] memory entries = logs.getRecordedLogs();
        assertEq(id, 1, "first batch is 1");
        assertEq(anchor.batchCount(), 1, "count");
        assertTrue(anchor.batchRoot(1) == root, "root by id");
        (uint256 batchId, uint64 at, uint32 leafCount) = anchor.batchOf(root);
        assertEq(batchId, 1, "id by root");
        assertEq(at, 1_700_000_000, "anchored at");
        assertEq(leafCount, 5, "leaf count");
        assertEq(entries.length, 1, "one event");
        assertEq(entries[0].emitter, address(anchor), "emitter");
        assertTrue(entries[0].topics[0] == IStateAnchor.BatchAnchored.selector, "event");
        assertEq(uint256(entries[0].topics[1]), 1, "indexed batch id");
        assertTrue(entries[0].topics[2] == root, "indexed root");
        assertTrue(keccak256(entries[0].data) == keccak256(abi.encode(uint32(5), CID)), "leaf count and CID");
        assertTrue(anchor.batchRoot(2) == bytes32(0), "no batch 2");
        (batchId, at, leafCount) = anchor.batchOf(keccak256("never anchored"));
        assertEq(batchId + at + leafCount, 0, "an unknown root reads as zeros");
    }

    function test_everyLeafVerifiesAndNothingElseDoes() public {
        for (uint256 n = 1; n <= 9; ++n) {
            bytes32[] memory leaves = Trees.leaves(n, n);
            (bytes32 root, bytes32[][] memory proofs) = Trees.build(leaves);
            uint256 id = _anchor(root, uint32(n));
            for (uint256 i = 0; i < n; ++i) {
                assertTrue(anchor.verifyRecord(id, leaves[i], proofs[i]), "member verifies");
                // a leaf is hashed twice, so an inner node never passes for a record
                assertTrue(!anchor.verifyRecord(id, keccak256(abi.encode("vm-state", n, i)), proofs[i]), "single hash");
                if (proofs[i].length > 0) {
                    bytes32[] memory tampered = proofs[i];
                    tampered[0] = bytes32(uint256(tampered[0]) ^ 1);
                    assertTrue(!anchor.verifyRecord(id, leaves[i], tampered), "tampered proof");
                }
            }
            assertTrue(!anchor.verifyRecord(id, Trees.leaf("not a record"), proofs[0]), "non-member");
        }
    }

    function test_leafOfIsTheDoubleHash() public view {
        bytes memory record = bytes('{"vm_id":"vm-12345","state":"running"}');
        assertTrue(anchor.leafOf(record) == Trees.leaf(record), "leafOf");
        assertTrue(anchor.leafOf("") == keccak256(bytes.concat(keccak256(""))), "empty record");
    }

    function test_badBatchesAreRefused() public {
        vm.startPrank(anchorer);
        vm.expectRevert(IStateAnchor.StateAnchorZeroRoot.selector);
        anchor.anchor(bytes32(0), 1, CID);
        vm.expectRevert(IStateAnchor.StateAnchorEmptyBatch.selector);
        anchor.anchor(bytes32(uint256(1)), 0, CID);
        vm.expectRevert(abi.encodeWithSelector(IStateAnchor.StateAnchorBadManifestCid.selector, 0, 128));
        anchor.anchor(bytes32(uint256(1)), 1, "");
        bytes memory long = new bytes(129);
        vm.expectRevert(abi.encodeWithSelector(IStateAnchor.StateAnchorBadManifestCid.selector, 129, 128));
        anchor.anchor(bytes32(uint256(1)), 1, string(long));
        assertEq(anchor.batchCount(), 0, "nothing anchored");
        // the longest CID accepted, and the largest batch
        anchor.anchor(bytes32(uint256(1)), type(uint32).max, string(new bytes(128)));
        vm.expectRevert(abi.encodeWithSelector(IStateAnchor.StateAnchorRootExists.selector, bytes32(uint256(1)), 1));
        anchor.anchor(bytes32(uint256(1)), 3, CID);
        vm.stopPrank();
        assertEq(anchor.batchCount(), 1, "one batch");
        (,, uint32 leafCount) = anchor.batchOf(bytes32(uint256(1)));
        assertEq(leafCount, type(uint32).max, "the first anchoring stands");
    }

    function test_unknownBatchesCannotBeVerified() public {
        bytes32[] memory proof = new bytes32[](0);
        vm.expectRevert(abi.encodeWithSelector(IStateAnchor.StateAnchorUnknownBatch.selector, 0));
        anchor.verifyRecord(0, bytes32(uint256(1)), proof);
        _anchor(bytes32(uint256(1)), 1);
        assertTrue(anchor.verifyRecord(1, bytes32(uint256(1)), proof), "a one-leaf batch: the root is the leaf");
        vm.expectRevert(abi.encodeWithSelector(IStateAnchor.StateAnchorUnknownBatch.selector, 2));
        anchor.verifyRecord(2, bytes32(uint256(1)), proof);
    }

    function test_onlyAnchorersAnchor() public {
        bytes32 role = anchor.ANCHORER_ROLE();
        address[3] memory refused = [stranger, admin, guardian];
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(refused[i]);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, refused[i], role)
            );
            anchor.anchor(bytes32(uint256(7)), 1, CID);
        }
        // the admin grants and revokes the role; nobody else can
        vm.prank(anchorer);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, anchorer, bytes32(0))
        );
        anchor.grantRole(role, stranger);
        vm.prank(admin);
        anchor.revokeRole(role, anchorer);
        vm.prank(anchorer);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, anchorer, role)
        );
        anchor.anchor(bytes32(uint256(7)), 1, CID);
        assertEq(anchor.batchCount(), 0, "nothing anchored");
    }

    function test_pauseStopsAnchoringButNotReads() public {
        bytes32[] memory leaves = Trees.leaves(3, 3);
        (bytes32 root, bytes32[][] memory proofs) = Trees.build(leaves);
        _anchor(root, 3);
        bytes32 guardianRole = anchor.GUARDIAN_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, guardianRole)
        );
        anchor.pause();
        vm.prank(guardian);
        anchor.pause();
        vm.prank(anchorer);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        anchor.anchor(bytes32(uint256(9)), 1, CID);
        assertTrue(anchor.verifyRecord(1, leaves[2], proofs[2]), "proofs work while paused");
        assertTrue(anchor.batchRoot(1) == root, "reads work while paused");
        // only the admin (the timelock in production) resumes
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        anchor.unpause();
        vm.prank(admin);
        anchor.unpause();
        assertEq(_anchor(bytes32(uint256(9)), 1), 2, "anchoring resumes with the next id");
    }
}

/// @notice Random anchorings by anchorers and by everyone else, repeats of anchored roots, malformed batches,
///         role grants and revocations, pauses and unpauses, time. Every call's outcome is checked against what the
///         handler expects (the exact revert data on refusal), and every accepted batch's event and proofs.
contract AnchorHandler is Test {
    VmAnchorLogs internal constant logs = VmAnchorLogs(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    StateAnchor public immutable anchor;
    address public immutable admin;
    address public immutable guardian;
    bytes32 public immutable role;
    string internal constant CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";

    /// Accounts that try to anchor: [0] holds the role from the start, [1] and [2] get it and lose it at random,
    /// [3] is the admin and [4] the guardian, who never hold it.
    address[5] public actors;
    mapping(address account => bool) public isAnchorer;

    // the batches as the handler saw them accepted, by id
    uint256 public batches;
    mapping(uint256 batchId => bytes32) public rootOf;
    mapping(uint256 batchId => uint64) public timeOf;
    mapping(uint256 batchId => address) public anchoredBy;
    mapping(uint256 batchId => bytes32[]) internal _leaves;
    mapping(uint256 batchId => mapping(uint256 index => bytes32[])) internal _proofs;

    bool public paused;
    uint256 public batchesAtPause;
    uint256 public refusals;
    uint256 public duplicatesRefused;
    uint256 public anchoredWithoutRole;

    constructor(StateAnchor anchor_, address admin_, address guardian_, address anchorer_) {
        anchor = anchor_;
        admin = admin_;
        guardian = guardian_;
        role = anchor_.ANCHORER_ROLE();
        actors = [anchorer_, address(0xA2C1), address(0xA2C2), admin_, guardian_];
        isAnchorer[anchorer_] = true;
    }

    /// @dev Anchors tree (seed, n) as one of the actors; seeds repeat, so repeated roots are common.
    function anchorTree(uint256 actorSeed, uint256 seed, uint256 n, uint256 when) external {
        uint256 k = actorSeed % 8;
        address actor = actors[k < 5 ? k : 0]; // the anchorer half of the time
        seed = seed % 24;
        n = bound(n, 1, 9);
        bytes32[] memory leaves = Trees.leaves(seed, n);
        (bytes32 root, bytes32[][] memory proofs) = Trees.build(leaves);
        bytes memory expected = _expectedRefusal(actor, root);
        if (expected.length != 0 && bytes4(expected) == IStateAnchor.StateAnchorRootExists.selector) {
            ++duplicatesRefused;
        }
        if (when % 4 == 0) vm.warp(block.timestamp + bound(when, 1, 1 days));
        uint256 id = _try(actor, root, uint32(n), CID, expected);
        if (id == 0) return;
        for (uint256 i = 0; i < n; ++i) {
            _proofs[id][i] = proofs[i];
            require(anchor.verifyRecord(id, leaves[i], proofs[i]), "a member of a new batch does not verify");
        }
        _leaves[id] = leaves;
    }

    /// @dev Anchors again a root that is already anchored (the resend after a crash).
    function reanchor(uint256 actorSeed, uint256 batchSeed) external {
        if (batches == 0) return;
        address actor = actors[actorSeed % 5];
        bytes32 root = rootOf[1 + batchSeed % batches];
        bytes memory expected = _expectedRefusal(actor, root);
        require(expected.length != 0, "a repeat was expected to be accepted");
        _try(actor, root, 1, CID, expected);
    }

    /// @dev Malformed batches: a zero root, no leaves, an empty or an overlong CID.
    function anchorMalformed(uint256 kind, uint256 seed) external {
        kind = kind % 4;
        bytes32 root = kind == 0 ? bytes32(0) : keccak256(abi.encode("malformed", seed));
        uint32 n = kind == 1 ? 0 : 1;
        string memory cid = kind == 2 ? "" : kind == 3 ? string(new bytes(bound(seed, 129, 300))) : CID;
        bytes memory expected = _expectedRefusal(actors[0], root);
        if (expected.length == 0) {
            if (kind == 0) {
                expected = abi.encodeWithSelector(IStateAnchor.StateAnchorZeroRoot.selector);
            } else if (kind == 1) {
                expected = abi.encodeWithSelector(IStateAnchor.StateAnchorEmptyBatch.selector);
            } else {
                expected =
                    abi.encodeWithSelector(IStateAnchor.StateAnchorBadManifestCid.selector, bytes(cid).length, 128);
            }
        }
        _try(actors[0], root, n, cid, expected);
    }

    function setAnchorer(uint256 actorSeed, bool grant) external {
        address account = actors[1 + actorSeed % 2];
        vm.prank(admin);
        if (grant) anchor.grantRole(role, account);
        else anchor.revokeRole(role, account);
        isAnchorer[account] = grant;
    }

    function pause(uint256 seed) external {
        if (seed % 3 != 0) return; // pauses are rare, so that sequences mostly run unpaused
        vm.prank(guardian);
        if (paused) {
            try anchor.pause() {
                revert("paused twice");
            } catch (bytes memory err) {
                require(keccak256(err) == keccak256(abi.encodeWithSelector(Pausable.EnforcedPause.selector)), "pause");
            }
            return;
        }
        anchor.pause();
        paused = true;
        batchesAtPause = anchor.batchCount();
    }

    function unpause() external {
        if (!paused) return;
        vm.prank(admin);
        anchor.unpause();
        paused = false;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 7 days));
        vm.roll(block.number + 1);
    }

    function leafCount(uint256 batchId) external view returns (uint256) {
        return _leaves[batchId].length;
    }

    function leafAt(uint256 batchId, uint256 index) external view returns (bytes32 leaf, bytes32[] memory proof) {
        return (_leaves[batchId][index], _proofs[batchId][index]);
    }

    /// @dev What `anchor(root, ...)` by `actor` must revert with, checked in the contract's order (role, pause,
    ///      input, repeat); empty when it must succeed (given well-formed input).
    function _expectedRefusal(address actor, bytes32 root) internal view returns (bytes memory) {
        if (!isAnchorer[actor]) {
            return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, actor, role);
        }
        if (paused) return abi.encodeWithSelector(Pausable.EnforcedPause.selector);
        (uint256 existing,,) = anchor.batchOf(root);
        if (root != bytes32(0) && existing != 0) {
            return abi.encodeWithSelector(IStateAnchor.StateAnchorRootExists.selector, root, existing);
        }
        return "";
    }

    /// @dev Calls `anchor` and checks the outcome: the exact refusal, or a new batch with the next id, its record
    ///      and its one event. Returns the new id (0 when refused).
    function _try(address actor, bytes32 root, uint32 n, string memory cid, bytes memory expected)
        internal
        returns (uint256 id)
    {
        uint256 before = anchor.batchCount();
        bool hadRole = anchor.hasRole(role, actor);
        logs.recordLogs();
        vm.prank(actor);
        try anchor.anchor(root, n, cid) returns (uint256 newId) {
            require(expected.length == 0, "an anchoring that must be refused was accepted");
            id = newId;
        } catch (bytes memory err) {
            require(keccak256(err) == keccak256(expected), "refused with the wrong error, or a valid batch refused");
            require(anchor.batchCount() == before, "a refused anchoring changed the count");
            require(logs.getRecordedLogs().length == 0, "a refused anchoring emitted an event");
            ++refusals;
            return 0;
        }
        require(id == before + 1, "batch ids are not contiguous");
        VmAnchorLogs.Log[] memory entries = logs.getRecordedLogs();
        require(entries.length == 1 && entries[0].emitter == address(anchor), "not exactly one event");
        require(entries[0].topics[0] == IStateAnchor.BatchAnchored.selector, "not BatchAnchored");
        require(uint256(entries[0].topics[1]) == id && entries[0].topics[2] == root, "event id or root");
        require(keccak256(entries[0].data) == keccak256(abi.encode(n, cid)), "event leaf count or CID");
        if (!hadRole) ++anchoredWithoutRole;
        batches = id;
        rootOf[id] = root;
        timeOf[id] = uint64(block.timestamp);
        anchoredBy[id] = actor;
    }
}

contract StateAnchorInvariantTest is AnchorFixture {
    AnchorHandler internal handler;
    uint256 internal checks;

    function setUp() public {
        _deployAnchor();
        handler = new AnchorHandler(anchor, admin, guardian, anchorer);
        targetContract(address(handler));
    }

    /// Batch ids run 1..batchCount with no gap; each id has a root, each root exactly its id (so no root is
    /// anchored twice), with the time and size it was anchored with; nothing exists past the count.
    function invariant_batchesAreContiguousAndEachRootAnchoredOnce() public view {
        uint256 count = anchor.batchCount();
        assertEq(count, handler.batches(), "batchCount != batches accepted");
        for (uint256 id = 1; id <= count; ++id) {
            bytes32 root = anchor.batchRoot(id);
            assertTrue(root != bytes32(0) && root == handler.rootOf(id), "root of a batch");
            (uint256 batchId, uint64 at, uint32 n) = anchor.batchOf(root);
            assertEq(batchId, id, "a root maps back to another batch");
            assertEq(at, handler.timeOf(id), "anchoredAt");
            assertEq(n, handler.leafCount(id), "leafCount");
            assertTrue(at <= block.timestamp, "anchored in the future");
            if (id > 1) assertGe(at, handler.timeOf(id - 1), "a later batch anchored earlier");
        }
        assertTrue(anchor.batchRoot(count + 1) == bytes32(0), "a root past the count");
        assertTrue(anchor.batchRoot(0) == bytes32(0), "a root at id 0");
    }

    /// Every anchored batch proves its members (one per batch per check, rotating) and nothing else: not a record
    /// outside it, not another batch's member; a batch id not anchored cannot be asked about.
    function invariant_everyAnchoredRootIsVerifiable() public view {
        uint256 count = anchor.batchCount();
        for (uint256 id = 1; id <= count; ++id) {
            uint256 n = handler.leafCount(id);
            (bytes32 leaf, bytes32[] memory proof) = handler.leafAt(id, (id + block.timestamp) % n);
            assertTrue(anchor.verifyRecord(id, leaf, proof), "an anchored record does not verify");
            assertTrue(!anchor.verifyRecord(id, Trees.leaf(abi.encode("outsider", id)), proof), "an outsider verifies");
            if (id < count) assertTrue(!anchor.verifyRecord(id + 1, leaf, proof), "verifies in another batch");
        }
        bytes32[] memory none = new bytes32[](0);
        try anchor.verifyRecord(count + 1, bytes32(uint256(1)), none) returns (bool) {
            revert("a batch that was never anchored answered");
        } catch (bytes memory err) {
            assertTrue(
                keccak256(err)
                    == keccak256(abi.encodeWithSelector(IStateAnchor.StateAnchorUnknownBatch.selector, count + 1)),
                "unknown batch error"
            );
        }
    }

    /// Only accounts holding ANCHORER_ROLE at the time anchored; the admin and the guardian never did.
    function invariant_onlyAnchorersAnchored() public view {
        assertEq(handler.anchoredWithoutRole(), 0, "anchored without ANCHORER_ROLE");
        for (uint256 id = 1; id <= handler.batches(); ++id) {
            address by = handler.anchoredBy(id);
            assertTrue(by != admin && by != guardian, "the admin or the guardian anchored");
        }
        assertTrue(!anchor.hasRole(anchor.ANCHORER_ROLE(), admin), "the admin became an anchorer");
        assertTrue(!anchor.hasRole(anchor.ANCHORER_ROLE(), guardian), "the guardian became an anchorer");
    }

    /// While paused, the batch count stays what it was when the pause began.
    function invariant_nothingIsAnchoredWhilePaused() public view {
        assertTrue(anchor.paused() == handler.paused(), "paused flag");
        if (handler.paused()) assertEq(anchor.batchCount(), handler.batchesAtPause(), "anchored while paused");
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.anchorTree(0, 1, 4, 0); // the anchorer, after a warp
        handler.anchorTree(5, 1, 4, 1); // the anchorer, the same tree again: refused as a repeat
        handler.reanchor(0, 0);
        handler.anchorTree(2, 2, 3, 1); // actor 2 without the role: refused
        handler.setAnchorer(1, true); // grants actor 2
        handler.anchorTree(4, 3, 5, 1); // the guardian: refused
        handler.anchorTree(3, 3, 5, 1); // the admin: refused
        handler.anchorMalformed(0, 0);
        handler.anchorMalformed(1, 0);
        handler.anchorMalformed(2, 0);
        handler.anchorMalformed(3, 0);
        handler.pause(0);
        handler.pause(3); // already paused: refused
        handler.anchorTree(2, 5, 2, 1); // paused
        handler.unpause();
        handler.anchorTree(2, 5, 2, 1);
        handler.warp(1);
        assertEq(handler.batches(), 2, "two batches");
        assertEq(handler.duplicatesRefused(), 1, "one repeat counted by anchorTree");
        assertEq(handler.refusals(), 10, "ten refusals");
        invariant_batchesAreContiguousAndEachRootAnchoredOnce();
        invariant_everyAnchoredRootIsVerifiable();
        invariant_onlyAnchorersAnchored();
        invariant_nothingIsAnchoredWhilePaused();
    }
}
