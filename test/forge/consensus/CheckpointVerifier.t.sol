// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {BLS} from "../../../contracts/consensus/BLS.sol";
import {CheckpointVerifier} from "../../../contracts/consensus/CheckpointVerifier.sol";
import {ICheckpointVerifier} from "../../../contracts/consensus/ICheckpointVerifier.sol";
import {IStakeManager} from "../../../contracts/consensus/IStakeManager.sol";
import {BLSKeys, ConsensusFixture, VmConsensus} from "./ConsensusFixture.sol";

contract CheckpointVerifierTest is ConsensusFixture {
    bytes32 internal constant ROOT = keccak256("root");

    function setUp() public {
        _requirePrague();
        _deploy();
        _registerMany(4);
        _nextEpoch();
    }

    function test_allSigningFinalizes() public {
        uint64 epoch = sm.currentEpoch();
        assertEq(epoch, 1, "epoch 1");
        bytes memory signature = _aggregateSign(_allBut(4, _none()), STATE, 5, ROOT, epoch);
        vmc.recordLogs();
        verifier.submitCheckpoint(STATE, 5, ROOT, epoch, _none(), signature);
        VmConsensus.Log[] memory logs = vmc.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertTrue(logs[0].topics[0] == ICheckpointVerifier.CheckpointFinalized.selector, "CheckpointFinalized");
        assertTrue(logs[0].topics[1] == STATE && uint256(logs[0].topics[2]) == 5, "indexed domain, height");
        (bytes32 root, uint64 e, uint64 seq, uint256 signedStake, uint256 totalStake, uint256[] memory nonSigners) =
            abi.decode(logs[0].data, (bytes32, uint64, uint64, uint256, uint256, uint256[]));
        assertTrue(root == ROOT, "event root");
        assertEq(e, epoch, "event epoch");
        assertEq(seq, 0, "event seq");
        assertEq(signedStake, 4 * MIN_STAKE, "event signed");
        assertEq(totalStake, 4 * MIN_STAKE, "event total");
        assertEq(nonSigners.length, 0, "event non-signers");

        assertTrue(verifier.isFinal(STATE, 5, ROOT), "final");
        assertTrue(!verifier.isFinal(STATE, 5, keccak256("other")), "other root");
        assertTrue(!verifier.isFinal(STATE, 4, ROOT), "other height");
        assertTrue(!verifier.isFinal(L2, 5, ROOT), "other domain");
        assertTrue(!verifier.isFinal(STATE, 6, bytes32(0)), "zero root never final");
        assertEq(verifier.latestHeight(STATE), 5, "latest");
        assertEq(verifier.checkpointCount(STATE), 1, "count");
        ICheckpointVerifier.Checkpoint memory c = verifier.checkpoint(STATE, 5);
        assertTrue(c.root == ROOT, "root");
        assertEq(c.epoch, epoch, "epoch");
        assertEq(c.seq, 0, "seq");
        assertEq(c.submittedAt, block.timestamp, "time");
        assertEq(c.signedStake, 4 * MIN_STAKE, "signed");
        assertEq(c.totalStake, 4 * MIN_STAKE, "total");
        assertTrue(c.nonSignersHash == bytes32(0), "no non-signers");
        assertEq(verifier.checkpoint(STATE, 4).submittedAt, 0, "no checkpoint at 4");
        assertEq(verifier.stakeManager(), address(sm), "stake manager");
    }

    function test_justOverTwoThirdsFinalizesExactlyTwoThirdsDoesNot() public {
        // 3 of 4 equal stakes: 3/4 > 2/3
        _submit(4, STATE, 1, ROOT, _list(2));
        ICheckpointVerifier.Checkpoint memory c = verifier.checkpoint(STATE, 1);
        assertEq(c.signedStake, 3 * MIN_STAKE, "signed");
        assertTrue(c.nonSignersHash == keccak256(abi.encodePacked(_list(2))), "non-signers hash");
        // 2 of 4: refused
        uint64 epoch = sm.currentEpoch();
        bytes memory half = _aggregateSign(_allBut(4, _list(0, 3)), STATE, 2, ROOT, epoch);
        vm.expectRevert(
            abi.encodeWithSelector(ICheckpointVerifier.CheckpointInsufficientStake.selector, 2 * MIN_STAKE, 4 * MIN_STAKE)
        );
        verifier.submitCheckpoint(STATE, 2, ROOT, epoch, _list(0, 3), half);
        // exactly 2/3: three validators of which one is gone in the next epoch, two sign
        vm.prank(_owner(3));
        sm.unbond(MIN_STAKE);
        _nextEpoch();
        epoch = sm.currentEpoch();
        assertEq(sm.totalStakeAt(epoch), 3 * MIN_STAKE, "3 left");
        bytes memory twoThirds = _aggregateSign(_list(0, 1), STATE, 2, ROOT, epoch);
        uint256[] memory nonSigners = _list(2);
        vm.expectRevert(
            abi.encodeWithSelector(ICheckpointVerifier.CheckpointInsufficientStake.selector, 2 * MIN_STAKE, 3 * MIN_STAKE)
        );
        verifier.submitCheckpoint(STATE, 2, ROOT, epoch, nonSigners, twoThirds);
        // one wei more than 2/3 is enough
        nova.transfer(_owner(0), 1);
        vm.prank(_owner(0));
        sm.topUp(1);
        _nextEpoch();
        epoch = sm.currentEpoch();
        twoThirds = _aggregateSign(_list(0, 1), STATE, 2, ROOT, epoch);
        verifier.submitCheckpoint(STATE, 2, ROOT, epoch, nonSigners, twoThirds);
        assertEq(verifier.checkpoint(STATE, 2).signedStake, 2 * MIN_STAKE + 1, "2/3 + 1 wei");
    }

    function test_stakeWeighted() public {
        // validator 0 triples its stake: 6M in total, 3M of it validator 0's
        nova.transfer(_owner(0), 2 * MIN_STAKE);
        vm.prank(_owner(0));
        sm.topUp(2 * MIN_STAKE);
        _nextEpoch();
        uint64 epoch = sm.currentEpoch();
        bytes memory withoutBig = _aggregateSign(_list(1, 2), STATE, 1, ROOT, epoch);
        uint256[] memory big = new uint256[](2);
        big[0] = 0;
        big[1] = 3;
        vm.expectRevert(
            abi.encodeWithSelector(ICheckpointVerifier.CheckpointInsufficientStake.selector, 2 * MIN_STAKE, 6 * MIN_STAKE)
        );
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, big, withoutBig);
        _submit(4, STATE, 1, ROOT, _list(3)); // 5M of 6M
        assertEq(verifier.checkpoint(STATE, 1).signedStake, 5 * MIN_STAKE, "5M");
    }

    function test_heightsStrictlyIncreasePerDomain() public {
        _submit(4, STATE, 0, ROOT, _none()); // a domain's first checkpoint may have any height, 0 included
        uint64 epoch = sm.currentEpoch();
        bytes memory again = _aggregateSign(_allBut(4, _none()), STATE, 0, keccak256("x"), epoch);
        vm.expectRevert(
            abi.encodeWithSelector(ICheckpointVerifier.CheckpointHeightNotIncreasing.selector, STATE, 0, 0)
        );
        verifier.submitCheckpoint(STATE, 0, keccak256("x"), epoch, _none(), again);
        _submit(4, STATE, 10, ROOT, _none());
        bytes memory lower = _aggregateSign(_allBut(4, _none()), STATE, 9, ROOT, epoch);
        vm.expectRevert(
            abi.encodeWithSelector(ICheckpointVerifier.CheckpointHeightNotIncreasing.selector, STATE, 9, 10)
        );
        verifier.submitCheckpoint(STATE, 9, ROOT, epoch, _none(), lower);
        // domains are independent
        _submit(4, L2, 3, ROOT, _none());
        assertEq(verifier.latestHeight(L2), 3, "l2");
        assertEq(verifier.latestHeight(STATE), 10, "state");
        assertEq(verifier.checkpoint(STATE, 10).seq, 1, "second of its domain");
        assertEq(verifier.checkpoint(L2, 3).seq, 0, "first of its domain");
    }

    function test_epochMustBeCurrentOrPrevious() public {
        // validator 4 joins in epoch 1: it is in epoch 2's set, not in epoch 1's
        _register(4, MIN_STAKE);
        bytes memory sig1 = _aggregateSign(_allBut(4, _none()), STATE, 1, ROOT, 1);
        _nextEpoch();
        assertEq(sm.currentEpoch(), 2, "epoch 2");
        // epoch 1 (the previous) is still accepted, against epoch 1's set
        bytes memory withNewcomer = _aggregateSign(_allBut(5, _list(0)), STATE, 1, ROOT, 1);
        uint256[] memory newcomerOut = _list(4);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotActive.selector, 4, 1));
        verifier.submitCheckpoint(STATE, 1, ROOT, 1, newcomerOut, withNewcomer);
        verifier.submitCheckpoint(STATE, 1, ROOT, 1, _none(), sig1);
        assertEq(verifier.checkpoint(STATE, 1).totalStake, 4 * MIN_STAKE, "epoch 1's total");
        // the current epoch needs the newcomer's signature or its listing
        bytes memory sig2 = _aggregateSign(_allBut(5, _none()), STATE, 2, ROOT, 2);
        verifier.submitCheckpoint(STATE, 2, ROOT, 2, _none(), sig2);
        assertEq(verifier.checkpoint(STATE, 2).totalStake, 5 * MIN_STAKE, "epoch 2's total");
        // a future epoch, and one two epochs back, are refused
        bytes memory future = _aggregateSign(_allBut(5, _none()), STATE, 3, ROOT, 3);
        vm.expectRevert(abi.encodeWithSelector(ICheckpointVerifier.CheckpointEpochNotRecent.selector, 3, 2));
        verifier.submitCheckpoint(STATE, 3, ROOT, 3, _none(), future);
        _nextEpoch();
        bytes memory old = _aggregateSign(_allBut(4, _none()), STATE, 3, ROOT, 1);
        vm.expectRevert(abi.encodeWithSelector(ICheckpointVerifier.CheckpointEpochNotRecent.selector, 1, 3));
        verifier.submitCheckpoint(STATE, 3, ROOT, 1, _none(), old);
    }

    function test_badSignaturesAreRefused() public {
        uint64 epoch = sm.currentEpoch();
        // signed over another root, height or epoch
        bytes memory otherRoot = _aggregateSign(_allBut(4, _none()), STATE, 1, keccak256("other"), epoch);
        vm.expectRevert(ICheckpointVerifier.CheckpointBadSignature.selector);
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), otherRoot);
        // a signer listed as signing whose signature is missing
        bytes memory threeOnly = _aggregateSign(_allBut(4, _list(1)), STATE, 1, ROOT, epoch);
        vm.expectRevert(ICheckpointVerifier.CheckpointBadSignature.selector);
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), threeOnly);
        // all four signed but one is listed as a non-signer
        bytes memory all = _aggregateSign(_allBut(4, _none()), STATE, 1, ROOT, epoch);
        vm.expectRevert(ICheckpointVerifier.CheckpointBadSignature.selector);
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _list(1), all);
        // the verifier address is part of the digest: a signature for another verifier fails here
        CheckpointVerifier other = new CheckpointVerifier(address(this), address(this), address(sm));
        uint256 sum;
        for (uint256 i = 0; i < 4; ++i) sum = addmod(sum, secretKeys[i], BLSKeys.R);
        bytes memory forOther = BLSKeys.sign(sum, other.checkpointDigest(STATE, 1, ROOT, epoch), BLS.DST_SIG);
        vm.expectRevert(ICheckpointVerifier.CheckpointBadSignature.selector);
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), forOther);
        other.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), forOther);
        // malformed signatures
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSInvalidLength.selector, 255, 256));
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), new bytes(255));
        bytes memory offCurve = bytes.concat(all);
        offCurve[255] = bytes1(uint8(offCurve[255]) ^ 1);
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, BLS.PAIRING_CHECK));
        verifier.submitCheckpoint{gas: 2_000_000}(STATE, 1, ROOT, epoch, _none(), offCurve);
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), all);
    }

    function test_inputRefusals() public {
        uint64 epoch = sm.currentEpoch();
        bytes memory sig = _aggregateSign(_allBut(4, _none()), STATE, 1, bytes32(0), epoch);
        vm.expectRevert(ICheckpointVerifier.CheckpointZeroRoot.selector);
        verifier.submitCheckpoint(STATE, 1, bytes32(0), epoch, _none(), sig);
        // the stake manager's refusals of the non-signer list come through
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNonSignersNotSorted.selector, 1));
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _list(1, 1), sig);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotActive.selector, 9, epoch));
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _list(9), sig);
        vm.expectRevert(ICheckpointVerifier.CheckpointZeroAddress.selector);
        new CheckpointVerifier(address(this), address(this), address(0));
    }

    function test_noValidatorsNothingFinal() public {
        _deploy(); // fresh contracts, nobody registered
        _nextEpoch();
        uint64 epoch = sm.currentEpoch();
        vm.expectRevert(abi.encodeWithSelector(ICheckpointVerifier.CheckpointInsufficientStake.selector, 0, 0));
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), new bytes(256));
    }

    function test_pause() public {
        uint64 epoch = sm.currentEpoch();
        bytes memory sig = _aggregateSign(_allBut(4, _none()), STATE, 1, ROOT, epoch);
        verifier.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), sig);
        address stranger = address(0x5757);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        verifier.unpause();
        verifier.unpause();
        verifier.submitCheckpoint(STATE, 1, ROOT, epoch, _none(), sig);
    }

    function test_checkpointDigestFormula() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("NovaCronCheckpoint(bytes32 domain,uint64 height,bytes32 root,uint64 epoch)"),
                block.chainid,
                address(verifier),
                STATE,
                uint64(7),
                ROOT,
                uint64(3)
            )
        );
        assertTrue(verifier.checkpointDigest(STATE, 7, ROOT, 3) == expected, "digest");
        assertTrue(
            verifier.CHECKPOINT_TYPEHASH() ==
                keccak256("NovaCronCheckpoint(bytes32 domain,uint64 height,bytes32 root,uint64 epoch)"),
            "typehash"
        );
    }
}
