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

    /// The server side of the next connection if one was accepted (the caller closes it);
    /// never blocks, for callers on Swift's cooperative threads.
    func tryNextConnection() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        return accepted.isEmpty ? nil : accepted.removeFirst()
    }

    /// Whether the client closed its side of `fd`: reads what the client had queued and
    /// expects end of stream or a reset within about a second of silence. (A FIN queued
    /// behind unsent data only arrives once the peer reads, so polling for it is not enough.)
    static func peerClosed(_ fd: Int32) -> Bool {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n == 0 { return true }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == ECONNRESET
            }
        }
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
