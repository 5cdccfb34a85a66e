// SPDX-License-Identifier: Apache-2.0
// "value <op> threshold" over a committed 64-bit claim.
//
// Public inputs, in this order: commitment, op, threshold, context.
//   commitment = Poseidon2(value, salt)    the issuer signed it (outside the circuit, ECDSA)
//   op         = 0 ">", 1 ">=", 2 "<", 3 "<=", 4 "=="
//   threshold  < 2^64
//   context    = keccak256(verifier, holder, nonce) mod r (binds the proof to one verifier, holder and nonce)
// Private inputs: value < 2^64, salt (random field element).
pragma circom 2.1.9;

include "gadgets.circom";
include "poseidon.circom";

template CompareCommitted(n) {
    signal input commitment;
    signal input op;
    signal input threshold;
    signal input context;
    signal input value;
    signal input salt;

    component hash = Poseidon2();
    hash.in[0] <== value;
    hash.in[1] <== salt;
    hash.out === commitment;

    component valueBits = Num2Bits(n);
    valueBits.in <== value;
    component thresholdBits = Num2Bits(n);
    thresholdBits.in <== threshold;

    component lt = LessThan(n);
    lt.in[0] <== value;
    lt.in[1] <== threshold;
    component eq = IsEqual();
    eq.in[0] <== value;
    eq.in[1] <== threshold;

    signal result[5];
    result[0] <== 1 - lt.out - eq.out;
    result[1] <== 1 - lt.out;
    result[2] <== lt.out;
    result[3] <== lt.out + eq.out;
    result[4] <== eq.out;

    component isOp[5];
    signal picked[5];
    var chosen = 0;
    var holds = 0;
    for (var i = 0; i < 5; i++) {
        isOp[i] = IsEqual();
        isOp[i].in[0] <== op;
        isOp[i].in[1] <== i;
        picked[i] <== isOp[i].out * result[i];
        chosen += isOp[i].out;
        holds += picked[i];
    }
    chosen === 1;   // op is one of 0..4
    holds === 1;    // the predicate holds

    signal contextSquare;
    contextSquare <== context * context;
}

component main {public [commitment, op, threshold, context]} = CompareCommitted(64);
