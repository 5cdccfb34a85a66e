// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IL2Rollup} from "../../../contracts/l2/IL2Rollup.sol";
import {BlobFixture} from "./BlobFixture.sol";
import {L2Fixture} from "./L2Fixture.sol";

/// @notice The blob cheatcodes (not in test/forge/utils/Test.sol): the transaction's blob versioned hashes, and
///         event expectations.
interface VmBlobs {
    function blobhashes(bytes32[] calldata hashes) external;
    function expectEmit() external;
}

/// @notice Blob batches (docs/l2-blobs.md): op bodies in calldata, signatures in EIP-4844 blobs. Proposal (the blob
///         count, the 5-field commitment, BlobsPosted), honest batches refused as fraud (with and without an opened
///         signature), a forged signature in a blob slot proven with real KZG openings through the point-evaluation
///         precompile, a wrong root, bad openings, proofs of the other batch kind, and the gas figures. The blobs and
///         openings are in BlobFixture.sol, written by blob_fixture.py from the payloads the `test_blobFixture_*`
///         tests print (`.venv/bin/python test/forge/l2/blob_fixture.py` after a change to these scenarios).
///         Not under `--isolate`: it drops the blob hashes of vm.blobhashes and moves the deployment addresses (so the
///         EIP-712 domain, and the fixture's signatures with it); the gas tests (`test_blobGas_*`, apart from the
///         `test_gas_*` ones run isolated) report execution gas and compute the calldata gas themselves.
contract L2RollupBlobsTest is L2Fixture {
    event log_named_bytes(string key, bytes val);

    VmBlobs internal constant vmb = VmBlobs(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    address internal constant CHALLENGER = address(0xC4A1);
    uint64 internal constant NONE = type(uint64).max;
    uint256 internal constant CAPPED = 3_000_000;

    address internal alice;
    address internal bob;
    address internal carol;

    // the 64-byte signature slots of each segment of the blob batch being built
    bytes[] internal slots;

    function setUp() public {
        _deployL2();
        alice = _user(1);
        bob = _user(2);
        carol = _user(3);
    }

    // -- helpers --------------------------------------------------------------------------------------------

    /// @dev Deposits for alice (CPU, NOVA) and bob (CPU) in a calldata batch 0: accounts 1 (alice) and 2 (bob).
    function _fundedBatch0() internal {
        _deposit(alice, 0, 1_000e18, alice);
        _deposit(alice, 4, 50e18, alice);
        _deposit(bob, 0, 10e18, bob);
        model.beginSegment();
        model.queueOp(NEW, 3);
        model.queueOp(1, 3);
        model.queueOp(NEW, 3);
        _endSegment();
        _propose(SEQ, 3);
        _clearBatch();
    }

    /// @dev Ends the model's segment in the blob form: the body segment goes where the fixture keeps segments.
    function _endBlobSegment() internal {
        (bytes memory b, bytes memory w, IL2Rollup.StateHeader memory pre, bytes32 post, bytes memory s) = model
            .endBodySegment();
        segs.push(b);
        wits.push(w);
        pres.push(pre);
        roots.push(post);
        slots.push(s);
    }

    function _clearBlobBatch() internal {
        _clearBatch();
        delete slots;
    }

    /// @dev The blob payload of the batch built: segment k's slots at 64 * 32k.
    function _payload() internal view returns (bytes memory p) {
        for (uint256 k = 0; k < slots.length; ++k) {
            p = abi.encodePacked(p, slots[k]);
            if (k + 1 < slots.length) p = abi.encodePacked(p, new bytes(2048 - slots[k].length));
        }
    }

    function _one(bytes32 h) internal pure returns (bytes32[] memory a) {
        a = new bytes32[](1);
        a[0] = h;
    }

    function _fakeBlobs(uint256 m) internal pure returns (bytes32[] memory a) {
        a = new bytes32[](m);
        for (uint256 i = 0; i < m; ++i) a[i] = bytes32((uint256(1) << 248) | (i + 1));
    }

    function _proposeBlob(address proposer, uint64 queueEnd, bytes32[] memory hashes) internal returns (uint64 i) {
        (bytes memory ops, uint32[] memory ends) = _ops();
        bytes32 prev = _head();
        vmb.blobhashes(hashes);
        vm.prank(proposer);
        i = rollup.proposeBlobBatch(ops, ends, roots, queueEnd, prev);
    }

    function _noSig(bytes32 blob) internal pure returns (IL2Rollup.BlobSignature memory) {
        return IL2Rollup.BlobSignature(_one(blob), NONE, "");
    }

    function _sigAt(bytes32 blob, uint64 k, uint64 j) internal pure returns (IL2Rollup.BlobSignature memory) {
        return IL2Rollup.BlobSignature(_one(blob), j, BlobFixture.opening(blob, 32 * k + j));
    }

    /// @dev Prints the payload (blob_fixture.py reads it) and checks the fixture was built from it.
    function _checkPayload(string memory name, bytes32 expected) internal {
        bytes memory p = _payload();
        emit log_named_bytes(string.concat("blob payload ", name), p);
        assertTrue(
            keccak256(p) == expected,
            "BlobFixture.sol is stale: run .venv/bin/python test/forge/l2/blob_fixture.py"
        );
    }

    // -- scenarios (the fixture's blobs carry their payloads) -------------------------------------------------

    /// @dev Batch 1, three segments of every op kind, every signature that is checked valid; returns its queueEnd.
    function _honestBlobBatch() internal returns (uint64 queueEnd) {
        _fundedBatch0();
        _deposit(carol, 1, 3e18, carol); // item 3: a new account for carol (4: 0xD00D takes 3 first)
        _deposit(carol, 1, 2e18, alice); // item 4: for alice, credited at her hint
        _requestWithdrawal(bob, 0, 1e18); // item 5: bob's forced withdrawal
        queueEnd = 6;
        uint40 one = uint40(model.pack(1, 18));
        uint16 fee = uint16(model.pack(3, 15));
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, one, fee); // slot 0: valid
        model.transfer(_key(1), 1, 1, 0, one, fee); // to self: valid
        model.transferNew(_key(1), 1, address(0xD00D), 4, uint40(model.pack(2, 18)), fee); // valid
        model.queueOp(NEW, queueEnd);
        _endBlobSegment();
        model.beginSegment();
        model.queueOp(1, queueEnd); // item 4 at alice's index
        model.queueOp(2, queueEnd); // forced withdrawal of bob at 2
        model.withdraw(_key(2), 2, 0, uint40(model.pack(2, 18)), fee); // slot 34: valid
        model.withdraw(_key(2), 2, 0, uint40(model.pack(9, 30)), fee); // too much: no signature check
        model.transfer(_key(1), 1, 9, 0, one, fee); // to out of range: nothing
        model.transfer(_key(1), 1, 2, 7, one, fee); // unregistered token: nothing
        model.transfer(_key(1), 0, 2, 0, one, 0); // from the fee account, above its balance: no signature check
        _endBlobSegment();
        model.beginSegment();
        model.transfer(_key(2), 2, 0, 0, uint40(model.pack(1, 17)), 0); // to the fee account, zero fee: valid
        model.queueOp(NEW, queueEnd); // beyond queueEnd: no-op
        _endBlobSegment();
    }

    function _forgedOps() internal {
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, uint40(model.pack(1, 18)), uint16(model.pack(3, 15))); // valid
        model.transfer(_key(2), 1, 2, 0, uint40(model.pack(2, 18)), uint16(model.pack(3, 15))); // slot 1: bob signs
        model.transfer(_key(2), 2, 1, 0, uint40(model.pack(1, 18)), 0); // valid
    }

    /// @dev Batch 1, one segment whose op 1 (alice's transfer) carries bob's signature in its slot; roots as the
    ///      bodies' state transition gives them (a sequencer that skipped the check). The model's state is rolled
    ///      back to before the segment.
    function _forgedBlobBatch() internal {
        _fundedBatch0();
        model.takeSnapshot();
        model.setAssumeValid(true);
        _forgedOps();
        _endBlobSegment();
        model.setAssumeValid(false);
        model.restoreSnapshot();
    }

    /// @dev The calldata gas test's state (`_millionAccountSegments`) with blob segments 0 and 1.
    function _gasBlobBatch() internal {
        _millionAccountSegments(_endBlobSegment);
    }

    function test_blobFixture_honest() public {
        _honestBlobBatch();
        _checkPayload("honest", BlobFixture.HONEST_PAYLOAD);
    }

    function test_blobFixture_forged() public {
        _forgedBlobBatch();
        _checkPayload("forged", BlobFixture.FORGED_PAYLOAD);
    }

    function test_blobFixture_gas() public {
        _gasBlobBatch();
        _checkPayload("gas", BlobFixture.GAS_PAYLOAD);
    }

    // -- proposal -------------------------------------------------------------------------------------------

    function test_proposeBlob_commitmentAndEvents() public {
        uint64 queueEnd = _honestBlobBatch();
        (bytes memory ops, uint32[] memory ends) = _ops();
        bytes32 prev = _head();
        bytes32[] memory hashes = _one(BlobFixture.HONEST_BLOB);
        bytes32 sr = _segmentsRoot();
        vmb.blobhashes(hashes);
        vmb.expectEmit();
        emit IL2Rollup.BatchProposed(1, roots[2], sr, 3, queueEnd, SEQ);
        vmb.expectEmit();
        emit IL2Rollup.BlobsPosted(1, hashes);
        vm.prank(SEQ);
        assertEq(rollup.proposeBlobBatch(ops, ends, roots, queueEnd, prev), 1, "batch 1");
        emit log_named_uint("proposeBlobBatch gas (3 segments, 1 blob)", _gas());
        IL2Rollup.Batch memory b = rollup.batch(1);
        bytes32 blobsHash = keccak256(abi.encodePacked(hashes));
        assertTrue(
            b.commitment == keccak256(abi.encode(sr, uint64(3), prev, queueEnd, blobsHash)),
            "5-field commitment"
        );
        assertTrue(b.postRoot == roots[2] && b.postRoot == model.root(), "post root");
        assertEq(b.queueEnd, queueEnd, "queueEnd");
    }

    function test_proposeBlob_refusals() public {
        _fundedBatch0();
        segs.push(hex"0400000000");
        roots.push(keccak256("r"));
        (bytes memory ops, uint32[] memory ends) = _ops();
        bytes32 prev = _head();
        // no blob, two blobs, for one segment
        vmb.blobhashes(new bytes32[](0));
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadBlobs.selector, uint256(1)));
        rollup.proposeBlobBatch(ops, ends, roots, 3, prev);
        vmb.blobhashes(_fakeBlobs(2));
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadBlobs.selector, uint256(1)));
        rollup.proposeBlobBatch(ops, ends, roots, 3, prev);
        // the segment checks are proposeBatch's
        vmb.blobhashes(new bytes32[](0));
        vm.prank(SEQ);
        vm.expectRevert(IL2Rollup.RollupBadSegments.selector);
        rollup.proposeBlobBatch(hex"", new uint32[](0), new bytes32[](0), 3, prev);
        vmb.blobhashes(_fakeBlobs(1));
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupWrongHead.selector, prev, bytes32(0)));
        rollup.proposeBlobBatch(ops, ends, roots, 3, bytes32(0));
        // paused
        vm.prank(GUARD);
        rollup.pause();
        vm.prank(SEQ);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        rollup.proposeBlobBatch(ops, ends, roots, 3, prev);
        rollup.unpause();
        // 63 segments need two blobs
        _clearBlobBatch();
        for (uint256 k = 0; k < 63; ++k) {
            segs.push(hex"0400000000");
            roots.push(keccak256(abi.encode("r", k)));
        }
        (ops, ends) = _ops();
        vmb.blobhashes(_fakeBlobs(1));
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadBlobs.selector, uint256(2)));
        rollup.proposeBlobBatch(ops, ends, roots, 3, prev);
        vmb.blobhashes(_fakeBlobs(2));
        vm.prank(SEQ);
        assertEq(rollup.proposeBlobBatch(ops, ends, roots, 3, prev), 1, "two blobs for 63 segments");
    }

    // -- fraud proofs ---------------------------------------------------------------------------------------

    function test_blobFraud_honestBatchIsNoFraud() public {
        uint64 queueEnd = _honestBlobBatch();
        uint64 i = _proposeBlob(SEQ, queueEnd, _one(BlobFixture.HONEST_BLOB));
        for (uint64 k = 0; k < 3; ++k) {
            IL2Rollup.FraudProof memory f = _fraudProof(i, queueEnd, k);
            // the contract's body replay agrees with the model's
            IL2Rollup.StateHeader memory post = rollup.replayBlobSegment(f.pre, f.segment, f.witness, queueEnd);
            assertTrue(keccak256(abi.encode(post)) == roots[k], "body replay reproduces the model's root");
            vm.expectRevert(IL2Rollup.RollupNoFraud.selector);
            rollup.proveBlobFraud(f, _noSig(BlobFixture.HONEST_BLOB));
        }
        // a valid signature opened: still no fraud (a transfer, a withdrawal)
        IL2Rollup.FraudProof memory f0 = _fraudProof(i, queueEnd, 0);
        vm.expectRevert(IL2Rollup.RollupNoFraud.selector);
        rollup.proveBlobFraud(f0, _sigAt(BlobFixture.HONEST_BLOB, 0, 0));
        IL2Rollup.FraudProof memory f1 = _fraudProof(i, queueEnd, 1);
        vm.expectRevert(IL2Rollup.RollupNoFraud.selector);
        rollup.proveBlobFraud(f1, _sigAt(BlobFixture.HONEST_BLOB, 1, 2));
        assertEq(rollup.batchCount(), 2, "nothing deleted");
    }

    function test_blobFraud_forgedSignature_deletesBatchAndDescendants() public {
        _forgedBlobBatch();
        uint64 bad = _proposeBlob(SEQ, 3, _one(BlobFixture.FORGED_BLOB));
        IL2Rollup.FraudProof memory f = _fraudProof(bad, 3, 0);
        // the bodies alone are consistent: without the signature no fraud
        vm.expectRevert(IL2Rollup.RollupNoFraud.selector);
        rollup.proveBlobFraud(f, _noSig(BlobFixture.FORGED_BLOB));
        // a descendant built on it
        _clearBlobBatch();
        segs.push(hex"0400000000");
        roots.push(keccak256("descendant"));
        _propose(SEQ, 3);
        assertEq(rollup.batchCount(), 3, "three batches");
        // the challenger's witness: op 1 invalid (its real signature does not recover alice)
        _forgedOps();
        (, bytes memory w, , , ) = model.endBodySegment();
        f.witness = w;
        IL2Rollup.BlobSignature memory sig = _sigAt(BlobFixture.FORGED_BLOB, 0, 1);
        vm.prank(CHALLENGER);
        rollup.proveBlobFraud(f, sig);
        emit log_named_uint("proveBlobFraud gas (forged signature at op 1, 3 openings)", _gas());
        assertEq(rollup.batchCount(), 1, "bad batch and descendant deleted");
        assertEq(CHALLENGER.balance, 5 ether, "half the bond to the challenger");
        (uint256 bond, ) = rollup.bondOf(SEQ);
        assertEq(bond, 0, "proposer's bond slashed");
        assertEq(rollup.slashed(), 5 ether, "rest locked");
    }

    function test_blobFraud_wrongRoot_deletedWithoutSignature() public {
        uint64 queueEnd = _honestBlobBatch();
        roots[1] = keccak256("a wrong root");
        uint64 bad = _proposeBlob(SEQ, queueEnd, _one(BlobFixture.HONEST_BLOB));
        IL2Rollup.FraudProof memory f = _fraudProof(bad, queueEnd, 1);
        vm.prank(CHALLENGER);
        rollup.proveBlobFraud(f, _noSig(BlobFixture.HONEST_BLOB));
        emit log_named_uint("proveBlobFraud gas (wrong root, mixed segment, no signature)", _gas());
        assertEq(rollup.batchCount(), 1, "deleted");
        assertEq(CHALLENGER.balance, 5 ether, "half the bond to the challenger");
    }

    function test_blobFraud_queueEndMismatch() public {
        _fundedBatch0();
        _deposit(carol, 1, 3e18, carol);
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, uint40(model.pack(1, 18)), 0);
        _endBlobSegment();
        // every root honest, but queueEnd claims item 3 was consumed
        uint64 i = _proposeBlob(SEQ, 4, _fakeBlobs(1));
        vm.prank(CHALLENGER);
        rollup.proveBlobFraud(_fraudProof(i, 4, 0), _noSig(_fakeBlobs(1)[0]));
        assertEq(rollup.batchCount(), 1, "deleted");
    }

    function test_blobFraud_badOpenings() public {
        uint64 queueEnd = _honestBlobBatch();
        roots[0] = keccak256("wrong");
        uint64 bad = _proposeBlob(SEQ, queueEnd, _one(BlobFixture.HONEST_BLOB));
        IL2Rollup.FraudProof memory f = _fraudProof(bad, queueEnd, 0);
        // a y changed (element 0), a proof byte changed (element 1): the precompile refuses (a failed precompile
        // call burns the gas it was given: the calls are capped)
        IL2Rollup.BlobSignature memory sig = _sigAt(BlobFixture.HONEST_BLOB, 0, 0);
        sig.openings[31] = bytes1(uint8(sig.openings[31]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadOpening.selector, uint256(0)));
        rollup.proveBlobFraud{gas: CAPPED}(f, sig);
        sig = _sigAt(BlobFixture.HONEST_BLOB, 0, 0);
        sig.openings[128 + 127] = bytes1(uint8(sig.openings[128 + 127]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadOpening.selector, uint256(1)));
        rollup.proveBlobFraud{gas: CAPPED}(f, sig);
        // the openings of slot 34 (elements 70..72) for op 0 (elements 0..2): refused at element 0
        sig = _sigAt(BlobFixture.HONEST_BLOB, 1, 2);
        sig.op = 0;
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadOpening.selector, uint256(0)));
        rollup.proveBlobFraud{gas: CAPPED}(f, sig);
        // openings against another blob (its versioned hash is not the commitment's): refused at element 0
        sig = _sigAt(BlobFixture.FORGED_BLOB, 0, 1);
        sig.blobHashes[0] = BlobFixture.HONEST_BLOB;
        sig.op = 0;
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadOpening.selector, uint256(0)));
        rollup.proveBlobFraud{gas: CAPPED}(f, sig);
        // malformed: short openings, an op position past the segment, a slot past the blobs, other blob hashes
        sig = _sigAt(BlobFixture.HONEST_BLOB, 0, 0);
        bytes memory shortOpenings = new bytes(256);
        sig.openings = shortOpenings;
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveBlobFraud{gas: CAPPED}(f, sig);
        sig = _sigAt(BlobFixture.HONEST_BLOB, 0, 0);
        sig.op = 32;
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveBlobFraud{gas: CAPPED}(f, sig);
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveBlobFraud(f, _noSig(BlobFixture.FORGED_BLOB));
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveBlobFraud(f, IL2Rollup.BlobSignature(new bytes32[](0), NONE, ""));
        // the right openings prove the wrong root
        vm.prank(CHALLENGER);
        rollup.proveBlobFraud(f, _sigAt(BlobFixture.HONEST_BLOB, 0, 0));
        assertEq(rollup.batchCount(), 1, "deleted");
    }

    /// @notice A proof of one batch kind never checks against a batch of the other (4- vs 5-field commitments).
    function test_blobFraud_kindsDoNotMix() public {
        uint64 queueEnd = _honestBlobBatch();
        roots[0] = keccak256("wrong");
        uint64 blobBatch = _proposeBlob(SEQ, queueEnd, _one(BlobFixture.HONEST_BLOB));
        IL2Rollup.FraudProof memory f = _fraudProof(blobBatch, queueEnd, 0);
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveFraud(f);
        // a calldata batch on top of it
        _clearBlobBatch();
        segs.push(hex"0400000000");
        roots.push(keccak256("calldata"));
        wits.push("");
        pres.push(model.header());
        uint64 cdBatch = _propose(SEQ, queueEnd);
        IL2Rollup.FraudProof memory g = _fraudProof(cdBatch, queueEnd, 0);
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveBlobFraud(g, _noSig(BlobFixture.HONEST_BLOB));
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveBlobFraud(g, IL2Rollup.BlobSignature(new bytes32[](0), NONE, ""));
        assertEq(rollup.batchCount(), 3, "nothing deleted");
    }

    // -- gas ------------------------------------------------------------------------------------------------

    /// @notice proveBlobFraud of a full segment on a million-account tree with a signature check: 32 transfers,
    ///         a wrong root, the signature of op 14 opened (slot 46: four field elements, the most a slot spans).
    function test_blobGas_fraudProofFullSegment() public {
        _gasBlobBatch();
        roots[1] = keccak256("wrong");
        uint64 bad = _proposeBlob(SEQ, 40, _one(BlobFixture.GAS_BLOB));
        IL2Rollup.FraudProof memory f = _fraudProof(bad, 40, 1);
        IL2Rollup.BlobSignature memory sig = _sigAt(BlobFixture.GAS_BLOB, 1, 14);
        assertEq(sig.openings.length, 4 * 128, "four openings");
        emit log_named_uint("blob fraud proof witness bytes (32 transfers, 2**20 accounts)", f.witness.length);
        emit log_named_uint("blob fraud proof calldata bytes", abi.encodeCall(rollup.proveBlobFraud, (f, sig)).length);
        vm.prank(CHALLENGER);
        rollup.proveBlobFraud(f, sig);
        uint256 g = _gas();
        emit log_named_uint("proveBlobFraud gas (32 transfers, 2**20 accounts, 4 openings)", g);
        assertLe(g, 3_000_000, "blob fraud proof under 3M gas");
        assertEq(rollup.batchCount(), 1, "deleted");
    }

    /// @dev `n` transfer bodies (17 bytes) in segments of 32, made-up roots, indices over 1,000,000 accounts and
    ///      amounts of 4 significant digits (the calldata profile 0 of L2Rollup.t.sol without the signatures).
    function _bigBodyBatch(
        uint256 n
    ) internal view returns (bytes memory ops, uint32[] memory ends, bytes32[] memory rs) {
        uint256 segments = (n + 31) / 32;
        ends = new uint32[](segments);
        rs = new bytes32[](segments);
        ops = new bytes(17 * n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 h = uint256(keccak256(abi.encode("tx", i)));
            bytes memory op = abi.encodePacked(
                uint8(1),
                uint32(1 + (h % 1_000_000)),
                uint32(1 + ((h >> 32) % 1_000_000)),
                uint8((h >> 64) % 4),
                uint40(model.pack(1 + ((h >> 80) % 9_999), 14)),
                uint16(model.pack(1 + ((h >> 100) % 99), 13))
            );
            for (uint256 b = 0; b < 17; ++b) ops[17 * i + b] = op[b];
            if ((i + 1) % 32 == 0 || i + 1 == n) {
                ends[i / 32] = uint32(17 * (i + 1));
                rs[i / 32] = keccak256(abi.encode("root", i));
            }
        }
    }

    /// @notice L1 gas per transfer of proposeBlobBatch for full blobs (1,984 transfers = 62 segments per blob): the
    ///         execution gas, the calldata gas (Cancun 16/4 per byte) and the EIP-7623 floor (Prague: 10 per token),
    ///         and the blob gas (131,072 per blob, its own fee market).
    function test_blobGas_proposeBlobBatchPerTransfer() public {
        _fundedBatch0();
        uint256[2] memory sizes = [uint256(1984), 3968];
        for (uint256 x = 0; x < 2; ++x) {
            uint256 n = sizes[x];
            (bytes memory ops, uint32[] memory ends, bytes32[] memory rs) = _bigBodyBatch(n);
            bytes32 prev = _head();
            bytes memory data = abi.encodeCall(rollup.proposeBlobBatch, (ops, ends, rs, 3, prev));
            uint256 zeros = 0;
            for (uint256 i = 0; i < data.length; ++i) if (data[i] == 0) ++zeros;
            uint256 tokens = zeros + 4 * (data.length - zeros);
            uint256 m = (ends.length + 61) / 62;
            vmb.blobhashes(_fakeBlobs(m));
            vm.prank(SEQ);
            rollup.proposeBlobBatch(ops, ends, rs, 3, prev);
            uint256 g = _gas();
            uint256 execution = g; // not isolated: the call's execution gas
            string memory label = string.concat("transfers: ", Strings.toString(n), ", blobs: ", Strings.toString(m));
            emit log_named_uint(string.concat("proposeBlobBatch execution gas per transfer, ", label), execution / n);
            emit log_named_uint("  calldata gas per transfer (Cancun, 16/4)", (4 * tokens) / n);
            emit log_named_uint("  EIP-7623 floor per transfer (Prague, 10 per token)", (10 * tokens) / n);
            uint256 standard = 4 * tokens + execution;
            uint256 prague = 21_000 + (standard > 10 * tokens ? standard : 10 * tokens);
            emit log_named_uint("  Prague tx gas per transfer (21000 + max(standard, floor))", prague / n);
            emit log_named_uint("  blob gas per transfer", (131_072 * m) / n);
            emit log_named_uint("  calldata bytes per transfer x100", (data.length * 100) / n);
        }
    }
}
