// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ConsensusFixture} from "./ConsensusFixture.sol";

/// @notice Transaction gas of checkpoint verification at 10, 100, 1,247 (the seed's count) and 2,000 validators, all
///         signing and just over 2/3 signing (floor(2n/3) + 1 signers, the non-signers spread over the set: every
///         third index), and of the validator operations. Every call runs as its own transaction (`isolate`, set
///         below): 21,000 base and calldata included, accounts and slots cold, as on a real chain; `lastCallGas`
///         reports the transaction's gas. Each checkpoint measured is its domain's second or later (the domain's head
///         slot exists), with a 32-byte root. Read the figures with
///         `FOUNDRY_PROFILE=prague forge test --offline --match-contract ConsensusGasTest -vv`.
/// forge-config: prague.isolate = true
contract ConsensusGasTest is ConsensusFixture {
    event log_named_uint(string key, uint256 val);

    uint256 internal constant GOAL_ALL_1247 = 300_000;
    uint256 internal constant GOAL_TWO_THIRDS_1247 = 3_500_000;

    function setUp() public {
        _requirePrague();
        _deploy();
    }

    function _gas() internal view returns (uint256) {
        return vmc.lastCallGas().gasTotalUsed;
    }

    /// @dev Grows the set to `n` validators, then measures a checkpoint with all signing and one with just over 2/3.
    function _measure(uint256 n, uint64 height) internal returns (uint256 all, uint256 twoThirds) {
        _registerRange(sm.validatorCount(), n);
        _nextEpoch();
        uint64 epoch = sm.currentEpoch();
        bytes32 root = keccak256(abi.encode("all", n));
        bytes memory signature = _aggregateSign(_allBut(n, _none()), STATE, height, root, epoch);
        uint256[] memory none = _none();
        verifier.submitCheckpoint(STATE, height, root, epoch, none, signature);
        all = _gas();

        uint256 signers = (2 * n) / 3 + 1;
        uint256[] memory nonSigners = new uint256[](n - signers);
        for (uint256 k = 0; k < nonSigners.length; ++k) {
            nonSigners[k] = 3 * k;
        }
        root = keccak256(abi.encode("two thirds", n));
        signature = _aggregateSign(_allBut(n, nonSigners), STATE, height + 1, root, epoch);
        verifier.submitCheckpoint(STATE, height + 1, root, epoch, nonSigners, signature);
        twoThirds = _gas();
        assertTrue(verifier.isFinal(STATE, height + 1, root), "final");
        assertTrue(3 * verifier.checkpoint(STATE, height + 1).signedStake > 2 * n * MIN_STAKE, "just over 2/3");

        string memory label = Strings.toString(n);
        emit log_named_uint(string.concat("checkpoint gas, ", label, " validators, all signing"), all);
        emit log_named_uint(
            string.concat("checkpoint gas, ", label, " validators, ", Strings.toString(signers), " signing"),
            twoThirds
        );
        emit log_named_uint("  per non-signer", (twoThirds - all) / nonSigners.length);
    }

    /// One set grown from 10 to 2,000 validators (registering 2,000 takes about a billion gas, hence the limit).
    /// forge-config: prague.gas_limit = 9223372036854775807
    function test_gas_checkpointVerification() public {
        _registerMany(10);
        _nextEpoch();
        _submit(10, STATE, 1, keccak256("first"), _none()); // the domain's head exists from here on
        _measure(10, 10);
        _measure(100, 20);
        (uint256 all, uint256 twoThirds) = _measure(1247, 30);
        assertLe(all, GOAL_ALL_1247, "1,247 validators all signing");
        assertLe(twoThirds, GOAL_TWO_THIRDS_1247, "1,247 validators, just over 2/3 signing");
        _measure(2000, 40);
    }

    /// Register, top up, unbond, withdraw, slash, jail, unjail with 8 to 10 validators registered.
    function test_gas_validatorOperations() public {
        _registerMany(8);
        _nextEpoch();

        // the first set change of an epoch writes a new epoch entry (aggregate key, total, count)
        _register(8, MIN_STAKE);
        emit log_named_uint("register (first set change in the epoch)", _gas());
        _register(9, MIN_STAKE);
        emit log_named_uint("register (later in the same epoch)", _gas());
        _nextEpoch();

        // validator 3 misses 3 of a 4-checkpoint window
        uint64[] memory heights = new uint64[](4);
        uint256[][] memory lists = new uint256[][](4);
        for (uint256 k = 0; k < 4; ++k) {
            heights[k] = uint64(k + 1);
            lists[k] = k == 0 ? _none() : _list(3);
            _submit(10, L2, heights[k], bytes32(k + 1), lists[k]);
        }
        sm.jail(3, L2, heights, lists);
        emit log_named_uint("jail (window of 4 checkpoints)", _gas());

        nova.transfer(_owner(0), 10 * MIN_STAKE);
        vm.prank(_owner(0));
        sm.topUp(MIN_STAKE);
        emit log_named_uint("topUp", _gas());
        vm.prank(_owner(0));
        sm.topUp(MIN_STAKE);
        emit log_named_uint("topUp (same validator, same epoch)", _gas());
        vm.prank(_owner(1));
        sm.unbond(MIN_STAKE);
        emit log_named_uint("unbond (all: leaves the set)", _gas());
        vm.prank(_owner(0));
        sm.unbond(MIN_STAKE);
        emit log_named_uint("unbond (part)", _gas());

        vm.warp(block.timestamp + JAIL);
        vm.prank(_owner(3));
        sm.unjail();
        emit log_named_uint("unjail", _gas());
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(_owner(1));
        sm.withdraw();
        emit log_named_uint("withdraw", _gas());

        uint64 epoch = sm.currentEpoch();
        bytes memory a = _signOne(2, STATE, 50, bytes32(uint256(1)), epoch);
        bytes memory b = _signOne(2, STATE, 50, bytes32(uint256(2)), epoch);
        sm.reportDoubleSign(2, STATE, 50, bytes32(uint256(1)), epoch, a, bytes32(uint256(2)), epoch, b);
        emit log_named_uint("reportDoubleSign (slash)", _gas());
    }
}
