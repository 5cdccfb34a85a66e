// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ISLAContract
/// @notice Service-level agreements with automatic penalties (seed §2 "SLAContract.sol").
///
///         A provider proposes an SLA to a customer: named guarantees (uptime, latency, any metric), each a target in
///         milli-units (99.9 % is 99900) that is either a floor (a violation is a value below it: uptime) or a ceiling
///         (a value above it: latency), each with a penalty; a stake that backs the penalties and a fee, both in one
///         ERC-20 token. The provider's stake is taken at the proposal; the SLA runs from when the customer accepts
///         and deposits the fee, for `duration` seconds.
///
///         Violations are judged per (SLA, guarantee, period), where `period` is the end of a monitoring window: the
///         term is cut into windows of the SLA's `interval` seconds from its start, so `period` is `startsAt + k *
///         interval` for k >= 1, within the term and not in the future. Each key is settled once, which is the
///         replay protection: no report is ever applied twice, and at most one penalty per guarantee and window.
///         - Oracle path: a `ViolationReport` signed (EIP-712) by `quorum` distinct registered monitoring oracles,
///           relayed by anyone. A violating value pays the penalty from the stake to the customer at once; a
///           compliant value settles the key as no violation (rejecting a customer claim for it, if any).
///         - Customer path (the seed's `reportViolation`): the customer claims a violating value; the claim pays
///           out if oracles confirm it (a quorum report of the same key), or if the provider does not dispute it
///           within the dispute window (then anyone may `finalizeClaim`). A disputed claim goes to the oracles, who
///           have one more dispute window to decide it; if they have not by then, anyone may `finalizeClaim` it and
///           the customer is paid: a dispute delays a claim, it never silences it.
///         Penalties are paid in full while the stake lasts, then what is left: the sum paid never exceeds the stake.
///
///         After expiry plus one dispute window, and once every claim is decided (paid or rejected), `settle` pays
///         the provider the fee and what is left of the stake. Every claim therefore ends in a decision.
interface ISLAContract {
    /// @notice Lifecycle of an SLA.
    enum SLAStatus {
        None,
        Proposed,
        Active,
        Settled,
        Cancelled
    }

    /// @notice State of one (SLA, guarantee, period) key.
    enum Outcome {
        None,
        Claimed,
        Disputed,
        Penalized,
        NoViolation
    }

    /// @notice One guarantee of an SLA.
    /// @param name The metric's name as bytes32 (e.g. "uptime", zero-padded).
    /// @param target The guaranteed value in milli-units (99.9 -> 99900).
    /// @param penalty Token base units paid to the customer per violated period.
    /// @param upperBound True if the target is a ceiling (latency), false if a floor (uptime).
    struct Guarantee {
        bytes32 name;
        uint256 target;
        uint256 penalty;
        bool upperBound;
    }

    /// @notice A monitoring oracles' report: the measured value of one guarantee over one period.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee's name.
    /// @param actual The measured value in milli-units.
    /// @param period The end of the monitoring window (unix seconds).
    struct ViolationReport {
        uint256 slaId;
        bytes32 guarantee;
        uint256 actual;
        uint256 period;
    }

    /// @notice An SLA as `getSLA` returns it.
    /// @param provider Who staked and earns the fee.
    /// @param customer Who pays the fee and receives penalties.
    /// @param token The ERC-20 of stake, fee and penalties.
    /// @param status Its status.
    /// @param stake The provider's stake.
    /// @param penaltiesPaid Penalties paid to the customer so far.
    /// @param fee The customer's fee.
    /// @param duration The term in seconds.
    /// @param interval The monitoring window in seconds (periods are multiples of it after the start).
    /// @param startsAt When the customer accepted (0 before).
    /// @param expiresAt startsAt + duration (0 before).
    /// @param disputeWindow Seconds a customer claim can be disputed (fixed at the proposal).
    /// @param openClaims Claims that are neither paid nor rejected (claimed or disputed).
    struct SLAInfo {
        address provider;
        address customer;
        address token;
        SLAStatus status;
        uint256 stake;
        uint256 penaltiesPaid;
        uint256 fee;
        uint256 duration;
        uint256 interval;
        uint256 startsAt;
        uint256 expiresAt;
        uint256 disputeWindow;
        uint256 openClaims;
    }

    /// @notice A provider proposed an SLA and staked.
    /// @param slaId The SLA.
    /// @param provider The provider.
    /// @param customer The customer.
    /// @param token The token.
    /// @param stake The stake.
    /// @param fee The fee the customer deposits on acceptance.
    /// @param duration The term in seconds.
    /// @param interval The monitoring window in seconds.
    event SLAProposed(
        uint256 indexed slaId,
        address indexed provider,
        address indexed customer,
        address token,
        uint256 stake,
        uint256 fee,
        uint256 duration,
        uint256 interval
    );

    /// @notice One guarantee of a proposed SLA.
    /// @param slaId The SLA.
    /// @param name The guarantee.
    /// @param target Milli-units.
    /// @param penalty Base units.
    /// @param upperBound Ceiling (true) or floor (false).
    event GuaranteeSet(uint256 indexed slaId, bytes32 indexed name, uint256 target, uint256 penalty, bool upperBound);

    /// @notice The customer accepted and deposited the fee: the SLA is active.
    /// @param slaId The SLA.
    /// @param startsAt Start of the term.
    /// @param expiresAt End of the term.
    event SLAActivated(uint256 indexed slaId, uint256 startsAt, uint256 expiresAt);

    /// @notice The provider withdrew a proposal before acceptance; the stake went back.
    /// @param slaId The SLA.
    event SLACancelled(uint256 indexed slaId);

    /// @notice The customer claimed a violation.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The monitoring period.
    /// @param actual The claimed value.
    /// @param disputeDeadline Until when the provider can dispute.
    event ViolationClaimed(
        uint256 indexed slaId, bytes32 indexed guarantee, uint256 indexed period, uint256 actual, uint256 disputeDeadline
    );

    /// @notice The provider disputed a claim; oracles decide it, or it pays out after `decisionDeadline`.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The monitoring period.
    /// @param decisionDeadline Until when only an oracle quorum can decide it (then anyone may finalize it).
    event ClaimDisputed(
        uint256 indexed slaId, bytes32 indexed guarantee, uint256 indexed period, uint256 decisionDeadline
    );

    /// @notice A penalty was paid from the stake to the customer.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The monitoring period.
    /// @param actual The value judged.
    /// @param penalty Base units paid (the guarantee's penalty, or what was left of the stake).
    /// @param byOracles True if an oracle quorum decided it, false if a claim finalized after its deadline
    ///        (undisputed, or disputed and not decided by the oracles in time).
    event PenaltyEnforced(
        uint256 indexed slaId,
        bytes32 indexed guarantee,
        uint256 indexed period,
        uint256 actual,
        uint256 penalty,
        bool byOracles
    );

    /// @notice An oracle quorum reported a compliant value for the key (rejecting a claim for it, if any).
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The monitoring period.
    /// @param actual The value reported.
    event NoViolationReported(uint256 indexed slaId, bytes32 indexed guarantee, uint256 indexed period, uint256 actual);

    /// @notice The SLA was settled: the provider got the fee and the rest of the stake.
    /// @param slaId The SLA.
    /// @param toProvider Base units paid to the provider.
    /// @param penaltiesPaid Penalties paid to the customer over the term.
    event SLASettled(uint256 indexed slaId, uint256 toProvider, uint256 penaltiesPaid);

    /// @notice The oracle set was replaced.
    /// @param oracles The set.
    /// @param quorum Signatures needed.
    event OraclesSet(address[] oracles, uint256 quorum);

    /// @notice The dispute window for new proposals was set.
    /// @param window Seconds.
    event DisputeWindowSet(uint256 window);

    /// @notice No SLA has this id.
    /// @param slaId The id.
    error SLAUnknown(uint256 slaId);

    /// @notice The caller is not the party this needs.
    /// @param slaId The SLA.
    /// @param caller The caller.
    error SLAUnauthorized(uint256 slaId, address caller);

    /// @notice The SLA's status does not allow this.
    /// @param slaId The SLA.
    /// @param status Its status.
    error SLAWrongStatus(uint256 slaId, SLAStatus status);

    /// @notice The customer is the zero address or the provider, or the token is the zero address.
    error SLAInvalidParties();

    /// @notice The stake is zero, or an amount does not fit 128 bits.
    /// @param amount The amount.
    error SLAInvalidAmount(uint256 amount);

    /// @notice The term is outside the allowed range.
    /// @param duration Seconds given.
    /// @param minDuration Shortest.
    /// @param maxDuration Longest.
    error SLAInvalidDuration(uint256 duration, uint256 minDuration, uint256 maxDuration);

    /// @notice The monitoring interval is below the minimum or longer than the term.
    /// @param interval Seconds given.
    /// @param minInterval Shortest.
    /// @param duration The term (the longest).
    error SLAInvalidInterval(uint256 interval, uint256 minInterval, uint256 duration);

    /// @notice The period is not the end of a monitoring window (`startsAt + k * interval`).
    /// @param slaId The SLA.
    /// @param period The period given.
    /// @param interval The SLA's monitoring interval.
    error SLAPeriodNotAligned(uint256 slaId, uint256 period, uint256 interval);

    /// @notice A guarantee is malformed: empty name, zero penalty, a duplicate name, or too many guarantees.
    /// @param index Its position (the count, when there are too many or none).
    error SLAInvalidGuarantee(uint256 index);

    /// @notice The SLA has no guarantee of this name.
    /// @param slaId The SLA.
    /// @param guarantee The name.
    error SLAUnknownGuarantee(uint256 slaId, bytes32 guarantee);

    /// @notice The value does not violate the guarantee (a claim must be a violation).
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param actual The value.
    /// @param target The guarantee's target.
    error SLANoViolation(uint256 slaId, bytes32 guarantee, uint256 actual, uint256 target);

    /// @notice The period is not within the SLA's term, or in the future.
    /// @param slaId The SLA.
    /// @param period The period.
    /// @param startsAt Start of the term (periods must be after it).
    /// @param latest Latest period allowed now.
    error SLAPeriodOutOfRange(uint256 slaId, uint256 period, uint256 startsAt, uint256 latest);

    /// @notice The key was decided already (paid or found compliant): a report is never applied twice.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The period.
    error SLAAlreadySettled(uint256 slaId, bytes32 guarantee, uint256 period);

    /// @notice The key has a claim already, or no claim in the state this needs.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The period.
    /// @param outcome The key's state.
    error SLAClaimWrongState(uint256 slaId, bytes32 guarantee, uint256 period, Outcome outcome);

    /// @notice The dispute window of the claim has ended (dispute) or not ended yet (finalize).
    /// @param deadline The claim's dispute deadline.
    error SLADisputeWindow(uint256 deadline);

    /// @notice The claim is disputed and the oracles still have time to decide it; after `decisionDeadline` anyone
    ///         may finalize it (the customer is paid).
    /// @param decisionDeadline Until when only an oracle quorum can decide it.
    error SLADecisionPending(uint256 decisionDeadline);

    /// @notice Fewer valid signatures than the quorum.
    /// @param signatures Signatures given.
    /// @param quorum Signatures needed.
    error SLAQuorumNotReached(uint256 signatures, uint256 quorum);

    /// @notice A signature is malformed, not from a registered oracle, or its signer is not above the previous one
    ///         (signatures must be sorted by signer address, ascending: this is how duplicates are refused).
    /// @param index Its position.
    error SLAInvalidSignature(uint256 index);

    /// @notice The SLA cannot be settled yet: after expiry plus the dispute window, with every claim decided.
    /// @param slaId The SLA.
    /// @param settleAt Earliest settlement time.
    /// @param pendingClaims Open claims (claimed or disputed) that must be decided or finalized first.
    error SLANotSettleable(uint256 slaId, uint256 settleAt, uint256 pendingClaims);

    /// @notice The oracle set is empty, over 32, has duplicates or zero addresses, or the quorum is out of range.
    /// @param count Oracles given.
    /// @param quorum Quorum given.
    error SLAInvalidOracleSet(uint256 count, uint256 quorum);

    /// @notice The dispute window is above the maximum.
    /// @param window Seconds given.
    /// @param maxWindow Largest allowed.
    error SLADisputeWindowTooLong(uint256 window, uint256 maxWindow);

    /// @notice The token moved a different amount than asked (fee-on-transfer tokens are not supported).
    /// @param expected Base units asked for.
    /// @param received Base units that arrived.
    error SLATokenTransferMismatch(uint256 expected, uint256 received);

    /// @notice Proposes an SLA to `customer` and takes `stake` from the caller, the provider (approve it first).
    /// @param customer The customer.
    /// @param token The ERC-20 of stake, fee and penalties.
    /// @param guarantees 1 to MAX_GUARANTEES distinct guarantees, each with a non-zero penalty.
    /// @param stake Base units staked (non-zero).
    /// @param fee Base units the customer deposits on acceptance (may be zero).
    /// @param duration Term in seconds, MIN_DURATION .. MAX_DURATION.
    /// @param interval Monitoring window in seconds, MIN_INTERVAL .. duration.
    /// @return slaId The new SLA's id (from 1).
    function createSLA(
        address customer,
        address token,
        Guarantee[] calldata guarantees,
        uint256 stake,
        uint256 fee,
        uint256 duration,
        uint256 interval
    ) external returns (uint256 slaId);

    /// @notice Accepts a proposed SLA and deposits its fee, by the customer (approve it first). The term starts.
    /// @param slaId The SLA.
    function acceptSLA(uint256 slaId) external;

    /// @notice Withdraws a proposal the customer has not accepted and returns the stake, by the provider.
    /// @param slaId The SLA.
    function cancelSLA(uint256 slaId) external;

    /// @notice Applies an oracle-quorum report (see the contract notes), relayed by anyone.
    /// @param report The report.
    /// @param signatures 65-byte (r, s, v) EIP-712 signatures of `quorum` or more registered oracles, sorted by
    ///        signer address ascending.
    function submitReport(ViolationReport calldata report, bytes[] calldata signatures) external;

    /// @notice The customer's own violation claim (the seed's `reportViolation`); pays out if oracles confirm it or
    ///         the provider does not dispute it within the dispute window.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee's name.
    /// @param actual The measured value in milli-units; must violate the guarantee.
    /// @param period The end of the monitoring window (`startsAt + k * interval`).
    function reportViolation(uint256 slaId, bytes32 guarantee, uint256 actual, uint256 period) external;

    /// @notice Disputes a customer claim within its window, by the provider; oracles then have one more dispute
    ///         window to decide it, after which it can be finalized in the customer's favour.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The period.
    function disputeClaim(uint256 slaId, bytes32 guarantee, uint256 period) external;

    /// @notice Pays a claim whose deadline passed undecided, by anyone: an undisputed claim after its dispute window,
    ///         a disputed one after its decision deadline (the oracles did not decide it in time).
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The period.
    function finalizeClaim(uint256 slaId, bytes32 guarantee, uint256 period) external;

    /// @notice Settles an SLA after expiry plus the dispute window, once no claim is open: the provider receives the
    ///         fee and the rest of the stake. Anyone may call.
    /// @param slaId The SLA.
    function settle(uint256 slaId) external;

    /// @notice Replaces the monitoring oracle set. Admin only.
    /// @param oracles 1 to 32 distinct non-zero addresses.
    /// @param quorum Signatures needed, 1 .. oracles.length.
    function setOracles(address[] calldata oracles, uint256 quorum) external;

    /// @notice Sets the dispute window of SLAs proposed from now on. Admin only.
    /// @param window Seconds, at most MAX_DISPUTE_WINDOW.
    function setDisputeWindow(uint256 window) external;

    /// @notice An SLA (SLAUnknown if none).
    /// @param slaId The id.
    /// @return The SLA.
    function getSLA(uint256 slaId) external view returns (SLAInfo memory);

    /// @notice An SLA's guarantees, in the order they were given.
    /// @param slaId The SLA.
    /// @return The guarantees.
    function guaranteesOf(uint256 slaId) external view returns (Guarantee[] memory);

    /// @notice The state of a (SLA, guarantee, period) key.
    /// @param slaId The SLA.
    /// @param guarantee The guarantee.
    /// @param period The period.
    /// @return outcome Its state.
    /// @return actual The value claimed or judged.
    /// @return disputeDeadline For a claim: until when it can be disputed; for a disputed claim: until when the
    ///         oracles can decide it before it can be finalized.
    function outcomeOf(uint256 slaId, bytes32 guarantee, uint256 period)
        external
        view
        returns (Outcome outcome, uint256 actual, uint256 disputeDeadline);

    /// @notice The EIP-712 digest oracles sign for `report`.
    /// @param report The report.
    /// @return The digest.
    function reportDigest(ViolationReport calldata report) external view returns (bytes32);

    /// @notice The monitoring oracle set.
    /// @return oracles The addresses.
    /// @return quorum Signatures needed.
    function oracleSet() external view returns (address[] memory oracles, uint256 quorum);

    /// @notice The dispute window of new proposals, in seconds.
    /// @return The window.
    function disputeWindow() external view returns (uint256);

    /// @notice SLAs ever proposed (the last id).
    /// @return The count.
    function slaCount() external view returns (uint256);
}
