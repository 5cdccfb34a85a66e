// SPDX-License-Identifier: Apache-2.0
// Poseidon with two inputs (t = 3, x^5, 8 full + 57 partial rounds) over the BLS12-381 scalar field, in the
// ordering of circomlib's reference (state [0, in0, in1]; add constants, S-box, mix; output state[0]) with
// constants generated for this field by scripts/zk/poseidon_params.py. 243 multiplications.
pragma circom 2.1.9;

include "poseidon_constants.circom";

template Poseidon2() {
    signal input in[2];
    signal output out;

    var T = 3;
    var RF = 8;
    var RP = 57;
    var C[195] = POSEIDON_C();
    var M[3][3] = POSEIDON_M();
    var NSBOX = RF * T + RP;

    signal x2[NSBOX];
    signal x4[NSBOX];
    signal x5[NSBOX];

    var state[3];
    state[0] = 0;
    state[1] = in[0];
    state[2] = in[1];
    var k = 0;
    for (var r = 0; r < RF + RP; r++) {
        for (var i = 0; i < T; i++) {
            state[i] = state[i] + C[r * T + i];
        }
        var width = (r < RF / 2 || r >= RF / 2 + RP) ? T : 1;
        for (var i = 0; i < width; i++) {
            x2[k] <== state[i] * state[i];
            x4[k] <== x2[k] * x2[k];
            x5[k] <== x4[k] * state[i];
            state[i] = x5[k];
            k++;
        }
        var mixed[3];
        for (var i = 0; i < T; i++) {
            mixed[i] = 0;
            for (var j = 0; j < T; j++) {
                mixed[i] += M[i][j] * state[j];
            }
        }
        for (var i = 0; i < T; i++) {
            state[i] = mixed[i];
        }
    }
    out <== state[0];
}
