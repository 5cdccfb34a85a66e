// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ISLAContract} from "../../contracts/orchestrator/ISLAContract.sol";
import {SLAContract} from "../../contracts/orchestrator/SLAContract.sol";
import {UUPSProxy} from "../../contracts/security/UUPSProxy.sol";
import {Test} from "./utils/Test.sol";

/// @notice A plain ERC-20 anyone can mint (test only).
contract MintableToken is ERC20 {
    constructor() ERC20("Test", "TST") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice An ERC-20 that keeps 1% of every transfer (the SLA contract must refuse it).
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0xFEE), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

abstract contract SLAFixture is Test {
    SLAContract internal sla;
    MintableToken internal token;
    address internal provider = address(0x9801);
    address internal customer = address(0xC057);
    address internal guardian = address(0x6A2D);
    uint256[5] internal oracleKeys = [uint256(0x0A1), 0x0A2, 0x0A3, 0x0A4, 0x0A5];
    address[] internal oracles;
    uint256 internal constant WINDOW = 1 days;

    function _deploySla() internal {
        for (uint256 i = 0; i < 5; ++i) {
            oracles.push(vm.addr(oracleKeys[i]));
        }
        // as deployed: behind a UUPS proxy, initialized in the proxy's constructor
        bytes memory init = abi.encodeCall(SLAContract.initialize, (address(this), guardian, oracles, 3, WINDOW));
        sla = SLAContract(address(new UUPSProxy(address(new SLAContract()), init)));
        token = new MintableToken();
    }

    /// @dev The seed's SLA: uptime >= 99.9 (penalty 1000), latency <= 100 ms (penalty 500), stake 10000.
    function _seedGuarantees() internal pure returns (ISLAContract.Guarantee[] memory g) {
        g = new ISLAContract.Guarantee[](2);
        g[0] = ISLAContract.Guarantee("uptime", 99_900, 1000, false);
        g[1] = ISLAContract.Guarantee("latency", 100_000, 500, true);
    }

    function _open(uint256 stake, uint256 fee, uint256 duration) internal returns (uint256 id) {
        token.mint(provider, stake);
        token.mint(customer, fee);
        vm.startPrank(provider);
        token.approve(address(sla), stake);
        id = sla.createSLA(customer, address(token), _seedGuarantees(), stake, fee, duration, 1 hours);
        vm.stopPrank();
        vm.startPrank(customer);
        token.approve(address(sla), fee);
        sla.acceptSLA(id);
        vm.stopPrank();
    }

    /// @dev Signatures of oracles `which` (indices), sorted by signer address as the contract requires.
    function _sign(ISLAContract.ViolationReport memory r, uint256[] memory which)
        internal
        view
        returns (bytes[] memory sigs)
    {
        bytes32 digest = sla.reportDigest(r);
        uint256 n = which.length;
        uint256[] memory keys = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            keys[i] = oracleKeys[which[i]];
        }
        for (uint256 i = 0; i < n; ++i) {
            for (uint256 j = i + 1; j < n; ++j) {
                if (vm.addr(keys[j]) < vm.addr(keys[i])) (keys[i], keys[j]) = (keys[j], keys[i]);
            }
        }
        sigs = new bytes[](n);
        for (uint256 i = 0; i < n; ++i) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(rr, s, v);
        }
    }

    function _first(uint256 n) internal pure returns (uint256[] memory w) {
        w = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            w[i] = i;
        }
    }
}

contract SLAContractTest is SLAFixture {
    uint256 internal id;
    uint256 internal start;

    function setUp() public {
        _deploySla();
        id = _open(10_000, 300, 30 days);
        start = block.timestamp;
        vm.warp(block.timestamp + 1 hours);
    }

    function _report(bytes32 g, uint256 actual, uint256 period) internal pure returns (ISLAContract.ViolationReport memory) {
        return ISLAContract.ViolationReport(1, g, actual, period);
    }

    function test_seedSlaIsRecorded() public view {
        ISLAContract.SLAInfo memory s = sla.getSLA(id);
        assertEq(s.provider, provider, "provider");
        assertEq(s.customer, customer, "customer");
        assertEq(uint256(s.status), uint256(ISLAContract.SLAStatus.Active), "active");
        assertEq(s.stake, 10_000, "stake");
        assertEq(s.fee, 300, "fee");
        assertEq(s.expiresAt, start + 30 days, "expiry");
        assertEq(s.interval, 1 hours, "monitoring window");
        assertEq(token.balanceOf(address(sla)), 10_300, "stake and fee held");
        ISLAContract.Guarantee[] memory g = sla.guaranteesOf(id);
        assertEq(g.length, 2, "two guarantees");
        assertTrue(g[0].name == "uptime" && g[0].target == 99_900 && g[0].penalty == 1000 && !g[0].upperBound, "uptime");
        assertTrue(g[1].name == "latency" && g[1].target == 100_000 && g[1].upperBound, "latency");
    }

    function test_oracleQuorumPaysThePenaltyOnce() public {
        ISLAContract.ViolationReport memory r = _report("uptime", 99_500, block.timestamp);
        bytes[] memory sigs = _sign(r, _first(3));
        sla.submitReport(r, sigs); // relayed by anyone
        assertEq(token.balanceOf(customer), 1000, "penalty paid to the customer");
        assertEq(sla.getSLA(id).penaltiesPaid, 1000, "recorded");
        (ISLAContract.Outcome o, uint256 actual,) = sla.outcomeOf(id, "uptime", r.period);
        assertEq(uint256(o), uint256(ISLAContract.Outcome.Penalized), "penalized");
        assertEq(actual, 99_500, "value kept");
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAAlreadySettled.selector, id, bytes32("uptime"), r.period));
        sla.submitReport(r, sigs);
        // the other guarantee of the same period is its own key
        ISLAContract.ViolationReport memory l = _report("latency", 250_000, r.period);
        sla.submitReport(l, _sign(l, _first(4)));
        assertEq(token.balanceOf(customer), 1500, "latency penalty too");
    }

    function test_quorumAndSignatureChecks() public {
        ISLAContract.ViolationReport memory r = _report("uptime", 99_500, block.timestamp);
        bytes[] memory two = _sign(r, _first(2));
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAQuorumNotReached.selector, 2, 3));
        sla.submitReport(r, two);
        bytes[] memory sigs = _sign(r, _first(3));
        bytes[] memory dup = new bytes[](3);
        (dup[0], dup[1], dup[2]) = (sigs[0], sigs[1], sigs[1]);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidSignature.selector, 2));
        sla.submitReport(r, dup);
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(0xBAD, sla.reportDigest(r));
        sigs[0] = abi.encodePacked(rr, s, v);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidSignature.selector, 0));
        sla.submitReport(r, sigs);
        // a signature over another value does not carry over
        ISLAContract.ViolationReport memory other = _report("uptime", 90_000, r.period);
        bytes[] memory forR = _sign(r, _first(3));
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidSignature.selector, 0));
        sla.submitReport(other, forR);
        assertEq(token.balanceOf(customer), 0, "nothing paid");
    }

    function test_compliantReportPaysNothingAndSettlesTheKey() public {
        ISLAContract.ViolationReport memory r = _report("latency", 80_000, block.timestamp);
        sla.submitReport(r, _sign(r, _first(3)));
        (ISLAContract.Outcome o,,) = sla.outcomeOf(id, "latency", r.period);
        assertEq(uint256(o), uint256(ISLAContract.Outcome.NoViolation), "no violation");
        assertEq(token.balanceOf(customer), 0, "nothing paid");
    }

    function test_periodMustBeWithinTheTermAndNotFuture() public {
        ISLAContract.ViolationReport memory r = _report("uptime", 99_000, block.timestamp + 1);
        bytes[] memory sigs = _sign(r, _first(3));
        vm.expectRevert(
            abi.encodeWithSelector(ISLAContract.SLAPeriodOutOfRange.selector, id, r.period, start, block.timestamp)
        );
        sla.submitReport(r, sigs);
        r.period = start;
        sigs = _sign(r, _first(3));
        vm.expectRevert(
            abi.encodeWithSelector(ISLAContract.SLAPeriodOutOfRange.selector, id, start, start, block.timestamp)
        );
        sla.submitReport(r, sigs);
        // within the term but not the end of a monitoring window
        r.period = start + 30 minutes;
        sigs = _sign(r, _first(3));
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAPeriodNotAligned.selector, id, r.period, 1 hours));
        sla.submitReport(r, sigs);
        vm.prank(customer);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAPeriodNotAligned.selector, id, r.period, 1 hours));
        sla.reportViolation(id, "uptime", 99_000, r.period);
    }

    function test_penaltiesStopAtTheStake() public {
        // 10 uptime violations of 1000 exhaust the 10000 stake; the 11th pays nothing
        for (uint256 i = 0; i < 11; ++i) {
            vm.warp(block.timestamp + 1 hours);
            ISLAContract.ViolationReport memory r = _report("uptime", 0, block.timestamp);
            sla.submitReport(r, _sign(r, _first(3)));
        }
        assertEq(token.balanceOf(customer), 10_000, "the whole stake, no more");
        assertEq(sla.getSLA(id).penaltiesPaid, 10_000, "capped");
    }

    function test_customerClaimPaysWhenUndisputed() public {
        vm.prank(customer);
        sla.reportViolation(id, "latency", 150_000, block.timestamp);
        assertEq(sla.getSLA(id).openClaims, 1, "open claim");
        uint256 deadline = block.timestamp + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLADisputeWindow.selector, deadline));
        sla.finalizeClaim(id, "latency", block.timestamp);
        uint256 period = block.timestamp;
        vm.warp(deadline);
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLADisputeWindow.selector, deadline));
        sla.disputeClaim(id, "latency", period);
        sla.finalizeClaim(id, "latency", period);
        assertEq(token.balanceOf(customer), 500, "paid after the window");
        vm.expectRevert(
            abi.encodeWithSelector(
                ISLAContract.SLAClaimWrongState.selector, id, bytes32("latency"), period, ISLAContract.Outcome.Penalized
            )
        );
        sla.finalizeClaim(id, "latency", period);
    }

    function test_customerClaimRules() public {
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAUnauthorized.selector, id, provider));
        sla.reportViolation(id, "uptime", 99_000, block.timestamp);
        vm.startPrank(customer);
        vm.expectRevert(
            abi.encodeWithSelector(ISLAContract.SLANoViolation.selector, id, bytes32("uptime"), 99_950, 99_900)
        );
        sla.reportViolation(id, "uptime", 99_950, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAUnknownGuarantee.selector, id, bytes32("jitter")));
        sla.reportViolation(id, "jitter", 1, block.timestamp);
        sla.reportViolation(id, "uptime", 99_000, block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISLAContract.SLAClaimWrongState.selector,
                id,
                bytes32("uptime"),
                block.timestamp,
                ISLAContract.Outcome.Claimed
            )
        );
        sla.reportViolation(id, "uptime", 98_000, block.timestamp);
        vm.stopPrank();
    }

    function test_disputedClaimIsDecidedByOracles() public {
        uint256 period = block.timestamp;
        vm.prank(customer);
        sla.reportViolation(id, "uptime", 99_000, period);
        vm.prank(provider);
        sla.disputeClaim(id, "uptime", period);
        (, , uint256 decideBy) = sla.outcomeOf(id, "uptime", period);
        assertEq(decideBy, block.timestamp + WINDOW, "oracles get one more dispute window");
        vm.warp(decideBy - 1);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLADecisionPending.selector, decideBy));
        sla.finalizeClaim(id, "uptime", period);
        // the oracles measured 99.95: compliant, the claim is rejected
        ISLAContract.ViolationReport memory r = _report("uptime", 99_950, period);
        sla.submitReport(r, _sign(r, _first(3)));
        (ISLAContract.Outcome o,,) = sla.outcomeOf(id, "uptime", period);
        assertEq(uint256(o), uint256(ISLAContract.Outcome.NoViolation), "rejected");
        assertEq(sla.getSLA(id).openClaims, 0, "closed");
        assertEq(token.balanceOf(customer), 0, "nothing paid");
    }

    /// Finding "a provider can make every customer SLA claim lapse by disputing it": disputed claims were dropped at
    /// settle and the provider took the whole stake back. Now a dispute the oracles do not decide times out in the
    /// customer's favour, and settlement waits for it.
    function test_aDisputeCannotSilenceAClaim() public {
        uint256 period = block.timestamp;
        vm.prank(customer);
        sla.reportViolation(id, "uptime", 99_000, period);
        vm.prank(provider);
        sla.disputeClaim(id, "uptime", period);
        vm.warp(start + 30 days + WINDOW); // past expiry and the settlement time; the oracles never reported
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLANotSettleable.selector, id, start + 30 days + WINDOW, 1));
        sla.settle(id); // the disputed claim is still open
        sla.finalizeClaim(id, "uptime", period); // anyone: the oracles' time is up
        (ISLAContract.Outcome o,,) = sla.outcomeOf(id, "uptime", period);
        assertEq(uint256(o), uint256(ISLAContract.Outcome.Penalized), "decided for the customer");
        assertEq(token.balanceOf(customer), 1000, "penalty paid");
        sla.settle(id);
        assertEq(token.balanceOf(provider), 10_000 - 1000 + 300, "provider gets the rest, not the penalty");
    }

    function test_oracleConfirmationPaysAPendingClaimAtOnce() public {
        uint256 period = block.timestamp;
        vm.prank(customer);
        sla.reportViolation(id, "uptime", 99_000, period);
        ISLAContract.ViolationReport memory r = _report("uptime", 99_100, period);
        sla.submitReport(r, _sign(r, _first(3)));
        assertEq(token.balanceOf(customer), 1000, "paid without waiting");
        assertEq(sla.getSLA(id).openClaims, 0, "closed");
    }

    function test_settlementAfterExpiryPaysTheProvider() public {
        ISLAContract.ViolationReport memory r = _report("uptime", 99_000, block.timestamp);
        sla.submitReport(r, _sign(r, _first(3)));
        vm.prank(customer);
        sla.reportViolation(id, "latency", 200_000, block.timestamp);
        vm.warp(start + 30 days);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLANotSettleable.selector, id, start + 30 days + WINDOW, 1));
        sla.settle(id);
        vm.warp(start + 30 days + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLANotSettleable.selector, id, start + 30 days + WINDOW, 1));
        sla.settle(id); // the pending claim must be finalized first
        sla.finalizeClaim(id, "latency", start + 1 hours);
        sla.settle(id);
        assertEq(token.balanceOf(provider), 10_000 - 1500 + 300, "rest of the stake plus the fee");
        assertEq(token.balanceOf(customer), 1500, "penalties");
        assertEq(token.balanceOf(address(sla)), 0, "nothing left");
        vm.expectRevert(
            abi.encodeWithSelector(ISLAContract.SLAWrongStatus.selector, id, ISLAContract.SLAStatus.Settled)
        );
        sla.settle(id);
    }

    function test_proposalRulesAndCancellation() public {
        token.mint(provider, 1000);
        vm.startPrank(provider);
        token.approve(address(sla), type(uint256).max);
        ISLAContract.Guarantee[] memory g = _seedGuarantees();
        vm.expectRevert(ISLAContract.SLAInvalidParties.selector);
        sla.createSLA(provider, address(token), g, 1000, 0, 1 days, 1 hours);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidAmount.selector, 0));
        sla.createSLA(customer, address(token), g, 0, 0, 1 days, 1 hours);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidDuration.selector, 60, 1 hours, 3650 days));
        sla.createSLA(customer, address(token), g, 1000, 0, 60, 60);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidInterval.selector, 2 days, 60, 1 days));
        sla.createSLA(customer, address(token), g, 1000, 0, 1 days, 2 days);
        g[1].name = "uptime";
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidGuarantee.selector, 1));
        sla.createSLA(customer, address(token), g, 1000, 0, 1 days, 1 hours);
        g[1].name = "latency";
        uint256 p = sla.createSLA(customer, address(token), g, 1000, 0, 1 days, 1 hours);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAUnauthorized.selector, p, address(this)));
        sla.cancelSLA(p);
        ISLAContract.ViolationReport memory r = ISLAContract.ViolationReport(p, "uptime", 1, block.timestamp);
        bytes[] memory sigs = _sign(r, _first(3));
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAWrongStatus.selector, p, ISLAContract.SLAStatus.Proposed));
        sla.submitReport(r, sigs);
        vm.prank(provider);
        sla.cancelSLA(p);
        assertEq(token.balanceOf(provider), 1000, "stake returned");
    }

    function test_feeOnTransferTokensAreRefused() public {
        FeeOnTransferToken fot = new FeeOnTransferToken();
        fot.mint(provider, 1000);
        vm.startPrank(provider);
        fot.approve(address(sla), 1000);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLATokenTransferMismatch.selector, 1000, 990));
        sla.createSLA(customer, address(fot), _seedGuarantees(), 1000, 0, 1 days, 1 hours);
        vm.stopPrank();
    }

    function test_adminChecks() public {
        address[] memory none = new address[](0);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidOracleSet.selector, 0, 1));
        sla.setOracles(none, 1);
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLADisputeWindowTooLong.selector, 31 days, 30 days));
        sla.setDisputeWindow(31 days);
        // a new oracle set: old signatures no longer count
        address[] memory one = new address[](1);
        one[0] = vm.addr(0x0B1);
        sla.setOracles(one, 1);
        ISLAContract.ViolationReport memory r = _report("uptime", 99_000, block.timestamp);
        bytes[] memory sigs = _sign(r, _first(3));
        vm.expectRevert(abi.encodeWithSelector(ISLAContract.SLAInvalidSignature.selector, 0));
        sla.submitReport(r, sigs);
    }
}

/// @notice Random reports (oracle quorums, sub-quorums, replays), customer claims, disputes, finalizations,
///         settlements and time across several SLAs; counts what was paid and which keys were applied.
contract SLAHandler is Test {
    SLAContract public immutable sla;
    MintableToken public immutable token;
    uint256[] internal _keys;
    address public constant PROVIDER = address(0x9801);
    address public constant CUSTOMER = address(0xC057);
    uint256[] public ids;
    bytes32[2] internal _names = [bytes32("uptime"), bytes32("latency")];

    mapping(bytes32 => uint256) public applied; // times a key produced a payout or a decision
    uint256 public appliedTwice;
    mapping(uint256 => uint256) public paidOf; // penalties observed per SLA (customer balance deltas)
    uint256 public settledMismatch;

    struct ClaimKey {
        uint256 id;
        bytes32 name;
        uint256 period;
    }

    ClaimKey[] public claims; // every customer claim ever accepted
    uint256 public settledWithOpenClaim;
    uint256 public timedOut; // disputed claims finalized for the customer after the oracles' deadline

    constructor(SLAContract sla_, MintableToken token_, uint256[] memory keys) {
        sla = sla_;
        token = token_;
        _keys = keys;
        vm.prank(PROVIDER);
        token.approve(address(sla_), type(uint256).max);
        vm.prank(CUSTOMER);
        token.approve(address(sla_), type(uint256).max);
    }

    function open(uint256 stake, uint256 fee) external {
        if (ids.length >= 4) return;
        stake = bound(stake, 1, 5000);
        fee = bound(fee, 0, 1000);
        token.mint(PROVIDER, stake);
        token.mint(CUSTOMER, fee);
        ISLAContract.Guarantee[] memory g = new ISLAContract.Guarantee[](2);
        g[0] = ISLAContract.Guarantee("uptime", 99_900, 1000, false);
        g[1] = ISLAContract.Guarantee("latency", 100_000, 500, true);
        vm.prank(PROVIDER);
        uint256 id = sla.createSLA(CUSTOMER, address(token), g, stake, fee, 10 days, 1 hours);
        vm.prank(CUSTOMER);
        sla.acceptSLA(id);
        ids.push(id);
    }

    function _pick(uint256 seed) internal view returns (uint256) {
        return ids.length == 0 ? 0 : ids[seed % ids.length];
    }

    function _period(uint256 id, uint256 seed) internal view returns (uint256) {
        ISLAContract.SLAInfo memory s = sla.getSLA(id);
        // a few distinct windows per SLA so that keys collide (replays) often
        return s.startsAt + (1 + seed % 4) * 1 hours;
    }

    function report(uint256 idSeed, uint256 nameSeed, uint256 actual, uint256 periodSeed, uint256 signers) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        ISLAContract.ViolationReport memory r =
            ISLAContract.ViolationReport(id, _names[nameSeed % 2], bound(actual, 0, 200_000), _period(id, periodSeed));
        uint256 n = bound(signers, 1, 5);
        bytes32 digest = sla.reportDigest(r);
        uint256[] memory ks = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            ks[i] = _keys[i];
        }
        for (uint256 i = 0; i < n; ++i) {
            for (uint256 j = i + 1; j < n; ++j) {
                if (vm.addr(ks[j]) < vm.addr(ks[i])) (ks[i], ks[j]) = (ks[j], ks[i]);
            }
        }
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i = 0; i < n; ++i) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(ks[i], digest);
            sigs[i] = abi.encodePacked(rr, s, v);
        }
        uint256 before = token.balanceOf(CUSTOMER);
        try sla.submitReport(r, sigs) {
            bytes32 key = keccak256(abi.encode(id, r.guarantee, r.period));
            if (++applied[key] > 1) ++appliedTwice;
            paidOf[id] += token.balanceOf(CUSTOMER) - before;
        } catch {
            require(token.balanceOf(CUSTOMER) == before, "a refused report paid");
        }
    }

    function claim(uint256 idSeed, uint256 nameSeed, uint256 actual, uint256 periodSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        uint256 period = _period(id, periodSeed);
        bytes32 name = _names[nameSeed % 2];
        vm.prank(CUSTOMER);
        try sla.reportViolation(id, name, bound(actual, 0, 200_000), period) {
            claims.push(ClaimKey(id, name, period));
        } catch {}
    }

    function dispute(uint256 idSeed, uint256 nameSeed, uint256 periodSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        uint256 period = _period(id, periodSeed);
        vm.prank(PROVIDER);
        try sla.disputeClaim(id, _names[nameSeed % 2], period) {} catch {}
    }

    function finalize(uint256 idSeed, uint256 nameSeed, uint256 periodSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        bytes32 name = _names[nameSeed % 2];
        uint256 period = _period(id, periodSeed);
        uint256 before = token.balanceOf(CUSTOMER);
        (ISLAContract.Outcome was,,) = sla.outcomeOf(id, name, period);
        try sla.finalizeClaim(id, name, period) {
            if (was == ISLAContract.Outcome.Disputed) ++timedOut;
            bytes32 key = keccak256(abi.encode(id, name, period));
            if (++applied[key] > 1) ++appliedTwice;
            paidOf[id] += token.balanceOf(CUSTOMER) - before;
        } catch {}
    }

    function settle(uint256 idSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        ISLAContract.SLAInfo memory s = sla.getSLA(id);
        uint256 before = token.balanceOf(PROVIDER);
        try sla.settle(id) {
            if (token.balanceOf(PROVIDER) - before != s.stake - paidOf[id] + s.fee) ++settledMismatch;
            for (uint256 i = 0; i < claims.length; ++i) {
                if (claims[i].id != id) continue;
                (ISLAContract.Outcome o,,) = sla.outcomeOf(id, claims[i].name, claims[i].period);
                if (o != ISLAContract.Outcome.Penalized && o != ISLAContract.Outcome.NoViolation) {
                    ++settledWithOpenClaim;
                }
            }
        } catch {}
    }

    /// Every open claim whose deadline passed can be decided by anyone: warps past the latest deadline of the SLA's
    /// open claims and finalizes each (a refusal fails the run: fail_on_revert).
    function decideAll(uint256 idSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        uint256 latest = block.timestamp;
        for (uint256 i = 0; i < claims.length; ++i) {
            ClaimKey memory c = claims[i];
            if (c.id != id) continue;
            (ISLAContract.Outcome o,, uint256 deadline) = sla.outcomeOf(id, c.name, c.period);
            if ((o == ISLAContract.Outcome.Claimed || o == ISLAContract.Outcome.Disputed) && deadline > latest) {
                latest = deadline;
            }
        }
        vm.warp(latest);
        for (uint256 i = 0; i < claims.length; ++i) {
            ClaimKey memory c = claims[i];
            if (c.id != id) continue;
            (ISLAContract.Outcome o,,) = sla.outcomeOf(id, c.name, c.period);
            if (o != ISLAContract.Outcome.Claimed && o != ISLAContract.Outcome.Disputed) continue;
            uint256 before = token.balanceOf(CUSTOMER);
            sla.finalizeClaim(id, c.name, c.period);
            if (o == ISLAContract.Outcome.Disputed) ++timedOut;
            bytes32 key = keccak256(abi.encode(id, c.name, c.period));
            if (++applied[key] > 1) ++appliedTwice;
            paidOf[id] += token.balanceOf(CUSTOMER) - before;
        }
        require(sla.getSLA(id).openClaims == 0, "an open claim could not be decided");
    }

    function claimCount() external view returns (uint256) {
        return claims.length;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 3 days));
    }

    function count() external view returns (uint256) {
        return ids.length;
    }
}

contract SLAContractInvariantTest is SLAFixture {
    SLAHandler internal handler;

    function setUp() public {
        _deploySla();
        uint256[] memory keys = new uint256[](5);
        for (uint256 i = 0; i < 5; ++i) {
            keys[i] = oracleKeys[i];
        }
        handler = new SLAHandler(sla, token, keys);
        vm.warp(1_000_000);
        targetContract(address(handler));
    }

    function invariant_penaltiesNeverExceedTheStake() public view {
        for (uint256 i = 0; i < handler.count(); ++i) {
            uint256 id = handler.ids(i);
            ISLAContract.SLAInfo memory s = sla.getSLA(id);
            assertLe(s.penaltiesPaid, s.stake, "penalties above the stake");
            assertEq(s.penaltiesPaid, handler.paidOf(id), "penalties recorded != paid to the customer");
        }
    }

    function invariant_aReportIsNeverAppliedTwice() public view {
        assertEq(handler.appliedTwice(), 0, "a key was applied twice");
    }

    function invariant_tokensHeldCoverEveryOpenSla() public view {
        uint256 owed;
        for (uint256 i = 0; i < handler.count(); ++i) {
            ISLAContract.SLAInfo memory s = sla.getSLA(handler.ids(i));
            if (s.status == ISLAContract.SLAStatus.Active) owed += s.stake - s.penaltiesPaid + s.fee;
        }
        assertEq(token.balanceOf(address(sla)), owed, "tokens held != what open SLAs are owed");
        assertEq(handler.settledMismatch(), 0, "a settlement paid the wrong amount");
    }

    /// Every claim ends in a decision: an SLA never settles with a claim open, and the open claims the contract
    /// counts are exactly the claims not yet paid or rejected.
    function invariant_everyClaimEndsInADecision() public view {
        assertEq(handler.settledWithOpenClaim(), 0, "settled with a claim undecided");
        uint256[] memory open = new uint256[](handler.count() + 1);
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            (uint256 id, bytes32 name, uint256 period) = handler.claims(i);
            (ISLAContract.Outcome o,,) = sla.outcomeOf(id, name, period);
            if (o == ISLAContract.Outcome.Claimed || o == ISLAContract.Outcome.Disputed) ++open[id];
            else assertTrue(o == ISLAContract.Outcome.Penalized || o == ISLAContract.Outcome.NoViolation, "lost");
        }
        for (uint256 i = 0; i < handler.count(); ++i) {
            uint256 id = handler.ids(i);
            assertEq(sla.getSLA(id).openClaims, open[id], "open claims != claims not decided");
        }
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.open(5000, 100);
        handler.warp(5 hours);
        handler.report(0, 0, 99_000, 0, 3); // uptime violated, quorum
        assertEq(handler.paidOf(1), 1000, "paid");
        handler.report(0, 0, 99_000, 0, 3); // replay: refused
        handler.claim(0, 1, 150_000, 1);
        handler.warp(2 days);
        handler.finalize(0, 1, 1);
        assertEq(handler.paidOf(1), 1500, "claim paid");
        handler.claim(0, 0, 99_000, 2);
        handler.dispute(0, 0, 2);
        handler.decideAll(0); // the oracles never decided: it times out for the customer
        assertEq(handler.timedOut(), 1, "disputed claim decided by the timeout");
        assertEq(handler.paidOf(1), 2500, "timed-out claim paid");
        for (uint256 i = 0; i < 4; ++i) {
            handler.warp(3 days);
        }
        handler.settle(0);
        assertEq(uint256(sla.getSLA(1).status), uint256(ISLAContract.SLAStatus.Settled), "settled");
        assertEq(handler.settledMismatch(), 0, "settled right");
    }
}
