#ifndef COSS_OPENSSL_SHIM_H
#define COSS_OPENSSL_SHIM_H

// The one header OSSWire reads OpenSSL 3 through. C macros Swift cannot call are wrapped
// here as static inline functions prefixed coss_.

// The digests (MD5, SHA-1, SHA-256) use libcrypto's one-shot context functions (MD5_Init,
// SHA256_Init, ...), which OpenSSL 3 marks deprecated but keeps: they run the same assembly as
// EVP without OpenSSL 3's provider machinery, whose first use (EVP_sha256, HMAC) reads
// openssl.cnf and builds the algorithm tables, about 2 MiB of code and data touched in every
// process, and an allocation and a fetch per digest. OSSCrypto.Digest explains.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "OSSWire needs OpenSSL 3"
#endif

static inline long coss_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long coss_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long coss_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}

static inline long coss_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

// ---- Digests (OSSCrypto): one context type for the three algorithms ----

typedef union {
    MD5_CTX md5;
    SHA_CTX sha1;
    SHA256_CTX sha256;
} coss_digest_ctx;

/// alg: 0 MD5, 1 SHA-1, 2 SHA-256.
static inline void coss_digest_init(coss_digest_ctx *c, int alg) {
    switch (alg) {
    case 0: MD5_Init(&c->md5); break;
    case 1: SHA1_Init(&c->sha1); break;
    default: SHA256_Init(&c->sha256); break;
    }
}

static inline void coss_digest_update(coss_digest_ctx *c, int alg, const void *data, size_t count) {
    switch (alg) {
    case 0: MD5_Update(&c->md5, data, count); break;
    case 1: SHA1_Update(&c->sha1, data, count); break;
    default: SHA256_Update(&c->sha256, data, count); break;
    }
}

/// Writes the digest (16, 20 or 32 bytes) to out.
static inline void coss_digest_final(coss_digest_ctx *c, int alg, unsigned char *out) {
    switch (alg) {
    case 0: MD5_Final(out, &c->md5); break;
    case 1: SHA1_Final(out, &c->sha1); break;
    default: SHA256_Final(out, &c->sha256); break;
    }
}

static inline int coss_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline int coss_TLS1_1_VERSION(void) { return TLS1_1_VERSION; }
static inline int coss_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }

static inline long coss_SSL_MODE_ENABLE_PARTIAL_WRITE(void) { return SSL_MODE_ENABLE_PARTIAL_WRITE; }
static inline long coss_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER(void) { return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline long coss_SSL_MODE_AUTO_RETRY(void) { return SSL_MODE_AUTO_RETRY; }

// ---- Transport (OSSTransport): custom socket BIO and option macros ----

static inline void coss_BIO_set_retry_read(BIO *b) { BIO_set_retry_read(b); }
static inline void coss_BIO_set_retry_write(BIO *b) { BIO_set_retry_write(b); }
static inline void coss_BIO_clear_retry_flags(BIO *b) { BIO_clear_retry_flags(b); }
static inline int coss_BIO_CTRL_FLUSH(void) { return BIO_CTRL_FLUSH; }
static inline int coss_BIO_TYPE_SOURCE_SINK(void) { return BIO_TYPE_SOURCE_SINK; }
static inline uint64_t coss_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline uint64_t coss_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline int coss_SSL_VERIFY_PEER(void) { return SSL_VERIFY_PEER; }
static inline int coss_SSL_VERIFY_NONE(void) { return SSL_VERIFY_NONE; }
static inline int coss_SSL_FILETYPE_PEM(void) { return SSL_FILETYPE_PEM; }

#endif
