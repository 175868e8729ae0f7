// CRC64-ECMA with VPCLMULQDQ on 256-bit vectors (AVX2 encoding, no AVX-512): the folding of
// crc64_clmul.c two 128-bit lanes at a time, for CPUs that have VPCLMULQDQ but not AVX-512
// (AMD Zen 3, Intel Alder Lake). Same mathematics and notation as crc64_clmul.c and
// crc64_vpclmul.c; only the distances change. Eight 256-bit accumulators take 256 bytes per
// round (16 blocks of 128 bits, as the AVX-512 kernel); at the end they fold into the last one,
// its two lanes into one 128-bit block, and crc64_clmul.c finishes (16-byte blocks, Barrett,
// table tail). Selected by crc64.c when the CPU has AVX2 and VPCLMULQDQ and no AVX-512F.
//
// The fold constants are crc64_vector.h's, computed once at selection.
#include "crc64_vector.h"

#if defined(__x86_64__)

#define VPCLMUL256_TARGET __attribute__((target("avx2,vpclmulqdq,pclmul,sse4.1")))

// The {lo, hi} pair for N blocks in both lanes.
VPCLMUL256_TARGET static inline __m256i consts256(int n) {
    return _mm256_broadcastsi128_si256(_mm_set_epi64x((long long)coss_crc64_fold_k[n][1], (long long)coss_crc64_fold_k[n][0]));
}

// Per-lane fold of `a` by the constants in `k`, xored into `b`.
VPCLMUL256_TARGET static inline __m256i fold256(__m256i a, __m256i k, __m256i b) {
    __m256i lo = _mm256_clmulepi64_epi128(a, k, 0x00);
    __m256i hi = _mm256_clmulepi64_epi128(a, k, 0x11);
    return _mm256_xor_si256(_mm256_xor_si256(lo, hi), b);
}

VPCLMUL256_TARGET static inline __m256i load256(const unsigned char *p) {
    return _mm256_loadu_si256((const __m256i *)p);
}

COSS_HIDDEN VPCLMUL256_TARGET uint64_t coss_crc64_vpclmul256_internal(uint64_t crc, const unsigned char *p,
                                                                      size_t len) {
    if (len < 512) return coss_crc64_clmul_internal(crc, p, len);

    __m256i x[8];
    for (int i = 0; i < 8; i++) x[i] = load256(p + 32 * i);
    // The register enters the first 8 bytes of the message.
    x[0] = _mm256_xor_si256(x[0], _mm256_zextsi128_si256(_mm_cvtsi64_si128((long long)crc)));
    p += 256;
    len -= 256;

    const __m256i k16 = consts256(16);  // one round: 256 bytes = 16 blocks
    while (len >= 256) {
        for (int i = 0; i < 8; i++) x[i] = fold256(x[i], k16, load256(p + 32 * i));
        p += 256;
        len -= 256;
    }

    // The accumulators into x[7]: lane j of x[i] is block 2i + j of the last round, so x[i]
    // is 14 - 2i blocks before x[7], lane for lane ...
    __m256i last = x[7];
    for (int i = 0; i < 7; i++) last = fold256(x[i], consts256(14 - 2 * i), last);
    // ... and its low lane one block before its high lane.
    __m128i r = coss_crc64_fold128(_mm256_castsi256_si128(last), 1, _mm256_extracti128_si256(last, 1));

    return coss_crc64_clmul_finish(r, p, len);
}

#endif
