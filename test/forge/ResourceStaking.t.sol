// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IResourceStaking} from "../../contracts/tokens/IResourceStaking.sol";
import {ResourceStaking} from "../../contracts/tokens/ResourceStaking.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

contract ResourceStakingTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    ResourceToken internal cpu;

    function setUp() public {
        _deployAll();
        cpu = tokens[0];
        cpu.grantRole(cpu.MINTER_ROLE(), address(this));
        cpu.mint(address(this), 10_000e18);
        cpu.mint(alice, 100_000e18);
        cpu.approve(address(staking), type(uint256).max);
        vm.prank(alice);
        cpu.approve(address(staking), type(uint256).max);
    }

    function _fund(uint256 amount) internal {
        staking.fundRewards(ResourceType.CPU, amount);
    }

    function test_seedAprsAndExactReward() public {
        assertEq(staking.aprBps(ResourceType.CPU), 1000, "CPU 10%");
        assertEq(staking.aprBps(ResourceType.MEM), 800, "MEM 8%");
        assertEq(staking.aprBps(ResourceType.STO), 600, "STO 6%");
        assertEq(staking.aprBps(ResourceType.NET), 500, "NET 5%");
        // 10,000 CPU for 30 days at 10%: 10,000 * 0.1 * 30 / 365 = 82.19178082191780821917... CPU, rounded down
        assertEq(staking.previewReward(ResourceType.CPU, 10_000e18, 30 days), 82191780821917808219, "30 days");
        // a full year at 8% is exactly 8%
        assertEq(staking.previewReward(ResourceType.MEM, 1234e18, 365 days), 98.72e18, "1 year");
    }

    function test_stakeRefusedWhenReserveCannotCoverReward() public {
        uint256 reward = staking.previewReward(ResourceType.CPU, 10_000e18, 30 days);
        _fund(reward - 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IResourceStaking.StakingRewardReserveInsufficient.selector, ResourceType.CPU, reward, reward - 1
            )
        );
        staking.stake(ResourceType.CPU, 10_000e18, 30 days);
        _fund(1);
        vm.prank(alice);
        staking.stake(ResourceType.CPU, 10_000e18, 30 days);
        (uint256 available, uint256 committed) = staking.rewardReserve(ResourceType.CPU);
        assertEq(available, 0, "all reserved");
        assertEq(committed, reward, "committed");
    }

    function test_maturedUnstakePaysPrincipalAndReward() public {
        _fund(1000e18);
        vm.prank(alice);
        uint256 id = staking.stake(ResourceType.CPU, 10_000e18, 30 days);
        assertEq(id, 1, "first id");
        assertEq(staking.reservedCapacity(alice, ResourceType.CPU), 10_000e18, "reserved");
        IResourceStaking.StakeInfo memory s = staking.getStake(alice, id);
        assertEq(s.amount, 10_000e18, "amount");
        assertEq(s.end, block.timestamp + 30 days, "end");
        assertEq(s.reward, 82191780821917808219, "reward");
        vm.warp(block.timestamp + 30 days);
        uint256 before = cpu.balanceOf(alice);
        // anyone can settle a matured stake; the owner is paid
        vm.prank(bob);
        uint256 paid = staking.unstake(alice, id);
        assertEq(paid, 10_000e18 + 82191780821917808219, "paid");
        assertEq(cpu.balanceOf(alice) - before, paid, "alice received");
        assertEq(staking.reservedCapacity(alice, ResourceType.CPU), 0, "released");
        (uint256 available, uint256 committed) = staking.rewardReserve(ResourceType.CPU);
        assertEq(available, 1000e18 - 82191780821917808219, "available");
        assertEq(committed, 0, "committed");
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingUnknownStake.selector, alice, id));
        staking.unstake(alice, id);
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingUnknownStake.selector, bob, 7));
        staking.unstake(bob, 7);
    }

    function test_earlyUnstakeForfeitsRewardAndPaysPenaltyIntoReserve() public {
        _fund(1000e18);
        vm.prank(alice);
        uint256 id = staking.stake(ResourceType.CPU, 10_000e18 + 1, 30 days);
        uint256 reward = staking.getStake(alice, id).reward;
        vm.warp(block.timestamp + 29 days);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceStaking.StakingNotMatured.selector, id, block.timestamp + 1 days)
        );
        staking.unstake(alice, id);
        vm.prank(alice);
        uint256 paid = staking.unstake(alice, id);
        uint256 penalty = 100e18 + 1; // 1% of 10,000e18 + 1, rounded up
        assertEq(paid, 10_000e18 + 1 - penalty, "principal minus penalty");
        (uint256 available, uint256 committed) = staking.rewardReserve(ResourceType.CPU);
        assertEq(available, 1000e18 + penalty, "reward and penalty back in the reserve");
        assertEq(committed, 0, "committed");
        assertTrue(reward > 0, "there was a reward to forfeit");
        assertEq(cpu.balanceOf(address(staking)), available, "tokens held");
    }

    function test_reservedCapacitySumsOpenStakes() public {
        _fund(1000e18);
        vm.startPrank(alice);
        uint256 a = staking.stake(ResourceType.CPU, 100e18, 1 days);
        staking.stake(ResourceType.CPU, 250e18, 90 days);
        assertEq(staking.reservedCapacity(alice, ResourceType.CPU), 350e18, "two stakes");
        assertEq(staking.reservedCapacity(alice, ResourceType.MEM), 0, "other resource");
        vm.warp(block.timestamp + 1 days);
        staking.unstake(alice, a);
        assertEq(staking.reservedCapacity(alice, ResourceType.CPU), 250e18, "one left");
        vm.stopPrank();
        assertEq(staking.stakeCount(), 2, "count");
    }

    function test_aprChangeOnlyAffectsNewStakes() public {
        _fund(1000e18);
        vm.prank(alice);
        uint256 id = staking.stake(ResourceType.CPU, 1000e18, 365 days);
        staking.setApr(ResourceType.CPU, 2000);
        assertEq(staking.getStake(alice, id).reward, 100e18, "kept 10%");
        assertEq(staking.previewReward(ResourceType.CPU, 1000e18, 365 days), 200e18, "new 20%");
        assertEq(staking.aprBps(ResourceType.MEM), 800, "neighbours untouched");
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingAprTooHigh.selector, 10_001, 10_000));
        staking.setApr(ResourceType.CPU, 10_001);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, bytes32(0))
        );
        staking.setApr(ResourceType.CPU, 0);
    }

    function test_withdrawOnlyUnreservedRewards() public {
        _fund(1000e18);
        vm.prank(alice);
        staking.stake(ResourceType.CPU, 1000e18, 365 days); // reserves 100e18
        vm.expectRevert(
            abi.encodeWithSelector(IResourceStaking.StakingWithdrawExceedsAvailable.selector, 901e18, 900e18)
        );
        staking.withdrawRewards(ResourceType.CPU, 901e18, bob);
        staking.withdrawRewards(ResourceType.CPU, 900e18, bob);
        assertEq(cpu.balanceOf(bob), 900e18, "withdrawn");
    }

    function test_inputErrorsAndPause() public {
        vm.startPrank(alice);
        vm.expectRevert(IResourceStaking.StakingZeroAmount.selector);
        staking.stake(ResourceType.CPU, 0, 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceStaking.StakingInvalidDuration.selector, 1 days - 1, 1 days, 365 days)
        );
        staking.stake(ResourceType.CPU, 1, 1 days - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IResourceStaking.StakingInvalidDuration.selector, 366 days, 1 days, 365 days)
        );
        staking.stake(ResourceType.CPU, 1, 366 days);
        // a stake too small to earn anything needs no reserve
        uint256 id = staking.stake(ResourceType.CPU, 1, 1 days);
        assertEq(staking.getStake(alice, id).reward, 0, "dust reward");
        vm.stopPrank();
        staking.pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        staking.stake(ResourceType.CPU, 1, 1 days);
    }

    /// A lien (the stake behind a running VM) cannot be unstaked from under it, early or matured, by anyone; what
    /// is staked beyond the lien stays free to withdraw.
    function test_lienBlocksUnstakingBelowIt() public {
        _fund(1000e18);
        vm.startPrank(alice);
        uint256 first = staking.stake(ResourceType.CPU, 600e18, 30 days);
        uint256 second = staking.stake(ResourceType.CPU, 400e18, 30 days);
        vm.stopPrank();
        bytes32 role = staking.LIEN_ROLE();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, role));
        staking.placeLien(alice, ResourceType.CPU, 1);
        staking.grantRole(role, address(this));
        vm.expectRevert(
            abi.encodeWithSelector(
                IResourceStaking.StakingLienExceedsStake.selector, alice, ResourceType.CPU, 1000e18 + 1, 1000e18
            )
        );
        staking.placeLien(alice, ResourceType.CPU, 1000e18 + 1);
        staking.placeLien(alice, ResourceType.CPU, 500e18);
        assertEq(staking.lienOf(alice, ResourceType.CPU), 500e18, "lien");
        // early: 1000 - 600 = 400 would stay, below the 500 lien
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingLiened.selector, alice, first, 500e18, 400e18));
        staking.unstake(alice, first);
        // 600 stays: above the lien, so this one is free
        vm.prank(alice);
        staking.unstake(alice, second);
        // matured, by anyone: still refused while the lien holds
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(IResourceStaking.StakingLiened.selector, alice, first, 500e18, 0));
        staking.unstake(alice, first);
        vm.expectRevert(
            abi.encodeWithSelector(
                IResourceStaking.StakingLienReleaseExceedsLien.selector, alice, ResourceType.CPU, 500e18 + 1, 500e18
            )
        );
        staking.releaseLien(alice, ResourceType.CPU, 500e18 + 1);
        // releasing works while paused (a VM can always be stopped); placing does not
        staking.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        staking.placeLien(alice, ResourceType.CPU, 1);
        staking.releaseLien(alice, ResourceType.CPU, 500e18);
        staking.unpause();
        assertEq(staking.lienOf(alice, ResourceType.CPU), 0, "released");
        staking.unstake(alice, first);
        assertEq(staking.reservedCapacity(alice, ResourceType.CPU), 0, "all withdrawn");
    }
}

/// @notice Random funding, stakes, early and matured exits, third-party settlements, withdrawals and APR changes.
contract StakingHandler is Test {
    ResourceStaking public immutable staking;
    ResourceToken[4] public tokens;
    address[3] public actors = [address(0x4001), address(0x4002), address(0x4003)];

    uint256[4] public funded;
    uint256[4] public withdrawn;
    uint256[4] public penalties;
    uint256[4] public rewardsPaid;
    uint256[4] public openPrincipal;
    uint256[4] public openRewards;

    struct Open {
        address owner;
        uint256 id;
    }

    Open[] public open;
    uint256 public stakes;
    uint256 public exits;
    uint256 public refusedByLien;
    mapping(address => uint256[4]) internal _liens; // model of each actor's lien per resource

    function lienModel(address a, uint256 i) external view returns (uint256) {
        return _liens[a][i];
    }

    constructor(ResourceStaking staking_, ResourceToken[4] memory tokens_) {
        staking = staking_;
        tokens = tokens_;
        for (uint256 i = 0; i < 4; ++i) {
            tokens_[i].approve(address(staking_), type(uint256).max);
            for (uint256 a = 0; a < 3; ++a) {
                vm.prank(actors[a]);
                tokens_[i].approve(address(staking_), type(uint256).max);
            }
        }
    }

    function fund(uint256 resourceSeed, uint256 amount) external {
        uint256 i = resourceSeed % 4;
        amount = bound(amount, 1, 1000e18);
        tokens[i].mint(address(this), amount);
        staking.fundRewards(ResourceType(i), amount);
        funded[i] += amount;
    }

    function stake(uint256 actorSeed, uint256 resourceSeed, uint256 amount, uint256 duration) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 3];
        amount = bound(amount, 1, 10_000e18);
        duration = bound(duration, 1 days, 365 days);
        uint256 reward = staking.previewReward(ResourceType(i), amount, duration);
        (uint256 available,) = staking.rewardReserve(ResourceType(i));
        tokens[i].mint(a, amount);
        vm.prank(a);
        try staking.stake(ResourceType(i), amount, duration) returns (uint256 id) {
            require(reward <= available, "stake accepted without reserve");
            open.push(Open(a, id));
            openPrincipal[i] += amount;
            openRewards[i] += reward;
            ++stakes;
        } catch {
            require(reward > available, "stake refused with reserve");
        }
    }

    function exit(uint256 idSeed, bool byStranger) external {
        if (open.length == 0) return;
        uint256 k = idSeed % open.length;
        Open memory o = open[k];
        ResourceStaking.StakeInfo memory s = staking.getStake(o.owner, o.id);
        uint256 i = uint8(s.resource);
        // forge-lint: disable-next-line(block-timestamp)
        bool early = block.timestamp < s.end;
        if (early && byStranger) return; // refused, covered by the unit tests
        uint256 before = tokens[i].balanceOf(o.owner);
        uint256 remaining = staking.reservedCapacity(o.owner, ResourceType(i)) - s.amount;
        vm.prank(byStranger ? address(0xBEEF) : o.owner);
        if (remaining < _liens[o.owner][i]) {
            // Below the lien: must be refused, and nothing may move.
            try staking.unstake(o.owner, o.id) {
                revert("unstaked below the lien");
            } catch {}
            require(tokens[i].balanceOf(o.owner) == before, "a refused unstake paid");
            ++refusedByLien;
            return;
        }
        uint256 paid = staking.unstake(o.owner, o.id);
        require(tokens[i].balanceOf(o.owner) - before == paid, "owner not paid");
        if (early) {
            penalties[i] += s.amount - paid;
        } else {
            rewardsPaid[i] += paid - s.amount;
        }
        openPrincipal[i] -= s.amount;
        openRewards[i] -= s.reward;
        open[k] = open[open.length - 1];
        open.pop();
        ++exits;
    }

    /// Places a lien on part of an actor's free (unliened) principal, as VMLifecycle does when a VM starts.
    function lien(uint256 actorSeed, uint256 resourceSeed, uint256 amount) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 3];
        uint256 free = staking.reservedCapacity(a, ResourceType(i)) - _liens[a][i];
        if (free == 0) return;
        amount = bound(amount, 1, free);
        staking.placeLien(a, ResourceType(i), amount);
        _liens[a][i] += amount;
    }

    /// Releases part of an actor's lien, as VMLifecycle does when a VM stops.
    function release(uint256 actorSeed, uint256 resourceSeed, uint256 amount) external {
        uint256 i = resourceSeed % 4;
        address a = actors[actorSeed % 3];
        if (_liens[a][i] == 0) return;
        amount = bound(amount, 1, _liens[a][i]);
        staking.releaseLien(a, ResourceType(i), amount);
        _liens[a][i] -= amount;
    }

    function withdraw(uint256 resourceSeed, uint256 amount) external {
        uint256 i = resourceSeed % 4;
        (uint256 available,) = staking.rewardReserve(ResourceType(i));
        amount = bound(amount, 0, available);
        staking.withdrawRewards(ResourceType(i), amount, address(0xFEE));
        withdrawn[i] += amount;
    }

    function setApr(uint256 resourceSeed, uint256 apr) external {
        staking.setApr(ResourceType(resourceSeed % 4), bound(apr, 0, 10_000));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 60 days));
    }

    function openCount() external view returns (uint256) {
        return open.length;
    }
}

contract ResourceStakingInvariantTest is Fixture {
    StakingHandler internal handler;

    function setUp() public {
        _deployAll();
        handler = new StakingHandler(staking, tokens);
        for (uint256 i = 0; i < 4; ++i) {
            tokens[i].grantRole(tokens[i].MINTER_ROLE(), address(handler));
        }
        staking.grantRole(bytes32(0), address(handler));
        staking.grantRole(staking.LIEN_ROLE(), address(handler));
        targetContract(address(handler));
    }

    /// staked - lien is never negative, and the lien is exactly what was placed minus what was released.
    function invariant_lienNeverExceedsTheStake() public view {
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 a = 0; a < 3; ++a) {
                address actor = handler.actors(a);
                uint256 lien = staking.lienOf(actor, ResourceType(i));
                assertEq(lien, handler.lienModel(actor, i), "lien != placed - released");
                assertLe(lien, staking.reservedCapacity(actor, ResourceType(i)), "lien above the staked principal");
            }
        }
    }

    function invariant_rewardsNeverExceedTheReserveAndTokensAreAccounted() public view {
        for (uint256 i = 0; i < 4; ++i) {
            uint256 inflow = handler.funded(i) + handler.penalties(i);
            assertLe(handler.rewardsPaid(i) + handler.withdrawn(i), inflow, "rewards paid exceed the reserve");
            (uint256 available, uint256 committed) = staking.rewardReserve(ResourceType(i));
            assertEq(
                available + committed,
                inflow - handler.rewardsPaid(i) - handler.withdrawn(i),
                "reserve != funded + penalties - paid - withdrawn"
            );
            assertEq(committed, handler.openRewards(i), "committed != rewards of open stakes");
            assertEq(
                tokens[i].balanceOf(address(staking)),
                handler.openPrincipal(i) + available + committed,
                "tokens held != principal + reserve"
            );
            uint256 reserved;
            for (uint256 a = 0; a < 3; ++a) {
                reserved += staking.reservedCapacity(handler.actors(a), ResourceType(i));
            }
            assertEq(reserved, handler.openPrincipal(i), "reservedCapacity != open principal");
        }
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.fund(0, 500e18);
        handler.stake(0, 0, 1000e18, 30 days);
        handler.stake(1, 0, 1000e18, 1 days);
        handler.lien(0, 0, 1000e18); // actor 0's whole stake
        handler.exit(0, false); // refused: below the lien
        assertEq(handler.refusedByLien(), 1, "refused by the lien");
        handler.release(0, 0, 1000e18);
        handler.exit(0, false);
        handler.warp(30 days);
        handler.exit(0, true);
        handler.withdraw(0, 1e18);
        assertEq(handler.stakes(), 2, "stakes");
        assertEq(handler.exits(), 2, "exits");
        assertEq(handler.openCount(), 0, "open");
        invariant_rewardsNeverExceedTheReserveAndTokensAreAccounted();
    }
}
