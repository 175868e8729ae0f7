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
