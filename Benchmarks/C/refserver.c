// refserver: the reference server of OSSWire's benchmarks. A small HTTP/1.1 server in C, run as
// its own process, that is not OSSWire: every ratio in Benchmarks/ is taken against it.
//
// OSS-like enough for the calls the benchmarks make, and nothing more:
//   PUT  /bucket/key   reads and discards the body (Content-Length or chunked), answers 200 with
//                      ETag, x-oss-request-id and, with -c, x-oss-hash-crc64ecma of the body
//                      (liblzma's lzma_crc64, so the client's CRC64 check really runs)
//   GET  /bucket/key   answers 200 (or 206 for "Range: bytes=A-B") with the bytes of the -f FILE,
//                      sent with sendfile(2) from the page cache, and the file's CRC64
//   HEAD /bucket/key   the same head, no body
//   anything else      200 with an empty body (DELETE, POST)
// "Expect: 100-continue" gets "100 Continue" at once. Connections are kept alive. One process
// per connection (fork), blocking sockets: the simplest server that is not the bottleneck.
// With -t CERT KEY it speaks TLS (OpenSSL 3, TLS 1.3 preferred) instead.
//
// Prints "listening on http://127.0.0.1:PORT" once it accepts connections; stops on SIGTERM.
//
//   cc -O2 -o refserver refserver.c -lssl -lcrypto -llzma
//   refserver [-p PORT] [-f FILE] [-c] [-t CERT KEY]

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF (256 * 1024)

static SSL_CTX *ctx;
static int crc_on;
static int body_fd = -1;
static off_t body_size;
static uint64_t body_crc;

typedef struct {
    int fd;
    SSL *ssl;
    char *buf;
    size_t have, at;  // bytes in buf, bytes consumed
} conn;

static ssize_t c_read(conn *c, void *p, size_t n) {
    if (c->ssl) {
        int r = SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
        return r > 0 ? r : (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
    }
    for (;;) {
        ssize_t r = recv(c->fd, p, n, 0);
        if (r < 0 && errno == EINTR) continue;
        return r;
    }
}

static int c_write(conn *c, const void *p, size_t n) {
    const char *s = p;
    while (n > 0) {
        ssize_t r;
        if (c->ssl) {
            r = SSL_write(c->ssl, s, n > INT32_MAX ? INT32_MAX : (int)n);
            if (r <= 0) return -1;
        } else {
            r = send(c->fd, s, n, MSG_NOSIGNAL);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return -1;
        }
        s += r;
        n -= (size_t)r;
    }
    return 0;
}

// Fills the buffer with more bytes (compacting first); 0 at EOF, -1 on error.
static ssize_t c_fill(conn *c) {
    if (c->at > 0) {
        memmove(c->buf, c->buf + c->at, c->have - c->at);
        c->have -= c->at;
        c->at = 0;
    }
    if (c->have == BUF) return -1;
    ssize_t r = c_read(c, c->buf + c->have, BUF - c->have);
    if (r > 0) c->have += (size_t)r;
    return r;
}

// Reads and discards (or CRCs) n body bytes.
static int c_body(conn *c, uint64_t n, uint64_t *crc) {
    while (n > 0) {
        if (c->at == c->have) {
            c->at = c->have = 0;
            ssize_t r = c_read(c, c->buf, BUF);
            if (r <= 0) return -1;
            c->have = (size_t)r;
        }
        size_t take = c->have - c->at;
        if (take > n) take = (size_t)n;
        if (crc_on) *crc = lzma_crc64((const uint8_t *)c->buf + c->at, take, *crc);
        c->at += take;
        n -= take;
    }
    return 0;
}

// The next line (CRLF or LF ended) of the buffered input, NUL-terminated in place.
static char *c_line(conn *c) {
    for (;;) {
        char *start = c->buf + c->at;
        char *nl = memchr(start, '\n', c->have - c->at);
        if (nl) {
            *nl = 0;
            if (nl > start && nl[-1] == '\r') nl[-1] = 0;
            c->at = (size_t)(nl + 1 - c->buf);
            return start;
        }
        if (c_fill(c) <= 0) return NULL;
    }
}

static int chunked_body(conn *c, uint64_t *crc) {
    for (;;) {
        char *line = c_line(c);
        if (!line) return -1;
        uint64_t n = strtoull(line, NULL, 16);
        if (n == 0) {
            for (;;) {  // trailers up to the empty line
                char *t = c_line(c);
                if (!t) return -1;
                if (*t == 0) return 0;
            }
        }
        if (c_body(c, n, crc) != 0) return -1;
        if (!c_line(c)) return -1;  // CRLF after the chunk
    }
}

static int send_file_range(conn *c, off_t offset, off_t count) {
    if (c->ssl) {
        char *b = c->buf;  // the request is fully read: the buffer is free
        while (count > 0) {
            size_t want = count > BUF ? BUF : (size_t)count;
            ssize_t r = pread(body_fd, b, want, offset);
            if (r <= 0) return -1;
            if (c_write(c, b, (size_t)r) != 0) return -1;
            offset += r;
            count -= r;
        }
        c->at = c->have = 0;
        return 0;
    }
    while (count > 0) {
        ssize_t r = sendfile(c->fd, body_fd, &offset, count > (1 << 30) ? (1 << 30) : (size_t)count);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        count -= r;
    }
    return 0;
}

static void serve(conn *c) {
    static uint64_t request_id;
    char head[1024];
    for (;;) {
        char *line = c_line(c);
        if (!line) return;
        if (*line == 0) continue;
        char method[16] = {0};
        sscanf(line, "%15s", method);
        uint64_t length = 0;
        int chunked = 0, expect = 0, close_after = 0, ranged = 0;
        uint64_t r0 = 0, r1 = 0;
        for (;;) {
            char *h = c_line(c);
            if (!h) return;
            if (*h == 0) break;
            if (!strncasecmp(h, "content-length:", 15)) length = strtoull(h + 15, NULL, 10);
            else if (!strncasecmp(h, "transfer-encoding:", 18) && strcasestr(h, "chunked")) chunked = 1;
            else if (!strncasecmp(h, "expect:", 7) && strcasestr(h, "100-continue")) expect = 1;
            else if (!strncasecmp(h, "connection:", 11) && strcasestr(h, "close")) close_after = 1;
            else if (!strncasecmp(h, "range:", 6)) {
                char *eq = strchr(h, '=');
                if (eq && sscanf(eq + 1, "%lu-%lu", &r0, &r1) == 2) ranged = 1;
            }
        }
        request_id++;
        if (!strcmp(method, "PUT") || !strcmp(method, "POST")) {
            if (expect && c_write(c, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0) return;
            uint64_t crc = 0;
            if ((chunked ? chunked_body(c, &crc) : c_body(c, length, &crc)) != 0) return;
            char crcHeader[64] = "";
            if (crc_on) snprintf(crcHeader, sizeof crcHeader, "x-oss-hash-crc64ecma: %lu\r\n", (unsigned long)crc);
            int n = snprintf(head, sizeof head,
                             "HTTP/1.1 200 OK\r\nServer: refserver\r\nx-oss-request-id: %016lx\r\n"
                             "ETag: \"%016lX\"\r\n%sContent-Length: 0\r\n\r\n",
                             (unsigned long)request_id, (unsigned long)crc, crcHeader);
            if (c_write(c, head, (size_t)n) != 0) return;
        } else if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && body_fd >= 0) {
            off_t from = 0, count = body_size;
            int status = 200;
            char extra[160] = "";
            if (ranged && (off_t)r0 < body_size && r1 >= r0) {
                if ((off_t)r1 >= body_size) r1 = (uint64_t)body_size - 1;
                from = (off_t)r0;
                count = (off_t)(r1 - r0 + 1);
                status = 206;
                snprintf(extra, sizeof extra, "Content-Range: bytes %lu-%lu/%ld\r\n", (unsigned long)r0,
                         (unsigned long)r1, (long)body_size);
            } else {
                snprintf(extra, sizeof extra, "x-oss-hash-crc64ecma: %lu\r\n", (unsigned long)body_crc);
            }
            int n = snprintf(head, sizeof head,
                             "HTTP/1.1 %d %s\r\nServer: refserver\r\nx-oss-request-id: %016lx\r\n"
                             "ETag: \"%016lX\"\r\nLast-Modified: Wed, 25 Nov 2026 00:00:00 GMT\r\n%s"
                             "Content-Length: %ld\r\n\r\n",
                             status, status == 200 ? "OK" : "Partial Content", (unsigned long)request_id,
                             (unsigned long)body_crc, extra, (long)count);
            if (c_write(c, head, (size_t)n) != 0) return;
            if (!strcmp(method, "GET") && send_file_range(c, from, count) != 0) return;
        } else {
            if (c_body(c, length, &(uint64_t){0}) != 0) return;
            int n = snprintf(head, sizeof head,
                             "HTTP/1.1 %d %s\r\nServer: refserver\r\nx-oss-request-id: %016lx\r\nContent-Length: 0\r\n\r\n",
                             strcmp(method, "GET") ? 200 : 404, strcmp(method, "GET") ? "OK" : "Not Found",
                             (unsigned long)request_id);
            if (c_write(c, head, (size_t)n) != 0) return;
        }
        if (close_after) return;
    }
}

static void handle(int fd) {
    conn c = {.fd = fd, .buf = malloc(BUF)};
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (ctx) {
        c.ssl = SSL_new(ctx);
        SSL_set_fd(c.ssl, fd);
        if (SSL_accept(c.ssl) != 1) _exit(0);
    }
    serve(&c);
    if (c.ssl) SSL_shutdown(c.ssl);
    _exit(0);
}

int main(int argc, char **argv) {
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-c")) crc_on = 1;
        else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
            body_fd = open(argv[++i], O_RDONLY | O_CLOEXEC);
            struct stat st;
            if (body_fd < 0 || fstat(body_fd, &st) != 0) { perror("open -f"); return 2; }
            body_size = st.st_size;
            char *b = malloc(BUF);
            for (off_t o = 0; o < body_size;) {
                ssize_t r = pread(body_fd, b, BUF, o);
                if (r <= 0) { perror("read -f"); return 2; }
                body_crc = lzma_crc64((uint8_t *)b, (size_t)r, body_crc);
                o += r;
            }
            free(b);
        } else if (!strcmp(argv[i], "-t") && i + 2 < argc) {
            ctx = SSL_CTX_new(TLS_server_method());
            SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
            SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
            // Read ahead into 256 KiB: one recv(2) brings many records (the default takes two
            // per record), so the server's cost per record stays below either client's.
            SSL_CTX_set_read_ahead(ctx, 1);
            SSL_CTX_set_default_read_buffer_len(ctx, BUF);
            if (SSL_CTX_use_certificate_chain_file(ctx, argv[i + 1]) != 1 ||
                SSL_CTX_use_PrivateKey_file(ctx, argv[i + 2], SSL_FILETYPE_PEM) != 1) {
                ERR_print_errors_fp(stderr);
                return 2;
            }
            i += 2;
        } else {
            fprintf(stderr, "usage: refserver [-p PORT] [-f FILE] [-c] [-t CERT KEY]\n");
            return 2;
        }
    }
    // A parent may have blocked signals (Foundation's Process spawns with its mask): SIGTERM
    // must stop this server.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGCHLD, SIG_IGN);  // children reaped by the kernel
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 128) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &len) != 0) {
        perror("listen");
        return 2;
    }
    printf("listening on %s://127.0.0.1:%d\n", ctx ? "https" : "http", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            perror("accept");
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(ls);
            handle(fd);
        }
        close(fd);
    }
}
