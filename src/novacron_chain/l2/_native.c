/* The L2's compiled hot paths (module novacron_chain.l2._native; optional: without a C compiler the install goes on
 * and the Python code runs the same steps, see _tree.py and _pool.py):
 *
 * - keccak256 (Ethereum's: the original Keccak padding 0x01 .. 0x80, not SHA3-256's 0x06);
 * - commit_levels: the level-by-level rehash of a binary Merkle tree's dirty paths (l2/_tree.py). A sequencer
 *   segment rehashes ~10-15 nodes per account it touches; through safe-pysha3 each node costs a hash object, a
 *   concatenation and a digest copy around the permutation (~1 us per node here, half of it outside the
 *   permutation); here no Python object is made but the new nodes;
 * - account_leaves: the state's account leaves (l2/_state.py L2State._hash_leaves), ~320 bytes each from a nonce and
 *   eight balances, without a bytes object per word;
 * - apply_transfers: the sequencer's per-transaction loop (l2/_sequencer.py _apply_entry) for its common case,
 *   valid plain transfers between existing accounts, on the state's own lists; anything else it leaves to Python;
 * - recover_wire: a recovery worker's loop (l2/_pool.py digest_and_recover): each wire transaction's EIP-712
 *   digest and recovered signer, calling libsecp256k1 through the function pointers of coincurve's own build (the
 *   same library and calls as the Python path), ~4 us of Python per transaction less.
 *
 * The permutation is written from the Keccak reference (FIPS 202 section 3.2, the Keccak team's "readable and
 * compact" description); Apache-2.0 like the rest of the project. Lanes are loaded little-endian byte by byte, so it
 * is correct on any host; gcc turns the loads into single moves on x86-64. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 136 /* keccak256: 1600 - 2 * 256 bits */

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROL(x, n) (((x) << (n)) | ((x) >> ((64 - (n)) & 63)))

/* theta, rho and pi, chi, iota on lanes A[x + 5y], unrolled by the preprocessor. On x86-64 with glibc, gcc also builds
 * an x86-64-v3 copy (BMI's and-not for chi), chosen at load time where the CPU has it: ~15% faster per permutation
 * here (0.37 -> 0.31 us; safe-pysha3's lane-complemented code 0.28). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) /* ifunc */
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static void keccak_f1600(uint64_t A[25]) {
    uint64_t C0, C1, C2, C3, C4, D0, D1, D2, D3, D4;
    uint64_t B[25];
    _Pragma("GCC unroll 2") /* measured: 2 beats 1, 4 and 24 here */
    for (int round = 0; round < 24; round++) {
        C0 = A[0] ^ A[5] ^ A[10] ^ A[15] ^ A[20];
        C1 = A[1] ^ A[6] ^ A[11] ^ A[16] ^ A[21];
        C2 = A[2] ^ A[7] ^ A[12] ^ A[17] ^ A[22];
        C3 = A[3] ^ A[8] ^ A[13] ^ A[18] ^ A[23];
        C4 = A[4] ^ A[9] ^ A[14] ^ A[19] ^ A[24];
        D0 = C4 ^ ROL(C1, 1);
        D1 = C0 ^ ROL(C2, 1);
        D2 = C1 ^ ROL(C3, 1);
        D3 = C2 ^ ROL(C4, 1);
        D4 = C3 ^ ROL(C0, 1);
        /* B[y + 5 * ((2x + 3y) mod 5)] = ROL(A[x + 5y] ^ D[x], r[x][y]) */
        B[0] = A[0] ^ D0;
        B[10] = ROL(A[1] ^ D1, 1);
        B[20] = ROL(A[2] ^ D2, 62);
        B[5] = ROL(A[3] ^ D3, 28);
        B[15] = ROL(A[4] ^ D4, 27);
        B[16] = ROL(A[5] ^ D0, 36);
        B[1] = ROL(A[6] ^ D1, 44);
        B[11] = ROL(A[7] ^ D2, 6);
        B[21] = ROL(A[8] ^ D3, 55);
        B[6] = ROL(A[9] ^ D4, 20);
        B[7] = ROL(A[10] ^ D0, 3);
        B[17] = ROL(A[11] ^ D1, 10);
        B[2] = ROL(A[12] ^ D2, 43);
        B[12] = ROL(A[13] ^ D3, 25);
        B[22] = ROL(A[14] ^ D4, 39);
        B[23] = ROL(A[15] ^ D0, 41);
        B[8] = ROL(A[16] ^ D1, 45);
        B[18] = ROL(A[17] ^ D2, 15);
        B[3] = ROL(A[18] ^ D3, 21);
        B[13] = ROL(A[19] ^ D4, 8);
        B[14] = ROL(A[20] ^ D0, 18);
        B[24] = ROL(A[21] ^ D1, 2);
        B[9] = ROL(A[22] ^ D2, 61);
        B[19] = ROL(A[23] ^ D3, 56);
        B[4] = ROL(A[24] ^ D4, 14);
        _Pragma("GCC unroll 5") for (int y = 0; y < 25; y += 5) {
            uint64_t b0 = B[y], b1 = B[y + 1], b2 = B[y + 2], b3 = B[y + 3], b4 = B[y + 4];
            A[y] = b0 ^ (~b1 & b2);
            A[y + 1] = b1 ^ (~b2 & b3);
            A[y + 2] = b2 ^ (~b3 & b4);
            A[y + 3] = b3 ^ (~b4 & b0);
            A[y + 4] = b4 ^ (~b0 & b1);
        }
        A[0] ^= RC[round];
    }
}

static inline uint64_t load64(const unsigned char *p) {
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) | ((uint64_t)p[3] << 24) |
           ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) | ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

static inline void store64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void keccak256(const unsigned char *in, size_t len, unsigned char out[32]) {
    uint64_t A[25];
    unsigned char last[RATE];
    memset(A, 0, sizeof A);
    while (len >= RATE) {
        for (int i = 0; i < RATE / 8; i++) A[i] ^= load64(in + 8 * i);
        keccak_f1600(A);
        in += RATE;
        len -= RATE;
    }
    memset(last, 0, RATE);
    memcpy(last, in, len);
    last[len] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    for (int i = 0; i < RATE / 8; i++) A[i] ^= load64(last + 8 * i);
    keccak_f1600(A);
    for (int i = 0; i < 4; i++) store64(out + 8 * i, A[i]);
}

/* one 64-byte node: two 32-byte children, a single block */
static void keccak256_pair(const unsigned char *left, const unsigned char *right, unsigned char out[32]) {
    uint64_t A[25];
    memset(A, 0, sizeof A);
    for (int i = 0; i < 4; i++) {
        A[i] = load64(left + 8 * i);
        A[i + 4] = load64(right + 8 * i);
    }
    A[8] = 0x01;
    A[16] = 0x8000000000000000ULL;
    keccak_f1600(A);
    for (int i = 0; i < 4; i++) store64(out + 8 * i, A[i]);
}

/* Four hashes at once: the same permutation on four states, one per 64-bit lane of 25 vector registers (the
 * multi-buffer layout of XKCP's KeccakP-1600-times4). A tree level's nodes are independent, and so are the account
 * leaves of a segment, so the state's commit hashes them four by four where the CPU can (checked at import). One
 * round body, two instruction sets: AVX2 (a rotation is two shifts and an or), and AVX-512VL on the same 256-bit
 * registers (one-instruction rotations, and three-input logic for theta's five-way xor and chi). */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_TIMES4 1

/* the round body, on the operations XOR, XOR5, ROL and CHI (a ^ (~b & c)) defined before each use */
#define KECCAK_TIMES4_ROUNDS                                                                                           \
    __m256i C0, C1, C2, C3, C4, D0, D1, D2, D3, D4;                                                                    \
    __m256i B[25];                                                                                                     \
    for (int round = 0; round < 24; round++) {                                                                         \
        C0 = XOR5(A[0], A[5], A[10], A[15], A[20]);                                                                    \
        C1 = XOR5(A[1], A[6], A[11], A[16], A[21]);                                                                    \
        C2 = XOR5(A[2], A[7], A[12], A[17], A[22]);                                                                    \
        C3 = XOR5(A[3], A[8], A[13], A[18], A[23]);                                                                    \
        C4 = XOR5(A[4], A[9], A[14], A[19], A[24]);                                                                    \
        D0 = XOR(C4, ROL(C1, 1));                                                                                      \
        D1 = XOR(C0, ROL(C2, 1));                                                                                      \
        D2 = XOR(C1, ROL(C3, 1));                                                                                      \
        D3 = XOR(C2, ROL(C4, 1));                                                                                      \
        D4 = XOR(C3, ROL(C0, 1));                                                                                      \
        B[0] = XOR(A[0], D0);                                                                                          \
        B[10] = ROL(XOR(A[1], D1), 1);                                                                                 \
        B[20] = ROL(XOR(A[2], D2), 62);                                                                                \
        B[5] = ROL(XOR(A[3], D3), 28);                                                                                 \
        B[15] = ROL(XOR(A[4], D4), 27);                                                                                \
        B[16] = ROL(XOR(A[5], D0), 36);                                                                                \
        B[1] = ROL(XOR(A[6], D1), 44);                                                                                 \
        B[11] = ROL(XOR(A[7], D2), 6);                                                                                 \
        B[21] = ROL(XOR(A[8], D3), 55);                                                                                \
        B[6] = ROL(XOR(A[9], D4), 20);                                                                                 \
        B[7] = ROL(XOR(A[10], D0), 3);                                                                                 \
        B[17] = ROL(XOR(A[11], D1), 10);                                                                               \
        B[2] = ROL(XOR(A[12], D2), 43);                                                                                \
        B[12] = ROL(XOR(A[13], D3), 25);                                                                               \
        B[22] = ROL(XOR(A[14], D4), 39);                                                                               \
        B[23] = ROL(XOR(A[15], D0), 41);                                                                               \
        B[8] = ROL(XOR(A[16], D1), 45);                                                                                \
        B[18] = ROL(XOR(A[17], D2), 15);                                                                               \
        B[3] = ROL(XOR(A[18], D3), 21);                                                                                \
        B[13] = ROL(XOR(A[19], D4), 8);                                                                                \
        B[14] = ROL(XOR(A[20], D0), 18);                                                                               \
        B[24] = ROL(XOR(A[21], D1), 2);                                                                                \
        B[9] = ROL(XOR(A[22], D2), 61);                                                                                \
        B[19] = ROL(XOR(A[23], D3), 56);                                                                               \
        B[4] = ROL(XOR(A[24], D4), 14);                                                                                \
        for (int y = 0; y < 25; y += 5) {                                                                              \
            __m256i b0 = B[y], b1 = B[y + 1], b2 = B[y + 2], b3 = B[y + 3], b4 = B[y + 4];                             \
            A[y] = CHI(b0, b1, b2);                                                                                    \
            A[y + 1] = CHI(b1, b2, b3);                                                                                \
            A[y + 2] = CHI(b2, b3, b4);                                                                                \
            A[y + 3] = CHI(b3, b4, b0);                                                                                \
            A[y + 4] = CHI(b4, b0, b1);                                                                                \
        }                                                                                                              \
        A[0] = XOR(A[0], _mm256_set1_epi64x((long long)RC[round]));                                                    \
    }

#undef ROL /* the scalar one, above */
#define XOR(a, b) _mm256_xor_si256((a), (b))
#define XOR5(a, b, c, d, e) XOR(XOR(XOR(a, b), XOR(c, d)), e)
#define ROL(x, n) _mm256_or_si256(_mm256_slli_epi64((x), (n)), _mm256_srli_epi64((x), 64 - (n)))
#define CHI(a, b, c) XOR((a), _mm256_andnot_si256((b), (c)))
__attribute__((target("avx2"))) static void keccak_f1600_times4_avx2(__m256i A[25]) { KECCAK_TIMES4_ROUNDS }
#undef XOR5
#undef ROL
#undef CHI

#define XOR5(a, b, c, d, e) _mm256_ternarylogic_epi64(_mm256_ternarylogic_epi64((a), (b), (c), 0x96), (d), (e), 0x96)
#define ROL(x, n) _mm256_rol_epi64((x), (n))
#define CHI(a, b, c) _mm256_ternarylogic_epi64((a), (b), (c), 0xD2) /* a ^ (~b & c) */
__attribute__((target("avx2,avx512f,avx512vl"))) static void keccak_f1600_times4_avx512(__m256i A[25]) {
    KECCAK_TIMES4_ROUNDS
}
#undef XOR
#undef XOR5
#undef ROL
#undef CHI

static void (*times4)(__m256i A[25]) = NULL; /* set at import: the best the CPU has, or none */

/* out[j] = keccak256(in[j][0 .. len)) for j < 4: four messages of one length */
__attribute__((target("avx2"))) static void keccak256_times4(const unsigned char *const in[4], size_t len,
                                                               unsigned char out[4][32]) {
    __m256i A[25];
    uint64_t lane[4];
    unsigned char last[4][RATE];
    size_t at = 0;
    for (int i = 0; i < 25; i++) A[i] = _mm256_setzero_si256();
    for (; len - at >= RATE; at += RATE) {
        for (int i = 0; i < RATE / 8; i++)
            A[i] = _mm256_xor_si256(A[i], _mm256_set_epi64x((long long)load64(in[3] + at + 8 * i),
                                                            (long long)load64(in[2] + at + 8 * i),
                                                            (long long)load64(in[1] + at + 8 * i),
                                                            (long long)load64(in[0] + at + 8 * i)));
        times4(A);
    }
    for (int j = 0; j < 4; j++) {
        memset(last[j], 0, RATE);
        memcpy(last[j], in[j] + at, len - at);
        last[j][len - at] ^= 0x01;
        last[j][RATE - 1] ^= 0x80;
    }
    for (int i = 0; i < RATE / 8; i++)
        A[i] = _mm256_xor_si256(A[i], _mm256_set_epi64x((long long)load64(last[3] + 8 * i),
                                                        (long long)load64(last[2] + 8 * i),
                                                        (long long)load64(last[1] + 8 * i),
                                                        (long long)load64(last[0] + 8 * i)));
    times4(A);
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_si256((__m256i *)lane, A[i]);
        for (int j = 0; j < 4; j++) store64(out[j] + 8 * i, lane[j]);
    }
}

/* out[j] = keccak256(left[j] || right[j]) for j < 4 */
static void keccak256_pair_times4(const unsigned char *const left[4], const unsigned char *const right[4],
                                  unsigned char out[4][32]) {
    unsigned char node[4][64];
    const unsigned char *in[4];
    for (int j = 0; j < 4; j++) {
        memcpy(node[j], left[j], 32);
        memcpy(node[j] + 32, right[j], 32);
        in[j] = node[j];
    }
    keccak256_times4(in, 64, out);
}
#endif

static int use_times4 = 0; /* set at import: HAVE_TIMES4 and the CPU has AVX2 or AVX-512VL */

#define RELEASE_GIL_FROM 16384 /* bytes: a proposal's signed transaction is hashed while other threads run */

static PyObject *py_keccak256(PyObject *Py_UNUSED(self), PyObject *arg) {
    Py_buffer view;
    unsigned char out[32];
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    if (view.len >= RELEASE_GIL_FROM) {
        Py_BEGIN_ALLOW_THREADS keccak256((const unsigned char *)view.buf, (size_t)view.len, out);
        Py_END_ALLOW_THREADS
    } else {
        keccak256((const unsigned char *)view.buf, (size_t)view.len, out);
    }
    PyBuffer_Release(&view);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

static int cmp_index(const void *a, const void *b) {
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
}

static int node_bytes(PyObject *node, const unsigned char **out) {
    if (!PyBytes_Check(node) || PyBytes_GET_SIZE(node) != 32) {
        PyErr_SetString(PyExc_TypeError, "a tree node is not 32 bytes");
        return -1;
    }
    *out = (const unsigned char *)PyBytes_AS_STRING(node);
    return 0;
}

/* [node, keccak(node || zeros[0]), keccak(that || zeros[1]), ...] from node = levels[cap][0]: the path from the
 * filled part of the tree (capacity 2**cap leaves) up to the root, whose other children are empty subtrees */
static PyObject *chain_up(PyObject *levels, Py_ssize_t cap, PyObject *zeros) {
    PyObject *top = PyList_GET_ITEM(levels, cap), *chain, *node;
    const unsigned char *at;
    unsigned char cur[32];
    if (!PyList_Check(top) || PyList_GET_SIZE(top) < 1) {
        PyErr_SetString(PyExc_TypeError, "a tree level is not a list of its own");
        return NULL;
    }
    node = PyList_GET_ITEM(top, 0);
    if (node_bytes(node, &at) < 0) return NULL;
    chain = PyList_New(PyList_GET_SIZE(zeros) + 1);
    if (chain == NULL) return NULL;
    Py_INCREF(node);
    PyList_SET_ITEM(chain, 0, node);
    memcpy(cur, at, 32);
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(zeros); k++) {
        keccak256_pair(cur, (const unsigned char *)PyBytes_AS_STRING(PyList_GET_ITEM(zeros, k)), cur);
        node = PyBytes_FromStringAndSize((const char *)cur, 32);
        if (node == NULL) {
            Py_DECREF(chain);
            return NULL;
        }
        PyList_SET_ITEM(chain, k + 1, node);
    }
    return chain;
}

/* commit_levels(levels, dirty, cap[, zeros]): for each level 0 <= l < cap, parent[p] = keccak(child[2p] || child[2p+1])
 * for every parent p of the indices changed below it (the dirty leaves first). levels[l] is a list of 32-byte
 * bytes of length 2**(cap - l). Same result as MerkleTree.commit's Python loop. With zeros (the empty subtrees'
 * roots of levels cap, cap + 1, ...: 32-byte bytes), returns chain_up's list (MerkleTree._rebuild_chain's). */
static PyObject *py_commit_levels(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *levels, *dirty, *iter, *item, *zeros = NULL;
    Py_ssize_t cap, n = 0, size = 0;
    Py_ssize_t *idx = NULL;
    if (!PyArg_ParseTuple(args, "O!On|O!", &PyList_Type, &levels, &dirty, &cap, &PyList_Type, &zeros)) return NULL;
    if (cap < 0 || PyList_GET_SIZE(levels) < cap + 1) {
        PyErr_SetString(PyExc_ValueError, "fewer levels than the capacity needs");
        return NULL;
    }
    if (zeros != NULL) /* checked before anything changes */
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(zeros); k++) {
            const unsigned char *unused;
            if (node_bytes(PyList_GET_ITEM(zeros, k), &unused) < 0) return NULL;
        }
    iter = PyObject_GetIter(dirty);
    if (iter == NULL) return NULL;
    while ((item = PyIter_Next(iter)) != NULL) {
        Py_ssize_t v = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (v == -1 && PyErr_Occurred()) goto fail;
        if (n == size) {
            Py_ssize_t *grown;
            size = size ? 2 * size : 64;
            grown = (Py_ssize_t *)realloc(idx, (size_t)size * sizeof *idx);
            if (grown == NULL) {
                PyErr_NoMemory();
                goto fail;
            }
            idx = grown;
        }
        idx[n++] = v;
    }
    if (PyErr_Occurred()) goto fail;
    Py_CLEAR(iter);
    qsort(idx, (size_t)n, sizeof *idx, cmp_index);
    for (Py_ssize_t level = 0; level < cap; level++) {
        PyObject *child = PyList_GET_ITEM(levels, level), *parent = PyList_GET_ITEM(levels, level + 1);
        Py_ssize_t m = 0;
        if (!PyList_Check(child) || !PyList_Check(parent) || child == parent) {
            PyErr_SetString(PyExc_TypeError, "a tree level is not a list of its own");
            goto fail;
        }
        for (Py_ssize_t k = 0; k < n; k++) { /* the parents, once each, checked before anything is hashed */
            Py_ssize_t p = idx[k] >> 1;
            if (m && idx[m - 1] == p) continue; /* sorted: the sibling's parent is listed */
            if (idx[k] < 0 || 2 * p + 1 >= PyList_GET_SIZE(child) || p >= PyList_GET_SIZE(parent)) {
                PyErr_SetString(PyExc_IndexError, "a dirty index is outside the tree's capacity");
                goto fail;
            }
            for (int side = 0; side < 2; side++) {
                const unsigned char *unused;
                if (node_bytes(PyList_GET_ITEM(child, 2 * p + side), &unused) < 0) goto fail;
            }
            idx[m++] = p;
        }
        n = m;
        for (Py_ssize_t k = 0; k < n;) { /* four at a time where the CPU can, else one */
            const unsigned char *left[4], *right[4];
            unsigned char out[4][32];
            int w = 1;
#ifdef HAVE_TIMES4
            if (use_times4 && k + 4 <= n) w = 4;
#endif
            for (int j = 0; j < w; j++) {
                left[j] = (const unsigned char *)PyBytes_AS_STRING(PyList_GET_ITEM(child, 2 * idx[k + j]));
                right[j] = (const unsigned char *)PyBytes_AS_STRING(PyList_GET_ITEM(child, 2 * idx[k + j] + 1));
            }
#ifdef HAVE_TIMES4
            if (w == 4)
                keccak256_pair_times4(left, right, out);
            else
#endif
                keccak256_pair(left[0], right[0], out[0]);
            for (int j = 0; j < w; j++) {
                PyObject *node = PyBytes_FromStringAndSize((const char *)out[j], 32);
                if (node == NULL) goto fail;
                PyList_SetItem(parent, idx[k + j], node); /* steals node, releases the old one */
            }
            k += w;
        }
    }
    free(idx);
    if (zeros == NULL) Py_RETURN_NONE;
    return chain_up(levels, cap, zeros);
fail:
    Py_XDECREF(iter);
    free(idx);
    return NULL;
}

/* ---- account_leaves ---------------------------------------------------------------------------------------- */

/* a non-negative int below 2**256 as a big-endian word; -1 with an exception otherwise */
static int int_word(PyObject *v, unsigned char out[32]) {
    int overflow = 0;
    long long small;
    if (!PyLong_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "an account's nonce or balance is not an int");
        return -1;
    }
    small = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (small == -1 && PyErr_Occurred()) return -1;
    if (!overflow && small >= 0) {
        memset(out, 0, 24);
        for (int i = 0; i < 8; i++) out[31 - i] = (unsigned char)((unsigned long long)small >> (8 * i));
        return 0;
    }
    if (overflow < 0 || (!overflow && small < 0)) {
        PyErr_SetString(PyExc_ValueError, "an account's nonce or balance is negative");
        return -1;
    }
#if PY_VERSION_HEX >= 0x030D0000
    {
        Py_ssize_t need = PyLong_AsNativeBytes(v, out, 32,
                                               Py_ASNATIVEBYTES_BIG_ENDIAN | Py_ASNATIVEBYTES_UNSIGNED_BUFFER |
                                                   Py_ASNATIVEBYTES_REJECT_NEGATIVE);
        if (need < 0) return -1;
        if (need > 32) {
            PyErr_SetString(PyExc_OverflowError, "an account's balance does not fit 256 bits");
            return -1;
        }
        return 0;
    }
#else
    return _PyLong_AsByteArray((PyLongObject *)v, out, 32, 0, 0);
#endif
}

/* account_leaves(indices, addresses, nonces, balances) -> [leaf]: for each index i, keccak256 of
 * 12 zero bytes || addresses[i] (20 bytes) || nonces[i] || balances[i][0..7] (uint256 words), as
 * L2State.leaf_of; the same order as indices. */
static PyObject *py_account_leaves(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *indices, *addr, *nonce, *bal, *out = NULL;
    unsigned char *bufs = NULL, leaf[4][32];
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!O!O!O!", &PyList_Type, &indices, &PyList_Type, &addr, &PyList_Type, &nonce,
                          &PyList_Type, &bal))
        return NULL;
    n = PyList_GET_SIZE(indices);
    bufs = (unsigned char *)calloc((size_t)(n ? n : 1), 320); /* every preimage first, then the hashes */
    if (bufs == NULL) return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < n; k++) {
        unsigned char *buf = bufs + 320 * k; /* 12 zero bytes from calloc */
        Py_ssize_t i = PyLong_AsSsize_t(PyList_GET_ITEM(indices, k));
        PyObject *a, *b;
        if (i == -1 && PyErr_Occurred()) goto done;
        if (i < 0 || i >= PyList_GET_SIZE(addr) || i >= PyList_GET_SIZE(nonce) || i >= PyList_GET_SIZE(bal)) {
            PyErr_SetString(PyExc_IndexError, "an account index is outside the state");
            goto done;
        }
        a = PyList_GET_ITEM(addr, i);
        b = PyList_GET_ITEM(bal, i);
        if (!PyBytes_Check(a) || PyBytes_GET_SIZE(a) != 20) {
            PyErr_SetString(PyExc_TypeError, "an account's address is not 20 bytes");
            goto done;
        }
        if (!PyList_Check(b) || PyList_GET_SIZE(b) != 8) {
            PyErr_SetString(PyExc_TypeError, "an account's balances are not a list of 8 ints");
            goto done;
        }
        memcpy(buf + 12, PyBytes_AS_STRING(a), 20);
        if (int_word(PyList_GET_ITEM(nonce, i), buf + 32) < 0) goto done;
        for (int t = 0; t < 8; t++)
            if (int_word(PyList_GET_ITEM(b, t), buf + 64 + 32 * t) < 0) goto done;
    }
    out = PyList_New(n);
    if (out == NULL) goto done;
    for (Py_ssize_t k = 0; k < n;) { /* four at a time where the CPU can, else one */
        int w = 1;
#ifdef HAVE_TIMES4
        if (use_times4 && k + 4 <= n) {
            const unsigned char *in[4] = {bufs + 320 * k, bufs + 320 * (k + 1), bufs + 320 * (k + 2),
                                          bufs + 320 * (k + 3)};
            keccak256_times4(in, 320, leaf);
            w = 4;
        } else
#endif
            keccak256(bufs + 320 * k, 320, leaf[0]);
        for (int j = 0; j < w; j++) {
            PyObject *node = PyBytes_FromStringAndSize((const char *)leaf[j], 32);
            if (node == NULL) {
                Py_CLEAR(out);
                goto done;
            }
            PyList_SET_ITEM(out, k + j, node);
        }
        k += w;
    }
done:
    free(bufs);
    return out;
}

/* ---- recover_wire ------------------------------------------------------------------------------------------- */

/* libsecp256k1's types and the three calls used, as its public header declares them */
typedef struct secp256k1_context_struct secp256k1_context;
typedef struct {
    unsigned char data[64];
} secp256k1_pubkey;
typedef struct {
    unsigned char data[65];
} secp256k1_ecdsa_recoverable_signature;
typedef int (*parse_fn)(const secp256k1_context *, secp256k1_ecdsa_recoverable_signature *, const unsigned char *,
                        int);
typedef int (*recover_fn)(const secp256k1_context *, secp256k1_pubkey *, const secp256k1_ecdsa_recoverable_signature *,
                          const unsigned char *);
typedef int (*serialize_fn)(const secp256k1_context *, unsigned char *, size_t *, const secp256k1_pubkey *,
                            unsigned int);

/* the curve order n and n / 2, big-endian: r in [1, n), s in [1, n/2] (low s), as OpenZeppelin's ECDSA */
static const unsigned char CURVE_N[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                          0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                          0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
static const unsigned char HALF_N[32] = {0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4,
                                         0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0};

/* whether the n bytes at p are all zero */
static int is_zero(const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i]) return 0;
    return 1;
}

/* the uint256 word of a packed amount (5 bytes) or fee (2 bytes): (packed >> 5) * 10 ** (packed & 31), as
 * _codec.unpack_amount; below 2**35 * 10**31 < 2**140, so 8 32-bit limbs never overflow */
static void packed_word(const unsigned char *p, int len, unsigned char out[32]) {
    uint64_t packed = 0;
    uint32_t limb[8] = {0};
    for (int i = 0; i < len; i++) packed = (packed << 8) | p[i];
    uint64_t m = packed >> 5;
    int e = (int)(packed & 31);
    limb[0] = (uint32_t)m;
    limb[1] = (uint32_t)(m >> 32);
    for (int k = 0; k < e; k++) {
        uint64_t carry = 0;
        for (int i = 0; i < 8; i++) {
            uint64_t v = (uint64_t)limb[i] * 10 + carry;
            limb[i] = (uint32_t)v;
            carry = v >> 32;
        }
    }
    for (int i = 0; i < 8; i++) {
        uint32_t v = limb[7 - i];
        out[4 * i] = (unsigned char)(v >> 24);
        out[4 * i + 1] = (unsigned char)(v >> 16);
        out[4 * i + 2] = (unsigned char)(v >> 8);
        out[4 * i + 3] = (unsigned char)v;
    }
}

typedef struct {
    const secp256k1_context *ctx;
    parse_fn parse;
    recover_fn recover;
    serialize_fn serialize;
    unsigned int uncompressed;
} secp_calls;

/* the signer of digest by the 64-byte (r, vs) signature (EIP-2098: v in the top bit of s) into out[20]; 0 if the
 * signature is out of range or does not recover (as _codec.recover) */
static int recover_signer(const secp_calls *c, const unsigned char *digest, const unsigned char *sig,
                          unsigned char out[20]) {
    unsigned char rs[64], pub65[65], hash[32];
    secp256k1_ecdsa_recoverable_signature parsed;
    secp256k1_pubkey pub;
    size_t len = 65;
    int v = sig[32] >> 7;
    memcpy(rs, sig, 64);
    rs[32] &= 0x7F;
    if (is_zero(rs, 32) || memcmp(rs, CURVE_N, 32) >= 0) return 0;
    if (is_zero(rs + 32, 32) || memcmp(rs + 32, HALF_N, 32) > 0) return 0;
    if (!c->parse(c->ctx, &parsed, rs, v)) return 0;
    if (!c->recover(c->ctx, &pub, &parsed, digest)) return 0;
    if (!c->serialize(c->ctx, pub65, &len, &pub, c->uncompressed) || len != 65) return 0;
    keccak256(pub65 + 1, 64, hash);
    memcpy(out, hash + 12, 20);
    return 1;
}

enum { OP_TRANSFER = 1, OP_TRANSFER_NEW = 2, OP_WITHDRAW = 3 };
enum { WIRE_TRANSFER = 109, WIRE_TRANSFER_NEW = 105, WIRE_WITHDRAW = 85 }; /* _pool.WIRE_LEN */

/* the loop of _pool.digest_and_recover over a whole blob; returns bytes written to out (52 per transaction) */
static size_t recover_loop(const secp_calls *c, const unsigned char *blob, size_t n, const unsigned char *sep34,
                           const unsigned char *tokens, size_t ntok, const unsigned char *tt, const unsigned char *wt,
                           unsigned char *out) {
    unsigned char st[224], pre[66];
    size_t pos = 0, w = 0;
    memcpy(pre, sep34, 34);
    while (pos < n) {
        int kind = blob[pos];
        size_t size = kind == OP_TRANSFER       ? WIRE_TRANSFER
                      : kind == OP_TRANSFER_NEW ? WIRE_TRANSFER_NEW
                      : kind == OP_WITHDRAW     ? WIRE_WITHDRAW
                                                : 0;
        const unsigned char *t = blob + pos, *to, *amount, *fee, *nonce, *sig;
        size_t tok, slen;
        if (size == 0 || pos + size > n) break;
        memset(st, 0, sizeof st);
        if (kind == OP_TRANSFER) {
            tok = t[9], to = t + 89, amount = t + 10, fee = t + 15, sig = t + 17, nonce = t + 81;
        } else if (kind == OP_TRANSFER_NEW) {
            tok = t[25], to = t + 5, amount = t + 26, fee = t + 31, sig = t + 33, nonce = t + 97;
        } else {
            tok = t[5], to = NULL, amount = t + 6, fee = t + 11, sig = t + 13, nonce = t + 77;
        }
        if (tok >= ntok) {
            memset(out + w, 0, 52);
            w += 52;
            pos += size;
            continue;
        }
        /* Transfer(account, to, token, amount, fee, nonce) / Withdrawal(account, token, amount, fee, nonce) */
        unsigned char *f = st;
        memcpy(f, to ? tt : wt, 32);
        memcpy(f + 60, t + 1, 4);
        f += 64;
        if (to) {
            memcpy(f + 12, to, 20);
            f += 32;
        }
        memcpy(f + 12, tokens + 20 * tok, 20);
        packed_word(amount, 5, f + 32);
        packed_word(fee, 2, f + 64);
        memcpy(f + 96 + 24, nonce, 8);
        slen = (size_t)(f + 128 - st);
        keccak256(st, slen, pre + 34);
        keccak256(pre, 66, out + w);
        if (!recover_signer(c, out + w, sig, out + w + 32)) memset(out + w + 32, 0, 20);
        w += 52;
        pos += size;
    }
    return w;
}

/* recover_wire(blob, separator, tokens, transfer_typehash, withdrawal_typehash, secp) -> bytes: see
 * _pool.digest_and_recover. tokens: the token addresses concatenated (20 bytes each); secp: (context, parse,
 * recover, serialize, uncompressed flag) as integers (addresses of coincurve's libsecp256k1). Releases the GIL. */
static PyObject *py_recover_wire(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer blob, sep, tokens, tt, wt;
    unsigned long long ctx, parse, recover, serialize;
    unsigned int flag;
    PyObject *result = NULL;
    unsigned char *out;
    size_t count = 0, written, pos = 0;
    secp_calls c;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*(KKKKI)", &blob, &sep, &tokens, &tt, &wt, &ctx, &parse, &recover,
                          &serialize, &flag))
        return NULL;
    if (sep.len != 34 || tt.len != 32 || wt.len != 32 || tokens.len % 20 || !ctx || !parse || !recover ||
        !serialize) {
        PyErr_SetString(PyExc_ValueError,
                        "recover_wire wants a 34-byte separator, 32-byte type hashes, 20-byte tokens and the "
                        "four libsecp256k1 addresses");
        goto done;
    }
    while (pos < (size_t)blob.len) { /* an upper bound of the output: whole transactions of the shortest kind */
        pos += WIRE_WITHDRAW;
        count++;
    }
    out = (unsigned char *)malloc(count * 52 + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    c.ctx = (const secp256k1_context *)(uintptr_t)ctx;
    c.parse = (parse_fn)(uintptr_t)parse;
    c.recover = (recover_fn)(uintptr_t)recover;
    c.serialize = (serialize_fn)(uintptr_t)serialize;
    c.uncompressed = flag;
    Py_BEGIN_ALLOW_THREADS written =
        recover_loop(&c, (const unsigned char *)blob.buf, (size_t)blob.len, (const unsigned char *)sep.buf,
                     (const unsigned char *)tokens.buf, (size_t)tokens.len / 20, (const unsigned char *)tt.buf,
                     (const unsigned char *)wt.buf, out);
    Py_END_ALLOW_THREADS result = PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)written);
    free(out);
done:
    PyBuffer_Release(&blob);
    PyBuffer_Release(&sep);
    PyBuffer_Release(&tokens);
    PyBuffer_Release(&tt);
    PyBuffer_Release(&wt);
    return result;
}

/* ---- apply_transfers ---------------------------------------------------------------------------------------- */

static uint32_t CRC_TABLE[256]; /* zlib's CRC-32 (reflected 0xEDB88320), for the log's frames; filled at import */

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        CRC_TABLE[n] = c;
    }
}

static uint32_t crc32_of(const unsigned char *p, size_t n, uint32_t crc) {
    crc = ~crc;
    while (n--) crc = CRC_TABLE[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static inline uint32_t be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* a packed amount's (5 bytes) or fee's (2 bytes) value when it is below limit (a power of two <= 2**40),
 * else -1: (packed >> 5) * 10**(packed & 31), as _codec.unpack_amount */
static long long small_packed(const unsigned char *p, int len, long long limit) {
    uint64_t v = 0, m;
    int e;
    for (int i = 0; i < len; i++) v = (v << 8) | p[i];
    m = v >> 5;
    e = (int)(v & 31);
    if (m == 0) return 0;
    for (; e > 0; e--) {
        if (m >= (uint64_t)limit) return -1;
        m *= 10;
    }
    return m < (uint64_t)limit ? (long long)m : -1;
}

/* whether b is not a usable token address: not 20 bytes, or all zero (an unused token slot) */
static int unusable_token(PyObject *b) {
    return !PyBytes_Check(b) || PyBytes_GET_SIZE(b) != 20 || is_zero(PyBytes_AS_STRING(b), 20);
}

static int bytes_equal(PyObject *b, const unsigned char *p, Py_ssize_t n) {
    return PyBytes_Check(b) && PyBytes_GET_SIZE(b) == n && memcmp(PyBytes_AS_STRING(b), p, (size_t)n) == 0;
}

/* a Python int as uint64: 0 and *out on success, 1 when it is not one (negative, too big, not an int), -1 on error */
static int as_u64(PyObject *v, uint64_t *out) {
    int overflow = 0;
    long long x;
    if (!PyLong_Check(v)) return 1;
    x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (x == -1 && PyErr_Occurred()) return -1;
    if (overflow || x < 0) return 1;
    *out = (uint64_t)x;
    return 0;
}

/* list[i][tok] += delta (a Python int), in place */
static int add_to(PyObject *bals, Py_ssize_t i, Py_ssize_t tok, PyObject *delta, int subtract) {
    PyObject *row = PyList_GET_ITEM(bals, i), *now, *next;
    now = PyList_GET_ITEM(row, tok);
    next = subtract ? PyNumber_Subtract(now, delta) : PyNumber_Add(now, delta);
    if (next == NULL) return -1;
    PyList_SetItem(row, tok, next); /* steals next, releases the old balance */
    return 0;
}

/* apply_transfers(blob, pos, recovered, i, count, limit, addr, nonce, bal, tokens, dirty, known, position, results,
 *                 log, result_type, op_kind) -> (applied, pos, ops)
 *
 * The sequencer's common case, L2State.apply_transfer of wire transfers (kind 0x01) between existing accounts that
 * are valid, applied in C from wire transaction i (at byte pos of blob) on: at most min(count - i, limit) of them.
 * It stops, changing nothing for it, at the first transaction that is anything else: another kind, an unknown token
 * or account, a duplicate, a wrong nonce or signer, too little balance, a recipient that does not match, an amount
 * or fee too large to be sure it is packable, or a balance that is not a row of ints. The caller runs that one
 * through the Python path (which gives the reason) and calls again. For each transfer applied, as the Python path
 * does: from.nonce += 1, from.balance -= amount + fee, to.balance += amount, account 0 += fee (in that order, so
 * aliased accounts add up alike), the three indices into dirty, known[digest] = position, an OP frame onto log
 * (a bytearray), result_type(digest, position, None, False) onto results, and the op's batch bytes into ops. */
static PyObject *py_apply_transfers(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer blob, rec;
    Py_ssize_t pos, i, count, limit, applied = 0, position;
    PyObject *addr, *nonce, *bal, *tokens, *dirty, *known, *results, *log, *rtype, *ops = NULL, *out = NULL;
    int op_kind;
    if (!PyArg_ParseTuple(args, "y*ny*nnnO!O!O!O!O!O!nO!O!O!i", &blob, &pos, &rec, &i, &count, &limit, &PyList_Type,
                          &addr, &PyList_Type, &nonce, &PyList_Type, &bal, &PyList_Type, &tokens, &PySet_Type, &dirty,
                          &PyDict_Type, &known, &position, &PyList_Type, &results, &PyByteArray_Type, &log,
                          &PyType_Type, &rtype, &op_kind))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)rtype, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "result_type is not a tuple type");
        goto done;
    }
    ops = PyList_New(0);
    if (ops == NULL) goto done;
    {
        const unsigned char *b = (const unsigned char *)blob.buf, *r = (const unsigned char *)rec.buf;
        Py_ssize_t n = PyList_GET_SIZE(addr);
        if (PyList_GET_SIZE(nonce) != n || PyList_GET_SIZE(bal) != n || PyList_GET_SIZE(tokens) != 8 || n < 1) goto stop;
        for (; i < count && applied < limit; i++) {
            const unsigned char *w = b + pos, *dg = r + 52 * i, *sender = dg + 32;
            uint32_t a, to;
            int tok;
            long long amount, fee;
            uint64_t have_nonce, signed_nonce = 0;
            PyObject *digest, *from_row, *to_row, *z_row, *total, *am, *fe, *tmp;
            unsigned char head[9];
            int ok, rc;
            if (pos < 0 || pos + 109 > blob.len || 52 * (i + 1) > rec.len || w[0] != 1) break;
            if (is_zero(dg, 32) || is_zero(sender, 20)) break;
            a = be32(w + 1);
            to = be32(w + 5);
            tok = w[9];
            if (a >= (uint64_t)n || to >= (uint64_t)n || tok >= 8) break;
            if (unusable_token(PyList_GET_ITEM(tokens, tok))) break;
            amount = small_packed(w + 10, 5, 34359738368LL); /* 2**35 and 2**11: _amounts_ok's fast test */
            fee = small_packed(w + 15, 2, 2048);
            if (amount < 0 || fee < 0) break;
            if (!bytes_equal(PyList_GET_ITEM(addr, to), w + 89, 20)) break;   /* recipient mismatch: Python */
            if (!bytes_equal(PyList_GET_ITEM(addr, a), sender, 20)) break;    /* bad signature: Python */
            for (int k = 0; k < 8; k++) signed_nonce = (signed_nonce << 8) | w[81 + k];
            rc = as_u64(PyList_GET_ITEM(nonce, a), &have_nonce);
            if (rc < 0) goto fail;
            if (rc > 0 || have_nonce != signed_nonce || have_nonce == UINT64_MAX) break;
            from_row = PyList_GET_ITEM(bal, a);
            to_row = PyList_GET_ITEM(bal, to);
            z_row = PyList_GET_ITEM(bal, 0);
            if (!PyList_Check(from_row) || PyList_GET_SIZE(from_row) != 8 || !PyList_Check(to_row) ||
                PyList_GET_SIZE(to_row) != 8 || !PyList_Check(z_row) || PyList_GET_SIZE(z_row) != 8 ||
                !PyLong_CheckExact(PyList_GET_ITEM(from_row, tok)) || !PyLong_CheckExact(PyList_GET_ITEM(to_row, tok)) ||
                !PyLong_CheckExact(PyList_GET_ITEM(z_row, tok)))
                break;
            digest = PyBytes_FromStringAndSize((const char *)dg, 32);
            if (digest == NULL) goto fail;
            tmp = PyDict_GetItemWithError(known, digest); /* borrowed */
            if (tmp != NULL || PyErr_Occurred()) {
                Py_DECREF(digest);
                if (PyErr_Occurred()) goto fail;
                break; /* a duplicate: Python answers it */
            }
            total = PyLong_FromLongLong(amount + fee);
            if (total == NULL) {
                Py_DECREF(digest);
                goto fail;
            }
            ok = PyObject_RichCompareBool(PyList_GET_ITEM(from_row, tok), total, Py_GE);
            if (ok <= 0) {
                Py_DECREF(digest);
                Py_DECREF(total);
                if (ok < 0) goto fail;
                break; /* insufficient balance: Python */
            }
            /* valid: apply (nothing above changed anything) */
            am = PyLong_FromLongLong(amount);
            fe = PyLong_FromLongLong(fee);
            tmp = PyLong_FromUnsignedLongLong(have_nonce + 1);
            if (am == NULL || fe == NULL || tmp == NULL) {
                Py_XDECREF(am);
                Py_XDECREF(fe);
                Py_XDECREF(tmp);
                Py_DECREF(total);
                Py_DECREF(digest);
                goto fail;
            }
            PyList_SetItem(nonce, a, tmp);
            rc = add_to(bal, a, tok, total, 1);
            if (rc == 0) rc = add_to(bal, to, tok, am, 0);
            if (rc == 0) rc = add_to(bal, 0, tok, fe, 0);
            Py_DECREF(total);
            Py_DECREF(am);
            Py_DECREF(fe);
            if (rc < 0) { /* int arithmetic cannot fail but on memory; the state is then half-applied */
                Py_DECREF(digest);
                goto fail;
            }
            {
                PyObject *ia = PyLong_FromUnsignedLong(a), *it = PyLong_FromUnsignedLong(to), *iz = PyLong_FromLong(0);
                PyObject *where = PyLong_FromSsize_t(position), *res, *op;
                Py_ssize_t end = PyByteArray_GET_SIZE(log);
                rc = (ia && it && iz && where) ? 0 : -1;
                if (rc == 0) rc = PySet_Add(dirty, ia);
                if (rc == 0) rc = PySet_Add(dirty, it);
                if (rc == 0) rc = PySet_Add(dirty, iz);
                if (rc == 0) rc = PyDict_SetItem(known, digest, where);
                if (rc == 0) rc = PyByteArray_Resize(log, end + 8 + 1 + 109);
                if (rc == 0) { /* the OP frame: >II (body length, crc32(body)), body = kind byte || wire */
                    unsigned char *f = (unsigned char *)PyByteArray_AS_STRING(log) + end;
                    uint32_t crc;
                    head[0] = (unsigned char)op_kind;
                    crc = crc32_of(w, 109, crc32_of(head, 1, 0));
                    f[0] = 0, f[1] = 0, f[2] = 0, f[3] = 110;
                    f[4] = (unsigned char)(crc >> 24), f[5] = (unsigned char)(crc >> 16);
                    f[6] = (unsigned char)(crc >> 8), f[7] = (unsigned char)crc;
                    f[8] = (unsigned char)op_kind;
                    memcpy(f + 9, w, 109);
                }
                res = rc == 0 ? ((PyTypeObject *)rtype)->tp_alloc((PyTypeObject *)rtype, 4) : NULL;
                if (res != NULL) {
                    Py_INCREF(digest);
                    PyTuple_SET_ITEM(res, 0, digest);
                    Py_INCREF(where);
                    PyTuple_SET_ITEM(res, 1, where);
                    Py_INCREF(Py_None);
                    PyTuple_SET_ITEM(res, 2, Py_None);
                    Py_INCREF(Py_False);
                    PyTuple_SET_ITEM(res, 3, Py_False);
                    rc = PyList_Append(results, res);
                    Py_DECREF(res);
                } else {
                    rc = -1;
                }
                op = rc == 0 ? PyBytes_FromStringAndSize((const char *)w, 81) : NULL;
                if (op != NULL) {
                    rc = PyList_Append(ops, op);
                    Py_DECREF(op);
                } else {
                    rc = -1;
                }
                Py_XDECREF(ia);
                Py_XDECREF(it);
                Py_XDECREF(iz);
                Py_XDECREF(where);
                Py_DECREF(digest);
                if (rc < 0) goto fail;
            }
            position++;
            applied++;
            pos += 109;
        }
    }
stop:
    out = Py_BuildValue("nnO", applied, pos, ops);
    goto done;
fail:
    /* only memory errors get here once something was applied; the caller stops the sequencer on any exception */
    out = NULL;
done:
    Py_XDECREF(ops);
    PyBuffer_Release(&blob);
    PyBuffer_Release(&rec);
    return out;
}

/* set_times4(isa) -> the previous one: "avx512vl", "avx2" or "" (one at a time); for tests and A/B runs */
static PyObject *py_set_times4(PyObject *Py_UNUSED(self), PyObject *arg) {
    const char *isa = PyUnicode_AsUTF8(arg), *before = "";
    if (isa == NULL) return NULL;
#ifdef HAVE_TIMES4
    before = times4 == keccak_f1600_times4_avx512 ? "avx512vl" : times4 == keccak_f1600_times4_avx2 ? "avx2" : "";
    if (strcmp(isa, "avx512vl") == 0 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        times4 = keccak_f1600_times4_avx512;
    else if (strcmp(isa, "avx2") == 0 && __builtin_cpu_supports("avx2"))
        times4 = keccak_f1600_times4_avx2;
    else if (*isa == 0)
        times4 = NULL;
    else {
        PyErr_Format(PyExc_ValueError, "this CPU (or build) has no %s", isa);
        return NULL;
    }
    use_times4 = times4 != NULL;
#else
    if (*isa != 0) {
        PyErr_Format(PyExc_ValueError, "this build has no 4-way hashing (%s)", isa);
        return NULL;
    }
#endif
    return PyUnicode_FromString(before);
}

static PyMethodDef methods[] = {
    {"apply_transfers", py_apply_transfers, METH_VARARGS,
     "apply_transfers(blob, pos, recovered, i, count, limit, addr, nonce, bal, tokens, dirty, known, position, "
     "results, log, result_type, op_kind) -> (applied, pos, ops): the sequencer's valid plain transfers in C."},
    {"set_times4", py_set_times4, METH_O,
     "set_times4(isa) -> the previous: hash four at a time with \"avx512vl\", \"avx2\", or not (\"\")."},
    {"keccak256", py_keccak256, METH_O, "keccak256(data) -> 32 bytes (Ethereum's keccak, any bytes-like input)."},
    {"commit_levels", py_commit_levels, METH_VARARGS,
     "commit_levels(levels, dirty, cap): rehash the parents of the dirty leaves, level by level, in place."},
    {"account_leaves", py_account_leaves, METH_VARARGS,
     "account_leaves(indices, addresses, nonces, balances) -> the account leaves (L2State.leaf_of) of indices."},
    {"recover_wire", py_recover_wire, METH_VARARGS,
     "recover_wire(blob, separator, tokens, transfer_typehash, withdrawal_typehash, secp) -> digest||signer each."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "The L2's compiled hot paths: keccak256, Merkle commits, signature recovery of wire transactions.", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m = PyModule_Create(&module);
    const char *isa = "";
    crc_init();
#ifdef HAVE_TIMES4
    __builtin_cpu_init();
    if (getenv("NOVACRON_NO_AVX2") == NULL) { /* no 4-way hashing at all */
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            getenv("NOVACRON_NO_AVX512") == NULL) {
            times4 = keccak_f1600_times4_avx512;
            isa = "avx512vl";
        } else if (__builtin_cpu_supports("avx2")) {
            times4 = keccak_f1600_times4_avx2;
            isa = "avx2";
        }
    }
    use_times4 = times4 != NULL;
#endif
    if (m != NULL && (PyModule_AddIntConstant(m, "TIMES4", use_times4) < 0 ||
                      PyModule_AddStringConstant(m, "TIMES4_ISA", isa) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
