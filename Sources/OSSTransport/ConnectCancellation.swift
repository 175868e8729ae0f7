import OSSCore

/// Connects the cancel sources of one connection attempt (a `CancellationSignal`, task
/// cancellation) to whatever the attempt is waiting on now: a lookup or a socket.
final class ConnectCancellation: Sendable {
    private struct State {
        var fired = false
        var error = TransportError.aborted("the connection attempt was cancelled")
        var current: (any Abortable)?
    }
    private let state = PThreadMutex(State())

    init() {}

    var isFired: Bool { state.withLock { $0.fired } }

    /// Fires: aborts the current step and every later one.
    /// - Parameter reason: why, for the error message ("requests disabled", "task cancelled").
    func fire(reason: String) {
        let (current, error): ((any Abortable)?, TransportError) = state.withLock { s in
            if s.fired { return (nil, s.error) }
            s.fired = true
            s.error = TransportError.aborted("the connection attempt was cancelled (\(reason))")
            return (s.current, s.error)
        }
        current?.abort(with: error)
    }

    /// The error a cancelled attempt throws.
    var error: TransportError { state.withLock { $0.error } }

    /// Makes `a` the step a cancel aborts.
    /// - Throws: `TransportError.aborted` (after aborting `a`) when the cancel already fired.
    func attach(_ a: any Abortable) throws(TransportError) {
        let fired: TransportError? = state.withLock { s in
            if s.fired { return s.error }
            s.current = a
            return nil
        }
        if let fired {
            a.abort(with: fired)
            throw fired
        }
    }

    func detach(_ a: any Abortable) {
        state.withLock { s in
            if s.current === a { s.current = nil }
        }
    }
}

extension ConnectCancellation {
    /// Runs one connection attempt with a fresh `ConnectCancellation` that `signal` and the
    /// calling task's cancellation both fire.
    static func run<T>(
        signal: CancellationSignal?, _ attempt: (ConnectCancellation) async throws -> T
    ) async throws -> T {
        let cancel = ConnectCancellation()
        let key = signal?.onCancel { reason in cancel.fire(reason: "\(reason)") }
        defer { signal?.remove(key) }
        return try await withTaskCancellationHandler {
            try await attempt(cancel)
        } onCancel: {
            cancel.fire(reason: "task cancelled")
        }
    }

    /// Runs `step` (a tunnel, a handshake) with `tcp`'s socket as what a cancel aborts.
    /// - Throws: `TransportError.aborted`, after closing `tcp`, when the cancel has already fired.
    func whileAttached<T>(_ tcp: TCPStream, _ step: () async throws -> T) async throws -> T {
        do {
            try attach(tcp.socket)
        } catch {
            tcp.close()
            throw error
        }
        defer { detach(tcp.socket) }
        return try await step()
    }
}
