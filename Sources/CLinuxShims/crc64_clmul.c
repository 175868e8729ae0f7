// CRC64-ECMA (reflected polynomial 0xC96C5795D7870F42) with carry-less multiplication:
// PCLMULQDQ folding, after Intel's "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ Instruction" (Gopal et al., 2009). Compiled with a target attribute so the rest
// of the package needs no -m flags; crc64.c calls it only when the CPU reports pclmul and
// sse4.1. Elsewhere (not x86-64) this file is empty and the tables are used.
//
// Notation. P(x) = x^64 + 0x42F0E1EBA9EA3693 (normal form); 0xC96C5795D7870F42 is its low
// 64 coefficients bit-reversed. Data is "reflected": the first byte of the message holds the
// highest-degree coefficients, bit 0 of a byte before bit 7. A 16-byte block loaded little-
// endian into an XMM register therefore has bit m = coefficient of x^(127-m), its low qword
// the high-degree half. For 64-bit reflected a and b, clmul(a, b) has bit k = coefficient of
// x^(126-k) of a*b: read as a 128-bit reflected block that is a*b*x, one factor of x too
// many. Every constant below absorbs that x by using x^(t-1) where x^t is meant.
//
// Constants (all reflect64(...) of a polynomial of degree <= 63, computed by exact
// polynomial division over GF(2); see Benchmarks/README.md for a short script):
//   folding a block A forward over d = 128*N bits onto the block there:
//     A*x^d = A_hi*x^(d+64) + A_lo*x^d  ->  clmul(A.lo, x^(d+63) mod P) ^ clmul(A.hi, x^(d-1) mod P)
//   final 128 -> 64: the register R is the last block, CRC = R*x^64 mod P:
//     T = clmul(R.lo, x^127 mod P) ^ (R.hi moved to the low qword)
//   Barrett reduction of T (128 bits) to T mod P:
//     q = floor(T_hi*mu / x^64) with mu = floor(x^128 / P); writing mu = x*c + m0 gives
//     q = low qword of clmul(T.lo, c), c = floor(x^127 / P) (degree 63);
//     T mod P = T_lo ^ (q*P mod x^64); writing P = x*P' + 1, q*P mod x^64 =
//     q ^ high qword of clmul(q, P'), P' = (P - 1)/x = (0xC96C5795D7870F42 << 1) | 1.
// The same values appear in liblzma's crc_x86_clmul.h and Intel ISA-L's crc64_ecma_refl.
#include "CLinuxShims.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

#define COSS_HIDDEN __attribute__((visibility("hidden")))
COSS_HIDDEN uint64_t coss_crc64_tables_internal(uint64_t crc, const unsigned char *p, size_t len);
COSS_HIDDEN uint64_t coss_crc64_clmul_finish(__m128i r, const unsigned char *p, size_t len);

// {x^(128N+63) mod P, x^(128N-1) mod P} for the low and high qword, N = 1...8.
static const uint64_t fold_k[9][2] = {
    {0, 0},
    {0xe05dd497ca393ae4ULL, 0xdabe95afc7875f40ULL},  // N = 1: x^191, x^127
    {0x60095b008a9efa44ULL, 0x3be653a30fe1af51ULL},  // N = 2: x^319, x^255
    {0xb5ea1af9c013aca4ULL, 0x69a35d91c3730254ULL},  // N = 3: x^447, x^383
    {0x6ae3efbb9dd441f3ULL, 0x081f6054a7842df4ULL},  // N = 4: x^575, x^511
    {0x2e30203212cac325ULL, 0x0e31d519421a63a5ULL},  // N = 5: x^703, x^639
    {0x2fe3fd2920ce82ecULL, 0xe4ce2cd55fea0037ULL},  // N = 6: x^831, x^767
    {0x9e735cb59b4724daULL, 0x947874de595052cbULL},  // N = 7: x^959, x^895
    {0x8757d71d4fcc1000ULL, 0xd7d86b2af73de740ULL},  // N = 8: x^1087, x^1023
};
static const uint64_t final_k = 0xdabe95afc7875f40ULL;   // x^127 mod P
static const uint64_t barrett_c = 0x9c3e466c172963d5ULL; // floor(x^127 / P)
static const uint64_t poly_p1 = 0x92d8af2baf0e1e85ULL;   // (P - 1) / x

// Folds `a` forward by the distance whose constants are `k` ({lo, hi} as one vector).
CLMUL_TARGET static inline __m128i fold(__m128i a, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00), _mm_clmulepi64_si128(a, k, 0x11));
}

CLMUL_TARGET static inline __m128i load(const unsigned char *p) {
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

CLMUL_TARGET static inline __m128i consts(int n) {
    return _mm_set_epi64x((long long)fold_k[n][1], (long long)fold_k[n][0]);
}

/// The carry-less multiply kernel; `len` may be anything (short inputs go to the tables).
COSS_HIDDEN CLMUL_TARGET uint64_t coss_crc64_clmul_internal(uint64_t crc, const unsigned char *p, size_t len) {
    if (len < 256) return coss_crc64_tables_internal(crc, p, len);

    // Eight independent accumulators, 128 bytes per round: the clmuls of one round do not
    // wait on each other, so the loop runs at clmul throughput rather than latency.
    __m128i x[8];
    for (int i = 0; i < 8; i++) x[i] = load(p + 16 * i);
    x[0] = _mm_xor_si128(x[0], _mm_cvtsi64_si128((long long)crc));  // the register enters the first 8 bytes
    p += 128;
    len -= 128;

    const __m128i k8 = consts(8);
    while (len >= 128) {
        for (int i = 0; i < 8; i++) x[i] = _mm_xor_si128(fold(x[i], k8), load(p + 16 * i));
        p += 128;
        len -= 128;
    }

    // Collapse onto the last accumulator: x[i] lies (7 - i) blocks before x[7].
    __m128i r = x[7];
    for (int i = 0; i < 7; i++) r = _mm_xor_si128(r, fold(x[i], consts(7 - i)));

    return coss_crc64_clmul_finish(r, p, len);
}

/// From one 128-bit block `r` (everything before `p` folded in): the remaining whole blocks,
/// the reduction to 64 bits, then the last `len` % 16 bytes with the tables. Shared with the
/// AVX-512 kernel.
COSS_HIDDEN CLMUL_TARGET uint64_t coss_crc64_clmul_finish(__m128i r, const unsigned char *p, size_t len) {
    const __m128i k1 = consts(1);
    while (len >= 16) {
        r = _mm_xor_si128(fold(r, k1), load(p));
        p += 16;
        len -= 16;
    }

    // 128 -> 64 bits: T = R.lo * (x^127 mod P) ^ (R.hi in the low qword).
    __m128i t = _mm_xor_si128(_mm_clmulepi64_si128(r, _mm_cvtsi64_si128((long long)final_k), 0x00),
                              _mm_srli_si128(r, 8));
    // Barrett: q = lo(clmul(T.lo, c)); crc = T.hi ^ q ^ hi(clmul(q, P')).
    __m128i q = _mm_clmulepi64_si128(t, _mm_cvtsi64_si128((long long)barrett_c), 0x00);
    __m128i qp = _mm_clmulepi64_si128(q, _mm_cvtsi64_si128((long long)poly_p1), 0x00);
    uint64_t out = (uint64_t)_mm_extract_epi64(t, 1) ^ (uint64_t)_mm_cvtsi128_si64(q) ^
                   (uint64_t)_mm_extract_epi64(qp, 1);

    return coss_crc64_tables_internal(out, p, len);
}

#endif
