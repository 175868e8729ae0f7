// crcplace: where a download's CRC64 costs least. One GET from the refserver, each receive
// written at once with pwrite(2) (as OSSWire and refclient's read loop write), with OSSWire's
// own CRC64 (Sources/CLinuxShims) taken on each piece before its pwrite, after it, or not at
// all, and the time spent in the CRC64 measured around each call.
//
// The splice places move the body without a copy through user space (splice(2) from the socket
// into a pipe, then from the pipe into the file): the kernel copies each byte once, into the
// page cache, where a read loop copies it twice (recv, then pwrite). The CRC64 then needs the
// bytes back: "splice-map" reads them through a shared mapping of the file, its pages mapped
// with madvise(MADV_POPULATE_READ) after each piece; "splice-pread" preads each piece back into
// the buffer; "splice-none" takes no CRC64 (the floor of a download that checks nothing).
//
//   crcplace PORT PATH OUTFILE before|after|none|splice-map|splice-pread|splice-none
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
#include <sys/mman.h>
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

static void read_all(int in, char *p, size_t n, off_t at) {
    for (size_t done = 0; done < n;) {
        ssize_t k = pread(in, p + done, n - done, at + (off_t)done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) die("pread");
        done += (size_t)k;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: crcplace PORT PATH OUTFILE before|after|none|splice-map|splice-pread|splice-none\n");
        return 1;
    }
    int port = atoi(argv[1]);
    const char *place = argv[4];
    int before = !strcmp(place, "before"), after = !strcmp(place, "after");
    int map_back = !strcmp(place, "splice-map"), pread_back = !strcmp(place, "splice-pread");
    int spliced = map_back || pread_back || !strcmp(place, "splice-none");
    if (!before && !after && !spliced && strcmp(place, "none"))
        die("the place is before, after, none, splice-map, splice-pread or splice-none");
    char *buf = aligned_alloc(4096, BUF);
    if (!buf) die("aligned_alloc");
    memset(buf, 0, BUF);
    // Read and write: splice-map maps the file to read it back.
    int out = open(argv[3], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
    if (spliced) {
        int pipe_fds[2];
        if (pipe2(pipe_fds, O_CLOEXEC) != 0) die("pipe2");
        if (fcntl(pipe_fds[1], F_SETPIPE_SZ, BUF) < 0) die("F_SETPIPE_SZ");
        size_t file_length = (size_t)(at + left);
        unsigned char *map = NULL;
        if (map_back) {
            if (ftruncate(out, (off_t)file_length) != 0) die("ftruncate");
            map = mmap(NULL, file_length, PROT_READ, MAP_SHARED, out, 0);
            if (map == MAP_FAILED) die("mmap");
        }
        while (left > 0) {
            ssize_t r = splice(fd, NULL, pipe_fds[1], NULL, (size_t)(left < BUF ? left : BUF), SPLICE_F_MOVE);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die("splice from the socket");
            off_t piece = at;
            for (ssize_t moved = 0; moved < r;) {
                ssize_t k = splice(pipe_fds[0], NULL, out, &at, (size_t)(r - moved), SPLICE_F_MOVE);
                if (k < 0 && errno == EINTR) continue;
                if (k <= 0) die("splice into the file");
                moved += k;
            }
            left -= r;
            double t = now();
            if (map_back) {
                off_t page = piece & ~(off_t)4095;
                if (madvise(map + page, (size_t)(at - page), MADV_POPULATE_READ) != 0) die("madvise");
                crc = coss_crc64_update(crc, map + piece, (size_t)r);
            } else if (pread_back) {
                read_all(out, buf, (size_t)r, piece);
                crc = coss_crc64_update(crc, buf, (size_t)r);
            }
            in_crc += now() - t;
        }
        if (map) munmap(map, file_length);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
    }
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
    if ((before || after || map_back || pread_back) && server_crc && strtoull(server_crc + 21, NULL, 10) != ~crc) die("CRC64 mismatch");
    close(out);
    fprintf(stderr, "body %.3f s, CRC64 (%s) %.1f ms\n", total, place, in_crc * 1e3);
    return 0;
}
