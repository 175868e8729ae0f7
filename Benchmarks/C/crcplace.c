// crcplace: where a download's CRC64 costs least. One GET from the refserver, each receive
// written at once with pwrite(2) (as OSSWire and refclient's read loop write), with OSSWire's
// own CRC64 (Sources/CLinuxShims) taken on each piece before its pwrite, after it, or not at
// all, and the time spent in the CRC64 measured around each call.
//
//   crcplace PORT PATH OUTFILE before|after|none
//
// Prints the whole time and the CRC64's on stderr, and checks the CRC64 against the server's
// x-oss-hash-crc64ecma (refserver -c). Exit 0, 1 on failure. Built from the repository's root:
//   cc -O2 -I Sources/CLinuxShims/include -o crcplace Benchmarks/C/crcplace.c Sources/CLinuxShims/crc64*.c

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)

uint64_t coss_crc64_update(uint64_t crc, const void *data, size_t len);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void write_all(int out, const char *p, size_t n, off_t at) {
    for (size_t done = 0; done < n;) {
        ssize_t k = pwrite(out, p + done, n - done, at + (off_t)done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) die("pwrite");
        done += (size_t)k;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: crcplace PORT PATH OUTFILE before|after|none\n");
        return 1;
    }
    int port = atoi(argv[1]);
    int before = !strcmp(argv[4], "before"), after = !strcmp(argv[4], "after");
    if (!before && !after && strcmp(argv[4], "none")) die("the place is before, after or none");
    char *buf = aligned_alloc(4096, BUF);
    if (!buf) die("aligned_alloc");
    memset(buf, 0, BUF);
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) die("open output");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
    char head[8192];
    int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", argv[2], port);
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n) die("send");
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have + 1 >= sizeof head) die("head too long");
        ssize_t r = recv(fd, head + have, sizeof head - have - 1, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("recv head");
        have += (size_t)r;
        head[have] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    char *length = strcasestr(head, "content-length:");
    char *server_crc = strcasestr(head, "x-oss-hash-crc64ecma:");
    if (!length) die("no Content-Length");
    long long left = atoll(length + 15);
    size_t extra = have - (size_t)(end + 4 - head);
    // The register runs inverted, as CRC64.swift keeps it: ~0 in, ~ out.
    uint64_t crc = coss_crc64_update(~(uint64_t)0, end + 4, extra);
    write_all(out, end + 4, extra, 0);
    off_t at = (off_t)extra;
    left -= (long long)extra;
    double in_crc = 0, start = now();
    while (left > 0) {
        ssize_t r = recv(fd, buf, BUF, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("recv body");
        double t = now();
        if (before) crc = coss_crc64_update(crc, buf, (size_t)r);
        in_crc += now() - t;
        write_all(out, buf, (size_t)r, at);
        t = now();
        if (after) crc = coss_crc64_update(crc, buf, (size_t)r);
        in_crc += now() - t;
        at += r;
        left -= r;
    }
    double total = now() - start;
    if ((before || after) && server_crc && strtoull(server_crc + 21, NULL, 10) != ~crc) die("CRC64 mismatch");
    close(out);
    fprintf(stderr, "body %.3f s, CRC64 %s the write %.1f ms\n", total, argv[4], in_crc * 1e3);
    return 0;
}
