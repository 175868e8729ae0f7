
/// A one-shot cancel signal that I/O can register with, and that any thread may fire.
///
/// Firing runs every registered handler at once, on the firing thread (the handlers shut sockets
/// down; they must be quick and must not block). A handler registered after the signal fired
/// runs immediately. The first reason given wins.
public final class CancellationSignal: Sendable {
    /// Why the signal fired.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The Swift task running the operation was cancelled.
        public static let taskCancelled = Reason("task cancelled")
        /// The client-wide switch (`disableRequests()`) was turned off.
        public static let disabled = Reason("requests disabled")
        /// An upload was paused.
        public static let paused = Reason("paused")
        /// An upload was aborted.
        public static let aborted = Reason("aborted")
        /// A total deadline passed.
        public static let deadline = Reason("deadline passed")
        public var description: String { name }
    }

    /// A registered reaction: a closure, or another signal to fire with the same reason (the
    /// usual link from a call's signal to a request's, kept without a closure's allocation).
    private enum Handler {
        case run(@Sendable (Reason) -> Void)
        case forward(CancellationSignal)
        /// Aborts a stream: what every request registers while it runs, without a closure.
        case abort(any ByteStream)

        func callAsFunction(_ reason: Reason) {
            switch self {
            case .run(let body): body(reason)
            case .forward(let signal): signal.cancel(reason)
            case .abort(let stream): stream.abort()
            }
        }
    }

    private struct State {
        var reason: Reason?
        var nextID = 0
        /// The first handler in place: most signals hold one or two at a time, and a dictionary
        /// allocates on its first insertion (several signals are made for every request).
        var first: (id: Int, handler: Handler)? = nil
        var more: [Int: Handler] = [:]
    }

    private let state = PThreadMutex(State())

    public init() {}

    /// Fires the signal. Only the first call has an effect.
    public func cancel(_ reason: Reason = .taskCancelled) {
        let handlers: [Handler]? = state.withLock { s in
            guard s.reason == nil else { return nil }
            s.reason = reason
            var hs: [Handler] = []
            if let first = s.first { hs.append(first.handler) }
            hs.append(contentsOf: s.more.values)
            s.first = nil
            s.more.removeAll()
            return hs
        }
        for h in handlers ?? [] { h(reason) }
    }

    /// The reason, once fired.
    public var reason: Reason? { state.withLock { $0.reason } }

    public var isCancelled: Bool { reason != nil }

    /// Registers a handler to run when the signal fires (at once, if it already has).
    /// - Returns: a key for `remove(_:)`, or `nil` when the handler already ran.
    @discardableResult
    public func onCancel(_ handler: @escaping @Sendable (Reason) -> Void) -> Int? {
        register(.run(handler))
    }

    /// Fires `other` with the same reason when this signal fires (at once, if it already has).
    /// - Returns: a key for `remove(_:)`, or `nil` when `other` was already fired.
    @discardableResult
    public func forward(to other: CancellationSignal) -> Int? {
        register(.forward(other))
    }

    /// Aborts `stream` when this signal fires (at once, if it already has).
    /// - Returns: a key for `remove(_:)`, or `nil` when the stream was already aborted.
    @discardableResult
    public func abortOnCancel(_ stream: any ByteStream) -> Int? {
        register(.abort(stream))
    }

    private func register(_ handler: Handler) -> Int? {
        let result: (Int?, Reason?) = state.withLock { s in
            if let r = s.reason { return (nil, r) }
            let id = s.nextID
            s.nextID += 1
            if s.first == nil {
                s.first = (id, handler)
            } else {
                s.more[id] = handler
            }
            return (id, nil)
        }
        if let r = result.1 { handler(r) }
        return result.0
    }

    /// Removes a handler that has not run.
    public func remove(_ key: Int?) {
        guard let key else { return }
        state.withLock { s in
            if s.first?.id == key {
                s.first = nil
            } else {
                s.more.removeValue(forKey: key)
            }
        }
    }
}
