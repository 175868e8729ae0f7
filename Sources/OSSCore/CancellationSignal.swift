
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

    private struct State {
        var reason: Reason?
        var nextID = 0
        var handlers: [Int: @Sendable (Reason) -> Void] = [:]
    }

    private let state = PThreadMutex(State())

    public init() {}

    /// Fires the signal. Only the first call has an effect.
    public func cancel(_ reason: Reason = .taskCancelled) {
        let handlers: [@Sendable (Reason) -> Void]? = state.withLock { s in
            guard s.reason == nil else { return nil }
            s.reason = reason
            let hs = Array(s.handlers.values)
            s.handlers.removeAll()
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
        let result: (Int?, Reason?) = state.withLock { s in
            if let r = s.reason { return (nil, r) }
            let id = s.nextID
            s.nextID += 1
            s.handlers[id] = handler
            return (id, nil)
        }
        if let r = result.1 { handler(r) }
        return result.0
    }

    /// Removes a handler that has not run.
    public func remove(_ key: Int?) {
        guard let key else { return }
        _ = state.withLock { $0.handlers.removeValue(forKey: key) }
    }
}
