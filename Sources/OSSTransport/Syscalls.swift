// Every system call OSSTransport makes goes through here: errno is read at once, EINTR is
// retried, and EBADF/EFAULT (a descriptor or pointer the caller got wrong) stop the program
// instead of being thrown, as they are programmer errors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims
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

    /// strerror text for errno.
    static func text(_ errno: Int32) -> String {
        String(cString: strerror(errno))
    }
}
