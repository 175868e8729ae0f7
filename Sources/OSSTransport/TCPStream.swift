import Glibc
internal import CLinuxShims
import OSSCore

/// A TCP connection: non-blocking socket driven by the reactor, `TCP_NODELAY`, `SO_KEEPALIVE`,
/// `MSG_NOSIGNAL` on every send.
///
/// Reads and writes go straight between the caller's buffer and the kernel (no intermediate
/// copy). One task reads or writes at a time; `abort()` may come from any thread.
public final class TCPStream: ByteStream {
    let socket: SocketHandle
    /// The peer, as `127.0.0.1:8080` or `[::1]:443`.
    public let remoteAddress: String
    private let idle = PThreadMutex<Duration?>(nil)

    init(socket: SocketHandle, remoteAddress: String) {
        self.socket = socket
        self.remoteAddress = remoteAddress
    }

    deinit {
        if !socket.isClosed {
            assertionFailure("leak of open TCPStream to \(remoteAddress): close() was never called")
            socket.close()
        }
    }

    public var idleTimeout: Duration? {
        get { idle.withLock { $0 } }
        set { idle.withLock { $0 = newValue } }
    }

    func idleDeadline() -> ContinuousClock.Instant? {
        idleTimeout.map { ContinuousClock.now + $0 }
    }

    func idleTimeoutError(_ what: String) -> TransportError {
        .timeout("\(what) \(remoteAddress) timed out: no progress for \(idleTimeout ?? .zero)")
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            if socket.isAborted { throw socket.abortError }
            let result: IOResult<Int>
            do {
                result = try Syscall.recv(socket.fd, buffer)
            } catch {
                if socket.isAborted { throw socket.abortError }
                throw TransportError(
                    phase: .read, errno: error.errno,
                    message: "read from \(remoteAddress) failed: \(error.message)")
            }
            switch result {
            case .done(let n):
                if n == 0, socket.isAborted { throw socket.abortError }
                return n
            case .wouldBlock:
                try await socket.wait(.read, deadline: idleDeadline(), timeoutError: self.idleTimeoutError("read from"))
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) async throws {
        var offset = 0
        while offset < bytes.count {
            if socket.isAborted { throw socket.abortError }
            // Counted under the socket's lock, so an abort measures the send queue exactly.
            let (n, code) = socket.send(bytes.baseAddress! + offset, bytes.count - offset)
            if n >= 0 {
                offset += n
            } else {
                try await waitToWrite(after: code)
            }
        }
    }

    /// After a send that took nothing: waits for room on would-block, else throws the failure.
    private func waitToWrite(after code: Int32) async throws {
        if code == EAGAIN || code == EWOULDBLOCK {
            try await socket.wait(.write, deadline: idleDeadline(), timeoutError: self.idleTimeoutError("write to"))
            return
        }
        if socket.isAborted { throw socket.abortError }
        throw TransportError(
            phase: .write, errno: code,
            message: "write to \(remoteAddress) failed: \(Syscall.text(code))")
    }

    /// Sends the range with `sendfile(2)`: the kernel takes the bytes from the page cache, with no
    /// copy through user memory. Returns fewer than `count` only when the file ended first.
    public func writeFile(_ file: FileDescriptor, at offset: Int64, count: Int) async throws -> Int? {
        var sent = 0
        while sent < count {
            if socket.isAborted { throw socket.abortError }
            let (n, code) = file.withUnsafeDescriptor { socket.sendFile($0, at: offset + Int64(sent), count - sent) }
            if n > 0 {
                sent += n
            } else if n == 0 {
                return sent  // the file ended: the caller says so
            } else {
                try await waitToWrite(after: code)
            }
        }
        return sent
    }

    public func abort() {
        socket.abort()
    }

    public func close() {
        socket.close()
    }

    public func writtenBytes() -> WrittenBytes? {
        socket.writtenBytes()
    }

    public var writtenCount: Int64? { socket.sentCount }

    public var isReusable: Bool {
        socket.isQuiet()
    }
}

extension TCPStream: CustomStringConvertible {
    public var description: String { "TCPStream(\(remoteAddress))" }
}
