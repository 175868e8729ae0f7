// Every system call OSSTransport makes goes through here: errno is read at once, EINTR is
// retried, and EBADF/EFAULT (a descriptor or pointer the caller got wrong) stop the program
// instead of being thrown, as they are programmer errors.

import Glibc
internal import CLinuxShims
import OSSCore

/// The outcome of a non-blocking call: done, or would block.
enum IOResult<T> {
    case done(T)
    case wouldBlock
}

enum Syscall {
    /// Runs `body` until it does not fail with EINTR; returns its value or throws the errno.
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ operation: String, _ body: () -> T) throws(SystemError) -> IOResult<T> {
        while true {
            let r = body()
            if r >= 0 { return .done(r) }
            let e = Glibc.errno
            switch e {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EBADF, EFAULT:
                preconditionFailure("\(operation): \(SystemError(errno: e, operation: operation)) (programmer error)")
            default: throw SystemError(errno: e, operation: operation)
            }
        }
    }

    static func recv(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("recv") { Glibc.recv(fd, buffer.baseAddress, buffer.count, 0) }
    }

    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("send") { coss_send(fd, buffer.baseAddress, buffer.count) }
    }

    /// Closes a descriptor the caller owns. EINTR is not retried (Linux releases the number anyway).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func shutdown(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// A non-blocking, close-on-exec TCP socket for `family`.
    static func socket(family: Int32) throws(SystemError) -> Int32 {
        let fd = coss_socket_stream(family)
        guard fd >= 0 else { throw SystemError.current("socket") }
        return fd
    }

    /// Starts a non-blocking connect.
    /// - Returns: true when already connected, false while in progress (EINPROGRESS).
    static func connect(_ fd: Int32, to address: SocketAddress) throws(SystemError) -> Bool {
        while true {
            if address.withSockAddr({ Glibc.connect(fd, $0, $1) }) == 0 { return true }
            let e = Glibc.errno
            switch e {
            case EINTR: continue
            case EINPROGRESS: return false
            case EBADF, EFAULT: preconditionFailure("connect: \(SystemError(errno: e, operation: "connect"))")
            default: throw SystemError(errno: e, operation: "connect")
            }
        }
    }

    /// The error a non-blocking connect ended with (SO_ERROR), 0 when none.
    static func pendingError(_ fd: Int32) throws(SystemError) -> Int32 {
        let e = coss_socket_error(fd)
        if e < 0 { throw SystemError.current("getsockopt") }
        return e
    }

    /// Whether the socket has a peer (a finished connect).
    static func isConnected(_ fd: Int32) -> Bool {
        var peer = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) }
        } == 0
    }

    /// bind(2) with SO_REUSEADDR, then listen(2).
    static func bindAndListen(_ fd: Int32, to address: SocketAddress, backlog: Int32) throws(SystemError) {
        guard coss_set_reuseaddr(fd) == 0 else { throw SystemError.current("setsockopt(SO_REUSEADDR)") }
        guard address.withSockAddr({ Glibc.bind(fd, $0, $1) }) == 0 else { throw SystemError.current("bind") }
        guard Glibc.listen(fd, backlog) == 0 else { throw SystemError.current("listen") }
    }

    /// The address a socket is bound to.
    static func localAddress(_ fd: Int32) throws(SystemError) -> SocketAddress {
        var bound = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard rc == 0 else { throw SystemError.current("getsockname") }
        return SocketAddress(storage: bound, length: len)
    }

    /// accept4 (non-blocking, close-on-exec), retrying EINTR and connections that died in the
    /// queue (ECONNABORTED, EPROTO).
    static func accept(_ fd: Int32) throws(SystemError) -> IOResult<(Int32, SocketAddress)> {
        while true {
            var peer = sockaddr_storage()
            var len = socklen_t(0)
            let r = coss_accept(fd, &peer, &len)
            if r >= 0 { return .done((r, SocketAddress(storage: peer, length: len))) }
            let e = Glibc.errno
            switch e {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case EBADF, EFAULT: preconditionFailure("accept: \(SystemError(errno: e, operation: "accept"))")
            default: throw SystemError(errno: e, operation: "accept")
            }
        }
    }

    /// Fixes the kernel's receive buffer at `bytes` (`SO_RCVBUF`; it then no longer grows with
    /// the connection). Set on a listener, before `listen`, it holds for every accepted socket.
    static func setReceiveBuffer(_ fd: Int32, bytes: Int) throws(SystemError) {
        guard coss_set_buffers(fd, 0, Int32(clamping: bytes)) == 0 else { throw SystemError.current("setsockopt(SO_RCVBUF)") }
    }

    /// Sets TCP_NODELAY and SO_KEEPALIVE (best effort: a failure only costs latency).
    static func tuneStream(_ fd: Int32) {
        _ = coss_tune_stream(fd)
    }

    /// Limits the bytes the kernel holds unsent (`TCP_NOTSENT_LOWAT`; best effort: without it a
    /// cancel only frees more).
    static func setUnsentLimit(_ fd: Int32, bytes: Int) {
        _ = coss_set_notsent_lowat(fd, Int32(clamping: max(1, bytes)))
    }

    /// strerror text for errno.
    static func text(_ errno: Int32) -> String {
        String(cString: strerror(errno))
    }
}
