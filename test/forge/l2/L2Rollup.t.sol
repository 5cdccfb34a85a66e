// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IL2Portal} from "../../../contracts/l2/IL2Portal.sol";
import {IL2Rollup} from "../../../contracts/l2/IL2Rollup.sol";
import {L2Rollup} from "../../../contracts/l2/L2Rollup.sol";
import {L2Fixture} from "./L2Fixture.sol";

/// @notice Unit tests of the rollup's L1 contracts: deposits and the queue, proposing and finality (challenge period
///         and checkpoint), withdrawals exactly once and never before finality, forced inclusion, and fraud proofs
///         built by the honest Solidity model (a wrong root and its descendants deleted and the bond paid; an honest
///         segment's proof refused; a queueEnd mismatch; a forged witness), with the gas of each operation. Run the
///         gas figures as transactions with `--isolate` (see the gas tests).
contract L2RollupTest is L2Fixture {
    address internal alice;
    address internal bob;
    address internal carol;
    address internal constant CHALLENGER = address(0xC4A1);

    function setUp() public {
        _deployL2();
        alice = _user(1);
        bob = _user(2);
        carol = _user(3);
    }

    /// @dev Deposits for alice (CPU, NOVA) and bob (CPU), included in batch 0: accounts 1 (alice) and 2 (bob).
    function _fundedBatch0() internal returns (uint64) {
        _deposit(alice, 0, 1_000e18, alice);
        _deposit(alice, 4, 50e18, alice);
        _deposit(bob, 0, 10e18, bob);
        model.beginSegment();
        model.queueOp(NEW, 3);
        model.queueOp(1, 3);
        model.queueOp(NEW, 3);
        _endSegment();
        uint64 i = _propose(SEQ, 3);
        _clearBatch();
        return i;
    }

    // -- portal ---------------------------------------------------------------------------------------------

    function test_genesisRoot_isTheModels() public view {
        assertTrue(rollup.genesisRoot() == model.root(), "genesis root");
    }

    function test_deposit_queuesItem_andLocksTokens() public {
        uint64 q = _deposit(alice, 2, 7e18, bob);
        assertEq(q, 0, "first item");
        assertEq(portal.queueLength(), 1, "length");
        (bytes32 h, uint64 l1Block) = portal.queueItem(0);
        assertTrue(h == keccak256(abi.encode(uint8(1), bob, uint8(2), uint256(7e18))), "item hash");
        assertEq(l1Block, block.number, "l1 block");
        assertEq(tokens[2].balanceOf(address(portal)), 7e18, "locked");
        // forced withdrawal: kind 2, the sender as account
        q = _requestWithdrawal(carol, 0, 1e18);
        (h, ) = portal.queueItem(q);
        assertTrue(h == keccak256(abi.encode(uint8(2), carol, uint8(0), uint256(1e18))), "forced item hash");
    }

    function test_deposit_refusals() public {
        tokens[0].approve(address(portal), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IL2Portal.PortalUnknownToken.selector, address(0xBAD)));
        portal.deposit(address(0xBAD), 1, alice);
        vm.expectRevert(IL2Portal.PortalZeroAmount.selector);
        portal.deposit(address(tokens[0]), 0, alice);
        vm.expectRevert(IL2Portal.PortalZeroRecipient.selector);
        portal.deposit(address(tokens[0]), 1, address(0));
        vm.expectRevert(IL2Portal.PortalZeroAmount.selector);
        portal.requestWithdrawal(address(tokens[0]), 0);
    }

    function test_pause_stopsDepositsOnly() public {
        vm.prank(GUARD);
        portal.pause();
        tokens[0].approve(address(portal), 1);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        portal.deposit(address(tokens[0]), 1, alice);
        // exits stay open
        vm.prank(alice);
        portal.requestWithdrawal(address(tokens[0]), 1);
        // only the admin resumes
        bytes32 adminRole = portal.DEFAULT_ADMIN_ROLE();
        vm.prank(GUARD);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, GUARD, adminRole)
        );
        portal.unpause();
        portal.unpause();
        portal.deposit(address(tokens[0]), 1, alice);
    }

    function test_registry_isAppendOnly() public {
        assertEq(portal.tokenCount(), 5, "five tokens");
        vm.expectRevert(abi.encodeWithSelector(IL2Portal.PortalCannotRegister.selector, address(tokens[0])));
        portal.registerToken(address(tokens[0]));
        for (uint256 i = 5; i < 8; ++i) portal.registerToken(address(uint160(0x1000 + i)));
        vm.expectRevert(abi.encodeWithSelector(IL2Portal.PortalCannotRegister.selector, address(0x2000)));
        portal.registerToken(address(0x2000));
        vm.expectRevert(IL2Portal.PortalRollup.selector);
        portal.setRollup(address(0x1234));
    }

    // -- batches and finality -------------------------------------------------------------------------------

    function test_propose_challengePeriodFinality() public {
        uint64 i = _fundedBatch0();
        assertEq(i, 0, "index");
        assertEq(rollup.batchCount(), 1, "count");
        assertTrue(rollup.stateRoot(0) == model.root(), "root");
        IL2Rollup.Batch memory b = rollup.batch(0);
        assertEq(b.proposer, SEQ, "proposer");
        assertEq(b.queueEnd, 3, "queueEnd");
        assertEq(model.balanceOf(1, 0), 1_000e18, "alice credited");
        assertEq(model.balanceOf(1, 4), 50e18, "alice credited at the hint");
        assertEq(model.accountCount(), 3, "accounts");
        assertTrue(!rollup.isFinal(0), "not final yet");
        vm.warp(block.timestamp + CHALLENGE - 1);
        assertTrue(!rollup.isFinal(0), "not final a second early");
        vm.warp(block.timestamp + 1);
        assertTrue(rollup.isFinal(0), "final after the challenge period");
        assertTrue(!rollup.isFinal(1), "no batch 1");
    }

    function test_checkpoint_confirmsEarly() public {
        _fundedBatch0();
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, uint40(model.pack(5, 18)), uint16(model.pack(1, 15)));
        _endSegment();
        _propose(SEQ, 3);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupNotCheckpointed.selector, uint64(1)));
        rollup.confirmByCheckpoint(1);
        verifier.setFinal(keccak256("l2"), 1, rollup.stateRoot(1));
        rollup.confirmByCheckpoint(1);
        assertTrue(rollup.isFinal(0) && rollup.isFinal(1), "batches <= 1 final by checkpoint");
        assertEq(rollup.confirmedCount(), 2, "confirmed");
    }

    function test_checkpoint_noVerifier_andBadConfig() public {
        L2Rollup plain = new L2Rollup(address(this), GUARD, SEQ, address(portal), FEE, 1, CHALLENGE, 1, 0, address(0));
        vm.expectRevert(IL2Rollup.RollupNoCheckpointVerifier.selector);
        plain.confirmByCheckpoint(0);
        vm.expectRevert(IL2Rollup.RollupBadConfig.selector);
        new L2Rollup(address(this), GUARD, SEQ, address(portal), address(0), 1, CHALLENGE, 1, 0, address(0));
        vm.expectRevert(IL2Rollup.RollupBadConfig.selector);
        new L2Rollup(address(this), GUARD, SEQ, address(portal), FEE, 1, 0, 1, 0, address(0));
        // another chain id or contract address: another signature domain
        assertTrue(plain.domainSeparator() != rollup.domainSeparator(), "domain per deployment");
    }

    function test_pause_stopsProposalsNotFraudProofs() public {
        uint64 queueEnd = _mixedBatch();
        roots[2] = keccak256("wrong");
        uint64 bad = _propose(SEQ, queueEnd);
        vm.prank(GUARD);
        rollup.pause();
        (bytes memory ops, uint32[] memory ends) = _ops();
        head = _head();
        vm.prank(SEQ);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        rollup.proposeBatch(ops, ends, roots, queueEnd, head);
        IL2Rollup.FraudProof memory f = _fraudProof(bad, queueEnd, 2);
        vm.prank(CHALLENGER);
        rollup.proveFraud(f);
        assertEq(rollup.batchCount(), 1, "deleted while paused");
    }

    function test_propose_refusals() public {
        head = _head();
        vm.prank(SEQ);
        vm.expectRevert(IL2Rollup.RollupBadSegments.selector);
        rollup.proposeBatch(hex"", new uint32[](0), new bytes32[](0), 0, head);
        uint32[] memory ends = new uint32[](2);
        ends[0] = 3;
        ends[1] = 3;
        head = _head();
        vm.prank(SEQ);
        vm.expectRevert(IL2Rollup.RollupBadSegments.selector);
        rollup.proposeBatch(hex"040000", ends, new bytes32[](2), 0, head);
        ends = new uint32[](1);
        ends[0] = 3;
        head = _head();
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBadQueueEnd.selector, uint64(1), uint64(0), uint64(0)));
        rollup.proposeBatch(hex"040000", ends, new bytes32[](1), 1, head);
        // a bonded stranger while nothing is overdue
        vm.deal(carol, 2 ether);
        vm.prank(carol);
        rollup.depositBond{value: 1 ether}();
        head = _head();
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupNotProposer.selector, carol));
        rollup.proposeBatch(hex"040000", ends, new bytes32[](1), 0, head);
        // the sequencer without enough bond
        vm.prank(SEQ);
        rollup.withdrawBond(9.5 ether);
        head = _head();
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBondTooLow.selector, 0.5 ether, MIN_BOND));
        rollup.proposeBatch(hex"040000", ends, new bytes32[](1), 0, head);
    }

    function test_bond_lockedUntilFinal() public {
        _fundedBatch0();
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBondLocked.selector, uint64(0)));
        rollup.withdrawBond(1);
        vm.warp(block.timestamp + CHALLENGE);
        uint256 before = SEQ.balance;
        vm.prank(SEQ);
        rollup.withdrawBond(10 ether);
        assertEq(SEQ.balance - before, 10 ether, "bond back");
    }

    // -- withdrawals ----------------------------------------------------------------------------------------

    function _withdrawalBatch() internal returns (uint64 i) {
        _fundedBatch0();
        model.beginSegment();
        model.withdraw(_key(1), 1, 0, uint40(model.pack(25, 18)), uint16(model.pack(1, 16)));
        model.transfer(_key(2), 2, 1, 0, uint40(model.pack(1, 18)), uint16(model.pack(0, 0)));
        model.withdraw(_key(1), 1, 4, uint40(model.pack(5, 18)), uint16(model.pack(0, 0)));
        _endSegment();
        i = _propose(SEQ, 3);
        _clearBatch();
    }

    struct Claim {
        address recipient;
        uint8 token;
        uint256 amount;
        IL2Rollup.StateHeader header;
        bytes32[] siblings;
    }

    function _claimOf(uint64 w) internal view returns (Claim memory c) {
        (c.recipient, c.token, c.amount) = model.withdrawal(w);
        c.header = model.header();
        c.siblings = model.withdrawalProof(w);
    }

    function _finalize(uint64 batchIndex, uint64 w) internal {
        _finalizeClaim(batchIndex, w, _claimOf(w));
    }

    function _finalizeClaim(uint64 batchIndex, uint64 w, Claim memory c) internal {
        portal.finalizeWithdrawal(batchIndex, c.header, c.recipient, c.token, c.amount, w, c.siblings);
    }

    function test_withdrawal_exactlyOnce_notBeforeFinality() public {
        uint64 i = _withdrawalBatch();
        assertEq(model.withdrawalCount(), 2, "two withdrawals");
        Claim memory c0 = _claimOf(0);
        vm.expectRevert(abi.encodeWithSelector(IL2Portal.PortalNotFinal.selector, i));
        _finalizeClaim(i, 0, c0);
        vm.warp(block.timestamp + CHALLENGE);
        uint256 before = tokens[0].balanceOf(alice);
        _finalize(i, 0);
        emit log_named_uint("finalizeWithdrawal gas", _gas());
        assertEq(tokens[0].balanceOf(alice) - before, 25e18, "paid");
        assertTrue(portal.isClaimed(0), "claimed");
        vm.expectRevert(abi.encodeWithSelector(IL2Portal.PortalAlreadyClaimed.selector, uint64(0)));
        _finalizeClaim(i, 0, c0);
        _finalize(i, 1);
        assertEq(tokens[4].balanceOf(alice), 5e18, "second withdrawal paid");
        // a forged amount
        Claim memory c1 = _claimOf(1);
        c1.amount = 6e18;
        vm.expectRevert(IL2Portal.PortalBadProof.selector);
        _finalizeClaim(i, 1, c1);
    }

    function test_forcedWithdrawal_includedAndPaid() public {
        _fundedBatch0();
        _requestWithdrawal(bob, 0, 4e18);
        _requestWithdrawal(bob, 0, 100e18); // more than bob has: consumed, nothing withdrawn
        model.beginSegment();
        model.queueOp(2, 5);
        model.queueOp(2, 5);
        _endSegment();
        uint64 i = _propose(SEQ, 5);
        assertEq(model.withdrawalCount(), 1, "one forced withdrawal");
        assertEq(model.balanceOf(2, 0), 6e18, "bob debited once");
        vm.warp(block.timestamp + CHALLENGE);
        _finalize(i, 0);
        assertEq(tokens[0].balanceOf(bob), 4e18, "bob paid on L1");
    }

    function test_gas_deposit() public {
        _deposit(alice, 0, 1e18, alice);
        tokens[0].transfer(alice, 2e18);
        vm.prank(alice);
        tokens[0].approve(address(portal), 2e18);
        vm.prank(alice);
        portal.deposit(address(tokens[0]), 1e18, alice);
        emit log_named_uint("deposit gas", _gas());
        vm.prank(alice);
        portal.requestWithdrawal(address(tokens[0]), 1e18);
        emit log_named_uint("requestWithdrawal gas", _gas());
    }

    // -- double-post guard ----------------------------------------------------------------------------------

    /// @notice A proposal signed for a head L1 no longer holds is refused: the re-broadcast of a batch that already
    ///         landed (a crashed sequencer's write-ahead log), and a batch built on a root a fraud proof deleted.
    function test_propose_staleRebroadcastRefused() public {
        // the first batch must start from genesis
        uint32[] memory one = new uint32[](1);
        one[0] = 5;
        bytes32 genesis = rollup.genesisRoot();
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupWrongHead.selector, genesis, bytes32(uint256(1))));
        rollup.proposeBatch(hex"0400000000", one, new bytes32[](1), 0, bytes32(uint256(1)));
        _fundedBatch0();
        bytes32 root0 = rollup.stateRoot(0);
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, uint40(model.pack(5, 18)), uint16(model.pack(1, 15)));
        _endSegment();
        (bytes memory ops, uint32[] memory ends) = _ops();
        vm.prank(SEQ);
        assertEq(rollup.proposeBatch(ops, ends, roots, 3, root0), 1, "lands as batch 1");
        emit log_named_uint("proposeBatch gas (1 transfer)", _gas());
        bytes32 root1 = rollup.stateRoot(1);
        // the same call again (a re-broadcast after a crash): refused, nothing stored twice
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupWrongHead.selector, root1, root0));
        rollup.proposeBatch(ops, ends, roots, 3, root0);
        assertEq(rollup.batchCount(), 2, "not posted twice");
        // a wrong batch 2, and a descendant signed on top of it before the fraud proof lands
        _clearBatch();
        model.beginSegment();
        model.transfer(_key(2), 2, 1, 0, uint40(model.pack(1, 18)), 0);
        _endSegment();
        roots[0] = keccak256("a wrong root");
        uint64 bad = _propose(SEQ, 3);
        IL2Rollup.FraudProof memory f = _fraudProof(bad, 3, 0);
        bytes32 wrong = roots[0];
        vm.prank(CHALLENGER);
        rollup.proveFraud(f);
        assertEq(rollup.batchCount(), 2, "batch 2 deleted");
        vm.deal(SEQ, 10 ether);
        vm.prank(SEQ);
        rollup.depositBond{value: 10 ether}();
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupWrongHead.selector, root1, wrong));
        rollup.proposeBatch(ops, ends, roots, 3, wrong);
        assertEq(rollup.batchCount(), 2, "nothing lands on the deleted root");
    }

    /// @notice Two proposers build on the same head (the sequencer and a stranger forcing an overdue item in): the
    ///         first lands, the second is refused instead of landing on the first's root with roots computed for
    ///         the old one.
    function test_propose_racingProposerRefused() public {
        _fundedBatch0();
        bytes32 root0 = rollup.stateRoot(0);
        _deposit(carol, 0, 1e18, carol); // item 3, then ignored past the force-inclusion delay
        vm.roll(block.number + FORCE_DELAY + 1);
        vm.deal(carol, 1 ether);
        vm.prank(carol);
        rollup.depositBond{value: 1 ether}();
        model.beginSegment();
        model.queueOp(NEW, 4);
        _endSegment();
        (bytes memory ops, uint32[] memory ends) = _ops();
        // both built on batch 0; the stranger's lands first
        vm.prank(carol);
        assertEq(rollup.proposeBatch(ops, ends, roots, 4, root0), 1, "forced inclusion lands");
        bytes32 root1 = rollup.stateRoot(1);
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupWrongHead.selector, root1, root0));
        rollup.proposeBatch(ops, ends, roots, 4, root0);
        assertEq(rollup.batchCount(), 2, "the loser is not stored");
        assertEq(rollup.batch(1).proposer, carol, "the winner's batch stands");
    }

    // -- forced inclusion -----------------------------------------------------------------------------------

    function test_forcedInclusion_overdueItemMustBeCovered_andAnyoneMayPropose() public {
        _deposit(alice, 0, 1e18, alice);
        vm.roll(block.number + FORCE_DELAY);
        // not overdue yet: a batch may leave it out, a stranger may not propose
        model.beginSegment();
        model.queueOp(NEW, 0);
        _endSegment();
        _propose(SEQ, 0);
        vm.deal(carol, 1 ether);
        vm.prank(carol);
        rollup.depositBond{value: 1 ether}();
        _clearBatch();
        model.beginSegment();
        model.queueOp(NEW, 1);
        _endSegment();
        (bytes memory ops, uint32[] memory ends) = _ops();
        head = _head();
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupNotProposer.selector, carol));
        rollup.proposeBatch(ops, ends, roots, 1, head);
        // one block later it is overdue: the sequencer may not skip it, anyone bonded may include it
        vm.roll(block.number + 1);
        head = _head();
        vm.prank(SEQ);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupQueueOverdue.selector, uint64(0), uint64(1000)));
        rollup.proposeBatch(ops, ends, roots, 0, head);
        head = _head();
        vm.prank(carol);
        uint64 i = rollup.proposeBatch(ops, ends, roots, 1, head);
        assertEq(rollup.batch(i).proposer, carol, "included by a stranger");
        assertEq(model.balanceOf(1, 0), 1e18, "credited");
        // caught up: strangers are refused again
        head = _head();
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupNotProposer.selector, carol));
        rollup.proposeBatch(ops, ends, roots, 1, head);
    }

    // -- fraud proofs ---------------------------------------------------------------------------------------

    /// @dev Batch 1 with three segments exercising every op kind (valid and invalid); returns its queueEnd.
    function _mixedBatch() internal returns (uint64 queueEnd) {
        _fundedBatch0();
        _deposit(carol, 1, 3e18, carol); // item 3: a new account for carol (4: 0xD00D takes 3 first)
        _deposit(carol, 1, 2e18, alice); // item 4: for alice, credited at her hint
        _requestWithdrawal(bob, 0, 1e18); // item 5: bob's forced withdrawal
        queueEnd = 6;
        uint40 one = uint40(model.pack(1, 18));
        uint16 fee = uint16(model.pack(3, 15));
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, one, fee); // valid
        model.transfer(_key(2), 1, 2, 0, one, fee); // wrong key: invalid
        model.transfer(_key(1), 1, 1, 0, one, fee); // to self: valid
        model.transferNew(_key(1), 1, address(0xD00D), 4, uint40(model.pack(2, 18)), fee); // valid
        model.queueOp(NEW, queueEnd);
        _endSegment();
        model.beginSegment();
        model.queueOp(1, queueEnd); // item 4 at alice's index
        model.queueOp(2, queueEnd); // forced withdrawal of bob at 2
        model.withdraw(_key(2), 2, 0, uint40(model.pack(2, 18)), fee); // valid
        model.withdraw(_key(2), 2, 0, uint40(model.pack(9, 30)), fee); // too much: invalid
        model.transfer(_key(1), 1, 9, 0, one, fee); // to out of range: nothing
        model.transfer(_key(1), 1, 2, 7, one, fee); // unregistered token: nothing
        model.transfer(_key(1), 0, 2, 0, one, 0); // from the fee account, wrong key: invalid
        _endSegment();
        model.beginSegment();
        model.transfer(_key(2), 2, 0, 0, uint40(model.pack(1, 17)), 0); // to the fee account, zero fee: valid
        model.queueOp(NEW, queueEnd); // beyond queueEnd: no-op
        _endSegment();
    }

    function test_fraudProof_honestSegmentsAreRejected() public {
        uint64 queueEnd = _mixedBatch();
        uint64 i = _propose(SEQ, queueEnd);
        for (uint64 k = 0; k < 3; ++k) {
            IL2Rollup.FraudProof memory f = _fraudProof(i, queueEnd, k);
            // the contract's re-execution agrees with the model's
            IL2Rollup.StateHeader memory post = rollup.replaySegment(f.pre, f.segment, f.witness, queueEnd);
            assertTrue(keccak256(abi.encode(post)) == roots[k], "replay reproduces the model's root");
            vm.expectRevert(IL2Rollup.RollupNoFraud.selector);
            rollup.proveFraud(f);
        }
        assertEq(rollup.batchCount(), 2, "nothing deleted");
    }

    function test_fraudProof_deletesRootAndDescendants_paysHalfTheBond() public {
        uint64 queueEnd = _mixedBatch();
        bytes32 honest = roots[1];
        roots[1] = keccak256("a wrong root");
        uint64 bad = _propose(SEQ, queueEnd);
        IL2Rollup.FraudProof memory f = _fraudProof(bad, queueEnd, 1);
        // a descendant built on the wrong root
        _clearBatch();
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, uint40(model.pack(1, 18)), 0);
        _endSegment();
        _propose(SEQ, queueEnd);
        assertEq(rollup.batchCount(), 3, "three batches");
        vm.prank(CHALLENGER);
        rollup.proveFraud(f);
        emit log_named_uint("proveFraud gas (mixed segment)", _gas());
        assertEq(rollup.batchCount(), 1, "bad batch and descendant deleted");
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupNoBatch.selector, uint64(1)));
        rollup.stateRoot(1);
        assertEq(CHALLENGER.balance, 5 ether, "half the bond to the challenger");
        (uint256 bond, ) = rollup.bondOf(SEQ);
        assertEq(bond, 0, "proposer's bond slashed");
        assertEq(rollup.slashed(), 5 ether, "rest locked");
        assertTrue(honest != f.postRoot, "the claimed root was wrong");
        // the slashed sequencer can no longer propose; the sweep pays the treasury
        rollup.sweepSlashed(payable(address(0x7EA5)));
        assertEq(address(0x7EA5).balance, 5 ether, "swept");
    }

    function test_fraudProof_queueEndMismatch() public {
        _fundedBatch0();
        _deposit(carol, 1, 3e18, carol);
        model.beginSegment();
        model.transfer(_key(1), 1, 2, 0, uint40(model.pack(1, 18)), 0);
        _endSegment();
        // every root honest, but queueEnd claims item 3 was consumed
        uint64 i = _propose(SEQ, 4);
        IL2Rollup.FraudProof memory f = _fraudProof(i, 4, 0);
        vm.prank(CHALLENGER);
        rollup.proveFraud(f);
        assertEq(rollup.batchCount(), 1, "deleted");
    }

    function test_fraudProof_refusals() public {
        uint64 queueEnd = _mixedBatch();
        roots[0] = keccak256("wrong");
        uint64 bad = _propose(SEQ, queueEnd);
        IL2Rollup.FraudProof memory f = _fraudProof(bad, queueEnd, 0);
        // a forged witness reverts, it is never fraud
        bytes memory w = f.witness;
        w[30] = bytes1(uint8(w[30]) ^ 1);
        vm.expectRevert(IL2Rollup.RollupBadWitness.selector);
        rollup.proveFraud(f);
        f = _fraudProof(bad, queueEnd, 0);
        f.pre.queueProcessed += 1;
        vm.expectRevert(IL2Rollup.RollupBadPreState.selector);
        rollup.proveFraud(f);
        f = _fraudProof(bad, queueEnd, 0);
        f.segmentCount = 4;
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveFraud(f);
        f = _fraudProof(bad, queueEnd, 0);
        f.segment = abi.encodePacked(f.segment, uint8(0));
        vm.expectRevert(IL2Rollup.RollupBadProof.selector);
        rollup.proveFraud(f);
        // once final it stands
        vm.warp(block.timestamp + CHALLENGE);
        f = _fraudProof(bad, queueEnd, 0);
        vm.expectRevert(abi.encodeWithSelector(IL2Rollup.RollupBatchFinal.selector, bad));
        rollup.proveFraud(f);
    }

    /// @notice Gas of the fraud proof of a full segment: 32 transfers among 40 accounts of a tree that holds 2**20
    ///         (the model's "filled" mode: every account proof carries 20 non-default siblings, as in a
    ///         million-account state), three account touches each.
    function test_gas_fraudProofFullSegment() public {
        // segment 0 starts the million-account state (its own root is never disputed), segment 1 is disputed
        _millionAccountSegments(_endSegment);
        roots[1] = keccak256("wrong");
        uint64 bad = _propose(SEQ, 40);
        IL2Rollup.FraudProof memory f = _fraudProof(bad, 40, 1);
        emit log_named_uint("fraud proof witness bytes (32 transfers, 2**20 accounts)", f.witness.length);
        emit log_named_uint("fraud proof calldata bytes", abi.encodeCall(rollup.proveFraud, (f)).length);
        vm.prank(CHALLENGER);
        rollup.proveFraud(f);
        uint256 g = _gas();
        emit log_named_uint("proveFraud gas (32 transfers, 2**20 accounts)", g);
        assertLe(g, 3_000_000, "fraud proof under 3M gas");
        assertEq(rollup.batchCount(), 1, "deleted");
    }

    // -- batch gas ------------------------------------------------------------------------------------------

    /// @dev `n` signed transfers (real signatures, packed amounts) in segments of 32, with made-up roots: L1 cost does
    ///      not depend on the roots being right. Profile 0: indices spread over 1,000,000 accounts, amounts of 4
    ///      significant digits; profile 1: indices below 10,000 (a platform's providers and VM owners), amounts of 1-3
    ///      significant digits (metered minutes), as the VM-payment demo produces.
    function _bigBatch(
        uint256 n,
        uint256 profile
    ) internal view returns (bytes memory ops, uint32[] memory ends, bytes32[] memory rs) {
        uint256 segments = (n + 31) / 32;
        ends = new uint32[](segments);
        rs = new bytes32[](segments);
        ops = new bytes(81 * n);
        uint256 accounts = profile == 0 ? 1_000_000 : 10_000;
        uint256 digits = profile == 0 ? 9_999 : 999;
        for (uint256 i = 0; i < n; ++i) {
            uint256 h = uint256(keccak256(abi.encode("tx", i)));
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_key(i % 64), keccak256(abi.encode(h)));
            bytes memory op = abi.encodePacked(
                uint8(1),
                uint32(1 + (h % accounts)),
                uint32(1 + ((h >> 32) % accounts)),
                uint8((h >> 64) % 4),
                uint40(model.pack(1 + ((h >> 80) % digits), 14)),
                uint16(model.pack(1 + ((h >> 100) % 99), 13)),
                r,
                bytes32(uint256(s) | (uint256(v - 27) << 255))
            );
            for (uint256 b = 0; b < 81; ++b) ops[81 * i + b] = op[b];
            if ((i + 1) % 32 == 0 || i + 1 == n) {
                ends[i / 32] = uint32(81 * (i + 1));
                rs[i / 32] = keccak256(abi.encode("root", i));
            }
        }
    }

    /// @notice L1 gas per L2 transfer of proposeBatch, amortised over batches of 1,024, 2,048 and 4,096 transfers, for
    ///         both data profiles. Run with --isolate for transaction gas (21,000 base and calldata included):
    ///         `forge test --match-path 'test/forge/l2/*' --match-test test_gas --isolate -vv`.
    function test_gas_proposeBatchPerTransfer_millionAccounts() public {
        _gasProposeBatch(0);
    }

    /// @notice As above, for the VM-payment profile (10,000 accounts, 1-3 significant digits).
    function test_gas_proposeBatchPerTransfer_paymentProfile() public {
        _gasProposeBatch(1);
    }

    function _gasProposeBatch(uint256 profile) internal {
        _fundedBatch0(); // a previous batch: its slot reads are what a steady-state batch pays
        uint256[3] memory sizes = [uint256(1024), 2048, 4096];
        {
            for (uint256 x = 0; x < 3; ++x) {
                uint256 n = sizes[x];
                (bytes memory ops, uint32[] memory ends, bytes32[] memory rs) = _bigBatch(n, profile);
                bytes memory data = abi.encodeCall(rollup.proposeBatch, (ops, ends, rs, 3, _head()));
                uint256 dataGas = 0;
                for (uint256 i = 0; i < data.length; ++i) dataGas += data[i] == 0 ? 4 : 16;
                uint256 opsGas = 0;
                for (uint256 i = 0; i < ops.length; ++i) opsGas += ops[i] == 0 ? 4 : 16;
                head = _head();
                vm.prank(SEQ);
                rollup.proposeBatch(ops, ends, rs, 3, head);
                uint256 g = _gas();
                string memory label = string.concat(
                    profile == 0 ? "1M accounts" : "10k accounts",
                    ", transfers: ",
                    Strings.toString(n)
                );
                emit log_named_uint(string.concat("proposeBatch gas per transfer, ", label), g / n);
                emit log_named_uint("  tx gas", g);
                emit log_named_uint("  ops calldata gas per transfer", opsGas / n);
                emit log_named_uint("  other calldata (ends, roots, abi) per transfer", (dataGas - opsGas) / n);
                // without --isolate lastCallGas is the call's execution gas only (no base, no calldata)
                uint256 execution = g > 21_000 + dataGas ? g - 21_000 - dataGas : g;
                emit log_named_uint("  execution per transfer (tx - 21000 - calldata)", execution / n);
                emit log_named_uint("  calldata bytes per transfer x100", (data.length * 100) / n);
            }
        }
    }
}
