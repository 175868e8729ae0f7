#ifndef COSS_LINUX_SHIMS_H
#define COSS_LINUX_SHIMS_H

// What Swift's Glibc module does not expose (epoll, eventfd), and the CRC64 kernel.

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

/// CRC64-ECMA (reflected 0xC96C5795D7870F42) update over `len` bytes. `crc` is the running
/// value *before* the final xor (pass ~0 to start; xor with ~0 when done).
uint64_t coss_crc64_update(uint64_t crc, const void *data, size_t len);

/// The same with the portable slicing-by-8 tables whatever the CPU (for tests and benchmarks).
uint64_t coss_crc64_update_portable(uint64_t crc, const void *data, size_t len);

/// The finished CRC64 of A followed by B, from the finished CRCs of A and B and B's length
/// (zlib's crc32_combine method: a microsecond, no allocation).
uint64_t coss_crc64_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

/// 1 when a carry-less multiply kernel is in use on this CPU, else 0 (portable tables).
int coss_crc64_uses_clmul(void);

/// The CRC64 kernels: slicing-by-8 tables (everywhere), PCLMULQDQ + SSE4.1, AVX-512 VPCLMULQDQ.
#define COSS_CRC64_KERNEL_TABLES 1u
#define COSS_CRC64_KERNEL_PCLMUL 2u
#define COSS_CRC64_KERNEL_VPCLMUL_AVX512 4u

/// The kernels this CPU runs, as a set of COSS_CRC64_KERNEL_* bits (tests, benchmarks).
unsigned coss_crc64_kernels(void);

/// coss_crc64_update with one given kernel (tables if this CPU cannot run it).
uint64_t coss_crc64_update_kernel(unsigned kernel, uint64_t crc, const void *data, size_t len);

#endif
