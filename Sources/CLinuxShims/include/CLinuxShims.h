#ifndef COSS_LINUX_SHIMS_H
#define COSS_LINUX_SHIMS_H

// What Swift's Glibc module does not expose (epoll, eventfd), and the CRC64 kernel.

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>

// ---- Files (OSSCore's FileDescriptor) ----

/// Starts writing the dirty pages of `length` bytes at `offset` to the device, without waiting
/// for them (sync_file_range with SYNC_FILE_RANGE_WRITE); -1 with errno when the file system
/// cannot.
int coss_start_writeback(int fd, int64_t offset, int64_t length);

// ---- Transport (OSSTransport owns this block) ----

/// epoll_event is packed on x86_64; these helpers keep the packed layout out of Swift.
/// Adds `fd` with no events armed (one-shot: `coss_epoll_arm` arms it for one wait).
int coss_epoll_add_disarmed(int epfd, int fd, uint64_t tag);
/// Arms `fd` for one event (EPOLLONESHOT, level-triggered): readable (with hang-up and errors)
/// when `want_read`, writable when `want_write`. An fd already ready reports at once.
int coss_epoll_arm(int epfd, int fd, uint64_t tag, int want_read, int want_write);
/// Adds `fd` level-triggered for input (the reactor's own eventfd).
int coss_epoll_add_in(int epfd, int fd, uint64_t tag);
int coss_epoll_del(int epfd, int fd);
/// Waits like epoll_wait and unpacks up to `max` events into `tags` and `events`.
int coss_epoll_wait(int epfd, uint64_t *tags, uint32_t *events, int max, int timeout_ms);

/// Readiness bits as the reactor sees them.
#define COSS_EV_READ 1u
#define COSS_EV_WRITE 2u
#define COSS_EV_HUP 4u
/// Maps epoll bits to COSS_EV_* bits.
uint32_t coss_epoll_readiness(uint32_t events);

/// A non-blocking, close-on-exec stream socket of `family`.
int coss_socket_stream(int family);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int coss_accept(int fd, struct sockaddr_storage *addr, socklen_t *len);
/// send with MSG_NOSIGNAL: never a SIGPIPE.
ssize_t coss_send(int fd, const void *buf, size_t len);
/// sendfile(2) of `len` bytes of `in` from `offset` to the socket `fd`, SIGPIPE blocked for the
/// call and a SIGPIPE it raised taken back: never a SIGPIPE, like coss_send. Returns what
/// sendfile returns (0: the file ended at `offset`), errno set on -1.
ssize_t coss_sendfile(int fd, int in, int64_t offset, size_t len);
/// recv(MSG_PEEK | MSG_DONTWAIT) of one byte.
ssize_t coss_peek(int fd);
/// Sets TCP_NODELAY and SO_KEEPALIVE. Returns 0 or -1 (errno set).
int coss_tune_stream(int fd);
/// Sets TCP_NOTSENT_LOWAT. Returns 0 or -1 (errno set).
int coss_set_notsent_lowat(int fd, int bytes);
/// Sets SO_REUSEADDR. Returns 0 or -1.
int coss_set_reuseaddr(int fd);
/// getsockopt(SO_ERROR): the pending error (0 when none) or -1 if getsockopt itself failed.
int coss_socket_error(int fd);
/// Sets SO_SNDBUF and SO_RCVBUF when > 0 (tests shrink them to fill buffers quickly).
int coss_set_buffers(int fd, int sndbuf, int rcvbuf);
/// Formats an address as "1.2.3.4:80" or "[::1]:80" into out (>= 64 bytes).
void coss_format_address(const struct sockaddr *addr, char *out, size_t outlen);
/// The port of an IPv4/IPv6 address, or -1.
int coss_address_port(const struct sockaddr *addr);
/// Fills an address from an IP literal (v4 or v6) and port; returns its length or 0 if not a literal.
socklen_t coss_parse_ip(const char *host, int port, struct sockaddr_storage *out);
/// Resolves with getaddrinfo (AF_UNSPEC, SOCK_STREAM). Returns 0 or an EAI_* code.
int coss_getaddrinfo(const char *host, int port, struct addrinfo **res);
/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int coss_eventfd(void);

/// The kernel's send queue of a connected TCP socket: `unsent` bytes never transmitted yet
/// (SIOCOUTQNSD) and `unacked` bytes not yet acknowledged by the peer, unsent included
/// (SIOCOUTQ). Returns 0 when the connection can still deliver them (ESTABLISHED or
/// CLOSE_WAIT), 1 when it cannot say (another state: reset, closed, connecting), -1 on error.
int coss_send_queue(int fd, int64_t *unsent, int64_t *unacked);
/// Resets a TCP connection now: connect(AF_UNSPEC), which Linux turns into tcp_disconnect():
/// an RST to the peer and the send queue discarded, the descriptor left open (a half-open
/// socket in state CLOSE that its owner still closes). Returns 0 or -1 (errno set).
int coss_tcp_reset(int fd);
/// SO_LINGER {on, 0}: close(2) then resets instead of sending a FIN. Returns 0 or -1.
int coss_set_linger_zero(int fd);

// ---- CRC64 ----

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

/// The CRC64 kernels: slicing-by-8 tables (everywhere), PCLMULQDQ + SSE4.1, AVX-512 VPCLMULQDQ,
/// VPCLMULQDQ on 256-bit vectors with AVX2.
#define COSS_CRC64_KERNEL_TABLES 1u
#define COSS_CRC64_KERNEL_PCLMUL 2u
#define COSS_CRC64_KERNEL_VPCLMUL_AVX512 4u
#define COSS_CRC64_KERNEL_VPCLMUL_AVX2 8u

/// The kernels this CPU runs, as a set of COSS_CRC64_KERNEL_* bits (tests, benchmarks).
unsigned coss_crc64_kernels(void);

/// coss_crc64_update with one given kernel (tables if this CPU cannot run it).
uint64_t coss_crc64_update_kernel(unsigned kernel, uint64_t crc, const void *data, size_t len);

#endif
