// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDIDRegistry} from "../did/IDIDRegistry.sol";
import {INovaGovernor} from "./INovaGovernor.sol";

/// @title NovaGovernor
/// @notice The NovaCron DAO (seed §5): OpenZeppelin Governor with the seed's process. A proposal needs the
///         proposal threshold in votes (100k NOVA), waits the voting delay (24 h), is open for the voting period
///         (7 days), must reach the quorum (40% participation) with more square-root weight For than Against, is
///         queued in the timelock (48 h) and then executed by anyone. Settings, quorum numerator and trusted issuers
///         change only through proposals. Counting is quadratic for credentialed members: see INovaGovernor.
/// @dev Membership records live in the governor rather than in a registry of their own: the vote path then reads
///      them without a call to another cold account (~3,300 gas per vote), and members are numbered, so "has
///      voted" is one bit in a per-proposal bitmap of 256 members per slot (most votes then update a non-zero slot
///      instead of creating one: ~17,000 gas less than a mapping of booleans). Quorum is in basis points
///      (quorumDenominator 10,000) so that config's fraction is represented exactly. GovernorPreventLateQuorum is
///      not used: it re-computes the quorum on every vote (~8,000 gas per vote, more than the whole quadratic
///      check), and with a participation quorum over a 7-day window a late whale moves quorum, not the outcome.
contract NovaGovernor is
    INovaGovernor,
    Governor,
    GovernorSettings,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @dev EIP-712 type of a signed membership record.
    bytes32 private constant MEMBERSHIP_TYPEHASH =
        keccak256("Membership(address issuer,address holder,bytes32 credentialHash,uint64 expiresAt)");
    /// @dev The DIDRegistry delegate type that may sign for an identity.
    bytes32 private constant VERI_KEY = "veriKey";

    /// @dev Raw votes (for the quorum) and square-root weight (for the outcome) of one support, in one slot.
    struct Tally {
        uint128 votes;
        uint128 weight;
    }

    struct ProposalTally {
        Tally[3] bySupport; // Against, For, Abstain (GovernorCountingSimple's order)
        mapping(uint256 bucket => uint256 bits) voted; // bit (index % 256) of bucket (index / 256) per member
    }

    IDIDRegistry private immutable _identities;
    mapping(uint256 proposalId => ProposalTally) private _tallies;
    mapping(address holder => Membership) private _members;
    mapping(bytes32 credentialHash => address holder) private _credentialHolder;
    mapping(address issuer => bool) private _trusted;
    uint32 private _memberCount;

    /// @param token The votes token (NOVA, timestamp clock).
    /// @param timelock The timelock that executes passed proposals (this governor must be its proposer).
    /// @param identities The DIDRegistry: issuer keys and credential revocations.
    /// @param issuers Initially trusted membership issuers.
    /// @param initialVotingDelay Seconds from proposal to voting start (config `voting_delay`).
    /// @param initialVotingPeriod Seconds voting stays open (config `voting_period`).
    /// @param initialProposalThreshold Votes (base units) needed to propose (config `proposal_threshold` x 1e18).
    /// @param quorumBps Quorum in basis points of the supply at the snapshot (config `quorum_percentage` x 10,000).
    constructor(
        IVotes token,
        TimelockController timelock,
        IDIDRegistry identities,
        address[] memory issuers,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumBps
    )
        Governor("NovaGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(quorumBps)
        GovernorTimelockControl(timelock)
    {
        _identities = identities;
        for (uint256 i = 0; i < issuers.length; ++i) {
            _setIssuerTrust(issuers[i], true);
        }
    }

    // -- counting ----------------------------------------------------------------------------------------------

    /// @notice How votes are counted (IGovernor): bravo supports; quorum from For, Against and Abstain votes.
    /// @return The ERC-6372-style counting description.
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure override returns (string memory) {
        return "support=bravo&quorum=for,against,abstain&weight=sqrt&voter=member";
    }

    /// @notice Whether `account` has voted on `proposalId`.
    /// @param proposalId The proposal.
    /// @param account The voter.
    /// @return True once it voted.
    function hasVoted(uint256 proposalId, address account) public view override returns (bool) {
        Membership storage m = _members[account];
        if (m.issuer == address(0)) return false; // only members can have voted
        uint256 index = m.index;
        return _tallies[proposalId].voted[index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc INovaGovernor
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        Tally[3] storage t = _tallies[proposalId].bySupport;
        return (t[0].votes, t[1].votes, t[2].votes);
    }

    /// @inheritdoc INovaGovernor
    function proposalWeights(uint256 proposalId)
        external
        view
        returns (uint256 againstWeight, uint256 forWeight, uint256 abstainWeight)
    {
        Tally[3] storage t = _tallies[proposalId].bySupport;
        return (t[0].weight, t[1].weight, t[2].weight);
    }

    /// @notice The quorum denominator: basis points.
    /// @return 10,000.
    function quorumDenominator() public pure override returns (uint256) {
        return 10_000;
    }

    /// @dev Participation: every raw vote counts toward the quorum.
    function _quorumReached(uint256 proposalId) internal view override returns (bool) {
        Tally[3] storage t = _tallies[proposalId].bySupport;
        return quorum(proposalSnapshot(proposalId)) <= uint256(t[0].votes) + t[1].votes + t[2].votes;
    }

    /// @dev The outcome is decided by square-root weight.
    function _voteSucceeded(uint256 proposalId) internal view override returns (bool) {
        Tally[3] storage t = _tallies[proposalId].bySupport;
        return t[1].weight > t[0].weight;
    }

    /// @dev Counts `totalWeight` votes as their integer square root (rounded down: no voter gains weight from
    ///      rounding), for members only. Returns the counted weight (what VoteCast reports).
    function _countVote(uint256 proposalId, address account, uint8 support, uint256 totalWeight, bytes memory)
        internal
        override
        returns (uint256)
    {
        if (support > 2) revert GovernorInvalidVoteType();
        (Eligibility status, uint256 index) = _eligibility(account);
        if (status != Eligibility.Eligible) revert NovaGovernorIneligibleVoter(account, status);
        ProposalTally storage p = _tallies[proposalId];
        uint256 bucket = index >> 8;
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = p.voted[bucket];
        if (bits & bit != 0) revert GovernorAlreadyCastVote(account);
        p.voted[bucket] = bits | bit;
        uint256 weight = Math.sqrt(totalWeight);
        Tally memory t = p.bySupport[support];
        // one SSTORE for both fields; checked additions (votes are bounded by the token's uint208 supply, weights by
        // its square root)
        p.bySupport[support] =
            Tally({votes: SafeCast.toUint128(t.votes + totalWeight), weight: SafeCast.toUint128(t.weight + weight)});
        return weight;
    }

    // -- membership --------------------------------------------------------------------------------------------

    /// @inheritdoc INovaGovernor
    function recordMembership(address issuer, address holder, bytes32 credentialHash, uint64 expiresAt) external {
        _checkIssuerKey(issuer, _msgSender());
        _record(issuer, holder, credentialHash, expiresAt);
    }

    /// @inheritdoc INovaGovernor
    function recordMembershipSigned(
        address issuer,
        address holder,
        bytes32 credentialHash,
        uint64 expiresAt,
        bytes calldata signature
    ) external {
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(MEMBERSHIP_TYPEHASH, issuer, holder, credentialHash, expiresAt))
        );
        _checkIssuerKey(issuer, ECDSA.recover(digest, signature));
        _record(issuer, holder, credentialHash, expiresAt);
    }

    /// @inheritdoc INovaGovernor
    function setIssuerTrust(address issuer, bool trusted) external onlyGovernance {
        _setIssuerTrust(issuer, trusted);
    }

    /// @inheritdoc INovaGovernor
    function isTrustedIssuer(address issuer) external view returns (bool) {
        return _trusted[issuer];
    }

    /// @inheritdoc INovaGovernor
    function membershipOf(address holder) external view returns (Membership memory) {
        return _members[holder];
    }

    /// @inheritdoc INovaGovernor
    function eligibility(address holder) external view returns (Eligibility status) {
        (status,) = _eligibility(holder);
    }

    /// @inheritdoc INovaGovernor
    function credentialHolder(bytes32 credentialHash) external view returns (address) {
        return _credentialHolder[credentialHash];
    }

    /// @inheritdoc INovaGovernor
    function identityRegistry() external view returns (address) {
        return address(_identities);
    }

    /// @dev Whether `holder` may vote, and its member index.
    function _eligibility(address holder) private view returns (Eligibility, uint256) {
        Membership storage m = _members[holder];
        address issuer = m.issuer;
        uint256 index = m.index;
        if (issuer == address(0)) return (Eligibility.NoMembership, index);
        if (m.expiresAt <= block.timestamp) return (Eligibility.Expired, index);
        if (!_trusted[issuer]) return (Eligibility.IssuerNotTrusted, index);
        if (_identities.isRevoked(issuer, m.credentialHash)) return (Eligibility.Revoked, index);
        return (Eligibility.Eligible, index);
    }

    function _checkIssuerKey(address issuer, address key) private view {
        if (!_trusted[issuer]) revert NovaGovernorIssuerNotTrusted(issuer);
        if (_identities.identityOwner(issuer) != key && !_identities.validDelegate(issuer, VERI_KEY, key)) {
            revert NovaGovernorNotIssuerKey(issuer, key);
        }
    }

    function _record(address issuer, address holder, bytes32 credentialHash, uint64 expiresAt) private {
        if (holder == address(0) || expiresAt <= block.timestamp) {
            revert NovaGovernorInvalidMembership(holder, expiresAt, block.timestamp);
        }
        address used = _credentialHolder[credentialHash];
        if (used != address(0)) revert NovaGovernorCredentialUsed(credentialHash, used);
        if (_identities.isRevoked(issuer, credentialHash)) {
            revert NovaGovernorCredentialRevoked(issuer, credentialHash);
        }
        _credentialHolder[credentialHash] = holder;
        Membership storage m = _members[holder];
        uint32 index = m.index;
        if (m.issuer == address(0)) {
            index = _memberCount; // a new member: the next number (a renewal keeps its number)
            _memberCount = index + 1;
        }
        _members[holder] = Membership(issuer, expiresAt, index, credentialHash);
        emit MembershipRecorded(holder, issuer, credentialHash, expiresAt);
    }

    function _setIssuerTrust(address issuer, bool trusted) private {
        _trusted[issuer] = trusted;
        emit IssuerTrustChanged(issuer, trusted);
    }

    // -- the overrides Solidity needs for the OpenZeppelin extensions -----------------------------------------

    /// @notice The proposal's state, including the timelock's view of queued proposals.
    /// @param proposalId The proposal.
    /// @return Pending, Active, Canceled, Defeated, Succeeded, Queued, Expired or Executed.
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @notice Whether proposals must be queued before execution: always (the timelock).
    /// @param proposalId The proposal.
    /// @return True.
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @notice Votes needed to propose (config `proposal_threshold`, in base units).
    /// @return The threshold.
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
