import OSSCore

/// A sleep that ends early, at once, when a `CancellationSignal` fires or the task is cancelled.
/// Retry back-off and rate-limit waits use it, so `disableRequests()` wakes them immediately.
enum InterruptibleSleep {
    /// Sleeps for `duration` unless `signal` fires or the task is cancelled.
    /// - Returns: `nil` after the full duration, else why it was interrupted.
    static func sleep(for duration: Duration, wakingOn signal: CancellationSignal?) async -> CancellationSignal.Reason? {
        if let r = signal?.reason { return r }
        if Task.isCancelled { return .taskCancelled }
        if duration <= .zero { return nil }
        let waiter = Waiter()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CancellationSignal.Reason?, Never>) in
                guard waiter.install(continuation) else { return }
                let key = signal?.onCancel { reason in waiter.finish(reason) }
                let timer = Task {
                    try? await Task.sleep(for: duration)
                    waiter.finish(nil)
                }
                waiter.onFinish {
                    timer.cancel()
                    signal?.remove(key)
                }
            }
        } onCancel: {
            waiter.finish(.taskCancelled)
        }
    }

    /// Settles the race between the timer, the signal and task cancellation: the first finish
    /// resumes the continuation; later ones do nothing.
    private final class Waiter: Sendable {
        private struct State {
            var continuation: CheckedContinuation<CancellationSignal.Reason?, Never>?
            var result: CancellationSignal.Reason?? = nil  // set once finished
            var cleanup: (@Sendable () -> Void)?
        }
        private let state = PThreadMutex(State())

        /// Stores the continuation; resumes it at once (and returns false) if already finished.
        func install(_ c: CheckedContinuation<CancellationSignal.Reason?, Never>) -> Bool {
            let finished: CancellationSignal.Reason?? = state.withLock { s in
                if let r = s.result { return .some(r) }
                s.continuation = c
                return nil
            }
            if let r = finished {
                c.resume(returning: r)
                return false
            }
            return true
        }

        /// Runs `cleanup` once finished (at once if it already is).
        func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { s -> Bool in
                if s.result != nil { return true }
                s.cleanup = cleanup
                return false
            }
            if runNow { cleanup() }
        }

        func finish(_ reason: CancellationSignal.Reason?) {
            let (c, cleanup): (CheckedContinuation<CancellationSignal.Reason?, Never>?, (@Sendable () -> Void)?) =
                state.withLock { s in
                    guard s.result == nil else { return (nil, nil) }
                    s.result = .some(reason)
                    defer {
                        s.continuation = nil
                        s.cleanup = nil
                    }
                    return (s.continuation, s.cleanup)
                }
            cleanup?()
            c?.resume(returning: reason)
        }
    }
}
