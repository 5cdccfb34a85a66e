// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ResourceType} from "../../../contracts/tokens/ResourceType.sol";
import {ICapacityRegistry} from "../../../contracts/zk/ICapacityRegistry.sol";
import {ZkFixture} from "./ZkFixture.sol";
import {ZkVectors} from "./ZkVectors.sol";

/// @notice Gas of a Groth16 verification with 4 public inputs and of a capacity registration. State-changing calls
///         run as their own transactions (`isolate`: 21,000 base and calldata included, accounts and slots cold);
///         `verifyProof` is a view, made as a static call and measured as execution only: as a transaction it adds
///         21,000 and its calldata (8,572 for the sample proof): 242,812 in all, measured on py-evm (the embedded
///         chain). Read the figures with
///         `FOUNDRY_PROFILE=prague forge test --offline --match-contract ZkGasTest -vv`.
/// forge-config: prague.isolate = true
contract ZkGasTest is ZkFixture {
    event log_named_uint(string key, uint256 val);

    /// @notice The issue's goal for an on-chain verification.
    uint256 internal constant GOAL_VERIFY = 250_000;

    function setUp() public {
        _requirePrague();
        _deploy(ZkVectors.REAL_VK);
    }

    function _gas() internal view returns (uint256) {
        return vmz.lastCallGas().gasTotalUsed;
    }

    function test_GasVerify4Inputs() public {
        uint256[] memory inputs = ZkVectors.sampleInputs();
        bool ok = verifier.verifyProof(ZkVectors.SAMPLE_PROOF, inputs);
        uint256 gas = _gas();
        assertTrue(ok, "valid");
        emit log_named_uint("verifyProof, 4 public inputs (execution)", gas);
        assertLe(gas + 21_000 + 16 * 772, GOAL_VERIFY, "under the goal as a transaction (772 calldata bytes)");
        assertLe(gas, verifier.verificationGas(), "verificationGas covers it");
        bytes memory tampered = ZkVectors.SAMPLE_PROOF;
        tampered[20] = tampered[20] ^ 0x01;
        ok = verifier.verifyProof(tampered, inputs);
        assertTrue(!ok, "tampered");
        emit log_named_uint("verifyProof, tampered (point off the curve)", _gas());
        emit log_named_uint("verificationGas()", verifier.verificationGas());
    }

    function test_GasRegisterCapacity() public {
        ICapacityRegistry.CommittedClaim memory claim = _cpuClaim();
        vm.prank(provider);
        registry.registerCapacity(ResourceType.CPU, 4, claim, 0, ZkVectors.REAL_N0_A4);
        uint256 first = _gas();
        emit log_named_uint("registerCapacity, first (transaction)", first);
        vm.prank(provider);
        registry.registerCapacity(ResourceType.CPU, 3, claim, 1, ZkVectors.REAL_N1_A3);
        emit log_named_uint("registerCapacity, replacing (transaction)", _gas());
        assertLe(first, 450_000, "well under REGISTER_GAS (500,000)");
        registry.activeCapacity(provider, ResourceType.CPU);
        emit log_named_uint("activeCapacity (static call, execution)", _gas());
    }
}
