// refclient: the C floors OSSWire's benchmarks compare with, against the same refserver.
//
//   refclient put   PORT PATH BYTES    a raw socket write loop: connect, one PUT head, BYTES from
//                                      one 256 KiB buffer with send(2), then the response head
//   refclient putfile PORT PATH FILE   the same with the body read from FILE: pread(2) into the one
//                                      256 KiB buffer, its CRC64 with liblzma's lzma_crc64, then
//                                      send(2): what any client that checks CRC64 must at least do
//   refclient get   PORT PATH OUTFILE  a raw read loop: one GET, recv(2) into a 256 KiB buffer
//                                      and write(2) to OUTFILE until Content-Length bytes came
//   refclient small PORT PATH COUNT    COUNT PUTs of 4 KiB on one kept-alive connection to
//                                      PATH-0, PATH-1, ..., each with the head curl sends
//                                      (Host, User-Agent, Accept, Content-Length), head and body
//                                      in one send(2), reading each response head before the
//                                      next: a C client's floor for the small-request pattern
//                                      (no signing, no parsing beyond the blank line)
//
// Prints the seconds between connect and the last byte on stdout. Exit 0, 1 on failure.
//   cc -O2 -o refclient refclient.c -llzma

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: refclient put|putfile|get|small PORT PATH BYTES|FILE|OUTFILE|COUNT\n");
        return 2;
    }
    const char *mode = argv[1], *path = argv[3];
    int port = atoi(argv[2]);
    char *buf = malloc(BUF);
    memset(buf, 'x', BUF);
    char head[1024];
    double start = now();
    int fd = dial(port);
    if (!strcmp(mode, "put")) {
        long long total = atoll(argv[4]);
        int n = snprintf(head, sizeof head, "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %lld\r\n\r\n",
                         path, port, total);
        send_all(fd, head, (size_t)n);
        for (long long left = total; left > 0;) {
            size_t want = left > BUF ? BUF : (size_t)left;
            send_all(fd, buf, want);
            left -= (long long)want;
        }
        size_t extra;
        read_head(fd, buf, BUF, &extra);
    } else if (!strcmp(mode, "putfile")) {
        int in = open(argv[4], O_RDONLY | O_CLOEXEC);
        if (in < 0) die("open input");
        off_t total = lseek(in, 0, SEEK_END);
        int n = snprintf(head, sizeof head, "PUT %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: %lld\r\n\r\n",
                         path, port, (long long)total);
        send_all(fd, head, (size_t)n);
        uint64_t crc = 0;
        for (off_t at = 0; at < total;) {
            ssize_t r = pread(in, buf, BUF, at);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die("pread");
            crc = lzma_crc64((const uint8_t *)buf, (size_t)r, crc);
            send_all(fd, buf, (size_t)r);
            at += r;
        }
        size_t extra;
        read_head(fd, buf, BUF, &extra);
        char *h = strcasestr(buf, "x-oss-hash-crc64ecma:");
        if (h && strtoull(h + 21, NULL, 10) != crc) die("CRC64 mismatch");
        close(in);
    } else if (!strcmp(mode, "get")) {
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
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("%.6f\n", now() - start);
    close(fd);
    return 0;
}
