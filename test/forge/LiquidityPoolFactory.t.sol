// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ILiquidityPoolFactory} from "../../contracts/tokens/ILiquidityPoolFactory.sol";
import {LiquidityPool} from "../../contracts/tokens/LiquidityPool.sol";
import {LiquidityPoolFactory} from "../../contracts/tokens/LiquidityPoolFactory.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {Test} from "./utils/Test.sol";

/// @notice Pools are administered through their factory: whoever holds the factory's DEFAULT_ADMIN_ROLE governs every
///         pool, those created before a hand-over and those created after it, and nobody else does. Deployed as
///         production does it: a deployer creates the factory and the first pools, hands the factory's admin role to
///         the timelock and renounces its own.
contract LiquidityPoolFactoryTest is Test {
    bytes32 internal constant ADMIN = bytes32(0);
    bytes32 internal constant GUARDIAN = keccak256("GUARDIAN_ROLE");

    address internal deployer = address(0xDE9);
    address internal guardian = address(0x6A4D);
    address internal timelock = address(0x71AE);
    address internal stranger = address(0xBAD);

    LiquidityPoolFactory internal factory;
    ResourceToken internal cpu;
    ResourceToken internal mem;
    LiquidityPool internal early; // created by the deployer, before the hand-over

    function setUp() public {
        vm.startPrank(deployer);
        cpu = new ResourceToken("CPU", "CPU", 1e30, deployer, guardian);
        mem = new ResourceToken("MEM", "MEM", 1e30, deployer, guardian);
        factory = new LiquidityPoolFactory(deployer, guardian);
        early = LiquidityPool(factory.createPool(address(cpu), address(0)));
        factory.grantRole(ADMIN, timelock);
        factory.renounceRole(ADMIN, deployer);
        vm.stopPrank();
    }

    function _unauthorized(address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, ADMIN);
    }

    function test_poolsAreAdministeredByTheFactoryAndGuardedByItsGuardian() public {
        vm.prank(timelock);
        LiquidityPool later = LiquidityPool(factory.createPool(address(mem), address(cpu)));
        LiquidityPool[2] memory pools = [early, later];
        for (uint256 i = 0; i < 2; ++i) {
            assertTrue(pools[i].hasRole(ADMIN, address(factory)), "factory is admin");
            assertTrue(!pools[i].hasRole(ADMIN, deployer), "deployer is not admin");
            assertTrue(!pools[i].hasRole(ADMIN, timelock), "the factory's admin acts through the factory only");
            assertTrue(pools[i].hasRole(GUARDIAN, guardian), "the factory's guardian guards the pool");
            assertTrue(factory.isPool(address(pools[i])), "indexed as a pool");
        }
        assertTrue(!factory.isPool(address(cpu)), "a token is no pool");
    }

    function test_poolAddressIsDeterministicAndNamesNoAccount() public {
        address predicted = factory.poolAddress(address(0), address(mem));
        bytes32 initCodeHash = keccak256(
            abi.encodePacked(
                type(LiquidityPool).creationCode, abi.encode(address(mem), address(0), address(factory), guardian)
            )
        );
        assertEq(
            predicted,
            Create2.computeAddress(keccak256(abi.encode(address(mem), address(0))), initCodeHash, address(factory)),
            "init code: the pair, the factory as admin, the guardian"
        );
        vm.prank(timelock);
        assertEq(factory.createPool(address(mem), address(0)), predicted, "created where predicted");
    }

    function test_theDeployerCannotAdministerAnyPoolAfterTheHandOver() public {
        vm.prank(timelock);
        address later = factory.createPool(address(mem), address(0));
        vm.prank(guardian);
        early.pause();
        address[2] memory pools = [address(early), later];
        vm.startPrank(deployer);
        for (uint256 i = 0; i < 2; ++i) {
            LiquidityPool pool = LiquidityPool(pools[i]);
            vm.expectRevert(_unauthorized(deployer));
            pool.grantRole(ADMIN, deployer);
            vm.expectRevert(_unauthorized(deployer));
            pool.unpause();
            vm.expectRevert(_unauthorized(deployer));
            factory.unpausePool(address(pool));
            vm.expectRevert(_unauthorized(deployer));
            factory.grantPoolRole(address(pool), GUARDIAN, deployer);
            vm.expectRevert(_unauthorized(deployer));
            factory.revokePoolRole(address(pool), GUARDIAN, guardian);
        }
        vm.expectRevert(_unauthorized(deployer));
        factory.createPool(address(cpu), address(mem));
        vm.stopPrank();
    }

    function test_theFactoryAdminUnpausesAPoolCreatedAfterTheHandOver() public {
        vm.prank(timelock);
        LiquidityPool later = LiquidityPool(factory.createPool(address(mem), address(0)));
        vm.prank(guardian);
        later.pause();
        vm.prank(guardian); // pause only
        vm.expectRevert(_unauthorized(guardian));
        factory.unpausePool(address(later));
        vm.prank(timelock);
        vm.expectRevert(_unauthorized(timelock)); // not directly: the pool's admin is the factory
        later.unpause();
        vm.prank(timelock);
        factory.unpausePool(address(later));
        assertTrue(!later.paused(), "unpaused through the factory");
    }

    function test_poolActionsWorkWhileTheFactoryIsPaused() public {
        vm.startPrank(guardian);
        factory.pause();
        early.pause();
        vm.stopPrank();
        vm.startPrank(timelock);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        factory.createPool(address(mem), address(0));
        factory.unpausePool(address(early)); // an incident's way out does not wait for the factory
        factory.grantPoolRole(address(early), GUARDIAN, stranger);
        vm.stopPrank();
        assertTrue(!early.paused(), "pool unpaused");
        assertTrue(early.hasRole(GUARDIAN, stranger), "guardian added");
    }

    function test_theFactoryAdminManagesPoolGuardians() public {
        address second = address(0x5EC);
        vm.prank(timelock);
        factory.grantPoolRole(address(early), GUARDIAN, second);
        vm.prank(second);
        early.pause();
        vm.prank(timelock);
        factory.unpausePool(address(early));
        vm.prank(timelock);
        factory.revokePoolRole(address(early), GUARDIAN, second);
        vm.prank(second);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, second, GUARDIAN)
        );
        early.pause();
    }

    function test_thePoolAdminStaysTheFactory() public {
        bytes memory fixedAdmin =
            abi.encodeWithSelector(ILiquidityPoolFactory.PoolFactoryPoolAdminFixed.selector, address(early));
        vm.startPrank(timelock);
        vm.expectRevert(fixedAdmin);
        factory.grantPoolRole(address(early), ADMIN, timelock);
        vm.expectRevert(fixedAdmin);
        factory.revokePoolRole(address(early), ADMIN, address(factory));
        vm.stopPrank();
        assertTrue(early.hasRole(ADMIN, address(factory)), "still the factory's");
        assertTrue(!early.hasRole(ADMIN, timelock), "nobody else's");
    }

    function test_onlyTheFactorysOwnPoolsAreActedOn() public {
        // a pool deployed outside the factory that names the factory as its admin is still no pool of the factory
        LiquidityPool outsider = new LiquidityPool(address(mem), address(0), address(factory), guardian);
        address[3] memory notPools = [address(outsider), address(cpu), address(0x1234)];
        vm.startPrank(timelock);
        for (uint256 i = 0; i < 3; ++i) {
            bytes memory unknown =
                abi.encodeWithSelector(ILiquidityPoolFactory.PoolFactoryUnknownPool.selector, notPools[i]);
            vm.expectRevert(unknown);
            factory.unpausePool(notPools[i]);
            vm.expectRevert(unknown);
            factory.grantPoolRole(notPools[i], GUARDIAN, timelock);
            vm.expectRevert(unknown);
            factory.revokePoolRole(notPools[i], GUARDIAN, guardian);
        }
        vm.stopPrank();
    }

    /// Any caller without the factory's admin role is refused every pool action, for any role and account.
    function testFuzz_onlyTheFactoryAdminActsOnPools(address caller, bytes32 role, address account) public {
        vm.assume(caller != timelock);
        vm.startPrank(caller);
        vm.expectRevert(_unauthorized(caller));
        factory.unpausePool(address(early));
        vm.expectRevert(_unauthorized(caller));
        factory.grantPoolRole(address(early), role, account);
        vm.expectRevert(_unauthorized(caller));
        factory.revokePoolRole(address(early), role, account);
        vm.stopPrank();
    }

    /// A new factory admin takes over every pool at once; the previous one loses them all.
    function test_handingOverTheFactoryHandsOverEveryPool() public {
        address successor = address(0x5CCE55);
        vm.startPrank(timelock);
        LiquidityPool later = LiquidityPool(factory.createPool(address(mem), address(0)));
        factory.grantRole(ADMIN, successor);
        factory.renounceRole(ADMIN, timelock);
        vm.stopPrank();
        vm.prank(guardian);
        later.pause();
        vm.prank(timelock);
        vm.expectRevert(_unauthorized(timelock));
        factory.unpausePool(address(later));
        vm.prank(successor);
        factory.unpausePool(address(later));
        vm.prank(successor);
        factory.grantPoolRole(address(early), GUARDIAN, successor);
        assertTrue(!later.paused() && early.hasRole(GUARDIAN, successor), "the successor administers every pool");
    }
}
