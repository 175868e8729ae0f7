import OSSCore
import Synchronization

/// Connects the cancel sources of one connection attempt (a `CancellationSignal`, task
/// cancellation) to whatever the attempt is waiting on now: a lookup or a socket.
final class ConnectCancellation: Sendable {
    private struct State {
        var fired = false
        var current: (any Abortable)?
    }
    private let state = Mutex(State())

    init() {}

    var isFired: Bool { state.withLock { $0.fired } }

    /// Fires: aborts the current step and every later one.
    func fire() {
        let current: (any Abortable)? = state.withLock { s in
            if s.fired { return nil }
            s.fired = true
            return s.current
        }
        current?.abort()
    }

    /// Makes `a` the step a cancel aborts.
    /// - Throws: `TransportError.aborted` (after aborting `a`) when the cancel already fired.
    func attach(_ a: any Abortable) throws(TransportError) {
        let fired = state.withLock { s in
            if s.fired { return true }
            s.current = a
            return false
        }
        if fired {
            a.abort()
            throw TransportError.aborted("the connection attempt was cancelled")
        }
    }

    func detach(_ a: any Abortable) {
        state.withLock { s in
            if s.current === a { s.current = nil }
        }
    }
}
