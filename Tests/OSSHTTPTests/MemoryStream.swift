import OSSCore
import OSSTestSupport
import OSSHTTP

#if canImport(Glibc)
import Glibc
#endif

/// One direction of an in-memory connection, holding at most `capacity` bytes, so a writer blocks
/// when the reader stops reading (as a socket's buffers do).
final class MemoryPipe: Sendable {
    struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    struct State {
        var buffer: [UInt8] = []
        var writerDone = false  // the reader sees EOF once the buffer is drained
        var readerGone = false  // the writer gets EPIPE
        var readerAborted = false
        var writerAborted = false
        var readWaiter: Waiter?
        var writeWaiter: Waiter?
        var nextID = 0
    }

    let state = PThreadMutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func wakeAll() {
        let (r, w) = state.withLock { s -> (Waiter?, Waiter?) in
            defer {
                s.readWaiter = nil
                s.writeWaiter = nil
            }
            return (s.readWaiter, s.writeWaiter)
        }
        r?.continuation.resume(returning: false)
        w?.continuation.resume(returning: false)
    }

    /// Waits until `ready` holds; returns true when `timeout` passed first.
    func wait(
        reader: Bool, timeout: Duration?, ready: @escaping @Sendable (State) -> Bool
    ) async -> Bool {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        var timer: Task<Void, Never>? = nil
        if let timeout {
            timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                if Task.isCancelled { return }
                self?.fireTimeout(reader: reader, id: id)
            }
        }
        defer { timer?.cancel() }
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let now = state.withLock { s -> Bool in
                if ready(s) { return true }
                if reader { s.readWaiter = Waiter(id: id, continuation: c) } else { s.writeWaiter = Waiter(id: id, continuation: c) }
                return false
            }
            if now { c.resume(returning: false) }
        }
    }

    private func fireTimeout(reader: Bool, id: Int) {
        let w = state.withLock { s -> Waiter? in
            if reader, s.readWaiter?.id == id {
                defer { s.readWaiter = nil }
                return s.readWaiter
            }
            if !reader, s.writeWaiter?.id == id {
                defer { s.writeWaiter = nil }
                return s.writeWaiter
            }
            return nil
        }
        w?.continuation.resume(returning: true)
    }
}

/// One end of an in-memory connection implementing `ByteStream`, with counters tests can check.
final class MemoryStream: ByteStream {
    let inbound: MemoryPipe
    let outbound: MemoryPipe
    let name: String

    private struct Local {
        var idleTimeout: Duration? = nil
        var aborts = 0
        var closes = 0
        var bytesWritten = 0
        var reusableOverride: Bool? = nil
    }

    private let local = PThreadMutex(Local())

    init(inbound: MemoryPipe, outbound: MemoryPipe, name: String) {
        self.inbound = inbound
        self.outbound = outbound
        self.name = name
    }

    /// A connected pair: (client end, server end).
    static func pair(capacity: Int = 64 * 1024) -> (MemoryStream, MemoryStream) {
        let up = MemoryPipe(capacity: capacity)
        let down = MemoryPipe(capacity: capacity)
        return (MemoryStream(inbound: down, outbound: up, name: "client"), MemoryStream(inbound: up, outbound: down, name: "server"))
    }

    var idleTimeout: Duration? {
        get { local.withLock { $0.idleTimeout } }
        set { local.withLock { $0.idleTimeout = newValue } }
    }

    var abortCount: Int { local.withLock { $0.aborts } }
    var closeCount: Int { local.withLock { $0.closes } }
    var bytesWritten: Int { local.withLock { $0.bytesWritten } }

    /// Makes `isReusable` lie, to simulate a close that races with the pool's check.
    func overrideReusable(_ value: Bool?) { local.withLock { $0.reusableOverride = value } }

    var isReusable: Bool {
        if let o = local.withLock({ $0.reusableOverride }) { return o }
        return inbound.state.withLock { !$0.readerAborted && $0.buffer.isEmpty && !$0.writerDone }
    }

    /// Whether the other end has closed or aborted (it reads EOF from us / writes fail).
    var peerGone: Bool { outbound.state.withLock { $0.readerGone } }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        while true {
            let result = inbound.state.withLock { s -> Int? in
                if s.readerAborted { return -1 }
                if !s.buffer.isEmpty {
                    let n = min(buffer.count, s.buffer.count)
                    s.buffer.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    s.buffer.removeFirst(n)
                    return n
                }
                if s.writerDone { return 0 }
                return nil
            }
            if let result {
                if result < 0 { throw TransportError.aborted() }
                if result > 0 { wakeWriter(inbound) }
                return result
            }
            let timedOut = await inbound.wait(reader: true, timeout: idleTimeout) { s in
                s.readerAborted || !s.buffer.isEmpty || s.writerDone
            }
            if timedOut { throw TransportError.timeout("read stalled") }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) async throws {
        var offset = 0
        while offset < bytes.count {
            let result = outbound.state.withLock { s -> Int in
                if s.writerAborted { return -1 }
                if s.readerGone { return -2 }
                let space = outbound.capacity - s.buffer.count
                if space <= 0 { return 0 }
                let n = min(space, bytes.count - offset)
                s.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)]))
                return n
            }
            if result == -1 { throw TransportError.aborted() }
            if result == -2 { throw TransportError(phase: .write, errno: EPIPE, message: "broken pipe") }
            if result > 0 {
                offset += result
                local.withLock { $0.bytesWritten += result }
                wakeReader(outbound)
                continue
            }
            let timedOut = await outbound.wait(reader: false, timeout: idleTimeout) { [capacity = outbound.capacity] s in
                s.writerAborted || s.readerGone || s.buffer.count < capacity
            }
            if timedOut { throw TransportError.timeout("write stalled") }
        }
    }

    func abort() {
        local.withLock { $0.aborts += 1 }
        shut()
    }

    func close() {
        local.withLock { $0.closes += 1 }
        shut()
    }

    private func shut() {
        inbound.state.withLock {
            $0.readerAborted = true
            $0.readerGone = true
        }
        outbound.state.withLock {
            $0.writerAborted = true
            $0.writerDone = true
        }
        inbound.wakeAll()
        outbound.wakeAll()
    }

    /// Closes only the sending side (the peer reads EOF), like `shutdown(SHUT_WR)`.
    func finishWriting() {
        outbound.state.withLock { $0.writerDone = true }
        outbound.wakeAll()
    }

    private func wakeReader(_ pipe: MemoryPipe) {
        let w = pipe.state.withLock { s -> MemoryPipe.Waiter? in
            defer { s.readWaiter = nil }
            return s.readWaiter
        }
        w?.continuation.resume(returning: false)
    }

    private func wakeWriter(_ pipe: MemoryPipe) {
        let w = pipe.state.withLock { s -> MemoryPipe.Waiter? in
            defer { s.writeWaiter = nil }
            return s.writeWaiter
        }
        w?.continuation.resume(returning: false)
    }
}

/// A `StreamConnector` that hands each new connection's server end to a scripted peer.
final class MemoryConnector: StreamConnector {
    private struct State {
        var clients: [MemoryStream] = []
        var servers: [MemoryStream] = []
    }

    private let state = PThreadMutex(State())
    let capacity: Int
    let hang: Bool
    let peer: @Sendable (MemoryStream) async -> Void

    /// - Parameters:
    ///   - capacity: bytes each direction holds before a writer blocks.
    ///   - hang: connecting never finishes (until the signal fires), to test cancel while connecting.
    ///   - peer: runs the server end of each connection.
    init(capacity: Int = 64 * 1024, hang: Bool = false, peer: @escaping @Sendable (MemoryStream) async -> Void) {
        self.capacity = capacity
        self.hang = hang
        self.peer = peer
    }

    var connectCount: Int { state.withLock { $0.clients.count } }
    var clients: [MemoryStream] { state.withLock { $0.clients } }

    func connect(
        to endpoint: Endpoint, tls: TLSConfiguration, connectTimeout: Duration?, signal: CancellationSignal?
    ) async throws -> (any ByteStream, ConnectTimings) {
        if signal?.isCancelled == true { throw TransportError.aborted("cancelled before connecting") }
        if hang {
            let gate = MemoryPipe(capacity: 1)
            let key = signal?.onCancel { _ in
                gate.state.withLock { $0.readerAborted = true }
                gate.wakeAll()
            }
            defer { signal?.remove(key) }
            _ = await gate.wait(reader: true, timeout: nil) { $0.readerAborted }
            throw TransportError.aborted("connect aborted")
        }
        let (client, server) = MemoryStream.pair(capacity: capacity)
        let n = state.withLock { s -> Int in
            s.clients.append(client)
            s.servers.append(server)
            return s.clients.count
        }
        let peer = self.peer
        Task { await peer(server) }
        var timings = ConnectTimings()
        timings.remoteAddress = "memory:\(n)"
        timings.connect = .microseconds(1)
        return (client, timings)
    }
}

extension MemoryConnector {
    /// A connector whose peer reads one request head, writes `raw` back as it is, and closes.
    static func answeringOnce(with raw: String) -> MemoryConnector {
        MemoryConnector(peer: { stream in
            var parser = HTTPRequestParser()
            let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
            defer { buf.deallocate() }
            while (try? parser.next()) ?? nil == nil {
                guard let n = try? await stream.read(into: buf), n > 0 else { break }
                parser.feed(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            }
            try? await stream.write(Array(raw.utf8))
            stream.close()
        })
    }
}

/// Counts events across tasks and lets a test wait for a count (a hang guard, not a timing check).
typealias Counter = EventCounter

/// Waits until `condition` holds, polling; false only after `limit`, a backstop against a real
/// hang (minutes: a busy machine never comes near it, so it is not a timing assertion).
func eventually(limit: Duration = .seconds(600), _ condition: () -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while !condition() {
        if ContinuousClock.now - start > limit { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}
