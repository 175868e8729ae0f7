// CRC64-ECMA with AVX-512 VPCLMULQDQ: the folding of crc64_clmul.c four 128-bit lanes at a
// time. Same mathematics and notation (see that file's header); only the distances change.
// Four 512-bit accumulators take 256 bytes per round; at the end they fold into one, its
// four lanes into one 128-bit block, and crc64_clmul.c finishes (16-byte blocks, Barrett,
// table tail). Selected by crc64.c when the CPU and OS support AVX-512F and VPCLMULQDQ.
//
// The fold constants (crc64_vector.h) are computed once, at selection, as x^t mod P by
// square-and-multiply (crc64.c) rather than typed in: for folding a 128-bit block forward over
// N blocks the pair is {x^(128N+63) mod P, x^(128N-1) mod P}, as in crc64_clmul.c, whose
// typed-in N = 1...8 values this reproduces.
#include "crc64_vector.h"

#if defined(__x86_64__)

#define VPCLMUL_TARGET __attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.1")))

// The {lo, hi} pair for N blocks in every lane.
VPCLMUL_TARGET static inline __m512i consts512(int n) {
    return _mm512_broadcast_i32x4(_mm_set_epi64x((long long)coss_crc64_fold_k[n][1], (long long)coss_crc64_fold_k[n][0]));
}

// Per-lane fold of `a` by the constants in `k`, xored into `b`.
VPCLMUL_TARGET static inline __m512i fold512(__m512i a, __m512i k, __m512i b) {
    __m512i lo = _mm512_clmulepi64_epi128(a, k, 0x00);
    __m512i hi = _mm512_clmulepi64_epi128(a, k, 0x11);
    return _mm512_ternarylogic_epi64(lo, hi, b, 0x96);  // lo ^ hi ^ b
}

COSS_HIDDEN VPCLMUL_TARGET uint64_t coss_crc64_vpclmul_internal(uint64_t crc, const unsigned char *p, size_t len) {
    if (len < 1024) return coss_crc64_clmul_internal(crc, p, len);

    __m512i x0 = _mm512_loadu_si512(p), x1 = _mm512_loadu_si512(p + 64);
    __m512i x2 = _mm512_loadu_si512(p + 128), x3 = _mm512_loadu_si512(p + 192);
    // The register enters the first 8 bytes of the message.
    x0 = _mm512_xor_si512(x0, _mm512_zextsi128_si512(_mm_cvtsi64_si128((long long)crc)));
    p += 256;
    len -= 256;

    const __m512i k16 = consts512(16);  // one round: 256 bytes = 16 blocks
    while (len >= 256) {
        x0 = fold512(x0, k16, _mm512_loadu_si512(p));
        x1 = fold512(x1, k16, _mm512_loadu_si512(p + 64));
        x2 = fold512(x2, k16, _mm512_loadu_si512(p + 128));
        x3 = fold512(x3, k16, _mm512_loadu_si512(p + 192));
        p += 256;
        len -= 256;
    }

    // Four accumulators into x3 (x0 is 12 blocks before it, x1 8, x2 4) ...
    x3 = fold512(x0, consts512(12), x3);
    x3 = fold512(x1, consts512(8), x3);
    x3 = fold512(x2, consts512(4), x3);
    // ... and its four lanes into the last one (lane i is 3 - i blocks before lane 3).
    __m128i r = _mm512_extracti32x4_epi32(x3, 3);
    r = coss_crc64_fold128(_mm512_extracti32x4_epi32(x3, 0), 3, r);
    r = coss_crc64_fold128(_mm512_extracti32x4_epi32(x3, 1), 2, r);
    r = coss_crc64_fold128(_mm512_extracti32x4_epi32(x3, 2), 1, r);

    return coss_crc64_clmul_finish(r, p, len);
}

#endif
