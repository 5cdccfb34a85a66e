// SPDX-License-Identifier: Apache-2.0
// "value in {set[0], ..., set[7]}" over a committed 64-bit claim (pad a smaller set by repeating a member).
//
// Public inputs, in this order: commitment, set[0..7], context (see compare.circom for commitment and context).
// Private inputs: value < 2^64, salt.
pragma circom 2.1.9;

include "gadgets.circom";
include "poseidon.circom";

template MemberCommitted(n, k) {
    signal input commitment;
    signal input set[k];
    signal input context;
    signal input value;
    signal input salt;

    component hash = Poseidon2();
    hash.in[0] <== value;
    hash.in[1] <== salt;
    hash.out === commitment;

    component valueBits = Num2Bits(n);
    valueBits.in <== value;

    signal product[k];
    product[0] <== value - set[0];
    for (var i = 1; i < k; i++) {
        product[i] <== product[i - 1] * (value - set[i]);
    }
    product[k - 1] === 0;   // value is one of the members

    signal contextSquare;
    contextSquare <== context * context;
}

component main {public [commitment, set, context]} = MemberCommitted(64, 8);
