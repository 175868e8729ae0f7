// refclient: the C floors OSSWire's benchmarks compare with, against the same refserver.
//
//   refclient put   PORT PATH BYTES    a raw socket write loop: connect, one PUT head, BYTES from
//                                      one 256 KiB buffer with send(2), then the response head
//   refclient putfile PORT PATH FILE   the same with the body read from FILE: pread(2) into the one
//                                      256 KiB buffer, its CRC64 with liblzma's lzma_crc64, then
//                                      send(2): what any client that checks CRC64 must at least do
//   refclient putsendfile PORT PATH FILE  putfile with the send made by sendfile(2) from the
//                                      file (the piece read and CRC'd as before): OSSWire's plain
//                                      HTTP body path in C
//   refclient puttls PORT PATH BYTES   the raw write loop over TLS 1.3 (OpenSSL, AES-128-GCM
//                                      offered first as OSSWire does, no verification): one
//                                      256 KiB buffer through SSL_write, the records gathered in
//                                      a 256 KiB write buffer (BIO_f_buffer) and sent in batches
//                                      as OSSWire's SocketBIO does: the floor of any OpenSSL client
//   refclient putfiletls PORT PATH FILE  the same with putfile's pread and CRC64 in front
//   refclient get   PORT PATH OUTFILE  a raw read loop: one GET, recv(2) into a 256 KiB buffer
//                                      and write(2) to OUTFILE until Content-Length bytes came
//   refclient getsync PORT PATH OUTFILE  the same, then fsync(2) before close: the floor of a
//                                      download that is on the disk when it ends (as OSSWire's
//                                      cp makes it before renaming the file into place)
//   refclient small PORT PATH COUNT    COUNT PUTs of 4 KiB on one kept-alive connection to
//                                      PATH-0, PATH-1, ..., each with the head curl sends
//                                      (Host, User-Agent, Accept, Content-Length), head and body
//                                      in one send(2), reading each response head before the
//                                      next: a C client's floor for the small-request pattern
//                                      (no signing, no parsing beyond the blank line)
//   refclient smallv4 PORT PATH COUNT  the same PUTs doing in C the work an OSS client must do
//                                      for each: the head OSSWire sends (User-Agent, x-oss-date,
//                                      Date, x-oss-content-sha256, a V4 Authorization: the
//                                      canonical request's SHA-256 and an HMAC-SHA256 with the
//                                      day's derived key, as OSSWire caches it), the body's CRC64
//                                      (liblzma), and the answer's status and
//                                      x-oss-hash-crc64ecma checked: the floor of OSSWire's
//                                      small-PUT work without its Swift stack
//
// For experiments on the PUT modes (not used by osswire-bench): REFCLIENT_PIECE=N sends the
// body in pieces of N bytes (at most 256 KiB) instead of 256 KiB, and REFCLIENT_NO_CRC=1 leaves
// out the CRC64 of putfile and putsendfile (the file still read into the buffer), so the cost of
// the piece size and of the read itself can be told apart from the checksum's.
//
// Prints the seconds between connect and the last byte on stdout. Exit 0, 1 on failure.
//   cc -O2 -o refclient refclient.c -llzma -lssl -lcrypto

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/sha.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int dial(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("send");
        p += r;
        n -= (size_t)r;
    }
}

// Reads up to the end of a response head; returns the bytes read past it (body bytes) in *extra
// and the Content-Length.
static long read_head(int fd, char *buf, size_t cap, size_t *extra) {
    size_t have = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + have, cap - have - 1, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("recv head");
        have += (size_t)r;
        buf[have] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (end) {
            long length = 0;
            char *cl = strcasestr(buf, "\r\ncontent-length:");
            if (cl) length = atol(cl + 17);
            *extra = have - (size_t)(end + 4 - buf);
            if (*extra) memmove(buf, end + 4, *extra);
            return length;
        }
        if (have + 1 >= cap) die("head too long");
    }
}

static void hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

static void hmac(const unsigned char *key, size_t keylen, const char *msg, size_t n, unsigned char out[32]) {
    unsigned int len = 32;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, n, out, &len)) die("HMAC");
}

// One V4-signed 4 KiB PutObject, as OSSWire sends it, and its answer checked (status 200 and
// the CRC64 the server computed equal to the body's). The derived key is kept per day.
static void put_v4(int fd, const char *path, int i, int port, const char *body, char *req, char *buf) {
    static char keyday[9];
    static unsigned char key[32];
    const char *secret = "bench-secret-not-real", *region = "cn-hangzhou";
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char iso[17], day[9], http_date[32];
    strftime(iso, sizeof iso, "%Y%m%dT%H%M%SZ", &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    strftime(http_date, sizeof http_date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (strcmp(day, keyday) != 0) {
        char k0[64];
        int n0 = snprintf(k0, sizeof k0, "aliyun_v4%s", secret);
        hmac((unsigned char *)k0, (size_t)n0, day, strlen(day), key);
        hmac(key, 32, region, strlen(region), key);
        hmac(key, 32, "oss", 3, key);
        hmac(key, 32, "aliyun_v4_request", 17, key);
        memcpy(keyday, day, sizeof keyday);
    }
    char canonical[512], digest_hex[65], to_sign[256], sig_hex[65];
    unsigned char digest[32], sig[32];
    int cn = snprintf(canonical, sizeof canonical,
                      "PUT\n%s-%d\n\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:%s\n\n\nUNSIGNED-PAYLOAD",
                      path, i, iso);
    SHA256((unsigned char *)canonical, (size_t)cn, digest);
    hex(digest, 32, digest_hex);
    int sn = snprintf(to_sign, sizeof to_sign, "OSS4-HMAC-SHA256\n%s\n%s/%s/oss/aliyun_v4_request\n%s", iso, day,
                      region, digest_hex);
    hmac(key, 32, to_sign, (size_t)sn, sig);
    hex(sig, 32, sig_hex);
    uint64_t crc = lzma_crc64((const uint8_t *)body, 4096, 0);
    int n = snprintf(req, 1024,
                     "PUT %s-%d HTTP/1.1\r\nUser-Agent: osswire/0.1\r\nx-oss-date: %s\r\nDate: %s\r\n"
                     "x-oss-content-sha256: UNSIGNED-PAYLOAD\r\nAuthorization: OSS4-HMAC-SHA256 "
                     "Credential=LTAIbenchmark/%s/%s/oss/aliyun_v4_request,Signature=%s\r\n"
                     "Host: 127.0.0.1:%d\r\nContent-Length: 4096\r\n\r\n",
                     path, i, iso, http_date, day, region, sig_hex, port);
    memcpy(req + n, body, 4096);
    send_all(fd, req, (size_t)n + 4096);
    size_t extra;
    long length = read_head(fd, buf, BUF, &extra);
    if (length != 0 || extra != 0) die("unexpected response body");
    if (strncmp(buf, "HTTP/1.1 200", 12) != 0) die("status");
    char *h = strcasestr(buf, "\r\nx-oss-hash-crc64ecma:");
    if (!h) die("no x-oss-hash-crc64ecma");
    h += 24;
    while (*h == ' ') h++;
    if (strtoull(h, NULL, 10) != crc) die("CRC64 mismatch");
}

// A TLS 1.3 client session on fd whose records leave through a 256 KiB write buffer.
static SSL *tls_open(int fd, BIO **wbio) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) die("SSL_CTX_new");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
    SSL *ssl = SSL_new(ctx);
    BIO *socket = BIO_new_socket(fd, BIO_NOCLOSE), *buffer = BIO_new(BIO_f_buffer());
    if (!ssl || !socket || !buffer || BIO_set_write_buffer_size(buffer, BUF) != 1) die("TLS setup");
    BIO_up_ref(socket);
    *wbio = BIO_push(buffer, socket);
    SSL_set_bio(ssl, socket, *wbio);
    if (SSL_connect(ssl) != 1) die("SSL_connect");
    return ssl;
}

static void tls_write_all(SSL *ssl, const char *p, size_t n) {
    while (n > 0) {
        int r = SSL_write(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
        if (r <= 0) die("SSL_write");
        p += r;
        n -= (size_t)r;
    }
}

// Reads the response head over TLS into buf (NUL-terminated).
static void tls_read_head(SSL *ssl, char *buf, size_t cap) {
    size_t have = 0;
    while (!strstr(buf, "\r\n\r\n")) {
        int r = SSL_read(ssl, buf + have, (int)(cap - have - 1));
        if (r <= 0) die("SSL_read head");
        have += (size_t)r;
        buf[have] = 0;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: refclient put|putfile|putsendfile|puttls|putfiletls|get|getsync|small|smallv4 PORT PATH BYTES|FILE|OUTFILE|COUNT\n");
        return 2;
    }
    const char *mode = argv[1], *path = argv[3];
    int port = atoi(argv[2]);
    char *buf = aligned_alloc(4096, BUF); // page-aligned: on AMD a copy into a buffer 16 bytes
                                          // off a page (malloc's) ran at a quarter of the speed
    memset(buf, 'x', BUF);
    char head[1024];
    double start = now();
    int fd = dial(port);
    int tls = !strcmp(mode, "puttls") || !strcmp(mode, "putfiletls");
    int from_file = !strcmp(mode, "putfile") || !strcmp(mode, "putsendfile") || !strcmp(mode, "putfiletls");
    if (tls || from_file || !strcmp(mode, "put")) {
        // Every PUT mode is this one loop: the body from the buffer or read from the file with
        // its CRC64, written with send, sendfile (putsendfile) or SSL_write (the tls modes).
        int zero_copy = !strcmp(mode, "putsendfile"), in = -1;
        int crc_on = getenv("REFCLIENT_NO_CRC") == NULL;
        long long piece = getenv("REFCLIENT_PIECE") ? atoll(getenv("REFCLIENT_PIECE")) : BUF;
        if (piece <= 0 || piece > BUF) die("REFCLIENT_PIECE must be 1 to 262144");
        long long total;
        if (from_file) {
            in = open(argv[4], O_RDONLY | O_CLOEXEC);
            if (in < 0) die("open input");
            total = (long long)lseek(in, 0, SEEK_END);
        } else {
            total = atoll(argv[4]);
        }
        BIO *wbio = NULL;
        SSL *ssl = tls ? tls_open(fd, &wbio) : NULL;
        int n = snprintf(head, sizeof head, "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %lld\r\n\r\n",
                         path, port, total);
        if (ssl) tls_write_all(ssl, head, (size_t)n);
        else send_all(fd, head, (size_t)n);
        uint64_t crc = 0;
        for (long long at = 0; at < total;) {
            size_t want = total - at > piece ? (size_t)piece : (size_t)(total - at);
            if (from_file) {
                ssize_t r = pread(in, buf, want, (off_t)at);
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) die("pread");
                want = (size_t)r;
                if (crc_on) crc = lzma_crc64((const uint8_t *)buf, want, crc);
            }
            if (zero_copy) {
                for (off_t from = (off_t)at, end = (off_t)(at + (long long)want); from < end;) {
                    ssize_t k = sendfile(fd, in, &from, (size_t)(end - from));
                    if (k < 0 && errno == EINTR) continue;
                    if (k <= 0) die("sendfile");
                }
            } else if (ssl) {
                tls_write_all(ssl, buf, want);
            } else {
                send_all(fd, buf, want);
            }
            at += (long long)want;
        }
        if (ssl) {
            if (BIO_flush(wbio) != 1) die("BIO_flush");
            buf[0] = 0;
            tls_read_head(ssl, buf, BUF);
        } else {
            size_t extra;
            read_head(fd, buf, BUF, &extra);
        }
        char *h = strcasestr(buf, "x-oss-hash-crc64ecma:");
        if (crc_on && from_file && h && strtoull(h + 21, NULL, 10) != crc) die("CRC64 mismatch");
        if (in >= 0) close(in);
    } else if (!strcmp(mode, "get") || !strcmp(mode, "getsync")) {
        int out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) die("open output");
        int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", path, port);
        send_all(fd, head, (size_t)n);
        size_t extra;
        long left = read_head(fd, buf, BUF, &extra);
        if (extra && write(out, buf, extra) != (ssize_t)extra) die("write");
        left -= (long)extra;
        while (left > 0) {
            ssize_t r = recv(fd, buf, BUF, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die("recv body");
            for (ssize_t w = 0; w < r;) {
                ssize_t k = write(out, buf + w, (size_t)(r - w));
                if (k < 0 && errno == EINTR) continue;
                if (k <= 0) die("write");
                w += k;
            }
            left -= r;
        }
        if (!strcmp(mode, "getsync") && fsync(out) != 0) die("fsync");
        close(out);
    } else if (!strcmp(mode, "small")) {
        // The request curl sends for `curl -H 'Expect:' -T FILE URL` (its head byte for byte,
        // a key of its own per request), so the floor does the work curl's does on the wire.
        int count = atoi(argv[4]);
        char *req = malloc(4096 + 1024);
        for (int i = 0; i < count; i++) {
            int n = snprintf(req, 1024,
                             "PUT %s-%d HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: curl/7.88.1\r\n"
                             "Accept: */*\r\nContent-Length: 4096\r\n\r\n",
                             path, i, port);
            memset(req + n, 'x', 4096);
            send_all(fd, req, (size_t)n + 4096);
            size_t extra;
            long length = read_head(fd, buf, BUF, &extra);
            if (length != 0 || extra != 0) die("unexpected response body");
        }
    } else if (!strcmp(mode, "smallv4")) {
        int count = atoi(argv[4]);
        char *req = malloc(4096 + 1024), body[4096];
        memset(body, 'a', sizeof body);
        for (int i = 0; i < count; i++) put_v4(fd, path, i, port, body, req, buf);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("%.6f\n", now() - start);
    close(fd);
    return 0;
}
