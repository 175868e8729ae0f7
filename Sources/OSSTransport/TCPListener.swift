import Glibc
internal import CLinuxShims
import OSSCore

/// A listening TCP socket for servers (the mock OSS server, benchmark and test servers).
package final class TCPListener: Sendable {
    private let socket: SocketHandle
    /// The port bound (the kernel's choice when 0 was asked for).
    package let localPort: Int
    /// The address bound, as `127.0.0.1:PORT` or `[::1]:PORT`.
    package let localAddress: String

    /// Binds and listens with `SO_REUSEADDR`.
    /// - Parameters:
    ///   - host: an IP literal or a name resolved at once (`127.0.0.1`, `::1`, `localhost`).
    ///   - port: the port, 0 for any free one.
    ///   - backlog: the accept queue length given to listen(2).
    ///   - receiveBufferSize: fixes each accepted connection's kernel receive buffer
    ///     (`SO_RCVBUF`, no autotuning; the kernel doubles it for its bookkeeping), so that a
    ///     client's body larger than it stays in the client's send queue until it is read. `nil`
    ///     leaves the kernel's default, which grows (to `tcp_rmem`'s maximum, 32 MiB on some
    ///     machines).
    /// - Throws: `TransportError` (phase `.configuration` for a bad host, `.connect` for bind/listen).
    package init(host: String = "127.0.0.1", port: Int = 0, backlog: Int32 = 128, receiveBufferSize: Int? = nil) throws {
        let address: SocketAddress
        if let literal = SocketAddress(ipLiteral: host, port: port) {
            address = literal
        } else {
            guard let first = try Resolver.blockingResolve(host: host, port: port).first else {
                throw TransportError(phase: .dns, message: "cannot resolve \"\(host)\"")
            }
            address = first
        }
        let fd: Int32
        let local: SocketAddress
        do {
            fd = try Syscall.socket(family: address.family)
        } catch {
            throw TransportError(
                phase: .connect, errno: error.errno, message: "socket for \(address) failed: \(error.message)")
        }
        do {
            if let receiveBufferSize { try Syscall.setReceiveBuffer(fd, bytes: receiveBufferSize) }
            try Syscall.bindAndListen(fd, to: address, backlog: backlog)
            local = try Syscall.localAddress(fd)
        } catch {
            Syscall.close(fd)
            throw TransportError(
                phase: .connect, errno: error.errno,
                message: "\(error.operation) on \(address) failed: \(error.message)")
        }
        do {
            socket = try SocketHandle(fd: fd, resetsOnAbort: false)
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
    package func accept() async throws -> TCPStream {
        while true {
            // Under the socket's lock, so a concurrent close() cannot release the number mid-call.
            let attempt = socket.withLockedFD { fd in Result { () throws(SystemError) in try Syscall.accept(fd) } }
            guard let attempt else { throw Self.closedError }
            switch attempt {
            case .success(.done(let (fd, peer))):
                Syscall.tuneStream(fd)
                do {
                    return TCPStream(socket: try SocketHandle(fd: fd), remoteAddress: peer.description)
                } catch {
                    throw TransportError(phase: .connect, error)
                }
            case .success(.wouldBlock):
                do {
                    try await socket.wait(.read, deadline: nil, timeoutError: .timeout("accept"))
                } catch let e as TransportError where e.phase == .closed {
                    throw Self.closedError
                }
            case .failure(let error):
                throw TransportError(
                    phase: .connect, errno: error.errno,
                    message: "accept on \(localAddress) failed: \(error.message)")
            }
        }
    }

    private static var closedError: TransportError {
        TransportError(phase: .closed, message: "the listener is closed")
    }

    /// Stops listening; a pending `accept()` fails at once with phase `.closed`. Idempotent.
    package func close() {
        socket.close(closeError: Self.closedError)
    }
}
