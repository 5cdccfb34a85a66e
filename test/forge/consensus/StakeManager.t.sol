// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {BLS} from "../../../contracts/consensus/BLS.sol";
import {IStakeManager} from "../../../contracts/consensus/IStakeManager.sol";
import {StakeManager} from "../../../contracts/consensus/StakeManager.sol";
import {BLSKeys, ConsensusFixture} from "./ConsensusFixture.sol";

contract StakeManagerTest is ConsensusFixture {
    address internal stranger = address(0x5757);
    address internal reporter = address(0xBEEF);

    function setUp() public {
        _requirePrague();
        _deploy();
    }

    // -- registration ------------------------------------------------------------------------------------------

    function test_registerSchedulesWeightForTheNextEpoch() public {
        uint256 index = _register(0, MIN_STAKE + 5);
        address owner = _owner(0);
        bytes memory pubkey = BLSKeys.pubkey(BLSKeys.secretKey(0));
        assertEq(index, 0, "first index");
        assertEq(sm.validatorCount(), 1, "count");
        assertEq(sm.currentEpoch(), 0, "epoch 0");
        assertEq(sm.stakeAt(0, 0), 0, "no weight in the current epoch");
        assertEq(sm.stakeAt(0, 1), MIN_STAKE + 5, "weight from the next");
        assertEq(sm.totalStakeAt(0), 0, "total now");
        assertEq(sm.totalStakeAt(1), MIN_STAKE + 5, "total next");
        assertEq(sm.activeValidatorCount(), 0, "active now");
        assertEq(sm.activeValidatorCountAt(1), 1, "active next");
        assertTrue(keccak256(sm.aggregatePubkeyAt(0)) == keccak256(new bytes(128)), "no key now");
        assertTrue(keccak256(sm.aggregatePubkeyAt(1)) == keccak256(pubkey), "aggregate = the key");
        assertTrue(keccak256(sm.pubkeyOf(0)) == keccak256(pubkey), "pubkeyOf");
        IStakeManager.Validator memory v = sm.validator(0);
        assertEq(v.owner, owner, "owner");
        assertEq(v.signer, owner, "signer");
        assertTrue(keccak256(v.pubkey) == keccak256(pubkey), "validator.pubkey");
        assertEq(v.bonded, MIN_STAKE + 5, "bonded");
        assertEq(v.unbonding, 0, "unbonding");
        assertEq(v.rejoinEpoch, 1, "rejoin epoch");
        assertTrue(!v.jailed && !v.tombstoned, "status");
        assertEq(sm.indexOf(owner), 0, "indexOf");
        assertTrue(sm.isRegistered(owner) && !sm.isRegistered(stranger), "isRegistered");
        assertEq(nova.balanceOf(address(sm)), MIN_STAKE + 5, "stake held");
        assertTrue(sm.underDecentralised(), "1 < minValidators");
        _nextEpoch();
        assertEq(sm.currentEpoch(), 1, "epoch 1");
        assertEq(sm.activeValidatorCount(), 1, "active");
        assertEq(sm.stakeAt(0, 1), MIN_STAKE + 5, "weight now");
    }

    function test_aggregateKeyIsTheSumOfTheActiveKeys() public {
        _registerMany(3);
        uint256 sum = addmod(addmod(secretKeys[0], secretKeys[1], BLSKeys.R), secretKeys[2], BLSKeys.R);
        assertTrue(keccak256(sm.aggregatePubkeyAt(1)) == keccak256(BLSKeys.pubkey(sum)), "sum of 3 keys");
        _nextEpoch();
        vm.prank(_owner(1));
        sm.unbond(MIN_STAKE);
        sum = addmod(secretKeys[0], secretKeys[2], BLSKeys.R);
        assertTrue(keccak256(sm.aggregatePubkeyAt(2)) == keccak256(BLSKeys.pubkey(sum)), "validator 1 left");
        assertEq(sm.activeValidatorCountAt(2), 2, "2 active");
        assertEq(sm.activeValidatorCountAt(1), 3, "epoch 1 unchanged");
        (bytes memory key, uint256 signedStake, uint256 totalStake) = sm.signingSet(1, _list(1));
        assertTrue(keccak256(key) == keccak256(BLSKeys.pubkey(sum)), "signing set without 1");
        assertEq(signedStake, 2 * MIN_STAKE, "signed");
        assertEq(totalStake, 3 * MIN_STAKE, "total");
    }

    function test_registerRefusals() public {
        uint256 sk = BLSKeys.secretKey(7);
        address owner = _owner(7);
        bytes memory pubkey = BLSKeys.pubkey(sk);
        bytes memory pop = _pop(sk, owner, owner);
        nova.transfer(owner, 10 * MIN_STAKE);
        vm.prank(owner);
        nova.approve(address(sm), type(uint256).max);

        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerZeroAddress.selector);
        sm.register(address(0), pubkey, pop, MIN_STAKE);

        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerStakeBelowMinimum.selector, MIN_STAKE - 1, MIN_STAKE)
        );
        sm.register(owner, pubkey, pop, MIN_STAKE - 1);

        bytes memory short = new bytes(127);
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerInvalidPubkey.selector);
        sm.register(owner, short, pop, MIN_STAKE);

        bytes memory padded = bytes.concat(pubkey);
        padded[0] = 0x01;
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerInvalidPubkey.selector);
        sm.register(owner, padded, pop, MIN_STAKE);
        padded = bytes.concat(pubkey);
        padded[70] = 0x01;
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerInvalidPubkey.selector);
        sm.register(owner, padded, pop, MIN_STAKE);

        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerInvalidPubkey.selector);
        sm.register(owner, new bytes(128), new bytes(256), MIN_STAKE);

        // a key that is not a curve point: the pairing refuses it (gas-limited: a failing precompile burns its gas)
        bytes memory offCurve = bytes.concat(pubkey);
        offCurve[127] = bytes1(uint8(offCurve[127]) ^ 1);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, BLS.PAIRING_CHECK));
        sm.register{gas: 2_000_000}(owner, offCurve, pop, MIN_STAKE);

        // proofs of possession: made for another owner (a replay), another signer, with the checkpoint DST, or by
        // another key
        bytes memory replayed = _pop(sk, stranger, owner);
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerBadProofOfPossession.selector);
        sm.register(owner, pubkey, replayed, MIN_STAKE);
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerBadProofOfPossession.selector);
        sm.register(stranger, pubkey, pop, MIN_STAKE);
        bytes memory sigDst = BLSKeys.sign(sk, sm.popMessage(owner, owner, pubkey), BLS.DST_SIG);
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerBadProofOfPossession.selector);
        sm.register(owner, pubkey, sigDst, MIN_STAKE);
        bytes memory otherKey = BLSKeys.sign(sk + 1, sm.popMessage(owner, owner, pubkey), BLS.DST_POP);
        vm.prank(owner);
        vm.expectRevert(IStakeManager.StakeManagerBadProofOfPossession.selector);
        sm.register(owner, pubkey, otherKey, MIN_STAKE);

        vm.prank(owner);
        sm.register(owner, pubkey, pop, MIN_STAKE);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerAlreadyRegistered.selector, owner, 0));
        sm.register(owner, pubkey, pop, MIN_STAKE);

        // the same key by another owner, with a proof of possession made for that owner
        bytes memory popForStranger = _pop(sk, stranger, stranger);
        nova.transfer(stranger, MIN_STAKE);
        vm.prank(stranger);
        nova.approve(address(sm), type(uint256).max);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerPubkeyTaken.selector, 0));
        sm.register(stranger, pubkey, popForStranger, MIN_STAKE);
    }

    function test_validatorSetFull() public {
        IStakeManager.Parameters memory p = _parameters();
        p.maxValidators = 2;
        sm.setParameters(p);
        _registerMany(2);
        uint256 sk = BLSKeys.secretKey(2);
        bytes memory pubkey = BLSKeys.pubkey(sk);
        bytes memory pop = _pop(sk, _owner(2), _owner(2));
        nova.transfer(_owner(2), MIN_STAKE);
        vm.prank(_owner(2));
        nova.approve(address(sm), type(uint256).max);
        vm.prank(_owner(2));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerValidatorSetFull.selector, 2));
        sm.register(_owner(2), pubkey, pop, MIN_STAKE);
        // a seat frees up once a validator leaves (from the next epoch's set)
        vm.prank(_owner(0));
        sm.unbond(MIN_STAKE);
        vm.prank(_owner(2));
        sm.register(_owner(2), pubkey, pop, MIN_STAKE);
        // and the one that left cannot come back while the set is full
        vm.prank(_owner(0));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerValidatorSetFull.selector, 2));
        sm.topUp(MIN_STAKE);
    }

    // -- top-up, unbond, withdraw ------------------------------------------------------------------------------

    function test_topUp() public {
        _register(0, MIN_STAKE);
        _nextEpoch();
        nova.transfer(_owner(0), 5 * NOVA);
        vm.prank(_owner(0));
        sm.topUp(5 * NOVA);
        assertEq(sm.stakeAt(0, 1), MIN_STAKE, "current epoch unchanged");
        assertEq(sm.stakeAt(0, 2), MIN_STAKE + 5 * NOVA, "next epoch");
        assertEq(sm.totalStakeAt(2), MIN_STAKE + 5 * NOVA, "total next");
        assertEq(sm.validator(0).bonded, MIN_STAKE + 5 * NOVA, "bonded");

        vm.prank(_owner(0));
        vm.expectRevert(IStakeManager.StakeManagerZeroAmount.selector);
        sm.topUp(0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotRegistered.selector, stranger));
        sm.topUp(1);

        // a fully unbonded validator comes back only with at least the minimum
        vm.prank(_owner(0));
        sm.unbond(MIN_STAKE + 5 * NOVA);
        nova.transfer(_owner(0), MIN_STAKE);
        vm.prank(_owner(0));
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerStakeBelowMinimum.selector, MIN_STAKE - 1, MIN_STAKE)
        );
        sm.topUp(MIN_STAKE - 1);
        _nextEpoch();
        vm.prank(_owner(0));
        sm.topUp(MIN_STAKE);
        assertEq(sm.stakeAt(0, 2), 0, "left in epoch 2");
        assertEq(sm.stakeAt(0, 3), MIN_STAKE, "back from epoch 3");
        assertEq(sm.validator(0).rejoinEpoch, 3, "new stretch");
    }

    function test_unbondAndWithdraw() public {
        _register(0, 3 * MIN_STAKE);
        address owner = _owner(0);
        vm.startPrank(owner);
        vm.expectRevert(IStakeManager.StakeManagerZeroAmount.selector);
        sm.unbond(0);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerUnbondExceedsBonded.selector, 3 * MIN_STAKE + 1, 3 * MIN_STAKE)
        );
        sm.unbond(3 * MIN_STAKE + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerStakeBelowMinimum.selector, MIN_STAKE - 1, MIN_STAKE)
        );
        sm.unbond(2 * MIN_STAKE + 1);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNothingToWithdraw.selector, 0));
        sm.withdraw();

        uint256 t0 = block.timestamp;
        sm.unbond(MIN_STAKE);
        IStakeManager.Validator memory v = sm.validator(0);
        assertEq(v.bonded, 2 * MIN_STAKE, "bonded");
        assertEq(v.unbonding, MIN_STAKE, "unbonding");
        assertEq(v.withdrawableAt, t0 + UNBONDING, "withdrawable at");
        assertEq(sm.stakeAt(0, 1), 2 * MIN_STAKE, "weight drops from the next epoch");

        vm.warp(t0 + UNBONDING - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerWithdrawTooEarly.selector, 0, uint64(t0 + UNBONDING))
        );
        sm.withdraw();
        // a second unbond merges and restarts the clock
        sm.unbond(MIN_STAKE);
        assertEq(sm.validator(0).unbonding, 2 * MIN_STAKE, "merged");
        assertEq(sm.validator(0).withdrawableAt, t0 + 2 * UNBONDING - 1, "clock restarted");
        vm.warp(t0 + UNBONDING);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.StakeManagerWithdrawTooEarly.selector, 0, uint64(t0 + 2 * UNBONDING - 1)
            )
        );
        sm.withdraw();
        vm.warp(t0 + 2 * UNBONDING - 1);
        uint256 before = nova.balanceOf(owner);
        assertEq(sm.withdraw(), 2 * MIN_STAKE, "paid");
        assertEq(nova.balanceOf(owner) - before, 2 * MIN_STAKE, "received");
        assertEq(sm.validator(0).unbonding, 0, "nothing left");
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNothingToWithdraw.selector, 0));
        sm.withdraw();
        vm.stopPrank();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotRegistered.selector, stranger));
        sm.unbond(1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotRegistered.selector, stranger));
        sm.withdraw();
    }

    /// The weight slot answers for the last two changes; older epochs come from the history trace.
    function test_weightHistoryAcrossSeveralChanges() public {
        _register(0, MIN_STAKE); // epoch 0: weight from 1
        nova.transfer(_owner(0), 10 * MIN_STAKE);
        vm.startPrank(_owner(0));
        sm.topUp(MIN_STAKE); // same epoch: rewrites epoch 1's weight
        _nextEpoch();
        sm.topUp(MIN_STAKE); // epoch 1: weight from 2
        _nextEpoch();
        sm.unbond(2 * MIN_STAKE); // epoch 2: weight from 3
        _nextEpoch();
        _nextEpoch();
        sm.topUp(4 * MIN_STAKE); // epoch 4: weight from 5
        vm.stopPrank();
        uint256[7] memory expected = [uint256(0), 2 * MIN_STAKE, 3 * MIN_STAKE, MIN_STAKE, MIN_STAKE, 5 * MIN_STAKE, 5 * MIN_STAKE];
        uint256[7] memory totals = expected;
        for (uint64 e = 0; e < 7; ++e) {
            assertEq(sm.stakeAt(0, e), expected[e], "stakeAt");
            assertEq(sm.totalStakeAt(e), totals[e], "totalStakeAt");
        }
    }

    // -- slashing ----------------------------------------------------------------------------------------------

    function _doubleSign(uint256 index, uint64 height) internal view returns (bytes memory a, bytes memory b) {
        a = _signOne(index, STATE, height, bytes32(uint256(0xA)), 1);
        b = _signOne(index, STATE, height, bytes32(uint256(0xB)), 2);
    }

    function test_doubleSignIsSlashedOnceAndTombstoned() public {
        _registerMany(4);
        address owner = _owner(2);
        _nextEpoch();
        (bytes memory a, bytes memory b) = _doubleSign(2, 7);
        uint256 stake = MIN_STAKE;
        uint256 slashed = (stake * 1000 + 9999) / 10_000;
        uint256 reward = slashed / 10;
        vm.prank(reporter);
        sm.reportDoubleSign(2, STATE, 7, bytes32(uint256(0xA)), 1, a, bytes32(uint256(0xB)), 2, b);
        assertEq(nova.balanceOf(reporter), reward, "reporter reward");
        assertEq(nova.balanceOf(TREASURY), slashed - reward, "treasury");
        IStakeManager.Validator memory v = sm.validator(2);
        assertTrue(v.tombstoned, "tombstoned");
        assertEq(v.bonded, 0, "nothing bonded");
        assertEq(v.unbonding, stake - slashed, "the rest unbonds");
        assertEq(v.withdrawableAt, block.timestamp + UNBONDING, "after the unbonding period");
        assertEq(sm.stakeAt(2, 1), stake, "the current epoch's set is fixed");
        assertEq(sm.stakeAt(2, 2), 0, "no weight from the next epoch");
        assertEq(sm.totalStakeAt(2), 3 * MIN_STAKE, "total next");
        assertEq(nova.balanceOf(address(sm)), 4 * MIN_STAKE - slashed, "tokens held");

        // the same evidence, or any other, cannot slash it again
        vm.prank(reporter);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerTombstoned.selector, 2));
        sm.reportDoubleSign(2, STATE, 7, bytes32(uint256(0xA)), 1, a, bytes32(uint256(0xB)), 2, b);
        // a tombstoned validator cannot come back
        nova.transfer(owner, MIN_STAKE);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerTombstoned.selector, 2));
        sm.topUp(MIN_STAKE);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerTombstoned.selector, 2));
        sm.unjail();
        // its remaining stake comes out after the unbonding period
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(owner);
        assertEq(sm.withdraw(), stake - slashed, "remaining stake withdrawn");
    }

    function test_slashingCoversUnbondingStake() public {
        _register(0, 3 * MIN_STAKE);
        vm.prank(_owner(0));
        sm.unbond(MIN_STAKE + 1);
        (bytes memory a, bytes memory b) = _doubleSign(0, 1);
        vm.prank(reporter);
        sm.reportDoubleSign(0, STATE, 1, bytes32(uint256(0xA)), 1, a, bytes32(uint256(0xB)), 2, b);
        uint256 slashed = (3 * MIN_STAKE * 1000 + 9999) / 10_000;
        assertEq(nova.balanceOf(reporter) + nova.balanceOf(TREASURY), slashed, "10% of bonded + unbonding");
        assertEq(sm.validator(0).unbonding, 3 * MIN_STAKE - slashed, "rest unbonding");
    }

    function test_doubleSignEvidenceRefusals() public {
        _registerMany(2);
        (bytes memory a, bytes memory b) = _doubleSign(0, 3);
        bytes32 rootA = bytes32(uint256(0xA));
        bytes32 rootB = bytes32(uint256(0xB));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerEvidenceSameRoot.selector, rootA));
        sm.reportDoubleSign(0, STATE, 3, rootA, 1, a, rootA, 1, a);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownValidator.selector, 9, 2));
        sm.reportDoubleSign(9, STATE, 3, rootA, 1, a, rootB, 2, b);
        // another validator's signatures, or the wrong height, domain or epoch, prove nothing
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadEvidenceSignature.selector, 0));
        sm.reportDoubleSign(1, STATE, 3, rootA, 1, a, rootB, 2, b);
        bytes memory b1 = _signOne(1, STATE, 3, rootB, 2);
        bytes memory a1 = _signOne(1, STATE, 3, rootA, 1);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadEvidenceSignature.selector, 1));
        sm.reportDoubleSign(1, STATE, 3, rootA, 1, a1, rootB, 2, b);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadEvidenceSignature.selector, 0));
        sm.reportDoubleSign(1, STATE, 4, rootA, 1, a1, rootB, 2, b1);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadEvidenceSignature.selector, 0));
        sm.reportDoubleSign(1, L2, 3, rootA, 1, a1, rootB, 2, b1);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadEvidenceSignature.selector, 1));
        sm.reportDoubleSign(1, STATE, 3, rootA, 1, a1, rootB, 3, b1);
        // without a verifier there is no digest to check against
        StakeManager bare = new StakeManager(address(this), address(this), address(nova), EPOCH, _parameters());
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownValidator.selector, 0, 0));
        bare.reportDoubleSign(0, STATE, 3, rootA, 1, a, rootB, 2, b);
    }

    function test_verifierNotSet() public {
        StakeManager bare = new StakeManager(address(this), address(this), address(nova), EPOCH, _parameters());
        uint256 sk = BLSKeys.secretKey(1);
        bytes memory pubkey = BLSKeys.pubkey(sk);
        bytes memory pop = BLSKeys.sign(sk, bare.popMessage(address(this), address(this), pubkey), BLS.DST_POP);
        nova.approve(address(bare), MIN_STAKE);
        bare.register(address(this), pubkey, pop, MIN_STAKE);
        bytes memory sig = BLSKeys.sign(sk, bytes32(0), BLS.DST_SIG);
        vm.expectRevert(IStakeManager.StakeManagerVerifierNotSet.selector);
        bare.reportDoubleSign(0, STATE, 3, bytes32(uint256(1)), 1, sig, bytes32(uint256(2)), 2, sig);
        vm.expectRevert(IStakeManager.StakeManagerVerifierNotSet.selector);
        bare.jail(0, STATE, new uint64[](4), new uint256[][](4));
    }

    // -- downtime ----------------------------------------------------------------------------------------------

    /// Four validators; epoch 1; checkpoints 1..4 of STATE; validator 3 misses 1, 2 and 4.
    function _downtimeSetup() internal returns (uint64[] memory heights, uint256[][] memory lists) {
        _registerMany(4);
        _nextEpoch();
        heights = new uint64[](4);
        lists = new uint256[][](4);
        for (uint256 k = 0; k < 4; ++k) {
            heights[k] = uint64(k + 1);
            lists[k] = k == 2 ? _none() : _list(3);
            _submit(4, STATE, heights[k], bytes32(k + 100), lists[k]);
        }
    }

    function test_jailForDowntimeAndUnjail() public {
        (uint64[] memory heights, uint256[][] memory lists) = _downtimeSetup();
        vm.prank(reporter);
        sm.jail(3, STATE, heights, lists);
        IStakeManager.Validator memory v = sm.validator(3);
        assertTrue(v.jailed, "jailed");
        assertEq(v.jailedUntil, block.timestamp + JAIL, "until");
        assertEq(sm.stakeAt(3, 1), MIN_STAKE, "current set fixed");
        assertEq(sm.stakeAt(3, 2), 0, "no weight next epoch");
        assertEq(sm.activeValidatorCountAt(2), 3, "3 active next");

        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerAlreadyJailed.selector, 3));
        sm.jail(3, STATE, heights, lists);
        vm.prank(_owner(0));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotJailed.selector, 0));
        sm.unjail();
        vm.prank(_owner(3));
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerJailNotOver.selector, 3, uint64(block.timestamp + JAIL))
        );
        sm.unjail();
        vm.warp(block.timestamp + JAIL);
        vm.prank(_owner(3));
        sm.unjail();
        uint64 next = sm.currentEpoch() + 1;
        assertEq(sm.stakeAt(3, next), MIN_STAKE, "weight back next epoch");
        assertEq(sm.validator(3).rejoinEpoch, next, "new stretch");
        // the old proof cannot jail it again
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerWindowBeforeRejoin.selector, 0, uint64(1), next)
        );
        sm.jail(3, STATE, heights, lists);
    }

    function test_downtimeProofRefusals() public {
        (uint64[] memory heights, uint256[][] memory lists) = _downtimeSetup();
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownValidator.selector, 4, 4));
        sm.jail(4, STATE, heights, lists);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadDowntimeWindow.selector, 3, 4, 4));
        sm.jail(3, STATE, _slice(heights, 3), lists);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerBadDowntimeWindow.selector, 4, 0, 4));
        sm.jail(3, STATE, heights, new uint256[][](0));
        // validator 0 signed all four: nothing proven
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerEnoughSigned.selector, 4, 4));
        sm.jail(0, STATE, heights, lists);
        // a list that is not the one the checkpoint was accepted with
        uint256[][] memory forged = _copy(lists);
        forged[2] = _list(3);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNonSignersMismatch.selector, 2));
        sm.jail(3, STATE, heights, forged);
        // checkpoints that do not exist, or are not consecutive
        uint64[] memory bad = _copy(heights);
        bad[1] = 99;
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownCheckpoint.selector, STATE, 99));
        sm.jail(3, STATE, bad, lists);
        bad = _copy(heights);
        (bad[1], bad[2]) = (bad[2], bad[1]);
        uint256[][] memory swapped = _copy(lists);
        (swapped[1], swapped[2]) = (swapped[2], swapped[1]);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerWindowNotConsecutive.selector, 1));
        sm.jail(3, STATE, bad, swapped);
        // another domain has no such checkpoints
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownCheckpoint.selector, L2, 1));
        sm.jail(3, L2, heights, lists);
        // a window that ended long ago: four more checkpoints, all signed
        for (uint64 k = 5; k <= 8; ++k) {
            _submit(4, STATE, k, bytes32(uint256(k)), _none());
        }
        _submit(4, STATE, 9, bytes32(uint256(9)), _none());
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerWindowNotRecent.selector, 3, 9));
        sm.jail(3, STATE, heights, lists);
    }

    function test_jailNeedsAnActiveUntombstonedValidator() public {
        (uint64[] memory heights, uint256[][] memory lists) = _downtimeSetup();
        vm.prank(_owner(3));
        sm.unbond(MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotActive.selector, 3, 2));
        sm.jail(3, STATE, heights, lists);
        (bytes memory a, bytes memory b) = _doubleSign(3, 1);
        sm.reportDoubleSign(3, STATE, 1, bytes32(uint256(0xA)), 1, a, bytes32(uint256(0xB)), 2, b);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerTombstoned.selector, 3));
        sm.jail(3, STATE, heights, lists);
    }

    // -- signing sets ------------------------------------------------------------------------------------------

    function test_signingSetRefusals() public {
        _registerMany(4);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNonSignersNotSorted.selector, 1));
        sm.signingSet(1, _list(2, 1));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNonSignersNotSorted.selector, 1));
        sm.signingSet(1, _list(2, 2));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotActive.selector, 7, 1));
        sm.signingSet(1, _list(7));
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotActive.selector, 0, 0));
        sm.signingSet(0, _list(0));
        (, uint256 signedStake, uint256 totalStake) = sm.signingSet(1, _list(0, 3));
        assertEq(signedStake, 2 * MIN_STAKE, "signed");
        assertEq(totalStake, 4 * MIN_STAKE, "total");
    }

    // -- key stores --------------------------------------------------------------------------------------------

    /// Key stores land where `_keyStore` predicts for one-, two- and three-byte nonces (a misprediction reverts with
    /// StakeManagerKeyStoreFailed): the validator count and the StakeManager's nonce are moved forward by cheatcode.
    function test_keyStoreAddressesForLargeIndices() public {
        _register(0, MIN_STAKE);
        assertEq(BLSKeys.g1Generator().length, 128, "sanity");
        uint256[3] memory counts = [uint256(0x7f), 0x1234, 0x12345];
        for (uint256 k = 0; k < 3; ++k) {
            vmc.store(address(sm), bytes32(uint256(7)), bytes32(counts[k]));
            vmc.setNonce(address(sm), uint64(counts[k] + 1));
            uint256 index = _register(100 + k, MIN_STAKE);
            assertEq(index, counts[k], "index");
            assertTrue(
                keccak256(sm.pubkeyOf(index)) == keccak256(BLSKeys.pubkey(BLSKeys.secretKey(100 + k))),
                "key read back"
            );
        }
    }

    function test_keyStoreFailed() public {
        // something already at the first key store's address makes the CREATE fail
        vmc.etch(vmc.computeCreateAddress(address(sm), 1), hex"00");
        uint256 sk = BLSKeys.secretKey(0);
        bytes memory pubkey = BLSKeys.pubkey(sk);
        bytes memory pop = _pop(sk, address(this), address(this));
        nova.approve(address(sm), MIN_STAKE);
        vm.expectRevert(IStakeManager.StakeManagerKeyStoreFailed.selector);
        sm.register(address(this), pubkey, pop, MIN_STAKE);
        // a nonce that does not match the index: the key store would land elsewhere
        vmc.setNonce(address(sm), 5);
        vm.expectRevert(IStakeManager.StakeManagerKeyStoreFailed.selector);
        sm.register(address(this), pubkey, pop, MIN_STAKE);
    }

    // -- admin -------------------------------------------------------------------------------------------------

    function test_parameterRefusals() public {
        IStakeManager.Parameters memory p = _parameters();
        p.minStake = 0;
        _expectInvalid(p, EPOCH, "minStake", 0);
        p = _parameters();
        p.minStake = uint256(type(uint96).max) + 1;
        _expectInvalid(p, EPOCH, "minStake", uint256(type(uint96).max) + 1);
        p = _parameters();
        p.maxValidators = 0;
        _expectInvalid(p, EPOCH, "maxValidators", 0);
        p = _parameters();
        _expectInvalid(p, 0, "epochLength", 0);
        p.unbondingPeriod = 2 * EPOCH - 1;
        _expectInvalid(p, EPOCH, "unbondingPeriod", 2 * EPOCH - 1);
        p = _parameters();
        p.slashingRateBps = 10_001;
        _expectInvalid(p, EPOCH, "slashingRateBps", 10_001);
        p = _parameters();
        p.reporterRewardBps = 10_001;
        _expectInvalid(p, EPOCH, "reporterRewardBps", 10_001);
        p = _parameters();
        p.downtimeWindow = 0;
        _expectInvalid(p, EPOCH, "downtimeWindow", 0);
        p.downtimeWindow = 1001;
        _expectInvalid(p, EPOCH, "downtimeWindow", 1001);
        p = _parameters();
        p.downtimeMinSignedBps = 10_001;
        _expectInvalid(p, EPOCH, "downtimeMinSignedBps", 10_001);
        p = _parameters();
        p.treasury = address(0);
        vm.expectRevert(IStakeManager.StakeManagerZeroAddress.selector);
        new StakeManager(address(this), address(this), address(nova), EPOCH, p);
        vm.expectRevert(IStakeManager.StakeManagerZeroAddress.selector);
        sm.setParameters(p);
        vm.expectRevert(IStakeManager.StakeManagerZeroAddress.selector);
        new StakeManager(address(this), address(this), address(0), EPOCH, _parameters());
    }

    function _expectInvalid(IStakeManager.Parameters memory p, uint64 epoch, string memory name, uint256 v) internal {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerInvalidParameter.selector, name, v));
        new StakeManager(address(this), address(this), address(nova), epoch, p);
        if (epoch == EPOCH) {
            vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerInvalidParameter.selector, name, v));
            sm.setParameters(p);
        }
    }

    function test_adminFunctions() public {
        IStakeManager.Parameters memory p = _parameters();
        p.minStake = 2 * MIN_STAKE;
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        sm.setParameters(p);
        sm.setParameters(p);
        assertEq(sm.parameters().minStake, 2 * MIN_STAKE, "changed");

        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerVerifierAlreadySet.selector, address(verifier)));
        sm.setCheckpointVerifier(address(1));
        vm.expectRevert(IStakeManager.StakeManagerZeroAddress.selector);
        sm.setCheckpointVerifier(address(0));
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        sm.setCheckpointVerifier(address(1));
        assertEq(sm.checkpointVerifier(), address(verifier), "verifier");
        assertEq(sm.stakeToken(), address(nova), "token");
    }

    function test_epochLengthChangesKeepEpochsIncreasing() public {
        vm.warp(block.timestamp + 5 * EPOCH + 10);
        assertEq(sm.currentEpoch(), 5, "epoch 5");
        uint64 start = sm.nextEpochAt() - EPOCH;
        sm.setEpochLength(2 * EPOCH);
        assertEq(sm.currentEpoch(), 5, "still 5");
        (uint64 anchorEpoch, uint64 anchorTime, uint64 length) = sm.epochClock();
        assertEq(anchorEpoch, 5, "anchor epoch");
        assertEq(anchorTime, start, "anchor time");
        assertEq(length, 2 * EPOCH, "length");
        assertEq(sm.nextEpochAt(), start + 2 * EPOCH, "next epoch later");
        vm.warp(start + 2 * EPOCH);
        assertEq(sm.currentEpoch(), 6, "6");
        // shorter epochs jump forward, never back
        sm.setEpochLength(60);
        vm.warp(block.timestamp + 600);
        assertEq(sm.currentEpoch(), 16, "16");
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerInvalidParameter.selector, "epochLength", 0));
        sm.setEpochLength(0);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerInvalidParameter.selector, "epochLength", UNBONDING / 2 + 1)
        );
        sm.setEpochLength(UNBONDING / 2 + 1);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, bytes32(0))
        );
        sm.setEpochLength(60);
    }

    function test_pauseStopsEveryWrite() public {
        _registerMany(2);
        bytes32 guardianRole = sm.GUARDIAN_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, guardianRole)
        );
        sm.pause();
        sm.pause();
        uint256 sk = BLSKeys.secretKey(5);
        bytes memory pubkey = BLSKeys.pubkey(sk);
        bytes memory pop = _pop(sk, _owner(5), _owner(5));
        vm.prank(_owner(5));
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.register(_owner(5), pubkey, pop, MIN_STAKE);
        vm.startPrank(_owner(0));
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.topUp(1);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.unbond(1);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.withdraw();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.unjail();
        vm.stopPrank();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.reportDoubleSign(0, STATE, 1, bytes32(uint256(1)), 1, "", bytes32(uint256(2)), 1, "");
        vm.expectRevert(Pausable.EnforcedPause.selector);
        sm.jail(0, STATE, new uint64[](0), new uint256[][](0));
        // reads still work
        assertEq(sm.totalStakeAt(1), 2 * MIN_STAKE, "read while paused");
        sm.unpause();
        vm.prank(_owner(0));
        sm.unbond(MIN_STAKE);
    }

    function test_unknownValidatorReads() public {
        _register(0, MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownValidator.selector, 1, 1));
        sm.validator(1);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerUnknownValidator.selector, 1, 1));
        sm.pubkeyOf(1);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerNotRegistered.selector, stranger));
        sm.indexOf(stranger);
        assertEq(sm.stakeAt(5, 1), 0, "unknown index has no weight");
    }

    function test_popMessageFormula() public view {
        bytes memory pubkey = BLSKeys.pubkey(5);
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("NovaCronProofOfPossession(address owner,address signer,bytes pubkey)"),
                block.chainid,
                address(sm),
                address(1),
                address(2),
                keccak256(pubkey)
            )
        );
        assertTrue(sm.popMessage(address(1), address(2), pubkey) == expected, "popMessage");
        assertTrue(sm.POP_TYPEHASH() == keccak256("NovaCronProofOfPossession(address owner,address signer,bytes pubkey)"), "typehash");
    }

    // -- helpers -----------------------------------------------------------------------------------------------

    function _slice(uint64[] memory a, uint256 n) internal pure returns (uint64[] memory b) {
        b = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) b[i] = a[i];
    }

    function _copy(uint64[] memory a) internal pure returns (uint64[] memory b) {
        return _slice(a, a.length);
    }

    function _copy(uint256[][] memory a) internal pure returns (uint256[][] memory b) {
        b = new uint256[][](a.length);
        for (uint256 i = 0; i < a.length; ++i) b[i] = a[i];
    }
}
