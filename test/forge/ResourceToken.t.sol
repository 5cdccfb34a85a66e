// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Test} from "./utils/Test.sol";

contract ResourceTokenTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function setUp() public {
        _deployAll();
        tokens[0].grantRole(tokens[0].MINTER_ROLE(), address(this));
    }

    function test_metadataAndSeedCaps() public view {
        assertEq(tokens[0].cap(), 1_000_000e18, "CPU cap");
        assertEq(tokens[1].cap(), 2_000_000e18, "MEM cap");
        assertEq(tokens[2].cap(), 5_000_000e18, "STO cap");
        assertEq(tokens[3].cap(), 10_000_000e18, "NET cap");
        assertEq(tokens[0].decimals(), 18, "decimals");
        assertTrue(keccak256(bytes(tokens[3].symbol())) == keccak256("NET"), "symbol");
        assertEq(market.resourceToken(ResourceType.STO), address(tokens[2]), "market token");
    }

    function test_mintUpToCapThenRevert() public {
        tokens[0].mint(alice, 1_000_000e18);
        assertEq(tokens[0].totalSupply(), 1_000_000e18, "supply at cap");
        vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, 1_000_000e18 + 1, 1_000_000e18));
        tokens[0].mint(alice, 1);
    }

    function test_mintRequiresMinterRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, alice, tokens[0].MINTER_ROLE()
            )
        );
        vm.prank(alice);
        tokens[0].mint(alice, 1);
    }

    function test_pauseBlocksTransfersMintAndBurn_unpauseByAdminOnly() public {
        tokens[0].mint(alice, 100);
        tokens[0].pause();
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        tokens[0].transfer(bob, 1);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        tokens[0].mint(alice, 1);
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        tokens[0].burn(1);
        // the guardian role alone cannot unpause
        tokens[0].grantRole(tokens[0].GUARDIAN_ROLE(), bob);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, bob, bytes32(0))
        );
        tokens[0].unpause();
        tokens[0].unpause();
        vm.prank(alice);
        tokens[0].transfer(bob, 1);
        assertEq(tokens[0].balanceOf(bob), 1, "transfer after unpause");
    }

    function test_permitThenBurnFrom() public {
        uint256 key = 0xA11CE;
        address owner = vm.addr(key);
        tokens[0].mint(owner, 10e18);
        bytes32 typehash =
            keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
        bytes32 structHash = keccak256(abi.encode(typehash, owner, bob, 4e18, 0, block.timestamp + 1));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", tokens[0].DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        tokens[0].permit(owner, bob, 4e18, block.timestamp + 1, v, r, s);
        assertEq(tokens[0].allowance(owner, bob), 4e18, "permit allowance");
        vm.prank(bob);
        tokens[0].burnFrom(owner, 4e18);
        assertEq(tokens[0].totalSupply(), 6e18, "supply after burnFrom");
        assertEq(tokens[0].nonces(owner), 1, "nonce");
    }

    function testFuzz_mintNeverExceedsCap(uint256 a, uint256 b) public {
        uint256 cap = tokens[0].cap();
        a = bound(a, 0, cap);
        b = bound(b, 0, cap);
        tokens[0].mint(alice, a);
        if (a + b > cap) {
            vm.expectRevert(abi.encodeWithSelector(ERC20Capped.ERC20ExceededCap.selector, a + b, cap));
        }
        tokens[0].mint(bob, b);
        assertLe(tokens[0].totalSupply(), cap, "supply above cap");
    }
}

/// @notice Random mints (including over the cap), burns, transfers and pauses by three actors.
contract TokenHandler is Test {
    ResourceToken public immutable t;
    address[3] public actors = [address(0x1001), address(0x1002), address(0x1003)];
    bool public movedWhilePaused;
    bool public mintedOverCap;

    constructor(ResourceToken token_) {
        t = token_;
    }

    function mint(uint256 actorSeed, uint256 amount) external {
        uint256 cap = t.cap();
        amount = bound(amount, 0, cap / 3); // three of these usually hit the cap
        uint256 supply = t.totalSupply();
        bool paused = t.paused();
        try t.mint(actors[actorSeed % 3], amount) {
            if (supply + amount > cap) mintedOverCap = true;
            if (paused) movedWhilePaused = true;
        } catch {}
    }

    function burn(uint256 actorSeed, uint256 amount) external {
        address a = actors[actorSeed % 3];
        amount = bound(amount, 0, t.balanceOf(a));
        bool paused = t.paused();
        vm.prank(a);
        try t.burn(amount) {
            if (paused) movedWhilePaused = true;
        } catch {}
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[fromSeed % 3];
        amount = bound(amount, 0, t.balanceOf(from));
        bool paused = t.paused();
        vm.prank(from);
        try t.transfer(actors[toSeed % 3], amount) {
            if (paused) movedWhilePaused = true;
        } catch {}
    }

    function togglePause(uint256 seed) external {
        if (seed % 4 != 0) return; // paused about a quarter of the time
        if (t.paused()) t.unpause();
        else t.pause();
    }
}

contract ResourceTokenInvariantTest is Fixture {
    TokenHandler internal handler;

    function setUp() public {
        _deployAll();
        handler = new TokenHandler(tokens[0]);
        tokens[0].grantRole(tokens[0].MINTER_ROLE(), address(handler));
        tokens[0].grantRole(tokens[0].GUARDIAN_ROLE(), address(handler));
        tokens[0].grantRole(bytes32(0), address(handler));
        targetContract(address(handler));
    }

    function invariant_supplyNeverAboveCapAndBalancesAddUp() public view {
        ResourceToken t = tokens[0];
        assertLe(t.totalSupply(), t.cap(), "supply above cap");
        uint256 sum;
        for (uint256 i = 0; i < 3; ++i) {
            sum += t.balanceOf(handler.actors(i));
        }
        assertEq(sum, t.totalSupply(), "balances != supply");
        assertTrue(!handler.mintedOverCap(), "a mint over the cap succeeded");
        assertTrue(!handler.movedWhilePaused(), "a balance moved while paused");
    }

    /// The handler's paths all succeed on ordinary input (guards against a handler that silently does nothing).
    function test_handlerPathsSucceed() public {
        handler.mint(0, 100e18);
        handler.transfer(0, 1, 40e18);
        handler.burn(1, 10e18);
        assertEq(tokens[0].balanceOf(handler.actors(1)), 30e18, "moved");
        handler.togglePause(0);
        assertTrue(tokens[0].paused(), "paused");
        handler.transfer(0, 1, 1);
        handler.togglePause(4);
        assertTrue(!tokens[0].paused(), "unpaused");
        assertEq(tokens[0].balanceOf(handler.actors(1)), 30e18, "nothing moved while paused");
        invariant_supplyNeverAboveCapAndBalancesAddUp();
    }
}
