// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title INovaGovernor
/// @notice What NovaGovernor adds to OpenZeppelin's IGovernor: quadratic counting for credentialed members, and the
///         on-chain membership records it checks.
///
///         Counting: a vote weighs the integer square root (rounded down) of the voter's votes at the proposal
///         snapshot. Only accounts holding a valid membership are counted: recorded here by a trusted issuer,
///         unexpired, and not revoked in the DIDRegistry (checked when the vote is cast). One identity, one square
///         root: a membership belongs to one holder address, a credential can be recorded for one holder only, and
///         each holder votes once per proposal.
///
///         Outcome and quorum are counted separately: a proposal succeeds when the square-root weight For exceeds
///         the weight Against; the quorum (40% of the supply at the snapshot by default) is reached by
///         participation, the raw votes For, Against and Abstain together. Whales can bring a proposal to quorum,
///         but their say in the outcome grows with the square root of their holdings.
///
///         Delegation: ERC20Votes delegation pools votes under the delegatee's single square root. Since
///         sqrt(a + b) <= sqrt(a) + sqrt(b), delegating never increases quadratic weight: it trades weight for
///         convenience, so it is no route around the credential. Non-members take part by delegating to a member;
///         the credential is checked on the voter (the delegatee), because only the voter's identity gets a root.
interface INovaGovernor {
    /// @notice Whether an account may vote, and if not, why.
    enum Eligibility {
        Eligible,
        NoMembership,
        Expired,
        IssuerNotTrusted,
        Revoked
    }

    /// @notice A holder's membership: who attested it, until when, the member's number (assigned at its first
    ///         record, kept on renewal) and the credential's id in the DIDRegistry.
    /// @dev Two slots: (issuer, expiresAt, index) and credentialHash. The index places the member's "has voted" bit
    ///      in a per-proposal bitmap: 256 members share one slot, so most votes update a non-zero slot.
    struct Membership {
        address issuer;
        uint64 expiresAt;
        uint32 index;
        bytes32 credentialHash;
    }

    /// @notice `issuer` recorded a membership of `holder` valid until `expiresAt`.
    /// @param holder The member's address (its did:novacron identity).
    /// @param issuer The issuing identity (a trusted issuer).
    /// @param credentialHash keccak256 of the membership credential's `id`: its id in the DIDRegistry's revocations.
    /// @param expiresAt Unix time at which the membership ends (exclusive).
    event MembershipRecorded(
        address indexed holder, address indexed issuer, bytes32 indexed credentialHash, uint64 expiresAt
    );

    /// @notice Governance trusted (`trusted` true) or stopped trusting `issuer` to attest memberships.
    /// @param issuer The issuing identity.
    /// @param trusted Whether its memberships count.
    event IssuerTrustChanged(address indexed issuer, bool trusted);

    /// @notice `voter` may not vote: it holds no valid membership (`reason` says why).
    /// @param voter The account that tried to vote.
    /// @param reason NoMembership, Expired, IssuerNotTrusted or Revoked.
    error NovaGovernorIneligibleVoter(address voter, Eligibility reason);

    /// @notice `issuer` is not a trusted membership issuer.
    /// @param issuer The issuing identity named.
    error NovaGovernorIssuerNotTrusted(address issuer);

    /// @notice `key` is neither the current owner nor a valid veriKey delegate of the identity `issuer`.
    /// @param issuer The issuing identity.
    /// @param key The sender, or the signer of a signed record.
    error NovaGovernorNotIssuerKey(address issuer, address key);

    /// @notice The credential was already recorded (for `holder`): a credential makes one member, once.
    /// @param credentialHash The credential id.
    /// @param holder The holder it was recorded for.
    error NovaGovernorCredentialUsed(bytes32 credentialHash, address holder);

    /// @notice The credential is revoked in the DIDRegistry.
    /// @param issuer The issuing identity.
    /// @param credentialHash The credential id.
    error NovaGovernorCredentialRevoked(address issuer, bytes32 credentialHash);

    /// @notice The membership would already be expired (`expiresAt` <= `now_`), or the holder is the zero address.
    /// @param holder The holder named.
    /// @param expiresAt The expiry given.
    /// @param now_ The current block time.
    error NovaGovernorInvalidMembership(address holder, uint64 expiresAt, uint256 now_);

    /// @notice Records that `holder` is a member until `expiresAt`, attested by the trusted issuer `issuer`. The
    ///         sender must be the issuer identity's current owner or a valid veriKey delegate in the DIDRegistry.
    ///         Replaces the holder's previous membership (a renewal).
    /// @param issuer The issuing identity (trusted).
    /// @param holder The member.
    /// @param credentialHash keccak256 of the membership credential's `id` (unused, unrevoked).
    /// @param expiresAt Unix time at which the membership ends (in the future).
    function recordMembership(address issuer, address holder, bytes32 credentialHash, uint64 expiresAt) external;

    /// @notice `recordMembership` sent by anyone with the issuer key's EIP-712 signature (domain: this governor's
    ///         name and version) of Membership(address issuer,address holder,bytes32 credentialHash,uint64 expiresAt).
    ///         A signature cannot be replayed: a credential is recorded once.
    /// @param issuer The issuing identity (trusted).
    /// @param holder The member.
    /// @param credentialHash The credential id.
    /// @param expiresAt Unix time at which the membership ends.
    /// @param signature 65-byte signature by the issuer's owner key or a valid veriKey delegate.
    function recordMembershipSigned(
        address issuer,
        address holder,
        bytes32 credentialHash,
        uint64 expiresAt,
        bytes calldata signature
    ) external;

    /// @notice Trusts or distrusts `issuer`; distrust ends every membership it attested. Only through governance
    ///         (a proposal executed by the timelock).
    /// @param issuer The issuing identity.
    /// @param trusted Whether its memberships count.
    function setIssuerTrust(address issuer, bool trusted) external;

    /// @notice Whether `issuer`'s memberships count.
    /// @param issuer The issuing identity.
    /// @return True when trusted.
    function isTrustedIssuer(address issuer) external view returns (bool);

    /// @notice The recorded membership of `holder` (all zero when none).
    /// @param holder The account.
    /// @return The membership record.
    function membershipOf(address holder) external view returns (Membership memory);

    /// @notice Whether `holder` may vote now, and if not why (what castVote checks).
    /// @param holder The account.
    /// @return Eligible, or the reason it is not.
    function eligibility(address holder) external view returns (Eligibility);

    /// @notice The holder a credential was recorded for (the zero address: never recorded).
    /// @param credentialHash The credential id.
    /// @return The holder.
    function credentialHolder(bytes32 credentialHash) external view returns (address);

    /// @notice The square-root weights cast on a proposal, by support.
    /// @param proposalId The proposal.
    /// @return againstWeight Sum of the integer square roots of the votes Against.
    /// @return forWeight Sum for For.
    /// @return abstainWeight Sum for Abstain.
    function proposalWeights(uint256 proposalId)
        external
        view
        returns (uint256 againstWeight, uint256 forWeight, uint256 abstainWeight);

    /// @notice The raw votes cast on a proposal, by support (what the quorum counts, all three together).
    /// @param proposalId The proposal.
    /// @return againstVotes Votes Against.
    /// @return forVotes Votes For.
    /// @return abstainVotes Votes Abstain.
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes);

    /// @notice The DIDRegistry whose issuer keys and credential revocations memberships follow.
    /// @return Its address.
    function identityRegistry() external view returns (address);
}
