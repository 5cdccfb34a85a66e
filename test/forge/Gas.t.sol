// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {LiquidityPool} from "../../contracts/tokens/LiquidityPool.sol";
import {ResourceToken} from "../../contracts/tokens/ResourceToken.sol";
import {ResourceType} from "../../contracts/tokens/ResourceType.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice Plain OpenZeppelin ERC-20: the reference the resource token's transfer is compared with.
contract ReferenceERC20 is ERC20 {
    constructor(address holder) ERC20("Reference", "REF") {
        _mint(holder, 1e30);
    }
}

/// @notice forge's lastCallGas cheatcode.
interface VmGas {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory);
}

/// @notice Transaction gas of each operation in steady state. Run with
///         `node_modules/.bin/forge test --match-contract GasTest --isolate -vv`: --isolate executes every call of a
///         test as its own transaction (21,000 base and calldata included, cold accounts and slots), which is how the
///         DESIGN reference numbers were measured; lastCallGas then reports the transaction's gas. The reference
///         OpenZeppelin ERC-20 is measured the same way in the same run. Without --isolate the numbers are lower
///         (execution only, warm test state) and the bounds below still hold.
contract GasTest is Fixture {
    event log_named_uint(string key, uint256 val);

    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA201);
    uint256 internal constant FAR = type(uint256).max;
    uint256 internal constant UNISWAP_V2_SWAP = 108_099; // transfer + pair.swap, steady (DESIGN §2)
    ReferenceERC20 internal ref;
    LiquidityPool internal pool;
    LiquidityPool internal pair;
    ResourceToken internal cpu;
    ResourceToken internal mem;

    function setUp() public {
        _deployAll();
        cpu = tokens[0];
        mem = tokens[1];
        ref = new ReferenceERC20(alice);
        mem.grantRole(mem.MINTER_ROLE(), address(this));
        mem.mint(alice, 100_000e18);
        mem.mint(bob, 100_000e18);
        cpu.grantRole(cpu.MINTER_ROLE(), address(this));
        cpu.mint(alice, 100_000e18);
        cpu.mint(bob, 100_000e18);
        cpu.mint(address(this), 10_000e18);
        vm.deal(alice, 1000 ether);
        vm.deal(bob, 1000 ether);
        pool = LiquidityPool(factory.createPool(address(cpu), address(0)));
        pair = LiquidityPool(factory.createPool(address(cpu), address(mem)));
        address[2] memory users = [alice, bob];
        for (uint256 u = 0; u < 2; ++u) {
            vm.startPrank(users[u]);
            cpu.approve(address(pair), type(uint256).max);
            mem.approve(address(pair), type(uint256).max);
            cpu.approve(address(market), type(uint256).max);
            cpu.approve(address(pool), type(uint256).max);
            cpu.approve(address(staking), type(uint256).max);
            vm.stopPrank();
        }
        // State as it is after some use: the curve has an outstanding reserve, the pool has liquidity and non-zero
        // price accumulators, staking has a funded reserve and bob an earlier stake, bob holds the reference token.
        vm.prank(bob);
        market.buy{value: 1 ether}(ResourceType.CPU, 1000e18, 1 ether, bob, FAR);
        vm.prank(bob);
        pool.addLiquidity{value: 10 ether}(10_000e18, 10 ether, 0, 0, bob, FAR);
        vm.prank(bob);
        pair.addLiquidity(10_000e18, 20_000e18, 0, 0, bob, FAR);
        _nextBlock();
        pool.sync();
        pair.sync();
        cpu.approve(address(staking), type(uint256).max);
        staking.fundRewards(ResourceType.CPU, 10_000e18);
        vm.prank(bob);
        staking.stake(ResourceType.CPU, 1000e18, 30 days);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        ref.transfer(bob, 1);
        _nextBlock();
    }

    function _nextBlock() internal {
        vm.warp(block.timestamp + 12);
        vm.roll(block.number + 1);
    }

    /// Logs the last call's gas and checks it against `budget`.
    function _record(string memory name, uint256 budget) internal returns (uint256 used) {
        used = VmGas(address(vm)).lastCallGas().gasTotalUsed; // after refunds, as a receipt's gasUsed
        emit log_named_uint(name, used);
        assertLe(used, budget, name);
    }

    function test_gas_transfer() public {
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        ref.transfer(bob, 1e18);
        uint256 refHolder = _record("reference ERC20 transfer to a holder", 34_525);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        ref.transfer(carol, 1e18);
        uint256 refFresh = _record("reference ERC20 transfer to a fresh address", 51_625);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        cpu.transfer(bob, 1e18);
        // the pause check is one cold SLOAD (2,100) and a few opcodes
        _record("ResourceToken transfer to a holder", refHolder + 2_400);
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        cpu.transfer(carol, 1e18);
        _record("ResourceToken transfer to a fresh address", refFresh + 2_400);
    }

    function test_gas_market() public {
        vm.prank(bob);
        market.buy{value: 1 ether}(ResourceType.CPU, 100e18, 1 ether, bob, FAR);
        _record("ResourceMarket buy (refund of excess value)", 90_000);
        uint256 cost = market.quoteBuy(ResourceType.CPU, 100e18);
        vm.prank(bob);
        market.buy{value: cost}(ResourceType.CPU, 100e18, cost, bob, FAR);
        _record("ResourceMarket buy (exact value)", 80_000);
        vm.prank(bob);
        market.sell(ResourceType.CPU, 100e18, 0, bob, FAR);
        _record("ResourceMarket sell", 80_000);
    }

    function test_gas_swap() public {
        vm.prank(alice);
        pool.swap(address(cpu), 10e18, 0, alice, FAR);
        _record("LiquidityPool swap token->native, first in block", UNISWAP_V2_SWAP);
        vm.prank(alice);
        pool.swap(address(cpu), 10e18, 0, alice, FAR);
        _record("LiquidityPool swap token->native, same block", UNISWAP_V2_SWAP);
        _nextBlock();
        vm.prank(alice);
        pool.swap{value: 0.01 ether}(address(0), 0.01 ether, 0, alice, FAR);
        _record("LiquidityPool swap native->token, first in block", UNISWAP_V2_SWAP);
        vm.prank(alice);
        pair.swap(address(mem), 10e18, 0, alice, FAR);
        _record("LiquidityPool swap token->token (CPU/MEM), first in block", 98_619); // Router02 swap, DESIGN §2
    }

    function test_gas_liquidity() public {
        vm.prank(bob);
        pool.addLiquidity{value: 1 ether}(1000e18, 1 ether, 0, 0, bob, FAR);
        _record("LiquidityPool addLiquidity, existing provider, first in block", 130_000);
        vm.prank(alice);
        pool.addLiquidity{value: 1 ether}(1000e18, 1 ether, 0, 0, alice, FAR);
        _record("LiquidityPool addLiquidity, new provider, same block", 130_000);
        _nextBlock();
        vm.prank(bob);
        pool.removeLiquidity(1e18, 0, 0, bob, FAR);
        _record("LiquidityPool removeLiquidity, first in block", 130_000);
    }

    function test_gas_stake() public {
        vm.prank(bob);
        staking.stake(ResourceType.CPU, 1000e18, 30 days);
        _record("ResourceStaking stake, existing staker", 130_000);
        vm.prank(alice);
        staking.stake(ResourceType.CPU, 1000e18, 30 days);
        _record("ResourceStaking stake, first stake of the owner", 150_000);
        _nextBlock();
        vm.warp(block.timestamp + 30 days);
        vm.prank(alice);
        staking.unstake(alice, 3);
        _record("ResourceStaking unstake, matured", 100_000);
    }

    function test_gas_orderBook() public {
        vm.prank(bob);
        cpu.approve(address(book), type(uint256).max);
        vm.prank(bob);
        uint256 id = book.placeOrder(ResourceType.CPU, 100e18, 0.001 ether);
        _record("ResourceOrderBook placeOrder", 150_000);
        vm.prank(alice);
        book.fillOrder{value: 0.01 ether}(bob, id, 10e18, alice, FAR);
        _record("ResourceOrderBook fillOrder, partial", 100_000);
        vm.prank(bob);
        book.cancelOrder(id);
        _record("ResourceOrderBook cancelOrder", 100_000);
    }
}
