// SPDX-License-Identifier: Apache-2.0
// Small arithmetic gadgets for NovaCron's ZK circuits (written here, not copied from circomlib, so that the
// committed witness generator contains no GPL code). Textbook constructions over any prime field.
pragma circom 2.1.9;

// out[i] are the n low bits of in, and in < 2^n (fails otherwise).
template Num2Bits(n) {
    signal input in;
    signal output out[n];
    var acc = 0;
    var weight = 1;
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
        acc += out[i] * weight;
        weight += weight;
    }
    acc === in;
}

// out = 1 if in == 0 else 0.
template IsZero() {
    signal input in;
    signal output out;
    signal inv;
    inv <-- in != 0 ? 1 / in : 0;
    out <== 1 - in * inv;
    in * out === 0;
}

// out = 1 if in[0] == in[1] else 0.
template IsEqual() {
    signal input in[2];
    signal output out;
    component z = IsZero();
    z.in <== in[1] - in[0];
    out <== z.out;
}

// out = 1 if in[0] < in[1] else 0, for inputs below 2^n (range-check them separately).
template LessThan(n) {
    assert(n <= 252);
    signal input in[2];
    signal output out;
    component bits = Num2Bits(n + 1);
    bits.in <== in[0] + (1 << n) - in[1];
    out <== 1 - bits.out[n];
}
