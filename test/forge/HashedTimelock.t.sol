// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IHashedTimelock} from "../../contracts/crosschain/IHashedTimelock.sol";
import {HashedTimelock} from "../../contracts/crosschain/HashedTimelock.sol";
import {PlainERC20} from "../../contracts/reference/PlainERC20.sol";
import {Test} from "./utils/Test.sol";

/// @notice A token that delivers 1% less than asked (fee on transfer): locks of it must be refused.
contract FeeToken is ERC20 {
    constructor(address holder) ERC20("Fee", "FEE") {
        _mint(holder, 1e30);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @notice A recipient that refuses the native coin.
contract Refuser {
    receive() external payable {
        revert("no");
    }
}

/// @notice A recipient that, paid by a claim, calls claim and refund of the same lock again (claim and refund carry
///         no reentrancy guard: the lock is closed before the payment, which is what must stop them).
contract Reenterer {
    HashedTimelock internal immutable htlc;
    IHashedTimelock.Lock internal target;
    bytes32 internal preimage;
    bytes public claimError;
    bytes public refundError;
    uint256 public payments;

    constructor(HashedTimelock htlc_) {
        htlc = htlc_;
    }

    function arm(IHashedTimelock.Lock memory l, bytes32 preimage_) external {
        target = l;
        preimage = preimage_;
    }

    receive() external payable {
        ++payments;
        try htlc.claim(target, preimage) {} catch (bytes memory err) {
            claimError = err;
        }
        try htlc.refund(target) {} catch (bytes memory err) {
            refundError = err;
        }
    }
}

/// @notice Unit tests: each refusal, each path for the native coin and an ERC-20, and the gas of lock, claim and
///         refund (printed by `forge test -vv` through the `gas_*` return values of the test_gas functions).
contract HashedTimelockTest is Test {
    HashedTimelock internal htlc;
    PlainERC20 internal token;
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant GUARDIAN = address(0x6AAD);
    bytes32 internal constant SECRET = keccak256("secret");

    function setUp() public {
        htlc = new HashedTimelock(address(this), GUARDIAN);
        token = new PlainERC20(ALICE, 1e30);
        vm.deal(ALICE, 100 ether);
        vm.prank(ALICE);
        token.approve(address(htlc), type(uint256).max);
        vm.warp(1_000_000);
    }

    function _hash(bytes32 preimage) internal pure returns (bytes32) {
        return sha256(abi.encode(preimage));
    }

    function _lock(address tok, uint256 amount) internal returns (IHashedTimelock.Lock memory l, bytes32 id) {
        l = IHashedTimelock.Lock(ALICE, BOB, tok, amount, _hash(SECRET), uint64(block.timestamp + 1 hours));
        vm.prank(ALICE);
        id = htlc.lock{value: tok == address(0) ? amount : 0}(l.hash, l.deadline, BOB, tok, amount);
    }

    function test_nativeLockClaim() public {
        (IHashedTimelock.Lock memory l, bytes32 id) = _lock(address(0), 1 ether);
        assertTrue(id == htlc.idOf(l), "id is the hash of the fields");
        assertTrue(htlc.stateOf(id) == IHashedTimelock.State.Open, "open");
        assertEq(address(htlc).balance, 1 ether, "held");
        htlc.claim(l, SECRET); // anyone may claim; it goes to the recipient
        assertEq(BOB.balance, 1 ether, "recipient paid");
        assertTrue(htlc.stateOf(id) == IHashedTimelock.State.Claimed, "claimed");
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockClosed.selector, id, 2));
        htlc.claim(l, SECRET);
        vm.warp(l.deadline);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockClosed.selector, id, 2));
        htlc.refund(l);
    }

    function test_tokenLockRefund() public {
        (IHashedTimelock.Lock memory l, bytes32 id) = _lock(address(token), 5e18);
        assertEq(token.balanceOf(address(htlc)), 5e18, "held");
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockNotExpired.selector, id, l.deadline));
        htlc.refund(l);
        vm.warp(l.deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockNotExpired.selector, id, l.deadline));
        htlc.refund(l);
        vm.warp(l.deadline);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockExpired.selector, id, l.deadline));
        htlc.claim(l, SECRET);
        uint256 before = token.balanceOf(ALICE);
        htlc.refund(l);
        assertEq(token.balanceOf(ALICE) - before, 5e18, "sender refunded");
        assertTrue(htlc.stateOf(id) == IHashedTimelock.State.Refunded, "refunded");
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockClosed.selector, id, 3));
        htlc.refund(l);
    }

    function test_wrongPreimageAndForgedFields() public {
        (IHashedTimelock.Lock memory l, bytes32 id) = _lock(address(token), 5e18);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockWrongPreimage.selector, id, l.hash));
        htlc.claim(l, keccak256("guess"));
        IHashedTimelock.Lock memory forged = l;
        forged.recipient = address(this); // redirect the payout: the fields no longer give a known id
        bytes32 forgedId = htlc.idOf(forged);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockUnknown.selector, forgedId));
        htlc.claim(forged, SECRET);
        forged = l;
        forged.deadline = l.deadline - 1 hours; // an earlier deadline to refund early
        forgedId = htlc.idOf(forged);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockUnknown.selector, forgedId));
        htlc.refund(forged);
    }

    function test_lockRefusals() public {
        bytes32 h = _hash(SECRET);
        uint64 later = uint64(block.timestamp + 60);
        vm.startPrank(ALICE);
        vm.expectRevert(IHashedTimelock.HashedTimelockZeroAmount.selector);
        htlc.lock(h, later, BOB, address(token), 0);
        vm.expectRevert(IHashedTimelock.HashedTimelockZeroRecipient.selector);
        htlc.lock(h, later, address(0), address(token), 1);
        vm.expectRevert(IHashedTimelock.HashedTimelockZeroHash.selector);
        htlc.lock(bytes32(0), later, BOB, address(token), 1);
        vm.expectRevert(
            abi.encodeWithSelector(IHashedTimelock.HashedTimelockDeadlinePassed.selector, block.timestamp, block.timestamp)
        );
        htlc.lock(h, uint64(block.timestamp), BOB, address(token), 1);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockWrongValue.selector, 1, 2));
        htlc.lock{value: 1}(h, later, BOB, address(0), 2);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockWrongValue.selector, 1, 0));
        htlc.lock{value: 1}(h, later, BOB, address(token), 2);
        bytes32 id = htlc.lock(h, later, BOB, address(token), 2);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockExists.selector, id));
        htlc.lock(h, later, BOB, address(token), 2);
        vm.stopPrank();
    }

    function test_feeOnTransferTokenRefused() public {
        FeeToken fee = new FeeToken(ALICE);
        bytes32 h = _hash(SECRET); // before expectRevert: the sha256 precompile call would count as the next call
        vm.startPrank(ALICE);
        fee.approve(address(htlc), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IHashedTimelock.HashedTimelockShortfall.selector, 99, 100));
        htlc.lock(h, uint64(block.timestamp + 60), BOB, address(fee), 100);
        vm.stopPrank();
    }

    function test_recipientRefusingTheCoinCannotTrapIt() public {
        Refuser refuser = new Refuser();
        bytes32 h = _hash(SECRET);
        uint64 deadline = uint64(block.timestamp + 60);
        vm.prank(ALICE);
        htlc.lock{value: 1 ether}(h, deadline, address(refuser), address(0), 1 ether);
        IHashedTimelock.Lock memory l = IHashedTimelock.Lock(ALICE, address(refuser), address(0), 1 ether, h, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IHashedTimelock.HashedTimelockTransferFailed.selector, address(refuser), 1 ether)
        );
        htlc.claim(l, SECRET);
        vm.warp(deadline);
        uint256 before = ALICE.balance;
        htlc.refund(l); // the claim rolled back: the sender gets it back
        assertEq(ALICE.balance - before, 1 ether, "refunded");
    }

    function test_reentrantClaimOrRefundFindsTheLockClosed() public {
        Reenterer r = new Reenterer(htlc);
        bytes32 h = _hash(SECRET);
        uint64 deadline = uint64(block.timestamp + 60);
        vm.prank(ALICE);
        bytes32 id = htlc.lock{value: 1 ether}(h, deadline, address(r), address(0), 1 ether);
        IHashedTimelock.Lock memory l = IHashedTimelock.Lock(ALICE, address(r), address(0), 1 ether, h, deadline);
        r.arm(l, SECRET);
        htlc.claim(l, SECRET);
        assertEq(r.payments(), 1, "paid once");
        assertEq(address(r).balance, 1 ether, "the amount, once");
        bytes memory closed = abi.encodeWithSelector(IHashedTimelock.HashedTimelockClosed.selector, id, 2);
        assertTrue(keccak256(r.claimError()) == keccak256(closed), "reentrant claim: closed");
        assertTrue(keccak256(r.refundError()) == keccak256(closed), "reentrant refund: closed");
        assertEq(address(htlc).balance, 0, "nothing left, nothing owed");
    }

    function test_pauseStopsLocksOnly() public {
        (IHashedTimelock.Lock memory l, ) = _lock(address(token), 5e18);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ALICE, htlc.GUARDIAN_ROLE())
        );
        vm.prank(ALICE);
        htlc.pause();
        vm.prank(GUARDIAN);
        htlc.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(ALICE);
        htlc.lock(l.hash, l.deadline + 1, BOB, address(token), 1);
        htlc.claim(l, SECRET); // exits never pause
        assertEq(token.balanceOf(BOB), 5e18, "claimed while paused");
    }

    /// @notice sha256 of a 32-byte preimage is what Bitcoin's OP_SHA256 and BEP3 compute: the known vector
    ///         sha256(32 zero bytes).
    function test_hashIsSha256OfThe32BytePreimage() public pure {
        assertTrue(
            sha256(abi.encode(bytes32(0))) == 0x66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925,
            "sha256 vector"
        );
    }

    // -- gas, against BEP3 (ERC-20 initiate 162,127, claim 36,405, refund 34,336) and dcrdex (135,000 / 63,000 /
    //    43,000). Measured for a whole transaction by benchmarks/crosschain.py; here the in-call part is bounded.

    function test_gas_tokenLockClaimRefundStayUnderTheAnchors() public {
        bytes32 h = _hash(SECRET);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vm.prank(ALICE);
        token.transfer(BOB, 1); // a holder already: the common case of a swap counterparty
        vm.prank(ALICE);
        htlc.lock(h, deadline, BOB, address(token), 1); // warm the contract's token balance slot
        vm.prank(ALICE);
        uint256 g = gasleft();
        htlc.lock(h, deadline, BOB, address(token), 2);
        uint256 lockGas = g - gasleft();
        IHashedTimelock.Lock memory l = IHashedTimelock.Lock(ALICE, BOB, address(token), 2, h, deadline);
        g = gasleft();
        htlc.claim(l, SECRET);
        uint256 claimGas = g - gasleft();
        // the anchors are whole transactions (21,000 intrinsic + calldata included); in-call gas must leave room
        assertLe(lockGas + 21_000 + 3_000, 135_000, "lock under dcrdex init");
        assertLe(claimGas + 21_000 + 3_000, 63_000, "claim under dcrdex redeem");
    }
}

/// @notice Drives random locks, claims, refunds and time jumps over a native and an ERC-20 lock set, and keeps
///         what a correct HTLC must have: every lock it saw, with its expected state, and the open amounts.
contract HtlcHandler is Test {
    HashedTimelock internal immutable htlc;
    PlainERC20 internal immutable token;
    address[3] internal actors = [address(0x1001), address(0x1002), address(0x1003)];

    IHashedTimelock.Lock[] internal locks;
    bytes32[] internal preimages;
    mapping(bytes32 id => IHashedTimelock.State) public expected;
    uint256 public openNative;
    uint256 public openToken;
    uint256 public claims;
    uint256 public refunds;

    constructor(HashedTimelock htlc_, PlainERC20 token_) {
        htlc = htlc_;
        token = token_;
        for (uint256 i = 0; i < actors.length; ++i) {
            vm.deal(actors[i], 1e24);
            vm.prank(actors[i]);
            token.approve(address(htlc_), type(uint256).max);
        }
    }

    function lockCount() external view returns (uint256) {
        return locks.length;
    }

    function lockAt(uint256 i) external view returns (IHashedTimelock.Lock memory) {
        return locks[i];
    }

    function lock(uint256 seed, uint256 amount, uint256 duration, bool native) external {
        bytes32 preimage = keccak256(abi.encode(seed, locks.length));
        IHashedTimelock.Lock memory l = IHashedTimelock.Lock(
            actors[seed % 3],
            actors[(seed / 3) % 3],
            native ? address(0) : address(token),
            bound(amount, 1, 1e20),
            sha256(abi.encode(preimage)),
            uint64(block.timestamp + bound(duration, 1, 10 days))
        );
        vm.prank(l.sender);
        bytes32 id = htlc.lock{value: native ? l.amount : 0}(l.hash, l.deadline, l.recipient, l.token, l.amount);
        locks.push(l);
        preimages.push(preimage);
        expected[id] = IHashedTimelock.State.Open;
        if (native) openNative += l.amount;
        else openToken += l.amount;
    }

    /// @notice Claims lock `i` with its preimage, or a wrong one; whatever the lock's state and the time, the
    ///         contract must accept exactly when it is open, before its deadline, with the right preimage.
    function claim(uint256 i, bool wrongPreimage) external {
        if (locks.length == 0) return;
        IHashedTimelock.Lock memory l = locks[i % locks.length];
        bytes32 id = htlc.idOf(l);
        bytes32 preimage = wrongPreimage ? keccak256("wrong") : preimages[i % locks.length];
        bool ok = expected[id] == IHashedTimelock.State.Open && block.timestamp < l.deadline && !wrongPreimage;
        uint256 before = _balance(l.token, l.recipient);
        try htlc.claim(l, preimage) {
            assertTrue(ok, "a claim was accepted that must be refused");
            assertEq(_balance(l.token, l.recipient) - before, l.amount, "recipient paid the amount");
            expected[id] = IHashedTimelock.State.Claimed;
            _close(l);
            ++claims;
        } catch {
            assertTrue(!ok, "a valid claim was refused");
        }
    }

    /// @notice Refunds lock `i`: accepted exactly when it is open and its deadline has come.
    function refund(uint256 i) external {
        if (locks.length == 0) return;
        IHashedTimelock.Lock memory l = locks[i % locks.length];
        bytes32 id = htlc.idOf(l);
        bool ok = expected[id] == IHashedTimelock.State.Open && block.timestamp >= l.deadline;
        uint256 before = _balance(l.token, l.sender);
        try htlc.refund(l) {
            assertTrue(ok, "a refund was accepted that must be refused");
            assertEq(_balance(l.token, l.sender) - before, l.amount, "sender refunded the amount");
            expected[id] = IHashedTimelock.State.Refunded;
            _close(l);
            ++refunds;
        } catch {
            assertTrue(!ok, "a valid refund was refused");
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 days));
    }

    function _close(IHashedTimelock.Lock memory l) private {
        if (l.token == address(0)) openNative -= l.amount;
        else openToken -= l.amount;
    }

    function _balance(address tok, address who) private view returns (uint256) {
        return tok == address(0) ? who.balance : PlainERC20(tok).balanceOf(who);
    }
}

/// @notice Invariants: a lock is claimed or refunded, never both, and only as the handler's model allows (no claim
///         without the preimage or after the deadline, no refund before it: the handler asserts each outcome);
///         the contract's balances equal the open locks.
contract HashedTimelockInvariantTest is Test {
    HashedTimelock internal htlc;
    PlainERC20 internal token;
    HtlcHandler internal handler;

    function setUp() public {
        htlc = new HashedTimelock(address(this), address(this));
        token = new PlainERC20(address(this), 1e30);
        handler = new HtlcHandler(htlc, token);
        for (uint160 a = 0x1001; a <= 0x1003; ++a) {
            token.transfer(address(a), 1e27);
        }
        targetContract(address(handler));
    }

    function invariant_balancesEqualTheOpenLocks() public view {
        assertEq(address(htlc).balance, handler.openNative(), "native held == open native locks");
        assertEq(token.balanceOf(address(htlc)), handler.openToken(), "tokens held == open token locks");
    }

    function invariant_eachLockEndsOnceAsTheModelSays() public view {
        uint256 n = handler.lockCount();
        uint256 closed;
        for (uint256 i = 0; i < n; ++i) {
            bytes32 id = htlc.idOf(handler.lockAt(i));
            IHashedTimelock.State state = htlc.stateOf(id);
            assertTrue(state == handler.expected(id), "state matches the model");
            assertTrue(state != IHashedTimelock.State.None, "every lock is known");
            if (state != IHashedTimelock.State.Open) ++closed;
        }
        assertEq(closed, handler.claims() + handler.refunds(), "each lock closed once: claims + refunds");
    }
}
