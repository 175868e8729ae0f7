#ifndef OSSWIRE_BENCH_OPENSSL_H
#define OSSWIRE_BENCH_OPENSSL_H
// The system OpenSSL, for the benchmarks' own raw TLS loops (the references OSSWire is measured
// against). The library's COpenSSL is an implementation detail no product exports.
#include <openssl/ssl.h>
#include <openssl/err.h>
#endif
