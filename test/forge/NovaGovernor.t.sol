// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DIDRegistry} from "../../contracts/did/DIDRegistry.sol";
import {IDIDRegistry} from "../../contracts/did/IDIDRegistry.sol";
import {INovaGovernor} from "../../contracts/governance/INovaGovernor.sol";
import {NovaGovernor} from "../../contracts/governance/NovaGovernor.sol";
import {NovaTimelock} from "../../contracts/governance/NovaTimelock.sol";
import {NovaToken} from "../../contracts/governance/NovaToken.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {Test} from "./utils/Test.sol";

/// @notice The governance set as the deploy plan builds it, with the seed's numbers: 10M NOVA, threshold 100k,
///         delay 24 h, period 7 days, quorum 40% (4,000 bps), timelock 48 h; the timelock mints CPU.
abstract contract GovernanceFixture is Test {
    uint256 internal constant UNIT = 1e18;
    uint256 internal constant SUPPLY = 10_000_000 * UNIT;
    uint256 internal constant THRESHOLD = 100_000 * UNIT;
    uint48 internal constant DELAY = 1 days;
    uint32 internal constant PERIOD = 7 days;
    uint256 internal constant QUORUM_BPS = 4_000;
    uint256 internal constant TIMELOCK = 48 hours;
    uint256 internal constant MEMBERSHIP_EXPIRY = 400 days;

    NovaToken internal nova;
    NovaTimelock internal timelock;
    NovaGovernor internal governor;
    DIDRegistry internal registry;
    ResourceToken internal cpu;
    address internal issuer;

    function _deployGovernance() internal {
        vm.warp(1_700_000_000);
        issuer = address(this);
        registry = new DIDRegistry(address(this), address(this));
        address[] memory holders = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        holders[0] = address(this);
        amounts[0] = SUPPLY;
        nova = new NovaToken(holders, amounts);
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1);
        timelock = new NovaTimelock(TIMELOCK, none, anyone, address(this));
        address[] memory issuers = new address[](1);
        issuers[0] = issuer;
        governor = new NovaGovernor(nova, timelock, registry, issuers, DELAY, PERIOD, THRESHOLD, QUORUM_BPS);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
        cpu = new ResourceToken("NovaCron CPU Token", "CPU", 1_000_000 * UNIT, address(this), address(this));
        cpu.grantRole(cpu.MINTER_ROLE(), address(timelock));
    }

    /// @dev Gives `who` `amount` NOVA, self-delegated, and (if `member`) a membership.
    function _holder(address who, uint256 amount, bool member) internal {
        nova.transfer(who, amount);
        vm.prank(who);
        nova.delegate(who);
        if (member) _member(who);
    }

    function _member(address who) internal {
        governor.recordMembership(
            issuer, who, keccak256(abi.encode("membership", who)), uint64(block.timestamp + MEMBERSHIP_EXPIRY)
        );
    }

    function _mintProposal(uint256 amount)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = address(cpu);
        calldatas[0] = abi.encodeCall(cpu.mint, (address(timelock), amount));
    }

    function _propose(address proposer, uint256 amount, string memory description) internal returns (uint256 id) {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _mintProposal(amount);
        vm.prank(proposer);
        id = governor.propose(t, v, c, description);
    }

    function _queue(uint256 amount, string memory description) internal {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _mintProposal(amount);
        governor.queue(t, v, c, keccak256(bytes(description)));
    }

    function _execute(uint256 amount, string memory description) internal {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _mintProposal(amount);
        governor.execute(t, v, c, keccak256(bytes(description)));
    }
}

contract NovaGovernorTest is GovernanceFixture {
    address internal constant WHALE = address(0xA11CE);
    address internal constant MEMBER = address(0xB0B);
    address internal constant OUTSIDER = address(0xC0FFEE);

    function setUp() public {
        _deployGovernance();
        _holder(WHALE, 5_000_000 * UNIT, true);
        _holder(MEMBER, 1_000_000 * UNIT, true);
        _holder(OUTSIDER, 1_000_000 * UNIT, false);
        vm.warp(block.timestamp + 1);
    }

    function test_seedProcessEndToEnd() public {
        uint256 id = _propose(WHALE, 1_000_000 * UNIT, "mint 1M CPU");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Pending), "pending");
        vm.warp(block.timestamp + DELAY + 1);
        vm.prank(WHALE);
        uint256 w = governor.castVote(id, 1);
        assertEq(w, Math.sqrt(5_000_000 * UNIT), "weight is the square root");
        vm.prank(MEMBER);
        governor.castVote(id, 0);
        vm.warp(block.timestamp + PERIOD);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded), "succeeded");
        _queue(1_000_000 * UNIT, "mint 1M CPU");
        uint256 eta = governor.proposalEta(id);
        assertEq(eta, block.timestamp + TIMELOCK, "eta after 48 h");
        vm.expectRevert();
        _execute(1_000_000 * UNIT, "mint 1M CPU");
        vm.warp(eta);
        _execute(1_000_000 * UNIT, "mint 1M CPU");
        assertEq(cpu.totalSupply(), 1_000_000 * UNIT, "CPU minted");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed), "executed");
    }

    function test_countingModeAndQuorumDenominator() public view {
        assertEq(governor.quorumDenominator(), 10_000, "bps");
        assertEq(governor.quorumNumerator(), QUORUM_BPS, "40%");
        assertEq(governor.votingDelay(), DELAY, "delay");
        assertEq(governor.votingPeriod(), PERIOD, "period");
        assertEq(governor.proposalThreshold(), THRESHOLD, "threshold");
        assertEq(timelock.getMinDelay(), TIMELOCK, "timelock");
        assertEq(governor.timelock(), address(timelock), "timelock wired");
        assertTrue(keccak256(bytes(nova.CLOCK_MODE())) == keccak256("mode=timestamp"), "timestamp clock");
        assertEq(uint256(governor.clock()), block.timestamp, "governor clock");
    }

    /// Threshold exactly as configured: THRESHOLD votes may propose, THRESHOLD - 1 may not.
    function testFuzz_thresholdIsExact(uint256 votes) public {
        votes = bound(votes, 0, 2 * THRESHOLD);
        address proposer = address(0xD00D);
        _holder(proposer, votes, false);
        vm.warp(block.timestamp + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _mintProposal(1);
        if (votes < THRESHOLD) {
            vm.expectRevert(
                abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, proposer, votes, THRESHOLD)
            );
        }
        vm.prank(proposer);
        governor.propose(t, v, c, "x");
    }

    /// Quorum exactly as configured: participation of exactly 40% of the snapshot supply reaches it, one base unit
    /// less does not (all supports count; the outcome is then decided by weight).
    function testFuzz_quorumIsExact(uint256 participation, uint8 support) public {
        uint256 quorum = SUPPLY * QUORUM_BPS / 10_000;
        participation = bound(participation, quorum - 10, quorum + 10);
        support = uint8(bound(support, 0, 2));
        uint256 id = _propose(WHALE, 5, "quorum");
        // before the snapshot, the whale keeps participation - 1 of its own and gets one base unit delegated
        vm.prank(WHALE);
        nova.transfer(address(0xDEAD), 5_000_000 * UNIT - (participation - 1));
        address helper = address(0xE2);
        nova.transfer(helper, 1);
        vm.prank(helper);
        nova.delegate(WHALE);
        vm.warp(block.timestamp + DELAY + 1);
        assertEq(governor.quorum(governor.proposalSnapshot(id)), quorum, "quorum is 40% of the supply");
        vm.prank(WHALE);
        uint256 w = governor.castVote(id, support);
        assertEq(w, Math.sqrt(participation), "weight");
        vm.warp(block.timestamp + PERIOD);
        IGovernor.ProposalState s = governor.state(id);
        bool quorumReached = participation >= quorum;
        if (!quorumReached || support != 1) {
            assertEq(uint256(s), uint256(IGovernor.ProposalState.Defeated), "defeated");
        } else {
            assertEq(uint256(s), uint256(IGovernor.ProposalState.Succeeded), "succeeded");
        }
    }

    /// No vote outside the voting window: only snapshot < t <= deadline.
    function testFuzz_noVoteOutsideTheWindow(uint256 offset) public {
        uint256 created = block.timestamp;
        uint256 id = _propose(WHALE, 5, "window");
        offset = bound(offset, 0, DELAY + PERIOD + 3 days);
        vm.warp(created + offset);
        bool inside = offset > DELAY && offset <= uint256(DELAY) + PERIOD;
        if (!inside) vm.expectRevert();
        vm.prank(MEMBER);
        governor.castVote(id, 1);
        assertEq(governor.hasVoted(id, MEMBER) ? 1 : 0, inside ? 1 : 0, "counted only inside");
    }

    /// No execution before the timelock ends: queued at q, executable from q + 48 h, never before.
    function testFuzz_noExecutionBeforeTheTimelock(uint256 wait) public {
        uint256 id = _propose(WHALE, 7, "timelock");
        vm.warp(block.timestamp + DELAY + 1);
        vm.prank(WHALE);
        governor.castVote(id, 1);
        vm.warp(block.timestamp + PERIOD);
        _queue(7, "timelock");
        uint256 queuedAt = block.timestamp;
        wait = bound(wait, 0, 2 * TIMELOCK);
        vm.warp(queuedAt + wait);
        if (wait < TIMELOCK) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    TimelockController.TimelockUnexpectedOperationState.selector,
                    _operationId(7, "timelock"),
                    bytes32(1 << uint8(TimelockController.OperationState.Ready))
                )
            );
        }
        _execute(7, "timelock");
        assertEq(cpu.totalSupply(), wait < TIMELOCK ? 0 : 7, "minted only after the delay");
    }

    function _operationId(uint256 amount, string memory description) internal view returns (bytes32) {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _mintProposal(amount);
        bytes32 salt = bytes20(address(governor)) ^ keccak256(bytes(description));
        return timelock.hashOperationBatch(t, v, c, 0, salt);
    }

    /// Quadratic weights are exact: the integer square root, rounded down, for any votes.
    function testFuzz_quadraticWeightIsExact(uint256 votes) public {
        votes = bound(votes, 0, 2_000_000 * UNIT);
        address voter = address(0xF1);
        _holder(voter, votes, true);
        uint256 id = _propose(WHALE, 9, "sqrt");
        vm.warp(block.timestamp + DELAY + 1);
        vm.prank(voter);
        uint256 w = governor.castVote(id, 2);
        assertLe(w * w, votes, "w^2 <= votes");
        assertTrue((w + 1) * (w + 1) > votes, "(w+1)^2 > votes");
        (,, uint256 abstainWeight) = governor.proposalWeights(id);
        (,, uint256 abstainVotes) = governor.proposalVotes(id);
        assertEq(abstainWeight, w, "weight tallied");
        assertEq(abstainVotes, votes, "raw votes tallied");
    }

    /// Delegation pools votes under one square root: two members voting apart weigh more than one delegating to
    /// the other.
    function testFuzz_delegationNeverIncreasesWeight(uint256 a, uint256 b) public {
        a = bound(a, 1, 1_000_000 * UNIT);
        b = bound(b, 1, 1_000_000 * UNIT);
        address x = address(0x1111);
        address y = address(0x2222);
        _holder(x, a, true);
        _holder(y, b, true);
        vm.prank(y);
        nova.delegate(x);
        uint256 id = _propose(WHALE, 11, "pool");
        vm.warp(block.timestamp + DELAY + 1);
        vm.prank(x);
        uint256 pooled = governor.castVote(id, 1);
        assertEq(pooled, Math.sqrt(a + b), "sqrt of the pooled votes");
        assertLe(pooled, Math.sqrt(a) + Math.sqrt(b) + 1, "never more than voting apart (+1 for rounding)");
    }

    /// No credential, no vote: an outsider with votes, an expired, a revoked and a distrusted membership are all
    /// refused with the reason.
    function test_voteWithoutValidMembershipIsRefused() public {
        uint256 id = _propose(WHALE, 13, "members only");
        vm.warp(block.timestamp + DELAY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                INovaGovernor.NovaGovernorIneligibleVoter.selector, OUTSIDER, INovaGovernor.Eligibility.NoMembership
            )
        );
        vm.prank(OUTSIDER);
        governor.castVote(id, 1);

        registry.revokeCredential(issuer, keccak256(abi.encode("membership", MEMBER)));
        assertEq(uint256(governor.eligibility(MEMBER)), uint256(INovaGovernor.Eligibility.Revoked), "revoked");
        vm.expectRevert(
            abi.encodeWithSelector(
                INovaGovernor.NovaGovernorIneligibleVoter.selector, MEMBER, INovaGovernor.Eligibility.Revoked
            )
        );
        vm.prank(MEMBER);
        governor.castVote(id, 1);

        vm.warp(block.timestamp + MEMBERSHIP_EXPIRY);
        assertEq(uint256(governor.eligibility(WHALE)), uint256(INovaGovernor.Eligibility.Expired), "expired");
    }

    function test_distrustedIssuerEndsMemberships() public {
        address[] memory t = new address[](1);
        uint256[] memory v = new uint256[](1);
        bytes[] memory c = new bytes[](1);
        t[0] = address(governor);
        c[0] = abi.encodeCall(governor.setIssuerTrust, (issuer, false));
        vm.prank(WHALE);
        uint256 id = governor.propose(t, v, c, "distrust");
        vm.warp(block.timestamp + DELAY + 1);
        vm.prank(WHALE);
        governor.castVote(id, 1);
        vm.warp(block.timestamp + PERIOD);
        governor.queue(t, v, c, keccak256("distrust"));
        vm.warp(block.timestamp + TIMELOCK);
        governor.execute(t, v, c, keccak256("distrust"));
        assertEq(uint256(governor.eligibility(MEMBER)), uint256(INovaGovernor.Eligibility.IssuerNotTrusted), "gone");
        vm.expectRevert(abi.encodeWithSelector(INovaGovernor.NovaGovernorIssuerNotTrusted.selector, issuer));
        _member(address(0x3333));
    }

    function test_setIssuerTrustOnlyThroughGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        governor.setIssuerTrust(address(0x4444), true);
    }

    function test_membershipRecordRules() public {
        address stranger = address(0x5555);
        bytes32 cred = keccak256("c1");
        uint64 exp = uint64(block.timestamp + 1 days);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(INovaGovernor.NovaGovernorNotIssuerKey.selector, issuer, stranger));
        governor.recordMembership(issuer, stranger, cred, exp);
        vm.expectRevert(abi.encodeWithSelector(INovaGovernor.NovaGovernorIssuerNotTrusted.selector, stranger));
        governor.recordMembership(stranger, stranger, cred, exp);
        governor.recordMembership(issuer, stranger, cred, exp);
        vm.expectRevert(abi.encodeWithSelector(INovaGovernor.NovaGovernorCredentialUsed.selector, cred, stranger));
        governor.recordMembership(issuer, address(0x6666), cred, exp);
        vm.expectRevert(
            abi.encodeWithSelector(
                INovaGovernor.NovaGovernorInvalidMembership.selector, stranger, uint64(block.timestamp), block.timestamp
            )
        );
        governor.recordMembership(issuer, stranger, keccak256("c2"), uint64(block.timestamp));
        registry.revokeCredential(issuer, keccak256("c3"));
        vm.expectRevert(
            abi.encodeWithSelector(INovaGovernor.NovaGovernorCredentialRevoked.selector, issuer, keccak256("c3"))
        );
        governor.recordMembership(issuer, stranger, keccak256("c3"), exp);
    }

    function test_signedMembershipRecord() public {
        uint256 key = 0xA5A5;
        address signerIssuer = vm.addr(key);
        // trust it through governance is long; instead the trusted issuer adds the key as a veriKey delegate
        registry.addDelegate(issuer, "veriKey", signerIssuer, 1 days);
        bytes32 cred = keccak256("signed");
        uint64 exp = uint64(block.timestamp + 1 days);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Membership(address issuer,address holder,bytes32 credentialHash,uint64 expiresAt)"),
                issuer,
                OUTSIDER,
                cred,
                exp
            )
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("NovaGovernor"),
                keccak256("1"),
                block.chainid,
                address(governor)
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        vm.prank(address(0x7777)); // anyone relays
        governor.recordMembershipSigned(issuer, OUTSIDER, cred, exp, abi.encodePacked(r, s, v));
        assertEq(uint256(governor.eligibility(OUTSIDER)), 0, "eligible");
        assertEq(governor.credentialHolder(cred), OUTSIDER, "recorded");
        vm.expectRevert(abi.encodeWithSelector(INovaGovernor.NovaGovernorCredentialUsed.selector, cred, OUTSIDER));
        governor.recordMembershipSigned(issuer, OUTSIDER, cred, exp, abi.encodePacked(r, s, v));
    }

    /// "Has voted" bits of members 256 apart live in different slots at the same bit: no vote shadows another.
    function test_hasVotedBitmapKeepsMembersApart() public {
        // members 0 and 1 exist (WHALE, MEMBER); number 2 to 258 here
        address first;
        address far;
        for (uint256 i = 2; i <= 258; ++i) {
            address who = address(uint160(0x100000 + i));
            _member(who);
            if (i == 2) first = who;
            if (i == 258) far = who;
        }
        assertEq(governor.membershipOf(first).index, 2, "numbered in order");
        assertEq(governor.membershipOf(far).index, 258, "258");
        address twin = address(uint160(0x100000 + 257)); // index 257 = 1 + 256: MEMBER's bit in the next slot
        assertEq(governor.membershipOf(twin).index, 257, "257");
        nova.transfer(twin, 1000);
        vm.prank(twin);
        nova.delegate(twin);
        uint256 id = _propose(WHALE, 3, "bitmap");
        vm.warp(block.timestamp + DELAY + 1);
        vm.prank(MEMBER);
        governor.castVote(id, 1);
        assertTrue(governor.hasVoted(id, MEMBER), "member voted");
        assertTrue(!governor.hasVoted(id, twin), "its twin did not");
        vm.prank(twin);
        governor.castVote(id, 0);
        assertTrue(governor.hasVoted(id, twin), "now it did");
        vm.prank(twin);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, twin));
        governor.castVote(id, 1);
        // a renewal keeps the number: no second vote by re-recording
        governor.recordMembership(issuer, MEMBER, keccak256("renewal"), uint64(block.timestamp + 1 days));
        assertEq(governor.membershipOf(MEMBER).index, 1, "kept");
        vm.prank(MEMBER);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, MEMBER));
        governor.castVote(id, 1);
    }

    function test_runtimeSizeUnderTheLimit() public view {
        assertLe(address(governor).code.length, 24_576, "EIP-170");
    }
}

/// @notice Drives one proposal through random steps: time moves, members and outsiders vote, anyone queues and
///         executes. Every call is checked against an independent model of the window, eligibility and timelock,
///         and tallies are re-computed from the votes the handler saw.
contract GovernorHandler is Test {
    NovaGovernor internal immutable governor;
    IDIDRegistry internal immutable registry;
    address[] internal targets;
    uint256[] internal values;
    bytes[] internal calldatas;
    bytes32 internal immutable descriptionHash;
    uint256 public immutable proposalId;
    uint256 public immutable opens; // voting allowed when opens < now <= closes
    uint256 public immutable closes;
    uint256 public immutable timelockDelay;
    address[] public actors;
    mapping(address => bool) public isMember;
    mapping(address => bool) public voted;
    uint256[3] public ghostVotes;
    uint256[3] public ghostWeights;
    uint256 public ineligibleCounted;
    uint256 public queuedAt;
    uint256 public executedAt;
    uint256 public earlyRefusals;
    uint256 public outsideRefusals;

    constructor(
        NovaGovernor governor_,
        IDIDRegistry registry_,
        address[] memory t,
        uint256[] memory v,
        bytes[] memory c,
        string memory description,
        address[] memory actors_,
        bool[] memory members,
        uint256 timelockDelay_
    ) {
        governor = governor_;
        registry = registry_;
        targets = t;
        values = v;
        calldatas = c;
        descriptionHash = keccak256(bytes(description));
        proposalId = governor_.getProposalId(t, v, c, descriptionHash);
        opens = governor_.proposalSnapshot(proposalId);
        closes = governor_.proposalDeadline(proposalId);
        timelockDelay = timelockDelay_;
        for (uint256 i = 0; i < actors_.length; ++i) {
            actors.push(actors_[i]);
            isMember[actors_[i]] = members[i];
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 3 days));
    }

    function vote(uint256 actorSeed, uint256 support) external {
        address who = actors[bound(actorSeed, 0, actors.length - 1)];
        uint8 s = uint8(bound(support, 0, 2));
        bool inWindow = block.timestamp > opens && block.timestamp <= closes;
        bool shouldCount = inWindow && isMember[who] && !voted[who];
        vm.prank(who);
        try governor.castVote(proposalId, s) returns (uint256 w) {
            require(shouldCount, "a vote counted that must be refused");
            uint256 votes = governor.getVotes(who, opens);
            if (!isMember[who]) ineligibleCounted += 1;
            voted[who] = true;
            require(w * w <= votes && (w + 1) * (w + 1) > votes, "weight is not the integer square root");
            ghostVotes[s] += votes;
            ghostWeights[s] += w;
        } catch {
            require(!shouldCount, "a valid vote was refused");
            if (!inWindow) outsideRefusals += 1;
        }
    }

    function queue() external {
        bool expected = governor.state(proposalId) == IGovernor.ProposalState.Succeeded;
        try governor.queue(targets, values, calldatas, descriptionHash) {
            require(expected, "queued a proposal that has not succeeded");
            require(block.timestamp > closes, "queued before voting closed");
            queuedAt = block.timestamp;
        } catch {
            require(!expected, "a succeeded proposal could not be queued");
        }
    }

    function execute() external {
        bool ready = queuedAt != 0 && executedAt == 0 && block.timestamp >= queuedAt + timelockDelay;
        try governor.execute(targets, values, calldatas, descriptionHash) {
            require(ready, "executed before the timelock's delay");
            executedAt = block.timestamp;
        } catch {
            require(!ready, "a ready proposal could not be executed");
            if (queuedAt != 0 && executedAt == 0) earlyRefusals += 1;
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }
}

contract NovaGovernorInvariantTest is GovernanceFixture {
    GovernorHandler internal handler;

    function setUp() public {
        _deployGovernance();
        address[] memory actors = new address[](5);
        bool[] memory members = new bool[](5);
        uint256[5] memory amounts =
            [uint256(4_100_000 * UNIT), 1_500_000 * UNIT, 250_000 * UNIT, 3 * UNIT, 900_000 * UNIT];
        for (uint256 i = 0; i < 5; ++i) {
            actors[i] = address(uint160(0x1000 + i));
            members[i] = i != 4; // the last one holds votes but no membership
            _holder(actors[i], amounts[i], members[i]);
        }
        vm.warp(block.timestamp + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _mintProposal(1_000 * UNIT);
        vm.prank(actors[0]);
        governor.propose(t, v, c, "invariant");
        handler = new GovernorHandler(governor, registry, t, v, c, "invariant", actors, members, TIMELOCK);
        targetContract(address(handler));
    }

    /// The handler's paths are alive: a fixed sequence through them reaches execution.
    function test_handlerReachesExecution() public {
        handler.vote(0, 1); // before the window: refused
        handler.warp(1 days);
        handler.warp(1);
        handler.vote(0, 1);
        handler.vote(4, 1); // no membership: refused
        handler.vote(1, 0);
        handler.warp(3 days);
        handler.warp(3 days);
        handler.warp(3 days);
        handler.queue();
        handler.execute(); // too early: refused
        handler.warp(2 days);
        handler.execute();
        assertTrue(handler.executedAt() != 0, "executed");
        assertEq(handler.earlyRefusals(), 1, "one early refusal");
        assertEq(handler.outsideRefusals(), 1, "one refusal outside the window");
        assertEq(cpu.totalSupply(), 1_000 * UNIT, "minted");
    }

    function invariant_talliesAreTheSquareRootsOfTheVotesSeen() public view {
        uint256 id = handler.proposalId();
        (uint256 a, uint256 f, uint256 ab) = governor.proposalVotes(id);
        (uint256 wa, uint256 wf, uint256 wab) = governor.proposalWeights(id);
        assertEq(a, handler.ghostVotes(0), "against votes");
        assertEq(f, handler.ghostVotes(1), "for votes");
        assertEq(ab, handler.ghostVotes(2), "abstain votes");
        assertEq(wa, handler.ghostWeights(0), "against weight");
        assertEq(wf, handler.ghostWeights(1), "for weight");
        assertEq(wab, handler.ghostWeights(2), "abstain weight");
        assertEq(handler.ineligibleCounted(), 0, "no vote without a membership");
    }

    function invariant_noExecutionBeforeTheTimelock() public view {
        uint256 executedAt = handler.executedAt();
        if (executedAt != 0) {
            assertGe(executedAt, handler.queuedAt() + TIMELOCK, "executed after the delay");
            assertEq(cpu.totalSupply(), 1_000 * UNIT, "the action ran once");
        } else {
            assertEq(cpu.totalSupply(), 0, "nothing minted before execution");
        }
    }
}
