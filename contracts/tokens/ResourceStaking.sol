// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Guarded} from "../security/Guarded.sol";
import {IResourceStaking} from "./IResourceStaking.sol";
import {ResourceTokenSet} from "./ResourceTokenSet.sol";
import {ResourceType} from "./ResourceType.sol";

/// @title ResourceStaking
/// @notice Time-locked staking of resource tokens for guaranteed capacity, rewards at a per-resource APR paid from a
///         funded reserve (see IResourceStaking). Seed APRs: CPU 10%, MEM 8%, STO 6%, NET 5%.
/// @dev Early exit: allowed to the owner, forfeiting the reward and 1% of the principal, both into the reward reserve.
///      Without a penalty, committing the whole reserve with a large long stake and leaving at once would cost
///      nothing and lock other stakers out; with it, the reservation of capacity (which the platform plans around)
///      has a price, and the penalty funds later rewards.
///
///      Solvency: tokens held per resource = open principal + committed + available, at all times; `committed` only
///      decreases by what is paid or returned to `available`. Every token's cap is checked to fit 96 bits at
///      deployment, which bounds each of those sums and lets a stake's amount and reward be 96-bit fields.
///
///      Storage: the stake counter and the four APRs share the slot of Pausable's `_paused` flag; a resource's
///      reserve (available | committed) is one slot; a stake is ONE slot (amount | reward | end | resource) under
///      (owner, stakeId), cleared on withdrawal. Keying by owner is what frees the 160 bits an owner field would take:
///      a stake costs one new slot instead of two (~22k gas), and callers name the owner when unstaking. An owner's
///      staked principal and lien of a resource share one slot, so a stake writes no more slots than before and an
///      unstake checks the lien in the slot it updates anyway.
///
///      Liens (LIEN_ROLE, held by VMLifecycle): a reservation that is only checked can be withdrawn under a running
///      VM; a lien locks it. The lien is kept per (owner, resource), not per stake, because capacity is reserved by
///      the sum of an owner's stakes and any of them may end: an unstake is refused only if what stays staked would
///      fall below the lien, so an owner can still withdraw stakes beyond what their running VMs use. Invariant:
///      lien <= staked principal, per (owner, resource), always.
contract ResourceStaking is IResourceStaking, ResourceTokenSet, ReentrancyGuard, Guarded {
    using SafeERC20 for IERC20;

    /// @notice Shortest lock, in seconds.
    uint256 public constant MIN_LOCK_DURATION = 1 days;

    /// @notice Longest lock, in seconds.
    uint256 public constant MAX_LOCK_DURATION = 365 days;

    /// @notice Length of the year the APR refers to, in seconds.
    uint256 public constant YEAR = 365 days;

    /// @notice Highest APR the admin can set (100%).
    uint256 public constant MAX_APR_BPS = 10_000;

    /// @notice Role allowed to place and release liens on stakes (VMLifecycle: the stake backing running VMs).
    bytes32 public constant LIEN_ROLE = keccak256("LIEN_ROLE");

    /// @notice Share of the principal kept when leaving early, in basis points (rounded up).
    uint256 public constant EARLY_UNSTAKE_PENALTY_BPS = 100;

    uint256 private constant _BPS = 10_000;

    struct Reserve {
        uint128 available;
        uint128 committed;
    }

    /// @dev An owner's open principal of one resource and the part of it under lien (lien <= staked).
    struct Position {
        uint128 staked;
        uint128 lien;
    }

    // Both pack into the slot of Pausable's `_paused` flag.
    uint64 private _stakeCount;
    uint64 private _aprs; // 16 bits per resource, resource i at bits [16 i, 16 i + 16)

    Reserve[4] private _reserves;
    mapping(address owner => mapping(uint256 stakeId => StakeInfo)) private _stakes;
    mapping(address owner => mapping(ResourceType => Position)) private _positions;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE: sets APRs, withdraws unreserved rewards, unpauses.
    /// @param guardian Holder of GUARDIAN_ROLE: may pause.
    /// @param tokens CPU, MEM, STO and NET ResourceToken addresses.
    /// @param aprs Annual rates in basis points per resource (seed: 1000, 800, 600, 500).
    constructor(address admin, address guardian, address[4] memory tokens, uint256[4] memory aprs)
        ResourceTokenSet(tokens)
        Guarded(admin, guardian)
    {
        for (uint256 i = 0; i < 4; ++i) {
            uint256 tokenCap = _token(ResourceType(i)).cap();
            if (tokenCap > type(uint96).max) revert StakingCapTooLarge(ResourceType(i), tokenCap);
            _setApr(ResourceType(i), aprs[i]);
        }
    }

    /// @inheritdoc IResourceStaking
    function stake(ResourceType resource, uint256 amount, uint256 duration)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 stakeId)
    {
        if (amount == 0) revert StakingZeroAmount();
        if (amount > type(uint96).max) revert StakingAmountTooLarge(amount);
        uint256 reward = _reward(resource, amount, duration);
        Reserve storage reserve = _reserves[uint8(resource)];
        Reserve memory r = reserve;
        if (reward > r.available) revert StakingRewardReserveInsufficient(resource, reward, r.available);
        uint256 end = block.timestamp + duration;
        unchecked {
            // reward <= available was just checked; committed + reward <= committed + available <= cap < 2**96.
            // forge-lint: disable-next-line(unsafe-typecast)
            reserve.available = uint128(r.available - reward);
            // forge-lint: disable-next-line(unsafe-typecast)
            reserve.committed = uint128(r.committed + reward);
            // 2**64 stakes cannot be made.
            stakeId = ++_stakeCount;
        }
        // amount < 2**96 was checked; reward <= amount (APR <= 100%, duration <= a year); end < 2**40 until year 36812.
        // forge-lint: disable-start(unsafe-typecast)
        _stakes[msg.sender][stakeId] =
            StakeInfo({amount: uint96(amount), reward: uint96(reward), end: uint40(end), resource: resource});
        // forge-lint: disable-end(unsafe-typecast)
        // Checked: the sum stays below the token's cap (< 2**96), the addition cannot overflow 128 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        _positions[msg.sender][resource].staked += uint128(amount);
        emit Staked(stakeId, msg.sender, resource, amount, reward, end);

        IERC20(address(_token(resource))).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IResourceStaking
    function unstake(address owner, uint256 stakeId) external nonReentrant whenNotPaused returns (uint256 paid) {
        StakeInfo memory s = _stakes[owner][stakeId];
        if (s.amount == 0) revert StakingUnknownStake(owner, stakeId);
        // Lock ends are wall-clock time by design; a validator's few seconds of skew do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        bool early = block.timestamp < s.end;
        if (early && msg.sender != owner) revert StakingNotMatured(stakeId, s.end);
        Reserve storage reserve = _reserves[uint8(s.resource)];
        uint256 rewardPaid = 0;
        uint256 penalty = 0;
        if (early) {
            // Rounded up, in the protocol's favour; at most the principal since the rate is below 100%.
            penalty = (uint256(s.amount) * EARLY_UNSTAKE_PENALTY_BPS + _BPS - 1) / _BPS;
            unchecked {
                // available + committed + open principal <= cap < 2**96, and reward + penalty move from the last two
                // into the first; the reward was added to committed when the stake was made.
                // forge-lint: disable-next-line(unsafe-typecast)
                reserve.available += uint128(s.reward + penalty);
                reserve.committed -= s.reward;
                paid = s.amount - penalty;
            }
        } else {
            rewardPaid = s.reward;
            unchecked {
                // The reward was added to committed when the stake was made; amount + reward <= cap < 2**96.
                reserve.committed -= s.reward;
                paid = uint256(s.amount) + s.reward;
            }
        }
        Position storage position = _positions[owner][s.resource];
        Position memory pos = position;
        uint256 remaining;
        unchecked {
            // The stake's amount was added to `staked` when it was made.
            remaining = uint256(pos.staked) - s.amount;
        }
        // The stake backs running capacity (a VM's lien): it stays until the VMs stop or more is staked.
        if (remaining < pos.lien) revert StakingLiened(owner, stakeId, pos.lien, remaining);
        delete _stakes[owner][stakeId];
        // forge-lint: disable-next-line(unsafe-typecast)
        position.staked = uint128(remaining);
        emit Unstaked(stakeId, owner, s.resource, s.amount, rewardPaid, penalty);

        IERC20(address(_token(s.resource))).safeTransfer(owner, paid);
    }

    /// @inheritdoc IResourceStaking
    function placeLien(address owner, ResourceType resource, uint256 amount)
        external
        whenNotPaused
        onlyRole(LIEN_ROLE)
    {
        if (amount == 0) revert StakingZeroAmount();
        Position storage position = _positions[owner][resource];
        Position memory pos = position;
        // Checked: a huge amount must revert, not wrap.
        uint256 lien = uint256(pos.lien) + amount;
        if (lien > pos.staked) revert StakingLienExceedsStake(owner, resource, lien, pos.staked);
        // lien <= staked < 2**128, just checked.
        // forge-lint: disable-next-line(unsafe-typecast)
        position.lien = uint128(lien);
        emit LienPlaced(owner, resource, msg.sender, amount, lien);
    }

    /// @inheritdoc IResourceStaking
    /// @dev Not paused: releasing only frees what was locked, and stopping a VM (which releases) works while paused.
    function releaseLien(address owner, ResourceType resource, uint256 amount) external onlyRole(LIEN_ROLE) {
        Position storage position = _positions[owner][resource];
        uint256 lien = position.lien;
        if (amount > lien) revert StakingLienReleaseExceedsLien(owner, resource, amount, lien);
        unchecked {
            // amount <= lien was just checked.
            lien -= amount;
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        position.lien = uint128(lien);
        emit LienReleased(owner, resource, msg.sender, amount, lien);
    }

    /// @inheritdoc IResourceStaking
    function fundRewards(ResourceType resource, uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) revert StakingZeroAmount();
        Reserve storage reserve = _reserves[uint8(resource)];
        // Checked: the transfer below would fail anyway above the cap (< 2**96), but keep the field honest first.
        uint256 available = reserve.available + amount;
        if (available > type(uint96).max) revert StakingAmountTooLarge(available);
        // Fits: below 2**96, just checked.
        // forge-lint: disable-next-line(unsafe-typecast)
        reserve.available = uint128(available);
        emit RewardsFunded(resource, msg.sender, amount);

        IERC20(address(_token(resource))).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IResourceStaking
    function withdrawRewards(ResourceType resource, uint256 amount, address to)
        external
        nonReentrant
        whenNotPaused
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (to == address(0)) revert StakingZeroReceiver();
        Reserve storage reserve = _reserves[uint8(resource)];
        uint256 available = reserve.available;
        if (amount > available) revert StakingWithdrawExceedsAvailable(amount, available);
        unchecked {
            // amount <= available was just checked.
            // forge-lint: disable-next-line(unsafe-typecast)
            reserve.available = uint128(available - amount);
        }
        emit RewardsWithdrawn(resource, to, amount);

        IERC20(address(_token(resource))).safeTransfer(to, amount);
    }

    /// @inheritdoc IResourceStaking
    function setApr(ResourceType resource, uint256 newAprBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setApr(resource, newAprBps);
    }

    /// @inheritdoc IResourceStaking
    function reservedCapacity(address owner, ResourceType resource) external view returns (uint256) {
        return _positions[owner][resource].staked;
    }

    /// @inheritdoc IResourceStaking
    function lienOf(address owner, ResourceType resource) external view returns (uint256) {
        return _positions[owner][resource].lien;
    }

    /// @inheritdoc IResourceStaking
    function getStake(address owner, uint256 stakeId) external view returns (StakeInfo memory) {
        return _stakes[owner][stakeId];
    }

    /// @inheritdoc IResourceStaking
    function rewardReserve(ResourceType resource) external view returns (uint256 available, uint256 committed) {
        Reserve memory r = _reserves[uint8(resource)];
        return (r.available, r.committed);
    }

    /// @inheritdoc IResourceStaking
    function aprBps(ResourceType resource) public view returns (uint256) {
        // Takes the resource's 16-bit field on purpose.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(_aprs >> (16 * uint256(uint8(resource))));
    }

    /// @inheritdoc IResourceStaking
    function previewReward(ResourceType resource, uint256 amount, uint256 duration) external view returns (uint256) {
        if (amount > type(uint96).max) revert StakingAmountTooLarge(amount);
        return _reward(resource, amount, duration);
    }

    /// @inheritdoc IResourceStaking
    function stakeCount() external view returns (uint256) {
        return _stakeCount;
    }

    /// @dev amount * apr * duration / (10_000 * YEAR), rounded down; reverts on a duration out of range.
    ///      amount < 2**96, apr < 2**14, duration < 2**25: the product fits.
    function _reward(ResourceType resource, uint256 amount, uint256 duration) private view returns (uint256) {
        if (duration < MIN_LOCK_DURATION || duration > MAX_LOCK_DURATION) {
            revert StakingInvalidDuration(duration, MIN_LOCK_DURATION, MAX_LOCK_DURATION);
        }
        return amount * aprBps(resource) * duration / (_BPS * YEAR);
    }

    /// @dev Validates and stores an APR in its 16-bit field.
    function _setApr(ResourceType resource, uint256 newAprBps) private {
        if (newAprBps > MAX_APR_BPS) revert StakingAprTooHigh(newAprBps, MAX_APR_BPS);
        uint256 shift = 16 * uint256(uint8(resource));
        _aprs = uint64((_aprs & ~(uint256(0xffff) << shift)) | (newAprBps << shift));
        emit AprSet(resource, newAprBps);
    }
}
