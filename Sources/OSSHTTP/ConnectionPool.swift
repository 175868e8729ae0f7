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
        // The usual case, a free slot: taken with the newest idle connection in one critical
        // section and one lookup of the host (each request came here three times, hashing its
        // endpoint four times).
        let fast = state.withLock { s -> (granted: Bool, idle: HTTPConnection?) in
            Self.update(&s.hosts[endpoint, default: Host()]) { h in
                guard h.leased < maxPerHost else { return (false, nil) }
                h.leased += 1
                return (true, h.idle.popLast())
            }
        }
        if fast.granted { return takeIdle(endpoint, first: fast.idle) }
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        let key = signal.onCancel { [weak self] _ in self?.cancelWaiter(endpoint, id: id) }
        defer { signal.remove(key) }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let now = state.withLock { s -> Bool in
                Self.update(&s.hosts[endpoint, default: Host()]) { h in
                    if h.leased < maxPerHost {
                        h.leased += 1
                        return true
                    }
                    h.waiters.append(Waiter(id: id, continuation: c))
                    return false
                }
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
        return takeIdle(endpoint)
    }

    /// Runs `body` on a host's entry in place: one lookup for a read and a write.
    private static func update<R>(_ host: inout Host, _ body: (inout Host) -> R) -> R { body(&host) }

    private func cancelWaiter(_ endpoint: Endpoint, id: Int) {
        let waiter = state.withLock { s -> Waiter? in
            guard let i = s.hosts[endpoint]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.hosts[endpoint]!.waiters.remove(at: i)
        }
        waiter?.continuation.resume(throwing: CancellationError())
    }

    /// The newest idle connection that is still good (not expired, nothing waiting on it: no
    /// stray bytes, no close from the server), closing those that are not; `first` is tried
    /// before the list (the one `acquire` took with its slot).
    private func takeIdle(_ endpoint: Endpoint, first: HTTPConnection? = nil) -> HTTPConnection? {
        var candidate = first
        while true {
            // In place (the `default:` subscript): through `hosts[endpoint]?` the Host was copied out
            // and its idle list copied on write, an allocation on every request.
            let conn =
                candidate ?? state.withLock { s -> HTTPConnection? in s.hosts[endpoint, default: Host()].idle.popLast() }
            candidate = nil
            guard let conn else { return nil }
            if ContinuousClock.now - conn.idleSince < idleExpiry && conn.stream.isReusable { return conn }
            conn.close()
        }
    }

    /// Gives back a slot, with its connection: kept when `reuse`, otherwise closed.
    func release(_ connection: HTTPConnection?, endpoint: Endpoint, reuse: Bool) {
        if let connection, reuse { connection.idleSince = .now }
        let next = state.withLock { s -> Waiter? in
            Self.update(&s.hosts[endpoint, default: Host()]) { h in
                if let connection, reuse { h.idle.append(connection) }
                if !h.waiters.isEmpty { return h.waiters.removeFirst() }
                h.leased -= 1
                return nil
            }
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
