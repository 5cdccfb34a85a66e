// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IGroth16Verifier
/// @notice A Groth16 verifier over BLS12-381 on the EIP-2537 precompiles (Prague): one verifying key, fixed at
///         construction, and `verifyProof(proof, publicInputs)`, which checks
///         e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta) with vk_x = IC[0] + sum(publicInputs[i] * IC[i + 1])
///         as one G1MSM (plus one G1ADD) and one PAIRING_CHECK of four pairs.
///
///         Encodings are EIP-2537's: an Fp element is 64 bytes (16 zero bytes, then 48 bytes big-endian), a G1 point
///         128 bytes (x, y), a G2 point 256 bytes (x.c0, x.c1, y.c0, y.c1) for coordinates c0 + c1*u; the point at
///         infinity is all zeros.
///
///         - verifying key: alpha (G1) || beta (G2) || gamma (G2) || delta (G2) || IC[0] .. IC[n] (G1), that is
///           896 + 128 * (n + 1) bytes for n public inputs (snarkjs's vk_alpha_1, vk_beta_2, vk_gamma_2,
///           vk_delta_2, IC);
///         - proof: A (G1) || B (G2) || C (G1), 512 bytes (snarkjs's pi_a, pi_b, pi_c);
///         - public inputs: n integers, each below the BLS12-381 scalar field order r.
///
///         A proof whose points are not on the curve or not in the prime-order subgroup is not a valid proof:
///         `verifyProof` returns false for it (the precompile then consumes the gas given to it, which the verifier
///         bounds to the pairing's exact price). Malformed calls (wrong lengths, inputs not below r, too little gas)
///         revert with the errors below, so that a false always means "this proof does not verify".
interface IGroth16Verifier {
    /// @notice The verifying key given to the constructor does not have the length of a key for at least one
    ///         public input (896 + 128 * (n + 1) bytes, n >= 1).
    /// @param length The length given.
    error Groth16VerifyingKeyLength(uint256 length);

    /// @notice A point of the verifying key is not a point of the BLS12-381 prime-order subgroup (or a
    ///         coordinate is not below p).
    error Groth16InvalidVerifyingKey();

    /// @notice The proof is not 512 bytes (A || B || C uncompressed, EIP-2537 encoding).
    /// @param length The length given.
    /// @param expected 512.
    error Groth16ProofLength(uint256 length, uint256 expected);

    /// @notice The number of public inputs differs from the verifying key's.
    /// @param count The number given.
    /// @param expected The key's number of public inputs.
    error Groth16InputCount(uint256 count, uint256 expected);

    /// @notice A public input is not below the scalar field order r.
    /// @param index Its position.
    /// @param value Its value.
    error Groth16InputOutOfField(uint256 index, uint256 value);

    /// @notice The call was given too little gas to run the precompiles (which would make it return false for a
    ///         valid proof). Give it at least `verificationGas()`.
    /// @param needed The gas the verification still needs.
    /// @param available The gas left.
    error Groth16InsufficientGas(uint256 needed, uint256 available);

    /// @notice Number of public inputs of the verifying key.
    /// @return n.
    function publicInputCount() external view returns (uint256);

    /// @notice keccak256 of the verifying key given to the constructor (its EIP-2537 encoding above).
    /// @return The hash.
    function verifyingKeyHash() external view returns (bytes32);

    /// @notice The verifying key, in the encoding the constructor took.
    /// @return The key.
    function verifyingKey() external view returns (bytes memory);

    /// @notice Gas to give a call of `verifyProof` (the precompiles' fixed prices plus the contract's own work,
    ///         with a margin): callers set it explicitly rather than trusting gas estimation.
    /// @return The gas.
    function verificationGas() external view returns (uint256);

    /// @notice Whether `proof` is a valid Groth16 proof for `publicInputs` under the verifying key.
    /// @param proof A (G1) || B (G2) || C (G1), 512 bytes.
    /// @param publicInputs The public inputs, in the circuit's order, each below r.
    /// @return True when the proof verifies; false otherwise (including points off the curve or subgroup).
    function verifyProof(bytes calldata proof, uint256[] calldata publicInputs) external view returns (bool);
}
