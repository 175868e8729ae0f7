#ifndef OSSWIRE_BENCH_CLZMA_H
#define OSSWIRE_BENCH_CLZMA_H
// liblzma, for lzma_crc64: the reference CRC64-ECMA implementation the benchmark compares with.
#include <lzma.h>
#endif
