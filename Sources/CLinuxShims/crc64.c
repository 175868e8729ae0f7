// CRC64-ECMA as OSS computes it (reflected polynomial 0xC96C5795D7870F42). Slicing-by-8
// tables are the portable kernel; on x86-64 the fastest kernel the CPU runs is selected once,
// at the first call: AVX-512 VPCLMULQDQ (crc64_vpclmul.c), else VPCLMULQDQ on 256-bit vectors
// with AVX2 (crc64_vpclmul256.c), else PCLMULQDQ with SSE4.1 (crc64_clmul.c), else the tables.
#include "CLinuxShims.h"
#include <pthread.h>
#include <string.h>

#define POLY 0xC96C5795D7870F42ULL

static uint64_t tables[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void) {
    for (int n = 0; n < 256; n++) {
        uint64_t crc = (uint64_t)n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ POLY : crc >> 1;
        tables[0][n] = crc;
    }
    for (int n = 0; n < 256; n++) {
        uint64_t crc = tables[0][n];
        for (int k = 1; k < 8; k++) {
            crc = tables[0][crc & 0xff] ^ (crc >> 8);
            tables[k][n] = crc;
        }
    }
}

// Not in the header: shared with crc64_clmul.c, which finishes short tails with the tables.
// Callers make sure the tables exist (pthread_once below) before calling it.
#define COSS_HIDDEN __attribute__((visibility("hidden")))
COSS_HIDDEN uint64_t coss_crc64_tables_internal(uint64_t crc, const unsigned char *p, size_t len);
COSS_HIDDEN uint64_t coss_crc64_clmul_internal(uint64_t crc, const unsigned char *p, size_t len);
COSS_HIDDEN uint64_t coss_crc64_vpclmul_internal(uint64_t crc, const unsigned char *p, size_t len);
COSS_HIDDEN uint64_t coss_crc64_vpclmul256_internal(uint64_t crc, const unsigned char *p, size_t len);
// The vector kernels' fold constants (crc64_vector.h), filled by make_fold_table.
COSS_HIDDEN uint64_t coss_crc64_fold_k[17][2];

uint64_t coss_crc64_tables_internal(uint64_t crc, const unsigned char *p, size_t len) {
    while (len && ((uintptr_t)p & 7)) {
        crc = tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc ^= word;
        crc = tables[7][crc & 0xff] ^ tables[6][(crc >> 8) & 0xff] ^ tables[5][(crc >> 16) & 0xff] ^
              tables[4][(crc >> 24) & 0xff] ^ tables[3][(crc >> 32) & 0xff] ^ tables[2][(crc >> 40) & 0xff] ^
              tables[1][(crc >> 48) & 0xff] ^ tables[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--) crc = tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

// Combining, as zlib's crc32_combine does it (multmodp/x2nmodp), for the 64-bit register.
// In the reflected form bit 63 is x^0 and bit 62 is x^1.
static uint64_t x2n_table[67];  // x^(2^k) mod P, k = 0...66 (lengths up to 2^64 bytes)

// a(x) * b(x) mod P(x), one bit of a at a time.
static uint64_t multmodp(uint64_t a, uint64_t b) {
    uint64_t m = (uint64_t)1 << 63, p = 0;
    for (;;) {
        if (a & m) {
            p ^= b;
            if ((a & (m - 1)) == 0) break;
        }
        m >>= 1;
        b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
    }
    return p;
}

// x^(n * 2^k) mod P(x).
static uint64_t x2nmodp(uint64_t n, unsigned k) {
    uint64_t p = (uint64_t)1 << 63;  // x^0
    while (n) {
        if (n & 1) p = multmodp(x2n_table[k], p);
        n >>= 1;
        k++;
    }
    return p;
}

// {x^(128N+63) mod P, x^(128N-1) mod P} for N = 1...16: folding a 128-bit block forward over
// N blocks, as crc64_clmul.c's typed-in N = 1...8 values do.
static void make_fold_table(void) {
    for (uint64_t n = 1; n <= 16; n++) {
        coss_crc64_fold_k[n][0] = x2nmodp(128 * n + 63, 0);
        coss_crc64_fold_k[n][1] = x2nmodp(128 * n - 1, 0);
    }
}

static void make_x2n_table(void) {
    uint64_t p = (uint64_t)1 << 62;  // x^1
    x2n_table[0] = p;
    for (int k = 1; k < 67; k++) x2n_table[k] = p = multmodp(p, p);
}

typedef uint64_t (*crc64_kernel)(uint64_t, const unsigned char *, size_t);
static crc64_kernel kernel = coss_crc64_tables_internal;
static unsigned kernels_available = COSS_CRC64_KERNEL_TABLES;

// Runs once (pthread_once publishes `kernel` to every thread that passes it).
static void setup(void) {
    make_tables();
    make_x2n_table();
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the AVX-512 state (XGETBV).
    __builtin_cpu_init();
    if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
        kernels_available |= COSS_CRC64_KERNEL_PCLMUL;
        kernel = coss_crc64_clmul_internal;
        if (__builtin_cpu_supports("vpclmulqdq")) {
            make_fold_table();
            if (__builtin_cpu_supports("avx2")) {
                kernels_available |= COSS_CRC64_KERNEL_VPCLMUL_AVX2;
                kernel = coss_crc64_vpclmul256_internal;
            }
            if (__builtin_cpu_supports("avx512f")) {
                kernels_available |= COSS_CRC64_KERNEL_VPCLMUL_AVX512;
                kernel = coss_crc64_vpclmul_internal;
            }
        }
    }
#endif
}

uint64_t coss_crc64_update(uint64_t crc, const void *data, size_t len) {
    pthread_once(&tables_once, setup);
    return kernel(crc, (const unsigned char *)data, len);
}

uint64_t coss_crc64_update_portable(uint64_t crc, const void *data, size_t len) {
    pthread_once(&tables_once, setup);
    return coss_crc64_tables_internal(crc, (const unsigned char *)data, len);
}

unsigned coss_crc64_kernels(void) {
    pthread_once(&tables_once, setup);
    return kernels_available;
}

uint64_t coss_crc64_update_kernel(unsigned which, uint64_t crc, const void *data, size_t len) {
    pthread_once(&tables_once, setup);
    const unsigned char *p = (const unsigned char *)data;
#if defined(__x86_64__)
    if (which == COSS_CRC64_KERNEL_VPCLMUL_AVX512 && (kernels_available & which))
        return coss_crc64_vpclmul_internal(crc, p, len);
    if (which == COSS_CRC64_KERNEL_VPCLMUL_AVX2 && (kernels_available & which))
        return coss_crc64_vpclmul256_internal(crc, p, len);
    if (which == COSS_CRC64_KERNEL_PCLMUL && (kernels_available & which))
        return coss_crc64_clmul_internal(crc, p, len);
#endif
    (void)which;
    return coss_crc64_tables_internal(crc, p, len);
}

int coss_crc64_uses_clmul(void) {
    pthread_once(&tables_once, setup);
    return kernel != coss_crc64_tables_internal;
}

uint64_t coss_crc64_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
    pthread_once(&tables_once, setup);
    // Appending len_b bytes multiplies A's CRC by x^(8 len_b); B's CRC adds on top. The
    // all-ones init and xor-out cancel out between the two, as in zlib.
    return multmodp(x2nmodp(len_b, 3), crc_a) ^ crc_b;
}
