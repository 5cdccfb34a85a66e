// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IL2Rollup} from "../../../contracts/l2/IL2Rollup.sol";
import {L2Fixture} from "./L2Fixture.sol";
import {L2Model} from "./L2Model.sol";
import {Test} from "../utils/Test.sol";

/// @notice Random deposits, forced-withdrawal requests, honest batches (queue items with right and wrong hints, signed
///         transfers, transfers to new accounts and withdrawals, some invalid), wrong batches (a tampered segment
///         root) with honest descendants, fraud proofs, time warps, checkpoint confirmations and withdrawal claims
///         (valid ones, and attempts before finality and a second time). The handler owns the whole deployment and
///         the honest Solidity model of the L2; when a fraud proof deletes batches it rolls the model back to the
///         snapshot taken before the wrong batch. fail_on_revert is on: every call the handler makes must behave as
///         predicted. What the invariants check is counted in ghost state.
contract L2Handler is L2Fixture {
    address internal constant CHALLENGER = address(0xC4A1);
    uint256 internal constant USERS = 4;
    uint8 internal constant TOKENS_USED = 2;

    address[USERS] public users;

    // honest history, by batch index
    bytes32[] public honestRoots;
    IL2Rollup.StateHeader[] internal honestHeaders;
    // the wrong batch waiting for its fraud proof
    bool public badOutstanding;
    uint64 public badIndex;
    IL2Rollup.FraudProof internal badProof;
    bytes32[] public provenBadRoots;

    // ghosts
    uint256 public earlyWithdrawals; // paid against a root that was not final
    uint256 public doubleClaims; // a withdrawal paid twice
    uint256 public survivingBadRoots; // a fraud proof that left its root (or a descendant) alive
    // coverage
    uint256 public batches;
    uint256 public frauds;
    uint256 public claims;
    uint256 public deposits;

    constructor() {
        _deployL2();
        for (uint256 i = 0; i < USERS; ++i) users[i] = _user(i + 1);
        vm.deal(address(this), 1_000 ether);
    }

    function header(uint256 j) external view returns (IL2Rollup.StateHeader memory) {
        return honestHeaders[j];
    }

    function modelAddress() external view returns (address) {
        return address(model);
    }

    function portalAddress() external view returns (address) {
        return address(portal);
    }

    function rollupAddress() external view returns (address) {
        return address(rollup);
    }

    function tokenAddress(uint8 t) external view returns (address) {
        return address(tokens[t]);
    }

    // -- L1 queue -------------------------------------------------------------------------------------------

    function deposit(uint256 userSeed, uint256 tokenSeed, uint256 amountSeed) external {
        address u = users[userSeed % USERS];
        uint8 t = uint8(tokenSeed % TOKENS_USED);
        _deposit(u, t, bound(amountSeed, 1, 1_000e18), u);
        ++deposits;
    }

    function requestWithdrawal(uint256 userSeed, uint256 tokenSeed, uint256 amountSeed) external {
        _requestWithdrawal(users[userSeed % USERS], uint8(tokenSeed % TOKENS_USED), bound(amountSeed, 1, 200e18));
    }

    // -- batches --------------------------------------------------------------------------------------------

    function _hint(address account, uint256 seed) internal view returns (uint32) {
        if (seed % 5 == 0) return NEW; // a wrong hint: deposits then open another account
        return model.indexOf(account);
    }

    function _userIndex(uint256 seed) internal view returns (uint32 i, uint256 key) {
        uint256 n = model.accountCount();
        i = uint32(1 + (seed % (n - 1)));
        key = model.keyOf(model.addrOf(i));
    }

    /// @dev One batch on the model: every pending queue item, then up to 6 signed ops; segments of at most 32 ops.
    function _buildBatch(uint256 seed) internal returns (uint64 queueEnd) {
        _clearBatch();
        queueEnd = uint64(model.queueLength());
        model.beginSegment();
        for (uint64 q = model.queueProcessed(); q < queueEnd; ++q) {
            if (model.segOps() == 32) {
                _endSegment();
                model.beginSegment();
            }
            L2Model.Item memory it = model.item(q);
            model.queueOp(_hint(it.account, uint256(keccak256(abi.encode(seed, q)))), queueEnd);
        }
        uint256 ops = seed % 7;
        for (uint256 k = 0; k < ops; ++k) {
            if (model.accountCount() < 2) break;
            if (model.segOps() == 32) {
                _endSegment();
                model.beginSegment();
            }
            uint256 h = uint256(keccak256(abi.encode(seed, "op", k)));
            (uint32 from, uint256 key) = _userIndex(h);
            if (key == 0) continue;
            uint8 t = uint8((h >> 8) % TOKENS_USED);
            uint40 amount = uint40(model.pack(1 + ((h >> 16) % 60), 17));
            uint16 fee = uint16(model.pack((h >> 32) % 10, 15));
            uint256 kind = (h >> 48) % 4;
            if (kind == 0) model.withdraw(key, from, t, amount, fee);
            else if (kind == 1) model.transferNew(key, from, address(uint160(0xA000 + (h >> 56) % 4)), t, amount, fee);
            else model.transfer(key, from, uint32((h >> 64) % model.accountCount()), t, amount, fee);
        }
        _endSegment();
    }

    function _empty() internal view returns (bool) {
        return segs.length == 1 && segs[0].length == 0;
    }

    function _rebond() internal {
        (uint256 bond, ) = rollup.bondOf(SEQ);
        if (bond < MIN_BOND) {
            vm.prank(SEQ);
            rollup.depositBond{value: 10 ether}();
        }
    }

    function proposeHonest(uint256 seed) external {
        _rebond();
        uint64 queueEnd = _buildBatch(seed);
        if (_empty()) return;
        uint64 i = _propose(SEQ, queueEnd);
        require(i == honestRoots.length, "batch index follows the honest history");
        honestRoots.push(roots[roots.length - 1]);
        honestHeaders.push(model.header());
        ++batches;
    }

    function proposeWrong(uint256 seed) external {
        if (badOutstanding) return;
        _rebond();
        model.takeSnapshot();
        uint64 queueEnd = _buildBatch(seed);
        if (_empty()) {
            model.restoreSnapshot();
            return;
        }
        uint64 k = uint64(seed % segs.length);
        roots[k] = keccak256(abi.encode("wrong", seed));
        uint64 i = _propose(SEQ, queueEnd);
        require(i == honestRoots.length, "batch index follows the honest history");
        badProof = _fraudProof(i, queueEnd, k);
        badIndex = i;
        badOutstanding = true;
        // the history as the chain has it until the proof: descendants get proposed on top of it
        honestRoots.push(roots[roots.length - 1]);
        honestHeaders.push(model.header());
    }

    function challenge() public {
        if (!badOutstanding) return;
        uint64 count = rollup.batchCount();
        bytes32 badRoot = rollup.stateRoot(badIndex);
        uint256 before = CHALLENGER.balance;
        (uint256 bond, ) = rollup.bondOf(SEQ);
        vm.prank(CHALLENGER);
        rollup.proveFraud(badProof);
        require(CHALLENGER.balance - before == bond / 2, "half the bond paid");
        if (rollup.batchCount() != badIndex) ++survivingBadRoots;
        require(count > badIndex, "it was live");
        provenBadRoots.push(badRoot);
        while (honestRoots.length > badIndex) {
            honestRoots.pop();
            honestHeaders.pop();
        }
        model.restoreSnapshot();
        badOutstanding = false;
        ++frauds;
    }

    // -- time and finality ----------------------------------------------------------------------------------

    function warp(uint256 seed) external {
        // a wrong batch is always challenged in time (the verifier's job): never let it finalize
        challenge();
        vm.warp(block.timestamp + bound(seed, 1, 2 * CHALLENGE));
        vm.roll(block.number + bound(seed >> 128, 0, 10));
    }

    function confirm(uint256 seed) external {
        uint256 live = honestRoots.length;
        uint256 limit = badOutstanding ? badIndex : live;
        if (limit == 0) return;
        uint64 j = uint64(seed % limit);
        verifier.setFinal(keccak256("l2"), j, honestRoots[j]);
        rollup.confirmByCheckpoint(j);
    }

    // -- withdrawals ----------------------------------------------------------------------------------------

    function _latestFinal() internal view returns (bool found, uint64 j) {
        uint256 n = honestRoots.length;
        for (uint256 x = n; x > 0; --x) {
            if (rollup.isFinal(uint64(x - 1))) return (true, uint64(x - 1));
        }
        return (false, 0);
    }

    function _try(uint64 j, uint64 w) internal returns (bool ok) {
        (address recipient, uint8 t, uint256 amount) = model.withdrawal(w);
        IL2Rollup.StateHeader memory h = honestHeaders[j];
        bytes32[] memory sibs = model.withdrawalProofAt(w, h.withdrawalCount);
        try portal.finalizeWithdrawal(j, h, recipient, t, amount, w, sibs) {
            ok = true;
        } catch {
            ok = false;
        }
    }

    function claim(uint256 seed) external {
        uint256 n = model.withdrawalCount();
        if (n == 0) return;
        uint64 w = uint64(seed % n);
        // against a batch that is not final (the newest one containing it): must be refused
        uint256 live = honestRoots.length;
        if (live > 0) {
            uint64 newest = uint64(live - 1);
            if (!rollup.isFinal(newest) && w < honestHeaders[newest].withdrawalCount && _try(newest, w)) {
                ++earlyWithdrawals;
            }
        }
        (bool found, uint64 j) = _latestFinal();
        if (!found || w >= honestHeaders[j].withdrawalCount) return;
        bool claimed = portal.isClaimed(w);
        bool ok = _try(j, w);
        if (claimed && ok) ++doubleClaims;
        require(claimed || ok, "a final withdrawal is paid");
        if (ok) ++claims;
        if (_try(j, w)) ++doubleClaims;
    }

    receive() external payable {}
}

/// @notice The issue's four rollup invariants over the handler's random runs.
contract L2InvariantsTest is Test {
    L2Handler internal h;

    function setUp() public {
        h = new L2Handler();
        targetContract(address(h));
        bytes4[] memory sel = new bytes4[](9);
        sel[0] = L2Handler.deposit.selector;
        sel[1] = L2Handler.requestWithdrawal.selector;
        sel[2] = L2Handler.proposeHonest.selector;
        sel[3] = L2Handler.proposeWrong.selector;
        sel[4] = L2Handler.challenge.selector;
        sel[5] = L2Handler.warp.selector;
        sel[6] = L2Handler.confirm.selector;
        sel[7] = L2Handler.claim.selector;
        sel[8] = L2Handler.proposeHonest.selector;
        targetSelector(FuzzSelector(address(h), sel));
    }

    /// @notice L1 holdings of the portal == everything credited on L2 + withdrawals not yet paid + deposits not yet
    ///         included (so >= credited + pending withdrawals), per token.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 15
    function invariant_holdingsCoverL2() public view {
        L2Model m = _model();
        L2Portal_ p = L2Portal_(address(_portal()));
        for (uint8 t = 0; t < 2; ++t) {
            uint256 credited = m.credited(t);
            uint256 pendingWithdrawals = 0;
            for (uint256 w = 0; w < m.withdrawalCount(); ++w) {
                (, uint8 wt, uint256 amount) = m.withdrawal(w);
                if (wt == t && !p.isClaimed(uint64(w))) pendingWithdrawals += amount;
            }
            uint256 queued = 0;
            for (uint256 q = m.queueProcessed(); q < m.queueLength(); ++q) {
                L2Model.Item memory it = m.item(q);
                if (it.kind == 1 && it.token == t) queued += it.amount;
            }
            uint256 held = _token(t).balanceOf(address(p));
            assertGe(held, credited + pendingWithdrawals, "holdings cover L2 balances and pending withdrawals");
            assertEq(held, credited + pendingWithdrawals + queued, "holdings are exactly accounted for");
        }
    }

    /// @notice No withdrawal is ever paid against a root that is not final.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 15
    function invariant_noWithdrawalWithoutFinalRoot() public view {
        assertEq(h.earlyWithdrawals(), 0, "paid before finality");
    }

    /// @notice No root survives a valid fraud proof: every live root is the honest one (below a wrong batch still
    ///         waiting for its proof), and none is a root a fraud proof deleted.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 15
    function invariant_noRootSurvivesFraudProof() public view {
        assertEq(h.survivingBadRoots(), 0, "fraud proof left batches alive");
        IL2Rollup r = IL2Rollup(address(_rollup()));
        uint64 count = r.batchCount();
        uint256 honestUpTo = h.badOutstanding() ? h.badIndex() : count;
        for (uint64 j = 0; j < count; ++j) {
            bytes32 root = r.stateRoot(j);
            for (uint256 b = 0; b < _provenCount(); ++b) {
                assertTrue(root != h.provenBadRoots(b), "a proven-wrong root is live");
            }
            if (j < honestUpTo) assertTrue(root == h.honestRoots(j), "live root is the honest one");
        }
    }

    /// @notice No deposit is credited twice (nor a withdrawal paid twice): live batches consume the queue in order,
    ///         the honest state consumed exactly the last live batch's queueEnd, and no claim was paid twice.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 15
    function invariant_noDepositCreditedTwice() public view {
        assertEq(h.doubleClaims(), 0, "withdrawal paid twice");
        IL2Rollup r = IL2Rollup(address(_rollup()));
        uint64 count = r.batchCount();
        uint64 prev = 0;
        for (uint64 j = 0; j < count; ++j) {
            uint64 qe = r.batch(j).queueEnd;
            assertGe(qe, prev, "queueEnd never goes back");
            prev = qe;
        }
        if (count > 0 && !h.badOutstanding()) {
            assertEq(_model().queueProcessed(), prev, "state consumed exactly queueEnd");
        }
    }

    /// @notice The handler's actions do what the invariants rely on: a fixed sequence makes batches, a fraud proof
    ///         (with a descendant deleted) and claims, and the invariants hold after it.
    function test_handler_coversEveryAction() public {
        for (uint256 i = 0; i < 4; ++i) h.deposit(i, i, 500e18 + i);
        h.proposeHonest(1);
        for (uint256 i = 0; i < 4; ++i) h.requestWithdrawal(i, i, 1e18 + i);
        h.proposeHonest(3); // seed 3: three signed ops
        h.proposeWrong(20);
        h.proposeHonest(6);
        h.challenge();
        assertEq(h.frauds(), 1, "a fraud proof");
        h.proposeHonest(12);
        h.proposeHonest(4); // a withdrawal op among others
        h.warp(2 * 3600);
        for (uint256 s = 0; s < 8; ++s) h.claim(s);
        assertTrue(_model().withdrawalCount() >= 1, "withdrawals");
        assertTrue(h.batches() >= 4, "batches");
        assertTrue(h.claims() >= 1, "claims");
        invariant_holdingsCoverL2();
        invariant_noRootSurvivesFraudProof();
        invariant_noDepositCreditedTwice();
        invariant_noWithdrawalWithoutFinalRoot();
    }

    function _provenCount() internal view returns (uint256 n) {
        while (true) {
            try h.provenBadRoots(n) returns (bytes32) {
                ++n;
            } catch {
                return n;
            }
        }
    }

    function _model() internal view returns (L2Model) {
        return L2Model(h.modelAddress());
    }

    function _portal() internal view returns (address) {
        return h.portalAddress();
    }

    function _rollup() internal view returns (address) {
        return h.rollupAddress();
    }

    function _token(uint8 t) internal view returns (IERC20View) {
        return IERC20View(h.tokenAddress(t));
    }
}

interface L2Portal_ {
    function isClaimed(uint64 index) external view returns (bool);
}

interface IERC20View {
    function balanceOf(address a) external view returns (uint256);
}
