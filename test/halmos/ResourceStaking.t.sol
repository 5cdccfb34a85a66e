// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceStaking} from "../../contracts/tokens/ResourceStaking.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {IResourceStaking} from "../../contracts/tokens/IResourceStaking.sol";
import {SymTest} from "./SymTest.sol";

/// @notice Symbolic proofs of the staking accounting, through `fundRewards`, `stake` and `unstake`: APR, funding,
///         amount, lock duration and exit time are symbolic.
contract ResourceStakingSymbolic is SymTest {
    address internal constant STAKER = address(0xB0B);

    ResourceToken internal cpu;
    ResourceStaking internal staking;

    function _deploy(uint256 apr) internal {
        address[4] memory tokens;
        for (uint256 i = 0; i < 4; ++i) {
            ResourceToken t = new ResourceToken("R", "R", type(uint96).max, address(this), address(this));
            t.grantRole(t.MINTER_ROLE(), address(this));
            tokens[i] = address(t);
        }
        cpu = ResourceToken(tokens[0]);
        staking = new ResourceStaking(address(this), address(this), tokens, [apr, apr, apr, apr]);
    }

    /// @dev tokens held == open principal + committed rewards + available rewards (one staker, one resource).
    function _sums() internal view returns (bool) {
        (uint256 available, uint256 committed) = staking.rewardReserve(ResourceType.CPU);
        uint256 principal = staking.reservedCapacity(STAKER, ResourceType.CPU);
        return cpu.balanceOf(address(staking)) == principal + committed + available;
    }

    /// @notice After funding, staking and unstaking (early or matured), the tokens the contract holds equal open
    ///         principal + committed + available rewards at every step; the staker is paid exactly principal +
    ///         reward when matured, or principal minus the configured early-exit share (EARLY_UNSTAKE_PENALTY_BPS of
    ///         the principal, rounded up) when early, and the penalty and forfeited reward return to `available`.
    ///         COMPLETE: every APR the contract accepts, every funding and amount whose sum fits the 96-bit cap,
    ///         every 32-bit lock duration (the contract refuses those outside its bounds) and exit delay.
    /// @dev Proven with the solver portfolio of test/halmos/solver.py: the early-exit share is linear once the
    ///      bit-vectors are read as integers, which cvc5 proves in milliseconds (yices alone times out on it).
    function check_stakeAccountingSums(
        uint16 apr,
        uint96 funding,
        uint96 amount,
        uint32 duration,
        uint32 exitAfter
    ) public {
        vm.assume(apr <= 10_000);
        vm.assume(uint256(funding) + amount <= type(uint96).max);
        _deploy(apr);
        if (funding > 0) {
            cpu.mint(address(this), funding);
            cpu.approve(address(staking), funding);
            staking.fundRewards(ResourceType.CPU, funding);
        }
        assert(_sums());

        cpu.mint(STAKER, amount);
        vm.startPrank(STAKER);
        cpu.approve(address(staking), amount);
        uint256 id = staking.stake(ResourceType.CPU, amount, duration);
        vm.stopPrank();
        assert(_sums());
        IResourceStaking.StakeInfo memory s = staking.getStake(STAKER, id);
        (uint256 availableBefore,) = staking.rewardReserve(ResourceType.CPU);

        vm.warp(block.timestamp + exitAfter);
        bool early = exitAfter < duration;
        vm.prank(STAKER);
        uint256 paid = staking.unstake(STAKER, id);
        assert(_sums());
        assert(cpu.balanceOf(STAKER) == paid);
        (uint256 availableAfter, uint256 committedAfter) = staking.rewardReserve(ResourceType.CPU);
        assert(committedAfter == 0);
        if (early) {
            uint256 penalty = paid <= amount ? amount - paid : 0;
            // exactly ceil(amount * 100 / 10_000): penalty * 10_000 >= amount * 100 > (penalty - 1) * 10_000
            assert(paid <= amount);
            assert(penalty * 10_000 >= uint256(amount) * staking.EARLY_UNSTAKE_PENALTY_BPS());
            assert(penalty == 0 || (penalty - 1) * 10_000 < uint256(amount) * staking.EARLY_UNSTAKE_PENALTY_BPS());
            assert(availableAfter == availableBefore + s.reward + penalty);
        } else {
            assert(paid == uint256(amount) + s.reward);
            assert(availableAfter == availableBefore);
        }
    }
}
