// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IBridge} from "../../contracts/crosschain/IBridge.sol";
import {Bridge} from "../../contracts/crosschain/Bridge.sol";
import {WrappedResourceToken} from "../../contracts/crosschain/WrappedResourceToken.sol";
import {PlainERC20} from "../../contracts/reference/PlainERC20.sol";
import {UUPSProxy} from "../../contracts/security/UUPSProxy.sol";
import {Test} from "./utils/Test.sol";

/// @notice A Bridge as deployed: its implementation behind a UUPS proxy, initialized in the proxy's constructor.
function deployBridge(
    address admin,
    address guardian,
    address[] memory guardians,
    uint8 threshold,
    uint64 delay,
    uint256 dailyLimit,
    uint256 largeTransfer
) returns (Bridge) {
    bytes memory init =
        abi.encodeCall(Bridge.initialize, (admin, guardian, guardians, threshold, delay, dailyLimit, largeTransfer));
    return Bridge(address(new UUPSProxy(address(new Bridge()), init)));
}

/// @notice The one cheatcode beyond utils/Test.sol's: two bridges in one EVM act as two chains by switching
///         `block.chainid` before each call on a side.
interface VmChainId {
    function chainId(uint256 newChainId) external;
}

/// @notice 19 guardian keys sorted by address (Wormhole's set size), a 13-of-19 quorum, and signing helpers.
abstract contract GuardianKeys is Test {
    VmChainId internal constant vmc = VmChainId(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint64 internal constant CHAIN_A = 1001;
    uint64 internal constant CHAIN_B = 1002;
    uint8 internal constant THRESHOLD = 13;
    uint256[] internal keys;
    address[] internal guardians;

    function _makeGuardians(uint256 n) internal {
        for (uint256 i = 1; i <= n; ++i) {
            uint256 k = uint256(keccak256(abi.encode("guardian", i)));
            address a = vm.addr(k);
            // insertion sort by address: the contract wants the set, and the signatures, ascending
            keys.push(k);
            guardians.push(a);
            for (uint256 j = guardians.length - 1; j > 0 && guardians[j - 1] > guardians[j]; --j) {
                (guardians[j - 1], guardians[j]) = (guardians[j], guardians[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev signatures of the first `k` guardians (ascending) over `digest`
    function _sigs(bytes32 digest, uint256 k) internal view returns (bytes[] memory out) {
        out = new bytes[](k);
        for (uint256 i = 0; i < k; ++i) out[i] = _sig(keys[i], digest);
    }

    function _deliver(Bridge target, uint64 targetChain, IBridge.Message memory m) internal {
        vmc.chainId(targetChain);
        target.deliver(m, _sigs(target.deliveryDigest(m), THRESHOLD));
    }
}

/// @notice Two bridges in one EVM acting as chains A and B, the token of chain A, and the accounts the unit tests
///         send from and to.
abstract contract TwoBridges is GuardianKeys {
    Bridge internal a;
    Bridge internal b;
    PlainERC20 internal token;
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant PAUSER = address(0x6AAD);

    /// @dev the 19 guardians; bridge A on chain A, the token (all of it held by `holder`), bridge B on chain B
    function _deployBridges(address pauser, address holder, uint256 dailyLimit, uint256 largeTransfer) internal {
        _makeGuardians(19);
        vm.warp(1_000_000);
        vmc.chainId(CHAIN_A);
        a = deployBridge(address(this), pauser, guardians, THRESHOLD, 1 days, dailyLimit, largeTransfer);
        token = new PlainERC20(holder, 1e30);
        vmc.chainId(CHAIN_B);
        b = deployBridge(address(this), pauser, guardians, THRESHOLD, 1 days, dailyLimit, largeTransfer);
    }

    /// @dev ALICE sends `amount` of the token from A to BOB on `target`
    function _send(uint64 target, uint256 amount) internal returns (IBridge.Message memory) {
        vmc.chainId(CHAIN_A);
        vm.prank(ALICE);
        uint64 nonce = a.send(address(token), amount, target, BOB);
        return IBridge.Message(CHAIN_A, target, nonce, CHAIN_A, address(token), amount, ALICE, BOB);
    }
}

/// @notice Unit tests of the bridge: both directions, each refusal of an attestation, the rate limits, the pause,
///         and the gas of lock, 13-of-19 delivery, burn and release.
contract BridgeTest is TwoBridges {
    uint256 internal constant DAILY = 1_000e18;
    uint256 internal constant LARGE = 500e18;

    function setUp() public {
        _deployBridges(PAUSER, ALICE, DAILY, LARGE);
        vm.prank(ALICE);
        token.approve(address(a), type(uint256).max);
    }

    function _msg(uint64 nonce, uint256 amount) internal view returns (IBridge.Message memory) {
        return IBridge.Message(CHAIN_A, CHAIN_B, nonce, CHAIN_A, address(token), amount, ALICE, BOB);
    }

    function _sendAB(uint256 amount) internal returns (IBridge.Message memory) {
        return _send(CHAIN_B, amount);
    }

    function test_roundTrip_lockMintBurnRelease() public {
        IBridge.Message memory m = _sendAB(10e18);
        assertEq(a.locked(CHAIN_B, address(token)), 10e18, "locked for the route");
        (IBridge.Outbound st, ) = a.outbound(m.nonce);
        assertTrue(st == IBridge.Outbound.Published, "published at once");
        _deliver(b, CHAIN_B, m);
        WrappedResourceToken w = WrappedResourceToken(b.wrappedOf(CHAIN_A, address(token)));
        assertEq(w.balanceOf(BOB), 10e18, "minted to the recipient");
        assertEq(w.bridge(), address(b), "only the bridge mints");
        assertTrue(b.isDelivered(CHAIN_A, m.nonce), "delivered");
        vm.expectRevert(abi.encodeWithSelector(WrappedResourceToken.WrappedResourceTokenOnlyBridge.selector, BOB));
        vm.prank(BOB);
        w.mint(BOB, 1);
        // back: burn on B, release on A
        vm.prank(BOB);
        uint64 nonce = b.send(address(w), 4e18, CHAIN_A, ALICE);
        assertEq(w.totalSupply(), 6e18, "burned");
        IBridge.Message memory back = IBridge.Message(CHAIN_B, CHAIN_A, nonce, CHAIN_A, address(token), 4e18, BOB, ALICE);
        uint256 before = token.balanceOf(ALICE);
        _deliver(a, CHAIN_A, back);
        assertEq(token.balanceOf(ALICE) - before, 4e18, "released");
        assertEq(a.locked(CHAIN_B, address(token)), 6e18, "lock follows the supply");
        // a wrapped token only goes home
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeWrongReturnChain.selector, CHAIN_A, 1003));
        vm.prank(BOB);
        b.send(address(w), 1, 1003, ALICE);
    }

    function test_replayRefused_sameRouteOtherRouteOtherBridge() public {
        IBridge.Message memory m = _sendAB(1e18);
        vmc.chainId(CHAIN_B);
        bytes[] memory sigs = _sigs(b.deliveryDigest(m), THRESHOLD);
        b.deliver(m, sigs);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeAlreadyDelivered.selector, CHAIN_A, m.nonce));
        b.deliver(m, sigs);
        // another bridge on the same chain: its domain differs, so the signatures recover strangers
        Bridge other = deployBridge(address(this), PAUSER, guardians, THRESHOLD, 1 days, DAILY, LARGE);
        vm.expectRevert();
        other.deliver(m, sigs);
        // the same message on another chain (the same bridge address there): refused by target, then by domain
        vmc.chainId(1003);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeWrongChain.selector, CHAIN_B));
        b.deliver(m, sigs);
        // rerouted (target changed): the digest changes, the signatures no longer match
        IBridge.Message memory rerouted = m;
        rerouted.targetChainId = 1003;
        vm.expectRevert();
        b.deliver(rerouted, sigs);
    }

    function test_forgedOrShortQuorumRefused() public {
        IBridge.Message memory m = _sendAB(1e18);
        vmc.chainId(CHAIN_B);
        bytes32 d = b.deliveryDigest(m);
        bytes[] memory short_ = _sigs(d, THRESHOLD - 1);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeQuorumNotMet.selector, THRESHOLD - 1, THRESHOLD));
        b.deliver(m, short_);
        bytes[] memory dup = _sigs(d, THRESHOLD);
        dup[1] = dup[0];
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeSignersNotSorted.selector, guardians[0]));
        b.deliver(m, dup);
        bytes[] memory unsorted = _sigs(d, THRESHOLD);
        (unsorted[0], unsorted[1]) = (unsorted[1], unsorted[0]);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeSignersNotSorted.selector, guardians[0]));
        b.deliver(m, unsorted);
        bytes[] memory forged = _sigs(d, THRESHOLD);
        uint256 stranger = 0xBAD;
        forged[THRESHOLD - 1] = _sig(stranger, d);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotGuardian.selector, vm.addr(stranger)));
        b.deliver(m, forged);
        // a quorum over another amount does not deliver this one
        IBridge.Message memory more = m;
        more.amount = 1_000e18;
        bytes[] memory good = _sigs(d, THRESHOLD);
        vm.expectRevert();
        b.deliver(more, good);
    }

    function test_quorumCannotReleaseMoreThanLockedForTheRoute() public {
        _sendAB(5e18);
        // a (compromised) quorum attests a return of more than the route locked
        IBridge.Message memory back = IBridge.Message(CHAIN_B, CHAIN_A, 1, CHAIN_A, address(token), 6e18, BOB, BOB);
        vmc.chainId(CHAIN_A);
        bytes[] memory sigs = _sigs(a.deliveryDigest(back), THRESHOLD);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeInsufficientLocked.selector, 5e18, 6e18));
        a.deliver(back, sigs);
    }

    function test_largeTransferDelayedThenReleased() public {
        IBridge.Message memory m = _sendAB(LARGE);
        (IBridge.Outbound st, uint64 releaseAt) = a.outbound(m.nonce);
        assertTrue(st == IBridge.Outbound.Delayed, "delayed");
        assertEq(releaseAt, block.timestamp + 1 days, "by the delay");
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeStillDelayed.selector, releaseAt));
        a.releaseDelayed(m);
        vm.warp(releaseAt);
        a.releaseDelayed(m);
        (st, ) = a.outbound(m.nonce);
        assertTrue(st == IBridge.Outbound.Published, "published after the delay");
        bytes[] memory sigs = _sigs(a.cancelDigest(m), THRESHOLD);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotDelayed.selector, m.nonce));
        a.cancelDelayed(m, sigs);
        // once the delay is over, the guardians can no longer cancel
        IBridge.Message memory late = _sendAB(LARGE);
        (, releaseAt) = a.outbound(late.nonce);
        vm.warp(releaseAt);
        sigs = _sigs(a.cancelDigest(late), THRESHOLD);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeDelayOver.selector, releaseAt));
        a.cancelDelayed(late, sigs);
    }

    function test_dailyLimitDelaysTheOverflowOnly() public {
        _sendAB(400e18);
        _sendAB(400e18);
        IBridge.Message memory m3 = _sendAB(400e18); // 1,200 > 1,000 today
        (IBridge.Outbound st, ) = a.outbound(m3.nonce);
        assertTrue(st == IBridge.Outbound.Delayed, "over the day's limit: delayed");
        (, , uint256 used) = a.limitsOf(address(token), CHAIN_B);
        assertEq(used, 800e18, "delayed transfers do not count");
        vm.warp(block.timestamp + 1 days);
        IBridge.Message memory m4 = _sendAB(400e18);
        (st, ) = a.outbound(m4.nonce);
        assertTrue(st == IBridge.Outbound.Published, "a new day");
        a.setLimits(address(token), CHAIN_B, 10_000e18, 5_000e18);
        (st, ) = a.outbound(_sendAB(4_000e18).nonce);
        assertTrue(st == IBridge.Outbound.Published, "per-token limits");
    }

    function test_guardiansCancelADelayedTransfer() public {
        uint256 start = token.balanceOf(ALICE);
        IBridge.Message memory m = _sendAB(LARGE);
        bytes32 d = a.cancelDigest(m);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeQuorumNotMet.selector, THRESHOLD - 1, THRESHOLD));
        a.cancelDelayed(m, _sigs(d, THRESHOLD - 1));
        // a delivery attestation is not a cancellation (another type)
        vmc.chainId(CHAIN_A);
        bytes[] memory wrongType = _sigs(a.deliveryDigest(m), THRESHOLD);
        vm.expectRevert();
        a.cancelDelayed(m, wrongType);
        a.cancelDelayed(m, _sigs(d, THRESHOLD));
        assertEq(token.balanceOf(ALICE), start, "refunded");
        assertEq(a.locked(CHAIN_B, address(token)), 0, "unlocked");
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotDelayed.selector, m.nonce));
        a.releaseDelayed(m);
    }

    function test_pauseByGuardianResumeByAdmin() public {
        vm.prank(address(0xBEEF));
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotGuardian.selector, address(0xBEEF)));
        a.guardianPause();
        vm.prank(guardians[5]);
        a.guardianPause();
        vm.prank(ALICE);
        vm.expectRevert();
        a.send(address(token), 1, CHAIN_B, BOB);
        vm.prank(guardians[5]);
        vm.expectRevert();
        a.unpause();
        a.unpause();
        _sendAB(1);
    }

    function test_guardianSetRotation() public {
        IBridge.Message memory m = _sendAB(1e18);
        vmc.chainId(CHAIN_B);
        bytes[] memory old = _sigs(b.deliveryDigest(m), THRESHOLD);
        address[] memory one = new address[](1);
        one[0] = vm.addr(0xC0FFEE);
        b.setGuardians(one, 1);
        vm.expectRevert(abi.encodeWithSelector(IBridge.BridgeNotGuardian.selector, guardians[0]));
        b.deliver(m, old);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sig(0xC0FFEE, b.deliveryDigest(m));
        b.deliver(m, sigs);
        vm.expectRevert(IBridge.BridgeBadGuardianSet.selector);
        b.setGuardians(one, 2);
    }

    // -- gas: in-call gas of each step in its steady state (the wrapped token exists, balances are non-zero);
    //    whole transactions (21,000 + calldata) are measured by benchmarks/crosschain.py

    function test_gas_lockDeliverBurnRelease()
        public
        returns (uint256 gasLock, uint256 gasDeliver13of19, uint256 gasBurn, uint256 gasRelease)
    {
        _deliver(b, CHAIN_B, _sendAB(1e18)); // first transfer: creates the wrapped token
        vmc.chainId(CHAIN_A);
        vm.prank(ALICE);
        uint256 g = gasleft();
        uint64 nonce = a.send(address(token), 2e18, CHAIN_B, BOB);
        gasLock = g - gasleft();
        IBridge.Message memory m = _msg(nonce, 2e18);
        vmc.chainId(CHAIN_B);
        bytes[] memory sigs = _sigs(b.deliveryDigest(m), THRESHOLD);
        g = gasleft();
        b.deliver(m, sigs);
        gasDeliver13of19 = g - gasleft();
        address w = b.wrappedOf(CHAIN_A, address(token));
        vm.prank(BOB);
        g = gasleft();
        nonce = b.send(w, 1e18, CHAIN_A, ALICE);
        gasBurn = g - gasleft();
        IBridge.Message memory back = IBridge.Message(CHAIN_B, CHAIN_A, nonce, CHAIN_A, address(token), 1e18, BOB, ALICE);
        vmc.chainId(CHAIN_A);
        sigs = _sigs(a.deliveryDigest(back), THRESHOLD);
        g = gasleft();
        a.deliver(back, sigs);
        gasRelease = g - gasleft();
        assertLe(gasDeliver13of19, 200_000, "13-of-19 delivery stays under 200k");
    }
}

/// @notice What both bridge handlers do over two bridges acting as chains A and B: random sends both ways (a
///         transfer the bridge delays waits in `delayed`, a published one in its route's queue), delayed transfers
///         released or cancelled by the guardians, and time passing. Each handler delivers the queues its own way.
abstract contract TwoBridgeHandler is GuardianKeys {
    Bridge internal immutable a;
    Bridge internal immutable b;
    PlainERC20 internal immutable token;
    address[3] internal actors = [address(0x1001), address(0x1002), address(0x1003)];

    IBridge.Message[] internal publishedAB;
    IBridge.Message[] internal publishedBA;
    IBridge.Message[] internal delayed;
    uint256 public deliveries;
    uint256 public doubleDeliveries;

    constructor(Bridge a_, Bridge b_, PlainERC20 token_, uint256[] memory keys_, address[] memory guardians_) {
        a = a_;
        b = b_;
        token = token_;
        keys = keys_;
        guardians = guardians_;
        for (uint256 i = 0; i < actors.length; ++i) {
            vm.prank(actors[i]);
            token.approve(address(a_), type(uint256).max);
        }
    }

    function sendAB(uint256 actorSeed, uint256 amount) external {
        address from = actors[actorSeed % 3];
        if (token.balanceOf(from) == 0) return;
        amount = bound(amount, 1, token.balanceOf(from) < 300e18 ? token.balanceOf(from) : 300e18);
        vmc.chainId(CHAIN_A);
        vm.prank(from);
        uint64 nonce = a.send(address(token), amount, CHAIN_B, from);
        IBridge.Message memory m = IBridge.Message(CHAIN_A, CHAIN_B, nonce, CHAIN_A, address(token), amount, from, from);
        (IBridge.Outbound st, ) = a.outbound(nonce);
        if (st == IBridge.Outbound.Delayed) delayed.push(m);
        else publishedAB.push(m);
    }

    function sendBA(uint256 actorSeed, uint256 amount) external {
        address w = b.wrappedOf(CHAIN_A, address(token));
        if (w == address(0)) return;
        address from = actors[actorSeed % 3];
        uint256 held = WrappedResourceToken(w).balanceOf(from);
        if (held == 0) return;
        amount = bound(amount, 1, held);
        vmc.chainId(CHAIN_B);
        vm.prank(from);
        uint64 nonce = b.send(w, amount, CHAIN_A, from);
        IBridge.Message memory m = IBridge.Message(CHAIN_B, CHAIN_A, nonce, CHAIN_A, address(token), amount, from, from);
        (IBridge.Outbound st, ) = b.outbound(nonce);
        if (st == IBridge.Outbound.Delayed) delayed.push(m);
        else publishedBA.push(m);
    }

    function settleDelayed(uint256 index, bool cancel) external {
        if (delayed.length == 0) return;
        index %= delayed.length;
        IBridge.Message memory m = delayed[index];
        delayed[index] = delayed[delayed.length - 1];
        delayed.pop();
        Bridge source = m.sourceChainId == CHAIN_A ? a : b;
        vmc.chainId(m.sourceChainId);
        (, uint64 releaseAt) = source.outbound(m.nonce);
        if (cancel && block.timestamp < releaseAt) {
            source.cancelDelayed(m, _sigs(source.cancelDigest(m), THRESHOLD));
            return;
        }
        if (block.timestamp < releaseAt) vm.warp(releaseAt);
        source.releaseDelayed(m);
        if (m.sourceChainId == CHAIN_A) publishedAB.push(m);
        else publishedBA.push(m);
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 2 days));
    }
}

/// @notice Drives random sends both ways, deliveries (each attempted twice), delayed releases and guardian
///         cancellations over two bridges acting as chains A and B, and keeps the model of what was delivered.
contract BridgeHandler is TwoBridgeHandler {
    constructor(Bridge a_, Bridge b_, PlainERC20 token_, uint256[] memory keys_, address[] memory guardians_)
        TwoBridgeHandler(a_, b_, token_, keys_, guardians_)
    {}

    function deliver(uint256 index, bool toB) external {
        IBridge.Message[] storage q = toB ? publishedAB : publishedBA;
        if (q.length == 0) return;
        index %= q.length;
        IBridge.Message memory m = q[index];
        q[index] = q[q.length - 1];
        q.pop();
        Bridge target = toB ? b : a;
        uint64 chain = toB ? CHAIN_B : CHAIN_A;
        vmc.chainId(chain);
        bytes[] memory sigs = _sigs(target.deliveryDigest(m), THRESHOLD);
        target.deliver(m, sigs);
        ++deliveries;
        // a relayer that delivers again (a restart, a race) must be refused
        try target.deliver(m, sigs) {
            ++doubleDeliveries;
        } catch {}
    }
}

/// @notice The bridge's invariants over two bridges (chains A and B) driven by a handler: what B minted never exceeds
///         what A locked for the route, A holds exactly what it locked, and no message is delivered twice.
abstract contract TwoBridgeInvariants is TwoBridges {
    TwoBridgeHandler internal handler;

    /// @dev the handler's three actors get 2,000 tokens each; the fuzzer calls the handler only
    function _useHandler(TwoBridgeHandler handler_) internal {
        handler = handler_;
        for (uint160 x = 0x1001; x <= 0x1003; ++x) token.transfer(address(x), 2_000e18);
        targetContract(address(handler_));
    }

    function invariant_mintedNeverExceedsLockedPerRoute() public view {
        address w = b.wrappedOf(CHAIN_A, address(token));
        uint256 minted = w == address(0) ? 0 : WrappedResourceToken(w).totalSupply();
        assertLe(minted, a.locked(CHAIN_B, address(token)), "wrapped supply on B <= locked on A for A->B");
        assertEq(token.balanceOf(address(a)), a.locked(CHAIN_B, address(token)), "A holds what it locked");
    }

    function invariant_noMessageDeliveredTwice() public view {
        assertEq(handler.doubleDeliveries(), 0, "a second delivery was accepted");
    }
}

/// @notice The invariants on the guardian path: deliveries by a 13-of-19 guardian quorum.
contract BridgeInvariantTest is TwoBridgeInvariants {
    function setUp() public {
        _deployBridges(address(0), address(this), 1_000e18, 250e18);
        _useHandler(new BridgeHandler(a, b, token, keys, guardians));
    }
}
