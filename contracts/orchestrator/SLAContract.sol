// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";
import {ReentrancyGuardUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/ReentrancyGuardUpgradeable.sol";
import {GuardedUpgradeable} from "../security/GuardedUpgradeable.sol";
import {ISLAContract} from "./ISLAContract.sol";

/// @title SLAContract
/// @notice SLAs backed by a provider's stake, with penalties paid automatically on oracle-quorum reports or on
///         undisputed customer claims. See ISLAContract.
/// @dev Solvency: the contract's balance of each token is at least the sum, over proposed and active SLAs in that
///      token, of `stake - penaltiesPaid` (+ `fee` once active). Every payout is bounded by that SLA's own share:
///      a penalty by what is left of its stake, a settlement by exactly its share, after which it is Settled.
///      Transfers come after all state changes (checks-effects-interactions) under a reentrancy guard; tokens that
///      deliver less than asked are refused, so the books always match what arrived.
///
///      Disputes end in a decision: a dispute moves the key's deadline one dispute window on (the SLA's, fixed at the
///      proposal, so no new parameter and no admin lever over running SLAs); until then only an oracle quorum
///      decides it, after it anyone may finalize it for the customer. Settlement waits for every open claim, claimed
///      or disputed, so the provider cannot outwait a claim: disputing only buys the oracles time.
///
///      Upgradeable (UUPS behind a `UUPSProxy`): SLAs hold customers' claims and providers' stakes for up to ten
///      years, so a bug must be fixable in place, without moving the funds or the SLA ids. Only the admin upgrades
///      (the timelock in production: every upgrade and rollback is a governance proposal with its delay). Storage:
///      OpenZeppelin's bases keep theirs in ERC-7201 namespaces; this contract's own variables start at slot 0 and
///      a later version may only append (the storage layout is checked before an upgrade is proposed).
contract SLAContract is ISLAContract, EIP712Upgradeable, ReentrancyGuardUpgradeable, GuardedUpgradeable {
    using SafeERC20 for IERC20;

    /// @notice Shortest term, in seconds.
    uint256 public constant MIN_DURATION = 1 hours;

    /// @notice Longest term, in seconds (10 years).
    uint256 public constant MAX_DURATION = 3650 days;

    /// @notice Shortest monitoring window, in seconds.
    uint256 public constant MIN_INTERVAL = 1 minutes;

    /// @notice Most guarantees in one SLA.
    uint256 public constant MAX_GUARANTEES = 16;

    /// @notice Longest dispute window, in seconds.
    uint256 public constant MAX_DISPUTE_WINDOW = 30 days;

    /// @notice Largest oracle set.
    uint256 public constant MAX_ORACLES = 32;

    /// @notice EIP-712 type of an oracle report.
    bytes32 public constant REPORT_TYPEHASH =
        keccak256("ViolationReport(uint256 slaId,bytes32 guarantee,uint256 actual,uint256 period)");

    struct SLA {
        address provider;
        uint40 startsAt;
        uint40 expiresAt;
        SLAStatus status;
        address customer;
        uint40 duration;
        uint40 disputeWindow;
        address token;
        uint32 pendingClaims;
        uint32 disputedClaims;
        uint32 interval;
        uint128 stake;
        uint128 penaltiesPaid;
        uint128 fee;
    }

    struct Terms {
        uint128 penalty; // non-zero for every guarantee of the SLA: zero means "no such guarantee"
        uint120 target;
        bool upperBound;
    }

    struct Key {
        Outcome outcome;
        uint40 deadline;
        uint128 actual;
    }

    // One slot: quorum | dispute window | SLA count.
    uint8 private _quorum;
    uint40 private _window;
    uint64 private _count;
    address[] private _oracles;
    mapping(address oracle => bool) private _isOracle;

    mapping(uint256 slaId => SLA) private _slas;
    mapping(uint256 slaId => bytes32[]) private _names;
    mapping(uint256 slaId => mapping(bytes32 name => Terms)) private _terms;
    mapping(bytes32 key => Key) private _keys;

    /// @dev The implementation is never used directly: its initializers are locked.
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initializes the proxy's state; run once, by the proxy's constructor (`UUPSProxy(impl, data)`).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE: sets oracles and the dispute window, grants roles, unpauses,
    ///        upgrades (the timelock in production).
    /// @param guardian Holder of GUARDIAN_ROLE: may pause (zero: none yet).
    /// @param oracles_ The monitoring oracle set (config `sla_oracles`).
    /// @param quorum_ Signatures needed per report (config `sla_oracle_quorum`).
    /// @param disputeWindow_ Seconds a customer claim can be disputed (config `sla_dispute_window`).
    function initialize(
        address admin,
        address guardian,
        address[] calldata oracles_,
        uint256 quorum_,
        uint256 disputeWindow_
    ) external initializer {
        __EIP712_init("NovaCronSLAContract", "1");
        __ReentrancyGuard_init();
        __Guarded_init(admin, guardian);
        _setOracles(oracles_, quorum_);
        _setWindow(disputeWindow_);
    }

    // -- agreement ------------------------------------------------------------------------------------------------

    /// @inheritdoc ISLAContract
    function createSLA(
        address customer,
        address token,
        Guarantee[] calldata guarantees,
        uint256 stake,
        uint256 fee,
        uint256 duration,
        uint256 interval
    ) external nonReentrant whenNotPaused returns (uint256 slaId) {
        if (customer == address(0) || customer == msg.sender || token == address(0)) revert SLAInvalidParties();
        if (stake == 0 || stake > type(uint128).max) revert SLAInvalidAmount(stake);
        if (fee > type(uint128).max) revert SLAInvalidAmount(fee);
        if (duration < MIN_DURATION || duration > MAX_DURATION) {
            revert SLAInvalidDuration(duration, MIN_DURATION, MAX_DURATION);
        }
        // duration <= MAX_DURATION < 2**32, so the interval fits 32 bits.
        if (interval < MIN_INTERVAL || interval > duration) revert SLAInvalidInterval(interval, MIN_INTERVAL, duration);
        uint256 count = guarantees.length;
        if (count == 0 || count > MAX_GUARANTEES) revert SLAInvalidGuarantee(count);
        unchecked {
            // 2**64 SLAs cannot be proposed.
            slaId = ++_count;
        }
        for (uint256 i = 0; i < count; ++i) {
            Guarantee calldata g = guarantees[i];
            if (
                g.name == bytes32(0) || g.penalty == 0 || g.penalty > type(uint128).max || g.target > type(uint120).max
                    || _terms[slaId][g.name].penalty != 0
            ) revert SLAInvalidGuarantee(i);
            // Both fit: checked just above.
            // forge-lint: disable-next-line(unsafe-typecast)
            _terms[slaId][g.name] = Terms({penalty: uint128(g.penalty), target: uint120(g.target), upperBound: g.upperBound});
            _names[slaId].push(g.name);
            emit GuaranteeSet(slaId, g.name, g.target, g.penalty, g.upperBound);
        }
        // Amounts fit 128 bits, the duration and window 40 bits, the interval (<= duration) 32 bits: checked above
        // and in _setWindow.
        // forge-lint: disable-start(unsafe-typecast)
        _slas[slaId] = SLA({
            provider: msg.sender,
            startsAt: 0,
            expiresAt: 0,
            status: SLAStatus.Proposed,
            customer: customer,
            duration: uint40(duration),
            disputeWindow: _window,
            token: token,
            pendingClaims: 0,
            disputedClaims: 0,
            interval: uint32(interval),
            stake: uint128(stake),
            penaltiesPaid: 0,
            fee: uint128(fee)
        });
        // forge-lint: disable-end(unsafe-typecast)
        emit SLAProposed(slaId, msg.sender, customer, token, stake, fee, duration, interval);

        _pull(IERC20(token), msg.sender, stake);
    }

    /// @inheritdoc ISLAContract
    function acceptSLA(uint256 slaId) external nonReentrant whenNotPaused {
        SLA storage sla = _existing(slaId);
        if (msg.sender != sla.customer) revert SLAUnauthorized(slaId, msg.sender);
        if (sla.status != SLAStatus.Proposed) revert SLAWrongStatus(slaId, sla.status);
        uint256 expiresAt = block.timestamp + sla.duration;
        sla.status = SLAStatus.Active;
        // forge-lint: disable-start(unsafe-typecast)
        sla.startsAt = uint40(block.timestamp);
        sla.expiresAt = uint40(expiresAt);
        // forge-lint: disable-end(unsafe-typecast)
        emit SLAActivated(slaId, block.timestamp, expiresAt);

        if (sla.fee != 0) _pull(IERC20(sla.token), msg.sender, sla.fee);
    }

    /// @inheritdoc ISLAContract
    function cancelSLA(uint256 slaId) external nonReentrant whenNotPaused {
        SLA storage sla = _existing(slaId);
        if (msg.sender != sla.provider) revert SLAUnauthorized(slaId, msg.sender);
        if (sla.status != SLAStatus.Proposed) revert SLAWrongStatus(slaId, sla.status);
        sla.status = SLAStatus.Cancelled;
        emit SLACancelled(slaId);

        IERC20(sla.token).safeTransfer(sla.provider, sla.stake);
    }

    // -- violations -----------------------------------------------------------------------------------------------

    /// @inheritdoc ISLAContract
    function submitReport(ViolationReport calldata report, bytes[] calldata signatures)
        external
        nonReentrant
        whenNotPaused
    {
        uint256 slaId = report.slaId;
        SLA storage sla = _active(slaId);
        Terms memory t = _guarantee(slaId, report.guarantee);
        _checkPeriod(slaId, sla, report.period);
        if (report.actual > type(uint128).max) revert SLAInvalidAmount(report.actual);
        Key storage key = _keys[_keyOf(slaId, report.guarantee, report.period)];
        Outcome previous = key.outcome;
        if (previous == Outcome.Penalized || previous == Outcome.NoViolation) {
            revert SLAAlreadySettled(slaId, report.guarantee, report.period);
        }
        _verifyQuorum(reportDigest(report), signatures);

        unchecked {
            // A claim in either state was counted when it got there.
            if (previous == Outcome.Claimed) --sla.pendingClaims;
            else if (previous == Outcome.Disputed) --sla.disputedClaims;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        key.actual = uint128(report.actual);
        if (_violates(t, report.actual)) {
            _enforcePenalty(slaId, sla, key, report.guarantee, report.period, t.penalty, true);
        } else {
            key.outcome = Outcome.NoViolation;
            emit NoViolationReported(slaId, report.guarantee, report.period, report.actual);
        }
    }

    /// @inheritdoc ISLAContract
    function reportViolation(uint256 slaId, bytes32 guarantee, uint256 actual, uint256 period)
        external
        nonReentrant
        whenNotPaused
    {
        SLA storage sla = _active(slaId);
        if (msg.sender != sla.customer) revert SLAUnauthorized(slaId, msg.sender);
        Terms memory t = _guarantee(slaId, guarantee);
        _checkPeriod(slaId, sla, period);
        if (actual > type(uint128).max) revert SLAInvalidAmount(actual);
        if (!_violates(t, actual)) revert SLANoViolation(slaId, guarantee, actual, t.target);
        Key storage key = _keys[_keyOf(slaId, guarantee, period)];
        Outcome previous = key.outcome;
        if (previous == Outcome.Penalized || previous == Outcome.NoViolation) {
            revert SLAAlreadySettled(slaId, guarantee, period);
        }
        if (previous != Outcome.None) revert SLAClaimWrongState(slaId, guarantee, period, previous);
        uint256 deadline = block.timestamp + sla.disputeWindow;
        key.outcome = Outcome.Claimed;
        // Both fit: the window is at most 30 days, the value was checked to fit 128 bits.
        // forge-lint: disable-start(unsafe-typecast)
        key.deadline = uint40(deadline);
        key.actual = uint128(actual);
        // forge-lint: disable-end(unsafe-typecast)
        unchecked {
            // At most one claim per (guarantee, period) key.
            ++sla.pendingClaims;
        }
        emit ViolationClaimed(slaId, guarantee, period, actual, deadline);
    }

    /// @inheritdoc ISLAContract
    function disputeClaim(uint256 slaId, bytes32 guarantee, uint256 period) external whenNotPaused {
        SLA storage sla = _active(slaId);
        if (msg.sender != sla.provider) revert SLAUnauthorized(slaId, msg.sender);
        Key storage key = _claim(slaId, guarantee, period);
        // slither-disable-next-line timestamp
        if (block.timestamp >= key.deadline) revert SLADisputeWindow(key.deadline);
        uint256 decisionDeadline = block.timestamp + sla.disputeWindow;
        key.outcome = Outcome.Disputed;
        // The window is at most 30 days: fits 40 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        key.deadline = uint40(decisionDeadline);
        unchecked {
            // The claim was counted as pending when it was made.
            --sla.pendingClaims;
            ++sla.disputedClaims;
        }
        emit ClaimDisputed(slaId, guarantee, period, decisionDeadline);
    }

    /// @inheritdoc ISLAContract
    function finalizeClaim(uint256 slaId, bytes32 guarantee, uint256 period) external nonReentrant whenNotPaused {
        SLA storage sla = _active(slaId);
        Terms memory t = _guarantee(slaId, guarantee);
        Key storage key = _keys[_keyOf(slaId, guarantee, period)];
        Outcome outcome = key.outcome;
        uint256 deadline = key.deadline;
        if (outcome == Outcome.Claimed) {
            // slither-disable-next-line timestamp
            if (block.timestamp < deadline) revert SLADisputeWindow(deadline);
            unchecked {
                // The claim was counted as pending when it was made.
                --sla.pendingClaims;
            }
        } else if (outcome == Outcome.Disputed) {
            // The oracles did not decide in time: the customer's claim stands.
            // slither-disable-next-line timestamp
            if (block.timestamp < deadline) revert SLADecisionPending(deadline);
            unchecked {
                // The claim was counted as disputed when it was disputed.
                --sla.disputedClaims;
            }
        } else {
            revert SLAClaimWrongState(slaId, guarantee, period, outcome);
        }
        _enforcePenalty(slaId, sla, key, guarantee, period, t.penalty, false);
    }

    // -- settlement -----------------------------------------------------------------------------------------------

    /// @inheritdoc ISLAContract
    function settle(uint256 slaId) external nonReentrant whenNotPaused {
        SLA storage sla = _active(slaId);
        uint256 settleAt = uint256(sla.expiresAt) + sla.disputeWindow;
        // Disputed claims count too: each must be decided (or time out in the customer's favour) first.
        uint256 pending = uint256(sla.pendingClaims) + sla.disputedClaims;
        // slither-disable-next-line timestamp
        if (block.timestamp < settleAt || pending != 0) revert SLANotSettleable(slaId, settleAt, pending);
        sla.status = SLAStatus.Settled;
        uint256 toProvider;
        unchecked {
            // penaltiesPaid <= stake always (each penalty is capped by what is left); the sum fits 129 bits.
            toProvider = uint256(sla.stake) - sla.penaltiesPaid + sla.fee;
        }
        emit SLASettled(slaId, toProvider, sla.penaltiesPaid);

        if (toProvider != 0) IERC20(sla.token).safeTransfer(sla.provider, toProvider);
    }

    // -- administration -------------------------------------------------------------------------------------------

    /// @inheritdoc ISLAContract
    function setOracles(address[] calldata oracles, uint256 quorum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setOracles(oracles, quorum);
    }

    /// @inheritdoc ISLAContract
    function setDisputeWindow(uint256 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindow(window);
    }

    // -- views ----------------------------------------------------------------------------------------------------

    /// @inheritdoc ISLAContract
    function getSLA(uint256 slaId) external view returns (SLAInfo memory) {
        SLA storage s = _existing(slaId);
        return SLAInfo({
            provider: s.provider,
            customer: s.customer,
            token: s.token,
            status: s.status,
            stake: s.stake,
            penaltiesPaid: s.penaltiesPaid,
            fee: s.fee,
            duration: s.duration,
            interval: s.interval,
            startsAt: s.startsAt,
            expiresAt: s.expiresAt,
            disputeWindow: s.disputeWindow,
            openClaims: uint256(s.pendingClaims) + s.disputedClaims
        });
    }

    /// @inheritdoc ISLAContract
    function guaranteesOf(uint256 slaId) external view returns (Guarantee[] memory out) {
        _existing(slaId);
        bytes32[] storage names = _names[slaId];
        out = new Guarantee[](names.length);
        for (uint256 i = 0; i < names.length; ++i) {
            Terms memory t = _terms[slaId][names[i]];
            out[i] = Guarantee(names[i], t.target, t.penalty, t.upperBound);
        }
    }

    /// @inheritdoc ISLAContract
    function outcomeOf(uint256 slaId, bytes32 guarantee, uint256 period)
        external
        view
        returns (Outcome outcome, uint256 actual, uint256 disputeDeadline)
    {
        Key memory k = _keys[_keyOf(slaId, guarantee, period)];
        return (k.outcome, k.actual, k.deadline);
    }

    /// @inheritdoc ISLAContract
    function reportDigest(ViolationReport calldata report) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(REPORT_TYPEHASH, report.slaId, report.guarantee, report.actual, report.period))
        );
    }

    /// @inheritdoc ISLAContract
    function oracleSet() external view returns (address[] memory oracles, uint256 quorum) {
        return (_oracles, _quorum);
    }

    /// @inheritdoc ISLAContract
    function disputeWindow() external view returns (uint256) {
        return _window;
    }

    /// @inheritdoc ISLAContract
    function slaCount() external view returns (uint256) {
        return _count;
    }

    // -- internals ------------------------------------------------------------------------------------------------

    function _existing(uint256 slaId) private view returns (SLA storage sla) {
        sla = _slas[slaId];
        if (sla.status == SLAStatus.None) revert SLAUnknown(slaId);
    }

    function _active(uint256 slaId) private view returns (SLA storage sla) {
        sla = _existing(slaId);
        if (sla.status != SLAStatus.Active) revert SLAWrongStatus(slaId, sla.status);
    }

    function _guarantee(uint256 slaId, bytes32 name) private view returns (Terms memory t) {
        t = _terms[slaId][name];
        if (t.penalty == 0) revert SLAUnknownGuarantee(slaId, name);
    }

    function _claim(uint256 slaId, bytes32 guarantee, uint256 period) private view returns (Key storage key) {
        key = _keys[_keyOf(slaId, guarantee, period)];
        if (key.outcome != Outcome.Claimed) revert SLAClaimWrongState(slaId, guarantee, period, key.outcome);
    }

    function _keyOf(uint256 slaId, bytes32 guarantee, uint256 period) private pure returns (bytes32) {
        return keccak256(abi.encode(slaId, guarantee, period));
    }

    /// @dev A period is the end of a monitoring window (`startsAt + k * interval`, k >= 1) within the term, and not
    ///      in the future.
    function _checkPeriod(uint256 slaId, SLA storage sla, uint256 period) private view {
        uint256 startsAt = sla.startsAt;
        uint256 latest = sla.expiresAt < block.timestamp ? sla.expiresAt : block.timestamp;
        // slither-disable-next-line timestamp
        if (period <= startsAt || period > latest) revert SLAPeriodOutOfRange(slaId, period, startsAt, latest);
        uint256 interval = sla.interval;
        if ((period - startsAt) % interval != 0) revert SLAPeriodNotAligned(slaId, period, interval);
    }

    function _violates(Terms memory t, uint256 actual) private pure returns (bool) {
        return t.upperBound ? actual > t.target : actual < t.target;
    }

    /// @dev Counts distinct registered oracles signing `digest`; signers must ascend, which refuses duplicates.
    function _verifyQuorum(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 quorum = _quorum;
        if (signatures.length < quorum) revert SLAQuorumNotReached(signatures.length, quorum);
        address last = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            // The third value only details `err`, which is checked: any error refuses the signature.
            // slither-disable-next-line unused-return
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || !_isOracle[signer] || signer <= last) {
                revert SLAInvalidSignature(i);
            }
            last = signer;
        }
    }

    /// @dev `enforcePenalty` of the seed: pays the penalty (at most what is left of the stake) to the customer.
    function _enforcePenalty(
        uint256 slaId,
        SLA storage sla,
        Key storage key,
        bytes32 guarantee,
        uint256 period,
        uint256 penalty,
        bool byOracles
    ) private {
        uint256 left;
        unchecked {
            // penaltiesPaid <= stake is kept by this function.
            left = uint256(sla.stake) - sla.penaltiesPaid;
        }
        uint256 paid = penalty < left ? penalty : left;
        // forge-lint: disable-next-line(unsafe-typecast)
        sla.penaltiesPaid += uint128(paid);
        key.outcome = Outcome.Penalized;
        emit PenaltyEnforced(slaId, guarantee, period, key.actual, paid, byOracles);

        if (paid != 0) IERC20(sla.token).safeTransfer(sla.customer, paid);
    }

    /// @dev Takes `amount` from `from`, refusing tokens that deliver less.
    function _pull(IERC20 token, address from, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert SLATokenTransferMismatch(amount, received);
    }

    function _setOracles(address[] memory oracles, uint256 quorum) private {
        uint256 count = oracles.length;
        if (count == 0 || count > MAX_ORACLES || quorum == 0 || quorum > count) {
            revert SLAInvalidOracleSet(count, quorum);
        }
        address[] storage old = _oracles;
        for (uint256 i = 0; i < old.length; ++i) {
            delete _isOracle[old[i]];
        }
        delete _oracles;
        for (uint256 i = 0; i < count; ++i) {
            address o = oracles[i];
            if (o == address(0) || _isOracle[o]) revert SLAInvalidOracleSet(count, quorum);
            _isOracle[o] = true;
            _oracles.push(o);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        _quorum = uint8(quorum);
        emit OraclesSet(oracles, quorum);
    }

    function _setWindow(uint256 window) private {
        if (window > MAX_DISPUTE_WINDOW) revert SLADisputeWindowTooLong(window, MAX_DISPUTE_WINDOW);
        // forge-lint: disable-next-line(unsafe-typecast)
        _window = uint40(window);
        emit DisputeWindowSet(window);
    }
}
