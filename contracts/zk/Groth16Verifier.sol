// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGroth16Verifier} from "./IGroth16Verifier.sol";

/// @title Groth16Verifier
/// @notice NovaCron's Groth16 verifier for BLS12-381 (written for this project, not generated from a template):
///         the verifying key is given to the constructor, validated there (every point must pass the MSM
///         precompiles' curve and subgroup checks) and kept as the code of a small data contract, read back with
///         one EXTCODECOPY per part. See {IGroth16Verifier} for the encodings.
///
///         The key is stored with beta, gamma and delta negated, so that a proof is checked as the single product
///         e(A, B) * e(alpha, -beta) * e(vk_x, -gamma) * e(C, -delta) == 1, with nothing to negate per call.
///
///         Gas (Prague prices): G1MSM of n points (12,000 * n * discount(n) / 1000; 38,256 for n = 4), one G1ADD
///         (375), one PAIRING_CHECK of 4 pairs (37,700 + 4 * 32,600 = 168,100), plus the contract's own work.
/// @dev Every precompile call gets exactly its price as gas: a malformed proof point makes PAIRING_CHECK fail and
///      consume that gas, never more; a call with less gas than the precompiles need reverts with
///      `Groth16InsufficientGas` instead of returning a false negative.
contract Groth16Verifier is IGroth16Verifier {
    /// @notice The BLS12-381 scalar field order r: public inputs must be below it.
    uint256 public constant SCALAR_FIELD = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    /// @notice Length of a proof: A (128) || B (256) || C (128).
    uint256 public constant PROOF_LENGTH = 512;

    /// @notice The most public inputs a key may have (the G1MSM discount table below covers up to 18 points: the
    ///         key check at construction multiplies alpha and IC[0..n]).
    uint256 public constant MAX_PUBLIC_INPUTS = 16;

    /// @dev The base field modulus p as the two words of its 64-byte encoding.
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    uint256 private constant G1_LENGTH = 128;
    uint256 private constant G2_LENGTH = 256;
    /// @dev alpha (128) + beta, gamma, delta (3 * 256): the key's fixed part, before the IC points.
    uint256 private constant FIXED_LENGTH = 896;
    uint256 private constant PAIRING_GAS = 37_700 + 4 * 32_600;
    uint256 private constant G1ADD_GAS = 375;
    /// @dev gas `verifyProof` spends besides the precompiles: EXTCODECOPY (cold account 2,600), memory, loop
    uint256 private constant OWN_GAS = 12_000;

    /// @dev The data contract whose code is 0x00 || alpha || -beta || -gamma || -delta || IC[0] .. IC[n].
    address private immutable _key;
    uint256 private immutable _inputs;
    bytes32 private immutable _keyHash;
    uint256 private immutable _msmGas;

    /// @param key The verifying key: alpha || beta || gamma || delta || IC[0] .. IC[n], EIP-2537 encodings,
    ///        1 <= n <= 16.
    constructor(bytes memory key) {
        uint256 length = key.length;
        if (length < FIXED_LENGTH + 2 * G1_LENGTH || (length - FIXED_LENGTH) % G1_LENGTH != 0) {
            revert Groth16VerifyingKeyLength(length);
        }
        uint256 n = (length - FIXED_LENGTH) / G1_LENGTH - 1;
        if (n > MAX_PUBLIC_INPUTS) revert Groth16VerifyingKeyLength(length);
        bytes memory stored = bytes.concat(key); // a copy: the caller's key stays as given
        _negateG2s(stored);
        _validate(stored, n);
        _key = _store(stored);
        _inputs = n;
        _keyHash = keccak256(key);
        _msmGas = _g1MsmGas(n);
    }

    // -- reads -------------------------------------------------------------------------------------------------

    /// @inheritdoc IGroth16Verifier
    function publicInputCount() external view returns (uint256) {
        return _inputs;
    }

    /// @inheritdoc IGroth16Verifier
    function verifyingKeyHash() external view returns (bytes32) {
        return _keyHash;
    }

    /// @inheritdoc IGroth16Verifier
    function verifyingKey() external view returns (bytes memory key) {
        address data = _key;
        uint256 length = data.code.length - 1;
        key = new bytes(length);
        assembly ("memory-safe") {
            extcodecopy(data, add(key, 0x20), 1, length)
        }
        _negateG2s(key); // negation is its own inverse
    }

    /// @inheritdoc IGroth16Verifier
    function verificationGas() public view returns (uint256) {
        return _precompileGas() + _precompileGas() / 32 + OWN_GAS + 8_000;
    }

    // -- verification ------------------------------------------------------------------------------------------

    /// @inheritdoc IGroth16Verifier
    function verifyProof(bytes calldata proof, uint256[] calldata publicInputs) external view returns (bool valid) {
        if (proof.length != PROOF_LENGTH) revert Groth16ProofLength(proof.length, PROOF_LENGTH);
        uint256 n = _inputs;
        if (publicInputs.length != n) revert Groth16InputCount(publicInputs.length, n);
        for (uint256 i = 0; i < n; ++i) {
            if (publicInputs[i] >= SCALAR_FIELD) revert Groth16InputOutOfField(i, publicInputs[i]);
        }
        // each precompile call is granted its exact price, which EIP-150 caps at 63/64 of what is left: keep a
        // 1/32 margin besides the gas the rest of this function spends
        uint256 precompiles = _precompileGas();
        uint256 needed = precompiles + precompiles / 32 + OWN_GAS;
        if (gasleft() < needed) revert Groth16InsufficientGas(needed, gasleft());
        address data = _key;
        uint256 msmGas = _msmGas;
        assembly ("memory-safe") {
            // scratch memory past the free pointer (never allocated: nothing else runs before we return):
            //   ptr + 0     pairing input, 4 pairs of 384 bytes: (A, B) (alpha, -beta) (vk_x, -gamma) (C, -delta)
            //   ptr + 1536  G1MSM input, n pairs (IC[i + 1], input i) of 160 bytes
            //   then        G1ADD input, IC[0] || MSM result
            let ptr := mload(0x40)
            calldatacopy(ptr, proof.offset, 384)
            calldatacopy(add(ptr, 1152), add(proof.offset, 384), 128)
            extcodecopy(data, add(ptr, 384), 1, 384)
            extcodecopy(data, add(ptr, 896), 385, 256)
            extcodecopy(data, add(ptr, 1280), 641, 256)
            let msm := add(ptr, 1536)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let pair := add(msm, mul(i, 160))
                extcodecopy(data, pair, add(897, mul(add(i, 1), 128)), 128)
                mstore(add(pair, 128), calldataload(add(publicInputs.offset, mul(i, 32))))
            }
            let sum := add(msm, mul(n, 160))
            extcodecopy(data, sum, 897, 128)
            // the IC points passed the subgroup checks at construction, the scalars are any 32 bytes: these two
            // calls only fail when short of gas, which the check above rules out
            let ok := staticcall(msmGas, 0x0c, msm, mul(n, 160), add(sum, 128), 128)
            ok := and(ok, eq(returndatasize(), 128))
            ok := and(ok, staticcall(G1ADD_GAS, 0x0b, sum, 256, add(ptr, 768), 128))
            ok := and(ok, eq(returndatasize(), 128))
            if ok {
                // fails (returns nothing) for a point off the curve or the subgroup, or a coordinate not below p
                ok := staticcall(PAIRING_GAS, 0x0f, ptr, 1536, 0x00, 0x20)
                valid := and(and(ok, eq(returndatasize(), 32)), eq(mload(0x00), 1))
            }
        }
    }

    // -- private -----------------------------------------------------------------------------------------------

    function _precompileGas() private view returns (uint256) {
        return _msmGas + G1ADD_GAS + PAIRING_GAS;
    }

    /// @dev G1MSM's price for `k` points (EIP-2537): k * 12,000 * discount(k) / 1000.
    function _g1MsmGas(uint256 k) private pure returns (uint256) {
        uint16[18] memory discounts =
            [1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669];
        return k * 12_000 * discounts[k - 1] / 1000;
    }

    /// @dev Negates beta, gamma and delta of a key in place: y -> p - y for both coordinates of y (an involution).
    function _negateG2s(bytes memory key) private pure {
        for (uint256 point = 0; point < 3; ++point) {
            uint256 y = G1_LENGTH + point * G2_LENGTH + 128;
            _negateFp(key, y);
            _negateFp(key, y + 64);
        }
    }

    /// @dev Replaces the Fp element at byte `offset` of `data` by p minus it (0 stays 0); reverts unless below p.
    function _negateFp(bytes memory data, uint256 offset) private pure {
        uint256 hi;
        uint256 lo;
        assembly ("memory-safe") {
            let p := add(add(data, 0x20), offset)
            hi := mload(p)
            lo := mload(add(p, 0x20))
        }
        if (hi > P_HI || (hi == P_HI && lo >= P_LO)) revert Groth16InvalidVerifyingKey();
        if (hi == 0 && lo == 0) return;
        assembly ("memory-safe") {
            let p := add(add(data, 0x20), offset)
            // y < p: subtract the low words, then the high words with the borrow
            mstore(p, sub(sub(P_HI, hi), gt(lo, P_LO)))
            mstore(add(p, 0x20), sub(P_LO, lo))
        }
    }

    /// @dev One G1MSM over alpha and IC[0..n] and one G2MSM over -beta, -gamma, -delta, each point with scalar 1:
    ///      the MSM precompiles fail unless every point is on the curve, in the prime-order subgroup and encoded with
    ///      coordinates below p (EIP-2537). Cheaper than a pairing check, on chain and on py-evm alike.
    function _validate(bytes memory key, uint256 n) private view {
        uint256 g1Count = n + 2;
        bytes memory g1s = new bytes(g1Count * 160);
        bytes memory g2s = new bytes(3 * 288);
        for (uint256 j = 0; j < g1Count; ++j) {
            uint256 from = j == 0 ? 0 : FIXED_LENGTH + (j - 1) * G1_LENGTH;
            assembly ("memory-safe") {
                let dst := add(add(g1s, 0x20), mul(j, 160))
                mcopy(dst, add(add(key, 0x20), from), 128)
                mstore(add(dst, 128), 1)
            }
        }
        for (uint256 j = 0; j < 3; ++j) {
            uint256 from = G1_LENGTH + j * G2_LENGTH;
            assembly ("memory-safe") {
                let dst := add(add(g2s, 0x20), mul(j, 288))
                mcopy(dst, add(add(key, 0x20), from), 256)
                mstore(add(dst, 256), 1)
            }
        }
        // each call gets its exact price (a bad key fails the deployment without burning the rest of its gas); the
        // sums are not needed: only their lengths are read, with RETURNDATASIZE
        uint256 g1Gas = _g1MsmGas(g1Count);
        uint256 g2Gas = 62_302; // 3 * 22,500 * 923 / 1000, rounded down as EIP-2537 does
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(g1Gas, 0x0c, add(g1s, 0x20), mload(g1s), 0, 0)
            ok := and(ok, eq(returndatasize(), 128))
            ok := and(ok, staticcall(g2Gas, 0x0e, add(g2s, 0x20), mload(g2s), 0, 0))
            ok := and(ok, eq(returndatasize(), 256))
        }
        if (!ok) revert Groth16InvalidVerifyingKey();
    }

    /// @dev Deploys a contract whose code is 0x00 || `data` (the leading STOP makes it uncallable).
    function _store(bytes memory data) private returns (address pointer) {
        // init code: PUSH2 len, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN, then the code
        bytes memory init = abi.encodePacked(hex"61", uint16(data.length + 1), hex"80600a3d393df3", hex"00", data);
        assembly ("memory-safe") {
            pointer := create(0, add(init, 0x20), mload(init))
        }
        if (pointer == address(0)) revert Groth16InvalidVerifyingKey();
    }
}
