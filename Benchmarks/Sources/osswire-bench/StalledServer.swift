import Foundation
import Glibc

/// A peer that accepts connections and never reads: the receive window fills and the
/// client blocks in the middle of a body, the situation a cancel has to get out of.
final class StalledServer: @unchecked Sendable {
    // @unchecked Sendable: `listenFD`/`port` never change; `accepted` and `stopping` are
    // only touched under `lock`.
    let port: UInt16
    private let listenFD: Int32
    private let lock = NSCondition()
    private var accepted: [Int32] = []
    private var running = true
    private var stopping = false

    init() throws {
        // A small receive buffer so the window closes after a few KiB.
        (listenFD, port) = try Sockets.listenLoopback(receiveBuffer: 4096)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 && (errno == EINTR || errno == ECONNABORTED) { continue }
            lock.lock()
            if fd < 0 || stopping {
                if fd >= 0 { close(fd) }
                running = false
                lock.broadcast()
                lock.unlock()
                return
            }
            accepted.append(fd)
            lock.broadcast()
            lock.unlock()
        }
    }

    /// The server side of the next connection, once accepted (the caller closes it).
    func nextConnection() -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        while accepted.isEmpty { lock.wait() }
        return accepted.removeFirst()
    }

    /// Whether the client side of `fd` has been closed or shut down, waiting up to `ms`.
    static func peerClosed(_ fd: Int32, waitingUpTo ms: Int32) -> Bool {
        // POLLIN alone is useless here: the unread body makes the socket readable already.
        // POLLRDHUP (0x2000, Linux; Glibc's module does not export it) is the peer's FIN.
        let closed = Int16(0x2000) | Int16(POLLHUP) | Int16(POLLERR)
        var entry = pollfd(fd: fd, events: closed, revents: 0)
        return poll(&entry, 1, ms) == 1 && entry.revents & closed != 0
    }

    func stop() {
        lock.lock()
        stopping = true
        shutdown(listenFD, Int32(SHUT_RDWR))
        while running { lock.wait() }
        for fd in accepted { close(fd) }
        accepted.removeAll()
        lock.unlock()
        close(listenFD)
    }
}
