// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "./ResourceType.sol";

/// @title IResourceStaking
/// @notice Lock resource tokens for a fixed duration to reserve guaranteed capacity (seed §4 "Staking"). A stake earns
///         `amount * aprBps * duration / (10_000 * 365 days)` of the same token (rounded down), fixed when the stake
///         is made and set aside from the resource's funded reward reserve at once: a stake whose full reward the
///         reserve cannot cover is refused, so rewards paid can never exceed what was funded. At the end of the lock
///         the owner (or anyone, on the owner's behalf) withdraws principal plus reward. The owner may leave early:
///         the reward is forfeited and a 1% penalty is taken from the principal; both go back to the reward reserve.
///
///         Liens: a holder of LIEN_ROLE (VMLifecycle) places a lien on part of an owner's staked principal of a
///         resource while that stake backs something running (a VM), and releases it when it stops. The lien never
///         exceeds the owner's staked principal of that resource, and no stake can be withdrawn (early or matured)
///         while that would leave less staked than the lien: the capacity a running VM uses stays paid for.
interface IResourceStaking {
    /// @notice One stake, stored in a single slot under (owner, stakeId).
    /// @param amount Principal in base units.
    /// @param reward Reward reserved for the stake, paid if it is held to `end`.
    /// @param end When the lock ends (unix seconds).
    /// @param resource The resource staked.
    struct StakeInfo {
        uint96 amount;
        uint96 reward;
        uint40 end;
        ResourceType resource;
    }

    /// @notice Tokens were locked.
    /// @param stakeId The new stake's id (from 1, unique across owners).
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param amount Principal in base units.
    /// @param reward Reward reserved for the stake.
    /// @param end When the lock ends (unix seconds).
    event Staked(
        uint256 indexed stakeId,
        address indexed owner,
        ResourceType indexed resource,
        uint256 amount,
        uint256 reward,
        uint256 end
    );

    /// @notice A stake was closed and paid out to its owner.
    /// @param stakeId The stake.
    /// @param owner The staker, who was paid.
    /// @param resource The resource.
    /// @param amount The stake's principal.
    /// @param rewardPaid Reward paid (0 when early).
    /// @param penalty Principal kept as the early-exit penalty (0 when matured).
    event Unstaked(
        uint256 indexed stakeId,
        address indexed owner,
        ResourceType indexed resource,
        uint256 amount,
        uint256 rewardPaid,
        uint256 penalty
    );

    /// @notice The reward reserve of a resource was funded.
    /// @param resource The resource.
    /// @param funder Who paid.
    /// @param amount Base units added.
    event RewardsFunded(ResourceType indexed resource, address indexed funder, uint256 amount);

    /// @notice Unreserved rewards were withdrawn by the admin.
    /// @param resource The resource.
    /// @param to The receiver.
    /// @param amount Base units withdrawn.
    event RewardsWithdrawn(ResourceType indexed resource, address indexed to, uint256 amount);

    /// @notice A resource's APR for new stakes was set.
    /// @param resource The resource.
    /// @param aprBps Annual rate in basis points (1000 = 10%).
    event AprSet(ResourceType indexed resource, uint256 aprBps);

    /// @notice A lien holder locked part of an owner's staked principal.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param holder Who placed it (LIEN_ROLE).
    /// @param amount Base units added to the lien.
    /// @param lien The owner's lien on the resource after this.
    event LienPlaced(
        address indexed owner, ResourceType indexed resource, address indexed holder, uint256 amount, uint256 lien
    );

    /// @notice A lien holder released part of an owner's lien.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param holder Who released it (LIEN_ROLE).
    /// @param amount Base units released.
    /// @param lien The owner's lien on the resource after this.
    event LienReleased(
        address indexed owner, ResourceType indexed resource, address indexed holder, uint256 amount, uint256 lien
    );

    /// @notice An amount of zero was given.
    error StakingZeroAmount();

    /// @notice An amount does not fit 96 bits.
    /// @param amount The amount.
    error StakingAmountTooLarge(uint256 amount);

    /// @notice The lock duration is outside the allowed range.
    /// @param duration The duration given, in seconds.
    /// @param minDuration The shortest allowed.
    /// @param maxDuration The longest allowed.
    error StakingInvalidDuration(uint256 duration, uint256 minDuration, uint256 maxDuration);

    /// @notice The reward reserve cannot cover the stake's full reward: fund it, or stake less or shorter.
    /// @param resource The resource.
    /// @param reward The reward the stake would earn.
    /// @param available The unreserved rewards.
    error StakingRewardReserveInsufficient(ResourceType resource, uint256 reward, uint256 available);

    /// @notice `owner` has no open stake with this id (never made, someone else's, or already withdrawn).
    /// @param owner The owner given.
    /// @param stakeId The id.
    error StakingUnknownStake(address owner, uint256 stakeId);

    /// @notice Only the owner can end a stake before its lock ends.
    /// @param stakeId The stake.
    /// @param end When its lock ends.
    error StakingNotMatured(uint256 stakeId, uint256 end);

    /// @notice The APR is above the allowed maximum.
    /// @param aprBps The rate given.
    /// @param maxAprBps The largest allowed.
    error StakingAprTooHigh(uint256 aprBps, uint256 maxAprBps);

    /// @notice The admin asked for more than the unreserved rewards.
    /// @param amount Asked.
    /// @param available Unreserved rewards.
    error StakingWithdrawExceedsAvailable(uint256 amount, uint256 available);

    /// @notice A token's cap does not fit 96 bits (a stake's amount and reward are 96-bit fields).
    /// @param resource The resource.
    /// @param cap Its token's cap.
    error StakingCapTooLarge(ResourceType resource, uint256 cap);

    /// @notice The receiver is the zero address.
    error StakingZeroReceiver();

    /// @notice A lien would exceed the owner's staked principal of the resource: stake more first.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param lien The lien it would make.
    /// @param staked The owner's staked principal of the resource.
    error StakingLienExceedsStake(address owner, ResourceType resource, uint256 lien, uint256 staked);

    /// @notice The stake backs running capacity: withdrawing it would leave less staked than the owner's lien (stop
    ///         the VMs it backs, or stake the difference, first).
    /// @param owner The staker.
    /// @param stakeId The stake.
    /// @param lien The owner's lien on the stake's resource.
    /// @param remaining What would stay staked without this stake.
    error StakingLiened(address owner, uint256 stakeId, uint256 lien, uint256 remaining);

    /// @notice A release larger than the owner's lien.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param amount Asked to release.
    /// @param lien The owner's lien.
    error StakingLienReleaseExceedsLien(address owner, ResourceType resource, uint256 amount, uint256 lien);

    /// @notice Locks `amount` of the caller's `resource` tokens for `duration` seconds (approve this contract first).
    /// @param resource The resource.
    /// @param amount Base units to lock.
    /// @param duration Lock length in seconds, MIN_LOCK_DURATION .. MAX_LOCK_DURATION.
    /// @return stakeId The new stake's id.
    function stake(ResourceType resource, uint256 amount, uint256 duration) external returns (uint256 stakeId);

    /// @notice Closes a stake and pays its owner: principal plus reward at or after the end (anyone may call then),
    ///         or, before the end and by the owner only, principal minus the 1% penalty with the reward forfeited.
    /// @param owner The stake's owner (stakes are stored per owner: one slot each).
    /// @param stakeId The stake.
    /// @return paid Base units sent to the owner.
    function unstake(address owner, uint256 stakeId) external returns (uint256 paid);

    /// @notice Locks `amount` more of `owner`'s staked principal of `resource`. LIEN_ROLE only (VMLifecycle, when a
    ///         VM starts). Refused (StakingLienExceedsStake) if the lien would exceed the staked principal.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param amount Base units (non-zero).
    function placeLien(address owner, ResourceType resource, uint256 amount) external;

    /// @notice Unlocks `amount` of `owner`'s lien on `resource`. LIEN_ROLE only (VMLifecycle, when a VM stops);
    ///         allowed while paused, since it only frees what was locked.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @param amount Base units, at most the lien.
    function releaseLien(address owner, ResourceType resource, uint256 amount) external;

    /// @notice Adds `amount` of the caller's tokens to a resource's reward reserve (approve this contract first).
    /// @param resource The resource.
    /// @param amount Base units.
    function fundRewards(ResourceType resource, uint256 amount) external;

    /// @notice Withdraws unreserved rewards. Admin only.
    /// @param resource The resource.
    /// @param amount Base units, at most the unreserved rewards.
    /// @param to The receiver.
    function withdrawRewards(ResourceType resource, uint256 amount, address to) external;

    /// @notice Sets a resource's APR for stakes made from now on (open stakes keep their reward). Admin only.
    /// @param resource The resource.
    /// @param aprBps Basis points, at most MAX_APR_BPS.
    function setApr(ResourceType resource, uint256 aprBps) external;

    /// @notice Principal of `owner`'s open stakes of `resource`: the capacity reserved for them. A stake counts until
    ///         it is withdrawn, also after its end.
    /// @param owner The staker.
    /// @param resource The resource.
    /// @return Base units.
    function reservedCapacity(address owner, ResourceType resource) external view returns (uint256);

    /// @notice The part of `owner`'s staked principal of `resource` under lien (cannot be withdrawn).
    /// @param owner The staker.
    /// @param resource The resource.
    /// @return Base units, at most `reservedCapacity(owner, resource)`.
    function lienOf(address owner, ResourceType resource) external view returns (uint256);

    /// @notice An open stake of `owner` (all zero if withdrawn, never made, or not `owner`'s).
    /// @param owner The owner.
    /// @param stakeId The stake.
    /// @return The stake.
    function getStake(address owner, uint256 stakeId) external view returns (StakeInfo memory);

    /// @notice A resource's reward reserve.
    /// @param resource The resource.
    /// @return available Unreserved rewards: what new stakes can still earn.
    /// @return committed Rewards reserved for open stakes.
    function rewardReserve(ResourceType resource) external view returns (uint256 available, uint256 committed);

    /// @notice A resource's APR for new stakes.
    /// @param resource The resource.
    /// @return Basis points.
    function aprBps(ResourceType resource) external view returns (uint256);

    /// @notice The reward a stake made now would earn (ignoring the reserve).
    /// @param resource The resource.
    /// @param amount Base units.
    /// @param duration Seconds.
    /// @return Base units.
    function previewReward(ResourceType resource, uint256 amount, uint256 duration) external view returns (uint256);

    /// @notice Number of stakes ever made (the last id).
    /// @return The count.
    function stakeCount() external view returns (uint256);
}
