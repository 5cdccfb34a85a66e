// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title BLS
/// @notice BLS12-381 signatures on the EIP-2537 precompiles (Prague), in the Ethereum consensus layer's "minimal
///         public key size" variant: public keys in G1, signatures in G2, messages hashed to G2 per RFC 9380
///         (suite BLS12381G2_XMD:SHA-256_SSWU_RO_). A signature made by py_ecc's `G2ProofOfPossession.Sign`,
///         milagro or blst over the same message and DST verifies here, and the reverse.
///
///         Encodings are EIP-2537's: an Fp element is 64 bytes (16 zero bytes, then 48 bytes big-endian), a G1 point
///         128 bytes (x, y), an Fp2 element 128 bytes (c0, c1 for c0 + c1*u), a G2 point 256 bytes (x.c0, x.c1, y.c0,
///         y.c1); the point at infinity is all zeros.
///
///         A precompile that fails (a point not on the curve or, for the pairing, not in the subgroup; a coordinate
///         not below p; a chain without the precompiles, where the call returns nothing) makes these functions revert
///         with `BLSPrecompileFailed`, never return a silent false. The precompiles consume all the gas given to a
///         failing call (EIP-2537), so a bad point costs its submitter most of the transaction's gas.
/// @dev Every function is internal, so the library is inlined into the contracts that use it. Memory blocks are
///      allocated with `new bytes` (zeroed) and filled in assembly; no assembly block writes outside the blocks it
///      allocated or the scratch space.
library BLS {
    /// @notice A BLS12-381 precompile (or SHA-256 / MODEXP) call failed or returned the wrong length: an input point
    ///         is invalid (not on the curve, not in the subgroup, a coordinate not below p) or the chain lacks the
    ///         EIP-2537 precompiles (it must run Prague or later).
    /// @param precompile The precompile's address.
    error BLSPrecompileFailed(address precompile);

    /// @notice An encoded point or a requested length has the wrong size.
    /// @param length The size given.
    /// @param expected The size required (the maximum, for `expandMessageXmd`'s output length).
    error BLSInvalidLength(uint256 length, uint256 expected);

    /// @notice A domain separation tag is empty or longer than 255 bytes (RFC 9380 §5.3.1).
    /// @param length The tag's length.
    error BLSInvalidDst(uint256 length);

    /// @notice DST of checkpoint signatures: the Ethereum consensus ciphersuite (proof-of-possession scheme).
    bytes internal constant DST_SIG = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// @notice DST of proofs of possession (a signature over a registration message, refuses rogue keys).
    bytes internal constant DST_POP = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /// @notice Length of an encoded G1 point.
    uint256 internal constant G1_LENGTH = 128;

    /// @notice Length of an encoded G2 point.
    uint256 internal constant G2_LENGTH = 256;

    address internal constant SHA256 = address(0x02);
    address internal constant MODEXP = address(0x05);
    address internal constant G1ADD = address(0x0b);
    address internal constant G1MSM = address(0x0c);
    address internal constant G2ADD = address(0x0d);
    address internal constant G2MSM = address(0x0e);
    address internal constant PAIRING_CHECK = address(0x0f);
    address internal constant MAP_FP2_TO_G2 = address(0x11);

    /// @dev The base field modulus p as the two words of its 64-byte encoding.
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// @dev The negated G1 generator (x, p - y), as the four words of its encoding.
    uint256 private constant NEG_G1_X_HI = 0x17f1d3a73197d7942695638c4fa9ac0f;
    uint256 private constant NEG_G1_X_LO = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    uint256 private constant NEG_G1_Y_HI = 0x114d1d6855d545a8aa7d76c8cf2e21f2;
    uint256 private constant NEG_G1_Y_LO = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    // -- hash to curve (RFC 9380) --------------------------------------------------------------------------------

    /// @notice RFC 9380 §5.3.1 expand_message_xmd with SHA-256: `length` uniformly random bytes from `message`.
    /// @param message The message.
    /// @param dst The domain separation tag (1 to 255 bytes).
    /// @param length How many bytes to produce (1 to 8,160).
    /// @return uniform The bytes.
    function expandMessageXmd(
        bytes memory message,
        bytes memory dst,
        uint256 length
    ) internal view returns (bytes memory uniform) {
        uint256 dstLength = dst.length;
        if (dstLength == 0 || dstLength > 255) revert BLSInvalidDst(dstLength);
        if (length == 0 || length > 255 * 32) revert BLSInvalidLength(length, 255 * 32);
        uint256 ell = (length + 31) / 32;
        // ceil(length / 32) blocks of 32 bytes: RFC 9380's ell, rounding up on purpose
        // slither-disable-next-line divide-before-multiply
        uniform = new bytes(ell * 32);
        // msg_prime = Z_pad (64 zero bytes) || msg || I2OSP(length, 2) || I2OSP(0, 1) || DST || I2OSP(len(DST), 1)
        bytes memory prime = new bytes(64 + message.length + 3 + dstLength + 1);
        // b_i input = (b_0 xor b_(i-1)) || I2OSP(i, 1) || DST || I2OSP(len(DST), 1)
        bytes memory block_ = new bytes(32 + 1 + dstLength + 1);
        bool ok;
        assembly ("memory-safe") {
            let messageLength := mload(message)
            let p := add(prime, 0x20)
            mcopy(add(p, 64), add(message, 0x20), messageLength)
            let q := add(add(p, 64), messageLength)
            mstore8(q, shr(8, length))
            mstore8(add(q, 1), and(length, 0xff))
            // q + 2 stays zero: I2OSP(0, 1)
            mcopy(add(q, 3), add(dst, 0x20), dstLength)
            mstore8(add(add(q, 3), dstLength), dstLength)
            ok := staticcall(gas(), 0x02, p, mload(prime), 0x00, 0x20)
            let b0 := mload(0x00)

            let r := add(block_, 0x20)
            mcopy(add(r, 33), add(dst, 0x20), dstLength)
            mstore8(add(add(r, 33), dstLength), dstLength)
            let previous := 0
            let out := add(uniform, 0x20)
            for { let i := 1 } iszero(gt(i, ell)) { i := add(i, 1) } {
                // b_1 hashes b_0 itself: b_0 xor 0
                mstore(r, xor(b0, previous))
                mstore8(add(r, 32), i)
                ok := and(ok, staticcall(gas(), 0x02, r, mload(block_), out, 0x20))
                previous := mload(out)
                out := add(out, 0x20)
            }
            // drop the bytes past `length` (the block stays allocated)
            mstore(uniform, length)
        }
        if (!ok) revert BLSPrecompileFailed(SHA256);
    }

    /// @notice RFC 9380 §5.2 hash_to_field for Fp2 with count 2: four 64-byte chunks of expand_message_xmd output,
    ///         each reduced mod p with the MODEXP precompile (exponent 1).
    /// @param message The message.
    /// @param dst The domain separation tag.
    /// @return u 256 bytes: u0 (c0, c1) then u1 (c0, c1), each coordinate an EIP-2537 Fp encoding.
    function hashToFieldFp2(bytes memory message, bytes memory dst) internal view returns (bytes memory u) {
        bytes memory uniform = expandMessageXmd(message, dst, 256);
        u = new bytes(256);
        // MODEXP input: Bsize (64) || Esize (1) || Msize (64) || base (64 bytes) || exponent (0x01) || p (64 bytes)
        bytes memory input = new bytes(225);
        bool ok = true;
        assembly ("memory-safe") {
            let b := add(input, 0x20)
            mstore(b, 64)
            mstore(add(b, 0x20), 1)
            mstore(add(b, 0x40), 64)
            mstore8(add(b, 160), 1)
            mstore(add(b, 161), P_HI)
            mstore(add(b, 193), P_LO)
            let src := add(uniform, 0x20)
            let dst_ := add(u, 0x20)
            for { let i := 0 } lt(i, 4) { i := add(i, 1) } {
                mcopy(add(b, 96), add(src, mul(i, 64)), 64)
                ok := and(ok, staticcall(gas(), 0x05, b, 225, add(dst_, mul(i, 64)), 64))
                ok := and(ok, eq(returndatasize(), 64))
            }
        }
        if (!ok) revert BLSPrecompileFailed(MODEXP);
    }

    /// @notice RFC 9380 hash_to_curve to G2: hash_to_field, MAP_FP2_TO_G2 on both field elements (the precompile maps
    ///         and clears the cofactor), then G2ADD.
    /// @param message The message.
    /// @param dst The domain separation tag.
    /// @return h The point, 256 bytes.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bytes memory h) {
        bytes memory u = hashToFieldFp2(message, dst);
        bytes memory points = new bytes(512);
        h = new bytes(G2_LENGTH);
        bool ok;
        assembly ("memory-safe") {
            let src := add(u, 0x20)
            let pts := add(points, 0x20)
            ok := staticcall(gas(), 0x11, src, 128, pts, 256)
            ok := and(ok, eq(returndatasize(), 256))
            ok := and(ok, staticcall(gas(), 0x11, add(src, 128), 128, add(pts, 256), 256))
            ok := and(ok, eq(returndatasize(), 256))
        }
        if (!ok) revert BLSPrecompileFailed(MAP_FP2_TO_G2);
        _call(G2ADD, points, h);
    }

    // -- group operations ----------------------------------------------------------------------------------------

    /// @notice `a + b` in G1 (no subgroup check: G1ADD only checks that both points are on the curve).
    /// @param a A G1 point, 128 bytes.
    /// @param b A G1 point, 128 bytes.
    /// @return sum The sum, 128 bytes.
    function g1Add(bytes memory a, bytes memory b) internal view returns (bytes memory sum) {
        _requireLength(a, G1_LENGTH);
        _requireLength(b, G1_LENGTH);
        bytes memory input = new bytes(256);
        assembly ("memory-safe") {
            mcopy(add(input, 0x20), add(a, 0x20), 128)
            mcopy(add(input, 0xa0), add(b, 0x20), 128)
        }
        sum = new bytes(G1_LENGTH);
        _call(G1ADD, input, sum);
    }

    /// @notice `-a` in G1: (x, p - y); the point at infinity is its own negation.
    /// @param a A G1 point, 128 bytes, with y below p.
    /// @return negated The negated point, 128 bytes.
    function g1Negate(bytes memory a) internal pure returns (bytes memory negated) {
        _requireLength(a, G1_LENGTH);
        negated = new bytes(G1_LENGTH);
        assembly ("memory-safe") {
            let src := add(a, 0x20)
            let dst := add(negated, 0x20)
            mcopy(dst, src, 64)
            let yHi := mload(add(src, 64))
            let yLo := mload(add(src, 96))
            if or(yHi, yLo) {
                // y < p, so p - y is positive: subtract the low words, then the high words with the borrow
                mstore(add(dst, 64), sub(sub(P_HI, yHi), gt(yLo, P_LO)))
                mstore(add(dst, 96), sub(P_LO, yLo))
            }
        }
    }

    /// @notice `a + b` in G2 (no subgroup check).
    /// @param a A G2 point, 256 bytes.
    /// @param b A G2 point, 256 bytes.
    /// @return sum The sum, 256 bytes.
    function g2Add(bytes memory a, bytes memory b) internal view returns (bytes memory sum) {
        _requireLength(a, G2_LENGTH);
        _requireLength(b, G2_LENGTH);
        bytes memory input = new bytes(512);
        assembly ("memory-safe") {
            mcopy(add(input, 0x20), add(a, 0x20), 256)
            mcopy(add(input, 0x120), add(b, 0x20), 256)
        }
        sum = new bytes(G2_LENGTH);
        _call(G2ADD, input, sum);
    }

    /// @notice Whether an encoded point (G1 or G2) is the point at infinity (all zeros).
    /// @param point The encoding.
    /// @return True for all zeros.
    function isInfinity(bytes memory point) internal pure returns (bool) {
        bool nonZero;
        assembly ("memory-safe") {
            let p := add(point, 0x20)
            let end := add(p, mload(point))
            for {} lt(p, end) { p := add(p, 0x20) } {
                nonZero := or(nonZero, iszero(iszero(mload(p))))
            }
        }
        return !nonZero;
    }

    // -- verification --------------------------------------------------------------------------------------------

    /// @notice Whether `signature` is a BLS signature by `pubkey` over the 32-byte `message` with `dst`: one
    ///         PAIRING_CHECK of e(pubkey, H(message)) * e(-G1, signature) == 1. The key may be an aggregate of several
    ///         keys, the signature the aggregate of their signatures over the same message. Returns false for the
    ///         point at infinity as key (RFC KeyValidate); reverts with `BLSPrecompileFailed` for a key or signature
    ///         that is not a point of the subgroup.
    /// @param pubkey The G1 public key, 128 bytes.
    /// @param message The message (a digest).
    /// @param signature The G2 signature, 256 bytes.
    /// @param dst The domain separation tag the signer hashed with.
    /// @return True when the signature is valid.
    function verify(
        bytes memory pubkey,
        bytes32 message,
        bytes memory signature,
        bytes memory dst
    ) internal view returns (bool) {
        _requireLength(pubkey, G1_LENGTH);
        _requireLength(signature, G2_LENGTH);
        if (isInfinity(pubkey)) return false;
        bytes memory h = hashToG2(abi.encodePacked(message), dst);
        bytes memory input = new bytes(768);
        assembly ("memory-safe") {
            let p := add(input, 0x20)
            mcopy(p, add(pubkey, 0x20), 128)
            mcopy(add(p, 128), add(h, 0x20), 256)
            mstore(add(p, 384), NEG_G1_X_HI)
            mstore(add(p, 416), NEG_G1_X_LO)
            mstore(add(p, 448), NEG_G1_Y_HI)
            mstore(add(p, 480), NEG_G1_Y_LO)
            mcopy(add(p, 512), add(signature, 0x20), 256)
        }
        bytes memory result = new bytes(32);
        _call(PAIRING_CHECK, input, result);
        // `result` is exactly 32 bytes (checked by _call): 1 when the pairing product is one, else 0
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(bytes32(result)) == 1;
    }

    // -- private -------------------------------------------------------------------------------------------------

    /// @dev Static-calls `precompile` with all of `input`, writing exactly `output.length` bytes into `output`;
    ///      reverts unless the call succeeded and returned that many bytes.
    function _call(address precompile, bytes memory input, bytes memory output) private view {
        bool ok;
        assembly ("memory-safe") {
            let outLength := mload(output)
            ok := staticcall(gas(), precompile, add(input, 0x20), mload(input), add(output, 0x20), outLength)
            ok := and(ok, eq(returndatasize(), outLength))
        }
        if (!ok) revert BLSPrecompileFailed(precompile);
    }

    function _requireLength(bytes memory data, uint256 expected) private pure {
        if (data.length != expected) revert BLSInvalidLength(data.length, expected);
    }
}
