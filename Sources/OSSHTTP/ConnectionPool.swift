import OSSCore

/// Kept-alive connections per endpoint, and a cap on connections per endpoint.
///
/// A request first takes a slot (waiting when `maxPerHost` are in use), then an idle connection if
/// one is still good, else it connects. Releasing hands the slot to the next waiter.
final class ConnectionPool: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Host {
        var idle: [HTTPConnection] = []
        var leased = 0
        var waiters: [Waiter] = []
    }

    private struct State {
        var hosts: [Endpoint: Host] = [:]
        var nextID = 0
    }

    private let state = PThreadMutex(State())
    private let maxPerHost: Int
    private let idleExpiry: Duration

    init(maxPerHost: Int, idleExpiry: Duration) {
        self.maxPerHost = max(1, maxPerHost)
        self.idleExpiry = idleExpiry
    }

    /// Takes a slot for `endpoint`, waiting for one if needed.
    /// - Returns: a kept-alive connection that still looks usable, or nil (connect a new one).
    /// - Throws: `CancellationError` when `signal` fires while waiting.
    func acquire(_ endpoint: Endpoint, signal: CancellationSignal) async throws -> HTTPConnection? {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        let granted = state.withLock { s -> Bool in
            if s.hosts[endpoint, default: Host()].leased < maxPerHost {
                s.hosts[endpoint, default: Host()].leased += 1
                return true
            }
            return false
        }
        if !granted {
            let key = signal.onCancel { [weak self] _ in self?.cancelWaiter(endpoint, id: id) }
            defer { signal.remove(key) }
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let now = state.withLock { s -> Bool in
                    if s.hosts[endpoint, default: Host()].leased < maxPerHost {
                        s.hosts[endpoint, default: Host()].leased += 1
                        return true
                    }
                    s.hosts[endpoint, default: Host()].waiters.append(Waiter(id: id, continuation: c))
                    return false
                }
                if now {
                    c.resume()
                } else if signal.isCancelled {
                    // The cancel came before the waiter was queued and found nothing to remove.
                    cancelWaiter(endpoint, id: id)
                }
            }
            if signal.isCancelled {
                release(nil, endpoint: endpoint, reuse: false)
                throw CancellationError()
            }
        }
        return takeIdle(endpoint)
    }

    private func cancelWaiter(_ endpoint: Endpoint, id: Int) {
        let waiter = state.withLock { s -> Waiter? in
            guard let i = s.hosts[endpoint]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.hosts[endpoint]!.waiters.remove(at: i)
        }
        waiter?.continuation.resume(throwing: CancellationError())
    }

    private func takeIdle(_ endpoint: Endpoint) -> HTTPConnection? {
        while true {
            // In place (the `default:` subscript): through `hosts[endpoint]?` the Host was copied out
            // and its idle list copied on write, an allocation on every request.
            let conn = state.withLock { s -> HTTPConnection? in s.hosts[endpoint, default: Host()].idle.popLast() }
            guard let conn else { return nil }
            if ContinuousClock.now - conn.idleSince < idleExpiry && conn.stream.isReusable {
                return conn
            }
            conn.close()
        }
    }

    /// Gives back a slot, with its connection: kept when `reuse`, otherwise closed.
    func release(_ connection: HTTPConnection?, endpoint: Endpoint, reuse: Bool) {
        if let connection, reuse { connection.idleSince = .now }
        let next = state.withLock { s -> Waiter? in
            if let connection, reuse { s.hosts[endpoint, default: Host()].idle.append(connection) }
            if !(s.hosts[endpoint]?.waiters.isEmpty ?? true) {
                return s.hosts[endpoint]!.waiters.removeFirst()
            }
            s.hosts[endpoint, default: Host()].leased -= 1
            return nil
        }
        if let connection, !reuse { connection.close() }
        next?.continuation.resume()
    }

    /// Number of connections to `endpoint` lent to requests now.
    func leasedCount(_ endpoint: Endpoint) -> Int {
        state.withLock { $0.hosts[endpoint]?.leased ?? 0 }
    }

    /// Number of requests waiting for a connection to `endpoint`.
    func waitingCount(_ endpoint: Endpoint) -> Int {
        state.withLock { $0.hosts[endpoint]?.waiters.count ?? 0 }
    }

    /// Number of idle connections kept for `endpoint`.
    func idleCount(_ endpoint: Endpoint) -> Int {
        state.withLock { $0.hosts[endpoint]?.idle.count ?? 0 }
    }

    /// Closes every idle connection.
    func closeIdle() {
        let all = state.withLock { s -> [HTTPConnection] in
            var out: [HTTPConnection] = []
            for key in s.hosts.keys {
                out.append(contentsOf: s.hosts[key]!.idle)
                s.hosts[key]!.idle.removeAll()
            }
            return out
        }
        for c in all { c.close() }
    }

    deinit { closeIdle() }
}
