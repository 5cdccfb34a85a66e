// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Groth16Verifier} from "../../../contracts/zk/Groth16Verifier.sol";
import {IGroth16Verifier} from "../../../contracts/zk/IGroth16Verifier.sol";
import {ZkFixture} from "./ZkFixture.sol";
import {ZkVectors} from "./ZkVectors.sol";

/// @notice The Groth16 verifier on simulated BLS12-381 vectors (test/forge/zk/zk_vectors.py): valid proofs pass,
///         every kind of alteration fails (false for a proof that does not verify, a revert for a malformed call).
contract Groth16VerifierTest is ZkFixture {
    function setUp() public {
        _requirePrague();
        _deploy(ZkVectors.VK);
    }

    function _plain() internal view returns (bool) {
        return verifier.verifyProof(ZkVectors.PROOF_PLAIN, ZkVectors.plainInputs());
    }

    function test_ValidProofVerifies() public view {
        assertTrue(_plain(), "valid proof");
    }

    /// @dev The engine's sample proof under the compare circuit's committed key; its negative sets fail.
    function test_EngineSampleProof() public {
        Groth16Verifier real = new Groth16Verifier(ZkVectors.REAL_VK);
        assertTrue(real.verifyProof(ZkVectors.SAMPLE_PROOF, ZkVectors.sampleInputs()), "sample proof");
        assertTrue(!real.verifyProof(ZkVectors.SAMPLE_PROOF, ZkVectors.sampleNegative_wrongThreshold()), "threshold");
        assertTrue(!real.verifyProof(ZkVectors.SAMPLE_PROOF, ZkVectors.sampleNegative_wrongContext()), "context");
        assertTrue(!real.verifyProof(ZkVectors.PROOF_PLAIN, ZkVectors.plainInputs()), "a simulated proof");
        assertTrue(!verifier.verifyProof(ZkVectors.SAMPLE_PROOF, ZkVectors.sampleInputs()), "under another key");
    }

    function test_KeyReadsBack() public view {
        assertEq(verifier.publicInputCount(), 4, "inputs");
        assertTrue(keccak256(verifier.verifyingKey()) == keccak256(ZkVectors.VK), "key round trip");
        assertTrue(verifier.verifyingKeyHash() == keccak256(ZkVectors.VK), "key hash");
        assertGe(verifier.verificationGas(), 206_731, "covers the precompiles");
    }

    function test_EveryChangedInputFails() public view {
        for (uint256 i = 0; i < 4; ++i) {
            uint256[] memory inputs = ZkVectors.plainInputs();
            inputs[i] = inputs[i] == 0 ? 1 : inputs[i] - 1;
            assertTrue(!verifier.verifyProof(ZkVectors.PROOF_PLAIN, inputs), "changed input");
        }
    }

    /// @dev Flipping a bit of any coordinate byte moves the point off the curve (or out of range): false.
    function testFuzz_TamperedProofFails(uint256 position, uint8 bit) public view {
        // a byte of a coordinate: skip the 16 zero bytes that pad each 48-byte Fp element to 64
        uint256 element = bound(position, 0, 8 * 48 - 1);
        uint256 index = (element / 48) * 64 + 16 + (element % 48);
        bytes memory proof = ZkVectors.PROOF_PLAIN;
        proof[index] = proof[index] ^ bytes1(uint8(1) << (bit % 8));
        assertTrue(!verifier.verifyProof(proof, ZkVectors.plainInputs()), "tampered proof");
    }

    /// @dev Valid curve points in the wrong places: the pairing runs and the equation fails.
    function test_SwappedPointsFail() public view {
        bytes memory proof = ZkVectors.PROOF_PLAIN;
        bytes memory swapped = bytes.concat(_slice(proof, 384, 128), _slice(proof, 128, 256), _slice(proof, 0, 128));
        assertTrue(!verifier.verifyProof(swapped, ZkVectors.plainInputs()), "A and C swapped");
        bytes memory other = ZkVectors.SAMPLE_PROOF;
        assertTrue(!verifier.verifyProof(other, ZkVectors.plainInputs()), "another statement's proof");
    }

    function test_PointAtInfinityFails() public view {
        bytes memory proof = ZkVectors.PROOF_PLAIN;
        for (uint256 i = 0; i < 128; ++i) {
            proof[i] = 0;
        }
        assertTrue(!verifier.verifyProof(proof, ZkVectors.plainInputs()), "A at infinity");
    }

    /// @dev A coordinate at p or above (a non-canonical encoding) is refused by the precompile: false.
    function test_CoordinateNotBelowPFails() public view {
        bytes memory proof = ZkVectors.PROOF_PLAIN;
        proof[16] = 0xff; // top byte of A.x's 48 bytes: the value exceeds p
        assertTrue(!verifier.verifyProof(proof, ZkVectors.plainInputs()), "x >= p");
        proof = ZkVectors.PROOF_PLAIN;
        proof[0] = 0x01; // a padding byte set
        assertTrue(!verifier.verifyProof(proof, ZkVectors.plainInputs()), "padding");
    }

    function test_InputNotBelowRReverts() public {
        uint256[] memory inputs = ZkVectors.plainInputs();
        inputs[2] = verifier.SCALAR_FIELD();
        vm.expectRevert(abi.encodeWithSelector(IGroth16Verifier.Groth16InputOutOfField.selector, 2, inputs[2]));
        verifier.verifyProof(ZkVectors.PROOF_PLAIN, inputs);
    }

    function test_WrongInputCountReverts() public {
        uint256[] memory inputs = new uint256[](3);
        vm.expectRevert(abi.encodeWithSelector(IGroth16Verifier.Groth16InputCount.selector, 3, 4));
        verifier.verifyProof(ZkVectors.PROOF_PLAIN, inputs);
    }

    function test_WrongProofLengthReverts() public {
        bytes memory proof = _slice(ZkVectors.PROOF_PLAIN, 0, 511);
        vm.expectRevert(abi.encodeWithSelector(IGroth16Verifier.Groth16ProofLength.selector, 511, 512));
        verifier.verifyProof(proof, ZkVectors.plainInputs());
    }

    /// @dev Short of gas, the verifier reverts instead of answering false for a valid proof.
    function test_ShortOfGasReverts() public {
        uint256[] memory inputs = ZkVectors.plainInputs();
        try verifier.verifyProof{gas: 150_000}(ZkVectors.PROOF_PLAIN, inputs) returns (bool) {
            revert("answered short of gas");
        } catch (bytes memory reason) {
            assertTrue(bytes4(reason) == IGroth16Verifier.Groth16InsufficientGas.selector, "InsufficientGas");
        }
    }

    function test_GivenVerificationGasIsEnough() public view {
        uint256 gas = verifier.verificationGas();
        assertTrue(verifier.verifyProof{gas: gas}(ZkVectors.PROOF_PLAIN, ZkVectors.plainInputs()), "enough gas");
    }

    function test_BadKeysRefused() public {
        vm.expectRevert(abi.encodeWithSelector(IGroth16Verifier.Groth16VerifyingKeyLength.selector, 896 + 128));
        new Groth16Verifier(_slice(ZkVectors.VK, 0, 896 + 128));
        vm.expectRevert(abi.encodeWithSelector(IGroth16Verifier.Groth16VerifyingKeyLength.selector, 1535));
        new Groth16Verifier(_slice(ZkVectors.VK, 0, 1535));
        bytes memory key = ZkVectors.VK;
        key[63] = key[63] ^ 0x01; // alpha.y changed: off the curve
        vm.expectRevert(IGroth16Verifier.Groth16InvalidVerifyingKey.selector);
        new Groth16Verifier(key);
        key = ZkVectors.VK;
        key[1535] = key[1535] ^ 0x01; // the last IC point's y
        vm.expectRevert(IGroth16Verifier.Groth16InvalidVerifyingKey.selector);
        new Groth16Verifier(key);
        key = ZkVectors.VK;
        key[128 + 256 + 16] = 0xff; // gamma.x.c0 above p
        vm.expectRevert(IGroth16Verifier.Groth16InvalidVerifyingKey.selector);
        new Groth16Verifier(key);
    }

    function _slice(bytes memory data, uint256 start, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = data[start + i];
        }
    }
}
