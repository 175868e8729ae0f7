// What the two VPCLMULQDQ kernels (crc64_vpclmul.c on 512-bit vectors, crc64_vpclmul256.c on
// 256-bit ones) share: the fold constants crc64.c computes at selection, the 128-bit kernel
// they hand short inputs and the final fold to, and the fold of one 128-bit block.
// Internal to CLinuxShims (not under include/).
#ifndef COSS_CRC64_VECTOR_H
#define COSS_CRC64_VECTOR_H

#include "CLinuxShims.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define COSS_HIDDEN __attribute__((visibility("hidden")))

// {lo, hi} constants to fold a 128-bit block forward over N = 1...16 blocks:
// {x^(128N+63) mod P, x^(128N-1) mod P}, reflected (row 0 unused). Filled by crc64.c before a
// vector kernel is selected.
COSS_HIDDEN extern uint64_t coss_crc64_fold_k[17][2];

COSS_HIDDEN uint64_t coss_crc64_clmul_internal(uint64_t crc, const unsigned char *p, size_t len);
COSS_HIDDEN uint64_t coss_crc64_clmul_finish(__m128i r, const unsigned char *p, size_t len);

// `a` folded forward over `n` blocks, xored into `b`.
__attribute__((target("pclmul,sse4.1"))) static inline __m128i coss_crc64_fold128(__m128i a, int n, __m128i b) {
    __m128i k = _mm_set_epi64x((long long)coss_crc64_fold_k[n][1], (long long)coss_crc64_fold_k[n][0]);
    return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(a, k, 0x00), _mm_clmulepi64_si128(a, k, 0x11)), b);
}

#endif
#endif
