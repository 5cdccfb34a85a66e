// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {BLS} from "../../../contracts/consensus/BLS.sol";
import {CheckpointVerifier} from "../../../contracts/consensus/CheckpointVerifier.sol";
import {ICheckpointVerifier} from "../../../contracts/consensus/ICheckpointVerifier.sol";
import {IStakeManager} from "../../../contracts/consensus/IStakeManager.sol";
import {StakeManager} from "../../../contracts/consensus/StakeManager.sol";
import {NovaToken} from "../../../contracts/governance/NovaToken.sol";
import {Test} from "../utils/Test.sol";
import {BLSKeys, ConsensusFixture} from "./ConsensusFixture.sol";

/// @notice Random registrations, top-ups, unbonds, withdrawals, time warps, checkpoints (random signer subsets, current
///         or previous epoch, some with heights that do not increase), double-sign reports (and their replays),
///         downtime jailing and unjailing, with keys made on chain. The handler keeps its own model ("ghost") of every
///         validator's stake and of the weights of the previous, current and next epoch, predicts whether each call
///         must succeed, and requires that it does exactly then (fail_on_revert is on, so a wrong prediction fails the
///         run). What the invariants check is counted in ghost counters the invariant functions read.
contract ConsensusHandler is Test {
    uint256 public constant SEEDS = 6;
    uint256 internal constant MIN_STAKE = 1_000_000e18;
    uint256 internal constant MAX_VALIDATORS = 5;
    uint64 internal constant UNBONDING = 21 days;
    uint64 internal constant JAIL = 1 days;
    uint256 internal constant WINDOW = 2; // the invariant deployment's downtimeWindow
    uint256 internal constant MIN_SIGNED_BPS = 6000; // and downtimeMinSignedBps: one miss of two is downtime
    bytes32 internal constant STATE = keccak256("state");
    bytes32 internal constant L2 = keccak256("l2");
    address internal constant TREASURY = address(0x7EA5);

    StakeManager public immutable sm;
    CheckpointVerifier public immutable verifier;
    NovaToken public immutable nova;

    // keys, by seed
    uint256[SEEDS] internal sks;
    bytes[SEEDS] internal pubkeys;
    bytes[SEEDS] internal pops;

    // the model, by validator index
    struct Ghost {
        uint256 seed;
        uint256 bonded;
        uint256 unbonding;
        uint256 unlockAt;
        uint256 jailedUntil;
        uint64 rejoinEpoch;
        bool jailed;
        bool tombstoned;
    }

    Ghost[] internal ghosts;
    mapping(uint256 seed => uint256 indexPlusOne) internal indexOfSeed;
    uint64 public lastEpoch;
    uint256[] internal weightsPrev; // weights of lastEpoch - 1
    uint256[] internal weightsCur; // weights of lastEpoch

    struct Accepted {
        bytes32 domain;
        uint64 height;
        uint64 epoch;
        uint256 signedStake;
        uint256 totalStake;
        uint256[] nonSigners;
    }

    Accepted[] internal accepted;
    mapping(bytes32 domain => uint256[] positions) internal acceptedByDomain;
    mapping(bytes32 domain => uint64) public ghostLatestHeight;

    // invariant counters
    uint256 public deposited;
    uint256 public withdrawn;
    uint256 public slashedOut;
    uint256 public checkpointsWithoutTwoThirds;
    uint256 public heightsWentBack;
    uint256 public earlyWithdrawals;
    uint256 public evidenceReplaysAccepted;
    mapping(uint256 index => uint256) public slashCount;
    // coverage counters
    uint256 public registrations;
    uint256 public checkpoints;
    uint256 public refusedCheckpoints;
    uint256 public slashes;
    uint256 public withdrawals;
    uint256 public jailings;
    uint256 public unjailings;

    constructor(StakeManager sm_, CheckpointVerifier verifier_, NovaToken nova_) {
        sm = sm_;
        verifier = verifier_;
        nova = nova_;
        for (uint256 s = 0; s < SEEDS; ++s) {
            sks[s] = BLSKeys.secretKey(s);
            pubkeys[s] = BLSKeys.pubkey(sks[s]);
            address owner = _ownerOf(s);
            pops[s] = BLSKeys.sign(sks[s], sm_.popMessage(owner, owner, pubkeys[s]), BLS.DST_POP);
        }
    }

    // -- model helpers -------------------------------------------------------------------------------------------

    function _ownerOf(uint256 seed) internal pure returns (address) {
        return address(uint160(0x200000 + seed));
    }

    function _scheduled(Ghost storage g) internal view returns (uint256) {
        return g.jailed || g.tombstoned ? 0 : g.bonded;
    }

    function scheduledWeight(uint256 index) public view returns (uint256) {
        return _scheduled(ghosts[index]);
    }

    function _activeScheduled() internal view returns (uint256 n) {
        for (uint256 i = 0; i < ghosts.length; ++i) {
            if (_scheduled(ghosts[i]) > 0) ++n;
        }
    }

    /// @dev Rolls the model's epoch snapshots forward to the contract's current epoch: changes made in epoch L count
    ///      from L + 1, and nothing changed in the epochs the warp skipped.
    function _sync() internal {
        uint64 current = sm.currentEpoch();
        if (current == lastEpoch) return;
        uint256 n = ghosts.length;
        uint256[] memory scheduled = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            scheduled[i] = _scheduled(ghosts[i]);
        }
        weightsPrev = current == lastEpoch + 1 ? weightsCur : scheduled;
        weightsCur = scheduled;
        lastEpoch = current;
    }

    /// @dev The model's weight of validator `index` in `epoch` (the current epoch, the previous or the next).
    function weightAt(uint256 index, uint64 epoch) public view returns (uint256) {
        if (epoch > lastEpoch) return _scheduled(ghosts[index]);
        uint256[] storage w = epoch == lastEpoch ? weightsCur : weightsPrev;
        return index < w.length ? w[index] : 0;
    }

    /// @dev A validator that gains weight now starts a new stretch from the next epoch.
    function _setScheduled(uint256 index, uint256 before) internal {
        if (before == 0 && _scheduled(ghosts[index]) > 0) ghosts[index].rejoinEpoch = lastEpoch + 1;
    }

    function _fund(address owner, uint256 amount) internal {
        nova.transfer(owner, amount);
    }

    // -- actions -------------------------------------------------------------------------------------------------

    /// @dev Registers the first seed from `seed` on that is not registered yet (all registered: a refused second
    ///      registration).
    function register(uint256 seed, uint256 amount) external {
        _sync();
        seed %= SEEDS;
        for (uint256 k = 0; k < SEEDS && indexOfSeed[seed] != 0; ++k) {
            seed = (seed + 1) % SEEDS;
        }
        amount = bound(amount, MIN_STAKE - 1, 3 * MIN_STAKE);
        address owner = _ownerOf(seed);
        bool ok = indexOfSeed[seed] == 0 && amount >= MIN_STAKE && _activeScheduled() < MAX_VALIDATORS;
        _fund(owner, amount);
        vm.prank(owner);
        nova.approve(address(sm), type(uint256).max);
        vm.prank(owner);
        try sm.register(owner, pubkeys[seed], pops[seed], amount) returns (uint256 index) {
            require(ok, "register accepted against the model");
            require(index == ghosts.length, "index");
            ghosts.push(
                Ghost({
                    seed: seed,
                    bonded: amount,
                    unbonding: 0,
                    unlockAt: 0,
                    jailedUntil: 0,
                    rejoinEpoch: lastEpoch + 1,
                    jailed: false,
                    tombstoned: false
                })
            );
            indexOfSeed[seed] = index + 1;
            deposited += amount;
            ++registrations;
        } catch {
            require(!ok, "register refused against the model");
        }
    }

    function topUp(uint256 indexSeed, uint256 amount) external {
        _sync();
        if (ghosts.length == 0) return;
        uint256 index = indexSeed % ghosts.length;
        Ghost storage g = ghosts[index];
        amount = bound(amount, 1, 2 * MIN_STAKE);
        uint256 before = _scheduled(g);
        bool activates = before == 0 && !g.jailed && !g.tombstoned;
        bool ok = !g.tombstoned && g.bonded + amount >= MIN_STAKE &&
            !(activates && _activeScheduled() >= MAX_VALIDATORS);
        address owner = _ownerOf(g.seed);
        _fund(owner, amount);
        vm.prank(owner);
        try sm.topUp(amount) {
            require(ok, "topUp accepted against the model");
            g.bonded += amount;
            deposited += amount;
            _setScheduled(index, before);
        } catch {
            require(!ok, "topUp refused against the model");
        }
    }

    function unbond(uint256 indexSeed, uint256 amount, uint8 allSeed) external {
        _sync();
        if (ghosts.length == 0) return;
        uint256 index = indexSeed % ghosts.length;
        Ghost storage g = ghosts[index];
        if (g.bonded == 0) return;
        amount = allSeed % 4 == 0 ? g.bonded : bound(amount, 1, g.bonded); // one call in four leaves
        uint256 remaining = g.bonded - amount;
        bool ok = remaining == 0 || remaining >= MIN_STAKE;
        vm.prank(_ownerOf(g.seed));
        try sm.unbond(amount) {
            require(ok, "unbond accepted against the model");
            g.bonded = remaining;
            g.unbonding += amount;
            g.unlockAt = block.timestamp + UNBONDING;
        } catch {
            require(!ok, "unbond refused against the model");
        }
    }

    function withdraw(uint256 indexSeed) external {
        _sync();
        if (ghosts.length == 0) return;
        uint256 index = indexSeed % ghosts.length;
        Ghost storage g = ghosts[index];
        bool ok = g.unbonding > 0 && block.timestamp >= g.unlockAt;
        address owner = _ownerOf(g.seed);
        uint256 before = nova.balanceOf(owner);
        vm.prank(owner);
        try sm.withdraw() returns (uint256 amount) {
            // counted, not required: the invariant reports it
            if (block.timestamp < g.unlockAt) ++earlyWithdrawals;
            require(ok, "withdraw accepted against the model");
            require(amount == g.unbonding && nova.balanceOf(owner) - before == amount, "withdrawn amount");
            withdrawn += amount;
            g.unbonding = 0;
            ++withdrawals;
        } catch {
            require(!ok, "withdraw refused against the model");
        }
    }

    function warp(uint256 seconds_, bool long) external {
        vm.warp(block.timestamp + (long ? bound(seconds_, 1 days, 25 days) : bound(seconds_, 1, 2 hours)));
        _sync();
    }

    struct Plan {
        bytes32 domain;
        uint64 height;
        bytes32 root;
        uint64 epoch;
        bool increasing;
        uint256 signed;
        uint256 total;
        uint256 keySum;
        uint256[] nonSigners;
    }

    /// @dev Three domain seeds in four pick the state domain, the others the L2's.
    function _domain(uint256 domainSeed) internal pure returns (bytes32) {
        return domainSeed % 4 == 3 ? L2 : STATE;
    }

    /// @dev Submits a burst of one to three checkpoints to one domain (dense enough for downtime windows to form).
    function checkpoint(uint256 domainSeed, uint256 heightSeed, uint256 signerSeed, uint8 previousSeed) external {
        _sync();
        uint256 burst = 1 + (domainSeed >> 8) % 3;
        for (uint256 j = 0; j < burst; ++j) {
            _checkpoint(
                _domain(domainSeed),
                uint256(keccak256(abi.encode(heightSeed, j))),
                uint256(keccak256(abi.encode(signerSeed, j))),
                previousSeed % 4 == 0 // one call in four signs for the previous epoch
            );
        }
    }

    function _checkpoint(bytes32 domain, uint256 heightSeed, uint256 signerSeed, bool previous) internal {
        Plan memory p;
        p.domain = domain;
        p.epoch = previous && lastEpoch > 0 ? lastEpoch - 1 : lastEpoch;
        (p.height, p.increasing) = _pickHeight(p.domain, heightSeed);
        p.root = keccak256(abi.encode(p.domain, p.height, heightSeed));
        _pickSigners(p, signerSeed);
        bool enough = 3 * p.signed > 2 * p.total;
        bool ok = p.increasing && enough;
        bytes memory signature =
            BLSKeys.sign(p.keySum, verifier.checkpointDigest(p.domain, p.height, p.root, p.epoch), BLS.DST_SIG);
        try verifier.submitCheckpoint(p.domain, p.height, p.root, p.epoch, p.nonSigners, signature) {
            if (!enough) ++checkpointsWithoutTwoThirds;
            if (!p.increasing) ++heightsWentBack;
            require(ok, "checkpoint accepted against the model");
            accepted.push(Accepted(p.domain, p.height, p.epoch, p.signed, p.total, p.nonSigners));
            acceptedByDomain[p.domain].push(accepted.length - 1);
            ghostLatestHeight[p.domain] = p.height;
            ++checkpoints;
        } catch {
            require(!ok, "checkpoint refused against the model");
            ++refusedCheckpoints;
        }
    }

    /// @dev Mostly the next heights; one call in five a height that does not increase (refused).
    function _pickHeight(bytes32 domain, uint256 heightSeed) internal view returns (uint64 height, bool increasing) {
        uint64 count = verifier.checkpointCount(domain);
        uint64 latest = ghostLatestHeight[domain];
        if (count > 0 && heightSeed % 5 == 0) {
            height = heightSeed % 2 == 0 || latest == 0 ? latest : latest - 1;
        } else {
            height = (count == 0 ? 0 : latest + 1) + uint64(heightSeed % 3);
        }
        increasing = count == 0 || height > latest;
    }

    /// @dev Whether validator `i` signs: usually (it misses one time in eight), except validator 1, which is sleepy
    ///      (misses three times in four, so that downtime jailing has something to prove); one call in eight flips a
    ///      fair coin per validator instead (mostly short of 2/3: refusals).
    function signs(uint256 i, uint256 signerSeed) public pure returns (bool) {
        if (signerSeed % 8 == 0) return (signerSeed >> (8 + i)) & 1 == 1;
        if (i == 1) return (signerSeed >> 250) % 4 == 0;
        return (signerSeed >> (8 + 3 * i)) & 7 != 7;
    }

    /// @dev Signers: the epoch's validators (by the model) that `signs` picks.
    function _pickSigners(Plan memory p, uint256 signerSeed) internal view {
        uint256 n = ghosts.length;
        uint256 nonSignerCount;
        for (uint256 i = 0; i < n; ++i) {
            uint256 w = weightAt(i, p.epoch);
            p.total += w;
            if (w == 0) continue;
            if (signs(i, signerSeed)) {
                p.signed += w;
                p.keySum = addmod(p.keySum, sks[ghosts[i].seed], BLSKeys.R);
            } else {
                ++nonSignerCount;
            }
        }
        p.nonSigners = new uint256[](nonSignerCount);
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            if (weightAt(i, p.epoch) > 0 && !signs(i, signerSeed)) p.nonSigners[k++] = i;
        }
    }

    struct Evidence {
        uint256 index;
        uint64 height;
        uint64 epoch;
        bytes32 rootA;
        bytes32 rootB;
        bytes a;
        bytes b;
    }

    /// @dev One call in four reports a real double signature; the others report evidence that proves nothing and
    ///      must be refused: the same root twice, a second signature by another validator, or signatures over two
    ///      different heights.
    function doubleSign(uint256 indexSeed, uint64 height) external {
        _sync();
        if (ghosts.length == 0) return;
        uint256 mode = (indexSeed >> 128) % 4;
        Evidence memory e;
        e.index = indexSeed % ghosts.length;
        e.height = height;
        e.epoch = lastEpoch;
        e.rootA = keccak256(abi.encode("a", height));
        e.rootB = mode == 1 ? e.rootA : keccak256(abi.encode("b", height));
        Ghost storage g = ghosts[e.index];
        uint256 sk = sks[g.seed];
        e.a = BLSKeys.sign(sk, verifier.checkpointDigest(STATE, height, e.rootA, e.epoch), BLS.DST_SIG);
        uint256 skB = mode == 2 ? sks[(g.seed + 1) % SEEDS] : sk;
        uint64 heightB = mode == 3 ? height ^ 1 : height;
        e.b = BLSKeys.sign(skB, verifier.checkpointDigest(STATE, heightB, e.rootB, e.epoch), BLS.DST_SIG);
        bool ok = !g.tombstoned && mode == 0;
        uint256 stake = g.bonded + g.unbonding;
        uint256 slashed = (stake * 1000 + 9999) / 10_000;
        uint256 treasuryBefore = nova.balanceOf(TREASURY);
        uint256 mineBefore = nova.balanceOf(address(this));
        if (_report(e)) {
            require(ok, "slash accepted against the model");
            require(nova.balanceOf(address(this)) - mineBefore == slashed / 10, "reporter reward");
            require(nova.balanceOf(TREASURY) - treasuryBefore == slashed - slashed / 10, "treasury share");
            ++slashCount[e.index];
            ++slashes;
            slashedOut += slashed;
            g.bonded = 0;
            g.unbonding = stake - slashed;
            g.tombstoned = true;
            if (block.timestamp + UNBONDING > g.unlockAt) g.unlockAt = block.timestamp + UNBONDING;
        } else {
            require(!ok, "slash refused against the model");
        }
        // the same evidence again never slashes
        if (_report(e)) {
            ++evidenceReplaysAccepted;
            ++slashCount[e.index];
        }
    }

    function _report(Evidence memory e) internal returns (bool) {
        try sm.reportDoubleSign(e.index, STATE, e.height, e.rootA, e.epoch, e.a, e.rootB, e.epoch, e.b) {
            return true;
        } catch {
            return false;
        }
    }

    /// @dev Half the calls target the validator that missed most of the domain's latest window (a watching
    ///      reporter), the others a random one.
    function jail(uint256 indexSeed, uint256 domainSeed) external {
        _sync();
        if (ghosts.length == 0) return;
        bytes32 domain = _domain(domainSeed);
        uint256[] storage positions = acceptedByDomain[domain];
        if (positions.length < WINDOW) return;
        uint64[] memory heights = new uint64[](WINDOW);
        uint256[][] memory lists = new uint256[][](WINDOW);
        uint256[] memory misses = new uint256[](ghosts.length);
        for (uint256 k = 0; k < WINDOW; ++k) {
            Accepted storage c = accepted[positions[positions.length - WINDOW + k]];
            heights[k] = c.height;
            lists[k] = c.nonSigners;
            for (uint256 j = 0; j < c.nonSigners.length; ++j) {
                ++misses[c.nonSigners[j]];
            }
        }
        uint256 index = indexSeed % ghosts.length;
        if ((indexSeed >> 128) % 2 == 0) {
            for (uint256 i = 0; i < ghosts.length; ++i) {
                if (misses[i] > misses[index]) index = i;
            }
        }
        Ghost storage g = ghosts[index];
        bool afterRejoin = true;
        for (uint256 k = 0; k < WINDOW; ++k) {
            if (accepted[positions[positions.length - WINDOW + k]].epoch < g.rejoinEpoch) afterRejoin = false;
        }
        bool downtime = (WINDOW - misses[index]) * 10_000 < MIN_SIGNED_BPS * WINDOW;
        bool ok = !g.tombstoned && !g.jailed && _scheduled(g) > 0 && afterRejoin && downtime;
        try sm.jail(index, domain, heights, lists) {
            require(ok, "jail accepted against the model");
            g.jailed = true;
            g.jailedUntil = block.timestamp + JAIL;
            ++jailings;
        } catch {
            require(!ok, "jail refused against the model");
        }
    }

    function unjail(uint256 indexSeed) external {
        _sync();
        if (ghosts.length == 0) return;
        uint256 index = indexSeed % ghosts.length;
        Ghost storage g = ghosts[index];
        uint256 before = _scheduled(g);
        bool activates = g.bonded > 0 && before == 0;
        bool ok = !g.tombstoned && g.jailed && block.timestamp >= g.jailedUntil &&
            !(activates && _activeScheduled() >= MAX_VALIDATORS);
        vm.prank(_ownerOf(g.seed));
        try sm.unjail() {
            require(ok, "unjail accepted against the model");
            g.jailed = false;
            _setScheduled(index, before);
            ++unjailings;
        } catch {
            require(!ok, "unjail refused against the model");
        }
    }

    // -- reads for the invariants ----------------------------------------------------------------------------------

    function validatorCount() external view returns (uint256) {
        return ghosts.length;
    }

    function ghost(uint256 index) external view returns (Ghost memory) {
        return ghosts[index];
    }

    function secretKeyOf(uint256 index) external view returns (uint256) {
        return sks[ghosts[index].seed];
    }

    function acceptedCount() external view returns (uint256) {
        return accepted.length;
    }

    function acceptedAt(uint256 k) external view returns (Accepted memory) {
        return accepted[k];
    }

    function checkpointCountOf(bytes32 domain) external view returns (uint256) {
        return acceptedByDomain[domain].length;
    }
}

/// @notice The five invariants of the design note, on random call sequences of ConsensusHandler. Runs and depth are
///         lowered for these (each call makes and checks BLS signatures) so the consensus suite stays within about
///         two minutes on two cores.
contract ConsensusInvariantTest is ConsensusFixture {
    ConsensusHandler internal handler;

    function setUp() public {
        _requirePrague();
        IStakeManager.Parameters memory p = _parameters();
        p.maxValidators = 5;
        p.downtimeWindow = 2;
        p.downtimeMinSignedBps = 6000;
        _deploy(p);
        handler = new ConsensusHandler(sm, verifier, nova);
        nova.transfer(address(handler), 1e9 * NOVA);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = ConsensusHandler.register.selector;
        selectors[1] = ConsensusHandler.topUp.selector;
        selectors[2] = ConsensusHandler.unbond.selector;
        selectors[3] = ConsensusHandler.withdraw.selector;
        selectors[4] = ConsensusHandler.warp.selector;
        selectors[5] = ConsensusHandler.checkpoint.selector;
        selectors[6] = ConsensusHandler.doubleSign.selector;
        selectors[7] = ConsensusHandler.jail.selector;
        selectors[8] = ConsensusHandler.unjail.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// Tokens held = sum of every validator's bonded and unbonding stake = deposits - withdrawals - slashes; each
    /// epoch's total = the sum of its validator weights, for the previous, current and next epoch, each weight as the
    /// model predicts; the active counts and the aggregate key (sum of the active keys) match.
    /// forge-config: prague.invariant.runs = 24
    /// forge-config: prague.invariant.depth = 100
    function invariant_totalStakeIsTheSumOfValidatorStakes() public view {
        uint256 n = handler.validatorCount();
        assertEq(sm.validatorCount(), n, "validator count");
        uint256 held;
        for (uint256 i = 0; i < n; ++i) {
            IStakeManager.Validator memory v = sm.validator(i);
            ConsensusHandler.Ghost memory g = handler.ghost(i);
            assertEq(v.bonded, g.bonded, "bonded");
            assertEq(v.unbonding, g.unbonding, "unbonding");
            assertTrue(v.jailed == g.jailed && v.tombstoned == g.tombstoned, "status");
            held += v.bonded + v.unbonding;
        }
        assertEq(nova.balanceOf(address(sm)), held, "tokens held != sum of stakes");
        assertEq(held, handler.deposited() - handler.withdrawn() - handler.slashedOut(), "token flows");
        uint64 current = sm.currentEpoch();
        assertEq(current, handler.lastEpoch(), "model epoch");
        uint64 first = current == 0 ? 0 : current - 1;
        for (uint64 e = first; e <= current + 1; ++e) {
            uint256 total;
            uint256 active;
            uint256 keySum;
            for (uint256 i = 0; i < n; ++i) {
                uint256 w = sm.stakeAt(i, e);
                assertEq(w, handler.weightAt(i, e), "weight != model");
                total += w;
                if (w > 0) {
                    ++active;
                    keySum = addmod(keySum, handler.secretKeyOf(i), BLSKeys.R);
                }
            }
            assertEq(sm.totalStakeAt(e), total, "total stake != sum of weights");
            assertEq(sm.activeValidatorCountAt(e), active, "active count");
            assertTrue(keccak256(sm.aggregatePubkeyAt(e)) == keccak256(BLSKeys.pubkey(keySum)), "aggregate key");
        }
    }

    /// A validator is slashed at most once, and only the slashed are tombstoned; evidence replays never slash.
    /// forge-config: prague.invariant.runs = 24
    /// forge-config: prague.invariant.depth = 100
    function invariant_slashAtMostOncePerEvidenceAndValidator() public view {
        assertEq(handler.evidenceReplaysAccepted(), 0, "evidence used twice");
        for (uint256 i = 0; i < handler.validatorCount(); ++i) {
            uint256 slashed = handler.slashCount(i);
            assertLe(slashed, 1, "slashed twice");
            assertTrue(sm.validator(i).tombstoned == (slashed == 1), "tombstone without slash");
        }
    }

    /// Every accepted checkpoint had signers holding more than 2/3 of its epoch's stake, by the model's own count.
    /// forge-config: prague.invariant.runs = 24
    /// forge-config: prague.invariant.depth = 100
    function invariant_noCheckpointWithoutTwoThirds() public view {
        assertEq(handler.checkpointsWithoutTwoThirds(), 0, "checkpoint accepted without 2/3");
        for (uint256 k = 0; k < handler.acceptedCount(); ++k) {
            ConsensusHandler.Accepted memory a = handler.acceptedAt(k);
            assertTrue(3 * a.signedStake > 2 * a.totalStake, "model: accepted without 2/3");
            ICheckpointVerifier.Checkpoint memory c = verifier.checkpoint(a.domain, a.height);
            assertEq(c.signedStake, a.signedStake, "stored signed stake");
            assertEq(c.totalStake, a.totalStake, "epoch total");
            assertTrue(3 * c.signedStake > 2 * c.totalStake, "stored: accepted without 2/3");
        }
    }

    /// Nothing is paid out before its unbonding period.
    /// forge-config: prague.invariant.runs = 24
    /// forge-config: prague.invariant.depth = 100
    function invariant_nothingWithdrawnBeforeTheUnbondingPeriod() public view {
        assertEq(handler.earlyWithdrawals(), 0, "withdrawn early");
        for (uint256 i = 0; i < handler.validatorCount(); ++i) {
            IStakeManager.Validator memory v = sm.validator(i);
            if (v.unbonding > 0) assertEq(v.withdrawableAt, handler.ghost(i).unlockAt, "unlock time");
        }
    }

    /// Heights per domain strictly increase: no accepted checkpoint ever had a height at or below its domain's latest.
    /// forge-config: prague.invariant.runs = 24
    /// forge-config: prague.invariant.depth = 100
    function invariant_heightsNeverGoBack() public view {
        assertEq(handler.heightsWentBack(), 0, "height went back");
        bytes32[2] memory domains = [STATE, L2];
        for (uint256 d = 0; d < 2; ++d) {
            assertEq(verifier.latestHeight(domains[d]), handler.ghostLatestHeight(domains[d]), "latest height");
            assertEq(verifier.checkpointCount(domains[d]), handler.checkpointCountOf(domains[d]), "count");
        }
    }

    /// Every handler path succeeds on ordinary input (guards against a handler that silently does nothing). The
    /// signer seeds are hashed per checkpoint, so the test searches for seeds with the outcome it needs.
    function test_handlerPathsSucceed() public {
        for (uint256 s = 0; s < 4; ++s) {
            handler.register(s, 1_000_000e18 + s);
        }
        handler.warp(1 hours, false);
        // a refused checkpoint (short of 2/3), then accepted ones until validator 1 (sleepy) missed two in a row
        uint256 seed = _seedWhere(false, false);
        handler.checkpoint(0, 1, seed, 1);
        for (uint256 k = 1; k <= 2; ++k) {
            handler.checkpoint(0, _nextHeightSeed(3 * k), _seedWhere(true, true), 1);
        }
        handler.jail(1 | (uint256(1) << 128), 0); // validator 1, not the "most misses" pick
        handler.topUp(0, 5e18);
        handler.unbond(2, 0, 0);
        handler.doubleSign(3, 9);
        handler.warp(25 days, true);
        handler.withdraw(2);
        handler.unjail(1);
        handler.checkpoint(3, 0, _seedWhere(true, false), 1);
        assertEq(handler.registrations(), 4, "registrations");
        assertEq(handler.checkpoints(), 3, "checkpoints");
        assertEq(handler.refusedCheckpoints(), 1, "refused");
        assertEq(handler.jailings(), 1, "jailings");
        assertEq(handler.slashes(), 1, "slashes");
        assertEq(handler.withdrawals(), 1, "withdrawals");
        assertEq(handler.unjailings(), 1, "unjailings");
        invariant_totalStakeIsTheSumOfValidatorStakes();
        invariant_slashAtMostOncePerEvidenceAndValidator();
        invariant_noCheckpointWithoutTwoThirds();
        invariant_nothingWithdrawnBeforeTheUnbondingPeriod();
        invariant_heightsNeverGoBack();
    }

    /// @dev A signer seed whose first checkpoint (j = 0) has validators 0, 2 and 3 sign and validator 1 sign unless
    ///      `sleepyMisses` (or, with `enough` false, validators 0 and 1 sign and 2 and 3 do not).
    function _seedWhere(bool enough, bool sleepyMisses) internal view returns (uint256 seed) {
        for (seed = 1; ; ++seed) {
            uint256 h = uint256(keccak256(abi.encode(seed, uint256(0))));
            bool s0 = handler.signs(0, h);
            bool s1 = handler.signs(1, h);
            bool s2 = handler.signs(2, h);
            bool s3 = handler.signs(3, h);
            if (enough && s0 && s2 && s3 && s1 != sleepyMisses) return seed;
            if (!enough && s0 && s1 && !s2 && !s3) return seed;
        }
    }

    /// @dev A height seed whose first checkpoint (j = 0) takes the next height (not the refused branch).
    function _nextHeightSeed(uint256 from) internal pure returns (uint256 seed) {
        for (seed = from; uint256(keccak256(abi.encode(seed, uint256(0)))) % 5 == 0; ++seed) {}
    }
}
