#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims
import OSSCore

/// A listening TCP socket for servers (the mock OSS server, benchmark and test servers).
public final class TCPListener: Sendable {
    private let socket: SocketHandle
    /// The port bound (the kernel's choice when 0 was asked for).
    public let localPort: Int
    /// The address bound, as `127.0.0.1:PORT` or `[::1]:PORT`.
    public let localAddress: String

    /// Binds and listens with `SO_REUSEADDR`.
    /// - Parameters:
    ///   - host: an IP literal or a name resolved at once (`127.0.0.1`, `::1`, `localhost`).
    ///   - port: the port, 0 for any free one.
    ///   - backlog: the accept queue length given to listen(2).
    /// - Throws: `TransportError` (phase `.configuration` for a bad host, `.connect` for bind/listen).
    public init(host: String = "127.0.0.1", port: Int = 0, backlog: Int32 = 128) throws {
        let address: SocketAddress
        if let literal = SocketAddress(ipLiteral: host, port: port) {
            address = literal
        } else {
            guard let first = try Resolver.blockingResolve(host: host, port: port).first else {
                throw TransportError(phase: .dns, message: "cannot resolve \"\(host)\"")
            }
            address = first
        }
        func fail(_ op: String) -> TransportError {
            let e = errno
            return TransportError(phase: .connect, errno: e,
                                  message: "\(op) \(address) failed: \(Syscall.text(e))")
        }
        let fd = coss_socket_stream(address.family)
        guard fd >= 0 else { throw fail("socket for") }
        guard coss_set_reuseaddr(fd) == 0 else {
            let e = fail("SO_REUSEADDR on")
            Syscall.close(fd)
            throw e
        }
        guard address.withSockAddr({ Glibc.bind(fd, $0, $1) }) == 0 else {
            let e = fail("bind to")
            Syscall.close(fd)
            throw e
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = fail("listen on")
            Syscall.close(fd)
            throw e
        }
        var bound = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let local = SocketAddress(storage: bound, length: len)
        do {
            socket = try SocketHandle(fd: fd)
        } catch {
            throw TransportError(phase: .connect, error)
        }
        localPort = local.port
        localAddress = local.description
    }

    deinit {
        socket.close()
    }

    /// Waits for the next connection.
    /// - Returns: the accepted connection (non-blocking, `TCP_NODELAY`, `SO_KEEPALIVE`).
    /// - Throws: `TransportError` with phase `.closed` once `close()` was called (also when it
    ///   comes while this waits).
    public func accept() async throws -> TCPStream {
        while true {
            var peer = sockaddr_storage()
            var len = socklen_t(0)
            guard let (fd, err) = socket.withLockedFD({ fd -> (Int32, Int32) in
                let r = coss_accept(fd, &peer, &len)
                return (r, r < 0 ? errno : 0)
            }) else {
                throw Self.closedError
            }
            if fd >= 0 {
                _ = coss_tune_stream(fd)
                let remote = SocketAddress(storage: peer, length: len).description
                do {
                    return TCPStream(socket: try SocketHandle(fd: fd), remoteAddress: remote)
                } catch {
                    throw TransportError(phase: .connect, error)
                }
            }
            switch err {
            case EAGAIN, EWOULDBLOCK:
                do {
                    try await socket.wait(.read, deadline: nil, timeoutError: .timeout("accept"))
                } catch let e as TransportError where e.phase == .closed {
                    throw Self.closedError
                }
            case EINTR, ECONNABORTED, EPROTO:
                continue
            default:
                throw TransportError(phase: .connect, errno: err,
                                     message: "accept on \(localAddress) failed: \(Syscall.text(err))")
            }
        }
    }

    private static var closedError: TransportError {
        TransportError(phase: .closed, message: "the listener is closed")
    }

    /// Stops listening; a pending `accept()` fails at once with phase `.closed`. Idempotent.
    public func close() {
        socket.close(closeError: Self.closedError)
    }
}
