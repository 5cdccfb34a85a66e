// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IPolicyRegistry
/// @notice On-chain approval workflow for the zero-ops automation policies of the NovaCron platform (for example
///         `autoscale.limit.eu-west-1` = `40`): a policy is a named text value with a version, and it changes only
///
///         1. after `threshold` distinct holders of APPROVER_ROLE approved a proposed change (k of n), or
///         2. by the admin through `setPolicy`: in production the admin is the governance timelock, so this is a
///            passed DAO proposal (NovaGovernor -> NovaTimelock -> `setPolicy`); there is no second voting system.
///
///         A change records the version of its policy when it was proposed (`baseVersion`) and an expiry. It applies
///         in the approval that reaches the threshold, and only while it is pending, unexpired and its policy is
///         still at `baseVersion`: when two changes of one policy compete, the first to reach the threshold wins and
///         the other becomes stale (it can never overwrite a newer value out of order). Approvals count only while
///         their approver still holds APPROVER_ROLE. Every change carries the policy's name in its events, so
///         listings can be rebuilt from logs.
interface IPolicyRegistry {
    // -- types -------------------------------------------------------------------------------------------------

    /// @notice Where a change stands. `Expired` and `Stale` are derived when read (a pending change whose expiry
    ///         passed, or whose policy changed since it was proposed); both are final.
    enum ChangeStatus {
        None,
        Pending,
        Applied,
        Cancelled,
        Expired,
        Stale
    }

    /// @notice A proposed policy change.
    /// @param key keccak256 of the policy's name.
    /// @param proposer The approver who proposed it (its proposal is its first approval).
    /// @param baseVersion The policy's version when proposed; the change applies only while it is still current.
    /// @param proposedAt Block time of the proposal.
    /// @param expiresAt Last second at which the change can still be approved and applied.
    /// @param resolvedAt Block time it was applied or cancelled (0 while pending).
    /// @param approvals Approvals recorded (each approver once; revoked ones removed).
    /// @param status See `ChangeStatus` (derived for `Expired` and `Stale` in views).
    /// @param name The policy's name.
    /// @param value The value it sets.
    struct Change {
        bytes32 key;
        address proposer;
        uint64 baseVersion;
        uint64 proposedAt;
        uint64 expiresAt;
        uint64 resolvedAt;
        uint32 approvals;
        ChangeStatus status;
        string name;
        string value;
    }

    // -- events ------------------------------------------------------------------------------------------------

    /// @notice An approver proposed change `id` of policy `name`.
    event PolicyChangeProposed(
        uint256 indexed id,
        bytes32 indexed key,
        address indexed proposer,
        string name,
        string value,
        uint64 baseVersion,
        uint64 expiresAt
    );

    /// @notice `approver` approved change `id`; it now has `approvals` approvals.
    event PolicyChangeApproved(uint256 indexed id, address indexed approver, string name, uint256 approvals);

    /// @notice `approver` withdrew its approval of change `id`; `approvals` remain.
    event PolicyApprovalRevoked(uint256 indexed id, address indexed approver, string name, uint256 approvals);

    /// @notice Change `id` was cancelled by `by` (its proposer or the admin).
    event PolicyChangeCancelled(uint256 indexed id, address indexed by, string name);

    /// @notice Policy `name` now has `value`, as version `version`: by change `changeId`, or by the admin (governance)
    ///         when `changeId` is 0.
    event PolicyApplied(bytes32 indexed key, uint256 indexed changeId, string name, string value, uint64 version);

    /// @notice The approvals a change needs are now `threshold`.
    event PolicyThresholdChanged(uint256 threshold);

    /// @notice Changes proposed from now on expire `lifetime` seconds after their proposal.
    event PolicyChangeLifetimeChanged(uint64 lifetime);

    // -- errors ------------------------------------------------------------------------------------------------

    /// @notice The name is empty or longer than `maxName` bytes, or the value longer than `maxValue` bytes.
    error PolicyRegistryInvalidPolicy(uint256 nameLength, uint256 valueLength, uint256 maxName, uint256 maxValue);

    /// @notice No change `id` was proposed.
    error PolicyRegistryUnknownChange(uint256 id);

    /// @notice Change `id` is no longer pending (`status`: applied or cancelled).
    error PolicyRegistryChangeNotPending(uint256 id, ChangeStatus status);

    /// @notice Change `id` expired at `expiresAt`: propose it again.
    error PolicyRegistryChangeExpired(uint256 id, uint64 expiresAt);

    /// @notice Change `id` was proposed against version `baseVersion` of its policy, which is now at
    ///         `currentVersion`: it would overwrite a newer value, so it can never apply. Propose it again.
    error PolicyRegistryStaleChange(uint256 id, uint64 baseVersion, uint64 currentVersion);

    /// @notice `approver` already approved change `id`.
    error PolicyRegistryAlreadyApproved(uint256 id, address approver);

    /// @notice `approver` has not approved change `id` (nothing to revoke).
    error PolicyRegistryNotApproved(uint256 id, address approver);

    /// @notice Only the change's proposer or the admin may cancel change `id`.
    error PolicyRegistryNotProposer(uint256 id, address caller);

    /// @notice The threshold must be at least 1 and at most the `approvers` holding APPROVER_ROLE (when any do).
    error PolicyRegistryInvalidThreshold(uint256 threshold, uint256 approvers);

    /// @notice A change's lifetime must be 1 second to 365 days.
    error PolicyRegistryInvalidLifetime(uint64 lifetime);

    // -- writes ------------------------------------------------------------------------------------------------

    /// @notice Proposes that policy `name` take `value`; counts as the caller's approval (with a threshold of 1 the
    ///         change applies at once). Needs APPROVER_ROLE; refused while paused.
    /// @return id The change's id (1 for the first).
    function proposeChange(string calldata name, string calldata value) external returns (uint256 id);

    /// @notice Approves change `id`; the approval that reaches the threshold applies it (value stored, version
    ///         incremented, `PolicyApplied`). Needs APPROVER_ROLE; refused while paused, for an expired or stale
    ///         change, and twice by one approver.
    /// @return applied Whether this approval applied the change.
    function approve(uint256 id) external returns (bool applied);

    /// @notice Withdraws the caller's approval of pending change `id`. Needs APPROVER_ROLE; refused while paused.
    function revokeApproval(uint256 id) external;

    /// @notice Cancels pending change `id`. By its proposer or the admin; open while paused (it only withdraws).
    function cancelChange(uint256 id) external;

    /// @notice Sets policy `name` to `value` directly (version incremented; pending changes of it become stale).
    ///         Admin only: in production the timelock, executing a passed DAO proposal.
    function setPolicy(string calldata name, string calldata value) external;

    /// @notice Sets the approvals a change needs (1 .. the number of approvers). Admin only.
    function setThreshold(uint256 threshold) external;

    /// @notice Sets how long new changes stay approvable (1 second .. 365 days). Admin only.
    function setChangeLifetime(uint64 lifetime) external;

    // -- reads -------------------------------------------------------------------------------------------------

    /// @notice Policy `name`'s value, version (0: never set) and the block time it was last set.
    function getPolicy(string calldata name) external view returns (string memory value, uint64 version, uint64 updatedAt);

    /// @notice Change `id`, with its status as of now. Reverts with `PolicyRegistryUnknownChange` for an unknown id.
    function getChange(uint256 id) external view returns (Change memory);

    /// @notice The approvers whose approval of change `id` is recorded (in order).
    function approversOf(uint256 id) external view returns (address[] memory);

    /// @notice Approvals of change `id` by accounts that still hold APPROVER_ROLE (what the threshold is checked
    ///         against).
    function validApprovals(uint256 id) external view returns (uint256);

    /// @notice Whether `approver` has approved change `id`.
    function hasApproved(uint256 id, address approver) external view returns (bool);

    /// @notice How many changes were ever proposed (ids are 1 .. changeCount).
    function changeCount() external view returns (uint256);

    /// @notice Approvals a change needs.
    function threshold() external view returns (uint256);

    /// @notice Seconds a change stays approvable after its proposal.
    function changeLifetime() external view returns (uint64);

    /// @notice How many accounts hold APPROVER_ROLE.
    function approverCount() external view returns (uint256);
}
